"""Run every lecture (``lectures/NN_topic.py``, jupytext percent) as an nbval test.

nbval only collects ``.ipynb``; this collector reads the ``.py`` source with jupytext
and hands nbval the notebook, so no ``.ipynb`` is ever written or committed.  Failures
read ``lectures/NN_topic.py::Cell k``.  At the end, the session fails if a lecture that
exists was not run (e.g. a typo in a file name or a collection error).
"""
from __future__ import annotations

import re
from pathlib import Path
from pprint import pformat

import jupytext
import pytest
from nbval import kernel as nbval_kernel
from nbval import plugin as nbval_plugin

ROOT = Path(__file__).parent
LECTURES = ROOT / "lectures"
LECTURE_RE = re.compile(r"^\d\d_[a-z0-9_]+\.py$")


def lecture_files() -> list[Path]:
    """Every file that looks like a lecture -- including misnamed ones, which then fail the run."""
    return sorted(LECTURES.glob("[0-9][0-9]*.py"))


class _LazyPformat:
    """nbval pretty-prints every kernel message for a debug log line even when debug logging is
    off (~1 s per lecture on the multi-MB plotly messages); format only if the line is emitted."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __str__(self):
        return pformat(self.obj)


nbval_kernel.pformat = _LazyPformat


class _JupytextReader:
    """Stands in for ``nbformat`` inside nbval's ``collect`` (it only calls ``read``)."""

    @staticmethod
    def read(path, as_version=4):
        return jupytext.read(path, fmt="py:percent")


class JupytextNotebook(nbval_plugin.IPyNbFile):
    def collect(self):
        original = nbval_plugin.nbformat
        nbval_plugin.nbformat = _JupytextReader
        try:
            items = list(super().collect())
        finally:
            nbval_plugin.nbformat = original
        yield from items


class _NotATestModule(pytest.File):
    """A lecture named on the command line is a notebook for nbval, never a Python test module."""

    def collect(self):
        return []


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent):
    # pytest imports any .py file given explicitly on the command line; for a lecture that
    # would run every cell a second time in the pytest process.
    if module_path.parent == LECTURES:
        return _NotATestModule.from_parent(parent, path=module_path)
    return None


def pytest_collect_file(file_path: Path, parent):
    opt = parent.config.option
    if (opt.nbval or opt.nbval_lax) and file_path.parent == LECTURES and LECTURE_RE.match(file_path.name):
        return JupytextNotebook.from_parent(parent, path=file_path)
    return None


# -- every lecture must have run ------------------------------------------------
_ran: set[str] = set()


def pytest_runtest_logreport(report):
    if report.when == "call" and report.nodeid.startswith("lectures/"):
        _ran.add(report.nodeid.split("::")[0])


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if not (config.option.nbval or config.option.nbval_lax) or config.option.collectonly:
        return
    if hasattr(config, "workerinput"):  # xdist worker: the controller does the check
        return
    asked = [Path(a.split("::")[0]).resolve() for a in config.args]
    if not any(a == LECTURES.resolve() or a == ROOT.resolve() for a in asked):
        return  # a partial run (one lecture, or unit tests only)
    missing = [str(p.relative_to(ROOT)) for p in lecture_files() if str(p.relative_to(ROOT)) not in _ran]
    if missing:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"ERROR: lectures that nbval did not run: {', '.join(missing)} "
                                f"(a lecture is lectures/NN_lowercase_name.py)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
