"""Rosenblatt's perceptron, Novikoff's mistake bound, and Minsky & Papert's order (lecture 01).

* Rosenblatt (1958): on a mistake, y·(w·x̃) ≤ 0, update w̃ ← w̃ + y·x̃, with x̃ = (x, 1).
* Novikoff (1962): on linearly separable data the number of updates is at most (R/γ)²,
  R = max‖x̃ᵢ‖ and γ = max_{‖w̃‖=1} minᵢ yᵢ w̃·x̃ᵢ -- both on the *bias-augmented* data.
  :func:`orthogonal_worst_case` gives data on which the perceptron makes exactly (R/γ)² mistakes.
* Minsky & Papert (1969): a perceptron over features that each look at a few inputs (bounded
  *order*, :func:`order_features`) or at a small window of a retina (:func:`local_features`)
  cannot compute parity (:func:`parity_order`) or connectedness (:func:`minsky_papert_figures`,
  :func:`count_components`); separability is decided exactly by linear programming.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import torch
from scipy.optimize import linprog, minimize

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.core.validate import as_tensor, check_bool, check_int, check_labels_pm1, check_memory, check_steps

__all__ = ["PerceptronResult", "train_perceptron", "novikoff_bound", "max_margin", "linearly_separable",
           "best_linear_accuracy", "orthogonal_worst_case", "bit_patterns", "parity", "order_features",
           "local_features", "count_components", "parity_order", "minsky_papert_figures", "figures_text",
           "exercise_perceptron_update", "prediction_parity_order"]


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
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64).detach().cpu()
    y = as_tensor(y, "y", ndim=1, dtype=torch.float64).detach().cpu()
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
    check_steps(epochs * X.shape[0], "epochs", what="the perceptron's sample visits")
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


def orthogonal_worst_case(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points on which the perceptron makes exactly (R/γ)² = n mistakes: Novikoff's bound is tight.

    The rows of a Sylvester–Hadamard matrix (entries ±1, mutually orthogonal, first column all
    ones; scipy's ``hadamard``) are the augmented points x̃ᵢ = (xᵢ, 1) with the bias moved first:
    ``X`` (n, n−1) is the matrix without that column.  With any labels (here alternating, first +1)
    the zᵢ = yᵢx̃ᵢ are orthogonal, so every first visit is a mistake (w̃·zᵢ = 0 exactly, in integers)
    and afterwards w̃ = Σzᵢ separates.  R² = ‖x̃ᵢ‖² = n and γ = 1 (the point of the hull of the zᵢ
    nearest 0 is Σzᵢ/n).  ``n`` must be a power of 2.
    """
    from scipy.linalg import hadamard

    n = check_int(n, "n", min_value=2, max_value=1024)
    if n & (n - 1):
        raise ValueError(f"n: expected a power of 2 (Sylvester's construction), got {n}")
    H = torch.from_numpy(hadamard(n).astype(np.float64))
    y = torch.tensor([1.0 if i % 2 == 0 else -1.0 for i in range(n)], dtype=torch.float64)
    return H[:, 1:].clone(), y


# -- Minsky & Papert: order and locality -------------------------------------------------------
def bit_patterns(n: int) -> torch.Tensor:
    """All 2ⁿ patterns of n bits, shape (2ⁿ, n), entries 0.0/1.0 (row k is k in binary, bit 0 first)."""
    n = check_int(n, "n", min_value=1, max_value=20)
    k = torch.arange(2**n)
    return ((k[:, None] >> torch.arange(n)[None, :]) & 1).to(torch.float64)


def _check_bits(B, name: str = "B", ndim=2) -> torch.Tensor:
    B = as_tensor(B, name, ndim=ndim, dtype=torch.float64).detach().cpu()
    if not bool(((B == 0) | (B == 1)).all()):
        raise ValueError(f"{name}: expected entries 0 or 1")
    return B


def parity(B) -> torch.Tensor:
    """Labels +1 for an odd number of ones, −1 for even; ``B`` (N, n) of 0/1.  XOR is parity of 2 bits."""
    B = _check_bits(B)
    return torch.where(B.sum(dim=1) % 2 == 1, 1.0, -1.0).to(torch.float64)


def order_features(B, order: int) -> torch.Tensor:
    """Every product ∏_{i∈S} bᵢ over subsets S of size 1..``order`` (Minsky–Papert's masks): (N, F)."""
    B = _check_bits(B)
    order = check_int(order, "order", min_value=1, max_value=B.shape[1])
    n_masks = sum(math.comb(B.shape[1], r) for r in range(1, order + 1))
    check_steps(n_masks, "order", what="enumerating the masks")
    check_memory(B.shape[0] * n_masks, "order", what="the mask features")
    cols = [B[:, list(S)].prod(dim=1) for r in range(1, order + 1) for S in combinations(range(B.shape[1]), r)]
    return torch.stack(cols, dim=1)


