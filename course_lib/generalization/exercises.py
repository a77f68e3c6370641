"""Exercises of lecture 06: the two norms of R_A, R_A itself, and two predictions."""
from __future__ import annotations

import torch

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.generalization.kernels import norm_2_1, spectral_complexity, spectral_norm

__all__ = ["exercise_norms", "exercise_spectral_complexity", "prediction_noisy_accuracy",
           "prediction_orthogonal_complexity"]


def _matrices(seed: int = 6) -> list[tuple[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    u, v = torch.randn(5, 1, generator=g, dtype=torch.float64), torch.randn(1, 3, generator=g, dtype=torch.float64)
    Q, _ = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=torch.float64))
    return [("a random 4x7 matrix", torch.randn(4, 7, generator=g, dtype=torch.float64)),
            ("a rank-one 5x3 matrix u vᵀ", u @ v),
            ("an orthogonal 6x6 matrix", Q),
            ("a diagonal matrix diag(3, −1, 2)", torch.diag(torch.tensor([3.0, -1.0, 2.0], dtype=torch.float64))),
            ("a 1x4 row", torch.tensor([[1.0, -2.0, 2.0, 4.0]], dtype=torch.float64))]


def exercise_norms() -> Exercise:
    """Self-check for ``norms(A)``: returns ``(spectral norm of A, ‖Aᵀ‖_{2,1})`` for one (out, in) matrix."""
    cases = [Case(label, (A,), expected=torch.stack([spectral_norm(A), norm_2_1(A.T)]), atol=1e-9)
             for label, A in _matrices()]
    return Exercise(
        "The spectral norm and the (2,1) norm of Aᵀ",
        cases,
        hint=["Which singular value is the spectral norm, and is it the Frobenius norm √(Σ a²)? Try a diagonal "
              "matrix by hand.",
              "‖M‖_{2,1} sums the Euclidean norms of the columns of M; the columns of Aᵀ are the rows of A.",
              "torch.linalg has both a singular-value routine and a matrix_norm with an ord argument; a tensor's "
              ".norm takes a dim."],
    )


def exercise_spectral_complexity() -> Exercise:
    """Self-check for ``r_a(weights)``: R_A of a list of (out, in) matrices, references 0, ρ = 1."""
    g = torch.Generator().manual_seed(7)
    cases = []
    for sizes in ((3, 5, 2), (4, 4, 4, 4), (2, 6), (8, 3, 3, 5, 1)):
        Ws = [torch.randn(b, a, generator=g, dtype=torch.float64) for a, b in zip(sizes[:-1], sizes[1:])]
        cases.append(Case(f"layers {' → '.join(map(str, sizes))}", (Ws,), expected=spectral_complexity(Ws),
                          atol=1e-9 * spectral_complexity(Ws)))
    Q = [torch.linalg.qr(torch.randn(5, 5, generator=g, dtype=torch.float64))[0] for _ in range(3)]
    cases.append(Case("three orthogonal 5x5 layers", (Q,), expected=spectral_complexity(Q), atol=1e-9))
    return Exercise(
        "The spectral complexity R_A",
        cases,
        hint=["R_A is a product times a sum: which factor carries the Lipschitz constant of the whole net?",
              "Per layer you need two numbers, ‖A‖_σ and ‖Aᵀ‖_{2,1}; the sum adds (‖Aᵀ‖_{2,1}/‖A‖_σ)^(2/3).",
              "Raise the sum to the power 3/2 at the end, then multiply by the product of the spectral norms."],
    )


def prediction_noisy_accuracy(measured: float, fraction: float = 0.5, n_classes: int = 10) -> Prediction:
    """Predict the test accuracy of a net that fits labels of which ``fraction`` were replaced (answer: the run's)."""
    nn_rule = (1 - fraction) + fraction / n_classes
    return Prediction(
        f"Test accuracy after fitting training labels of which {fraction:.0%} were replaced",
        measured, abs_tol=0.1,
        why=f"A net that memorises its training set is roughly a nearest-neighbour rule: right when the nearest "
            f"training digit's label survived, (1 − f) + f/k = {nn_rule:.2f} of the time, times its clean accuracy; "
            "the net averages over several neighbours, so it does a little better.",
        hint=["After training, the net reproduces every training label, right or wrong. What does it then predict "
              "for a test digit that looks like a training digit?",
              "A replaced label is still right with probability 1/k (a draw may coincide). How often is a "
              "training label right, then?"],
    )


def prediction_orthogonal_complexity(n_layers: int = 3, d: int = 64) -> Prediction:
    """Derive R_A of ``n_layers`` orthogonal d x d layers (references 0, ρ = 1): L^{3/2} d."""
    return Prediction(
        f"R_A of {n_layers} orthogonal {d}x{d} layers (references 0, ρ = 1)",
        n_layers ** 1.5 * d, rel_tol=1e-3,
        why=f"‖Q‖_σ = 1 and every row of Q has norm 1, so ‖Qᵀ‖_{{2,1}} = d: R_A = 1 · (L · d^(2/3))^(3/2) = "
            f"L^(3/2) d = {n_layers ** 1.5 * d:.1f}.",
        hint=["What are the singular values of an orthogonal matrix?",
              "What is the Euclidean norm of each row of an orthogonal matrix, and how many rows are there?"],
    )

