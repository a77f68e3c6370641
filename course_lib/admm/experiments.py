r"""Drivers and summaries behind lecture 09's claims and figures.

Vanishing gradients (Nielsen, *Neural Networks and Deep Learning* ch. 5): :func:`layer_gradient_norms`,
:func:`per_layer_factor`.  The theorem's constants (Zeng et al. 2021,
Theorem 1): :func:`theorem_conditions`.  The y = x^2 runs: :func:`square_data`, :func:`widget_runs`
(every ADMM/BCD/BP run of the lecture's sections 2 and 4 and of the widget, in two batches) and the
bookkeeping that reads them (:func:`lagrangian_increases`, :func:`beta_report`, :func:`residual_slope`,
:func:`saturation_table`).  The lecture's figures are drawn in :mod:`course_lib.admm.widget`.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from course_lib.admm.kernels import check_data
from course_lib.admm.train import admm_train, bp_train
from course_lib.core.device import generator, get_device
from course_lib.core.history import TrainHistory
from course_lib.core.mlp import activation as check_activation
from course_lib.core.mlp import augment, init_weights
from course_lib.core.validate import as_tensor, check_int, check_layer_sizes, check_positive

__all__ = [
    "WIDGET_BETAS",
    "WIDGET_SCALES",
    "WIDGET_LRS",
    "layer_gradient_norms",
    "per_layer_factor",
    "theorem_conditions",
    "square_data",
    "time_to_accuracy",
    "widget_runs",
    "lagrangian_increases",
    "beta_report",
    "residual_slope",
    "saturation_table",
]

WIDGET_BETAS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
WIDGET_SCALES = (1.0, 3.0, 10.0, 30.0)
WIDGET_LRS = (0.1, 0.3, 1.0)


# --------------------------------------------------------------------------- vanishing gradients
def layer_gradient_norms(depth=10, width=64, n=128, activation="sigmoid", init="fan_in", n_seeds=16, seed=0,
                         device=None):
    r"""RMS per-sample backpropagated error $\|\delta_i\|$ at every hidden layer of a random
    depth-``depth`` network of constant ``width`` at initialisation, for ``n_seeds`` networks in one batch.

    $\delta_i = (W_{i+1}^\top\delta_{i+1})\odot\sigma'(z_i)$ (Nielsen ch. 5): with
    $W\sim N(0,1/\text{fan-in})$, $E\|\delta_i\|^2 = E[\sigma'^2]\,\|\delta_{i+1}\|^2\le\|\delta_{i+1}\|^2/16$
    for the sigmoid; ReLU with He's $N(0, 2/\text{fan-in})$ keeps $E\|\delta_i\|^2=\|\delta_{i+1}\|^2$.
    Returns ``(n_seeds, depth)``: column ``i`` is hidden layer ``i+1`` (input side first).
    """
    depth = check_int(depth, "depth", min_value=2, max_value=200)
    width = check_int(width, "width", min_value=2, max_value=4096)
    n = check_int(n, "n", min_value=1)
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    act = check_activation(activation)
    check_int(seed, "seed")
    dev = get_device(device)
    sizes = [width] * (depth + 1) + [width]
    Ws = init_weights(sizes, [1.0] * n_seeds, seed, init, independent=True, device=dev)
    g = generator(seed + 1, torch.device("cpu"))
    X = torch.randn(width, n, generator=g, dtype=torch.float64).to(dev)
    Hs, Zs = [X.expand(n_seeds, -1, -1)], []
    for i, W in enumerate(Ws):
        Z = W @ augment(Hs[-1])
        Zs.append(Z)
        Hs.append(act.f(Z) if i < depth else Z)
    delta = torch.randn(n_seeds, width, n, generator=g, dtype=torch.float64).to(dev)  # dL/d(output)
    norms = []
    for i in range(depth, 0, -1):  # hidden layers depth..1
        delta = (Ws[i][:, :, :-1].transpose(1, 2) @ delta) * act.df(Zs[i - 1], Hs[i])
        norms.append((delta**2).sum(1).mean(1).sqrt())
    return torch.stack(norms[::-1], 1).cpu()


def per_layer_factor(norms):
    """RMS over seeds and layers of ``||delta_i|| / ||delta_{i+1}||`` for ``norms`` ``(n_seeds, depth)``,
    and its standard error over seeds (delta method for the square root): ``(factor, se)``."""
    norms = as_tensor(norms, "norms", ndim=2)
    if norms.shape[0] < 2 or norms.shape[1] < 2:
        raise ValueError(f"norms: expected at least 2 seeds and 2 layers, got shape {tuple(norms.shape)}")
    ratio2 = (norms[:, :-1] / norms[:, 1:]) ** 2
    per_seed = ratio2.mean(1)
    f = float(per_seed.mean().sqrt())
    se = float(per_seed.std() / np.sqrt(len(per_seed)) / (2 * f))
    return f, se


# --------------------------------------------------------------------------- theorem constants
def theorem_conditions(X, Y, sizes):
    r"""The slide's sufficient conditions for a 3-layer network (Zeng et al. 2021, Theorem 1):
    $B=\max\{2\sqrt{r_1}/(\|X\|_F/\sqrt n),\,(2\sqrt{r_2}/(\|X\|_F/\sqrt n))^{1/2},\,(\|Y\|_F/\|X\|_F)^{1/3}\}$,
    $\beta_3\ge2$, $\beta_2\ge16(\beta_3+1)B^2$, $\beta_1\ge11(\beta_2+1)B^4\|X\|_F$,
    $\lambda\ge\max\{\tfrac34\beta_1B\|X\|_F^3, 10\beta_2B^4\|X\|_F^3, 4\beta_3B^4\|X\|_F^2\}$.
    We read $r_i$ as the width of hidden layer $i$.  Returns the smallest admissible values.
    """
    sizes = check_layer_sizes(sizes, "sizes", 2)
    if len(sizes) != 4:
        raise ValueError(f"sizes: the slide's conditions are for 3 layers [d_in, r_1, r_2, d_out], got {sizes}")
    X, Y = check_data(X, Y, sizes, "cpu")
    n = X.shape[1]
    xf, yf = float(X.norm()), float(Y.norm())
    if xf == 0:
        raise ValueError("X: must not be all zeros")
    r1, r2 = sizes[1], sizes[2]
    s = xf / math.sqrt(n)
    B = max(2 * math.sqrt(r1) / s, math.sqrt(2 * math.sqrt(r2) / s), (yf / xf) ** (1 / 3))
    b3 = 2.0
    b2 = 16 * (b3 + 1) * B**2
    b1 = 11 * (b2 + 1) * B**4 * xf
    lam = max(0.75 * b1 * B * xf**3, 10 * b2 * B**4 * xf**3, 4 * b3 * B**4 * xf**2)
    return {"B": B, "beta1": b1, "beta2": b2, "beta3": b3, "lam": lam, "X_fro": xf}


# --------------------------------------------------------------------------- the y = x^2 runs
def square_data(n=100, dtype=torch.float64):
    """y = x^2 on an even grid of ``n`` points in [-1, 1]; returns ``(X, Y)`` shaped ``(1, n)``."""
    n = check_int(n, "n", min_value=2)
    x = torch.linspace(-1, 1, n, dtype=dtype).view(1, -1)
    return x, x**2


def time_to_accuracy(train_mse, target, seconds_per_iter=None):
    """First iteration (and seconds, if ``seconds_per_iter`` is given) at which ``train_mse <= target``;
    ``inf`` if never.  ``train_mse`` is ``(n_iter+1,)`` or ``(n_iter+1, B)``."""
    m = as_tensor(train_mse, "train_mse", ndim=(1, 2), finite=False)
    target = check_positive(target, "target")
    hit = m <= target
    never = torch.tensor(math.inf, dtype=torch.float64)
    idx = torch.where(hit.any(0), hit.to(torch.int8).argmax(0).to(torch.float64), never)
    if seconds_per_iter is None:
        return idx
    return idx, idx * check_positive(seconds_per_iter, "seconds_per_iter")


def _take(h: TrainHistory, idx: slice, method: str) -> TrainHistory:
    """Batch entries ``idx`` of a batched history; ``seconds`` is their share of the batch's time."""
    B = h.loss.shape[1]
    k = len(range(B)[idx])
    return TrainHistory(method=method, loss=h.loss[:, idx], weights=[w[idx] for w in h.weights],
                        biases=[b[idx] for b in h.biases], seconds=h.seconds * k / B, params=dict(h.params),
                        records={name: series[:, idx] for name, series in h.records.items()})


def widget_runs(n=100, n_iter=120, bp_iter=1000, sizes=(1, 20, 20, 1), lam=1e-6, seed=0, progress=False):
    """The widget's data in two batched runs: one Algorithm-1 batch holding ADMM over the beta grid
    (init scale 1), ADMM (beta = 10) over the init-scale grid and BCD (beta = 10, Lambda = 0) over
    the init-scale grid; and backprop (every lr of ``WIDGET_LRS``) over the init-scale grid.
    All runs share one initial draw (scaled), as separate calls with the same seed would.
    ``bp_best`` is, per scale, the run of the lr with the lowest final MSE.  The ``seconds`` of
    each ADMM/BCD history is its share of the joint batch's time."""
    sizes = list(sizes)
    X, Y = square_data(n)
    sc = list(WIDGET_SCALES)
    nb, ns = len(WIDGET_BETAS), len(sc)
    joint = admm_train(X, Y, sizes, list(WIDGET_BETAS) + [10.0] * (2 * ns), lam, n_iter,
                       init_scale=[1.0] * nb + sc + sc, seed=seed, progress=progress,
                       multipliers=[True] * (nb + ns) + [False] * ns)
    runs = _take(joint, slice(0, nb), "ADMM")
    adm = _take(joint, slice(nb, nb + ns), "ADMM")
    bcd = _take(joint, slice(nb + ns, nb + 2 * ns), "BCD")
    k = len(WIDGET_LRS)
    sct = torch.tensor(sc, dtype=torch.float64)
    lrs = torch.tensor(WIDGET_LRS, dtype=torch.float64).repeat_interleave(ns)
    bp = bp_train(X, Y, sizes, lrs, bp_iter, init_scale=sct.repeat(k), seed=seed, progress=progress)
    m = bp.train_mse.view(bp_iter + 1, k, ns)
    best = m[-1].argmin(0)  # diverged runs hold +inf, so never win
    bp_best = m[:, best, torch.arange(ns)]
    return {"X": X, "Y": Y, "beta_runs": runs, "admm_scales": adm, "bcd_scales": bcd, "bp": bp,
            "bp_best": bp_best, "bp_best_lr": torch.tensor(WIDGET_LRS)[best]}


# --------------------------------------------------------------------------- the role of beta
def lagrangian_increases(L):
    """``(n_iter, B)`` bools: did L rise beyond round-off (``1e-12 |L|``) at each iteration?"""
    L = as_tensor(L, "L", ndim=(1, 2))
    return (L[1:] - L[:-1]) > 1e-12 * L[:-1].abs()


def beta_report(runs: TrainHistory, betas=WIDGET_BETAS) -> str:
    """One line per beta of a batched ADMM history: increases of L after the first sweep, and the
    final primal residual, KKT residual and MSE."""
    inc = lagrangian_increases(runs.augmented_lagrangian)
    return "\n".join(
        f"β={b:6g}: increases of L after iteration 1: {int(inc[1:, j].sum()):3d}; "
        f"final ‖r‖={float(runs.primal_residual[-1, j]):.1e}, KKT={float(runs.kkt_residual[-1, j]):.1e}, "
        f"MSE={float(runs.train_mse[-1, j]):.1e}"
        for j, b in enumerate(betas))


def residual_slope(residual, start=100, stop=None):
    """Least-squares slope of log ||r|| against log k over sweeps ``start..stop`` (an O(1/k) rate
    for ||r||^2 gives -0.5)."""
    r = as_tensor(residual, "residual", ndim=1)
    stop = r.shape[0] - 1 if stop is None else check_int(stop, "stop", max_value=r.shape[0] - 1)
    start = check_int(start, "start", min_value=1, max_value=stop - 1)
    k = np.arange(start, stop + 1)
    return float(np.polyfit(np.log(k), np.log(r[start : stop + 1].numpy()), 1)[0])


# --------------------------------------------------------------------------- saturation
def saturation_table(runs: dict, target: float, at: int = 100) -> str:
    """Markdown table: per init scale, the MSE of backprop (best lr), ADMM and BCD after ``at``
    iterations and the first iteration with MSE <= ``target`` (``runs`` from :func:`widget_runs`)."""
    rows = ["| init scale | method | MSE after %d iterations | iterations to MSE ≤ 0.1·Var y |" % at,
            "|---|---|---|---|"]
    for j, s in enumerate(WIDGET_SCALES):
        lr = float(runs["bp_best_lr"][j])
        for name, m in [(f"BP (best lr {lr:g})", runs["bp_best"][:, j]), ("ADMM", runs["admm_scales"].train_mse[:, j]),
                        ("BCD", runs["bcd_scales"].train_mse[:, j])]:
            rows.append(f"| {s:g} | {name} | {float(m[at]):.2e} | {float(time_to_accuracy(m, target)):.0f} |")
    return "\n".join(rows)
