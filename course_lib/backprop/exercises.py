"""Lecture 01's exercises on backpropagation: one layer's backward pass (code) and the curvature of a
failed XOR run (a prediction to derive before the lecture computes it)."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise, Prediction

__all__ = ["exercise_layer_backward", "prediction_stiff_eigenvalue"]


def exercise_layer_backward() -> Exercise:
    """Exercise: the backward pass of one sigmoid layer.

    ``layer_backward(W, x, y, grad_y) -> (grad_W, grad_b, grad_x)`` for y = σ(x Wᵀ + b),
    x of shape (n, in), W (out, in), and grad_y = ∂E/∂y of shape (n, out).
    """
    g = torch.Generator().manual_seed(7)
    cases = []
    for n, d_in, d_out in [(1, 2, 1), (4, 3, 2), (5, 2, 3)]:
        W = torch.randn(d_out, d_in, generator=g, dtype=torch.float64)
        b = torch.randn(d_out, generator=g, dtype=torch.float64)
        x = torch.randn(n, d_in, generator=g, dtype=torch.float64)
        grad_y = torch.randn(n, d_out, generator=g, dtype=torch.float64)
        Wr, br, xr = (t.clone().requires_grad_(True) for t in (W, b, x))
        (torch.sigmoid(xr @ Wr.T + br) * grad_y).sum().backward()
        y = torch.sigmoid(x @ W.T + b)
        expected = (Wr.grad, br.grad, xr.grad)

        def test(result, expected=expected):
            if not isinstance(result, (tuple, list)) or len(result) != 3:
                return "return a tuple (grad_W, grad_b, grad_x)"
            for name, got, want in zip(("grad_W", "grad_b", "grad_x"), result, expected):
                got = torch.as_tensor(got, dtype=torch.float64)
                if got.shape != want.shape:
                    return f"{name} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
                err = float((got - want).abs().max())
                if err > 1e-9:
                    return f"{name} differs from autograd by {err:.2g}"
            return None

        cases.append(Case(f"n={n}, in={d_in}, out={d_out}", (W, x, y, grad_y), test=test))
    return Exercise(
        "Backward pass of one sigmoid layer", cases,
        hint=["For one weight w_ji the chain rule multiplies three factors: ∂E/∂y_j, ∂y_j/∂(total input x_j), "
              "∂x_j/∂w_ji. Which of them do you already have, and which can you write with y alone?",
              "σ'(x) = σ(x)(1 − σ(x)): the layer's output y gives it without recomputing x. Multiply it into "
              "grad_y first, sample by sample and unit by unit -- that product is the error signal δ.",
              "Every weight gradient pairs δ with the input that weight multiplied, summed over the n samples; "
              "the bias sees an input of 1; the gradient for x sends δ back through the same weights W."],
    )


def prediction_stiff_eigenvalue() -> Prediction:
    """Prediction: the largest Hessian eigenvalue of a failed 2-2-1 XOR run whose two undecided inputs
    (outputs ½) share the saturated hidden code h = (1, 0): (1 + ‖h‖²)/16 = 1/8."""
    return Prediction(
        "Stiff eigenvalue of a failed XOR run", 0.125, rel_tol=0.05,
        why="Only the output layer can move the two undecided outputs: E restricted to a = (v, b) has Hessian "
            "(2/n)·Σ σ'(0)²·a aᵀ = (2/4)·2·(1/16)·a aᵀ over the pair, rank one, eigenvalue ‖a‖²/16 = (1+‖h‖²)/16.",
        hint=["The hidden units are saturated: which parameters can still change the two undecided outputs "
              "(and which directions are flat)?",
              "Restricted to the output layer, E = ¼·Σᵢ(σ(v·hᵢ + b) − dᵢ)². At an output of ½ the residual term of "
              "the Hessian vanishes (σ''(0) = 0); what is left is (2/n)·Σ σ'(z)²·a aᵀ with a = (h, 1). What is "
              "σ'(0), and what is the only non-zero eigenvalue of a aᵀ?"],
    )
