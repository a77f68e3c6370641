"""Mutation tests of the lectures' claims (`make mutants`).

A *mutant* swaps one kernel a lecture's claims rest on for a plausible wrong version (a
constant off by 2, the wrong noise scale, an untrained model, a crippled baseline, a
transition moved by a few units).  ``make mutants`` runs each lecture once per mutant, in a
fresh kernel with the mutant applied, and requires the lecture to **fail on a claim**
(``ClaimFailed``), not on a crash: a lecture that still passes, or that dies of another
error, lets the mutant *survive*.

Each ``tests/mutants/mNN_<topic>.py`` lists ``LECTURE`` and ``MUTANTS``; every mutant carries
one line of rationale.  The mechanism: ``COURSE_MUTANT=tests.mutants.mNN_x:name`` and
``PYTHONPATH=tests/mutants/_site`` make the kernel's interpreter run
``tests/mutants/_site/sitecustomize.py`` at start-up, which calls :func:`apply` before the
lecture imports anything.
"""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Callable

__all__ = ["Mutant", "apply", "all_mutants"]

def modules() -> list[str]:
    """The mutant modules, ``mNN_<topic>`` (one per lecture), in lecture order."""
    from pathlib import Path

    return sorted(p.stem for p in Path(__file__).parent.glob("m[0-9][0-9]_*.py"))


@dataclass(frozen=True)
class Mutant:
    name: str
    target: str                      # "course_lib.package.module:function"
    make: Callable[[Callable], Callable]   # original -> the wrong version
    why: str                         # one line: the plausible mistake it stands for


def _replace_everywhere(original, replacement) -> int:
    """Rebind every ``course_lib`` module attribute that *is* ``original`` (re-exports included)."""
    count = 0
    for name, module in list(sys.modules.items()):
        if not (name == "course_lib" or name.startswith("course_lib.")) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, replacement)
                count += 1
    return count


def find(spec: str) -> Mutant:
    """``"tests.mutants.m04_sparse:name"`` -> the :class:`Mutant`."""
    module, _, name = spec.partition(":")
    for m in importlib.import_module(module).MUTANTS:
        if m.name == name:
            return m
    raise KeyError(f"COURSE_MUTANT: no mutant {name!r} in {module}")


def apply(spec: str) -> Mutant:
    mutant = find(spec)
    module, _, attr = mutant.target.partition(":")
    mod = importlib.import_module(module)
    original = getattr(mod, attr)
    replacement = mutant.make(original)
    if _replace_everywhere(original, replacement) == 0:  # pragma: no cover - a typo in a target
        raise RuntimeError(f"mutant {mutant.name}: {mutant.target} was not found in any course_lib module")
    return mutant


def all_mutants() -> list[tuple[str, str, Mutant]]:
    """(lecture file stem, "module:name" spec, mutant) for every mutant of every lecture."""
    rows = []
    for short in modules():
        module = importlib.import_module(f"tests.mutants.{short}")
        for m in module.MUTANTS:
            rows.append((module.LECTURE, f"tests.mutants.{short}:{m.name}", m))
    return rows
