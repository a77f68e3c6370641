r"""Drivers for lecture 08: the data, the batched runs and the summary numbers its claims use.

* symmetries: :func:`symmetry_gaps` (GL for a linear layer; permutations and positive scalings for relu);
* deep linear networks: :func:`linear_regression_problem`, :func:`deep_linear_runs`,
  :func:`hessian_at_zero` and its closed form :func:`hessian_at_zero_theory`;
* level sets of the smallest example: :func:`toy_level_sets`, :func:`toy_paths`;
* mode connectivity of one-hidden-layer relu networks: :func:`teacher_data`,
  :func:`mode_connectivity` (pairs x widths, one packed ensemble), :func:`width_summary`,
  :func:`median_interval`, :func:`symmetry_profiles`, :func:`loss_plane`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.stats import rank_sum_exact
from course_lib.core.validate import (
    as_tensor,
    check_float_dtype,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
)
from course_lib.landscape.kernels import (
    ReluEnsemble,
    bezier_curve,
    bezier_path,
    deep_linear_gd,
    deep_linear_loss,
    deep_linear_min_loss,
    fit_bezier,
    linear_path,
    path_barrier,
    path_t,
    sublevel_components,
    toy_linear_loss,
    train_to_level,
)

__all__ = [
    "symmetry_gaps",
    "linear_regression_problem",
    "deep_linear_runs",
    "hessian_at_zero",
    "hessian_at_zero_theory",
    "toy_level_sets",
    "toy_paths",
    "teacher_data",
    "ModeConnectivity",
    "mode_connectivity",
    "median_interval",
    "width_summary",
    "rank_sum_exact",
    "decay_slope",
    "SYMMETRIES",
    "symmetry_profiles",
    "loss_plane",
]


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# ---------------------------------------------------------------------------------------
# symmetries
# ---------------------------------------------------------------------------------------
def symmetry_gaps(seed: int = 0, *, d_in: int = 3, width: int = 5, n: int = 64) -> dict:
    r"""$|F(g\theta) - F(\theta)|$ for group elements $g$ of a linear and of a relu network (float64):

    ``linear_GL``: $W_1\to UW_1$, $W_2\to W_2U^{-1}$ with a random invertible $U$ (cond <= 10);
    ``relu_permutation``, ``relu_positive_scaling``: symmetries of relu; ``relu_rotation`` (the
    same $U$-move with an orthogonal $U$) and ``relu_negative_scaling``: not symmetries of relu.
    Also returns ``loss`` (the loss scale) and ``cond_U``.
    """
    d_in = check_int(d_in, "d_in", min_value=1)
    width = check_int(width, "width", min_value=2)
    n = check_int(n, "n", min_value=1)
    sizes = {"d_in": d_in, "width": width, "n": n}
    check_memory(4 * (n * d_in + width * (width + d_in + n)), max(sizes, key=sizes.get), what="the two networks")
    g = generator(check_seed(seed))
    X = torch.randn(n, d_in, generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    # a linear network x -> W2 W1 x, with data as columns
    W1 = torch.randn(width, d_in, generator=g, dtype=torch.float64)
    W2 = torch.randn(1, width, generator=g, dtype=torch.float64)
    Q1, _ = torch.linalg.qr(torch.randn(width, width, generator=g, dtype=torch.float64))
    Q2, _ = torch.linalg.qr(torch.randn(width, width, generator=g, dtype=torch.float64))
    U = Q1 @ torch.diag(torch.linspace(1.0, 10.0, width, dtype=torch.float64)) @ Q2   # cond(U) = 10
    F_lin = deep_linear_loss([W1, W2], X.T, y[None])
    F_lin_g = deep_linear_loss([U @ W1, W2 @ torch.linalg.inv(U)], X.T, y[None])
    # a relu network of the same width
    ens = ReluEnsemble((width,), d_in)
    V = ens.init(1, seed=seed, dtype=torch.float64)[0]
    F = ens.loss(V, X, y)[0]
    s = torch.exp(torch.randn(width, generator=g, dtype=torch.float64))
    out = {
        "loss": float(F), "loss_linear": float(F_lin), "cond_U": float(torch.linalg.cond(U)),
        "linear_GL": float((F_lin_g - F_lin).abs()),
        "relu_permutation": float((ens.loss(ens.permute_units(V, ens.random_permutation(seed)), X, y)[0] - F).abs()),
        "relu_positive_scaling": float((ens.loss(ens.scale_units(V, s), X, y)[0] - F).abs()),
        "relu_negative_scaling": float((ens.loss(ens.scale_units(V, -s), X, y)[0] - F).abs()),
        "relu_rotation": float((ens.loss(ens.mix_units(V, Q1), X, y)[0] - F).abs()),
    }
    return out


# ---------------------------------------------------------------------------------------
# deep linear networks
# ---------------------------------------------------------------------------------------
def linear_regression_problem(d_x: int = 5, d_y: int = 3, n: int = 40, noise: float = 0.3, seed: int = 0,
                              device=None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``X`` ``(d_x, n)`` Gaussian, ``Y = AX + noise`` ``(d_y, n)``: full-rank $XX^\top$ and $XY^\top$, and
    (almost surely) distinct eigenvalues of $\Sigma$, Kawaguchi's assumptions."""
    d_x, d_y = check_int(d_x, "d_x", min_value=1), check_int(d_y, "d_y", min_value=1)
    n = check_int(n, "n", min_value=1)
    sizes = {"d_x": d_x, "d_y": d_y, "n": n}
    check_memory(3 * (d_x + d_y) * (n + d_x), max(sizes, key=sizes.get), what="the data")
    dev = get_device(device)
    g = generator(check_seed(seed), dev)
    X = torch.randn(d_x, n, generator=g, device=dev, dtype=torch.float64)
    A = torch.randn(d_y, d_x, generator=g, device=dev, dtype=torch.float64)
    Y = A @ X + check_positive(noise, "noise", allow_zero=True) * torch.randn(d_y, n, generator=g, device=dev,
                                                                               dtype=torch.float64)
    return X, Y


