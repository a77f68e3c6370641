r"""Optimisation beyond backprop: vanishing gradients, ADMM (Algorithm 1) and BCD (lecture 09).

Papers: Zeng, Lin, Yao & Zhou, "On ADMM in deep learning: convergence and saturation-avoidance",
JMLR 22 (2021), arXiv:1902.02060 (Algorithm 1, Theorem 1); Taylor et al., "Training neural
networks without gradients: a scalable ADMM approach", ICML 2016 (data-parallel ADMM);
Zhang & Brand, NIPS 2017 and Zeng et al., ICML 2019 (BCD = zero multipliers);
Nielsen, *Neural Networks and Deep Learning* ch. 5 (vanishing gradients).

Conventions, as on the slides: **columns are samples**; ``X`` is ``(d_in, n)``, ``Y`` is
``(d_out, n)``; ``V_0 = X``, ``V_i = sigma(W_i V_{i-1})`` for ``i < l`` and ``V_l = W_l V_{l-1}``.
Each ``W_i`` carries its bias as a last column acting on an appended row of ones, and
``lam/2 ||W_i||^2`` penalises the bias column too.  Every tensor has a leading batch axis
``B`` (one entry per beta / init scale / learning rate), so a whole grid of runs is one
tensor program.

Initialisation (shared by :func:`admm_train` and :func:`bp_train` for the same seed):
``init="fan_out"`` (as in the seed author's MATLAB demo) draws
``W_i ~ N(0, init_scale^2 / d_i)``, ``init="fan_in"`` (LeCun, the default) ``N(0, init_scale^2/d_{i-1})``,
``init="he"`` ``N(0, 2 init_scale^2/d_{i-1})``; biases start at 0.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.exercises import Case, Exercise
from course_lib.core.validate import Diverged, as_tensor, check_int, check_layer_sizes, check_positive
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "TrainHistory",
    "admm_train",
    "bcd_train",
    "bp_train",
    "init_weights",
    "layer_gradient_norms",
    "theorem_conditions",
    "time_to_accuracy",
    "square_data",
    "build_admm_widget",
    "exercise_last_layer_update",
    "exercise_multiplier_update",
]

ACTIVATIONS = ("sigmoid", "tanh", "relu")
SMOOTH = ("sigmoid", "tanh")
INITS = ("fan_out", "fan_in", "he")
DIVERGE_AT = 1e12


# --------------------------------------------------------------------------- activations
@dataclass(frozen=True)
class _Act:
    name: str
    s1: float  # sup |sigma'|
    s2: float  # sup |sigma''|
    lo: float  # range of sigma
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


_ACT = {
    "sigmoid": _Act("sigmoid", 0.25, 1 / (6 * math.sqrt(3)), 0.0, 1.0),
    "tanh": _Act("tanh", 1.0, 4 / (3 * math.sqrt(3)), -1.0, 1.0),
    "relu": _Act("relu", 1.0, math.inf, 0.0, math.inf),
}


def _activation(activation, allowed=ACTIVATIONS) -> _Act:
    if not isinstance(activation, str) or activation not in allowed:
        raise ValueError(f"activation: must be one of {allowed}, got {activation!r}")
    return _ACT[activation]


# --------------------------------------------------------------------------- validation
def _check_sizes(sizes, min_layers=2) -> list[int]:
    return check_layer_sizes(sizes, "sizes", min_layers)


def _batch_param(value, name, *, allow_zero=False) -> tuple[torch.Tensor, bool]:
    """A positive scalar or 1-D sequence (a batch of runs) -> (1-D float64 tensor, batched?)."""
    if isinstance(value, (list, tuple, np.ndarray, torch.Tensor)):
        t = as_tensor(value, name, ndim=(0, 1, 2), dtype=torch.float64, device="cpu")
        batched = t.ndim >= 1
        t = t.reshape(-1) if t.ndim <= 1 else t
    else:
        t = torch.tensor([check_positive(value, name, allow_zero=allow_zero)], dtype=torch.float64)
        batched = False
    bad = (t < 0) if allow_zero else (t <= 0)
    if bool(bad.any()):
        raise ValueError(f"{name}: must be {'>= 0' if allow_zero else '> 0'}, got {t.flatten()[bad.flatten()][0].item()}")
    return t, batched


def _check_data(X, Y, sizes, device):
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64, device=device)
    Y = as_tensor(Y, "Y", ndim=2, dtype=torch.float64, device=device)
    if X.shape[0] != sizes[0]:
        raise ValueError(f"X: expected {sizes[0]} rows (sizes[0], features; columns are samples), got shape {tuple(X.shape)}")
    if Y.shape[0] != sizes[-1]:
        raise ValueError(f"Y: expected {sizes[-1]} rows (sizes[-1]), got shape {tuple(Y.shape)}")
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"Y: expected {X.shape[1]} columns (one per sample of X), got shape {tuple(Y.shape)}")
    return X, Y


# --------------------------------------------------------------------------- initialisation
def init_weights(sizes, init_scale=1.0, seed=0, init="fan_in", independent=False, device=None):
    """Weights ``[W_1 .. W_l]``, each ``(B, d_i, d_{i-1}+1)`` (bias = last column, 0 at start).

    ``init_scale`` is a scalar or 1-D batch; all batch entries share one standard-normal draw
    (scaled), unless ``independent=True`` (one draw per entry, e.g. a batch of seeds).
    """
    sizes = _check_sizes(sizes, 1)
    scale, _ = _batch_param(init_scale, "init_scale")
    if scale.ndim != 1:
        raise ValueError(f"init_scale: expected a scalar or a 1-D batch, got shape {tuple(scale.shape)}")
    check_int(seed, "seed")
    if init not in INITS:
        raise ValueError(f"init: must be one of {INITS}, got {init!r}")
    dev = get_device(device)
    g = generator(seed, torch.device("cpu"))
    B = scale.numel()
    Ws = []
    for d_prev, d in zip(sizes[:-1], sizes[1:]):
        var = {"fan_out": 1.0 / d, "fan_in": 1.0 / d_prev, "he": 2.0 / d_prev}[init]
        shape = (B if independent else 1, d, d_prev)
        Z = torch.randn(shape, generator=g, dtype=torch.float64)
        W = Z * math.sqrt(var) * scale.view(-1, 1, 1)
        Ws.append(torch.cat([W, torch.zeros(B, d, 1, dtype=torch.float64)], 2).to(dev))
    return Ws


# --------------------------------------------------------------------------- communication
class _Local:
    """Single process: sums over samples are local sums."""

    def sum(self, *ts):
        return ts if len(ts) > 1 else ts[0]

    def max(self, t):
        return t


def _aug(V):
    return torch.cat([V, V.new_ones(V.shape[0], 1, V.shape[-1])], 1)


def _bx(beta):  # (B,) -> (B,1,1)
    return beta.view(-1, 1, 1)


def _tbound(act: _Act, V, Lam, beta, comm):
    """max over entries of max(|T - lo|, |T - hi|), T = V - Lam/beta (global over samples)."""
    T = V - Lam / _bx(beta)
    local = torch.maximum((T - act.lo).abs(), (T - act.hi).abs()).amax(dim=(1, 2))
    return comm.max(local)


# --------------------------------------------------------------------------- block updates
def _shift_diag(M, lam):
    """M + lam I, in place on the fresh tensor M; ``lam`` a float or a (B,1,1) batch."""
    M.diagonal(dim1=-2, dim2=-1).add_(lam.reshape(-1, 1) if isinstance(lam, torch.Tensor) else lam)
    return M


def _solve_last_W(A, C, beta_b, lam):
    """W_l from the sample sums A = V~V~^T, C = (beta V_l - Lambda_l)V~^T; ``beta_b`` is (B,1,1)."""
    M = _shift_diag(beta_b * A, lam)
    return torch.linalg.solve(M, C.transpose(1, 2)).transpose(1, 2)


def _update_last_W(V_prev, V_last, Lam_last, beta, lam, comm=_Local()):
    r"""Ridge solve (Zeng et al. 2021, Alg. 1): $W_l = (\beta V_l - \Lambda_l)\tilde V^\top(\lambda I + \beta\tilde V\tilde V^\top)^{-1}$."""
    Vt = _aug(V_prev)
    A, C = comm.sum(Vt @ Vt.transpose(1, 2), (_bx(beta) * V_last - Lam_last) @ Vt.transpose(1, 2))
    return _solve_last_W(A, C, _bx(beta), lam)


def _curvature(act: _Act, V, Lam, beta, comm):
    """c = s1^2 + s2 max|sigma - T|: a global bound on d^2/dz^2 of (sigma(z) - T)^2/2, T = V - Lam/beta."""
    return act.s1**2 + act.s2 * _tbound(act, V, Lam, beta, comm)


def _solve_hidden_W(W, A, GA, bc, lam):
    """Prox-linear W step from the sample sums A = V~V~^T and GA = G V~^T; ``bc`` = beta c, (B,1,1)."""
    M = _shift_diag(bc * A, lam)
    rhs = bc * (W @ A) - GA
    return torch.linalg.solve(M, rhs.transpose(1, 2)).transpose(1, 2)  # M is symmetric


def _update_hidden_W(W, V_prev, V, Lam, beta, lam, act: _Act, comm=_Local()):
    r"""Prox-linear step (Zeng et al. 2021, Alg. 1) on $\frac\beta2\|\sigma(W\tilde V) - T\|^2$,
    $T = V_i - \Lambda_i/\beta_i$, linearised in the pre-activation $Z = W\tilde V$ with curvature
    $c = s_1^2 + s_2\max|\sigma - T|$ (a global majoriser, so each step decreases $L$):
    $W^+ = (\beta c W\tilde V\tilde V^\top - G\tilde V^\top)(\lambda I + \beta c\tilde V\tilde V^\top)^{-1}$,
    $G = \beta(\sigma(Z) - T)\odot\sigma'(Z)$."""
    Vt = _aug(V_prev)
    Z = W @ Vt
    S = act.f(Z)
    R = _bx(beta) * (S - V) + Lam
    GA, A = comm.sum((R * act.df(Z, S)) @ Vt.transpose(1, 2), Vt @ Vt.transpose(1, 2))
    bc = _bx(beta * _curvature(act, V, Lam, beta, comm))
    return _solve_hidden_W(W, A, GA, bc, lam)


