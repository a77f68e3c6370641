"""Convolutional networks: shift equivariance, a small batched CNN, activation maximisation (lecture 02).

Papers: LeCun, Bottou, Bengio & Haffner 1998 (LeNet; SVMs "as good as" careful CNNs);
Erhan, Bengio, Courville & Vincent 2009 and Mahendran & Vedaldi 2016 (activation
maximisation, eq. x* = argmin_x R(x) - <Phi(x), e_i>; total-variation prior);
Yosinski, Clune, Bengio & Lipson 2014 (transferable first-layer features);
Azulay & Weiss 2019 (stride and pooling break shift equivariance).

The CNN here is *batched over models*: ``S`` networks (seeds, data sets, frozen or not)
are one tensor program, using grouped convolutions (``groups=S``) and an ``einsum`` head,
so a whole learning-curve grid trains in one loop over epochs, never over networks.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from course_lib.core.device import generator, get_device
from course_lib.core.exercises import Case, Exercise
from course_lib.core.validate import Diverged, as_tensor, check_callable, check_int, check_positive

__all__ = [
    "shift",
    "equivariance_error",
    "invariance_error",
    "conv_weight_grad_unfold",
    "init_cnn",
    "cnn_forward",
    "train_cnn",
    "accuracy",
    "activation_maximization",
    "total_variation",
    "exercise_shift_test",
]

IMAGE = 8  # scikit-learn digits are 8 x 8
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


# --------------------------------------------------------------------------------------
# shift equivariance
# --------------------------------------------------------------------------------------
def shift(x, dy: int, dx: int) -> torch.Tensor:
    """Circular shift T_(dy,dx) of the last two (spatial) axes."""
    x = as_tensor(x, "x", ndim=(2, 3, 4))
    dy, dx = check_int(dy, "dy"), check_int(dx, "dx")
    return torch.roll(x, shifts=(dy, dx), dims=(-2, -1))


def _check_shifts(shifts) -> list[tuple[int, int]]:
    if not isinstance(shifts, (list, tuple)) or not shifts:
        raise TypeError("shifts: expected a non-empty list of (dy, dx) pairs")
    out = []
    for s in shifts:
        if not isinstance(s, (list, tuple)) or len(s) != 2:
            raise ValueError(f"shifts: each entry must be a (dy, dx) pair, got {s!r}")
        out.append((check_int(s[0], "shifts"), check_int(s[1], "shifts")))
    return out


def equivariance_error(f: Callable, x, shifts) -> torch.Tensor:
    r"""Relative equivariance error of a map ``f`` on images ``x`` (B, C, H, W), per shift.

    $e(\delta) = \min_t \|f(T_\delta x) - T_t f(x)\| / \|f(x)\|$, the minimum over every
    circular output shift $t$ (so a stride-2 layer gets its best chance, $t=\delta/2$).
    Exactly 0 (to round-off) for a circular convolution; > 0 when stride or pooling alias.
    """
    f = check_callable(f, "f")
    x = as_tensor(x, "x", ndim=4)
    shifts = _check_shifts(shifts)
    y = f(x)
    if not isinstance(y, torch.Tensor) or y.ndim < 2:
        raise ValueError("f: must return a tensor with two trailing spatial axes")
    H, W = y.shape[-2:]
    # every output shift of f(x) at once: (H*W, *y.shape)
    rolled = torch.stack([torch.roll(y, (a, b), dims=(-2, -1)) for a in range(H) for b in range(W)])
    norm = _output_norm(y)
    errs = []
    for dy, dx in shifts:
        ys = _same_shape(f(torch.roll(x, (dy, dx), dims=(-2, -1))), y)
        diff = (ys.unsqueeze(0) - rolled).flatten(1).norm(dim=1)
        errs.append(diff.min() / norm)
    return torch.stack(errs)


def invariance_error(f: Callable, x, shifts) -> torch.Tensor:
    r"""Relative invariance error $\|f(T_\delta x) - f(x)\| / \|f(x)\|$ per shift."""
    f = check_callable(f, "f")
    x = as_tensor(x, "x", ndim=4)
    shifts = _check_shifts(shifts)
    y = f(x)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"f: must return a tensor, got {type(y).__name__}")
    norm = _output_norm(y)
    return torch.stack([(_same_shape(f(torch.roll(x, s, dims=(-2, -1))), y) - y).norm() / norm for s in shifts])


def _output_norm(y: torch.Tensor) -> torch.Tensor:
    norm = y.norm()
    if not bool(torch.isfinite(norm)) or float(norm) == 0.0:
        raise ValueError("f: its output is zero or not finite, so a relative error is undefined")
    return norm


def _same_shape(ys, y: torch.Tensor) -> torch.Tensor:
    if not isinstance(ys, torch.Tensor) or ys.shape != y.shape:
        raise ValueError(f"f: the output's shape must not depend on the shift (got {tuple(getattr(ys, 'shape', ()))} "
                         f"vs {tuple(y.shape)})")
    return ys


def conv_weight_grad_unfold(x, grad_out, kernel_size: int, padding: int = 0) -> torch.Tensor:
    r"""Gradient of a shared conv weight as a *sum over positions* (unfolded-matmul form).

    For $y_{n,o,p} = \sum_{c,k} W_{o,c,k}\,x_{n,c,p+k}$ (cross-correlation, as ``conv2d``),
    $\partial L/\partial W_{o,c,k} = \sum_{n,p} g_{n,o,p}\, x_{n,c,p+k}$: one matmul of the
    upstream gradient with the unfolded patches.  Returns (O, C, k, k).
    """
    x = as_tensor(x, "x", ndim=4)
    grad_out = as_tensor(grad_out, "grad_out", ndim=4, dtype=x.dtype, device=x.device)
    k = check_int(kernel_size, "kernel_size", min_value=1)
    p = check_int(padding, "padding", min_value=0)
    N, C, H, W = x.shape
    Ho, Wo = H + 2 * p - k + 1, W + 2 * p - k + 1
    if grad_out.shape[0] != N or grad_out.shape[-2:] != (Ho, Wo):
        raise ValueError(f"grad_out: expected shape ({N}, O, {Ho}, {Wo}), got {tuple(grad_out.shape)}")
    U = F.unfold(x, k, padding=p)  # (N, C*k*k, P): the patch at every position
    G = grad_out.flatten(2)  # (N, O, P)
    return torch.einsum("nop,nkp->ok", G, U).reshape(grad_out.shape[1], C, k, k)


class _Adam:
    """Minimal Adam (Kingma & Ba 2015, Alg. 1) with optional L2 weight decay.

    torch.optim's first step imports torch._dynamo (about 3 s here), which alone would
    break the lecture's 20 s budget; this is the same update in a few tensor ops.
    """

    def __init__(self, params: list[torch.Tensor], lr: float, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params, self.lr, self.betas, self.eps, self.wd = params, lr, betas, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    @torch.no_grad()
    def step(self, lr: float | None = None) -> None:
        lr = self.lr if lr is None else lr
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        # the same per-tensor update as a handful of multi-tensor (_foreach) kernels
        g = [p.grad for p in self.params]
        if self.wd != 0:
            g = torch._foreach_add(g, self.params, alpha=self.wd)
        torch._foreach_mul_(self.m, b1)
        torch._foreach_add_(self.m, g, alpha=1 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, g, g, value=1 - b2)
        denom = torch._foreach_div(self.v, c2)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-lr / c1)

    def zero_grad(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()


# --------------------------------------------------------------------------------------
# a small CNN, batched over S models
# --------------------------------------------------------------------------------------
def init_cnn(
    n_models: int = 1,
    channels: Sequence[int] = (8, 16),
    kernel_size: int = 5,
    n_classes: int = 10,
    seed: int = 0,
    device=None,
    dtype: torch.dtype = torch.float32,
) -> dict[str, torch.Tensor]:
    """He-initialised parameters of ``n_models`` LeNet-style CNNs for 8x8 digits.

    conv(k x k, C1) - ReLU - maxpool 2 - conv(3x3, C2) - ReLU - maxpool 2 - linear.
    Every tensor has the model axis first: W1 (S, C1, k, k), W2 (S, C2, C1, 3, 3), W3 (S, K, 4 C2).
    """
    S = check_int(n_models, "n_models", min_value=1)
    if not isinstance(channels, (list, tuple)) or len(channels) != 2:
        raise TypeError("channels: expected a pair (C1, C2)")
    C1 = check_int(channels[0], "channels", min_value=1)
    C2 = check_int(channels[1], "channels", min_value=1)
    k = check_int(kernel_size, "kernel_size", min_value=1, max_value=IMAGE)
    if k % 2 == 0:
        raise ValueError(f"kernel_size: must be odd (same padding), got {k}")
    K = check_int(n_classes, "n_classes", min_value=2)
    dev = get_device(device)
    g = generator(seed, torch.device("cpu"))

    def he(*shape, fan_in):
        return (torch.randn(*shape, generator=g, dtype=dtype) * math.sqrt(2.0 / fan_in)).to(dev)

    return {
        "W1": he(S, C1, k, k, fan_in=k * k),
        "b1": torch.zeros(S, C1, dtype=dtype, device=dev),
        "W2": he(S, C2, C1, 3, 3, fan_in=9 * C1),
        "b2": torch.zeros(S, C2, dtype=dtype, device=dev),
        "W3": he(S, K, 4 * C2, fan_in=4 * C2) / math.sqrt(2.0),
        "b3": torch.zeros(S, K, dtype=dtype, device=dev),
    }


def _check_params(params) -> dict[str, torch.Tensor]:
    if not isinstance(params, dict) or any(n not in params for n in PARAM_NAMES):
        raise TypeError(f"params: expected a dict with keys {PARAM_NAMES} (from init_cnn)")
    return params


def _model_input(params, x, expand: bool = True) -> torch.Tensor:
    S = params["W1"].shape[0]
    x = as_tensor(x, "x", ndim=(3, 4), dtype=params["W1"].dtype, device=params["W1"].device)
    if x.shape[-2:] != (IMAGE, IMAGE):
        raise ValueError(f"x: expected {IMAGE}x{IMAGE} images, got shape {tuple(x.shape)}")
    if x.ndim == 3:  # the same images for every model
        return x.unsqueeze(1).expand(-1, S, -1, -1) if expand else x.unsqueeze(1)
    if x.shape[1] != S:
        raise ValueError(f"x: expected one image per model on axis 1 ({S}), got {tuple(x.shape)}")
    return x


def _pool2(z: torch.Tensor) -> torch.Tensor:
    """2x2 max-pooling.  Without autograd, two elementwise maxima of strided views (the same
    numbers, about 3x faster than ``max_pool2d`` on these tiny maps); with it, ``max_pool2d``
    (its backward is the cheaper one)."""
    if torch.is_grad_enabled() and z.requires_grad:
        return F.max_pool2d(z, 2)
    a = torch.maximum(z[..., 0::2, :], z[..., 1::2, :])
    return torch.maximum(a[..., 0::2], a[..., 1::2])


def _conv1(params, x) -> torch.Tensor:
    """First-layer pre-activations (N, S*C1, 8, 8).  Shared images (N, 8, 8) go through one
    ordinary conv with S*C1 filters (the same numbers as a grouped conv on S copies of the
    input, at half the cost); images per model (N, S, 8, 8) through a grouped conv."""
    x = _model_input(params, x, expand=False)
    W1, b1 = params["W1"], params["b1"]
    S, C1, k = W1.shape[0], W1.shape[1], W1.shape[-1]
    return F.conv2d(x, W1.reshape(S * C1, 1, k, k), b1.reshape(-1), padding=k // 2, groups=x.shape[1])


def cnn_forward(params, x, *, return_features: bool = False):
    """Logits (N, S, K) of all S models; ``x`` is (N, 8, 8) shared or (N, S, 8, 8) per model.

    With ``return_features`` also returns the pre-activations ``z1`` (N, S, C1, 8, 8) and
    ``z2`` (N, S, C2, 4, 4) of the two conv layers (the "units" we visualise).
    """
    params = _check_params(params)
    W1, b1, W2, b2, W3, b3 = (params[n] for n in PARAM_NAMES)
    S, C1 = W1.shape[0], W1.shape[1]
    C2 = W2.shape[1]
    z1 = _conv1(params, x)
    N = z1.shape[0]
    h1 = _pool2(torch.relu(z1))  # (N, S*C1, 4, 4)
    z2 = F.conv2d(h1, W2.reshape(S * C2, C1, 3, 3), b2.reshape(-1), padding=1, groups=S)
    h2 = _pool2(torch.relu(z2)).reshape(N, S, C2 * 4)
    logits = torch.einsum("nsf,skf->nsk", h2, W3) + b3
    if return_features:
        return logits, z1.reshape(N, S, C1, IMAGE, IMAGE), z2.reshape(N, S, C2, 4, 4)
    return logits


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
    sizes in one batch); ``frozen`` (S,) bool freezes the first conv layer of those models
    (their gradient is zeroed, so Adam leaves them exactly unchanged).  Returns the trained
    params and a history dict: ``loss`` (n_epochs, S), the mean training loss per epoch, and,
    when ``X_eval``/``y_eval`` are given, ``eval_acc`` (len(eval_epochs), S), the accuracy on
    them after each epoch in ``eval_epochs`` (1-based; default every epoch): a learning curve.  Raises ``Diverged`` on a non-finite loss.
    """
    dev = get_device(device)
    n_epochs = check_int(n_epochs, "n_epochs", min_value=1)
    lr = check_positive(lr, "lr")
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    if params is None:
        S = 1 if n_models is None else check_int(n_models, "n_models", min_value=1)
        params = init_cnn(S, n_classes=n_classes, seed=seed, device=dev)
    params = {n: t.detach().clone().to(dev).requires_grad_(True) for n, t in _check_params(params).items()}
    S, K = params["W1"].shape[0], params["W3"].shape[1]
    X = _model_input(params, X)
    N = X.shape[0]
    y = y.to(dev) if isinstance(y, torch.Tensor) else torch.as_tensor(y, device=dev)
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"y: expected integer class labels, got dtype {y.dtype}")
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
    freeze = torch.zeros(S, dtype=torch.bool, device=dev)
    if frozen is not None:
        freeze = torch.as_tensor(frozen, dtype=torch.bool, device=dev).reshape(-1)
        if freeze.numel() not in (1, S):
            raise ValueError(f"frozen: expected one flag or {S} flags (one per model), got {freeze.numel()}")
        freeze = freeze.expand(S).clone()
    bs = N if batch_size is None else check_int(batch_size, "batch_size", min_value=1)
    opt = _Adam(list(params.values()), lr=lr, weight_decay=weight_decay)
    g = generator(seed, torch.device("cpu"))
    history = torch.zeros(n_epochs, S)
    if (X_eval is None) != (y_eval is None):
        raise ValueError("y_eval: give both X_eval and y_eval, or neither")
    if eval_epochs is None:
        eval_epochs = list(range(1, n_epochs + 1))
    eval_epochs = [check_int(e, "eval_epochs", min_value=1, max_value=n_epochs) for e in eval_epochs]
    evals = torch.zeros(len(eval_epochs), S) if X_eval is not None else None
    any_frozen = bool(freeze.any())
    if any_frozen:  # restored after every step: exact, whatever Adam's moments or weight decay do
        frozen_W1, frozen_b1 = params["W1"].detach()[freeze].clone(), params["b1"].detach()[freeze].clone()
    n_batches = math.ceil(N / bs)
    total_steps, step = n_epochs * n_batches, 0
    for epoch in range(n_epochs):
        order = torch.randperm(N, generator=g).to(dev) if bs < N else torch.arange(N, device=dev)
        loss_sum, rows = torch.zeros(S, device=dev), torch.zeros(S, device=dev)
        for start in range(0, N, bs):
            idx = order[start : start + bs]
            m = mask[idx]
            logits = cnn_forward(params, X[idx])  # (B, S, K)
            ce = F.cross_entropy(logits.reshape(-1, K), y[idx].reshape(-1), reduction="none").reshape(m.shape)
            per_model = (ce * m).sum(0) / m.sum(0).clamp(min=1)
            opt.zero_grad()
            per_model.sum().backward()  # models are independent: the sum trains each
            opt.step(lr * 0.5 * (1 + math.cos(math.pi * step / total_steps)))  # cosine decay
            if any_frozen:
                with torch.no_grad():
                    params["W1"][freeze] = frozen_W1
                    params["b1"][freeze] = frozen_b1
            step += 1
            loss_sum += (ce.detach() * m).sum(0)
            rows += m.sum(0)
        history[epoch] = (loss_sum / rows).cpu()  # each model's mean over the rows it trained on
        if not bool(torch.isfinite(history[epoch]).all()):
            raise Diverged(f"train_cnn: the loss became non-finite at epoch {epoch} (lr={lr} too large?)")
        if evals is not None and epoch + 1 in eval_epochs:
            evals[eval_epochs.index(epoch + 1)] = accuracy(params, X_eval, y_eval)
    out = {"loss": history}
    if evals is not None:
        out["eval_acc"], out["eval_epochs"] = evals, torch.tensor(eval_epochs)
    return {n: t.detach() for n, t in params.items()}, out


