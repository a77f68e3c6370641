r"""Approximation kernels (lecture 05): ridge sums, random fields, tree-shaped and shallow ReLU nets.

Pure, batched tensor programs:

* **ridge sums** -- :func:`relu_interpolant` writes the piecewise-linear interpolant of a 1-D function as a
  sum of ReLU ridge functions $c_0 + \sum_i c_i\,\mathrm{ReLU}(x - t_i)$; :func:`ridge_polynomial_fit`
  fits $\sum_j p_j(u_j\cdot x)$ in 2-D (Logan & Shepp 1975).
* **the curse** -- :func:`random_field` draws smooth random functions of $d$ variables (Matern random
  Fourier features, Rahimi & Recht 2007); :func:`random_feature_errors` fits $N$ random ReLU ridge
  units by least squares, for every $N$ at once (one Cholesky factor: its leading blocks solve every prefix).
* **compositional functions and the nets of Mhaskar, Poggio & Liao (2016)** -- :func:`compositional_function`,
  :func:`tree_net`, :func:`shallow_net`, :func:`dense_net` (all :class:`MaskedMLP`: a fully connected net
  whose mask keeps only the edges of its graph), :func:`ensemble` (many nets, one tensor program),
  :func:`count_parameters`, and :func:`fit` (Adam, minibatches, cosine-decayed step).

Conventions: **rows are samples**, ``X`` is ``(n, d)``.  A :class:`MaskedMLP` holds ``B`` member nets;
weights are ``(B, d_in, d_out)``, so a layer is one batched matrix product.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch

from course_lib.core.device import generator, get_device
from course_lib.core.history import TrainHistory
from course_lib.core.optim import Adam
from course_lib.core.progress import progress as _progress
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_bool,
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

__all__ = [
    "relu_interpolant",
    "relu_ridge_sum",
    "ridge_directions",
    "ridge_polynomial_fit",
    "random_field",
    "random_ridge_units",
    "random_feature_errors",
    "compositional_function",
    "tree_masks",
    "MaskedMLP",
    "masked_net",
    "tree_net",
    "shallow_net",
    "dense_net",
    "ensemble",
    "count_parameters",
    "member_parameters",
    "outputs",
    "fit",
]


# ---------------------------------------------------------------------------------------------- ridge sums
def relu_interpolant(f: Callable, a: float, b: float, n_units: int, *, dtype=torch.float64):
    r"""The piecewise-linear interpolant of ``f`` on ``n_units`` equal pieces of $[a, b]$, as a ReLU ridge sum.

    $s(x) = f(t_0) + \sum_{i=0}^{N-1} c_i\,\mathrm{ReLU}(x - t_i)$ with knots $t_i = a + ih$, $c_0$ the first
    slope and $c_i$ the change of slope at $t_i$.  Returns ``(knots (N,), coef (N,), intercept)``.
    On $[a, b]$, $|f - s| \le h^2\|f''\|_\infty/8$ (the linear-interpolation error bound).
    """
    check_callable(f, "f")
    a = float(check_in_range(a, "a", -1e6, 1e6))
    b = float(check_in_range(b, "b", -1e6, 1e6))
    if not b > a:
        raise ValueError(f"b: must be > a = {a}, got {b}")
    n = check_int(n_units, "n_units", min_value=1)
    check_float_dtype(dtype)
    check_memory(6 * (n + 1), "n_units", itemsize=dtype.itemsize, what="the knots and coefficients")
    t = torch.linspace(a, b, n + 1, dtype=dtype)
    v = f(t)
    if not isinstance(v, torch.Tensor) or v.shape != (n + 1,) or not v.is_floating_point() \
            or not bool(torch.isfinite(v).all()):
        got = f"shape {tuple(v.shape)} {v.dtype}" if isinstance(v, torch.Tensor) else type(v).__name__
        raise ValueError(f"f: must map the {n + 1} knots to {n + 1} finite real values, got {got}")
    v = v.detach().to(dtype)
    slopes = (v[1:] - v[:-1]) / (t[1:] - t[:-1])  # (N,)
    coef = torch.cat([slopes[:1], slopes[1:] - slopes[:-1]])  # change of slope at each knot
    return t[:-1], coef, v[0]


def relu_ridge_sum(x, knots, coef, intercept) -> torch.Tensor:
    r"""$c_0 + \sum_i c_i\,\mathrm{ReLU}(x - t_i)$ for ``x`` of any shape (knots and coef are (N,))."""
    x = as_tensor(x, "x")
    knots = as_tensor(knots, "knots", ndim=1, dtype=x.dtype)
    coef = as_tensor(coef, "coef", shape=(knots.numel(),), dtype=x.dtype)
    intercept = as_tensor(intercept, "intercept", shape=(), dtype=x.dtype, device=x.device)
    check_memory(2 * x.numel() * knots.numel(), "x" if x.numel() > knots.numel() else "knots",
                 itemsize=x.element_size(), what="the units at every point")
    return intercept + (torch.relu(x[..., None] - knots) * coef).sum(-1)


def ridge_directions(n_directions: int, *, dtype=torch.float64) -> torch.Tensor:
    r"""``n_directions`` unit vectors $u_j = (\cos\theta_j, \sin\theta_j)$, $\theta_j = j\pi/M$: (M, 2)."""
    m = check_int(n_directions, "n_directions", min_value=1)
    check_float_dtype(dtype)
    check_memory(4 * m, "n_directions", itemsize=dtype.itemsize, what="the directions")
    theta = torch.arange(m, dtype=dtype) * math.pi / m
    return torch.stack([theta.cos(), theta.sin()], 1)


def ridge_polynomial_fit(X, y, n_directions: int, degree: int):
    r"""Least-squares fit of $y \approx \sum_{j<M} p_j(u_j\cdot x)$, each $p_j$ a polynomial of ``degree``.

    ``X`` is (n, 2).  Returns ``(fitted (n,), relative residual)`` with the residual
    $\|y - \hat y\| / \|y\|$.  Logan & Shepp (1975): every polynomial of degree $\le n$ in two
    variables is such a sum with $M = n + 1$ distinct directions; $M = n$ is not enough.
    """
    X = as_tensor(X, "X", shape=(None, 2), dtype=torch.float64)
    y = as_tensor(y, "y", shape=(X.shape[0],), dtype=torch.float64)
    deg = check_int(degree, "degree", min_value=0, max_value=20)
    M = check_int(n_directions, "n_directions", min_value=1)
    check_memory(3 * X.shape[0] * (M * deg + 1), "n_directions", what="the least-squares design matrix")
    T = X @ ridge_directions(M).T  # (n, M): the ridge variables u_j . x
    powers = T[:, :, None] ** torch.arange(1, deg + 1, dtype=torch.float64)  # (n, M, deg)
    A = torch.cat([torch.ones(X.shape[0], 1, dtype=torch.float64), powers.reshape(X.shape[0], -1)], 1)
    coef = torch.linalg.lstsq(A, y[:, None], driver="gelsd").solution
    fitted = (A @ coef)[:, 0]
    return fitted, float(((y - fitted).norm() / y.norm()).detach())


# ---------------------------------------------------------------------------------------------- the curse
def random_field(X, *, nu: float = 1.5, lengthscale: float = 2.0, n_features: int = 1024, n_fields: int = 1,
                 seed: int = 0) -> torch.Tensor:
    r"""``n_fields`` smooth random functions of ``X`` (n, d), each with mean 0 and variance 1: (n_fields, n).

    Random Fourier features of the Matern-$\nu$ covariance (Rahimi & Recht 2007):
    $f(x) = \sqrt{2/F}\sum_{j\le F}\cos(\omega_j\cdot x + \phi_j)$, $\omega_j$ multivariate Student-$t$ with
    $2\nu$ degrees of freedom and scale $1/\ell$ (the Matern spectral density), $\phi_j$ uniform.  Sample
    paths have Sobolev smoothness about $\nu$; the same $\ell$ in every $d$ means more wiggles as $d$ grows.
    """
    X = as_tensor(X, "X", ndim=2).detach()
    if not float(2 * check_positive(nu, "nu")).is_integer():
        raise ValueError(f"nu: 2ν must be an integer (ν = 0.5, 1, 1.5, ...), got {nu}")
    ell = check_positive(lengthscale, "lengthscale")
    F = check_int(n_features, "n_features", min_value=1)
    S = check_int(n_fields, "n_fields", min_value=1)
    d, dof = X.shape[1], int(2 * nu)
    factors = {"n_fields": S, "n_features": F, "nu": dof}
    check_memory(2 * S * F * (d + dof) + S * X.shape[0] * F, max(factors, key=factors.get),
                 what="the random frequencies and feature phases")
    g = generator(check_seed(seed), torch.device("cpu"))
    z = torch.randn(S, F, d, generator=g, dtype=torch.float64)
    chi2 = (torch.randn(S, F, dof, generator=g, dtype=torch.float64) ** 2).sum(-1, keepdim=True)
    omega = z * torch.sqrt(dof / chi2) / ell  # (S, F, d)
    phase = torch.rand(S, F, generator=g, dtype=torch.float64) * 2 * math.pi
    # float32 for the (S, n, F) phases: the lecture's sizes are memory-bound, and 1e-7 is plenty for a target
    f32 = dict(dtype=torch.float32, device=X.device)
    Z = torch.baddbmm(phase.to(**f32)[:, None, :], X.to(**f32).expand(S, -1, -1), omega.to(**f32).transpose(1, 2))
    return Z.cos_().sum(-1).to(X.dtype) * math.sqrt(2 / F)  # (S, n)


def random_ridge_units(n_sets: int, d: int, n_units: int, *, seed: int = 0, device=None):
    r"""``n_sets`` draws of ``n_units`` random ReLU ridge units $\mathrm{ReLU}(u\cdot x + b)$ in $d$ variables:
    directions ``U`` (S, d, N) uniform on the sphere, biases ``b`` (S, 1, N) uniform in $[-1, 1]$."""
    S = check_int(n_sets, "n_sets", min_value=1)
    d = check_int(d, "d", min_value=1)
    N = check_int(n_units, "n_units", min_value=1)
    sizes = {"n_sets": S, "d": d, "n_units": N}
    check_memory(2 * S * (d + 1) * N, max(sizes, key=sizes.get), what="the units")
    g = generator(check_seed(seed), torch.device("cpu"))
    U = torch.randn(S, d, N, generator=g, dtype=torch.float64)
    b = 2 * torch.rand(S, 1, N, generator=g, dtype=torch.float64) - 1
    dev = get_device(device)
    return (U / U.norm(dim=1, keepdim=True)).to(dev), b.to(dev)


def random_feature_errors(X, y, X_test, y_test, units: Sequence[int], *, ridge: float = 1e-6, seed: int = 0):
    r"""Test MSE of least-squares fits on $N$ random ReLU ridge units, for every $N$ in ``units``: (S, len(units)).

    Units $\mathrm{ReLU}(u_i\cdot x + b_i)$: $u_i$ uniform on the sphere, $b_i$ uniform in $[-1, 1]$ (so the
    kinks cross the data in every $d$: $u\cdot x$ has s.d. $1/\sqrt3$ for $x$ uniform in $[-1,1]^d$).  The outer
    layer (with a bias) is the ridge-regularised least-squares fit ($\lambda = $ ``ridge`` $\cdot\, n$).  The
    units are nested, so the Cholesky factor of the largest Gram matrix solves every prefix.
    ``y`` is (S, n): S fields, each with its own draw of units.
    """
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    Xt = as_tensor(X_test, "X_test", shape=(None, X.shape[1]), dtype=torch.float64, device=X.device)
    y = as_tensor(y, "y", shape=(None, X.shape[0]), dtype=torch.float64, device=X.device)
    yt = as_tensor(y_test, "y_test", shape=(y.shape[0], Xt.shape[0]), dtype=torch.float64, device=X.device)
    if isinstance(units, (str, bytes)) or not isinstance(units, (list, tuple)):
        raise TypeError(f"units: expected a list of numbers of units, got {type(units).__name__}")
    units = [check_int(u, "units", min_value=1) for u in units]
    if not units:
        raise ValueError("units: give at least one number of units")
    lam = check_positive(ridge, "ridge") * X.shape[0]
    S, d, N = y.shape[0], X.shape[1], max(units)
    check_memory(3 * S * (N + 1) * (N + 1 + X.shape[0] + Xt.shape[0]), "units", what="the features and Gram matrices")
    U, b = random_ridge_units(S, d, N, seed=seed, device=X.device)

    def features(Z):  # (S, n, N + 1): a constant, then the units in order
        return torch.cat([torch.ones(S, Z.shape[0], 1, dtype=Z.dtype, device=Z.device), torch.relu(Z @ U + b)], -1)

    Phi, Phi_t = features(X), features(Xt)
    G = Phi.transpose(1, 2) @ Phi + lam * torch.eye(N + 1, dtype=torch.float64, device=X.device)
    L = torch.linalg.cholesky(G)  # the leading (m x m) block of L is the Cholesky factor of G's leading block
    rhs = Phi.transpose(1, 2) @ y[:, :, None]
    errs = []
    for m in units:
        c = torch.cholesky_solve(rhs[:, : m + 1], L[:, : m + 1, : m + 1])
        errs.append(((Phi_t[:, :, : m + 1] @ c)[..., 0] - yt).pow(2).mean(1))
    return torch.stack(errs, 1)


# ---------------------------------------------------------------------------------------------- compositional
def _check_tree_inputs(n_inputs) -> int:
    n = check_int(n_inputs, "n_inputs", min_value=2, max_value=1024)
    if n & (n - 1):
        raise ValueError(f"n_inputs: a binary tree needs a power of 2, got {n}")
    return n


def compositional_function(h: Callable, n_inputs: int = 8, *, order=None) -> Callable:
    r"""$f(x_1,\dots,x_8) = h(h(h(x_1,x_2), h(x_3,x_4)), h(h(x_5,x_6), h(x_7,x_8)))$: ``h`` pairwise up a binary tree.

    ``h(a, b)`` maps two tensors of one shape to one tensor of that shape.  The returned ``f(X)`` takes
    ``X`` of shape (n, n_inputs) and returns (n,).  ``order`` (a permutation of the inputs) sets which
    inputs the leaves read: ``order=[0, 2, 4, 6, 1, 3, 5, 7]`` pairs $x_1$ with $x_3$, and so on.
    (Mhaskar, Poggio & Liao 2016; Poggio et al. 2017, eq. 1.)
    """
    check_callable(h, "h")
    n = _check_tree_inputs(n_inputs)
    probe = h(torch.zeros(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64))
    if not isinstance(probe, torch.Tensor) or probe.shape != (1, 1):
        raise TypeError(f"h: must map two tensors of one shape to one tensor of that shape, got "
                        f"{type(probe).__name__} {tuple(getattr(probe, 'shape', ()))} for two (1, 1) tensors")
    perm = None
    if order is not None:
        perm = torch.as_tensor(list(order), dtype=torch.long) if not isinstance(order, torch.Tensor) else order.long()
        if perm.ndim != 1 or perm.numel() != n or not torch.equal(perm.sort().values, torch.arange(n)):
            raise ValueError(f"order: expected a permutation of 0..{n - 1}, got {list(perm.tolist())}")

    def f(X) -> torch.Tensor:
        Z = as_tensor(X, "X", shape=(None, n))
        if perm is not None:
            Z = Z[:, perm.to(Z.device)]
        while Z.shape[1] > 1:
            a, b = Z[:, 0::2], Z[:, 1::2]
            out = h(a, b)
            if not isinstance(out, torch.Tensor) or out.shape != a.shape:
                raise ValueError(f"h: must map two tensors of shape {tuple(a.shape)} to one of that shape, "
                                 f"got {type(out).__name__} {tuple(getattr(out, 'shape', ()))}")
            Z = out
        return Z[:, 0]

    f.__doc__ = f"h applied pairwise up a binary tree of {n} inputs" + ("" if perm is None else f", leaves {order}")
    return f


def tree_masks(k: int, n_inputs: int = 8) -> list[torch.Tensor]:
    r"""The masks (d_in, d_out) of a tree net: per level, a hidden layer (each node's ``k`` units see its two
    children) and an output layer (each node's output sees only its own ``k`` units).

    For 8 inputs the layer widths are 8 -> 4k -> 4 -> 2k -> 2 -> k -> 1; node $j$ of a level reads inputs
    $2j, 2j+1$ of that level (so the leaves pair $x_1x_2$, $x_3x_4$, ...)."""
    k = check_int(k, "k", min_value=1)
    q = _check_tree_inputs(n_inputs)
    check_memory(2 * q * q * k, "k", itemsize=1, what="the masks")
    masks = []
    while q > 1:
        nodes = q // 2
        node_of_unit = torch.arange(nodes * k) // k  # (nodes*k,)
        hidden = (torch.arange(q)[:, None] // 2) == node_of_unit[None, :]  # (q, nodes*k)
        out = node_of_unit[:, None] == torch.arange(nodes)[None, :]  # (nodes*k, nodes)
        masks += [hidden, out]
        q = nodes
    return masks


class MaskedMLP(torch.nn.Module):
    r"""``B`` fully connected ReLU nets in one tensor program; a 0 in a mask removes an edge.

    Layer $\ell$: $H_\ell = \sigma_\ell\bigl(H_{\ell-1}(W_\ell \odot M_\ell) + b_\ell \odot u_\ell\bigr)$, with
    $\sigma_\ell$ = ReLU where ``acts[l]`` else the identity; $M_\ell$ (B, d_in, d_out) is the edge mask and
    $u_\ell$ (B, 1, d_out) marks the units that exist (padding in an :func:`ensemble` has $u = 0$).
    ``forward(X)``: (n, d) -> (n, 1) for one net, (B, n, 1) for an ensemble.
    """

    def __init__(self, weights, biases, masks, units, acts):
        super().__init__()
        if not (len(weights) == len(biases) == len(masks) == len(units) == len(acts) >= 1):
            raise ValueError("weights: expected one weight, bias, mask, unit mask and activation per layer")
        self.acts = tuple(bool(a) for a in acts)
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(W) for W in weights])
        self.biases = torch.nn.ParameterList([torch.nn.Parameter(b) for b in biases])
        for i, (M, u) in enumerate(zip(masks, units)):
            self.register_buffer(f"mask{i}", M.to(weights[i].dtype))
            self.register_buffer(f"unit{i}", u.to(weights[i].dtype))

    @property
    def masks(self) -> list[torch.Tensor]:
        return [getattr(self, f"mask{i}") for i in range(len(self.acts))]

    @property
    def units(self) -> list[torch.Tensor]:
        return [getattr(self, f"unit{i}") for i in range(len(self.acts))]

    @property
    def n_members(self) -> int:
        return self.weights[0].shape[0]

    @property
    def n_inputs(self) -> int:
        return self.weights[0].shape[1]

    def members_output(self, X) -> torch.Tensor:
        """Every member's output for inputs ``X`` (n, d): (B, n)."""
        W0 = self.weights[0]
        X = as_tensor(X, "X", shape=(None, self.n_inputs), dtype=W0.dtype, device=W0.device)
        return _forward(list(self.weights), list(self.biases), self, X)

    def forward(self, X) -> torch.Tensor:
        out = self.members_output(X)[..., None]  # (B, n, 1)
        return out[0] if self.n_members == 1 else out


def _forward(weights, biases, net: MaskedMLP, X) -> torch.Tensor:
    """The layers of ``net`` with the given weights and biases (so :func:`fit` can train a rescaled copy): (B, n)."""
    H = X.expand(weights[0].shape[0], -1, -1)  # (B, n, d)
    for W, b, M, u, act in zip(weights, biases, net.masks, net.units, net.acts):
        H = torch.baddbmm(b * u, H, W * M)  # (B, n, d_out)
        if act:
            H = torch.relu(H)
    return H[..., 0]


def masked_net(masks, acts, *, seed: int = 0, dtype=torch.float32, device=None) -> MaskedMLP:
    r"""One :class:`MaskedMLP` with the given (d_in, d_out) ``masks`` and ``acts`` (ReLU after layer l or not),
    initialised unit by unit by its **effective fan-in** $m_j$ (the unmasked weights into unit $j$):
    $W \sim U(\pm\sqrt{3g/m_j})$, $g = 2$ before a ReLU, 1 otherwise (He et al. 2015); biases 0.
    (PyTorch's default, $U(\pm 1/\sqrt{d_{\rm in}})$ with the *unmasked* width, starts a tree net's signal
    near zero, and it trains poorly.)"""
    if not isinstance(masks, (list, tuple)) or not masks:
        raise TypeError("masks: expected a non-empty list of (d_in, d_out) masks")
    if not all(isinstance(M, torch.Tensor) and M.ndim == 2 and M.numel() > 0 for M in masks):
        raise TypeError("masks: every mask must be a non-empty (d_in, d_out) tensor")
    if isinstance(acts, (str, bytes)) or not isinstance(acts, (list, tuple)) or len(acts) != len(masks):
        raise TypeError(f"acts: expected one activation flag (True = ReLU) per mask, {len(masks)} in all")
    acts = [check_bool(a, "acts") for a in acts]
    check_float_dtype(dtype)
    check_memory(4 * sum(M.numel() for M in masks), "masks", itemsize=dtype.itemsize, what="the net's weights")
    for i, (A, B) in enumerate(zip(masks[:-1], masks[1:])):
        if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
            raise ValueError(f"masks: layer {i} has {A.shape[-1]} outputs but layer {i + 1} expects {B.shape[0]}")
    g = generator(check_int(seed, "seed"), torch.device("cpu"))
    dev = get_device(device)
    Ws, bs, Ms, us = [], [], [], []
    for M, act in zip(masks, acts):
        Mf = M.to(torch.float64)
        fan = Mf.sum(0).clamp_min(1.0)  # (d_out,): effective fan-in of each unit
        bound = torch.sqrt(3.0 * (2.0 if act else 1.0) / fan)
        W = (2 * torch.rand(Mf.shape, generator=g, dtype=torch.float64) - 1) * bound * Mf
        Ws.append(W[None].to(dtype=dtype, device=dev))
        bs.append(torch.zeros(1, 1, M.shape[1], dtype=dtype, device=dev))
        Ms.append(Mf[None].to(dtype=dtype, device=dev))
        us.append(torch.ones(1, 1, M.shape[1], dtype=dtype, device=dev))
    return MaskedMLP(Ws, bs, Ms, us, acts)


def tree_net(k: int, n_inputs: int = 8, *, seed: int = 0, dtype=torch.float32, device=None) -> MaskedMLP:
    r"""The binary-tree deep net of Poggio et al. (2017, Fig. 1c): every node a shallow net of ``k`` ReLU units
    with a linear output, reading its two children.  $(n-1)(4k+1)$ parameters ($28k + 7$ for 8 inputs)."""
    masks = tree_masks(k, n_inputs)
    return masked_net(masks, [True, False] * (len(masks) // 2), seed=seed, dtype=dtype, device=device)


def shallow_net(width: int, n_inputs: int = 8, *, seed: int = 0, dtype=torch.float32, device=None) -> MaskedMLP:
    r"""One hidden layer of ``width`` ReLU units and a linear output: $(d + 2)\,\mathrm{width} + 1$ parameters."""
    w = check_int(width, "width", min_value=1)
    d = check_int(n_inputs, "n_inputs", min_value=1)
    check_memory(8 * w * (d + 1), "width" if w > d else "n_inputs", itemsize=1, what="the masks")
    return masked_net([torch.ones(d, w, dtype=torch.bool), torch.ones(w, 1, dtype=torch.bool)], [True, False],
                      seed=seed, dtype=dtype, device=device)


def dense_net(widths: Sequence[int], n_inputs: int = 8, *, seed: int = 0, dtype=torch.float32,
              device=None) -> MaskedMLP:
    """A generic deep fully connected ReLU net with hidden layers of the given ``widths`` and a linear output."""
    if isinstance(widths, int) or not isinstance(widths, Sequence) or not widths:
        raise ValueError(f"widths: expected a non-empty list of hidden widths, got {widths!r}")
    sizes = [check_int(n_inputs, "n_inputs", min_value=1)] + [check_int(w, "widths", min_value=1) for w in widths]
    sizes.append(1)
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    check_memory(8 * n_weights, "widths" if max(sizes[1:]) >= sizes[0] else "n_inputs", itemsize=1,
                 what="the masks")
    masks = [torch.ones(a, b, dtype=torch.bool) for a, b in zip(sizes[:-1], sizes[1:])]
    return masked_net(masks, [True] * len(widths) + [False], seed=seed, dtype=dtype, device=device)


def ensemble(nets: Sequence[MaskedMLP]) -> MaskedMLP:
    """Many :class:`MaskedMLP` of one depth (and activation pattern) as one: each layer is zero-padded to the
    widest member (padded units have ``unit = 0`` and masked edges), and the members are stacked."""
    nets = list(nets)
    if not nets or not all(isinstance(n, MaskedMLP) for n in nets):
        raise TypeError("nets: expected a non-empty list of MaskedMLP (tree_net, shallow_net, dense_net)")
    acts = nets[0].acts
    if any(n.acts != acts or n.n_inputs != nets[0].n_inputs for n in nets):
        raise ValueError("nets: every member needs the same depth, activations and number of inputs")
    L = len(acts)
    out = [max(n.weights[i].shape[2] for n in nets) for i in range(L)]
    dims = [nets[0].n_inputs] + out

    def pad(t, rows, cols):  # (B, r, c) -> (B, rows, cols)
        return torch.nn.functional.pad(t, (0, cols - t.shape[2], 0, rows - t.shape[1]))

    layers = []
    for i in range(L):
        with torch.no_grad():
            layers.append([torch.cat([pad(getattr(n, attr)[i].detach(), r, dims[i + 1]) for n in nets])
                           for attr, r in (("weights", dims[i]), ("biases", 1), ("masks", dims[i]), ("units", 1))])
    return MaskedMLP(*zip(*layers), acts)


def member_parameters(model: MaskedMLP) -> torch.Tensor:
    """The number of parameters of each member that can affect its output, biases included: (B,) long.

    A weight counts if its edge is unmasked and its unit reaches the output; a bias counts if its unit
    exists and reaches the output.  (A weight masked to zero is not a parameter.)"""
    if not isinstance(model, MaskedMLP):
        raise TypeError(f"model: expected a MaskedMLP, got {type(model).__name__}")
    Ms = [M > 0 for M in model.masks]
    us = [u[:, 0, :] > 0 for u in model.units]  # (B, d_out)
    alive = us[-1]  # the outputs
    total = torch.zeros(model.n_members, dtype=torch.long, device=alive.device)
    for i in range(len(Ms) - 1, -1, -1):
        edges = Ms[i] & alive[:, None, :]  # (B, d_in, d_out): edges into live units
        total += edges.sum((1, 2)) + (us[i] & alive).sum(1)
        if i > 0:
            alive = edges.any(2) & us[i - 1]
    return total


def count_parameters(model: torch.nn.Module) -> int:
    """The parameters of a net that can affect its output, biases included; a weight masked to zero does not
    count.  Any other ``torch.nn.Module`` counts every trainable entry."""
    if isinstance(model, MaskedMLP):
        if model.n_members != 1:
            raise ValueError(f"model: an ensemble of {model.n_members} nets; count each with member_parameters")
        return int(member_parameters(model)[0])
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


# ---------------------------------------------------------------------------------------------- training
def _as_models(model) -> list[torch.nn.Module]:
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    if not models or not all(isinstance(m, torch.nn.Module) for m in models):
        raise TypeError(f"model: expected a torch module or a list of them, got {type(model).__name__}")
    return models


def _blew_up(loss: torch.Tensor, scale: torch.Tensor) -> bool:
    """A loss that is not finite, or 10^4 times its scale: Adam's steps overshoot (a step size too large)."""
    return not bool(torch.isfinite(loss).all()) or bool((loss > 1e4 * scale).any())


def outputs(model, X) -> torch.Tensor:
    """Every member's output, (B_total, n): a :class:`MaskedMLP` gives its B members, any other module
    (n, d) -> (n, 1) one, and a list of models their members in order."""
    outs = []
    for m in _as_models(model):
        if isinstance(m, MaskedMLP):
            outs.append(m.members_output(X))
        else:
            outs.append(m(X).reshape(1, -1))
    return torch.cat(outs, 0)


def fit(model, X, y, steps: int, lr, seed: int = 0, *, batch_size: int | None = 128,
        progress: bool = False):
    r"""Train ``model`` (a net, an :func:`ensemble`, or a list of them trained together) on the squared error.

    Minimises $\sum_b \frac1n\sum_i (f_b(x_i) - y_{b,i})^2$ over all members $b$ at once with Adam
    (Kingma & Ba 2015; ``course_lib.core.optim.Adam``) on minibatches of ``batch_size`` rows (``None``:
    full batch) drawn with ``seed``, the step decayed from ``lr`` to 0 on a cosine (Loshchilov & Hutter 2017).
    Members share nothing, so this is B independent trainings in one tensor program.

    ``y``: (n,) for one member, or (B_total, n).  ``lr``: one step size, or one per member (a grid of
    learning rates across restarts): Adam's step is invariant to rescaling a coordinate (up to its
    $\epsilon$), so Adam at rate ``max(lr)`` on $\theta_b / s_b$, $s_b = $ ``lr[b] / max(lr)``, *is* Adam at
    rate ``lr[b]`` on member $b$'s $\theta_b$.  Returns ``model``, trained in place, with the per-step minibatch
    loss of every member in ``model.history`` (a ``TrainHistory``; for a list: on its first model).
    Raises ``Diverged`` as soon as the loss is not finite.
    """
    models = _as_models(model)
    ref = next((p for m in models for p in m.parameters() if p.requires_grad), None)
    if ref is None:
        raise ValueError("model: has no trainable parameters")
    X = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
    y = as_tensor(y, "y", ndim=(1, 2), dtype=ref.dtype, device=ref.device)
    n = X.shape[0]
    with torch.no_grad():
        sizes = [outputs(m, X[:1]).shape[0] for m in models]
    B = sum(sizes)
    if y.ndim == 1 or (y.ndim == 2 and y.shape == (n, 1)):
        y = y.reshape(1, -1).expand(B, -1)
    if y.shape != (B, n):
        raise ValueError(f"y: expected shape ({n},) or ({B}, {n}) for {B} member(s) and {n} rows, got {tuple(y.shape)}")
    steps = check_steps(check_int(steps, "steps", min_value=0), "steps", what="fit")
    check_memory(steps * B, "steps", itemsize=X.element_size(), what="the loss history")
    lrs, _ = per_batch(lr, "lr", size=B, dtype=ref.dtype, device=ref.device)
    if lrs.ndim != 1:
        raise ValueError(f"lr: expected a number or {B} numbers (one per member), got shape {tuple(lrs.shape)}")
    lr0 = float(lrs.max())
    g = generator(check_int(seed, "seed"), torch.device("cpu"))
    bs = n if batch_size is None else min(check_int(batch_size, "batch_size", min_value=1), n)
    check_bool(progress, "progress")

    # trainable copies theta / s (one scale per member); generic modules train their own parameters at lr0
    scaled, leaves, first = [], [], 0
    for m, size in zip(models, sizes):
        s = (lrs[first:first + size] / lr0).view(-1, 1, 1)
        first += size
        if isinstance(m, MaskedMLP):
            qW = [(W.detach() / s).requires_grad_() for W in m.weights]
            qb = [(b.detach() / s).requires_grad_() for b in m.biases]
            scaled.append((m, s, qW, qb))
            leaves += qW + qb
        else:
            if bool((s != 1).any()):
                raise ValueError("lr: one learning rate per member works for MaskedMLP nets only")
            scaled.append((m, None, None, None))
            leaves += [p for p in m.parameters() if p.requires_grad]

    def out(Xb):
        return torch.cat([_forward([s * W for W in qW], [s * b for b in qb], m, Xb) if s is not None
                          else m(Xb).reshape(1, -1) for m, s, qW, qb in scaled])

    opt = Adam(leaves, lr0)
    losses = torch.empty(steps, B, dtype=ref.dtype)
    for t in _progress(range(steps), progress, "training", unit="step"):
        idx = torch.randint(n, (bs,), generator=g).to(ref.device) if bs < n else slice(None)
        per_member = (out(X[idx]) - y[:, idx]).pow(2).mean(1)  # (B,)
        opt.zero_grad()
        per_member.sum().backward()
        opt.step(lr0 * 0.5 * (1 + math.cos(math.pi * t / steps)))
        losses[t] = per_member.detach().cpu()
        if t == 0:  # the blow-up check's scale: the first loss, or predicting 0 (mean y^2), whichever is larger
            scale = torch.maximum(losses[0], (y.detach() ** 2).mean(1).cpu()).clamp(min=1e-12)
        if (t % 50 == 49 or t == steps - 1) and _blew_up(losses[t], scale):
            raise Diverged(f"lr: fit's loss blew up by step {t + 1} (to {float(losses[t].max()):.3g}, from a scale "
                           f"of {float(scale.max()):.3g}; lr up to {lr0:g}); lower lr")
    with torch.no_grad():
        for m, s, qW, qb in scaled:
            if s is not None:
                for W, q in zip(list(m.weights) + list(m.biases), qW + qb):
                    W.copy_(s * q)
    models[0].history = TrainHistory(
        method="Adam", loss=losses,
        weights=[W.detach() for m in models for W in getattr(m, "weights", [])],
        biases=[b.detach() for m in models for b in getattr(m, "biases", [])],
        params={"steps": steps, "lr": lrs.cpu(), "batch_size": bs, "seed": seed})
    return model
