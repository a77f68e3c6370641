r"""The certified fast Lasso solver of lecture 04: :func:`lasso` and its parts.

:func:`lasso` solves $\min_x \tfrac12\|y - Dx\|^2 + \beta\|x\|_1$ for a batch of signals to a certified duality
gap: working sets grown from the atoms closest to violating (Celer), a Newton step on the support once the signs
settle (:func:`_ws_newton`), gap-safe screening (:func:`lasso_screen`), adaptively restarted FISTA on each small
problem (:func:`_ws_fista`, step sizes from :func:`power_method`) and per-signal stopping (a converged signal
leaves the batch).  Each working-set problem is first given to the active-set Newton method (:func:`_ws_pdas`),
which usually solves it exactly in 1--4 linear solves.  It returns a :class:`LassoResult`.

Papers: Massias, Gramfort & Salmon 2018 (Celer); Fercoq, Gramfort & Salmon 2015, Ndiaye et al. 2017 (gap-safe
screening); O'Donoghue & Candès 2015 (adaptive restart); Osborne, Presnell & Turlach 2000, Lee et al. 2007
(the support Newton step); Hintermüller, Ito & Kunisch 2002, Fan, Jiao & Lu 2014 (the primal-dual active set
method).

The shared argument checks and the objective come from :mod:`course_lib.sparse.kernels`.
"""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
import torch

from course_lib.core.device import get_device
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_bool,
    check_int,
    check_positive,
    check_steps,
    per_batch,
)
from course_lib.sparse.kernels import _dictionary, _lasso_args, _objective, _signals

__all__ = ["lasso", "LassoResult", "lasso_screen", "power_method"]


class LassoResult(NamedTuple):
    """What :func:`lasso` returns (per signal; one signal gives 0-d entries).

    ``x`` the codes, (n_atoms,) or (n_atoms, batch); ``gap`` a certified bound on $F(x) - F^\\star$;
    ``n_iter`` proximal-gradient (FISTA) steps used; ``n_rounds`` working-set rounds used; ``converged``
    whether ``gap`` <= ``tol`` $\\|y\\|^2$; ``n_newton`` linear solves of the active-set Newton method."""

    x: torch.Tensor
    gap: torch.Tensor
    n_iter: torch.Tensor
    n_rounds: torch.Tensor
    converged: torch.Tensor
    n_newton: torch.Tensor


def power_method(A, n_iter: int = 30) -> torch.Tensor:
    r"""$\lambda_{\max}$ of a symmetric positive semidefinite matrix ``A`` (k, k), or of each matrix of a
    stack (batch, k, k), by the power method (von Mises & Pollaczek-Geiringer 1929): $v \leftarrow Av/\|Av\|$,
    then the Rayleigh quotient $v^\top Av$.  It never exceeds $\lambda_{\max}$ and approaches it like
    $(\lambda_2/\lambda_1)^{2k}$: ``n_iter`` products instead of an eigendecomposition.  Returns a 0-d
    tensor, or (batch,)."""
    A = as_tensor(A, "A", ndim=(2, 3))
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A: expected square matrices, got shape {tuple(A.shape)}")
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=1), "n_iter", what="the power method")
    lam = _power(A[None] if A.ndim == 2 else A, n_iter)[:, 0]
    return lam[0] if A.ndim == 2 else lam


def _power(A: torch.Tensor, n_iter: int) -> torch.Tensor:
    """Rayleigh quotients (B, 1) of a stack (B, k, k) after ``n_iter`` power steps from a fixed generic start."""
    k = A.shape[-1]
    v = 1.0 + 0.5 * torch.cos(torch.arange(k, dtype=A.dtype, device=A.device))  # not orthogonal to a top eigenvector
    v = v.expand(A.shape[0], k)[..., None]
    for _ in range(n_iter):
        v = torch.bmm(A, v)
        v = v / torch.linalg.vector_norm(v, dim=1, keepdim=True).clamp_min(torch.finfo(A.dtype).tiny)
    return (v * torch.bmm(A, v)).sum(1)


