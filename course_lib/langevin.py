"""Stochastic gradient Langevin dynamics: Gibbs limit, metastability, generalization (lecture 07).

Papers: Welling & Teh 2011 (SGLD); Mou, Wang, Zhai & Zheng, COLT 2018, arXiv:1707.05947
(stability and PAC-Bayes bounds); Kramers 1940 (escape rate); Roberts & Tweedie 1996 and
Mattingly, Stuart & Higham 2002 (Euler-Maruyama on superlinear drifts diverges).

Every sampler here is batched: all chains (and all (beta, eta) cells of a grid) move in one
tensor; the only Python loop is over time steps.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_callable,
    check_in_range,
    check_int,
    check_positive,
)
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "double_well",
    "double_well_grad",
    "banana",
    "banana_grad",
    "sgld",
    "sgld_run",
    "SGLDRun",
    "gradient_descent",
    "gibbs_density",
    "ks_distance",
    "ks_critical",
    "transition_counts",
    "kramers_rate",
    "mfpt_rate",
    "stationary_grid",
    "sigmoid_loss_sgld",
    "stability_bound",
    "pac_bayes_bound",
    "build_gibbs_widget",
    "exercise_sgld_step",
    "exercise_gibbs_normalizer",
]

DOUBLE_WELL_BARRIER = 1.0  # U(0) - U(+-1) for U(x) = (x^2 - 1)^2


# ---------------------------------------------------------------------------------------
# potentials: (chains, dim) -> (chains,) and their gradients (chains, dim) -> (chains, dim)
# ---------------------------------------------------------------------------------------

DIVERGENCE_BOUND = 1e6  # |x| beyond this counts as diverged (the drift is superlinear)

def _points(x, dim: int) -> torch.Tensor:
    # finite=False: a potential may legitimately be evaluated far out; shape/dtype are checked
    return as_tensor(x, "x", shape=(None, dim), finite=False)


def double_well(x) -> torch.Tensor:
    r"""$U(x) = (x^2-1)^2$: minima at $\pm1$, saddle at 0, barrier $\Delta U = 1$; ``x`` is (chains, 1)."""
    x = _points(x, 1)
    return (x[:, 0] ** 2 - 1) ** 2


def double_well_grad(x) -> torch.Tensor:
    r"""$U'(x) = 4x(x^2-1)$ for ``x`` of shape (chains, 1)."""
    x = _points(x, 1)
    return 4 * x * (x * x - 1)


def banana(x) -> torch.Tensor:
    r"""$U(x,y) = (x^2-1)^2 + 2(y - x^2/2)^2$: two curved wells at $(\pm1, \tfrac12)$,
    a saddle at the origin (Hessian eigenvalues $-4, 4$), barrier 1; ``x`` is (chains, 2)."""
    x = _points(x, 2)
    a, b = x[:, 0], x[:, 1]
    return (a * a - 1) ** 2 + 2 * (b - a * a / 2) ** 2


def banana_grad(x) -> torch.Tensor:
    """Gradient of :func:`banana`, shape (chains, 2)."""
    x = _points(x, 2)
    a, b = x[:, 0], x[:, 1]
    r4 = 4 * b - 2 * a * a                      # 4 (y - x^2/2)
    out = torch.empty_like(x)
    torch.mul(a, 4 * a * a - 4 - r4, out=out[:, 0])  # 4x(x^2 - 1) - 4x(y - x^2/2)
    out[:, 1] = r4
    return out


# ---------------------------------------------------------------------------------------
# the sampler
# ---------------------------------------------------------------------------------------
def _per_chain(value, name: str, n_chains: int, like: torch.Tensor) -> torch.Tensor:
    """A positive scalar, or one positive value per chain, as a (chains, 1) tensor."""
    if isinstance(value, (torch.Tensor, np.ndarray, list, tuple)) and np.ndim(value) > 0:
        t = as_tensor(value, name, ndim=1, dtype=like.dtype, device=like.device)
        if t.shape[0] != n_chains:
            raise ValueError(f"{name}: expected a scalar or {n_chains} values (one per chain), got {t.shape[0]}")
        if bool((t <= 0).any()):
            raise ValueError(f"{name}: must be > 0, got min {t.min().item():g}")
        return t[:, None].clone()
    v = check_positive(value, name)
    return torch.full((n_chains, 1), v, dtype=like.dtype, device=like.device)


@dataclass
class SGLDRun:
    """Result of :func:`sgld_run`.

    ``x`` final samples (chains, dim); ``trace`` (n_saved, chains, dim) or None; ``diverged``
    (chains,) bool; ``diverged_at`` (chains,) step at which divergence was detected (-1 if none).
    Diverged chains are frozen at their last finite checked state, so nothing here is NaN:
    drop them with ``x[~diverged]``.
    """

    x: torch.Tensor
    trace: torch.Tensor | None
    diverged: torch.Tensor
    diverged_at: torch.Tensor

    @property
    def n_diverged(self) -> int:
        return int(self.diverged.sum())

    @property
    def fraction_diverged(self) -> float:
        return float(self.diverged.float().mean())


