"""course_lib: the shared, GPU-aware kernels of *Mathematical Theories of Deep Learning*.

The package has three layers; imports run downwards only (``tests/test_architecture.py``
and the import-linter contract in ``pyproject.toml`` enforce it):

* :mod:`course_lib.app`   -- ``make lab`` and ``make html`` (may import anything);
* :mod:`course_lib.catalog` -- the explicit list of each lecture's widget builder;
* topics -- ``perceptron``, ``backprop``, ``overview`` (single modules) and the packages
  ``sparse``, ``sparse_coding``, ``cnn``, ``langevin``, ``admm``
  (kernels -> experiments -> widget, exercises);
* :mod:`course_lib.ui`    -- plotly template and thin widget wrappers;
* :mod:`course_lib.core`  -- device, validation, claims, statistics, exercises, data,
  optimisers, progress bars, histories, registries.  ``core`` imports no topic.

The modules that moved into ``core`` and ``ui`` keep their old dotted paths
(``course_lib.claims``, ``course_lib.plotting``, ...) through a lazy alias, so notebooks
written against the flat layout still run.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

from course_lib.core.device import get_device, seed_everything

__all__ = ["get_device", "seed_everything"]
__version__ = "0.2.0"

#: Old flat module path -> where the module lives now.
MOVED = {
    "course_lib.device": "course_lib.core.device",
    "course_lib.validate": "course_lib.core.validate",
    "course_lib.claims": "course_lib.core.claims",
    "course_lib.exercises": "course_lib.core.exercises",
    "course_lib.data": "course_lib.core.data",
    "course_lib.plotting": "course_lib.ui.plotting",
    "course_lib.widgets": "course_lib.ui.widgets",
}


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system the module already imported under its new name."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._spec  # the import system stamped the alias's spec on it


class _MovedModules(importlib.abc.MetaPathFinder):
    """Resolve an old flat path to the module object at its new path (imported on first use)."""

    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        return None if new is None else importlib.machinery.ModuleSpec(fullname, _AliasLoader(new))


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())
