"""The course's plotly look, and a renderer that works in JupyterLab *and* offline HTML.

``setup_plotly()`` is called once at the top of every lecture.  It registers the
``course`` template and selects the ``plotly_mimetype+notebook`` renderer: JupyterLab
draws the mimetype bundle through the extension that ships in the plotly wheel, while
nbconvert's HTML export uses the ``notebook`` bundle, which inlines plotly.js once per
page -- so figures render with the network off (no CDN).  ``COURSE_PLOTLY_RENDERER`` in the
environment overrides the choice (``make demo`` uses ``plotly_mimetype``: voila draws the
mimetype bundle itself and needs no inlined copy of plotly.js).
"""
from __future__ import annotations

import os

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "course"
RENDERER = "plotly_mimetype+notebook"
RENDERER_ENV = "COURSE_PLOTLY_RENDERER"
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]

__all__ = ["setup_plotly", "figure", "figure_widget", "COLORS"]


def _register_template() -> None:
    if TEMPLATE in pio.templates:
        return
    pio.templates[TEMPLATE] = go.layout.Template(
        layout=dict(
            font=dict(family="Helvetica, Arial, sans-serif", size=13),
            title=dict(x=0.02, xanchor="left", font=dict(size=15)),
            colorway=COLORS,
            margin=dict(l=60, r=20, t=60, b=50),
            hovermode="closest",
            legend=dict(bgcolor="rgba(255,255,255,0.6)"),
        )
    )


def setup_plotly(renderer: str | None = RENDERER) -> None:
    """Register the course template as default and pick the offline-capable renderer."""
    _register_template()
    pio.templates.default = f"plotly_white+{TEMPLATE}"
    renderer = os.environ.get(RENDERER_ENV, renderer)
    if renderer is not None:
        pio.renderers.default = renderer


def _layout(title: str, xaxis: str, yaxis: str, **layout) -> dict:
    _register_template()
    return dict(
        template=f"plotly_white+{TEMPLATE}",
        title=title,
        xaxis_title=xaxis,
        yaxis_title=yaxis,
        **layout,
    )


def figure(title: str, xaxis: str, yaxis: str, **layout) -> go.Figure:
    """An empty static figure with a finding-style title and labelled axes (state units)."""
    return go.Figure(layout=_layout(title, xaxis, yaxis, **layout))


def figure_widget(title: str, xaxis: str, yaxis: str, **layout) -> go.FigureWidget:
    """An empty ``FigureWidget`` (for live widgets) with the course's look."""
    return go.FigureWidget(layout=_layout(title, xaxis, yaxis, **layout))
