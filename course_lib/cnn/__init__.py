"""Convolutional networks (lecture 02): shift equivariance, a batched CNN, activation maximisation.

Modules (imports run one way: widget -> experiments -> train -> kernels -> course_lib.core):

* :mod:`~course_lib.cnn.kernels` -- pure tensor functions: ``circular_conv2d``, ``shift``,
  ``equivariance_error``, ``impulse_receptive_field``,
  ``invariance_error``, ``conv_weight_grad_unfold``, the CNN batched over models (``init_cnn``,
  ``cnn_forward``), ``conv1_unit_phi``, ``total_variation``.
* :mod:`~course_lib.cnn.train` -- the optimisation loops: ``train_cnn``, ``accuracy``,
  ``activation_maximization`` (with :class:`course_lib.core.optim.Adam`).
* :mod:`~course_lib.cnn.experiments` -- the lecture's bookkeeping: receptive-field masks, top
  digits, few-shot training sets, the transfer experiment's arms, confidence intervals (a mean's,
  and a paired accuracy difference's).
* :mod:`~course_lib.cnn.widget` -- ``build_cnn_widget`` and the lecture's figures (it also draws
  the Olshausen-Field dictionaries of :mod:`course_lib.sparse_coding`).
* :mod:`~course_lib.cnn.exercises` -- ``exercise_shift_test``, ``prediction_receptive_field``.

Papers: LeCun, Bottou, Bengio & Haffner 1998; Erhan, Bengio, Courville & Vincent 2009;
Mahendran & Vedaldi 2016; Yosinski, Clune, Bengio & Lipson 2014; Azulay & Weiss 2019.
Every name below keeps its old path: ``from course_lib import cnn; cnn.train_cnn(...)``.
"""
from __future__ import annotations

from course_lib.cnn.exercises import exercise_shift_test, prediction_receptive_field
from course_lib.cnn.experiments import (
    TRANSFER_ARMS,
    few_shot_rows,
    filters_in_image,
    mean_ci,
    paired_accuracy_ci,
    receptive_field_mask,
    top_digits,
    transfer_init,
)
from course_lib.cnn.kernels import (
    IMAGE,
    PARAM_NAMES,
    circular_conv2d,
    cnn_forward,
    conv1_unit_phi,
    conv_weight_grad_unfold,
    equivariance_error,
    impulse_receptive_field,
    init_cnn,
    invariance_error,
    shift,
    total_variation,
)
from course_lib.cnn.train import accuracy, activation_maximization, train_cnn
from course_lib.cnn.widget import (
    atoms_figure,
    build_cnn_widget,
    class_inputs_figure,
    comparison_table,
    dictionary_convergence_figure,
    equivariance_figure,
    filters_figure,
    grating_figure,
    receptive_field_figure,
    spread_figure,
    training_figure,
    transfer_figure,
)

__all__ = [
    "IMAGE",
    "PARAM_NAMES",
    "circular_conv2d",
    "impulse_receptive_field",
    "shift",
    "equivariance_error",
    "invariance_error",
    "conv_weight_grad_unfold",
    "init_cnn",
    "cnn_forward",
    "conv1_unit_phi",
    "total_variation",
    "train_cnn",
    "accuracy",
    "activation_maximization",
    "receptive_field_mask",
    "filters_in_image",
    "top_digits",
    "few_shot_rows",
    "TRANSFER_ARMS",
    "transfer_init",
    "mean_ci",
    "paired_accuracy_ci",
    "equivariance_figure",
    "comparison_table",
    "filters_figure",
    "class_inputs_figure",
    "atoms_figure",
    "spread_figure",
    "grating_figure",
    "training_figure",
    "receptive_field_figure",
    "dictionary_convergence_figure",
    "transfer_figure",
    "build_cnn_widget",
    "exercise_shift_test",
    "prediction_receptive_field",
]
