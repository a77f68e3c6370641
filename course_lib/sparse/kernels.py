"""Kernels of lecture 04: soft thresholding, ISTA/FISTA, layered thresholding.

Pure, batched tensor functions with their argument checks, and the random problems the experiments
draw (dictionaries, sparse codes).

Papers: Beck & Teboulle 2009 (ISTA/FISTA); Donoho & Tanner 2009 (phase transition);
Amelunxen, Lotz, McCoy & Tropp 2014 (statistical dimension of the l1 descent cone);
Donoho & Elad 2003, Tropp 2004 (mutual coherence); Pati et al. 1993 (OMP);
Papyan, Romano & Elad 2017 (multi-layer convolutional sparse coding).

Shapes: a dictionary ``D`` is ``(m, n_atoms)``; signals ``y`` are ``(m,)`` or ``(m, batch)``
(one signal per column) and codes come back as ``(n_atoms,)`` or ``(n_atoms, batch)``.

Built on the checks and objectives here: :mod:`course_lib.sparse.solver` (the fast certified Lasso solver)
and :mod:`course_lib.sparse.recovery` (basis pursuit, OMP, coherence and the l1 phase transition).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_bool,
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
    "soft_threshold",
    "nonneg_soft_threshold",
    "lasso_objective",
    "lasso_duality_gap",
    "ista",
    "fista",
    "layered_thresholding",
    "relu_network",
    "gaussian_dictionary",
    "spectral_dictionary",
    "uniform_spectrum_problem",
    "sparse_codes",
    "two_layer_dictionaries",
]


# ----------------------------------------------------------------------------- thresholds
def _beta(beta, z: torch.Tensor) -> torch.Tensor | float:
    """beta as a float, or a tensor (>= 0) that broadcasts against ``z``."""
    if isinstance(beta, (torch.Tensor, np.ndarray, list, tuple)):
        b = as_tensor(beta, "beta", dtype=z.dtype, device=z.device)
        if bool((b < 0).any()):
            raise ValueError("beta: must be >= 0")
        try:
            np.broadcast_shapes(tuple(b.shape), tuple(z.shape))  # (torch.broadcast_shapes costs ~1 s on first use)
        except ValueError as err:
            raise ValueError(f"beta: shape {tuple(b.shape)} does not broadcast to {tuple(z.shape)}") from err
        return b
    return check_positive(beta, "beta", allow_zero=True)


def soft_threshold(z, beta) -> torch.Tensor:
    r"""$S_\beta(z) = \mathrm{sign}(z)\max(|z|-\beta, 0) = \arg\min_x \tfrac12(x-z)^2 + \beta|x|$,
    the proximal operator of $\beta\|\cdot\|_1$ (elementwise; ``beta`` may broadcast)."""
    z = as_tensor(z, "z", min_size=0)
    b = _beta(beta, z)
    return torch.sign(z) * torch.clamp(z.abs() - b, min=0)


def nonneg_soft_threshold(z, beta) -> torch.Tensor:
    r"""$S^+_\beta(z) = \max(z-\beta, 0) = \mathrm{ReLU}(z-\beta)$: the prox of
    $\beta\|x\|_1 + \iota_{x\ge0}$ (Papyan et al. 2017)."""
    z = as_tensor(z, "z", min_size=0)
    b = _beta(beta, z)
    return torch.clamp(z - b, min=0)


# ----------------------------------------------------------------------------- validation helpers
def _dictionary(D, name: str = "D", *, batched: bool = False, device=None, dtype=None) -> torch.Tensor:
    """A finite dictionary ``(m, n)`` (or ``(batch, m, n)``) with no zero column."""
    D = as_tensor(D, name, ndim=(2, 3) if batched else 2, device=device, dtype=dtype)
    # squared norms are a fast column reduction (D.norm(dim=-2) is a slow strided one); a zero among them may be
    # an underflow, so the exact test (no nonzero entry) decides
    if bool(((D * D).sum(-2) == 0).any()) and bool((zero := ~(D != 0).any(-2)).any()):
        j = int(torch.nonzero(zero)[0, -1])
        raise ValueError(f"{name}: column {j} is zero (every atom needs a nonzero norm)")
    return D


def _signals(y, D: torch.Tensor, name: str = "y") -> tuple[torch.Tensor, bool]:
    """``y`` as ``(m, batch)`` on D's device and dtype; also whether it was one signal."""
    y = as_tensor(y, name, ndim=(1, 2), dtype=D.dtype, device=D.device)
    m = D.shape[-2]
    if y.shape[0] != m:
        raise ValueError(f"{name}: expected {m} rows to match D of shape {tuple(D.shape)}, got {tuple(y.shape)}")
    single = y.ndim == 1
    y = y[:, None] if single else y
    if D.ndim == 3 and D.shape[0] != y.shape[1]:
        raise ValueError(f"{name}: {y.shape[1]} signals but {D.shape[0]} dictionaries in D")
    return y, single


