"""Backpropagation written by hand, as the chain rule (Rumelhart, Hinton & Williams 1986).

Every unit is a sigmoid: total input x_j = Σᵢ yᵢ w_ji + b_j (RHW eq. 1), output
y_j = 1/(1+e^{−x_j}) (eq. 2).  The loss is the mean squared error
mean((y − d)²) (RHW's E = ½ΣΣ(y−d)² up to the constant factor n·m/2).

The functional core (:func:`forward_pass`, :func:`backward_pass`) broadcasts over leading
dimensions of the weights, so :func:`train_many` trains S networks -- many seeds,
learning rates or widths -- as one tensor program, and returns the course's one history
type, :class:`course_lib.core.history.TrainHistory`.

The forward and backward passes stay hand-written here on purpose: lecture 01 teaches
backpropagation, so this code *is* the lesson (lecture 01 prints the source of both).
Topics that only need a trained network, not the chain rule, should not copy it.

Sections: the kernels (:func:`init_params`, :func:`forward_pass`, :func:`backward_pass`,
:class:`SigmoidMLP`, :func:`train_many`, :func:`gradient_norm`), the lecture's figure
(:func:`loss_traces_figure`), the exercise, and the XOR widget.
"""
from __future__ import annotations

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.exercises import Case, Exercise
from course_lib.core.history import TrainHistory
from course_lib.core.validate import Diverged, as_tensor, check_int, check_layer_sizes, check_positive

__all__ = [
    "SigmoidMLP", "init_params", "forward_pass", "backward_pass", "train_many", "TrainHistory", "gradient_norm",
    "loss_traces_figure", "exercise_layer_backward", "build_xor_boundary_widget",
]


def _check_sizes(sizes) -> list[int]:
    return check_layer_sizes(sizes, "sizes", min_layers=1)


def init_params(sizes, n_nets=None, seed=0, init_scale=1.0, dtype=torch.float64, device=None):
    """Weights (…, out, in) and biases (…, out) drawn uniform in [−init_scale, init_scale]·/√fan_in."""
    dev = get_device(device)
    g = generator(seed, torch.device("cpu"))
    lead = () if n_nets is None else (n_nets,)
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = init_scale / fan_in**0.5
        weights.append(((torch.rand(*lead, fan_out, fan_in, generator=g, dtype=dtype) * 2 - 1) * bound).to(dev))
        biases.append(((torch.rand(*lead, fan_out, generator=g, dtype=dtype) * 2 - 1) * bound).to(dev))
    return weights, biases


def forward_pass(weights, biases, X) -> list[torch.Tensor]:
    """Activations [X, y¹, …, yᴸ]; eq. (1)–(2) layer by layer.  Broadcasts over leading dims."""
    acts = [X]
    for W, b in zip(weights, biases):
        acts.append(torch.sigmoid(acts[-1] @ W.transpose(-1, -2) + b.unsqueeze(-2)))
    return acts


def backward_pass(weights, acts, Y):
    """∂/∂W, ∂/∂b of mean((yᴸ − Y)²) by the chain rule, from the last layer back.

    δᴸ = ∂E/∂yᴸ ⊙ yᴸ(1−yᴸ);  ∂E/∂Wˡ = δˡᵀ yˡ⁻¹;  ∂E/∂bˡ = Σₙ δˡ;  δˡ⁻¹ = (δˡ Wˡ) ⊙ yˡ⁻¹(1−yˡ⁻¹).
    """
    out = acts[-1]
    delta = 2.0 * (out - Y) / (out.shape[-2] * out.shape[-1]) * out * (1 - out)
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        prev = acts[layer]
        dWs[layer] = delta.transpose(-1, -2) @ prev
        dbs[layer] = delta.sum(dim=-2)
        if layer > 0:
            delta = (delta @ weights[layer]) * prev * (1 - prev)
    return dWs, dbs


