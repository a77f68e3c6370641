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

Kernels: :func:`init_params`, :func:`forward_pass`, :func:`backward_pass`, :class:`SigmoidMLP`,
:func:`train_many`, :func:`gradient_norm`; the Hessian by central differences of the hand-written
gradient (:func:`hessian`, over :func:`flatten_params`); stochastic approximation on a stream of
noisy labels -- Robbins–Monro SGD (:func:`sgd_stream`), its linearised noise floor
(:func:`noise_floor`) and Kiefer–Wolfowitz finite differences (:func:`kw_quotients`,
:func:`kw_moments`, :func:`noisy_loss_moments`).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.history import TrainHistory
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_float_dtype,
    check_int,
    check_layer_sizes,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
    per_batch,
)

__all__ = [
    "SigmoidMLP", "init_params", "forward_pass", "backward_pass", "train_many", "TrainHistory", "gradient_norm",
    "flatten_params", "unflatten_params", "hessian", "sgd_stream", "noise_floor", "noisy_loss_moments",
    "kw_quotients", "kw_moments", "kw_stream",
]


#: |w| beyond this is a blow-up, not learning: a sigmoid is flat (exactly 0 or 1 in float64) beyond |z| ~ 40,
#: so a weight thrown to 1e6 by one step never moves again (train_many, sgd_stream and kw_stream raise Diverged)
WEIGHT_BOUND = 1e6


def _check_sizes(sizes) -> list[int]:
    return check_layer_sizes(sizes, "sizes", min_layers=1)


def _n_params(sizes) -> int:
    return sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))


def _blown_up(weights) -> float | None:
    """The largest |weight| when some weight left [-WEIGHT_BOUND, WEIGHT_BOUND] (or is not finite), else None."""
    top = max(float(W.detach().abs().max()) for W in weights)
    return None if top <= WEIGHT_BOUND else top


def _check_net(weights, biases, X=None):
    """Layers that chain -- ``weights`` (..., out, in), ``biases`` (..., out), one per layer -- and inputs ``X``
    (..., n, sizes[0]) converted to the weights' dtype (a tensor that requires grad keeps its graph)."""
    sizes = _sizes_of(weights)
    if not isinstance(biases, (list, tuple)) or len(biases) != len(weights) \
            or not all(isinstance(b, torch.Tensor) for b in biases):
        raise ValueError(f"biases: expected a list of {len(weights)} tensors (one per layer, like weights)")
    for i, (W, b) in enumerate(zip(weights, biases)):
        if not W.is_floating_point() or W.ndim < 2:
            raise TypeError(f"weights: layer {i} must be a floating tensor (..., out, in), got {W.dtype} "
                            f"{tuple(W.shape)}")
        if i and W.shape[-1] != weights[i - 1].shape[-2]:
            raise ValueError(f"weights: layer {i} takes {W.shape[-1]} inputs but layer {i - 1} has "
                             f"{weights[i - 1].shape[-2]} outputs")
        if not b.is_floating_point() or b.shape[-1:] != W.shape[-2:-1]:
            raise ValueError(f"biases: layer {i} must be (..., {W.shape[-2]}), got {tuple(b.shape)}")
    if X is None:
        return sizes
    X = as_tensor(X, "X", dtype=weights[0].dtype, device=weights[0].device)
    if X.ndim < 2 or X.shape[-1] != sizes[0]:
        raise ValueError(f"X: expected (..., n, {sizes[0]}) inputs, got shape {tuple(X.shape)}")
    return X


def init_params(sizes, n_nets=None, seed=0, init_scale=1.0, dtype=torch.float64, device=None):
    """Weights (…, out, in) and biases (…, out) drawn uniform in [−init_scale, init_scale]·/√fan_in."""
    sizes = _check_sizes(sizes)
    n_nets = None if n_nets is None else check_int(n_nets, "n_nets", min_value=1)
    check_seed(seed)
    init_scale = check_positive(init_scale, "init_scale")
    check_float_dtype(dtype)
    check_memory(2 * (n_nets or 1) * _n_params(sizes), "n_nets" if (n_nets or 1) > max(sizes) else "sizes",
                 itemsize=dtype.itemsize, what="the parameters")
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
    X = _check_net(weights, biases, X)
    acts = [X]
    for W, b in zip(weights, biases):
        acts.append(torch.sigmoid(acts[-1] @ W.transpose(-1, -2) + b.unsqueeze(-2)))
    return acts


