"""The package's shape: imports run one way, no cycles, explicit registries, old paths still work."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from benchmarks.registry import BENCHMARKS
from course_lib import MOVED
from course_lib.catalog import WIDGETS

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ("overview", "perceptron", "backprop", "sparse", "sparse_coding", "cnn", "langevin", "admm",
          "scattering", "approx", "landscape", "generalization")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("course_lib", cache_dir=None)


def test_import_linter_contracts_hold():
    """`lint-imports` reads the contracts in pyproject.toml (layers; core imports no topic)."""
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def _cycles(graph) -> list[list[str]]:
    """Every cycle of direct imports (imports inside functions count), found by depth-first search."""
    modules = sorted(graph.modules)
    found, state = [], {}

    def visit(m, stack):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph.find_modules_directly_imported_by(m)):
            if state.get(n) == "open":
                found.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack)
        stack.pop()
        state[m] = "done"

    for m in modules:
        if m not in state:
            visit(m, [])
    return found


def test_no_import_cycle_anywhere(graph):
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_planted_cycle():
    class G:  # a -> b -> c -> a
        modules = {"a", "b", "c", "d"}
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, m):
            return self.edges[m]

    assert _cycles(G()) == [["a", "b", "c", "a"]]


def test_core_imports_no_topic_even_inside_functions(graph):
    core = [m for m in graph.modules if m.startswith("course_lib.core")]
    for m in core:
        for n in graph.find_modules_directly_imported_by(m):
            assert n.startswith("course_lib.core"), f"{m} imports {n}"


def test_every_widget_in_the_catalog_resolves_and_every_lecture_with_a_widget_is_listed():
    for name in WIDGETS:
        assert callable(WIDGETS[name]), name
    lecture_prefixes = {p.name[:2] for p in (ROOT / "lectures").glob("[0-9][0-9]_*.py")}
    assert lecture_prefixes <= {name[:2] for name in WIDGETS}


def test_every_benchmark_resolves():
    for name in BENCHMARKS:
        assert callable(BENCHMARKS[name]), name


def test_registry_rejects_malformed_entries_and_names_unknown_ones():
    from course_lib.core.registry import Registry

    with pytest.raises(ValueError, match="entries"):
        Registry("widget", {"x": "no_colon"})
    with pytest.raises(KeyError, match="no widget named 'nope'"):
        WIDGETS["nope"]


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_flat_paths_still_import_the_same_module(old):
    assert importlib.import_module(old) is importlib.import_module(MOVED[old])


def test_old_flat_from_import_still_works():
    code = ("from course_lib.claims import Claims; from course_lib.validate import Diverged; "
            "import course_lib.core.claims as c; assert Claims is c.Claims; "
            "assert c.__spec__.name == 'course_lib.core.claims'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_public_topic_names_import_from_their_old_dotted_paths():
    from course_lib import admm, langevin, sparse

    assert callable(sparse.fista) and callable(admm.admm_train) and callable(langevin.sgld)
    for topic in TOPICS:
        importlib.import_module(f"course_lib.{topic}")


def test_ruff_finds_nothing():
    exe = Path(sys.executable).with_name("ruff")
    proc = subprocess.run([str(exe), "check", "--no-cache", "course_lib", "tests", "benchmarks", "lectures",
                           "conftest.py"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
