r"""Loss-landscape kernels: paths between minima, deep linear networks, level sets, ReLU ensembles.

Pure, batched tensor functions (lecture 08). A *loss function* here takes a flat parameter
vector ``(D,)`` -- or a whole batch ``(..., D)`` at once, returning ``(...)`` -- and may return one
loss per independent part (``(..., K)``: K networks packed in one vector, trained and evaluated
together). Whatever it returns, a path function gives one profile per part.

Papers: Garipov, Izmailov, Podoprikhin, Vetrov & Wilson 2018 (Bezier mode connectivity, eq. 2
and its gradient); Freeman & Bruna 2017 (level sets, energy gap); Kawaguchi 2016 and Baldi &
Hornik 1989 (deep linear networks; the reduced-rank regression minimum); Entezari, Sedghi,
Saukh & Neyshabur 2022 (the barrier of a path).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from course_lib.core.device import generator, get_device
from course_lib.core.history import TrainHistory
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
)

__all__ = [
    "path_t",
    "linear_path",
    "bezier_curve",
    "bezier_path",
    "fit_bezier",
    "path_barrier",
    "deep_linear_loss",
    "deep_linear_min_loss",
    "deep_linear_gd",
    "toy_linear_loss",
    "sublevel_components",
    "ReluEnsemble",
    "train_to_level",
]


# ---------------------------------------------------------------------------------------
# paths between two parameter vectors
# ---------------------------------------------------------------------------------------
def path_t(n_points: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """The ``n_points`` equally spaced path parameters ``t`` in [0, 1] every path function uses."""
    n_points = check_int(n_points, "n_points", min_value=2)
    check_float_dtype(dtype)
    check_memory(n_points, "n_points", itemsize=dtype.itemsize, what="the path parameters")
    return torch.linspace(0.0, 1.0, n_points, dtype=dtype, device=get_device(device))


def _params(V, name: str) -> torch.Tensor:
    """A parameter tensor that may carry gradients (kept: ``as_tensor`` reads tensors as values), else
    converted and checked by ``as_tensor``."""
    if isinstance(V, torch.Tensor):
        if not V.is_floating_point():
            raise TypeError(f"{name}: expected a floating tensor, got dtype {V.dtype}")
        if V.ndim == 0 or V.numel() == 0:
            raise ValueError(f"{name}: expected at least one parameter along the last axis, got shape {tuple(V.shape)}")
        return V
    return as_tensor(V, name, finite=False)


def _endpoints(w_a, w_b, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    dev = None if device is None else get_device(device)
    a = as_tensor(w_a, "w_a", ndim=(1, 2), device=dev).detach()
    b = as_tensor(w_b, "w_b", ndim=(1, 2), device=a.device).detach()
    if b.shape != a.shape:
        raise ValueError(f"w_b: expected the shape of w_a {tuple(a.shape)}, got {tuple(b.shape)}")
    return a, b.to(a.dtype)


def _accepts_batch(loss_fn: Callable, V: torch.Tensor) -> tuple[bool, torch.Tensor]:
    """Whether ``loss_fn`` maps a batch ``V`` ``(..., D)`` to ``(...)`` (or ``(..., K)``), checked against a
    single call on the first point; also returns that first loss (scalar or ``(K,)``)."""
    lead = tuple(V.shape[:-1])
    with torch.no_grad():
        first = loss_fn(V.reshape(-1, V.shape[-1])[0])
        if not isinstance(first, torch.Tensor) or not first.is_floating_point():
            raise TypeError(f"loss_fn: must return a floating tensor for a flat vector, got {type(first).__name__}")
        if first.ndim > 1:
            raise ValueError(f"loss_fn: must return a scalar (or one loss per part, shape (K,)) for a flat "
                             f"vector, got shape {tuple(first.shape)}")
        try:
            out = loss_fn(V)
        except Exception:  # a loss written for one flat vector only; per-point calls re-raise real errors
            return False, first
    ok = (isinstance(out, torch.Tensor) and tuple(out.shape) == lead + tuple(first.shape)
          and bool(torch.allclose(out.reshape(-1, *first.shape)[0], first, rtol=1e-5, atol=1e-7)))
    return ok, first


def _evaluate(loss_fn: Callable, V: torch.Tensor, batched: bool | None = None) -> torch.Tensor:
    """``loss_fn`` on every point of ``V`` ``(..., D)``: one batched call when ``loss_fn`` accepts a
    batch, else one call per point (a loss written for a single flat vector still works)."""
    if batched is None:
        batched, _ = _accepts_batch(loss_fn, V)
    if batched:
        return loss_fn(V)
    lead = tuple(V.shape[:-1])
    rows = [loss_fn(v) for v in V.reshape(-1, V.shape[-1])]
    return torch.stack(rows).reshape(*lead, *rows[0].shape)


def _check_profile(profile: torch.Tensor, what: str) -> torch.Tensor:
    if not bool(torch.isfinite(profile).all()):
        raise ValueError(f"loss_fn: returned non-finite losses along the {what}")
    return profile


@torch.no_grad()
def linear_path(loss_fn: Callable, w_a, w_b, n_points: int = 41) -> torch.Tensor:
    r"""Losses along the segment $(1-t)\,w_a + t\,w_b$ at ``n_points`` equally spaced $t\in[0,1]$.

    ``w_a``, ``w_b``: flat parameter vectors ``(D,)`` (or ``(B, D)``: B paths at once). Returns
    ``(n_points, ...)``: the batch axis and any per-part axis of ``loss_fn`` follow the path axis.
    """
    check_callable(loss_fn, "loss_fn")
    a, b = _endpoints(w_a, w_b)
    check_memory(2 * check_int(n_points, "n_points", min_value=2) * a.numel(), "n_points",
                 itemsize=a.element_size(), what="the points along the path")
    t = path_t(n_points, dtype=a.dtype, device=a.device).reshape(-1, *[1] * a.ndim)
    points = (1 - t) * a + t * b                     # (T, [B,] D)
    return _check_profile(_evaluate(loss_fn, points), "segment")


def bezier_curve(w_a, theta, w_b, t) -> torch.Tensor:
    r"""Points of the quadratic Bezier curve $\phi_\theta(t) = (1-t)^2 w_a + 2t(1-t)\,\theta + t^2 w_b$
    (Garipov et al. 2018, eq. 2); ``t`` 1-D, result ``(len(t), *w_a.shape)``."""
    a, b = _endpoints(w_a, w_b)
    th = as_tensor(theta, "theta", shape=tuple(a.shape), dtype=a.dtype, device=a.device)
    t = as_tensor(t, "t", ndim=1, dtype=a.dtype, device=a.device).reshape(-1, *[1] * a.ndim)
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * th + t ** 2 * b


@torch.no_grad()
def bezier_path(loss_fn: Callable, w_a, theta, w_b, n_points: int = 41) -> torch.Tensor:
    """Losses along the quadratic Bezier curve with control point ``theta`` (see :func:`bezier_curve`),
    at ``n_points`` equally spaced ``t``; same shapes as :func:`linear_path`."""
    check_callable(loss_fn, "loss_fn")
    a, _ = _endpoints(w_a, w_b)
    check_memory(2 * check_int(n_points, "n_points", min_value=2) * a.numel(), "n_points",
                 itemsize=a.element_size(), what="the points along the curve")
    t = path_t(n_points, dtype=a.dtype, device=a.device)
    return _check_profile(_evaluate(loss_fn, bezier_curve(w_a, theta, w_b, t)), "curve")


def fit_bezier(loss_fn: Callable, w_a, w_b, steps: int, lr: float, seed: int = 0, *, n_t: int = 4,
               perturb: float = 0.05) -> torch.Tensor:
    r"""Train the control point $\theta$ of a quadratic Bezier curve from ``w_a`` to ``w_b``.

    Minimises $\mathbb E_{t\sim U[0,1]}\,L(\phi_\theta(t))$ (Garipov et al. 2018, eq. 3) with Adam:
    each step draws ``n_t`` stratified ``t`` (one in each of ``n_t`` equal bins), so the gradient
    is $\frac1{n_t}\sum_t 2t(1-t)\,\nabla L(\phi_\theta(t))$. Losses with several parts are summed:
    the parts are independent, so every part's control point follows its own gradient.

    Starts from the midpoint plus a seeded perturbation of relative size ``perturb`` (times the
    root-mean-square of $w_b - w_a$): the midpoint alone makes the curve the straight segment,
    which can be a stationary point. ``steps = 0`` returns that untrained start (the control).
    Raises :class:`~course_lib.core.validate.Diverged` if the objective turns non-finite.
    """
    check_callable(loss_fn, "loss_fn")
    a, b = _endpoints(w_a, w_b)
    steps = check_steps(check_int(steps, "steps", min_value=0), "steps", what="fit_bezier")
    lr = check_positive(lr, "lr")
    n_t = check_int(n_t, "n_t", min_value=1)
    check_memory(4 * n_t * a.numel(), "n_t", itemsize=a.element_size(), what="the curve's points per step")
    perturb = check_in_range(perturb, "perturb", 0.0, 100.0)  # relative to the distance between the endpoints
    check_seed(seed)
    gen = generator(seed, a.device)
    scale = perturb * float((b - a).pow(2).mean().sqrt())
    noise = torch.randn(a.shape, generator=gen, device=a.device, dtype=a.dtype)
    theta = (0.5 * (a + b) + scale * noise).requires_grad_(True)
    if steps == 0:
        return theta.detach()
    batched = None
    opt = Adam([theta], lr=lr)
    bins = torch.arange(n_t, device=a.device, dtype=a.dtype)
    for k in range(steps):
        t = ((bins + torch.rand(n_t, generator=gen, device=a.device, dtype=a.dtype)) / n_t).reshape(
            -1, *[1] * a.ndim)
        phi = (1 - t) ** 2 * a + 2 * t * (1 - t) * theta + t ** 2 * b      # (n_t, [B,] D)
        if batched is None:  # decide once whether loss_fn takes a batch of points
            batched, _ = _accepts_batch(loss_fn, phi.detach())
        objective = _evaluate(loss_fn, phi, batched).sum() / n_t
        value = float(objective.detach())
        if k == 0:  # the blow-up check's scale: the untrained curve's objective (floored: a curve at the bottom)
            start = max(abs(value), 1e-3)
        if not math.isfinite(value) or value > 1e4 * start:
            raise Diverged(f"lr: the Bezier objective blew up at step {k} ({start:.3g} -> {value:.3g}, lr = {lr:g}); "
                           "lower lr")
        theta.grad = None
        objective.backward()
        opt.step()
    return theta.detach()


def path_barrier(profile) -> torch.Tensor:
    r"""Barrier of a loss profile ``(n_points, ...)`` sampled at equally spaced $t\in[0,1]$:
    $\max_t\,[L(t) - ((1-t)L(0) + tL(1))]$, the height above the chord between the endpoint
    losses (Entezari et al. 2022, Def. 1); 0 when the path never rises above that chord."""
    p = as_tensor(profile, "profile", min_size=2)
    if p.shape[0] < 2:
        raise ValueError(f"profile: expected at least 2 points along its first axis, got shape {tuple(p.shape)}")
    t = torch.linspace(0.0, 1.0, p.shape[0], dtype=p.dtype, device=p.device).reshape(-1, *[1] * (p.ndim - 1))
    chord = (1 - t) * p[:1] + t * p[-1:]
    return (p - chord).amax(0)


# ---------------------------------------------------------------------------------------
# deep linear networks (columns are samples: X (d_x, n), Y (d_y, n))
# ---------------------------------------------------------------------------------------
def _data(X, Y) -> tuple[torch.Tensor, torch.Tensor]:
    X = as_tensor(X, "X", ndim=2)
    Y = as_tensor(Y, "Y", ndim=2, dtype=X.dtype, device=X.device)
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"Y: expected {X.shape[1]} columns (one per sample, like X), got shape {tuple(Y.shape)}")
    return X, Y


def deep_linear_loss(weights, X, Y) -> torch.Tensor:
    r"""$\tfrac12\|Y - W_k\cdots W_1X\|_F^2$ for ``weights = [W_1, ..., W_k]``, each ``([B,] d_i, d_{i-1})``
    (a leading batch axis evaluates B networks at once); returns ``([B])``."""
    X, Y = _data(X, Y)
    if not isinstance(weights, (list, tuple)) or not weights:
        raise ValueError("weights: expected a non-empty list [W_1, ..., W_k]")
    out = X
    for i, W in enumerate(weights):
        if not isinstance(W, torch.Tensor) or W.ndim not in (2, 3) or W.shape[-1] != out.shape[-2]:
            got = tuple(W.shape) if isinstance(W, torch.Tensor) else type(W).__name__
            raise ValueError(f"weights: W_{i + 1} must have {out.shape[-2]} columns, got {got}")
        out = W @ out
    if out.shape[-2] != Y.shape[0]:
        raise ValueError(f"weights: the product has {out.shape[-2]} rows, Y has {Y.shape[0]}")
    return 0.5 * (Y - out).pow(2).sum((-2, -1))


def deep_linear_min_loss(X, Y, rank: int) -> torch.Tensor:
    r"""Global minimum of $\tfrac12\|Y - W_k\cdots W_1 X\|_F^2$ over products of rank $\le r$.

    Reduced-rank regression (Anderson 1951; Baldi & Hornik 1989; Kawaguchi 2016, Thm 2.3): with
    $\hat Y = Y X^+ X$ the least-squares fit, the minimum is
    $\tfrac12\big(\|Y - \hat Y\|_F^2 + \sum_{i>r}\sigma_i(\hat Y)^2\big)
    = \tfrac12\big(\|Y\|_F^2 - \sum_{i\le r}\lambda_i(\Sigma)\big)$,
    $\Sigma = YX^\top(XX^\top)^{-1}XY^\top$ (whose eigenvalues are the $\sigma_i(\hat Y)^2$).
    ``X`` ``(d_x, n)``, ``Y`` ``(d_y, n)``; ``rank`` = the narrowest layer's width.
    """
    X, Y = _data(X, Y)
    rank = check_int(rank, "rank", min_value=0)
    Y_hat = torch.linalg.lstsq(X.T, Y.T).solution.T @ X          # (d_y, n): Y projected on X's row space
    # sigma_i(Y_hat)^2 = eigenvalues of the small Gram matrix (d_y x d_y), largest first (eigvalsh is also
    # bit-reproducible here, where an SVD of the wide Y_hat was seen to vary in the last digit between runs)
    lam = torch.linalg.eigvalsh(Y_hat @ Y_hat.T).flip(0).clamp_min(0)
    return 0.5 * ((Y - Y_hat).pow(2).sum() + lam[rank:].sum())


def deep_linear_gd(X, Y, widths, n_starts: int, n_steps: int, lr: float, *, init_scale: float = 0.5,
                   seed: int = 0, device=None) -> TrainHistory:
    r"""Plain gradient descent on $\tfrac12\|Y - W_k\cdots W_1X\|_F^2$ from ``n_starts`` random starts at once.

    ``widths`` = the hidden widths ``[h_1, ..., h_{k-1}]`` (``[]`` is linear regression). Entries of
    $W_i$ start i.i.d. $N(0, \mathrm{init\_scale}^2/d_{i-1})$. Returns a
    :class:`~course_lib.core.history.TrainHistory` with ``loss`` ``(n_steps + 1, n_starts)`` and the
    final ``weights`` ``[(n_starts, d_i, d_{i-1})]``. Raises :class:`Diverged` if the loss blows up.
    """
    dev = get_device(device)
    X, Y = _data(X, Y)
    X, Y = X.detach().to(dev), Y.detach().to(dev)
    if not isinstance(widths, (list, tuple)):
        raise TypeError(f"widths: expected a list of hidden widths, got {type(widths).__name__}")
    dims = [X.shape[0]] + [check_int(h, "widths", min_value=1) for h in widths] + [Y.shape[0]]
    n_starts = check_int(n_starts, "n_starts", min_value=1)
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="deep_linear_gd")
    lr = check_positive(lr, "lr")
    init_scale = check_positive(init_scale, "init_scale")
    check_seed(seed)
    n_weights = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    check_memory(4 * n_starts * (n_weights + X.shape[1] * max(dims)) + n_starts * (n_steps + 1),
                 "n_steps" if n_steps > n_weights + X.shape[1] * max(dims) else
                 ("n_starts" if n_starts > max(dims) else "widths"), itemsize=X.element_size(),
                 what="the networks, activations and loss history")
    gen = generator(seed, dev)
    Ws = [(init_scale / math.sqrt(dims[i]) * torch.randn(n_starts, dims[i + 1], dims[i], generator=gen, device=dev,
                                                        dtype=X.dtype)).requires_grad_(True)
          for i in range(len(dims) - 1)]
    losses = torch.empty(n_steps + 1, n_starts, dtype=X.dtype, device=dev)
    for k in range(n_steps + 1):
        loss = deep_linear_loss(Ws, X, Y)
        losses[k] = loss.detach()
        if not bool(torch.isfinite(losses[k]).all()) or float(losses[k].max()) > 1e12:
            if k == 0:  # nothing has been stepped yet: the start itself is off the scale
                raise ValueError(f"init_scale: the loss at the random start is {float(losses[0].max()):.3g} "
                                 f"(init_scale = {init_scale:g} is too large)")
            raise Diverged(f"lr: gradient descent diverged at step {k} (lr = {lr:g}); lower lr")
        if k == n_steps:
            break
        grads = torch.autograd.grad(loss.sum(), Ws)
        with torch.no_grad():
            for W, g in zip(Ws, grads):
                W -= lr * g
    return TrainHistory("GD", losses, [W.detach() for W in Ws], [],
                        params=dict(widths=list(widths), lr=lr, n_steps=n_steps, init_scale=init_scale, seed=seed))


# ---------------------------------------------------------------------------------------
# the smallest level-set example: f(x) = a . w x fitted to (x, y) = (1, 1)
# ---------------------------------------------------------------------------------------
def toy_linear_loss(theta) -> torch.Tensor:
    r"""$\tfrac12(a\cdot w - 1)^2$: a linear network $x\mapsto a^\top w\,x$ of width $k$ fitted to the single
    pair $(x, y) = (1, 1)$. ``theta`` ``(..., 2k)`` = ``[a, w]``; returns ``(...)``."""
    th = _params(theta, "theta")
    if th.shape[-1] % 2:
        raise ValueError(f"theta: expected [a, w] with an even last dimension, got shape {tuple(th.shape)}")
    k = th.shape[-1] // 2
    return 0.5 * ((th[..., :k] * th[..., k:]).sum(-1) - 1) ** 2


def sublevel_components(values, level: float) -> int:
    r"""$N_\lambda$ on a grid: the number of connected components of $\{\text{values} \le \lambda\}$, grid
    points being neighbours when they differ by at most one step in every coordinate (scipy.ndimage)."""
    from scipy import ndimage  # ~0.1 s, only here

    v = as_tensor(values, "values").detach()
    level = float(as_tensor(level, "level", ndim=0))
    structure = ndimage.generate_binary_structure(v.ndim, v.ndim)
    return int(ndimage.label((v <= level).cpu().numpy(), structure=structure)[1])


# ---------------------------------------------------------------------------------------
# one-hidden-layer ReLU networks of several widths, packed in one flat vector
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReluEnsemble:
    r"""$N$ one-hidden-layer ReLU networks $f_j(x) = \sum_{i\in j} a_i\,\mathrm{relu}(w_i^\top x + b_i) + c_j$ of
    widths ``widths``, all in ONE flat vector laid out ``[W (U, d_in) | b (U) | a (U) | c (N)]``,
    $U = \sum_j m_j$ hidden units. A width-$m$ network costs $m$ units, so many widths train and
    are evaluated in one tensor program; :meth:`loss` returns one loss per network."""

    widths: tuple[int, ...]
    d_in: int

    def __post_init__(self):
        if not isinstance(self.widths, tuple) or not self.widths:
            raise ValueError(f"widths: expected a non-empty tuple of ints, got {self.widths!r}")
        for m in self.widths:
            check_int(m, "widths", min_value=1)
        check_int(self.d_in, "d_in", min_value=1)
        check_memory(sum(self.widths) * (self.d_in + 2), "widths" if sum(self.widths) > self.d_in else "d_in",
                     what="one flat parameter vector")

    @property
    def n_nets(self) -> int:
        return len(self.widths)

    @property
    def n_units(self) -> int:
        return sum(self.widths)

    @property
    def dim(self) -> int:
        return self.n_units * (self.d_in + 2) + self.n_nets

    def unit_net(self, device=None) -> torch.Tensor:
        """``(U,)``: the network each hidden unit belongs to."""
        return torch.repeat_interleave(torch.arange(self.n_nets, device=device),
                                       torch.tensor(self.widths, device=device))

    def coord_net(self, device=None) -> torch.Tensor:
        """``(D,)``: the network each coordinate of the flat vector belongs to."""
        u = self.unit_net(device)
        return torch.cat([u.repeat_interleave(self.d_in), u, u, torch.arange(self.n_nets, device=device)])

    def _flat(self, V, name: str = "theta") -> torch.Tensor:
        V = _params(V, name)
        if V.shape[-1] != self.dim:
            raise ValueError(f"{name}: expected a last dimension of {self.dim} (the ensemble's parameters), "
                             f"got shape {tuple(V.shape)}")
        return V

    def unpack(self, V) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(W (..., U, d_in), b (..., U), a (..., U), c (..., N))`` as views of ``V`` ``(..., D)``."""
        V = self._flat(V)
        U, d = self.n_units, self.d_in
        return (V[..., :U * d].unflatten(-1, (U, d)), V[..., U * d:U * (d + 1)], V[..., U * (d + 1):U * (d + 2)],
                V[..., U * (d + 2):])

    def pack(self, W, b, a, c) -> torch.Tensor:
        """Inverse of :meth:`unpack`."""
        return torch.cat([W.flatten(-2), b, a, c], -1)

    def forward(self, V, X) -> torch.Tensor:
        """Outputs ``(..., N, n)`` of every network on the inputs ``X`` ``(n, d_in)``."""
        W, b, a, c = self.unpack(V)
        X = as_tensor(X, "X", shape=(None, self.d_in), dtype=W.dtype, device=W.device)
        H = torch.relu(W @ X.T + b[..., None])                                    # (..., U, n)
        out = torch.zeros(*W.shape[:-2], self.n_nets, X.shape[0], dtype=W.dtype, device=W.device)  # (..., N, n)
        return out.index_add_(-2, self.unit_net(W.device), a[..., None] * H) + c[..., None]

    def loss(self, V, X, y) -> torch.Tensor:
        """Mean squared error of every network, ``(..., N)``, on ``(X, y)``."""
        out = self.forward(V, X)
        y = as_tensor(y, "y", shape=(out.shape[-1],), dtype=out.dtype, device=out.device)
        return (out - y).pow(2).mean(-1)

    def init(self, n_copies: int, seed: int = 0, *, dtype=torch.float32, device=None) -> torch.Tensor:
        r"""``(n_copies, D)`` independent initialisations: $w_i \sim N(0, I/d_{in})$, $b_i \sim N(0, 0.1^2)$,
        $a_i \sim N(0, 1/m_j)$ (fan-in), $c_j = 0$."""
        n_copies = check_int(n_copies, "n_copies", min_value=1)
        check_float_dtype(dtype)
        check_memory(2 * n_copies * self.dim, "n_copies", itemsize=dtype.itemsize, what="the initialisations")
        dev = get_device(device)
        gen = generator(seed, dev)
        U, d = self.n_units, self.d_in
        fan = torch.tensor(self.widths, dtype=dtype, device=dev)[self.unit_net(dev)]
        W = torch.randn(n_copies, U, d, generator=gen, device=dev, dtype=dtype) / math.sqrt(d)
        b = 0.1 * torch.randn(n_copies, U, generator=gen, device=dev, dtype=dtype)
        a = torch.randn(n_copies, U, generator=gen, device=dev, dtype=dtype) / fan.sqrt()
        return self.pack(W, b, a, torch.zeros(n_copies, self.n_nets, device=dev, dtype=dtype))

    def subnet(self, V, j: int) -> tuple["ReluEnsemble", torch.Tensor]:
        """Network ``j`` alone: ``(ReluEnsemble((m_j,), d_in), its flat vector (..., D_j))``."""
        j = check_int(j, "j", min_value=0, max_value=self.n_nets - 1)
        W, b, a, c = self.unpack(V)
        start = sum(self.widths[:j])
        sl = slice(start, start + self.widths[j])
        single = ReluEnsemble((self.widths[j],), self.d_in)
        return single, single.pack(W[..., sl, :], b[..., sl], a[..., sl], c[..., j:j + 1])

    # -- symmetries: F(g theta) = F(theta) ------------------------------------------------
    def random_permutation(self, seed: int = 0, device=None) -> torch.Tensor:
        """``(U,)``: a random permutation of each network's hidden units among themselves."""
        gen = generator(seed, torch.device("cpu"))
        starts = [0]
        for m in self.widths:
            starts.append(starts[-1] + m)
        perm = torch.cat([s + torch.randperm(m, generator=gen) for s, m in zip(starts, self.widths)])
        return perm.to(get_device(device))

    def permute_units(self, V, perm) -> torch.Tensor:
        """Reorder the hidden units by ``perm`` ``(U,)`` (each network's units among themselves)."""
        W, b, a, c = self.unpack(V)
        perm = torch.as_tensor(perm, device=W.device)
        if perm.shape != (self.n_units,) or not bool((self.unit_net(W.device)[perm] == self.unit_net(W.device)).all()):
            raise ValueError("perm: expected a permutation of the hidden units that keeps each unit in its network")
        return self.pack(W[..., perm, :], b[..., perm], a[..., perm], c)

    def scale_units(self, V, s) -> torch.Tensor:
        r"""$(w_i, b_i, a_i) \to (s_i w_i, s_i b_i, a_i / s_i)$: a symmetry for $s_i > 0$ (relu is positively
        homogeneous), not for $s_i < 0$."""
        W, b, a, c = self.unpack(V)
        s = as_tensor(s, "s", shape=(self.n_units,), dtype=W.dtype, device=W.device)
        if bool((s == 0).any()):
            raise ValueError("s: scales must be nonzero")
        return self.pack(W * s[:, None], b * s, a / s, c)

    def mix_units(self, V, Q) -> torch.Tensor:
        r"""$(W, b, a) \to (QW, Qb, Q^{-\top}a)$ with ``Q`` ``(U, U)`` block diagonal over the networks: the
        $GL$ symmetry of a *linear* hidden layer, which relu breaks unless Q is a positive scaled permutation."""
        W, b, a, c = self.unpack(V)
        Q = as_tensor(Q, "Q", shape=(self.n_units, self.n_units), dtype=W.dtype, device=W.device)
        u = self.unit_net(W.device)
        if bool((Q[u[:, None] != u[None, :]] != 0).any()):
            raise ValueError("Q: must be block diagonal (no mixing of units of different networks)")
        a_new = torch.linalg.solve(Q.T, a.unsqueeze(-1)).squeeze(-1)
        return self.pack(Q @ W, (Q @ b.unsqueeze(-1)).squeeze(-1), a_new, c)


