"""Exercises of lecture 04: self-checks for a student's soft threshold and one ISTA step."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise
from course_lib.sparse.kernels import _lasso_problem, ista, soft_threshold

__all__ = ["exercise_soft_threshold", "exercise_ista_step"]


def exercise_soft_threshold() -> Exercise:
    """Self-check for a student's ``soft_threshold(z, beta)`` on tensors."""
    z = torch.tensor([-3.0, -1.0, -0.5, 0.0, 0.2, 0.7, 2.5], dtype=torch.float64)
    return Exercise(
        "Soft thresholding S_β",
        [
            Case("β = 1 on a mix of signs", (z, 1.0), expected=soft_threshold(z, 1.0)),
            Case("β = 0 is the identity", (z, 0.0), expected=z.clone()),
            Case("β larger than every |z| gives zeros", (z, 5.0), expected=torch.zeros_like(z)),
            Case("a batch (2, 7) with β = 0.5", (torch.stack([z, -z]), 0.5),
                 expected=soft_threshold(torch.stack([z, -z]), 0.5)),
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
