"""`make student`: a copy of the lectures without their solutions, for handing out.

Writes ``build/student/NN_topic.ipynb`` for every lecture, with every cell tagged ``solution``
removed; the stubs and the self-check cells (``ex.check(...)``, ``.hint()``) stay, so students
still get instant feedback.  Usage: ``python -m course_lib.app.student build/student``.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_TAG = "solution"


def strip_solutions(nb):
    """``nb`` without the cells tagged ``solution`` (returns the number removed)."""
    keep = [c for c in nb.cells if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])]
    removed = len(nb.cells) - len(keep)
    nb.cells = keep
    return nb, removed


def build(out: Path) -> list[tuple[Path, int]]:
    import jupytext
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.py")):
        nb, removed = strip_solutions(jupytext.read(path))
        target = out / f"{path.stem}.ipynb"
        nbformat.write(nb, target)
        written.append((target, removed))
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "student"
    for path, removed in build(target):
        print(f"{path}: {removed} solution cell(s) removed")
