"""`make html`: execute every lecture into ``build/html/`` -- a static site that renders offline.

* lectures are read from their jupytext source and executed with nbclient (fresh kernel);
* plotly.js is shipped **once** for the whole site (``plotly.min.js``): the copy the ``notebook``
  renderer inlines into every page is replaced by a reference to it;
* MathJax is copied from the ``jupyter-server-mathjax`` wheel next to the pages;
* widget state is not stored (a static page shows figures, not live widgets);
* every page gets previous/next navigation and one title style ("Lecture NN — Title");
* ``index.html`` has a card per lecture (title, objectives, run time, verified claims);
* ``claims.html`` is the **claims ledger**: every claim of every lecture, built from the records
  each lecture's :class:`~course_lib.core.claims.Claims` book writes while it runs
  (``COURSE_CLAIMS_OUT``), with the published figures in their own table.

Usage: ``python -m course_lib.app.site build/html [NN ...]``.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.core.claims import EXPORT_ENV

ROOT = Path(__file__).resolve().parents[2]
SITE_TITLE = "Mathematical Theories of Deep Learning"
MATHJAX_CONFIG = "?config=TeX-AMS-MML_HTMLorMML-full,Safe"  # the configs jupyter-server-mathjax ships
# That MathJax copy ships only the STIX-Web fonts: ask for them, or math falls back to local fonts.
MATHJAX_FONTS = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": {webFont: "STIX-Web", '
                 'availableFonts: [], preferredFont: null, imageFont: null}, tex2jax: {inlineMath: '
                 '[["$","$"], ["\\\\(","\\\\)"]], processEscapes: true}});</script>')
EXTERNAL_SCRIPT = re.compile(r"<script[^>]+src=[\"']https?://", re.IGNORECASE)
# Known CDN tags that the page does not need offline: nbconvert's require.js (only for widget
# managers, and we store no widget state) and plotly's per-figure MathJax 3 (the page already
# loads MathJax locally, and plotly.js itself is shipped with the site).
DROPPABLE_CDN_TAGS = re.compile(
    r"<script[^>]+src=[\"']https://cdnjs\.cloudflare\.com/ajax/libs/"
    r"(require\.js/[^\"']+|mathjax/3[^\"']+)[\"'][^>]*>\s*</script>",
    re.IGNORECASE,
)
# The copy of plotly.js that plotly's `notebook` renderer inlines once per executed notebook.
INLINE_PLOTLYJS = re.compile(r"<script[^>]*>\s*/\*\*\s*\n\* plotly\.js v[\s\S]*?</script>")
PLOTLYJS = "plotly.min.js"
TITLE_PREFIX = re.compile(r"^(lecture\s+)?(\d\d)\s*(—|-|·|:)\s*", re.IGNORECASE)
STYLE = """
body{font-family:Helvetica,Arial,sans-serif;line-height:1.55;color:#222}
.course-nav{display:flex;justify-content:space-between;gap:1em;max-width:1100px;margin:.6em auto;
 padding:.5em 1em;background:#f4f6f8;border-radius:6px;font-size:.95em}
.course-nav a{text-decoration:none}
main.site{max-width:1100px;margin:2em auto;padding:0 1em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1em}
.card{border:1px solid #ccd;border-radius:8px;padding:1em;background:#fff}
.card h2{font-size:1.15em;margin:.1em 0 .5em}.card ol,.card ul{padding-left:1.2em;font-size:.92em}
.meta{color:#555;font-size:.9em}
table.ledger{border-collapse:collapse;width:100%;font-size:.9em}
table.ledger td,table.ledger th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top}
table.ledger th{background:#f4f6f8}
"""


@dataclass
class Lecture:
    stem: str
    number: str
    title: str
    objectives: list[str] = field(default_factory=list)
    seconds: float = float("nan")
    claims: list[dict] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"{self.stem}.html"

    @property
    def full_title(self) -> str:
        return f"Lecture {self.number} — {self.title}"

    def count(self, status: str) -> int:
        return sum(c["status"] == status for c in self.claims)


def copy_mathjax(out: Path) -> str:
    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    dst = out / "mathjax"
    if not dst.exists():
        shutil.copytree(src, dst)
    return f"mathjax/MathJax.js{MATHJAX_CONFIG}"


def copy_plotlyjs(out: Path) -> Path:
    """The one copy of plotly.js the whole site loads (the same bytes the renderer would inline)."""
    from plotly.offline import get_plotlyjs

    dst = out / PLOTLYJS
    dst.write_text(get_plotlyjs(), encoding="utf-8")
    return dst


def execute(nb, cwd: Path, timeout: int = 600, env: dict | None = None):
    """Run ``nb`` in a fresh kernel (environment ``env``, default this process's) in ``cwd``."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                            store_widget_state=False)
    client.execute(env=dict(os.environ) if env is None else env)
    return nb


def export_html(nb, mathjax_url: str) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(mathjax_url=mathjax_url).from_notebook_node(nb)
    body = DROPPABLE_CDN_TAGS.sub("", body)
    body = INLINE_PLOTLYJS.sub(lambda _: f'<script src="{PLOTLYJS}"></script>', body, count=1)
    body = INLINE_PLOTLYJS.sub("", body)  # any further copy (a kernel restart) is redundant
    body = body.replace(f'<script src="{mathjax_url}"', f'{MATHJAX_FONTS}\n<script src="{mathjax_url}"', 1)
    external = EXTERNAL_SCRIPT.findall(body)
    if external:
        raise RuntimeError(f"page would load {len(external)} script(s) from the network")
    return body


def title_of(nb) -> str:
    """The lecture's first ``# `` heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def clean_title(title: str) -> str:
    """``"Lecture 04 — Sparse ..."`` or ``"02 · Conv..."`` -> the title without its number."""
    return TITLE_PREFIX.sub("", title).strip() or title


def objectives_of(nb) -> list[str]:
    """The bullets under ``## Objectives`` (continuation lines joined)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "## Objectives" not in cell.source:
            continue
        items: list[str] = []
        lines = cell.source.split("## Objectives", 1)[1].splitlines()[1:]
        for line in lines:
            if line.startswith("#"):
                break
            m = re.match(r"^\s*(\d+\.|[-*])\s+(.*)", line)
            if m:
                items.append(m.group(2).strip())
            elif line.strip() and items:
                items[-1] += " " + line.strip()
        return items
    return []


def _inline_md(text: str) -> str:
    """Escape, then render **bold** and *italic*; LaTeX is left for MathJax."""
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)


def nav_bar(lectures: list[Lecture], i: int) -> str:
    prev_ = (f'<a href="{lectures[i - 1].page}">← {html.escape(lectures[i - 1].full_title)}</a>'
             if i > 0 else "<span></span>")
    next_ = (f'<a href="{lectures[i + 1].page}">{html.escape(lectures[i + 1].full_title)} →</a>'
             if i + 1 < len(lectures) else "<span></span>")
    return (f'<nav class="course-nav">{prev_}<a href="index.html">Contents</a>'
            f'<a href="claims.html">Claims ledger</a>{next_}</nav>')


def decorate(body: str, lectures: list[Lecture], i: int) -> str:
    """One title style, the site's style sheet, and previous/next navigation above and below."""
    lec = lectures[i]
    body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(lec.full_title)} · {SITE_TITLE}</title>", body,
                  count=1, flags=re.S)
    body = body.replace("</head>", f"<style>{STYLE}</style>\n</head>", 1)
    nav = nav_bar(lectures, i)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
    return body.replace("</body>", nav + "</body>", 1)


def _page(title: str, mathjax_url: str, content: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style>{MATHJAX_FONTS}<script src='{mathjax_url}'></script></head>"
            f"<body><main class='site'>{content}</main></body></html>\n")


def index_html(lectures: list[Lecture], mathjax_url: str) -> str:
    cards = []
    for lec in lectures:
        objectives = "".join(f"<li>{_inline_md(o)}</li>" for o in lec.objectives)
        verified = lec.count("verified")
        extra = [f"{lec.count('published')} published figures"] if lec.count("published") else []
        if lec.count("not reproduced"):
            extra.append(f"{lec.count('not reproduced')} not reproduced")
        cards.append(
            f"<div class='card'><h2><a href='{lec.page}'>{html.escape(lec.full_title)}</a></h2>"
            f"<p class='meta'>runs in {lec.seconds:.0f} s · <b>{verified}</b> verified claims"
            f"{' · ' + ' · '.join(extra) if extra else ''}</p><ol>{objectives}</ol></div>")
    content = (f"<h1>{SITE_TITLE}</h1><p>An interactive course after Yuan Yao's HKUST lecture. Every claim from "
               "the slides is shown with numbers and checked; these pages are the executed lectures "
               "(run <code>make lab</code> for the live widgets). The <a href='claims.html'>claims ledger</a> "
               "lists every claim, its measured figure and its status in one table.</p>"
               f"<div class='cards'>{''.join(cards)}</div>")
    return _page(SITE_TITLE, mathjax_url, content)


def ledger_html(lectures: list[Lecture], mathjax_url: str) -> str:
    def rows(keep) -> str:
        out = []
        for lec in lectures:
            for c in lec.claims:
                if keep(c):
                    out.append(f"<tr><td><a href='{lec.page}'>{lec.number}</a></td><td>{html.escape(c['claim'])}</td>"
                               f"<td>{html.escape(c['measured'])}</td><td>{html.escape(c.get('source') or '—')}</td>"
                               f"<td>{html.escape(c['status'])}</td></tr>")
        return "".join(out)

    head = "<tr><th>lecture</th><th>claim</th><th>{}</th><th>{}</th><th>status</th></tr>"
    checked = rows(lambda c: c["status"] != "published")
    published = rows(lambda c: c["status"] == "published")
    n = sum(len(lec.claims) for lec in lectures)
    content = (f"<h1>Claims ledger</h1><p><a href='index.html'>← contents</a></p><p>{n} records from "
               f"{len(lectures)} lectures, written by each lecture's <code>Claims</code> book while it ran "
               "(never by hand). <b>verified</b>: measured here and checked against the stated tolerance; "
               "<b>not reproduced</b>: the slide's claim failed here and the lecture says so.</p>"
               f"<h2>Checked in the course</h2><table class='ledger'>{head.format('measured', 'tolerance from')}"
               f"{checked}</table><h2>Published figures (quoted, not verified here)</h2>"
               f"<table class='ledger'>{head.format('figure', 'source')}{published}</table>")
    return _page(f"Claims ledger · {SITE_TITLE}", mathjax_url, content)


def build(out: Path, only: list[str] | None = None) -> list[Path]:
    import jupytext

    from course_lib.core.progress import progress

    out.mkdir(parents=True, exist_ok=True)
    mathjax_url = copy_mathjax(out)
    copy_plotlyjs(out)
    records = out / "claims"
    shutil.rmtree(records, ignore_errors=True)
    paths = sorted((ROOT / "lectures").glob("[0-9][0-9]_*.py"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in only)]
    lectures, bodies = [], []
    for path in progress(paths, True, "executing lectures", unit="lecture"):
        lecture_records = records / path.stem
        env = dict(os.environ, **{EXPORT_ENV: str(lecture_records)})
        t0 = time.perf_counter()
        nb = execute(jupytext.read(path), path.parent, env=env)
        lec = Lecture(path.stem, path.name[:2], clean_title(title_of(nb)), objectives_of(nb),
                      time.perf_counter() - t0)
        for f in sorted(lecture_records.glob("*.json")):
            lec.claims += json.loads(f.read_text(encoding="utf-8"))["claims"]
        lectures.append(lec)
        bodies.append(export_html(nb, mathjax_url))
    pages = []
    for i, (lec, body) in enumerate(zip(lectures, bodies)):
        page = out / lec.page
        page.write_text(decorate(body, lectures, i), encoding="utf-8")
        pages.append(page)
    (out / "index.html").write_text(index_html(lectures, mathjax_url), encoding="utf-8")
    (out / "claims.html").write_text(ledger_html(lectures, mathjax_url), encoding="utf-8")
    (out / "claims.json").write_text(json.dumps([{"lecture": lec.number, "title": lec.title, "claims": lec.claims}
                                                 for lec in lectures], ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    return pages


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "html"
    built = build(target, sys.argv[2:] or None)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in built)
    print(f"built {len(built)} lecture page(s), index.html and claims.html in {target}: {sizes}")