def _lipschitz(D: torch.Tensor, L) -> float:
    if L is None:
        return float(torch.linalg.matrix_norm(D.detach(), ord=2)) ** 2
    return check_positive(L, "L")


# ----------------------------------------------------------------------------- Lasso: ISTA / FISTA
def _lasso_args(D, y, x, beta):
    """Validated (D, y as columns, x as columns, beta per column, whether y was one signal)."""
    D = _dictionary(D)
    y, single = _signals(y, D)
    x = as_tensor(x, "x", ndim=(1, 2), dtype=D.dtype, device=D.device)
    x = x[:, None] if x.ndim == 1 else x
    if x.shape != (D.shape[1], y.shape[1]):
        raise ValueError(f"x: expected shape {(D.shape[1], y.shape[1])}, got {tuple(x.shape)}")
    b = per_batch(beta, "beta", size=y.shape[1], allow_zero=True, dtype=D.dtype, device=D.device)[0][None, :]
    return D, y, x, b, single


def lasso_objective(D, y, x, beta) -> torch.Tensor:
    r"""$F(x) = \tfrac12\|y - Dx\|_2^2 + \beta\|x\|_1$ per signal (Beck & Teboulle 2009, eq. 1.3).

    scikit-learn's ``Lasso(alpha)`` minimises $F/m$ with $\beta = m\,\alpha$."""
    D, y, x, b, single = _lasso_args(D, y, x, beta)
    F = _objective(D, y, x, b)
    return F[0] if single else F


def _objective(D, y, x, b) -> torch.Tensor:
    return 0.5 * ((y - D @ x) ** 2).sum(0) + b[0] * x.abs().sum(0)


def lasso_duality_gap(D, y, x, beta) -> torch.Tensor:
    r"""A certified bound $F(x) - F^\star \le F(x) - G(\theta)$ for the Lasso.

    Dual: $G(\theta) = \tfrac12\|y\|^2 - \tfrac12\|y-\theta\|^2$ over $\|D^\top\theta\|_\infty \le \beta$;
    $\theta$ is the residual $y - Dx$ scaled into the dual feasible set (El Ghaoui et al. 2012)."""
    D, y, x, b, single = _lasso_args(D, y, x, beta)
    gap = _gap(D, y, x, b)
    return gap[0] if single else gap


def _gap(D, y, x, b) -> torch.Tensor:
    r = y - D @ x
    corr = (D.T @ r).abs().amax(0)
    scale = torch.where(corr > b[0], b[0] / corr.clamp_min(torch.finfo(D.dtype).tiny), torch.ones_like(corr))
    theta = r * scale
    G = 0.5 * (y**2).sum(0) - 0.5 * ((y - theta) ** 2).sum(0)
    return (_objective(D, y, x, b) - G).clamp_min(0)


