"""What the reader of lecture 08 sees: its figures and the live mode-connectivity widget.

Thin builders over data the experiments already computed: each ``*_figure`` takes arrays and
returns a plotly figure; :func:`build_landscape_widget` indexes the precomputed profiles of
:func:`~course_lib.landscape.experiments.mode_connectivity` and
:func:`~course_lib.landscape.experiments.symmetry_profiles` on every control move.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from course_lib.core.validate import as_tensor, check_in_range, check_int, check_memory, check_positive
from course_lib.landscape.experiments import (
    SYMMETRIES,
    ModeConnectivity,
    mode_connectivity,
    symmetry_profiles,
)
from course_lib.landscape.kernels import path_barrier
from course_lib.ui.plotting import COLORS, figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "symmetry_figure",
    "deep_linear_figure",
    "toy_landscape_figure",
    "toy_profiles_figure",
    "profiles_figure",
    "barrier_width_figure",
    "loss_plane_figure",
    "build_landscape_widget",
]

FLOOR = 1e-4  # barriers below this are drawn at this height on log axes ("no barrier")


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _values(x, name: str, **checks) -> np.ndarray:
    """``x`` as a float64 NumPy array for plotting, checked by ``as_tensor`` (real, non-empty, finite unless
    ``finite=False``); a tensor that requires grad is read as its values."""
    return as_tensor(x, name, dtype=torch.float64, **checks).detach().cpu().numpy()


def _result(d, name: str, keys, producer: str) -> dict:
    if not isinstance(d, dict) or not set(keys) <= set(d):
        raise TypeError(f"{name}: expected the dict returned by {producer}")
    return d


# ---------------------------------------------------------------------------------------
# the lecture's figures
# ---------------------------------------------------------------------------------------
def symmetry_figure(gaps: dict) -> go.Figure:
    """Bars of |F(gθ) − F(θ)| / F(θ) (log scale) for the transformations of ``symmetry_gaps``."""
    keys = ("loss", "loss_linear", "linear_GL", "relu_permutation", "relu_positive_scaling", "relu_negative_scaling",
            "relu_rotation")
    gaps = _result(gaps, "gaps", keys, "symmetry_gaps")
    gaps = {k: float(_values(gaps[k], f"gaps[{k!r}]", shape=())) for k in keys}
    if gaps["loss"] <= 0 or gaps["loss_linear"] <= 0:
        raise ValueError("gaps: the reference losses must be > 0 (relative changes)")
    rows = [("linear net: U W₁, W₂ U⁻¹", gaps["linear_GL"] / gaps["loss_linear"]),
            ("relu net: permute units", gaps["relu_permutation"] / gaps["loss"]),
            ("relu net: rescale units by s > 0", gaps["relu_positive_scaling"] / gaps["loss"]),
            ("relu net: rescale by s < 0", gaps["relu_negative_scaling"] / gaps["loss"]),
            ("relu net: rotate units", gaps["relu_rotation"] / gaps["loss"])]
    fig = figure("Symmetries change the loss only by rounding; other moves change it by O(1)",
                 "relative change of the loss |F(gθ) − F(θ)| / F(θ)", "", xaxis_type="log", height=320)
    vals = [max(v, 1e-17) for _, v in rows]
    fig.add_bar(y=[r[0] for r in rows], x=vals, orientation="h",
                marker_color=[COLORS[2]] * 3 + [COLORS[1]] * 2, showlegend=False)
    fig.add_vline(x=np.finfo(float).eps, line_dash="dot", annotation_text="machine ε")
    fig.update_layout(margin=dict(l=230))
    return fig


def deep_linear_figure(runs: list) -> go.Figure:
    """Gradient descent on deep linear networks: loss minus the closed-form minimum, every start."""
    if isinstance(runs, (str, bytes, dict)) or not isinstance(runs, (list, tuple)) or not runs:
        raise TypeError("runs: expected the list returned by deep_linear_runs")
    for r in runs:
        _result(r, "runs", ("history", "min_loss", "widths"), "deep_linear_runs")
    fig = figure("Every random start descends to the closed-form global minimum", "gradient-descent step",
                 "loss − closed-form minimum (log; rounding floor 1e-13)", yaxis_type="log", height=380)
    for r, col in zip(runs, COLORS):
        gap = np.maximum(_values(r["history"].loss, "runs", ndim=2) - float(r["min_loss"]), 1e-13)
        depth = len(r["widths"]) + 1
        for j in range(gap.shape[1]):
            fig.add_scatter(y=gap[:, j], mode="lines", line=dict(color=col, width=1), opacity=0.6,
                            name=f"depth {depth}, widths {r['widths']}", showlegend=j == 0,
                            legendgroup=str(r["widths"]))
    return fig


def toy_landscape_figure(paths: dict, extent: float = 1.6, n_grid: int = 161) -> go.Figure:
    """Left: ½(aw − 1)² over the (a, w) plane of the width-1 net, with its two solution branches, the
    segment and the trained Bezier curve. Right: the width-2 net on the slice a = w = (u, v)."""
    if not isinstance(paths, dict) or 1 not in paths or not isinstance(paths[1], dict) or "curve" not in paths[1]:
        raise TypeError("paths: expected the dict returned by toy_paths")
    extent = check_in_range(extent, "extent", 0.0, 1e3, closed=False)
    n_grid = check_int(n_grid, "n_grid", min_value=2)
    check_memory(6 * n_grid * n_grid, "n_grid", what="the contour grids")
    g = np.linspace(-extent, extent, n_grid)
    A, B = np.meshgrid(g, g, indexing="xy")
    z1 = 0.5 * (A * B - 1) ** 2
    z2 = 0.5 * (A ** 2 + B ** 2 - 1) ** 2
    fig = make_subplots(1, 2, subplot_titles=("width 1: two valleys, a wall of height ½ between them",
                                              "width 2, slice a = w = (u, v): one ring of solutions"))
    levels = dict(start=0.0, end=1.0, size=0.05)
    for col, z in ((1, z1), (2, z2)):
        fig.add_contour(x=g, y=g, z=np.minimum(z, 1.0), contours=levels, colorscale="Viridis", showscale=col == 2,
                        colorbar=dict(title="loss"), row=1, col=col, name="loss")
    one = paths[1]
    curve = _values(one["curve"], "paths", shape=(None, 2))
    fig.add_scatter(x=curve[:, 0], y=curve[:, 1], mode="lines", line=dict(color=COLORS[1], width=5),
                    name="trained Bezier (width 1)", row=1, col=1)
    fig.add_scatter(x=[1, -1], y=[1, -1], mode="lines", line=dict(color="black", dash="dot", width=2),
                    name="segment", row=1, col=1)
    s = np.linspace(0, np.pi, 100)
    fig.add_scatter(x=np.cos(s), y=np.sin(s), mode="lines", line=dict(color=COLORS[3], width=3),
                    name="rotation path (loss 0)", row=1, col=2)
    for col, (x, y) in ((1, ([1, -1], [1, -1])), (2, ([1, -1], [0, 0]))):
        fig.add_scatter(x=x, y=y, mode="markers", marker=dict(color="white", size=10, line=dict(width=2)),
                        name="solutions A, B", showlegend=col == 1, row=1, col=col)
    fig.update_xaxes(title_text="a (output weight)", row=1, col=1)
    fig.update_yaxes(title_text="w (input weight)", row=1, col=1)
    fig.update_xaxes(title_text="u = a₁ = w₁", row=1, col=2)
    fig.update_yaxes(title_text="v = a₂ = w₂", row=1, col=2)
    fig.update_layout(title="Width 1 splits the solutions into two components; width 2 joins them",
                      template="plotly_white+course", height=430, legend=dict(orientation="h", y=-0.2))
    return fig


def toy_profiles_figure(paths: dict) -> go.Figure:
    """Loss along the paths of :func:`~course_lib.landscape.experiments.toy_paths`."""
    if not isinstance(paths, dict) or not {"t", 1, 2} <= set(paths) or "rotation" not in paths.get(2, {}):
        raise TypeError("paths: expected the dict returned by toy_paths")
    t = _values(paths["t"], "paths", ndim=1)
    fig = figure("Every path of the width-1 net climbs to ½; width 2 has a path at loss 0",
                 "position along the path t", "loss ½(a·w − 1)²", height=360)
    fig.add_scatter(x=t, y=_np(paths[1]["linear"]), name="segment (both widths)", line=dict(color="gray", dash="dash"))
    fig.add_scatter(x=t, y=_np(paths[1]["bezier"]), name="trained Bezier, width 1", line=dict(color=COLORS[1]))
    fig.add_scatter(x=t, y=_np(paths[2]["bezier"]), name="trained Bezier, width 2", line=dict(color=COLORS[0]))
    fig.add_scatter(x=t, y=_np(paths[2]["rotation"]), name="rotation path, width 2", line=dict(color=COLORS[3]))
    return fig


def profiles_figure(mc: ModeConnectivity, width: int, pair: int = 0) -> go.Figure:
    """One pair's loss along the segment, the untrained curve and the trained Bezier curve."""
    if not isinstance(mc, ModeConnectivity):
        raise TypeError(f"mc: expected a ModeConnectivity (from mode_connectivity), got {type(mc).__name__}")
    j = mc.index(width, pair)
    t = _np(mc.t)
    fig = figure(f"Width {width}: the segment climbs a barrier, the trained curve stays at the bottom",
                 "position along the path t", "training loss (MSE, units of Var y)", height=380)
    fig.add_scatter(x=t, y=_np(mc.linear[:, j]), name="segment A → B", line=dict(color="gray"))
    fig.add_scatter(x=t, y=_np(mc.control[:, j]), name="untrained curve (control)",
                    line=dict(color=COLORS[3], dash="dot"))
    fig.add_scatter(x=t, y=_np(mc.bezier[:, j]), name="trained Bezier curve", line=dict(color=COLORS[0], width=3))
    fig.add_hline(y=mc.level, line_dash="dash", annotation_text="common training level")
    return fig