def _langevin_loop(grad_U, x, eta, beta, n_steps, gen, *, thin=0, bound=DIVERGENCE_BOUND, check_every=10,
                   observer=None):
    """The one SGLD loop (loop over time only).  eta, beta: (chains, 1) tensors."""
    chains = x.shape[0]
    neg_eta = -eta
    scale = torch.sqrt(2 * eta / beta)  # sqrt(2 eta / beta): the Euler-Maruyama noise of dW = sqrt(2/beta) dB
    diverged = torch.zeros(chains, dtype=torch.bool, device=x.device)
    diverged_at = torch.full((chains,), -1, dtype=torch.long, device=x.device)
    last_good = x.clone()
    trace = [x.clone()] if thin else None
    for k in range(1, n_steps + 1):
        g = grad_U(x)
        if k == 1 and (not isinstance(g, torch.Tensor) or g.shape != x.shape):
            shape = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
            raise ValueError(f"grad_U: must map (chains, dim) = {tuple(x.shape)} to the same shape, got {shape}")
        z = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
        x = torch.addcmul(torch.addcmul(x, g, neg_eta), z, scale)
        if k % check_every == 0 or k == n_steps:
            bad = ~torch.isfinite(x).all(dim=1) | (x.abs().amax(dim=1) > bound)
            new = bad & ~diverged
            if bool(new.any()):
                diverged_at[new] = k
                diverged |= new
                neg_eta[new] = 0.0
                scale[new] = 0.0
            if bool(diverged.any()):
                x = torch.where(diverged[:, None], last_good, x)
            last_good = x.clone()
        if observer is not None:
            observer(k, x)
        if thin and k % thin == 0:
            trace.append(x.clone())
    if trace is not None:
        trace = torch.stack(trace)
        if bool(diverged.any()):  # steps between the last good check and detection: show the frozen state
            steps = torch.arange(trace.shape[0], device=x.device)[:, None] * thin
            after = diverged[None, :] & (steps > (diverged_at - check_every)[None, :])
            trace = torch.where(after[..., None], x[None], trace)
    return x, trace, diverged, diverged_at


def sgld_run(
    grad_U: Callable,
    x0,
    step_size,
    beta,
    n_steps: int,
    seed: int = 0,
    return_trace: bool = False,
    thin: int = 1,
    bound: float = DIVERGENCE_BOUND,
    device=None,
) -> SGLDRun:
    r"""SGLD / unadjusted Langevin, $w_{k+1} = w_k - \eta\nabla U(w_k) + \sqrt{2\eta/\beta}\,\xi_k$
    (Welling & Teh 2011, eq. 4), the Euler-Maruyama step of $dW = -\nabla U\,dt + \sqrt{2/\beta}\,dB$.

    ``x0`` (chains, dim); ``grad_U`` maps (chains, dim) -> (chains, dim); ``step_size`` and
    ``beta`` are scalars or one value per chain (a whole (beta, eta) grid in one run).
    A chain whose state leaves ``|x| <= bound`` or turns non-finite is flagged as diverged
    (checked every 10 steps) and frozen; nothing is returned as NaN.
    """
    check_callable(grad_U, "grad_U")
    dev = get_device(device)
    x = as_tensor(x0, "x0", ndim=2, device=dev)
    if not x.is_floating_point():  # pragma: no cover - as_tensor already promotes
        raise TypeError("x0: expected floating values")
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    thin = check_int(thin, "thin", min_value=1)
    bound = check_positive(bound, "bound")
    if not isinstance(return_trace, bool):
        raise TypeError(f"return_trace: expected a bool, got {type(return_trace).__name__}")
    eta = _per_chain(step_size, "step_size", x.shape[0], x)
    b = _per_chain(beta, "beta", x.shape[0], x)
    gen = generator(seed, dev)
    x, trace, diverged, at = _langevin_loop(
        grad_U, x.clone(), eta, b, n_steps, gen, thin=thin if return_trace else 0, bound=bound
    )
    return SGLDRun(x, trace, diverged, at)


def sgld(grad_U, x0, step_size, beta, n_steps, seed=0, return_trace=False, device=None):
    r"""Run SGLD chains (see :func:`sgld_run`); return the final samples (chains, dim), or the
    trace (n_steps + 1, chains, dim) with ``return_trace=True``.

    Raises :class:`course_lib.core.validate.Diverged` if any chain blows up (step size too large
    for the drift), naming how many chains and when; use :func:`sgld_run` to get flags instead.
    """
    run = sgld_run(grad_U, x0, step_size, beta, n_steps, seed=seed, return_trace=return_trace, device=device)
    if run.n_diverged:
        first = int(run.diverged_at[run.diverged].min())
        raise Diverged(
            f"step_size: {run.n_diverged} of {run.diverged.numel()} chains diverged (first detected at "
            f"step {first}); the Euler-Maruyama step is unstable for this drift, reduce step_size"
        )
    return run.trace if return_trace else run.x