def _update_hidden_V(V, P, Lam, W_next, V_next, Lam_next, beta, beta_next, act: _Act, comm=_Local(), *, bc=None, Vt=None):
    r"""Prox-linear step for $V_i$ ($i < l-1$): exact in $\frac{\beta_i}2\|V - P - \Lambda_i/\beta_i\|^2$,
    the next layer's term linearised in its pre-activation with curvature $c$:
    $(\beta_i I + \beta_{i+1}c W^\top W)V^+ = \beta_i P + \Lambda_i + \beta_{i+1}c W^\top W V - W^\top G$.
    ``bc`` (= beta_{i+1} c, (B,1,1)) and ``Vt`` (= [V; 1]) may be passed in when already known."""
    Wn = W_next[:, :, :-1]
    Z = W_next @ (_aug(V) if Vt is None else Vt)
    S = act.f(Z)
    G = (_bx(beta_next) * (S - V_next) + Lam_next) * act.df(Z, S)
    if bc is None:
        bc = _bx(beta_next * _curvature(act, V_next, Lam_next, beta_next, comm))
    WtW = Wn.transpose(1, 2) @ Wn
    M = _shift_diag(bc * WtW, _bx(beta))
    rhs = _bx(beta) * P + Lam + bc * (WtW @ V) - Wn.transpose(1, 2) @ G
    return torch.linalg.solve(M, rhs)


def _update_penultimate_V(P, Lam, W_last, V_last, Lam_last, beta, beta_last):
    r"""Linear solve for $V_{l-1}$: $(\beta_{l-1}I + \beta_l W^\top W)V = \beta_{l-1}P + \Lambda_{l-1} + W^\top(\beta_l(V_l - b_l) - \Lambda_l)$."""
    Wn, b = W_last[:, :, :-1], W_last[:, :, -1:]
    Wt = Wn.transpose(1, 2)
    M = _shift_diag(_bx(beta_last) * (Wt @ Wn), _bx(beta))
    rhs = _bx(beta) * P + Lam + Wt @ (_bx(beta_last) * (V_last - b) - Lam_last)
    return torch.linalg.solve(M, rhs)


