"""The live widget and the static figures of lecture 06 (thin: they draw precomputed numbers).

* :func:`build_generalization_widget` -- a label-noise slider over the grid: training and test error along the
  epochs, and the histogram of normalised margins, beside the true-label nets' in grey.
* ``*_figure`` -- one function per lecture figure.
"""
from __future__ import annotations

import numpy as np

from course_lib.generalization.experiments import (
    early_stopping,
    epochs_to_fit,
    generalization_experiment,
    margin_grid,
    noise_grid,
)
from course_lib.ui.plotting import COLORS, figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = ["build_generalization_widget", "gap_figure", "random_labels_figure", "early_stopping_figure",
           "capacity_figure", "margins_figure", "table_markdown"]


def _pct(f: float) -> str:
    return f"{round(100 * f)}%"


# ----------------------------------------------------------------------------- lecture figures
def gap_figure(res: dict):
    """Training and test error (0-1 risk) of the true-label nets along the epochs, mean over the draws."""
    j = res["fractions"].index(0.0)
    tr = 1 - noise_grid(res, "acc_train")[:, j].mean(0).numpy()
    te = 1 - noise_grid(res, "acc_test")[:, j].mean(0).numpy()
    ep = np.arange(tr.size)
    fig = figure(f"The generalization gap: training error reaches 0, test error stays at {te[-1]:.1%}",
                 "epoch", "error (fraction misclassified)", height=360)
    fig.add_scatter(x=ep, y=tr, mode="lines+markers", name="training error R̂ₙ (empirical risk)")
    fig.add_scatter(x=ep, y=te, mode="lines+markers", name="test error ≈ R (population risk)")
    return fig


def random_labels_figure(res: dict):
    """Training error along the epochs for every label-noise fraction (mean over the draws, log scale), with the
    first epoch of zero training error of each net marked."""
    tr = 1 - noise_grid(res, "acc_train").mean(0).numpy()  # (fractions, epochs + 1)
    fit = epochs_to_fit(res)[res["grid"]]  # (draws, fractions)
    fig = figure("Random labels are fitted too — a few times later than true ones",
                 "epoch", "training error (own labels)", yaxis_type="log", height=380)
    floor = 0.5 / res["data"]["X_train"].shape[0]  # zero error drawn at half a sample
    for j, f in enumerate(res["fractions"]):
        fig.add_scatter(x=np.arange(tr.shape[1]), y=np.maximum(tr[j], floor), mode="lines",
                        name=f"{_pct(f)} labels replaced", line=dict(color=COLORS[j % len(COLORS)]))
        fig.add_scatter(x=fit[:, j].numpy(), y=np.full(fit.shape[0], floor), mode="markers", showlegend=False,
                        marker=dict(color=COLORS[j % len(COLORS)], symbol="x", size=9),
                        hovertext="first epoch with zero training error")
    return fig


def early_stopping_figure(res: dict, es: dict | None = None):
    """Test accuracy along the epochs for every noise fraction (mean over the draws), with the epochs chosen on the
    validation set marked."""
    es = early_stopping(res) if es is None else es
    te = noise_grid(res, "acc_test")  # (draws, fractions, epochs + 1)
    fig = figure("Early stopping: with noisy labels, test accuracy peaks early, then memorisation costs it",
                 "epoch", "test accuracy (true test labels)", height=400)
    for j, f in enumerate(res["fractions"]):
        col = COLORS[j % len(COLORS)]
        fig.add_scatter(x=np.arange(te.shape[2]), y=te[:, j].mean(0).numpy(), mode="lines",
                        name=f"{_pct(f)} labels replaced", line=dict(color=col))
        fig.add_scatter(x=es["epoch"][:, j].numpy(), y=es["test_stopped"][:, j].numpy(), mode="markers",
                        marker=dict(color=col, size=8), showlegend=False, hovertext="stopped (best validation)")
    fig.add_hline(y=0.1, line=dict(dash="dot", color="grey"), annotation_text="chance (10 classes)")
    return fig


def capacity_figure(cap: dict):
    """The capacity terms against the sample size n (log-log), the trained nets' norms held fixed: VC scale / n,
    the Frobenius-norm term and the spectral term (both ∝ 1/√n); a term above 1 bounds nothing."""
    n0 = cap["n"]
    n = np.logspace(2, 10, 60)
    fig = figure("Every capacity term is vacuous at our n — by factors of hundreds to thousands",
                 "training-set size n", "capacity term (≥ 1: vacuous)", xaxis_type="log", yaxis_type="log",
                 height=400)
    fig.add_scatter(x=n, y=cap["vc"] / n, mode="lines", name="VC scale W·L·log₂W / n")
    for name, key in (("Frobenius-norm term (Golowich et al.)", "frobenius"),
                      ("spectral term ‖X‖_F R_A ln W/(γn) (Bartlett et al.)", "spectral")):
        fig.add_scatter(x=n, y=float(cap[key].mean()) * np.sqrt(n0 / n), mode="lines", name=name)
    fig.add_hline(y=1.0, line=dict(color="black", dash="dash"), annotation_text="1: a bound on an error rate")
    fig.add_vline(x=n0, line=dict(color="grey", dash="dot"), annotation_text=f"our n = {n0}")
    return fig


