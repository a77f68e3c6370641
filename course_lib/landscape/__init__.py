"""The loss landscape (lecture 08): symmetries, deep linear networks, level sets, mode connectivity.

Papers: Kawaguchi 2016 and Baldi & Hornik 1989 (deep linear networks); Freeman & Bruna 2017
(level sets of relu networks, the energy gap); Garipov et al. 2018 and Draxler et al. 2018 (low-loss
curves between minima); Entezari et al. 2022 and Ainsworth et al. 2023 (permutations and the
straight-line barrier).

Modules (imports run one way: widget -> experiments -> kernels -> course_lib.core; exercises -> kernels):

* :mod:`~course_lib.landscape.kernels`     -- paths between parameter vectors (``linear_path``,
  ``bezier_curve``, ``bezier_path``, ``fit_bezier``, ``path_barrier``), deep linear networks
  (``deep_linear_loss``, ``deep_linear_min_loss``, ``deep_linear_gd``), the toy level-set net
  (``toy_linear_loss``, ``sublevel_components``), and ``ReluEnsemble``: relu networks of many widths
  packed in one flat vector, with their symmetries, trained by ``train_to_level``;
* :mod:`~course_lib.landscape.experiments` -- the lecture's drivers: ``symmetry_gaps``,
  ``deep_linear_runs``, ``hessian_at_zero``, ``toy_level_sets``, ``toy_paths``, ``mode_connectivity``
  (pairs x widths in one program), ``width_summary``, ``rank_sum_exact``, ``symmetry_profiles``, ``loss_plane``;
* :mod:`~course_lib.landscape.widget`      -- the figures and ``build_landscape_widget``;
* :mod:`~course_lib.landscape.exercises`   -- ``prediction_rank_one_minimum``, ``exercise_bezier_losses``,
  ``prediction_wide_barrier``.

Every public name is re-exported here: ``from course_lib import landscape; landscape.linear_path(...)``.
"""
from __future__ import annotations

from course_lib.landscape.exercises import exercise_bezier_losses, prediction_rank_one_minimum, prediction_wide_barrier
from course_lib.landscape.experiments import (
    SYMMETRIES,
    ModeConnectivity,
    decay_slope,
    deep_linear_runs,
    hessian_at_zero,
    hessian_at_zero_theory,
    linear_regression_problem,
    loss_plane,
    median_interval,
    mode_connectivity,
    rank_sum_exact,
    symmetry_gaps,
    symmetry_profiles,
    teacher_data,
    toy_level_sets,
    toy_paths,
    width_summary,
)
from course_lib.landscape.kernels import (
    ReluEnsemble,
    bezier_curve,
    bezier_path,
    deep_linear_gd,
    deep_linear_loss,
    deep_linear_min_loss,
    fit_bezier,
    linear_path,
    path_barrier,
    path_t,
    sublevel_components,
    toy_linear_loss,
    train_to_level,
)
from course_lib.landscape.widget import (
    barrier_width_figure,
    build_landscape_widget,
    deep_linear_figure,
    loss_plane_figure,
    profiles_figure,
    symmetry_figure,
    toy_landscape_figure,
    toy_profiles_figure,
)

__all__ = [
    "path_t",
    "linear_path",
    "bezier_curve",
    "bezier_path",
    "fit_bezier",
    "path_barrier",
    "deep_linear_loss",
    "deep_linear_min_loss",
    "deep_linear_gd",
    "toy_linear_loss",
    "sublevel_components",
    "ReluEnsemble",
    "train_to_level",
    "symmetry_gaps",
    "linear_regression_problem",
    "deep_linear_runs",
    "hessian_at_zero",
    "hessian_at_zero_theory",
    "toy_level_sets",
    "toy_paths",
    "teacher_data",
    "ModeConnectivity",
    "mode_connectivity",
    "median_interval",
    "width_summary",
    "rank_sum_exact",
    "decay_slope",
    "SYMMETRIES",
    "symmetry_profiles",
    "loss_plane",
    "symmetry_figure",
    "deep_linear_figure",
    "toy_landscape_figure",
    "toy_profiles_figure",
    "profiles_figure",
    "barrier_width_figure",
    "loss_plane_figure",
    "build_landscape_widget",
    "prediction_rank_one_minimum",
    "exercise_bezier_losses",
    "prediction_wide_barrier",
]