class SigmoidMLP:
    """A fully connected sigmoid network, weights shaped (out, in), with hand-written backprop."""

    def __init__(self, sizes, seed: int = 0, dtype: torch.dtype = torch.float64, device=None, init_scale: float = 1.0):
        self.sizes = _check_sizes(sizes)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype: expected a floating torch dtype, got {dtype!r}")
        check_positive(init_scale, "init_scale")
        self.dtype, self.device = dtype, get_device(device)
        self.weights, self.biases = init_params(self.sizes, None, seed, init_scale, dtype, self.device)

    def _X(self, X, name="X"):
        return as_tensor(X, name, shape=(None, self.sizes[0]), dtype=self.dtype, device=self.device)

    def _XY(self, X, Y):
        X = self._X(X)
        Y = as_tensor(Y, "Y", ndim=(1, 2), dtype=self.dtype, device=self.device)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.shape != (X.shape[0], self.sizes[-1]):
            raise ValueError(f"Y: expected shape ({X.shape[0]}, {self.sizes[-1]}), got {tuple(Y.shape)}")
        return X, Y

    def forward(self, X) -> torch.Tensor:
        """Network output, shape (n, sizes[-1])."""
        return forward_pass(self.weights, self.biases, self._X(X))[-1]

    __call__ = forward

    def loss(self, X, Y) -> float:
        """Mean squared error mean((y − d)²) as a float."""
        X, Y = self._XY(X, Y)
        return float(((self.forward(X) - Y) ** 2).mean())

    def gradients(self, X, Y):
        """(dW_list, db_list) of :meth:`loss`, by hand-written backprop."""
        X, Y = self._XY(X, Y)
        return backward_pass(self.weights, forward_pass(self.weights, self.biases, X), Y)

    def step(self, X, Y, lr: float) -> float:
        """One gradient-descent step; returns the loss before the step."""
        lr = check_positive(lr, "lr")
        X, Y = self._XY(X, Y)
        acts = forward_pass(self.weights, self.biases, X)
        dWs, dbs = backward_pass(self.weights, acts, Y)
        for W, b, dW, db in zip(self.weights, self.biases, dWs, dbs):
            W -= lr * dW
            b -= lr * db
        return float(((acts[-1] - Y) ** 2).mean())


