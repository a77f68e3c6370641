"""What the reader of lecture 07 sees: its figures and the live Gibbs-limit widget.

Thin builders over data the kernels and experiments already computed: a figure function takes
arrays and returns a plotly figure; :func:`build_gibbs_widget` indexes the precomputed
:class:`~course_lib.langevin.experiments.StationaryGrid` on every slider move.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import torch

from course_lib.core.validate import as_tensor, check_int, check_positive
from course_lib.langevin.experiments import StationaryGrid, TiltedWell, stationary_grid
from course_lib.langevin.kernels import ks_critical
from course_lib.ui.plotting import COLORS, figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "gibbs_histogram_figure",
    "banana_figure",
    "step_size_figure",
    "arrhenius_figure",
    "tilted_well_figure",
    "bounds_figure",
    "bound_terms_figure",
    "build_gibbs_widget",
]


def _values(x, name: str, **checks) -> np.ndarray:
    """``x`` as a float64 NumPy array for plotting, checked by ``as_tensor`` (finite, non-empty, real); a tensor
    that requires grad is read as its values."""
    return as_tensor(x, name, dtype=torch.float64, **checks).detach().cpu().numpy()


# ---------------------------------------------------------------------------------------
# the lecture's figures
# ---------------------------------------------------------------------------------------
def gibbs_histogram_figure(samples, grid, density, beta: float) -> go.Figure:
    """Section 1: histogram of 1-D samples against the Gibbs density ``density`` on ``grid``."""
    s = _values(samples, "samples").reshape(-1)
    g = _values(grid, "grid", ndim=1)
    p = _values(density, "density", shape=g.shape)
    beta = check_positive(beta, "beta")
    fig = figure("Chains started in one well fill both, as exp(−βU) says", "x", "density (1/unit x)")
    hist, edges = np.histogram(s, bins=80, range=(-2.2, 2.2), density=True)
    fig.add_bar(x=0.5 * (edges[1:] + edges[:-1]), y=hist, name=f"{len(s):,} SGLD chains", opacity=0.6)
    fig.add_scatter(x=g, y=p, name=f"Gibbs e^{{−{beta:g}U}}/Z", line=dict(width=3))
    fig.update_layout(bargap=0, xaxis_range=[-2.2, 2.2])
    return fig


def banana_figure(samples, gx, gy, density, n_show: int = 2000) -> go.Figure:
    """Section 1, in 2-D: the first ``n_show`` chains (dots) over contours of the Gibbs density (Gx, Gy)."""
    n_show = check_int(n_show, "n_show", min_value=1)
    s = _values(samples, "samples", shape=(None, 2))[:n_show]
    gx, gy = _values(gx, "gx", ndim=1), _values(gy, "gy", ndim=1)
    p = _values(density, "density", shape=(len(gx), len(gy)))
    fig = figure("2-D: SGLD chains (dots) sit where the Gibbs density (contours) puts its mass", "x", "y")
    fig.add_contour(x=gx[::5], y=gy[::5], z=p[::5, ::5].T, colorscale="Blues", showscale=False,
                    contours=dict(coloring="lines"), name="Gibbs density")
    fig.add_scatter(x=s[:, 0], y=s[:, 1], mode="markers",
                    marker=dict(size=3, color="#d62728", opacity=0.4), name=f"{len(s):,} of the chains")
    fig.update_layout(xaxis_range=[-2, 2], yaxis_range=[-1, 2.5])
    return fig


def step_size_figure(G: StationaryGrid, beta: float = 4.0) -> go.Figure:
    """Section 2: KS distance of the surviving chains and the diverged fraction against the step size."""
    if not isinstance(G, StationaryGrid):
        raise TypeError(f"G: expected a StationaryGrid (from stationary_grid), got {type(G).__name__}")
    beta = check_positive(beta, "beta")
    if beta not in G.betas:
        raise ValueError(f"beta: {beta:g} is not one of the grid's betas {G.betas}")
    i = G.betas.index(beta)
    etas = np.array(G.etas)
    fig = figure(f"Larger steps bias the stationary law, then diverge (β = {beta:g})", "step size η",
                 "KS distance to Gibbs", xaxis_type="log")
    ok = G.diverged[i] < 1
    fig.add_scatter(x=etas[ok], y=G.ks[i][ok], mode="lines+markers", name="KS of surviving chains")
    fig.add_scatter(x=etas, y=G.diverged[i], mode="lines+markers", name="fraction diverged", yaxis="y2")
    fig.add_hline(y=ks_critical(G.n_chains, 0.05), line_dash="dot", annotation_text="5% sampling threshold")
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", range=[0, 1.05], title="fraction of chains diverged"))
    return fig


def arrhenius_figure(betas, rates, counts, exact, kramers) -> go.Figure:
    """Section 3: measured crossing rates (± Poisson error) against the exact MFPT and Kramers rates."""
    b = _values(betas, "betas", ndim=1)
    r, c, exact, kramers = (_values(v, name, shape=b.shape) for v, name in (
        (rates, "rates"), (counts, "counts"), (exact, "exact"), (kramers, "kramers")))
    for v, name in ((r, "rates"), (c, "counts"), (exact, "exact"), (kramers, "kramers")):
        if np.any(v <= 0):
            raise ValueError(f"{name}: must be > 0 (a log-scale plot)")
    fig = figure("Crossings between wells slow down as e^{−βΔU}", "inverse temperature β",
                 "crossings per unit time (log)", yaxis_type="log")
    fig.add_scatter(x=b, y=r, mode="markers", name="SGLD chains", error_y=dict(type="data", array=r / np.sqrt(c)))
    fig.add_scatter(x=b, y=exact, mode="lines", name="exact (mean first-passage time)")
    fig.add_scatter(x=b, y=kramers, mode="lines", line_dash="dash", name="Kramers")
    return fig


def tilted_well_figure(T: TiltedWell) -> go.Figure:
    """Section 3: the measured mass in the global minimum's well (Wilson intervals) against the Gibbs mass."""
    if not isinstance(T, TiltedWell):
        raise TypeError(f"T: expected a TiltedWell, got {type(T).__name__}")
    fig = figure("Large β concentrates the chains on the global minimum, as the Gibbs law says",
                 "inverse temperature β", "fraction in the global minimum's well", xaxis_type="log")
    err = dict(type="data", symmetric=False, array=T.interval[:, 1] - T.mass, arrayminus=T.mass - T.interval[:, 0])
    fig.add_scatter(x=T.betas, y=T.mass, mode="markers", error_y=err,
                    name=f"SGLD, {T.n_chains:,} chains per β, started in the higher well")
    fig.add_scatter(x=T.betas, y=T.gibbs_mass, mode="lines", name="Gibbs mass (quadrature)")
    return fig


