"""`make demo LECTURE=NN`: one lecture as a clean page for a projector (voila).

The lecture runs in a fresh kernel; the page shows its text, figures, claims and live widgets,
no code cells and no solutions, in large type.  The server binds 127.0.0.1 with a random
token (printed as a URL, as ``make lab`` does) and the page fetches nothing from the network
(the course's voila template drops the lab template's CDN icon font).

Usage: ``python -m course_lib.app.demo NN [--port 8866] [--print-argv]``.
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from course_lib.app.student import strip_solutions

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent  # holds voila/templates/course
BUILD = ROOT / "build" / "demo"


def lecture_path(number: str) -> Path:
    if not (isinstance(number, str) and len(number) == 2 and number.isdigit()):
        raise ValueError(f"LECTURE: expected a two-digit lecture number like 04, got {number!r}")
    found = sorted((ROOT / "lectures").glob(f"{number}_*.py"))
    if not found:
        have = ", ".join(p.name[:2] for p in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.py")))
        raise ValueError(f"LECTURE: no lecture {number} (there are: {have})")
    return found[0]


def prepare(number: str, out: Path = BUILD) -> Path:
    """Write the lecture, without its solution cells, as ``out/NN_topic.ipynb``."""
    import jupytext
    import nbformat

    path = lecture_path(number)
    nb, _ = strip_solutions(jupytext.read(path))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{path.stem}.ipynb"
    nbformat.write(nb, target)
    return target


def voila_argv(notebook: Path, port: int, token: str) -> list[str]:
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", "--Voila.ip=127.0.0.1",
            f"--port={port}", f"--token={token}", "--template=course", "--theme=light",
            f"--Voila.root_dir={notebook.parent}"]


def voila_env() -> dict:
    paths = [str(TEMPLATES)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    return dict(os.environ, JUPYTER_PATH=os.pathsep.join(paths), COURSE_PLOTLY_RENDERER="plotly_mimetype")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lecture", help="two-digit lecture number, e.g. 04")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--print-argv", action="store_true", help="print the voila command and exit")
    args = parser.parse_args(argv)
    try:
        notebook = prepare(args.lecture)
    except ValueError as err:
        print(f"make demo: {err}", file=sys.stderr)
        return 2
    token = secrets.token_urlsafe(24)
    argv_ = voila_argv(notebook, args.port, token)
    if args.print_argv:
        print(" ".join(argv_))
        return 0
    print(f"Demo of {notebook.stem}: open http://127.0.0.1:{args.port}/?token={token}  (Ctrl-C to stop)", flush=True)
    if os.name == "posix":  # become voila: a signal that stops `make demo` stops the server (no orphan left running)
        os.execve(argv_[0], argv_, voila_env())
    return subprocess.call(argv_, env=voila_env())


if __name__ == "__main__":
    sys.exit(main())
