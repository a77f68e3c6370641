"""Sparse recovery of lecture 04: basis pursuit, OMP and thresholding, mutual coherence and the exact recovery
coefficient, and the l1 phase-transition theory.

``basis_pursuit``, ``omp``, ``thresholding`` and ``mutual_coherence`` take one dictionary ``(m, n_atoms)`` or a
stack ``(batch, m, n_atoms)``, one per signal; signals ``y`` are ``(m,)`` or ``(m, batch)``.

Papers: Chen, Donoho & Saunders 1998 (basis pursuit); Pati et al. 1993 (OMP); Donoho & Elad 2003, Tropp 2004
(mutual coherence, the exact recovery coefficient); Donoho & Tanner 2009 (phase transition); Amelunxen, Lotz,
McCoy & Tropp 2014 (statistical dimension of the l1 descent cone).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from course_lib.core.device import get_device
from course_lib.core.progress import progress as progress_bar
from course_lib.core.validate import as_tensor, check_bool, check_int, check_memory
from course_lib.sparse.kernels import _dictionary, _signals

__all__ = [
    "basis_pursuit",
    "omp",
    "thresholding",
    "mutual_coherence",
    "coherence_sparsity_bound",
    "exact_recovery_coefficient",
    "l1_statistical_dimension",
    "l1_transition_curve",
    "l1_transition_sparsity",
]

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
    nonneg = check_bool(nonneg, "nonneg")
    check_bool(progress, "progress")
    m, n = D.shape[-2:]
    B = y.shape[1]
    check_memory(2 * B * m * n if D.ndim == 2 else 0, "y", what="basis pursuit's stacked constraint matrices")
    Dn = D.detach().cpu().double().numpy()
    Yn = y.detach().cpu().double().numpy()
    A_all = np.broadcast_to(Dn, (B, m, n)) if Dn.ndim == 2 else Dn
    if not nonneg:
        A_all = np.concatenate([A_all, -A_all], axis=2)
    width = A_all.shape[2]
    out = np.empty((n, B))
    starts = progress_bar(range(0, B, chunk), progress, f"basis pursuit: {B} LPs", unit="call")
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


def exact_recovery_coefficient(D, x) -> torch.Tensor:
    r"""Tropp's exact recovery coefficient $\max_{j\notin S}\|D_S^{+} d_j\|_1$ of the support
    $S = \{i: x_i \ne 0\}$ (unit-norm atoms).  When it is $< 1$ (the *exact recovery condition*),
    OMP and basis pursuit recover every code supported on $S$ (Tropp 2004, Thms 3.1 and 3.3).

    ``D`` (m, n) or one dictionary per signal (batch, m, n); ``x`` (n,) or codes (n, batch).
    Returns a 0-d tensor, or (batch,).  The support must be nonempty, with linearly independent atoms."""
    D = _dictionary(D, batched=True)
    m, n = D.shape[-2:]
    x = as_tensor(x, "x", ndim=(1, 2), dtype=D.dtype, device=D.device)
    single = x.ndim == 1
    x = x[:, None] if single else x
    if x.shape[0] != n:
        raise ValueError(f"x: expected {n} rows (one per atom), got shape {tuple(x.shape)}")
    B = x.shape[1]
    if D.ndim == 3 and D.shape[0] != B:
        raise ValueError(f"x: {B} codes but {D.shape[0]} dictionaries in D")
    support = (x != 0).T  # (B, n)
    size = support.sum(1)
    if bool((size == 0).any()) or bool((size >= n).any()):
        raise ValueError(f"x: every support needs between 1 and {n - 1} nonzeros")
    Db = D.expand(B, m, n) if D.ndim == 2 else D
    Dn = Db / Db.norm(dim=1, keepdim=True)
    out = torch.empty(B, dtype=D.dtype, device=D.device)
    for s in torch.unique(size).tolist():  # one batched least-squares solve per support size
        idx = torch.nonzero(size == s)[:, 0]
        order = torch.argsort((~support[idx]).to(torch.int8), dim=1, stable=True)  # the support first
        cols = torch.gather(Dn[idx], 2, order[:, None, :].expand(-1, m, -1))
        coef = torch.linalg.lstsq(cols[..., :s], cols[..., s:]).solution  # D_S^+ d_j for every j outside S
        out[idx] = coef.abs().sum(1).amax(1)
    return out[0] if single else out


# ----------------------------------------------------------------------------- l1 phase transition theory
def l1_statistical_dimension(rho) -> np.ndarray:
    r"""$\psi(\rho) = \inf_{\tau\ge0}\,\rho(1+\tau^2) + (1-\rho)\,\mathbb E(|g|-\tau)_+^2$: the
    normalised statistical dimension of the $\ell_1$ descent cone at a $\rho n$-sparse vector
    (Amelunxen, Lotz, McCoy & Tropp 2014, Prop. 4.5).  BP recovers from $m$ Gaussian
    measurements w.h.p. when $m > n\psi(s/n)$ and fails when $m < n\psi(s/n)$ (Donoho-Tanner curve)."""
    from scipy.special import erfc  # (scipy.stats would cost ~1.5 s to import)

    r0 = as_tensor(rho, "rho", ndim=(0, 1), dtype=torch.float64).detach().cpu().numpy()
    r = np.atleast_1d(r0)
    if np.any(r < 0) or np.any(r > 1):
        raise ValueError("rho: must lie in [0, 1]")
    check_memory(4 * r.size * 8001, "rho", what="the statistical dimension's grid over tau")
    tau = np.linspace(0.0, 8.0, 8001)[None, :]
    sf, pdf = 0.5 * erfc(tau / math.sqrt(2.0)), np.exp(-0.5 * tau**2) / math.sqrt(2.0 * math.pi)
    tail = 2.0 * ((1.0 + tau**2) * sf - tau * pdf)  # E(|g| - tau)_+^2
    vals = r[:, None] * (1.0 + tau**2) + (1.0 - r[:, None]) * tail
    out = vals.min(1)
    return out if r0.ndim else out[0]


def l1_transition_curve(delta) -> np.ndarray:
    r"""Donoho-Tanner curve in the form of ALMT 2014: the $\rho = s/m$ with $\psi(\rho\delta) = \delta$
    for undersampling $\delta = m/n$ (vectorised bisection).  Below it, BP recovers w.h.p."""
    d0 = as_tensor(delta, "delta", ndim=(0, 1), dtype=torch.float64).detach().cpu().numpy()
    d = np.atleast_1d(d0)
    if np.any(d <= 0) or np.any(d >= 1):
        raise ValueError("delta: must lie in (0, 1)")
    check_memory(4 * d.size * 8001, "delta", what="the bisection's grid over tau")
    lo, hi = np.zeros_like(d), d.copy()  # rho_n = s/n lies in [0, delta]
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        below = l1_statistical_dimension(mid) < d
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    rho = 0.5 * (lo + hi) / d
    return rho if d0.ndim else rho[0]


def l1_transition_sparsity(n: int, m) -> float | np.ndarray:
    """The sparsity ``s`` with ``n * psi(s / n) = m``: the predicted 50% point of BP recovery."""
    n = check_int(n, "n", min_value=2)
    ms = as_tensor(m, "m", ndim=(0, 1), dtype=torch.float64).detach().cpu().numpy()
    if np.any(ms <= 0) or np.any(ms >= n):
        raise ValueError(f"m: must lie in (0, {n})")
    return l1_transition_curve(ms / n) * ms