def bound_terms_figure(rows) -> go.Figure:
    """Section 4: the two terms under the PAC-Bayes square root, per (n, label set).

    ``rows``: (n, label-set name, KL term, confidence term) tuples.
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (list, tuple)) or not rows:
        raise TypeError("rows: expected a non-empty list of (n, label-set name, KL term, confidence term) tuples")
    for row in rows:
        if not isinstance(row, (list, tuple)) or len(row) != 4:
            raise ValueError(f"rows: each row must be (n, name, KL term, confidence term), got {row!r:.80}")
        _values(list(row[2:]), "rows")
    names = [f"n = {n}, {name}" for n, name, _, _ in rows]
    fig = figure("The confidence term ln(2√n/δ), not the data's KL, makes up most of the bound",
                 "run", "term under the square root (nats)")
    fig.add_bar(x=names, y=[r[2] for r in rows], name="KL term (β/4) Σ η‖g‖²")
    fig.add_bar(x=names, y=[r[3] for r in rows], name="confidence term ln(2√n/δ)")
    fig.update_layout(barmode="stack")
    return fig


def bounds_figure(runs: dict) -> go.Figure:
    """Section 4: measured gap and PAC-Bayes bound per label set, and the (data-free) stability bound.

    ``runs`` maps a label-set name to a result of ``sigmoid_loss_sgld`` with ``"pac"`` and
    ``"stab"`` (the bounds after every step) added.
    """
    if not isinstance(runs, dict) or not runs:
        raise TypeError("runs: expected a non-empty dict {label set: result of sigmoid_loss_sgld with 'pac', 'stab'}")
    for name, out in runs.items():
        if not isinstance(out, dict) or not {"steps", "gap", "pac", "stab"} <= set(out):
            raise ValueError(f"runs: runs[{name!r}] needs 'steps', 'gap' and the bounds 'pac' and 'stab'")
        for key in ("gap", "pac", "stab"):
            _values(out[key], f"runs[{name!r}][{key!r}]", ndim=1)
    fig = figure("Both bounds sit above the measured gap; only the PAC-Bayes one sees the data", "SGLD step k",
                 "generalization gap / bound (sigmoid loss)")
    for (name, out), col in zip(runs.items(), COLORS[:2]):
        s = out["steps"][1:]
        fig.add_scatter(x=s, y=out["gap"][1:], name=f"measured gap, {name}", line=dict(color=col))
        fig.add_scatter(x=s, y=out["pac"][s - 1], name=f"PAC-Bayes bound, {name}", line=dict(color=col, dash="dash"))
    first = next(iter(runs.values()))
    s = first["steps"][1:]
    fig.add_scatter(x=s, y=first["stab"][s - 1], name="stability bound (same for every label set)",
                    line=dict(color=COLORS[2], dash="dot"))
    return fig


# ---------------------------------------------------------------------------------------
# the widget
# ---------------------------------------------------------------------------------------
def build_gibbs_widget(grid: StationaryGrid | None = None) -> WidgetUI:
    """beta and eta sliders over the double well: the chains' histogram against the Gibbs
    density, with the KS distance.  Everything is precomputed by :func:`stationary_grid`
    (one batched run); a slider move only indexes arrays."""
    G = stationary_grid() if grid is None else grid
    if not isinstance(G, StationaryGrid):
        raise TypeError(f"grid: expected a StationaryGrid, got {type(G).__name__}")
    crit = ks_critical(G.n_chains, 0.05)
    centers = 0.5 * (G.edges[1:] + G.edges[:-1])
    fig = figure_widget(
        "SGLD chains settle on the Gibbs density exp(-βU) when the step is small",
        "x (position on the double well U(x) = (x²-1)²)",
        "density (1/unit x)",
        height=380,
    )
    fig.add_bar(x=centers, y=G.hist[0, 0], name=f"{G.n_chains} SGLD chains", marker_color=COLORS[0], opacity=0.6)
    fig.add_scatter(x=G.gibbs_x, y=G.gibbs[0], name="Gibbs exp(-βU)/Z", line=dict(color=COLORS[1], width=3))
    fig.update_layout(bargap=0, yaxis_range=[0, float(np.nanmax(G.gibbs)) * 1.15])
    beta_s = W.SelectionSlider(options=[(f"{b:g}", i) for i, b in enumerate(G.betas)], value=0, description="β")
    eta_s = W.SelectionSlider(options=[(f"{e:g}", j) for j, e in enumerate(G.etas)], value=0, description="η")
    status = W.HTML()

    def update(*_):
        i, j = beta_s.value, eta_s.value
        frac = G.diverged[i, j]
        with fig.batch_update():
            fig.data[1].y = G.gibbs[i]
            if frac >= 1.0:
                fig.data[0].y = np.zeros_like(centers)
                fig.layout.title.text = f"η = {G.etas[j]:g} is beyond the stable step: every chain diverged"
            else:
                fig.data[0].y = G.hist[i, j]
                ks = G.ks[i, j]
                verdict = "within sampling noise" if ks <= crit else "above the 5% sampling threshold"
                lead = f"β = {G.betas[i]:g}, η = {G.etas[j]:g}: KS = {ks:.3f} ({verdict})"
                if frac > 0:
                    lead = (f"β = {G.betas[i]:g}, η = {G.etas[j]:g}: {frac:.0%} of chains DIVERGED; "
                            f"survivors' KS = {ks:.3f}")
                fig.layout.title.text = lead
        ks_txt = "—" if np.isnan(G.ks[i, j]) else f"{G.ks[i, j]:.4f}"
        status.value = (
            f"KS distance <b>{ks_txt}</b> (5% critical value for {G.n_chains} chains: {crit:.4f}); "
            f"diverged chains: <b>{frac:.1%}</b>"
            + (" — <b style='color:#d62728'>divergence: step too large</b>" if frac > 0 else "")
        )

    beta_s.observe(update, names="value")
    eta_s.observe(update, names="value")
    update()
    root = W.VBox([W.HBox([beta_s, eta_s]), status, fig])
    return WidgetUI(root, fig, {"beta": beta_s, "eta": eta_s}, state={"grid": G, "ks_critical": crit})