def _screen_radius(gap: torch.Tensor, size: torch.Tensor, m: int, theta_norm: torch.Tensor) -> torch.Tensor:
    r"""The safe ball's radius $\sqrt{2g}$ plus the rounding allowances of the screening test.

    ``gap`` is computed as a difference $P - D$ of two numbers of magnitude ~ ``size`` ($|P| + |D|$), so near
    the solution it can come out 0 or negative while the true gap is ~ eps ``size``: the ball then keeps a
    radius $\sqrt{2 \cdot 16\,\varepsilon\,\text{size}}$ (without it, an atom with a tiny nonzero coefficient was
    discarded; the property test found it).  And $|d_j^\top\theta|$ is computed to within ~ m eps
    $\|d_j\|\|\theta\|$."""
    eps = torch.finfo(gap.dtype).eps
    return torch.sqrt(2.0 * (gap.clamp_min(0) + 16.0 * eps * size)) + 8.0 * m * eps * theta_norm


def lasso_screen(D, y, x, beta) -> torch.Tensor:
    r"""Gap-safe screening (Fercoq, Gramfort & Salmon 2015; Ndiaye et al. 2017, eq. 11): which atoms may be
    nonzero in a Lasso solution, judged from any point ``x``.

    With the dual point $\theta$ of :func:`lasso_duality_gap` and its gap $g$, the dual optimum lies in the
    ball $\|\theta^\star - \theta\| \le \sqrt{2g}$ (the dual is 1-strongly concave), so
    $|d_j^\top\theta| + \|d_j\|\sqrt{2g} < \beta$ proves $|d_j^\top\theta^\star| < \beta$, hence $x^\star_j = 0$.
    Returns a bool mask (n_atoms,) or (n_atoms, batch): ``True`` = kept (not proved zero)."""
    D, y, x, b, single = _lasso_args(D, y, x, beta)
    r = y - D @ x
    corr = D.T @ r
    scale = torch.clamp(b[0] / corr.abs().amax(0).clamp_min(torch.finfo(D.dtype).tiny), max=1.0)
    theta = r * scale
    primal = _objective(D, y, x, b)
    dual = 0.5 * (y**2).sum(0) - 0.5 * ((y - theta) ** 2).sum(0)
    radius = _screen_radius(primal - dual, primal.abs() + dual.abs(), D.shape[0], theta.norm(dim=0))
    keep = scale * corr.abs() + D.norm(dim=0)[:, None] * radius >= b
    return keep[:, 0] if single else keep


def _c_minus_Gx(G, c, x):
    """c - G x for a stack of Grams (B, K, K), or one Gram (K, K) shared by every signal; x, c (B, K)."""
    if G.ndim == 2:
        return torch.addmm(c, x, G, alpha=-1.0)
    return torch.baddbmm(c[..., None], G, x[..., None], alpha=-1.0)[..., 0]


def _ws_newton(Gw, cw, xw, bw, thr):
    r"""The Lasso on a known support and signs is a linear system (Osborne, Presnell & Turlach 2000; the
    feature-sign step of Lee et al. 2007): $G_{SS}x_S = c_S - \beta\,\mathrm{sign}(x_S)$.  Solve it for
    every signal at once (the supports padded to the largest, batched Cholesky) and accept the answer
    where it keeps its signs and no working-set atom violates $|c_j - (Gx)_j| \le \beta$: then it is the
    exact solution of the working-set problem.  Returns (x, accepted)."""
    S = xw != 0
    sel = torch.topk(S.to(xw.dtype), int(S.sum(1).max()), dim=1).indices  # each support first, then padding
    on = S.gather(1, sel)
    if Gw.ndim == 3:
        Gs = Gw[torch.arange(len(xw), device=xw.device)[:, None, None], sel[:, :, None], sel[:, None, :]]
    else:
        Gs = Gw[sel[:, :, None], sel[:, None, :]]
    M = torch.where(on[:, :, None] & on[:, None, :], Gs, 0.0) + torch.diag_embed((~on).to(Gw.dtype))
    chol, info = torch.linalg.cholesky_ex(M)
    sg = torch.sign(xw.gather(1, sel))
    xs_S = torch.cholesky_solve(torch.where(on, cw.gather(1, sel) - bw * sg, 0.0)[..., None], chol)[..., 0]
    xs = torch.zeros_like(xw).scatter_(1, sel, torch.where(on, xs_S, 0.0))
    ok = (info == 0) & ((torch.sign(xs_S) == sg) | ~on).all(1)
    ok &= ((_c_minus_Gx(Gw, cw, xs).abs() <= thr * (1 + 1e-9)) | S).all(1)
    return torch.where(ok[:, None], xs, xw), ok


