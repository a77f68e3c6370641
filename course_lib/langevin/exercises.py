"""Lecture 07's exercises: one SGLD step (the noise scale), the Gibbs normalizer Z(beta), and a
prediction: the largest stable step at the tilted well's global minimum (derive it first)."""
from __future__ import annotations

import math

import torch

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.langevin.kernels import TILT, double_well_grad
from course_lib.langevin.theory import tilted_well_critical_points

__all__ = ["exercise_sgld_step", "exercise_gibbs_normalizer", "prediction_tilted_stable_step"]


def exercise_sgld_step():
    """Exercise: one SGLD step ``sgld_step(x, grad, eta, beta, z)`` with the right noise scale."""
    x = torch.tensor([[1.0], [-0.5], [2.0]], dtype=torch.float64)
    grad = double_well_grad(x)
    z = torch.tensor([[0.3], [-1.2], [0.7]], dtype=torch.float64)

    def case(eta, beta, label):
        right = x - eta * grad + math.sqrt(2 * eta / beta) * z
        wrong_half = x - eta * grad + math.sqrt(eta / beta) * z
        wrong_no_eta = x - eta * grad + math.sqrt(2 / beta) * z

        def test(result):
            r = torch.as_tensor(result, dtype=torch.float64)
            if r.shape != right.shape:
                return f"shape {tuple(r.shape)}, expected {tuple(right.shape)}"
            if torch.allclose(r, wrong_half, atol=1e-9):
                return ("noise scale is sqrt(eta/beta): that samples exp(-2 beta U), not exp(-beta U); "
                        "use sqrt(2 eta/beta)")
            if torch.allclose(r, wrong_no_eta, atol=1e-9):
                return ("noise scale sqrt(2/beta) forgets the step: Brownian increments over time eta "
                        "have variance 2 eta/beta")
            if not torch.allclose(r, right, atol=1e-9):
                return f"got {r.flatten().tolist()}, expected {right.flatten().tolist()}"
            return None

        return Case(label, args=(x.clone(), grad.clone(), eta, beta, z.clone()), test=test)

    return Exercise(
        "One SGLD step",
        [case(0.1, 1.0, "eta=0.1, beta=1"), case(0.01, 4.0, "eta=0.01, beta=4"), case(0.05, 0.5, "eta=0.05, beta=0.5")],
        hint=[
            "The SDE is dW = -grad U dt + sqrt(2/beta) dB. Over a time step of length eta, what is the variance "
            "of the Brownian increment B(t + eta) - B(t)? And after multiplying it by sqrt(2/beta)?",
            "The drift part is a plain gradient step of length eta. The noise part is a standard normal draw "
            "scaled to the variance you just found: a scale is a standard deviation, the square root of a variance.",
        ],
    )


def exercise_gibbs_normalizer():
    """Exercise: ``normalizer(U, beta, grid)`` = the integral of exp(-beta U) over the grid."""
    grid = torch.linspace(-4.0, 4.0, 4001, dtype=torch.float64)
    fine = torch.linspace(-4.0, 4.0, 40001, dtype=torch.float64)  # Simpson weights 1,4,2,...,4,1 (h/3)
    simpson = torch.ones_like(fine)
    simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
    simpson *= (fine[1] - fine[0]) / 3

    def quad(U, beta):
        # composite Simpson on 40,001 points: error O(h^4) ~ 1e-13 here, far below the 1e-4 check
        return float((simpson * torch.exp(-beta * U(fine))).sum())

    def U_dw(x):
        return (x**2 - 1) ** 2

    def U_quad(x):
        return x**2 / 2

    def case(U, beta, label):
        ref = quad(U, beta)
        total = float(torch.exp(-beta * U(grid)).sum())

        def test(result):
            try:
                v = float(result)
            except (TypeError, ValueError):
                return f"expected a number, got {type(result).__name__}"
            if not math.isfinite(v):
                return "result is not finite"
            if abs(v - total) < 1e-6 * total:
                return "this is the plain sum of exp(-beta U): multiply by the grid spacing (or use torch.trapezoid)"
            if abs(v - ref) > 1e-4 * ref:
                return f"got {v:.6g}, expected {ref:.6g} (Simpson rule on a 10x finer grid)"
            return None

        return Case(label, args=(U, beta, grid.clone()), test=test)

    return Exercise(
        "The Gibbs normalizer Z(β) = ∫ exp(-βU)",
        [
            case(U_quad, 1.0, "U = x²/2, β = 1 (Z = √(2π))"),
            case(U_dw, 1.0, "double well, β = 1"),
            case(U_dw, 4.0, "double well, β = 4"),
        ],
        hint=[
            "Z is an integral over x. If you add up exp(-beta U) at the grid points, which quantity are you "
            "approximating -- the integral, or the integral divided by something?",
            "An integral over a grid weighs each value by the width it stands for: the grid spacing (a Riemann "
            "sum), or half-widths at the ends (the trapezoid rule, which torch provides).",
        ],
    )


def prediction_tilted_stable_step(tilt: float = TILT) -> Prediction:
    r"""Prediction: the largest step $\eta$ at which gradient descent still returns to the global
    minimum $x_g$ of the tilted well $U(x) = (x^2-1)^2 + a x$, i.e. $2/U''(x_g)$."""
    x_g, _, _ = tilted_well_critical_points(tilt)
    curvature = 12 * x_g**2 - 4
    return Prediction(
        f"The largest stable step at the global minimum of the tilted well (a = {tilt:g})",
        2 / curvature,
        abs_tol=0.002,
        why=(f"Near x_g = {x_g:.4f} a deviation is multiplied by 1 - eta U''(x_g) per step, U''(x_g) = "
             f"{curvature:.3f}: it shrinks only while eta < 2/U''(x_g). The steeper well (U'' > 8) allows a "
             "smaller step than the symmetric double well's 0.25."),
        hint=[
            "Write x = x_g + e with a small deviation e. What does one gradient-descent step do to e, to first "
            "order in e (Taylor-expand U' around x_g, where U'(x_g) = 0)?",
            "The deviation is multiplied by the same factor at every step; it shrinks only if that factor lies "
            "strictly between -1 and 1. You need x_g (the root of U'(x) = 4x^3 - 4x + a with the lowest U) and "
            "the curvature U'' there.",
        ],
    )
