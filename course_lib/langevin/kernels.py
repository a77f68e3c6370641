"""SGLD kernels: potentials, the one Langevin loop, the Gibbs density, the KS distance, crossing counts.

Pure, batched tensor programs: all chains (and all (beta, eta) cells of a grid) move in one
tensor; the only Python loop is over time steps, in :func:`langevin_loop`.

Papers: Welling & Teh 2011 (SGLD); Roberts & Tweedie 1996 and Mattingly, Stuart & Higham 2002
(Euler-Maruyama on superlinear drifts diverges); Kolmogorov 1933 (the KS statistic).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from course_lib.core import stats
from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_bool,
    check_callable,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
    per_batch,
)

__all__ = [
    "DOUBLE_WELL_BARRIER",
    "DIVERGENCE_BOUND",
    "double_well",
    "double_well_grad",
    "banana",
    "banana_grad",
    "TILT",
    "tilted_double_well",
    "tilted_double_well_grad",
    "langevin_loop",
    "sgld",
    "sgld_run",
    "SGLDRun",
    "gradient_descent",
    "gibbs_density",
    "ks_distance",
    "ks_critical",
    "transition_counts",
]

DOUBLE_WELL_BARRIER = 1.0  # U(0) - U(+-1) for U(x) = (x^2 - 1)^2
DIVERGENCE_BOUND = 1e6  # |x| beyond this counts as diverged (the drift is superlinear)
TILT = 0.7  # the tilt a of the tilted double well U(x) = (x^2 - 1)^2 + a x used by lecture 07


# ---------------------------------------------------------------------------------------
# potentials: (chains, dim) -> (chains,) and their gradients (chains, dim) -> (chains, dim)
# ---------------------------------------------------------------------------------------
def _points(x, dim: int) -> torch.Tensor:
    # finite=False: a potential may legitimately be evaluated far out, and a sampler evaluates it on
    # chains that blew up before it flags them (non-finite in, non-finite out); shape/dtype are checked.
    # as_tensor reads a tensor that requires grad as its value; a potential keeps the graph, so
    # that autograd (gradients, Hessians) sees through it
    t = as_tensor(x, "x", shape=(None, dim), finite=False)
    return x if isinstance(x, torch.Tensor) and x.requires_grad and x.is_floating_point() else t


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
    if x.requires_grad:  # autograd (a Hessian) cannot see through out=
        return torch.stack((a * (4 * a * a - 4 - r4), r4), dim=1)
    out = torch.empty_like(x)
    torch.mul(a, 4 * a * a - 4 - r4, out=out[:, 0])  # 4x(x^2 - 1) - 4x(y - x^2/2)
    out[:, 1] = r4
    return out


def tilted_double_well(x, tilt: float = TILT) -> torch.Tensor:
    r"""$U(x) = (x^2-1)^2 + a\,x$ (``a = tilt``): for $a > 0$ the left well is the global
    minimum and the right one a local minimum (two wells while $|a| < 8/(3\sqrt3) \approx 1.54$);
    ``x`` is (chains, 1)."""
    x = _points(x, 1)
    tilt = check_in_range(tilt, "tilt", -1.5, 1.5)
    return (x[:, 0] ** 2 - 1) ** 2 + tilt * x[:, 0]


def tilted_double_well_grad(x, tilt: float = TILT) -> torch.Tensor:
    r"""$U'(x) = 4x(x^2-1) + a$ for ``x`` of shape (chains, 1): the tilt adds a constant force $-a$."""
    x = _points(x, 1)
    tilt = check_in_range(tilt, "tilt", -1.5, 1.5)
    return 4 * x * (x * x - 1) + tilt


# ---------------------------------------------------------------------------------------
# the sampler
# ---------------------------------------------------------------------------------------
def _per_chain(value, name: str, n_chains: int, like: torch.Tensor) -> torch.Tensor:
    """A positive scalar, or one positive value per chain, as a (chains, 1) tensor."""
    t, _ = per_batch(value, name, size=n_chains, dtype=like.dtype, device=like.device)
    return t.reshape(n_chains, 1).clone(memory_format=torch.contiguous_format)


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


