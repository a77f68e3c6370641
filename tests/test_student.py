"""`make student`: solutions removed, feedback kept, and nothing after a solution needs it."""
from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

from course_lib.app import student

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.py"))


def _is_solution(cell) -> bool:
    return student.SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def _code(cell) -> str:
    # drop IPython magics / shell lines so ast can parse the cell
    return "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_student_copy_still_runs_without_the_solutions(path):
    nb = jupytext.read(path)
    defined: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_code(cell))
        if _is_solution(cell):
            defined |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            defined |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            continue
        own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert not (used & defined) - own, f"a later cell uses {sorted((used & defined) - own)} from a solution cell"


def test_build_removes_solution_cells_and_keeps_the_checks(tmp_path):
    written = student.build(tmp_path)
    assert len(written) == len(LECTURES)
    for path, removed in written:
        nb = jupytext.read(path)
        assert removed >= 1, f"{path.name}: no solution cell to remove"
        assert not any(_is_solution(c) for c in nb.cells)
        assert any(".check(" in c.source for c in nb.cells if c.cell_type == "code"), path.name
