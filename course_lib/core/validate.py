"""Argument checks shared by every public function of ``course_lib``.

Each check raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError``
(wrong shape, non-finite value, out-of-range hyper-parameter) with a message that
starts with the argument's name, so a student sees at once what to change.
"""
from __future__ import annotations

import math
import numbers
import os
from typing import Sequence

import numpy as np
import torch

__all__ = [
    "as_tensor",
    "check_positive",
    "check_int",
    "check_in_range",
    "check_labels_pm1",
    "check_callable",
    "check_layer_sizes",
    "Diverged",
    "check_bool",
    "per_batch",
    "check_float_dtype",
    "check_seed",
    "check_memory",
    "check_steps",
    "MEMORY_ENV",
    "STEPS_ENV",
]

MEMORY_ENV = "COURSE_MAX_BYTES"  # override the allocation limit (bytes)
STEPS_ENV = "COURSE_MAX_STEPS"   # override the step-count limit
DEFAULT_MAX_STEPS = 50_000_000


class Diverged(RuntimeError):
    """Raised (or reported) when an iteration blows up, e.g. a step size too large."""


def as_tensor(
    x,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    finite: bool = True,
    min_size: int = 1,
) -> torch.Tensor:
    """Convert ``x`` (tensor, ndarray or nested list of numbers) to a float tensor, checked.

    ``shape`` may hold ``None`` for free dimensions.  Integer inputs are promoted to
    ``dtype`` (default ``float64`` for non-tensors, the tensor's own float dtype otherwise);
    booleans, complex numbers, strings and objects are rejected with ``TypeError``.
    """
    if isinstance(x, torch.Tensor):
        t = x  # keeps its autograd graph: potentials and losses are differentiated through it
    elif isinstance(x, np.ndarray):
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{name}: expected a real numeric array, got dtype {x.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, (list, tuple)) or isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            arr = np.asarray(x)
        except ValueError as err:  # ragged lists
            raise ValueError(f"{name}: ragged or malformed sequence ({err})") from err
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name}: expected real numbers, got {arr.dtype} values")
        t = torch.from_numpy(arr)
    else:
        raise TypeError(f"{name}: expected a tensor or array, got {type(x).__name__}")

    if t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"{name}: expected a real tensor, got dtype {t.dtype}")
    if dtype is None:
        dtype = t.dtype if t.is_floating_point() else torch.float64
    check_float_dtype(dtype)
    t = t.to(dtype=dtype, device=device)

    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if t.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name}: expected {want} dimension(s), got shape {tuple(t.shape)}")
    if shape is not None:
        if t.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, t.shape)):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name}: expected shape {want}, got {tuple(t.shape)}")
    if t.numel() < min_size:
        raise ValueError(f"{name}: expected at least {min_size} element(s), got shape {tuple(t.shape)}")
    # a NaN or an infinity makes the sum non-finite, so a finite sum clears the tensor in one pass; only a
    # non-finite sum (maybe an overflow of finite values) needs the elementwise check
    if finite and t.numel() and not bool(torch.isfinite(t.detach().sum())) and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return t


def _real_scalar(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
            value = value.item()
        else:
            raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value}")
    return value


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``float(value)`` if it is a finite number > 0 (or >= 0)."""
    v = _real_scalar(value, name)
    if v < 0 or (v == 0 and not allow_zero):
        rel = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: must be {rel}, got {value}")
    return v


def check_in_range(value, name: str, low: float, high: float, *, closed: bool = True) -> float:
    """Return ``float(value)`` if ``low <= value <= high`` (or strict when ``closed=False``)."""
    v = _real_scalar(value, name)
    ok = low <= v <= high if closed else low < v < high
    if not ok:
        brackets = "[]" if closed else "()"
        raise ValueError(f"{name}: must lie in {brackets[0]}{low}, {high}{brackets[1]}, got {value}")
    return v


def check_int(value, name: str, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """Return ``int(value)`` for an integer within ``[min_value, max_value]``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    v = int(value)
    if min_value is not None and v < min_value:
        raise ValueError(f"{name}: must be >= {min_value}, got {v}")
    if max_value is not None and v > max_value:
        raise ValueError(f"{name}: must be <= {max_value}, got {v}")
    return v


def check_labels_pm1(y: torch.Tensor, name: str = "y") -> torch.Tensor:
    """Check that a label tensor holds only -1 and +1."""
    bad = (y != 1) & (y != -1)
    if bool(bad.any()):
        example = y[bad].flatten()[0].item()
        raise ValueError(f"{name}: labels must be -1 or +1, found {example}")
    return y


