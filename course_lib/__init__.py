"""course_lib: the shared, GPU-aware kernels of *Mathematical Theories of Deep Learning*.

One module per topic (``perceptron``, ``backprop``, ``sparse``, ...), plus a small core:

* :mod:`course_lib.device`   -- the one device helper and the one seeding helper;
* :mod:`course_lib.validate` -- argument checks that name the offending argument;
* :mod:`course_lib.claims`   -- claims printed with their measured figure, raising when false;
* :mod:`course_lib.plotting` -- the course's plotly template and offline renderer;
* :mod:`course_lib.widgets`  -- thin ipywidgets + FigureWidget wrappers;
* :mod:`course_lib.exercises`-- self-checking exercises;
* :mod:`course_lib.data`     -- generators and data shipped inside packages (no downloads).
"""
from course_lib.device import get_device, seed_everything

__all__ = ["get_device", "seed_everything"]
__version__ = "0.1.0"