def train_to_level(ensemble: ReluEnsemble, theta0, X, y, level: float, max_steps: int, lr: float):
    r"""Adam on every network of ``theta0`` ``(S, D)`` at once, each snapshotted the first time its
    training loss reaches ``level`` ("train every width to a common loss", so barriers compare
    like with like). Returns ``(theta, history)``: ``theta`` ``(S, D)`` holds each network at its
    snapshot (its last state if it never got there); ``history`` a :class:`TrainHistory` with
    ``loss`` ``(steps + 1, S, N)`` and records ``reached`` ``(S, N)`` and ``reached_at`` (step, -1 = never).
    """
    if not isinstance(ensemble, ReluEnsemble):
        raise TypeError(f"ensemble: expected a ReluEnsemble, got {type(ensemble).__name__}")
    V = ensemble._flat(theta0, "theta0")
    if V.ndim != 2:
        raise ValueError(f"theta0: expected shape (S, {ensemble.dim}), got {tuple(V.shape)}")
    V = as_tensor(V, "theta0").detach()  # finite starting points (a NaN start is not a step size's fault)
    level = check_positive(level, "level")
    max_steps = check_steps(check_int(max_steps, "max_steps", min_value=1), "max_steps", what="train_to_level")
    check_memory(V.shape[0] * ensemble.n_nets * (max_steps + 1), "max_steps", itemsize=V.element_size(),
                 what="the loss history")
    lr = check_positive(lr, "lr")
    coord = ensemble.coord_net(V.device)
    keep = V.clone()
    reached = torch.zeros(V.shape[0], ensemble.n_nets, dtype=torch.bool, device=V.device)
    reached_at = torch.full_like(reached, -1, dtype=torch.long)
    V = V.clone().requires_grad_(True)
    opt = Adam([V], lr=lr)
    losses = []
    for k in range(max_steps + 1):
        L = ensemble.loss(V, X, y)                                                   # (S, N)
        losses.append(L.detach())
        if k == 0:  # the blow-up check's scale: the loss at the start
            scale = L.detach().clamp(min=1e-3)
        if not bool(torch.isfinite(L).all()) or bool((L.detach() > 1e4 * scale).any()):
            raise Diverged(f"lr: training diverged at step {k} (loss up to {float(L.detach().max()):.3g} from "
                           f"{float(scale.max()):.3g}; lr = {lr:g}); lower lr")
        new = (L.detach() <= level) & ~reached
        if bool(new.any()):
            keep = torch.where(new[:, coord], V.detach(), keep)
            reached_at[new] = k
            reached |= new
        if bool(reached.all()) or k == max_steps:
            break
        V.grad = None
        L.sum().backward()
        opt.step()
    keep = torch.where(reached[:, coord], keep, V.detach())
    hist = TrainHistory("Adam", torch.stack(losses), [], [], records={"reached": reached, "reached_at": reached_at},
                        params=dict(level=level, lr=lr, max_steps=max_steps, widths=ensemble.widths))
    return keep, hist
