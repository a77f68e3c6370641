"""Lecture 02's drivers: the index bookkeeping and summary numbers around the kernels.

* :func:`receptive_field_mask`, :func:`filters_in_image` -- where a first-layer unit at the
  image centre can see, and its filter placed there (what activation maximisation must return);
* :func:`top_digits` -- the images that excite each first-layer unit most (the widget);
* :func:`few_shot_rows` -- each seed's few-shot training set, drawn per class (transfer);
* :func:`paired_gain` -- the mean paired accuracy gain of transferred over scratch networks,
  and its standard error over seeds.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from course_lib.cnn.kernels import IMAGE, _check_params, _conv1
from course_lib.core.validate import check_int

__all__ = ["receptive_field_mask", "filters_in_image", "top_digits", "few_shot_rows", "paired_gain"]


def receptive_field_mask(kernel_size: int, image: int = IMAGE) -> torch.Tensor:
    """Boolean (image, image) mask of the pixels a ``kernel_size`` x ``kernel_size`` filter centred
    at pixel (image // 2, image // 2) reads."""
    k = check_int(kernel_size, "kernel_size", min_value=1)
    image = check_int(image, "image", min_value=k)
    c, h = image // 2, k // 2
    rf = torch.zeros(image, image, dtype=torch.bool)
    rf[c - h : c + h + 1, c - h : c + h + 1] = True
    return rf


def filters_in_image(params, model: int = 0) -> torch.Tensor:
    """The first-layer filters of one model placed at the image centre, zero elsewhere: (C1, 8, 8)
    on the CPU (for a linear unit and the L2 prior, activation maximisation returns exactly this)."""
    W1 = _check_params(params)["W1"]
    model = check_int(model, "model", min_value=0, max_value=W1.shape[0] - 1)
    C1, k = W1.shape[1], W1.shape[-1]
    rf = receptive_field_mask(k)
    placed = torch.zeros(C1, IMAGE, IMAGE, dtype=W1.dtype)
    placed[:, rf] = W1[model].reshape(C1, -1).cpu()
    return placed


def top_digits(params, X, n_top: int) -> torch.Tensor:
    """Indices (C1, n_top) of the images that most excite each conv1 unit of model 0 (max over positions)."""
    n_top = check_int(n_top, "n_top", min_value=1)
    with torch.no_grad():
        z1 = _conv1({n: t[:1] for n, t in _check_params(params).items()}, X)  # (N, C1, 8, 8)
    score = z1.flatten(2).max(-1).values  # (N, C1)
    return score.topk(n_top, dim=0).indices.T


def few_shot_rows(y, classes: Sequence[int], n_seeds: int, per_class: int, seed: int = 0) -> torch.Tensor:
    """Row indices (len(classes) * per_class, n_seeds) into ``y``: for each seed, ``per_class``
    random rows of every class in ``classes`` (class by class), drawn without replacement from
    one seeded generator."""
    y = torch.as_tensor(y)
    if y.dtype.is_floating_point or y.ndim != 1:
        raise TypeError(f"y: expected a 1-D tensor of integer labels, got dtype {y.dtype}, shape {tuple(y.shape)}")
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    per_class = check_int(per_class, "per_class", min_value=1)
    members = [(y == check_int(c, "classes")).nonzero().flatten() for c in classes]
    if not members or min(len(m) for m in members) < per_class:
        raise ValueError(f"classes: every class needs at least per_class={per_class} rows in y")
    g = torch.Generator().manual_seed(check_int(seed, "seed"))
    rows = [torch.cat([m[torch.randperm(len(m), generator=g)[:per_class]] for m in members]) for _ in range(n_seeds)]
    return torch.stack(rows, dim=1)


def paired_gain(acc, n_paired: int) -> tuple[np.floating, np.floating]:
    """Mean and standard error of ``acc[:n] - acc[n:2n]`` (one accuracy per model; models ``i`` and
    ``n + i`` share seed ``i``'s data): the paired gain over seeds and ``std(ddof=1) / sqrt(n)``."""
    n = check_int(n_paired, "n_paired", min_value=2)
    acc = torch.as_tensor(acc)
    if acc.shape != (2 * n,):
        raise ValueError(f"acc: expected {2 * n} accuracies (n_paired={n} pairs), got shape {tuple(acc.shape)}")
    d = (acc[:n] - acc[n:]).numpy()
    return d.mean(), d.std(ddof=1) / math.sqrt(n)