def _update_last_V(Y, Lam_last, W_last, V_prev, beta_last):
    r"""Closed form $V_l = (Y + \Lambda_l + \beta_l W_l\tilde V_{l-1})/(1 + \beta_l)$."""
    return (Y + Lam_last + _bx(beta_last) * (W_last @ _aug(V_prev))) / (1 + _bx(beta_last))


def _augmented_lagrangian_terms(Ws, Vs, Lams, Y, beta, lam, act, comm=_Local()):
    """(L, ||r||^2, per-layer grads wrt W, ||grad_V L||^2) with sample sums reduced by ``comm``."""
    l = len(Ws)
    B = beta.shape[0]
    loss = 0.5 * ((Vs[l] - Y) ** 2).sum(dim=(1, 2))
    pen = torch.zeros_like(loss)
    r2 = torch.zeros_like(loss)
    Gs, Rs, Ds = [], [], []
    for i in range(1, l + 1):
        Vt = _aug(Vs[i - 1])
        Z = Ws[i - 1] @ Vt
        S = act.f(Z) if i < l else Z
        r = S - Vs[i]
        b = beta[:, i - 1]
        pen = pen + (Lams[i - 1] * r).sum(dim=(1, 2)) + 0.5 * b * (r**2).sum(dim=(1, 2))
        r2 = r2 + (r**2).sum(dim=(1, 2))
        R = _bx(b) * r + Lams[i - 1]
        D = R * act.df(Z, S) if i < l else R
        Gs.append(D @ Vt.transpose(1, 2))
        Rs.append(R)
        Ds.append(D)
    gv2 = torch.zeros_like(loss)
    for i in range(1, l + 1):
        gV = -Rs[i - 1]
        if i < l:
            gV = gV + Ws[i][:, :, :-1].transpose(1, 2) @ Ds[i]
        else:
            gV = gV + (Vs[l] - Y)
        gv2 = gv2 + (gV**2).sum(dim=(1, 2))
    packed = torch.cat([torch.stack([loss, pen, r2, gv2], 1)] + [G.reshape(B, -1) for G in Gs], 1)
    packed = comm.sum(packed)
    loss, pen, r2, gv2 = packed[:, 0], packed[:, 1], packed[:, 2], packed[:, 3]
    off = 4
    gradW = []
    for W in Ws:
        k = W[0].numel()
        gradW.append(packed[:, off : off + k].reshape(W.shape) + lam * W)
        off += k
    L = loss + pen + 0.5 * lam * sum((W**2).sum(dim=(1, 2)) for W in Ws)
    return L, r2, gradW, gv2


def _forward(Ws, X, act):
    H = X.expand(Ws[0].shape[0], -1, -1)
    for i, W in enumerate(Ws):
        Z = W @ _aug(H)
        H = act.f(Z) if i < len(Ws) - 1 else Z
    return H


# --------------------------------------------------------------------------- history
@dataclass
class TrainHistory:
    """Per-iteration histories (index 0 = the initialisation) and final parameters.

    Batched runs keep a trailing batch axis: ``train_mse[k, b]``.
    """

    method: str
    train_mse: torch.Tensor
    weights: list
    biases: list
    seconds: float
    augmented_lagrangian: torch.Tensor | None = None
    primal_residual: torch.Tensor | None = None
    kkt_residual: torch.Tensor | None = None
    grad_norms: torch.Tensor | None = None
    diverged: torch.Tensor | None = None
    params: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return getattr(self, key)

    def output(self, X):
        """Network output for inputs ``X`` (d_in, n) with the final weights."""
        X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
        batched = self.weights[0].ndim == 3
        Ws = [torch.cat([W, b.unsqueeze(-1)], -1) for W, b in zip(self.weights, self.biases)]
        if not batched:
            Ws = [W.unsqueeze(0) for W in Ws]
        out = _forward([W.to(X.device) for W in Ws], X, _ACT[self.params.get("activation", "sigmoid")])
        return out if batched else out[0]


def _split(Ws, squeeze):
    weights = [W[:, :, :-1].cpu() for W in Ws]
    biases = [W[:, :, -1].cpu() for W in Ws]
    if squeeze:
        weights, biases = [w[0] for w in weights], [b[0] for b in biases]
    return weights, biases