def check_layer_sizes(sizes, name: str = "sizes", min_layers: int = 1) -> list[int]:
    """Layer widths [d_in, h_1, ..., d_out] of a network with at least ``min_layers`` weight layers."""
    if not isinstance(sizes, (list, tuple)) or len(sizes) < min_layers + 1:
        raise ValueError(f"{name}: expected a list [d_in, h_1, ..., d_out] with at least {min_layers} "
                         f"layer(s), got {sizes!r}")
    return [check_int(s, name, min_value=1) for s in sizes]


def check_callable(fn, name: str):
    if not callable(fn):
        raise TypeError(f"{name}: expected a callable, got {type(fn).__name__}")
    return fn


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a real bool (``True``/``False`` or a NumPy bool); 0, 1, "yes" are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")


def per_batch(value, name: str, *, size: int | None = None, allow_zero: bool = False, max_ndim: int = 1,
              dtype: torch.dtype = torch.float64, device=None) -> tuple[torch.Tensor, bool]:
    """The one "a scalar or one value per batch entry" check.

    Returns ``(t, batched)``: ``t`` is 1-D (a scalar becomes one entry; with ``size`` it is
    expanded to ``size`` entries), every entry finite and > 0 (>= 0 with ``allow_zero``);
    ``batched`` says whether the caller passed a sequence or array of at least one dimension
    (so results keep a batch axis).  Arrays of up to ``max_ndim`` dimensions are accepted
    (``max_ndim=2`` keeps 2-D input as is, e.g. one value per layer and run).
    """
    rel = ">= 0" if allow_zero else "> 0"
    if isinstance(value, (list, tuple, np.ndarray, torch.Tensor)):
        t = as_tensor(value, name, ndim=tuple(range(max_ndim + 1)), dtype=dtype, device=device)
        batched = t.ndim >= 1
        if t.ndim <= 1:
            t = t.reshape(-1)
    else:
        t = torch.tensor([check_positive(value, name, allow_zero=allow_zero)], dtype=dtype, device=device)
        batched = False
    bad = (t < 0) if allow_zero else (t <= 0)
    if bool(bad.any()):
        raise ValueError(f"{name}: must be {rel}, got {t[bad][0].item():g}")
    if size is not None and t.ndim == 1:
        if t.numel() not in (1, size):
            raise ValueError(f"{name}: expected a scalar or {size} values (one per batch entry), "
                             f"got shape {tuple(t.shape)}")
        t = t.expand(size)
    return t, batched


def check_float_dtype(dtype, name: str = "dtype") -> torch.dtype:
    """A floating torch dtype (float16/32/64, bfloat16); integer or bool dtypes would silently
    truncate data in [0, 1] to zeros."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating torch dtype such as torch.float64, got {dtype!r}")
    return dtype


def check_seed(seed, name: str = "seed") -> int:
    """A seed torch and NumPy accept: an int in [0, 2**63 - 1]."""
    return check_int(seed, name, min_value=0, max_value=2**63 - 1)


def _memory_limit() -> int:
    env = os.environ.get(MEMORY_ENV)
    if env:
        try:
            return int(float(env))
        except ValueError as err:
            raise ValueError(f"{MEMORY_ENV}: expected a number of bytes, got {env!r}") from err
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 8 * 2**30
    return int(0.5 * total)


def check_memory(n_elements, name: str, *, itemsize: int = 8, what: str = "this call") -> int:
    """Refuse, before allocating, a call whose tensors hold more than the limit: half the machine's
    memory, or ``COURSE_MAX_BYTES``.  ``n_elements`` is the estimated element count; the error names
    ``name``, the argument that makes it large."""
    n = int(n_elements)
    need, limit = n * int(itemsize), _memory_limit()
    if need > limit:
        raise ValueError(f"{name}: {what} would need about {need / 2**30:.3g} GiB, above the limit of "
                         f"{limit / 2**30:.3g} GiB (half the machine's memory; set {MEMORY_ENV} to change it)")
    return need


def check_steps(n_steps, name: str, *, what: str = "this run") -> int:
    """Refuse a run that would take more than ``COURSE_MAX_STEPS`` (default 5e7) steps; ``name`` is the
    argument that caused the count (e.g. a tiny step size)."""
    limit = int(float(os.environ.get(STEPS_ENV, DEFAULT_MAX_STEPS)))
    n = float(n_steps)
    if not math.isfinite(n) or n > limit:
        raise ValueError(f"{name}: {what} would take {n:.3g} steps, above the limit of {limit:.3g} "
                         f"(set {STEPS_ENV} to change it)")
    return int(n)
