"""Lecture 09's widget (a beta slider and an init-scale slider over precomputed ADMM/BP runs)
and its static figures, drawn from what :mod:`course_lib.admm.experiments` computed."""
from __future__ import annotations

import numpy as np
import torch

from course_lib.admm.experiments import WIDGET_BETAS, _study, widget_runs
from course_lib.core.validate import as_tensor, check_int, check_positive
from course_lib.ui.plotting import figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = ["build_admm_widget", "learning_speed_figure", "lagrangian_figure", "saturation_figure"]


def build_admm_widget(n=100, n_iter=600, sizes=(1, 20, 20, 1), lam=1e-6, seed=0, precomputed=None, **study):
    """A beta slider (augmented Lagrangian and residual, precomputed over a beta grid) and an
    init-scale slider (training curves of backprop with its best lr, ADMM and BCD from the first seed's
    network at that scale, precomputed by :func:`~course_lib.admm.experiments.saturation_study`).

    Both panels live in one ``FigureWidget`` (traces 0-2: the beta panel; 3-5: the init-scale
    panel): every FigureWidget ships plotly's ~5 MB front-end bundle when it is displayed.
    Pass ``precomputed=widget_runs(...)`` to reuse runs already made (``study``: keyword arguments of
    :func:`~course_lib.admm.experiments.saturation_study` otherwise)."""
    import ipywidgets as W  # imported on first use, by the lab only

    if precomputed is None:
        precomputed = widget_runs(n, n_iter, sizes, lam, seed, **study)
    if not isinstance(precomputed, dict) or not {"beta_runs", "study"} <= set(precomputed):
        raise TypeError("precomputed: expected the dict returned by widget_runs")
    runs, sat = precomputed["beta_runs"], _study(precomputed["study"], "precomputed")
    sc, ns = list(sat["scales"]), sat["n_seeds"]
    first = torch.arange(len(sc)) * ns  # the first seed's network at every scale
    adm, bcd, bp_mse = sat["admm"].train_mse[:, first], sat["bcd"].train_mse[:, first], sat["bp_best_curve"][:, :, 0]
    n_iter, bp_iter = runs.train_mse.shape[0] - 1, bp_mse.shape[0] - 1
    L = runs.augmented_lagrangian
    if bool((L > 0).all()):  # L/L₀ on a log axis; (L − min L) would plunge to 0 at its minimum
        Lrel, L_name = (L / L[0]).numpy(), "L / L₀ (augmented Lagrangian)"
    else:
        Lrel = ((L - L.amin(0)) / (L[0] - L.amin(0)).abs().clamp_min(1e-300) + 1e-16).numpy()
        L_name = "(L − min L)/(L₀ − min L)"
    res = (runs.primal_residual + 1e-16).numpy()
    kkt = (runs.kkt_residual + 1e-16).numpy()
    adm_mse, bcd_mse, bp_np = adm.numpy(), bcd.numpy(), _json_safe(bp_mse.numpy())
    it, sweeps = np.arange(n_iter + 1), np.arange(adm.shape[0])
    fig = figure_widget("ADMM on y = x²: the role of β, and a saturated start", "", "", height=720)
    fig.set_subplots(2, 1, vertical_spacing=0.14, subplot_titles=(
        "β decides: monotone descent (large β) or oscillation (small β)",
        "Init scale: backprop (best lr), ADMM and BCD from the same network"))
    fig.add_scatter(x=it, y=Lrel[:, 0], name=L_name, row=1, col=1)
    fig.add_scatter(x=it, y=res[:, 0], name="primal residual ‖r‖", row=1, col=1)
    fig.add_scatter(x=it, y=kkt[:, 0], name="KKT residual", row=1, col=1)
    fig.add_scatter(x=np.arange(bp_iter + 1), y=bp_np[:, 0], name="backprop (best lr)", row=2, col=1)
    fig.add_scatter(x=sweeps, y=adm_mse[:, 0], name="ADMM β=10", row=2, col=1)
    fig.add_scatter(x=sweeps, y=bcd_mse[:, 0], name="BCD β=10", row=2, col=1)
    fig.update_xaxes(title_text="ADMM iteration", row=1, col=1)
    fig.update_yaxes(title_text="value (log scale)", type="log", row=1, col=1)
    fig.update_xaxes(title_text="iteration (backprop: step, ADMM/BCD: sweep)", row=2, col=1)
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
            fig.data[5].y = bcd_mse[:, j]

    beta_s.observe(on_beta, names="value")
    scale_s.observe(on_scale, names="value")
    root = W.VBox([W.HBox([beta_s, scale_s]), fig])
    return WidgetUI(root, fig, {"beta": beta_s, "init_scale": scale_s},
                    state={"admm": runs, "bp_mse": bp_mse, "admm_scale": adm, "bcd_scale": bcd})


