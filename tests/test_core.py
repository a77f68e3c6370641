"""The course_lib core: device, validation, claims, exercises, data, widgets, plotting."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import overview
from course_lib.catalog import WIDGETS
from course_lib.core import claims as claims_mod
from course_lib.core import data, device, validate
from course_lib.core.exercises import Case, Exercise, ExerciseFailed
from course_lib.ui import plotting, widgets
from tests.helpers import assert_rejects


# -- device -----------------------------------------------------------------------------------
def test_device_env_override(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert device.get_device() == torch.device("cpu")
    monkeypatch.setenv("COURSE_DEVICE", "nonsense-device")
    assert_rejects(device.get_device, "device")


def test_device_argument_wins(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "nonsense")
    assert device.get_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error path")
def test_asking_for_missing_cuda_is_a_clear_error():
    assert_rejects(device.get_device, "CUDA", "cuda")


def test_seed_everything_is_deterministic():
    device.seed_everything(3)
    a = (np.random.rand(), torch.rand(1).item())
    device.seed_everything(3)
    assert a == (np.random.rand(), torch.rand(1).item())
    assert_rejects(device.seed_everything, "seed", 1.5)
    assert_rejects(device.generator, "seed", "0")


# -- validation -------------------------------------------------------------------------------
def test_as_tensor_accepts_arrays_lists_tensors():
    assert validate.as_tensor([[1, 2]], "x").dtype == torch.float64
    assert validate.as_tensor(np.ones((2, 2), dtype=np.float32), "x").dtype == torch.float32
    t = validate.as_tensor(torch.ones(3), "x", shape=(3,))
    assert t.shape == (3,)


@pytest.mark.parametrize("bad, exc", [("text", TypeError), (None, TypeError), (np.array([True]), TypeError),
                                      (np.array([1 + 2j]), TypeError), ([[1, 2], [3]], ValueError)])
def test_as_tensor_rejects_kinds(bad, exc):
    assert_rejects(validate.as_tensor, "thing", bad, "thing", exc=exc)


def test_as_tensor_shape_messages():
    assert_rejects(validate.as_tensor, "X", np.zeros((2, 3)), "X", shape=(None, 4), exc=ValueError)
    assert_rejects(validate.as_tensor, "X", np.zeros(3), "X", ndim=2, exc=ValueError)
    assert_rejects(validate.as_tensor, "X", np.zeros((0, 3)), "X", exc=ValueError)


@given(st.sampled_from([math.nan, math.inf, -math.inf]))
def test_as_tensor_rejects_non_finite(v):
    assert_rejects(validate.as_tensor, "w", [1.0, v], "w", exc=ValueError)


@given(st.floats(max_value=0.0, allow_nan=False, allow_infinity=False))
def test_check_positive_rejects(v):
    assert_rejects(validate.check_positive, "beta", v, "beta", exc=ValueError)


def test_scalar_checks():
    assert validate.check_positive(0, "beta", allow_zero=True) == 0.0
    assert_rejects(validate.check_positive, "beta", True, "beta", exc=TypeError)
    assert_rejects(validate.check_positive, "beta", math.nan, "beta", exc=ValueError)
    assert_rejects(validate.check_int, "n", 3.0, "n", exc=TypeError)
    assert_rejects(validate.check_int, "n", 0, "n", min_value=1, exc=ValueError)
    assert_rejects(validate.check_in_range, "p", 1.5, "p", 0, 1, exc=ValueError)
    assert validate.check_in_range(1, "p", 0, 1) == 1.0
    assert_rejects(validate.check_in_range, "p", 1, "p", 0, 1, closed=False, exc=ValueError)


# -- claims -----------------------------------------------------------------------------------
def test_claims_pass_print_and_fail_raise(capsys):
    book = claims_mod.Claims("test")
    book.at_most("small", 1, 2)
    book.at_least("big", 3, 2)
    book.close("near", 1.0, 1.05, atol=0.1)
    assert "✔ small — measured: 1 ≤ 2" in capsys.readouterr().out
    with pytest.raises(claims_mod.ClaimFailed, match="too big"):
        book.at_most("too big", 3, 2)
    with pytest.raises(AssertionError):
        book.close("far", 1.0, 2.0, atol=0.1)
    with pytest.raises(claims_mod.ClaimFailed):
        book.at_most("nan never passes", math.nan, 2)
    assert not book.all_hold
    html = book.table().data
    assert "What we verified" in html and "too big" in html and "FAILED" in html


def test_not_reproduced_is_visible_and_does_not_raise():
    book = claims_mod.Claims("t")
    book.not_reproduced("slide says X", "we measured Y")
    assert "not reproduced" in book.table().data
    assert not book.all_hold


# -- exercises --------------------------------------------------------------------------------
def test_exercise_feedback(capsys):
    ex = Exercise("double", [Case("x=1", (1.0,), expected=2.0), Case("x=2", (2.0,), expected=4.0)], hint="2x")
    assert ex.check(lambda x: 2 * x, strict=True)

    def stub(x):
        raise NotImplementedError

    assert not ex.check(stub)
    assert "not attempted" in capsys.readouterr().out
    assert not ex.check(lambda x: x + 1)
    out = capsys.readouterr().out
    assert "1 of 2 checks failed" in out and "x=2" in out
    with pytest.raises(ExerciseFailed):
        ex.check(lambda x: x + 1, strict=True)
    assert not ex.check(lambda x: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out


# -- data -------------------------------------------------------------------------------------
@given(margin=st.floats(0.01, 2.0), seed=st.integers(0, 1000))
def test_separable_blobs_margin(margin, seed):
    X, y, u = data.separable_blobs(n=40, margin=margin, seed=seed)
    assert torch.all(y * (X @ u) >= margin - 1e-9)
    assert set(y.tolist()) == {-1.0, 1.0}


def test_data_bad_input_and_shipped_sets():
    assert_rejects(data.separable_blobs, "margin", margin=0.0)
    assert_rejects(data.separable_blobs, "n", n=1)
    images, labels = data.digits()
    assert images.shape == (1797, 8, 8) and float(images.max()) <= 1.0 and labels.max() == 9
    from sklearn.datasets import load_digits  # the reference reader

    ref = load_digits()
    assert np.array_equal(images.double().numpy() * 16.0, ref.images) and np.array_equal(labels.numpy(), ref.target)
    photos = data.sample_photographs()
    assert len(photos) == 2 and photos[0].ndim == 2 and 0 <= float(photos[0].min()) <= float(photos[0].max()) <= 1


# -- widgets and plotting ---------------------------------------------------------------------
def test_registry_and_latency_on_overview_widget():
    assert "00 ImageNet winners by year" in WIDGETS
    ui = WIDGETS["00 ImageNet winners by year"]()
    assert len(ui.figure.data[0].x) == len(overview.ILSVRC_WINNERS)
    ui.controls["year"].value = 2012
    assert list(ui.figure.data[0].x) == [2010, 2011, 2012]
    assert "AlexNet" in ui.figure.layout.title.text
    stats = widgets.measure_latency(ui)
    assert stats["moves"] > 0 and stats["p95_ms"] >= stats["p50_ms"] > 0


def test_plotting_template_and_renderer():
    import plotly.io as pio

    plotting.setup_plotly()
    assert "course" in pio.templates.default and pio.renderers.default == plotting.RENDERER
    fig = plotting.figure("A finding", "x (units)", "y (units)")
    assert fig.layout.xaxis.title.text == "x (units)"


def test_not_reproduced_fails_when_the_claim_starts_to_hold():
    book = claims_mod.Claims("t")
    book.not_reproduced("still fails", "x", holds=False)
    with pytest.raises(claims_mod.ClaimFailed, match="now holds"):
        book.not_reproduced("now works", "y", holds=True)


def test_displaying_a_widget_sends_the_figure_full_state():
    """Edits made before display must reach the browser as state, not only as messages
    (in JupyterLab, traces edited before display lost their x/y otherwise)."""
    ui = WIDGETS["00 ImageNet winners by year"]()
    ui.controls["year"].value = 2013
    ui._ipython_display_()
    synced = ui.figure._widget_data
    assert [list(t["x"]) for t in synced[:2]] == [list(t.x) for t in ui.figure.data[:2]]
    assert ui.figure._widget_layout["title"]["text"] == ui.figure.layout.title.text


# -- overview (lecture 00): the computations made from the published record ---------------------
def test_fit_exponential_matches_scipy_linregress():
    from scipy.stats import linregress
    from scipy.stats import t as student_t

    years, errors = [2012, 2013, 2014, 2015, 2016, 2017], [16.4, 11.7, 6.67, 3.57, 2.99, 2.25]
    fit = overview.fit_exponential(years, errors, confidence=0.9)
    ref = linregress(np.array(years) - 2012, np.log(errors))
    q = student_t.ppf(0.95, 4)
    assert fit.rate == pytest.approx(ref.slope, rel=1e-12) and fit.intercept == pytest.approx(ref.intercept, rel=1e-12)
    assert fit.rate_ci == pytest.approx((ref.slope - q * ref.stderr, ref.slope + q * ref.stderr), rel=1e-10)
    assert fit.dof == 4 and sum(fit.residuals) == pytest.approx(0.0, abs=1e-12)
    assert fit.predict(2012) == pytest.approx(math.exp(ref.intercept))
    assert fit.crossing_year(fit.predict(2014.3)) == pytest.approx(2014.3)
    assert fit.factor_over(5)[0] == pytest.approx(fit.annual_factor**5)


def test_fit_exponential_recovers_an_exact_halving_time():
    years = [2000, 2001, 2003, 2004, 2008]
    fit = overview.fit_exponential(years, [40.0 * 0.5 ** ((y - 2000) / 3) for y in years])
    assert fit.halving_years == pytest.approx(3.0, rel=1e-12)
    assert fit.rate_ci[1] - fit.rate_ci[0] == pytest.approx(0.0, abs=1e-9)  # no residual, no width
    assert fit.annual_factor == pytest.approx(0.5 ** (1 / 3))


def test_deep_era_fit_and_crossing_on_the_published_record():
    fit = overview.deep_era_fit()
    assert fit.year0 == 2012 and len(fit.residuals) == 6
    assert fit.factor_ci[1] < 1 and 2014 < fit.crossing_year(overview.HUMAN_TOP5) <= 2015
    years = [w.year for w in overview.ILSVRC_WINNERS]
    errors = [w.top5_error for w in overview.ILSVRC_WINNERS]
    assert overview.first_year_below(years, errors, overview.HUMAN_TOP5) == 2015
    assert overview.first_year_below(years, errors, 30.0) == 2010
    assert overview.first_year_below(years, errors, 1.0) is None


def test_rank_correlation_matches_spearman_and_brute_force_enumeration():
    import itertools

    from scipy.stats import spearmanr

    x, y = [8, 19, 22, 152, 154], [16.4, 6.67, 7.3, 3.57, 2.25]
    res = overview.rank_correlation(x, y)
    assert res.rho == pytest.approx(spearmanr(x, y).statistic)
    perms = [spearmanr(x, p).statistic for p in itertools.permutations(y)]
    assert res.n_permutations == 120
    assert res.pvalue == pytest.approx(np.mean([r <= res.rho + 1e-12 for r in perms]))
    greater = overview.rank_correlation(x, y, alternative="greater")
    assert greater.pvalue == pytest.approx(np.mean([r >= greater.rho - 1e-12 for r in perms]))
    assert "5/120" in str(res)  # rho = -0.9: 5 of the 120 pairings are at least as negative


def test_human_interval_covers_every_count_that_rounds_to_the_published_rate():
    from course_lib.core.stats import wilson_interval

    lo, hi, ks = overview.human_interval(5.1, 1500)
    assert ks == (76, 77)
    assert lo == pytest.approx(100 * wilson_interval(76, 1500)[0])
    assert hi == pytest.approx(100 * wilson_interval(77, 1500)[1])
    assert lo < 5.1 < hi
    assert overview.human_interval(12.0, 258)[2] == (31,)


def test_overview_kernels_name_the_bad_argument():
    good_y, good_e = [2012, 2013, 2014], [16.4, 11.7, 6.67]
    assert_rejects(overview.fit_exponential, "years", [2013, 2012, 2014], good_e)
    assert_rejects(overview.fit_exponential, "years", [2012, 2013], [1.0, 2.0])
    assert_rejects(overview.fit_exponential, "errors", good_y, [16.4, 0.0, 6.67])
    assert_rejects(overview.fit_exponential, "errors", good_y, [16.4, 11.7])
    assert_rejects(overview.fit_exponential, "errors", good_y, [16.4, math.nan, 6.67])
    assert_rejects(overview.fit_exponential, "confidence", good_y, good_e, confidence=1.0)
    assert_rejects(overview.first_year_below, "level", good_y, good_e, -1.0)
    assert_rejects(overview.rank_correlation, "y", [1, 2, 3], [1, 2])
    assert_rejects(overview.rank_correlation, "x", list(range(9)), list(range(9)))
    assert_rejects(overview.rank_correlation, "alternative", [1, 2, 3], [3, 2, 1], alternative="lower")
    assert_rejects(overview.human_interval, "error_pct", 5.123, 10)
    assert_rejects(overview.human_interval, "n_images", 5.1, 0)
    assert_rejects(overview.fit_exponential(good_y, good_e).crossing_year, "level", 0.0)


@given(st.lists(st.floats(-1e3, 0.0, allow_nan=False), min_size=3, max_size=6))
def test_fit_exponential_rejects_non_positive_errors(bad):
    assert_rejects(overview.fit_exponential, "errors", list(range(len(bad))), bad)


def test_overview_exercises_accept_the_solution_and_reject_the_two_point_shortcut(capsys):
    def fitted(years, errors):
        slope = np.polyfit(np.asarray(years, float), np.log(errors), 1)[0]
        return math.log(2) / -slope

    def two_points(years, errors):
        return (years[-1] - years[0]) * math.log(2) / math.log(errors[0] / errors[-1])

    ex = overview.exercise_halving_time()
    assert ex.check(fitted, strict=True)
    assert not ex.check(two_points)
    assert "straight line" not in capsys.readouterr().out  # feedback offers .hint(), never prints it
    assert overview.prediction_first_year().check(2015, strict=True)
    assert not overview.prediction_first_year().check(2014)
    pred = overview.prediction_halving_time(overview.deep_era_fit())
    assert pred.check(5 * math.log(2) / math.log(16.4 / 2.25)) and not pred.check(3.0)