# --------------------------------------------------------------------------- ADMM (Algorithm 1)
def _record_terms(Y, Ws, Vs, Vts, Zs, Ss, Lams, bcol, lam, act, comm):
    """Everything recorded after a sweep, and every sample sum the next sweep's W-updates need,
    in one all-reduce (sums) plus one (maxima).

    Reuses the sweep's products: ``Zs[i] = W_{i+1} V~_i`` and ``Ss[i] = sigma(Zs[i])`` (``Zs[i]``
    for the last layer) are the pre-activations the forward correction just computed with the
    final W's and V's, so the residuals are ``Ss[i] - Vs[i+1]``.  The next backward estimation
    uses the same W, V and Lambda, so its sums (``V~V~^T``, ``G V~^T``, the curvature bound) are
    the ones computed here: ``G_i V~^T`` is exactly ``dL/dW_i - lam W_i``.
    Returns ``(record, cache)``: ``record`` = (L, ||r||, KKT residual, sum of squared errors of
    the network's output) per batch entry, all summed over every worker's samples.
    """
    l = len(Ws)
    B = bcol[0].shape[0]
    E = Vs[l] - Y
    loss = 0.5 * (E * E).sum(dim=(1, 2))
    pen = torch.zeros_like(loss)
    r2 = torch.zeros_like(loss)
    Rs, Ds, Gs = [], [], []
    for i in range(l):
        r = Ss[i] - Vs[i + 1]
        rr = (r * r).sum(dim=(1, 2))
        r2 = r2 + rr
        pen = pen + (Lams[i] * r).sum(dim=(1, 2)) + 0.5 * bcol[i].view(-1) * rr
        R = bcol[i] * r + Lams[i]
        D = R * act.df(Zs[i], Ss[i]) if i < l - 1 else R
        Rs.append(R)
        Ds.append(D)
        Gs.append(D @ Vts[i].transpose(1, 2))
    gv2 = torch.zeros_like(loss)
    for i in range(l):
        gV = (Ws[i + 1][:, :, :-1].transpose(1, 2) @ Ds[i + 1] if i < l - 1 else E) - Rs[i]
        gv2 = gv2 + (gV * gV).sum(dim=(1, 2))
    H = Ss[0]  # the network's forward pass from X: layer 1 is Ss[0] (V_0 = X)
    for i in range(1, l):
        H = Ws[i] @ _aug(H)
        if i < l - 1:
            H = act.f(H)
    F = H - Y
    sse = (F * F).sum(dim=(1, 2))
    As = [Vts[i] @ Vts[i].transpose(1, 2) for i in range(1, l)]  # A_1 = X~X~^T is constant
    C = (bcol[l - 1] * Vs[l] - Lams[l - 1]) @ Vts[l - 1].transpose(1, 2)
    parts = [torch.stack([loss, pen, r2, gv2, sse], 1)] + [t.reshape(B, -1) for t in Gs + As + [C]]
    packed = comm.sum(torch.cat(parts, 1))
    sizes = [p.shape[1] for p in parts]
    out = list(torch.split(packed, sizes, 1))
    loss, pen, r2, gv2, sse = out[0].unbind(1)
    Gs = [t.view(G.shape) for t, G in zip(out[1 : l + 1], Gs)]
    As = [t.view(A.shape) for t, A in zip(out[l + 1 : 2 * l], As)]
    C = out[2 * l].view(C.shape)
    # T-bounds of the hidden layers (curvatures of the prox-linear W_i and V_{i-1} steps)
    mid, half = 0.5 * (act.lo + act.hi), 0.5 * (act.hi - act.lo)
    tb = torch.stack([(Vs[i + 1] - Lams[i] / bcol[i] - mid).abs().amax(dim=(1, 2)) for i in range(l - 1)], 1)
    curv = act.s1**2 + act.s2 * (comm.max(tb) + half)
    wn2 = torch.stack([((G + lam * W) ** 2).sum(dim=(1, 2)) for G, W in zip(Gs, Ws)], 1)
    L = loss + pen + 0.5 * lam * sum((W * W).sum(dim=(1, 2)) for W in Ws)
    kkt = torch.maximum(wn2.amax(1), torch.maximum(gv2, r2)).sqrt()
    return (L, r2.sqrt(), kkt, sse), {"G": Gs, "A": As, "C": C, "curv": curv}


def _admm_core(X, Y, Ws, beta, lam, n_iter, act, multipliers, comm, progress=False):
    """Algorithm 1 on a (shard of the) data; sums over samples go through ``comm``.

    ``multipliers``: True (ADMM), False (BCD: Lambda stays 0) or a (B,) bool tensor (per entry).
    """
    l = len(Ws)
    Ws = [W.clone() for W in Ws]
    Bn = beta.shape[0]
    bvec = [beta[:, i].contiguous() for i in range(l)]
    bcol = [_bx(b) for b in bvec]
    if isinstance(multipliers, torch.Tensor):
        mstep = [b * multipliers.to(b).view(-1, 1, 1) for b in bcol]
    else:
        mstep = bcol if multipliers else None
    Xt = _aug(X.unsqueeze(0))
    Vs, Vts, Zs, Ss = [X.expand(Bn, -1, -1)], [Xt.expand(Bn, -1, -1)], [], []
    for i, W in enumerate(Ws):  # V^0 from a forward pass, Lambda^0 = 0
        Z = W @ Vts[-1]
        S = act.f(Z) if i < l - 1 else Z
        Zs.append(Z)
        Ss.append(S)
        Vs.append(S)
        if i < l - 1:
            Vts.append(_aug(S))
    Lams = [torch.zeros_like(V) for V in Vs[1:]]
    A1 = comm.sum(Xt @ Xt.transpose(1, 2))  # (1, d0+1, d0+1), the same for every sweep
    n_total = comm.sum(torch.tensor([float(X.shape[1])], dtype=X.dtype, device=X.device))
    denom = n_total * Y.shape[0]
    hist = {k: [] for k in ("L", "res", "kkt", "mse")}

    def record():
        (L, res, kkt, sse), cache = _record_terms(Y, Ws, Vs, Vts, Zs, Ss, Lams, bcol, lam, act, comm)
        hist["L"].append(L)
        hist["res"].append(res)
        hist["kkt"].append(kkt)
        hist["mse"].append(sse / denom)
        return L, cache

    L0, cache = record()
    L0 = DIVERGE_AT * (1 + L0.abs())
    it = range(n_iter)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc="ADMM", leave=False)
    for k in it:
        # backward estimation: W_l, then W_{l-1}, ..., W_1, from the sums of the last record
        G, A, curv = cache["G"], [A1] + cache["A"], cache["curv"]
        Ws[l - 1] = _solve_last_W(A[l - 1], cache["C"], bcol[l - 1], lam)
        for i in range(l - 2, -1, -1):
            Ws[i] = _solve_hidden_W(Ws[i], A[i], G[i], bcol[i] * curv[:, i].view(-1, 1, 1), lam)
        # forward correction: V_1, ..., V_l (P_i = sigma(W_i V~_{i-1}) is kept for the residual)
        for i in range(l - 1):
            Zs[i] = Ws[i] @ Vts[i]
            Ss[i] = act.f(Zs[i])
            if i < l - 2:
                Vs[i + 1] = _update_hidden_V(Vs[i + 1], Ss[i], Lams[i], Ws[i + 1], Vs[i + 2], Lams[i + 1], bvec[i],
                                             bvec[i + 1], act, comm, bc=bcol[i + 1] * curv[:, i + 1].view(-1, 1, 1),
                                             Vt=Vts[i + 1])
            else:
                Vs[i + 1] = _update_penultimate_V(Ss[i], Lams[i], Ws[l - 1], Vs[l], Lams[l - 1], bvec[i], bvec[l - 1])
            Vts[i + 1] = _aug(Vs[i + 1])
        Zs[l - 1] = Ss[l - 1] = Ws[l - 1] @ Vts[l - 1]
        Vs[l] = (Y + Lams[l - 1] + bcol[l - 1] * Zs[l - 1]) / (1 + bcol[l - 1])
        # multiplier update: Lambda_i <- Lambda_i + beta_i r_i  (BCD keeps Lambda = 0)
        if mstep is not None:
            for i in range(l):
                Lams[i] = Lams[i] + mstep[i] * (Ss[i] - Vs[i + 1])
        L, cache = record()
        bad = (~torch.isfinite(L)) | (L.abs() > L0)
        if bool(bad.any()):
            raise Diverged(
                f"ADMM diverged at iteration {k + 1}: the augmented Lagrangian blew up for beta="
                f"{beta[bad].tolist()} (batch entries {bad.nonzero().flatten().tolist()}); "
                "increase beta or lam, or shrink init_scale"
            )
    out = {
        "augmented_lagrangian": torch.stack(hist["L"]),
        "primal_residual": torch.stack(hist["res"]),
        "kkt_residual": torch.stack(hist["kkt"]),
        "train_mse": torch.stack(hist["mse"]),
    }
    return out, Ws


