r"""Training entry points of lecture 09: ADMM (Algorithm 1), BCD and backprop on the same network.

:func:`admm_train` validates, initialises (:func:`course_lib.core.mlp.init_weights`, shared with
:func:`bp_train` for the same seed) and runs :func:`course_lib.admm.kernels.admm_core` in this
process, or on ``world_size`` local processes through :mod:`course_lib.admm.parallel`.
Every function returns a :class:`course_lib.core.history.TrainHistory` whose ``loss`` (alias
``train_mse``) is the per-iteration mean squared error.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from course_lib.admm.kernels import SMOOTH, LocalComm, admm_core, check_data
from course_lib.admm.parallel import run_local
from course_lib.core.device import get_device
from course_lib.core.history import TrainHistory
from course_lib.core.mlp import DIVERGE_AT, augment, backprop_grads, init_weights
from course_lib.core.mlp import activation as check_activation
from course_lib.core.optim import Adam
from course_lib.core.progress import progress as progress_bar
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_bool,
    check_int,
    check_layer_sizes,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
    per_batch,
)

__all__ = ["admm_train", "bcd_train", "bp_train"]


def _split(Ws, squeeze):
    """Augmented ``(B, d, d_prev+1)`` weights -> (weights, biases) on the CPU, batch axis dropped if ``squeeze``."""
    weights = [W[:, :, :-1].cpu() for W in Ws]
    biases = [W[:, :, -1].cpu() for W in Ws]
    if squeeze:
        weights, biases = [w[0] for w in weights], [b[0] for b in biases]
    return weights, biases


def check_W0(W0, sizes, device):
    """Initial augmented weights ``W0``: a list of ``(B, d_i, d_{i-1}+1)`` float64 tensors (bias last) that
    match ``sizes`` and share one batch size ``B``."""
    if not isinstance(W0, (list, tuple)) or len(W0) != len(sizes) - 1:
        raise ValueError(f"W0: expected a list of {len(sizes) - 1} weight tensors, got {type(W0).__name__}")
    out = [as_tensor(W, "W0", ndim=3, dtype=torch.float64, device=device) for W in W0]
    for i, W in enumerate(out):
        if W.shape != (out[0].shape[0], sizes[i + 1], sizes[i] + 1):
            raise ValueError(f"W0: layer {i + 1} must be ({out[0].shape[0]}, {sizes[i + 1]}, {sizes[i] + 1}) for "
                             f"sizes = {list(sizes)}, got {tuple(W.shape)}")
    return out


def _check_size(sizes, n, batch, per_sample=6, what="the run's weights and activations", batch_name=None):
    """Refuse, before allocating, a run whose weights (``batch`` networks of layer ``sizes``) and per-sample
    tensors (``per_sample`` of each layer's width for each of the ``n`` samples) exceed the memory limit; the
    error names ``batch_name`` when the batch is what makes it large."""
    weights = sum(d * (d_prev + 2 + d) for d_prev, d in zip(sizes[:-1], sizes[1:]))
    acts = per_sample * n * sum(sizes[1:])
    name = "sizes" if weights > acts or max(sizes) > n else "X"
    if batch_name is not None and batch > max(max(sizes), n):
        name = batch_name
    check_memory(batch * (weights + acts), name, what=what)


def _initial(W0, sizes, scale, seed, init, batch, dev):
    """The initial weights: ``init_weights``' draw, or ``W0`` (already checked) expanded to ``batch``."""
    if W0 is None:
        return init_weights(sizes, scale.expand(batch).contiguous(), seed, init, device=dev)
    if W0[0].shape[0] not in (1, batch):
        raise ValueError(f"W0: batch of {W0[0].shape[0]} does not match the batch of {batch}")
    return [W.expand(batch, -1, -1).clone() for W in W0]


def _prepare(X, Y, sizes, beta, lam, n_iter, activation_name, init_scale, seed, init, device, W0=None):
    sizes = check_layer_sizes(sizes, "sizes", 2)
    act = check_activation(activation_name, SMOOTH)
    dev = get_device(device)
    X, Y = check_data(X, Y, sizes, dev)
    beta_t, b_batched = per_batch(beta, "beta", max_ndim=2, device="cpu")
    if beta_t.ndim == 2:
        if beta_t.shape[1] != len(sizes) - 1:
            raise ValueError(f"beta: a 2-D beta is (batch, layers) with {len(sizes) - 1} layers, "
                             f"got shape {tuple(beta_t.shape)}")
    else:
        beta_t = beta_t.view(-1, 1).expand(-1, len(sizes) - 1)
    lam = check_positive(lam, "lam")
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=1), "n_iter", what="ADMM")
    scale, s_batched = per_batch(init_scale, "init_scale", device="cpu")
    check_seed(seed)
    W0 = None if W0 is None else check_W0(W0, sizes, dev)
    Bn = max(beta_t.shape[0], scale.numel(), 1 if W0 is None else W0[0].shape[0])
    if beta_t.shape[0] not in (1, Bn) or scale.numel() not in (1, Bn):
        raise ValueError(f"init_scale: batch of {scale.numel()} does not match beta's batch of {beta_t.shape[0]}")
    _check_size(sizes, X.shape[1], Bn, per_sample=8)
    check_memory(4 * (n_iter + 1) * Bn, "n_iter", what="the per-sweep records")
    beta_t = beta_t.expand(Bn, -1).contiguous().to(dev)
    Ws = _initial(W0, sizes, scale, seed, init, Bn, dev)
    squeeze = not (b_batched or s_batched or W0 is not None)
    return X, Y, sizes, act, beta_t, lam, n_iter, Ws, squeeze


