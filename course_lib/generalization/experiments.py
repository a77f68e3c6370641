"""Drivers for lecture 06: one batched ensemble on the digits, and the numbers the lecture's claims use.

:func:`generalization_experiment` trains, in **one** call of :func:`~course_lib.generalization.kernels.train_ensemble`,
every net of the lecture: the label-noise grid (fractions x label draws, one width) and the table in miniature
(growing widths, plain / regularised / random labels).  The summaries read that one run:

* :func:`noise_grid` -- a record per (draw, fraction); :func:`epochs_to_fit` -- the first epoch with zero
  training error;
* :func:`early_stopping` -- the epoch chosen on the (equally noisy) validation set, its test accuracy and the
  paired test correctness against the last epoch;
* :func:`margin_grid`, :func:`margin_study` -- raw and normalised training margins of every grid net; true
  against random labels, with bootstrap intervals on the ratio of medians;
* :func:`capacity_numbers` -- VC scale, norm-based and spectral terms of the trained nets;
* :func:`table_rows` -- the miniature of Zhang et al.'s table.
"""
from __future__ import annotations

import math

import torch

from course_lib.core.data import digits
from course_lib.core.device import generator, get_device
from course_lib.core.validate import check_bool, check_in_range, check_int, check_positive, check_seed
from course_lib.generalization.kernels import (
    count_parameters,
    forward,
    frobenius_capacity,
    init_mlp,
    margins,
    median_ratio_ci,
    normalized_margins,
    random_labels,
    spectral_capacity,
    spectral_complexities,
    train_ensemble,
    vc_dimension_scale,
)

__all__ = [
    "FRACTIONS",
    "N_CLASSES",
    "split_digits",
    "generalization_experiment",
    "noise_grid",
    "epochs_to_fit",
    "early_stopping",
    "margin_grid",
    "margin_study",
    "capacity_numbers",
    "table_rows",
]

#: The label-noise grid: the fraction of training (and validation) labels replaced by uniform draws.
FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
N_CLASSES = 10


def split_digits(n_train: int = 500, n_val: int = 300, seed: int = 0, device=None) -> dict:
    """The shipped digits split at random into train / validation / test (the rest), as ``(n, 64)`` rows.

    Pixels are centred by their training mean and divided by one overall standard deviation (the training
    pixels' after centring), so every pixel keeps its relative scale."""
    images, y = digits()
    n = y.numel()
    n_train = check_int(n_train, "n_train", min_value=10, max_value=n - 20)
    n_val = check_int(n_val, "n_val", min_value=10, max_value=n - n_train - 10)
    perm = torch.randperm(n, generator=generator(check_seed(seed)))
    X = images.reshape(n, -1)
    tr, va, te = perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]
    mean = X[tr].mean(0)
    scale = (X[tr] - mean).std()
    dev = get_device(device)
    out = {"image_shape": (8, 8), "n_classes": N_CLASSES, "pixel_mean": mean, "pixel_scale": float(scale)}
    for name, idx in (("train", tr), ("val", va), ("test", te)):
        out[f"X_{name}"] = ((X[idx] - mean) / scale).to(dev)
        out[f"y_{name}"] = y[idx].to(dev)
    return out