@torch.no_grad()
def accuracy(params, X, y) -> torch.Tensor:
    """Test accuracy (S,) of every model on shared images ``X`` (N, 8, 8) with labels ``y``."""
    logits = cnn_forward({n: t.detach() for n, t in _check_params(params).items()}, X)
    y = torch.as_tensor(y, device=logits.device)
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"y: expected integer class labels, got dtype {y.dtype}")
    if y.shape != (logits.shape[0],):
        raise ValueError(f"y: expected shape ({logits.shape[0]},), got {tuple(y.shape)}")
    K = logits.shape[-1]
    if bool(((y < 0) | (y >= K)).any()):
        raise ValueError(f"y: labels must lie in [0, {K - 1}]")
    return (logits.argmax(-1) == y[:, None]).float().mean(0).cpu()


# --------------------------------------------------------------------------------------
# activation maximisation
# --------------------------------------------------------------------------------------
def total_variation(x) -> torch.Tensor:
    r"""Anisotropic total variation $\sum |x_{i+1,j}-x_{i,j}| + |x_{i,j+1}-x_{i,j}|$ per input
    (last two axes spatial, first axis the batch); Rudin, Osher & Fatemi 1992."""
    x = as_tensor(x, "x", ndim=(3, 4, 5))
    dv = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).sum(1)
    dh = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).sum(1)
    return dv + dh


