"""Lecture 09's widget (a beta slider and an init-scale slider over precomputed ADMM/BP runs)
and its static figures, drawn from what :mod:`course_lib.admm.experiments` computed."""
from __future__ import annotations

import numpy as np

from course_lib.admm.experiments import WIDGET_BETAS, WIDGET_SCALES, widget_runs
from course_lib.core.validate import as_tensor, check_int
from course_lib.ui.plotting import figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = ["build_admm_widget", "learning_speed_figure", "lagrangian_figure", "saturation_figure"]


def build_admm_widget(n=100, n_iter=120, bp_iter=1000, sizes=(1, 20, 20, 1), lam=1e-6, seed=0,
                      precomputed=None):
    """A beta slider (augmented Lagrangian and residual, precomputed over a beta grid) and an
    init-scale slider (BP vs ADMM training curves, precomputed over a scale grid).

    Both panels live in one ``FigureWidget`` (traces 0-2: the beta panel; 3-4: the init-scale
    panel): every FigureWidget ships plotly's ~5 MB front-end bundle when it is displayed.
    Pass ``precomputed=widget_runs(...)`` to reuse runs already made."""
    import ipywidgets as W  # imported on first use, by the lab only

    sc = list(WIDGET_SCALES)
    if precomputed is None:
        precomputed = widget_runs(n, n_iter, bp_iter, sizes, lam, seed)
    runs, adm, bp_mse = precomputed["beta_runs"], precomputed["admm_scales"], precomputed["bp_best"]
    n_iter, bp_iter = runs.train_mse.shape[0] - 1, bp_mse.shape[0] - 1
    L = runs.augmented_lagrangian
    if bool((L > 0).all()):  # L/L₀ on a log axis; (L − min L) would plunge to 0 at its minimum
        Lrel, L_name = (L / L[0]).numpy(), "L / L₀ (augmented Lagrangian)"
    else:
        Lrel = ((L - L.amin(0)) / (L[0] - L.amin(0)).abs().clamp_min(1e-300) + 1e-16).numpy()
        L_name = "(L − min L)/(L₀ − min L)"
    res = (runs.primal_residual + 1e-16).numpy()
    kkt = (runs.kkt_residual + 1e-16).numpy()
    adm_mse, bp_np = adm.train_mse.numpy(), bp_mse.numpy()
    it = np.arange(n_iter + 1)
    fig = figure_widget("ADMM on y = x²: the role of β, and a saturated start", "", "", height=720)
    fig.set_subplots(2, 1, vertical_spacing=0.14, subplot_titles=(
        "β decides: monotone descent (large β) or oscillation (small β)",
        "Saturated start: backprop stalls, ADMM still fits"))
    fig.add_scatter(x=it, y=Lrel[:, 0], name=L_name, row=1, col=1)
    fig.add_scatter(x=it, y=res[:, 0], name="primal residual ‖r‖", row=1, col=1)
    fig.add_scatter(x=it, y=kkt[:, 0], name="KKT residual", row=1, col=1)
    fig.add_scatter(x=np.arange(bp_iter + 1), y=bp_np[:, 0], name="backprop (best lr)", row=2, col=1)
    fig.add_scatter(x=it, y=adm_mse[:, 0], name="ADMM β=10", row=2, col=1)
    fig.update_xaxes(title_text="ADMM iteration", row=1, col=1)
    fig.update_yaxes(title_text="value (log scale)", type="log", row=1, col=1)
    fig.update_xaxes(title_text="iteration (BP: GD step, ADMM: sweep)", row=2, col=1)
    fig.update_yaxes(title_text="training MSE (log scale)", type="log", row=2, col=1)
    beta_s = W.SelectionSlider(options=list(WIDGET_BETAS), value=WIDGET_BETAS[0], description="β")
    scale_s = W.SelectionSlider(options=sc, value=sc[0], description="init scale")

    def on_beta(change):
        j = WIDGET_BETAS.index(change["new"])
        with fig.batch_update():
            fig.data[0].y = Lrel[:, j]
            fig.data[1].y = res[:, j]
            fig.data[2].y = kkt[:, j]

    def on_scale(change):
        j = sc.index(change["new"])
        with fig.batch_update():
            fig.data[3].y = bp_np[:, j]
            fig.data[4].y = adm_mse[:, j]

    beta_s.observe(on_beta, names="value")
    scale_s.observe(on_scale, names="value")
    root = W.VBox([W.HBox([beta_s, scale_s]), fig])
    return WidgetUI(root, fig, {"beta": beta_s, "init_scale": scale_s},
                    state={"admm": runs, "bp_mse": bp_mse, "admm_scale": adm})


def learning_speed_figure(speed, n_layers=4):
    """Nielsen's "speed of learning" ``||dL/db_i||`` per gradient step for the first ``n_layers`` hidden layers."""
    speed = as_tensor(speed, "speed", ndim=2)
    n_layers = check_int(n_layers, "n_layers", min_value=2, max_value=speed.shape[1])
    ratio = float(speed[0, 0] / speed[0, n_layers - 1])
    fig = figure(f"Layer 1 learns ×{1 / ratio:.0f} slower than layer {n_layers} at the start (LeCun init, digits)",
                 "gradient-descent step", "speed of learning ‖∂L/∂b_i‖ (log scale)", yaxis_type="log")
    for i in range(n_layers):
        fig.add_scatter(y=speed[:, i].numpy(), name=f"hidden layer {i + 1}")
    return fig


def lagrangian_figure(L, betas=WIDGET_BETAS):
    """The augmented Lagrangian per iteration, one trace per beta (columns of ``L``)."""
    L = as_tensor(L, "L", ndim=2)
    fig = figure("Large β: monotone L and falling residuals; β≈1–3 oscillates", "ADMM iteration",
                 "augmented Lagrangian L", yaxis_type="log")
    for j, b in enumerate(betas):
        fig.add_scatter(y=L[:, j].numpy(), name=f"β={b:g}")
    return fig


def saturation_figure(runs: dict, scale: float, var_y: float):
    """Training MSE of backprop (best lr), ADMM and BCD from the init scale ``scale``, against Var y."""
    j = WIDGET_SCALES.index(scale)
    fig = figure(f"Saturated start (scale {scale:g}): backprop plateaus at Var y, ADMM and BCD do not",
                 "iteration (BP: gradient step; ADMM/BCD: sweep)", "training MSE (log scale)", yaxis_type="log")
    fig.add_scatter(y=runs["bp_best"][:, j].numpy(), name="backprop (best lr)")
    fig.add_scatter(y=runs["admm_scales"].train_mse[:, j].numpy(), name="ADMM β=10")
    fig.add_scatter(y=runs["bcd_scales"].train_mse[:, j].numpy(), name="BCD β=10")
    fig.add_hline(y=var_y, line_dash="dot", annotation_text="Var y")
    return fig