def _ws_pdas(Gw, cw, xw, bw, thr, max_newton: int = 6):
    r"""The primal-dual active set method (a semismooth Newton method: Hintermüller, Ito & Kunisch 2002; for the
    Lasso, Fan, Jiao & Lu 2014) on the working-set problem, for every signal at once.  With the dual variable
    $\lambda = c - Gx$ and $u_j = G_{jj}x_j + \lambda_j$ (what one coordinate-descent step would threshold),
    guess the support $A = \{|u_j| > \tau_j\}$ and signs $s = \mathrm{sign}(u)$, solve
    $G_{AA}x_A = c_A - \beta s_A$ (batched Cholesky, the rest of the matrix replaced by the identity), and repeat.
    When the answer keeps the signs $s$ and no other atom violates $|\lambda_j| \le \tau_j$, it is the exact
    solution of the working-set problem.  Near the solution each step fixes the support of the next one, so it
    takes 1--4 solves on the working sets of :func:`lasso`; far from it, it may cycle, and ``max_newton`` solves
    bound it.  Returns (x, accepted, solves): ``x`` is the input where not accepted."""
    dg = torch.diagonal(Gw, dim1=-2, dim2=-1)
    eye = torch.eye(Gw.shape[-1], dtype=Gw.dtype, device=Gw.device)
    lam, x, solves = _c_minus_Gx(Gw, cw, xw), xw, 0
    while solves < max_newton:
        solves += 1
        u = torch.addcmul(lam, dg, x)
        A, s = u.abs() > thr, torch.sign(u)
        chol, info = torch.linalg.cholesky_ex(torch.where(A[:, :, None] & A[:, None, :], Gw, eye))
        x = torch.cholesky_solve(torch.where(A, cw - bw * s, 0.0)[..., None], chol)[..., 0]
        lam = _c_minus_Gx(Gw, cw, x)
        ok = (info == 0) & ((torch.sign(x) == s) | ~A).all(1) & ((lam.abs() <= thr * (1 + 1e-9)) | A).all(1)
        if bool(ok.all()):
            break
    return torch.where(ok[:, None], x, xw), ok, solves


def _ws_objective_gap(Gw, cw, xw, bw, kept, y2):
    """Primal value and duality gap of the working-set problem ½‖y − D_W x‖² + β‖x‖₁ from Gram quantities."""
    grad = _c_minus_Gx(Gw, cw, xw)  # D_W^T r
    xc = (xw * cw).sum(1)
    r2, ry = y2 - xc - (xw * grad).sum(1), y2 - xc  # ||r||^2 and r.y for r = y - D_W x
    b = bw[:, 0]
    s = torch.clamp(b / (grad.abs() * kept).amax(1).clamp_min(torch.finfo(Gw.dtype).tiny), max=1.0)
    P = 0.5 * r2 + b * xw.abs().sum(1)
    return P, P - (s * ry - 0.5 * s * s * r2)