def backward_pass(weights, acts, Y):
    """∂/∂W, ∂/∂b of mean((yᴸ − Y)²) by the chain rule, from the last layer back.

    δᴸ = ∂E/∂yᴸ ⊙ yᴸ(1−yᴸ);  ∂E/∂Wˡ = δˡᵀ yˡ⁻¹;  ∂E/∂bˡ = Σₙ δˡ;  δˡ⁻¹ = (δˡ Wˡ) ⊙ yˡ⁻¹(1−yˡ⁻¹).
    """
    Y = _check_backward(weights, acts, Y)
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


def _check_backward(weights, acts, Y):
    """``acts`` = [X, y¹, …, yᴸ] of :func:`forward_pass` for ``weights``, and targets ``Y`` that broadcast
    against the output yᴸ (..., n, out)."""
    sizes = _sizes_of(weights)
    if not isinstance(acts, (list, tuple)) or len(acts) != len(weights) + 1 \
            or not all(isinstance(a, torch.Tensor) and a.is_floating_point() for a in acts):
        raise ValueError(f"acts: expected the {len(weights) + 1} activations [X, y1, ...] of forward_pass")
    for i, a in enumerate(acts):
        if a.ndim < 2 or a.shape[-1] != sizes[i]:
            raise ValueError(f"acts: activation {i} must be (..., n, {sizes[i]}), got {tuple(a.shape)}")
    Y = as_tensor(Y, "Y", dtype=acts[-1].dtype, device=acts[-1].device)
    try:
        np.broadcast_shapes(tuple(Y.shape), tuple(acts[-1].shape))
    except ValueError as err:
        raise ValueError(f"Y: shape {tuple(Y.shape)} does not match the output {tuple(acts[-1].shape)}") from err
    return Y


class SigmoidMLP:
    """A fully connected sigmoid network, weights shaped (out, in), with hand-written backprop."""

    def __init__(self, sizes, seed: int = 0, dtype: torch.dtype = torch.float64, device=None, init_scale: float = 1.0):
        self.sizes = _check_sizes(sizes)
        check_float_dtype(dtype)
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
    check_seed(seed)
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64, device=dev)
    if X.shape[1] != sizes[0]:
        raise ValueError(f"X: expected {sizes[0]} columns (sizes[0] = {sizes[0]} inputs), got shape {tuple(X.shape)}")
    Y = as_tensor(Y, "Y", ndim=(1, 2), dtype=torch.float64, device=dev)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.shape != (X.shape[0], sizes[-1]):
        raise ValueError(f"Y: expected shape ({X.shape[0]}, {sizes[-1]}), got {tuple(Y.shape)}")
    check_memory(n_nets * (_n_params(sizes) + 4 * X.shape[0] * sum(sizes)), "n_nets" if n_nets > max(sizes) else
                 "sizes", what="the networks and their activations")
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
    steps = epochs * (1 if batch_size is None else math.ceil(X.shape[0] / batch_size))
    check_steps(steps, "epochs", what="train_many")
    n_snap = 0 if not snapshot_every else epochs // snapshot_every + 2
    check_memory(n_nets * (_n_params(sizes) * (1 + n_snap) + 4 * X.shape[0] * sum(sizes)) + epochs * n_nets,
                 "n_nets" if n_nets > epochs else "epochs", what="the networks, activations and history")

    weights, biases = init_params(sizes, n_nets, seed, init_scale, torch.float64, dev)
    if _blown_up(weights) is not None:
        raise ValueError(f"init_scale: the initial weights reach {_blown_up(weights):.3g}, beyond {WEIGHT_BOUND:g} "
                         "where every sigmoid is flat")
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
        top = _blown_up(weights)
        if top is not None:
            raise Diverged(f"lr: training blew up at epoch {epoch}: a weight reached {top:.3g} (beyond "
                           f"{WEIGHT_BOUND:g}, where every sigmoid is flat); use a smaller lr")
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
    _check_net(weights, biases)
    X = as_tensor(X, "X", ndim=2, dtype=weights[0].dtype, device=weights[0].device)
    Y = as_tensor(Y, "Y", ndim=(1, 2), dtype=weights[0].dtype, device=weights[0].device)
    Y = Y[:, None] if Y.ndim == 1 else Y
    dWs, dbs = backward_pass(weights, forward_pass(weights, biases, X), Y)
    return torch.sqrt(sum((d ** 2).sum(dim=tuple(range(1, d.ndim))) for d in dWs + dbs))