def _lasso_solver(D, y, beta, n_iter, *, accelerated, L, x0, nonneg, history, tol, device, restart=False):
    """Check the arguments of :func:`ista` / :func:`fista`, run :func:`_proximal_gradient`, shape the result."""
    dev = get_device(device) if device is not None else None
    D = _dictionary(D, device=dev)
    y, single = _signals(y, D)
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=0), "n_iter", what="this solve")
    nonneg, history = check_bool(nonneg, "nonneg"), check_bool(history, "history")
    b = per_batch(beta, "beta", size=y.shape[1], allow_zero=True, dtype=D.dtype, device=D.device)[0][None, :]
    L = _lipschitz(D, L)
    if tol is not None:
        tol = check_positive(tol, "tol")
        if nonneg:
            raise ValueError("tol: the duality-gap stopping rule is for the signed Lasso (nonneg=False)")
    n = D.shape[1]
    if x0 is None:
        x = torch.zeros(n, y.shape[1], dtype=D.dtype, device=D.device)
    else:
        x = as_tensor(x0, "x0", ndim=(1, 2), dtype=D.dtype, device=D.device)
        if x.shape[0] != n:
            raise ValueError(f"x0: expected {n} rows (one per atom), got shape {tuple(x.shape)}")
        x = x[:, None].expand(n, y.shape[1]).clone() if x.ndim == 1 else x.clone()
        if x.shape != (n, y.shape[1]):
            raise ValueError(f"x0: expected shape {(n, y.shape[1])}, got {tuple(x.shape)}")
    target = tol * (y**2).sum(0) if tol is not None else None  # sklearn's rule: gap <= tol * ||y||^2
    x, F = _proximal_gradient(D, y, x, b, L, n_iter, accelerated=accelerated, nonneg=nonneg, history=history,
                              target=target, restart=check_bool(restart, "restart"))
    if not bool(torch.isfinite(x).all()):
        raise Diverged(f"L: the iterates blew up with step 1/L = {1 / L:.3g}; L must be >= ||D||_2^2")
    out = x[:, 0] if single else x
    if history:
        Fh = torch.stack(F)
        return out, (Fh[:, 0] if single else Fh)
    return out


def _proximal_gradient(D, y, x, b, L, n_iter, *, accelerated, nonneg, history, target, restart=False):
    r"""The ISTA / FISTA loop on checked tensors: ``D`` (m, n), ``y`` (m, B), start ``x`` (n, B),
    ``b`` (1, B) one $\beta$ per signal, step $1/L$.  Returns the last iterate and, with ``history``,
    the list of objectives $F(x_0), F(x_1), \dots$  ``target`` (B,): stop once every duality gap is below it.
    ``restart``: FISTA's adaptive restart, signal by signal (O'Donoghue & Candès 2015, gradient scheme)."""
    if nonneg:  # S+_t(v) = ReLU(v - t)
        prox = lambda v, t: torch.clamp(v - t, min=0)  # noqa: E731
    else:  # S_t(v) = sign(v) max(|v| - t, 0)
        prox = lambda v, t: torch.sign(v) * torch.clamp(v.abs() - t, min=0)  # noqa: E731
    DtD, Dty, thr = D.T @ D, D.T @ y, b / L
    F = [_objective(D, y, x, b)] if history else None
    F0 = F[0] if history else _objective(D, y, x, b)  # the blow-up check's reference (issue 17)
    z, t = x, torch.ones_like(b)  # t_k, one per signal (a restart resets it)
    for k in range(n_iter):
        x_new = prox(z - (DtD @ z - Dty) / L, thr)  # gradient step on ½‖y − Dz‖², then the prox of (β/L)‖·‖₁
        if accelerated:  # Beck & Teboulle 2009, eq. (4.1)-(4.3)
            t_new = 0.5 * (1.0 + torch.sqrt(1.0 + 4.0 * t * t))
            momentum = (t - 1.0) / t_new
            if restart:  # the momentum points uphill: drop it, t back to 1 (O'Donoghue & Candès 2015)
                uphill = ((z - x_new) * (x_new - x)).sum(0, keepdim=True) > 0
                t_new, momentum = torch.where(uphill, 1.0, t_new), torch.where(uphill, 0.0, momentum)
            z = x_new + momentum * (x_new - x)
            t = t_new
        else:  # ISTA, eq. (3.1)
            z = x_new
        x = x_new
        if history:
            F.append(_objective(D, y, x, b))
        if k % 10 == 9:  # with L >= ||D||^2 the objective never grows a millionfold: that is a step too large
            Fk = F[-1] if history else _objective(D, y, x, b)
            if not bool(torch.isfinite(Fk).all()) or bool((Fk > 1e6 * F0).any()):
                raise Diverged(f"L: the objective grew from {float(F0.max()):.3g} to {float(Fk.max()):.3g} by "
                               f"iteration {k + 1} with step 1/L = {1 / L:.3g}; L must be >= ||D||_2^2")
        if target is not None and k % 10 == 9 and bool((_gap(D, y, x, b) <= target).all()):
            break
    return x, F


