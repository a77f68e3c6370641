"""The course in a real browser: JupyterLab, the demo page and the static site, offline."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.conftest import OUT, ROOT, offline

LECTURES = sorted(p.name for p in (ROOT / "lectures").glob("[0-9][0-9]_*.py"))
KERNEL_IDLE = ("(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
               " return !!k && k.status === 'idle'; })()")
LAST_FIGURE = "(() => { const ps = document.querySelectorAll('.js-plotly-plot'); return ps[ps.length - 1]; })()"
TRACES_WITHOUT_DATA = (f"(() => {{ const g = {LAST_FIGURE}; return g.data.filter(t => t.x === undefined &&"
                       " t.z === undefined && t.values === undefined && t.cells === undefined).length; })()")
FIGURE_STATE = (f"(() => {{ const g = {LAST_FIGURE}; return JSON.stringify([g.data.map(t => t.y || t.z),"
                " g.layout.title && (g.layout.title.text || g.layout.title)]); })()")
SCROLL_TO_WIDGET = """(async () => { const nb = window.jupyterapp.shell.currentWidget.content; let idx = 0;
  for (let i = 0; i < nb.model.cells.length; i++) {
    if (/(^|\\n)ui\\s*$/.test(nb.model.cells.get(i).sharedModel.getSource())) idx = i; }
  nb.activeCellIndex = idx; await nb.scrollToItem(idx, 'start'); })()"""
MOVES = 12  # enough moves that one slow redraw shows in the p95 (6 hid it in the noise)


def move_slider(page, handle: str, moves: int = MOVES) -> list[float]:
    """Press arrow keys on the first slider; return each slider -> redraw time in ms."""
    times, key = [], "ArrowRight"
    for _ in range(moves * 2):
        before = page.evaluate(FIGURE_STATE)
        page.locator(handle).focus()
        t0 = time.perf_counter()
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"(b) => {FIGURE_STATE} !== b", arg=before, timeout=5000)
            times.append((time.perf_counter() - t0) * 1e3)
        except Exception:  # at the end of its range: turn round
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        if len(times) >= moves:
            break
    return times


@pytest.mark.parametrize("lecture", LECTURES)
def test_lecture_runs_in_jupyterlab_and_its_slider_redraws(lab_server, context, lecture, latencies):
    base, token = lab_server
    page = context.new_page()
    attempted = offline(page)
    page.goto(f"{base}/lab/workspaces/e2e-{lecture[:2]}/tree/{lecture}?reset&token={token}")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".noUi-handle", state="attached", timeout=180_000)
    page.wait_for_function(KERNEL_IDLE, timeout=180_000)
    page.evaluate(SCROLL_TO_WIDGET)
    page.wait_for_timeout(1000)
    assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator(".js-plotly-plot").count() > 0
    assert page.evaluate(TRACES_WITHOUT_DATA) == 0
    times = move_slider(page, ".noUi-handle:visible >> nth=0")
    page.screenshot(path=str(OUT / f"lab_{lecture[:2]}.png"))
    assert len(times) >= 2, "the widget's figure did not redraw when its slider moved"
    latencies.append({"lecture": lecture, "moves": len(times), "p50_ms": float(np.percentile(times, 50)),
                      "p95_ms": float(np.percentile(times, 95))})
    assert attempted == [], f"JupyterLab tried the network: {attempted[:3]}"
    page.close()


def test_demo_page_needs_its_token_renders_offline_and_redraws(demo_server, context):
    url = demo_server
    bare = url.split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as info:  # no token: login page or refusal, never the lecture
        body = urllib.request.urlopen(urllib.request.Request(bare), timeout=30).read().decode()
        assert "rendered_cells" not in body
        raise urllib.error.HTTPError(bare, 200, "served a login page", None, None)
    assert info.value.code in (200, 302, 401, 403)
    page = context.new_page()
    attempted = offline(page)
    page.goto(url, timeout=180_000)
    page.wait_for_selector(".noUi-handle", state="attached", timeout=180_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1500)
    assert page.locator(".jp-InputArea-editor:visible").count() == 0, "the demo shows code"
    times = move_slider(page, ".noUi-handle >> nth=0", moves=3)
    page.screenshot(path=str(OUT / "demo_04.png"))
    assert len(times) >= 1
    assert attempted == [], f"the demo page tried the network: {attempted[:3]}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from course_lib.app import site as site_mod

    out = tmp_path_factory.mktemp("html")
    site_mod.build(out, ["00", "04"])
    return out


def test_static_site_renders_figures_and_math_with_the_network_blocked(site, context):
    page = context.new_page()
    attempted = offline(page)
    page.goto((site / "claims.html").as_uri())
    assert page.locator("table.ledger tr").count() > 10
    for name in ("index.html", "04_sparse_coding_relu.html"):  # pages with LaTeX
        page.goto((site / name).as_uri())
        page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
                               "MathJax.Hub.queue.running === 0", timeout=60_000)
        assert page.locator(".MathJax, .MathJax_Display").count() > 0, f"{name}: no typeset math"
    assert page.locator(".js-plotly-plot .main-svg").count() > 0, "no plotly figure drawn"
    assert page.locator("nav.course-nav").count() == 2
    page.screenshot(path=str(OUT / "site_04.png"))
    assert attempted == [], f"the site tried the network: {attempted[:3]}"
