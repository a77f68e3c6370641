r"""Training loops of lecture 02: the batched CNN, and activation maximisation of its units.

* :func:`train_cnn` -- ``S`` CNNs at once (:func:`~course_lib.cnn.kernels.cnn_forward`) with
  Adam and a cosine-decayed step: per-model training rows (``mask``), frozen lower conv layers
  (``frozen``) and a learning curve on held-out data (``X_eval``, ``eval_epochs``);
* :func:`accuracy` -- the test accuracy of every model;
* :func:`activation_maximization` -- $x^* = \arg\min_x R(x) - \langle\Phi(x), e_i\rangle$
  (Erhan, Bengio, Courville & Vincent 2009; Mahendran & Vedaldi 2016) with an L2 and a
  total-variation prior, many units (and priors) in one batch.

Both loops use :class:`course_lib.core.optim.Adam` (hand-written: ``torch.optim`` costs seconds
on its first step).
"""
from __future__ import annotations

import math
import warnings
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from course_lib.cnn.kernels import (
    _check_params,
    _forward_above,
    _frozen_features,
    _labels,
    _model_input,
    cnn_forward,
    init_cnn,
    total_variation,
)
from course_lib.core.device import generator, get_device
from course_lib.core.optim import Adam
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_callable,
    check_float_dtype,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
    per_batch,
)

__all__ = ["train_cnn", "accuracy", "activation_maximization"]


