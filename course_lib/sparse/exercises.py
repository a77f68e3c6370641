"""Exercises of lecture 04: self-checks for a student's soft threshold and one ISTA step, and a
prediction of the l1 phase transition for a new problem size.  Hints come in steps (a question,
then the idea; never the code)."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.sparse.kernels import _lasso_problem, ista, soft_threshold
from course_lib.sparse.recovery import l1_transition_sparsity

__all__ = ["exercise_soft_threshold", "exercise_ista_step", "prediction_transition"]


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
        hint=[
            "Minimise ½(x − z)² + β|x| by hand: for which z is x = 0 the minimiser, and, when it is not, "
            "how far from z does the minimiser sit?",
            "Inside [−β, β] the answer is 0; outside, keep the sign of z and shrink its magnitude by β. "
            "Write that as sign × (magnitude − β, floored at 0), elementwise, with no loop over entries.",
        ],
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
        hint=[
            "ISTA splits F into a smooth part and ‖·‖₁: what is the gradient of ½‖y − Dx‖² at x, "
            "and what step size does L allow?",
            "Take a gradient step of length 1/L on the smooth part, then apply the prox of the scaled "
            "ℓ1 term to the result: soft thresholding at β/L, not at β (the step scales the penalty too).",
        ],
    )


def prediction_transition(n: int = 100, m: int = 50) -> Prediction:
    """Predict where basis pursuit's success drops to 50 % for ``n`` unknowns and ``m`` measurements."""
    answer = float(l1_transition_sparsity(n, m))
    return Prediction(
        f"ℓ1 transition for n = {n}, m = {m}",
        answer,
        abs_tol=1.0,
        unit="nonzeros",
        why=("The theory depends on the ratios only: δ = m/n fixes ρ = s/n at the transition, so s grows "
             "in proportion to n."),
        hint=[
            "The curve nψ(s/n) = m can be written with ratios only. Which ratios, and did they change "
            "from the experiment above?",
            "δ = m/n is the same as in experiment 2, so the transition sits at the same ρ = s/n; "
            "scale the theory's s* of experiment 2 by the ratio of the two n.",
        ],
    )
