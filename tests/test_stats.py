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


# --- the helpers moved here from the topic packages (issue: statistics live in core) ---------------------------
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.sampled_from([0.8, 0.9, 0.95, 0.99]), st.data())
def test_clopper_pearson_is_scipys_exact_interval(n, confidence, data):
    """Each one-sided bound at ``confidence`` is a limit of the two-sided exact interval at 2 confidence - 1."""
    k = data.draw(st.integers(0, n))
    lo, hi = stats.clopper_pearson(k, n, confidence)
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=2 * confidence - 1, method="exact")
    assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_rank_sum_exact_is_scipys_exact_mann_whitney_without_ties(n1, n2, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n1) + 0.5, rng.standard_normal(n2)
    ref = sps.mannwhitneyu(x, y, alternative="greater", method="exact").pvalue
    assert stats.rank_sum_exact(x, y) == pytest.approx(ref, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 60), st.sampled_from([0.5, 0.9, 0.95, 0.99]), st.integers(0, 2**32 - 1))
def test_mean_ci_is_scipys_one_sample_t_interval(n, confidence, seed):
    x = np.random.default_rng(seed).standard_normal(n)
    m, lo, hi = stats.mean_ci(torch.tensor(x), confidence)
    ci = sps.ttest_1samp(x, 0.0).confidence_interval(confidence)
    assert m == pytest.approx(x.mean(), abs=1e-12)
    assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(10, 80), st.sampled_from([0.8, 0.9, 0.95, 0.99]), st.integers(0, 2**32 - 1))
def test_median_interval_is_the_binomial_order_statistic_interval(n, confidence, seed):
    """[x_(r), x_(n+1-r)] with r = the binomial(n, 1/2) quantile at (1 - confidence)/2 covers the median with
    probability 1 - 2 P(B <= r - 1) >= confidence."""
    x = np.random.default_rng(seed).standard_normal(n)
    med, lo, hi = stats.median_interval(x, confidence)
    a, r = np.sort(x), int(sps.binom.ppf((1 - confidence) / 2, n, 0.5))
    assert (lo, hi) == (a[r - 1], a[n - r])
    coverage = 1 - 2 * sps.binom.cdf(r - 1, n, 0.5)  # the reference interval's own guarantee
    assert coverage >= confidence
    if n % 2:
        assert med == np.median(x)


def test_moved_helpers_still_name_their_bad_arguments():
    assert_rejects(stats.clopper_pearson, "k", 11, 10)
    assert_rejects(stats.clopper_pearson, "confidence", 1, 10, 1.0)
    assert_rejects(stats.rank_sum_exact, "max_splits", [1.0], [2.0], 0)
    assert_rejects(stats.mean_ci, "x", torch.tensor([1.0]))
    assert_rejects(stats.median_interval, "confidence", np.arange(9.0), 1.5)
    assert_rejects(stats.paired_accuracy_ci, "b_right", np.array([True, False]), np.array([True]))
