r"""ADMM kernels (lecture 09): the block updates of Algorithm 1 and the sweep loop that runs them.

Zeng, Lin, Yao & Zhou, "On ADMM in deep learning: convergence and saturation-avoidance",
JMLR 22 (2021), arXiv:1902.02060 (Algorithm 1); BCD (Zhang & Brand 2017; Zeng et al. 2019) is
the same sweep with zero multipliers.

Conventions as in :mod:`course_lib.core.mlp`: **columns are samples**, ``V_0 = X``,
``V_i = sigma(W_i V~_{i-1})`` for ``i < l`` and ``V_l = W_l V~_{l-1}`` with ``V~ = [V; 1]``;
``lam/2 ||W_i||^2`` penalises the bias column too.  Every tensor has a leading batch axis ``B``
(one entry per beta / init scale), so a grid of runs is one tensor program.

Every sum over samples goes through a communicator ``comm`` (:class:`LocalComm` here; the
data-parallel runner in :mod:`course_lib.admm.parallel` passes one that gathers them), so the same
kernels run on one process or on shards of the data.
"""
from __future__ import annotations

import math

import torch

from course_lib.core.mlp import DIVERGE_AT, Activation, augment
from course_lib.core.progress import progress as progress_bar
from course_lib.core.validate import Diverged, as_tensor

__all__ = [
    "SMOOTH",
    "LocalComm",
    "check_data",
    "update_last_W",
    "update_hidden_W",
    "update_hidden_V",
    "update_penultimate_V",
    "update_last_V",
    "solve_last_W",
    "multiplier_step",
    "kkt_multipliers",
    "augmented_lagrangian_terms",
    "admm_core",
]

#: Activations Algorithm 1 accepts: the prox-linear steps need a bounded second derivative.
SMOOTH = ("sigmoid", "tanh")


def check_data(X, Y, sizes, device):
    """``X`` ``(sizes[0], n)`` and ``Y`` ``(sizes[-1], n)`` as float64 tensors on ``device`` (columns are samples)."""
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64, device=device)
    Y = as_tensor(Y, "Y", ndim=2, dtype=torch.float64, device=device)
    if X.shape[0] != sizes[0]:
        raise ValueError(f"X: expected {sizes[0]} rows (sizes[0], features; columns are samples), "
                         f"got shape {tuple(X.shape)}")
    if Y.shape[0] != sizes[-1]:
        raise ValueError(f"Y: expected {sizes[-1]} rows (sizes[-1]), got shape {tuple(Y.shape)}")
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"Y: expected {X.shape[1]} columns (one per sample of X), got shape {tuple(Y.shape)}")
    return X, Y


# --------------------------------------------------------------------------- communication
class LocalComm:
    """Single process: sums over samples are local sums.  A communicator has ``sum(*ts)`` (the
    sums over every worker's samples, one tensor or a tuple), ``max(t)`` (the maxima) and
    ``sum_max(s, m)`` (both at once, one exchange)."""

    def sum(self, *ts):
        return ts if len(ts) > 1 else ts[0]

    def max(self, t):
        return t

    def sum_max(self, s, m):
        """``(sum(s), max(m))`` over the workers in one exchange (here: nothing to exchange)."""
        return s, m


def _bx(beta):  # (B,) -> (B,1,1)
    return beta.view(-1, 1, 1)


def _tbound(act: Activation, V, Lam, beta, comm):
    """max over entries of max(|T - lo|, |T - hi|), T = V - Lam/beta (global over samples)."""
    T = V - Lam / _bx(beta)
    local = torch.maximum((T - act.lo).abs(), (T - act.hi).abs()).amax(dim=(1, 2))
    return comm.max(local)


# --------------------------------------------------------------------------- block updates
def _shift_diag(M, lam):
    """M + lam I, in place on the fresh tensor M; ``lam`` a float or a (B,1,1) batch."""
    M.diagonal(dim1=-2, dim2=-1).add_(lam.reshape(-1, 1) if isinstance(lam, torch.Tensor) else lam)
    return M


def solve_last_W(A, C, beta_b, lam):
    r"""The exact $W_l$ block of Algorithm 1 from the sample sums $A=\tilde V\tilde V^\top$ and
    $C=(\beta V_l-\Lambda_l)\tilde V^\top$: solve $W(\lambda I+\beta A)=C$; ``beta_b`` is (B,1,1)."""
    M = _shift_diag(beta_b * A, lam)
    return torch.linalg.solve(M, C.transpose(1, 2)).transpose(1, 2)