def ista(D, y, beta, n_iter, *, L=None, x0=None, nonneg=False, history=False, tol=None, device=None):
    r"""ISTA for $\min_x \tfrac12\|y-Dx\|^2 + \beta\|x\|_1$: $x \leftarrow S_{\beta/L}(x + D^\top(y-Dx)/L)$
    with $L = \|D\|_2^2$ (Beck & Teboulle 2009, eq. 3.1; gap $\le L\|x_0-x^\star\|^2/(2k)$, Thm 3.1).

    ``D`` (m, n_atoms); ``y`` (m,) or (m, batch); ``beta`` a scalar or one value per signal.
    ``nonneg=True`` uses $S^+$ (codes $\ge 0$).  ``history=True`` also returns the objective
    after each iteration, shape (n_iter + 1,) or (n_iter + 1, batch).  ``tol``: stop early once
    every certified duality gap is $\le$ ``tol`` $\|y\|^2$ (scikit-learn's rule), checked every 10 steps; the
    history's length is then the number of iterations used, plus one."""
    return _lasso_solver(D, y, beta, n_iter, accelerated=False, L=L, x0=x0, nonneg=nonneg, history=history, tol=tol,
                         device=device)


def fista(D, y, beta, n_iter, *, L=None, x0=None, nonneg=False, history=False, tol=None, restart=False,
          device=None):
    r"""FISTA: ISTA with Nesterov momentum (Beck & Teboulle 2009, eqs. 4.1-4.3), objective gap
    $\le 2L\|x_0-x^\star\|^2/(k+1)^2$ (Thm 4.4).  Same arguments and returns as :func:`ista`;
    ``restart=True`` drops a signal's momentum whenever $(z_k - x_{k+1})^\top(x_{k+1} - x_k) > 0$
    (adaptive restart, O'Donoghue & Candès 2015)."""
    return _lasso_solver(D, y, beta, n_iter, accelerated=True, L=L, x0=x0, nonneg=nonneg, history=history, tol=tol,
                         device=device, restart=restart)