def gradient_descent(grad_U, x0, step_size, n_steps: int, device=None) -> torch.Tensor:
    r"""Noiseless gradient descent $w_{k+1} = w_k - \eta\nabla U(w_k)$ ($\beta = \infty$), batched."""
    check_callable(grad_U, "grad_U")
    dev = get_device(device)
    x = as_tensor(x0, "x0", ndim=2, device=dev).clone()
    eta = check_positive(step_size, "step_size")
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    for k in range(n_steps):
        x = x - eta * grad_U(x)
        if not bool((x.abs() <= DIVERGENCE_BOUND).all()):  # also catches inf and NaN
            raise Diverged(f"step_size: gradient descent diverged at step {k + 1} (|x| > {DIVERGENCE_BOUND:g} "
                           f"or not finite); reduce step_size")
    return x


# ---------------------------------------------------------------------------------------
# the Gibbs law and the KS distance
# ---------------------------------------------------------------------------------------
def _grid_axis(g, name: str) -> torch.Tensor:
    t = as_tensor(g, name, ndim=1, dtype=torch.float64, min_size=2)
    if bool((t[1:] <= t[:-1]).any()):
        raise ValueError(f"{name}: must be strictly increasing")
    return t


def _betas(beta) -> tuple[torch.Tensor, bool]:
    if isinstance(beta, (torch.Tensor, np.ndarray, list, tuple)) and np.ndim(beta) > 0:
        b = as_tensor(beta, "beta", ndim=1, dtype=torch.float64)
        if bool((b <= 0).any()):
            raise ValueError(f"beta: must be > 0, got min {b.min().item():g}")
        return b, True
    return torch.tensor([check_positive(beta, "beta")], dtype=torch.float64), False


def gibbs_density(U: Callable, beta, grid) -> torch.Tensor:
    r"""The Gibbs density $p_\beta(x) = e^{-\beta U(x)}/Z_\beta$ on ``grid``, normalized by the
    trapezoid rule (the stationary law of $dW = -\nabla U dt + \sqrt{2/\beta} dB$).

    ``grid``: increasing 1-D tensor (G,) for 1-D potentials, or a pair of axes ``(gx, gy)`` for
    2-D ones (returns (Gx, Gy)).  ``U`` maps (points, dim) -> (points,).  ``beta``: scalar, or a
    1-D tensor of B values (returns a leading dimension B).
    """
    check_callable(U, "U")
    b, batched = _betas(beta)
    if isinstance(grid, (tuple, list)) and len(grid) == 2 and all(np.ndim(g) == 1 for g in grid):
        gx, gy = _grid_axis(grid[0], "grid[0]"), _grid_axis(grid[1], "grid[1]")
        X, Y = torch.meshgrid(gx, gy, indexing="ij")
        u = U(torch.stack((X.reshape(-1), Y.reshape(-1)), dim=1)).reshape(X.shape).to(torch.float64)
        if not bool(torch.isfinite(u).all()):
            raise ValueError("U: returned non-finite values on the grid")
        logp = -b[:, None, None] * (u - u.min())
        p = torch.exp(logp)
        z = torch.trapezoid(torch.trapezoid(p, gy, dim=-1), gx, dim=-1)
        out = p / z[:, None, None]
    else:
        g = _grid_axis(grid, "grid")
        u = U(g[:, None]).to(torch.float64)
        if u.shape != g.shape:
            raise ValueError(f"U: must map (points, 1) to (points,), got shape {tuple(u.shape)}")
        if not bool(torch.isfinite(u).all()):
            raise ValueError("U: returned non-finite values on the grid")
        p = torch.exp(-b[:, None] * (u - u.min()))
        out = p / torch.trapezoid(p, g, dim=-1)[:, None]
    return out if batched else out[0]


def _cdf_on_grid(grid: torch.Tensor, density: torch.Tensor) -> torch.Tensor:
    dx = grid[1:] - grid[:-1]
    inc = 0.5 * (density[..., 1:] + density[..., :-1]) * dx
    cdf = torch.cat((torch.zeros_like(density[..., :1]), torch.cumsum(inc, dim=-1)), dim=-1)
    if bool((cdf[..., -1] <= 0).any()):
        raise ValueError("density: integrates to 0 on the grid")
    return cdf / cdf[..., -1:]


