"""Mutants of lecture 03 (wavelets and scattering): plausible mistakes in the kernels its claims rest on."""
from __future__ import annotations

import torch

from tests.mutants import Mutant

LECTURE = "03_scattering"


def _qmf_without_sign(_original):
    from course_lib.scattering import kernels as K

    def wrong(x, p=2, levels=None):
        # the fast wavelet transform with g_n = h_{2p-1-n}: the (-1)^n of the quadrature mirror forgotten
        x = K.as_tensor(x, "x", ndim=(1, 2, 3))
        h = K.daubechies_lowpass(p, dtype=x.dtype, device=x.device)
        g = h.flip(0)
        levels = K._levels(x.shape[-1], h.numel(), levels)
        a, details = x, []
        for _ in range(levels):
            m = a.shape[-1]
            idx = (2 * torch.arange(m // 2)[None, :] + torch.arange(h.numel())[:, None]) % m
            taps = a[..., idx]
            details.append(torch.einsum("...tk,t->...k", taps, g))
            a = torch.einsum("...tk,t->...k", taps, h)
        return torch.cat([a] + details[::-1], dim=-1)

    return wrong


def _first_n_terms(_original):
    def wrong(coeffs, ns):
        # keeps the first n coefficients in storage order instead of the n largest
        c = torch.as_tensor(coeffs)
        sq = c.abs() ** 2 if c.is_complex() else c.to(torch.float64) ** 2
        tail = torch.flip(torch.cumsum(torch.flip(sq, (-1,)), -1), (-1,))
        tail = torch.cat([tail, torch.zeros_like(tail[..., :1])], -1)
        return tail[..., torch.as_tensor(ns).long()]

    return wrong


def _not_normalised(filter_bank):
    def wrong(*args, **kwargs):
        # kymatio's raw filters: phi_hat(0) = 1, so undo the division by sqrt(max A) that the original made
        phi, psi = filter_bank(*args, **kwargs)
        scale = 1 / phi[0, 0]
        return phi * scale, psi * scale

    return wrong


def _lowpass_width_fixed(filter_bank):
    from course_lib.scattering import kernels as K

    def wrong(size, J, L=8, *, dtype=torch.float64, device=None):
        # phi of width 0.8 px at every J (the 2^(J-1) forgotten); wavelets as before; normalised as before
        phi, psi = filter_bank(size, J, L, dtype=dtype, device=device)
        psi = psi / phi[0, 0]  # back to the raw wavelets (raw phi_hat(0) = 1)
        one = torch.ones(1, dtype=dtype, device=psi.device)
        phi = torch.fft.fft2(K._gabor(size, K.SIGMA0 * one, 0 * one, 0 * one, one, dtype, psi.device)).real[0]
        scale = (phi**2 + (psi**2).sum((0, 1))).max().sqrt()
        return phi / scale, psi / scale

    return wrong


def _fft_normalisation(scattering2d):
    def wrong(images, *args, **kwargs):
        # an inverse FFT without its 1/N^2 (norm="forward" where "backward" was meant): every output x N^2
        x = torch.as_tensor(images)
        return scattering2d(images, *args, **kwargs) * x.shape[-1] ** 2

    return wrong


def _real_part_not_modulus(_original):
    from course_lib.scattering import kernels as K

    def wrong(images, J, L=8, order=2, *, subsample=True, filters=None, device=None):
        # Re(x * psi) where |x * psi| was meant: the cascade becomes linear
        x, single = K._images(images, device=K.get_device(device))
        size = x.shape[-1]
        phi, psi = K.filter_bank(size, J, L, dtype=x.dtype, device=x.device) if filters is None else filters
        average = K._averaging(phi, 2**J if subsample else 1)
        parts = [average(x)[:, None]]
        U1 = torch.fft.ifft2(torch.fft.fft2(x)[:, None, None] * psi).real
        if order >= 1:
            parts.append(average(U1).flatten(1, 2))
        if order >= 2:
            U1_hat = torch.fft.fft2(U1)
            for j1 in range(J - 1):
                U2 = torch.fft.ifft2(U1_hat[:, j1, :, None, None] * psi[None, None, j1 + 1 :]).real
                parts.append(average(U2).flatten(1, 3))
        S = torch.cat(parts, dim=1)
        return S[0] if single else S

    return wrong


MUTANTS = [
    Mutant("qmf_without_alternating_sign", "course_lib.scattering.kernels:dwt", _qmf_without_sign,
           "high-pass g_n = h_{2p-1-n} without the (-1)^n: the transform is no longer orthogonal"),
    Mutant("linear_not_best_n_terms", "course_lib.scattering.kernels:n_term_errors", _first_n_terms,
           "keeps the first n coefficients (linear approximation) instead of the n largest"),
    Mutant("filters_not_normalised", "course_lib.scattering.kernels:filter_bank", _not_normalised,
           "kymatio's raw Morlet filters, whose Littlewood-Paley sum peaks near 1.95, used as they are"),
    Mutant("lowpass_width_fixed", "course_lib.scattering.kernels:filter_bank", _lowpass_width_fixed,
           "the averaging Gaussian of width 0.8 px at every J: the 2^(J-1) forgotten"),
    Mutant("fft_normalisation", "course_lib.scattering.kernels:scattering2d", _fft_normalisation,
           "an inverse FFT without its 1/N^2 (norm='forward' for 'backward'): outputs N^2 too large"),
    Mutant("real_part_not_modulus", "course_lib.scattering.kernels:scattering2d", _real_part_not_modulus,
           "Re(x * psi) instead of |x * psi|: no demodulation, the cascade is linear"),
]
