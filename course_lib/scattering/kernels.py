"""Wavelets and the scattering transform, as pure batched tensor functions (lecture 03).

* Orthogonal wavelet bases in 1-D, **hand-written** because they are the lesson (PyWavelets is not a
  course dependency): Daubechies low-pass filters with p = 1 (Haar), 2, 3 vanishing moments, the
  periodic fast wavelet transform :func:`dwt` and its inverse :func:`idwt`; the orthonormal DFT;
  best n-term approximation errors :func:`n_term_errors` (Mallat, *A Wavelet Tour*, ch. 9).
* The 2-D Morlet filter bank :func:`filter_bank` (Mallat 2012, §2; Bruna & Mallat 2013), built
  as kymatio 0.3 builds it, then normalised so that the Littlewood-Paley sum is <= 1 everywhere.
* The scattering cascade :func:`scattering2d`: S0 = x*phi, S1 = |x*psi|*phi, S2 = ||x*psi|*psi|*phi
  with FFTs (Mallat 2012, §2).
* Baselines and perturbations: :func:`fourier_modulus`, :func:`translate`, :func:`dilate`, and
  :func:`relative_distance`.
* A linear classifier: ridge regression on one-hot labels for many penalties and training sets at
  once, with exact leave-one-out model selection (:func:`ridge_loo`).

Every function takes ``device=None`` (see :func:`course_lib.core.device.get_device`) and checks its
arguments with :mod:`course_lib.core.validate`, so an error names the argument to change.
"""
from __future__ import annotations

import math

import torch

from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    as_tensor,
    check_bool,
    check_float_dtype,
    check_in_range,
    check_int,
    check_memory,
    check_seed,
    check_steps,
)

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
    "relative_distance",
    "grating_texture",
    "ridge_loo",
]

SIGMA0 = 0.8          # Morlet width at the finest scale, in pixels (kymatio 0.3)
XI0 = 3 * math.pi / 4  # Morlet centre frequency at the finest scale, in radians per pixel
MAX_ELEMENTS = 2**18   # complex entries per chunk in scattering2d: small chunks stay in cache (and cap memory)


# ============================================================================ 1-D orthogonal wavelets
def daubechies_lowpass(p: int, *, dtype: torch.dtype = torch.float64, device=None) -> torch.Tensor:
    r"""Daubechies' orthogonal low-pass filter $h$ with $p$ vanishing moments (length $2p$), in closed form.

    $p = 1$ is Haar, $h = (1, 1)/\sqrt2$; $p = 2$ is D4, $h = (1+\sqrt3, 3+\sqrt3, 3-\sqrt3, 1-\sqrt3)/(4\sqrt2)$;
    $p = 3$ is D6 (Daubechies 1988). $\sum_n h_n = \sqrt2$ and $\sum_n h_n h_{n+2k} = \delta_k$."""
    p = check_int(p, "p", min_value=1, max_value=3)
    check_float_dtype(dtype)
    if p == 1:
        h = [1.0, 1.0]
        scale = math.sqrt(2.0)
    elif p == 2:
        s3 = math.sqrt(3.0)
        h = [1 + s3, 3 + s3, 3 - s3, 1 - s3]
        scale = 4 * math.sqrt(2.0)
    else:
        s10 = math.sqrt(10.0)
        r = math.sqrt(5 + 2 * s10)
        h = [1 + s10 + r, 5 + s10 + 3 * r, 10 - 2 * s10 + 2 * r, 10 - 2 * s10 - 2 * r, 5 + s10 - 3 * r, 1 + s10 - r]
        scale = 16 * math.sqrt(2.0)
    return torch.tensor(h, dtype=dtype, device=get_device(device)) / scale


def _highpass(h: torch.Tensor) -> torch.Tensor:
    r"""The quadrature mirror filter $g_n = (-1)^n h_{2p-1-n}$ (Mallat, *A Wavelet Tour*, ch. 7)."""
    n = torch.arange(h.numel(), device=h.device)
    return torch.where(n % 2 == 0, 1.0, -1.0).to(h.dtype) * h.flip(0)


def _levels(N: int, taps: int, levels, name: str = "levels") -> int:
    if N < 2 or N & (N - 1):
        raise ValueError(f"x: the signal length must be a power of 2 (>= 2), got {N}")
    most = int(math.log2(N)) - max(int(math.ceil(math.log2(taps))), 1) + 1
    if levels is None:
        return max(most, 1)
    return check_int(levels, name, min_value=1, max_value=max(most, 1))