def train_many(X, Y, sizes, n_nets: int, lr=1.0, epochs: int = 1000, seed: int = 0, init_scale: float = 1.0,
               hidden_mask=None, batch_size: int | None = None, robbins_monro: float | None = None,
               snapshot_every: int | None = None, device=None) -> TrainHistory:
    """Train ``n_nets`` sigmoid networks at once (batched over a leading dimension S).

    * ``lr``: a float or a tensor (S,) of per-network learning rates.
    * ``hidden_mask``: (S, sizes[1]) of 0/1 to give networks fewer hidden units (a 1-hidden-layer
      net with masked units equals the smaller net exactly).
    * ``batch_size``: None for full-batch gradient descent; else SGD on shuffled mini-batches
      (the same order for every net); ``robbins_monro=τ`` uses ηₜ = lr/(1 + t/τ), so that
      Σηₜ = ∞ and Σηₜ² < ∞ (Robbins & Monro 1951).
    * ``snapshot_every``: keep (weights, biases) every that many epochs and at the end.

    Returns a :class:`~course_lib.core.history.TrainHistory` with ``method`` "GD" (full batch)
    or "SGD", ``loss`` (epochs, S) -- the mean squared error before each epoch's step(s) --, the
    final ``weights`` (S, out, in) and ``biases``, ``snapshots`` and ``snapshot_epochs``.
    Raises :class:`Diverged` if any loss becomes non-finite.
    """
    dev = get_device(device)
    sizes = _check_sizes(sizes)
    n_nets = check_int(n_nets, "n_nets", min_value=1)
    epochs = check_int(epochs, "epochs", min_value=1)
    check_positive(init_scale, "init_scale")
    X = as_tensor(X, "X", shape=(None, sizes[0]), dtype=torch.float64, device=dev)
    Y = as_tensor(Y, "Y", ndim=(1, 2), dtype=torch.float64, device=dev)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.shape != (X.shape[0], sizes[-1]):
        raise ValueError(f"Y: expected shape ({X.shape[0]}, {sizes[-1]}), got {tuple(Y.shape)}")
    if isinstance(lr, (int, float)) and not isinstance(lr, bool):
        lr_t = torch.full((n_nets,), check_positive(lr, "lr"), dtype=torch.float64, device=dev)
    else:
        lr_t = as_tensor(lr, "lr", shape=(n_nets,), dtype=torch.float64, device=dev)
        if bool((lr_t <= 0).any()):
            raise ValueError("lr: every learning rate must be > 0")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", min_value=1, max_value=X.shape[0])
    if robbins_monro is not None:
        robbins_monro = check_positive(robbins_monro, "robbins_monro")
    if snapshot_every is not None:
        snapshot_every = check_int(snapshot_every, "snapshot_every", min_value=1)

    weights, biases = init_params(sizes, n_nets, seed, init_scale, torch.float64, dev)
    masks = None
    if hidden_mask is not None:
        if len(sizes) != 3:
            raise ValueError("hidden_mask: only for networks with one hidden layer")
        m = as_tensor(hidden_mask, "hidden_mask", shape=(n_nets, sizes[1]), dtype=torch.float64, device=dev)
        masks = [m[:, :, None], m[:, :, None].new_ones(1), m[:, None, :]]  # W1 rows, (unused), W2 cols
        weights[0] *= masks[0]
        biases[0] *= m
        weights[1] *= masks[2]

    g = generator(seed + 1, torch.device("cpu"))
    n = X.shape[0]
    losses, snapshots, snap_epochs = [], [], []
    step = 0
    for epoch in range(epochs):
        if snapshot_every and epoch % snapshot_every == 0:
            snapshots.append(([w.clone() for w in weights], [b.clone() for b in biases]))
            snap_epochs.append(epoch)
        order = torch.arange(n) if batch_size is None else torch.randperm(n, generator=g)
        bs = n if batch_size is None else batch_size
        for start in range(0, n, bs):
            idx = order[start:start + bs].to(dev)
            acts = forward_pass(weights, biases, X[idx])
            if start == 0:
                loss = ((forward_pass(weights, biases, X)[-1] - Y) ** 2).mean(dim=(-1, -2)) if bs < n else \
                    ((acts[-1] - Y[idx]) ** 2).mean(dim=(-1, -2))
                losses.append(loss)
            dWs, dbs = backward_pass(weights, acts, Y[idx])
            eta = lr_t if robbins_monro is None else lr_t / (1 + step / robbins_monro)
            for layer, (dW, db) in enumerate(zip(dWs, dbs)):
                if masks is not None and layer == 1:
                    dW = dW * masks[2]
                weights[layer] -= eta[:, None, None] * dW
                biases[layer] -= eta[:, None] * db
            step += 1
        if not bool(torch.isfinite(losses[-1]).all()):
            raise Diverged(f"lr: training diverged at epoch {epoch} (loss is not finite); use a smaller lr")
    if snapshot_every:
        snapshots.append(([w.clone() for w in weights], [b.clone() for b in biases]))
        snap_epochs.append(epochs)
    return TrainHistory(method="GD" if batch_size is None else "SGD", loss=torch.stack(losses), weights=weights,
                        biases=biases, snapshots=snapshots, snapshot_epochs=snap_epochs,
                        params=dict(sizes=sizes, lr=lr_t, epochs=epochs, seed=seed, init_scale=init_scale,
                                    batch_size=batch_size, robbins_monro=robbins_monro))


def gradient_norm(weights, biases, X, Y) -> torch.Tensor:
    """‖∇E‖ over all weights and biases of each network: shape (S,) for weights (S, out, in).

    ``Y`` is (n,) or (n, out); the gradient is :func:`backward_pass` of mean((yᴸ − Y)²).
    """
    X = as_tensor(X, "X", ndim=2, dtype=weights[0].dtype, device=weights[0].device)
    Y = as_tensor(Y, "Y", ndim=(1, 2), dtype=weights[0].dtype, device=weights[0].device)
    Y = Y[:, None] if Y.ndim == 1 else Y
    dWs, dbs = backward_pass(weights, forward_pass(weights, biases, X), Y)
    return torch.sqrt(sum((d ** 2).sum(dim=tuple(range(1, d.ndim))) for d in dWs + dbs))


def loss_traces_figure(loss, solved, title: str, every: int = 25, stride: int = 10):
    """Every ``every``-th network's loss curve (sampled each ``stride`` epochs), blue if it
    ``solved`` the task, red if not; ``loss`` is a (epochs, S) history, ``solved`` (S,) bool."""
    from course_lib.ui.plotting import figure

    loss = as_tensor(loss, "loss", ndim=2, finite=False)
    every = check_int(every, "every", min_value=1)
    stride = check_int(stride, "stride", min_value=1)
    if not isinstance(solved, torch.Tensor) or solved.dtype != torch.bool or solved.shape != loss.shape[1:]:
        raise TypeError(f"solved: expected a bool tensor of shape ({loss.shape[1]},), got {solved!r:.60}")
    fig = figure(title, "epoch", "mean squared error (log scale)", yaxis_type="log")
    epochs = np.arange(0, loss.shape[0], stride)
    for k in range(0, loss.shape[1], every):
        fig.add_scatter(y=loss[::stride, k].cpu().numpy(), x=epochs, mode="lines", showlegend=False,
                        line=dict(width=1, color="#1f77b4" if bool(solved[k]) else "#d62728"))
    return fig