def _ws_fista(Gw, cw, xw, bw, thr, y2, goal, max_iter, *, restart, newton, check=5):
    r"""FISTA on the working-set problem $\min \tfrac12x^\top Gx - c^\top x + \sum_j \tau_j|x_j|$ for a stack of
    signals, with the step $1/L$ from the power method, the momentum $(k-1)/(k+2)$ of FISTA's $t_k \approx (k+1)/2$
    (Chambolle & Dossal 2015), gradient-based adaptive restart (O'Donoghue & Candès 2015: drop the momentum when
    $(z_k - x_{k+1})^\top(x_{k+1} - x_k) > 0$) and, every ``check`` steps, the support Newton step.  Stops when
    every signal is solved exactly or within ``goal`` (its duality gap).  ``thr`` (B, K) is $\beta$, or
    $+\infty$ for screened atoms (pinned at 0).  Returns (x, steps)."""
    solves = 0
    if newton and Gw.ndim == 3:  # first the active-set Newton method: where it is exact, no FISTA is needed
        xw, solved, solves = _ws_pdas(Gw, cw, xw, bw, thr)
        if bool(solved.all()):
            return xw, 0, solves
    L = 1.05 * _power(Gw if Gw.ndim == 3 else Gw[None], 10)  # 5 % above the Rayleigh quotient; a blow-up doubles L
    kept = torch.isfinite(thr).to(Gw.dtype)
    x_start, P_start = xw, _ws_objective_gap(Gw, cw, xw, bw, kept, y2)[0]
    age = torch.zeros(len(xw), 1, dtype=xw.dtype, device=xw.device)  # steps since the last (re)start
    z, inv_L, hi = xw, 1.0 / L, thr / L
    for k in range(max_iter):
        v = torch.addcmul(z, _c_minus_Gx(Gw, cw, z), inv_L)  # z - (Gz - c)/L
        x_new = v - v.clamp(-hi, hi)  # soft thresholding S_{thr/L}(v)
        step = x_new - xw
        mom = age / (age + 3.0)
        if restart:  # the momentum points uphill: start FISTA again from x_new
            again = torch.linalg.vecdot(z - x_new, step, dim=1)[:, None] > 0
            mom, age = mom.masked_fill_(again, 0.0), (age + 1.0).masked_fill_(again, 0.0)
        else:
            age = age + 1.0
        z, xw = torch.addcmul(x_new, mom, step), x_new
        if k % check == check - 1 or k == max_iter - 1:
            done = torch.zeros_like(goal, dtype=torch.bool)
            if newton:
                xw, done = _ws_newton(Gw, cw, xw, bw, thr)
                z = torch.where(done[:, None], xw, z)
                if bool(done.all()):
                    break
            P, gap = _ws_objective_gap(Gw, cw, xw, bw, kept, y2)
            bad = ~(P <= P_start + 1e-9 * P_start.abs())  # (also catches NaN): the step was too long
            if bool(bad.any()):
                L = torch.where(bad[:, None], 2.0 * L, L)
                inv_L, hi = 1.0 / L, thr / L
                xw, z = torch.where(bad[:, None], x_start, xw), torch.where(bad[:, None], x_start, z)
                age = age.masked_fill(bad[:, None], 0.0)
            elif bool((done | (gap <= goal)).all()):
                break
    return xw, k + 1, solves


def _pdas_one(Gw: np.ndarray, cw: np.ndarray, x: np.ndarray, b: float, max_newton: int = 8):
    """:func:`_ws_pdas` for one signal in NumPy, solving on the guessed support only.  Returns (x, solves);
    x is None if the method did not land (it cycled, or $G_{AA}$ was singular)."""
    dg, lam = Gw.diagonal(), cw - Gw @ x
    for solves in range(1, max_newton + 1):
        u = lam + dg * x
        a = np.flatnonzero(np.abs(u) > b)
        s = np.sign(u[a])
        G_AA = Gw[np.ix_(a, a)]
        try:
            np.linalg.cholesky(G_AA)  # positive definite? (more atoms than rows: singular, and LU would not say)
            xa = np.linalg.solve(G_AA, cw[a] - b * s)
        except np.linalg.LinAlgError:  # the general loop takes over
            return None, solves
        x = np.zeros_like(cw)
        x[a] = xa
        lam = cw - Gw @ x
        # the KKT conditions: the signs guessed, and |lambda_j| <= beta (on the support it is beta up to rounding)
        if (xa * s > 0).all() and (np.abs(lam) <= b * (1 + 1e-9)).all():
            return x, solves
    return None, max_newton


def _gap(RR: float, Ry: float, l1: float, cmax: float, b: float, tiny: float) -> float:
    r"""The Lasso's duality gap from four numbers: $\|r\|^2$, $r^\top y$, $\|x\|_1$ and $\max_j|d_j^\top r|$.
    The dual point is the residual scaled into the feasible set, $\theta = s\,r$ with
    $s = \min(1, \beta/\max_j|d_j^\top r|)$;
    then gap $= \tfrac12\|r\|^2 + \beta\|x\|_1 - (s\,r^\top y - \tfrac12 s^2\|r\|^2)$."""
    scale = min(1.0, b / max(cmax, tiny))
    return 0.5 * RR + b * l1 - (scale * Ry - 0.5 * scale * scale * RR)


