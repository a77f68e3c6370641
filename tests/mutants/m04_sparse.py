"""Mutants of lecture 04: plausible mistakes in the kernels its claims rest on."""
from __future__ import annotations

import numpy as np
import torch

from tests.mutants import Mutant

LECTURE = "04_sparse_coding_relu"


def _half_beta(soft_threshold):
    """S_{β/2}: the ½ of ½(x − z)² carried into the threshold (z − β/2 instead of z − β)."""
    def mutant(z, beta):
        half = beta / 2 if isinstance(beta, (int, float, torch.Tensor, np.ndarray)) else np.asarray(beta) / 2
        return soft_threshold(z, half)
    return mutant


def _half_step(ista):
    """ISTA with step 1/(2L): L doubled (‖D‖₂² counted twice, e.g. the Lipschitz constant of ‖y − Dx‖²)."""
    def mutant(D, y, beta, n_iter, *, L=None, **kwargs):
        L0 = L if L is not None else float(torch.linalg.matrix_norm(torch.as_tensor(D), ord=2)) ** 2
        return ista(D, y, beta, n_iter, L=2 * L0, **kwargs)
    return mutant


def _no_momentum(fista):
    """FISTA that never applies its momentum: every call runs plain ISTA (rate 1/k instead of 1/k²)."""
    from course_lib.sparse import kernels

    ista = kernels.ista
    return lambda *args, **kwargs: ista(*args, **kwargs)


def _with_momentum(ista):
    """ISTA with the shared loop's ``accelerated`` flag stuck on: it runs FISTA (its first step is still ISTA's)."""
    from course_lib.sparse import kernels

    fista = kernels.fista
    return lambda *args, **kwargs: fista(*args, **kwargs)


def _no_residual_update(omp):
    """OMP that correlates the atoms with y every step instead of the residual: one-shot thresholding."""
    from course_lib.sparse import recovery

    thresholding = recovery.thresholding
    return lambda D, y, sparsity, **kwargs: thresholding(D, y, sparsity, **kwargs)


def _restart_ignored(fista):
    """FISTA whose ``restart`` flag is accepted but never wired into the loop: plain FISTA."""
    return lambda *args, restart=False, **kwargs: fista(*args, **kwargs)


def _pdas_sign_flipped(ws_pdas):
    """The active-set Newton method with the subgradient's sign flipped: G x = c + beta s (never sign-consistent)."""
    return lambda Gw, cw, xw, bw, thr, max_newton=6: ws_pdas(Gw, cw, xw, -bw, thr, max_newton)


def _dual_unscaled(gap):
    """The single-signal duality gap with the residual taken as the dual point unscaled (not dual-feasible)."""
    return lambda RR, Ry, l1, cmax, b, tiny: 0.5 * RR + b * l1 - (Ry - 0.5 * RR)


def _screening_without_ball(lasso_screen):
    """Screening on the current dual point alone, |d_j^T theta| < beta, without the gap ball (unsafe)."""
    def mutant(D, y, x, beta):
        D, y, x = (torch.as_tensor(v) for v in (D, y, x))
        b = torch.as_tensor(beta, dtype=D.dtype)
        corr = D.T @ (y - D @ x)
        scale = torch.clamp(b / corr.abs().amax(0), max=1.0)
        return scale * corr.abs() >= b
    return mutant


MUTANTS = [
    Mutant("soft_threshold_half_beta", "course_lib.sparse.kernels:soft_threshold", _half_beta,
           "soft threshold at β/2 (a constant off by 2)"),
    Mutant("ista_half_step", "course_lib.sparse.kernels:ista", _half_step,
           "ISTA with step 1/(2L) (L doubled)"),
    Mutant("ista_with_momentum", "course_lib.sparse.kernels:ista", _with_momentum,
           "ISTA with FISTA's momentum left on (one shared loop, flag stuck): a 1/k² method sold as ISTA"),
    Mutant("fista_no_momentum", "course_lib.sparse.kernels:fista", _no_momentum,
           "FISTA without its momentum step: plain ISTA, rate 1/k"),
    Mutant("transition_up_3", "course_lib.sparse.recovery:l1_transition_sparsity",
           lambda f: lambda *a, **k: f(*a, **k) + 3, "the ℓ1 transition sparsity s* moved up by 3"),
    Mutant("transition_down_3", "course_lib.sparse.recovery:l1_transition_sparsity",
           lambda f: lambda *a, **k: f(*a, **k) - 3, "the ℓ1 transition sparsity s* moved down by 3"),
    Mutant("omp_no_residual_update", "course_lib.sparse.recovery:omp", _no_residual_update,
           "crippled OMP: picks atoms by correlation with y, never with the residual (= thresholding)"),
    Mutant("fista_restart_ignored", "course_lib.sparse.kernels:fista", _restart_ignored,
           "adaptive restart accepted as a flag but never applied (plain FISTA)"),
    Mutant("lasso_pdas_sign_flipped", "course_lib.sparse.solver:_ws_pdas", _pdas_sign_flipped,
           "the active-set Newton method solves G x = c + beta s: the subgradient's sign flipped"),
    Mutant("lasso_one_dual_unscaled", "course_lib.sparse.solver:_gap", _dual_unscaled,
           "one signal's duality gap with the residual as dual point, not scaled into |d_j^T theta| <= beta"),
    Mutant("screening_without_ball", "course_lib.sparse.solver:lasso_screen", _screening_without_ball,
           "screening drops atoms with |d_j^T theta| < beta, forgetting the sqrt(2 gap) ball around the dual point"),
]
