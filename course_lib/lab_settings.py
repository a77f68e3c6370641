"""Make JupyterLab (inside this virtual environment only) open ``lectures/*.py`` as notebooks.

Writes ``<venv>/share/jupyter/lab/settings/overrides.json`` -- the same setting that
``jupytext-config set-default-viewer python`` writes to the user's home -- so a student's
global Jupyter configuration is left untouched.  Run by ``make setup``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"python": "Jupytext Notebook"}
    }
}


def write_overrides(prefix: Path = Path(sys.prefix)) -> Path:
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(OVERRIDES)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


if __name__ == "__main__":
    print(f"JupyterLab will open .py lectures as notebooks: {write_overrides()}")
