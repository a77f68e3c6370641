"""Kernels of lecture 02: shift equivariance, the shared-weight gradient, a CNN batched over models.

Pure tensor functions (no training loop, no figure):

* :func:`circular_conv2d` -- a convolution with circular (periodic) padding, which commutes
  exactly with circular shifts;
* :func:`shift`, :func:`equivariance_error`, :func:`invariance_error` -- which maps commute with
  circular shifts (Azulay & Weiss 2019: stride and pooling break shift equivariance);
* :func:`impulse_receptive_field` -- the input pixels an output unit depends on, found by
  back-propagating a unit impulse (three 3x3 convolutions see a 7x7 window: Simonyan &
  Zisserman 2015);
* :func:`conv_weight_grad_unfold` -- the gradient of a shared conv weight as a sum over positions;
* :func:`init_cnn`, :func:`cnn_forward` -- a LeNet-style CNN for 8x8 digits (LeCun, Bottou,
  Bengio & Haffner 1998), *batched over models*: ``S`` networks (seeds, data sets, frozen or
  not) are one tensor program, using grouped convolutions (``groups=S``) and an ``einsum``
  head, so a whole learning-curve grid trains in one loop over epochs, never over networks;
* :func:`conv1_unit_phi` -- a first-layer unit as the objective of activation maximisation;
* :func:`total_variation` -- the TV prior (Rudin, Osher & Fatemi 1992; Mahendran & Vedaldi 2016).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    as_tensor,
    check_bool,
    check_callable,
    check_float_dtype,
    check_int,
    check_memory,
    check_seed,
)

__all__ = [
    "IMAGE",
    "PARAM_NAMES",
    "circular_conv2d",
    "impulse_receptive_field",
    "shift",
    "equivariance_error",
    "invariance_error",
    "conv_weight_grad_unfold",
    "init_cnn",
    "cnn_forward",
    "conv1_unit_phi",
    "total_variation",
]

IMAGE = 8  # scikit-learn digits are 8 x 8
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


# --------------------------------------------------------------------------------------
# shift equivariance
# --------------------------------------------------------------------------------------
def circular_conv2d(x, w, stride: int = 1) -> torch.Tensor:
    r"""Cross-correlation of ``x`` (B, C, H, W) with filters ``w`` (O, C, k, k), k odd, with
    *circular* padding: $y_p = \sum_k w_k x_{(p + k) \bmod (H, W)}$, the same size as ``x`` for
    stride 1.  It commutes exactly with every circular shift; zero padding would not."""
    x = _differentiable(x, "x", ndim=4)
    w = _differentiable(w, "w", ndim=4, dtype=x.dtype, device=x.device)
    stride = check_int(stride, "stride", min_value=1)
    k = w.shape[-1]
    if w.shape[-2] != k or k % 2 == 0:
        raise ValueError(f"w: expected square filters of odd size, got shape {tuple(w.shape)}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w: expected {x.shape[1]} input channels (like x), got shape {tuple(w.shape)}")
    h = k // 2
    return F.conv2d(F.pad(x, (h, h, h, h), mode="circular"), w, stride=stride)


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
    if not bool(torch.isfinite(norm.detach())) or float(norm.detach()) == 0.0:
        raise ValueError("f: its output is zero or not finite, so a relative error is undefined")
    return norm


def _same_shape(ys, y: torch.Tensor) -> torch.Tensor:
    if not isinstance(ys, torch.Tensor) or ys.shape != y.shape:
        raise ValueError(f"f: the output's shape must not depend on the shift (got {tuple(getattr(ys, 'shape', ()))} "
                         f"vs {tuple(y.shape)})")
    return ys


def impulse_receptive_field(f: Callable, shape: Sequence[int], n_draws: int = 8, seed: int = 0) -> torch.Tensor:
    """Boolean (H, W) mask of the input pixels that the centre output unit of ``f`` depends on.

    A unit impulse is back-propagated from output position (H_out // 2, W_out // 2) (all
    channels) to ``n_draws`` random inputs of ``shape`` (C, H, W) in float64; the pixels where any
    input gradient is non-zero form the receptive field (several draws, so that a ReLU that happens
    to be off for one input does not punch a hole).  For a stack of L convolutions of size k it is
    the (L (k - 1) + 1)-wide square: three 3x3 layers see 7x7 pixels, like one 7x7 layer.
    """
    f = check_callable(f, "f")
    if not isinstance(shape, (list, tuple, torch.Size)) or len(shape) != 3:
        raise TypeError(f"shape: expected (C, H, W), got {shape!r}")
    shape = tuple(check_int(v, "shape", min_value=1) for v in shape)
    n_draws = check_int(n_draws, "n_draws", min_value=1)
    check_memory(4 * n_draws * math.prod(shape), "n_draws" if n_draws > math.prod(shape) else "shape",
                 what="the batch of impulse inputs and their gradients")
    g = generator(seed, torch.device("cpu"))
    x = torch.randn(n_draws, *shape, generator=g, dtype=torch.float64).requires_grad_(True)
    y = f(x)
    if not isinstance(y, torch.Tensor) or y.ndim != 4 or y.shape[0] != n_draws:
        raise ValueError("f: must map a batch (B, C, H, W) to a batch (B, C_out, H_out, W_out)")
    impulse = torch.zeros_like(y)
    impulse[:, :, y.shape[-2] // 2, y.shape[-1] // 2] = 1.0
    (grad,) = torch.autograd.grad(y, x, impulse, allow_unused=True)
    if grad is None:
        return torch.zeros(shape[-2:], dtype=torch.bool)
    return grad.abs().sum((0, 1)) > 0


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
    if k > min(H, W) + 2 * p:
        raise ValueError(f"kernel_size: {k} does not fit in the {H}x{W} images padded by {p}")
    check_memory(2 * N * C * k * k * (H + 2 * p) * (W + 2 * p), "padding" if p > k else "kernel_size",
                 itemsize=x.element_size(), what="the unfolded patches")
    Ho, Wo = H + 2 * p - k + 1, W + 2 * p - k + 1
    if grad_out.shape[0] != N or grad_out.shape[-2:] != (Ho, Wo):
        raise ValueError(f"grad_out: expected shape ({N}, O, {Ho}, {Wo}), got {tuple(grad_out.shape)}")
    U = F.unfold(x, k, padding=p)  # (N, C*k*k, P): the patch at every position
    G = grad_out.flatten(2)  # (N, O, P)
    return torch.einsum("nop,nkp->ok", G, U).reshape(grad_out.shape[1], C, k, k)


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
    check_float_dtype(dtype)
    check_seed(seed)
    per_model = {"channels": C1 * k * k + C2 * C1 * 9 + C1 + C2, "n_classes": K * (4 * C2 + 1)}
    sizes = {"n_models": S, **{name: v for name, v in per_model.items()}}
    check_memory(2 * S * sum(per_model.values()), max(sizes, key=sizes.get), itemsize=dtype.itemsize,
                 what="the CNNs' parameters")
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


def _differentiable(x, name: str, **checks) -> torch.Tensor:
    """``as_tensor``'s checks, but a tensor keeps its autograd graph (``as_tensor`` reads a tensor
    that requires grad as its value; activation maximisation differentiates through the input)."""
    t = as_tensor(x, name, **checks)
    if isinstance(x, torch.Tensor) and x.requires_grad:
        return x.to(dtype=t.dtype, device=t.device)
    return t


def _check_params(params) -> dict[str, torch.Tensor]:
    if not isinstance(params, dict) or any(n not in params for n in PARAM_NAMES):
        raise TypeError(f"params: expected a dict with keys {PARAM_NAMES} (from init_cnn)")
    return params


def _model_input(params, x, expand: bool = True, name: str = "x") -> torch.Tensor:
    S = params["W1"].shape[0]
    x = _differentiable(x, name, ndim=(3, 4), dtype=params["W1"].dtype, device=params["W1"].device)
    if x.shape[-2:] != (IMAGE, IMAGE):
        raise ValueError(f"{name}: expected {IMAGE}x{IMAGE} images, got shape {tuple(x.shape)}")
    if x.ndim == 3:  # the same images for every model
        return x.unsqueeze(1).expand(-1, S, -1, -1) if expand else x.unsqueeze(1)
    if x.shape[1] != S:
        raise ValueError(f"{name}: expected one image per model on axis 1 ({S}), got {tuple(x.shape)}")
    return x


def _labels(y, name: str = "y", *, device=None) -> torch.Tensor:
    """Integer class labels as a long tensor (any float, bool, complex or non-numeric input is refused)."""
    if isinstance(y, torch.Tensor):
        t = y.detach()
    elif isinstance(y, (np.ndarray, list, tuple)):
        arr = np.asarray(y)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name}: expected integer class labels, got {arr.dtype} values")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    else:
        raise TypeError(f"{name}: expected a tensor or array of integer class labels, got {type(y).__name__}")
    if t.dtype.is_floating_point or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name}: expected integer class labels, got dtype {t.dtype}")
    if t.numel() == 0:
        raise ValueError(f"{name}: expected at least one label, got shape {tuple(t.shape)}")
    return t.long().to(device) if device is not None else t.long()


def _pool2(z: torch.Tensor) -> torch.Tensor:
    """2x2 max-pooling.  Without autograd, two elementwise maxima of strided views (the same
    numbers, about 3x faster than ``max_pool2d`` on these tiny maps); with it, ``max_pool2d``
    (its backward is the cheaper one)."""
    if torch.is_grad_enabled() and z.requires_grad:
        return F.max_pool2d(z, 2)
    a = torch.maximum(z[..., 0::2, :], z[..., 1::2, :])
    return torch.maximum(a[..., 0::2], a[..., 1::2])


def _conv1(params, x, name: str = "x") -> torch.Tensor:
    """First-layer pre-activations (N, S*C1, 8, 8).  Shared images (N, 8, 8) go through one
    ordinary conv with S*C1 filters (the same numbers as a grouped conv on S copies of the
    input, at half the cost); images per model (N, S, 8, 8) through a grouped conv."""
    x = _model_input(params, x, expand=False, name=name)
    W1, b1 = params["W1"], params["b1"]
    S, C1, k = W1.shape[0], W1.shape[1], W1.shape[-1]
    return F.conv2d(x, W1.reshape(S * C1, 1, k, k), b1.reshape(-1), padding=k // 2, groups=x.shape[1])


def cnn_forward(params, x, *, return_features: bool = False):
    """Logits (N, S, K) of all S models; ``x`` is (N, 8, 8) shared or (N, S, 8, 8) per model.

    With ``return_features`` also returns the pre-activations ``z1`` (N, S, C1, 8, 8) and
    ``z2`` (N, S, C2, 4, 4) of the two conv layers (the "units" we visualise).
    """
    params = _check_params(params)
    return_features = check_bool(return_features, "return_features")
    S, C1 = params["W1"].shape[:2]
    z1 = _conv1(params, x)
    N = z1.shape[0]
    z2 = _conv2(params, _pool2(torch.relu(z1)))
    logits = _read_out(params, _pool2(torch.relu(z2)).reshape(N, S, -1))
    if return_features:
        return logits, z1.reshape(N, S, C1, IMAGE, IMAGE), z2.reshape(N, S, -1, 4, 4)
    return logits


def _conv2(params, h1) -> torch.Tensor:
    """Second-layer pre-activations (N, S*C2, 4, 4) from the pooled first layer h1 (N, S*C1, 4, 4)."""
    W2, b2 = params["W2"], params["b2"]
    S, C2, C1 = W2.shape[:3]
    return F.conv2d(h1, W2.reshape(S * C2, C1, 3, 3), b2.reshape(-1), padding=1, groups=S)


def _read_out(params, h2) -> torch.Tensor:
    """Logits (N, S, K) from the pooled second layer h2 (N, S, 4*C2)."""
    return torch.einsum("nsf,skf->nsk", h2, params["W3"]) + params["b3"]


def _frozen_features(params, x, depth: int) -> torch.Tensor:
    """The output of the ``depth`` lowest conv blocks (conv, ReLU, pool), which frozen models
    never change: h1 (N, S*C1, 4, 4) for depth 1, h2 (N, S, 4*C2) for depth 2."""
    h = _pool2(torch.relu(_conv1(params, x)))
    if depth == 1:
        return h
    return _pool2(torch.relu(_conv2(params, h))).reshape(h.shape[0], params["W1"].shape[0], -1)


def _forward_above(params, features, depth: int) -> torch.Tensor:
    """Logits from :func:`_frozen_features` of the same ``depth`` (the layers above the frozen ones)."""
    if depth == 1:
        h2 = _pool2(torch.relu(_conv2(params, features)))
        return _read_out(params, h2.reshape(h2.shape[0], params["W1"].shape[0], -1))
    return _read_out(params, features)


# --------------------------------------------------------------------------------------
# activation maximisation: the objective's pieces (the optimiser loop is in train.py)
# --------------------------------------------------------------------------------------
def total_variation(x) -> torch.Tensor:
    r"""Anisotropic total variation $\sum |x_{i+1,j}-x_{i,j}| + |x_{i,j+1}-x_{i,j}|$ per input
    (last two axes spatial, first axis the batch); Rudin, Osher & Fatemi 1992."""
    x = _differentiable(x, "x", ndim=(3, 4, 5))
    dv = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).sum(1)
    dh = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).sum(1)
    return dv + dh


def conv1_unit_phi(params, unit_index=None, model: int = 0, pre_activation: bool = False) -> Callable:
    """``phi(x)`` for activation maximisation: the conv1 unit ``k`` at the image centre for
    input ``k`` of a batch (N, 8, 8) (all C1 channels when ``unit_index`` is None)."""
    params = _check_params(params)
    pre_activation = check_bool(pre_activation, "pre_activation")
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
