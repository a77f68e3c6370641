"""Mutants of lecture 05's kernels: each must stop the lecture on a claim."""
from __future__ import annotations

import math

import torch

from tests.mutants import Mutant

LECTURE = "05_approximation"


def _slopes_not_kinks(original):
    def relu_interpolant(f, a, b, n_units, **kw):
        knots, coef, c0 = original(f, a, b, n_units, **kw)
        return knots, torch.cumsum(coef, 0), c0  # each unit weighted by the slope itself, not its change
    return relu_interpolant


def _directions_over_2pi(original):
    def ridge_directions(n_directions, *, dtype=torch.float64):
        theta = torch.arange(n_directions, dtype=dtype) * 2 * math.pi / n_directions  # 2π, not π
        return torch.stack([theta.cos(), theta.sin()], 1)
    return ridge_directions


def _features_without_bias(original):
    def random_ridge_units(*args, **kwargs):
        U, b = original(*args, **kwargs)
        return U, torch.zeros_like(b)  # every kink through the origin
    return random_ridge_units


def _tree_pairs_strided(original):
    def tree_masks(k, n_inputs=8):
        masks = original(k, n_inputs)
        out = []
        for i, M in enumerate(masks):
            if i % 2 == 0:  # hidden layer: node j reads inputs j and j + q/2 instead of 2j and 2j + 1
                q = M.shape[0]
                node = torch.arange(M.shape[1]) // k
                M = (torch.arange(q)[:, None] % (q // 2)) == node[None, :]
            out.append(M)
        return out
    return tree_masks


def _torch_default_init(original):
    def masked_net(masks, acts, *, seed=0, dtype=torch.float32, device=None):
        net = original(masks, acts, seed=seed, dtype=dtype, device=device)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for W, b, M in zip(net.weights, net.biases, net.masks):
                bound = 1 / math.sqrt(M.shape[1])  # nn.Linear's U(±1/√fan_in), fan_in = the unmasked width
                W.copy_((2 * torch.rand(W.shape, generator=g) - 1).to(W) * bound * M)
                b.copy_((2 * torch.rand(b.shape, generator=g) - 1).to(b) * bound)
        return net
    return masked_net


def _count_masked_weights(original):
    def count_parameters(model):
        return int(sum(p.numel() for p in model.parameters()))  # masked zeros counted too
    return count_parameters


MUTANTS = [
    Mutant("interpolant_slopes_not_kinks", "course_lib.approx.kernels:relu_interpolant", _slopes_not_kinks,
           "ReLU coefficients set to the slopes of the pieces, not to their changes at the knots"),
    Mutant("directions_over_2pi", "course_lib.approx.kernels:ridge_directions", _directions_over_2pi,
           "ridge directions spaced by 2π/M: opposite pairs repeat a direction"),
    Mutant("features_without_bias", "course_lib.approx.kernels:random_ridge_units", _features_without_bias,
           "random ReLU units drawn without biases: every kink passes through the origin"),
    Mutant("tree_pairs_strided", "course_lib.approx.kernels:tree_masks", _tree_pairs_strided,
           "the tree net pairs x_i with x_{i+4} (a stride bug): not the target's tree"),
    Mutant("torch_default_init", "course_lib.approx.kernels:masked_net", _torch_default_init,
           "PyTorch's default init scaled to the unmasked width instead of each unit's fan-in"),
    Mutant("count_masked_weights", "course_lib.approx.kernels:count_parameters", _count_masked_weights,
           "masked-out weights counted as parameters"),
]
