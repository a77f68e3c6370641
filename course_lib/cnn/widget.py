"""What the reader of lecture 02 sees: its figures and the live widget (thin: they draw precomputed numbers).

* ``*_figure`` / :func:`comparison_table` -- one function per lecture figure, so the lecture's
  cells hold the computation and the claim, not the trace-by-trace plotting;
* :func:`build_cnn_widget` -- pick a first-layer unit (its filter, its activation-maximising
  input, its favourite digits) and a sparsity level (the Olshausen-Field dictionary).
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from course_lib.cnn.experiments import top_digits
from course_lib.cnn.kernels import IMAGE, _check_params, conv1_unit_phi
from course_lib.cnn.train import activation_maximization, train_cnn
from course_lib.core.data import digits
from course_lib.core.validate import as_tensor, check_in_range, check_int, check_positive
from course_lib.sparse_coding import learn_dictionary, natural_patches, tile_atoms
from course_lib.ui.plotting import figure
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "equivariance_figure",
    "comparison_table",
    "filters_figure",
    "class_inputs_figure",
    "atoms_figure",
    "spread_figure",
    "grating_figure",
    "training_figure",
    "receptive_field_figure",
    "dictionary_convergence_figure",
    "transfer_figure",
    "build_cnn_widget",
]


# ----------------------------------------------------------------------------- argument checks
def _values(x, name: str, **checks) -> np.ndarray:
    """``x`` as a float64 NumPy array for plotting, checked by ``as_tensor`` (finite, non-empty, real); a tensor
    that requires grad is read as its values."""
    return as_tensor(x, name, dtype=torch.float64, **checks).detach().cpu().numpy()


def _number(v, name: str) -> float:
    return check_in_range(v, name, -np.inf, np.inf)


def _mask(x, name: str) -> np.ndarray:
    """A 2-D boolean mask (bools, or numbers 0/1)."""
    if isinstance(x, torch.Tensor) and x.dtype == torch.bool:
        t = x.detach().cpu()
    elif isinstance(x, np.ndarray) and x.dtype == bool:
        t = torch.from_numpy(x)
    else:
        t = as_tensor(x, name, ndim=2).detach().cpu()
        if not bool(((t == 0) | (t == 1)).all()):
            raise ValueError(f"{name}: expected a boolean mask (entries 0 or 1)")
    if t.ndim != 2 or t.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty 2-D mask, got shape {tuple(t.shape)}")
    return t.numpy().astype(float)


def _right(x, name: str) -> np.ndarray:
    """A 1-D boolean vector of right/wrong answers."""
    a = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x)
    if a.dtype != bool or a.ndim != 1 or a.size < 1:
        raise TypeError(f"{name}: expected a non-empty 1-D boolean array (right / wrong per test item)")
    return a


# ----------------------------------------------------------------------------- lecture figures
def equivariance_figure(eq: dict, gap, shifts) -> go.Figure:
    """Grouped bars (log scale): each layer's equivariance error ``eq[name]`` per shift, and the
    invariance error ``gap`` of global average pooling."""
    if not isinstance(shifts, (list, tuple)) or not shifts:
        raise TypeError(f"shifts: expected a non-empty list of (dy, dx) pairs, got {shifts!r:.60}")
    if not isinstance(eq, dict) or not eq:
        raise TypeError("eq: expected a non-empty dict {layer name: equivariance errors per shift}")
    eq = {name: _values(e, f"eq[{name!r}]", shape=(len(shifts),)) for name, e in eq.items()}
    gap = _values(gap, "gap", shape=(len(shifts),))
    fig = figure("Circular convolution commutes with every shift; stride and pooling only with even ones",
                 "shift δ (pixels)", "relative error min_t ‖f(T_δ x) − T_t f(x)‖ / ‖f(x)‖", barmode="group")
    labels = [str(s) for s in shifts]
    for name, e in eq.items():
        fig.add_bar(x=labels, y=np.maximum(e, 1e-17), name=name)
    fig.add_bar(x=labels, y=np.maximum(gap, 1e-17), name="conv + ReLU + global avg pool (invariance)")
    fig.update_yaxes(type="log")
    return fig


def comparison_table(right_cnn, right_svm, n_params: int, n_support: int) -> go.Figure:
    """The CNN-vs-SVM table: parameters, test accuracy and errors from the per-digit right/wrong vectors."""
    right_cnn, right_svm = _right(right_cnn, "right_cnn"), _right(right_svm, "right_svm")
    if right_svm.shape != right_cnn.shape:
        raise ValueError(f"right_svm: {right_svm.size} items, but right_cnn has {right_cnn.size}")
    n_params = check_int(n_params, "n_params", min_value=0)
    n_support = check_int(n_support, "n_support", min_value=0)
    n_te = len(right_cnn)
    table = go.Figure(go.Table(
        header=dict(values=["model", "parameters", "test accuracy", "test errors"]),
        cells=dict(values=[["small CNN (conv5×5·8 → conv3×3·16 → linear)", "RBF SVM (C=10, γ='scale')"],
                           [f"{n_params:,}", f"{n_support:,} support vectors"],
                           [f"{right_cnn.mean():.2%}", f"{right_svm.mean():.2%}"],
                           [int((~right_cnn).sum()), int((~right_svm).sum())]])))
    better = "the RBF SVM" if right_svm.sum() > right_cnn.sum() else "the CNN"
    table.update_layout(title=f"Both classifiers on the same {n_te} test digits: {better} makes fewer errors",
                        height=330)
    return table


def filters_figure(params, model: int = 0) -> go.Figure:
    """All first-layer filters of one model side by side (each scaled to max |w| = 1; NaN gaps draw blank)."""
    W1 = _check_params(params)["W1"]
    W1 = W1[check_int(model, "model", min_value=0, max_value=W1.shape[0] - 1)].detach()
    C1, k1 = W1.shape[0], W1.shape[-1]
    tiles = tile_atoms(W1.reshape(C1, -1).T.cpu(), n_cols=C1).numpy()[::-1]
    fig = go.Figure(go.Heatmap(z=tiles, colorscale="RdBu_r", zmid=0, showscale=False))
    fig.update_xaxes(tickvals=[(k1 + 1) * k + k1 // 2 for k in range(C1)], ticktext=[f"unit {k}" for k in range(C1)])
    fig.update_yaxes(showticklabels=False, scaleanchor="x")
    fig.update_layout(title=f"First-layer {k1}×{k1} filters of the digit CNN: oriented stroke and edge detectors",
                      height=220, template="plotly_white")
    return fig


def class_inputs_figure(x_cls) -> go.Figure:
    """The 20 class-maximising inputs (L2 only for classes 0-9, then L2 + TV) as two rows of ten."""
    x_cls = as_tensor(x_cls, "x_cls", dtype=torch.float64).detach().cpu()
    if x_cls.numel() != 20 * 64:
        raise ValueError(f"x_cls: expected 20 inputs of 8 x 8 pixels, got shape {tuple(x_cls.shape)}")
    fig = go.Figure(go.Heatmap(z=tile_atoms(x_cls.reshape(20, 64).T, n_cols=10).numpy()[::-1],
                               colorscale="Greys", showscale=False))
    fig.update_xaxes(tickvals=[9 * k + 3.5 for k in range(10)], ticktext=[f"class {k}" for k in range(10)])
    fig.update_yaxes(tickvals=[3.5, 12.5], ticktext=["L2 + TV", "L2 only"], scaleanchor="x")
    fig.update_layout(title="Inputs that maximise each class logit: L2 prior (top) is speckled, "
                            "L2 + TV (bottom) smoother", height=300, template="plotly_white")
    return fig


def atoms_figure(D_sparse, D_pca, lam: float) -> go.Figure:
    """The sparse-coding atoms (at penalty ``lam``) next to the PCA components of the same patches."""
    D_sparse, D_pca = (torch.from_numpy(_values(D, name, ndim=2)) for D, name in ((D_sparse, "D_sparse"),
                                                                                   (D_pca, "D_pca")))
    lam = check_positive(lam, "lam", allow_zero=True)
    heat = dict(colorscale="RdBu_r", zmid=0, showscale=False)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"sparse coding, λ = {lam:g}", "PCA (same patches)"))
    fig.add_trace(go.Heatmap(z=tile_atoms(D_sparse).numpy()[::-1], **heat), 1, 1)
    fig.add_trace(go.Heatmap(z=tile_atoms(D_pca).numpy()[::-1], **heat), 1, 2)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(title="Sparse atoms are local, oriented edges; PCA components are global gratings",
                      height=420, template="plotly_white")
    return fig


def spread_figure(spread_sparse, spread_pca, uniform: float, threshold: float | None = None) -> go.Figure:
    """Overlaid histograms of the atoms' spatial spread, with the uniform-energy value dashed (and
    the claim's ``threshold`` dotted, when given)."""
    spread_sparse = _values(spread_sparse, "spread_sparse", ndim=1)
    spread_pca = _values(spread_pca, "spread_pca", ndim=1)
    uniform = check_positive(uniform, "uniform")
    threshold = None if threshold is None else check_positive(threshold, "threshold")
    fig = figure("Sparse atoms concentrate their energy: smaller spatial spread than PCA", "spatial spread (pixels)",
                 "atoms", barmode="overlay")
    fig.add_histogram(x=spread_sparse, name="sparse coding", opacity=0.6, nbinsx=20)
    fig.add_histogram(x=spread_pca, name="PCA", opacity=0.6, nbinsx=20)
    fig.add_vline(x=uniform, line_dash="dash", annotation_text="uniform energy")
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dot", annotation_text="uniform on 7×7", annotation_position="bottom")
    return fig