def ks_distance(samples, grid, density, valid=None) -> torch.Tensor:
    r"""Kolmogorov-Smirnov distance $\sup_x |\hat F_N(x) - F(x)|$ between the samples' empirical
    CDF and the CDF of ``density`` on ``grid`` (trapezoid, linear interpolation in between).

    Batched: ``samples`` (..., N) and ``density`` (..., G) with the same leading shape (or a
    single density (G,) for every row); ``grid`` (G,).  Returns a tensor of shape (...).
    ``valid`` (same shape as ``samples``, bool) keeps only some samples per row (e.g. the chains
    that did not diverge); a row with no valid sample gives NaN.
    """
    g = _grid_axis(grid, "grid")
    s = as_tensor(samples, "samples", dtype=torch.float64)
    p = as_tensor(density, "density", dtype=torch.float64, device=s.device)
    g = g.to(s.device)
    if p.shape[-1] != g.shape[0]:
        raise ValueError(f"density: last dimension {p.shape[-1]} must match grid length {g.shape[0]}")
    if bool((p < 0).any()):
        raise ValueError("density: must be >= 0")
    lead = s.shape[:-1]
    if p.ndim > 1 and p.shape[:-1] != lead:
        raise ValueError(f"density: leading shape {tuple(p.shape[:-1])} must match samples' {tuple(lead)}")
    cdf = _cdf_on_grid(g, p).expand(*lead, g.shape[0]).reshape(-1, g.shape[0])
    flat = s.reshape(-1, s.shape[-1])
    if valid is None:
        ok = torch.ones_like(flat, dtype=torch.bool)
    else:
        if not isinstance(valid, torch.Tensor) or valid.dtype != torch.bool or valid.shape != s.shape:
            raise ValueError(f"valid: expected a bool tensor of shape {tuple(s.shape)}")
        ok = valid.to(s.device).reshape(flat.shape)
    # invalid samples sort to the end (+inf) and are masked out of the sup below
    xs = torch.sort(torch.where(ok, flat, torch.full_like(flat, math.inf)), dim=-1).values
    n = ok.sum(-1, keepdim=True).to(torch.float64)
    idx = torch.searchsorted(g, xs.clamp(g[0], g[-1]).contiguous()).clamp(1, g.shape[0] - 1)
    x0, x1 = g[idx - 1], g[idx]
    c0, c1 = torch.gather(cdf, 1, idx - 1), torch.gather(cdf, 1, idx)
    frac = ((xs.clamp(g[0], g[-1]) - x0) / (x1 - x0)).clamp(0, 1)
    F = c0 + frac * (c1 - c0)
    F = torch.where(xs < g[0], torch.zeros_like(F), torch.where(xs > g[-1], torch.ones_like(F), F))
    i = torch.arange(1, xs.shape[-1] + 1, dtype=torch.float64, device=s.device)
    keep = i[None, :] <= n
    gap = torch.maximum(i / n - F, F - (i - 1) / n)
    d = torch.where(keep, gap, torch.full_like(gap, -math.inf)).amax(-1)
    d = torch.where(n[:, 0] > 0, d, torch.full_like(d, math.nan))
    return d.reshape(lead)


# kstwo.isf(alpha, n) for the (n, alpha) pairs lecture 07 uses, so that running it does not
# import scipy.stats (~1 s of CPU).  tests/test_langevin.py checks every entry against scipy.
_KS_CRITICAL_TABLE = {
    (10000, 0.001): 0.01947748045729969,
    (5000, 0.0005): 0.028764065945169677,
    (2000, 0.001 / 12): 0.05011953199036759,
    (2000, 0.001): 0.04350155465854125,
    (2000, 0.05): 0.03028337111595934,
}


def ks_critical(n: int, alpha: float = 0.001) -> float:
    """Critical value of the one-sample KS statistic for ``n`` independent samples: exact
    quantile ``scipy.stats.kstwo.isf(alpha, n)`` (Kolmogorov 1933; approx. sqrt(ln(2/alpha)/2n)).
    The few values the lecture needs are tabulated (checked against scipy by the tests)."""
    n = check_int(n, "n", min_value=1)
    alpha = check_in_range(alpha, "alpha", 0.0, 1.0, closed=False)
    hit = _KS_CRITICAL_TABLE.get((n, alpha))
    if hit is not None:
        return hit
    from scipy.stats import kstwo

    return float(kstwo.isf(alpha, n))