def deep_linear_runs(X, Y, architectures=((2,), (4, 2)), n_starts: int = 16, n_steps: int = 1500,
                     lr: float = 2e-3, seed: int = 0, device=None) -> list[dict]:
    """Gradient descent from ``n_starts`` random starts for each architecture (hidden widths), against
    :func:`deep_linear_min_loss` at the narrowest width. One dict per architecture: ``widths``,
    ``rank``, ``min_loss``, ``final`` ``(n_starts,)``, ``history`` (a TrainHistory)."""
    X, Y = as_tensor(X, "X", ndim=2).detach(), as_tensor(Y, "Y", ndim=2).detach()
    if isinstance(architectures, (str, bytes)) or not isinstance(architectures, (list, tuple)) or not architectures:
        raise TypeError(f"architectures: expected a non-empty list of hidden-width lists, got {architectures!r:.60}")
    if not all(isinstance(w, (list, tuple)) for w in architectures):
        raise TypeError("architectures: each architecture is a list (or tuple) of hidden widths")
    check_seed(seed)
    runs = []
    for i, widths in enumerate(architectures):
        widths = list(widths)
        rank = min(widths + [X.shape[0], Y.shape[0]])
        hist = deep_linear_gd(X, Y, widths, n_starts, n_steps, lr, seed=seed + i, device=device)
        runs.append(dict(widths=widths, rank=rank, min_loss=float(deep_linear_min_loss(X, Y, rank)),
                         final=hist.loss[-1].cpu(), history=hist))
    return runs


def _flat_linear_loss(X, Y, dims):
    shapes = [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]
    sizes = [a * b for a, b in shapes]

    def loss(v):
        Ws, k = [], 0
        for (r, c), s in zip(shapes, sizes):
            Ws.append(v[k:k + s].reshape(r, c))
            k += s
        return deep_linear_loss(Ws, X, Y)

    return loss, sum(sizes)


