"""Experiment drivers of lecture 04: many random problems in one batch, and the numbers its claims use.

* :func:`recovery_experiment` -- exact recovery by l1, OMP and thresholding over cells (m, s);
  :func:`phase_diagram` lays a (delta, rho) grid out as such cells; :func:`transition_point`
  reads a success curve's 50 % point; :func:`transition_test` counts l1's successes at the
  sparsities the theory's transition fixes, with exact :func:`~course_lib.core.stats.clopper_pearson` bounds;
  :func:`erc_experiment` checks OMP where Tropp's exact recovery condition guarantees it.
* :func:`rate_experiment` -- ISTA and FISTA on :func:`uniform_spectrum_problem`, where their
  O(1/k) and O(1/k^2) rates are tight, with the fitted log-log slopes (:func:`loglog_slope`).
* :func:`multilayer_experiment` -- layered thresholding (the ReLU forward pass) against layered
  basis pursuit on a two-layer sparse model.
* :func:`compare_with_sklearn` -- our batched FISTA and the fast ``lasso`` against scikit-learn's ``Lasso``
  on :func:`lasso_problems` (``make bench`` times them in ``benchmarks/kernels.py``);
  :func:`restart_experiment` -- FISTA's steps to a certified gap with and without adaptive restart;
  :func:`screening_experiment` -- what gap-safe screening discards along FISTA's iterates, and what an
  unsafe rule (no ball) would discard.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.stats import clopper_pearson
from course_lib.core.validate import (
    as_tensor,
    check_bool,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
    check_steps,
)
from course_lib.sparse.kernels import (
    fista,
    gaussian_dictionary,
    ista,
    lasso_duality_gap,
    lasso_objective,
    layered_thresholding,
    sparse_codes,
    two_layer_dictionaries,
    uniform_spectrum_problem,
)
from course_lib.sparse.recovery import (
    basis_pursuit,
    coherence_sparsity_bound,
    exact_recovery_coefficient,
    mutual_coherence,
    omp,
    thresholding,
)
from course_lib.sparse.solver import lasso, lasso_screen

__all__ = [
    "recovery_experiment",
    "phase_diagram",
    "transition_point",
    "clopper_pearson",
    "transition_test",
    "erc_experiment",
    "loglog_slope",
    "rate_experiment",
    "multilayer_experiment",
    "lasso_problems",
    "compare_with_sklearn",
    "restart_experiment",
    "screening_experiment",
]


# ----------------------------------------------------------------------------- recovery over (m, s) cells
def _recovered(x_hat: torch.Tensor, x: torch.Tensor, rtol: float) -> torch.Tensor:
    return (x_hat - x).norm(dim=0) <= rtol * x.norm(dim=0).clamp_min(1e-300)


def recovery_experiment(
    n: int,
    m,
    sparsity,
    n_trials: int,
    *,
    seed: int = 0,
    methods: Sequence[str] = ("l1", "omp", "thresholding"),
    amplitudes: str = "gaussian",
    rtol: float = 1e-4,
    chunk: int = 8,
    progress: bool = False,
    device=None,
) -> dict:
    r"""Exact-recovery rates over cells $(m_c, s_c)$, ``n_trials`` random problems per cell, all in
    one batch: a fresh Gaussian $D$ (unit columns) and a random $s$-sparse $x$ per problem; success
    when $\|\hat x - x\| \le$ ``rtol`` $\|x\|$ (Donoho & Tanner 2009).  Cells with $m_c < \max m$
    are zero-padded (the extra equations read $0 = 0$).

    Returns ``rate[method]`` (cells,), ``success[method]`` (cells, trials), ``coherence_ok``
    (cells, trials: $s < \tfrac12(1+1/\mu(D))$), and the problems ``D, x, y`` and estimates ``x_hat``."""
    n = check_int(n, "n", min_value=2)
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    rtol = check_positive(rtol, "rtol")
    ms = np.atleast_1d(np.asarray(m))
    ss = np.atleast_1d(np.asarray(sparsity))
    if ms.dtype.kind not in "iu" or ms.ndim != 1:
        raise TypeError("m: expected an int or a 1-D array of ints")
    if ss.dtype.kind not in "iu" or ss.ndim != 1:
        raise TypeError("sparsity: expected an int or a 1-D array of ints")
    if ms.size == 1 and ss.size > 1:
        ms = np.full(ss.size, ms[0])
    if ss.size == 1 and ms.size > 1:
        ss = np.full(ms.size, ss[0])
    if ms.size != ss.size:
        raise ValueError(f"sparsity: {ss.size} values do not match {ms.size} values of m")
    if np.any(ms < 1) or np.any(ms >= n):
        raise ValueError(f"m: every value must lie in [1, {n - 1}]")
    if np.any(ss < 1) or np.any(ss > ms):
        raise ValueError("sparsity: every value must lie in [1, m]")
    if isinstance(methods, str) or not isinstance(methods, (list, tuple)):
        raise TypeError(f"methods: expected a list of method names, got {methods!r}")
    methods = tuple(methods)
    unknown = set(methods) - {"l1", "omp", "thresholding"}
    if unknown or not methods:
        raise ValueError(f"methods: expected some of 'l1', 'omp', 'thresholding', got {methods}")
    check_bool(progress, "progress")
    cells = ms.size
    check_memory(6 * cells * n_trials * int(ms.max()) * n, "n_trials" if cells * n_trials > n else "n",
                 what="the batch of random problems")
    dev = get_device(device)
    m_cell = np.repeat(ms, n_trials)
    s_cell = np.repeat(ss, n_trials)
    mmax = int(ms.max())
    B = cells * n_trials
    D = gaussian_dictionary(mmax, n, B, seed=seed, device=dev)
    row_mask = torch.arange(mmax, device=dev)[None, :, None] < torch.as_tensor(m_cell, device=dev)[:, None, None]
    D = D * row_mask
    D = D / D.norm(dim=1, keepdim=True)  # unit columns in the first m_c coordinates
    x = sparse_codes(n, s_cell, seed=seed + 1, amplitudes=amplitudes, device=dev)
    y = (D @ x.T[:, :, None])[..., 0].T  # (mmax, B)
    mu = mutual_coherence(D)
    s_t = torch.as_tensor(s_cell, device=dev)
    out = {
        "m": ms,
        "sparsity": ss,
        "n": n,
        "D": D,
        "x": x,
        "y": y,
        "coherence": mu.reshape(cells, n_trials),
        "coherence_ok": (s_t < coherence_sparsity_bound(mu)).reshape(cells, n_trials),
        "x_hat": {},
        "success": {},
        "rate": {},
    }
    for meth in methods:
        if meth == "l1":
            xh = basis_pursuit(D, y, chunk=chunk, progress=progress)
        elif meth == "omp":
            xh = omp(D, y, s_t)
        else:
            xh = thresholding(D, y, s_t)
        ok = _recovered(xh, x, rtol).reshape(cells, n_trials)
        out["x_hat"][meth] = xh
        out["success"][meth] = ok
        out["rate"][meth] = ok.double().mean(1)
    return out


def phase_diagram(n: int, deltas, rhos, n_trials: int, *, seed: int = 0, progress: bool = False,
                  device=None) -> np.ndarray:
    r"""l1 exact-recovery rate on the grid undersampling $\delta = m/n$ x sparsity $\rho = s/m$
    (Donoho & Tanner 2009): cell $(\delta, \rho)$ has $m = \mathrm{round}(\delta n)$ and
    $s = \max(1, \mathrm{round}(\rho m))$, ``n_trials`` problems with $\pm1$ codes, all one batch
    (:func:`recovery_experiment`).  Returns the rates, shape ``(len(deltas), len(rhos))``."""
    n = check_int(n, "n", min_value=2)
    deltas = as_tensor(deltas, "deltas", ndim=(0, 1), dtype=torch.float64).detach().cpu().numpy().reshape(-1)
    rhos = as_tensor(rhos, "rhos", ndim=(0, 1), dtype=torch.float64).detach().cpu().numpy().reshape(-1)
    if np.any(deltas <= 0) or np.any(deltas >= 1):
        raise ValueError(f"deltas: undersampling ratios m/n must lie in (0, 1), got {deltas.min():g}..{deltas.max():g}")
    if np.any(rhos <= 0) or np.any(rhos > 1):
        raise ValueError(f"rhos: sparsity ratios s/m must lie in (0, 1], got {rhos.min():g}..{rhos.max():g}")
    ms = np.round(deltas * n).astype(int)
    if np.any(ms < 1) or np.any(ms >= n):
        raise ValueError(f"deltas: round(delta n) must lie in [1, {n - 1}] for n = {n}, got {ms.min()}..{ms.max()}")
    cells_m = np.repeat(ms, rhos.size)
    cells_s = np.maximum(1, np.round(np.tile(rhos, ms.size) * cells_m)).astype(int)
    res = recovery_experiment(n, cells_m, cells_s, n_trials, seed=seed, methods=("l1",), amplitudes="sign",
                              progress=progress, device=device)
    return res["rate"]["l1"].cpu().numpy().reshape(ms.size, rhos.size)


def transition_point(sparsities, rate, n_trials: int) -> tuple[float, float]:
    r"""Where a decreasing success curve on a unit-step integer grid falls from 1 to 0:
    $s_{\min} - \tfrac12 + \sum_s \mathrm{rate}(s)$ (the 50 % point of a step), with its binomial
    standard error $\sqrt{\sum_s r(1-r)/T}$ over ``n_trials`` $= T$ problems per point."""
    s = as_tensor(sparsities, "sparsities", ndim=1).detach().cpu().numpy()
    r = as_tensor(rate, "rate", ndim=1, dtype=torch.float64).detach().cpu().numpy()
    if r.shape != s.shape:
        raise ValueError(f"rate: expected one rate per sparsity, shape {s.shape}, got {r.shape}")
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    return s[0] - 0.5 + r.sum(), np.sqrt((r * (1 - r)).sum() / n_trials)


def transition_test(n: int, m: int, s_star: float, n_trials: int, *, shift: float = 3.0, window: float = 1.5,
                    confidence: float = 0.95, seed: int = 0, device=None) -> dict:
    r"""l1 exact recovery at the four sparsities that the predicted 50 % point ``s_star`` fixes
    *before* the run: ``below`` $= \lfloor s^\star - \text{shift}\rfloor$, ``inner_below``
    $= \lfloor s^\star - \text{window}\rfloor$, ``inner_above`` $= \lceil s^\star + \text{window}\rceil$,
    ``above`` $= \lceil s^\star + \text{shift}\rceil$; ``n_trials`` fresh problems each ($\pm1$ codes,
    one batch).  Returns, per point, ``s``, successes ``k``, ``n`` and the one-sided exact bounds
    ``lower``/``upper`` (:func:`clopper_pearson`)."""
    n = check_int(n, "n", min_value=2)
    m = check_int(m, "m", min_value=1, max_value=n - 1)
    s_star = check_in_range(s_star, "s_star", 0.0, float(m))
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    shift = check_positive(shift, "shift")
    window = check_in_range(window, "window", 0.0, shift)
    points = {"below": math.floor(s_star - shift), "inner_below": math.floor(s_star - window),
              "inner_above": math.ceil(s_star + window), "above": math.ceil(s_star + shift)}
    if points["below"] < 1 or points["above"] > m:
        raise ValueError(f"s_star: s* ± shift = {s_star:.2f} ± {shift} leaves the range [1, m = {m}]")
    ss = np.array(list(points.values()))
    res = recovery_experiment(n, m, ss, n_trials, seed=seed, methods=("l1",), amplitudes="sign", device=device)
    counts = res["success"]["l1"].sum(1).tolist()
    out = {}
    for (name, s), k in zip(points.items(), counts):
        lower, upper = clopper_pearson(int(k), n_trials, confidence)
        out[name] = {"s": int(s), "k": int(k), "n": n_trials, "lower": lower, "upper": upper}
    return out


def erc_experiment(n: int, m: int, sparsity: int, n_trials: int, *, seed: int = 0, device=None) -> dict:
    r"""OMP and one-shot thresholding on ``n_trials`` problems ($\pm1$ codes) with Tropp's exact
    recovery coefficient of each support (:func:`~course_lib.sparse.recovery.exact_recovery_coefficient`).
    ``covered``: problems with ERC < 1, where OMP must recover (Tropp 2004, Thm 3.1).
    Returns ``erc``, ``covered`` and the successes of ``omp`` and ``thresholding``, each (n_trials,)."""
    res = recovery_experiment(n, m, sparsity, n_trials, seed=seed, methods=("omp", "thresholding"),
                              amplitudes="sign", device=device)
    erc = exact_recovery_coefficient(res["D"], res["x"])
    return {"erc": erc, "covered": erc < 1, "omp": res["success"]["omp"].reshape(-1),
            "thresholding": res["success"]["thresholding"].reshape(-1)}


def loglog_slope(k, gap, k_range: tuple[int, int]) -> float:
    r"""Least-squares slope of $\log(\text{gap}_k)$ against $\log k$ over ``k_range`` = (k1, k2),
    inclusive; ``gap[i]`` belongs to ``k[i]``."""
    k = as_tensor(k, "k", ndim=1, dtype=torch.float64).detach().cpu().numpy()
    g = as_tensor(gap, "gap", ndim=1, dtype=torch.float64).detach().cpu().numpy()
    if g.shape != k.shape:
        raise ValueError(f"gap: expected one value per k, shape {k.shape}, got {g.shape}")
    k1, k2 = _k_range(k_range)
    sel = (k >= k1) & (k <= k2)
    if sel.sum() < 2 or k2 <= k1:
        raise ValueError(f"k_range: needs at least two iterations of k inside [{k1}, {k2}]")
    if not np.all(g[sel] > 0):
        raise ValueError("gap: must be > 0 inside k_range (a log-log fit)")
    return float(np.polyfit(np.log(k[sel]), np.log(g[sel]), 1)[0])


def _k_range(k_range) -> tuple[int, int]:
    if not isinstance(k_range, (list, tuple)) or len(k_range) != 2:
        raise TypeError(f"k_range: expected a pair (k1, k2), got {k_range!r}")
    return tuple(check_int(v, "k_range", min_value=1) for v in k_range)


def rate_experiment(n: int = 200, n_iter: int = 200, k_range: tuple[int, int] = (20, 200), *,
                    lam_min: float = 1e-6, seed: int = 0, device=None) -> dict:
    r"""ISTA and FISTA ($\beta = 0$, $L = 1$) from $x_0 = 0$ on :func:`uniform_spectrum_problem`, where
    $F^\star = 0$: the gaps $F(x_k)$, $k = 1..$``n_iter``, their fitted log-log slopes over ``k_range``
    and the theory's gaps $1/(2(2k+1))$ (ISTA, exact for the continuous spectrum) and $2/k^2$ (FISTA,
    the ODE limit of Su, Boyd & Candes 2016), with the ISTA theory's slope over the same range."""
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=2), "n_iter", what="rate_experiment")
    k1, k2 = _k_range(k_range)
    if k2 > n_iter or k2 <= k1:
        raise ValueError(f"k_range: ({k1}, {k2}) must satisfy k1 < k2 <= n_iter = {n_iter}")
    D, x_star, y = uniform_spectrum_problem(n, lam_min, seed=seed, device=device)
    _, F_ista = ista(D, y, 0.0, n_iter, L=1.0, history=True)
    _, F_fista = fista(D, y, 0.0, n_iter, L=1.0, history=True)
    k = np.arange(1, n_iter + 1)
    theory_ista, theory_fista = 1.0 / (2.0 * (2.0 * k + 1.0)), 2.0 / k.astype(float) ** 2
    return {
        "k": k,
        "gap_ista": F_ista[1:].cpu().numpy(),
        "gap_fista": F_fista[1:].cpu().numpy(),
        "theory_ista": theory_ista,
        "theory_fista": theory_fista,
        "slope_ista": loglog_slope(k, F_ista[1:], k_range),
        "slope_fista": loglog_slope(k, F_fista[1:], k_range),
        "theory_slope_ista": loglog_slope(k, theory_ista, k_range),
        "k_range": tuple(k_range),
        "R2": float((x_star**2).sum()),
    }