# ---------------------------------------------------------------------------------------
# metastability
# ---------------------------------------------------------------------------------------
def transition_counts(grad_U, x0, step_size, beta, n_steps: int, core: float = 0.5, seed: int = 0, device=None):
    r"""Count core-to-core transitions of 1-D SGLD chains between $\{x<-c\}$ and $\{x>c\}$
    (hysteresis, so re-crossings at the saddle are not counted).  Returns (chains,) counts and
    the diverged flags.  Rate per unit time = counts / (n_steps * step_size)."""
    check_callable(grad_U, "grad_U")
    dev = get_device(device)
    x = as_tensor(x0, "x0", shape=(None, 1), device=dev)
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    c = check_positive(core, "core")
    eta = _per_chain(step_size, "step_size", x.shape[0], x)
    b = _per_chain(beta, "beta", x.shape[0], x)
    state = (x[:, 0] > c).to(torch.int8) - (x[:, 0] < -c).to(torch.int8)  # +1, -1 or 0 (between cores)
    counts = torch.zeros(x.shape[0], dtype=torch.long, device=dev)
    block = min(n_steps, 200)
    buf = torch.empty(block, x.shape[0], dtype=x.dtype, device=dev)
    t_idx = torch.arange(block, device=dev)[:, None]

    def flush(m):
        # core label per step, forward-filled through the gap between the cores (hysteresis)
        nonlocal state
        s = buf[:m]
        lab = (s > c).to(torch.int8) - (s < -c).to(torch.int8)  # (m, chains)
        last = torch.where(lab != 0, t_idx[:m], -1).cummax(0).values
        filled = torch.where(last >= 0, lab.gather(0, last.clamp_min(0)), state[None, :])
        prev = torch.cat((state[None, :], filled[:-1]), 0)
        counts.add_(((filled != prev) & (prev != 0)).sum(0))
        state = filled[-1]

    def observer(k, xk):
        i = (k - 1) % block
        buf[i] = xk[:, 0]
        if i == block - 1 or k == n_steps:
            flush(i + 1)

    _, _, diverged, _ = _langevin_loop(grad_U, x.clone(), eta, b, n_steps, generator(seed, dev), observer=observer)
    return counts, diverged


def kramers_rate(beta, barrier: float = 1.0, curv_min: float = 8.0, curv_saddle: float = 4.0) -> float:
    r"""Kramers' overdamped escape rate $k = \frac{\sqrt{U''(a)|U''(s)|}}{2\pi} e^{-\beta\Delta U}$
    (Kramers 1940; Hänggi, Talkner & Borkovec 1990, eq. 4.56b); defaults: the double well."""
    b = check_positive(beta, "beta")
    barrier = check_positive(barrier, "barrier")
    return math.sqrt(check_positive(curv_min, "curv_min") * check_positive(curv_saddle, "curv_saddle")) / (
        2 * math.pi
    ) * math.exp(-b * barrier)


def mfpt_rate(U: Callable, beta, core: float = 0.5, lo: float = -3.0, n_grid: int = 4001) -> float:
    r"""Exact continuous-time core-to-core transition rate of 1-D overdamped Langevin dynamics,
    $1/\tau(-c \to c)$ with the mean first passage time
    $\tau = \beta\int_{-c}^{c} e^{\beta U(y)}\int_{-\infty}^{y} e^{-\beta U(z)}dz\,dy$
    (Gardiner, Handbook of Stochastic Methods, eq. 5.2.158), by quadrature."""
    check_callable(U, "U")
    b = check_positive(beta, "beta")
    c = check_positive(core, "core")
    lo = check_in_range(lo, "lo", -1e300, -c, closed=False)  # finite, and left of the starting core
    n_grid = check_int(n_grid, "n_grid", min_value=101)
    z = torch.linspace(lo, c, n_grid, dtype=torch.float64)
    u = U(z[:, None]).to(torch.float64)
    inner = torch.cat((torch.zeros(1, dtype=torch.float64), torch.cumulative_trapezoid(torch.exp(-b * u), z)))
    keep = z >= -c
    tau = float(b * torch.trapezoid((torch.exp(b * u) * inner)[keep], z[keep]))
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"beta: the passage time is not representable in float64 at beta = {b} "
                         f"(exp(beta*U) over/underflows); use the Kramers formula for large beta")
    return 1.0 / tau


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
    betas = tuple(check_positive(b, "betas") for b in betas)
    etas = tuple(check_positive(e, "etas") for e in etas)
    if not betas:
        raise ValueError("betas: need at least one value")
    if not etas:
        raise ValueError("etas: need at least one value")
    n_chains = check_int(n_chains, "n_chains", min_value=10)
    sim_time = check_positive(sim_time, "sim_time")
    n_bins = check_int(n_bins, "n_bins", min_value=5)
    check_int(seed, "seed")
    dev = get_device(device)
    return _stationary_grid_cached(betas, etas, n_chains, sim_time, int(seed), n_bins, str(dev))


