"""Exact statistics for the lectures' claims, from ``scipy.stats`` (imported on first use, ~0.4 s).

Small counts get exact tests, never a normal approximation: with 3 discordant pairs
against 0, McNemar's normal statistic is z = 3/√3 = 1.73 and "passes" at 5 %, while the exact
binomial p-value is 0.5³ = 0.125.

* :func:`wilson_interval` -- a binomial proportion's Wilson score interval;
* :func:`clopper_pearson` -- exact one-sided binomial bounds (lecture 04);
* :func:`mcnemar_exact`   -- paired comparison of two methods on the same problems
  (exact binomial test on the discordant pairs);
* :func:`two_proportions` -- two independent proportions (Boschloo's exact test, uniformly
  more powerful than Fisher's);
* :func:`mann_whitney`    -- two samples, rank-based; :func:`rank_sum_exact` -- its exact one-sided
  p-value with ties, by enumeration (lecture 08);
* :func:`ks_critical`     -- the exact Kolmogorov-Smirnov critical value;
* :func:`mean_ci` (Student t), :func:`median_interval` (order statistics), :func:`paired_accuracy_ci`
  (Newcombe's paired difference of two accuracies) -- intervals for lectures 01 and 02.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch

from course_lib.core.validate import as_tensor, check_in_range, check_int

__all__ = ["wilson_interval", "clopper_pearson", "mcnemar_exact", "McNemar", "two_proportions", "mann_whitney",
           "rank_sum_exact", "ks_critical", "mean_ci", "median_interval", "paired_accuracy_ci"]

_ALTERNATIVES = ("greater", "less", "two-sided")


def _alternative(alternative) -> str:
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative: must be one of {_ALTERNATIVES}, got {alternative!r}")
    return alternative


def _bool_vector(x, name: str) -> np.ndarray:
    a = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)
    if a.dtype != bool:
        if a.dtype.kind not in "iu" or not np.isin(a, (0, 1)).all():
            raise TypeError(f"{name}: expected booleans (right / wrong per problem), got dtype {a.dtype}")
        a = a.astype(bool)
    return a.reshape(-1)


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k/n`` (Wilson 1927; via ``scipy.stats.binomtest``)."""
    n = check_int(n, "n", min_value=1)
    k = check_int(k, "k", min_value=0, max_value=n)
    check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def clopper_pearson(k: int, n_trials: int, confidence: float = 0.95) -> tuple[float, float]:
    r"""Exact one-sided binomial bounds for a success probability $p$ from $k$ successes in
    ``n_trials`` (Clopper & Pearson 1934): ``lower`` with $P(p \ge \text{lower}) \ge$ ``confidence``
    and ``upper`` with $P(p \le \text{upper}) \ge$ ``confidence`` (each one-sided)."""
    from scipy.special import betaincinv

    n_trials = check_int(n_trials, "n_trials", min_value=1)
    k = check_int(k, "k", min_value=0, max_value=n_trials)
    confidence = check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    alpha = 1.0 - confidence
    lower = 0.0 if k == 0 else float(betaincinv(k, n_trials - k + 1, alpha))
    upper = 1.0 if k == n_trials else float(betaincinv(k + 1, n_trials - k, 1.0 - alpha))
    return lower, upper


@dataclass(frozen=True)
class McNemar:
    """Discordant counts and the exact p-value of "A is right more often than B"."""

    a_only: int   # problems A gets right and B wrong
    b_only: int   # the reverse
    pvalue: float

    def __str__(self) -> str:
        return f"{self.a_only} vs {self.b_only} discordant, exact p = {self.pvalue:.2g}"


def mcnemar_exact(a_right, b_right, alternative: str = "greater") -> McNemar:
    """McNemar's test, exact: under H0 each discordant problem favours A with probability ½, so
    ``a_only ~ Binomial(a_only + b_only, ½)`` (scipy.stats.binomtest).  ``alternative="greater"``
    tests "A is right more often than B"."""
    a, b = _bool_vector(a_right, "a_right"), _bool_vector(b_right, "b_right")
    if a.shape != b.shape:
        raise ValueError(f"b_right: {b.size} problems, but a_right has {a.size}")
    _alternative(alternative)
    n_ab, n_ba = int((a & ~b).sum()), int((~a & b).sum())
    if n_ab + n_ba == 0:
        return McNemar(0, 0, 1.0)
    from scipy.stats import binomtest

    return McNemar(n_ab, n_ba, float(binomtest(n_ab, n_ab + n_ba, 0.5, alternative=alternative).pvalue))


def two_proportions(k1: int, n1: int, k2: int, n2: int, alternative: str = "greater") -> float:
    """Exact p-value that proportion 1 (``k1/n1``) exceeds proportion 2 (``alternative="greater"``),
    by Boschloo's test (scipy.stats.boschloo_exact) on the 2x2 table."""
    n1, n2 = check_int(n1, "n1", min_value=1), check_int(n2, "n2", min_value=1)
    k1 = check_int(k1, "k1", min_value=0, max_value=n1)
    k2 = check_int(k2, "k2", min_value=0, max_value=n2)
    _alternative(alternative)
    from scipy.stats import boschloo_exact

    table = np.array([[k1, k2], [n1 - k1, n2 - k2]])
    return float(boschloo_exact(table, alternative=alternative).pvalue)


def mann_whitney(x, y, alternative: str = "two-sided") -> float:
    """Mann-Whitney U test p-value (scipy.stats.mannwhitneyu; exact for small samples without ties)."""
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=float).reshape(-1)
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y, dtype=float).reshape(-1)
    for name, v in (("x", x), ("y", y)):
        if v.size < 1 or not np.isfinite(v).all():
            raise ValueError(f"{name}: expected at least one finite value")
    _alternative(alternative)
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(x, y, alternative=alternative).pvalue)