def update_last_W(V_prev, V_last, Lam_last, beta, lam, comm=LocalComm()):
    r"""Ridge solve (Zeng et al. 2021, Alg. 1):
    $W_l = (\beta V_l - \Lambda_l)\tilde V^\top(\lambda I + \beta\tilde V\tilde V^\top)^{-1}$."""
    Vt = augment(V_prev)
    A, C = comm.sum(Vt @ Vt.transpose(1, 2), (_bx(beta) * V_last - Lam_last) @ Vt.transpose(1, 2))
    return solve_last_W(A, C, _bx(beta), lam)


def _curvature(act: Activation, V, Lam, beta, comm):
    """c = s1^2 + s2 max|sigma - T|: a global bound on d^2/dz^2 of (sigma(z) - T)^2/2, T = V - Lam/beta."""
    return act.s1**2 + act.s2 * _tbound(act, V, Lam, beta, comm)


def _solve_hidden_W(W, A, GA, bc, lam):
    """Prox-linear W step from the sample sums A = V~V~^T and GA = G V~^T; ``bc`` = beta c, (B,1,1)."""
    M = _shift_diag(bc * A, lam)
    rhs = bc * (W @ A) - GA
    return torch.linalg.solve(M, rhs.transpose(1, 2)).transpose(1, 2)  # M is symmetric


def update_hidden_W(W, V_prev, V, Lam, beta, lam, act: Activation, comm=LocalComm()):
    r"""Prox-linear step (Zeng et al. 2021, Alg. 1) on $\frac\beta2\|\sigma(W\tilde V) - T\|^2$,
    $T = V_i - \Lambda_i/\beta_i$, linearised in the pre-activation $Z = W\tilde V$ with curvature
    $c = s_1^2 + s_2\max|\sigma - T|$ (a global majoriser, so each step decreases $L$):
    $W^+ = (\beta c W\tilde V\tilde V^\top - G\tilde V^\top)(\lambda I + \beta c\tilde V\tilde V^\top)^{-1}$,
    $G = \beta(\sigma(Z) - T)\odot\sigma'(Z)$."""
    Vt = augment(V_prev)
    Z = W @ Vt
    S = act.f(Z)
    R = _bx(beta) * (S - V) + Lam
    GA, A = comm.sum((R * act.df(Z, S)) @ Vt.transpose(1, 2), Vt @ Vt.transpose(1, 2))
    bc = _bx(beta * _curvature(act, V, Lam, beta, comm))
    return _solve_hidden_W(W, A, GA, bc, lam)


def update_hidden_V(V, P, Lam, W_next, V_next, Lam_next, beta, beta_next, act: Activation, comm=LocalComm(), *,
                    bc=None, Vt=None):
    r"""Prox-linear step for $V_i$ ($i < l-1$): exact in $\frac{\beta_i}2\|V - P - \Lambda_i/\beta_i\|^2$,
    the next layer's term linearised in its pre-activation with curvature $c$:
    $(\beta_i I + \beta_{i+1}c W^\top W)V^+ = \beta_i P + \Lambda_i + \beta_{i+1}c W^\top W V - W^\top G$.
    ``bc`` (= beta_{i+1} c, (B,1,1)) and ``Vt`` (= [V; 1]) may be passed in when already known."""
    Wn = W_next[:, :, :-1]
    Z = W_next @ (augment(V) if Vt is None else Vt)
    S = act.f(Z)
    G = (_bx(beta_next) * (S - V_next) + Lam_next) * act.df(Z, S)
    if bc is None:
        bc = _bx(beta_next * _curvature(act, V_next, Lam_next, beta_next, comm))
    WtW = Wn.transpose(1, 2) @ Wn
    M = _shift_diag(bc * WtW, _bx(beta))
    rhs = _bx(beta) * P + Lam + bc * (WtW @ V) - Wn.transpose(1, 2) @ G
    return torch.linalg.solve(M, rhs)


def update_penultimate_V(P, Lam, W_last, V_last, Lam_last, beta, beta_last):
    r"""Linear solve for $V_{l-1}$:
    $(\beta_{l-1}I + \beta_l W^\top W)V = \beta_{l-1}P + \Lambda_{l-1} + W^\top(\beta_l(V_l - b_l) - \Lambda_l)$."""
    Wn, b = W_last[:, :, :-1], W_last[:, :, -1:]
    Wt = Wn.transpose(1, 2)
    M = _shift_diag(_bx(beta_last) * (Wt @ Wn), _bx(beta))
    rhs = _bx(beta) * P + Lam + Wt @ (_bx(beta_last) * (V_last - b) - Lam_last)
    return torch.linalg.solve(M, rhs)


