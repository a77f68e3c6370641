"""Mutants of lecture 06's kernels: each must stop the lecture on a claim."""
from __future__ import annotations

import torch

from tests.mutants import Mutant

LECTURE = "06_generalization"


def _exclude_old_class(original):
    def random_labels(y, fraction, n_classes, seed=0):
        y = torch.as_tensor(y).long()
        f = torch.as_tensor(fraction, dtype=torch.float64).reshape(-1)
        g = torch.Generator().manual_seed(seed)
        B, n = f.numel(), y.numel()
        order = torch.rand(B, n, generator=g).argsort(1)
        chosen = torch.zeros(B, n, dtype=torch.bool).scatter_(
            1, order, torch.arange(n)[None, :] < torch.round(f * n).long()[:, None])
        other = (y + torch.randint(1, n_classes, (B, n), generator=g)) % n_classes  # never the old label
        out = torch.where(chosen, other, y)
        return out if torch.as_tensor(fraction).ndim else out[0]
    return random_labels


def _labels_shared(original):
    def train_ensemble(weights, masks, X, Y, **kwargs):
        Y = torch.as_tensor(Y)
        return original(weights, masks, X, Y[0] if Y.ndim == 2 else Y, **kwargs)  # member 0's labels for all
    return train_ensemble


def _frobenius(original):
    def spectral_norm(A):
        return A.norm(dim=(-2, -1))  # the Frobenius norm, not the largest singular value
    return spectral_norm


def _columns(original):
    def norm_2_1(M):
        return M.norm(dim=-1).sum(-1)  # row norms of its argument: ||A^T||_{2,1} becomes the columns of A
    return norm_2_1


def _margin_includes_true_class(original):
    def margins(logits, y):
        logits = torch.as_tensor(logits)
        y = torch.as_tensor(y).long().expand(logits.shape[:-1])
        return logits.gather(-1, y[..., None])[..., 0] - logits.amax(-1)  # max over all classes, y included
    return margins


def _one_complexity(original):
    def normalized_margins(logits, y, spectral_complexity, X):
        R = torch.as_tensor(spectral_complexity, dtype=torch.float64).reshape(-1)
        return original(logits, y, R[:1].expand(R.numel()), X)  # every net divided by the first net's R_A
    return normalized_margins


MUTANTS = [
    Mutant("labels_exclude_old_class", "course_lib.generalization.kernels:random_labels", _exclude_old_class,
           "random labels drawn from the other 9 classes, so every replaced label changes"),
    Mutant("labels_shared_by_members", "course_lib.generalization.kernels:train_ensemble", _labels_shared,
           "a batching slip: every member of the ensemble trained on member 0's (true) labels"),
    Mutant("spectral_norm_is_frobenius", "course_lib.generalization.kernels:spectral_norm", _frobenius,
           "the Frobenius norm used for the spectral norm in R_A"),
    Mutant("norm_21_over_columns", "course_lib.generalization.kernels:norm_2_1", _columns,
           "||A^T||_{2,1} computed over the columns of A instead of its rows"),
    Mutant("margin_includes_true_class", "course_lib.generalization.kernels:margins", _margin_includes_true_class,
           "the margin's max taken over all classes, the true one included (so it is never positive)"),
    Mutant("one_complexity_for_all", "course_lib.generalization.kernels:normalized_margins", _one_complexity,
           "a broadcasting slip: every net's margins divided by the first net's R_A"),
]
