"""Lecture 07's drivers: the kernels run for an experiment, and the numbers its claims use.

* :func:`stationary_grid` -- SGLD on the double well for a whole (beta, eta) grid in one
  batched run: histograms, exact Gibbs density, KS distance, diverged fraction per cell
  (section 2 and the widget);
* :func:`arrhenius_fit`    -- the weighted least-squares slope of log(crossing rate) in beta
  (section 3);
* :func:`stable_step_threshold` -- the largest step at which noiseless gradient descent still
  returns to a minimum, on a grid of step sizes in one tensor (section 2);
* :func:`tilted_well_sampling` -- SGLD on the tilted double well, every beta in one run, started in
  the higher well: the mass in the global minimum's well against the Gibbs law (section 3);
* :func:`digits_true_and_random` and :func:`sigmoid_loss_sgld` -- the training run the
  generalization bounds are evaluated on: standardized digits with true and random labels, and
  full-batch SGLD on a sigmoid-loss linear classifier, every label set's chains in one tensor
  (section 4); :func:`label_gap_difference` compares the two label sets' gaps;
* :func:`sigmoid_minibatch_noise` -- the variance of a minibatch gradient at the chains' states,
  measured by drawing minibatches (section 5).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from course_lib.core import stats
from course_lib.core.data import digits
from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_callable,
    check_in_range,
    check_int,
    check_labels_pm1,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
)
from course_lib.langevin.kernels import (
    TILT,
    double_well,
    double_well_grad,
    gibbs_density,
    ks_distance,
    langevin_loop,
    sgld_run,
    tilted_double_well,
    tilted_double_well_grad,
)
from course_lib.langevin.theory import tilted_well_critical_points

__all__ = [
    "StationaryGrid",
    "stationary_grid",
    "StepThreshold",
    "stable_step_threshold",
    "arrhenius_fit",
    "TiltedWell",
    "tilted_well_sampling",
    "digits_true_and_random",
    "sigmoid_loss_sgld",
    "label_gap_difference",
    "sigmoid_minibatch_noise",
]


# ---------------------------------------------------------------------------------------
# the (beta, eta) grid behind the widget, in one batched run
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StationaryGrid:
    betas: tuple
    etas: tuple
    edges: np.ndarray        # histogram bin edges (n_bins + 1,)
    hist: np.ndarray         # (n_beta, n_eta, n_bins) density of the non-diverged chains
    gibbs_x: np.ndarray      # (G,)
    gibbs: np.ndarray        # (n_beta, G) exact Gibbs density
    ks: np.ndarray           # (n_beta, n_eta) KS distance (nan where every chain diverged)
    diverged: np.ndarray     # (n_beta, n_eta) fraction of chains diverged
    n_chains: int
    time: float              # simulated time of the slowest (smallest eta) cell


@functools.lru_cache(maxsize=4)
def _stationary_grid_cached(betas, etas, n_chains, sim_time, seed, n_bins, device_str):
    dev = torch.device(device_str)
    B, E = len(betas), len(etas)
    n_steps = int(math.ceil(sim_time / min(etas)))
    gen = generator(seed, dev)
    # start: uniform on [-2, 2] (symmetric, so the well populations start balanced)
    x0 = (torch.rand(B * E * n_chains, 1, generator=gen, device=dev, dtype=torch.float32) * 4 - 2)
    beta_c = torch.tensor(betas, dtype=torch.float32, device=dev).repeat_interleave(E * n_chains)
    eta_c = torch.tensor(etas, dtype=torch.float32, device=dev).repeat_interleave(n_chains).repeat(B)
    run = sgld_run(double_well_grad, x0, eta_c, beta_c, n_steps, seed=seed + 1, device=dev)
    xs = run.x[:, 0].reshape(B, E, n_chains).double().cpu()
    div = run.diverged.reshape(B, E, n_chains).cpu()
    grid = torch.linspace(-2.5, 2.5, 501, dtype=torch.float64)
    gibbs = gibbs_density(double_well, torch.tensor(betas, dtype=torch.float64), grid)  # (B, G)
    # KS per cell on the surviving chains (diverged ones masked out; NaN where none survived)
    frac = div.float().mean(-1).numpy()
    edges = np.linspace(-2.5, 2.5, n_bins + 1)
    ks = ks_distance(xs, grid, gibbs[:, None, :].expand(B, E, -1), valid=~div).numpy()
    # batched histograms: one bincount over (cell, bin) indices, diverged chains dropped
    bins = torch.bucketize(xs.clamp(-2.5, 2.5 - 1e-9), torch.tensor(edges[1:-1])).long()
    cell = torch.arange(B * E).reshape(B, E, 1)
    flat = (cell * n_bins + bins)[~div]
    counts = torch.bincount(flat, minlength=B * E * n_bins).reshape(B, E, n_bins).double().numpy()
    alive = np.maximum((~div).sum(-1).numpy(), 1)[..., None]
    hist = counts / alive / (edges[1] - edges[0])
    return StationaryGrid(
        tuple(betas), tuple(etas), edges, hist, grid.numpy(), gibbs.numpy(), ks, frac, n_chains, n_steps * min(etas)
    )


def stationary_grid(
    betas=(0.5, 1.0, 2.0, 3.0, 4.0, 6.0),
    etas=(0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3),
    n_chains: int = 2000,
    sim_time: float = 3.0,
    seed: int = 0,
    n_bins: int = 60,
    device=None,
) -> StationaryGrid:
    r"""SGLD on the double well for every (beta, eta) pair in **one** batched run (chains of all
    cells in one tensor, beta and eta per chain); returns histograms, the exact Gibbs density,
    the KS distance and the fraction of diverged chains per cell.  Cached (same args -> same object)."""
    betas, etas = _grid_values(betas, "betas"), _grid_values(etas, "etas")
    n_chains = check_int(n_chains, "n_chains", min_value=10)
    sim_time = check_positive(sim_time, "sim_time")
    n_bins = check_int(n_bins, "n_bins", min_value=5)
    check_seed(seed)
    n_steps = sim_time / min(etas)
    check_steps(n_steps, "sim_time" if sim_time > 1 / min(etas) else "etas",
                what=f"simulating time {sim_time:g} at step {min(etas):g}")
    chains = len(betas) * len(etas) * n_chains
    check_memory(16 * chains + 2 * len(betas) * len(etas) * n_bins, "n_chains" if chains > n_bins else "n_bins",
                 itemsize=4, what="the grid's chains and histograms")
    dev = get_device(device)
    return _stationary_grid_cached(betas, etas, n_chains, sim_time, int(seed), n_bins, str(dev))



def _grid_values(values, name: str) -> tuple:
    """A non-empty sequence of positive numbers that float32 (the grid's chains) can hold."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name}: expected a sequence of numbers, got {type(values).__name__}")
    out = tuple(check_in_range(v, name, 0.0, 1e30, closed=False) for v in (
        values.tolist() if isinstance(values, (np.ndarray, torch.Tensor)) else values))
    if not out:
        raise ValueError(f"{name}: need at least one value")
    return out


# ---------------------------------------------------------------------------------------
# step size: the linear stability of a minimum
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepThreshold:
    etas: np.ndarray       # (E,) the step sizes tried, increasing
    stable: np.ndarray     # (E,) bool: gradient descent came back to the minimum
    distance: np.ndarray   # (E,) |x_N - x_star| after the run
    threshold: float       # midpoint between the last stable step and the next one (nan if none)


def stable_step_threshold(grad_U, x_star, etas, n_steps: int = 2000, offset: float = 1e-3,
                          tol: float = 1e-5, device=None) -> StepThreshold:
    r"""Noiseless gradient descent $x \leftarrow x - \eta\nabla U(x)$ from ``x_star + offset`` for every
    step size in ``etas`` (one tensor, one row per step size).  A step is *stable* when the run ends
    within ``tol`` of the minimum ``x_star``.  Linearizing, a deviation is multiplied by
    $1 - \eta U''(x^\star)$ per step, so theory puts the threshold at $\eta = 2/U''(x^\star)$.
    Rows that blow up count as unstable (their distance is reported as inf)."""
    check_callable(grad_U, "grad_U")
    dev = get_device(device)
    xs = as_tensor(x_star, "x_star", ndim=1, dtype=torch.float64, device=dev).detach()
    e = as_tensor(etas, "etas", ndim=1, dtype=torch.float64, min_size=2, device=dev).detach()
    if bool((e <= 0).any()) or bool((e[1:] <= e[:-1]).any()):
        raise ValueError("etas: must be positive and strictly increasing")
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="stable_step_threshold")
    offset = check_in_range(offset, "offset", 0.0, 1.0, closed=False)  # a small push off the minimum
    tol = check_positive(tol, "tol")
    check_memory(4 * len(e) * len(xs), "etas", what="one run per step size")
    x = (xs + offset).repeat(len(e), 1)
    for k in range(n_steps):
        g = grad_U(x)
        if k == 0 and (not isinstance(g, torch.Tensor) or g.shape != x.shape or not bool(torch.isfinite(g).all())):
            got = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
            raise ValueError(f"grad_U: must map (rows, dim) = {tuple(x.shape)} to finite values of the same shape, "
                             f"got {got}")
        x = x - e[:, None] * g
        x = torch.where(torch.isfinite(x) & (x.abs() < 1e6), x, torch.full_like(x, math.inf))
    dist = (x - xs).norm(dim=1)
    dist = torch.where(torch.isfinite(dist), dist, torch.full_like(dist, math.inf)).cpu().numpy()
    stable = dist < tol
    e_np = e.cpu().numpy()
    first_bad = int(np.argmin(stable)) if not stable.all() else len(e_np)
    threshold = 0.5 * (e_np[first_bad - 1] + e_np[first_bad]) if 0 < first_bad < len(e_np) else math.nan
    return StepThreshold(e_np, stable, dist, float(threshold))