def grating_figure(simple, complex_) -> go.Figure:
    """Simple- and complex-cell responses over the grating's phase (``len(simple)`` phases in [0, 2π))."""
    simple = _values(simple, "simple", ndim=1)
    complex_ = _values(complex_, "complex_", shape=simple.shape)
    fig = figure("A simple cell is phase-sensitive; pooling makes a phase-invariant complex cell",
                 "grating phase (rad)", "response (a.u.)")
    phase = np.arange(len(simple)) * 2 * np.pi / len(simple)
    fig.add_scatter(x=phase, y=simple, name="simple: ReLU(⟨atom, grating⟩)")
    fig.add_scatter(x=phase, y=complex_, name="complex: max-pool over 5×5 shifts")
    return fig


def training_figure(loss) -> go.Figure:
    """The training loss (nats) per epoch of one CNN, on a log scale."""
    loss = _values(loss, "loss").reshape(-1)
    if np.any(loss <= 0):
        raise ValueError("loss: a log-scale plot needs losses > 0")
    fig = figure("The CNN's training loss flattens out: it is trained to convergence", "epoch",
                 "mean training cross-entropy (nats)")
    fig.add_scatter(x=np.arange(1, len(loss) + 1), y=loss, mode="lines+markers", name="training loss")
    fig.update_yaxes(type="log")
    return fig