def _lasso_one(D: np.ndarray, y: np.ndarray, b: float, tol: float, max_iter: int, ws_size: int):
    r"""One signal on the CPU, in NumPy: the working sets of :func:`lasso`, each solved exactly by the
    active-set Newton method (:func:`_pdas_one`).  A single solve is a few hundred operations on vectors of a
    few hundred numbers, so it is bound by the cost of an operation call: ~0.3 µs in NumPy against 1--2 µs for a
    torch operation (``make bench``: 0.15 ms against 0.47 ms for the same steps in torch, D 100×200).  No
    screening: the working set already leaves out the atoms far from the constraint.  Returns (x, gap, solves,
    rounds) once the gap certifies, or (x, None, solves, rounds) for :func:`lasso`'s general loop to finish
    (the Newton method cycled, a round did not lower the gap, or ``max_iter`` ran out; a tolerance below rounding
    level then runs the general loop to ``max_iter`` and its warning)."""
    n = D.shape[1]
    c = D.T @ y
    d_norm = np.maximum(np.sqrt((D * D).sum(0)), np.finfo(D.dtype).tiny)  # a tiny atom's norm may underflow
    y2 = float(y @ y)
    x, corr, nnz = np.zeros_like(c), c, 0
    RR, Ry, l1, cmax = y2, y2, 0.0, float(np.abs(c).max())  # at x = 0
    solves = rounds = 0
    tiny, last = float(np.finfo(D.dtype).tiny), math.inf
    while True:
        gap = _gap(RR, Ry, l1, cmax, b, tiny)
        if gap <= tol * y2:
            return x, gap, solves, rounds
        if solves >= max_iter or gap >= last:  # out of budget, or stuck (a tolerance below rounding level)
            return x, None, solves, rounds
        last = gap
        scale = min(1.0, b / max(cmax, tiny))
        score = (b - scale * np.abs(corr)) / d_norm  # the distance to the constraint |d_j^T theta| <= beta
        K = min(n, max(ws_size, 2 * nnz))
        score[x != 0] = -np.inf  # the support first
        idx = np.argpartition(score, K - 1)[:K] if K < n else np.arange(n)
        Dw = D[:, idx]
        xw, k = _pdas_one(Dw.T @ Dw, c[idx], x[idx], b)
        solves, rounds = solves + k, rounds + 1
        if xw is None:
            return x, None, solves, rounds
        x = np.zeros_like(c)
        x[idx] = xw
        R = y - Dw @ xw
        corr = D.T @ R
        RR, Ry, l1, cmax = float(R @ R), float(R @ y), float(np.abs(xw).sum()), float(np.abs(corr).max())
        nnz = int(np.count_nonzero(xw))