# ----------------------------------------------------------------------------- two-layer model

def multilayer_experiment(
    contrasts,
    n_trials: int,
    *,
    m: int = 64,
    sparsity: int = 2,
    seed: int = 0,
    rtol: float = 1e-4,
    device=None,
) -> dict:
    r"""Two-layer nonnegative sparse model $X = D_1\Gamma_1$, $\Gamma_1 = D_2\Gamma_2$ (Papyan et al. 2017)
    with the dictionaries of :func:`two_layer_dictionaries`; $\Gamma_2 \ge 0$ has ``sparsity``
    nonzeros whose magnitudes span $[c, 1]$ (contrast $c = |\Gamma|_{\min}/|\Gamma|_{\max}$), one at 1
    and one at $c$.  All contrasts and trials run as one batch.

    Layered thresholding counts as a success when at each layer *some* threshold separates the
    support ($\min_{\rm on} > \max_{\rm off}$ of $D_i^\top\hat\Gamma_{i-1}$); it then uses the midpoint
    $\beta_i$ (one per signal), so this is the best any choice of thresholds can do.  Layered basis
    pursuit (nonnegative) solves $\min 1^\top\Gamma_1$ s.t. $D_1\Gamma_1 = X$, $\Gamma_1\ge0$, then the
    same for $D_2\Gamma_2 = \hat\Gamma_1$.  Returns success per (contrast, trial) and rates."""
    c = as_tensor(contrasts, "contrasts", ndim=1)
    if bool((c <= 0).any()) or bool((c > 1).any()):
        raise ValueError("contrasts: every value must lie in (0, 1]")
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    rtol = check_positive(rtol, "rtol")
    m = check_int(m, "m", min_value=2)
    check_memory(16 * c.shape[0] * n_trials * m, "n_trials" if c.shape[0] * n_trials > m else "m",
                 what="the batch of two-layer problems")
    dev = get_device(device)
    D1, D2 = two_layer_dictionaries(m, device=dev)
    n2 = D2.shape[1]
    s2 = check_int(sparsity, "sparsity", min_value=2, max_value=n2)
    g = generator(seed, dev)
    C = c.shape[0]
    B = C * n_trials
    cb = c.to(dev).repeat_interleave(n_trials)
    u = torch.rand(B, s2, generator=g, device=dev, dtype=torch.float64)
    u[:, 0], u[:, 1] = 1.0, 0.0  # one magnitude at 1, one at c, the rest uniform in [c, 1]
    mags = cb[:, None] + (1 - cb[:, None]) * u
    support = torch.rand(B, n2, generator=g, device=dev).argsort(1)[:, :s2]
    G2 = torch.zeros(B, n2, dtype=torch.float64, device=dev).scatter(1, support, mags).T  # (n2, B)
    G1 = D2 @ G2
    X = D1 @ G1

    def separable(D, code_in, true_code):
        z = D.T @ code_in
        on = true_code > 0
        lo = torch.where(on, z, torch.full_like(z, math.inf)).amin(0)
        hi = torch.where(on, torch.full_like(z, -math.inf), z).amax(0)
        return lo > hi, (0.5 * (lo + hi)).clamp_min(0)[None, :]

    ok1, beta1 = separable(D1, X, G1)
    (G1_hat,) = layered_thresholding(X, [D1], [beta1])
    ok2, beta2 = separable(D2, G1_hat, G2)
    G1_thr, G2_thr = layered_thresholding(X, [D1, D2], [beta1, beta2])
    thr_ok = ok1 & ok2
    G1_bp = basis_pursuit(D1, X, nonneg=True)
    bp_ok = _recovered(G1_bp, G1, rtol) & _second_layer_bp(D2, G1_bp, G2, rtol)
    return {
        "contrasts": c.cpu().numpy(),
        "layer1_success": ok1.reshape(C, n_trials),
        "thresholding_success": thr_ok.reshape(C, n_trials),
        "bp_success": bp_ok.reshape(C, n_trials),
        "thresholding_rate": thr_ok.reshape(C, n_trials).double().mean(1),
        "bp_rate": bp_ok.reshape(C, n_trials).double().mean(1),
        "D1": D1,
        "D2": D2,
        "Gamma1": G1,
        "Gamma2": G2,
        "Gamma2_thresholding": G2_thr,
        "max_layer1_nonzeros": int((G1 > 0).sum(0).max()),
    }


