"""Lecture 01's figures and the XOR decision-boundary widget (the only backprop module using ``ui``)."""
from __future__ import annotations

import numpy as np
import torch

from course_lib.backprop.experiments import FailureDiagnosis, SAResult
from course_lib.backprop.kernels import forward_pass, train_many
from course_lib.core.validate import as_tensor, check_int, check_memory
from course_lib.ui.plotting import figure
from course_lib.ui.widgets import WidgetUI

__all__ = ["loss_traces_figure", "stochastic_approximation_figure", "failure_spectrum_figure",
           "build_xor_boundary_widget"]


def loss_traces_figure(loss, solved, title: str, every: int = 25, stride: int = 10):
    """Every ``every``-th network's loss curve (sampled each ``stride`` epochs), blue if it
    ``solved`` the task, red if not; ``loss`` is a (epochs, S) history, ``solved`` (S,) bool."""
    loss = as_tensor(loss, "loss", ndim=2).detach()
    if bool((loss <= 0).any()):
        raise ValueError("loss: must be > 0 (a log-scale plot)")
    if not isinstance(title, str):
        raise TypeError(f"title: expected a string, got {type(title).__name__}")
    every = check_int(every, "every", min_value=1)
    stride = check_int(stride, "stride", min_value=1)
    if not isinstance(solved, torch.Tensor) or solved.dtype != torch.bool or solved.shape != loss.shape[1:]:
        raise TypeError(f"solved: expected a bool tensor of shape ({loss.shape[1]},), got {solved!r:.60}")
    fig = figure(title, "epoch", "mean squared error (log scale)", yaxis_type="log")
    epochs = np.arange(0, loss.shape[0], stride)
    for k in range(0, loss.shape[1], every):
        fig.add_scatter(y=loss[:, k].cpu().numpy()[::stride], x=epochs, mode="lines", showlegend=False,
                        line=dict(width=1, color="#1f77b4" if bool(solved[k]) else "#d62728"))
    return fig


def stochastic_approximation_figure(sa: SAResult):
    """Median excess loss against noisy samples used (log-log): every constant step, the Robbins–Monro
    arm, and the Kiefer–Wolfowitz arms (dashed); dotted lines mark the predicted floor of each constant step."""
    if not isinstance(sa, SAResult):
        raise TypeError(f"sa: expected an SAResult, got {type(sa).__name__}")
    fig = figure("Constant steps stall at a noise floor; Robbins–Monro steps keep going",
                 "noisy samples used (log scale)", f"median excess loss, {sa.excess.shape[-1]} seeds (log scale)",
                 xaxis_type="log", yaxis_type="log")
    x = sa.steps[1:].numpy()
    palette = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#d62728"]
    for k, label in enumerate(sa.labels):
        color = {sa.decaying: "#d62728", sa.clean: "#2ca02c"}.get(k, palette[k % len(palette)])
        fig.add_scatter(x=x, y=sa.excess[1:, k].median(dim=1).values.numpy(), name=label, mode="lines",
                        line=dict(color=color, width=3 if k == sa.decaying else 2,
                                  dash="dashdot" if k == sa.clean else "solid"))
        if k in sa.constant and bool(sa.near_min[k].any()):
            level = float(sa.floor[k, sa.near_min[k]].median())
            fig.add_scatter(x=[x[0], x[-1]], y=[level, level], mode="lines", showlegend=False,
                            line=dict(color=color, dash="dot", width=1), hoverinfo="skip")
    for j, label in enumerate(sa.kw_labels):
        fig.add_scatter(x=sa.kw_samples[1:].numpy(), y=sa.kw[1:, j].median(dim=1).values.numpy(), name=label,
                        mode="lines", line=dict(color="#7f7f7f", dash="dash", width=1 + j))
    return fig


def failure_spectrum_figure(diag: FailureDiagnosis):
    """Gradient norm against the largest Hessian eigenvalue, one point per network: the gradient norms
    overlap, the curvature separates the failures (red) from the solutions (blue)."""
    if not isinstance(diag, FailureDiagnosis):
        raise TypeError(f"diag: expected a FailureDiagnosis, got {type(diag).__name__}")
    fig = figure("Same small gradient, different curvature: failures have one stiff direction",
                 "gradient norm ‖∇E‖ at the end (log scale)", "largest Hessian eigenvalue λ_max (log scale)",
                 xaxis_type="log", yaxis_type="log")
    for mask, name, color in ((diag.solved, "solved", "#1f77b4"), (~diag.solved, "failed", "#d62728")):
        fig.add_scatter(x=diag.grad_norm[mask].numpy(), y=diag.lam_max[mask].numpy(), mode="markers", name=name,
                        marker=dict(color=color, size=6, opacity=0.6))
    for k in (1, 2, 3):
        fig.add_hline(y=k / 16, line=dict(color="gray", dash="dot", width=1),
                      annotation_text=f"(1+‖h‖²)/16 = {k}/16", annotation_position="right")
    return fig

# -- widget: the XOR decision boundary as training proceeds ---------------------------------
XOR_WIDGET_LRS = (0.5, 2.0, 8.0)
XOR_WIDGET_HIDDEN = (2, 3, 4, 8)