def hessian_at_zero(X, Y, widths) -> torch.Tensor:
    r"""Eigenvalues (ascending) of the Hessian of $\tfrac12\|Y - W_k\cdots W_1X\|_F^2$ at $W = 0$ (autograd)."""
    X, Y = as_tensor(X, "X", ndim=2).detach(), as_tensor(Y, "Y", ndim=2).detach()
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (list, tuple)):
        raise TypeError(f"widths: expected a list of hidden widths, got {type(widths).__name__}")
    dims = [X.shape[0]] + [check_int(h, "widths", min_value=1) for h in widths] + [Y.shape[0]]
    D = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    check_memory(4 * D * D, "widths", itemsize=X.element_size(), what="the Hessian")
    loss, D = _flat_linear_loss(X, Y, dims)
    H = torch.autograd.functional.hessian(loss, torch.zeros(D, dtype=X.dtype, device=X.device))
    return torch.linalg.eigvalsh(H)


def hessian_at_zero_theory(X, Y, width: int) -> torch.Tensor:
    r"""Closed form for two layers: $\pm\sigma_i(YX^\top)$, each ``width`` times, and zeros (ascending)."""
    X, Y = as_tensor(X, "X", ndim=2).detach(), as_tensor(Y, "Y", ndim=2).detach()
    width = check_int(width, "width", min_value=1)
    check_memory(4 * width * (X.shape[0] + Y.shape[0]), "width", itemsize=X.element_size(), what="the eigenvalues")
    C = Y @ X.T
    s = torch.linalg.eigvalsh(C @ C.T).flip(0)[:min(C.shape)].clamp_min(0).sqrt()   # sigma_i(C), bit-reproducible
    D = width * (X.shape[0] + Y.shape[0])
    vals = torch.cat([s.repeat(width), -s.repeat(width)])
    vals = torch.cat([vals, torch.zeros(D - vals.numel(), dtype=vals.dtype, device=vals.device)])
    return torch.sort(vals).values


# ---------------------------------------------------------------------------------------
# the smallest level-set example
# ---------------------------------------------------------------------------------------
def toy_level_sets(levels=(0.1, 0.3, 0.6), half_width: float = 1.6, n_grid: int = 21) -> dict:
    r"""$N_\lambda$ of $\tfrac12(a\cdot w - 1)^2$ on a grid over $[-h, h]^{2k}$, for widths $k = 1$ (2-D
    grid) and $k = 2$ (4-D grid), at each level. ``n_grid`` odd, so the axes (where $a\cdot w = 0$)
    are on the grid. Returns ``{"levels", "width1", "width2", "grid"}``."""
    n_grid = check_int(n_grid, "n_grid", min_value=3)
    if n_grid % 2 == 0:
        raise ValueError(f"n_grid: must be odd (so that 0 is a grid point), got {n_grid}")
    h = check_in_range(half_width, "half_width", 0.0, 1e3, closed=False)
    check_memory(4 * n_grid**4, "n_grid", what="the 4-D grid")
    if isinstance(levels, (str, bytes)) or not isinstance(levels, (list, tuple)) or not levels:
        raise TypeError(f"levels: expected a non-empty list of levels, got {levels!r:.60}")
    levels = [check_positive(lam, "levels") for lam in levels]
    g = torch.linspace(-h, h, n_grid, dtype=torch.float64)
    v1 = toy_linear_loss(torch.stack(torch.meshgrid(g, g, indexing="ij"), -1))
    v2 = toy_linear_loss(torch.stack(torch.meshgrid(g, g, g, g, indexing="ij"), -1))
    return dict(levels=levels, grid=g, width1=[sublevel_components(v1, lam) for lam in levels],
                width2=[sublevel_components(v2, lam) for lam in levels])