def barrier_width_figure(summary: dict, *, level: float, d_in: int) -> go.Figure:
    """Median barriers (with order-statistic intervals) against width, on log-log axes, with the
    Freeman-Bruna rate m^(-1/n) anchored at the smallest width's Bezier median."""
    summary = _result(summary, "summary", ("widths", "linear", "bezier", "control"), "width_summary")
    level = check_positive(level, "level")
    d_in = check_int(d_in, "d_in", min_value=1)
    m = _values(summary["widths"], "summary", ndim=1)
    if np.any(m <= 0):
        raise ValueError("summary: widths must be > 0 (a log axis)")
    fig = figure("Only the trained curve's barrier shrinks with width — faster than the bound's m^(−1/n)",
                 "hidden width m (log)", "barrier (MSE above the chord, log)", xaxis_type="log", yaxis_type="log",
                 height=460, legend=dict(orientation="h", y=-0.25))
    for which, name, col in (("linear", "segment", "gray"), ("control", "untrained curve", COLORS[3]),
                             ("bezier", "trained Bezier curve", COLORS[0])):
        s = summary[which]
        med, lo, hi = (np.maximum(s[k], FLOOR) for k in ("median", "low", "high"))
        fig.add_scatter(x=m, y=med, mode="lines+markers", name=f"{name} (median, ≥ 90% interval)",
                        line=dict(color=col, width=7 if which == "linear" else 2),
                        error_y=dict(type="data", symmetric=False, array=hi - med, arrayminus=med - lo))
    fig.update_xaxes(tickvals=m)
    anchor = max(summary["bezier"]["median"][0], FLOOR)
    fig.add_scatter(x=m, y=anchor * (m / m[0]) ** (-1.0 / d_in), mode="lines", line=dict(dash="dash", color="black"),
                    name=f"Freeman–Bruna rate m^(−1/{d_in}), anchored")
    # labels placed by hand: on log axes an annotation's y is log10 of the value
    fig.add_hline(y=level, line_dash="dot")
    fig.add_hline(y=FLOOR, line=dict(color="lightgray"))
    for y, text in ((level, "training level"), (FLOOR, f"barrier 0 (drawn at {FLOOR:g})")):
        fig.add_annotation(x=1, xref="paper", xanchor="right", y=np.log10(y), yanchor="bottom", text=text,
                           showarrow=False)
    return fig