# ----------------------------------------------------------------------------- layered thresholding = ReLU net
def layered_thresholding(x, dictionaries: Sequence, betas: Sequence, nonneg: bool = True) -> list[torch.Tensor]:
    r"""$\hat\Gamma_1 = S^{(+)}_{\beta_1}(D_1^\top x)$, $\hat\Gamma_i = S^{(+)}_{\beta_i}(D_i^\top\hat\Gamma_{i-1})$
    (Papyan, Romano & Elad 2017, eq. 8).  With ``nonneg=True`` this *is* the forward pass
    $\mathrm{ReLU}(W_i\,\cdot + b_i)$ with $W_i = D_i^\top$, $b_i = -\beta_i$.

    ``x`` (m,) or (m, batch); ``dictionaries`` $D_1$ (m, n_1), $D_2$ (n_1, n_2), ...; each
    ``betas[i]`` is a scalar, one value per atom ((n_i,) or (n_i, 1)), or anything that broadcasts
    against the code (n_i, batch), e.g. (1, batch) per signal.  Returns the codes, one per layer."""
    if not isinstance(dictionaries, (list, tuple)) or len(dictionaries) == 0:
        raise TypeError("dictionaries: expected a non-empty list of matrices")
    if not isinstance(betas, (list, tuple)) or len(betas) != len(dictionaries):
        raise ValueError(f"betas: expected a list of {len(dictionaries)} thresholds, one per dictionary")
    if not isinstance(nonneg, bool):
        raise TypeError("nonneg: expected a bool")
    Ds = [_dictionary(D, f"dictionaries[{i}]") for i, D in enumerate(dictionaries)]
    Ds = [D.to(dtype=Ds[0].dtype, device=Ds[0].device) for D in Ds]
    for i in range(1, len(Ds)):
        if Ds[i].shape[0] != Ds[i - 1].shape[1]:
            raise ValueError(
                f"dictionaries[{i}]: has {Ds[i].shape[0]} rows but the previous layer has {Ds[i - 1].shape[1]} atoms"
            )
    code, single = _signals(x, Ds[0], "x")
    step = nonneg_soft_threshold if nonneg else soft_threshold
    codes = []
    for i, (D, beta) in enumerate(zip(Ds, betas)):
        z = D.T @ code
        if isinstance(beta, (torch.Tensor, np.ndarray, list, tuple)) and np.ndim(beta) == 1 and len(beta) == D.shape[1]:
            beta = as_tensor(beta, f"betas[{i}]")[:, None]  # one threshold per atom
        try:
            code = step(z, beta)
        except (TypeError, ValueError) as err:
            raise type(err)(f"betas[{i}]: {err}") from err
        codes.append(code[:, 0] if single else code)
    return codes


def relu_network(dictionaries: Sequence, betas: Sequence) -> torch.nn.Sequential:
    """The ReLU network ``Linear(W_i = D_i^T, b_i = -beta_i) -> ReLU`` per layer (rows are signals)."""
    if not isinstance(dictionaries, (list, tuple)) or len(dictionaries) == 0:
        raise TypeError("dictionaries: expected a non-empty list of matrices")
    if not isinstance(betas, (list, tuple)) or len(betas) != len(dictionaries):
        raise ValueError(f"betas: expected a list of {len(dictionaries)} thresholds, one per dictionary")
    layers, prev = [], None
    for i, (D, beta) in enumerate(zip(dictionaries, betas)):
        D = _dictionary(D, f"dictionaries[{i}]")
        if prev is not None and D.shape[0] != prev:
            raise ValueError(f"dictionaries[{i}]: has {D.shape[0]} rows but the previous layer has {prev} atoms "
                             "(the layers must chain: D_i is (n_(i-1), n_i))")
        n = prev = D.shape[1]
        b = as_tensor(beta, f"betas[{i}]", dtype=D.dtype).flatten()
        if b.numel() not in (1, n) or bool((b < 0).any()):
            raise ValueError(f"betas[{i}]: expected a scalar >= 0 or {n} values >= 0 (one per atom)")
        lin = torch.nn.Linear(D.shape[0], n, dtype=D.dtype, device=D.device)
        with torch.no_grad():
            lin.weight.copy_(D.T)
            lin.bias.copy_(-b.expand(n))
        layers += [lin, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers)


# ----------------------------------------------------------------------------- random problems
def gaussian_dictionary(m: int, n: int, batch: int | None = None, *, seed: int = 0, device=None, dtype=torch.float64):
    """Gaussian dictionary with unit-norm columns, (m, n), or a stack (batch, m, n)."""
    m = check_int(m, "m", min_value=1)
    n = check_int(n, "n", min_value=1)
    check_float_dtype(dtype)
    check_seed(seed)
    shape = (m, n) if batch is None else (check_int(batch, "batch", min_value=1), m, n)
    sizes = {"m": m, "n": n, "batch": 1 if batch is None else shape[0]}
    check_memory(2 * math.prod(shape), max(sizes, key=sizes.get), itemsize=dtype.itemsize, what="the dictionary")
    dev = get_device(device)
    g = generator(seed, dev)
    D = torch.randn(shape, generator=g, device=dev, dtype=dtype)
    return D / D.norm(dim=-2, keepdim=True)