def _second_layer_bp(D2, G1_bp, G2, rtol):
    r"""Layered BP's second layer, $\min 1^\top\Gamma_2$ s.t. $D_2\Gamma_2 = \hat\Gamma_1$, $\Gamma_2\ge0$, and whether
    it recovers ``G2``.  When the first layer went wrong, $\hat\Gamma_1$ may lie outside the cone of $D_2$'s
    atoms (small m: a coherent $D_1$): that LP is infeasible, and the signal counts as a failure of layered BP
    (it never raises)."""
    try:
        return _recovered(basis_pursuit(D2, G1_bp, nonneg=True), G2, rtol)
    except ValueError:  # some chunk is infeasible: solve signal by signal, an infeasible one failed
        ok = torch.zeros(G1_bp.shape[1], dtype=torch.bool, device=G2.device)
        for j in range(G1_bp.shape[1]):
            try:
                ok[j] = bool(_recovered(basis_pursuit(D2, G1_bp[:, j : j + 1], nonneg=True), G2[:, j : j + 1],
                                        rtol)[0])
            except ValueError:
                ok[j] = False
        return ok


# ----------------------------------------------------------------------------- FISTA, lasso vs scikit-learn
def lasso_problems(m: int = 100, n: int = 200, batch: int = 16, *, seed: int = 5, device=None):
    r"""``batch`` Lasso problems on one Gaussian dictionary ``D`` (m, n) with unit atoms: $y = Dx + 0.01\,g$ with
    $x$ ``m // 10``-sparse (Gaussian entries) and one $\beta = 0.1\,\max|D^\top Y|$.  Returns (D, Y, beta):
    the problems of :func:`compare_with_sklearn` and of ``make bench``'s race against scikit-learn."""
    m = check_int(m, "m", min_value=2)
    n = check_int(n, "n", min_value=2)
    batch = check_int(batch, "batch", min_value=1)
    sizes = {"m": m, "n": n, "batch": batch}
    check_memory(4 * (m * n + n * n + (m + n) * batch), max(sizes, key=sizes.get), what="the comparison's problems")
    dev = get_device(device)
    D = gaussian_dictionary(m, n, seed=seed, device=dev)
    x = sparse_codes(n, [max(1, m // 10)] * batch, seed=seed + 1, device=dev)
    Y = D @ x + 0.01 * torch.randn(m, batch, generator=generator(seed + 2, dev), device=dev, dtype=torch.float64)
    return D, Y, 0.1 * float((D.T @ Y).abs().max())


def compare_with_sklearn(
    m: int = 100, n: int = 200, batch: int = 16, n_iter: int = 5000, *, tol: float = 1e-10, seed: int = 5, device=None
) -> dict:
    r"""Our batched FISTA and :func:`~course_lib.sparse.solver.lasso` against scikit-learn's ``Lasso``
    (coordinate descent) on the same problems (:func:`lasso_problems`), all stopped by the same rule.

    sklearn minimises $\tfrac1{2m}\|y-Dx\|^2 + \alpha\|x\|_1$, i.e. our objective divided by $m$ when
    $\alpha = \beta/m$; every solution is scored with :func:`lasso_objective` and certified with
    :func:`lasso_duality_gap`.  ``lasso`` runs on the batch and on each signal alone.  Returns per-problem
    objectives and gaps, and ``lasso``'s FISTA steps, Newton solves and rounds.
    (Wall times are ``make bench``'s: ``benchmarks/kernels.py``.)"""
    from sklearn.linear_model import Lasso

    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=1), "n_iter", what="compare_with_sklearn")
    tol = check_positive(tol, "tol")
    D, Y, beta = lasso_problems(m, n, batch, seed=seed, device=device)
    dev = D.device
    x_f = fista(D, Y, beta, n_iter, tol=tol)  # the same stopping rule as sklearn
    fast = lasso(D, Y, beta, tol=tol)
    one = [lasso(D, Y[:, j], beta, tol=tol) for j in range(Y.shape[1])]  # signal by signal: the lean path on a CPU
    x_one = torch.stack([r.x for r in one], 1)
    las = Lasso(alpha=beta / m, fit_intercept=False, tol=tol, max_iter=100_000).fit(D.cpu().numpy(), Y.cpu().numpy())
    x_s = torch.as_tensor(np.atleast_2d(las.coef_), device=dev).T
    return {
        "beta": beta,
        "lasso_objective": lasso_objective(D, Y, fast.x, beta),
        "lasso_gap": lasso_duality_gap(D, Y, fast.x, beta),
        "lasso_reported_gap": fast.gap,
        "lasso_steps": fast.n_iter,
        "lasso_newton": fast.n_newton,
        "lasso_rounds": fast.n_rounds,
        "single_objective": lasso_objective(D, Y, x_one, beta),
        "single_gap": lasso_duality_gap(D, Y, x_one, beta),
        "single_reported_gap": torch.stack([r.gap for r in one]).to(dev),
        "single_newton": torch.stack([r.n_newton for r in one]),
        "y_norm2": (Y**2).sum(0),
        "fista_objective": lasso_objective(D, Y, x_f, beta),
        "sklearn_objective": lasso_objective(D, Y, x_s, beta),
        "fista_gap": lasso_duality_gap(D, Y, x_f, beta),
        "sklearn_gap": lasso_duality_gap(D, Y, x_s, beta),
        "sklearn_iterations": int(np.max(las.n_iter_)),
        "sklearn_converged": bool(np.max(las.n_iter_) < 100_000),
        "max_coef_diff": float((x_f - x_s).abs().max()),
    }


def restart_experiment(D, y, beta, n_iter: int = 2000, *, tol: float = 1e-8) -> dict:
    r"""Steps FISTA needs, without and with adaptive restart (O'Donoghue & Candès 2015), to reach
    $F(x_k) - F^\star \le$ ``tol`` $\|y\|^2$ on each signal.  $F^\star$ is bounded below by the dual value
    $G^\star = F(\hat x) - \mathrm{gap}$ of :func:`~course_lib.sparse.solver.lasso`'s solution (certified to
    ``1e-12``), so the first $k$ with $F(x_k) - G^\star \le$ ``tol`` $\|y\|^2$ is certified.  Returns the steps
    per signal, ``"fista"`` and ``"restart"`` (``n_iter + 1`` where not reached), and the reference's gaps."""
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=1), "n_iter", what="restart_experiment")
    tol = check_positive(tol, "tol")
    ref = lasso(D, y, beta, tol=1e-12)
    G_star = lasso_objective(D, y, ref.x, beta) - ref.gap
    y = as_tensor(y, "y", ndim=(1, 2), dtype=ref.x.dtype, device=ref.x.device)
    target = tol * (y**2).sum(0)
    out = {"reference_gap": ref.gap, "n_iter": n_iter}
    for name, restart in (("fista", False), ("restart", True)):
        _, F = fista(D, y, beta, n_iter, history=True, restart=restart)
        hit = F[1:] - G_star <= target
        out[name] = torch.where(hit.any(0), hit.to(torch.int64).argmax(0) + 1, n_iter + 1)
    return out


