"""Exercises of lecture 03: build the low-pass filter; predict the contraction of the scattering
transform on a grating before computing it. Hints come in steps (a question, then the idea; never
the code)."""
from __future__ import annotations

import math

import torch

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.core.validate import check_int, check_memory
from course_lib.scattering.kernels import filter_bank, littlewood_paley

__all__ = ["exercise_lowpass", "prediction_grating", "grating"]


def exercise_lowpass() -> Exercise:
    r"""Self-check for ``lowpass_hat(size, J)``: the Fourier transform, on the ``size`` x ``size`` FFT grid,
    of the Gaussian $\phi$ of width $\sigma = 0.8\cdot2^{J-1}$ pixels, scaled so that $\hat\phi(0) = 1$."""

    def expected(size, J):
        phi, _ = filter_bank(size, J, 1)
        return phi / phi[0, 0]

    return Exercise(
        "The low-pass filter φ̂_J",
        [
            Case("size 16, J = 2", (16, 2), expected=expected(16, 2), atol=1e-4),
            Case("size 32, J = 3", (32, 3), expected=expected(32, 3), atol=1e-4),
            Case("size 8, J = 1: a narrow Gaussian, mind the aliasing", (8, 1), expected=expected(8, 1), atol=1e-4),
        ],
        hint=[
            "What is the Fourier transform of a normalised Gaussian of width σ, and at which frequencies ω does "
            "torch.fft.fft2 sample it on an N-point grid (mind that index k and k − N are the same frequency)?",
            "ĝ(ω) = exp(−σ²|ω|²/2) with ω = 2πk/N per axis. Sampling the Gaussian in space makes its spectrum "
            "periodic: add the copies shifted by 2π per axis (a few suffice), or build the sampled Gaussian in "
            "space, centred at pixel 0 with wrap-around, and take its FFT. Divide by the value at ω = 0.",
        ],
    )


def _grating_args(size, k) -> tuple[int, tuple[int, int]]:
    size = check_int(size, "size", min_value=2)
    check_memory(2 * size * size, "size", what="the grating")
    if isinstance(k, (str, bytes)) or not isinstance(k, (list, tuple)) or len(k) != 2:
        raise TypeError(f"k: expected a frequency pair (k1, k2) of ints, got {k!r:.60}")
    return size, (check_int(k[0], "k"), check_int(k[1], "k"))


def grating(size: int = 32, k=(0, 3)) -> torch.Tensor:
    r"""The grating $x(u) = \cos(2\pi(k_1u_1 + k_2u_2)/N)$ on an N x N grid."""
    size, k = _grating_args(size, k)
    u = torch.arange(size, dtype=torch.float64)
    return torch.cos(2 * math.pi * (k[0] * u[:, None] + k[1] * u[None, :]) / size)


def prediction_grating(size: int = 32, J: int = 3, L: int = 8, k=(0, 3)) -> Prediction:
    r"""Predict $\|S_Jx - S_Jy\| / \|x - y\|$ (full resolution) for the grating ``x`` = :func:`grating` and
    ``y`` = 0. The answer is the theory's: $S_0$ keeps $|\hat\phi(\omega)|$ of the grating; the wavelet responses
    to one frequency have (nearly) constant modulus, which the averaging multiplies by $\hat\phi(0)$, and
    order 2 sees constants, which zero-mean wavelets send to 0. So the ratio is
    $\bigl(\hat\phi(\omega)^2 + \hat\phi(0)^2 A_\psi(\omega)\bigr)^{1/2}$ with
    $A_\psi(\omega) = \tfrac12\sum_\lambda(|\hat\psi_\lambda(\omega)|^2 + |\hat\psi_\lambda(-\omega)|^2)$.
    Tolerance 0.02: the two terms $\hat\psi(\pm\omega)$ beat, so the modulus is not exactly constant."""
    size, k = _grating_args(size, k)
    phi, psi = filter_bank(size, J, L)
    A_sym = littlewood_paley(torch.zeros_like(phi), psi, symmetric=True)  # the wavelets' part only
    w = (k[0] % size, k[1] % size)
    answer = float((phi[w] ** 2 + phi[0, 0] ** 2 * A_sym[w]).sqrt())
    return Prediction(
        f"‖S x − S 0‖ / ‖x − 0‖ for a grating at k = {tuple(k)} (N = {size}, J = {J})",
        answer,
        abs_tol=0.02,
        why=("The Littlewood–Paley sum at ω bounds what the wavelets keep of a grating, and the averaging then "
             "multiplies the (constant) moduli by φ̂(0) < 1: the ratio is well below the bound 1."),
        hint=[
            "Convolve cos(ω·u) with ψ: which two Fourier values of ψ̂ appear, and what is the modulus of the "
            "result when one of them is negligible? What does averaging with φ do to a constant map?",
            "‖|x ⋆ ψ_λ|‖² ≈ ‖x‖² (|ψ̂_λ(ω)|² + |ψ̂_λ(−ω)|²)/2; averaging a constant multiplies it by φ̂(0); "
            "the order-2 terms see a constant, which a zero-mean wavelet sends to 0; S₀ = x ⋆ φ keeps φ̂(ω)² of "
            "the energy. Add the energies (relative to ‖x‖²), take the root.",
        ],
    )
