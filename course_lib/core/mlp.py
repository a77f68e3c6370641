r"""One batched MLP for the lectures that do not teach backprop themselves.

Lecture 01 teaches backprop and keeps its own (:mod:`course_lib.backprop`); every other topic
that needs a plain fully-connected network (ADMM's baseline, its vanishing-gradient study, a
history's ``output``) uses this one.

Conventions: **columns are samples**, ``X`` is ``(d_in, n)``; every weight ``W_i`` is
``(B, d_i, d_{i-1}+1)``: a leading batch axis ``B`` (many networks in one tensor program) and
the bias as a last column acting on an appended row of ones (:func:`augment`).  Hidden layers
apply the activation, the last layer is linear: ``V_i = sigma(W_i [V_{i-1}; 1])``, ``V_l = W_l [V_{l-1}; 1]``.

Initialisation (:func:`init_weights`): ``init="fan_out"`` draws ``W_i ~ N(0, s^2/d_i)``,
``"fan_in"`` (LeCun, the default) ``N(0, s^2/d_{i-1})``, ``"he"`` ``N(0, 2 s^2/d_{i-1})``; biases start at 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from course_lib.core.device import generator, get_device
from course_lib.core.validate import check_bool, check_int, check_layer_sizes, check_memory, per_batch

__all__ = ["Activation", "ACTIVATIONS", "activation", "augment", "forward", "forward_pass", "error_signals",
           "backprop_deltas", "backprop_grads", "init_weights", "INITS", "DIVERGE_AT"]

INITS = ("fan_out", "fan_in", "he")
#: A loss (or augmented Lagrangian) beyond this counts as diverged.
DIVERGE_AT = 1e12


@dataclass(frozen=True)
class Activation:
    """An activation with the constants the ADMM analysis needs: ``s1 = sup|sigma'|``,
    ``s2 = sup|sigma''|`` and the range ``[lo, hi]`` of ``sigma``."""

    name: str
    s1: float
    s2: float
    lo: float
    hi: float

    def f(self, z):
        if self.name == "sigmoid":
            return torch.sigmoid(z)
        if self.name == "tanh":
            return torch.tanh(z)
        return torch.relu(z)

    def df(self, z, s):
        """sigma'(z) given s = sigma(z)."""
        if self.name == "sigmoid":
            return s * (1 - s)
        if self.name == "tanh":
            return 1 - s * s
        return (z > 0).to(z.dtype)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", 0.25, 1 / (6 * math.sqrt(3)), 0.0, 1.0),
    "tanh": Activation("tanh", 1.0, 4 / (3 * math.sqrt(3)), -1.0, 1.0),
    "relu": Activation("relu", 1.0, math.inf, 0.0, math.inf),
}


def activation(name, allowed=tuple(ACTIVATIONS)) -> Activation:
    """The :class:`Activation` called ``name``, which must be one of ``allowed``."""
    if not isinstance(name, str) or name not in allowed:
        raise ValueError(f"activation: must be one of {tuple(allowed)}, got {name!r}")
    return ACTIVATIONS[name]


def augment(V):
    """``[V; 1]``: a row of ones appended to each batch entry of ``V`` ``(B, d, n)`` (the bias input)."""
    return torch.cat([V, V.new_ones(V.shape[0], 1, V.shape[-1])], 1)


def forward(Ws, X, act: Activation):
    """The network's output ``(B, d_out, n)`` for inputs ``X`` ``(d_in, n)`` shared by the batch."""
    H = X.expand(Ws[0].shape[0], -1, -1)
    for i, W in enumerate(Ws):
        Z = W @ augment(H)
        H = act.f(Z) if i < len(Ws) - 1 else Z
    return H


def forward_pass(Ws, X, act: Activation, Xt=None):
    """The forward pass kept for a backward one: ``(Hs, Zs)`` with ``Hs[i]`` the augmented input
    ``[V_i; 1]`` of layer ``i+1`` (``Hs[0] = [X; 1]``) and ``Zs[i]`` its pre-activation ``W_{i+1} Hs[i]``
    (``Zs[-1]`` is the output).  ``Xt`` = ``[X; 1]`` may be passed in."""
    Hs, Zs = [augment(X.unsqueeze(0)) if Xt is None else Xt], []
    for i, W in enumerate(Ws):
        Z = W @ Hs[-1]
        Zs.append(Z)
        if i < len(Ws) - 1:
            Hs.append(augment(act.f(Z)))
    return Hs, Zs