def activation_maximization(
    phi: Callable,
    shape: Sequence[int],
    l2: float = 1.0,
    tv: float = 0.0,
    steps: int = 300,
    lr: float = 0.05,
    seed: int = 0,
    init_scale: float = 1e-2,
    device=None,
    dtype: torch.dtype = torch.float32,
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
    """
    phi = check_callable(phi, "phi")
    if not isinstance(shape, (list, tuple, torch.Size)) or len(shape) < 2:
        raise TypeError("shape: expected a tuple (batch, ...) with at least two axes")
    shape = tuple(check_int(s, "shape", min_value=1) for s in shape)
    l2 = check_positive(l2, "l2")  # > 0: a ReLU net grows linearly, so R must be coercive
    dev = get_device(device)
    if isinstance(tv, (torch.Tensor, np.ndarray, list, tuple)) and np.ndim(tv) > 0:
        tv = as_tensor(tv, "tv", shape=(shape[0],), dtype=dtype, device=dev)
        if bool((tv < 0).any()):
            raise ValueError("tv: every weight must be >= 0")
        use_tv = bool((tv > 0).any())
    else:
        tv = check_positive(tv, "tv", allow_zero=True)
        use_tv = tv > 0
    if use_tv and len(shape) < 3:
        raise ValueError("shape: a total-variation prior needs two spatial axes (batch, ..., H, W)")
    steps = check_int(steps, "steps", min_value=1)
    lr = check_positive(lr, "lr")
    init_scale = check_positive(init_scale, "init_scale", allow_zero=True)
    g = generator(seed, torch.device("cpu"))
    x = (init_scale * torch.randn(*shape, generator=g, dtype=dtype)).to(dev).requires_grad_(True)
    opt = _Adam([x], lr=lr)
    for step in range(steps):
        act = phi(x)
        if not isinstance(act, torch.Tensor) or act.shape != (shape[0],):
            raise ValueError(f"phi: must return one scalar per input, shape ({shape[0]},)")
        loss = 0.5 * l2 * (x * x).sum() - act.sum()
        if use_tv:
            loss = loss + (tv * total_variation(x)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step(lr * 0.5 * (1 + math.cos(math.pi * step / steps)))  # cosine decay
        if not bool(torch.isfinite(x).all()):
            raise Diverged("activation_maximization: the input became non-finite (lower lr?)")
    return x.detach()


# --------------------------------------------------------------------------------------
# exercise
# --------------------------------------------------------------------------------------
def exercise_shift_test() -> Exercise:
    """Exercise: ``shift_error(f, x, dy, dx)`` = max |f(T x) - T f(x)| for circular shifts T."""

    def circ_conv(x):
        w = torch.tensor([[[[0.0, 1.0, 0.0], [1.0, -4.0, 2.0], [0.0, 1.0, 0.0]]]], dtype=x.dtype)
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), w)

    def strided(x):
        return F.avg_pool2d(x, 2)

    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 1, 6, 6, generator=g, dtype=torch.float64)
    expected_strided = float(
        (strided(torch.roll(x, (1, 0), dims=(-2, -1))) - torch.roll(strided(x), (1, 0), dims=(-2, -1))).abs().max()
    )

    def near_zero(r):
        r = float(r)
        return None if abs(r) < 1e-9 else f"a circular convolution commutes with shifts: expected 0, got {r:.3g}"

    def equals_strided(r):
        r = float(r)
        if abs(r - expected_strided) > 1e-9:
            return f"expected {expected_strided:.6g} for 2x2 average pooling shifted by (1, 0), got {r:.6g}"
        return None

    return Exercise(
        "shift test",
        [
            Case("circular 3x3 convolution, shift (1, 2)", args=(circ_conv, x, 1, 2), test=near_zero),
            Case("circular 3x3 convolution, shift (-3, 0)", args=(circ_conv, x, -3, 0), test=near_zero),
            Case("2x2 average pooling, shift (1, 0)", args=(strided, x, 1, 0), test=equals_strided),
        ],
        hint="use torch.roll(x, (dy, dx), dims=(-2, -1)) for T, apply it before and after f, "
        "and return the largest absolute difference as a float",
    )



# --------------------------------------------------------------------------------------
# widget
# --------------------------------------------------------------------------------------
def conv1_unit_phi(params, unit_index=None, model: int = 0, pre_activation: bool = False) -> Callable:
    """``phi(x)`` for activation maximisation: the conv1 unit ``k`` at the image centre for
    input ``k`` of a batch (N, 8, 8) (all C1 channels when ``unit_index`` is None)."""
    params = _check_params(params)
    S, C1 = params["W1"].shape[:2]
    model = check_int(model, "model", min_value=0, max_value=S - 1)
    units = torch.arange(C1) if unit_index is None else torch.as_tensor(unit_index).reshape(-1)
    if units.dtype.is_floating_point or bool(((units < 0) | (units >= C1)).any()):
        raise ValueError(f"unit_index: units must be integers in [0, {C1 - 1}]")
    sub = {n: t[model : model + 1] for n, t in params.items()}

    def phi(x):
        z1 = _conv1(sub, x)  # (N, C1, 8, 8): only the first layer is needed
        z = z1[torch.arange(x.shape[0]), units.to(x.device), IMAGE // 2, IMAGE // 2]
        return z if pre_activation else torch.relu(z)

    return phi


def _top_digits(params, X, n_top: int) -> torch.Tensor:
    """Indices (C1, n_top) of the images that most excite each conv1 unit (max over positions)."""
    with torch.no_grad():
        z1 = _conv1({n: t[:1] for n, t in params.items()}, X)  # (N, C1, 8, 8)
    score = z1.flatten(2).max(-1).values  # (N, C1)
    return score.topk(n_top, dim=0).indices.T


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


from course_lib.ui.widgets import WidgetUI  # noqa: E402


def build_cnn_widget(
    params=None, X=None, act_max=None, dictionaries=None, lams=None, n_top: int = 6
) -> WidgetUI:
    """Pick a first-layer unit: its filter, its activation-maximising input (L2 + TV prior),
    its top-activating digits; a sparsity slider picks the Olshausen-Field dictionary from
    a precomputed lambda grid.  With no arguments everything is computed here (a few seconds):
    a CNN on the digits and a small batched dictionary grid."""
    import ipywidgets as W
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go

    from course_lib.core.data import digits
    from course_lib.sparse_coding import learn_dictionary, natural_patches, tile_atoms

    if params is None or X is None:
        X, y = digits()
        params, _ = train_cnn(X, y, n_epochs=4, batch_size=128, lr=0.02, seed=0)
    params = _check_params(params)
    C1 = params["W1"].shape[1]
    if act_max is None:
        act_max = activation_maximization(
            conv1_unit_phi(params), (C1, IMAGE, IMAGE), l2=1.0, tv=0.05, steps=150, lr=0.05
        )
    if dictionaries is None or lams is None:
        lams = torch.tensor([0.3, 1.0])
        dictionaries, _ = learn_dictionary(natural_patches(8, 800, seed=0), 64, lams, 10)
    lams = [float(v) for v in torch.as_tensor(lams).reshape(-1)]
    if len(dictionaries) != len(lams):
        raise ValueError(f"dictionaries: expected one per lambda ({len(lams)}), got {len(dictionaries)}")
    n_top = check_int(n_top, "n_top", min_value=1)
    filters = params["W1"][0].cpu()  # (C1, k, k)
    top = _top_digits(params, X, n_top)
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
