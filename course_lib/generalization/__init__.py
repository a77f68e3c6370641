"""Generalization (lecture 06): random labels, capacity numbers, early stopping, spectrally-normalised margins.

Papers: Zhang, Bengio, Hardt, Recht & Vinyals (ICLR 2017; random labels); Bartlett, Foster & Telgarsky (NeurIPS
2017; spectral complexity R_A, Theorem 1.1); Bartlett, Harvey, Liaw & Mehrabian (JMLR 2019; VC dimension of ReLU
nets); Golowich, Rakhlin & Shamir (COLT 2018; Frobenius-norm capacity).

Modules (imports run one way: widget -> experiments -> kernels -> course_lib.core; exercises -> kernels):

* :mod:`~course_lib.generalization.kernels` -- pure, batched tensor functions: ``random_labels``, the bias-free
  ReLU ensemble (``init_mlp``, ``forward``, ``train_ensemble``), ``margins``, ``spectral_norm``, ``norm_2_1``,
  ``spectral_complexities`` / ``spectral_complexity`` (R_A), ``normalized_margins``, the capacity numbers
  (``count_parameters``, ``vc_dimension_scale``, ``frobenius_capacity``, ``spectral_capacity``) and
  ``median_ratio_ci`` (bootstrap).
* :mod:`~course_lib.generalization.experiments` -- the lecture's drivers: ``split_digits``,
  ``generalization_experiment`` (every net in one ensemble), ``noise_grid``, ``epochs_to_fit``, ``early_stopping``,
  ``margin_grid``, ``margin_study``, ``capacity_numbers``, ``table_rows``.
* :mod:`~course_lib.generalization.widget` -- ``build_generalization_widget`` and the lecture's figures.
* :mod:`~course_lib.generalization.exercises` -- ``exercise_norms``, ``exercise_spectral_complexity``,
  ``prediction_noisy_accuracy``, ``prediction_orthogonal_complexity``.
"""
from __future__ import annotations

from course_lib.generalization.exercises import (
    exercise_norms,
    exercise_spectral_complexity,
    prediction_noisy_accuracy,
    prediction_orthogonal_complexity,
)
from course_lib.generalization.experiments import (
    FRACTIONS,
    N_CLASSES,
    capacity_numbers,
    early_stopping,
    epochs_to_fit,
    generalization_experiment,
    margin_grid,
    margin_study,
    noise_grid,
    split_digits,
    table_rows,
)
from course_lib.generalization.kernels import (
    as_labels,
    count_parameters,
    forward,
    frobenius_capacity,
    init_mlp,
    margins,
    median_ratio_ci,
    norm_2_1,
    normalized_margins,
    random_labels,
    spectral_capacity,
    spectral_complexities,
    spectral_complexity,
    spectral_norm,
    train_ensemble,
    vc_dimension_scale,
)
from course_lib.generalization.widget import build_generalization_widget

__all__ = [
    "as_labels",
    "random_labels",
    "init_mlp",
    "forward",
    "train_ensemble",
    "margins",
    "spectral_norm",
    "norm_2_1",
    "spectral_complexities",
    "spectral_complexity",
    "normalized_margins",
    "count_parameters",
    "vc_dimension_scale",
    "frobenius_capacity",
    "spectral_capacity",
    "median_ratio_ci",
    "FRACTIONS",
    "N_CLASSES",
    "split_digits",
    "generalization_experiment",
    "noise_grid",
    "epochs_to_fit",
    "early_stopping",
    "margin_grid",
    "margin_study",
    "capacity_numbers",
    "table_rows",
    "build_generalization_widget",
    "exercise_norms",
    "exercise_spectral_complexity",
    "prediction_noisy_accuracy",
    "prediction_orthogonal_complexity",
]
