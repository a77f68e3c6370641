"""Mutants of lecture 01: plausible mistakes in the perceptron, backprop and stochastic-approximation kernels."""
from __future__ import annotations

import numpy as np
import torch

from tests.mutants import Mutant

LECTURE = "01_perceptron_backprop"


def _wrong_sign_perceptron(original):
    """Rosenblatt's rule with the update subtracted: w̃ ← w̃ − y·x̃ on a mistake."""
    from course_lib.perceptron import PerceptronResult, _check_xy, augment

    def train_perceptron(X, y, epochs=100, stop_when_separated=True):
        X, y = _check_xy(X, y)
        Z = (augment(X) * y[:, None]).numpy()
        w = np.zeros(Z.shape[1])
        mistakes, history = [], []
        for _ in range(epochs):
            count = 0
            for z in Z:
                if w @ z <= 0:
                    w -= z
                    count += 1
            mistakes.append(count)
            history.append(torch.from_numpy(w.copy()))
            if count == 0 and stop_when_separated:
                break
        w_t = torch.from_numpy(w)
        return PerceptronResult(w=w_t[:-1].clone(), b=float(w_t[-1]), mistakes_per_epoch=mistakes, history=history)

    return train_perceptron


def _bound_without_bias(original):
    """Novikoff's R taken on the raw inputs, forgetting the bias coordinate of x̃ = (x, 1)."""
    from course_lib import perceptron

    def novikoff_bound(X, y):
        X, y = perceptron._check_xy(X, y)
        gamma, _ = perceptron.max_margin(X, y)
        return (float(X.norm(dim=1).max()) / gamma) ** 2

    return novikoff_bound


def _order_off_by_one(original):
    """Masks of order ≤ k built with range(1, order + 2): one order too many."""
    def order_features(B, order):
        return original(B, min(order + 1, torch.as_tensor(B).shape[1]))

    return order_features


def _no_sigmoid_derivative(original):
    """The output error signal without the factor yᴸ(1 − yᴸ) of the sigmoid's derivative."""
    def backward_pass(weights, acts, Y):
        out = acts[-1]
        delta = 2.0 * (out - Y) / (out.shape[-2] * out.shape[-1])
        dWs, dbs = [None] * len(weights), [None] * len(weights)
        for layer in range(len(weights) - 1, -1, -1):
            prev = acts[layer]
            dWs[layer] = delta.transpose(-1, -2) @ prev
            dbs[layer] = delta.sum(dim=-2)
            if layer > 0:
                delta = (delta @ weights[layer]) * prev * (1 - prev)
        return dWs, dbs

    return backward_pass


def _no_decay(original):
    """A "Robbins–Monro" schedule that never decays: the decay time is dropped, ηₜ = η₀."""
    def sgd_stream(*args, tau=None, **kwargs):
        return original(*args, tau=None, **kwargs)

    return sgd_stream


def _hessian_one_sided_step(original):
    """Central differences divided by h instead of 2h: every curvature doubled."""
    return lambda *args, **kwargs: 2 * original(*args, **kwargs)


MUTANTS = [
    Mutant("perceptron_wrong_sign", "course_lib.perceptron:train_perceptron", _wrong_sign_perceptron,
           "perceptron update with the wrong sign (w̃ − y·x̃): it never separates the data"),
    Mutant("novikoff_without_bias", "course_lib.perceptron:novikoff_bound", _bound_without_bias,
           "Novikoff's R computed on x instead of x̃ = (x, 1): the tight case exposes the smaller 'bound'"),
    Mutant("parity_order_off_by_one", "course_lib.perceptron:order_features", _order_off_by_one,
           "masks of order ≤ k + 1 instead of ≤ k (off-by-one in range): parity looks computable at order n − 1"),
    Mutant("backprop_no_sigmoid_derivative", "course_lib.backprop.kernels:backward_pass", _no_sigmoid_derivative,
           "backward pass missing the sigmoid derivative y(1 − y) at the output layer"),
    Mutant("robbins_monro_no_decay", "course_lib.backprop.kernels:sgd_stream", _no_decay,
           "a Robbins–Monro schedule that does not decay (the decay time ignored)"),
    Mutant("hessian_step_h", "course_lib.backprop.kernels:hessian", _hessian_one_sided_step,
           "finite-difference Hessian divided by h instead of 2h (curvatures and noise floors doubled)"),
]