# ---------------------------------------------------------------------------------------
# metastability: the Arrhenius slope
# ---------------------------------------------------------------------------------------
def arrhenius_fit(betas, rates, counts) -> tuple[float, float]:
    r"""Slope of $\log k$ against $\beta$ and its standard error, by weighted least squares.

    The crossing counts are Poisson, so $\mathrm{sd}(\log\hat k) = 1/\sqrt{\text{count}}$: each
    point is weighted by $\sqrt{\text{count}}$.  Arrhenius/Kramers predict slope $-\Delta U$.
    """
    b = as_tensor(betas, "betas", ndim=1, dtype=torch.float64, min_size=2).detach().cpu().numpy()
    r = as_tensor(rates, "rates", shape=(len(b),), dtype=torch.float64).detach().cpu().numpy()
    c = as_tensor(counts, "counts", shape=(len(b),), dtype=torch.float64).detach().cpu().numpy()
    if (r <= 0).any():
        raise ValueError("rates: every rate must be > 0 (a log-linear fit)")
    if (c <= 0).any():
        raise ValueError("counts: every beta needs at least one crossing (log of a zero rate)")
    wts = np.sqrt(c)  # 1/sd of log(rate)
    A = np.stack([b, np.ones_like(b)], 1)
    coef, *_ = np.linalg.lstsq(A * wts[:, None], np.log(r) * wts, rcond=None)
    with np.errstate(over="ignore"):  # an absurd beta overflows the normal matrix: an infinite standard error
        cov = np.linalg.inv((A * wts[:, None]).T @ (A * wts[:, None]))
    return float(coef[0]), math.sqrt(cov[0, 0])