# -- the Hessian, by central differences of backprop's gradient --------------------------------
def _sizes_of(weights) -> list[int]:
    if not isinstance(weights, (list, tuple)) or not weights or not all(isinstance(W, torch.Tensor) for W in weights):
        raise TypeError("weights: expected a non-empty list of tensors shaped (..., out, in)")
    return [weights[0].shape[-1]] + [W.shape[-2] for W in weights]


def flatten_params(weights, biases) -> torch.Tensor:
    """One parameter vector per network, shape (..., P): layer by layer, W (row-major) then b."""
    _check_net(weights, biases)
    parts = []
    for W, b in zip(weights, biases):
        parts += [W.flatten(start_dim=-2), b]
    return torch.cat(parts, dim=-1)


def unflatten_params(v: torch.Tensor, sizes) -> tuple[list, list]:
    """Inverse of :func:`flatten_params` for layer ``sizes``: (weights, biases) with v's leading dims."""
    sizes = _check_sizes(sizes)
    P = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    if not isinstance(v, torch.Tensor):
        raise TypeError(f"v: expected a tensor of parameters, got {type(v).__name__}")
    as_tensor(v, "v")  # real, finite, non-empty (v itself is returned in views, its graph kept)
    if not v.is_floating_point():
        raise TypeError(f"v: expected a floating tensor, got dtype {v.dtype}")
    if v.ndim == 0 or v.shape[-1] != P:
        raise ValueError(f"v: expected {P} parameters for sizes {sizes}, got {v.shape[-1]}")
    weights, biases, k = [], [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weights.append(v[..., k:k + fan_out * fan_in].unflatten(-1, (fan_out, fan_in)))
        k += fan_out * fan_in
        biases.append(v[..., k:k + fan_out])
        k += fan_out
    return weights, biases


def _check_targets(X, Y, sizes, dtype, device):
    X = as_tensor(X, "X", shape=(None, sizes[0]), dtype=dtype, device=device)
    Y = as_tensor(Y, "Y", ndim=(1, 2), dtype=dtype, device=device)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.shape != (X.shape[0], sizes[-1]):
        raise ValueError(f"Y: expected shape ({X.shape[0]}, {sizes[-1]}), got {tuple(Y.shape)}")
    return X, Y


def hessian(weights, biases, X, Y, h: float = 1e-4) -> torch.Tensor:
    """Hessian of mean((yᴸ − Y)²) in all parameters (order of :func:`flatten_params`): (..., P, P).

    Row k is (∇E(w + h eₖ) − ∇E(w − h eₖ)) / 2h with ∇E from :func:`backward_pass`; the 2P shifted
    copies of every network go through one batched pass.  Error O(h²) (about 1e-9 at h = 1e-4 for
    these sigmoid nets); the result is symmetrised.
    """
    sizes = _check_net(weights, biases)
    h = check_positive(h, "h")
    X, Y = _check_targets(X, Y, sizes, weights[0].dtype, weights[0].device)
    v = flatten_params(weights, biases)
    P = v.shape[-1]
    check_memory(2 * v.numel() * P * (1 + X.shape[0]), "weights", what="hessian (2P shifted copies)")
    shift = torch.eye(P, dtype=v.dtype, device=v.device) * h
    copies = torch.cat([v.unsqueeze(-2) + shift, v.unsqueeze(-2) - shift], dim=-2)  # (..., 2P, P)
    Ws, bs = unflatten_params(copies, sizes)
    g = flatten_params(*backward_pass(Ws, forward_pass(Ws, bs, X), Y))  # (..., 2P, P)
    H = (g[..., :P, :] - g[..., P:, :]) / (2 * h)
    return (H + H.transpose(-1, -2)) / 2


# -- stochastic approximation on a stream of noisy labels -------------------------------------
def _check_stream(weights, biases, X, M, per_arm: bool = False):
    sizes = _check_net(weights, biases)
    if sizes[-1] != 1:
        raise ValueError(f"weights: the stream kernels are for one output unit, got {sizes[-1]}")
    X = as_tensor(X, "X", shape=(None, sizes[0]), dtype=weights[0].dtype, device=weights[0].device)
    M = as_tensor(M, "M", ndim=(1, 2) if per_arm else 1, dtype=weights[0].dtype, device=weights[0].device)
    if M.shape[-1] != X.shape[0] or (M.ndim == 2 and M.shape[0] != weights[0].shape[0]):
        raise ValueError(f"M: expected one probability per row of X{' (per arm: (K, n))' if per_arm else ''}, "
                         f"got shape {tuple(M.shape)}")
    if bool(((M < 0) | (M > 1)).any()):
        raise ValueError("M: the probabilities of label 1 must lie in [0, 1]")
    return sizes, X, M


def sgd_stream(weights, biases, X, M, n_steps: int, lr, tau=None, seed: int = 0,
               record_every: int = 100) -> TrainHistory:
    """SGD on a stream of noisy labels, one fresh sample per step: Robbins–Monro (1951) stochastic approximation.

    ``weights``/``biases`` are shaped (K, S, out, in) / (K, S, out): K step-size arms of S seeds.
    Step t draws, for each seed, a row i of ``X`` uniformly and a label d ~ Bernoulli(M[i]) -- the
    same draws for all K arms, so arms are compared on the same data (``M`` (K, n) gives each arm its
    own label probabilities, still from the same uniform draws) -- and moves every net by
    w ← w − ηₜ ∇(f(xᵢ) − d)² (:func:`backward_pass`), with ηₜ = lr / (1 + t/tau): Σηₜ = ∞ and
    Σηₜ² < ∞ (Robbins–Monro); ``tau=None`` (or ∞) keeps ηₜ = lr constant.  ``lr``, ``tau``: a scalar
    or K values.

    Returns a :class:`TrainHistory` whose ``loss`` (R, K, S) is the *excess* loss
    mean_x (f(x) − M(x))² -- the expected loss minus the label-noise variance -- at the steps
    ``records["steps"]`` (0, record_every, 2·record_every, ..., n_steps).  Raises :class:`Diverged`.
    """
    if not isinstance(weights, (list, tuple)) or not weights or getattr(weights[0], "ndim", 0) != 4:
        raise ValueError("weights: expected a list of (K arms, S seeds, out, in) tensors")
    sizes, X, M = _check_stream(weights, biases, X, M, per_arm=True)
    K, S = weights[0].shape[:2]
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="sgd_stream")
    record_every = check_int(record_every, "record_every", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    dtype, dev = weights[0].dtype, weights[0].device
    lr_t, _ = per_batch(lr, "lr", size=K, dtype=dtype, device=dev)
    if tau is None:
        tau_t = torch.full((K,), math.inf, dtype=dtype, device=dev)
    else:
        tau_t = as_tensor(tau, "tau", ndim=(0, 1), dtype=dtype, device=dev, finite=False).reshape(-1).expand(K)
        if bool((torch.isnan(tau_t) | (tau_t <= 0)).any()):
            raise ValueError("tau: every decay time must be > 0 (or None / inf for a constant step)")
    Ws = [W.clone() for W in weights]
    bs = [b.clone() for b in biases]
    g = generator(seed, torch.device("cpu"))

    M_out = M if M.ndim == 1 else M[:, None, :]                   # against outputs (K, S, n)

    def excess():
        return ((forward_pass(Ws, bs, X)[-1][..., 0] - M_out) ** 2).mean(dim=-1)

    steps, losses = [0], [excess()]
    for t in range(n_steps):
        i = torch.randint(0, X.shape[0], (S,), generator=g).to(dev)
        d = (torch.rand(S, generator=g, dtype=dtype).to(dev) < M[..., i]).to(dtype)   # (S,) or (K, S)
        acts = forward_pass(Ws, bs, X[i].unsqueeze(-2))            # (K, S, 1, out) per layer
        dWs, dbs = backward_pass(Ws, acts, d[..., None, None])
        eta = lr_t / (1 + t / tau_t)
        for W, b, dW, db in zip(Ws, bs, dWs, dbs):
            W -= eta[:, None, None, None] * dW
            b -= eta[:, None, None] * db
        if (t + 1) % record_every == 0 or t + 1 == n_steps:
            steps.append(t + 1)
            losses.append(excess())
            top = _blown_up(Ws)
            if not bool(torch.isfinite(losses[-1]).all()) or top is not None:
                raise Diverged(f"lr: SGD diverged by step {t + 1} (largest weight {top or float('nan'):.3g}, "
                               f"bound {WEIGHT_BOUND:g}); use a smaller lr")
    return TrainHistory(method="SGD", loss=torch.stack(losses), weights=Ws, biases=bs,
                        records={"steps": torch.tensor(steps)},
                        params=dict(lr=lr_t, tau=tau_t, n_steps=n_steps, seed=seed, record_every=record_every))


def noise_floor(eigenvalues, lr, noise_var: float) -> torch.Tensor:
    """Stationary excess loss of constant-step SGD near a minimum: η·σ²·Σᵢ λᵢ / (2 − ηλᵢ).

    Linearised SGD wₜ₊₁ = wₜ − η(H wₜ + ξₜ) with gradient-noise covariance C = 2σ²H (squared loss,
    label variance σ² = Var(d | x), zero residual) has the stationary covariance Σ solving the
    discrete Lyapunov equation, whence E[½ wᵀHw] = ησ² Σᵢ λᵢ/(2 − ηλᵢ) ≈ ½ η σ² tr H for small η.
    ``eigenvalues`` (..., P) of H (negative ones count as 0); ``lr`` broadcasts against (...).
    """
    lam = as_tensor(eigenvalues, "eigenvalues", ndim=(1, 2, 3, 4)).clamp(min=0)
    eta = as_tensor(lr, "lr", ndim=(0, 1, 2, 3), dtype=lam.dtype, device=lam.device)
    if bool((eta <= 0).any()):
        raise ValueError("lr: must be > 0")
    noise_var = check_positive(noise_var, "noise_var")
    eta = eta.unsqueeze(-1)
    if bool((eta * lam >= 2).any()):
        raise ValueError("lr: η·λ_max ≥ 2, the linearised SGD is unstable (no stationary floor)")
    return (eta * noise_var * lam / (2 - eta * lam)).sum(dim=-1)


def noisy_loss_moments(weights, biases, X, M) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact mean and variance of one noisy loss ℓ = (f(x) − d)², x a uniform row of ``X`` and
    d ~ Bernoulli(M(x)); batched over the weights' leading dims."""
    _, X, M = _check_stream(weights, biases, X, M)
    f = forward_pass(weights, biases, X)[-1][..., 0]
    m1 = (M * (1 - f) ** 2 + (1 - M) * f ** 2).mean(dim=-1)
    m2 = (M * (1 - f) ** 4 + (1 - M) * f ** 4).mean(dim=-1)
    return m1, m2 - m1 ** 2


def _shifted(weights, biases, c):
    sizes = _sizes_of(weights)
    if weights[0].ndim != 2:
        raise ValueError(f"weights: expected one network (out, in), got shape {tuple(weights[0].shape)}")
    c = check_positive(c, "c")
    v = flatten_params(weights, biases)
    P = v.shape[-1]
    shift = torch.eye(P, dtype=v.dtype, device=v.device) * c
    return unflatten_params(torch.cat([v + shift, v - shift]), sizes), P, c


def kw_quotients(weights, biases, X, M, c: float, n_draws: int, seed: int = 0) -> torch.Tensor:
    """Kiefer–Wolfowitz (1952) gradient estimates from noisy losses alone: (n_draws, P).

    Entry (r, k) is (ℓ(w + c eₖ) − ℓ(w − c eₖ)) / 2c where each of the two losses ℓ = (f(x) − d)²
    is measured on its own fresh sample (x, d) -- independent observations, as in KW.  One network
    (weights (out, in)); coordinates in the order of :func:`flatten_params`.
    """
    _, X, M = _check_stream(weights, biases, X, M)
    (Ws, bs), P, c = _shifted(weights, biases, c)
    n_draws = check_int(n_draws, "n_draws", min_value=2)
    check_memory(n_draws * 2 * P * (sum(W.numel() for W in weights) + 8), "n_draws", what="kw_quotients")
    g = generator(check_int(seed, "seed", min_value=0), torch.device("cpu"))
    dtype, dev = weights[0].dtype, weights[0].device
    i = torch.randint(0, X.shape[0], (n_draws, 2 * P), generator=g).to(dev)
    d = (torch.rand(n_draws, 2 * P, generator=g, dtype=dtype).to(dev) < M[i]).to(dtype)
    f = forward_pass(Ws, bs, X[i].unsqueeze(-2))[-1][..., 0, 0]   # (n_draws, 2P)
    loss = (f - d) ** 2
    return (loss[:, :P] - loss[:, P:]) / (2 * c)


def kw_moments(weights, biases, X, M, c: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact mean and standard deviation of one :func:`kw_quotients` entry per coordinate, (P,) each:
    mean (E(w + c eₖ) − E(w − c eₖ)) / 2c (the central difference of the expected loss, O(c²) from
    the gradient) and sd √(V(w + c eₖ) + V(w − c eₖ)) / 2c, which grows like 1/c."""
    _, X, M = _check_stream(weights, biases, X, M)
    (Ws, bs), P, c = _shifted(weights, biases, c)
    mean, var = noisy_loss_moments(Ws, bs, X, M)
    return (mean[:P] - mean[P:]) / (2 * c), (var[:P] + var[P:]).sqrt() / (2 * c)


def kw_stream(weights, biases, X, M, n_steps: int, a, c, tau: float, seed: int = 0,
              record_every: int = 10) -> TrainHistory:
    """The Kiefer–Wolfowitz (1952) recursion on the noisy-label stream: no gradient, only noisy losses.

    wₜ₊₁ = wₜ − aₜ ĝₜ, where ĝₜ,ₖ = (ℓ(wₜ + cₜeₖ) − ℓ(wₜ − cₜeₖ)) / 2cₜ uses 2P fresh samples per step
    (P parameters), aₜ = a/(1 + t/τ) and cₜ = c/(1 + t/τ)^{1/4}: cₜ → 0, Σaₜ = ∞, Σaₜcₜ < ∞ and
    Σaₜ²/cₜ² < ∞ (KW's conditions).  ``weights`` (K, S, out, in) as in :func:`sgd_stream`, with
    ``a``, ``c`` scalars or K values; the S seeds share their samples across the K arms.
    ``loss`` (R, K, S) is the excess loss at ``records["samples"]`` = 2P·step (noisy samples used).
    """
    if not isinstance(weights, (list, tuple)) or not weights or getattr(weights[0], "ndim", 0) != 4:
        raise ValueError("weights: expected a list of (K arms, S seeds, out, in) tensors")
    sizes, X, M = _check_stream(weights, biases, X, M)
    K, S = weights[0].shape[:2]
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="kw_stream")
    record_every = check_int(record_every, "record_every", min_value=1)
    dtype, dev = weights[0].dtype, weights[0].device
    a_t, _ = per_batch(a, "a", size=K, dtype=dtype, device=dev)
    c_t, _ = per_batch(c, "c", size=K, dtype=dtype, device=dev)
    tau = check_positive(tau, "tau")
    g = generator(check_int(seed, "seed", min_value=0), torch.device("cpu"))
    v = flatten_params(weights, biases).clone()                       # (K, S, P)
    P = v.shape[-1]
    eye = torch.eye(P, dtype=dtype, device=dev)

    def excess():
        Ws, bs = unflatten_params(v, sizes)
        return ((forward_pass(Ws, bs, X)[-1][..., 0] - M) ** 2).mean(dim=-1)

    samples, losses = [0], [excess()]
    for t in range(n_steps):
        ct = c_t / (1 + t / tau) ** 0.25
        shift = ct[:, None, None, None] * eye                         # (K, 1, P, P)
        copies = torch.cat([v.unsqueeze(-2) + shift, v.unsqueeze(-2) - shift], dim=-2)   # (K, S, 2P, P)
        Ws, bs = unflatten_params(copies, sizes)
        i = torch.randint(0, X.shape[0], (S, 2 * P), generator=g).to(dev)
        d = (torch.rand(S, 2 * P, generator=g, dtype=dtype).to(dev) < M[i]).to(dtype)
        loss = (forward_pass(Ws, bs, X[i].unsqueeze(-2))[-1][..., 0, 0] - d) ** 2      # (K, S, 2P)
        grad = (loss[..., :P] - loss[..., P:]) / (2 * ct[:, None, None])
        v -= (a_t / (1 + t / tau))[:, None, None] * grad
        if (t + 1) % record_every == 0 or t + 1 == n_steps:
            samples.append(2 * P * (t + 1))
            losses.append(excess())
            top = float(v.detach().abs().max())
            if not bool(torch.isfinite(losses[-1]).all()) or not top <= WEIGHT_BOUND:
                raise Diverged(f"a: the Kiefer–Wolfowitz recursion diverged by step {t + 1} (largest weight "
                               f"{top:.3g}, bound {WEIGHT_BOUND:g}); use a smaller a")
    Ws, bs = unflatten_params(v, sizes)
    return TrainHistory(method="KW", loss=torch.stack(losses), weights=Ws, biases=bs,
                        records={"samples": torch.tensor(samples)},
                        params=dict(a=a_t, c=c_t, tau=tau, n_steps=n_steps, seed=seed))
