r"""Drivers and summaries behind lecture 09's claims and figures.

Vanishing gradients (Nielsen, *Neural Networks and Deep Learning* ch. 5): :func:`layer_gradient_norms`,
:func:`per_layer_factor`.  The theorem's constants (Zeng et al. 2021,
Theorem 1): :func:`theorem_conditions`.  The y = x^2 runs: :func:`square_data`, :func:`widget_runs`
(every ADMM/BCD/BP run of the lecture's sections 2 and 4 and of the widget, in two batches) and the
bookkeeping that reads them (:func:`lagrangian_increases`, :func:`beta_report`, :func:`residual_slope`,
:func:`saturation_table`).  The lecture's figures are drawn in :mod:`course_lib.admm.widget`.
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import torch

from course_lib.admm.kernels import check_data, kkt_multipliers
from course_lib.admm.train import _check_size, admm_train, bp_train, check_W0
from course_lib.core.device import generator, get_device
from course_lib.core.history import TrainHistory
from course_lib.core.mlp import activation as check_activation
from course_lib.core.mlp import augment, backprop_deltas, forward_pass, init_weights
from course_lib.core.validate import (
    as_tensor,
    check_float_dtype,
    check_int,
    check_layer_sizes,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
)

__all__ = [
    "WIDGET_BETAS",
    "WIDGET_SCALES",
    "GD_LRS",
    "ADAM_LRS",
    "seed_inits",
    "saturated_fraction",
    "backprop_grid",
    "saturation_study",
    "multipliers_vs_backprop",
    "layer_gradient_norms",
    "per_layer_factor",
    "theorem_conditions",
    "square_data",
    "time_to_accuracy",
    "widget_runs",
    "lagrangian_increases",
    "beta_report",
    "beta_sweep",
    "residual_slope",
    "saturation_table",
    "grid_check",
]

WIDGET_BETAS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
#: Init scales of the saturation study and the widget (1 = LeCun's normal start).
WIDGET_SCALES = (1.0, 10.0, 30.0, 100.0)
#: Learning-rate grids of the backprop baseline: factor ~3 steps, from too timid to unstable.
GD_LRS = (0.03, 0.1, 0.3, 1.0)
ADAM_LRS = (0.003, 0.01, 0.03, 0.1, 0.3)


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
    check_seed(seed)
    check_memory(3 * n_seeds * (depth + 2) * width * (n + width + 1), "n_seeds" if n_seeds > n else "n",
                 what="the networks and their activations")
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
    norms = as_tensor(norms, "norms", ndim=2).detach()
    if bool((norms <= 0).any()):
        raise ValueError("norms: every gradient norm must be > 0 (ratios of norms)")
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
    xf, yf = float(X.detach().norm()), float(Y.detach().norm())
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
    check_float_dtype(dtype)
    check_memory(2 * n, "n", itemsize=dtype.itemsize, what="the data")
    x = torch.linspace(-1, 1, n, dtype=dtype).view(1, -1)
    return x, x**2


def time_to_accuracy(train_mse, target, seconds_per_iter=None):
    """First iteration (and seconds, if ``seconds_per_iter`` is given) at which ``train_mse <= target``;
    ``inf`` if never.  ``train_mse`` is ``(n_iter+1,)`` or ``(n_iter+1, B)``."""
    m = as_tensor(train_mse, "train_mse", ndim=(1, 2), finite=False).detach()
    if bool(torch.isnan(m).any()):
        raise ValueError("train_mse: contains NaN (a diverged run reads inf, never NaN)")
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
                        records={name: series[:, idx] for name, series in h.records.items()},
                        diverged=None if h.diverged is None else h.diverged[idx])


def seed_inits(sizes, n_seeds, seed=0):
    """``n_seeds`` independent unit-scale LeCun draws (one per batch entry), to be scaled by an init scale:
    the same networks for backprop, ADMM and BCD."""
    sizes = check_layer_sizes(list(sizes) if isinstance(sizes, tuple) else sizes, "sizes", 1)
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    _check_size(sizes, 0, n_seeds, what="the initial weights", batch_name="n_seeds")
    return init_weights(list(sizes), [1.0] * n_seeds, seed, "fan_in", independent=True)


def saturated_fraction(Ws, X, activation="sigmoid", threshold=0.01):
    r"""Per batch entry and hidden layer, the fraction of (unit, sample) pairs whose $\sigma'(z)\le$
    ``threshold`` at the forward pass of ``Ws`` (for the sigmoid, $0.01$ means $|z|\gtrsim4.6$: the
    gradient through the unit is damped 25-fold against $\sigma'(0)=\frac14$).  Returns ``(B, l-1)``."""
    act = check_activation(activation)
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64).detach()
    threshold = check_positive(threshold, "threshold")
    Ws = _weights(Ws, "Ws", X.shape[0])
    H, fr = X.expand(Ws[0].shape[0], -1, -1), []
    for W in Ws[:-1]:
        Z = W @ augment(H)
        H = act.f(Z)
        fr.append((act.df(Z, H) <= threshold).to(torch.float64).mean(dim=(1, 2)))
    return torch.stack(fr, 1)


