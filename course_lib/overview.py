"""Lecture 00: the published ILSVRC record, and the few things we compute from it.

* **Published figures** (typed in from the papers; the lecture shows them as 📄, never ✔):
  ``ILSVRC_WINNERS``, ``RUNNER_UP_2014``, ``HUMAN_TOP5`` (one annotator), ``IMAGENET``.
* **Kernels** (what the lecture's ✔ claims rest on): ``fit_exponential`` (log-linear least
  squares with a t-interval for the rate), ``first_year_below``, ``rank_correlation`` (Spearman,
  exact permutation p-value), ``human_interval`` (Wilson interval of a rounded error rate).
* **Drivers and figures**: ``deep_era_fit``, ``depth_entries``, ``record_figure``,
  ``depth_figure``, ``build_imagenet_widget``.
* **Exercises**: ``prediction_first_year``, ``prediction_halving_time``, ``exercise_halving_time``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.core.stats import wilson_interval
from course_lib.core.validate import as_tensor, check_in_range, check_int, check_positive, check_steps

__all__ = ["Winner", "ILSVRC_WINNERS", "RUNNER_UP_2014", "HUMAN_TOP5", "HUMAN_IMAGES", "IMAGENET", "COURSE_MAP",
           "ExpFit", "fit_exponential", "first_year_below", "RankCorrelation", "rank_correlation",
           "human_interval", "deep_era_fit", "depth_entries", "record_figure", "depth_figure",
           "build_imagenet_widget", "prediction_first_year", "prediction_halving_time", "exercise_halving_time"]


# -- published figures --------------------------------------------------------------------------
@dataclass(frozen=True)
class Winner:
    year: int
    name: str
    top5_error: float     # percent, ILSVRC classification test set
    depth: int | None     # weight layers of the network named in `entry`, where its paper states it
    source: str
    entry: str = ""       # what the figure is: an ensemble? which network does the depth refer to?


ILSVRC_WINNERS = (
    Winner(2010, "NEC-UIUC", 28.2, None, "Russakovsky et al. 2015", "sparse coding + SVM"),
    Winner(2011, "XRCE", 25.8, None, "Russakovsky et al. 2015", "Fisher vectors + linear SVM"),
    Winner(2012, "AlexNet (SuperVision)", 16.4, 8, "Krizhevsky, Sutskever, Hinton 2012, Table 2",
           "average of 5 CNNs of 8 layers, challenge data only (15.3 % with extra pre-training data)"),
    Winner(2013, "Clarifai", 11.7, None, "Russakovsky et al. 2015",
           "M. Zeiler's entry, challenge data only (11.2 % with extra data); its depth is not published"),
    Winner(2014, "GoogLeNet", 6.67, 22, "Szegedy et al. 2015, Table 3",
           "ensemble of 7 networks of 22 layers, 144 crops"),
    Winner(2015, "ResNet", 3.57, 152, "He et al. 2016, Tables 4-5",
           "ensemble of 6 models, two of them ResNet-152; one ResNet-152 alone: 4.49 % (validation)"),
    Winner(2016, "Trimps-Soushen", 2.99, None, "ILSVRC 2016 results", "ensemble"),
    Winner(2017, "SENet", 2.25, 154, "Hu, Shen, Sun 2018",
           "small ensemble of SENets; one SENet-154 alone: 4.47 % (validation, 224 px crop)"),
)
RUNNER_UP_2014 = Winner(2014, "VGG (runner-up)", 7.3, 19, "Simonyan & Zisserman 2015, Table 7",
                        "ILSVRC submission of 7 networks; VGG-19 is the deepest")
HUMAN_TOP5 = 5.1      # one annotator (A. Karpathy): Karpathy 2014; Russakovsky et al. 2015, Sec. 6.4
HUMAN_IMAGES = 1500   # test images that annotator labelled
IMAGENET = {"images": 14_197_122, "classes": 21_841, "ilsvrc_train_images": 1_281_167, "ilsvrc_classes": 1000}

# The four open problems of the slides -> the lectures that take them up.
COURSE_MAP = {
    "Harmonic analysis: which representations are optimal?": ["02 CNN visualization", "03 Wavelets and scattering",
                                                              "04 Sparse coding → ReLU"],
    "Approximation: when is deep better than shallow?": ["05 Compositional approximation"],
    "Optimization: the landscape, and how to minimise on it": ["01 Perceptron/XOR/backprop", "08 Landscape",
                                                               "09 ADMM"],
    "Statistics: why do big networks generalise?": ["06 Generalization", "07 SGLD"],
}


# -- kernels ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpFit:
    """ln e(t) = intercept + rate·(t − year0), fitted by least squares; ``rate_ci`` is a t-interval."""

    year0: float
    intercept: float                  # ln error at year0
    rate: float                       # d ln e / dt, per year
    rate_ci: tuple[float, float]
    confidence: float
    dof: int
    residuals: tuple[float, ...]      # ln e − fitted ln e

    @property
    def annual_factor(self) -> float:
        return math.exp(self.rate)

    @property
    def factor_ci(self) -> tuple[float, float]:
        return math.exp(self.rate_ci[0]), math.exp(self.rate_ci[1])

    @property
    def halving_years(self) -> float:
        return math.log(2.0) / -self.rate

    @property
    def halving_ci(self) -> tuple[float, float]:
        """Only meaningful when the whole rate interval is negative (the error falls)."""
        return math.log(2.0) / -self.rate_ci[0], math.log(2.0) / -self.rate_ci[1]

    def factor_over(self, years: float) -> tuple[float, float, float]:
        """The fitted factor e(t + years)/e(t) and its interval."""
        return tuple(math.exp(b * years) for b in (self.rate, *self.rate_ci))

    def predict(self, year: float) -> float:
        return math.exp(self.intercept + self.rate * (year - self.year0))

    def crossing_year(self, level: float) -> float:
        """The year at which the fitted curve equals ``level``."""
        return self.year0 + (math.log(check_positive(level, "level")) - self.intercept) / self.rate


def _series(years, errors) -> tuple[torch.Tensor, torch.Tensor]:
    t = as_tensor(years, "years", ndim=1, dtype=torch.float64)
    e = as_tensor(errors, "errors", shape=(t.shape[0],), dtype=torch.float64)
    if t.numel() > 1 and not bool((t[1:] > t[:-1]).all()):
        raise ValueError("years: must be strictly increasing")
    if bool((e <= 0).any()):
        raise ValueError("errors: must be > 0 (error rates, in percent)")
    return t, e


def fit_exponential(years, errors, confidence: float = 0.95) -> ExpFit:
    """Least-squares fit of ln(error) = a + b·(year − year0): an exponential decline e^{b} per year.

    The interval for b is b̂ ± t_{n−2} · s/√Sxx with s² = RSS/(n − 2): it assumes independent,
    normal residuals in log space (a textbook regression interval; with n = 6 points, 4 dof).
    """
    t, e = _series(years, errors)
    if t.numel() < 3:
        raise ValueError(f"years: need at least 3 points for an interval, got {t.numel()}")
    check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    from scipy.stats import t as student_t

    x, y = t - t[0], torch.log(e)                       # (n,) years since year0, ln error
    xc = x - x.mean()
    sxx = (xc**2).sum()
    b = (xc * (y - y.mean())).sum() / sxx              # slope: d ln e / dt
    a = y.mean() - b * x.mean()                         # ln e at year0
    resid = y - (a + b * x)
    dof = t.numel() - 2
    se = torch.sqrt((resid**2).sum() / dof / sxx)
    q = float(student_t.ppf(0.5 + confidence / 2, dof))
    b, se = float(b), float(se)
    return ExpFit(float(t[0]), float(a), b, (b - q * se, b + q * se), confidence, dof,
                  tuple(float(r) for r in resid))


def first_year_below(years, errors, level: float) -> int | None:
    """The first year whose error is strictly below ``level`` (None if there is none)."""
    t, e = _series(years, errors)
    check_positive(level, "level")
    below = (e < level).nonzero()
    return int(t[below[0, 0]]) if below.numel() else None


@dataclass(frozen=True)
class RankCorrelation:
    rho: float            # Spearman's rank correlation
    pvalue: float         # exact one-sided permutation p-value
    n_permutations: int   # every pairing was counted: n!
    alternative: str

    def __str__(self) -> str:
        k = round(self.pvalue * self.n_permutations)
        side = "two-sided" if self.alternative == "two-sided" else f"one-sided ({self.alternative})"
        return f"ρ = {self.rho:+.2f}, exact {side} p = {k}/{self.n_permutations} = {self.pvalue:.2g}"


def rank_correlation(x, y, alternative: str = "less") -> RankCorrelation:
    """Spearman's ρ of ``x`` and ``y`` with an exact permutation p-value: every one of the n!
    pairings is counted (scipy.stats.permutation_test, ``permutation_type="pairings"``)."""
    xs = as_tensor(x, "x", ndim=1, dtype=torch.float64).tolist()
    ys = as_tensor(y, "y", shape=(len(xs),), dtype=torch.float64).tolist()
    check_int(len(xs), "x (its length)", min_value=3, max_value=8)   # 8! = 40,320 pairings at most
    if alternative not in ("less", "greater", "two-sided"):
        raise ValueError(f"alternative: must be 'less', 'greater' or 'two-sided', got {alternative!r}")
    from scipy.stats import permutation_test, spearmanr

    n_perm = math.factorial(len(xs))
    res = permutation_test((xs,), lambda u: spearmanr(u, ys).statistic, permutation_type="pairings",
                           vectorized=False, n_resamples=n_perm, alternative=alternative)
    return RankCorrelation(float(res.statistic), float(res.pvalue), n_perm, alternative)


def human_interval(error_pct: float = HUMAN_TOP5, n_images: int = HUMAN_IMAGES, decimals: int = 1,
                   confidence: float = 0.95) -> tuple[float, float, tuple[int, ...]]:
    """Wilson interval (percent) of an error rate published rounded to ``decimals``: the union of the
    intervals of every error count k with round(100·k/n) = the published figure. Returns (low, high, ks)."""
    error_pct = check_in_range(error_pct, "error_pct", 0.0, 100.0)
    n = check_int(n_images, "n_images", min_value=1)
    half = 0.5 * 10.0 ** -check_int(decimals, "decimals", min_value=0, max_value=6)
    check_steps(n * 2 * half / 100 + 1, "n_images", what="the error counts that round to error_pct")
    check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    lo = max(0, math.floor(n * (error_pct - half) / 100) - 1)  # only counts near n * error_pct / 100 can round to it
    hi = min(n, math.ceil(n * (error_pct + half) / 100) + 1)
    ks = tuple(k for k in range(lo, hi + 1) if abs(100.0 * k / n - error_pct) <= half + 1e-12)
    if not ks:
        raise ValueError(f"error_pct: no count out of {n} rounds to {error_pct}")
    lows, highs = zip(*(wilson_interval(k, n, confidence) for k in ks))
    return 100.0 * min(lows), 100.0 * max(highs), ks


# -- drivers --------------------------------------------------------------------------------------
def deep_era_fit(first_year: int = 2012, confidence: float = 0.95) -> ExpFit:
    """The exponential fit to the winners from ``first_year`` (AlexNet, 2012) on."""
    first_year = check_int(first_year, "first_year", min_value=ILSVRC_WINNERS[0].year,
                           max_value=ILSVRC_WINNERS[-3].year)  # at least 3 points for an interval
    era = [w for w in ILSVRC_WINNERS if w.year >= first_year]
    return fit_exponential([w.year for w in era], [w.top5_error for w in era], confidence)


def depth_entries() -> list[Winner]:
    """The entries whose paper states a depth (the winners and VGG, 2014's runner-up), by year."""
    return sorted([w for w in ILSVRC_WINNERS if w.depth] + [RUNNER_UP_2014], key=lambda w: (w.year, w.depth))


# -- figures and the widget ------------------------------------------------------------------------
def record_figure(fit: ExpFit, human: tuple[float, float]):
    """Winners' error (log scale), the fitted deep-era trend, and the human estimate with its interval."""
    from course_lib.ui.plotting import figure

    if not isinstance(fit, ExpFit):
        raise TypeError(f"fit: expected an ExpFit (from fit_exponential or deep_era_fit), got {type(fit).__name__}")
    if isinstance(human, (str, bytes)) or not isinstance(human, (tuple, list)) or len(human) != 2:
        raise TypeError(f"human: expected the interval (low, high) in percent, got {human!r:.60}")
    human = (check_in_range(human[0], "human", 0.0, 100.0), check_in_range(human[1], "human", 0.0, 100.0))
    if human[0] > human[1]:
        raise ValueError(f"human: expected low <= high, got {human}")
    years = [w.year for w in ILSVRC_WINNERS]
    crossing = fit.crossing_year(HUMAN_TOP5)
    fig = figure(f"From 2012 the error fell by a factor {fit.annual_factor:.2f} a year and crossed the "
                 f"human estimate in {crossing:.1f}", "ILSVRC year", "top-5 error of the winner (%, log scale)",
                 yaxis_type="log")
    fig.add_hrect(y0=human[0], y1=human[1], fillcolor="gray", opacity=0.15, line_width=0)
    fig.add_hline(y=HUMAN_TOP5, line_dash="dash", annotation_text="one annotator: 5.1 % (95 % interval shaded)")
    fig.add_scatter(x=years, y=[w.top5_error for w in ILSVRC_WINNERS], mode="markers+text", name="winner",
                    text=[w.name.split(" (")[0] for w in ILSVRC_WINNERS], textposition="top right")
    fig.add_scatter(x=[RUNNER_UP_2014.year], y=[RUNNER_UP_2014.top5_error], mode="markers",
                    name="VGG, 2014 runner-up", marker=dict(symbol="diamond", size=10))
    grid = [fit.year0 + 0.1 * i for i in range(int(10 * (years[-1] - fit.year0)) + 1)]
    fig.add_scatter(x=grid, y=[fit.predict(g) for g in grid], mode="lines", line=dict(dash="dot"),
                    name=f"fit: × {fit.annual_factor:.2f} per year")
    return fig


def depth_figure():
    from course_lib.ui.plotting import figure

    deep = depth_entries()
    fig = figure("Winning networks went from 8 to more than 150 layers in three years", "ILSVRC year",
                 "depth of one network of the entry (weight layers, log scale)", yaxis_type="log")
    fig.add_scatter(x=[w.year for w in deep], y=[w.depth for w in deep], mode="markers+text",
                    text=[w.name.split(" (")[0] for w in deep], textposition="middle right", marker=dict(size=11))
    return fig


def build_imagenet_widget():
    """A year slider: the winners up to that year, their error against the human estimate and depth."""
    import ipywidgets as W
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from course_lib.ui.plotting import setup_plotly
    from course_lib.ui.widgets import WidgetUI

    setup_plotly(renderer=None)
    years = [w.year for w in ILSVRC_WINNERS]
    fig = go.FigureWidget(make_subplots(specs=[[{"secondary_y": True}]]))
    fig.add_bar(x=[], y=[], name="winner's top-5 error (%)", marker_color="#1f77b4", text=[], secondary_y=False)
    fig.add_scatter(x=[], y=[], mode="lines+markers", name="depth of one network (layers)", marker_color="#d62728",
                    secondary_y=True)
    fig.add_scatter(x=[years[0] - 0.5, years[-1] + 0.5], y=[HUMAN_TOP5] * 2, mode="lines",
                    name="one annotator (Karpathy)", line=dict(dash="dash", color="black"), secondary_y=False)
    fig.update_xaxes(title_text="ILSVRC year", range=[years[0] - 0.6, years[-1] + 0.6], dtick=1)
    fig.update_yaxes(title_text="top-5 error (%)", range=[0, 30], secondary_y=False)
    fig.update_yaxes(title_text="depth (weight layers)", range=[0, 160], secondary_y=True)
    fig.update_layout(height=420, legend=dict(x=0.55, y=0.95))
    slider = W.IntSlider(min=years[0], max=years[-1], value=years[-1], description="up to year")

    def update(_=None):
        shown = [w for w in ILSVRC_WINNERS if w.year <= slider.value]
        deep = [w for w in shown if w.depth is not None]
        last = shown[-1]
        with fig.batch_update():
            fig.data[0].x = [w.year for w in shown]
            fig.data[0].y = [w.top5_error for w in shown]
            fig.data[0].text = [w.name for w in shown]
            fig.data[1].x = [w.year for w in deep]
            fig.data[1].y = [w.depth for w in deep]
            fig.layout.title = f"{last.year}: {last.name}, top-5 error {last.top5_error}%"

    slider.observe(update, names="value")
    update()
    return WidgetUI(W.VBox([slider, fig]), fig, {"year": slider})


# -- exercises ----------------------------------------------------------------------------------
def prediction_first_year() -> Prediction:
    """Predict, before the table: the first year a winner's top-5 error fell below 5.1 %."""
    answer = next(w.year for w in ILSVRC_WINNERS if w.top5_error < HUMAN_TOP5)
    return Prediction(
        "The first year a winner beat the human estimate", answer, abs_tol=0.5, unit="",
        why="ResNet (an ensemble of six models) reached 3.57 % in 2015; GoogLeNet's 6.67 % in 2014 was still above.",
        hint=["AlexNet had 16.4 % in 2012. Roughly what fraction of its error did each later year remove?",
              "If each year removes about a third of the error, count the years until 16.4 % drops below 5.1 %: "
              "you need a total factor of 16.4/5.1 ≈ 3.2."])


def prediction_halving_time(fit: ExpFit) -> Prediction:
    """Derive the halving time from the 2012 and 2017 figures alone; checked against the fit's interval."""
    if not isinstance(fit, ExpFit):
        raise TypeError(f"fit: expected an ExpFit (from fit_exponential or deep_era_fit), got {type(fit).__name__}")
    lo, hi = fit.halving_ci
    return Prediction(
        "Halving time of the deep-era error", fit.halving_years, abs_tol=(hi - lo) / 2, unit="years",
        why=f"The least-squares fit over 2012–2017 gives {fit.halving_years:.2f} years "
            f"(95 % interval {lo:.2f}–{hi:.2f}); the two end points alone give ln 2 · 5 / ln(16.4/2.25) ≈ 1.75.",
        hint=["Between 2012 and 2017 the error fell from 16.4 % to 2.25 %. How many halvings is that?",
              "The number of halvings is log₂ of the total factor; five years divided by it is the halving time."])


def exercise_halving_time() -> Exercise:
    """Self-check for a student's ``halving_time(years, errors)`` from a log-linear least-squares fit."""
    deep = [w for w in ILSVRC_WINNERS if w.year >= 2012]
    exact = [2000, 2001, 2003, 2004, 2008]
    uneven = ([2010, 2011, 2013, 2017], [30.0, 21.0, 12.0, 3.0])
    return Exercise(
        "Halving time from a least-squares fit of ln(error)",
        [
            Case("an exact halving every 3 years", (exact, [40.0 * 0.5 ** ((y - 2000) / 3) for y in exact]),
                 expected=3.0),
            Case("the deep-era ILSVRC record, 2012–2017", ([w.year for w in deep], [w.top5_error for w in deep]),
                 expected=deep_era_fit().halving_years),
            Case("unevenly spaced years (the fit uses every point, not the two ends)", uneven,
                 expected=fit_exponential(*uneven).halving_years),
        ],
        hint=["If the error halves every h years, what does ln(error) look like as a function of the year?",
              "ln(error) is then a straight line of slope −ln 2 / h: fit its slope by least squares over all the "
              "points and solve for h."])