def langevin_loop(grad_U, x, eta, beta, n_steps, gen, *, thin=0, bound=DIVERGENCE_BOUND, check_every=10,
                  observer=None):
    r"""The one SGLD loop: $x \leftarrow x - \eta\nabla U(x) + \sqrt{2\eta/\beta}\,z$, $z\sim N(0, I)$.

    ``x`` (chains, dim); ``eta``, ``beta`` (chains, 1): every chain has its own step and
    temperature, so all chains move in one tensor and the only Python loop is over time.
    Every ``check_every`` steps a chain that left ``|x| <= bound`` (or turned non-finite) is
    flagged as diverged and frozen at its last good state.  ``observer(k, x)`` sees every step;
    ``thin > 0`` keeps every ``thin``-th state.  Returns ``(x, trace, diverged, diverged_at)``.
    A gradient that is not finite at a finite, in-bound state is the potential's fault, not the step
    size's: it raises ``ValueError`` naming ``grad_U``.
    """
    check_callable(grad_U, "grad_U")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x: expected a (chains, dim) tensor, got {type(x).__name__}")
    x = as_tensor(x, "x", ndim=2)
    if not x.is_floating_point():  # pragma: no cover - as_tensor keeps a tensor's float dtype
        raise TypeError(f"x: expected a floating tensor, got {x.dtype}")
    for name, v in (("eta", eta), ("beta", beta)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"{name}: expected a (chains, 1) tensor, got {type(v).__name__}")
        t = as_tensor(v, name, shape=(x.shape[0], 1))
        if bool((t <= 0).any()):
            raise ValueError(f"{name}: every entry must be > 0")
    eta, beta = eta.to(x.dtype), beta.to(x.dtype)
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="the Langevin loop")
    if not isinstance(gen, torch.Generator):
        raise TypeError(f"gen: expected a torch.Generator, got {type(gen).__name__}")
    thin = check_int(thin, "thin", min_value=0)
    bound = check_positive(bound, "bound")
    check_every = check_int(check_every, "check_every", min_value=1)
    if observer is not None:
        check_callable(observer, "observer")
    chains = x.shape[0]
    neg_eta = -eta
    scale = torch.sqrt(2 * eta / beta)  # sqrt(2 eta / beta): the Euler-Maruyama noise of dW = sqrt(2/beta) dB
    diverged = torch.zeros(chains, dtype=torch.bool, device=x.device)
    diverged_at = torch.full((chains,), -1, dtype=torch.long, device=x.device)
    last_good = x.clone()
    trace = [x.clone()] if thin else None
    for k in range(1, n_steps + 1):
        g = grad_U(x)
        if k == 1:
            if not isinstance(g, torch.Tensor) or g.shape != x.shape:
                shape = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
                raise ValueError(f"grad_U: must map (chains, dim) = {tuple(x.shape)} to the same shape, got {shape}")
            if not bool(torch.isfinite(g).all()):
                raise ValueError("grad_U: returned NaN or inf at the (finite) starting points")
        z = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
        x = torch.addcmul(torch.addcmul(x, g, neg_eta), z, scale)
        if k % check_every == 0 or k == n_steps:
            bad = ~torch.isfinite(x).all(dim=1) | (x.abs().amax(dim=1) > bound)
            new = bad & ~diverged
            if bool(new.any()):
                g_last = grad_U(last_good)  # finite, in-bound states: a non-finite gradient there is grad_U's fault
                if not bool(torch.isfinite(g_last[new]).all()):
                    raise ValueError(f"grad_U: returned NaN or inf at finite states (|x| <= {bound:g}) by step {k}; "
                                     "the potential's gradient, not the step size, is at fault")
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
    return_trace = check_bool(return_trace, "return_trace")
    check_seed(seed)
    n_saved = n_steps // thin + 1 if return_trace else 1
    check_memory(n_saved * x.numel(), "n_steps" if return_trace else "x0", itemsize=x.element_size(),
                 what="the trace" if return_trace else "the chains")
    eta = _per_chain(step_size, "step_size", x.shape[0], x)
    b = _per_chain(beta, "beta", x.shape[0], x)
    gen = generator(seed, dev)
    x, trace, diverged, at = langevin_loop(
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
    x = as_tensor(x0, "x0", ndim=2, device=dev).detach().clone()
    eta = check_positive(step_size, "step_size")
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="gradient descent")
    for k in range(n_steps):
        g = grad_U(x)
        if k == 0 and (not isinstance(g, torch.Tensor) or g.shape != x.shape):
            shape = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
            raise ValueError(f"grad_U: must map (chains, dim) = {tuple(x.shape)} to the same shape, got {shape}")
        if k == 0 and not bool(torch.isfinite(g).all()):
            raise ValueError("grad_U: returned NaN or inf at the (finite) starting points")
        x = x - eta * g
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