def ks_critical(n: int, alpha: float = 0.001) -> float:
    """Exact one-sample Kolmogorov-Smirnov critical value ``kstwo.isf(alpha, n)``
    (≈ √(ln(2/α)/2n) for large n)."""
    n = check_int(n, "n", min_value=1)
    alpha = check_in_range(alpha, "alpha", 0.0, 1.0, closed=False)
    from scipy.stats import kstwo

    value = float(kstwo.isf(alpha, n))
    if not math.isfinite(value):  # pragma: no cover - scipy returns finite values on (0, 1)
        raise ValueError(f"alpha: no finite critical value for n={n}, alpha={alpha}")
    return value


def rank_sum_exact(x, y, max_splits: int = 200_000) -> float:
    """Exact one-sided p-value that ``x`` tends to exceed ``y`` (Mann-Whitney / Wilcoxon rank sum, midranks
    for ties): the fraction of all ways to split the pooled sample into groups of the same sizes whose
    rank sum for the first group is at least the observed one. Ties (e.g. many barriers exactly 0) are
    handled exactly, where the normal approximation is not trustworthy."""
    max_splits = check_int(max_splits, "max_splits", min_value=1, max_value=10**8)
    x = as_tensor(x, "x", ndim=1, dtype=torch.float64, finite=False).detach().cpu().numpy()
    y = as_tensor(y, "y", ndim=1, dtype=torch.float64, finite=False).detach().cpu().numpy()
    for name, v in (("x", x), ("y", y)):
        if np.any(np.isinf(v)):
            raise ValueError(f"{name}: contains inf (NaN marks a value left out)")
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size == 0 or y.size == 0:
        raise ValueError("x: both samples need at least one finite value")
    pooled = np.concatenate([x, y])
    n, k = pooled.size, x.size
    if math.comb(n, k) > max_splits:
        raise ValueError(f"x: {math.comb(n, k)} splits exceed max_splits = {max_splits}")
    order = np.argsort(pooled, kind="mergesort")
    ranks = np.empty(n)
    ranks[order] = np.arange(1, n + 1)
    for v in np.unique(pooled):
        tie = pooled == v
        ranks[tie] = ranks[tie].mean()
    observed = ranks[:k].sum()
    sums = ranks[np.array(list(itertools.combinations(range(n), k)))].sum(1)
    return float(np.mean(sums >= observed - 1e-9))


def mean_ci(x, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``x`` (1-D, at least 2 values) and its two-sided Student-t confidence interval
    ``mean ± t_{n-1} s / sqrt(n)``: ``(mean, low, high)``."""
    x = as_tensor(x, "x", ndim=1, dtype=torch.float64, min_size=2).detach().cpu().numpy()
    confidence = check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    from scipy.stats import t

    n, m = len(x), float(x.mean())
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def median_interval(x, confidence: float = 0.95) -> tuple[float, float, float]:
    """The sample median and its exact distribution-free confidence interval (order statistics, by the
    binomial sign test; ``scipy.stats.quantile_test``)."""
    x = as_tensor(x, "x", ndim=1).detach()
    check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    from scipy.stats import quantile_test

    ci = quantile_test(x.cpu().numpy(), q=float(x.median()), p=0.5).confidence_interval(confidence)
    return float(x.median()), float(ci.low), float(ci.high)


def paired_accuracy_ci(a_right, b_right, confidence: float = 0.95) -> tuple[float, float, float]:
    r"""Accuracy difference of classifier A minus B on the same test items, with Newcombe's
    (1998, method 10) confidence interval for paired proportions: ``(difference, low, high)``.

    From the Wilson intervals $(l_1, u_1)$, $(l_2, u_2)$ of the two accuracies $p_1, p_2$ and the
    correlation $\phi$ of the paired right/wrong outcomes (with Newcombe's correction: for
    $eh > fg$ the numerator $eh - fg$ becomes $\max(eh - fg - n/2, 0)$), the limits are
    $p_1 - p_2 - \sqrt{(p_1 - l_1)^2 - 2\phi(p_1 - l_1)(u_2 - p_2) + (u_2 - p_2)^2}$ and
    $p_1 - p_2 + \sqrt{(u_1 - p_1)^2 - 2\phi(u_1 - p_1)(p_2 - l_2) + (p_2 - l_2)^2}$.
    Score-based (no normal approximation of the difference), so valid with few discordant items.
    """
    a = np.asarray(a_right.detach().cpu() if isinstance(a_right, torch.Tensor) else a_right)
    b = np.asarray(b_right.detach().cpu() if isinstance(b_right, torch.Tensor) else b_right)
    for name, v in (("a_right", a), ("b_right", b)):
        if v.dtype != bool or v.ndim != 1 or v.size < 1:
            raise TypeError(f"{name}: expected a 1-D boolean array (right / wrong per test item)")
    if a.shape != b.shape:
        raise ValueError(f"b_right: {b.size} items, but a_right has {a.size}")
    confidence = check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    n = a.size
    e, f, g, h = (int(v) for v in ((a & b).sum(), (a & ~b).sum(), (~a & b).sum(), (~a & ~b).sum()))
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = wilson_interval(e + f, n, confidence)
    l2, u2 = wilson_interval(e + g, n, confidence)
    num = e * h - f * g
    if num > 0:
        num = max(num - n / 2, 0.0)
    den = (e + f) * (g + h) * (e + g) * (f + h)
    phi = num / math.sqrt(den) if den > 0 else 0.0
    d = p1 - p2
    lo = d - math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    hi = d + math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return d, lo, hi