# ---------------------------------------------------------------------------------------
# the tilted double well: large beta concentrates on the global minimum
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TiltedWell:
    tilt: float
    betas: np.ndarray        # (B,)
    x_global: float          # the global minimum (left well for tilt > 0)
    x_saddle: float          # the barrier top: the global minimum's well is the side of it x_global is on
    x_local: float           # the higher minimum, where every chain starts
    count: np.ndarray        # (B,) chains in the global minimum's well at the end
    n_chains: int
    mass: np.ndarray         # (B,) count / n_chains
    gibbs_mass: np.ndarray   # (B,) the Gibbs law's mass in that well (quadrature)
    interval: np.ndarray     # (B, 2) Wilson interval of the measured mass
    confidence: float        # of each Wilson interval
    time: float              # simulated time


def tilted_well_sampling(betas=(0.5, 1.0, 2.0, 4.0, 6.0), n_chains: int = 2000, step_size: float = 0.02,
                         sim_time: float = 200.0, tilt: float = TILT, confidence: float = 0.999, seed: int = 0,
                         device=None) -> TiltedWell:
    r"""SGLD on $U(x) = (x^2-1)^2 + a x$ for every $\beta$ in one tensor, all chains started at the
    *higher* minimum; at the end, the fraction of chains in the global minimum's well (the side of
    the barrier top it lies on), with its Wilson interval at ``confidence``, against the Gibbs law's
    mass in that well (quadrature)."""
    b = np.asarray(_grid_values(betas, "betas"), dtype=np.float64)
    n_chains = check_int(n_chains, "n_chains", min_value=10)
    eta = check_in_range(step_size, "step_size", 0.0, 1e30, closed=False)  # float32 chains
    sim_time = check_positive(sim_time, "sim_time")
    confidence = check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    check_seed(seed)
    check_steps(sim_time / eta, "sim_time" if sim_time > 1 / eta else "step_size",
                what=f"simulating time {sim_time:g} at step {eta:g}")
    check_memory(16 * len(b) * n_chains, "n_chains", itemsize=4, what="the chains")
    x_glob, x_sad, x_loc = tilted_well_critical_points(tilt)
    side = 1.0 if x_glob > x_sad else -1.0
    dev = get_device(device)
    beta_c = torch.tensor(b, dtype=torch.float32, device=dev).repeat_interleave(n_chains)
    x0 = torch.full((len(beta_c), 1), x_loc, dtype=torch.float32, device=dev)
    n_steps = int(math.ceil(sim_time / eta))
    run = sgld_run(lambda x: tilted_double_well_grad(x, tilt), x0, eta, beta_c, n_steps, seed=seed, device=dev)
    if run.n_diverged:
        raise Diverged(f"step_size: {run.n_diverged} chains diverged on the tilted well; reduce step_size")
    in_well = (side * (run.x[:, 0].double() - x_sad) > 0).reshape(len(b), n_chains)
    count = in_well.sum(1).cpu().numpy()
    # a grid with the barrier top as a node, so that the trapezoid rule splits exactly there
    left = torch.linspace(-3.0, x_sad, 3001, dtype=torch.float64)
    grid = torch.cat((left, torch.linspace(x_sad, 3.0, 3001, dtype=torch.float64)[1:]))
    p = gibbs_density(lambda x: tilted_double_well(x, tilt), torch.tensor(b), grid)  # (B, G)
    mass_left = torch.trapezoid(p[:, :3001], left, dim=-1).numpy()
    gibbs_mass = mass_left if side < 0 else 1.0 - mass_left
    interval = np.array([stats.wilson_interval(int(k), n_chains, confidence) for k in count])
    return TiltedWell(float(tilt), b, x_glob, x_sad, x_loc, count, n_chains, count / n_chains, gibbs_mass,
                      interval, confidence, n_steps * eta)