def dwt(x, p: int = 2, levels: int | None = None) -> torch.Tensor:
    r"""Periodic orthogonal fast wavelet transform of ``x`` (..., N) with Daubechies-``p`` filters.

    Each level maps the current approximation $a$ (length $m$) to
    $a'_k = \sum_n h_n a_{(2k+n) \bmod m}$ and $d_k = \sum_n g_n a_{(2k+n) \bmod m}$
    (Mallat 1989). Returns the coefficients (..., N) ordered
    ``[a_J | d_J | d_{J-1} | ... | d_1]`` (coarse to fine); the transform is orthonormal, so
    $\|\mathrm{dwt}(x)\| = \|x\|$. ``levels`` defaults to the deepest level where the filter still
    fits (coarsest length >= 2p)."""
    x = as_tensor(x, "x", ndim=(1, 2, 3))
    h = daubechies_lowpass(p, dtype=x.dtype, device=x.device)
    g = _highpass(h)
    levels = _levels(x.shape[-1], h.numel(), levels)
    a, details = x, []
    for _ in range(levels):
        m = a.shape[-1]
        k = torch.arange(m // 2, device=x.device)
        idx = (2 * k[None, :] + torch.arange(h.numel(), device=x.device)[:, None]) % m  # (taps, m/2)
        taps = a[..., idx]  # (..., taps, m/2)
        details.append(torch.einsum("...tk,t->...k", taps, g))
        a = torch.einsum("...tk,t->...k", taps, h)
    return torch.cat([a] + details[::-1], dim=-1)


def idwt(coeffs, p: int = 2, levels: int | None = None) -> torch.Tensor:
    """Inverse of :func:`dwt` (its transpose, since the transform is orthogonal)."""
    c = as_tensor(coeffs, "coeffs", ndim=(1, 2, 3))
    h = daubechies_lowpass(p, dtype=c.dtype, device=c.device)
    g = _highpass(h)
    N = c.shape[-1]
    levels = _levels(N, h.numel(), levels)
    m = N >> levels
    a, pos = c[..., :m], m
    for _ in range(levels):
        d = c[..., pos : pos + m]
        pos += m
        k = torch.arange(m, device=c.device)
        idx = (2 * k[None, :] + torch.arange(h.numel(), device=c.device)[:, None]) % (2 * m)  # (taps, m)
        out = torch.zeros(*c.shape[:-1], 2 * m, dtype=c.dtype, device=c.device)
        for t in range(h.numel()):  # a transpose: scatter each tap back (<= 6 taps, not a loop over data)
            out.index_add_(out.ndim - 1, idx[t], h[t] * a + g[t] * d)
        a, m = out, 2 * m
    return a


def dft(x) -> torch.Tensor:
    """Orthonormal discrete Fourier coefficients of ``x`` (..., N): ``fft(x, norm="ortho")``, so that
    the squared moduli sum to ``||x||^2`` (Parseval)."""
    x = as_tensor(x, "x", ndim=(1, 2, 3))
    return torch.fft.fft(x, norm="ortho")


def n_term_errors(coeffs, ns) -> torch.Tensor:
    r"""Best n-term approximation error in an orthonormal basis: $\varepsilon(n) = \sum_{k > n} |c|^2_{(k)}$,
    the energy of all but the ``n`` largest coefficients (Mallat, *A Wavelet Tour*, ch. 9).

    ``coeffs`` (..., N) real or complex; ``ns`` the term counts (each in [0, N]). Returns (..., len(ns)).
    Sums the tail from the smallest coefficient up, so tiny errors keep their relative accuracy."""
    if isinstance(coeffs, torch.Tensor) and coeffs.is_complex():
        if not bool(torch.isfinite(coeffs).all()):
            raise ValueError("coeffs: contains NaN or infinite values")
        sq = coeffs.detach().abs() ** 2
    else:
        sq = as_tensor(coeffs, "coeffs", ndim=(1, 2, 3)) ** 2
    N = sq.shape[-1]
    n = as_tensor(ns, "ns", ndim=1, dtype=torch.float64)
    if bool((n != n.round()).any()) or bool(((n < 0) | (n > N)).any()):
        raise ValueError(f"ns: term counts must be integers in [0, {N}]")
    ascending = torch.sort(sq, dim=-1).values
    tail = torch.cumsum(ascending, dim=-1)  # tail[..., i] = energy of the i + 1 smallest
    tail = torch.cat([torch.zeros_like(tail[..., :1]), tail], dim=-1)  # (..., N + 1): i smallest
    return tail[..., (N - n.long()).to(sq.device)]


def piecewise_smooth(N: int = 4096, n_signals: int = 8, n_jumps: int = 3, seed: int = 0, *,
                     dtype: torch.dtype = torch.float64, device=None) -> torch.Tensor:
    r"""``n_signals`` random piecewise-smooth signals (n_signals, N) on $t_k = (k + \tfrac12)/N$:
    a smooth part $a\sin(2\pi f t + \varphi) + b\,t^2$ plus ``n_jumps`` steps of random height at
    random places in $(0.1, 0.9)$ -- $C^\infty$ between the jumps, discontinuous at them."""
    N = check_int(N, "N", min_value=8)
    if N & (N - 1):
        raise ValueError(f"N: must be a power of 2, got {N}")
    S = check_int(n_signals, "n_signals", min_value=1)
    K = check_int(n_jumps, "n_jumps", min_value=0)
    check_seed(seed)
    check_float_dtype(dtype)
    sizes = {"n_signals": S, "N": N, "n_jumps": K}
    check_memory(4 * S * (N + K) + 2 * S * K * N, max(sizes, key=sizes.get), what="the signals and their steps")
    dev = get_device(device)
    g = generator(seed)
    u = torch.rand(S, 5 + 2 * K, generator=g, dtype=torch.float64)
    t = (torch.arange(N, dtype=torch.float64) + 0.5) / N
    a, f, phase, b = 0.5 + u[:, :1], 1 + 2 * u[:, 1:2], 2 * math.pi * u[:, 2:3], u[:, 3:4] - 0.5
    x = a * torch.sin(2 * math.pi * f * t + phase) + b * t**2
    where, height = 0.1 + 0.8 * u[:, 5 : 5 + K], (2 * u[:, 5 + K :] - 1) * 1.5
    x = x + (height[:, :, None] * (t[None, None, :] > where[:, :, None])).sum(1)
    return x.to(dtype=dtype, device=dev)


# ============================================================================ 2-D Morlet filters
def _check_size_J(size, J, *, size_name: str = "size") -> tuple[int, int]:
    size = check_int(size, size_name, min_value=4)
    J = check_int(J, "J", min_value=1)
    if J + 1 > size.bit_length() or 2 ** (J + 1) > size:  # (no 2**J for an absurd J)
        raise ValueError(f"J: J = {J} is too large for images of size {size}: the averaging window 2^J "
                         f"must fit twice in the image (2^(J+1) <= {size}); use J <= {int(math.log2(size)) - 1}")
    if size % 2**J:
        raise ValueError(f"{size_name}: {size} must be divisible by 2^J = {2**J} (the output is subsampled by 2^J)")
    return size, J


def _gabor(size: int, sigma: torch.Tensor, theta: torch.Tensor, xi: torch.Tensor, slant: torch.Tensor,
           dtype: torch.dtype, device) -> torch.Tensor:
    r"""Periodised Gabor filters $g_\sigma(u)e^{i\xi\,u\cdot e_\theta}$ on a ``size`` x ``size`` grid, one
    per entry of the 1-D tensors ``sigma, theta, xi, slant`` -> (F, size, size) complex. The envelope
    is elongated by 1/slant across the direction $e_\theta$; each filter is summed over 5 x 5
    periods, as in kymatio 0.3 (``gabor_2d``)."""
    c, s = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    sig2, sl2 = (2 * sigma**2)[:, None, None], (slant**2)[:, None, None]
    # curvature R diag(1, slant^2) R^T / (2 sigma^2)
    c00, c01, c11 = (c * c + sl2 * s * s) / sig2, (c * s - sl2 * c * s) / sig2, (s * s + sl2 * c * c) / sig2
    k = xi[:, None, None]
    n = torch.arange(size, dtype=dtype, device=device)
    out = torch.zeros(sigma.numel(), size, size, dtype=torch.complex128 if dtype == torch.float64
                      else torch.complex64, device=device)
    for ex in range(-2, 3):
        for ey in range(-2, 3):
            u1 = (n + ex * size)[None, :, None]
            u2 = (n + ey * size)[None, None, :]
            quad = c00 * u1 * u1 + 2 * c01 * u1 * u2 + c11 * u2 * u2
            out += torch.exp(torch.complex(-quad, k * (u1 * c + u2 * s)))
    return out / (2 * math.pi * sigma**2 / slant)[:, None, None]


def filter_bank(size: int, J: int, L: int = 8, *, dtype: torch.dtype = torch.float64,
                device=None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Morlet filters in the Fourier domain: ``(phi_hat, psi_hat)`` of shapes (size, size) and
    (J, L, size, size), real, on the grid of ``torch.fft.fft2``.

    $\psi_{j,\theta}(u) = g_{\sigma_j}(u)\,(e^{i\xi_j u\cdot e_\theta} - \kappa)$ with
    $\sigma_j = 0.8\cdot2^j$, $\xi_j = \tfrac{3\pi}{4}2^{-j}$, $\theta = \ell\pi/L$ ($\ell < L$), slant $4/L$,
    and $\kappa$ chosen so that $\hat\psi(0) = 0$ (Morlet); $\phi$ is the Gaussian with
    $\sigma = 0.8\cdot 2^{J-1}$ (kymatio 0.3's choices). All filters are then divided by
    $\sqrt{\max_\omega A(\omega)}$, $A = |\hat\phi|^2 + \sum_{j,\theta}|\hat\psi_{j,\theta}|^2$, so the
    Littlewood-Paley sum $A \le 1$ everywhere, with equality at its peak: the wavelet transform
    is then non-expansive (Mallat 2012, Prop. 2.5)."""
    size, J = _check_size_J(size, J)
    L = check_int(L, "L", min_value=1, max_value=64)
    check_float_dtype(dtype)
    check_memory(8 * (J * L + 1) * size * size, "size", itemsize=2 * dtype.itemsize, what="the filter bank")
    dev = get_device(device)
    j = torch.arange(J, dtype=dtype, device=dev).repeat_interleave(L)
    theta = (torch.arange(L, dtype=dtype, device=dev) * math.pi / L).repeat(J)
    sigma, xi = SIGMA0 * 2**j, XI0 / 2**j
    slant = torch.full_like(sigma, 4.0 / L)
    wave = _gabor(size, sigma, theta, xi, slant, dtype, dev)
    envelope = _gabor(size, sigma, theta, torch.zeros_like(xi), slant, dtype, dev)
    kappa = wave.sum((-2, -1), keepdim=True) / envelope.sum((-2, -1), keepdim=True)
    psi_hat = torch.fft.fft2(wave - kappa * envelope).real.reshape(J, L, size, size)
    one = torch.ones(1, dtype=dtype, device=dev)
    phi_hat = torch.fft.fft2(_gabor(size, SIGMA0 * 2 ** (J - 1) * one, 0 * one, 0 * one, one, dtype, dev)).real[0]
    A = phi_hat**2 + (psi_hat**2).sum((0, 1))
    scale = A.max().sqrt()
    return phi_hat / scale, psi_hat / scale


def littlewood_paley(phi_hat, psi_hat, *, symmetric: bool = False) -> torch.Tensor:
    r"""The Littlewood-Paley sum $A(\omega) = |\hat\phi(\omega)|^2 + \sum_{j,\theta}|\hat\psi_{j,\theta}(\omega)|^2$
    on the FFT grid, or with ``symmetric=True`` Mallat's condition for real signals,
    $|\hat\phi(\omega)|^2 + \tfrac12\sum_{j,\theta}(|\hat\psi_{j,\theta}(\omega)|^2 + |\hat\psi_{j,\theta}(-\omega)|^2)$
    (Mallat 2012, §2)."""
    phi = as_tensor(phi_hat, "phi_hat", ndim=2)
    psi = as_tensor(psi_hat, "psi_hat", ndim=4, dtype=phi.dtype, device=phi.device)
    if psi.shape[-2:] != phi.shape or phi.shape[0] != phi.shape[1]:
        raise ValueError(f"psi_hat: expected shape (J, L, {phi.shape[0]}, {phi.shape[0]}) to match phi_hat "
                         f"{tuple(phi.shape)}, got {tuple(psi.shape)}")
    check_bool(symmetric, "symmetric")
    power = (psi**2).sum((0, 1))
    if symmetric:
        mirrored = torch.roll(power.flip((0, 1)), shifts=(1, 1), dims=(0, 1))  # power(-omega) on the FFT grid
        power = 0.5 * (power + mirrored)
    return phi**2 + power


# ============================================================================ the scattering cascade
def scattering_paths(J: int, L: int = 8, order: int = 2) -> dict[str, torch.Tensor]:
    r"""The scattering paths in :func:`scattering2d`'s channel order: S0; then S1 for $(j_1, \theta_1)$;
    then S2 for $(j_1, \theta_1, j_2, \theta_2)$ with $j_2 > j_1$. Returns int tensors ``order, j1,
    theta1, j2, theta2`` (C,) with -1 where a path has no such step. C = 1 + JL + L^2 J(J-1)/2."""
    J = check_int(J, "J", min_value=1)
    L = check_int(L, "L", min_value=1, max_value=64)
    order = check_int(order, "order", min_value=0, max_value=2)
    C = 1 + (J * L if order >= 1 else 0) + (L * L * J * (J - 1) // 2 if order >= 2 else 0)
    check_steps(C, "J", what="listing the scattering paths")
    check_memory(5 * C, "J", what="the scattering paths")
    rows = [(0, -1, -1, -1, -1)]
    if order >= 1:
        rows += [(1, j, t, -1, -1) for j in range(J) for t in range(L)]
    if order >= 2:
        rows += [(2, j1, t1, j2, t2) for j1 in range(J) for t1 in range(L)
                 for j2 in range(j1 + 1, J) for t2 in range(L)]
    cols = torch.tensor(rows, dtype=torch.long).T
    return dict(zip(("order", "j1", "theta1", "j2", "theta2"), cols))


def _images(images, name: str = "images", *, device=None) -> tuple[torch.Tensor, bool]:
    x = as_tensor(images, name, ndim=(2, 3), device=device).detach()
    single = x.ndim == 2
    x = x[None] if single else x
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: images must be square, got {x.shape[-2]} x {x.shape[-1]}")
    if x.shape[-1] < 4:
        raise ValueError(f"{name}: images of {x.shape[-1]} x {x.shape[-1]} pixels are too small (at least 4 x 4)")
    return x, single


def _averaging(phi_hat: torch.Tensor, step: int):
    r"""Averaging with $\phi$ and keeping every ``step``-th sample, as a function of real maps (..., N, N).

    $\phi$ is a Gaussian, hence separable: $\hat\phi = \hat a\,\hat a^\top$, and
    $(U\star\phi)(s\,m) = P\,U\,P^\top$ with $P_{m,u} = a\bigl((s\,m - u) \bmod N\bigr)$, $s$ = ``step``:
    two small real matrix products, the same numbers as ``ifft2(fft2(U) * phi_hat)[::step, ::step]``.
    A ``phi_hat`` that is not separable falls back to that FFT formula."""
    N = phi_hat.shape[-1]
    a_hat = phi_hat[:, 0] / phi_hat[0, 0].abs().sqrt()
    if bool(phi_hat[0, 0] > 0) and torch.allclose(torch.outer(a_hat, a_hat), phi_hat, rtol=1e-6,
                                                    atol=1e-7 * float(phi_hat.abs().max())):
        a = torch.fft.ifft(a_hat).real  # the 1-D Gaussian in space
        m = torch.arange(0, N, step, device=phi_hat.device)
        P = a[(m[:, None] - torch.arange(N, device=phi_hat.device)[None, :]) % N]  # (N / step, N)
        return lambda U: P @ U @ P.T
    return lambda U: torch.fft.ifft2(torch.fft.fft2(U) * phi_hat).real[..., ::step, ::step]


def scattering2d(images, J: int, L: int = 8, order: int = 2, *, subsample: bool = True, filters=None,
                 device=None) -> torch.Tensor:
    r"""The windowed scattering transform $S_J$ of ``images`` (B, H, W) -> (B, C, H/2^J, W/2^J).

    $S_0x = x\star\phi_J$, $S_1x = |x\star\psi_{\lambda_1}|\star\phi_J$,
    $S_2x = ||x\star\psi_{\lambda_1}|\star\psi_{\lambda_2}|\star\phi_J$ with $j_2 > j_1$ (Mallat 2012,
    §2; Bruna & Mallat 2013), channels in the order of :func:`scattering_paths`. All
    convolutions are circular, by FFT, at full resolution; with ``subsample=True`` every $2^J$-th
    sample is kept. Built from the filters of :func:`filter_bank` (or ``filters = (phi_hat,
    psi_hat)``), whose Littlewood-Paley sum is <= 1: each layer, hence the whole cascade, is
    non-expansive, $\|S_Jx - S_Jy\| \le \|x - y\|$ (Prop. 2.5), and dropping samples only lowers the
    norm. A single image (H, W) gives (C, H/2^J, W/2^J)."""
    x, single = _images(images, device=get_device(device))
    B, size = x.shape[0], x.shape[-1]
    size, J = _check_size_J(size, J, size_name="images")
    L = check_int(L, "L", min_value=1, max_value=64)
    order = check_int(order, "order", min_value=0, max_value=2)
    check_bool(subsample, "subsample")
    if filters is None:
        phi, psi = filter_bank(size, J, L, dtype=x.dtype, device=x.device)
    else:
        if not isinstance(filters, (tuple, list)) or len(filters) != 2:
            raise TypeError("filters: expected the pair (phi_hat, psi_hat) from filter_bank")
        phi = as_tensor(filters[0], "filters", shape=(size, size), dtype=x.dtype, device=x.device)
        psi = as_tensor(filters[1], "filters", shape=(J, L, size, size), dtype=x.dtype, device=x.device)
    C = 1 + (J * L if order >= 1 else 0) + (L * L * J * (J - 1) // 2 if order >= 2 else 0)
    step = 2**J if subsample else 1
    check_memory(B * C * (size // step) ** 2, "images", itemsize=x.element_size(), what="the scattering output")
    per_image = size * size * (J * L + (L * L * (J - 1) if order >= 2 else 0))
    chunk = max(1, MAX_ELEMENTS // max(per_image, 1))
    average = _averaging(phi, step)
    out = []
    for start in range(0, B, chunk):  # chunks of images, only to cap memory
        xb = x[start : start + chunk]  # (b, H, W)
        parts = [average(xb)[:, None]]  # S0 = x * phi: (b, 1, H', W')
        if order >= 1:
            x_hat = torch.fft.fft2(xb)
            U1 = torch.fft.ifft2(x_hat[:, None, None] * psi).abs()  # |x * psi_{j1, theta1}|: (b, J, L, H, W)
            parts.append(average(U1).flatten(1, 2))  # S1: (b, J L, H', W')
        if order >= 2:
            U1_hat = torch.fft.fft2(U1)
            for j1 in range(J - 1):  # ||x * psi_1| * psi_2| for j2 > j1: (b, L, J - j1 - 1, L, H, W)
                U2 = torch.fft.ifft2(U1_hat[:, j1, :, None, None] * psi[None, None, j1 + 1 :]).abs()
                parts.append(average(U2).flatten(1, 3))  # S2
        out.append(torch.cat(parts, dim=1))
    S = torch.cat(out, dim=0)
    return S[0] if single else S


# ============================================================================ baselines, perturbations
def fourier_modulus(images, *, device=None) -> torch.Tensor:
    r"""$|\hat x(\omega)|$ with the orthonormal 2-D DFT (so $\||\hat x|\| = \|x\|$): exactly invariant to
    circular translations, but unstable to deformations at high frequencies (Mallat 2012, §1)."""
    x, single = _images(images, device=get_device(device))
    F = torch.fft.fft2(x, norm="ortho").abs()
    return F[0] if single else F


def translate(images, shifts, *, device=None) -> torch.Tensor:
    """Circular translations: ``images`` (B, H, W) and integer ``shifts`` (K, 2) (rows, columns)
    -> (K, B, H, W), image b moved by shifts[k]."""
    x, single = _images(images, device=get_device(device))
    s = as_tensor(shifts, "shifts", ndim=(1, 2), dtype=torch.float64)
    s = s[None] if s.ndim == 1 else s
    if s.shape[-1] != 2 or bool((s != s.round()).any()):
        raise ValueError(f"shifts: expected integer pairs (dy, dx), shape (K, 2), got {tuple(s.shape)}")
    H = x.shape[-1]
    s = s.long() % H
    r = (torch.arange(H, device=x.device)[None, :] - s[:, :1].to(x.device)) % H  # (K, H) source rows
    c = (torch.arange(H, device=x.device)[None, :] - s[:, 1:].to(x.device)) % H  # (K, W) source columns
    out = x[:, r[:, :, None], c[:, None, :]].transpose(0, 1)  # (K, B, H, W)
    return out[:, 0] if single else out


def dilate(images, taus, *, device=None) -> torch.Tensor:
    r"""Dilations about the image centre $c$: $x_\tau(u) = x\bigl(c + (1-\tau)(u - c)\bigr)$, a
    deformation with $\|\nabla\tau\|_\infty = |\tau|$, by bilinear interpolation (zeros outside).
    ``images`` (B, H, W), ``taus`` (K,) in (-0.5, 0.5) -> (K, B, H, W)."""
    x, single = _images(images, device=get_device(device))
    t = as_tensor(taus, "taus", ndim=(0, 1), dtype=x.dtype, device=x.device).reshape(-1)
    if bool((t.abs() >= 0.5).any()):
        raise ValueError("taus: dilation factors must lie in (-0.5, 0.5)")
    B, H = x.shape[0], x.shape[-1]
    K = t.numel()
    u = (torch.arange(H, dtype=x.dtype, device=x.device) - (H - 1) / 2)  # pixel centres about c
    src = (1 - t)[:, None] * u[None, :]  # (K, H): where each pixel samples from
    grid_1d = src / ((H - 1) / 2) if H > 1 else src  # align_corners=True coordinates in [-1, 1]
    gy = grid_1d[:, :, None].expand(K, H, H)
    gx = grid_1d[:, None, :].expand(K, H, H)
    grid = torch.stack([gx, gy], dim=-1)[:, None].expand(K, B, H, H, 2).reshape(K * B, H, H, 2)
    xs = x[None].expand(K, B, H, H).reshape(K * B, 1, H, H)
    out = torch.nn.functional.grid_sample(xs, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    out = out.reshape(K, B, H, H)
    return out[:, 0] if single else out


def grating_texture(size: int = 64, taus=(0.0,), n_waves: int = 40, band=(0.5, 0.8), seed: int = 0, *,
                    dtype: torch.dtype = torch.float64, device=None) -> torch.Tensor:
    r"""A windowed random texture and its exact dilations (no interpolation): ``n_waves`` plane waves with
    frequencies $|\omega|$ in ``band`` (times $\pi$ rad/pixel), random directions and phases, under a
    Gaussian window of width size/6 about the centre $c$; image $\tau$ is $x(c + (1-\tau)(u - c))$
    evaluated in closed form. Returns (len(taus), size, size), unit norm at $\tau = 0$."""
    size = check_int(size, "size", min_value=8)
    W = check_int(n_waves, "n_waves", min_value=1)
    n_taus = as_tensor(taus, "taus", ndim=(0, 1), dtype=torch.float64).numel()
    check_memory(2 * n_taus * size * size * W, "n_waves" if W > size else "size", what="the plane waves")
    if not isinstance(band, (tuple, list)) or len(band) != 2:
        raise TypeError("band: expected a pair (low, high), fractions of pi")
    lo = check_in_range(band[0], "band", 0.0, 1.0)
    hi = check_in_range(band[1], "band", lo, 1.0)
    check_seed(seed)
    check_float_dtype(dtype)
    dev = get_device(device)
    t = as_tensor(taus, "taus", ndim=(0, 1), dtype=torch.float64).reshape(-1)
    if bool((t.abs() >= 0.5).any()):
        raise ValueError("taus: dilation factors must lie in (-0.5, 0.5)")
    g = generator(seed)
    r = math.pi * (lo + (hi - lo) * torch.rand(W, generator=g, dtype=torch.float64))
    ang = math.pi * torch.rand(W, generator=g, dtype=torch.float64)
    ph = 2 * math.pi * torch.rand(W, generator=g, dtype=torch.float64)
    u = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    v = (1 - t)[:, None] * u[None, :]  # (K, size): the warped coordinate
    vy, vx = v[:, :, None, None], v[:, None, :, None]  # (K, H, 1, 1), (K, 1, W, 1)
    waves = torch.cos(r * torch.cos(ang) * vy + r * torch.sin(ang) * vx + ph).sum(-1)  # (K, H, W)
    window = torch.exp(-(vy[..., 0] ** 2 + vx[..., 0] ** 2) / (2 * (size / 6) ** 2))
    img = waves * window
    img = img / img[t.abs().argmin()].norm()
    return img.to(dtype=dtype, device=dev)


def relative_distance(a, b, *, dims: int = 2) -> torch.Tensor:
    r"""$\|a - b\| / \|a\|$ over the last ``dims`` dimensions (broadcasting ``a`` against ``b``)."""
    dims = check_int(dims, "dims", min_value=1)
    a = as_tensor(a, "a", min_size=1)
    b = as_tensor(b, "b", dtype=a.dtype, device=a.device)
    if a.ndim < dims or b.ndim < dims:
        raise ValueError(f"dims: a and b need at least {dims} dimensions")
    axes = tuple(range(-dims, 0))
    num = torch.linalg.vector_norm(a - b, dim=axes)
    den = torch.linalg.vector_norm(a, dim=axes)
    if bool((den == 0).any()):
        raise ValueError("a: a reference of norm 0 has no relative distance")
    return num / den


# ============================================================================ a linear classifier
def ridge_loo(X, y, X_test, lambdas, n_classes: int = 10) -> dict[str, torch.Tensor]:
    r"""Ridge regression on one-hot labels ("a linear classifier"), for many training sets and
    penalties at once, with exact leave-one-out selection of the penalty.

    ``X`` (S, n, d): S training sets of n feature vectors; ``y`` (S, n) integer labels; ``X_test``
    (m, d) shared test features; ``lambdas`` (P,) penalties relative to the mean eigenvalue of the
    centred Gram matrix; the intercept is not penalised. With $X_cX_c^\top = Q\Lambda Q^\top$ (centred
    features) the hat matrix is
    $H_\lambda = \tfrac1n\mathbf 1\mathbf 1^\top + Q\,\mathrm{diag}(\Lambda/(\Lambda+\lambda))Q^\top$
    and the leave-one-out residual is exactly $(y_i - \hat y_i)/(1 - H_{ii})$ (Allen 1974; Hastie,
    Tibshirani & Friedman, *Elements*, §7.10). The penalty with the most leave-one-out hits
    (ties: the smaller squared LOO error) is refitted on all n rows. Returns ``pred`` (S, m) test
    labels, ``loo_acc`` (S, P), ``best`` (S,) penalty indices."""
    X = as_tensor(X, "X", ndim=3)
    S, n, d = X.shape
    Xt = as_tensor(X_test, "X_test", ndim=2, dtype=X.dtype, device=X.device)
    if Xt.shape[1] != d:
        raise ValueError(f"X_test: expected {d} features to match X, got {Xt.shape[1]}")
    K = check_int(n_classes, "n_classes", min_value=2)
    if not isinstance(y, torch.Tensor) or y.dtype.is_floating_point or y.is_complex() or y.dtype == torch.bool:
        raise TypeError("y: expected an integer tensor of class labels")
    if y.shape != (S, n):
        raise ValueError(f"y: expected shape ({S}, {n}), got {tuple(y.shape)}")
    if bool(((y < 0) | (y >= K)).any()):
        raise ValueError(f"y: labels must lie in [0, {K - 1}]")
    lam = as_tensor(lambdas, "lambdas", ndim=1, dtype=X.dtype, device=X.device).detach()
    if bool((lam <= 0).any()):
        raise ValueError("lambdas: penalties must be > 0")
    check_memory(4 * S * lam.numel() * n * K + 2 * S * n * n, "n_classes" if K > n else "X",
                 itemsize=X.element_size(), what="the leave-one-out fits")
    if n < 2:
        raise ValueError("X: leave-one-out needs at least 2 training rows")
    y = y.to(X.device)
    Y = torch.nn.functional.one_hot(y, K).to(X.dtype)  # (S, n, K)
    mu_x, mu_y = X.mean(1, keepdim=True), Y.mean(1, keepdim=True)
    Xc, Yc = X - mu_x, Y - mu_y
    G = Xc @ Xc.transpose(1, 2)  # (S, n, n)
    ev, Q = torch.linalg.eigh(G)
    ev = ev.clamp(min=0)
    scale = ev.sum(-1, keepdim=True) / n  # mean eigenvalue: penalties are relative to it
    lam_abs = lam[None, :] * scale  # (S, P)
    shrink = ev[:, None, :] / (ev[:, None, :] + lam_abs[:, :, None])  # (S, P, n)
    QtY = Q.transpose(1, 2) @ Yc  # (S, n, K)
    fit = mu_y[:, None] + torch.einsum("sin,spn,snk->spik", Q, shrink, QtY)  # (S, P, n, K) in-sample fits
    H_ii = 1 / n + torch.einsum("sin,spn->spi", Q**2, shrink)  # (S, P, n): the intercept's 1/n included
    residual = (Y[:, None] - fit) / (1 - H_ii[..., None]).clamp(min=1e-12)  # y_i - (fit without row i)
    loo = Y[:, None] - residual
    loo_acc = (loo.argmax(-1) == y[:, None, :]).to(X.dtype).mean(-1)  # (S, P)
    loo_err = (residual**2).sum((-1, -2))  # (S, P)
    score = loo_acc - 1e-9 * loo_err / loo_err.amax(-1, keepdim=True).clamp(min=1e-300)
    best = score.argmax(-1)  # (S,)
    lam_best = lam_abs[torch.arange(S, device=X.device), best]  # (S,)
    coef = QtY / (ev + lam_best[:, None])[..., None]  # (S, n, K): dual coefficients
    scores = (Xt[None] - mu_x) @ (Xc.transpose(1, 2) @ (Q @ coef)) + mu_y  # (S, m, K)
    return {"pred": scores.argmax(-1), "loo_acc": loo_acc, "best": best}