def _prepare(X, Y, sizes, beta, lam, n_iter, activation, init_scale, seed, init, device):
    sizes = _check_sizes(sizes)
    act = _activation(activation, SMOOTH)
    dev = get_device(device)
    X, Y = _check_data(X, Y, sizes, dev)
    beta_t, b_batched = _batch_param(beta, "beta")
    if beta_t.ndim == 2:
        if beta_t.shape[1] != len(sizes) - 1:
            raise ValueError(f"beta: a 2-D beta is (batch, layers) with {len(sizes) - 1} layers, got shape {tuple(beta_t.shape)}")
    else:
        beta_t = beta_t.view(-1, 1).expand(-1, len(sizes) - 1)
    lam = check_positive(lam, "lam")
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    scale, s_batched = _batch_param(init_scale, "init_scale")
    if scale.ndim != 1:
        raise ValueError(f"init_scale: expected a scalar or a 1-D batch, got shape {tuple(scale.shape)}")
    check_int(seed, "seed")
    Bn = max(beta_t.shape[0], scale.numel())
    if beta_t.shape[0] not in (1, Bn) or scale.numel() not in (1, Bn):
        raise ValueError(f"init_scale: batch of {scale.numel()} does not match beta's batch of {beta_t.shape[0]}")
    beta_t = beta_t.expand(Bn, -1).contiguous().to(dev)
    Ws = init_weights(sizes, scale.expand(Bn).contiguous(), seed, init, device=dev)
    squeeze = not (b_batched or s_batched)
    return X, Y, sizes, act, beta_t, lam, n_iter, Ws, squeeze


def admm_train(
    X, Y, sizes, beta, lam, n_iter, activation="sigmoid", init_scale=1.0, seed=0, world_size=1,
    *, init="fan_in", multipliers=True, start_method=None, progress=False, device=None,
):
    r"""Train a network with ADMM exactly as Algorithm 1 of Zeng, Lin, Yao & Zhou (JMLR 2021):
    backward estimation ($W_l$ ridge solve, then prox-linear $W_{l-1},\dots,W_1$), forward
    correction ($V_1,\dots,V_{l-2}$ prox-linear, $V_{l-1}$ linear solve, $V_l$ closed form), then
    $\Lambda_i \leftarrow \Lambda_i + \beta_i r_i$.

    ``beta``: scalar, 1-D batch, or 2-D ``(batch, layers)`` (per-layer $\beta_i$); ``init_scale``
    scalar or 1-D batch; ``multipliers``: True (ADMM), False (BCD, $\Lambda\equiv0$) or one bool
    per batch entry (ADMM and BCD runs in one batch).  ``world_size > 1`` runs data-parallel over
    that many local processes (torch.distributed, gloo); see :mod:`course_lib.admm_parallel`.  Returns a
    :class:`TrainHistory` with ``augmented_lagrangian``, ``primal_residual`` ($\|r\|_F$),
    ``kkt_residual`` (max of $\|\nabla_W L\|$, $\|\nabla_V L\|$, $\|r\|$) and ``train_mse``.
    Raises :class:`~course_lib.core.validate.Diverged` with the offending beta on blow-up.
    """
    world_size = check_int(world_size, "world_size", min_value=1, max_value=64)
    X, Y, sizes, act, beta_t, lam, n_iter, Ws, squeeze = _prepare(
        X, Y, sizes, beta, lam, n_iter, activation, init_scale, seed, init, device
    )
    if isinstance(multipliers, (bool, np.bool_)):
        method = "ADMM" if multipliers else "BCD"
    else:
        if not isinstance(multipliers, (list, tuple, np.ndarray, torch.Tensor)):
            raise TypeError(f"multipliers: expected a bool or a 1-D sequence of bools, got {type(multipliers).__name__}")
        m = torch.as_tensor(np.asarray(multipliers) if not isinstance(multipliers, torch.Tensor) else multipliers)
        if m.dtype != torch.bool or m.shape != (beta_t.shape[0],):
            raise ValueError(f"multipliers: expected {beta_t.shape[0]} bools (one per batch entry), got {tuple(m.shape)} {m.dtype}")
        method = "ADMM" if bool(m.all()) else "BCD" if not bool(m.any()) else "ADMM/BCD"
        multipliers = m.to(beta_t.device)
    if world_size > X.shape[1]:
        raise ValueError(f"world_size: {world_size} workers for {X.shape[1]} samples")
    t0 = time.perf_counter()
    if world_size == 1:
        out, Ws = _admm_core(X, Y, Ws, beta_t, lam, n_iter, act, multipliers, _Local(), progress)
    else:
        from course_lib.admm_parallel import run_local

        out, Ws = run_local(X, Y, Ws, beta_t, lam, n_iter, act.name, multipliers, world_size, start_method)
    seconds = time.perf_counter() - t0
    out = {k: (v[:, 0] if squeeze else v).cpu() for k, v in out.items()}
    weights, biases = _split(Ws, squeeze)
    return TrainHistory(
        method=method, weights=weights, biases=biases, seconds=seconds,
        params=dict(activation=act.name, lam=lam, n_iter=n_iter, world_size=world_size, init=init), **out,
    )


def bcd_train(X, Y, sizes, beta, lam, n_iter, activation="sigmoid", init_scale=1.0, seed=0, **kw):
    """Block coordinate descent (Zhang & Brand 2017; Zeng et al. 2019): Algorithm 1 with Lambda = 0."""
    return admm_train(X, Y, sizes, beta, lam, n_iter, activation, init_scale, seed, multipliers=False, **kw)


