"""Rosenblatt's perceptron and Novikoff's mistake bound (lecture 01).

* Rosenblatt (1958): on a mistake, y·(w·x̃) ≤ 0, update w̃ ← w̃ + y·x̃, with x̃ = (x, 1).
* Novikoff (1962): on linearly separable data the number of updates is at most (R/γ)²,
  R = max‖x̃ᵢ‖ and γ = max_{‖w̃‖=1} minᵢ yᵢ w̃·x̃ᵢ -- both on the *bias-augmented* data.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.optimize import linprog, minimize

from course_lib.core.exercises import Case, Exercise
from course_lib.core.validate import as_tensor, check_bool, check_int, check_labels_pm1

__all__ = ["PerceptronResult", "train_perceptron", "novikoff_bound", "max_margin", "linearly_separable",
           "best_linear_accuracy", "exercise_perceptron_update"]


@dataclass
class PerceptronResult:
    w: torch.Tensor
    b: float
    mistakes_per_epoch: list[int] = field(default_factory=list)
    history: list[torch.Tensor] = field(default_factory=list)  # w̃ after each epoch

    @property
    def total_mistakes(self) -> int:
        return int(sum(self.mistakes_per_epoch))

    @property
    def converged(self) -> bool:
        """True when the last epoch made no mistake (the data are then separated)."""
        return bool(self.mistakes_per_epoch) and self.mistakes_per_epoch[-1] == 0


def _check_xy(X, y) -> tuple[torch.Tensor, torch.Tensor]:
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    y = as_tensor(y, "y", ndim=1, dtype=torch.float64)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels (one per row of X), got {y.shape[0]}")
    check_labels_pm1(y, "y")
    return X, y


def augment(X: torch.Tensor) -> torch.Tensor:
    """x̃ = (x, 1): the bias becomes the last weight."""
    return torch.cat([X, torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)], dim=1)


def train_perceptron(X, y, epochs: int = 100, stop_when_separated: bool = True) -> PerceptronResult:
    """Rosenblatt's rule from w̃ = 0, visiting the samples in the given order each epoch.

    Returns ``w`` (d,), ``b`` and ``mistakes_per_epoch``; training stops after the first
    epoch without a mistake unless ``stop_when_separated=False``.  (The rule is
    sequential by nature, so this loop over samples *is* the algorithm; it runs in NumPy.)
    """
    X, y = _check_xy(X, y)
    epochs = check_int(epochs, "epochs", min_value=1)
    stop_when_separated = check_bool(stop_when_separated, "stop_when_separated")
    Z = (augment(X) * y[:, None]).numpy()  # zᵢ = yᵢ x̃ᵢ: a mistake is w̃·zᵢ ≤ 0
    w = np.zeros(Z.shape[1])
    mistakes, history = [], []
    for _ in range(epochs):
        count = 0
        for z in Z:
            if w @ z <= 0:
                w += z
                count += 1
        mistakes.append(count)
        history.append(torch.from_numpy(w.copy()))
        if count == 0 and stop_when_separated:
            break
    w_t = torch.from_numpy(w)
    return PerceptronResult(w=w_t[:-1].clone(), b=float(w_t[-1]), mistakes_per_epoch=mistakes, history=history)


def max_margin(X, y) -> tuple[float, torch.Tensor]:
    """γ and the unit w̃ achieving it: the hard-margin SVM through the origin on x̃.

    γ is the distance from 0 to the convex hull of {zᵢ = yᵢx̃ᵢ}; we solve the dual
    min ½‖Zᵀα‖² − Σα, α ≥ 0 (L-BFGS-B), then *measure* γ = minᵢ zᵢ·w̃/‖w̃‖, which is a
    certified lower bound on the true maximum margin (so (R/γ)² stays a valid bound).
    Raises ``ValueError`` when the data are not linearly separable.
    """
    X, y = _check_xy(X, y)
    if not linearly_separable(X, y):  # exact LP test first: the dual below is unbounded then
        raise ValueError("X, y: the data are not linearly separable (no positive margin)")
    Z = (augment(X) * y[:, None]).numpy()
    G = Z @ Z.T

    def fun(a):
        Ga = G @ a
        return 0.5 * a @ Ga - a.sum(), Ga - 1.0

    res = minimize(fun, np.zeros(len(Z)), jac=True, method="L-BFGS-B",
                   bounds=[(0, None)] * len(Z), options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-12})
    w = Z.T @ res.x
    norm = np.linalg.norm(w)
    gamma = float((Z @ w).min() / norm) if norm > 0 else 0.0
    if not gamma > 0:  # pragma: no cover - separable data always give a positive certified margin
        raise ValueError("X, y: no positive margin found (numerically degenerate data)")
    return gamma, torch.from_numpy(w / norm)


def linearly_separable(X, y) -> bool:
    """Exact test by linear programming (scipy HiGHS): is there w̃ with yᵢ w̃·x̃ᵢ ≥ 1 for all i?"""
    X, y = _check_xy(X, y)
    Z = (augment(X) * y[:, None]).numpy()
    res = linprog(np.zeros(Z.shape[1]), A_ub=-Z, b_ub=-np.ones(len(Z)), bounds=[(None, None)] * Z.shape[1],
                  method="highs")
    return res.status == 0


def best_linear_accuracy(X, y) -> float:
    """The best accuracy any linear rule sign(w·x + b) reaches: the largest separable subset.

    Exhaustive over subsets, largest first, each tested exactly by :func:`linearly_separable`;
    meant for a handful of points (XOR has 4).
    """
    from itertools import combinations

    X, y = _check_xy(X, y)
    n = X.shape[0]
    if n > 12:
        raise ValueError(f"X: exhaustive search is for at most 12 points, got {n}")
    for k in range(n, 0, -1):
        for idx in combinations(range(n), k):
            if linearly_separable(X[list(idx)], y[list(idx)]):
                return k / n
    return 0.0


def novikoff_bound(X, y) -> float:
    """(R/γ)² with R = max‖x̃ᵢ‖ and γ the maximum margin, both on bias-augmented data."""
    X, y = _check_xy(X, y)
    R = float(augment(X).norm(dim=1).max())
    gamma, _ = max_margin(X, y)
    return (R / gamma) ** 2


def exercise_perceptron_update() -> Exercise:
    """Exercise: one step of Rosenblatt's rule, ``update(w, x, y) -> new w`` on augmented x̃."""
    w0 = torch.tensor([0.0, 0.0, 0.0], dtype=torch.float64)
    w1 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    x = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
    return Exercise(
        "Perceptron update",
        [
            Case("mistake at w̃=0 (w̃·x̃ = 0 counts as a mistake)", (w0, x, 1.0), expected=x),
            Case("mistake, label -1", (w1.clone(), torch.tensor([2.0, -1.0, 1.0]).double(), -1.0),
                 expected=torch.tensor([-1.0, -1.0, -0.5]).double()),
            Case("correct prediction: no change", (w1.clone(), torch.tensor([1.0, 0.0, 1.0]).double(), 1.0),
                 expected=w1),
            Case("mistake, label +1", (w1.clone(), x, 1.0), expected=w1 + x),
        ],
        hint="On a mistake (y·w̃·x̃ ≤ 0) return w̃ + y·x̃; otherwise return w̃ unchanged.",
    )