# ---------------------------------------------------------------------------------------
# generalization: SGLD on a (non-convex) sigmoid-loss classifier, many chains at once
# ---------------------------------------------------------------------------------------
def digits_true_and_random(n_train: int = 300, seed: int = 0):
    """Digits 0-4 (label -1) against 5-9 (+1), with a second, random label set.

    Features: standardized pixels plus a bias, each vector scaled to norm 1 (so a sigmoid-loss
    linear model is 1/4-Lipschitz).  A random permutation (``seed``) puts ``n_train`` images in
    the training set and the rest in the test set.  Returns ``X_train, Y_train, X_test, Y_test``
    with ``Y`` of shape (2, rows): row 0 the true labels, row 1 fair coin flips.
    """
    n_train = check_int(n_train, "n_train", min_value=1, max_value=1796)
    seed = check_seed(seed)
    images, labels = digits(torch.float64)  # scikit-learn's shipped digits (course_lib.core.data)
    X = images.reshape(len(labels), -1)
    X = (X - X.mean(0)) / X.std(0).clamp_min(1e-3)
    X = torch.cat([X, torch.ones(len(labels), 1, dtype=torch.float64)], 1)
    X = X / X.norm(dim=1, keepdim=True)
    y_true = torch.where(labels >= 5, 1.0, -1.0).double()
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(labels), generator=g)
    y_rand = torch.where(torch.rand(len(labels), generator=g) < 0.5, 1.0, -1.0).double()
    tr, te = perm[:n_train], perm[n_train:]
    Y = torch.stack([y_true, y_rand])
    return X[tr], Y[:, tr], X[te], Y[:, te]


