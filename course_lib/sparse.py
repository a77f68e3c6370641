"""Sparse representations: soft thresholding, ISTA/FISTA, basis pursuit, OMP (lecture 04).

Papers: Beck & Teboulle 2009 (ISTA/FISTA); Donoho & Tanner 2009 (phase transition);
Amelunxen, Lotz, McCoy & Tropp 2014 (statistical dimension of the l1 descent cone);
Donoho & Elad 2003, Tropp 2004 (mutual coherence); Pati et al. 1993 (OMP);
Papyan, Romano & Elad 2017 (multi-layer convolutional sparse coding).

Shapes: a dictionary ``D`` is ``(m, n_atoms)``; signals ``y`` are ``(m,)`` or ``(m, batch)``
(one signal per column) and codes come back as ``(n_atoms,)`` or ``(n_atoms, batch)``.
``basis_pursuit``, ``omp``, ``thresholding`` and ``mutual_coherence`` also take a stack of
dictionaries ``(batch, m, n_atoms)``, one per signal.
"""
from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.exercises import Case, Exercise
from course_lib.core.validate import Diverged, as_tensor, check_int, check_positive
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "soft_threshold",
    "nonneg_soft_threshold",
    "lasso_objective",
    "lasso_duality_gap",
    "ista",
    "fista",
    "basis_pursuit",
    "omp",
    "thresholding",
    "mutual_coherence",
    "coherence_sparsity_bound",
    "l1_statistical_dimension",
    "l1_transition_curve",
    "l1_transition_sparsity",
    "layered_thresholding",
    "relu_network",
    "gaussian_dictionary",
    "spectral_dictionary",
    "sparse_codes",
    "recovery_experiment",
    "two_layer_dictionaries",
    "multilayer_experiment",
    "compare_with_sklearn",
    "bench_fista_vs_lasso",
    "build_sparse_coding_widget",
    "exercise_soft_threshold",
    "exercise_ista_step",
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
    norms = D.norm(dim=-2)
    if bool((norms == 0).any()):
        j = int(torch.nonzero(norms == 0)[0, -1])
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


def _column_beta(beta, batch: int, D: torch.Tensor) -> torch.Tensor:
    """beta as a ``(1, batch)`` tensor: a scalar or one value per signal."""
    if isinstance(beta, (torch.Tensor, np.ndarray, list, tuple)):
        b = as_tensor(beta, "beta", ndim=(0, 1), dtype=D.dtype, device=D.device)
        b = b.reshape(1).expand(batch) if b.numel() == 1 else b
        if b.shape != (batch,):
            raise ValueError(f"beta: expected a scalar or {batch} values (one per signal), got shape {tuple(b.shape)}")
        if bool((b < 0).any()):
            raise ValueError("beta: must be >= 0")
        return b[None, :]
    return torch.full((1, batch), check_positive(beta, "beta", allow_zero=True), dtype=D.dtype, device=D.device)


def _lipschitz(D: torch.Tensor, L) -> float:
    if L is None:
        return float(torch.linalg.matrix_norm(D, ord=2)) ** 2
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
    b = _column_beta(beta, y.shape[1], D)
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


def _proximal_gradient(D, y, beta, n_iter, *, accelerated, L, x0, nonneg, history, tol, device):
    dev = get_device(device) if device is not None else None
    D = _dictionary(D, device=dev)
    y, single = _signals(y, D)
    n_iter = check_int(n_iter, "n_iter", min_value=0)
    b = _column_beta(beta, y.shape[1], D)
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
    prox = (lambda z, t: torch.clamp(z - t, min=0)) if nonneg else (lambda z, t: torch.sign(z) * torch.clamp(z.abs() - t, min=0))
    DtD, Dty, thr = D.T @ D, D.T @ y, b / L
    F = [_objective(D, y, x, b)] if history else None
    z, t = x, 1.0
    target = tol * (y**2).sum(0) if tol is not None else None  # sklearn's rule: gap <= tol * ||y||^2
    for k in range(n_iter):
        x_new = prox(z - (DtD @ z - Dty) / L, thr)
        if accelerated:  # Beck & Teboulle 2009, eq. (4.1)-(4.3)
            t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
            z = x_new + ((t - 1.0) / t_new) * (x_new - x)
            t = t_new
        else:
            z = x_new
        x = x_new
        if history:
            F.append(_objective(D, y, x, b))
        if target is not None and k % 10 == 9 and bool((_gap(D, y, x, b) <= target).all()):
            break
    if not bool(torch.isfinite(x).all()):
        raise Diverged(f"L: the iterates blew up with step 1/L = {1 / L:.3g}; L must be >= ||D||_2^2")
    out = x[:, 0] if single else x
    if history:
        Fh = torch.stack(F)
        return out, (Fh[:, 0] if single else Fh)
    return out