def toy_paths(steps: int = 400, lr: float = 0.05, n_points: int = 201, seed: int = 0) -> dict:
    r"""Paths between the two sign-flipped solutions of the toy net, widths 1 and 2.

    Width $k$: $w_A = (a, w) = (e_1, e_1)$, $w_B = -w_A$. For each width: the segment, the trained
    Bezier curve and its untrained start; for width 2 also the rotation path
    $a = w = (\cos s, \sin s)$, $s\in[0,\pi]$, on which the loss is exactly 0.
    """
    check_memory(16 * check_int(n_points, "n_points", min_value=2), "n_points", what="the paths")
    out = {"t": path_t(n_points)}
    for k in (1, 2):
        wa = torch.zeros(2 * k, dtype=torch.float64)
        wa[0] = wa[k] = 1.0
        wb = -wa
        theta = fit_bezier(toy_linear_loss, wa, wb, steps, lr, seed=seed)
        theta0 = fit_bezier(toy_linear_loss, wa, wb, 0, lr, seed=seed)
        out[k] = dict(w_a=wa, w_b=wb, theta=theta, theta0=theta0,
                      linear=linear_path(toy_linear_loss, wa, wb, n_points),
                      bezier=bezier_path(toy_linear_loss, wa, theta, wb, n_points),
                      control=bezier_path(toy_linear_loss, wa, theta0, wb, n_points),
                      curve=bezier_curve(wa, theta, wb, out["t"]))
    s = math.pi * out["t"]
    rot = torch.stack([torch.cos(s), torch.sin(s), torch.cos(s), torch.sin(s)], -1)
    out[2]["rotation"] = toy_linear_loss(rot)
    return out


