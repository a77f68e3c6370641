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
