"""Stochastic gradient Langevin dynamics: Gibbs limit, metastability, generalization (lecture 07).

Papers: Welling & Teh 2011 (SGLD); Mou, Wang, Zhai & Zheng, COLT 2018, arXiv:1707.05947
(stability and PAC-Bayes bounds); Kramers 1940 (escape rate); Roberts & Tweedie 1996 and
Mattingly, Stuart & Higham 2002 (Euler-Maruyama on superlinear drifts diverges).

Modules (imports run one way: widget -> experiments -> kernels -> course_lib.core;
theory and exercises import only core, kernels):

* :mod:`~course_lib.langevin.kernels`     -- the batched tensor programs: potentials, the one
  Langevin loop (:func:`langevin_loop`, all chains in one tensor, a Python loop over time only),
  :func:`sgld`, :func:`gradient_descent`, the Gibbs density, the KS distance and its critical
  value, crossing counts;
* :mod:`~course_lib.langevin.theory`      -- the theory's numbers, no sampling: Kramers and
  exact (mean first-passage) escape rates, Mou et al.'s stability and PAC-Bayes bounds;
* :mod:`~course_lib.langevin.experiments` -- the lecture's drivers: the (beta, eta) grid in one
  run, the Arrhenius fit, the digits with true and random labels, SGLD on a sigmoid-loss model;
* :mod:`~course_lib.langevin.widget`      -- the lecture's figures and the Gibbs-limit widget;
* :mod:`~course_lib.langevin.exercises`   -- the exercise factories.

Every public name is re-exported here: ``from course_lib import langevin; langevin.sgld(...)``.
"""
from __future__ import annotations

from course_lib.langevin.exercises import exercise_gibbs_normalizer, exercise_sgld_step
from course_lib.langevin.experiments import (
    StationaryGrid,
    arrhenius_fit,
    digits_true_and_random,
    sigmoid_loss_sgld,
    stationary_grid,
)
from course_lib.langevin.kernels import (
    DIVERGENCE_BOUND,
    DOUBLE_WELL_BARRIER,
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
    transition_counts,
)
from course_lib.langevin.theory import kramers_rate, mfpt_rate, pac_bayes_bound, stability_bound
from course_lib.langevin.widget import (
    arrhenius_figure,
    banana_figure,
    bounds_figure,
    build_gibbs_widget,
    gibbs_histogram_figure,
    step_size_figure,
)

__all__ = [
    # kernels
    "DOUBLE_WELL_BARRIER",
    "DIVERGENCE_BOUND",
    "double_well",
    "double_well_grad",
    "banana",
    "banana_grad",
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
    "stability_bound",
    "pac_bayes_bound",
    # experiments
    "StationaryGrid",
    "stationary_grid",
    "arrhenius_fit",
    "digits_true_and_random",
    "sigmoid_loss_sgld",
    # widget and figures
    "gibbs_histogram_figure",
    "banana_figure",
    "step_size_figure",
    "arrhenius_figure",
    "bounds_figure",
    "build_gibbs_widget",
    # exercises
    "exercise_sgld_step",
    "exercise_gibbs_normalizer",
]