def sigmoid_loss_sgld(
    X_train,
    y_train,
    X_test,
    y_test,
    step_size: float,
    beta: float,
    lam: float,
    n_steps: int,
    n_chains: int = 32,
    record_every: int = 10,
    seed: int = 0,
    device=None,
):
    r"""Train linear classifiers with the bounded, non-convex sigmoid loss
    $f(w;x,y) = \sigma(-y\,w^\top x) \in [0,1]$ on $F(w) = \frac1n\sum_i f(w;z_i) + \frac\lambda2\|w\|^2$
    by SGLD (full batch), ``n_chains`` chains at once, started from the prior
    $w_0 \sim N(0, I/(\lambda\beta))$ as in Mou et al. (2018, Sec. 5).

    ``y_train`` (n,) and ``y_test`` (m,) give one label set; (G, n) and (G, m) give G label sets
    (e.g. true and random labels) trained together in one tensor program, ``n_chains`` each, and
    a list of G results is returned.

    Returns the chains' final weights ``w`` (n_chains, d), the per-step data-gradient energy
    ``grad_sq[k]`` $= \mathbb E\|\nabla F_S(w_k)\|^2$ (mean over
    chains, regularizer excluded), and at every ``record_every`` steps the mean train and test
    loss (``train_se``: its standard error over chains) and their gap (the generalization error of
    the randomized predictor).
    """
    dev = get_device(device)
    Xtr = as_tensor(X_train, "X_train", ndim=2, device=dev).detach()
    n, d = Xtr.shape
    ytr = as_tensor(y_train, "y_train", ndim=(1, 2), dtype=Xtr.dtype, device=dev).detach()
    batched = ytr.ndim == 2
    if ytr.shape[-1] != n:
        raise ValueError(f"y_train: expected {n} labels per set (one per training row), got {ytr.shape[-1]}")
    Xte = as_tensor(X_test, "X_test", shape=(None, d), dtype=Xtr.dtype, device=dev).detach()
    yte = as_tensor(y_test, "y_test", shape=(ytr.shape[0], Xte.shape[0]) if batched else (Xte.shape[0],),
                    dtype=Xtr.dtype, device=dev).detach()
    check_labels_pm1(ytr, "y_train")
    check_labels_pm1(yte, "y_test")
    eta = check_positive(step_size, "step_size")
    beta = check_positive(beta, "beta")
    lam = check_positive(lam, "lam")
    if eta * lam >= 2:
        raise ValueError(f"lam: step_size * lam = {eta * lam:.3g} >= 2, so the l2 term alone makes every step "
                         "overshoot (gradient descent on (lam/2)||w||^2 is stable for step_size < 2/lam)")
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="sigmoid_loss_sgld")
    n_chains = check_int(n_chains, "n_chains", min_value=1)
    record_every = check_int(record_every, "record_every", min_value=1)
    check_seed(seed)
    G0 = ytr.shape[0] if batched else 1
    check_memory(4 * G0 * n_chains * (d + Xte.shape[0] + n) + 4 * n_steps * G0, "n_chains" if n_chains > n_steps else
                 "n_steps", itemsize=Xtr.element_size(), what="the chains and their records")
    ytr2, yte2 = (ytr, yte) if batched else (ytr[None], yte[None])
    G, C = ytr2.shape[0], n_chains
    gen = generator(seed, dev)
    w0 = torch.randn(G * C, d, generator=gen, device=dev, dtype=Xtr.dtype) / math.sqrt(lam * beta)
    grad_sq = []
    XtrY_T = (Xtr[None] * ytr2[:, :, None]).transpose(1, 2)  # (G, d, n): columns y_i x_i
    XteY_T = (Xte[None] * yte2[:, :, None]).transpose(1, 2)  # (G, d, m)
    XtrY = XtrY_T.transpose(1, 2).contiguous()                 # (G, n, d)

    def grad_U(w):
        s = torch.sigmoid(-torch.bmm(w.view(G, C, d), XtrY_T))  # (G, C, n) = f(w; z_i)
        g = torch.bmm(s * (s - 1) / n, XtrY)                     # (G, C, d) grad of the data term
        grad_sq.append((g * g).sum(2).mean(1))                   # (G,)
        return torch.add(g.view(G * C, d), w, alpha=lam)

    steps, train, test, test_se = [], [], [], []

    def losses(k, w):
        if k % record_every == 0 or k == n_steps:
            steps.append(k)
            wg = w.view(G, C, d)
            train.append(torch.sigmoid(-torch.bmm(wg, XtrY_T)).mean(2))  # (G, C)
            per_image = torch.sigmoid(-torch.bmm(wg, XteY_T))            # (G, C, m)
            test.append(per_image.mean(2))
            test_se.append(per_image.mean(1).std(1) / math.sqrt(per_image.shape[2]))

    losses(0, w0)
    eta_t = torch.full((G * C, 1), eta, dtype=Xtr.dtype, device=dev)
    beta_t = torch.full((G * C, 1), beta, dtype=Xtr.dtype, device=dev)
    w_end, _, diverged, _ = langevin_loop(grad_U, w0, eta_t, beta_t, n_steps, generator(seed + 1, dev),
                                          observer=losses)
    w_final = w_end.view(G, C, d)
    if bool(diverged.any()):
        raise Diverged(f"step_size: {int(diverged.sum())} chains diverged; reduce step_size")
    train_t, test_t = torch.stack(train), torch.stack(test)  # (records, G, C)
    gap_t = test_t - train_t
    gap_se = torch.sqrt(gap_t.var(2) / C + torch.stack(test_se) ** 2)  # chains' spread + finite test set
    gsq = torch.stack(grad_sq)  # (n_steps, G) for steps k = 0 .. n_steps-1
    out = [
        {
            "steps": np.array(steps),
            "train_loss": train_t[:, i].mean(1).cpu().numpy(),
            "train_se": (train_t[:, i].std(1) / math.sqrt(C)).cpu().numpy(),
            "test_loss": test_t[:, i].mean(1).cpu().numpy(),
            "gap": gap_t[:, i].mean(1).cpu().numpy(),
            "gap_se": gap_se[:, i].cpu().numpy(),
            "grad_sq": gsq[:, i].cpu().numpy(),
            "step_sizes": np.full(n_steps, eta),
            "w": w_final[i],
            "n": n,
            "beta": beta,
            "lam": lam,
        }
        for i in range(G)
    ]
    return out if batched else out[0]