# --------------------------------------------------------------------------- backprop
def _bp_grads(Ws, X, Y, act, Xt=None):
    """Manual backprop of (1/2n)||f(X) - Y||^2: returns (mse, grads wrt each W, ||dL/db_i||).

    ``Xt`` = [X; 1] may be passed in (it is the same at every step)."""
    n, l = X.shape[1], len(Ws)
    Hs, Zs = [_aug(X.unsqueeze(0)) if Xt is None else Xt], []  # augmented activations
    for i, W in enumerate(Ws):
        Z = W @ Hs[-1]
        Zs.append(Z)
        if i < l - 1:
            Hs.append(_aug(act.f(Z)))
    E = Zs[-1] - Y
    mse = (E * E).mean(dim=(1, 2))
    delta = E / n
    grads = [None] * l
    for i in range(l - 1, -1, -1):
        grads[i] = delta @ Hs[i].transpose(1, 2)
        if i > 0:
            S = Hs[i][:, :-1]
            delta = (Ws[i][:, :, :-1].transpose(1, 2) @ delta) * act.df(Zs[i - 1], S)
    gb = torch.stack([G[:, :, -1].norm(dim=1) for G in grads], 1)  # bias column = delta summed over samples
    return mse, grads, gb


def bp_train(
    X, Y, sizes, lr, n_iter, activation="sigmoid", init_scale=1.0, seed=0,
    *, init="fan_in", on_diverge="flag", progress=False, device=None,
):
    r"""Full-batch gradient descent with backprop on $\frac1{2n}\|f(X)-Y\|_F^2$ (Rumelhart et al. 1986),
    same initialisation as :func:`admm_train` for the same seed.

    ``lr`` and ``init_scale`` are scalars or 1-D batches (broadcast together).  Records
    ``train_mse`` and ``grad_norms[k, b, i]`` $=\|\partial L/\partial b_i\|$ (Nielsen's "speed of
    learning" of layer $i$).  A run whose loss blows up is frozen and flagged in ``diverged``
    (``on_diverge="flag"``) or raises :class:`~course_lib.core.validate.Diverged` (``"raise"``).
    """
    sizes = _check_sizes(sizes, 1)
    act = _activation(activation)
    dev = get_device(device)
    X, Y = _check_data(X, Y, sizes, dev)
    lr_t, l_batched = _batch_param(lr, "lr")
    if lr_t.ndim != 1:
        raise ValueError(f"lr: expected a scalar or 1-D batch, got shape {tuple(lr_t.shape)}")
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    scale, s_batched = _batch_param(init_scale, "init_scale")
    if scale.ndim != 1:
        raise ValueError(f"init_scale: expected a scalar or a 1-D batch, got shape {tuple(scale.shape)}")
    if on_diverge not in ("flag", "raise"):
        raise ValueError(f"on_diverge: must be 'flag' or 'raise', got {on_diverge!r}")
    Bn = max(lr_t.numel(), scale.numel())
    if lr_t.numel() not in (1, Bn) or scale.numel() not in (1, Bn):
        raise ValueError(f"init_scale: batch of {scale.numel()} does not match lr's batch of {lr_t.numel()}")
    Ws = init_weights(sizes, scale.expand(Bn).contiguous(), seed, init, device=dev)
    lr_b = _bx(lr_t.expand(Bn).to(dev))
    alive = torch.ones(Bn, dtype=torch.bool, device=dev)
    all_alive = True
    Xt = _aug(X.unsqueeze(0))
    mses, gns = [], []
    t0 = time.perf_counter()
    it = range(n_iter + 1)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc="backprop", leave=False)
    for k in it:
        mse, grads, gb = _bp_grads(Ws, X, Y, act, Xt)
        bad = ~torch.isfinite(mse) | (mse > DIVERGE_AT)
        if bool((bad & alive).any()):
            if on_diverge == "raise":
                raise Diverged(f"backprop diverged at iteration {k}: lr={lr_t.expand(Bn)[bad.cpu()].tolist()} is too large")
            alive = alive & ~bad
            all_alive = False
        if all_alive:
            mses.append(mse)
            gns.append(gb)
        else:
            mses.append(torch.where(alive, mse, torch.full_like(mse, math.inf)))
            gns.append(torch.where(alive.view(-1, 1), gb, torch.zeros_like(gb)))
        if k == n_iter:
            break
        if all_alive:
            Ws = [W - lr_b * G for W, G in zip(Ws, grads)]
        else:  # frozen runs keep their weights (and no inf/nan leaks into them)
            step = lr_b * alive.view(-1, 1, 1)
            Ws = [torch.where(alive.view(-1, 1, 1), W - step * G, W) for W, G in zip(Ws, grads)]
    seconds = time.perf_counter() - t0
    squeeze = not (l_batched or s_batched)
    mse_h, gn_h = torch.stack(mses).cpu(), torch.stack(gns).cpu()
    if squeeze:
        mse_h, gn_h = mse_h[:, 0], gn_h[:, 0]
    weights, biases = _split(Ws, squeeze)
    return TrainHistory(
        method="BP", train_mse=mse_h, grad_norms=gn_h, weights=weights, biases=biases, seconds=seconds,
        diverged=(~alive).cpu() if not squeeze else (~alive)[0].cpu(),
        params=dict(activation=act.name, n_iter=n_iter, init=init),
    )


