"""Claims from the slides, checked with numbers.

A lecture creates one :class:`Claims` book and states every claim through it::

    claims = Claims("01 Perceptron")
    claims.at_most("Perceptron mistakes obey Novikoff's bound", mistakes, bound)

Each check prints one readable line with the measured figure and raises
:class:`ClaimFailed` (an ``AssertionError``) when the claim does not hold, so the
notebook -- and therefore nbval and CI -- fails.  ``claims.table()`` renders the
"What we verified" table at the end of the lecture.

A slide claim that does *not* reproduce is recorded with :meth:`Claims.not_reproduced`:
it is shown in the table as such, with the measured figure, and never silently passed.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

__all__ = ["Claims", "ClaimFailed", "ClaimResult"]

PASS, FAIL, NOT_REPRODUCED, PUBLISHED = "verified", "FAILED", "not reproduced", "published"
_SYMBOL = {PASS: "✔", FAIL: "✘", NOT_REPRODUCED: "⚠", PUBLISHED: "📄"}


class ClaimFailed(AssertionError):
    """A claim did not hold on the measured numbers."""


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    measured: str
    status: str

    def line(self) -> str:
        kind = "published" if self.status == PUBLISHED else "measured"
        return f"{_SYMBOL[self.status]} {self.claim} — {kind}: {self.measured}"

    def _ipython_display_(self):
        """Already printed when checked: show nothing more as a cell's last value."""


def _fmt(x, fmt: str) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    try:
        return format(float(x), fmt)
    except (TypeError, ValueError):
        return str(x)


class Claims:
    """The book of checked claims of one lecture."""

    def __init__(self, lecture: str):
        self.lecture = lecture
        self.results: list[ClaimResult] = []

    # -- the primitive -------------------------------------------------------
    def check(self, claim: str, holds: bool, measured: str) -> ClaimResult:
        """Record ``claim`` with its ``measured`` figure; raise :class:`ClaimFailed` if not ``holds``."""
        if not isinstance(claim, str) or not claim:
            raise TypeError("claim: expected a non-empty string")
        result = ClaimResult(claim, str(measured), PASS if bool(holds) else FAIL)
        self.results.append(result)
        print(result.line())
        if result.status == FAIL:
            raise ClaimFailed(f"[{self.lecture}] claim does not hold: {claim} (measured: {measured})")
        return result

    # -- common comparisons ---------------------------------------------------
    def at_most(self, claim: str, value, bound, *, fmt: str = ".4g", unit: str = "") -> ClaimResult:
        ok = _finite(value) and _finite(bound) and float(value) <= float(bound)
        return self.check(claim, ok, f"{_fmt(value, fmt)}{unit} ≤ {_fmt(bound, fmt)}{unit}")

    def at_least(self, claim: str, value, bound, *, fmt: str = ".4g", unit: str = "") -> ClaimResult:
        ok = _finite(value) and _finite(bound) and float(value) >= float(bound)
        return self.check(claim, ok, f"{_fmt(value, fmt)}{unit} ≥ {_fmt(bound, fmt)}{unit}")

    def close(self, claim: str, value, target, *, atol: float, fmt: str = ".3g") -> ClaimResult:
        ok = _finite(value) and _finite(target) and abs(float(value) - float(target)) <= atol
        gap = abs(float(value) - float(target)) if ok or (_finite(value) and _finite(target)) else math.nan
        return self.check(
            claim, ok, f"{_fmt(value, fmt)} vs {_fmt(target, fmt)} (|Δ| = {gap:.2g} ≤ {atol:.2g})"
        )

    def is_true(self, claim: str, holds: bool, measured: str) -> ClaimResult:
        return self.check(claim, holds, measured)

    def not_reproduced(self, claim: str, measured: str, *, holds: bool | None = None) -> ClaimResult:
        """Record, visibly, a slide claim that our experiment did not reproduce.

        Pass the test's outcome as ``holds``: the lecture's text explains the non-reproduction,
        so if the claim starts to hold (new seeds, sizes or versions) this raises
        :class:`ClaimFailed` and the text must be revisited -- the record can fail both ways.
        """
        if holds:
            raise ClaimFailed(f"[{self.lecture}] recorded as not reproduced, but it now holds: {claim} "
                              f"(measured: {measured}); update the lecture's text and use a check")
        result = ClaimResult(claim, str(measured), NOT_REPRODUCED)
        self.results.append(result)
        print(result.line())
        return result

    def published(self, claim: str, figure: str, source: str) -> ClaimResult:
        """Record a figure quoted from a paper (never checked here, so never ✔): shown as
        ``📄 claim — published: figure (source)``."""
        for name, value in (("claim", claim), ("figure", figure), ("source", source)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name}: expected a non-empty string")
        result = ClaimResult(claim, f"{figure} ({source})", PUBLISHED)
        self.results.append(result)
        print(result.line())
        return result

    # -- reporting -----------------------------------------------------------
    @property
    def all_hold(self) -> bool:
        return all(r.status in (PASS, PUBLISHED) for r in self.results)

    def summary(self) -> str:
        return "\n".join(r.line() for r in self.results)

    def table(self):
        """The "What we verified" table, as an IPython HTML object (plain text outside Jupyter)."""
        rows = "".join(
            f"<tr><td>{i}</td><td>{html.escape(r.claim)}</td><td>{html.escape(r.measured)}</td>"
            f"<td>{_SYMBOL[r.status]} {r.status}</td></tr>"
            for i, r in enumerate(self.results, 1)
        )
        body = (
            f"<table><caption>What we verified — {html.escape(self.lecture)}</caption>"
            "<thead><tr><th>#</th><th>Claim</th><th>Measured</th><th>Status</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        try:
            from IPython.display import HTML
        except ImportError:  # pragma: no cover - IPython ships with the course
            return self.summary()
        return HTML(body)

    def __repr__(self) -> str:
        return f"Claims({self.lecture!r}, {len(self.results)} checked)"


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False
