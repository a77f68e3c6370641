"""course_lib.core.stats: exact tests agree with scipy's definitions and refuse bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from course_lib.core import stats
from tests.helpers import assert_rejects


def test_exact_mcnemar_does_not_pass_three_discordant_pairs():
    """The issue's example: 3 vs 0 discordant; the normal z is 1.73 (> 1.645), the exact p is 1/8."""
    a = [True, True, True, False, True]
    b = [False, False, False, False, True]
    r = stats.mcnemar_exact(a, b)
    assert (r.a_only, r.b_only) == (3, 0)
    assert r.pvalue == pytest.approx(0.125)
    assert 3 / math.sqrt(3) > 1.645  # what the removed normal approximation would have "passed"
    assert "3 vs 0" in str(r)


def test_mcnemar_counts_only_discordant_pairs_and_accepts_tensors():
    a = torch.tensor([1, 1, 0, 0, 1], dtype=torch.bool)
    b = torch.tensor([1, 0, 1, 0, 0], dtype=torch.bool)
    r = stats.mcnemar_exact(a, b, alternative="two-sided")
    assert (r.a_only, r.b_only) == (2, 1)
    assert r.pvalue == pytest.approx(sps.binomtest(2, 3, 0.5).pvalue)
    assert stats.mcnemar_exact(a, a).pvalue == 1.0


def test_mcnemar_rejects_bad_input():
    assert_rejects(stats.mcnemar_exact, "b_right", [True, False], [True])
    assert_rejects(stats.mcnemar_exact, "a_right", [0.5, 1.0], [True, False])
    assert_rejects(stats.mcnemar_exact, "alternative", [True], [False], alternative="bigger")


def test_wilson_interval_matches_the_formula():
    k, n, z = 51, 500, sps.norm.ppf(0.975)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lo, hi = stats.wilson_interval(k, n)
    assert lo == pytest.approx(centre - half, rel=1e-9) and hi == pytest.approx(centre + half, rel=1e-9)
    assert lo == pytest.approx(0.0784, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.data())
def test_wilson_interval_contains_the_estimate(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = stats.wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_wilson_and_two_proportions_reject_bad_counts():
    assert_rejects(stats.wilson_interval, "k", 5, 4)
    assert_rejects(stats.wilson_interval, "n", 0, 0)
    assert_rejects(stats.wilson_interval, "confidence", 1, 4, confidence=1.0)
    assert_rejects(stats.wilson_interval, "k", 1.0, 4)
    assert_rejects(stats.two_proportions, "k2", 1, 4, 5, 4)


def test_two_proportions_is_boschloo_and_one_sided():
    p = stats.two_proportions(10, 12, 3, 12)
    ref = sps.boschloo_exact(np.array([[10, 3], [2, 9]]), alternative="greater").pvalue
    assert p == pytest.approx(ref)
    assert p < 0.01 and stats.two_proportions(3, 12, 10, 12) > 0.5


def test_mann_whitney_and_ks_critical():
    x, y = np.arange(10.0), np.arange(10.0) + 20
    assert stats.mann_whitney(x, y, alternative="less") == pytest.approx(
        sps.mannwhitneyu(x, y, alternative="less").pvalue)
    assert_rejects(stats.mann_whitney, "y", x, [np.nan])
    assert stats.ks_critical(10_000, 0.001) == pytest.approx(sps.kstwo.isf(0.001, 10_000))
    assert_rejects(stats.ks_critical, "alpha", 100, 0.0)
