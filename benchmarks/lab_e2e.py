"""Optional end-to-end check of `make lab` in a real browser (not part of `make test`).

Starts the course's JupyterLab (same command line as `make lab`), opens each lecture as a
notebook in headless Chromium, runs all cells, then checks: no error or stderr output, every
plotly figure rendered, the widget's traces carry their data, and a slider move redraws it.
It found two bugs that kernel-side tests cannot see (traces that lost x/y when edited before
display; NaN heatmap gaps that are not valid JSON).

Needs Debian's chromium (`apt-get install chromium`) and the playwright package in any Python
(`pip install playwright`; never run `playwright install`, which downloads a browser):

    python benchmarks/lab_e2e.py [01_perceptron_backprop.py ...]
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
VENV_PY = ROOT / ".venv" / "bin" / "python"
TOKEN = "lab-e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
KERNEL_IDLE = ("(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
               " return !!k && k.status === 'idle'; })()")
LAST_FIGURE = "(() => { const ps = document.querySelectorAll('.js-plotly-plot'); return ps[ps.length - 1]; })()"
TRACES_WITHOUT_DATA = (f"(() => {{ const g = {LAST_FIGURE}; return g.data.filter(t => t.x === undefined &&"
                       " t.z === undefined && t.values === undefined && t.cells === undefined).length; })()")
FIGURE_STATE = f"(() => JSON.stringify({LAST_FIGURE}.data.map(t => t.y || t.z)))()"
SCROLL_TO_WIDGET = """(async () => { const nb = window.jupyterapp.shell.currentWidget.content; let idx = 0;
  for (let i = 0; i < nb.model.cells.length; i++) {
    if (/(^|\\n)ui\\s*$/.test(nb.model.cells.get(i).sharedModel.getSource())) idx = i; }
  nb.activeCellIndex = idx; await nb.scrollToItem(idx, 'start'); })()"""


def start_lab(workspaces: str) -> tuple[subprocess.Popen, str]:
    """Serve a copy of the lectures: JupyterLab autosaves, and the check must not edit the repo."""
    import shutil

    copy = Path(workspaces) / "lectures"
    shutil.copytree(ROOT / "lectures", copy, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = json.loads(subprocess.run([str(VENV_PY), "-c", "import json; from course_lib.app.lab import lab_argv; "
                                      "print(json.dumps(lab_argv()))"], capture_output=True, text=True,
                                     cwd=ROOT, check=True).stdout)
    argv = [a for a in argv if not a.startswith("--ServerApp.root_dir=")]
    argv += [f"--ServerApp.root_dir={copy}", "--no-browser", f"--ServerApp.port={port}",
             f"--IdentityProvider.token={TOKEN}",
             "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={workspaces}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"PATH": f"{VENV_PY.parent}:/usr/bin:/bin", "HOME": workspaces, "OMP_NUM_THREADS": "1"})
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("jupyter lab did not start")


def check_lecture(browser, base: str, lecture: str, slot: int) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    page.goto(f"{base}/lab/workspaces/e2e{slot}/tree/{lecture}?reset&token={TOKEN}")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    opened = time.perf_counter() - t0
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".noUi-handle", state="attached", timeout=180_000)
    page.wait_for_function(KERNEL_IDLE, timeout=180_000)
    ran = time.perf_counter() - t0 - opened
    page.evaluate(SCROLL_TO_WIDGET)
    page.wait_for_timeout(1500)
    result = {
        "lecture": lecture, "open_s": round(opened, 1), "run_all_s": round(ran, 1),
        "errors": page.locator("[data-mime-type='application/vnd.jupyter.error']").count(),
        "stderr": page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count(),
        "figures": page.locator(".js-plotly-plot").count(),
        "widget_traces_without_data": page.evaluate(TRACES_WITHOUT_DATA),
        "slider_redraw_ms": None,
    }
    before = page.evaluate(FIGURE_STATE)
    handle = ".noUi-handle:visible >> nth=0"
    for key in ("ArrowRight", "ArrowLeft"):
        page.locator(handle).focus()
        t1 = time.perf_counter()
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"(b) => {FIGURE_STATE} !== b", arg=before, timeout=5000)
            result["slider_redraw_ms"] = round((time.perf_counter() - t1) * 1e3)
            break
        except Exception:  # the slider sat at that end of its range: try the other direction
            continue
    page.close()
    return result


def main(lectures: list[str]) -> int:
    lectures = lectures or sorted(p.name for p in (ROOT / "lectures").glob("[0-9][0-9]_*.py"))
    with tempfile.TemporaryDirectory() as workspaces:
        proc, base = start_lab(workspaces)
        failures = 0
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for slot, lecture in enumerate(lectures):
                    r = check_lecture(browser, base, lecture, slot)
                    ok = (r["errors"] == r["stderr"] == r["widget_traces_without_data"] == 0
                          and r["figures"] > 0 and r["slider_redraw_ms"] is not None)
                    failures += not ok
                    print(("ok   " if ok else "FAIL ") + json.dumps(r), flush=True)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
