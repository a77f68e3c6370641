"""Lecture 09's exercises: the last-layer W update (a ridge solve) and the multiplier update."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise

__all__ = ["exercise_last_layer_update", "exercise_multiplier_update"]


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
    return Exercise("last-layer W update (ridge solve)", cases,
                    hint="set the gradient λW + (Λ + β(WV_prev − V))V_prevᵀ to zero and solve the d×d system.")


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
    return Exercise("multiplier update", cases, hint="Λ + β·r with the residual r = σ(W V_prev) − V (not V − σ(...)).")