def ista(D, y, beta, n_iter, *, L=None, x0=None, nonneg=False, history=False, tol=None, device=None):
    r"""ISTA for $\min_x \tfrac12\|y-Dx\|^2 + \beta\|x\|_1$: $x \leftarrow S_{\beta/L}(x + D^\top(y-Dx)/L)$
    with $L = \|D\|_2^2$ (Beck & Teboulle 2009, eq. 3.1; gap $\le L\|x_0-x^\star\|^2/(2k)$, Thm 3.1).

    ``D`` (m, n_atoms); ``y`` (m,) or (m, batch); ``beta`` a scalar or one value per signal.
    ``nonneg=True`` uses $S^+$ (codes $\ge 0$).  ``history=True`` also returns the objective
    after each iteration, shape (n_iter + 1,) or (n_iter + 1, batch).  ``tol``: stop early once
    every certified duality gap is $\le$ ``tol`` $\|y\|^2$ (scikit-learn's rule), checked every 10 steps."""
    return _proximal_gradient(D, y, beta, n_iter, accelerated=False, L=L, x0=x0, nonneg=nonneg, history=history, tol=tol, device=device)


def fista(D, y, beta, n_iter, *, L=None, x0=None, nonneg=False, history=False, tol=None, device=None):
    r"""FISTA: ISTA with Nesterov momentum (Beck & Teboulle 2009, eqs. 4.1-4.3), objective gap
    $\le 2L\|x_0-x^\star\|^2/(k+1)^2$ (Thm 4.4).  Same arguments and returns as :func:`ista`."""
    return _proximal_gradient(D, y, beta, n_iter, accelerated=True, L=L, x0=x0, nonneg=nonneg, history=history, tol=tol, device=device)