def margins_figure(ms: dict):
    """Histograms of the training margins, true against random labels: raw (left) and divided by R_A‖X‖_F/n
    (right), pooled over the draws."""
    fig = figure("Normalising by R_A‖X‖_F/n widens the gap between true and random labels", "", "", height=380)
    fig.set_subplots(1, 2, subplot_titles=["raw margins f(x)_y − max_{j≠y} f(x)_j",
                                           "normalised margins (÷ R_A‖X‖_F/n)"], horizontal_spacing=0.08)
    for col, kind in ((1, "raw"), (2, "norm")):
        for label, key, c in (("true labels", "true", COLORS[0]), ("random labels", "random", COLORS[1])):
            fig.add_histogram(x=ms[f"{kind}_{key}"].numpy(), name=label, marker_color=c, opacity=0.6, nbinsx=60,
                              histnorm="probability", showlegend=col == 1, row=1, col=col)
        fig.update_xaxes(title_text="margin (logit units)" if kind == "raw" else "normalised margin", row=1, col=col)
    fig.update_yaxes(title_text="fraction of training points", row=1, col=1)
    fig.update_layout(barmode="overlay")
    return fig


def table_markdown(rows: list[dict]) -> str:
    """The miniature of Zhang et al.'s table (rows of :func:`~course_lib.generalization.experiments.table_rows`) as a
    Markdown table."""
    lines = ["| model | p | p/n | training error | test error |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        lam = f" (λ = {r['weight_decay']:g})" if r["weight_decay"] else ""
        lines.append(f"| width {r['width']}, {r['variant']}{lam} | {r['params']:,} | {r['p_over_n']:.1f} | "
                     f"{r['train_error']:.1%} | {r['test_error']:.1%} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the live widget
def build_generalization_widget(results: dict | None = None, grid: dict | None = None) -> WidgetUI:
    """A label-noise slider: training and test error along the epochs (mean over the label draws) and the histogram
    of normalised training margins (pooled over the draws), beside the true-label nets' (grey).

    ``results`` is a :func:`~course_lib.generalization.experiments.generalization_experiment` run and ``grid`` its
    :func:`~course_lib.generalization.experiments.margin_grid` (both computed when omitted: a small run, ~1 s);
    everything is precomputed, a slider move only swaps arrays."""
    import ipywidgets as W

    if results is None:
        results = generalization_experiment(n_draws=1, width=64, table_widths=(), weight_decays=(), epochs=15)
    grid = margin_grid(results) if grid is None else grid
    fr = results["fractions"]
    tr = 1 - noise_grid(results, "acc_train").mean(0).numpy()  # (fractions, epochs + 1)
    te = 1 - noise_grid(results, "acc_test").mean(0).numpy()
    es = early_stopping(results)
    norm = grid["norm"].numpy()  # (draws, fractions, n)
    edges = np.linspace(min(0.0, float(np.quantile(norm, 0.001))), float(np.quantile(norm, 0.995)), 41)
    centres = (edges[:-1] + edges[1:]) / 2
    hist = np.stack([np.histogram(norm[:, j].ravel(), bins=edges)[0] / norm[:, j].size for j in range(len(fr))])
    ep = np.arange(tr.shape[1])

    fig = figure_widget("", "", "", height=420)
    fig.set_subplots(1, 2, subplot_titles=["training and test error", "normalised training margins"],
                     horizontal_spacing=0.1)
    fig.add_scatter(x=ep, y=tr[0], name="training error", line=dict(color=COLORS[0]), row=1, col=1)
    fig.add_scatter(x=ep, y=te[0], name="test error", line=dict(color=COLORS[1]), row=1, col=1)
    j0 = fr.index(0.0)
    fig.add_bar(x=centres, y=hist[j0], name="true labels (0%)", marker_color="lightgrey", row=1, col=2)
    fig.add_bar(x=centres, y=hist[j0], name="selected noise", marker_color=COLORS[2], opacity=0.7, row=1, col=2)
    fig.update_xaxes(title_text="epoch", row=1, col=1)
    fig.update_yaxes(title_text="error (fraction misclassified)", range=[0, 1], row=1, col=1)
    fig.update_xaxes(title_text="margin × n / (R_A‖X‖_F)", row=1, col=2)
    fig.update_yaxes(title_text="fraction of training points", row=1, col=2)
    fig.update_layout(barmode="overlay")
    noise = W.SelectionSlider(options=[_pct(f) for f in fr], value=_pct(fr[len(fr) // 2]),
                              description="labels replaced", style={"description_width": "initial"},
                              layout=W.Layout(width="420px"))
    med = np.median(norm.transpose(1, 0, 2).reshape(len(fr), -1), axis=1)  # per fraction, draws pooled
    stopped = es["test_stopped"].mean(0).numpy()

    def update(change=None):
        j = [_pct(f) for f in fr].index(noise.value)
        with fig.batch_update():
            fig.data[0].y = tr[j]
            fig.data[1].y = te[j]
            fig.data[3].y = hist[j]
            fig.layout.title.text = (f"{noise.value} of the labels replaced: test accuracy {1 - te[j, -1]:.2f} at the "
                                     f"end, {stopped[j]:.2f} stopped early; median normalised margin {med[j]:.4f}")

    noise.observe(update, names="value")
    update()
    return WidgetUI(root=W.VBox([noise, fig]), figure=fig, controls={"noise": noise},
                    state={"train_error": tr, "test_error": te, "hist": hist, "edges": edges, "median": med})

