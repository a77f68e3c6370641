"""Exercises of lecture 05: count a tree net's parameters, compose a constituent up a tree, and two predictions."""
from __future__ import annotations

import torch

from course_lib.approx.kernels import compositional_function, count_parameters, tree_net
from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.core.validate import check_in_range, check_int

__all__ = ["exercise_tree_parameters", "exercise_compose", "prediction_units_ratio", "prediction_winner"]


def exercise_tree_parameters() -> Exercise:
    """Self-check for ``tree_parameters(k, n_inputs)``: the parameter count of ``tree_net(k, n_inputs)``."""
    cases = [Case(f"k = {k}, {n} inputs", (k, n), expected=count_parameters(tree_net(k, n)), atol=0)
             for k, n in ((1, 2), (8, 8), (3, 4), (5, 16), (2, 32))]
    return Exercise(
        "Parameters of a tree net",
        cases,
        hint=["How many nodes does a binary tree with n leaves have? (Count them level by level for n = 8.)",
              "Every node is a shallow net with 2 inputs, k ReLU units and one linear output: count its weights "
              "and its biases — each unit has a bias, and so does the output.",
              "Masked weights are not parameters: a unit of a node sees only that node's two inputs."],
    )


def exercise_compose() -> Exercise:
    """Self-check for ``compose(h, X)``: ``h`` applied pairwise up a binary tree over the columns of ``X``."""
    g = torch.Generator().manual_seed(5)
    cases = []
    for h, label in ((lambda a, b: a * b + b, "h(a, b) = ab + b"),
                     (lambda a, b: torch.cos(a - 2 * b), "h(a, b) = cos(a − 2b)"),
                     (lambda a, b: torch.maximum(a, b) - a / 3, "h(a, b) = max(a, b) − a/3")):
        for n in (2, 8, 16):
            X = 2 * torch.rand(6, n, generator=g, dtype=torch.float64) - 1
            cases.append(Case(f"{label}, {n} inputs", (h, X), expected=compositional_function(h, n)(X), atol=1e-12))
    return Exercise(
        "Compose a constituent up a binary tree",
        cases,
        hint=["After one level, how many values are left per row, and which two inputs made each of them?",
              "Columns 0, 2, 4, ... are the left children and 1, 3, 5, ... the right ones; apply h to both at once.",
              "Repeat level by level until one column is left; return it as a vector of length n."],
    )


def prediction_units_ratio(d: int = 8, m: float = 2.0, eps: float = 0.1) -> Prediction:
    """Derive, from Theorems 1 and 2 (constants set to 1), how many times more units the shallow bound asks for."""
    d = check_int(d, "d", min_value=2, max_value=64)
    m = check_in_range(m, "m", 0.0, 100.0, closed=False)
    eps = check_in_range(eps, "eps", 0.0, 1.0, closed=False)
    answer = eps ** (-d / m) / ((d - 1) * eps ** (-2 / m))
    return Prediction(
        f"Shallow / tree units for ε = {eps}, d = {d}, m = {m:g} (Theorems 1 and 2, constants 1)",
        answer, rel_tol=0.02, unit="×",
        why=f"ε^(−d/m) = {eps ** (-d / m):.0f} units against (d − 1)ε^(−2/m) = {(d - 1) * eps ** (-2 / m):.0f}.",
        hint=["Write both unit counts from the theorems: which exponent carries d, and which only the 2 "
              "inputs of a node?",
              "The tree needs one small net per node: how many nodes does a binary tree on d leaves have?"],
    )


def prediction_winner() -> Prediction:
    """Predict the winner on sin(π(a+b)/2) composed along the net's tree: +1 the tree net, -1 the shallow net."""
    return Prediction(
        "Which net wins on sin(π(a + b)/2) composed along the net's own tree? (+1 tree net, −1 shallow net)",
        1.0, abs_tol=0.5,
        why="The target is compositional in the net's tree, with a smooth 2-variable constituent: each node of "
            "the tree net only has to learn a function of 2 variables.",
        hint=["What does each node of the tree net have to approximate, and in how many variables?",
              "Does the choice of the constituent change how many variables each node sees?"],
    )

