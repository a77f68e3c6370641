"""Exact statistics for the lectures' claims, from ``scipy.stats`` (imported on first use, ~0.4 s).

Small counts get exact tests, never a normal approximation: with 3 discordant pairs
against 0, McNemar's normal statistic is z = 3/√3 = 1.73 and "passes" at 5 %, while the exact
binomial p-value is 0.5³ = 0.125.

* :func:`wilson_interval` -- a binomial proportion's Wilson score interval;
* :func:`mcnemar_exact`   -- paired comparison of two methods on the same problems
  (exact binomial test on the discordant pairs);
* :func:`two_proportions` -- two independent proportions (Boschloo's exact test, uniformly
  more powerful than Fisher's);
* :func:`mann_whitney`    -- two samples, rank-based;
* :func:`ks_critical`     -- the exact Kolmogorov-Smirnov critical value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course_lib.core.validate import check_in_range, check_int

__all__ = ["wilson_interval", "mcnemar_exact", "McNemar", "two_proportions", "mann_whitney", "ks_critical"]

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
