"""Mutants of lecture 07 (SGLD): plausible mistakes in the kernels its claims rest on."""
from __future__ import annotations

import math

import torch

from tests.mutants import Mutant

LECTURE = "07_sgld"


def _noise_without_the_2(loop):
    # sqrt(eta/beta) instead of sqrt(2 eta/beta): the same as running the right loop at 2 beta
    def wrong(grad_U, x, eta, beta, *args, **kwargs):
        return loop(grad_U, x, eta, 2 * beta, *args, **kwargs)

    return wrong


def _gibbs_half_beta(gibbs):
    def wrong(U, beta, grid):
        return gibbs(U, beta / 2, grid)  # exp(-beta U / 2): the density of dW = -grad U dt + sqrt(4/beta) dB

    return wrong


def _ks_mean_not_sup(_original):
    from course_lib.langevin import kernels

    def wrong(samples, grid, density, valid=None):
        # the same empirical-vs-model CDF gaps as the KS statistic, averaged over the samples (.mean) instead
        # of their supremum (.amax): a one-word slip when vectorising
        g = torch.as_tensor(grid, dtype=torch.float64)
        s = torch.as_tensor(samples, dtype=torch.float64)
        p = torch.as_tensor(density, dtype=torch.float64)
        lead = s.shape[:-1]
        cdf = kernels._cdf_on_grid(g, p).expand(*lead, g.shape[0]).reshape(-1, g.shape[0])
        flat = s.reshape(-1, s.shape[-1])
        ok = torch.ones_like(flat, dtype=torch.bool) if valid is None else valid.reshape(flat.shape)
        xs = torch.sort(torch.where(ok, flat, torch.full_like(flat, math.inf)), dim=-1).values
        n = ok.sum(-1, keepdim=True).to(torch.float64)
        xc = xs.clamp(g[0], g[-1]).contiguous()
        idx = torch.searchsorted(g, xc).clamp(1, g.shape[0] - 1)
        c0, c1 = torch.gather(cdf, 1, idx - 1), torch.gather(cdf, 1, idx)
        F = c0 + ((xc - g[idx - 1]) / (g[idx] - g[idx - 1])).clamp(0, 1) * (c1 - c0)
        i = torch.arange(1, xs.shape[-1] + 1, dtype=torch.float64)
        gap = torch.where(i[None, :] <= n, torch.maximum(i / n - F, F - (i - 1) / n), torch.zeros_like(F))
        d = gap.sum(-1) / n[:, 0]
        return torch.where(n[:, 0] > 0, d, torch.full_like(d, math.nan)).reshape(lead)

    return wrong


def _tilt_force_sign(grad):
    def wrong(x, tilt=0.7):
        return grad(x, -tilt)  # 4x(x^2 - 1) - a: the tilt's force with the wrong sign

    return wrong


def _kl_without_the_quarter(kl):
    def wrong(*args, **kwargs):
        return 4 * kl(*args, **kwargs)  # beta * sum eta |g|^2: the paper's O(.) taken with constant 1, not 1/4

    return wrong


MUTANTS = [
    Mutant("noise_sqrt_eta_over_beta", "course_lib.langevin.kernels:langevin_loop", _noise_without_the_2,
           "noise scale sqrt(eta/beta) instead of sqrt(2 eta/beta): the chains sample exp(-2 beta U)"),
    Mutant("gibbs_density_half_beta", "course_lib.langevin.kernels:gibbs_density", _gibbs_half_beta,
           "Gibbs density exp(-beta U / 2): the temperature of the SDE's diffusion coefficient read as 2/beta"),
    Mutant("ks_mean_not_sup", "course_lib.langevin.kernels:ks_distance", _ks_mean_not_sup,
           "KS statistic averaged over the samples instead of the sup: too small, passes anything"),
    Mutant("tilt_force_wrong_sign", "course_lib.langevin.kernels:tilted_double_well_grad", _tilt_force_sign,
           "tilted well's drift with the tilt's sign flipped: the chains pile up in the higher well"),
    Mutant("pac_bayes_kl_without_quarter", "course_lib.langevin.theory:pac_bayes_kl", _kl_without_the_quarter,
           "KL of a Gaussian SGLD step taken as beta*eta*|g|^2 instead of beta*eta*|g|^2/4"),
]