def receptive_field_figure(rf_stack, rf_single) -> go.Figure:
    """Side by side: the input pixels seen by the centre unit of a 3x3 stack and of one big filter."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("three 3×3 conv + ReLU", "one 7×7 conv"))
    masks = {1: _mask(rf_stack, "rf_stack"), 2: _mask(rf_single, "rf_single")}
    for col, z in masks.items():
        z = z[::-1]
        fig.add_trace(go.Heatmap(z=z, colorscale="Blues", showscale=False, zmin=0, zmax=1), 1, col)
        fig.update_yaxes(scaleanchor=f"x{col if col > 1 else ''}", showticklabels=False, row=1, col=col)
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    fig.update_layout(title="Both see the same 7×7 window (pixels where the back-propagated impulse is non-zero)",
                      height=320, template="plotly_white")
    return fig


def dictionary_convergence_figure(energy, spread_mean, spread_low, spread_high, lams, lam_index: int = -1) -> go.Figure:
    """Left: energy per patch per pass for every lambda; right: the mean spatial spread of one
    dictionary's atoms per pass, with its 95 % confidence band."""
    energy = _values(energy, "energy", ndim=2)
    passes = np.arange(1, energy.shape[0] + 1)
    lams = [float(v) for v in _values(lams, "lams", shape=(energy.shape[1],))]
    lam_index = check_int(lam_index, "lam_index", min_value=-len(lams), max_value=len(lams) - 1)
    spread_mean, spread_low, spread_high = (_values(v, name, shape=(energy.shape[0],)) for v, name in (
        (spread_mean, "spread_mean"), (spread_low, "spread_low"), (spread_high, "spread_high")))
    fig = make_subplots(rows=1, cols=2, subplot_titles=("energy per patch (O&F eq. 2)",
                                                        f"mean spatial spread, λ = {lams[lam_index]:g}"))
    for j, lam in enumerate(lams):
        fig.add_scatter(x=passes, y=energy[:, j], name=f"λ = {lam:g}", row=1, col=1)
    m, lo, hi = (np.asarray(v, dtype=float) for v in (spread_mean, spread_low, spread_high))
    fig.add_scatter(x=np.r_[passes, passes[::-1]], y=np.r_[hi, lo[::-1]], fill="toself", line=dict(width=0),
                    opacity=0.2, showlegend=False, row=1, col=2)
    fig.add_scatter(x=passes, y=m, name="mean spread (95 % CI)", row=1, col=2)
    fig.update_xaxes(title_text="pass over the patches")
    fig.update_yaxes(title_text="energy per patch", row=1, col=1)
    fig.update_yaxes(title_text="spread (pixels)", row=1, col=2)
    fig.update_layout(title="Dictionary learning has converged: the energy and the atoms' spread level off",
                      height=380, template="plotly_white")
    return fig