def _multipliers(multipliers, batch, device):
    """True/False, or one bool per batch entry -> (multipliers for the kernel, method name)."""
    if isinstance(multipliers, (bool, np.bool_)):
        return bool(multipliers), "ADMM" if multipliers else "BCD"
    if not isinstance(multipliers, (list, tuple, np.ndarray, torch.Tensor)):
        raise TypeError(f"multipliers: expected a bool or a 1-D sequence of bools, got {type(multipliers).__name__}")
    m = torch.as_tensor(np.asarray(multipliers) if not isinstance(multipliers, torch.Tensor) else multipliers)
    if m.dtype != torch.bool or m.shape != (batch,):
        raise ValueError(f"multipliers: expected {batch} bools (one per batch entry), got {tuple(m.shape)} {m.dtype}")
    method = "ADMM" if bool(m.all()) else "BCD" if not bool(m.any()) else "ADMM/BCD"
    return m.to(device), method


def admm_train(
    X, Y, sizes, beta, lam, n_iter, activation="sigmoid", init_scale=1.0, seed=0, world_size=1,
    *, init="fan_in", multipliers=True, start_method=None, progress=False, device=None, W0=None,
    on_diverge="raise",
):
    r"""Train a network with ADMM in the sweep order of Algorithm 1 of Zeng, Lin, Yao & Zhou (JMLR 2021):
    backward estimation ($W_l$ exact ridge solve, then $W_{l-1},\dots,W_1$), forward correction
    ($V_1,\dots,V_{l-2}$, then $V_{l-1}$ by an exact linear solve, $V_l$ in closed form), then
    $\Lambda_i \leftarrow \Lambda_i + \beta_i r_i$.  The blocks with $\sigma$ inside the square
    ($W_i$, $i<l$, and $V_i$, $i<l-1$) take **one prox-linear step**, not the exact argmin that
    the slides' Algorithm 1 writes: that argmin has no closed form.

    ``beta``: scalar, 1-D batch, or 2-D ``(batch, layers)`` (per-layer $\beta_i$); ``init_scale``
    scalar or 1-D batch; ``multipliers``: True (ADMM), False (BCD, $\Lambda\equiv0$) or one bool
    per batch entry (ADMM and BCD runs in one batch).  ``world_size > 1`` runs data-parallel over
    that many local processes (torch.distributed, gloo); see :mod:`course_lib.admm.parallel`.
    With ``world_size > 1``, ``params["parallel_profile"]`` holds rank 0's timings and exchange traffic
    (:func:`course_lib.admm.parallel.run_local`).
    Returns a :class:`~course_lib.core.history.TrainHistory`: ``loss`` (= ``train_mse``) and the
    records ``augmented_lagrangian``, ``primal_residual`` ($\|r\|_F$) and ``kkt_residual`` (max of
    $\|\nabla_W L\|$, $\|\nabla_V L\|$, $\|r\|$).
    ``W0`` (keyword): initial augmented weights (a list of ``(B, d_i, d_{i-1}+1)``, bias last), in place
    of the ``init_scale``/``seed`` draw; the history then keeps its batch axis.
    On blow-up, raises :class:`~course_lib.core.validate.Diverged` with the offending beta
    (``on_diverge="raise"``), or (``"flag"``, one process only) freezes that run, whose series then
    read inf, and marks it in ``diverged``.
    """
    world_size = check_int(world_size, "world_size", min_value=1, max_value=64)
    check_bool(progress, "progress")
    X, Y, sizes, act, beta_t, lam, n_iter, Ws, squeeze = _prepare(
        X, Y, sizes, beta, lam, n_iter, activation, init_scale, seed, init, device, W0
    )
    multipliers, method = _multipliers(multipliers, beta_t.shape[0], beta_t.device)
    if world_size > X.shape[1]:
        raise ValueError(f"world_size: {world_size} workers for {X.shape[1]} samples")
    if on_diverge not in ("raise", "flag") or (on_diverge == "flag" and world_size > 1):
        raise ValueError(f"on_diverge: must be 'raise' or 'flag' (one process only), got {on_diverge!r}")
    t0 = time.perf_counter()
    profile = None
    if world_size == 1:
        out, Ws = admm_core(X, Y, Ws, beta_t, lam, n_iter, act, multipliers, LocalComm(), progress, on_diverge)
    else:
        out, Ws, profile = run_local(X, Y, Ws, beta_t, lam, n_iter, act.name, multipliers, world_size,
                                     start_method)
    seconds = time.perf_counter() - t0
    diverged = out.pop("diverged", None)
    if diverged is not None:
        diverged = (diverged[0] if squeeze else diverged).cpu()
    out = {k: (v[:, 0] if squeeze else v).cpu() for k, v in out.items()}
    weights, biases = _split(Ws, squeeze)
    return TrainHistory(
        method=method, loss=out.pop("train_mse"), weights=weights, biases=biases, seconds=seconds, records=out,
        diverged=diverged,
        params=dict(activation=act.name, lam=lam, n_iter=n_iter, world_size=world_size, init=init,
                    parallel_profile=profile),
    )