def update_last_V(Y, Lam_last, W_last, V_prev, beta_last):
    r"""Closed form $V_l = (Y + \Lambda_l + \beta_l W_l\tilde V_{l-1})/(1 + \beta_l)$."""
    return (Y + Lam_last + _bx(beta_last) * (W_last @ augment(V_prev))) / (1 + _bx(beta_last))


def multiplier_step(Lam, r, beta):
    r"""Dual ascent on the augmented Lagrangian (Zeng et al. 2021, Alg. 1): $\Lambda_i + \beta_i r_i$ with the
    residual $r_i = \sigma(W_i\tilde V_{i-1}) - V_i$ (the sign of $r$ fixes the sign of the step);
    ``beta`` broadcasts against ``r`` ((B,1,1) in the sweep)."""
    return Lam + beta * r


def kkt_multipliers(Ws, X, Y, act: Activation):
    r"""The Lagrange multipliers of $\min\frac12\|V_l-Y\|^2$ s.t. $r_i(V)=0$ at the *feasible* point
    $V_i=\sigma(W_i\tilde V_{i-1})$ (the forward pass), found by a generic dense linear solve of the KKT
    stationarity in $V$: $\nabla_V\frac12\|V_l-Y\|^2 + J^\top\Lambda = 0$, $J=\partial r/\partial V$
    built column by column with autograd.  Samples decouple, so $J$ is one $(D\times D)$ block per sample,
    $D=\sum_{i\ge1} d_i$.  No backward recursion is written here: that it reproduces backprop's
    $\delta_i$ is the check of LeCun (1988).  ``Ws`` ``(B, d_i, d_{i-1}+1)``; returns ``[Lambda_1 .. Lambda_l]``,
    each ``(B, d_i, n)``."""
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    Y = as_tensor(Y, "Y", ndim=2, dtype=torch.float64)
    l, B = len(Ws), Ws[0].shape[0]
    dims = [W.shape[1] for W in Ws]
    Ws = [W.detach() for W in Ws]
    with torch.no_grad():  # the feasible point: the forward pass
        H, Vs = X.expand(B, -1, -1), []
        for i, W in enumerate(Ws):
            H = W @ augment(H)
            H = act.f(H) if i < l - 1 else H
            Vs.append(H)
    V = torch.cat(Vs, 1).requires_grad_(True)  # (B, D, n)
    with torch.enable_grad():
        parts = torch.split(V, dims, 1)
        prev, res = X.expand(B, -1, -1), []
        for i, W in enumerate(Ws):
            Z = W @ augment(prev)
            res.append((act.f(Z) if i < l - 1 else Z) - parts[i])
            prev = parts[i]
        r = torch.cat(res, 1)  # (B, D, n): r_a of sample j depends on V[:, :, j] only
        rows = [torch.autograd.grad(r[:, a].sum(), V, retain_graph=a < r.shape[1] - 1)[0] for a in range(r.shape[1])]
    J = torch.stack(rows, 1).permute(0, 3, 1, 2)  # (B, n, D_constraints, D_variables)
    gF = torch.zeros_like(V)
    gF[:, -dims[-1]:] = Vs[-1] - Y  # the gradient of 1/2||V_l - Y||^2
    lam = torch.linalg.solve(J.transpose(-1, -2), -gF.permute(0, 2, 1).unsqueeze(-1)).squeeze(-1)
    return list(torch.split(lam.permute(0, 2, 1), dims, 1))


def augmented_lagrangian_terms(Ws, Vs, Lams, Y, beta, lam, act, comm=LocalComm()):
    """(L, ||r||^2, per-layer grads wrt W, ||grad_V L||^2) with sample sums reduced by ``comm``."""
    l = len(Ws)
    B = beta.shape[0]
    loss = 0.5 * ((Vs[l] - Y) ** 2).sum(dim=(1, 2))
    pen = torch.zeros_like(loss)
    r2 = torch.zeros_like(loss)
    Gs, Rs, Ds = [], [], []
    for i in range(1, l + 1):
        Vt = augment(Vs[i - 1])
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


