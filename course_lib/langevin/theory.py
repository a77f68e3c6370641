"""The theory's numbers for lecture 07: escape rates and the generalization bounds of SGLD.

Closed forms and quadratures, no sampling: the values the lecture's measurements are compared
with.  Kramers 1940 and Gardiner (eq. 5.2.158) for the rates; Mou, Wang, Zhai & Zheng, COLT 2018
(arXiv:1707.05947) for the bounds, with the constants inside their O(.) stated and derived in
each docstring; Maurer 2004 for the PAC-Bayes inequality.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from course_lib.core.validate import (
    as_tensor,
    check_bool,
    check_callable,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
)

__all__ = [
    "kramers_rate",
    "mfpt_rate",
    "tilted_well_critical_points",
    "stability_bound",
    "pac_bayes_kl",
    "pac_bayes_confidence",
    "pac_bayes_bound",
]


# ---------------------------------------------------------------------------------------
# metastability: escape rates
# ---------------------------------------------------------------------------------------
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
    lo = check_in_range(lo, "lo", -1e300, 1e300)
    if not lo < -c:
        raise ValueError(f"lo: the quadrature must start left of the core, lo < -core = {-c:g}, got lo = {lo:g}")
    n_grid = check_int(n_grid, "n_grid", min_value=101)
    check_memory(8 * n_grid, "n_grid", what="the quadrature grid")
    z = torch.linspace(lo, c, n_grid, dtype=torch.float64)
    u = U(z[:, None])
    if not isinstance(u, torch.Tensor) or u.is_complex() or u.shape != (n_grid,):
        raise TypeError(f"U: must map (points, 1) to a real tensor (points,), got {type(u).__name__} "
                        f"{tuple(getattr(u, 'shape', ()))}")
    u = u.detach().to(torch.float64)
    if not bool(torch.isfinite(u).all()):
        raise ValueError("U: returned NaN or inf on the quadrature grid")
    inner = torch.cat((torch.zeros(1, dtype=torch.float64), torch.cumulative_trapezoid(torch.exp(-b * u), z)))
    keep = z >= -c
    tau = float(b * torch.trapezoid((torch.exp(b * u) * inner)[keep], z[keep]))
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"beta: the passage time is not representable in float64 at beta = {b} "
                         f"(exp(beta*U) over/underflows); use the Kramers formula for large beta")
    return 1.0 / tau


def tilted_well_critical_points(tilt: float) -> tuple[float, float, float]:
    r"""Critical points of $U(x) = (x^2-1)^2 + a x$: the roots of $U'(x) = 4x^3 - 4x + a$, returned as
    ``(x_global, x_saddle, x_local)`` (the global minimum, the barrier top, the other minimum).
    Needs $|a| < 8/(3\sqrt3)$ for two wells."""
    a = check_in_range(tilt, "tilt", -1.5, 1.5)
    roots = np.sort(np.roots([4.0, 0.0, -4.0, a]).real)
    lo, mid, hi = (float(r) for r in roots)
    U = [(r * r - 1) ** 2 + a * r for r in (lo, hi)]
    return (lo, mid, hi) if U[0] <= U[1] else (hi, mid, lo)


# ---------------------------------------------------------------------------------------
# generalization: the bounds of Mou, Wang, Zhai & Zheng (2018)
# ---------------------------------------------------------------------------------------
def _step_sizes(step_sizes) -> np.ndarray:
    e = as_tensor(step_sizes, "step_sizes", ndim=1, dtype=torch.float64).detach().cpu().numpy()
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
    with np.errstate(over="ignore"):  # an absurd L overflows to inf: no step is small
        small = e * beta * L * L < 1
    k0 = int(np.argmax(small)) + 1 if small.any() else len(e)  # 1-based index of the first small step
    k = np.arange(1, len(e) + 1)
    tail = np.cumsum(np.where(k > k0, e, 0.0))
    return const * C / n * (np.minimum(k, k0) + L * np.sqrt(beta * tail))


def pac_bayes_kl(step_sizes, grad_sq, beta: float, lam: float = 0.0, decay: bool = False) -> np.ndarray:
    r"""The KL term of the PAC-Bayes bound along the run, after each step k = 1..N.

    **Without the decay** (``decay=False``, what the lecture derives): SGLD on
    $F_S + \frac\lambda2\|w\|^2$ and the data-free chain (drift $-\lambda w$ only, same noise,
    same start $N(0, I/(\lambda\beta))$) take Gaussian steps of variance $2\eta_k/\beta$ whose means
    differ by $\eta_k g_k$; one step's KL is $\|\eta_k g_k\|^2/(2\cdot 2\eta_k/\beta) = \frac\beta4\eta_k\|g_k\|^2$,
    and the chain rule gives $\mathrm{KL}_N \le \frac\beta4\sum_{k\le N}\eta_k\,\mathbb E\|g_k\|^2$
    against the data-free chain's law at step N (a valid, data-independent prior).

    **With the decay** (``decay=True``): Mou et al. (2018, Thm 2) multiply the k-th term by
    $e^{-\lambda(T_N-T_k)/2}$, $T_k = \sum_{j\le k}\eta_j$.  Their condition: the objective is the
    $\ell_2$-regularized $F_S + \frac\lambda2\|w\|^2$ and the prior is $N(0, I/(\lambda\beta))$, the Gibbs
    law of the regularizer with the *same* $\lambda$; the factor comes from their continuous-time
    argument, not from the chain rule above.  ``lam`` is that $\lambda$ (ignored without decay).
    """
    e = _step_sizes(step_sizes)
    g = as_tensor(grad_sq, "grad_sq", shape=(len(e),), dtype=torch.float64).detach().cpu().numpy()
    if (g < 0).any():
        raise ValueError("grad_sq: must be >= 0")
    beta = check_positive(beta, "beta")
    lam = check_positive(lam, "lam", allow_zero=True)
    decay = check_bool(decay, "decay")
    terms = beta / 4 * e * g
    if not decay:
        return np.cumsum(terms)
    # KL_N = sum_{k<=N} terms_k exp(-lam (T_N - T_k)/2) for every N, by the recursion
    # KL_k = KL_{k-1} exp(-lam eta_k / 2) + terms_k (a running sum of e^{lam T_k/2} terms would
    # overflow once lam T_N / 2 > ~709)
    kl = np.empty_like(e)
    acc = 0.0
    factor = np.exp(-lam * e / 2)
    for k in range(len(e)):  # a scalar recursion along one run, not a loop over runs
        acc = acc * factor[k] + terms[k]
        kl[k] = acc
    return kl


def pac_bayes_confidence(n: int, delta: float = 0.05) -> float:
    r"""The confidence term $\ln(2\sqrt n/\delta)$ of the McAllester-Maurer PAC-Bayes inequality
    (Maurer 2004): it depends on $n$ and $\delta$ only, never on the labels."""
    n = check_int(n, "n", min_value=1)
    delta = check_in_range(delta, "delta", 0.0, 1.0, closed=False)
    return math.log(2 * math.sqrt(n) / delta)


def pac_bayes_bound(step_sizes, grad_sq, beta: float, lam: float, n: int, C: float = 1.0,
                    delta: float = 0.05, decay: bool = True) -> np.ndarray:
    r"""Mou, Wang, Zhai & Zheng (2018), Theorem 2 (PAC-Bayes, $\ell_2$-regularized ERM), along the run.

    Paper: with prior = initial law $N(0, I/(\lambda\beta))$ and $T_k = \sum_{j\le k}\eta_j$,
    $$\mathrm{gen} \le O\!\Big(\sqrt{\tfrac{\beta}{n}\textstyle\sum_{k=1}^{N}\eta_k\,
      e^{-\lambda(T_N-T_k)/2}\,\mathbb E\|g_k\|^2}\Big),\quad g_k = \nabla F_S(w_k)\ \text{(data term)}.$$
    **Constants used here**: the McAllester-Maurer PAC-Bayes inequality (Maurer 2004) for a loss
    in $[0, C]$, with probability $\ge 1-\delta$,
    $\mathrm{gen} \le C\sqrt{(\mathrm{KL} + \ln(2\sqrt n/\delta))/(2n)}$, with the KL term of
    :func:`pac_bayes_kl` (the 1/4 is the exact KL of one Gaussian step; ``decay`` chooses whether
    the paper's factor $e^{-\lambda(T_N-T_k)/2}$ is applied) and the confidence term of
    :func:`pac_bayes_confidence`.  ``delta = 0.05``.  Returns the bound after each step k = 1..N.
    """
    kl = pac_bayes_kl(step_sizes, grad_sq, beta, lam, decay=decay)
    C = check_positive(C, "C")
    conf = pac_bayes_confidence(n, delta)
    bound = C * np.sqrt((kl + conf) / (2 * check_int(n, "n", min_value=1)))
    if not np.isfinite(bound).all():
        raise ValueError("grad_sq: the bound is not finite (gradient norms too large for float64)")
    return bound
