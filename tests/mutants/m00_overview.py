"""Mutants of lecture 00: plausible mistakes in the computations made from the published record."""
from __future__ import annotations

import dataclasses
import math

from tests.mutants import Mutant

LECTURE = "00_overview"


def _log10_fit(fit_exponential):
    """Fits log10(error) and reads the slope as a natural-log rate: ln e' = log10 e for e' = e^(1/ln 10)."""
    def fit(years, errors, *args, **kwargs):
        return fit_exponential(years, [e ** (1 / math.log(10)) for e in errors], *args, **kwargs)
    return fit


def _flipped_rate(fit_exponential):
    """The slope with the wrong sign (x = year0 − year), the intercept left as it was."""
    def fit(*args, **kwargs):
        r = fit_exponential(*args, **kwargs)
        return dataclasses.replace(r, rate=-r.rate, rate_ci=(-r.rate_ci[1], -r.rate_ci[0]))
    return fit


MUTANTS = [
    Mutant("fit_log10", "course_lib.overview:fit_exponential", _log10_fit,
           "log in the wrong base: np.log10 in the fit, math.exp to read the rate back"),
    Mutant("fit_sign_flipped", "course_lib.overview:fit_exponential", _flipped_rate,
           "sign error in the fitted rate (slope of ln e against year0 − year)"),
    Mutant("first_year_off_by_one", "course_lib.overview:first_year_below",
           lambda f: lambda *a, **k: f(*a, **k) + 1,
           "off-by-one year: reports the year after the first winner below the level (zip(years[1:], errors))"),
    Mutant("rank_errors_descending", "course_lib.overview:rank_correlation",
           lambda f: lambda x, y, *a, **k: f(x, [-v for v in y], *a, **k),
           "ranks the errors best-first (descending), which flips the sign of Spearman's rho"),
]
