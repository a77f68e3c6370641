"""Self-checking exercises: specific feedback for students, a hard gate for the solution.

A lecture's exercise has three cells:

1. the student's stub, which raises ``NotImplementedError`` until filled in;
2. ``ex.check(student_fn)``: prints which property failed on which input, never a bare
   traceback; an unattempted stub prints a hint and does not fail the notebook;
3. a hidden solution cell (``tags=["solution"]``, ``source_hidden``) that ends with
   ``ex.check(solution_fn, strict=True)`` so CI proves the solution passes its checker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

__all__ = ["Case", "Exercise", "ExerciseFailed"]


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


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _compare(result, case: Case) -> str | None:
    if case.test is not None:
        return case.test(result)
    got, want = _to_numpy(result), _to_numpy(case.expected)
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}"
    if not np.all(np.isfinite(got)):
        return "result contains NaN or inf"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    if err > case.atol:
        return (f"max |error| = {err:.3g} > {case.atol:g}; got {np.array2string(got, precision=4)}, "
                f"expected {np.array2string(want, precision=4)}")
    return None


class Exercise:
    """An exercise named ``title`` with a list of :class:`Case` checks and a ``hint``."""

    def __init__(self, title: str, cases: list[Case], hint: str = ""):
        if not cases:
            raise ValueError("cases: an exercise needs at least one case")
        self.title, self.cases, self.hint = title, list(cases), hint

    def check(self, fn: Callable, *, strict: bool = False) -> bool:
        """Run every case against ``fn``; print feedback; return True when all pass."""
        if not callable(fn):
            raise TypeError(f"fn: expected your function, got {type(fn).__name__}")
        failures = []
        for case in self.cases:
            try:
                result = fn(*case.args, **case.kwargs)
            except NotImplementedError:
                print(f"⏳ {self.title}: not attempted yet — fill in the function and rerun. {self.hint}")
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
            if self.hint:
                print(f"   hint: {self.hint}")
            if strict:
                raise ExerciseFailed(f"{self.title}: " + "; ".join(failures))
            return False
        print(f"✔ {self.title}: all {len(self.cases)} checks passed")
        return True