# --------------------------------------------------------------------------- vanishing gradients
def layer_gradient_norms(depth=10, width=64, n=128, activation="sigmoid", init="fan_in", n_seeds=16, seed=0, device=None):
    r"""RMS per-sample backpropagated error $\|\delta_i\|$ at every hidden layer of a random
    depth-``depth`` network of constant ``width`` at initialisation, for ``n_seeds`` networks in one batch.

    $\delta_i = (W_{i+1}^\top\delta_{i+1})\odot\sigma'(z_i)$ (Nielsen ch. 5): with
    $W\sim N(0,1/\text{fan-in})$, $E\|\delta_i\|^2 = E[\sigma'^2]\,\|\delta_{i+1}\|^2\le\|\delta_{i+1}\|^2/16$
    for the sigmoid; ReLU with He's $N(0, 2/\text{fan-in})$ keeps $E\|\delta_i\|^2=\|\delta_{i+1}\|^2$.
    Returns ``(n_seeds, depth)``: column ``i`` is hidden layer ``i+1`` (input side first).
    """
    depth = check_int(depth, "depth", min_value=2, max_value=200)
    width = check_int(width, "width", min_value=2, max_value=4096)
    n = check_int(n, "n", min_value=1)
    n_seeds = check_int(n_seeds, "n_seeds", min_value=1)
    act = _activation(activation)
    check_int(seed, "seed")
    dev = get_device(device)
    sizes = [width] * (depth + 1) + [width]
    Ws = init_weights(sizes, [1.0] * n_seeds, seed, init, independent=True, device=dev)
    g = generator(seed + 1, torch.device("cpu"))
    X = torch.randn(width, n, generator=g, dtype=torch.float64).to(dev)
    Hs, Zs = [X.expand(n_seeds, -1, -1)], []
    for i, W in enumerate(Ws):
        Z = W @ _aug(Hs[-1])
        Zs.append(Z)
        Hs.append(act.f(Z) if i < depth else Z)
    delta = torch.randn(n_seeds, width, n, generator=g, dtype=torch.float64).to(dev)  # dL/d(output)
    norms = []
    for i in range(depth, 0, -1):  # hidden layers depth..1
        delta = (Ws[i][:, :, :-1].transpose(1, 2) @ delta) * act.df(Zs[i - 1], Hs[i])
        norms.append((delta**2).sum(1).mean(1).sqrt())
    return torch.stack(norms[::-1], 1).cpu()


# --------------------------------------------------------------------------- theorem constants
def theorem_conditions(X, Y, sizes):
    r"""The slide's sufficient conditions for a 3-layer network (Zeng et al. 2021, Theorem 1):
    $B=\max\{2\sqrt{r_1}/(\|X\|_F/\sqrt n),\,(2\sqrt{r_2}/(\|X\|_F/\sqrt n))^{1/2},\,(\|Y\|_F/\|X\|_F)^{1/3}\}$,
    $\beta_3\ge2$, $\beta_2\ge16(\beta_3+1)B^2$, $\beta_1\ge11(\beta_2+1)B^4\|X\|_F$,
    $\lambda\ge\max\{\tfrac34\beta_1B\|X\|_F^3, 10\beta_2B^4\|X\|_F^3, 4\beta_3B^4\|X\|_F^2\}$.
    We read $r_i$ as the width of hidden layer $i$.  Returns the smallest admissible values.
    """
    sizes = _check_sizes(sizes)
    if len(sizes) != 4:
        raise ValueError(f"sizes: the slide's conditions are for 3 layers [d_in, r_1, r_2, d_out], got {sizes}")
    X, Y = _check_data(X, Y, sizes, "cpu")
    n = X.shape[1]
    xf, yf = float(X.norm()), float(Y.norm())
    if xf == 0:
        raise ValueError("X: must not be all zeros")
    r1, r2 = sizes[1], sizes[2]
    s = xf / math.sqrt(n)
    B = max(2 * math.sqrt(r1) / s, math.sqrt(2 * math.sqrt(r2) / s), (yf / xf) ** (1 / 3))
    b3 = 2.0
    b2 = 16 * (b3 + 1) * B**2
    b1 = 11 * (b2 + 1) * B**4 * xf
    lam = max(0.75 * b1 * B * xf**3, 10 * b2 * B**4 * xf**3, 4 * b3 * B**4 * xf**2)
    return {"B": B, "beta1": b1, "beta2": b2, "beta3": b3, "lam": lam, "X_fro": xf}


# --------------------------------------------------------------------------- helpers for the lecture
def square_data(n=100, dtype=torch.float64):
    """y = x^2 on an even grid of ``n`` points in [-1, 1]; returns ``(X, Y)`` shaped ``(1, n)``."""
    n = check_int(n, "n", min_value=2)
    x = torch.linspace(-1, 1, n, dtype=dtype).view(1, -1)
    return x, x**2


def time_to_accuracy(train_mse, target, seconds_per_iter=None):
    """First iteration (and seconds, if ``seconds_per_iter`` is given) at which ``train_mse <= target``;
    ``inf`` if never.  ``train_mse`` is ``(n_iter+1,)`` or ``(n_iter+1, B)``."""
    m = as_tensor(train_mse, "train_mse", ndim=(1, 2), finite=False)
    target = check_positive(target, "target")
    hit = m <= target
    idx = torch.where(hit.any(0), hit.to(torch.int8).argmax(0).to(torch.float64), torch.tensor(math.inf, dtype=torch.float64))
    if seconds_per_iter is None:
        return idx
    return idx, idx * check_positive(seconds_per_iter, "seconds_per_iter")


# --------------------------------------------------------------------------- widget
WIDGET_BETAS = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
WIDGET_SCALES = (1.0, 3.0, 10.0, 30.0)
WIDGET_LRS = (0.1, 0.3, 1.0)


def _take(h: TrainHistory, idx: slice, method: str) -> TrainHistory:
    """Batch entries ``idx`` of a batched history; ``seconds`` is their share of the batch's time."""
    B = h.train_mse.shape[1]
    k = len(range(B)[idx])
    hist = {name: getattr(h, name)[:, idx] for name in ("train_mse", "augmented_lagrangian", "primal_residual", "kkt_residual")}
    return TrainHistory(method=method, weights=[w[idx] for w in h.weights], biases=[b[idx] for b in h.biases],
                        seconds=h.seconds * k / B, params=dict(h.params), **hist)