def error_signals(Ws, Hs, Zs, top, act: Activation):
    r"""Backprop's error signals $\delta_i = \partial\,\text{loss}/\partial Z_i$ from the output's
    ``top`` $=\delta_l$: $\delta_i = (W_{i+1}^\top\delta_{i+1})\odot\sigma'(Z_i)$ (Rumelhart et al. 1986;
    the bias column of $W_{i+1}$ does not act on $V_i$).  Returns ``[delta_1, ..., delta_l]``."""
    l = len(Ws)
    deltas = [None] * l
    deltas[-1] = top
    for i in range(l - 1, 0, -1):
        deltas[i - 1] = (Ws[i][:, :, :-1].transpose(1, 2) @ deltas[i]) * act.df(Zs[i - 1], Hs[i][:, :-1])
    return deltas


def backprop_deltas(Ws, X, Y, act: Activation):
    r"""Error signals $\delta_i = \partial L/\partial Z_i$ of the *summed* loss $L = \frac12\|f(X) - Y\|_F^2$
    (the ADMM objective's data term), each ``(B, d_i, n)``: ``delta_l = f(X) - Y``."""
    Hs, Zs = forward_pass(Ws, X, act)
    return error_signals(Ws, Hs, Zs, Zs[-1] - Y, act)


def backprop_grads(Ws, X, Y, act: Activation, Xt=None):
    r"""Manual backprop of $\frac1{2n}\|f(X) - Y\|_F^2$ (Rumelhart et al. 1986).

    Returns ``(mse, grads, gb)``: the per-entry MSE ``(B,)``, the gradient wrt each ``W_i`` (bias
    column included) and ``gb[b, i]`` $=\|\partial L/\partial b_i\|$.  ``Xt`` = ``[X; 1]`` may be
    passed in (it is the same at every step)."""
    n = X.shape[1]
    Hs, Zs = forward_pass(Ws, X, act, Xt)
    E = Zs[-1] - Y
    mse = (E * E).mean(dim=(1, 2))
    deltas = error_signals(Ws, Hs, Zs, E / n, act)
    grads = [D @ H.transpose(1, 2) for D, H in zip(deltas, Hs)]
    gb = torch.stack([G[:, :, -1].norm(dim=1) for G in grads], 1)  # bias column = delta summed over samples
    return mse, grads, gb


def init_weights(sizes, init_scale=1.0, seed=0, init="fan_in", independent=False, device=None):
    """Weights ``[W_1 .. W_l]``, each ``(B, d_i, d_{i-1}+1)`` (bias = last column, 0 at start).

    ``init_scale`` is a scalar or 1-D batch; all batch entries share one standard-normal draw
    (scaled), unless ``independent=True`` (one draw per entry, e.g. a batch of seeds).
    """
    sizes = check_layer_sizes(sizes, "sizes", 1)
    scale, _ = per_batch(init_scale, "init_scale", device="cpu")
    check_int(seed, "seed")
    if init not in INITS:
        raise ValueError(f"init: must be one of {INITS}, got {init!r}")
    independent = check_bool(independent, "independent")
    dev = get_device(device)
    g = generator(seed, torch.device("cpu"))
    B = scale.numel()
    check_memory(B * sum(d * (d_prev + 1) for d_prev, d in zip(sizes[:-1], sizes[1:])), "sizes",
                 what="these weights")
    Ws = []
    for d_prev, d in zip(sizes[:-1], sizes[1:]):
        var = {"fan_out": 1.0 / d, "fan_in": 1.0 / d_prev, "he": 2.0 / d_prev}[init]
        shape = (B if independent else 1, d, d_prev)
        Z = torch.randn(shape, generator=g, dtype=torch.float64)
        W = Z * math.sqrt(var) * scale.view(-1, 1, 1)
        Ws.append(torch.cat([W, torch.zeros(B, d, 1, dtype=torch.float64)], 2).to(dev))
    return Ws