def bcd_train(X, Y, sizes, beta, lam, n_iter, activation="sigmoid", init_scale=1.0, seed=0, **kw):
    """Block coordinate descent (Zhang & Brand 2017; Zeng et al. 2019): Algorithm 1 with Lambda = 0."""
    return admm_train(X, Y, sizes, beta, lam, n_iter, activation, init_scale, seed, multipliers=False, **kw)


def bp_train(
    X, Y, sizes, lr, n_iter, activation="sigmoid", init_scale=1.0, seed=0,
    *, init="fan_in", on_diverge="flag", progress=False, device=None, optimizer="gd", W0=None,
):
    r"""Full-batch training with backprop's gradient of $\frac1{2n}\|f(X)-Y\|_F^2$ (Rumelhart et al. 1986),
    same initialisation as :func:`admm_train` for the same seed (or ``W0``, as there).

    ``optimizer="gd"``: gradient descent $W\leftarrow W-\eta\nabla$; ``"adam"``: Adam (Kingma & Ba 2015) by
    :class:`course_lib.core.optim.Adam`, with one learning rate per batch entry (Adam's step direction
    at unit rate, scaled by each entry's ``lr``: the same update as Adam run at that rate).
    ``lr`` and ``init_scale`` are scalars or 1-D batches (broadcast together).  Records
    ``train_mse`` and ``grad_norms[k, b, i]`` $=\|\partial L/\partial b_i\|$ (Nielsen's "speed of
    learning" of layer $i$).  A run whose loss blows up is frozen and flagged in ``diverged``
    (``on_diverge="flag"``) or raises :class:`~course_lib.core.validate.Diverged` (``"raise"``).
    """
    sizes = check_layer_sizes(sizes, "sizes", 1)
    act = check_activation(activation)
    check_bool(progress, "progress")
    dev = get_device(device)
    X, Y = check_data(X, Y, sizes, dev)
    lr_t, l_batched = per_batch(lr, "lr", device="cpu")
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=1), "n_iter", what="backprop")
    scale, s_batched = per_batch(init_scale, "init_scale", device="cpu")
    check_seed(seed)
    if on_diverge not in ("flag", "raise"):
        raise ValueError(f"on_diverge: must be 'flag' or 'raise', got {on_diverge!r}")
    if optimizer not in ("gd", "adam"):
        raise ValueError(f"optimizer: must be 'gd' or 'adam', got {optimizer!r}")
    W0 = None if W0 is None else check_W0(W0, sizes, dev)
    Bn = max(lr_t.numel(), scale.numel(), 1 if W0 is None else W0[0].shape[0])
    if lr_t.numel() not in (1, Bn) or scale.numel() not in (1, Bn):
        raise ValueError(f"init_scale: batch of {scale.numel()} does not match lr's batch of {lr_t.numel()}")
    _check_size(sizes, X.shape[1], Bn, per_sample=5)
    check_memory((n_iter + 1) * Bn * len(sizes), "n_iter", what="the per-step records")
    Ws = _initial(W0, sizes, scale, seed, init, Bn, dev)
    adam = None
    if optimizer == "adam":  # Adam's direction at lr = 1 lands in `direction`; each entry scales it by its lr
        direction = [torch.zeros_like(W) for W in Ws]
        adam = Adam(direction, lr=1.0)
    lr_b = lr_t.expand(Bn).to(dev).view(-1, 1, 1)
    alive = torch.ones(Bn, dtype=torch.bool, device=dev)
    all_alive = True
    Xt = augment(X.unsqueeze(0))
    mses, gns = [], []
    t0 = time.perf_counter()
    for k in progress_bar(range(n_iter + 1), progress, "backprop"):
        mse, grads, gb = backprop_grads(Ws, X, Y, act, Xt)
        bad = ~torch.isfinite(mse) | (mse > DIVERGE_AT)
        if bool((bad & alive).any()):
            if on_diverge == "raise":
                raise Diverged(f"backprop diverged at iteration {k}: lr={lr_t.expand(Bn)[bad.cpu()].tolist()} "
                               "is too large")
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
        if adam is not None:
            for D, G in zip(direction, grads):
                D.grad = G
                D.zero_()
            adam.step()
            grads = [-D for D in direction]  # the step is -lr * (Adam's direction)
        if all_alive:
            Ws = [W - lr_b * G for W, G in zip(Ws, grads)]
        else:  # frozen runs keep their weights (and no inf/nan leaks into them)
            step = lr_b * alive.view(-1, 1, 1)
            Ws = [torch.where(alive.view(-1, 1, 1), W - step * G, W) for W, G in zip(Ws, grads)]
    seconds = time.perf_counter() - t0
    squeeze = not (l_batched or s_batched or W0 is not None)
    mse_h, gn_h = torch.stack(mses).cpu(), torch.stack(gns).cpu()
    if squeeze:
        mse_h, gn_h = mse_h[:, 0], gn_h[:, 0]
    weights, biases = _split(Ws, squeeze)
    return TrainHistory(
        method="BP", loss=mse_h, weights=weights, biases=biases, seconds=seconds, records={"grad_norms": gn_h},
        diverged=(~alive).cpu() if not squeeze else (~alive)[0].cpu(),
        params=dict(activation=act.name, n_iter=n_iter, init=init, optimizer=optimizer),
    )