def gibbs_density(U: Callable, beta, grid) -> torch.Tensor:
    r"""The Gibbs density $p_\beta(x) = e^{-\beta U(x)}/Z_\beta$ on ``grid``, normalized by the
    trapezoid rule (the stationary law of $dW = -\nabla U dt + \sqrt{2/\beta} dB$).

    ``grid``: increasing 1-D tensor (G,) for 1-D potentials, or a pair of axes ``(gx, gy)`` for
    2-D ones (returns (Gx, Gy)).  ``U`` maps (points, dim) -> (points,).  ``beta``: scalar, or a
    1-D tensor of B values (returns a leading dimension B).
    """
    check_callable(U, "U")
    b, batched = per_batch(beta, "beta")
    if isinstance(grid, (tuple, list)) and len(grid) == 2 and all(np.ndim(g) == 1 for g in grid):
        gx, gy = _grid_axis(grid[0], "grid[0]"), _grid_axis(grid[1], "grid[1]")
        X, Y = torch.meshgrid(gx, gy, indexing="ij")
        check_memory(4 * b.numel() * X.numel(), "grid", what="the Gibbs density on the grid")
        u = _potential_values(U, torch.stack((X.reshape(-1), Y.reshape(-1)), dim=1), X.numel()).reshape(X.shape)
        if not bool(torch.isfinite(u).all()):
            raise ValueError("U: returned non-finite values on the grid")
        logp = -b[:, None, None] * (u - u.min())
        p = torch.exp(logp)
        z = torch.trapezoid(torch.trapezoid(p, gy, dim=-1), gx, dim=-1)
        out = p / z[:, None, None]
    else:
        g = _grid_axis(grid, "grid")
        check_memory(4 * b.numel() * g.numel(), "grid", what="the Gibbs density on the grid")
        u = _potential_values(U, g[:, None], g.numel())
        if not bool(torch.isfinite(u).all()):
            raise ValueError("U: returned non-finite values on the grid")
        p = torch.exp(-b[:, None] * (u - u.min()))
        out = p / torch.trapezoid(p, g, dim=-1)[:, None]
    return out if batched else out[0]


def _potential_values(U: Callable, points: torch.Tensor, n: int) -> torch.Tensor:
    """``U(points)`` checked: a float tensor of one value per point."""
    u = U(points)
    if not isinstance(u, torch.Tensor) or u.is_complex() or u.dtype == torch.bool:
        raise TypeError(f"U: must return a real tensor of one value per point, got {type(u).__name__}")
    if u.shape != (n,):
        raise ValueError(f"U: must map (points, dim) to (points,), got shape {tuple(u.shape)}")
    return u.to(torch.float64)


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
    s = as_tensor(samples, "samples", dtype=torch.float64).detach()
    p = as_tensor(density, "density", dtype=torch.float64, device=s.device).detach()
    check_memory(6 * s.numel() + 2 * s.numel() // max(s.shape[-1], 1) * g.numel(), "samples",
                 what="the sorted samples and CDFs")
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
# import scipy.stats (~1 s of CPU).  tests/test_langevin.py checks every entry against scipy;
# other pairs fall back to course_lib.core.stats.ks_critical (which imports scipy on first use).
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
    return stats.ks_critical(n, alpha)


# ---------------------------------------------------------------------------------------
# metastability
# ---------------------------------------------------------------------------------------
def transition_counts(grad_U, x0, step_size, beta, n_steps: int, core: float = 0.5, seed: int = 0, device=None):
    r"""Count core-to-core transitions of 1-D SGLD chains between $\{x<-c\}$ and $\{x>c\}$
    (hysteresis, so re-crossings at the saddle are not counted).  Returns (chains,) counts and
    the diverged flags.  Rate per unit time = counts / (n_steps * step_size)."""
    check_callable(grad_U, "grad_U")
    dev = get_device(device)
    x = as_tensor(x0, "x0", shape=(None, 1), device=dev).detach()
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="transition_counts")
    c = check_positive(core, "core")
    check_seed(seed)
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

    _, _, diverged, _ = langevin_loop(grad_U, x.clone(), eta, b, n_steps, generator(seed, dev), observer=observer)
    return counts, diverged

