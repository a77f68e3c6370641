"""`make html`: execute every lecture into ``build/html/`` — a static site that renders offline.

* lectures are read from their jupytext source and executed with nbclient (fresh kernel);
* plotly figures carry plotly.js inline (the ``notebook`` renderer, see ``plotting.py``);
* MathJax is copied from the ``jupyter-server-mathjax`` wheel next to the pages;
* widget state is not stored (a static page shows figures, not live widgets).

Usage: ``python -m course_lib.app.site build/html [NN ...]``.
"""
from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MATHJAX_CONFIG = "?config=TeX-AMS-MML_HTMLorMML-full,Safe"  # the configs jupyter-server-mathjax ships
# That MathJax copy ships only the STIX-Web fonts: ask for them, or math falls back to local fonts.
MATHJAX_FONTS = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": {webFont: "STIX-Web", '
                 'availableFonts: [], preferredFont: null, imageFont: null}});</script>')
EXTERNAL_SCRIPT = re.compile(r"<script[^>]+src=[\"']https?://", re.IGNORECASE)
# Known CDN tags that the page does not need offline: nbconvert's require.js (only for widget
# managers, and we store no widget state) and plotly's per-figure MathJax 3 (the page already
# loads MathJax locally, and plotly.js itself is inlined).
DROPPABLE_CDN_TAGS = re.compile(
    r"<script[^>]+src=[\"']https://cdnjs\.cloudflare\.com/ajax/libs/"
    r"(require\.js/[^\"']+|mathjax/3[^\"']+)[\"'][^>]*>\s*</script>",
    re.IGNORECASE,
)


def copy_mathjax(out: Path) -> str:
    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    dst = out / "mathjax"
    if not dst.exists():
        shutil.copytree(src, dst)
    return f"mathjax/MathJax.js{MATHJAX_CONFIG}"


def execute(nb, cwd: Path, timeout: int = 600):
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                            store_widget_state=False)
    client.execute()
    return nb


def export_html(nb, mathjax_url: str) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(mathjax_url=mathjax_url).from_notebook_node(nb)
    body = DROPPABLE_CDN_TAGS.sub("", body)
    body = body.replace(f'<script src="{mathjax_url}"', f'{MATHJAX_FONTS}\n<script src="{mathjax_url}"', 1)
    external = EXTERNAL_SCRIPT.findall(body)
    if external:
        raise RuntimeError(f"page would load {len(external)} script(s) from the network")
    return body


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def build(out: Path, only: list[str] | None = None) -> list[Path]:
    import jupytext
    from tqdm.auto import tqdm

    out.mkdir(parents=True, exist_ok=True)
    mathjax_url = copy_mathjax(out)
    lectures = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.py"))
    if only:
        lectures = [p for p in lectures if any(p.name.startswith(o) for o in only)]
    entries, pages = [], []
    for path in tqdm(lectures, desc="executing lectures"):
        nb = execute(jupytext.read(path), path.parent)
        page = out / f"{path.stem}.html"
        page.write_text(export_html(nb, mathjax_url), encoding="utf-8")
        entries.append((page.name, title_of(nb)))
        pages.append(page)
    items = "\n".join(f'<li><a href="{html.escape(p)}">{html.escape(t)}</a></li>' for p, t in entries)
    (out / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Mathematical Theories of Deep Learning</title>"
        "<style>body{font-family:Helvetica,Arial,sans-serif;max-width:50em;margin:3em auto;line-height:1.6}</style>"
        "</head><body><h1>Mathematical Theories of Deep Learning</h1>"
        "<p>An interactive course after Yuan Yao's HKUST lecture. These pages are executed lectures; "
        "run <code>make lab</code> for the live widgets.</p>"
        f"<ol start='0'>{items}</ol></body></html>\n",
        encoding="utf-8",
    )
    return pages


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "html"
    built = build(target, sys.argv[2:] or None)
    print(f"built {len(built)} lecture page(s) and index.html in {target}")
