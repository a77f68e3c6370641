"""Claims from the slides, checked with numbers.

A lecture creates one :class:`Claims` book and states every claim through it::

    claims = Claims("01 Perceptron")
    claims.at_most("Perceptron mistakes obey Novikoff's bound", mistakes, bound)

Each check prints one readable line with the measured figure and raises
:class:`ClaimFailed` (an ``AssertionError``) when the claim does not hold, so the
notebook -- and therefore nbval and CI -- fails.  ``claims.table()`` renders the
"What we verified" table at the end of the lecture.

Every check takes an optional ``source=``: where its tolerance or bound comes from ("Novikoff
1962", "exact binomial, α = 0.05").  With ``COURSE_CLAIMS_OUT=<dir>`` in the environment each
book also writes ``<dir>/<lecture>.json`` as it goes -- ``make html`` builds the course's claims
ledger from these records, never from hand-written text.

A slide claim that does *not* reproduce is recorded with :meth:`Claims.not_reproduced`:
it is shown in the table as such, with the measured figure, and never silently passed.
"""
from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["Claims", "ClaimFailed", "ClaimResult", "EXPORT_ENV"]

EXPORT_ENV = "COURSE_CLAIMS_OUT"

PASS, FAIL, NOT_REPRODUCED, PUBLISHED = "verified", "FAILED", "not reproduced", "published"
_SYMBOL = {PASS: "✔", FAIL: "✘", NOT_REPRODUCED: "⚠", PUBLISHED: "📄"}


class ClaimFailed(AssertionError):
    """A claim did not hold on the measured numbers."""


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    measured: str
    status: str
    source: str = ""  # where the tolerance, bound or published figure comes from

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
        if not isinstance(lecture, str) or not lecture:
            raise TypeError("lecture: expected a non-empty string, e.g. '04 Sparse coding'")
        self.lecture = lecture
        self.results: list[ClaimResult] = []
        out = os.environ.get(EXPORT_ENV)
        slug = re.sub(r"[^a-z0-9]+", "_", lecture.lower()).strip("_")
        self._export = Path(out) / f"{slug}.json" if out else None

    def _record(self, result: ClaimResult) -> ClaimResult:
        self.results.append(result)
        print(result.line())
        if self._export is not None:
            self._export.parent.mkdir(parents=True, exist_ok=True)
            records = {"lecture": self.lecture, "claims": [asdict(r) for r in self.results]}
            self._export.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
        return result

    # -- the primitive -------------------------------------------------------
    def check(self, claim: str, holds: bool, measured: str, *, source: str = "") -> ClaimResult:
        """Record ``claim`` with its ``measured`` figure; raise :class:`ClaimFailed` if not ``holds``."""
        if not isinstance(claim, str) or not claim:
            raise TypeError("claim: expected a non-empty string")
        if not isinstance(source, str):
            raise TypeError("source: expected a string (where the tolerance comes from)")
        holds = _verdict(holds)
        result = self._record(ClaimResult(claim, str(measured), PASS if holds else FAIL, source))
        if result.status == FAIL:
            raise ClaimFailed(f"[{self.lecture}] claim does not hold: {claim} (measured: {measured})")
        return result

    # -- common comparisons ---------------------------------------------------
    def at_most(self, claim: str, value, bound, *, fmt: str = ".4g", unit: str = "", source: str = "") -> ClaimResult:
        ok = _finite(value) and _finite(bound) and float(value) <= float(bound)
        return self.check(claim, ok, f"{_fmt(value, fmt)}{unit} ≤ {_fmt(bound, fmt)}{unit}", source=source)

    def at_least(self, claim: str, value, bound, *, fmt: str = ".4g", unit: str = "", source: str = "") -> ClaimResult:
        ok = _finite(value) and _finite(bound) and float(value) >= float(bound)
        return self.check(claim, ok, f"{_fmt(value, fmt)}{unit} ≥ {_fmt(bound, fmt)}{unit}", source=source)

    def close(self, claim: str, value, target, *, atol: float, fmt: str = ".3g", source: str = "") -> ClaimResult:
        if isinstance(atol, bool) or not _finite(atol) or float(atol) < 0:
            raise ValueError(f"atol: a tolerance must be a finite number >= 0, got {atol!r}")
        ok = _finite(value) and _finite(target) and abs(float(value) - float(target)) <= atol
        gap = abs(float(value) - float(target)) if ok or (_finite(value) and _finite(target)) else math.nan
        return self.check(
            claim, ok, f"{_fmt(value, fmt)} vs {_fmt(target, fmt)} (|Δ| = {gap:.2g} ≤ {atol:.2g})", source=source
        )

    def is_true(self, claim: str, holds: bool, measured: str, *, source: str = "") -> ClaimResult:
        return self.check(claim, holds, measured, source=source)

    def not_reproduced(self, claim: str, measured: str, *, holds: bool | None = None) -> ClaimResult:
        """Record, visibly, a slide claim that our experiment did not reproduce.

        Pass the test's outcome as ``holds``: the lecture's text explains the non-reproduction,
        so if the claim starts to hold (new seeds, sizes or versions) this raises
        :class:`ClaimFailed` and the text must be revisited -- the record can fail both ways.
        """
        if holds:
            raise ClaimFailed(f"[{self.lecture}] recorded as not reproduced, but it now holds: {claim} "
                              f"(measured: {measured}); update the lecture's text and use a check")
        return self._record(ClaimResult(claim, str(measured), NOT_REPRODUCED))

    def published(self, claim: str, figure: str, source: str) -> ClaimResult:
        """Record a figure quoted from a paper (never checked here, so never ✔): shown as
        ``📄 claim — published: figure (source)``."""
        for name, value in (("claim", claim), ("figure", figure), ("source", source)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name}: expected a non-empty string")
        return self._record(ClaimResult(claim, f"{figure} ({source})", PUBLISHED, source))

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


def _verdict(holds) -> bool:
    """A claim's verdict must be a real bool (a string "False" or a NaN is not a verdict)."""
    if isinstance(holds, (bool, np.bool_)):
        return bool(holds)
    if isinstance(holds, torch.Tensor) and holds.dtype == torch.bool and holds.numel() == 1:
        return bool(holds)
    raise TypeError(f"holds: expected True or False (a comparison's result), got {type(holds).__name__} {holds!r}")


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False
