"""Lecture sources are stable jupytext percent files: opening and saving one in JupyterLab
(jupytext's contents manager, kernel metadata added) writes back the very same text."""
from pathlib import Path

import jupytext
import pytest

LECTURES = sorted((Path(__file__).resolve().parents[1] / "lectures").glob("[0-9][0-9]_*.py"))
SECTIONS = ["## Objectives", "claim", "## The math", "experiment", "widget", "## Exercise",
            "## What we verified", "## References"]


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_save_round_trip_is_identical(path):
    text = path.read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}  # what a kernel adds
    assert jupytext.writes(nb, fmt="py:percent") == text


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_skeleton_sections_in_order(path):
    headings = [line.lower() for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# #")]
    positions = []
    for section in SECTIONS:
        hits = [i for i, h in enumerate(headings) if section.lower() in h]
        assert hits, f"{path.name}: no heading containing {section!r}"
        positions.append(hits[0])
    assert positions == sorted(positions), f"{path.name}: sections out of order"