# --------------------------------------------------------------------------- ADMM (Algorithm 1)
#: Samples per block of a sweep's per-sample part (forward correction, multipliers, record).  Given the weights,
#: every column is updated on its own, so a sweep runs block by block: a (B, 32, 1024) float64 block is 256 kB, so
#: a block's dozen temporaries stay in a core's 1 MB cache instead of streaming 10 MB tensors (n = 40,000) through
#: memory, and they are small enough for the allocator to reuse rather than map and unmap.  Measured on the 2-core
#: machine at n = 40,000 (make bench's race, 3 repeats, twice): 2-process speed-up 1.83-1.90x with 1,024, 1.71-1.84x
#: with 2,048, 1.68-1.72x with 4,096; the one-process time is the same for all three.
BLOCK = 1024


def _block_sums(Y, Ws, Vs, Vts, Zs, Ss, Lams, bcol, act):
    """The per-sample part of the record on one block of samples: the packed sample sums (B, k) -- (L's loss and
    penalty, ||r||^2, ||grad_V L||^2, the network's squared error, then ``G_i V~_i^T``, ``V~_i V~_i^T`` for
    i >= 1 and ``C``) -- and the T-bounds' maxima (B, l-1).  ``Zs[i] = W_{i+1} V~_i``, ``Ss[i] = sigma(Zs[i])``
    (``Zs[i]`` for the last layer), computed with the final W's and V's of the sweep.  The next sweep's backward
    estimation uses the same W, V and Lambda, so its sums (``V~V~^T``, ``G V~^T``, the curvature bound) are the
    ones computed here: ``G_i V~^T`` is exactly ``dL/dW_i - lam W_i``."""
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
        H = Ws[i] @ augment(H)
        if i < l - 1:
            H = act.f(H)
    F = H - Y
    sse = (F * F).sum(dim=(1, 2))
    As = [Vts[i] @ Vts[i].transpose(1, 2) for i in range(1, l)]  # A_1 = X~X~^T is constant
    C = (bcol[l - 1] * Vs[l] - Lams[l - 1]) @ Vts[l - 1].transpose(1, 2)
    parts = [torch.stack([loss, pen, r2, gv2, sse], 1)] + [t.reshape(B, -1) for t in Gs + As + [C]]
    # T-bounds of the hidden layers (curvatures of the prox-linear W_i and V_{i-1} steps), maxima over samples
    mid = 0.5 * (act.lo + act.hi)
    tb = torch.stack([(Vs[i + 1] - Lams[i] / bcol[i] - mid).abs().amax(dim=(1, 2)) for i in range(l - 1)], 1)
    return torch.cat(parts, 1), tb


def _finish_record(packed, tb, Ws, lam, act, d):
    """The record and the next sweep's cache from the sums and maxima over every worker's samples (``d`` the
    layer widths with the bias row, ``d[i] = d_i + 1``).  Returns ``(record, cache)``: ``record`` = (L, ||r||,
    KKT residual, sum of squared errors of the network's output) per batch entry."""
    l, B = len(Ws), packed.shape[0]
    shapes = [(5,)] + [tuple(W.shape[1:]) for W in Ws] + [(d[i], d[i]) for i in range(1, l)] + \
        [tuple(Ws[l - 1].shape[1:])]
    out = list(torch.split(packed, [math.prod(sh) for sh in shapes], 1))
    loss, pen, r2, gv2, sse = out[0].unbind(1)
    Gs = [t.view(B, *sh) for t, sh in zip(out[1 : l + 1], shapes[1 : l + 1])]
    As = [t.view(B, *sh) for t, sh in zip(out[l + 1 : 2 * l], shapes[l + 1 : 2 * l])]
    C = out[2 * l].view(B, *shapes[2 * l])
    curv = act.s1**2 + act.s2 * (tb + 0.5 * (act.hi - act.lo))
    wn2 = torch.stack([((G + lam * W) ** 2).sum(dim=(1, 2)) for G, W in zip(Gs, Ws)], 1)
    L = loss + pen + 0.5 * lam * sum((W * W).sum(dim=(1, 2)) for W in Ws)
    kkt = torch.maximum(wn2.amax(1), torch.maximum(gv2, r2)).sqrt()
    return (L, r2.sqrt(), kkt, sse), {"G": Gs, "A": As, "C": C, "curv": curv}