# ---------------------------------------------------------------------------------------
# mode connectivity of one-hidden-layer relu networks
# ---------------------------------------------------------------------------------------
def teacher_data(n: int = 128, d_in: int = 2, teacher_width: int = 6, seed: int = 0, *, dtype=torch.float32,
                 device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``X`` ``(n, d_in)`` standard Gaussian; ``y`` ``(n,)`` a random relu teacher's output, standardised
    (so a loss of 1 is the constant predictor's)."""
    dev = get_device(device)
    n, d_in = check_int(n, "n", min_value=2), check_int(d_in, "d_in", min_value=1)
    teacher_width = check_int(teacher_width, "teacher_width", min_value=1)
    check_float_dtype(dtype)
    check_seed(seed)
    sizes = {"n": n, "d_in": d_in, "teacher_width": teacher_width}
    check_memory(2 * n * d_in + 3 * teacher_width * (d_in + 2 + n), max(sizes, key=sizes.get), itemsize=dtype.itemsize,
                 what="the data and the teacher")
    X = torch.randn(n, d_in, generator=generator(seed, dev), device=dev, dtype=dtype)
    teacher = ReluEnsemble((check_int(teacher_width, "teacher_width", min_value=1),), d_in)
    y = teacher.forward(teacher.init(1, seed=seed + 1000, dtype=dtype, device=dev)[0], X)[0]
    return X, (y - y.mean()) / y.std()


@dataclass
class ModeConnectivity:
    """Pairs of relu networks trained to a common loss, and the paths between them.

    Networks are ordered width-major (``pairs`` per width); side A and side B are two packed
    ensembles of the same widths. Profiles are ``(n_points, N)``; ``ok`` ``(N,)`` marks the
    pairs whose two endpoints both reached ``level`` (the others are left out of every summary).
    """

    widths: tuple
    pairs: int
    level: float
    X: torch.Tensor
    y: torch.Tensor
    ensemble: ReluEnsemble
    theta_a: torch.Tensor
    theta_b: torch.Tensor
    theta_bezier: torch.Tensor
    theta_control: torch.Tensor
    t: torch.Tensor
    linear: torch.Tensor
    bezier: torch.Tensor
    control: torch.Tensor
    endpoint_loss: torch.Tensor
    ok: torch.Tensor
    reached_at: torch.Tensor
    params: dict = field(default_factory=dict)

    def loss(self, V) -> torch.Tensor:
        """The packed loss: ``(..., D)`` -> one loss per pair ``(..., N)``."""
        return self.ensemble.loss(V, self.X, self.y)

    def barriers(self, which: str) -> np.ndarray:
        """``(n_widths, pairs)`` barriers of the ``linear``, ``bezier`` or ``control`` path (NaN = left out)."""
        if which not in ("linear", "bezier", "control"):
            raise ValueError(f"which: expected 'linear', 'bezier' or 'control', got {which!r}")
        b = _np(path_barrier(getattr(self, which))).astype(float)
        b[~_np(self.ok)] = np.nan
        return b.reshape(len(self.widths), self.pairs)

    def index(self, width: int, pair: int) -> int:
        """Position of (width, pair) in the ensemble."""
        width = check_int(width, "width", min_value=1)
        if width not in self.widths:
            raise ValueError(f"width: {width} is not one of the trained widths {self.widths}")
        pair = check_int(pair, "pair", min_value=0, max_value=self.pairs - 1)
        return self.widths.index(width) * self.pairs + pair


def mode_connectivity(widths=(6, 8, 12, 16, 24, 32), pairs: int = 8, level: float = 0.01, *, n: int = 128,
                      d_in: int = 2, teacher_width: int = 6, max_steps: int = 800, lr: float = 0.02,
                      bezier_steps: int = 250, bezier_lr: float = 0.02, n_points: int = 41, seed: int = 0,
                      device=None) -> ModeConnectivity:
    r"""Freeman & Bruna / Garipov et al. on a teacher-student task, every width and pair in one program.

    1. ``2 x pairs`` networks per width are trained with Adam (:func:`train_to_level`) and each is
       snapshotted when its training loss first reaches ``level``;
    2. the segment between the two networks of each pair, a trained quadratic Bezier curve
       (:func:`fit_bezier`, ``bezier_steps`` Adam steps) and the untrained curve (its start) are
       evaluated at ``n_points`` values of t, all pairs at once.
    """
    dev = get_device(device)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (list, tuple)) or not widths:
        raise TypeError(f"widths: expected a non-empty list of hidden widths, got {widths!r:.60}")
    widths = tuple(check_int(m, "widths", min_value=1) for m in widths)
    pairs = check_int(pairs, "pairs", min_value=1)
    level = check_in_range(level, "level", 0.0, 1.0, closed=False)
    n_points = check_int(n_points, "n_points", min_value=2)
    n, d_in = check_int(n, "n", min_value=2), check_int(d_in, "d_in", min_value=1)
    max_steps = check_steps(check_int(max_steps, "max_steps", min_value=1), "max_steps", what="training to level")
    bezier_steps = check_steps(check_int(bezier_steps, "bezier_steps", min_value=0), "bezier_steps",
                               what="fitting the Bezier curves")
    lr, bezier_lr = check_positive(lr, "lr"), check_positive(bezier_lr, "bezier_lr")
    units = pairs * sum(widths)
    check_memory(8 * units * (d_in + 2 + n) + 4 * n_points * units * (d_in + 2),
                 "pairs" if pairs > max(max(widths), n, n_points) else
                 ("n" if n > max(max(widths), n_points) else ("n_points" if n_points > max(widths) else "widths")),
                 what="the networks, their activations and the paths")
    X, y = teacher_data(n, d_in, teacher_width, seed, device=dev)
    ens = ReluEnsemble(tuple(m for m in widths for _ in range(pairs)), d_in)
    theta, hist = train_to_level(ens, ens.init(2, seed=seed + 1, device=dev), X, y, level, max_steps, lr)

    def loss(V):
        return ens.loss(V, X, y)

    theta_bez = fit_bezier(loss, theta[0], theta[1], bezier_steps, bezier_lr, seed=seed + 2)
    theta_ctl = fit_bezier(loss, theta[0], theta[1], 0, bezier_lr, seed=seed + 2)
    return ModeConnectivity(
        widths=widths, pairs=pairs, level=level, X=X, y=y, ensemble=ens, theta_a=theta[0], theta_b=theta[1],
        theta_bezier=theta_bez, theta_control=theta_ctl, t=path_t(n_points, dtype=X.dtype, device=dev),
        linear=linear_path(loss, theta[0], theta[1], n_points),
        bezier=bezier_path(loss, theta[0], theta_bez, theta[1], n_points),
        control=bezier_path(loss, theta[0], theta_ctl, theta[1], n_points),
        endpoint_loss=loss(theta), ok=hist.reached.all(0), reached_at=hist.reached_at,
        params=dict(n=n, d_in=d_in, teacher_width=teacher_width, max_steps=max_steps, lr=lr,
                    bezier_steps=bezier_steps, bezier_lr=bezier_lr, seed=seed))


def _mode_connectivity(mc, name: str = "mc") -> "ModeConnectivity":
    if not isinstance(mc, ModeConnectivity):
        raise TypeError(f"{name}: expected a ModeConnectivity (from mode_connectivity), got {type(mc).__name__}")
    return mc


def median_interval(x, confidence: float = 0.9) -> tuple[float, float, float, float]:
    """Median of ``x`` (NaNs dropped) with a distribution-free interval from order statistics:
    ``(median, low, high, coverage)``, coverage >= ``confidence`` when the sample allows it
    (binomial(n, 1/2) tails; e.g. n = 8 gives [x_(2), x_(7)] at 93 %)."""
    x = as_tensor(x, "x", ndim=1, dtype=torch.float64, finite=False).detach().cpu().numpy()
    if np.any(np.isinf(x)):
        raise ValueError("x: contains inf (NaN marks a value left out; inf is not a barrier)")
    a = np.sort(x[~np.isnan(x)])
    check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    n = a.size
    if n == 0:
        raise ValueError("x: no finite values")
    cdf = np.cumsum([math.comb(n, i) for i in range(n + 1)]) / 2.0 ** n   # P(Bin(n, 1/2) <= i)
    k = 1                                       # the interval [x_(k), x_(n+1-k)] covers with 1 - 2 cdf[k-1]
    while k + 1 <= (n + 1) // 2 and 1 - 2 * cdf[k] >= confidence:
        k += 1
    coverage = 1 - 2 * cdf[k - 1]
    return float(np.median(a)), float(a[k - 1]), float(a[n - k]), float(coverage)


def width_summary(mc: ModeConnectivity, confidence: float = 0.9) -> dict:
    """Per width: median barrier and its order-statistic interval for each path; counts of pairs kept."""
    _mode_connectivity(mc)
    out = {"widths": np.array(mc.widths), "kept": (~np.isnan(mc.barriers("linear"))).sum(1)}
    for which in ("linear", "bezier", "control"):
        rows = np.array([median_interval(row, confidence) for row in mc.barriers(which)])
        out[which] = dict(median=rows[:, 0], low=rows[:, 1], high=rows[:, 2], coverage=rows[:, 3])
    return out


def decay_slope(widths, medians, floor: float = 1e-4) -> tuple[float, int]:
    """Least-squares slope of log(median) against log(width) over the widths whose median exceeds
    ``floor`` (a barrier of 0 has no logarithm); returns ``(slope, number of widths used)``."""
    m = as_tensor(widths, "widths", ndim=1, dtype=torch.float64).detach().cpu().numpy()
    v = as_tensor(medians, "medians", shape=m.shape, dtype=torch.float64).detach().cpu().numpy()
    if np.any(m <= 0):
        raise ValueError("widths: must be > 0 (a log-log fit)")
    floor = check_positive(floor, "floor")
    use = v > floor
    if use.sum() < 2:
        return float("nan"), int(use.sum())
    return float(np.polyfit(np.log(m[use]), np.log(v[use]), 1)[0]), int(use.sum())


SYMMETRIES = ("none", "permute hidden units", "rescale units (s > 0)", "match units (weight matching)",
              "rotate hidden units (not a symmetry)")


def _matching_permutation(ens: ReluEnsemble, Va, Vb) -> torch.Tensor:
    """Per network, the permutation of B's units that best matches A's (max sum of inner products of the
    units' (w, b, a) -- 'weight matching', Ainsworth et al. 2023), by the Hungarian algorithm."""
    from scipy.optimize import linear_sum_assignment

    Wa, ba, aa, _ = ens.unpack(Va)
    Wb, bb, ab, _ = ens.unpack(Vb)
    fa = _np(torch.cat([Wa, ba[:, None], aa[:, None]], 1).double())
    fb = _np(torch.cat([Wb, bb[:, None], ab[:, None]], 1).double())
    perm, start = [], 0
    for m in ens.widths:
        _, cols = linear_sum_assignment(-(fa[start:start + m] @ fb[start:start + m].T))
        perm.append(start + cols)
        start += m
    return torch.as_tensor(np.concatenate(perm), device=Va.device)


def symmetry_profiles(mc: ModeConnectivity, seed: int = 0) -> dict:
    r"""For each transformation $g$ in :data:`SYMMETRIES`: B's loss after $g$ ``(G, N)`` and the loss along the
    segment from A to $gB$ ``(n_points, G, N)``, every pair at once. The symmetries leave B's loss
    unchanged but move B to another point of its family, so the segment (and its barrier) changes."""
    _mode_connectivity(mc)
    check_seed(seed)
    ens, Va, Vb = mc.ensemble, mc.theta_a, mc.theta_b
    gen = generator(seed, Vb.device)
    s = torch.exp(0.7 * torch.randn(ens.n_units, generator=gen, device=Vb.device, dtype=Vb.dtype))
    Q = torch.zeros(ens.n_units, ens.n_units, device=Vb.device, dtype=torch.float64)
    start = 0
    for m in ens.widths:  # one random orthogonal block per network
        block = torch.randn(m, m, generator=gen, device=Vb.device, dtype=torch.float64)
        Q[start:start + m, start:start + m] = torch.linalg.qr(block)[0]
        start += m
    moved = torch.stack([
        ens.permute_units(Vb, ens.random_permutation(seed, Vb.device)),
        ens.scale_units(Vb, s),
        ens.permute_units(Vb, _matching_permutation(ens, Va, Vb)),
        ens.mix_units(Vb, Q.to(Vb.dtype)),
    ])
    profiles = linear_path(mc.loss, Va.expand_as(moved), moved, mc.t.numel())          # (T, 4, N)
    return dict(names=SYMMETRIES, loss_b=torch.cat([mc.loss(Vb)[None], mc.loss(moved)]),
                profiles=torch.cat([mc.linear[:, None], profiles], 1))


def loss_plane(mc: ModeConnectivity, width: int, pair: int = 0, n_grid: int = 41, margin: float = 0.35) -> dict:
    r"""The loss on the plane through one pair's endpoints $w_A$, $w_B$ and trained control point $\theta$
    (Garipov et al. 2018, Fig. 1): orthonormal coordinates $(x, y)$ with $w_A$ at the origin and $w_B$
    on the x axis. Returns the grid, the losses ``(n_grid, n_grid)`` and the three points' and the
    curve's coordinates."""
    j = _mode_connectivity(mc).index(width, pair)
    n_grid = check_int(n_grid, "n_grid", min_value=2)
    margin = check_in_range(margin, "margin", 0.0, 100.0)
    check_memory(4 * n_grid * n_grid * (mc.ensemble.d_in + 2) * max(mc.widths), "n_grid", what="the loss plane")
    single, V = mc.ensemble.subnet(torch.stack([mc.theta_a, mc.theta_b, mc.theta_bezier]), j)
    wa, wb, th = V[0].double(), V[1].double(), V[2].double()
    u = wb - wa
    L = u.norm()
    u = u / L
    v = th - wa - ((th - wa) @ u) * u
    v = v / v.norm()

    def coords(P):
        return torch.stack([(P - wa) @ u, (P - wa) @ v], -1)

    curve = coords(bezier_curve(wa, th, wb, mc.t.double()))
    pts = coords(torch.stack([wa, wb, th]))
    lo = torch.minimum(curve.amin(0), pts.amin(0)) - margin * L
    hi = torch.maximum(curve.amax(0), pts.amax(0)) + margin * L
    gx = torch.linspace(float(lo[0]), float(hi[0]), n_grid, dtype=torch.float64)
    gy = torch.linspace(float(lo[1]), float(hi[1]), n_grid, dtype=torch.float64)
    P = wa + gx[None, :, None] * u + gy[:, None, None] * v                    # (ny, nx, D_j)
    Z = single.loss(P.to(mc.X.dtype), mc.X, mc.y)[..., 0]
    return dict(x=_np(gx), y=_np(gy), loss=_np(Z), points=_np(pts), curve=_np(curve), width=width, pair=pair)
