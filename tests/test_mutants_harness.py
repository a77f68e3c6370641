"""The `make mutants` harness itself (fast; the mutation runs are `make mutants`)."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tests import mutants
from tests.mutants import Mutant, _replace_everywhere, all_mutants
from tests.mutants.mutation_check import verdict

ROOT = Path(__file__).resolve().parents[1]


def test_swap_rebinds_every_reexport_and_nothing_else(monkeypatch):
    def original():
        return 1

    def other():
        return 3

    a, b = types.ModuleType("course_lib._fake_a"), types.ModuleType("course_lib._fake_b")
    a.f, b.g, b.h = original, original, other
    monkeypatch.setitem(sys.modules, "course_lib._fake_a", a)
    monkeypatch.setitem(sys.modules, "course_lib._fake_b", b)
    assert _replace_everywhere(original, lambda: 2) == 2
    assert a.f() == 2 and b.g() == 2 and b.h is other


def test_every_lecture_has_at_least_three_mutants_with_a_rationale_and_a_real_target():
    rows = all_mutants()
    lectures = {p.stem for p in (ROOT / "lectures").glob("[0-9][0-9]_*.py")}
    per_lecture = {lec: [m for lecture, _, m in rows if lecture == lec] for lec in lectures}
    assert {lec: len(ms) for lec, ms in per_lecture.items() if len(ms) < 3} == {}
    for _, spec, m in rows:
        assert isinstance(m, Mutant) and m.why.strip(), spec
        module, _, attr = m.target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr)), m.target
    names = [spec for _, spec, _ in rows]
    assert len(names) == len(set(names))


def test_a_mutant_applies_in_a_fresh_interpreter_through_sitecustomize():
    _, spec, m = all_mutants()[0]
    module, _, attr = m.target.partition(":")
    code = (f"import importlib; mod = importlib.import_module({module!r}); "
            f"print(getattr(mod, {attr!r}).__code__.co_filename)")
    env = dict(os.environ, COURSE_MUTANT=spec, COURSE_ROOT=str(ROOT),
               PYTHONPATH=str(ROOT / "tests" / "mutants" / "_site"))
    mutated = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    env.pop("COURSE_MUTANT")
    plain = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert mutated.returncode == 0 and plain.returncode == 0, mutated.stderr + plain.stderr
    assert "course_lib" in plain.stdout and "tests/mutants" in mutated.stdout  # the mutant's code runs


def test_verdict_tells_a_claim_failure_from_a_crash():
    ok = subprocess.CompletedProcess([], 0, "", "")
    claim = subprocess.CompletedProcess([], 1, "course_lib.core.claims.ClaimFailed: [04] ...", "")
    crash = subprocess.CompletedProcess([], 1, "ZeroDivisionError", "")
    assert (verdict(ok), verdict(claim), verdict(crash)) == ("survived", "killed", "crashed")


def test_unknown_mutant_is_named():
    with pytest.raises(KeyError, match="COURSE_MUTANT"):
        mutants.find(f"tests.mutants.{mutants.modules()[0]}:no_such_mutant")