def _sweep_blocks(X, Y, Ws, Vs, Lams, bvec, bcol, mstep, curv, lam, act, comm, *, update: bool, into=None):
    """A sweep's per-sample part, block by block of :data:`BLOCK` samples, and its one exchange.

    ``update``: the forward correction V_1, ..., V_l with the new W's, then the multipliers (Algorithm 1), into
    other tensors than the state's (``into`` = (V_1..V_l, Lambda_1..Lambda_l) of the same shapes, or fresh ones),
    so the old state stays intact; else only the record of the state as it is.  Returns ``(Vs, Lams, record,
    cache)``."""
    l, n, block = len(Ws), X.shape[-1], BLOCK
    if update:
        if into is None:
            into = [torch.empty_like(t) for t in Vs[1:] + (Lams if mstep is not None else [])]
        Vs_new = [Vs[0]] + list(into[:l])
        Lams_new = list(into[l:]) if mstep is not None else Lams
    else:
        Vs_new, Lams_new = Vs, Lams
    packed = tb = None
    for a in range(0, n, block):
        cols = slice(a, min(a + block, n))
        V = [t[:, :, cols] for t in Vs]
        La = [t[:, :, cols] for t in Lams]
        Vts, Zs, Ss = [augment(V[0])], [], []
        for i in range(l):
            Zs.append(Ws[i] @ Vts[i])
            Ss.append(act.f(Zs[i]) if i < l - 1 else Zs[i])
            if update and i < l - 2:
                V[i + 1] = update_hidden_V(V[i + 1], Ss[i], La[i], Ws[i + 1], V[i + 2], La[i + 1], bvec[i],
                                           bvec[i + 1], act, comm, bc=bcol[i + 1] * curv[:, i + 1].view(-1, 1, 1))
            elif update and i == l - 2:
                V[i + 1] = update_penultimate_V(Ss[i], La[i], Ws[l - 1], V[l], La[l - 1], bvec[i], bvec[l - 1])
            elif update:
                V[l] = (Y[:, cols] + La[l - 1] + bcol[l - 1] * Zs[l - 1]) / (1 + bcol[l - 1])
            if i < l - 1:
                Vts.append(augment(V[i + 1]))
        if update:
            for i in range(1, l + 1):
                Vs_new[i][:, :, cols] = V[i]
            if mstep is not None:  # Lambda_i <- Lambda_i + beta_i r_i  (BCD keeps Lambda = 0)
                for i in range(l):
                    La[i] = multiplier_step(La[i], Ss[i] - V[i + 1], mstep[i])
                    Lams_new[i][:, :, cols] = La[i]
        p, m = _block_sums(Y[:, cols], Ws, V, Vts, Zs, Ss, La, bcol, act)
        packed, tb = (p, m) if packed is None else (packed.add_(p), torch.maximum(tb, m))
    packed, tb = comm.sum_max(packed, tb)  # the sweep's one exchange between workers
    record, cache = _finish_record(packed, tb, Ws, lam, act, [t.shape[1] + 1 for t in Vs])
    return Vs_new, Lams_new, record, cache
