"""Optimisation beyond backprop (lecture 09): vanishing gradients, ADMM (Algorithm 1) and BCD.

Papers: Zeng, Lin, Yao & Zhou, "On ADMM in deep learning: convergence and saturation-avoidance",
JMLR 22 (2021), arXiv:1902.02060 (Algorithm 1, Theorem 1); Taylor et al., ICML 2016
(data-parallel ADMM); Zhang & Brand, NIPS 2017 and Zeng et al., ICML 2019 (BCD = zero
multipliers); Nielsen, *Neural Networks and Deep Learning* ch. 5 (vanishing gradients).

Modules (imports run one way: widget -> experiments -> train -> parallel -> kernels -> course_lib.core):

* :mod:`~course_lib.admm.kernels` -- the block updates of Algorithm 1 (``update_last_W``,
  ``update_hidden_W``, ``update_hidden_V``, ``update_penultimate_V``, ``update_last_V``), the
  augmented Lagrangian and its gradients, and ``admm_core``, the sweep loop; every sum over samples
  goes through a communicator (``LocalComm`` in one process).
* :mod:`~course_lib.admm.parallel` -- the ``torch.distributed`` runner (gloo on the loopback interface, a
  ``FileStore`` rendezvous in a private temporary directory): ``DistComm``, ``run_local``, ``default_start_method``.
* :mod:`~course_lib.admm.train` -- ``admm_train``, ``bcd_train``, ``bp_train``: the entry points
  (``admm_train`` runs locally or on ``world_size`` processes); they return
  :class:`course_lib.core.history.TrainHistory`.
* :mod:`~course_lib.admm.experiments` -- ``layer_gradient_norms``, ``theorem_conditions``,
  ``square_data``, ``widget_runs`` and the summaries the lecture's claims read.
* :mod:`~course_lib.admm.widget` -- ``build_admm_widget`` and the lecture's figures.
* :mod:`~course_lib.admm.exercises` -- ``exercise_last_layer_update``, ``exercise_multiplier_update``.
* ``python -m course_lib.admm --world-size 2`` (:mod:`~course_lib.admm.__main__`): the command-line check
  that ``world_size`` processes reproduce one.

The network itself (activations, ``init_weights``, forward pass, backprop) is
:mod:`course_lib.core.mlp`.  Every name below keeps its old path: ``course_lib.admm.admm_train``.
"""
from __future__ import annotations

from course_lib.admm import kernels, parallel
from course_lib.admm.exercises import (
    exercise_last_layer_update,
    exercise_multiplier_update,
    prediction_last_multiplier,
)
from course_lib.admm.experiments import (
    ADAM_LRS,
    GD_LRS,
    WIDGET_BETAS,
    WIDGET_SCALES,
    backprop_grid,
    beta_report,
    beta_sweep,
    grid_check,
    lagrangian_increases,
    layer_gradient_norms,
    multipliers_vs_backprop,
    per_layer_factor,
    residual_slope,
    saturated_fraction,
    saturation_study,
    saturation_table,
    seed_inits,
    square_data,
    theorem_conditions,
    time_to_accuracy,
    widget_runs,
)
from course_lib.admm.train import admm_train, bcd_train, bp_train
from course_lib.admm.widget import build_admm_widget, lagrangian_figure, learning_speed_figure, saturation_figure
from course_lib.core.history import TrainHistory
from course_lib.core.mlp import init_weights

__all__ = [
    "TrainHistory",
    "admm_train",
    "bcd_train",
    "bp_train",
    "init_weights",
    "layer_gradient_norms",
    "per_layer_factor",
    "theorem_conditions",
    "time_to_accuracy",
    "square_data",
    "widget_runs",
    "lagrangian_increases",
    "beta_report",
    "beta_sweep",
    "grid_check",
    "residual_slope",
    "saturation_table",
    "learning_speed_figure",
    "lagrangian_figure",
    "saturation_figure",
    "build_admm_widget",
    "exercise_last_layer_update",
    "exercise_multiplier_update",
    "WIDGET_BETAS",
    "WIDGET_SCALES",
    "GD_LRS",
    "ADAM_LRS",
    "seed_inits",
    "saturated_fraction",
    "backprop_grid",
    "saturation_study",
    "multipliers_vs_backprop",
    "prediction_last_multiplier",
    "kernels",
    "parallel",
]