def exercise_layer_backward() -> Exercise:
    """Exercise: the backward pass of one sigmoid layer.

    ``layer_backward(W, x, y, grad_y) -> (grad_W, grad_b, grad_x)`` for y = σ(x Wᵀ + b),
    x of shape (n, in), W (out, in), and grad_y = ∂E/∂y of shape (n, out).
    """
    g = torch.Generator().manual_seed(7)
    cases = []
    for n, d_in, d_out in [(1, 2, 1), (4, 3, 2), (5, 2, 3)]:
        W = torch.randn(d_out, d_in, generator=g, dtype=torch.float64)
        b = torch.randn(d_out, generator=g, dtype=torch.float64)
        x = torch.randn(n, d_in, generator=g, dtype=torch.float64)
        grad_y = torch.randn(n, d_out, generator=g, dtype=torch.float64)
        Wr, br, xr = (t.clone().requires_grad_(True) for t in (W, b, x))
        (torch.sigmoid(xr @ Wr.T + br) * grad_y).sum().backward()
        y = torch.sigmoid(x @ W.T + b)
        expected = (Wr.grad, br.grad, xr.grad)

        def test(result, expected=expected):
            if not isinstance(result, (tuple, list)) or len(result) != 3:
                return "return a tuple (grad_W, grad_b, grad_x)"
            for name, got, want in zip(("grad_W", "grad_b", "grad_x"), result, expected):
                got = torch.as_tensor(got, dtype=torch.float64)
                if got.shape != want.shape:
                    return f"{name} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
                err = float((got - want).abs().max())
                if err > 1e-9:
                    return f"{name} differs from autograd by {err:.2g}"
            return None

        cases.append(Case(f"n={n}, in={d_in}, out={d_out}", (W, x, y, grad_y), test=test))
    return Exercise("Backward pass of one sigmoid layer", cases,
                    hint="δ = grad_y ⊙ y(1−y); grad_W = δᵀx; grad_b = Σₙ δ; grad_x = δW.")


# -- widget: the XOR decision boundary as training proceeds ---------------------------------
from course_lib.ui.widgets import WidgetUI  # noqa: E402  (widget section)

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
    fig.add_scatter(x=[0], y=[losses[0, 0]], mode="markers", marker=dict(size=10, color="black"),
                    name="current epoch", row=1, col=2)
    fig.update_xaxes(title_text="x₁", row=1, col=1)
    fig.update_yaxes(title_text="x₂", row=1, col=1)
    fig.update_xaxes(title_text="epoch", row=1, col=2)
    fig.update_yaxes(title_text="mean squared error", type="log", row=1, col=2)
    fig.update_layout(height=420, width=900, showlegend=False)

    epoch_s = W.SelectionSlider(options=hist.snapshot_epochs, value=hist.snapshot_epochs[-1], description="epoch",
                                continuous_update=True)
    lr_s = W.SelectionSlider(options=list(XOR_WIDGET_LRS), value=XOR_WIDGET_LRS[1], description="learning rate")
    hid_s = W.SelectionSlider(options=list(XOR_WIDGET_HIDDEN), value=XOR_WIDGET_HIDDEN[0], description="hidden units")
    status = W.HTML()

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
            fig.data[3].y = losses[:, k]
            fig.data[4].x, fig.data[4].y = [e], [losses[e, k]]
            fig.layout.title = (f"lr={lr_s.value}, {hid_s.value} hidden units, epoch {epoch_s.value}: "
                                f"{correct}/4 correct")
        status.value = f"<b>{correct}/4</b> XOR points correct at epoch {epoch_s.value}"

    for s in (epoch_s, lr_s, hid_s):
        s.observe(update, names="value")
    update()
    root = W.VBox([W.HBox([epoch_s, lr_s, hid_s]), status, fig])
    return WidgetUI(root, fig, {"epoch": epoch_s, "lr": lr_s, "hidden": hid_s},
                    state={"history": hist, "configs": configs})
