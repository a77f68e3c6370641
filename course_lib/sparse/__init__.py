"""Sparse representations (lecture 04): soft thresholding, ISTA/FISTA, basis pursuit, OMP, ReLU.

Modules (imports run one way: widget -> experiments -> solver | recovery -> kernels -> course_lib.core):

* :mod:`~course_lib.sparse.kernels` -- pure, batched tensor functions and their argument checks:
  ``soft_threshold``, ``ista``/``fista`` (one loop, ``_proximal_gradient``), ``lasso_objective``,
  ``lasso_duality_gap``, ``layered_thresholding`` = ``relu_network``, random problems.
* :mod:`~course_lib.sparse.recovery` -- ``basis_pursuit`` (HiGHS LPs), ``omp``, ``thresholding``, mutual
  coherence and the exact recovery coefficient, the l1 phase-transition theory.
* :mod:`~course_lib.sparse.solver` -- the certified fast solver ``lasso`` (working sets, gap-safe screening
  ``lasso_screen``, restarted FISTA, support Newton steps, per-signal stopping, ``power_method`` step sizes).
* :mod:`~course_lib.sparse.experiments` -- drivers run by the lecture: ``recovery_experiment``,
  ``phase_diagram``, ``transition_point``, ``multilayer_experiment``, ``compare_with_sklearn`` (on
  ``lasso_problems``), ``restart_experiment``, ``screening_experiment``.
* :mod:`~course_lib.sparse.widget` -- ``build_sparse_coding_widget`` and the lecture's figures.
* :mod:`~course_lib.sparse.exercises` -- ``exercise_soft_threshold``, ``exercise_ista_step``.

Every name below keeps its old path: ``from course_lib import sparse; sparse.fista(...)``.
"""
from __future__ import annotations

from course_lib.sparse.exercises import exercise_ista_step, exercise_soft_threshold, prediction_transition
from course_lib.sparse.experiments import (
    clopper_pearson,
    compare_with_sklearn,
    erc_experiment,
    lasso_problems,
    loglog_slope,
    multilayer_experiment,
    phase_diagram,
    rate_experiment,
    recovery_experiment,
    restart_experiment,
    screening_experiment,
    transition_point,
    transition_test,
)
from course_lib.sparse.kernels import (
    fista,
    gaussian_dictionary,
    ista,
    lasso_duality_gap,
    lasso_objective,
    layered_thresholding,
    nonneg_soft_threshold,
    relu_network,
    soft_threshold,
    sparse_codes,
    spectral_dictionary,
    two_layer_dictionaries,
    uniform_spectrum_problem,
)
from course_lib.sparse.recovery import (
    basis_pursuit,
    coherence_sparsity_bound,
    exact_recovery_coefficient,
    l1_statistical_dimension,
    l1_transition_curve,
    l1_transition_sparsity,
    mutual_coherence,
    omp,
    thresholding,
)
from course_lib.sparse.solver import LassoResult, lasso, lasso_screen, power_method
from course_lib.sparse.widget import build_sparse_coding_widget

__all__ = [
    "soft_threshold",
    "nonneg_soft_threshold",
    "lasso_objective",
    "lasso_duality_gap",
    "ista",
    "fista",
    "lasso",
    "LassoResult",
    "lasso_screen",
    "power_method",
    "basis_pursuit",
    "omp",
    "thresholding",
    "mutual_coherence",
    "coherence_sparsity_bound",
    "exact_recovery_coefficient",
    "l1_statistical_dimension",
    "l1_transition_curve",
    "l1_transition_sparsity",
    "layered_thresholding",
    "relu_network",
    "gaussian_dictionary",
    "spectral_dictionary",
    "uniform_spectrum_problem",
    "sparse_codes",
    "recovery_experiment",
    "phase_diagram",
    "transition_point",
    "clopper_pearson",
    "transition_test",
    "erc_experiment",
    "loglog_slope",
    "rate_experiment",
    "two_layer_dictionaries",
    "multilayer_experiment",
    "compare_with_sklearn",
    "lasso_problems",
    "restart_experiment",
    "screening_experiment",
    "build_sparse_coding_widget",
    "exercise_soft_threshold",
    "exercise_ista_step",
    "prediction_transition",
]
