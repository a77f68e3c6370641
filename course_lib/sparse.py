"""Sparse representations: soft thresholding, ISTA/FISTA, basis pursuit, OMP (lecture 04).

Papers: Beck & Teboulle 2009 (ISTA/FISTA); Donoho & Tanner 2009 (phase transition);
Papyan, Romano & Elad 2017 (multi-layer convolutional sparse coding).
"""
from __future__ import annotations

import torch

from course_lib.validate import as_tensor, check_positive

__all__ = ["soft_threshold", "nonneg_soft_threshold"]


def _beta(beta, z: torch.Tensor) -> torch.Tensor | float:
    if isinstance(beta, torch.Tensor) and beta.numel() > 1:
        b = as_tensor(beta, "beta", dtype=z.dtype, device=z.device)
        if bool((b < 0).any()):
            raise ValueError("beta: must be >= 0")
        return b
    return check_positive(beta, "beta", allow_zero=True)


def soft_threshold(z, beta) -> torch.Tensor:
    r"""$S_\beta(z) = \mathrm{sign}(z)\max(|z|-\beta, 0) = \arg\min_x \tfrac12(x-z)^2 + \beta|x|$,
    the proximal operator of $\beta\|\cdot\|_1$ (elementwise; ``beta`` may broadcast)."""
    z = as_tensor(z, "z", min_size=0)
    b = _beta(beta, z)
    return torch.sign(z) * torch.clamp(z.abs() - b, min=0)


def nonneg_soft_threshold(z, beta) -> torch.Tensor:
    r"""$S^+_\beta(z) = \max(z-\beta, 0) = \mathrm{ReLU}(z-\beta)$: the prox of
    $\beta\|x\|_1 + \iota_{x\ge0}$ (Papyan et al. 2017)."""
    z = as_tensor(z, "z", min_size=0)
    b = _beta(beta, z)
    return torch.clamp(z - b, min=0)