def loss_plane_figure(plane: dict) -> go.Figure:
    """The loss on the plane through w_A, w_B and θ, with the segment and the Bezier curve."""
    plane = _result(plane, "plane", ("x", "y", "loss", "points", "curve", "width"), "loss_plane")
    x, y = _values(plane["x"], "plane", ndim=1), _values(plane["y"], "plane", ndim=1)
    _values(plane["loss"], "plane", shape=(len(y), len(x)))
    fig = figure(f"Width {plane['width']}: the segment crosses a ridge the trained curve goes around",
                 "coordinate along w_B − w_A", "coordinate towards θ", height=480,
                 legend=dict(orientation="h", y=-0.2))
    fig.add_contour(x=plane["x"], y=plane["y"], z=np.log10(np.maximum(plane["loss"], 1e-4)), colorscale="Viridis",
                    colorbar=dict(title="log₁₀ loss"), contours=dict(coloring="heatmap"), name="log₁₀ loss")
    p, c = plane["points"], plane["curve"]
    fig.add_scatter(x=p[:2, 0], y=p[:2, 1], mode="lines", line=dict(color="white", dash="dash"), name="segment")
    fig.add_scatter(x=c[:, 0], y=c[:, 1], mode="lines", line=dict(color=COLORS[1], width=3), name="Bezier curve")
    fig.add_scatter(x=p[:, 0], y=p[:, 1], mode="markers+text", text=["w_A", "w_B", "θ"], textposition="top center",
                    marker=dict(color="white", size=10, line=dict(width=2)), textfont=dict(color="white"),
                    name="endpoints and control point")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