def generalization_experiment(fractions=FRACTIONS, n_draws: int = 4, width: int = 128, table_widths=(16, 96),
                              *, weight_decays=(1e-3, 3e-3, 1e-2), epochs: int = 30, lr: float = 1e-2,
                              batch_size: int = 100, n_train: int = 500, n_val: int = 300, seed: int = 0,
                              device=None, progress: bool = False) -> dict:
    r"""Train every net of the lecture as one ensemble of bias-free ReLU nets 64 -> w -> w -> 10.

    Members: the **noise grid**, ``n_draws`` label draws x ``fractions`` at ``width`` (each member also has its
    own initialisation); the **table**, for each of ``table_widths``: true and random labels, and for every
    table width and ``width``: weight decay $\lambda$ from ``weight_decays`` (true labels; the lecture keeps the
    $\lambda$ with the best validation accuracy).  Validation labels carry the same noise fraction as the
    member's training labels; test labels are always the true ones.  Only the grid is evaluated at every epoch.
    Returns a dict with the split, the members, their labels and the
    :class:`~course_lib.core.history.TrainHistory`."""
    fr = [check_in_range(f, "fractions", 0.0, 1.0) for f in fractions]
    if not fr or 0.0 not in fr or 1.0 not in fr:
        raise ValueError(f"fractions: must include 0 (true labels) and 1 (random labels), got {list(fractions)}")
    n_draws = check_int(n_draws, "n_draws", min_value=1, max_value=64)
    width = check_int(width, "width", min_value=1)
    tws = [check_int(w, "table_widths", min_value=1) for w in table_widths]
    lams = [check_positive(v, "weight_decays") for v in weight_decays]
    check_bool(progress, "progress")
    data = split_digits(n_train, n_val, seed=seed, device=device)

    members = [dict(group="grid", width=width, fraction=f, draw=d, weight_decay=0.0)
               for d in range(n_draws) for f in fr]
    for w in tws:
        members += [dict(group="table", width=w, fraction=f, draw=0, weight_decay=0.0) for f in (0.0, 1.0)]
    members += [dict(group="table", width=w, fraction=0.0, draw=0, weight_decay=lam) for w in tws + [width]
                for lam in lams]
    fractions_all = [m["fraction"] for m in members]
    Y = random_labels(data["y_train"], fractions_all, N_CLASSES, seed=seed + 1)
    Y_val = random_labels(data["y_val"], fractions_all, N_CLASSES, seed=seed + 2)
    weights, masks = init_mlp([m["width"] for m in members], data["X_train"].shape[1], N_CLASSES,
                              seed=seed + 3, device=device)
    grid = torch.arange(n_draws * len(fr)).reshape(n_draws, len(fr))  # the grid members come first
    history = train_ensemble(
        weights, masks, data["X_train"], Y, epochs=epochs, lr=lr, batch_size=batch_size,
        weight_decay=[m["weight_decay"] for m in members],
        evals={"val": (data["X_val"], Y_val), "test": (data["X_test"], data["y_test"])},
        keep_correct=("test",), track=grid.reshape(-1), seed=seed + 4, progress=progress)
    return dict(data=data, members=members, fractions=tuple(fr), n_draws=n_draws, width=width,
                table_widths=tuple(tws), weight_decays=tuple(lams), Y=Y, Y_val=Y_val, history=history,
                masks=masks, grid=grid, epochs=epochs)


def noise_grid(res: dict, record: str) -> torch.Tensor:
    """A per-epoch record (``"acc_train"``, ``"acc_val"``, ``"acc_test"`` or ``"loss"``) of the grid members:
    ``(n_draws, n_fractions, epochs + 1)``."""
    h = res["history"]
    series = h.loss if record == "loss" else getattr(h, record)  # (epochs + 1, B)
    return series[:, res["grid"]].permute(1, 2, 0)


def epochs_to_fit(res: dict) -> torch.Tensor:
    """The first epoch with zero training error of every member ``(B,)`` (``-1``: never, within the run)."""
    acc = res["history"].acc_train  # (epochs + 1, B)
    done = acc >= 1.0
    first = done.float().argmax(0)
    return torch.where(done.any(0), first, torch.full_like(first, -1))


def early_stopping(res: dict) -> dict:
    """Early stopping on the validation set, for the grid: the epoch with the best validation accuracy (on the
    member's own, equally noisy, validation labels; the first one on ties), the test accuracy there and at the
    last epoch, and the test correctness of both (``(draws, fractions, n_test)`` bool, for paired tests)."""
    h = res["history"]
    idx = res["grid"]  # (draws, fractions)
    best = h.acc_val.argmax(0)  # (B,)
    members = torch.arange(h.acc_val.shape[1])
    test_best = h.acc_test[best, members]
    correct = h.correct_test  # (epochs + 1, B, n_test)
    return dict(epoch=best[idx], test_stopped=test_best[idx], test_last=h.acc_test[-1][idx],
                correct_stopped=correct[best, members][idx], correct_last=correct[-1][idx])


def _logits(res: dict, X) -> torch.Tensor:
    with torch.no_grad():
        return forward(res["history"].weights, X, res["masks"]).double()


def margin_grid(res: dict) -> dict:
    """Every grid member's $R_A$ (references 0) ``(draws, fractions)`` and its training margins on its own
    labels, raw and divided by $R_A\\|X\\|_F/n$: ``(draws, fractions, n)`` each."""
    X = res["data"]["X_train"]
    idx = res["grid"].reshape(-1)
    R = spectral_complexities([A[idx] for A in res["history"].weights])  # (draws * fractions,)
    logits = _logits(res, X)[idx]  # (draws * fractions, n, k)
    Y = res["Y"][idx]
    shape = tuple(res["grid"].shape)
    raw = margins(logits, Y).reshape(*shape, -1).cpu()
    norm = normalized_margins(logits, Y, R, X).reshape(*shape, -1).cpu()
    return dict(R_A=R.reshape(shape).cpu(), raw=raw, norm=norm)


