"""Mutants of lecture 08 (loss landscape): plausible mistakes in the kernels its claims rest on."""
from __future__ import annotations

from tests.mutants import Mutant

LECTURE = "08_landscape"


def _min_loss_without_the_half(min_loss):
    def wrong(X, Y, rank):
        return 2 * min_loss(X, Y, rank)  # ‖Y − WX‖² instead of ½‖Y − WX‖²: the closed form off by 2

    return wrong


def _bezier_never_trained(fit):
    def wrong(loss_fn, w_a, w_b, steps, lr, seed=0, **kwargs):
        return fit(loss_fn, w_a, w_b, 0, lr, seed, **kwargs)  # the training loop never runs: the start comes back

    return wrong


def _bezier_without_the_2(path):
    def wrong(loss_fn, w_a, theta, w_b, n_points=41):
        # (1−t)²w_a + t(1−t)θ + t²w_b: the middle Bernstein weight without its 2 (= the right curve at θ/2)
        return path(loss_fn, w_a, 0.5 * theta, w_b, n_points)

    return wrong


def _segment_typo(path):
    def wrong(loss_fn, w_a, w_b, n_points=41):
        return path(loss_fn, w_a, w_a, n_points)  # (1−t) w_a + t w_a: a copy-paste slip, the path never moves

    return wrong


def _toy_first_unit_only(_original):
    def wrong(theta):
        k = theta.shape[-1] // 2
        return 0.5 * (theta[..., 0] * theta[..., k] - 1) ** 2  # a[0] w[0] instead of the dot product a · w

    return wrong


def _matching_minimises(match):
    def wrong(ens, Va, Vb):
        # a sign slip in the Hungarian cost: maximising <A, -B> minimises <A, B>, the WORST matching of B's units
        return match(ens, Va, -Vb)

    return wrong


MUTANTS = [
    Mutant("deep_linear_min_loss_no_half", "course_lib.landscape.kernels:deep_linear_min_loss",
           _min_loss_without_the_half, "closed-form minimum without the ½ (a constant off by 2)"),
    Mutant("fit_bezier_untrained", "course_lib.landscape.kernels:fit_bezier", _bezier_never_trained,
           "the Bezier control point is never trained (the curve's low barrier would be a fluke)"),
    Mutant("bezier_path_no_two", "course_lib.landscape.kernels:bezier_path", _bezier_without_the_2,
           "Bezier curve evaluated with weight t(1-t) instead of 2t(1-t)"),
    Mutant("linear_path_typo", "course_lib.landscape.kernels:linear_path", _segment_typo,
           "the segment interpolates w_a with itself (no barrier can ever show)"),
    Mutant("toy_loss_first_unit", "course_lib.landscape.kernels:toy_linear_loss", _toy_first_unit_only,
           "the width-k toy net reads only its first hidden unit (width 2 behaves like width 1)"),
    Mutant("weight_matching_sign", "course_lib.landscape.experiments:_matching_permutation", _matching_minimises,
           "weight matching with the cost's sign flipped: the permutation that matches B's units worst"),
]