def widget_runs(n=100, n_iter=120, bp_iter=1000, sizes=(1, 20, 20, 1), lam=1e-6, seed=0, progress=False):
    """The widget's data in two batched runs: one Algorithm-1 batch holding ADMM over the beta grid
    (init scale 1), ADMM (beta = 10) over the init-scale grid and BCD (beta = 10, Lambda = 0) over
    the init-scale grid; and backprop (every lr of ``WIDGET_LRS``) over the init-scale grid.
    All runs share one initial draw (scaled), as separate calls with the same seed would.
    ``bp_best`` is, per scale, the run of the lr with the lowest final MSE.  The ``seconds`` of
    each ADMM/BCD history is its share of the joint batch's time."""
    sizes = list(sizes)
    X, Y = square_data(n)
    sc = list(WIDGET_SCALES)
    nb, ns = len(WIDGET_BETAS), len(sc)
    joint = admm_train(X, Y, sizes, list(WIDGET_BETAS) + [10.0] * (2 * ns), lam, n_iter,
                       init_scale=[1.0] * nb + sc + sc, seed=seed, progress=progress,
                       multipliers=[True] * (nb + ns) + [False] * ns)
    runs = _take(joint, slice(0, nb), "ADMM")
    adm = _take(joint, slice(nb, nb + ns), "ADMM")
    bcd = _take(joint, slice(nb + ns, nb + 2 * ns), "BCD")
    k = len(WIDGET_LRS)
    sct = torch.tensor(sc, dtype=torch.float64)
    lrs = torch.tensor(WIDGET_LRS, dtype=torch.float64).repeat_interleave(ns)
    bp = bp_train(X, Y, sizes, lrs, bp_iter, init_scale=sct.repeat(k), seed=seed, progress=progress)
    m = bp.train_mse.view(bp_iter + 1, k, ns)
    best = m[-1].argmin(0)  # diverged runs hold +inf, so never win
    bp_best = m[:, best, torch.arange(ns)]
    return {"X": X, "Y": Y, "beta_runs": runs, "admm_scales": adm, "bcd_scales": bcd, "bp": bp,
            "bp_best": bp_best, "bp_best_lr": torch.tensor(WIDGET_LRS)[best]}


def build_admm_widget(n=100, n_iter=120, bp_iter=1000, sizes=(1, 20, 20, 1), lam=1e-6, seed=0, precomputed=None):
    """A beta slider (augmented Lagrangian and residual, precomputed over a beta grid) and an
    init-scale slider (BP vs ADMM training curves, precomputed over a scale grid).

    Both panels live in one ``FigureWidget`` (traces 0-2: the beta panel; 3-4: the init-scale
    panel): every FigureWidget ships plotly's ~5 MB front-end bundle when it is displayed.
    Pass ``precomputed=widget_runs(...)`` to reuse runs already made."""
    import ipywidgets as W

    from course_lib.ui.plotting import figure_widget

    sc = list(WIDGET_SCALES)
    if precomputed is None:
        precomputed = widget_runs(n, n_iter, bp_iter, sizes, lam, seed)
    runs, adm, bp_mse = precomputed["beta_runs"], precomputed["admm_scales"], precomputed["bp_best"]
    n_iter, bp_iter = runs.train_mse.shape[0] - 1, bp_mse.shape[0] - 1
    L = runs.augmented_lagrangian
    if bool((L > 0).all()):  # L/L₀ on a log axis; (L − min L) would plunge to 0 at its minimum
        Lrel, L_name = (L / L[0]).numpy(), "L / L₀ (augmented Lagrangian)"
    else:
        Lrel, L_name = ((L - L.amin(0)) / (L[0] - L.amin(0)).abs().clamp_min(1e-300) + 1e-16).numpy(), "(L − min L)/(L₀ − min L)"
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


# --------------------------------------------------------------------------- exercises
def _ex_data(seed):
    g = torch.Generator().manual_seed(seed)
    V_prev = torch.rand(4, 30, generator=g, dtype=torch.float64)
    V = torch.randn(2, 30, generator=g, dtype=torch.float64)
    Lam = torch.randn(2, 30, generator=g, dtype=torch.float64)
    return V_prev, V, Lam


def exercise_last_layer_update() -> Exercise:
    r"""Implement $W_l=\arg\min_W \frac\lambda2\|W\|^2+\langle\Lambda,WV_{\rm prev}-V\rangle+\frac\beta2\|WV_{\rm prev}-V\|^2$ (no bias)."""

    def reference(V_prev, V, Lam, beta, lam):
        A = lam * torch.eye(V_prev.shape[0], dtype=V_prev.dtype) + beta * V_prev @ V_prev.T
        return torch.linalg.solve(A, V_prev @ (beta * V - Lam).T).T

    def zero_grad(args):
        V_prev, V, Lam, beta, lam = args

        def test(W):
            W = torch.as_tensor(W, dtype=torch.float64)
            if W.shape != (V.shape[0], V_prev.shape[0]):
                return f"shape {tuple(W.shape)}, expected {(V.shape[0], V_prev.shape[0])}"
            g = lam * W + (Lam + beta * (W @ V_prev - V)) @ V_prev.T
            err = float(g.abs().max())
            return None if err < 1e-8 else f"the subproblem's gradient is {err:.3g}, not 0"

        return test

    cases = []
    for seed, beta, lam in [(0, 1.0, 0.1), (1, 10.0, 1e-3), (2, 0.5, 5.0)]:
        V_prev, V, Lam = _ex_data(seed)
        args = (V_prev, V, Lam, beta, lam)
        cases.append(Case(f"beta={beta}, lam={lam}", args=args, expected=reference(*args), atol=1e-8))
        cases.append(Case(f"gradient vanishes (beta={beta})", args=args, test=zero_grad(args)))
    return Exercise("last-layer W update (ridge solve)", cases,
                    hint="set the gradient λW + (Λ + β(WV_prev − V))V_prevᵀ to zero and solve the d×d system.")


def exercise_multiplier_update() -> Exercise:
    r"""Implement $\Lambda \leftarrow \Lambda + \beta(\sigma(WV_{\rm prev}) - V)$ for a sigmoid hidden layer."""
    cases = []
    for seed, beta in [(3, 1.0), (4, 10.0)]:
        g = torch.Generator().manual_seed(seed)
        V_prev, _, _ = _ex_data(seed)
        W = torch.randn(3, 4, generator=g, dtype=torch.float64)
        V = torch.rand(3, 30, generator=g, dtype=torch.float64)
        Lam = torch.randn(3, 30, generator=g, dtype=torch.float64)
        expected = Lam + beta * (torch.sigmoid(W @ V_prev) - V)
        cases.append(Case(f"beta={beta}", args=(Lam, W, V_prev, V, beta), expected=expected, atol=1e-10))
    return Exercise("multiplier update", cases, hint="Λ + β·r with the residual r = σ(W V_prev) − V (not V − σ(...)).")
