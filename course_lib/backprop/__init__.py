"""Backpropagation by hand, its stochastic-approximation view, and the XOR widget (lecture 01).

Modules:

* :mod:`~course_lib.backprop.kernels` -- the chain rule by hand (forward and backward pass, batched
  training), the Hessian by central differences of the gradient, Robbins–Monro SGD on a stream of
  noisy labels, its noise floor, and Kiefer–Wolfowitz finite-difference estimates;
* :mod:`~course_lib.backprop.experiments` -- the lecture's drivers: constant vs decaying steps on
  noisy XOR, the Kiefer–Wolfowitz check, the Hessian diagnosis of failed XOR runs;
* :mod:`~course_lib.backprop.widget` -- the XOR decision-boundary widget and the lecture's figures;
* :mod:`~course_lib.backprop.exercises` -- the backward pass of one layer; a prediction of the
  curvature of a failed run.
"""
from course_lib.backprop.exercises import exercise_layer_backward, prediction_stiff_eigenvalue
from course_lib.backprop.experiments import (
    FailureDiagnosis,
    KWCheck,
    SAResult,
    diagnose_failures,
    kiefer_wolfowitz_check,
    median_interval,
    noisy_xor,
    stochastic_approximation,
)
from course_lib.backprop.kernels import (
    SigmoidMLP,
    TrainHistory,
    backward_pass,
    flatten_params,
    forward_pass,
    gradient_norm,
    hessian,
    init_params,
    kw_moments,
    kw_quotients,
    kw_stream,
    noise_floor,
    noisy_loss_moments,
    sgd_stream,
    train_many,
    unflatten_params,
)
from course_lib.backprop.widget import (
    build_xor_boundary_widget,
    failure_spectrum_figure,
    loss_traces_figure,
    stochastic_approximation_figure,
)

__all__ = [
    "SigmoidMLP", "init_params", "forward_pass", "backward_pass", "train_many", "TrainHistory", "gradient_norm",
    "flatten_params", "unflatten_params", "hessian", "sgd_stream", "noise_floor", "noisy_loss_moments",
    "kw_quotients", "kw_moments", "kw_stream",
    "noisy_xor", "median_interval", "SAResult", "stochastic_approximation", "KWCheck", "kiefer_wolfowitz_check",
    "FailureDiagnosis", "diagnose_failures",
    "loss_traces_figure", "stochastic_approximation_figure", "failure_spectrum_figure", "build_xor_boundary_widget",
    "exercise_layer_backward", "prediction_stiff_eigenvalue",
]
