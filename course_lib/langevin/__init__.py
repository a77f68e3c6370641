"""Stochastic gradient Langevin dynamics: Gibbs limit, metastability, generalization (lecture 07).

Papers: Welling & Teh 2011 (SGLD); Mou, Wang, Zhai & Zheng, COLT 2018, arXiv:1707.05947
(stability and PAC-Bayes bounds); Kramers 1940 (escape rate); Roberts & Tweedie 1996 and
Mattingly, Stuart & Higham 2002 (Euler-Maruyama on superlinear drifts diverges).

Modules (imports run one way: widget -> experiments -> kernels -> course_lib.core;
theory and exercises import only core, kernels):

* :mod:`~course_lib.langevin.kernels`     -- the batched tensor programs: potentials (double well,
  tilted double well, banana), the one
  Langevin loop (:func:`langevin_loop`, all chains in one tensor, a Python loop over time only),
  :func:`sgld`, :func:`gradient_descent`, the Gibbs density, the KS distance and its critical
  value, crossing counts;
* :mod:`~course_lib.langevin.theory`      -- the theory's numbers, no sampling: Kramers and
  exact (mean first-passage) escape rates, the tilted well's critical points, Mou et al.'s
  stability and PAC-Bayes bounds (the PAC-Bayes KL and confidence terms separately);
* :mod:`~course_lib.langevin.experiments` -- the lecture's drivers: the (beta, eta) grid in one
  run, the stable-step threshold, the Arrhenius fit, the tilted well's mass near its global
  minimum, the digits with true and random labels, SGLD on a sigmoid-loss model, the gap
  difference between label sets, the minibatch gradient noise;
* :mod:`~course_lib.langevin.widget`      -- the lecture's figures and the Gibbs-limit widget;
* :mod:`~course_lib.langevin.exercises`   -- the exercise factories.

Every public name is re-exported here: ``from course_lib import langevin; langevin.sgld(...)``.
"""
from __future__ import annotations

from course_lib.langevin.exercises import (
    exercise_gibbs_normalizer,
    exercise_sgld_step,
    prediction_tilted_stable_step,
)
from course_lib.langevin.experiments import (
    StationaryGrid,
    StepThreshold,
    TiltedWell,
    arrhenius_fit,
    digits_true_and_random,
    label_gap_difference,
    sigmoid_loss_sgld,
    sigmoid_minibatch_noise,
    stable_step_threshold,
    stationary_grid,
    tilted_well_sampling,
)
from course_lib.langevin.kernels import (
    DIVERGENCE_BOUND,
    DOUBLE_WELL_BARRIER,
    TILT,
    SGLDRun,
    banana,
    banana_grad,
    double_well,
    double_well_grad,
    gibbs_density,
    gradient_descent,
    ks_critical,
    ks_distance,
    langevin_loop,
    sgld,
    sgld_run,
    tilted_double_well,
    tilted_double_well_grad,
    transition_counts,
)
from course_lib.langevin.theory import (
    kramers_rate,
    mfpt_rate,
    pac_bayes_bound,
    pac_bayes_confidence,
    pac_bayes_kl,
    stability_bound,
    tilted_well_critical_points,
)
from course_lib.langevin.widget import (
    arrhenius_figure,
    banana_figure,
    bound_terms_figure,
    bounds_figure,
    build_gibbs_widget,
    gibbs_histogram_figure,
    step_size_figure,
    tilted_well_figure,
)

__all__ = [
    # kernels
    "DOUBLE_WELL_BARRIER",
    "DIVERGENCE_BOUND",
    "double_well",
    "double_well_grad",
    "banana",
    "banana_grad",
    "TILT",
    "tilted_double_well",
    "tilted_double_well_grad",
    "langevin_loop",
    "sgld",
    "sgld_run",
    "SGLDRun",
    "gradient_descent",
    "gibbs_density",
    "ks_distance",
    "ks_critical",
    "transition_counts",
    # theory
    "kramers_rate",
    "mfpt_rate",
    "tilted_well_critical_points",
    "stability_bound",
    "pac_bayes_kl",
    "pac_bayes_confidence",
    "pac_bayes_bound",
    # experiments
    "StationaryGrid",
    "stationary_grid",
    "StepThreshold",
    "stable_step_threshold",
    "arrhenius_fit",
    "TiltedWell",
    "tilted_well_sampling",
    "digits_true_and_random",
    "sigmoid_loss_sgld",
    "label_gap_difference",
    "sigmoid_minibatch_noise",
    # widget and figures
    "gibbs_histogram_figure",
    "banana_figure",
    "step_size_figure",
    "arrhenius_figure",
    "tilted_well_figure",
    "bounds_figure",
    "bound_terms_figure",
    "build_gibbs_widget",
    # exercises
    "exercise_sgld_step",
    "exercise_gibbs_normalizer",
    "prediction_tilted_stable_step",
]