def train_cnn(
    X,
    y,
    *,
    params=None,
    mask=None,
    frozen=None,
    n_epochs: int = 20,
    batch_size: int | None = 128,
    lr: float = 0.01,
    weight_decay: float = 0.0,
    seed: int = 0,
    n_models: int | None = None,
    n_classes: int = 10,
    X_eval=None,
    y_eval=None,
    eval_epochs: Sequence[int] | None = None,
    device=None,
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Train S CNNs at once with Adam (cosine-decayed ``lr``) on the cross-entropy.

    ``X`` is (N, 8, 8) (shared by all models) or (N, S, 8, 8); ``y`` is (N,) or (N, S);
    ``mask`` (N, S) in {0, 1} says which rows each model trains on (different training-set
    sizes in one batch); ``frozen`` (S,) freezes the lower conv layers of those models: booleans
    freeze the first conv layer, integers 0, 1 or 2 give the number of conv layers frozen from the
    bottom (their values are restored after every step, so Adam leaves them exactly unchanged).
    Returns the trained params and a history dict: ``loss`` (n_epochs, S), the mean training loss
    per epoch, and, when ``X_eval``/``y_eval`` are given, ``eval_acc`` (len(eval_epochs), S), the
    accuracy on them after each epoch in ``eval_epochs`` (1-based; default every epoch): a
    learning curve.
    Raises ``Diverged`` on a non-finite loss.
    """
    dev = get_device(device)
    n_epochs = check_int(n_epochs, "n_epochs", min_value=1)
    big = float(torch.finfo(torch.float32).max)  # a step beyond this cannot even be represented in float32
    lr = check_in_range(lr, "lr", 0.0, big, closed=False)
    weight_decay = check_in_range(weight_decay, "weight_decay", 0.0, big)
    check_seed(seed)
    if params is None:
        S = 1 if n_models is None else check_int(n_models, "n_models", min_value=1)
        params = init_cnn(S, n_classes=n_classes, seed=seed, device=dev)
    params = {n: t.detach().clone().to(dev).requires_grad_(True) for n, t in _check_params(params).items()}
    S, K = params["W1"].shape[0], params["W3"].shape[1]
    X = _model_input(params, X, name="X")
    N = X.shape[0]
    y = _labels(y, "y", device=dev)
    if y.ndim == 1:
        y = y.unsqueeze(1).expand(-1, S)
    if y.shape != (N, S):
        raise ValueError(f"y: expected shape ({N},) or ({N}, {S}), got {tuple(y.shape)}")
    if bool(((y < 0) | (y >= K)).any()):
        raise ValueError(f"y: labels must lie in [0, {K - 1}]")
    if mask is None:
        mask = torch.ones(N, S, dtype=params["W1"].dtype, device=dev)
    else:
        mask = as_tensor(mask, "mask", shape=(N, S), dtype=params["W1"].dtype, device=dev)
        if bool(((mask != 0) & (mask != 1)).any()):
            raise ValueError("mask: entries must be 0 or 1")
        if bool((mask.sum(0) == 0).any()):
            raise ValueError("mask: every model needs at least one training row")
    depth = torch.zeros(S, dtype=torch.long, device=dev)
    if frozen is not None:
        depth = torch.as_tensor(frozen, device=dev).reshape(-1)
        if depth.dtype.is_floating_point or depth.is_complex():
            raise TypeError(f"frozen: expected booleans or integer depths 0-2, got dtype {depth.dtype}")
        depth = depth.long()
        if depth.numel() not in (1, S):
            raise ValueError(f"frozen: expected one entry or {S} entries (one per model), got {depth.numel()}")
        if bool(((depth < 0) | (depth > 2)).any()):
            raise ValueError("frozen: depths must be 0, 1 or 2 (conv layers frozen from the bottom)")
        depth = depth.expand(S).clone()
    bs = N if batch_size is None else check_int(batch_size, "batch_size", min_value=1)
    check_steps(n_epochs * math.ceil(N / bs), "n_epochs", what="train_cnn's steps")
    check_memory(2 * n_epochs * S, "n_epochs", what="the loss history")
    opt = Adam(list(params.values()), lr=lr, weight_decay=weight_decay)
    g = generator(seed, torch.device("cpu"))
    history = torch.zeros(n_epochs, S)
    if (X_eval is None) != (y_eval is None):
        raise ValueError("y_eval: give both X_eval and y_eval, or neither")
    if eval_epochs is None:
        eval_epochs = list(range(1, n_epochs + 1))
    eval_epochs = [check_int(e, "eval_epochs", min_value=1, max_value=n_epochs) for e in eval_epochs]
    evals = torch.zeros(len(eval_epochs), S) if X_eval is not None else None
    # frozen values, restored after every step: exact, whatever Adam's moments or weight decay do
    keep = [(name, depth >= layer, params[name].detach()[depth >= layer].clone())
            for layer, names in ((1, ("W1", "b1")), (2, ("W2", "b2"))) for name in names
            if bool((depth >= layer).any())]
    groups = _frozen_groups(params, X, depth) if bool((depth > 0).any()) else None
    n_batches = math.ceil(N / bs)
    total_steps, step = n_epochs * n_batches, 0
    for epoch in range(n_epochs):
        order = torch.randperm(N, generator=g).to(dev) if bs < N else torch.arange(N, device=dev)
        loss_sum, rows = torch.zeros(S, device=dev), torch.zeros(S, device=dev)
        for start in range(0, N, bs):
            idx = order[start : start + bs]
            m = mask[idx]
            logits = cnn_forward(params, X[idx]) if groups is None else _grouped_logits(params, X, idx, *groups)
            ce = F.cross_entropy(logits.reshape(-1, K), y[idx].reshape(-1), reduction="none").reshape(m.shape)
            per_model = (ce * m).sum(0) / m.sum(0).clamp(min=1)
            if step == 0:  # the blow-up check's reference: the loss at the start
                first = per_model.detach().clamp(min=1.0)
            opt.zero_grad()
            per_model.sum().backward()  # models are independent: the sum trains each
            opt.step(lr * 0.5 * (1 + math.cos(math.pi * step / total_steps)))  # cosine decay
            with torch.no_grad():
                for name, rows_frozen, value in keep:
                    params[name][rows_frozen] = value
            step += 1
            loss_sum += (ce.detach() * m).sum(0)
            rows += m.sum(0)
        history[epoch] = (loss_sum / rows).cpu()  # each model's mean over the rows it trained on
        if not bool(torch.isfinite(history[epoch]).all()) or bool((history[epoch] > 1e3 * first.cpu()).any()):
            raise Diverged(f"lr: the loss blew up at epoch {epoch} (from {float(first.max()):.3g} to "
                           f"{float(history[epoch].max()):.3g}; lr={lr:g} is too large)")
        if evals is not None and epoch + 1 in eval_epochs:
            evals[eval_epochs.index(epoch + 1)] = accuracy(params, X_eval, y_eval)
    out = {"loss": history}
    if evals is not None:
        out["eval_acc"], out["eval_epochs"] = evals, torch.tensor(eval_epochs)
    return {n: t.detach() for n, t in params.items()}, out


def _frozen_groups(params, X, depth):
    """Models grouped by the number of frozen conv layers, with the frozen layers' output on the
    training images computed once (frozen layers never change, so neither does their output):
    ``([(models, depth, features or None), ...], inverse)``, ``inverse`` restoring the model order."""
    groups = []
    with torch.no_grad():
        for d in (0, 1, 2):
            models = (depth == d).nonzero().flatten()
            if models.numel():
                sub = {n: t.detach()[models] for n, t in params.items()}
                groups.append((models, d, None if d == 0 else _frozen_features(sub, X[:, models], d)))
    return groups, torch.argsort(torch.cat([m for m, _, _ in groups]))


def _grouped_logits(params, X, idx, groups, inverse):
    """Logits (B, S, K) of the rows ``idx``: the full network for unfrozen models, only the layers
    above the frozen ones (on their cached output) for the others; the same numbers as
    :func:`cnn_forward`, without recomputing what cannot change."""
    parts = []
    for models, d, features in groups:
        sub = {n: t[models] for n, t in params.items()}
        parts.append(cnn_forward(sub, X[idx][:, models]) if d == 0 else _forward_above(sub, features[idx], d))
    return torch.cat(parts, 1)[:, inverse]


@torch.no_grad()
def accuracy(params, X, y) -> torch.Tensor:
    """Test accuracy (S,) of every model on shared images ``X`` (N, 8, 8) with labels ``y``."""
    params = {n: t.detach() for n, t in _check_params(params).items()}
    logits = cnn_forward(params, _model_input(params, X, name="X"))
    y = _labels(y, "y", device=logits.device)
    if y.shape != (logits.shape[0],):
        raise ValueError(f"y: expected shape ({logits.shape[0]},), got {tuple(y.shape)}")
    K = logits.shape[-1]
    if bool(((y < 0) | (y >= K)).any()):
        raise ValueError(f"y: labels must lie in [0, {K - 1}]")
    return (logits.argmax(-1) == y[:, None]).float().mean(0).cpu()


def activation_maximization(
    phi: Callable,
    shape: Sequence[int],
    l2: float = 1.0,
    tv: float = 0.0,
    steps: int = 3000,
    lr: float = 0.05,
    seed: int = 0,
    init_scale: float = 1e-2,
    device=None,
    dtype: torch.dtype = torch.float32,
    tol: float | None = 1e-4,
) -> torch.Tensor:
    r"""$x^* = \arg\min_x \tfrac{l_2}{2}\|x\|^2 + \mathrm{tv}\,\mathrm{TV}(x) - \langle\Phi(x), e_i\rangle$
    (Erhan et al. 2009; Mahendran & Vedaldi 2016, eq. 1 with the TV prior of eq. 5).

    ``shape`` is the full shape of the optimised tensor, batch first: ``phi`` maps a
    tensor of ``shape`` to one scalar per input, shape ``(shape[0],)``, so many units are
    maximised at once (input ``k`` for unit ``k``; the objective separates over the batch).
    ``tv`` is one weight, or one per input (shape ``(shape[0],)``), so runs with and without
    the TV prior share one loop.
    Adam with a cosine-decayed step from a small seeded random start.  For linear
    $\Phi(x) = Wx$ and tv = 0 the optimum is $W/l_2$.  Raises ``Diverged`` if it blows up.
    ``tol`` (default 1e-4): stop once every input's gradient norm is $\le$ ``tol`` times its first one (for a
    smooth objective, the relative distance to the optimum); ``steps`` is a budget, and a ``RuntimeWarning``
    says when it ends first (``make bench``: a fixed 300 steps of ``lr`` 0.05 left $l_2 = 0.25$ on a linear
    unit 26 % short; with the tolerance every $l_2$ of 0.25-4 ends within 0.01 %).  The TV prior is not smooth
    (its subgradient does not vanish at the optimum), so a run with ``tv`` > 0 needs ``tol=None``: exactly
    ``steps`` steps, no convergence claimed.
    """
    phi = check_callable(phi, "phi")
    if not isinstance(shape, (list, tuple, torch.Size)) or len(shape) < 2:
        raise TypeError("shape: expected a tuple (batch, ...) with at least two axes")
    shape = tuple(check_int(s, "shape", min_value=1) for s in shape)
    l2 = check_positive(l2, "l2")  # > 0: a ReLU net grows linearly, so R must be coercive
    check_float_dtype(dtype)
    check_seed(seed)
    check_memory(6 * math.prod(shape), "shape", itemsize=dtype.itemsize, what="the optimised inputs and Adam's moments")
    dev = get_device(device)
    tv, _ = per_batch(tv, "tv", size=shape[0], allow_zero=True, dtype=dtype, device=dev)  # (batch,)
    use_tv = bool((tv > 0).any())
    if use_tv and len(shape) < 3:
        raise ValueError("shape: a total-variation prior needs two spatial axes (batch, ..., H, W)")
    steps = check_steps(check_int(steps, "steps", min_value=1), "steps", what="activation_maximization")
    lr = check_in_range(lr, "lr", 0.0, float(torch.finfo(dtype).max), closed=False)
    init_scale = check_positive(init_scale, "init_scale", allow_zero=True)
    tol = None if tol is None else check_positive(tol, "tol")
    if use_tv and tol is not None:
        raise ValueError("tol: with tv > 0 the objective is not smooth, so its gradient never falls below a "
                         "tolerance; pass tol=None for a fixed budget of steps")
    g = generator(seed, torch.device("cpu"))
    x = (init_scale * torch.randn(*shape, generator=g, dtype=dtype)).to(dev).requires_grad_(True)
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"init_scale: {init_scale:g} overflows {dtype} in the random start")
    opt = Adam([x], lr=lr)
    for step in range(steps):
        act = phi(x)
        if not isinstance(act, torch.Tensor) or act.shape != (shape[0],):
            raise ValueError(f"phi: must return one scalar per input, shape ({shape[0]},)")
        loss = 0.5 * l2 * (x * x).sum() - act.sum()
        if use_tv:
            loss = loss + (tv * total_variation(x)).sum()
        opt.zero_grad()
        loss.backward()
        if tol is not None:  # converged: every input's gradient fell by the factor tol
            grad_norm = x.grad.detach().flatten(1).norm(dim=1)
            if step == 0:
                grad_start = grad_norm
            if bool(torch.isfinite(grad_norm).all()) and bool((grad_norm <= tol * grad_start).all()):
                break
        opt.step(lr * 0.5 * (1 + math.cos(math.pi * step / steps)))  # cosine decay
        value = float(loss.detach())
        if step == 0:
            start = value
        # the objective should go down; a rise by orders of magnitude (or a non-finite input) is a step too large
        if not bool(torch.isfinite(x).all()) or not math.isfinite(value) or value > start + 1e4 * (1 + abs(start)):
            raise Diverged(f"lr: activation maximisation blew up at step {step} (objective {start:.3g} -> {value:.3g}, "
                           f"lr={lr:g}, l2={l2:g}, tv up to {float(tv.max()):g}, init_scale={init_scale:g}); lower lr")
    else:
        if tol is not None:
            worst = float((grad_norm / grad_start.clamp_min(torch.finfo(dtype).tiny)).max())
            warnings.warn(f"steps: activation maximisation used all {steps} steps; the gradient fell only to "
                          f"{worst:.2e} of its start (tol {tol:g}): raise steps or lr", RuntimeWarning, stacklevel=2)
    return x.detach()
