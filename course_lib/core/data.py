"""Data generators and data shipped inside packages. Nothing is downloaded.

* :func:`xor` -- the four XOR points with labels in {-1, +1} (Minsky & Papert 1969).
* :func:`separable_blobs` -- linearly separable points with a chosen geometric margin.
* :func:`digits` -- scikit-learn's shipped 8x8 digits (1,797 images).
* :func:`sample_photographs` -- scikit-learn's two shipped colour photographs, as grey.
"""
from __future__ import annotations

import numpy as np
import torch

from course_lib.core.validate import check_float_dtype, check_int, check_positive, check_seed

__all__ = ["xor", "separable_blobs", "digits", "sample_photographs"]


def xor(dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """XOR inputs ``X`` (4, 2) in {0,1}² and labels ``y`` (4,) in {-1, +1}."""
    check_float_dtype(dtype)
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=dtype)
    y = torch.tensor([-1.0, 1.0, 1.0, -1.0], dtype=dtype)
    return X, y


def separable_blobs(
    n: int = 100, margin: float = 0.2, dim: int = 2, seed: int = 0, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` points in ``dim`` dimensions split by a random hyperplane through the origin
    with geometric margin at least ``margin`` (points are pushed off the plane).

    Returns ``(X, y, u)`` with labels ``y`` in {-1, +1} and the generating unit normal ``u``.
    The *maximum* margin of the data is >= ``margin``; it is not ``u``'s margin in general.
    """
    n = check_int(n, "n", min_value=2)
    dim = check_int(dim, "dim", min_value=1)
    margin = check_positive(margin, "margin")
    check_seed(seed)
    check_float_dtype(dtype)
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(dim, generator=g, dtype=dtype)
    u = u / u.norm()
    X = torch.randn(n, dim, generator=g, dtype=dtype)
    y = torch.where(torch.arange(n) % 2 == 0, 1.0, -1.0).to(dtype)  # balanced classes
    along = X @ u
    X = X + (y * (along.abs() + margin) - along)[:, None] * u  # u·x = y(|u·x| + margin)
    return X, y, u


def digits(dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's shipped digits: images (1797, 8, 8) scaled to [0, 1] and labels (1797,).

    Reads the ``digits.csv.gz`` inside the scikit-learn wheel with NumPy, as ``load_digits``
    does, but without importing scikit-learn (whose import costs ~1.7 s of CPU per lecture).
    """
    import gzip
    import importlib.util
    from pathlib import Path

    check_float_dtype(dtype)
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("digits: scikit-learn (which ships the data) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",")
    images = torch.tensor(table[:, :-1].reshape(-1, 8, 8) / 16.0, dtype=dtype)
    return images, torch.tensor(table[:, -1].astype(np.int64))


def sample_photographs(dtype: torch.dtype = torch.float64) -> list[torch.Tensor]:
    """scikit-learn's two shipped photographs (china, flower) as grey images in [0, 1]."""
    from sklearn.datasets import load_sample_images

    check_float_dtype(dtype)
    images = load_sample_images().images
    weights = np.array([0.299, 0.587, 0.114])
    return [torch.tensor((img.astype(np.float64) / 255.0) @ weights, dtype=dtype) for img in images]
