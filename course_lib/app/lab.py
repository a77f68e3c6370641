"""`make lab`: JupyterLab on 127.0.0.1 with token auth, opening ``lectures/*.py`` as notebooks.

``python -m course_lib.app.lab --configure`` (run by ``make setup``) writes
``<venv>/share/jupyter/lab/settings/overrides.json`` -- the setting that
``jupytext-config set-default-viewer python`` would write to the user's home, plus no news
pop-ups -- so the student's own Jupyter configuration is left untouched.  ``python -m course_lib.app.lab`` starts
the server: bound to 127.0.0.1, a random token (Jupyter's default; never disabled), and
``--allow-root`` only when run as root.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"python": "Jupytext Notebook"}
    },
    # the course runs offline and in front of a class: no news or update pop-ups
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def write_overrides(prefix: Path = Path(sys.prefix)) -> Path:
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(OVERRIDES)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


def lab_argv(extra: list[str] | None = None) -> list[str]:
    """The command line of ``make lab``."""
    argv = [sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={ROOT / 'lectures'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    return argv + list(extra or [])


def main(args: list[str]) -> None:
    if args[:1] == ["--configure"]:
        print(f"JupyterLab will open .py lectures as notebooks: {write_overrides()}")
        return
    write_overrides()
    argv = lab_argv(args)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
