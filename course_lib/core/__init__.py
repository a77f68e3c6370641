"""The core every topic builds on; it imports no topic, no ``ui`` and no ``app``.

* :mod:`~course_lib.core.device`    -- the one device helper (CUDA -> MPS -> CPU) and seeding;
* :mod:`~course_lib.core.validate`  -- argument checks whose errors name the argument; ``Diverged``;
* :mod:`~course_lib.core.claims`    -- claims printed with their measured figure, raising when false;
* :mod:`~course_lib.core.stats`     -- exact tests (scipy.stats) for the claims;
* :mod:`~course_lib.core.exercises` -- self-checking exercises, stepped hints, predictions;
* :mod:`~course_lib.core.data`      -- generators and data shipped inside packages (no downloads);
* :mod:`~course_lib.core.optim`     -- the hand-written Adam;
* :mod:`~course_lib.core.mlp`       -- the one batched MLP (for lectures that do not teach backprop);
* :mod:`~course_lib.core.history`   -- the one training-history type;
* :mod:`~course_lib.core.progress`  -- the one progress-bar helper;
* :mod:`~course_lib.core.registry`  -- explicit, lazily imported registries.
"""