# ----------------------------------------------------------------------------- basis pursuit, OMP
def basis_pursuit(D, y, *, nonneg: bool = False, chunk: int = 8, progress: bool = False, device=None) -> torch.Tensor:
    r"""Exact basis pursuit $\min \|x\|_1$ s.t. $Dx = y$ (Chen, Donoho & Saunders 1998) as the LP
    $\min 1^\top(u+v)$, $D(u-v)=y$, $u,v\ge0$ (``nonneg=True``: $\min 1^\top x$, $Dx=y$, $x\ge0$).

    Solved by scipy's HiGHS dual simplex; ``chunk`` signals are stacked into one block-diagonal
    LP per solver call.  ``D`` is (m, n) or one dictionary per signal, (batch, m, n).
    Raises ``ValueError`` naming ``y`` when a system $Dx=y$ has no (nonnegative) solution."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    dev = get_device(device) if device is not None else None
    D = _dictionary(D, batched=True, device=dev, dtype=torch.float64 if not isinstance(D, torch.Tensor) else None)
    y, single = _signals(y, D)
    chunk = check_int(chunk, "chunk", min_value=1)
    m, n = D.shape[-2:]
    B = y.shape[1]
    Dn = D.detach().cpu().double().numpy()
    Yn = y.detach().cpu().double().numpy()
    A_all = np.broadcast_to(Dn, (B, m, n)) if Dn.ndim == 2 else Dn
    if not nonneg:
        A_all = np.concatenate([A_all, -A_all], axis=2)
    width = A_all.shape[2]
    out = np.empty((n, B))
    starts = range(0, B, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"basis pursuit: {B} LPs", unit="call", leave=False)
    for c0 in starts:  # the loop is over solver calls only; each LP holds `chunk` problems
        k = min(chunk, B - c0)
        # block-diagonal constraint matrix in CSC form, built directly from the dense blocks
        data = np.ascontiguousarray(A_all[c0 : c0 + k].transpose(0, 2, 1)).ravel()
        rows = (np.arange(k)[:, None, None] * m + np.arange(m)[None, None, :]).repeat(width, axis=1).ravel()
        A = sp.csc_matrix((data, rows, np.arange(0, k * width * m + 1, m)), shape=(k * m, k * width))
        res = linprog(np.ones(width * k), A_eq=A, b_eq=Yn[:, c0 : c0 + k].T.ravel(), bounds=(0, None),
                      method="highs-ds", options={"presolve": False})
        if res.status != 0:
            raise ValueError(f"y: basis pursuit LP failed for signals {c0}..{c0 + k - 1}: {res.message}")
        z = res.x.reshape(k, width)
        out[:, c0 : c0 + k] = (z if nonneg else z[:, :n] - z[:, n:]).T
    x = torch.as_tensor(out, dtype=D.dtype, device=D.device)
    return x[:, 0] if single else x


def _sparsity(sparsity, batch: int, limit: int) -> torch.Tensor:
    """``sparsity`` as (batch,) ints in [1, limit]: an int, or one int per signal."""
    if isinstance(sparsity, (torch.Tensor, np.ndarray, list, tuple)):
        arr = np.asarray(sparsity.cpu() if isinstance(sparsity, torch.Tensor) else sparsity)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"sparsity: expected integers, got dtype {arr.dtype}")
        if arr.ndim == 0:
            sparsity = int(arr)
        else:
            if arr.ndim != 1 or arr.shape[0] != batch:
                raise ValueError(f"sparsity: expected an int or {batch} ints (one per signal), got shape {arr.shape}")
            if np.any(arr < 1) or np.any(arr > limit):
                raise ValueError(f"sparsity: every value must lie in [1, {limit}], got {arr.min()}..{arr.max()}")
            return torch.as_tensor(arr, dtype=torch.long)
    return torch.full((batch,), check_int(sparsity, "sparsity", min_value=1, max_value=limit), dtype=torch.long)


def _greedy(D, y, sparsity, *, greedy: bool, device):
    dev = get_device(device) if device is not None else None
    D = _dictionary(D, batched=True, device=dev, dtype=torch.float64 if not isinstance(D, torch.Tensor) else None)
    y, single = _signals(y, D)
    m, n = D.shape[-2:]
    B = y.shape[1]
    s = _sparsity(sparsity, B, min(m, n)).to(D.device)
    Db = D.expand(B, m, n) if D.ndim == 2 else D  # (B, m, n)
    Dn = Db / Db.norm(dim=1, keepdim=True)
    Y = y.T[:, :, None]  # (B, m, 1)
    kmax = int(s.max())
    x_out = torch.zeros(B, n, dtype=D.dtype, device=D.device)
    rows = torch.arange(B, device=D.device)
    if greedy:  # OMP, Pati, Rezaiifar & Krishnaprasad 1993
        support = torch.empty(B, 0, dtype=torch.long, device=D.device)
        taken = torch.zeros(B, n, dtype=torch.bool, device=D.device)
        R = Y
        for k in range(1, kmax + 1):
            corr = (Dn.transpose(1, 2) @ R)[..., 0].abs().masked_fill(taken, -1.0)
            j = corr.argmax(1)
            taken[rows, j] = True
            support = torch.cat([support, j[:, None]], 1)
            coef, R = _least_squares(Db, Y, support)
            done = s == k
            if bool(done.any()):
                x_out[done] = torch.zeros_like(x_out[done]).scatter(1, support[done], coef[done])
    else:  # simple thresholding: the s largest |<d_j, y>| (Elad 2010, sec. 3.1)
        corr = (Dn.transpose(1, 2) @ Y)[..., 0].abs()
        order = corr.argsort(1, descending=True)
        for k in torch.unique(s).tolist():  # one least-squares solve per distinct sparsity level
            sel = s == k
            support = order[sel, :k]
            coef, _ = _least_squares(Db[sel], Y[sel], support)
            x_out[sel] = torch.zeros_like(x_out[sel]).scatter(1, support, coef)
    x = x_out.T
    return x[:, 0] if single else x


def _least_squares(Db, Y, support):
    """Least squares of each signal on its own support; returns coefficients and residuals."""
    cols = torch.gather(Db, 2, support[:, None, :].expand(-1, Db.shape[1], -1))  # (B, m, k)
    coef = torch.linalg.lstsq(cols, Y).solution  # (B, k, 1)
    return coef[..., 0], Y - cols @ coef


def omp(D, y, sparsity, *, device=None) -> torch.Tensor:
    r"""Orthogonal matching pursuit (Pati et al. 1993): add the atom most correlated with the
    residual, re-fit by least squares on the support, ``sparsity`` times (an int, or one per signal).

    ``D`` (m, n) or (batch, m, n); ``y`` (m,) or (m, batch)."""
    return _greedy(D, y, sparsity, greedy=True, device=device)


def thresholding(D, y, sparsity, *, device=None) -> torch.Tensor:
    r"""Simple thresholding: keep the ``sparsity`` atoms with largest $|d_j^\top y|/\|d_j\|$ and
    fit by least squares (Elad 2010, sec. 3.1): one shot, the non-iterative cousin of OMP."""
    return _greedy(D, y, sparsity, greedy=False, device=device)


def mutual_coherence(D) -> torch.Tensor:
    r"""$\mu(D) = \max_{i\ne j} |d_i^\top d_j| / (\|d_i\|\|d_j\|)$ (Donoho & Elad 2003).
    ``D`` (m, n) gives a 0-d tensor; a stack (batch, m, n) gives (batch,)."""
    D = _dictionary(D, batched=True)
    if D.shape[-1] < 2:
        raise ValueError(f"D: needs at least 2 atoms, got shape {tuple(D.shape)}")
    Dn = D / D.norm(dim=-2, keepdim=True)
    G = (Dn.transpose(-1, -2) @ Dn).abs()
    G = G - torch.diag_embed(torch.diagonal(G, dim1=-2, dim2=-1))
    return G.amax(dim=(-2, -1))


def coherence_sparsity_bound(mu) -> torch.Tensor:
    r"""Every $x$ with $\|x\|_0 < \tfrac12(1 + 1/\mu)$ is the unique sparsest solution and is
    recovered by both BP and OMP (Donoho & Elad 2003; Tropp 2004, Thm A)."""
    mu = as_tensor(mu, "mu")
    if bool((mu <= 0).any()) or bool((mu > 1).any()):
        raise ValueError("mu: mutual coherence must lie in (0, 1]")
    return 0.5 * (1.0 + 1.0 / mu)


# ----------------------------------------------------------------------------- l1 phase transition theory
def l1_statistical_dimension(rho) -> np.ndarray:
    r"""$\psi(\rho) = \inf_{\tau\ge0}\,\rho(1+\tau^2) + (1-\rho)\,\mathbb E(|g|-\tau)_+^2$: the
    normalised statistical dimension of the $\ell_1$ descent cone at a $\rho n$-sparse vector
    (Amelunxen, Lotz, McCoy & Tropp 2014, Prop. 4.5).  BP recovers from $m$ Gaussian
    measurements w.h.p. when $m > n\psi(s/n)$ and fails when $m < n\psi(s/n)$ (Donoho-Tanner curve)."""
    from scipy.special import erfc  # (scipy.stats would cost ~1.5 s to import)

    r = np.atleast_1d(np.asarray(rho, dtype=float))
    if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r > 1):
        raise ValueError("rho: must lie in [0, 1]")
    tau = np.linspace(0.0, 8.0, 8001)[None, :]
    sf, pdf = 0.5 * erfc(tau / math.sqrt(2.0)), np.exp(-0.5 * tau**2) / math.sqrt(2.0 * math.pi)
    tail = 2.0 * ((1.0 + tau**2) * sf - tau * pdf)  # E(|g| - tau)_+^2
    vals = r[:, None] * (1.0 + tau**2) + (1.0 - r[:, None]) * tail
    out = vals.min(1)
    return out if np.ndim(rho) else out[0]


def l1_transition_curve(delta) -> np.ndarray:
    r"""Donoho-Tanner curve in the form of ALMT 2014: the $\rho = s/m$ with $\psi(\rho\delta) = \delta$
    for undersampling $\delta = m/n$ (vectorised bisection).  Below it, BP recovers w.h.p."""
    d = np.atleast_1d(np.asarray(delta, dtype=float))
    if not np.all(np.isfinite(d)) or np.any(d <= 0) or np.any(d >= 1):
        raise ValueError("delta: must lie in (0, 1)")
    lo, hi = np.zeros_like(d), d.copy()  # rho_n = s/n lies in [0, delta]
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        below = l1_statistical_dimension(mid) < d
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    rho = 0.5 * (lo + hi) / d
    return rho if np.ndim(delta) else rho[0]


def l1_transition_sparsity(n: int, m) -> float | np.ndarray:
    """The sparsity ``s`` with ``n * psi(s / n) = m``: the predicted 50% point of BP recovery."""
    n = check_int(n, "n", min_value=2)
    ms = np.asarray(m, dtype=float)
    if not np.all(np.isfinite(ms)) or np.any(ms <= 0) or np.any(ms >= n):
        raise ValueError(f"m: must lie in (0, {n})")
    return l1_transition_curve(ms / n) * ms


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
    layers = []
    for i, (D, beta) in enumerate(zip(dictionaries, betas)):
        D = _dictionary(D, f"dictionaries[{i}]")
        n = D.shape[1]
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
    dev = get_device(device)
    g = generator(seed, dev)
    shape = (m, n) if batch is None else (check_int(batch, "batch", min_value=1), m, n)
    D = torch.randn(shape, generator=g, device=dev, dtype=dtype)
    return D / D.norm(dim=-2, keepdim=True)


def spectral_dictionary(m: int, n: int, decay: float = 0.5, *, seed: int = 0, device=None, dtype=torch.float64) -> torch.Tensor:
    r"""$D = U\,\mathrm{diag}(j^{-\text{decay}})\,V^\top$ (m, n) with random orthonormal $U, V$: singular
    values $1, 2^{-p}, \dots, m^{-p}$, so $\|D\|_2 = 1$ and many directions are nearly flat -- the regime
    where ISTA/FISTA show their worst-case $O(1/k)$ / $O(1/k^2)$ behaviour (Beck & Teboulle 2009, sec. 5)."""
    m = check_int(m, "m", min_value=1)
    n = check_int(n, "n", min_value=m)
    decay = check_positive(decay, "decay", allow_zero=True)
    dev = get_device(device)
    g = generator(seed, dev)
    U, _ = torch.linalg.qr(torch.randn(m, m, generator=g, device=dev, dtype=dtype))
    V, _ = torch.linalg.qr(torch.randn(n, m, generator=g, device=dev, dtype=dtype))
    sv = torch.arange(1, m + 1, device=dev, dtype=dtype) ** (-decay)
    return (U * sv) @ V.T


def sparse_codes(n: int, sparsity, *, seed: int = 0, amplitudes: str = "gaussian", device=None, dtype=torch.float64):
    """Codes (n, batch) with ``sparsity[b]`` nonzeros on a uniformly random support.

    ``amplitudes``: ``"gaussian"`` (N(0,1)), ``"sign"`` (+-1) or ``"positive"`` (|N(0,1)|)."""
    n = check_int(n, "n", min_value=1)
    s = torch.as_tensor(np.atleast_1d(np.asarray(sparsity)))
    if s.dtype.is_floating_point or s.ndim != 1:
        raise TypeError("sparsity: expected an int or a 1-D array of ints")
    if bool((s < 0).any()) or bool((s > n).any()):
        raise ValueError(f"sparsity: values must lie in [0, {n}]")
    if amplitudes not in ("gaussian", "sign", "positive"):
        raise ValueError(f"amplitudes: expected 'gaussian', 'sign' or 'positive', got {amplitudes!r}")
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


def _recovered(x_hat: torch.Tensor, x: torch.Tensor, rtol: float) -> torch.Tensor:
    return (x_hat - x).norm(dim=0) <= rtol * x.norm(dim=0).clamp_min(1e-300)


def recovery_experiment(
    n: int,
    m,
    sparsity,
    n_trials: int,
    *,
    seed: int = 0,
    methods: Sequence[str] = ("l1", "omp", "thresholding"),
    amplitudes: str = "gaussian",
    rtol: float = 1e-4,
    chunk: int = 8,
    progress: bool = False,
    device=None,
) -> dict:
    r"""Exact-recovery rates over cells $(m_c, s_c)$, ``n_trials`` random problems per cell, all in
    one batch: a fresh Gaussian $D$ (unit columns) and a random $s$-sparse $x$ per problem; success
    when $\|\hat x - x\| \le$ ``rtol`` $\|x\|$ (Donoho & Tanner 2009).  Cells with $m_c < \max m$
    are zero-padded (the extra equations read $0 = 0$).

    Returns ``rate[method]`` (cells,), ``success[method]`` (cells, trials), ``coherence_ok``
    (cells, trials: $s < \tfrac12(1+1/\mu(D))$), and the problems ``D, x, y`` and estimates ``x_hat``."""
    n = check_int(n, "n", min_value=2)
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    rtol = check_positive(rtol, "rtol")
    ms = np.atleast_1d(np.asarray(m))
    ss = np.atleast_1d(np.asarray(sparsity))
    if ms.dtype.kind not in "iu" or ms.ndim != 1:
        raise TypeError("m: expected an int or a 1-D array of ints")
    if ss.dtype.kind not in "iu" or ss.ndim != 1:
        raise TypeError("sparsity: expected an int or a 1-D array of ints")
    if ms.size == 1 and ss.size > 1:
        ms = np.full(ss.size, ms[0])
    if ss.size == 1 and ms.size > 1:
        ss = np.full(ms.size, ss[0])
    if ms.size != ss.size:
        raise ValueError(f"sparsity: {ss.size} values do not match {ms.size} values of m")
    if np.any(ms < 1) or np.any(ms >= n):
        raise ValueError(f"m: every value must lie in [1, {n - 1}]")
    if np.any(ss < 1) or np.any(ss > ms):
        raise ValueError("sparsity: every value must lie in [1, m]")
    methods = tuple(methods)
    unknown = set(methods) - {"l1", "omp", "thresholding"}
    if unknown or not methods:
        raise ValueError(f"methods: expected some of 'l1', 'omp', 'thresholding', got {methods}")
    dev = get_device(device)
    cells = ms.size
    m_cell = np.repeat(ms, n_trials)
    s_cell = np.repeat(ss, n_trials)
    mmax = int(ms.max())
    B = cells * n_trials
    D = gaussian_dictionary(mmax, n, B, seed=seed, device=dev)
    row_mask = torch.arange(mmax, device=dev)[None, :, None] < torch.as_tensor(m_cell, device=dev)[:, None, None]
    D = D * row_mask
    D = D / D.norm(dim=1, keepdim=True)  # unit columns in the first m_c coordinates
    x = sparse_codes(n, s_cell, seed=seed + 1, amplitudes=amplitudes, device=dev)
    y = (D @ x.T[:, :, None])[..., 0].T  # (mmax, B)
    mu = mutual_coherence(D)
    s_t = torch.as_tensor(s_cell, device=dev)
    out = {
        "m": ms,
        "sparsity": ss,
        "n": n,
        "D": D,
        "x": x,
        "y": y,
        "coherence": mu.reshape(cells, n_trials),
        "coherence_ok": (s_t < coherence_sparsity_bound(mu)).reshape(cells, n_trials),
        "x_hat": {},
        "success": {},
        "rate": {},
    }
    for meth in methods:
        if meth == "l1":
            xh = basis_pursuit(D, y, chunk=chunk, progress=progress)
        elif meth == "omp":
            xh = omp(D, y, s_t)
        else:
            xh = thresholding(D, y, s_t)
        ok = _recovered(xh, x, rtol).reshape(cells, n_trials)
        out["x_hat"][meth] = xh
        out["success"][meth] = ok
        out["rate"][meth] = ok.double().mean(1)
    return out


def two_layer_dictionaries(m: int = 64, *, device=None, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    r"""$D_1 = [I, H/\sqrt m]$ (m, 2m), identity plus Hadamard, $\mu(D_1) = 1/\sqrt m$ (Donoho & Huo 2001);
    $D_2$ (2m, 2m-1): one nonnegative convolutional filter $[1, 1]/\sqrt2$ at every shift, so
    $\Gamma_1 = D_2\Gamma_2$ stays sparse and nonnegative and $\mu(D_2) = 1/2$ (Papyan et al. 2017)."""
    from scipy.linalg import hadamard

    m = check_int(m, "m", min_value=2)
    if m & (m - 1):
        raise ValueError(f"m: must be a power of 2 (Hadamard basis), got {m}")
    dev = get_device(device)
    H = torch.as_tensor(hadamard(m), dtype=dtype, device=dev) / math.sqrt(m)
    D1 = torch.cat([torch.eye(m, dtype=dtype, device=dev), H], 1)
    n1 = 2 * m
    D2 = torch.zeros(n1, n1 - 1, dtype=dtype, device=dev)
    j = torch.arange(n1 - 1, device=dev)
    D2[j, j] = D2[j + 1, j] = 1.0 / math.sqrt(2.0)
    return D1, D2


def multilayer_experiment(
    contrasts,
    n_trials: int,
    *,
    m: int = 64,
    sparsity: int = 2,
    seed: int = 0,
    rtol: float = 1e-4,
    device=None,
) -> dict:
    r"""Two-layer nonnegative sparse model $X = D_1\Gamma_1$, $\Gamma_1 = D_2\Gamma_2$ (Papyan et al. 2017)
    with the dictionaries of :func:`two_layer_dictionaries`; $\Gamma_2 \ge 0$ has ``sparsity``
    nonzeros whose magnitudes span $[c, 1]$ (contrast $c = |\Gamma|_{\min}/|\Gamma|_{\max}$), one at 1
    and one at $c$.  All contrasts and trials run as one batch.

    Layered thresholding counts as a success when at each layer *some* threshold separates the
    support ($\min_{\rm on} > \max_{\rm off}$ of $D_i^\top\hat\Gamma_{i-1}$); it then uses the midpoint
    $\beta_i$ (one per signal), so this is the best any choice of thresholds can do.  Layered basis
    pursuit (nonnegative) solves $\min 1^\top\Gamma_1$ s.t. $D_1\Gamma_1 = X$, $\Gamma_1\ge0$, then the
    same for $D_2\Gamma_2 = \hat\Gamma_1$.  Returns success per (contrast, trial) and rates."""
    c = as_tensor(contrasts, "contrasts", ndim=1)
    if bool((c <= 0).any()) or bool((c > 1).any()):
        raise ValueError("contrasts: every value must lie in (0, 1]")
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    rtol = check_positive(rtol, "rtol")
    dev = get_device(device)
    D1, D2 = two_layer_dictionaries(m, device=dev)
    n2 = D2.shape[1]
    s2 = check_int(sparsity, "sparsity", min_value=2, max_value=n2)
    g = generator(seed, dev)
    C = c.shape[0]
    B = C * n_trials
    cb = c.to(dev).repeat_interleave(n_trials)
    u = torch.rand(B, s2, generator=g, device=dev, dtype=torch.float64)
    u[:, 0], u[:, 1] = 1.0, 0.0  # one magnitude at 1, one at c, the rest uniform in [c, 1]
    mags = cb[:, None] + (1 - cb[:, None]) * u
    support = torch.rand(B, n2, generator=g, device=dev).argsort(1)[:, :s2]
    G2 = torch.zeros(B, n2, dtype=torch.float64, device=dev).scatter(1, support, mags).T  # (n2, B)
    G1 = D2 @ G2
    X = D1 @ G1

    def separable(D, code_in, true_code):
        z = D.T @ code_in
        on = true_code > 0
        lo = torch.where(on, z, torch.full_like(z, math.inf)).amin(0)
        hi = torch.where(on, torch.full_like(z, -math.inf), z).amax(0)
        return lo > hi, (0.5 * (lo + hi)).clamp_min(0)[None, :]

    ok1, beta1 = separable(D1, X, G1)
    (G1_hat,) = layered_thresholding(X, [D1], [beta1])
    ok2, beta2 = separable(D2, G1_hat, G2)
    G1_thr, G2_thr = layered_thresholding(X, [D1, D2], [beta1, beta2])
    thr_ok = ok1 & ok2
    G1_bp = basis_pursuit(D1, X, nonneg=True)
    G2_bp = basis_pursuit(D2, G1_bp, nonneg=True)
    bp_ok = _recovered(G1_bp, G1, rtol) & _recovered(G2_bp, G2, rtol)
    return {
        "contrasts": c.cpu().numpy(),
        "layer1_success": ok1.reshape(C, n_trials),
        "thresholding_success": thr_ok.reshape(C, n_trials),
        "bp_success": bp_ok.reshape(C, n_trials),
        "thresholding_rate": thr_ok.reshape(C, n_trials).double().mean(1),
        "bp_rate": bp_ok.reshape(C, n_trials).double().mean(1),
        "D1": D1,
        "D2": D2,
        "Gamma1": G1,
        "Gamma2": G2,
        "Gamma2_thresholding": G2_thr,
        "max_layer1_nonzeros": int((G1 > 0).sum(0).max()),
    }


# ----------------------------------------------------------------------------- widgets
def _lasso_problem(m=30, n=60, s=5, seed=0):
    """A small CPU problem for the widget and the exercises (students work on CPU tensors)."""
    D = gaussian_dictionary(m, n, seed=seed, device="cpu")
    D = D / torch.linalg.matrix_norm(D, ord=2)  # ||D||_2 = 1, so L = 1 and one ISTA step is S_beta(D^T y)
    x = sparse_codes(n, [s], seed=seed + 1, amplitudes="sign", device="cpu")[:, 0] * 2.0
    return D, x, D @ x


def build_sparse_coding_widget(results: dict | None = None, betas=None, n_iter: int = 300) -> WidgetUI:
    """One figure, two sliders (a single FigureWidget keeps the notebook light).

    * ``beta``: S_beta(z) and ReLU(z - beta) (top left); the Lasso code of a 5-sparse test signal
      for that beta (top right) -- all betas solved in one batched FISTA call at build time.
    * ``sparsity``: exact-recovery rates of l1, OMP and thresholding from ``results`` (a
      :func:`recovery_experiment`; a small one is run when omitted) (bottom left), and one of its
      problems with the three recovered codes (bottom right)."""
    import ipywidgets as W

    from course_lib.ui.plotting import COLORS, figure_widget

    # -- precompute: the beta sweep ------------------------------------------------------------
    # ||D||_2 = 1 makes |D^T y| <= ~0.5 here, so the code's support changes for beta in [0, 0.6]
    grid = np.round(np.linspace(0.0, 0.6, 41), 3) if betas is None else np.asarray(betas, dtype=float)
    D, x_true, y = _lasso_problem()
    codes = fista(D, y[:, None].expand(-1, grid.size), torch.as_tensor(grid), n_iter).numpy()
    z = np.linspace(-3, 3, 241)
    zt = torch.as_tensor(z)
    support = x_true.numpy() != 0
    # -- precompute: the recovery experiment ---------------------------------------------------
    if results is None:
        results = recovery_experiment(40, 20, np.arange(1, 15), 4, seed=11)
    ss = np.asarray(results["sparsity"])
    rates = {k: v.cpu().numpy() for k, v in results["rate"].items()}
    n_trials = next(iter(results["success"].values())).shape[1]
    x_rec = results["x"].cpu().numpy()
    x_hat = {k: v.cpu().numpy() for k, v in results["x_hat"].items()}
    names = {"l1": "ℓ1 (basis pursuit)", "omp": "OMP", "thresholding": "thresholding"}

    fig = figure_widget("", "z", "output", height=680, margin=dict(t=120))
    fig.set_subplots(2, 2, vertical_spacing=0.16, subplot_titles=(
        "S_β(z) and ReLU(z−β)", "Lasso code of a 5-sparse signal (true entries ±2)",
        "exact recovery rate over random problems", "one problem at this sparsity"))
    fig.add_scatter(x=z, y=z, name="identity", line=dict(dash="dot", color="gray"), row=1, col=1)  # 0
    fig.add_scatter(x=z, y=z, name="S_β(z)", line=dict(color=COLORS[0]), row=1, col=1)  # 1
    fig.add_scatter(x=z, y=z, name="ReLU(z−β)", line=dict(dash="dash", color=COLORS[1]), row=1, col=1)  # 2
    idx = np.arange(x_true.numel())
    fig.add_scatter(x=idx, y=x_true.numpy(), mode="markers", name="true code", row=1, col=2,  # 3
                    marker=dict(size=10, symbol="circle-open", color="black"))
    fig.add_scatter(x=idx, y=codes[:, 0], mode="markers", name="FISTA code", marker=dict(size=6, color=COLORS[4]), row=1, col=2)  # 4
    base = 5
    for i, (k, r) in enumerate(rates.items()):  # base .. base+nr-1
        fig.add_scatter(x=ss, y=r, name=names[k], line=dict(color=COLORS[i]), row=2, col=1)
    nr = len(rates)
    fig.add_scatter(x=[ss[0], ss[0]], y=[0, 1], mode="lines", name="current s", line=dict(color="gray", dash="dot"), row=2, col=1)
    idx2 = np.arange(x_rec.shape[0])
    fig.add_scatter(x=idx2, y=x_rec[:, 0], mode="markers", showlegend=False, row=2, col=2,
                    marker=dict(size=11, symbol="circle-open", color="black"))
    for i, k in enumerate(x_hat):
        fig.add_scatter(x=idx2, y=x_hat[k][:, 0], mode="markers", showlegend=False, marker=dict(size=5, color=COLORS[i]), row=2, col=2)
    fig.update_xaxes(title_text="atom index", row=1, col=2)
    fig.update_yaxes(title_text="coefficient", row=1, col=2)
    fig.update_xaxes(title_text="sparsity s", row=2, col=1)
    fig.update_yaxes(title_text="exact recovery rate", row=2, col=1)
    fig.update_xaxes(title_text="atom index", row=2, col=2)
    fig.update_yaxes(title_text="coefficient", row=2, col=2)

    step = float(np.min(np.diff(grid))) if grid.size > 1 else 0.05
    beta_slider = W.FloatSlider(value=float(grid[grid.size // 4]), min=float(grid.min()), max=float(grid.max()),
                                step=step, readout_format=".3f", description="β")
    s_slider = W.IntSlider(value=int(ss[len(ss) // 2]), min=int(ss.min()), max=int(ss.max()),
                           step=int(np.diff(ss).min()) if ss.size > 1 else 1, description="sparsity s")
    text = {"beta": "", "sparsity": ""}

    def set_title():
        fig.layout.title.text = f"{text['beta']}<br>{text['sparsity']}"

    def update_beta(change=None):
        k = int(np.abs(grid - float(beta_slider.value)).argmin())
        code = codes[:, k]
        found = np.abs(code) > 1e-8
        text["beta"] = (f"β = {grid[k]:.2f}: {found.sum()} nonzeros, {np.sum(found != support)} support errors, "
                        f"mean |code| on the support {np.abs(code[support]).mean():.2f} (true 2)")
        with fig.batch_update():
            fig.data[1].y = soft_threshold(zt, grid[k]).numpy()
            fig.data[2].y = nonneg_soft_threshold(zt, grid[k]).numpy()
            fig.data[4].y = code
            set_title()

    def update_s(change=None):
        c = int(np.abs(ss - s_slider.value).argmin())
        col = c * n_trials  # the first trial of this cell
        text["sparsity"] = f"s = {ss[c]}: " + ", ".join(f"{names[k]} {rates[k][c]:.0%}" for k in rates)
        with fig.batch_update():
            fig.data[base + nr].x = [ss[c], ss[c]]
            fig.data[base + nr + 1].y = x_rec[:, col]
            for i, k in enumerate(x_hat):
                fig.data[base + nr + 2 + i].y = x_hat[k][:, col]
            set_title()

    beta_slider.observe(update_beta, names="value")
    s_slider.observe(update_s, names="value")
    update_beta()
    update_s()
    return WidgetUI(root=W.VBox([W.HBox([beta_slider, s_slider]), fig]), figure=fig,
                    controls={"beta": beta_slider, "sparsity": s_slider},
                    state={"codes": codes, "betas": grid, "results": results, "traces": {"recovery": base}})


# ----------------------------------------------------------------------------- exercises
def exercise_soft_threshold() -> Exercise:
    """Self-check for a student's ``soft_threshold(z, beta)`` on tensors."""
    z = torch.tensor([-3.0, -1.0, -0.5, 0.0, 0.2, 0.7, 2.5], dtype=torch.float64)
    return Exercise(
        "Soft thresholding S_β",
        [
            Case("β = 1 on a mix of signs", (z, 1.0), expected=soft_threshold(z, 1.0)),
            Case("β = 0 is the identity", (z, 0.0), expected=z.clone()),
            Case("β larger than every |z| gives zeros", (z, 5.0), expected=torch.zeros_like(z)),
            Case("a batch (2, 7) with β = 0.5", (torch.stack([z, -z]), 0.5), expected=soft_threshold(torch.stack([z, -z]), 0.5)),
        ],
        hint="S_β(z) = sign(z) · max(|z| − β, 0); torch.sign and torch.clamp do it elementwise.",
    )