def spectral_dictionary(m: int, n: int, decay: float = 0.5, *, seed: int = 0, device=None,
                        dtype=torch.float64) -> torch.Tensor:
    r"""$D = U\,\mathrm{diag}(j^{-\text{decay}})\,V^\top$ (m, n) with random orthonormal $U, V$: singular
    values $1, 2^{-p}, \dots, m^{-p}$, so $\|D\|_2 = 1$ and many directions are nearly flat -- the regime
    where ISTA/FISTA show their worst-case $O(1/k)$ / $O(1/k^2)$ behaviour (Beck & Teboulle 2009, sec. 5)."""
    m = check_int(m, "m", min_value=1)
    n = check_int(n, "n", min_value=1)
    if n < m:
        raise ValueError(f"n: must be >= m = {m} (a wide dictionary), got {n}")
    decay = check_positive(decay, "decay", allow_zero=True)
    check_float_dtype(dtype)
    check_seed(seed)
    check_memory(3 * m * (m + n), "n", itemsize=dtype.itemsize, what="the dictionary's factors")
    dev = get_device(device)
    g = generator(seed, dev)
    U, _ = torch.linalg.qr(torch.randn(m, m, generator=g, device=dev, dtype=dtype))
    V, _ = torch.linalg.qr(torch.randn(n, m, generator=g, device=dev, dtype=dtype))
    sv = torch.arange(1, m + 1, device=dev, dtype=dtype) ** (-decay)
    return (U * sv) @ V.T


