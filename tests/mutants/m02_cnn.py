"""Mutants of lecture 02: plausible mistakes in the kernels its claims rest on."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from tests.mutants import Mutant

LECTURE = "02_cnn_visualization"


def _zero_padding(circular_conv2d):
    """Pads with zeros (F.conv2d's ``padding=``) where the layer should wrap around."""
    def conv(x, w, stride=1):
        return F.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2)
    return conv


def _untrained(train_cnn):
    """Returns the network as initialised: a training loop whose step never moves the weights."""
    def train(*args, **kwargs):
        return train_cnn(*args, **{**kwargs, "lr": 1e-12})
    return train


def _no_renormalisation(dictionary_update):
    """O&F's gradient step on the atoms, without projecting or renormalising them afterwards."""
    def update(D, X, A, n_steps=5):
        At = A.transpose(-1, -2)
        AAt, XAt = A @ At, X @ At
        eta = 1.0 / torch.linalg.eigvalsh(AAt)[..., -1:, None].clamp(min=1e-12)
        for _ in range(n_steps):
            D = D + eta * (XAt - D @ AAt)
        return D, A
    return update


def _prior_gradient_doubled(activation_maximization):
    """The L2 prior's gradient written as 2·λx (the ½ of ½λ‖x‖² dropped): the optimum becomes w/(2λ)."""
    def am(phi, shape, l2=1.0, *args, **kwargs):
        return activation_maximization(phi, shape, 2 * l2, *args, **kwargs)
    return am


MUTANTS = [
    Mutant("conv_zero_padding", "course_lib.cnn.kernels:circular_conv2d", _zero_padding,
           "zero padding instead of circular: the border breaks exact shift equivariance"),
    Mutant("cnn_untrained", "course_lib.cnn.train:train_cnn", _untrained,
           "an untrained CNN (the optimiser step never applied) compared with the SVM and transferred"),
    Mutant("dictionary_not_renormalised", "course_lib.sparse_coding:dictionary_update", _no_renormalisation,
           "dictionary update without column renormalisation: atoms grow, codes shrink and stop being sparse"),
    Mutant("am_prior_gradient_x2", "course_lib.cnn.train:activation_maximization", _prior_gradient_doubled,
           "activation maximisation with the regulariser's gradient off by 2 against x* = w/λ"),
]
