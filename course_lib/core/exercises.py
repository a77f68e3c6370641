"""Self-checking exercises: specific feedback for students, a hard gate for the solution.

A lecture's exercise has three cells:

1. the student's stub, which raises ``NotImplementedError`` until filled in;
2. ``ex.check(student_fn)``: prints which property failed on which input, never a bare
   traceback; an unattempted stub prints a hint and does not fail the notebook;
3. a hidden solution cell (``tags=["solution"]``, ``source_hidden``) that ends with
   ``ex.check(solution_fn, strict=True)`` so CI proves the solution passes its checker.

Hints come in steps: ``ex.hint()`` shows the next one (first a question, then the idea --
never the line of code).  :class:`Prediction` asks for a number *before* the experiment
(predict or derive, then compute) and checks it with a stated tolerance.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

__all__ = ["Case", "Exercise", "ExerciseFailed", "Prediction"]


class ExerciseFailed(AssertionError):
    """Raised by ``Exercise.check(..., strict=True)`` when a case fails."""


@dataclass
class Case:
    """One check: call the function with ``args``; compare with ``expected`` or run ``test``.

    ``test(result) -> str | None`` returns a message describing what is wrong (or ``None``).
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    test: Callable[[Any], str | None] | None = None
    atol: float = 1e-6


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"a tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def _compare(result, case: Case) -> str | None:
    """What is wrong with ``result`` for ``case``, as a sentence (never an exception)."""
    if case.test is not None:
        try:
            return case.test(result)
        except Exception as err:  # the student's answer broke the checker: explain what came back
            return f"your function returned {_describe(result)}, which the check could not use ({err})"
    try:
        got = _to_numpy(result)
        if got.dtype.kind not in "biuf":
            raise TypeError(got.dtype)
        got = got.astype(float)
    except Exception:
        return f"expected numbers, but your function returned {_describe(result)}"
    want = _to_numpy(case.expected).astype(float)
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}"
    if not np.all(np.isfinite(got)):
        return "result contains NaN or inf"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    if err > case.atol:
        return (f"max |error| = {err:.3g} > {case.atol:g}; got {np.array2string(got, precision=4)}, "
                f"expected {np.array2string(want, precision=4)}")
    return None


def _hint_list(hint) -> list[str]:
    if hint is None or hint == "":
        return []
    if isinstance(hint, str):
        return [hint]
    if isinstance(hint, Sequence) and all(isinstance(h, str) and h for h in hint):
        return list(hint)
    raise TypeError("hint: expected a string or a sequence of non-empty strings (hints in steps)")


class _Hints:
    """Stepped hints: each call of :meth:`hint` reveals the next one."""

    hints: list[str]
    _shown: int = 0

    def hint(self) -> None:
        """Print the next hint (a question first, then the idea; never the code)."""
        if not self.hints:
            print(f"{self.title}: no hint for this one — reread the math above.")
            return
        k = min(self._shown, len(self.hints) - 1)
        self._shown = k + 1
        more = f" (.hint() again for hint {k + 2})" if k + 1 < len(self.hints) else " (last hint)"
        print(f"💡 hint {k + 1} of {len(self.hints)}: {self.hints[k]}{more if len(self.hints) > 1 else ''}")

    def _offer_hint(self) -> str:
        if not self.hints:
            return ""
        steps = f"{len(self.hints)} step{'s' if len(self.hints) > 1 else ''}"
        return f" Call .hint() on this exercise for a hint ({steps})."


class Exercise(_Hints):
    """An exercise named ``title`` with a list of :class:`Case` checks and stepped ``hint``\\s."""

    def __init__(self, title: str, cases: list[Case], hint: str | Sequence[str] = ""):
        if not cases:
            raise ValueError("cases: an exercise needs at least one case")
        self.title, self.cases, self.hints = title, list(cases), _hint_list(hint)
        self._shown = 0

    def check(self, fn: Callable, *, strict: bool = False) -> bool:
        """Run every case against ``fn``; print feedback; return True when all pass."""
        if not callable(fn):
            raise TypeError(f"fn: expected your function, got {type(fn).__name__}")
        failures = []
        for case in self.cases:
            try:
                result = fn(*case.args, **case.kwargs)
            except NotImplementedError:
                print(f"⏳ {self.title}: not attempted yet — fill in the function and rerun.{self._offer_hint()}")
                if strict:
                    raise ExerciseFailed(f"{self.title}: the function is still a stub") from None
                return False
            except Exception as err:  # a student's bug: report it, don't crash the lecture
                failures.append(f"{case.label}: raised {type(err).__name__}: {err}")
                continue
            problem = _compare(result, case)
            if problem:
                failures.append(f"{case.label}: {problem}")
        if failures:
            print(f"✘ {self.title}: {len(failures)} of {len(self.cases)} checks failed")
            for f in failures:
                print(f"   • {f}")
            if self.hints:
                print(f"  {self._offer_hint()}")
            if strict:
                raise ExerciseFailed(f"{self.title}: " + "; ".join(failures))
            return False
        print(f"✔ {self.title}: all {len(self.cases)} checks passed")
        return True


class Prediction(_Hints):
    """Predict (or derive) a number before computing it; checked against ``answer``.

    The tolerance is stated up front: ``abs_tol`` and/or ``rel_tol`` (the larger wins).
    A student's odd entry (text, ``None``, NaN, ``...``) gets a sentence, never a traceback.
    """

    def __init__(self, title: str, answer: float, *, abs_tol: float = 0.0, rel_tol: float = 0.0,
                 unit: str = "", why: str = "", hint: str | Sequence[str] = ""):
        if not (isinstance(answer, numbers.Real) and math.isfinite(answer)):
            raise ValueError(f"answer: expected a finite number, got {answer!r}")
        if abs_tol < 0 or rel_tol < 0 or abs_tol == rel_tol == 0:
            raise ValueError("abs_tol: give a tolerance > 0 (abs_tol and/or rel_tol)")
        self.title, self.answer, self.unit, self.why = title, float(answer), unit, why
        self.abs_tol, self.rel_tol, self.hints, self._shown = abs_tol, rel_tol, _hint_list(hint), 0

    @property
    def tolerance(self) -> float:
        return max(self.abs_tol, self.rel_tol * abs(self.answer))

    def check(self, value, *, strict: bool = False) -> bool:
        """Compare the student's ``value`` with the answer; print a sentence either way."""
        if value is ... or value is None:
            print(f"⏳ {self.title}: replace the ... with your number and rerun.{self._offer_hint()}")
            if strict:
                raise ExerciseFailed(f"{self.title}: no prediction entered")
            return False
        ok_type = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not ok_type or not math.isfinite(float(value)):
            print(f"✘ {self.title}: a prediction is one finite number (like 0.25), not {value!r}.")
            if strict:
                raise ExerciseFailed(f"{self.title}: not a number: {value!r}")
            return False
        err = abs(float(value) - self.answer)
        unit = f" {self.unit}" if self.unit else ""
        if err <= self.tolerance:
            print(f"✔ {self.title}: {float(value):.4g}{unit} is within {self.tolerance:.2g} of "
                  f"{self.answer:.4g}{unit}. {self.why}".rstrip())
            return True
        print(f"✘ {self.title}: {float(value):.4g}{unit} is off by {err:.3g} (tolerance {self.tolerance:.2g})."
              f"{self._offer_hint()}")
        if strict:
            raise ExerciseFailed(f"{self.title}: {value} vs {self.answer} (tolerance {self.tolerance})")
        return False
