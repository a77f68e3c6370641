"""Approximation (lecture 05): ridge sums, the curse of dimensionality, and when deep beats shallow.

Modules (imports run one way: widget -> experiments -> kernels -> course_lib.core; exercises -> kernels):

* :mod:`~course_lib.approx.kernels` -- pure, batched tensor functions: ``relu_interpolant``/``relu_ridge_sum``
  (a 1-D ReLU ridge sum), ``ridge_polynomial_fit`` (sums of ridge functions in 2-D), ``random_field`` and
  ``random_feature_errors`` (the curse), ``compositional_function``, the masked nets (``masked_net``) ``tree_net``,
  ``shallow_net``, ``dense_net`` (:class:`MaskedMLP`), ``ensemble``, ``count_parameters``, ``fit``.
* :mod:`~course_lib.approx.experiments` -- drivers run by the lecture: ``ridge_1d_experiment``,
  ``logan_shepp_experiment``, ``ridge_2d_experiment``, ``curse_experiment``, ``deep_vs_shallow`` (every net in
  one ensemble), ``best_of_restarts``.
* :mod:`~course_lib.approx.widget` -- ``build_approximation_widget`` and the lecture's figures.
* :mod:`~course_lib.approx.exercises` -- ``exercise_tree_parameters``, ``exercise_compose``,
  ``prediction_units_ratio``, ``prediction_winner``.
"""
from __future__ import annotations

from course_lib.approx.exercises import (
    exercise_compose,
    exercise_tree_parameters,
    prediction_units_ratio,
    prediction_winner,
)
from course_lib.approx.experiments import (
    CONSTITUENTS,
    LEARNING_RATES,
    MISMATCHED_ORDER,
    best_of_restarts,
    curse_experiment,
    deep_vs_shallow,
    logan_shepp_experiment,
    loglog_slope,
    matched_width,
    ridge_1d_experiment,
    ridge_2d_experiment,
    ridge_target,
)
from course_lib.approx.kernels import (
    MaskedMLP,
    compositional_function,
    count_parameters,
    dense_net,
    ensemble,
    fit,
    masked_net,
    member_parameters,
    outputs,
    random_feature_errors,
    random_field,
    random_ridge_units,
    relu_interpolant,
    relu_ridge_sum,
    ridge_directions,
    ridge_polynomial_fit,
    shallow_net,
    tree_masks,
    tree_net,
)
from course_lib.approx.widget import build_approximation_widget

__all__ = [
    "relu_interpolant",
    "relu_ridge_sum",
    "ridge_directions",
    "ridge_polynomial_fit",
    "random_field",
    "random_ridge_units",
    "random_feature_errors",
    "compositional_function",
    "tree_masks",
    "MaskedMLP",
    "masked_net",
    "tree_net",
    "shallow_net",
    "dense_net",
    "ensemble",
    "count_parameters",
    "member_parameters",
    "outputs",
    "fit",
    "CONSTITUENTS",
    "LEARNING_RATES",
    "MISMATCHED_ORDER",
    "ridge_target",
    "ridge_1d_experiment",
    "logan_shepp_experiment",
    "ridge_2d_experiment",
    "curse_experiment",
    "loglog_slope",
    "matched_width",
    "deep_vs_shallow",
    "best_of_restarts",
    "build_approximation_widget",
    "exercise_tree_parameters",
    "exercise_compose",
    "prediction_units_ratio",
    "prediction_winner",
]