def transfer_figure(losses: dict, margin: float) -> go.Figure:
    """For each arm (name -> (mean, low, high) of the accuracy lost against full fine-tuning, as
    fractions), the mean and its 95 % CI, with the non-inferiority margin dashed."""
    if not isinstance(losses, dict) or not losses:
        raise TypeError("losses: expected a non-empty dict {arm name: (mean, low, high)}")
    losses = {name: _values(v, f"losses[{name!r}]", shape=(3,)) for name, v in losses.items()}
    margin = _number(margin, "margin")
    fig = figure("Freezing transferred layers costs accuracy beyond the first layer, and random layers do as well",
                 "accuracy lost against full fine-tuning (percentage points)", "")
    names = list(losses)
    m = np.array([losses[n][0] for n in names]) * 100
    lo = np.array([losses[n][1] for n in names]) * 100
    hi = np.array([losses[n][2] for n in names]) * 100
    fig.add_scatter(x=m, y=names, mode="markers", error_x=dict(type="data", symmetric=False, array=hi - m,
                                                                arrayminus=m - lo), name="mean, 95 % CI")
    fig.add_vline(x=100 * margin, line_dash="dash", annotation_text="margin")
    fig.add_vline(x=0, line_color="grey")
    fig.update_layout(height=340, showlegend=False)
    return fig


# ----------------------------------------------------------------------------- the live widget
def _mosaic(images: torch.Tensor, gap: float = float("nan")) -> np.ndarray:
    """Images (M, h, w) side by side, one NaN column between them, flipped for a heatmap."""
    M, h, w = images.shape
    out = np.full((h, M * (w + 1) - 1), gap)
    for i in range(M):  # display helper over a handful of images
        out[:, i * (w + 1) : i * (w + 1) + w] = images[i].cpu().numpy()
    return out[::-1]


def _widget_title(unit: int, lam: float) -> str:
    return f"Unit {unit}: its filter, preferred input and favourite digits · dictionary at λ = {lam:g}"


def _json_safe(a) -> np.ndarray:
    """A heatmap's z with its NaN gaps drawn as 0 (white in both colour scales used here).

    NaN is not valid JSON, and a live FigureWidget sends its data to the browser as JSON
    (jupyter_client warns, then mangles it); finite float arrays travel as binary buffers."""
    return np.ascontiguousarray(np.nan_to_num(np.asarray(a, dtype=float), nan=0.0))



