"""Harmonic analysis (lecture 03): wavelet bases, Morlet filters and the scattering transform.

Papers: Mallat 1989 (the fast wavelet transform); Daubechies 1988 (compactly supported orthogonal
wavelets); Mallat, *A Wavelet Tour of Signal Processing* (2009, ch. 9: n-term approximation); Mallat
2012 (group invariant scattering); Bruna & Mallat 2013 (invariant scattering convolution networks).

Modules (imports run one way: widget -> experiments -> kernels -> course_lib.core; exercises ->
kernels):

* :mod:`~course_lib.scattering.kernels` -- pure, batched tensor functions: Daubechies filters, the
  periodic orthogonal ``dwt``/``idwt`` (hand-written: the lesson), ``dft``, ``n_term_errors``,
  ``piecewise_smooth``; the Morlet ``filter_bank`` and ``littlewood_paley`` sums; ``scattering2d``
  and ``scattering_paths``; ``fourier_modulus``, ``translate``, ``dilate``, ``grating_texture``,
  ``relative_distance``; the linear classifier ``ridge_loo``.
* :mod:`~course_lib.scattering.experiments` -- the lecture's drivers: ``nterm_experiment``,
  ``lp_summary``, ``nonexpansive_experiment``, ``shift_distances``, ``translation_experiment``,
  ``deformation_experiment``, ``order_energies``, ``learning_curve``, ``widget_data``.
* :mod:`~course_lib.scattering.widget` -- ``build_scattering_widget`` and the lecture's figures.
* :mod:`~course_lib.scattering.exercises` -- ``exercise_lowpass``, ``prediction_grating``.

Public API fixed by issue 12: ``filter_bank(size, J, L) -> (phi_hat, psi_hat)`` and
``scattering2d(images, J, L, order=2) -> (B, C, H/2^J, W/2^J)``.
"""
from __future__ import annotations

from course_lib.scattering.exercises import exercise_lowpass, grating, prediction_grating
from course_lib.scattering.experiments import (
    deformation_experiment,
    draw_training_sets,
    learning_curve,
    loglog_slope,
    lp_summary,
    nonexpansive_experiment,
    nterm_experiment,
    order_energies,
    padded_digits,
    shift_distances,
    translation_experiment,
    widget_data,
)
from course_lib.scattering.kernels import (
    daubechies_lowpass,
    dft,
    dilate,
    dwt,
    filter_bank,
    fourier_modulus,
    grating_texture,
    idwt,
    littlewood_paley,
    n_term_errors,
    piecewise_smooth,
    relative_distance,
    ridge_loo,
    scattering2d,
    scattering_paths,
    translate,
)
from course_lib.scattering.widget import build_scattering_widget

__all__ = [
    "daubechies_lowpass",
    "dwt",
    "idwt",
    "dft",
    "n_term_errors",
    "piecewise_smooth",
    "filter_bank",
    "littlewood_paley",
    "scattering_paths",
    "scattering2d",
    "fourier_modulus",
    "translate",
    "dilate",
    "grating_texture",
    "relative_distance",
    "ridge_loo",
    "loglog_slope",
    "padded_digits",
    "nterm_experiment",
    "lp_summary",
    "nonexpansive_experiment",
    "shift_distances",
    "translation_experiment",
    "deformation_experiment",
    "order_energies",
    "draw_training_sets",
    "learning_curve",
    "widget_data",
    "build_scattering_widget",
    "exercise_lowpass",
    "prediction_grating",
    "grating",
]
