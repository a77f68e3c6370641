"""Lecture 09's exercises: the last-layer W update (a ridge solve) and the multiplier update."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise, Prediction

__all__ = ["exercise_last_layer_update", "exercise_multiplier_update", "prediction_last_multiplier"]


def _ex_data(seed):
    g = torch.Generator().manual_seed(seed)
    V_prev = torch.rand(4, 30, generator=g, dtype=torch.float64)
    V = torch.randn(2, 30, generator=g, dtype=torch.float64)
    Lam = torch.randn(2, 30, generator=g, dtype=torch.float64)
    return V_prev, V, Lam


def exercise_last_layer_update() -> Exercise:
    r"""Implement the last-layer update (no bias)
    $W_l=\arg\min_W \frac\lambda2\|W\|^2+\langle\Lambda,WV_{\rm prev}-V\rangle+\frac\beta2\|WV_{\rm prev}-V\|^2$."""

    def reference(V_prev, V, Lam, beta, lam):
        A = lam * torch.eye(V_prev.shape[0], dtype=V_prev.dtype) + beta * V_prev @ V_prev.T
        return torch.linalg.solve(A, V_prev @ (beta * V - Lam).T).T

    def zero_grad(args):
        V_prev, V, Lam, beta, lam = args

        def test(W):
            W = torch.as_tensor(W, dtype=torch.float64)
            if W.shape != (V.shape[0], V_prev.shape[0]):
                return f"shape {tuple(W.shape)}, expected {(V.shape[0], V_prev.shape[0])}"
            g = lam * W + (Lam + beta * (W @ V_prev - V)) @ V_prev.T
            err = float(g.abs().max())
            return None if err < 1e-8 else f"the subproblem's gradient is {err:.3g}, not 0"

        return test

    cases = []
    for seed, beta, lam in [(0, 1.0, 0.1), (1, 10.0, 1e-3), (2, 0.5, 5.0)]:
        V_prev, V, Lam = _ex_data(seed)
        args = (V_prev, V, Lam, beta, lam)
        cases.append(Case(f"beta={beta}, lam={lam}", args=args, expected=reference(*args), atol=1e-8))
        cases.append(Case(f"gradient vanishes (beta={beta})", args=args, test=zero_grad(args)))
    return Exercise("last-layer W update (ridge solve)", cases, hint=[
        "Which terms of the objective contain W, and what kind of function of W is their sum?",
        "It is a quadratic, so its minimiser is where its gradient vanishes. Differentiate each term with respect "
        "to W (the inner product with Λ is linear in W; the β-term is a least-squares term).",
        "Collect the terms that multiply W on one side: W times a symmetric positive-definite d×d matrix equals "
        "a matrix built from V, Λ and V_prev. Solve that linear system rather than forming an inverse.",
    ])


def exercise_multiplier_update() -> Exercise:
    r"""Implement $\Lambda \leftarrow \Lambda + \beta(\sigma(WV_{\rm prev}) - V)$ for a sigmoid hidden layer."""
    cases = []
    for seed, beta in [(3, 1.0), (4, 10.0)]:
        g = torch.Generator().manual_seed(seed)
        V_prev, _, _ = _ex_data(seed)
        W = torch.randn(3, 4, generator=g, dtype=torch.float64)
        V = torch.rand(3, 30, generator=g, dtype=torch.float64)
        Lam = torch.randn(3, 30, generator=g, dtype=torch.float64)
        expected = Lam + beta * (torch.sigmoid(W @ V_prev) - V)
        cases.append(Case(f"beta={beta}", args=(Lam, W, V_prev, V, beta), expected=expected, atol=1e-10))
    return Exercise("multiplier update", cases, hint=[
        "The multiplier update is a gradient *ascent* step on the augmented Lagrangian in Λ. "
        "What is ∂L/∂Λ for this layer's constraint?",
        "L contains ⟨Λ, r⟩ with the residual r defined in the math section: check which of σ(W V_prev) and V "
        "comes first in r; the sign of the step follows from it. The step length is β.",
    ])


def prediction_last_multiplier() -> Prediction:
    r"""Predict the last layer's KKT multiplier $\Lambda_l$ for one sample at a feasible point (the
    forward pass), where the network outputs 0.7 and the target is 0.5."""
    return Prediction(
        "last-layer multiplier Λ_l at the forward pass (output 0.7, target 0.5)", 0.2, abs_tol=0.005,
        why="Stationarity of the Lagrangian in V_l: (V_l − Y) − Λ_l = 0, so Λ_l = f(x) − y: backprop's error "
            "signal at the output.",
        hint=["Write the Lagrangian ½‖V_l − Y‖² + ⟨Λ_l, W_l Ṽ_{l−1} − V_l⟩ (the other terms do not contain V_l). "
              "What must its derivative in V_l be at a KKT point?",
              "Mind the sign: the residual is W_l Ṽ_{l−1} − V_l, so V_l enters the inner product with a minus.",
              ])