def uniform_spectrum_problem(n: int = 200, lam_min: float = 1e-6, *, seed: int = 0, device=None,
                             dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""A least-squares problem ($\beta = 0$) on which ISTA's $O(1/k)$ and FISTA's $O(1/k^2)$ are tight.

    $D = U\,\mathrm{diag}(\sqrt{\lambda_j})\,V^\top$ (n, n) with random orthonormal $U, V$ and
    eigenvalues $\lambda_j$ of $D^\top D$ log-spaced in [``lam_min``, 1] ($L = 1$); the solution
    $x^\star = V c$ has $\lambda_j c_j^2 = w_j$, the quadrature weights of the uniform measure on
    $(0, 1]$.  So from $x_0 = 0$ the error's spectral measure is uniform: gradient descent (ISTA) has
    gap $\tfrac12\int_0^1 (1-\lambda)^{2k}d\lambda = 1/(2(2k+1))$, and Nesterov's method (FISTA)
    approaches $2/k^2$ (Su, Boyd & Candes 2016, ODE limit), for $k \ll \lambda_{\min}^{-1/2}$.
    Returns ``D``, ``x_star`` (n,) and ``y = D x_star`` ($F^\star = 0$, $F(0) = 1/2$)."""
    n = check_int(n, "n", min_value=2)
    lam_min = check_in_range(lam_min, "lam_min", 0.0, 1.0, closed=False)
    check_float_dtype(dtype)
    check_seed(seed)
    check_memory(5 * n * n, "n", itemsize=dtype.itemsize, what="the problem's orthogonal factors")
    dev = get_device(device)
    g = generator(seed, dev)
    lam = np.geomspace(lam_min, 1.0, n)
    edges = np.concatenate([[0.0], np.sqrt(lam[1:] * lam[:-1]), [1.0]])
    c = np.sqrt(np.diff(edges) / lam)  # lam * c^2 = the width of each eigenvalue's cell in (0, 1]
    U, _ = torch.linalg.qr(torch.randn(n, n, generator=g, device=dev, dtype=dtype))
    V, _ = torch.linalg.qr(torch.randn(n, n, generator=g, device=dev, dtype=dtype))
    D = (U * torch.as_tensor(np.sqrt(lam), device=dev, dtype=dtype)) @ V.T
    signs = torch.sign(torch.randn(n, generator=g, device=dev, dtype=dtype))
    x_star = V @ (torch.as_tensor(c, device=dev, dtype=dtype) * signs)
    return D, x_star, D @ x_star


def sparse_codes(n: int, sparsity, *, seed: int = 0, amplitudes: str = "gaussian", device=None, dtype=torch.float64):
    """Codes (n, batch) with ``sparsity[b]`` nonzeros on a uniformly random support.

    ``amplitudes``: ``"gaussian"`` (N(0,1)), ``"sign"`` (+-1) or ``"positive"`` (|N(0,1)|)."""
    n = check_int(n, "n", min_value=1)
    arr = np.atleast_1d(np.asarray(sparsity.detach().cpu() if isinstance(sparsity, torch.Tensor) else sparsity,
                                   dtype=object if isinstance(sparsity, (list, tuple)) else None))
    if arr.dtype == object and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in arr.flat):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim != 1 or arr.size == 0:
        raise TypeError(f"sparsity: expected an int or a non-empty 1-D array of ints, got {sparsity!r:.80}")
    s = torch.as_tensor(arr)
    if bool((s < 0).any()) or bool((s > n).any()):
        raise ValueError(f"sparsity: values must lie in [0, {n}]")
    if amplitudes not in ("gaussian", "sign", "positive"):
        raise ValueError(f"amplitudes: expected 'gaussian', 'sign' or 'positive', got {amplitudes!r}")
    check_float_dtype(dtype)
    check_seed(seed)
    check_memory(4 * s.shape[0] * n, "n" if n >= s.shape[0] else "sparsity", what="the codes")
    dev = get_device(device)
    g = generator(seed, dev)
    B = s.shape[0]
    rank = torch.rand(B, n, generator=g, device=dev).argsort(1).argsort(1)
    mask = rank < s.to(dev)[:, None]
    vals = torch.randn(B, n, generator=g, device=dev, dtype=dtype)
    if amplitudes == "sign":
        vals = torch.sign(vals)
    elif amplitudes == "positive":
        vals = vals.abs()
    return (vals * mask).T.contiguous()


def two_layer_dictionaries(m: int = 64, *, device=None, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    r"""$D_1 = [I, H/\sqrt m]$ (m, 2m), identity plus Hadamard, $\mu(D_1) = 1/\sqrt m$ (Donoho & Huo 2001);
    $D_2$ (2m, 2m-1): one nonnegative convolutional filter $[1, 1]/\sqrt2$ at every shift, so
    $\Gamma_1 = D_2\Gamma_2$ stays sparse and nonnegative and $\mu(D_2) = 1/2$ (Papyan et al. 2017)."""
    from scipy.linalg import hadamard

    m = check_int(m, "m", min_value=2)
    if m & (m - 1):
        raise ValueError(f"m: must be a power of 2 (Hadamard basis), got {m}")
    check_float_dtype(dtype)
    check_memory(8 * m * m, "m", what="the two dictionaries")
    dev = get_device(device)
    H = torch.as_tensor(hadamard(m), dtype=dtype, device=dev) / math.sqrt(m)
    D1 = torch.cat([torch.eye(m, dtype=dtype, device=dev), H], 1)
    n1 = 2 * m
    D2 = torch.zeros(n1, n1 - 1, dtype=dtype, device=dev)
    j = torch.arange(n1 - 1, device=dev)
    D2[j, j] = D2[j + 1, j] = 1.0 / math.sqrt(2.0)
    return D1, D2


def _lasso_problem(m=30, n=60, s=5, seed=0):
    """A small CPU problem for the widget and the exercises (students work on CPU tensors)."""
    D = gaussian_dictionary(m, n, seed=seed, device="cpu")
    D = D / torch.linalg.matrix_norm(D, ord=2)  # ||D||_2 = 1, so L = 1 and one ISTA step is S_beta(D^T y)
    x = sparse_codes(n, [s], seed=seed + 1, amplitudes="sign", device="cpu")[:, 0] * 2.0
    return D, x, D @ x