def screening_experiment(D, y, beta, ks: Sequence[int] = (10, 100, 1000)) -> dict:
    r"""Gap-safe screening (:func:`~course_lib.sparse.solver.lasso_screen`) at FISTA's iterates $x_k$, $k \in$
    ``ks``, against the support of the exact solution (:func:`~course_lib.sparse.solver.lasso`, gap $\le
    10^{-12}\|y\|^2$), and the same test without the ball (discard when $|d_j^\top\theta| < \beta$: unsafe).
    Returns, per $k$, the fraction of atoms each rule discards and how many nonzeros of the solution it discards;
    a last row, ``k = "solution"``, screens at the solution itself (gap ~ 0)."""
    if isinstance(ks, (str, bytes)) or not isinstance(ks, Sequence) or len(ks) == 0:
        raise TypeError(f"ks: expected a non-empty sequence of iteration counts, got {ks!r}")
    ks = [check_steps(check_int(k, "ks", min_value=1), "ks", what="screening_experiment") for k in ks]
    ref = lasso(D, y, beta, tol=1e-12)
    support = ref.x != 0
    y = as_tensor(y, "y", ndim=(1, 2), dtype=ref.x.dtype, device=ref.x.device)
    b = torch.as_tensor(beta, dtype=ref.x.dtype, device=ref.x.device)
    rows = []
    for k in [*ks, "solution"]:
        x = ref.x if k == "solution" else fista(D, y, beta, k)
        keep = lasso_screen(D, y, x, beta)
        corr = D.T @ (y - D @ x)
        scale = torch.clamp(b / corr.abs().amax(0), max=1.0)
        keep_unsafe = scale * corr.abs() >= b
        rows.append({"k": k, "screened": float(1 - keep.double().mean()), "lost": int((support & ~keep).sum()),
                     "screened_unsafe": float(1 - keep_unsafe.double().mean()),
                     "lost_unsafe": int((support & ~keep_unsafe).sum())})
    return {"rows": rows, "support_size": support.sum(0), "reference_gap": ref.gap}
