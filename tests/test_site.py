"""`make html` pages load nothing from the network: plotly.js inline, MathJax local."""
import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from course_lib.app import site
from course_lib.ui.plotting import RENDERER


def site_renderers():
    return RENDERER.split("+")


def _notebook_with_figure():
    fig = go.Figure(go.Scatter(y=[1, 3, 2]))
    bundle = {}
    for name in site_renderers():
        bundle.update(pio.renderers[name].to_mimebundle(fig.to_dict()))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\nSome math $x^2$."),
                nbformat.v4.new_code_cell("fig", outputs=[nbformat.v4.new_output("display_data", data=bundle)])]
    return nb


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    return out, site.copy_mathjax(out)


def test_exported_page_has_no_network_scripts(site_dir):
    tmp_path, url = site_dir
    assert (tmp_path / "mathjax" / "MathJax.js").exists()
    body = site.export_html(_notebook_with_figure(), url)
    assert not site.EXTERNAL_SCRIPT.search(body)
    assert f'src="{url}"' in body and "STIX-Web" in body
    assert "Plotly.newPlot" in body or "plotly" in body.lower()


def test_config_named_in_url_ships_with_mathjax(site_dir):
    tmp_path, _ = site_dir
    config = site.MATHJAX_CONFIG.split("=", 1)[1].split(",")[0]
    assert (tmp_path / "mathjax" / "config" / f"{config}.js").exists()


def test_title_of():
    assert site.title_of(_notebook_with_figure()) == "Title"


def _notebook_with_inline_plotlyjs():
    from plotly.offline import get_plotlyjs

    nb = _notebook_with_figure()
    inline = f"<script>window.PlotlyConfig = {{}};</script>\n<script>{get_plotlyjs()}</script>"
    out = nbformat.v4.new_output("display_data", data={"text/html": inline})
    nb.cells.insert(1, nbformat.v4.new_code_cell("setup_plotly()", outputs=[out]))
    return nb


def test_plotlyjs_is_shipped_once_not_inlined_per_page(site_dir, tmp_path):
    _, url = site_dir
    body = site.export_html(_notebook_with_inline_plotlyjs(), url)
    assert len(body) < 1_000_000, "plotly.js is still inlined in the page"
    assert f'<script src="{site.PLOTLYJS}"></script>' in body and "Plotly.newPlot" in body
    js = site.copy_plotlyjs(tmp_path)
    assert js.stat().st_size > 1_000_000 and js.read_text()[:40].find("plotly.js v") > 0


def _lectures():
    claims = [{"claim": "bound holds", "measured": "3 ≤ 10", "status": "verified", "source": "Novikoff 1962"},
              {"claim": "ResNet top-5", "measured": "3.57 % (He et al.)", "status": "published", "source": "He"},
              {"claim": "transfer helps", "measured": "-0.005", "status": "not reproduced", "source": ""}]
    return [site.Lecture("00_overview", "00", "Overview", ["See **numbers** with $x^2$"], 3.2, claims[:2]),
            site.Lecture("01_perceptron", "01", "The perceptron", ["Run it"], 5.0, claims[2:])]


def test_titles_objectives_and_navigation():
    assert site.clean_title("Lecture 04 — Sparse codes") == "Sparse codes"
    assert site.clean_title("02 · Convolutional networks") == "Convolutional networks"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T\n\n## Objectives\n1. First **bold**\n   continued.\n"
                                              "2. Second\n\n# %%")]
    assert site.objectives_of(nb) == ["First **bold** continued.", "Second"]
    lectures = _lectures()
    page = site.decorate("<html><head><title>x</title></head><body>B</body></html>", lectures, 0)
    assert "<title>Lecture 00 — Overview" in page and page.count('href="01_perceptron.html"') == 2
    assert 'href="claims.html"' in page and "←" not in page.split("B")[0]


def test_index_cards_and_claims_ledger(site_dir):
    _, url = site_dir
    index = site.index_html(_lectures(), url)
    assert index.count("class='card'") == 2 and "<b>1</b> verified claims" in index
    assert "1 published figures" in index and "runs in 3 s" in index and "<b>numbers</b>" in index
    ledger = site.ledger_html(_lectures(), url)
    checked, published = ledger.split("Published figures")
    assert "bound holds" in checked and "Novikoff 1962" in checked and "transfer helps" in checked
    assert "ResNet top-5" in published and "ResNet top-5" not in checked
    assert not site.EXTERNAL_SCRIPT.search(index + ledger)