def build_cnn_widget(
    params=None, X=None, act_max=None, dictionaries=None, lams=None, n_top: int = 6
) -> WidgetUI:
    """Pick a first-layer unit: its filter, its activation-maximising input (L2 + TV prior),
    its top-activating digits; a sparsity slider picks the Olshausen-Field dictionary from
    a precomputed lambda grid.  With no arguments everything is computed here (a few seconds):
    a CNN on the digits and a small batched dictionary grid."""
    if params is None or X is None:
        X, y = digits()
        params, _ = train_cnn(X, y, n_epochs=4, batch_size=128, lr=0.02, seed=0)
    params = _check_params(params)
    C1 = params["W1"].shape[1]
    if act_max is None:
        act_max = activation_maximization(
            conv1_unit_phi(params), (C1, IMAGE, IMAGE), l2=1.0, tv=0.05, steps=150, lr=0.05, tol=None
        )
    if dictionaries is None or lams is None:
        lams = torch.tensor([0.3, 1.0])
        dictionaries, _ = learn_dictionary(natural_patches(8, 800, seed=0), 64, lams, 10)
    lams = [float(v) for v in _values(lams, "lams", ndim=(0, 1)).reshape(-1)]
    if not isinstance(dictionaries, (list, tuple, torch.Tensor)) or len(dictionaries) != len(lams):
        raise ValueError(f"dictionaries: expected one per lambda ({len(lams)}), got {len(dictionaries)}")
    n_top = check_int(n_top, "n_top", min_value=1)
    filters = params["W1"][0].cpu()  # (C1, k, k)
    top = top_digits(params, X, n_top)
    tiles = [_json_safe(tile_atoms(D).numpy()[::-1]) for D in dictionaries]
    digits_cpu = torch.as_tensor(X).cpu()

    # build a plain Figure first and wrap it once: every change to a live FigureWidget is a
    # message to the front end, so building it in place would send a dozen redundant updates
    fig = make_subplots(
        rows=1,
        cols=4,
        column_widths=[0.14, 0.18, 0.38, 0.30],
        subplot_titles=("filter W1[k]", "argmax input (L2+TV)", f"top-{n_top} digits", "O-F dictionary"),
    )
    heat = dict(colorscale="RdBu_r", zmid=0, showscale=False)
    fig.add_trace(go.Heatmap(z=filters[0].numpy()[::-1], **heat), 1, 1)
    fig.add_trace(go.Heatmap(z=act_max[0].cpu().numpy()[::-1], **heat), 1, 2)
    fig.add_trace(go.Heatmap(z=_json_safe(_mosaic(digits_cpu[top[0]])), colorscale="Greys", showscale=False), 1, 3)
    fig.add_trace(go.Heatmap(z=tiles[0], **heat), 1, 4)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    for col in range(1, 5):  # square pixels in every panel
        fig.update_yaxes(scaleanchor="x" if col == 1 else f"x{col}", constrain="domain", row=1, col=col)
        fig.update_xaxes(constrain="domain", row=1, col=col)
    fig.update_layout(
        title=_widget_title(0, lams[0]),
        height=330,
        margin=dict(l=10, r=10, t=80, b=10),
        template="plotly_white",
    )
    fig = go.FigureWidget(fig)
    unit = W.IntSlider(value=0, min=0, max=C1 - 1, description="unit")
    lam = W.SelectionSlider(options=[(f"{v:g}", i) for i, v in enumerate(lams)], value=0, description="λ")

    def update(_=None):
        k, j = unit.value, lam.value
        with fig.batch_update():
            fig.data[0].z = filters[k].numpy()[::-1]
            fig.data[1].z = act_max[k].cpu().numpy()[::-1]
            fig.data[2].z = _json_safe(_mosaic(digits_cpu[top[k]]))
            fig.data[3].z = tiles[j]
            fig.layout.title.text = _widget_title(k, lams[j])

    unit.observe(update, "value")
    lam.observe(update, "value")
    root = W.VBox([W.HBox([unit, lam]), fig])
    return WidgetUI(root, fig, {"unit": unit, "lam": lam}, state={"filters": filters, "tiles": tiles, "top": top})