# ---------------------------------------------------------------------------------------
# generalization: SGLD on a (non-convex) sigmoid-loss classifier, many chains at once
# ---------------------------------------------------------------------------------------
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

    Returns per-step data-gradient energy ``grad_sq[k]`` $= \mathbb E\|\nabla F_S(w_k)\|^2$ (mean over
    chains, regularizer excluded), and at every ``record_every`` steps the mean train and test
    loss and their gap (the generalization error of the randomized predictor).
    """
    dev = get_device(device)
    Xtr = as_tensor(X_train, "X_train", ndim=2, device=dev)
    n, d = Xtr.shape
    ytr = as_tensor(y_train, "y_train", ndim=(1, 2), dtype=Xtr.dtype, device=dev)
    batched = ytr.ndim == 2
    if ytr.shape[-1] != n:
        raise ValueError(f"y_train: expected {n} labels per set (one per training row), got {ytr.shape[-1]}")
    Xte = as_tensor(X_test, "X_test", shape=(None, d), dtype=Xtr.dtype, device=dev)
    yte = as_tensor(y_test, "y_test", shape=(ytr.shape[0], Xte.shape[0]) if batched else (Xte.shape[0],),
                    dtype=Xtr.dtype, device=dev)
    for name, y in (("y_train", ytr), ("y_test", yte)):
        if bool(((y != 1) & (y != -1)).any()):
            raise ValueError(f"{name}: labels must be -1 or +1")
    eta = check_positive(step_size, "step_size")
    beta = check_positive(beta, "beta")
    lam = check_positive(lam, "lam")
    n_steps = check_int(n_steps, "n_steps", min_value=1)
    n_chains = check_int(n_chains, "n_chains", min_value=1)
    record_every = check_int(record_every, "record_every", min_value=1)
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
    _, _, diverged, _ = _langevin_loop(grad_U, w0, eta_t, beta_t, n_steps, generator(seed + 1, dev), observer=losses)
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
            "test_loss": test_t[:, i].mean(1).cpu().numpy(),
            "gap": gap_t[:, i].mean(1).cpu().numpy(),
            "gap_se": gap_se[:, i].cpu().numpy(),
            "grad_sq": gsq[:, i].cpu().numpy(),
            "step_sizes": np.full(n_steps, eta),
            "n": n,
            "beta": beta,
            "lam": lam,
        }
        for i in range(G)
    ]
    return out if batched else out[0]


def _step_sizes(step_sizes) -> np.ndarray:
    e = as_tensor(step_sizes, "step_sizes", ndim=1, dtype=torch.float64).numpy()
    if (e <= 0).any():
        raise ValueError("step_sizes: must be > 0")
    return e


def stability_bound(step_sizes, beta: float, n: int, L: float, C: float = 1.0, const: float = 1.0) -> np.ndarray:
    r"""Mou, Wang, Zhai & Zheng (2018), Theorem 1 (stability), along the run.

    Paper: for a $C$-bounded, $L$-Lipschitz loss, SGLD after $N$ steps has
    $$\mathbb E[\mathrm{gen}] \le O\!\Big(\frac1n\Big(k_0 + L\sqrt{\beta\textstyle\sum_{k=k_0+1}^{N}\eta_k}\Big)\Big),
    \qquad k_0 = \min\{k: \eta_k\beta L^2 < 1\}.$$
    **Constants used here** (the paper leaves them in the O): we return
    $\mathrm{const}\cdot\frac{C}{n}\big(k_0 + L\sqrt{\beta\sum_{k>k_0}\eta_k}\big)$ with ``const = 1``
    by default.  Why 1: for full-batch SGLD the chain rule for KL gives
    $\mathrm{KL} \le \sum_k \beta L^2\eta_k/n^2$ between runs on neighbouring data sets (two Gaussian
    steps whose means differ by $\le 2L\eta_k/n$, variance $2\eta_k/\beta$), and Pinsker gives
    $\mathrm{gen} \le C\,\mathrm{TV} \le \frac{CL}{n}\sqrt{\beta T_N/2}$, which const = 1 dominates.
    Returns the bound after each step k = 1..N (array of length N).
    """
    e = _step_sizes(step_sizes)
    beta = check_positive(beta, "beta")
    n = check_int(n, "n", min_value=1)
    L = check_positive(L, "L")
    C = check_positive(C, "C")
    const = check_positive(const, "const")
    small = e * beta * L**2 < 1
    k0 = int(np.argmax(small)) + 1 if small.any() else len(e)  # 1-based index of the first small step
    k = np.arange(1, len(e) + 1)
    tail = np.cumsum(np.where(k > k0, e, 0.0))
    return const * C / n * (np.minimum(k, k0) + L * np.sqrt(beta * tail))


def pac_bayes_bound(step_sizes, grad_sq, beta: float, lam: float, n: int, C: float = 1.0, delta: float = 0.05) -> np.ndarray:
    r"""Mou, Wang, Zhai & Zheng (2018), Theorem 2 (PAC-Bayes, $\ell_2$-regularized ERM), along the run.

    Paper: with prior = initial law $N(0, I/(\lambda\beta))$ and $T_k = \sum_{j\le k}\eta_j$,
    $$\mathrm{gen} \le O\!\Big(\sqrt{\tfrac{\beta}{n}\textstyle\sum_{k=1}^{N}\eta_k\,
      e^{-\lambda(T_N-T_k)/2}\,\mathbb E\|g_k\|^2}\Big),\quad g_k = \nabla F_S(w_k)\ \text{(data term)}.$$
    **Constants used here**: the McAllester-Maurer PAC-Bayes inequality (Maurer 2004) for a loss
    in $[0, C]$, with probability $\ge 1-\delta$,
    $\mathrm{gen} \le C\sqrt{(\mathrm{KL} + \ln(2\sqrt n/\delta))/(2n)}$, and
    $\mathrm{KL} \le \frac\beta4\sum_k \eta_k e^{-\lambda(T_N-T_k)/2}\mathbb E\|g_k\|^2$:
    the 1/4 is the exact KL of one Gaussian step ($\eta^2\|g\|^2 / (2\cdot 2\eta/\beta)$), the decay
    factor is the paper's.  ``delta = 0.05``.  Returns the bound after each step k = 1..N.
    """
    e = _step_sizes(step_sizes)
    g = as_tensor(grad_sq, "grad_sq", shape=(len(e),), dtype=torch.float64).numpy()
    if (g < 0).any():
        raise ValueError("grad_sq: must be >= 0")
    beta = check_positive(beta, "beta")
    lam = check_positive(lam, "lam", allow_zero=True)
    n = check_int(n, "n", min_value=1)
    C = check_positive(C, "C")
    delta = check_in_range(delta, "delta", 0.0, 1.0, closed=False)
    # KL_N = beta/4 * sum_{k<=N} eta_k exp(-lam (T_N - T_k)/2) g_k for every N, by the recursion
    # KL_k = KL_{k-1} exp(-lam eta_k / 2) + beta/4 eta_k g_k (a running sum of e^{lam T_k/2}
    # terms would overflow once lam T_N / 2 > ~709)
    kl = np.empty_like(e)
    acc = 0.0
    decay = np.exp(-lam * e / 2)
    for k in range(len(e)):  # a scalar recursion along one run, not a loop over runs
        acc = acc * decay[k] + beta / 4 * e[k] * g[k]
        kl[k] = acc
    bound = C * np.sqrt((kl + math.log(2 * math.sqrt(n) / delta)) / (2 * n))
    if not np.isfinite(bound).all():
        raise ValueError("grad_sq: the bound is not finite (gradient norms too large for float64)")
    return bound


# ---------------------------------------------------------------------------------------
# the widget
# ---------------------------------------------------------------------------------------
def build_gibbs_widget(grid: StationaryGrid | None = None) -> WidgetUI:
    """beta and eta sliders over the double well: the chains' histogram against the Gibbs
    density, with the KS distance.  Everything is precomputed by :func:`stationary_grid`
    (one batched run); a slider move only indexes arrays."""
    import ipywidgets as W

    from course_lib.ui.plotting import COLORS, figure_widget

    G = stationary_grid() if grid is None else grid
    if not isinstance(G, StationaryGrid):
        raise TypeError(f"grid: expected a StationaryGrid, got {type(G).__name__}")
    crit = ks_critical(G.n_chains, 0.05)
    centers = 0.5 * (G.edges[1:] + G.edges[:-1])
    fig = figure_widget(
        "SGLD chains settle on the Gibbs density exp(-βU) when the step is small",
        "x (position on the double well U(x) = (x²-1)²)",
        "density (1/unit x)",
        height=380,
    )
    fig.add_bar(x=centers, y=G.hist[0, 0], name=f"{G.n_chains} SGLD chains", marker_color=COLORS[0], opacity=0.6)
    fig.add_scatter(x=G.gibbs_x, y=G.gibbs[0], name="Gibbs exp(-βU)/Z", line=dict(color=COLORS[1], width=3))
    fig.update_layout(bargap=0, yaxis_range=[0, float(np.nanmax(G.gibbs)) * 1.15])
    beta_s = W.SelectionSlider(options=[(f"{b:g}", i) for i, b in enumerate(G.betas)], value=0, description="β")
    eta_s = W.SelectionSlider(options=[(f"{e:g}", j) for j, e in enumerate(G.etas)], value=0, description="η")
    status = W.HTML()

    def update(*_):
        i, j = beta_s.value, eta_s.value
        frac = G.diverged[i, j]
        with fig.batch_update():
            fig.data[1].y = G.gibbs[i]
            if frac >= 1.0:
                fig.data[0].y = np.zeros_like(centers)
                fig.layout.title.text = f"η = {G.etas[j]:g} is beyond the stable step: every chain diverged"
            else:
                fig.data[0].y = G.hist[i, j]
                ks = G.ks[i, j]
                verdict = "within sampling noise" if ks <= crit else "above the 5% sampling threshold"
                lead = f"β = {G.betas[i]:g}, η = {G.etas[j]:g}: KS = {ks:.3f} ({verdict})"
                if frac > 0:
                    lead = f"β = {G.betas[i]:g}, η = {G.etas[j]:g}: {frac:.0%} of chains DIVERGED; survivors' KS = {ks:.3f}"
                fig.layout.title.text = lead
        ks_txt = "—" if np.isnan(G.ks[i, j]) else f"{G.ks[i, j]:.4f}"
        status.value = (
            f"KS distance <b>{ks_txt}</b> (5% critical value for {G.n_chains} chains: {crit:.4f}); "
            f"diverged chains: <b>{frac:.1%}</b>"
            + (" — <b style='color:#d62728'>divergence: step too large</b>" if frac > 0 else "")
        )

    beta_s.observe(update, names="value")
    eta_s.observe(update, names="value")
    update()
    root = W.VBox([W.HBox([beta_s, eta_s]), status, fig])
    return WidgetUI(root, fig, {"beta": beta_s, "eta": eta_s}, state={"grid": G, "ks_critical": crit})


# ---------------------------------------------------------------------------------------
# exercises
# ---------------------------------------------------------------------------------------
def exercise_sgld_step():
    """Exercise: one SGLD step ``sgld_step(x, grad, eta, beta, z)`` with the right noise scale."""
    from course_lib.core.exercises import Case, Exercise

    x = torch.tensor([[1.0], [-0.5], [2.0]], dtype=torch.float64)
    grad = double_well_grad(x)
    z = torch.tensor([[0.3], [-1.2], [0.7]], dtype=torch.float64)

    def case(eta, beta, label):
        right = x - eta * grad + math.sqrt(2 * eta / beta) * z
        wrong_half = x - eta * grad + math.sqrt(eta / beta) * z
        wrong_no_eta = x - eta * grad + math.sqrt(2 / beta) * z

        def test(result):
            r = torch.as_tensor(result, dtype=torch.float64)
            if r.shape != right.shape:
                return f"shape {tuple(r.shape)}, expected {tuple(right.shape)}"
            if torch.allclose(r, wrong_half, atol=1e-9):
                return "noise scale is sqrt(eta/beta): that samples exp(-2 beta U), not exp(-beta U); use sqrt(2 eta/beta)"
            if torch.allclose(r, wrong_no_eta, atol=1e-9):
                return "noise scale sqrt(2/beta) forgets the step: Brownian increments over time eta have variance 2 eta/beta"
            if not torch.allclose(r, right, atol=1e-9):
                return f"got {r.flatten().tolist()}, expected {right.flatten().tolist()}"
            return None

        return Case(label, args=(x.clone(), grad.clone(), eta, beta, z.clone()), test=test)

    return Exercise(
        "One SGLD step",
        [case(0.1, 1.0, "eta=0.1, beta=1"), case(0.01, 4.0, "eta=0.01, beta=4"), case(0.05, 0.5, "eta=0.05, beta=0.5")],
        hint="a Brownian increment over time eta, scaled by sqrt(2/beta), has variance 2*eta/beta.",
    )


def exercise_gibbs_normalizer():
    """Exercise: ``normalizer(U, beta, grid)`` = the integral of exp(-beta U) over the grid."""
    from course_lib.core.exercises import Case, Exercise

    grid = torch.linspace(-4.0, 4.0, 4001, dtype=torch.float64)
    fine = torch.linspace(-4.0, 4.0, 40001, dtype=torch.float64)  # Simpson weights 1,4,2,...,4,1 (h/3)
    simpson = torch.ones_like(fine)
    simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
    simpson *= (fine[1] - fine[0]) / 3

    def quad(U, beta):
        # composite Simpson on 40,001 points: error O(h^4) ~ 1e-13 here, far below the 1e-4 check
        return float((simpson * torch.exp(-beta * U(fine))).sum())

    def U_dw(x):
        return (x**2 - 1) ** 2

    def U_quad(x):
        return x**2 / 2

    def case(U, beta, label):
        ref = quad(U, beta)
        total = float(torch.exp(-beta * U(grid)).sum())

        def test(result):
            try:
                v = float(result)
            except (TypeError, ValueError):
                return f"expected a number, got {type(result).__name__}"
            if not math.isfinite(v):
                return "result is not finite"
            if abs(v - total) < 1e-6 * total:
                return "this is the plain sum of exp(-beta U): multiply by the grid spacing (or use torch.trapezoid)"
            if abs(v - ref) > 1e-4 * ref:
                return f"got {v:.6g}, expected {ref:.6g} (Simpson rule on a 10x finer grid)"
            return None

        return Case(label, args=(U, beta, grid.clone()), test=test)

    return Exercise(
        "The Gibbs normalizer Z(β) = ∫ exp(-βU)",
        [
            case(U_quad, 1.0, "U = x²/2, β = 1 (Z = √(2π))"),
            case(U_dw, 1.0, "double well, β = 1"),
            case(U_dw, 4.0, "double well, β = 4"),
        ],
        hint="integrate exp(-beta*U) over the grid: a sum needs the spacing (or use the trapezoid rule).",
    )