def admm_core(X, Y, Ws, beta, lam, n_iter, act, multipliers, comm=LocalComm(), progress=False, on_diverge="raise"):
    """``n_iter`` sweeps of Algorithm 1 on a (shard of the) data; sums over samples go through ``comm``
    (:class:`LocalComm` in one process, ``course_lib.admm.parallel.DistComm`` across workers).

    ``X`` ``(d_in, n)``, ``Y`` ``(d_out, n)``, ``Ws`` from :func:`course_lib.core.mlp.init_weights`,
    ``beta`` ``(B, layers)``, ``act`` an :class:`~course_lib.core.mlp.Activation`; ``multipliers``:
    True (ADMM), False (BCD: Lambda stays 0) or a (B,) bool tensor (per entry).  Returns
    ``(series, Ws)``: the per-sweep ``augmented_lagrangian``, ``primal_residual``, ``kkt_residual`` and
    ``train_mse`` (index 0 = the initialisation, each ``(n_iter+1, B)``) and the final weights.
    When L blows up, ``on_diverge="raise"`` raises :class:`~course_lib.core.validate.Diverged`;
    ``"flag"`` freezes the entry at its last finite state (its series read inf from then on) and
    returns a ``diverged`` (B,) bool series too.

    A sweep: the backward estimation of W_l, ..., W_1 from the last record's sample sums, then the per-sample
    part (forward correction, multipliers, the record's sums) block by block of :data:`BLOCK` samples
    (:func:`_sweep_blocks`), and one exchange.
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
    Vs = [X.expand(Bn, -1, -1)]
    for i, W in enumerate(Ws):  # V^0 from a forward pass, Lambda^0 = 0
        Z = W @ augment(Vs[-1])
        Vs.append(act.f(Z) if i < l - 1 else Z)
    Lams = [torch.zeros_like(V) for V in Vs[1:]]
    Xt = augment(X.unsqueeze(0))
    A1 = comm.sum(Xt @ Xt.transpose(1, 2))  # (1, d0+1, d0+1), the same for every sweep
    n_total = comm.sum(torch.tensor([float(X.shape[1])], dtype=X.dtype, device=X.device))
    denom = n_total * Y.shape[0]
    hist = {k: [] for k in ("L", "res", "kkt", "mse")}

    def keep(record):
        L, res, kkt, sse = record
        hist["L"].append(L)
        hist["res"].append(res)
        hist["kkt"].append(kkt)
        hist["mse"].append(sse / denom)
        return L

    def sweep(update, curv=None, into=None):
        return _sweep_blocks(X, Y, Ws, Vs, Lams, bvec, bcol, mstep, curv, lam, act, comm, update=update, into=into)

    _, _, record, cache = sweep(False)
    L0 = DIVERGE_AT * (1 + keep(record).abs())
    dead = torch.zeros(Bn, dtype=torch.bool, device=X.device)
    dead_at = torch.full((Bn,), n_iter + 1, dtype=torch.long)
    # spare: the state before last, reused as the next sweep's output (no new memory, except in flag mode once an
    # entry has diverged: each sweep then freezes into new tensors and records twice)
    frozen, spare = None, None
    for k in progress_bar(range(n_iter), progress, "ADMM"):
        prev = [list(t) for t in (Ws, Vs, Lams)]
        # backward estimation: W_l, then W_{l-1}, ..., W_1, from the sums of the last record
        G, A, curv = cache["G"], [A1] + cache["A"], cache["curv"]
        Ws[l - 1] = solve_last_W(A[l - 1], cache["C"], bcol[l - 1], lam)
        for i in range(l - 2, -1, -1):
            Ws[i] = _solve_hidden_W(Ws[i], A[i], G[i], bcol[i] * curv[:, i].view(-1, 1, 1), lam)
        if frozen is not None:  # entries that diverged earlier keep their frozen weights
            _freeze(dead, frozen, (Ws,))
        # forward correction V_1, ..., V_l and the multipliers, block by block, then the record
        old = Vs[1:] + (Lams if mstep is not None else [])
        Vs, Lams, record, cache = sweep(True, curv, spare)
        spare = old
        if frozen is not None:  # ... and their frozen V's and multipliers: record that state again
            _freeze(dead, frozen, (Ws, Vs, Lams))
            _, _, record, cache = sweep(False)
        L = keep(record)
        bad = ((~torch.isfinite(L)) | (L.abs() > L0)) & ~dead
        if bool(bad.any()):
            if on_diverge != "flag":
                raise Diverged(
                    f"ADMM diverged at iteration {k + 1}: the augmented Lagrangian blew up for beta="
                    f"{beta[bad].tolist()} (batch entries {bad.nonzero().flatten().tolist()}); "
                    "increase beta or lam, or shrink init_scale"
                )
            # prev holds the frozen state of the earlier dead entries too; copied, as its tensors are reused
            dead, frozen = dead | bad, [[t.clone() for t in part] for part in prev]
            dead_at[bad.cpu()] = k + 1
            _freeze(dead, frozen, (Ws, Vs, Lams))
            for series in hist.values():
                series.pop()
            _, _, record, cache = sweep(False)
            keep(record)
    out = {
        "augmented_lagrangian": torch.stack(hist["L"]),
        "primal_residual": torch.stack(hist["res"]),
        "kkt_residual": torch.stack(hist["kkt"]),
        "train_mse": torch.stack(hist["mse"]),
    }
    if on_diverge == "flag":
        gone = (torch.arange(n_iter + 1).view(-1, 1) >= dead_at.view(1, -1)).to(X.device)
        out = {name: series.masked_fill(gone, math.inf) for name, series in out.items()}
        out["diverged"] = dead
    return out, Ws


def _freeze(dead, frozen, state):
    """Overwrite, in place in each list of ``state``, the batch entries ``dead`` by their ``frozen`` values."""
    mask = dead.view(-1, 1, 1)
    for now, then in zip(state, frozen):
        for i, (a, b) in enumerate(zip(now, then)):
            if a is not b:
                now[i] = torch.where(mask, b, a)