def _weights(Ws, name: str, d_in: int | None = None) -> list:
    """A non-empty list of augmented weights ``(B, d_i, d_{i-1}+1)`` that chain and share one batch size."""
    if not isinstance(Ws, (list, tuple)) or not Ws:
        raise TypeError(f"{name}: expected a non-empty list of (B, d_i, d_(i-1)+1) weight tensors")
    out = [as_tensor(W, name, ndim=3, dtype=torch.float64).detach() for W in Ws]
    sizes = [out[0].shape[2] - 1] + [W.shape[1] for W in out]
    for i, W in enumerate(out):
        if W.shape != (out[0].shape[0], sizes[i + 1], sizes[i] + 1):
            raise ValueError(f"{name}: layer {i + 1} must be ({out[0].shape[0]}, {sizes[i + 1]}, {sizes[i] + 1}) to "
                             f"chain, got {tuple(W.shape)}")
    if d_in is not None and sizes[0] != d_in:
        raise ValueError(f"{name}: the first layer takes {sizes[0]} inputs, but the data have {d_in} rows")
    return out


def _rates(values, name: str) -> tuple:
    """A sequence of learning rates (may be empty), each finite and > 0."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name}: expected a sequence of learning rates, got {type(values).__name__}")
    return tuple(check_positive(v, name) for v in (values.tolist() if hasattr(values, "tolist") else values))


def _study(study, name: str = "study") -> dict:
    keys = {"scales", "n_seeds", "bp", "admm", "bcd", "target", "bp_best_curve", "best_gd", "best_adam"}
    if not isinstance(study, dict) or not keys <= set(study):
        raise TypeError(f"{name}: expected the dict returned by saturation_study")
    return study


def _scaled(base, scales):
    """Weights for the batch (scale, seed) -> index ``scale_index * n_seeds + seed_index``."""
    sc = torch.tensor(scales, dtype=torch.float64).repeat_interleave(base[0].shape[0]).view(-1, 1, 1)
    return [W.repeat(len(scales), 1, 1) * sc for W in base]


def _best(times, finals):
    """Index of the best configuration per column of ``(configs, ...)`` tensors: the earliest to reach the
    target (``times``, inf = never), else the lowest final MSE (``finals``; diverged = inf).  Ties: the first."""
    reached = torch.isfinite(times).any(0)
    return torch.where(reached, times.argmin(0), torch.nan_to_num(finals, nan=math.inf).argmin(0))


def backprop_grid(X, Y, sizes, W0, gd_lrs=GD_LRS, adam_lrs=ADAM_LRS, n_steps=1000, target=None, chunk=32,
                  progress=False):
    r"""Backprop on every initial network of ``W0`` (a batch of ``B``) with gradient descent at every lr of
    ``gd_lrs`` and Adam at every lr of ``adam_lrs``, ``n_steps`` full-batch steps each, run in chunks of
    at most ``chunk`` networks (small batches stay in cache).  Returns ``curves`` ``(n_steps+1, configs, B)``
    (diverged runs hold inf), ``labels`` (``"GD 0.3"``, ``"Adam 0.03"``, ...), ``optimizers`` and ``lrs``
    per config, and, when ``target`` is given, ``times`` ``(configs, B)``: the first step with MSE <= target."""
    gd_lrs, adam_lrs = _rates(gd_lrs, "gd_lrs"), _rates(adam_lrs, "adam_lrs")
    if not gd_lrs + adam_lrs:
        raise ValueError("gd_lrs: give at least one learning rate (gd_lrs or adam_lrs)")
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="backprop_grid")
    chunk = check_int(chunk, "chunk", min_value=1)
    sizes = check_layer_sizes(list(sizes) if isinstance(sizes, tuple) else sizes, "sizes", 1)
    W0 = check_W0(W0, sizes, "cpu")
    B = W0[0].shape[0]
    check_memory(2 * (n_steps + 1) * (len(gd_lrs) + len(adam_lrs)) * B, "n_steps", what="the training curves")
    if target is not None:
        target = check_positive(target, "target")
    configs = [("gd", lr) for lr in gd_lrs] + [("adam", lr) for lr in adam_lrs]
    curves = torch.empty(n_steps + 1, len(configs), B, dtype=torch.float64)
    per = max(1, chunk // B)  # configs per call
    for opt in ("gd", "adam"):
        idx = [j for j, c in enumerate(configs) if c[0] == opt]
        for a in range(0, len(idx), per):
            part = idx[a : a + per]
            lrs = torch.tensor([configs[j][1] for j in part], dtype=torch.float64).repeat_interleave(B)
            h = bp_train(X, Y, sizes, lrs, n_steps, optimizer=opt, W0=[W.repeat(len(part), 1, 1) for W in W0],
                         progress=progress)
            curves[:, part] = h.train_mse.view(n_steps + 1, len(part), B)
    out = {"curves": curves, "labels": [f"{'GD' if o == 'gd' else 'Adam'} {lr:g}" for o, lr in configs],
           "optimizers": [o for o, _ in configs], "lrs": torch.tensor([lr for _, lr in configs], dtype=torch.float64)}
    if target is not None:
        out["times"] = time_to_accuracy(curves.view(n_steps + 1, -1), target).view(len(configs), B)
    return out


def saturation_study(X, Y, sizes=(1, 20, 20, 1), scales=WIDGET_SCALES, n_seeds=4, gd_lrs=GD_LRS, adam_lrs=ADAM_LRS,
                     bp_steps=1000, n_sweeps=100, beta=10.0, lam=1e-6, seed=0, target_fraction=0.1, progress=False):
    r"""Backprop (gradient descent and Adam, each over its lr grid), ADMM and BCD from the same ``n_seeds``
    initial networks, each scaled by every init scale of ``scales`` (Zeng et al. 2021, section on
    saturation).  The target is MSE $\le$ ``target_fraction`` $\cdot\operatorname{Var}y$.

    Batch entries are ordered ``scale_index * n_seeds + seed_index``; per-(scale, seed) tensors are
    ``(len(scales), n_seeds)``.  Returns a dict with ``target``, ``saturated`` ``(scales, seeds, l-1)``,
    ``bp`` (:func:`backprop_grid`'s dict), ``best`` (the best config per scale and seed: earliest to the
    target, else lowest final MSE), ``best_gd``/``best_adam`` (the same within one optimizer; -1 if its
    grid is empty), ``bp_time`` (steps of the best config; inf if never), ``admm``/``bcd``
    (:class:`TrainHistory`, batched) and ``admm_time``/``bcd_time`` (sweeps to the target)."""
    sizes = check_layer_sizes(list(sizes) if isinstance(sizes, tuple) else sizes, "sizes", 2)
    X, Y = check_data(X, Y, sizes, "cpu")
    X, Y = X.detach(), Y.detach()
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    scales = _rates(scales, "scales")
    if not scales:
        raise ValueError("scales: give at least one init scale")
    bp_steps = check_steps(check_int(bp_steps, "bp_steps", min_value=1), "bp_steps", what="backprop's grid")
    n_sweeps = check_steps(check_int(n_sweeps, "n_sweeps", min_value=1), "n_sweeps", what="ADMM and BCD")
    target_fraction = check_positive(target_fraction, "target_fraction")
    check_seed(seed)
    _check_size(sizes, X.shape[1], 2 * len(scales) * n_seeds, per_sample=8, what="the study's networks",
                batch_name="n_seeds")
    S, ns = len(scales), n_seeds
    target = target_fraction * float(Y.var(unbiased=False))
    W0 = _scaled(seed_inits(sizes, n_seeds, seed), scales)
    bp = backprop_grid(X, Y, sizes, W0, gd_lrs, adam_lrs, bp_steps, target, progress=progress)
    times, finals = bp["times"], bp["curves"][-1]
    best = _best(times, finals)

    def best_of(opt):
        idx = [j for j, o in enumerate(bp["optimizers"]) if o == opt]
        if not idx:
            return torch.full((S * ns,), -1, dtype=torch.long)
        return torch.tensor(idx)[_best(times[idx], finals[idx])]

    both = admm_train(X, Y, sizes, beta, lam, n_sweeps, W0=[W.repeat(2, 1, 1) for W in W0], progress=progress,
                      multipliers=[True] * (S * ns) + [False] * (S * ns), on_diverge="flag")
    adm, bcd = _take(both, slice(0, S * ns), "ADMM"), _take(both, slice(S * ns, 2 * S * ns), "BCD")
    grid = (S, ns)
    cols = torch.arange(S * ns)
    return {
        "scales": tuple(scales), "n_seeds": ns, "target": target, "bp_steps": bp_steps, "n_sweeps": n_sweeps,
        "saturated": saturated_fraction(W0, X).view(S, ns, -1),
        "bp": bp, "best": best.view(grid), "best_gd": best_of("gd").view(grid), "best_adam": best_of("adam").view(grid),
        "bp_time": times[best, cols].view(grid), "bp_best_curve": bp["curves"][:, best, cols].view(-1, *grid),
        "admm": adm, "bcd": bcd,
        "admm_time": time_to_accuracy(adm.train_mse, target).view(grid),
        "bcd_time": time_to_accuracy(bcd.train_mse, target).view(grid),
    }


def widget_runs(n=100, n_iter=600, sizes=(1, 20, 20, 1), lam=1e-6, seed=0, progress=False, **study):
    """Every ADMM/BCD/backprop run of the lecture's sections 2 and 4 and of the widget: ADMM over the beta
    grid (init scale 1, ``n_iter`` sweeps) and :func:`saturation_study` (keyword arguments ``study``).
    Returns ``X``, ``Y``, ``beta_runs`` and ``study``."""
    allowed = set(inspect.signature(saturation_study).parameters) - {"X", "Y", "sizes", "lam", "seed", "progress"}
    unknown = sorted(set(study) - allowed)
    if unknown:
        raise TypeError(f"{unknown[0]}: not an argument of widget_runs or saturation_study "
                        f"(expected some of {sorted(allowed)})")
    sizes = check_layer_sizes(list(sizes) if isinstance(sizes, tuple) else sizes, "sizes", 2)
    X, Y = square_data(n)
    runs = admm_train(X, Y, sizes, list(WIDGET_BETAS), lam, n_iter, init_scale=[1.0] * len(WIDGET_BETAS), seed=seed,
                      progress=progress, on_diverge="flag")
    sat = saturation_study(X, Y, sizes, lam=lam, seed=seed, progress=progress, **study)
    return {"X": X, "Y": Y, "beta_runs": runs, "study": sat}


# --------------------------------------------------------------------------- backprop = Lagrange multipliers
def multipliers_vs_backprop(h: TrainHistory, X, Y):
    r"""LeCun (1988): at the feasible forward pass of each network of the (batched) history ``h``, the KKT
    multipliers of the constrained problem (:func:`course_lib.admm.kernels.kkt_multipliers`, a dense solve)
    against backprop's error signals (:func:`course_lib.core.mlp.backprop_deltas`, the backward recursion):
    $\Lambda_l=\delta_l$ and $\Lambda_i\odot\sigma'(Z_i)=\delta_i$.  Returns ``rel_err`` ``(B, l)``
    ($\|\cdot-\delta_i\|/\|\delta_i\|$ per layer), ``Lambda`` and ``delta``."""
    if not isinstance(h, TrainHistory):
        raise TypeError(f"h: expected a TrainHistory (from admm_train or bp_train), got {type(h).__name__}")
    act = check_activation(h.params.get("activation", "sigmoid"))
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64).detach()
    Y = as_tensor(Y, "Y", ndim=2, dtype=torch.float64).detach()
    if h.weights[0].ndim != 3:
        raise ValueError("h: expected a batched history (weights with a leading batch axis)")
    Ws = [torch.cat([W, b.unsqueeze(-1)], -1).to(torch.float64) for W, b in zip(h.weights, h.biases)]
    Lam = kkt_multipliers(Ws, X, Y, act)
    delta = backprop_deltas(Ws, X, Y, act)
    Hs, Zs = forward_pass(Ws, X, act)
    err = []
    for i, (L, D) in enumerate(zip(Lam, delta)):
        got = L * act.df(Zs[i], Hs[i + 1][:, :-1]) if i < len(Ws) - 1 else L
        err.append((got - D).flatten(1).norm(dim=1) / D.flatten(1).norm(dim=1))
    return {"rel_err": torch.stack(err, 1), "Lambda": Lam, "delta": delta}


# --------------------------------------------------------------------------- the role of beta
def lagrangian_increases(L):
    """``(n_iter, B)`` bools: did L rise beyond round-off (``1e-12 |L|``) at each iteration?"""
    L = as_tensor(L, "L", ndim=(1, 2)).detach()
    return (L[1:] - L[:-1]) > 1e-12 * L[:-1].abs()


def beta_sweep(runs: TrainHistory, betas=WIDGET_BETAS, early=None) -> dict:
    """Per beta of a batched ADMM history (columns of its records): ``increases`` of L after the first sweep
    and ``first`` (the first sweep with one, or None), the final and the sweep-``early`` primal residual,
    KKT residual and MSE, and the log-log ``slope_r``/``slope_kkt`` of both residuals over the last half of
    the run (:func:`residual_slope`).  ``early`` defaults to sweep 120 (or the last).  Lists, in the order
    of ``betas``."""
    if not isinstance(runs, TrainHistory) or "augmented_lagrangian" not in runs.records or runs.loss.ndim != 2:
        raise TypeError("runs: expected a batched ADMM history (admm_train with one beta per batch entry)")
    if isinstance(betas, (str, bytes)) or not isinstance(betas, (list, tuple, np.ndarray, torch.Tensor)):
        raise TypeError(f"betas: expected a sequence of betas, got {type(betas).__name__}")
    betas = [check_positive(b, "betas") for b in (betas.tolist() if hasattr(betas, "tolist") else betas)]
    if len(betas) != runs.loss.shape[1]:
        raise ValueError(f"betas: {len(betas)} values for a history of {runs.loss.shape[1]} runs")
    inc = lagrangian_increases(runs.augmented_lagrangian)[1:]  # rises after the first sweep (from Lambda = 0)
    K = runs.train_mse.shape[0] - 1
    early = min(120, K) if early is None else check_int(early, "early", min_value=1, max_value=K)
    r, kkt = runs.primal_residual, runs.kkt_residual
    out = {"betas": list(betas), "n_sweeps": K, "early": early, "increases": [], "first": [], "slope_r": [],
           "slope_kkt": []}
    for j in range(len(betas)):
        rises = inc[:, j].nonzero().flatten()
        out["increases"].append(int(rises.numel()))
        out["first"].append(int(rises[0]) + 2 if rises.numel() else None)  # inc[0] is the step to sweep 2
        out["slope_r"].append(residual_slope(r[:, j], K // 2, K))
        out["slope_kkt"].append(residual_slope(kkt[:, j], K // 2, K))
    for name, series in (("r", r), ("kkt", kkt), ("mse", runs.train_mse)):
        out[name] = series[-1].tolist()
        out[f"{name}_early"] = series[early].tolist()
    return out


def beta_report(runs: TrainHistory, betas=WIDGET_BETAS, early=None) -> str:
    """The whole beta sweep of :func:`beta_sweep` as a markdown table, one row per beta."""
    sw = beta_sweep(runs, betas, early)
    K, e = sw["n_sweeps"], sw["early"]
    rows = [f"| β | rises of L (sweeps 2–{K}) | first rise | ‖r‖ at {e} → {K} | KKT at {e} → {K} | MSE at {K} "
            f"| slope of ‖r‖, KKT (sweeps {K // 2}–{K}) |", "|---|---|---|---|---|---|---|"]
    for j, b in enumerate(sw["betas"]):
        first = "—" if sw["first"][j] is None else str(sw["first"][j])
        rows.append(f"| {b:g} | {sw['increases'][j]} | {first} | {sw['r_early'][j]:.1e} → {sw['r'][j]:.1e} "
                    f"| {sw['kkt_early'][j]:.1e} → {sw['kkt'][j]:.1e} | {sw['mse'][j]:.1e} "
                    f"| {sw['slope_r'][j]:+.2f}, {sw['slope_kkt'][j]:+.2f} |")
    return "\n".join(rows)


def residual_slope(residual, start=100, stop=None):
    """Least-squares slope of log ||r|| against log k over sweeps ``start..stop`` (an O(1/k) rate
    for ||r||^2 gives -0.5)."""
    r = as_tensor(residual, "residual", ndim=1).detach().cpu()
    stop = r.shape[0] - 1 if stop is None else check_int(stop, "stop", max_value=r.shape[0] - 1)
    start = check_int(start, "start", min_value=1, max_value=stop - 1)
    if bool((r[start : stop + 1] <= 0).any()):
        raise ValueError("residual: must be > 0 over sweeps start..stop (a log-log fit)")
    k = np.arange(start, stop + 1)
    return float(np.polyfit(np.log(k), np.log(r[start : stop + 1].numpy()), 1)[0])


# --------------------------------------------------------------------------- saturation
def _median(t):
    """Median of a 1-D tensor with inf for 'never' (mean of the two middle values for an even count)."""
    return float(np.median(t.numpy()))


def grid_check(study: dict, optimizer: str, scale_index: int = 0) -> dict:
    """Is the ``optimizer``'s lr grid sensible at init scale ``scales[scale_index]``?  The lr with the best
    median steps-to-target over seeds (else the lowest median final MSE), its grid neighbours and whether it
    is interior.  Returns ``best_lr``, ``lower``/``upper`` (neighbouring lrs, None at an edge),
    ``interior`` and ``spacing`` (the larger ratio to a neighbour; inf at an edge)."""
    bp = _study(study)["bp"]
    idx = [j for j, o in enumerate(bp["optimizers"]) if o == optimizer]
    if not idx:
        raise ValueError(f"optimizer: no {optimizer!r} runs in this study")
    ns = study["n_seeds"]
    scale_index = check_int(scale_index, "scale_index", min_value=0, max_value=len(study["scales"]) - 1)
    cols = slice(scale_index * ns, (scale_index + 1) * ns)
    med_t = bp["times"][idx, cols].median(1).values
    med_f = torch.nan_to_num(bp["curves"][-1, idx, cols], nan=math.inf).median(1).values
    k = int(med_t.argmin()) if bool(torch.isfinite(med_t).any()) else int(med_f.argmin())
    lrs = [float(bp["lrs"][j]) for j in idx]
    lower = lrs[k - 1] if k > 0 else None
    upper = lrs[k + 1] if k < len(lrs) - 1 else None
    spacing = max(lrs[k] / lower, upper / lrs[k]) if lower is not None and upper is not None else math.inf
    return {"best_lr": lrs[k], "lower": lower, "upper": upper, "interior": lower is not None and upper is not None,
            "spacing": spacing, "reached": bool(torch.isfinite(med_t[k]))}


def saturation_table(study: dict) -> str:
    """Markdown table of :func:`saturation_study`: per init scale, the saturated fraction of each hidden layer
    and, per method, in how many seeds it reached the target and the median steps/sweeps to get there."""
    ns, steps, sweeps = _study(study)["n_seeds"], study["bp_steps"], study["n_sweeps"]
    bp = study["bp"]
    rows = [f"| init scale | saturated units (layer 1, 2) | backprop, best of both grids (≤ {steps} steps) "
            f"| GD alone | Adam alone | ADMM β=10 (≤ {sweeps} sweeps) | BCD |", "|---|---|---|---|---|---|---|"]

    def cell(times):
        k = int(torch.isfinite(times).sum())
        med = _median(times)
        return f"{k}/{ns} seeds, median {med:.0f}" if math.isfinite(med) else f"{k}/{ns} seeds"

    cols = torch.arange(ns)
    for j, s in enumerate(study["scales"]):
        sat = study["saturated"][j].mean(0)
        gd = bp["times"][study["best_gd"][j], j * ns + cols] if bool((study["best_gd"][j] >= 0).all()) else None
        ad = bp["times"][study["best_adam"][j], j * ns + cols] if bool((study["best_adam"][j] >= 0).all()) else None
        rows.append(f"| {s:g} | {100 * float(sat[0]):.0f} %, {100 * float(sat[1]):.0f} % | {cell(study['bp_time'][j])} "
                    f"| {cell(gd) if gd is not None else '—'} | {cell(ad) if ad is not None else '—'} "
                    f"| {cell(study['admm_time'][j])} | {cell(study['bcd_time'][j])} |")
    return "\n".join(rows)