def build_xor_boundary_widget(epochs: int = 1500, snapshot_every: int = 25, seed: int = 0,
                              grid: int = 41) -> WidgetUI:
    """Epoch / learning-rate / hidden-units sliders over the XOR decision boundary.

    All (lr, hidden) networks train at build time in one :func:`train_many` call (widths by
    masking hidden units); a slider move only evaluates one snapshot on a grid (~0.2 ms).
    """
    import ipywidgets as W
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from course_lib.core.data import xor
    from course_lib.ui.plotting import setup_plotly

    setup_plotly(renderer=None)
    grid = check_int(grid, "grid", min_value=2)
    check_memory(4 * grid * grid, "grid", what="the decision-boundary grid")
    X, y = xor()
    Y = (y + 1) / 2
    Hmax = max(XOR_WIDGET_HIDDEN)
    configs = [(lr, h) for lr in XOR_WIDGET_LRS for h in XOR_WIDGET_HIDDEN]
    lr = torch.tensor([c[0] for c in configs], dtype=torch.float64)
    mask = (torch.arange(Hmax)[None, :] < torch.tensor([c[1] for c in configs])[:, None]).double()
    hist = train_many(X, Y, [2, Hmax, 1], n_nets=len(configs), lr=lr, epochs=epochs, seed=seed,
                      hidden_mask=mask, snapshot_every=snapshot_every, device="cpu")
    axis = torch.linspace(-0.5, 1.5, grid, dtype=torch.float64)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    G = torch.stack([gx.flatten(), gy.flatten()], dim=1)
    losses = hist.loss.numpy()

    fig = go.FigureWidget(make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                                        subplot_titles=("network output on the plane", "training loss")))
    fig.add_heatmap(x=axis.numpy(), y=axis.numpy(), z=np.zeros((grid, grid)), zmin=0, zmax=1,
                    colorscale="RdBu", colorbar=dict(title="output", x=0.5), row=1, col=1)
    fig.add_contour(x=axis.numpy(), y=axis.numpy(), z=np.zeros((grid, grid)), showscale=False,
                    contours=dict(start=0.5, end=0.5, coloring="none"), line=dict(color="black", width=2),
                    name="boundary (output = ½)", row=1, col=1)
    fig.add_scatter(x=X[:, 0].numpy(), y=X[:, 1].numpy(), mode="markers", name="XOR points",
                    marker=dict(size=14, color=Y.numpy(), colorscale="RdBu", line=dict(width=2, color="black")),
                    row=1, col=1)
    fig.add_scatter(x=np.arange(epochs), y=losses[:, 0], mode="lines", name="loss", row=1, col=2)
    fig.update_xaxes(title_text="x₁", row=1, col=1)
    fig.update_yaxes(title_text="x₂", row=1, col=1)
    fig.update_xaxes(title_text="epoch", row=1, col=2)
    # fixed ranges over every configuration: the axes stay put when the configuration changes
    shown_losses = losses[np.isfinite(losses) & (losses > 0)]
    lo, hi = np.log10(shown_losses.min()), np.log10(shown_losses.max())
    fig.update_xaxes(range=[-0.02 * epochs, 1.02 * epochs], row=1, col=2)
    fig.update_yaxes(title_text="mean squared error", type="log", range=[lo - 0.1, hi + 0.1], row=1, col=2)
    # the current epoch: a dotted line (a layout shape). Moving a one-point marker trace instead cost one move in
    # ~14 about 460 ms in the browser (measured with `make e2e`), against ~70 ms for the shape.
    fig.add_vline(x=epochs - 1, line=dict(color="black", width=1, dash="dot"), row=1, col=2)
    fig.update_layout(height=420, width=900, showlegend=False)

    epoch_s = W.SelectionSlider(options=hist.snapshot_epochs, value=hist.snapshot_epochs[-1], description="epoch",
                                continuous_update=True)
    lr_s = W.SelectionSlider(options=list(XOR_WIDGET_LRS), value=XOR_WIDGET_LRS[1], description="learning rate")
    hid_s = W.SelectionSlider(options=list(XOR_WIDGET_HIDDEN), value=XOR_WIDGET_HIDDEN[0], description="hidden units")
    status = W.HTML()

    shown = {"k": None}  # the configuration whose loss curve is drawn: resent only when it changes

    def update(_=None):
        k = configs.index((lr_s.value, hid_s.value))
        t = hist.snapshot_epochs.index(epoch_s.value)
        Ws, bs = hist.snapshots[t]
        out = forward_pass([w[k] for w in Ws], [b[k] for b in bs], G)[-1].reshape(grid, grid).numpy()
        pts = forward_pass([w[k] for w in Ws], [b[k] for b in bs], X)[-1][:, 0]
        correct = int(((pts > 0.5).double() == Y).sum())
        e = min(epoch_s.value, epochs - 1)
        with fig.batch_update():
            fig.data[0].z = out
            fig.data[1].z = out
            if shown["k"] != k:  # an epoch move keeps the 1,500-point curve: do not resend it
                fig.data[3].y, shown["k"] = losses[:, k], k
            fig.layout.shapes[0].x0 = fig.layout.shapes[0].x1 = e
            fig.layout.title = (f"lr={lr_s.value}, {hid_s.value} hidden units, epoch {epoch_s.value}: "
                                f"{correct}/4 correct")
        status.value = f"<b>{correct}/4</b> XOR points correct at epoch {epoch_s.value}"

    for s in (epoch_s, lr_s, hid_s):
        s.observe(update, names="value")
    update()
    root = W.VBox([W.HBox([epoch_s, lr_s, hid_s]), status, fig])
    return WidgetUI(root, fig, {"epoch": epoch_s, "lr": lr_s, "hidden": hid_s},
                    state={"history": hist, "configs": configs})
