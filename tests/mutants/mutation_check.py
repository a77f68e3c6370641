"""`make mutants`: every lecture must fail on a claim under each of its mutants.

Not collected by `make test` (the file name does not match ``test_*.py``); run explicitly.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mutants import all_mutants

ROOT = Path(__file__).resolve().parents[2]
ROWS = all_mutants()


def run_lecture(lecture: str, spec: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               COURSE_ROOT=str(ROOT), PYTHONPATH=str(ROOT / "tests" / "mutants" / "_site"))
    if spec:
        env["COURSE_MUTANT"] = spec
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:xdist",
           "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=300", f"lectures/{lecture}.py"]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def verdict(proc: subprocess.CompletedProcess) -> str:
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return "survived"
    return "killed" if "ClaimFailed" in out else "crashed"


@pytest.mark.parametrize("lecture, spec, mutant", ROWS, ids=[spec.split(".")[-1] for _, spec, _ in ROWS])
def test_mutant_is_killed_by_a_claim(lecture, spec, mutant, record_property):
    proc = run_lecture(lecture, spec)
    outcome = verdict(proc)
    record_property("mutant_row", (lecture[:2], mutant.name, outcome, mutant.why))
    tail = (proc.stdout + proc.stderr)[-3000:]
    assert outcome == "killed", f"{mutant.name} ({mutant.why}) {outcome}:\n{tail}"