def local_features(images, window=(2, 2)) -> torch.Tensor:
    """Every product of pixels that fit together in one ``window`` of the retina (diameter-limited
    masks, each counted once): ``images`` (N, h, w) of 0/1 -> (N, F)."""
    images = _check_bits(images, "images", ndim=3)
    _, h, w = images.shape
    if not (isinstance(window, (tuple, list)) and len(window) == 2):
        raise TypeError(f"window: expected (rows, cols), got {window!r}")
    wh = check_int(window[0], "window", min_value=1, max_value=h)
    ww = check_int(window[1], "window", min_value=1, max_value=w)
    flat = images.reshape(images.shape[0], -1)
    n_masks = (h - wh + 1) * (w - ww + 1) * (2 ** (wh * ww) - 1)  # an upper bound (windows overlap)
    check_steps(n_masks, "window", what=f"enumerating the masks of {wh}x{ww} windows")
    check_memory(images.shape[0] * n_masks, "window", what="the mask features")
    masks = set()
    for i in range(h - wh + 1):
        for j in range(w - ww + 1):
            cells = [(i + a) * w + (j + b) for a in range(wh) for b in range(ww)]
            masks.update(S for r in range(1, len(cells) + 1) for S in combinations(cells, r))
    return torch.stack([flat[:, list(S)].prod(dim=1) for S in sorted(masks)], dim=1)


def count_components(images) -> torch.Tensor:
    """Number of 4-connected components of the black (1) pixels of each image: (N, h, w) -> (N,) int.

    Batched label propagation: every black pixel takes the smallest index among its black
    neighbours until nothing changes; a component is a pixel that keeps its own index.
    """
    images = _check_bits(images, "images", ndim=3)
    n, h, w = images.shape
    on = images.bool()
    big = h * w
    index = torch.arange(big).reshape(1, h, w).expand(n, h, w)
    label = torch.where(on, index, big)
    while True:
        new = label.clone()
        for shift, dim in ((1, 1), (-1, 1), (1, 2), (-1, 2)):
            neighbour = torch.roll(label, shifts=shift, dims=dim)
            valid = torch.roll(on, shifts=shift, dims=dim)
            edge = [slice(None)] * 3  # the row/column that wrapped around is not a neighbour
            edge[dim] = 0 if shift == 1 else -1
            valid[tuple(edge)] = False
            new = torch.minimum(new, torch.where(on & valid, neighbour, big))
        if torch.equal(new, label):
            break
        label = new
    return ((label == index) & on).reshape(n, -1).sum(dim=1)


def parity_order(n: int) -> int:
    """The smallest order k for which some perceptron over :func:`order_features` (all masks of
    size ≤ k) computes the parity of n bits, decided exactly by :func:`linearly_separable`."""
    n = check_int(n, "n", min_value=1, max_value=10)
    B = bit_patterns(n)
    y = parity(B)
    for k in range(1, n + 1):
        if linearly_separable(order_features(B, k), y):
            return k
    raise AssertionError("parity is always separable at order n")  # pragma: no cover


def minsky_papert_figures() -> tuple[torch.Tensor, list[str]]:
    """Minsky & Papert's four figures for connectedness on a 5×5 retina, shape (4, 5, 5).

    Three horizontal strands (rows 0, 2, 4, columns 1-3); the left end (column 0) joins strands
    1-2 or 2-3, and so does the right end (column 4).  A = (1-2, 1-2) and D = (2-3, 2-3) leave
    one strand alone (disconnected); B = (1-2, 2-3) and C = (2-3, 1-2) are connected.  No 2×2
    window sees both ends, so for every local feature φ(A) + φ(D) = φ(B) + φ(C).
    """
    figs = torch.zeros(4, 5, 5, dtype=torch.float64)
    figs[:, [0, 2, 4], 1:4] = 1.0
    for k, (left, right) in enumerate([("12", "12"), ("12", "23"), ("23", "12"), ("23", "23")]):
        figs[k, slice(0, 3) if left == "12" else slice(2, 5), 0] = 1.0
        figs[k, slice(0, 3) if right == "12" else slice(2, 5), 4] = 1.0
    return figs, ["A: ends 1-2 | 1-2", "B: ends 1-2 | 2-3", "C: ends 2-3 | 1-2", "D: ends 2-3 | 2-3"]


def figures_text(images, names) -> str:
    """Binary images (N, h, w) side by side as text, ``#`` for black, ``·`` for white, under their ``names``."""
    images = _check_bits(images, "images", ndim=3)
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"names: expected a list of strings, got {names!r:.60}")
    if len(names) != images.shape[0]:
        raise ValueError(f"names: expected {images.shape[0]} names, got {len(names)}")
    width = max(images.shape[2], max(len(n) for n in names)) + 3
    rows = ["".join(n.ljust(width) for n in names)]
    for r in range(images.shape[1]):
        rows.append("".join("".join("#" if v else "·" for v in img[r].tolist()).ljust(width) for img in images))
    return "\n".join(rows)


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
        hint=["When exactly does the perceptron count a point as a mistake? Write the test with y, w̃ and x̃ -- "
              "and decide what happens when y·w̃·x̃ is exactly 0.",
              "On a mistake the rule moves w̃ toward y·x̃, so that y·w̃·x̃ grows; on a correct point it changes "
              "nothing. Return a new vector rather than editing w in place."],
    )


def prediction_parity_order(n: int = 8) -> Prediction:
    """Prediction: the smallest order of masks with which a perceptron computes the parity of n bits."""
    n = check_int(n, "n", min_value=2, max_value=10)
    return Prediction(
        f"Order of parity on {n} bits", float(n), abs_tol=0.5, unit="",
        why=f"Parity has order {n} = the number of bits (Minsky & Papert's group-invariance argument): "
            "a mask that misses one bit is blind to it, and flipping that bit flips the parity.",
        hint=["XOR is the parity of 2 bits: what order did it need (single inputs were not enough)?",
              "Take a mask that ignores bit i. Pair every pattern with the one that differs only in bit i: "
              "the mask has the same value on both, the parity opposite values. Average the perceptron over "
              "all such symmetries -- what is left of a mask of order < n?"],
    )