def margin_study(res: dict, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """The margins of :func:`margin_grid`, true labels (fraction 0) against random labels (fraction 1), pooled
    over the draws: the ratio of medians (true / random), raw and normalised, each with its bootstrap interval
    (NaN when a median is not positive: nets that did not fit their labels)."""
    out = margin_grid(res)
    j0, j1 = res["fractions"].index(0.0), res["fractions"].index(1.0)
    for kind in ("raw", "norm"):
        out[f"{kind}_true"], out[f"{kind}_random"] = out[kind][:, j0].reshape(-1), out[kind][:, j1].reshape(-1)
        if float(out[f"{kind}_random"].median()) > 0 and float(out[f"{kind}_true"].median()) > 0:
            out[f"{kind}_ratio"], out[f"{kind}_ci"] = median_ratio_ci(out[f"{kind}_true"], out[f"{kind}_random"],
                                                                      n_boot=n_boot, seed=seed)
        else:  # nets that do not fit their labels: no ratio of medians to speak of
            out[f"{kind}_ratio"], out[f"{kind}_ci"] = math.nan, (math.nan, math.nan)
    return out


def capacity_numbers(res: dict, quantile: float = 0.1) -> dict:
    """Capacity numbers of the grid's true-label nets at margin $\\gamma$ = the ``quantile`` of their training
    margins (so the empirical margin loss is ``quantile``): parameters, the VC scale $WL\\log_2W$, the norm-based
    (Frobenius) and the spectral terms, each per draw; a term $\\ge 1$ bounds nothing."""
    q = check_in_range(quantile, "quantile", 0.0, 1.0, closed=False)
    X = res["data"]["X_train"]
    idx = res["grid"][:, res["fractions"].index(0.0)]
    W = [A[idx] for A in res["history"].weights]
    m = margins(_logits(res, X)[idx], res["Y"][idx])  # (draws, n)
    gamma = m.quantile(q, dim=1)
    ok = gamma > 0  # a margin bound needs a positive margin; nets that do not fit get NaN terms
    safe = torch.where(ok, gamma, torch.ones_like(gamma))
    nan = torch.tensor(math.nan, dtype=gamma.dtype, device=gamma.device)
    n_params = count_parameters(res["width"], X.shape[1], N_CLASSES)
    return dict(n=X.shape[0], n_params=n_params, vc=vc_dimension_scale(n_params, len(W)), gamma=gamma.cpu(),
                frobenius=torch.where(ok, frobenius_capacity(W, X, safe), nan).cpu(),
                spectral=torch.where(ok, spectral_capacity(W, X, safe), nan).cpu(), quantile=q)


def table_rows(res: dict) -> list[dict]:
    r"""The miniature of Zhang et al.'s table: per width, true labels, weight decay (the $\lambda$ of the grid with the
    best validation accuracy) and random labels, with parameters p, p/n, the last epoch's training error and loss
    and the test error (true test labels)."""
    h = res["history"]
    n, d = res["data"]["X_train"].shape
    ms = res["members"]
    rows = []
    for w in sorted(set(res["table_widths"]) | {res["width"]}):
        plain = next(b for b, m in enumerate(ms) if m["width"] == w and m["fraction"] == 0 and m["weight_decay"] == 0)
        rand = next(b for b, m in enumerate(ms) if m["width"] == w and m["fraction"] == 1 and m["weight_decay"] == 0)
        decayed = [b for b, m in enumerate(ms) if m["width"] == w and m["weight_decay"] > 0]
        chosen = max(decayed, key=lambda b: (float(h.acc_val[-1, b]), -b)) if decayed else None
        p = count_parameters(w, d, N_CLASSES)
        for b, label in ((plain, "true labels"), (chosen, "true labels, weight decay"), (rand, "random labels")):
            if b is None:
                continue
            rows.append(dict(width=w, variant=label, params=p, p_over_n=p / n, member=b,
                             weight_decay=ms[b]["weight_decay"], train_error=1 - float(h.acc_train[-1, b]),
                             train_loss=float(h.loss[-1, b]), test_error=1 - float(h.acc_test[-1, b]),
                             val_accuracy=float(h.acc_val[-1, b])))
    return rows