def exercise_ista_step() -> Exercise:
    """Self-check for ``ista_step(x, D, y, beta, L)`` = S_{β/L}(x + Dᵀ(y − Dx)/L)."""
    D, _, y = _lasso_problem(m=8, n=16, s=2, seed=3)
    L = float(torch.linalg.matrix_norm(D, ord=2)) ** 2
    x0 = torch.zeros(16, dtype=torch.float64)
    x1 = ista(D, y, 0.1, 1)
    x2 = ista(D, y, 0.1, 2)
    L2 = 4.0
    x_big = ista(D, y, 0.3, 1, L=L2, x0=x1)
    return Exercise(
        "One ISTA step",
        [
            Case("from x = 0 (the slide's S_β(Dᵀy))", (x0, D, y, 0.1, L), expected=x1),
            Case("a second step from x₁", (x1, D, y, 0.1, L), expected=x2),
            Case("another β and a larger L", (x1, D, y, 0.3, L2), expected=x_big),
        ],
        hint="gradient step on ½‖y − Dx‖² with step 1/L, then soft-threshold at β/L.",
    )


# ----------------------------------------------------------------------------- benchmark
def compare_with_sklearn(
    m: int = 100, n: int = 200, batch: int = 16, n_iter: int = 5000, *, tol: float = 1e-10, seed: int = 5, device=None
) -> dict:
    r"""Our batched FISTA against scikit-learn's ``Lasso`` (coordinate descent) on the same problems.

    sklearn minimises $\tfrac1{2m}\|y-Dx\|^2 + \alpha\|x\|_1$, i.e. our objective divided by $m$ when
    $\alpha = \beta/m$; both solutions are scored with :func:`lasso_objective` and certified with
    :func:`lasso_duality_gap`.  Returns per-problem objectives and gaps, and wall times in seconds."""
    from sklearn.linear_model import Lasso

    m = check_int(m, "m", min_value=2)
    n = check_int(n, "n", min_value=2)
    batch = check_int(batch, "batch", min_value=1)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    tol = check_positive(tol, "tol")
    dev = get_device(device)
    D = gaussian_dictionary(m, n, seed=seed, device=dev)
    x = sparse_codes(n, [max(1, m // 10)] * batch, seed=seed + 1, device=dev)
    Y = D @ x + 0.01 * torch.randn(m, batch, generator=generator(seed + 2, dev), device=dev, dtype=torch.float64)
    beta = 0.1 * float((D.T @ Y).abs().max())
    t0 = time.perf_counter()
    x_f = fista(D, Y, beta, n_iter, tol=tol)  # the same stopping rule as sklearn
    t_f = time.perf_counter() - t0
    t0 = time.perf_counter()
    las = Lasso(alpha=beta / m, fit_intercept=False, tol=tol, max_iter=100_000).fit(D.cpu().numpy(), Y.cpu().numpy())
    t_s = time.perf_counter() - t0
    x_s = torch.as_tensor(np.atleast_2d(las.coef_), device=dev).T
    return {
        "beta": beta,
        "fista_s": t_f,
        "sklearn_s": t_s,
        "fista_objective": lasso_objective(D, Y, x_f, beta),
        "sklearn_objective": lasso_objective(D, Y, x_s, beta),
        "fista_gap": lasso_duality_gap(D, Y, x_f, beta),
        "sklearn_gap": lasso_duality_gap(D, Y, x_s, beta),
        "sklearn_iterations": int(np.max(las.n_iter_)),
        "sklearn_converged": bool(np.max(las.n_iter_) < 100_000),
        "max_coef_diff": float((x_f - x_s).abs().max()),
    }
