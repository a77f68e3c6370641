"""The course's one device helper and one seeding helper.

Every kernel takes ``device=None`` and resolves it with :func:`get_device`, so a
lecture runs on CUDA when present, then Apple's MPS, then the CPU.  The environment
variable ``COURSE_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice,
e.g. ``COURSE_DEVICE=cpu make test`` on a GPU laptop.
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch

from course_lib.core.validate import check_seed

ENV_VAR = "COURSE_DEVICE"


def get_device(device: str | torch.device | None = None) -> torch.device:
    """Return the device to compute on.

    Order: the ``device`` argument, then ``$COURSE_DEVICE``, then CUDA, MPS, CPU.
    """
    choice = device if device is not None else os.environ.get(ENV_VAR) or None
    if choice is not None:
        try:
            resolved = torch.device(choice)
        except (RuntimeError, TypeError) as err:
            raise ValueError(f"device: cannot parse {choice!r} as a torch device") from err
        if resolved.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device: {choice!r} was asked for but CUDA is not available")
        if resolved.type == "mps" and not _mps_available():
            raise ValueError(f"device: {choice!r} was asked for but MPS is not available")
        return resolved
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); return a CPU ``torch.Generator``.

    Kernels that need randomness take a ``seed`` and build their own generator, so
    results do not depend on what ran before; this helper is for lecture-level code.
    """
    seed = check_seed(seed)
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    torch.manual_seed(int(seed))
    return torch.Generator().manual_seed(int(seed))


def generator(seed: int, device: torch.device | None = None) -> torch.Generator:
    """A fresh ``torch.Generator`` on ``device`` seeded with ``seed`` (for kernels)."""
    seed = check_seed(seed)
    dev = torch.device("cpu") if device is None else torch.device(device)
    return torch.Generator(device=dev).manual_seed(int(seed))
