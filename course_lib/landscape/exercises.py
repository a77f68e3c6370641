"""Exercises of lecture 08: the minimum of a linear network (predict), the loss along a Bezier path
(code), and the barrier at a larger width (predict)."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.core.validate import check_positive
from course_lib.landscape.kernels import toy_linear_loss

__all__ = ["prediction_rank_one_minimum", "exercise_bezier_losses", "prediction_wide_barrier"]


def prediction_rank_one_minimum() -> Prediction:
    """X = I_3 (three samples), Y = diag(3, 2, 1): the minimum of ½‖Y − W₂W₁X‖² with hidden width 1."""
    return Prediction(
        "Minimum loss of a width-1 linear network on X = I₃, Y = diag(3, 2, 1)",
        answer=2.5, abs_tol=0.01, unit="(½‖·‖²)",
        why="Width 1 forces rank 1: the best rank-1 fit keeps the top singular value 3 (Eckart–Young), "
            "so the loss is ½(2² + 1²); Kawaguchi: every local minimum has this value.",
        hint=["What is the largest rank the product W₂W₁ can have when the hidden layer has one unit?",
              "Here the least-squares fit is Y itself (X = I); among rank-1 matrices, which one is closest to "
              "diag(3, 2, 1) in Frobenius norm?",
              "Eckart–Young: keep the largest singular value and drop the others; the loss is half the sum of "
              "the squares of the dropped ones."],
    )


def _bezier_reference(loss_fn, w_a, theta, w_b, t):
    return torch.stack([loss_fn((1 - s) ** 2 * w_a + 2 * s * (1 - s) * theta + s ** 2 * w_b) for s in t])


def _bezier_case(label, loss_fn, w_a, theta, w_b, t) -> Case:
    want = _bezier_reference(loss_fn, w_a, theta, w_b, t)
    no_two = torch.stack([loss_fn((1 - s) ** 2 * w_a + s * (1 - s) * theta + s ** 2 * w_b) for s in t])

    def test(result):
        got = torch.as_tensor(result, dtype=want.dtype)
        if got.shape != want.shape:
            return f"shape {tuple(got.shape)}, expected {tuple(want.shape)} (one loss per t)"
        if not bool(torch.isfinite(got).all()):
            return "result contains NaN or inf"
        if torch.allclose(got, want, atol=1e-9, rtol=1e-9):
            return None
        if torch.allclose(got, no_two, atol=1e-9, rtol=1e-9) and not torch.allclose(no_two, want):
            return "these are the losses of (1−t)²w_a + t(1−t)θ + t²w_b: the middle weight is 2t(1−t)"
        return f"max |error| = {float((got - want).abs().max()):.3g}; expected {want.numpy().round(4)}"

    return Case(label, (loss_fn, w_a, theta, w_b, t), test=test)


def exercise_bezier_losses() -> Exercise:
    """Self-check for ``bezier_losses(loss_fn, w_a, theta, w_b, t)``: the losses at the points
    (1−t)²w_a + 2t(1−t)θ + t²w_b of the quadratic Bezier curve, one per entry of ``t``."""
    d = torch.float64
    wa, wb = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=d), torch.tensor([-1.0, 0.0, -1.0, 0.0], dtype=d)
    theta = torch.tensor([0.0, 2.0, 0.0, 2.0], dtype=d)
    t = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=d)
    g = torch.Generator().manual_seed(8)
    a3, b3, c3 = (torch.randn(3, generator=g, dtype=d) for _ in range(3))

    def bowl(v):
        return 0.5 * (v * v).sum() + v[0]

    return Exercise(
        "Loss along a quadratic Bezier curve",
        [
            _bezier_case("the width-2 toy net, hand-made control point (0, 2, 0, 2)", toy_linear_loss,
                         wa, theta, wb, t),
            _bezier_case("θ at the midpoint: the curve is the segment", toy_linear_loss, wa, 0.5 * (wa + wb), wb, t),
            _bezier_case("a quadratic bowl in 3-D, random points, 7 values of t", bowl, a3, b3, c3,
                         torch.linspace(0, 1, 7, dtype=d)),
        ],
        hint=["Where is the curve at t = 0, at t = 1, and which point pulls it in between?",
              "Build the point φ(t) for each t from the three weights (1−t)², 2t(1−t) and t², then call "
              "loss_fn on that flat vector; collect the losses in one tensor."],
    )


def prediction_wide_barrier(answer: float, abs_tol: float) -> Prediction:
    """Predict the median Bezier barrier at a width beyond the lecture's table (measured: ``answer``)."""
    return Prediction(
        "Median barrier of the trained Bezier curve at width 64",
        answer=check_positive(answer, "answer", allow_zero=True), abs_tol=check_positive(abs_tol, "abs_tol"),
        unit="(MSE)",
        why="The barrier of the trained curve had already reached 0 (up to the grid of 41 points) by width 16; "
            "Freeman–Bruna's m^(−1/n) is only an upper bound, and a loose one here.",
        hint=["Look at the table of medians: at which width did the trained curve's barrier first reach 0?",
              "Does anything push it back up when the network gets wider? The bound only says it can't grow."],
    )
