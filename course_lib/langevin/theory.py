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

from course_lib.core.validate import as_tensor, check_callable, check_in_range, check_int, check_positive

__all__ = ["kramers_rate", "mfpt_rate", "stability_bound", "pac_bayes_bound"]


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
# generalization: the bounds of Mou, Wang, Zhai & Zheng (2018)
# ---------------------------------------------------------------------------------------
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


def pac_bayes_bound(step_sizes, grad_sq, beta: float, lam: float, n: int, C: float = 1.0,
                    delta: float = 0.05) -> np.ndarray:
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

