"""Lecture 02's drivers: the index bookkeeping and summary numbers around the kernels.

* :func:`receptive_field_mask`, :func:`filters_in_image` -- where a first-layer unit at the
  image centre can see, and its filter placed there (what activation maximisation must return);
* :func:`top_digits` -- the images that excite each first-layer unit most (the widget);
* :func:`few_shot_rows` -- each seed's few-shot training set, drawn per class (transfer);
* :data:`TRANSFER_ARMS`, :func:`transfer_init` -- the transfer experiment's networks: which
  lower conv layers are copied from the pre-trained network or left random, and which are frozen;
* :func:`mean_ci` -- a mean with its Student-t confidence interval (paired differences over
  seeds, atoms' spreads);
* :func:`paired_accuracy_ci` -- the confidence interval of the accuracy difference of two
  classifiers on the *same* test items (Newcombe 1998, method 10), for an equivalence margin.

``mean_ci`` and ``paired_accuracy_ci`` live in :mod:`course_lib.core.stats`; this module re-exports them.
"""
from __future__ import annotations

from typing import Sequence

import torch

from course_lib.cnn.kernels import IMAGE, _check_params, _conv1, _labels, init_cnn
from course_lib.core.stats import mean_ci, paired_accuracy_ci
from course_lib.core.validate import check_int, check_memory

__all__ = [
    "receptive_field_mask",
    "filters_in_image",
    "top_digits",
    "few_shot_rows",
    "TRANSFER_ARMS",
    "transfer_init",
    "mean_ci",
    "paired_accuracy_ci",
]


def receptive_field_mask(kernel_size: int, image: int = IMAGE) -> torch.Tensor:
    """Boolean (image, image) mask of the pixels a ``kernel_size`` x ``kernel_size`` filter centred
    at pixel (image // 2, image // 2) reads."""
    k = check_int(kernel_size, "kernel_size", min_value=1)
    image = check_int(image, "image", min_value=1)
    if image < k:
        raise ValueError(f"kernel_size: a {k} x {k} filter does not fit in a {image} x {image} image")
    check_memory(image * image, "image", itemsize=1, what="the mask")
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
        z1 = _conv1({n: t[:1] for n, t in _check_params(params).items()}, X, name="X")  # (N, C1, 8, 8)
    if n_top > z1.shape[0]:
        raise ValueError(f"n_top: {n_top} top digits asked from {z1.shape[0]} images")
    score = z1.flatten(2).max(-1).values  # (N, C1)
    return score.topk(n_top, dim=0).indices.T


def few_shot_rows(y, classes: Sequence[int], n_seeds: int, per_class: int, seed: int = 0) -> torch.Tensor:
    """Row indices (len(classes) * per_class, n_seeds) into ``y``: for each seed, ``per_class``
    random rows of every class in ``classes`` (class by class), drawn without replacement from
    one seeded generator."""
    y = _labels(y, "y")
    if y.ndim != 1:
        raise ValueError(f"y: expected a 1-D tensor of integer labels, got shape {tuple(y.shape)}")
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    per_class = check_int(per_class, "per_class", min_value=1)
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence) or not classes:
        raise TypeError(f"classes: expected a non-empty sequence of class labels, got {classes!r:.60}")
    check_memory(2 * n_seeds * (len(classes) * per_class + y.numel()),
                 "n_seeds" if n_seeds > per_class else "per_class", what="the seeds' row draws")
    members = [(y == check_int(c, "classes")).nonzero().flatten() for c in classes]
    if not members or min(len(m) for m in members) < per_class:
        raise ValueError(f"classes: every class needs at least per_class={per_class} rows in y")
    g = torch.Generator().manual_seed(check_int(seed, "seed"))
    rows = [torch.cat([m[torch.randperm(len(m), generator=g)[:per_class]] for m in members]) for _ in range(n_seeds)]
    return torch.stack(rows, dim=1)


# (name, lower layers copied from the pre-trained network?, conv layers frozen from the bottom)
TRANSFER_ARMS = (
    ("transferred, conv1 frozen", True, 1),
    ("transferred, conv1 + conv2 frozen", True, 2),
    ("transferred, all layers fine-tuned", True, 0),
    ("random, conv1 frozen", False, 1),
    ("random, conv1 + conv2 frozen", False, 2),
)


def transfer_init(pretrained, n_seeds: int, n_classes: int = 5, seed: int = 0, device=None):
    """Initial parameters and frozen depths of the transfer experiment, ``len(TRANSFER_ARMS) * n_seeds``
    networks, arm-major (network ``a * n_seeds + s`` is arm ``a`` on seed ``s``'s training set).

    Transferred arms start from the pre-trained network's two conv layers (model 0 of
    ``pretrained``); random arms keep their He initialisation.  Every arm gets a fresh random
    read-out for the ``n_classes`` new classes.  Returns ``(params, frozen)`` for
    :func:`~course_lib.cnn.train.train_cnn` (``frozen``: conv layers frozen per network).
    """
    if not isinstance(pretrained, dict) or any(n not in pretrained for n in ("W1", "b1", "W2", "b2", "W3", "b3")):
        raise TypeError("pretrained: expected the parameter dict of a trained CNN (from train_cnn)")
    pre = _check_params(pretrained)
    n_seeds = check_int(n_seeds, "n_seeds", min_value=2)
    n_classes = check_int(n_classes, "n_classes", min_value=2)
    A = len(TRANSFER_ARMS)
    per_net = sum(int(pre[k][0].numel()) for k in ("W1", "b1", "W2", "b2")) + n_classes * (pre["W3"].shape[-1] + 1)
    check_memory(2 * A * n_seeds * per_net, "n_seeds" if n_seeds > n_classes else "n_classes",
                 itemsize=pre["W1"].element_size(), what="the transfer networks")
    init = init_cnn(A * n_seeds, channels=(pre["W1"].shape[1], pre["W2"].shape[1]), kernel_size=pre["W1"].shape[-1],
                    n_classes=n_classes, seed=seed, device=device, dtype=pre["W1"].dtype)
    arm = torch.arange(A * n_seeds) // n_seeds
    copied = torch.tensor([c for _, c, _ in TRANSFER_ARMS])[arm]
    for name in ("W1", "b1", "W2", "b2"):
        init[name][copied] = pre[name][0].to(init[name].device)
    frozen = torch.tensor([d for _, _, d in TRANSFER_ARMS])[arm]
    return init, frozen