def lasso(D, y, beta, *, tol: float = 1e-8, max_iter: int = 10_000, x0=None, ws_size: int = 8,
          restart: bool = True, screening: bool = True, working_set: bool = True, newton: bool = True,
          per_signal: bool = True, gram="auto", device=None) -> LassoResult:
    r"""The Lasso $\min_x \tfrac12\|y - Dx\|^2 + \beta\|x\|_1$ to a certified duality gap $\le$ ``tol`` $\|y\|^2$
    (scikit-learn's stopping rule), for a batch of signals at once.

    The ingredients, each switchable for a comparison: ``working_set`` -- solve small problems on the atoms
    closest to violating $|d_j^\top\theta| \le \beta$, growing the set until the full gap certifies (Celer:
    Massias, Gramfort & Salmon 2018); ``screening`` -- gap-safe rules drop atoms proved zero
    (:func:`lasso_screen`); ``restart`` -- FISTA's momentum restarted adaptively (O'Donoghue & Candès 2015);
    ``newton`` -- the working-set problems solved exactly by the active-set Newton method (:func:`_ws_pdas`),
    with restarted FISTA and its support Newton step (:func:`_ws_newton`) where that method cycles;
    ``per_signal`` -- a converged signal leaves the batch; ``gram`` ("auto", True, False) -- gather the
    working-set Grams from $D^\top D$, computed once when $n^2 \le$ batch $\cdot K^2$ (it pays), else from
    the atoms; step sizes from the power method (:func:`power_method`).

    ``D`` (m, n_atoms); ``y`` (m,) or (m, batch); ``beta`` > 0, a scalar or one per signal; ``x0`` a start;
    ``ws_size`` the first working set's size; ``max_iter`` the FISTA steps plus Newton solves allowed per signal
    (a warning names the signals still above the tolerance when it runs out).  Returns a :class:`LassoResult`.

    One float64 signal on the CPU (with ``working_set`` and ``newton``, no ``x0``) takes a lean NumPy path,
    :func:`_lasso_one`: the same working sets and Newton method, where the cost of calling an operation, not
    arithmetic, sets the time.  If its Newton method cycles, the general loop starts afresh."""
    dev = get_device(device) if device is not None else None
    D = _dictionary(D, device=dev)
    y, single = _signals(y, D)
    m, n = D.shape
    B = y.shape[1]
    b = per_batch(beta, "beta", size=B, dtype=D.dtype, device=D.device)[0]
    tol = check_positive(tol, "tol")
    max_iter = check_steps(check_int(max_iter, "max_iter", min_value=1), "max_iter", what="this solve")
    ws_size = check_int(ws_size, "ws_size", min_value=1)
    for name, flag in (("restart", restart), ("screening", screening), ("working_set", working_set),
                       ("newton", newton), ("per_signal", per_signal)):
        check_bool(flag, name)
    if gram not in ("auto", True, False):
        raise ValueError(f"gram: expected 'auto', True or False, got {gram!r}")
    solves = rounds = 0
    lean = B == 1 and x0 is None and working_set and newton and D.device.type == "cpu" and D.dtype == torch.float64
    if lean:  # one signal: the lean path (float64: its KKT test of 1e-9 is below float32's rounding)
        Dn, yn = D.detach().numpy(), y[:, 0].detach().numpy()
        x1, g1, solves, rounds = _lasso_one(Dn, yn, float(b[0]), tol, max_iter, ws_size)
        x1 = torch.from_numpy(x1)
        if g1 is not None:  # certified: gap <= tol ||y||^2
            shape = () if single else (1,)
            g = torch.full(shape, g1, dtype=D.dtype)
            it, r, ok, nn = (torch.full(shape, v) for v in (0, rounds, True, solves))
            return LassoResult(x1 if single else x1[:, None], g, it, r, ok, nn)
        # it cycled, stalled or ran out: the general loop starts afresh (the counts carry over; the lean path's
        # point may come from a nearly singular solve, a poor start)
    Y = y.T.contiguous()  # batch first: (B, m)
    X = torch.zeros(B, n, dtype=D.dtype, device=D.device)
    if x0 is not None:
        x0 = as_tensor(x0, "x0", ndim=(1, 2), dtype=D.dtype, device=D.device)
        x0 = x0[:, None] if x0.ndim == 1 else x0
        if x0.shape not in ((n, 1), (n, B)):
            raise ValueError(f"x0: expected shape {(n, B)} or ({n},), got {tuple(x0.shape)}")
        X += x0.T
    Dt = D.T  # a view: the working sets gather their few rows from it
    c, y2 = Y @ D, (Y * Y).sum(1)
    d_norm = (D * D).sum(0).sqrt().clamp_min(torch.finfo(D.dtype).tiny)  # a tiny atom's squared norm may underflow
    target = tol * y2
    gap = torch.full((B,), math.inf, dtype=D.dtype, device=D.device)
    n_iter = torch.zeros(B, dtype=torch.long, device=D.device)
    n_rounds = torch.zeros(B, dtype=torch.long, device=D.device)
    n_newton = torch.zeros(B, dtype=torch.long, device=D.device)
    steps_used, newton_used = 0, solves  # every signal still in the batch has taken part in every round so far
    G = None
    # the signals still in the batch: their rows of every per-signal tensor, and their places `a` in the output
    a, Ya, ca, y2a, ta, ba, Xa = torch.arange(B, device=D.device), Y, c, y2, target, b, X.clone()
    keep = torch.ones(B, n, dtype=torch.bool, device=D.device)
    R = Y - X @ Dt if x0 is not None else Y
    corr = R @ D if x0 is not None else c  # at x = 0 the correlations are D^T y
    while True:
        # 1. certify: the dual point theta = the residual scaled into |d_j^T theta| <= beta (kept atoms)
        RR = (R * R).sum(1)
        scale = torch.clamp(ba / corr.abs().amax(1).clamp_min(torch.finfo(D.dtype).tiny), max=1.0)
        primal, dual = 0.5 * RR + ba * Xa.abs().sum(1), scale * (R * Ya).sum(1) - 0.5 * scale * scale * RR
        g = primal - dual
        done = g <= ta
        if bool(done.all()) or steps_used + newton_used >= max_iter:
            X[a], gap[a], n_iter[a], n_rounds[a], n_newton[a] = Xa, g, steps_used, rounds, newton_used
            break
        if per_signal and bool(done.any()):  # the converged signals leave the batch
            out, stay = torch.nonzero(done)[:, 0], torch.nonzero(~done)[:, 0]
            leaving = a[out]
            X[leaving], gap[leaving], n_iter[leaving], n_rounds[leaving] = Xa[out], g[out], steps_used, rounds
            n_newton[leaving] = newton_used
            a, Ya, ca, y2a, ta, ba, Xa, keep, corr, scale, g, RR, primal, dual = (
                v.index_select(0, stay) for v in (a, Ya, ca, y2a, ta, ba, Xa, keep, corr, scale, g, RR, primal, dual))
        # 2. screen, and rank the atoms by their distance to the constraint |d_j^T theta| = beta
        score = (ba[:, None] - scale[:, None] * corr.abs()) / d_norm
        if screening:
            radius = _screen_radius(g, primal.abs() + dual.abs(), m, scale * RR.sqrt())
            keep &= score <= radius[:, None]
        # 3. the working set: the support, then the atoms closest to violating; K doubles with the support
        bw = ba[:, None]
        if working_set:
            K = min(n, max(ws_size, 2 * int((Xa != 0).sum(1).max())))
            idx = torch.topk(score.masked_fill(Xa != 0, -math.inf), K, dim=1, largest=False, sorted=False).indices
            if G is None and (gram is True or (gram == "auto" and n * n <= len(a) * K * K)):
                G = D.T @ D  # costs m n^2 once; pays when the working-set Grams would cost more
            Dw = Dt[idx]
            Gw = G[idx[:, :, None], idx[:, None, :]] if G is not None else torch.bmm(Dw, Dw.transpose(1, 2))
            cw, xw, kw = ca.gather(1, idx), Xa.gather(1, idx), keep.gather(1, idx)
        else:  # every atom, one Gram shared by the batch
            G = D.T @ D if G is None else G
            Gw, cw, xw, kw = G, ca, Xa, keep
        thr = torch.where(kw, bw, math.inf) if screening else bw.expand_as(xw)
        goal = 0.3 * torch.maximum(g, ta)  # the small problem's gap; a converged signal kept in the batch: ~tol
        xw, steps, solves = _ws_fista(Gw, cw, xw, bw, thr, y2a, goal, max(1, max_iter - steps_used - newton_used),
                              restart=restart, newton=newton)
        if not bool(torch.isfinite(xw).all()):
            raise Diverged("beta: the working-set iterations blew up (non-finite codes)")
        steps_used, newton_used, rounds = steps_used + steps, newton_used + solves, rounds + 1
        if working_set:
            Xa = torch.zeros_like(Xa).scatter_(1, idx, xw)
            R = Ya - torch.bmm(xw[:, None, :], Dw)[:, 0]  # the residual, from the working set alone
        else:
            Xa, R = xw, Ya - xw @ Dt
        union = keep.any(0) if screening else None
        if screening and int(union.sum()) < 0.7 * n:  # correlate with the atoms some signal still keeps
            corr = torch.zeros_like(Xa)
            corr[:, union] = R @ D[:, union]
        else:
            corr = R @ D
    converged = gap <= target
    if not bool(converged.all()):
        bad = torch.nonzero(~converged)[:, 0].tolist()
        warnings.warn(f"max_iter: {len(bad)} signal(s) (first {bad[:5]}) stopped above the tolerance after "
                      f"{max_iter} steps; worst gap / ||y||^2 = {float((gap / y2.clamp_min(1e-300)).max()):.2e}",
                      RuntimeWarning, stacklevel=2)
    x = X.T.contiguous()
    if single:
        return LassoResult(x[:, 0], gap[0], n_iter[0], n_rounds[0], converged[0], n_newton[0])
    return LassoResult(x, gap, n_iter, n_rounds, converged, n_newton)