# ---------------------------------------------------------------------------------------
# the widget
# ---------------------------------------------------------------------------------------
def build_landscape_widget(mc: ModeConnectivity | None = None, sym: dict | None = None) -> WidgetUI:
    """Width, pair and symmetry controls over the precomputed paths of :func:`mode_connectivity`.

    The figure shows one pair's loss along the segment, the untrained and the trained Bezier curve,
    and the segment from A to g·B for the chosen transformation g of network B. A symmetry keeps
    B's loss (printed) but moves B within its family, so that segment and its barrier change.
    Called with no arguments it computes its own data (a few seconds).
    """
    if mc is None:
        mc = mode_connectivity()
    if not isinstance(mc, ModeConnectivity):
        raise TypeError(f"mc: expected a ModeConnectivity, got {type(mc).__name__}")
    if sym is None:
        sym = symmetry_profiles(mc)
    if not isinstance(sym, dict) or "profiles" not in sym:
        raise TypeError("sym: expected the dict returned by symmetry_profiles(mc)")
    t = _np(mc.t)
    lin, bez, ctl = _np(mc.linear), _np(mc.bezier), _np(mc.control)
    prof, loss_b = _np(sym["profiles"]), _np(sym["loss_b"])          # (T, G, N), (G, N)
    bar_sym = _np(path_barrier(sym["profiles"]))                        # (G, N)
    bar = {k: _np(path_barrier(getattr(mc, k))) for k in ("linear", "bezier", "control")}
    ok = _np(mc.ok)
    top = float(np.max(lin)) * 1.1

    fig = figure_widget("", "position along the path t", "training loss (MSE, units of Var y)", height=420)
    fig.add_scatter(x=t, y=lin[:, 0], name="segment A → B", line=dict(color="gray"))
    fig.add_scatter(x=t, y=ctl[:, 0], name="untrained curve (control)", line=dict(color=COLORS[3], dash="dot"))
    fig.add_scatter(x=t, y=bez[:, 0], name="trained Bezier curve", line=dict(color=COLORS[0], width=3))
    fig.add_scatter(x=t, y=prof[:, 0, 0], name="segment A → g·B", line=dict(color=COLORS[1], dash="dash"))
    fig.update_layout(yaxis_range=[0, top])
    width_s = W.SelectionSlider(options=[(str(m), m) for m in mc.widths], value=mc.widths[0], description="width m")
    pair_s = W.IntSlider(value=0, min=0, max=mc.pairs - 1, description="pair")
    sym_d = W.Dropdown(options=[(name, i) for i, name in enumerate(SYMMETRIES)], value=0, description="g")
    status = W.HTML()

    def update(*_):
        j = mc.index(width_s.value, pair_s.value)
        g = sym_d.value
        with fig.batch_update():
            fig.data[0].y = lin[:, j]
            fig.data[1].y = ctl[:, j]
            fig.data[2].y = bez[:, j]
            fig.data[3].y = prof[:, g, j]
            fig.layout.title.text = (f"Width {width_s.value}, pair {pair_s.value}: barrier {bar['linear'][j]:.3f} "
                                     f"on the segment, {bar['bezier'][j]:.4f} on the trained curve")
        same = abs(loss_b[g, j] - loss_b[0, j]) <= 1e-5 * max(loss_b[0, j], 1e-12)
        verdict = ("unchanged: a symmetry, the same function" if same
                   else "<b style='color:#d62728'>changed: not a symmetry of relu</b>")
        note = "" if ok[j] else " <i>(an endpoint never reached the level: left out of the summaries)</i>"
        status.value = (f"loss of B: {loss_b[0, j]:.5f} → after g: {loss_b[g, j]:.5f} ({verdict}); "
                        f"barrier of the segment A → g·B: <b>{bar_sym[g, j]:.3f}</b>{note}")

    for control in (width_s, pair_s, sym_d):
        control.observe(update, names="value")
    update()
    root = W.VBox([W.HBox([width_s, pair_s, sym_d]), status, fig])
    return WidgetUI(root, fig, {"width": width_s, "pair": pair_s, "symmetry": sym_d},
                    state={"mc": mc, "sym": sym})