def label_gap_difference(true_run: dict, random_run: dict) -> tuple[float, float]:
    r"""Final generalization gap with random labels minus the gap with true labels, and its standard error.

    True labels: test loss minus train loss (``gap`` and ``gap_se`` of :func:`sigmoid_loss_sgld`).
    Random labels (fair coins independent of $x$): the population risk of *every* $w$ is exactly
    $\frac12$, because $\frac12\sigma(-s) + \frac12\sigma(s) = \frac12$, so the gap is $\frac12$ minus the
    train loss, with the chains' spread (``train_se``) as its only error.  Independent chains:
    the two errors add in quadrature.
    """
    for name, run in (("true_run", true_run), ("random_run", random_run)):
        if not isinstance(run, dict) or not {"gap", "gap_se", "train_loss", "train_se"} <= set(run):
            raise TypeError(f"{name}: expected a result of sigmoid_loss_sgld")
    gap_true, se_true = float(true_run["gap"][-1]), float(true_run["gap_se"][-1])
    gap_rand, se_rand = 0.5 - float(random_run["train_loss"][-1]), float(random_run["train_se"][-1])
    return gap_rand - gap_true, math.sqrt(se_true**2 + se_rand**2)


def sigmoid_minibatch_noise(X, y, W, batch_size: int, n_batches: int = 200, seed: int = 0) -> np.ndarray:
    r"""Per-coordinate variance of the minibatch gradient noise of the sigmoid loss at each chain's
    weights: $\sigma_b^2 = \mathbb E\|g_B - g\|^2/d$ with $g_B$ the mean gradient over a minibatch of
    ``batch_size`` rows drawn without replacement and $g$ the full-batch gradient, estimated from
    ``n_batches`` random minibatches.  ``W`` (chains, d); returns (chains,).

    In one SGD/SGLD step this noise enters as $\eta\,(g_B - g)$, of standard deviation $\eta\sigma_b$
    per coordinate, against the injected $\sqrt{2\eta/\beta}$ (Welling & Teh 2011, Sec. 3).
    """
    Xt = as_tensor(X, "X", ndim=2, dtype=torch.float64).detach()
    n, d = Xt.shape
    yt = as_tensor(y, "y", shape=(n,), dtype=torch.float64).detach()
    check_labels_pm1(yt, "y")
    Wt = as_tensor(W, "W", shape=(None, d), dtype=torch.float64).detach()
    b = check_int(batch_size, "batch_size", min_value=1, max_value=n)
    m = check_int(n_batches, "n_batches", min_value=2)
    check_memory(Wt.shape[0] * (n + m) * d + m * n, "n_batches" if m > n else "W",
                 what="the per-example gradients and minibatch means")
    XY = Xt * yt[:, None]                                   # rows y_i x_i
    s = torch.sigmoid(-(Wt @ XY.T))                          # (chains, n) = f(w; z_i)
    per_example = (s * (s - 1))[:, :, None] * XY[None]       # (chains, n, d): grad of f(w; z_i)
    full = per_example.mean(1, keepdim=True)                 # (chains, 1, d)
    gen = torch.Generator().manual_seed(check_int(seed, "seed"))
    idx = torch.rand(m, n, generator=gen).argsort(1)[:, :b]   # (m, b): minibatches without replacement
    g_batch = per_example[:, idx].mean(2)                    # (chains, m, d)
    return (((g_batch - full) ** 2).sum(2).mean(1) / d).numpy()