def learning_speed_figure(speed, n_layers=4):
    """Nielsen's "speed of learning" ``||dL/db_i||`` per gradient step for the first ``n_layers`` hidden layers."""
    speed = as_tensor(speed, "speed", ndim=2).detach().cpu()
    n_layers = check_int(n_layers, "n_layers", min_value=2, max_value=speed.shape[1])
    ratio = float(speed[0, 0] / speed[0, n_layers - 1])
    fig = figure(f"Layer 1 learns ×{1 / ratio:.0f} slower than layer {n_layers} at the start (LeCun init, digits)",
                 "gradient-descent step", "speed of learning ‖∂L/∂b_i‖ (log scale)", yaxis_type="log")
    for i in range(n_layers):
        fig.add_scatter(y=speed[:, i].numpy(), name=f"hidden layer {i + 1}")
    return fig


def lagrangian_figure(L, betas=WIDGET_BETAS):
    """The augmented Lagrangian per iteration, one trace per beta (columns of ``L``)."""
    L = as_tensor(L, "L", ndim=2).detach().cpu()
    if isinstance(betas, (str, bytes)) or not isinstance(betas, (list, tuple, np.ndarray, torch.Tensor)):
        raise TypeError(f"betas: expected a sequence of betas, got {type(betas).__name__}")
    betas = [check_positive(b, "betas") for b in (betas.tolist() if hasattr(betas, "tolist") else betas)]
    if len(betas) != L.shape[1]:
        raise ValueError(f"betas: {len(betas)} values for {L.shape[1]} columns of L")
    fig = figure("Large β: monotone L and falling residuals; β≈1–3 oscillates", "ADMM iteration",
                 "augmented Lagrangian L", yaxis_type="log")
    for j, b in enumerate(betas):
        fig.add_scatter(y=L[:, j].numpy(), name=f"β={b:g}")
    return fig


def saturation_figure(study: dict, scale: float, var_y: float):
    """Training MSE from init scale ``scale``, every seed: backprop with its best lr (solid) and ADMM
    (dashed), against Var y and the target (``study`` from :func:`~course_lib.admm.experiments.saturation_study`)."""
    scales = list(_study(study)["scales"])
    scale = check_positive(scale, "scale")
    if scale not in scales:
        raise ValueError(f"scale: {scale:g} is not one of the study's init scales {scales}")
    var_y = check_positive(var_y, "var_y")
    j = scales.index(scale)
    ns = study["n_seeds"]
    fig = figure(f"Init scale {scale:g}: backprop (best lr) and ADMM both slow down; neither stalls in every seed",
                 "iteration (backprop: step; ADMM: sweep)", "training MSE (log scale)", yaxis_type="log")
    for s in range(ns):
        fig.add_scatter(y=_json_safe(study["bp_best_curve"][:, j, s].numpy()), name=f"backprop, seed {s}",
                        line=dict(color=f"rgba(31,119,180,{1 - 0.2 * s})"))
        fig.add_scatter(y=study["admm"].train_mse[:, j * ns + s].numpy(), name=f"ADMM β=10, seed {s}",
                        line=dict(color=f"rgba(214,39,40,{1 - 0.2 * s})", dash="dash"))
    fig.add_hline(y=var_y, line_dash="dot", annotation_text="Var y")
    fig.add_hline(y=study["target"], line_dash="dot", annotation_text="target 0.1·Var y")
    return fig


def _json_safe(a):
    """inf (a diverged run) has no JSON form: plot it as a gap."""
    a = np.asarray(a, dtype=float)
    return np.where(np.isfinite(a), a, None)
