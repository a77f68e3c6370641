"""Drivers for lecture 03: they run the kernels in batches and return the numbers the claims use.

* :func:`padded_digits` -- scikit-learn's shipped 8x8 digits, zero-padded (and optionally upsampled).
* :func:`nterm_experiment` -- best n-term errors of piecewise-smooth signals in the Fourier and the
  Haar/Daubechies bases, with fitted log-log slopes.
* :func:`nonexpansive_experiment` -- ||Sx - Sy|| / ||x - y|| on many pairs of four kinds.
* :func:`shift_distances`, :func:`translation_experiment` -- relative distances after circular
  translations, for pixels, the Fourier modulus and the scattering transform at several J.
* :func:`deformation_experiment` -- the same after dilations of textures of several frequencies.
* :func:`order_energies` -- the energy of the scattering coefficients of each order.
* :func:`learning_curve` -- accuracy of the same linear classifier on several feature sets, over
  many random training sets per size.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from course_lib.core.data import digits
from course_lib.core.device import generator, get_device
from course_lib.core.validate import as_tensor, check_in_range, check_int, check_memory, check_seed
from course_lib.scattering.kernels import (
    dft,
    dilate,
    dwt,
    filter_bank,
    fourier_modulus,
    grating_texture,
    idwt,
    littlewood_paley,
    n_term_errors,
    piecewise_smooth,
    relative_distance,
    ridge_loo,
    scattering2d,
    scattering_paths,
)

__all__ = [
    "loglog_slope",
    "padded_digits",
    "nterm_experiment",
    "lp_summary",
    "nonexpansive_experiment",
    "shift_distances",
    "translation_experiment",
    "deformation_experiment",
    "order_energies",
    "draw_training_sets",
    "learning_curve",
    "widget_data",
]

BASES = {"Fourier": 0, "Haar (p = 1)": 1, "Daubechies p = 2": 2, "Daubechies p = 3": 3}


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x."""
    x = as_tensor(x, "x", ndim=1, dtype=torch.float64, min_size=2).detach().cpu().numpy()
    y = as_tensor(y, "y", shape=x.shape, dtype=torch.float64).detach().cpu().numpy()
    if np.any(x <= 0):
        raise ValueError("x: must be > 0 (a log-log fit)")
    if np.any(y <= 0):
        raise ValueError("y: must be > 0 (a log-log fit)")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _ints(values, name: str, min_value: int = 1) -> list[int]:
    """A non-empty sequence of ints."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name}: expected a sequence of ints, got {type(values).__name__}")
    out = [check_int(v, name, min_value=min_value) for v in (values.tolist() if hasattr(values, "tolist") else values)]
    if not out:
        raise ValueError(f"{name}: expected at least one value")
    return out


def _scales(Js, size: int) -> list[int]:
    """``Js``: scales J with 2^(J+1) <= size (the averaging window fits twice in the image)."""
    Js = _ints(Js, "Js")
    for J in Js:
        if J + 1 > size.bit_length() or 2 ** (J + 1) > size:
            raise ValueError(f"Js: J = {J} is too large for images of size {size} (2^(J+1) <= {size} is needed)")
    return Js


def _labels(y, name: str) -> torch.Tensor:
    """A 1-D tensor of integer labels (or row indices)."""
    if isinstance(y, torch.Tensor):
        t = y.detach().cpu()
    elif isinstance(y, (np.ndarray, list, tuple)):
        arr = np.asarray(y)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name}: expected integers, got {arr.dtype} values")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    else:
        raise TypeError(f"{name}: expected a 1-D tensor of integers, got {type(y).__name__}")
    if t.dtype.is_floating_point or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name}: expected integers, got dtype {t.dtype}")
    if t.ndim != 1 or t.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D tensor, got shape {tuple(t.shape)}")
    return t.long()


def padded_digits(size: int = 16, upsample: int = 1, dtype: torch.dtype = torch.float64,
                  device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 shipped digits, upsampled ``upsample`` times (bilinear) and zero-padded to
    ``size`` x ``size`` at the centre. Returns (images (1797, size, size), labels (1797,))."""
    up = check_int(upsample, "upsample", min_value=1, max_value=4)
    size = check_int(size, "size", min_value=8 * up)
    check_memory(2 * 1797 * size * size, "size", what="the padded digits")
    if (size - 8 * up) % 2:
        raise ValueError(f"size: {size} - {8 * up} must be even to centre the digits")
    X, y = digits(dtype=dtype)
    if up > 1:
        X = torch.nn.functional.interpolate(X[:, None], scale_factor=up, mode="bilinear", align_corners=False)[:, 0]
    p = (size - 8 * up) // 2
    return torch.nn.functional.pad(X, (p, p, p, p)).to(get_device(device)), y.to(get_device(device))


# ----------------------------------------------------------------------------- 1-D: n-term approximation
def nterm_experiment(N: int = 4096, n_signals: int = 8, n_range=(32, 256), seed: int = 0, device=None) -> dict:
    """Best n-term errors of ``n_signals`` piecewise-smooth signals in four orthonormal bases.

    Returns ``ns`` (term counts), ``errors`` {basis: (n_signals, len(ns)) relative errors eps(n)/||x||^2},
    ``linear`` {wavelet basis: the same for the *linear* approximation (the first n coarse-to-fine
    coefficients)}, ``slopes`` / ``linear_slopes`` {basis: fitted log-log slope of the mean log error
    over ``n_range``}, and ``parseval`` / ``reconstruction`` (worst relative errors of the wavelet
    transforms: norm preserved, and inverse(forward(x)) = x)."""
    x = piecewise_smooth(N, n_signals, seed=seed, device=device)
    if not isinstance(n_range, (list, tuple)) or len(n_range) != 2:
        raise TypeError(f"n_range: expected a pair (lo, hi), got {n_range!r:.60}")
    lo, hi = (check_int(v, "n_range", min_value=1, max_value=N) for v in n_range)
    if hi <= lo:
        raise ValueError(f"n_range: expected lo < hi, got {n_range}")
    grid = torch.logspace(0, math.log10(N / 4), 48, dtype=torch.float64).round()
    ns = torch.unique(torch.cat([grid, torch.tensor([float(lo), float(hi)], dtype=torch.float64)])).long()
    energy = (x**2).sum(-1, keepdim=True)
    coeffs = {"Fourier": dft(x)}
    parseval, recon = 0.0, 0.0
    for name, p in BASES.items():
        if p:
            c = dwt(x, p)
            coeffs[name] = c
            parseval = max(parseval, float(((c**2).sum(-1) / energy[:, 0] - 1).abs().max()))
            recon = max(recon, float(((idwt(c, p) - x).norm(dim=-1) / energy[:, 0].sqrt()).max()))
    errors = {k: (n_term_errors(c, ns) / energy).cpu() for k, c in coeffs.items()}
    linear = {}
    for k, c in coeffs.items():
        if k != "Fourier":  # keep the first n coefficients: a fixed, coarse-to-fine choice
            tail = torch.flip(torch.cumsum(torch.flip(c**2, (-1,)), -1), (-1,))  # tail[i] = sum_{k >= i}
            tail = torch.cat([tail, torch.zeros_like(tail[..., :1])], -1)
            linear[k] = (tail[..., ns.to(c.device)] / energy).cpu()
    keep = (ns >= lo) & (ns <= hi)

    def slope(e):
        return loglog_slope(ns[keep].numpy(), e[:, keep].log().mean(0).exp().numpy())

    return {"ns": ns.numpy(), "signals": x.cpu(), "errors": errors, "linear": linear, "n_range": (lo, hi),
            "slopes": {k: slope(e) for k, e in errors.items()},
            "linear_slopes": {k: slope(e) for k, e in linear.items()},
            "parseval": parseval, "reconstruction": recon}


# ----------------------------------------------------------------------------- filters and non-expansiveness
def lp_summary(size: int = 32, J: int = 3, L: int = 8, device=None) -> dict:
    """The filter bank and its Littlewood-Paley sums: one-sided ``A`` and symmetrised ``A_sym``
    (size, size), their extremes, and the largest |psi_hat(0)| (Morlet wavelets have zero mean)."""
    phi, psi = filter_bank(size, J, L, device=device)
    A = littlewood_paley(phi, psi)
    A_sym = littlewood_paley(phi, psi, symmetric=True)
    return {"phi_hat": phi, "psi_hat": psi, "A": A, "A_sym": A_sym, "A_max": float(A.max()),
            "A_min": float(A.min()), "A_sym_max": float(A_sym.max()), "psi_mean": float(psi[..., 0, 0].abs().max()),
            "J": J, "L": L, "size": size}


def _pairs(n_per_kind: int, size: int, seed: int, device) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Pairs (x, y) of four kinds, n_per_kind each: two different digits; a digit and the same digit
    plus noise; a texture and a dilated copy; two white-noise images."""
    g = generator(seed)
    X, _ = padded_digits(size, upsample=size // 16 if size >= 16 else 1, device="cpu")
    i = torch.randperm(X.shape[0], generator=g)[: 2 * n_per_kind]
    d1, d2 = X[i[:n_per_kind]], X[i[n_per_kind:]]
    noisy = d1 + 0.1 * torch.randn(d1.shape, generator=g, dtype=d1.dtype)
    taus = torch.linspace(0.0, 0.2, n_per_kind + 1, dtype=torch.float64)
    tex = grating_texture(size, taus, seed=seed)
    t1, t2 = tex[:1].expand(n_per_kind, -1, -1), tex[1:]
    w1 = torch.randn(n_per_kind, size, size, generator=g, dtype=torch.float64)
    w2 = torch.randn(n_per_kind, size, size, generator=g, dtype=torch.float64)
    x = torch.cat([d1, d1, t1, w1]).to(device)
    y = torch.cat([d2, noisy, t2, w2]).to(device)
    kinds = ["two digits"] * n_per_kind + ["digit vs noisy digit"] * n_per_kind + \
            ["texture vs dilated"] * n_per_kind + ["white noise"] * n_per_kind
    return x, y, kinds


def nonexpansive_experiment(n_per_kind: int = 16, size: int = 32, J: int = 3, L: int = 8, seed: int = 0,
                            device=None) -> dict:
    r"""$\|S_Jx - S_Jy\| / \|x - y\|$ on ``4 n_per_kind`` pairs (see ``_pairs``), for the full-resolution
    output and the output subsampled by $2^J$ (the same numbers, every $2^J$-th sample).
    Returns ``ratio_full``, ``ratio_sub`` (pairs,), ``pixel_distance``, ``kinds``."""
    dev = get_device(device)
    n = check_int(n_per_kind, "n_per_kind", min_value=1)
    check_seed(seed)
    size = check_int(size, "size", min_value=8)
    check_memory(2 * 8 * n * size * size, "n_per_kind" if n > size else "size", what="the pairs")
    x, y, kinds = _pairs(n, size, seed, dev)
    S = scattering2d(torch.cat([x, y]), J, L, subsample=False)  # (2 pairs, C, H, W)
    Sx, Sy = S[: x.shape[0]], S[x.shape[0]:]
    dx = (x - y).flatten(1).norm(dim=1)
    step = 2**J
    full = (Sx - Sy).flatten(1).norm(dim=1) / dx
    sub = (Sx - Sy)[..., ::step, ::step].flatten(1).norm(dim=1) / dx
    return {"ratio_full": full.cpu(), "ratio_sub": sub.cpu(), "pixel_distance": dx.cpu(), "kinds": kinds}


# ----------------------------------------------------------------------------- translations
def shift_distances(features, shifts, reference=None) -> torch.Tensor:
    r"""Relative distances $\|T_c f - r\| / \|r\|$ for every circular shift ``c`` in ``shifts`` (K, 2), where
    ``features`` f (B, C, H, W) and the reference r (default: f itself), summed over channels, from one
    cross-correlation by FFT: $\|T_cf - r\|^2 = \|f\|^2 + \|r\|^2 - 2\langle T_cf, r\rangle$. Returns (B, K)."""
    f = as_tensor(features, "features", ndim=4)
    r = f if reference is None else as_tensor(reference, "reference", shape=tuple(f.shape), dtype=f.dtype,
                                                device=f.device)
    s = as_tensor(shifts, "shifts", ndim=2, dtype=torch.float64)
    if s.shape[1] != 2 or bool((s != s.round()).any()):
        raise ValueError(f"shifts: expected integer pairs (dy, dx), shape (K, 2), got {tuple(s.shape)}")
    H, W = f.shape[-2:]
    cross = torch.fft.ifft2(torch.fft.fft2(r) * torch.fft.fft2(f).conj()).real.sum(1)  # (B, H, W): <T_c f, r> at c
    s = s.long().to(f.device)
    c = cross[:, s[:, 0] % H, s[:, 1] % W]  # (B, K)
    nf, nr = (f**2).sum((1, 2, 3)), (r**2).sum((1, 2, 3))
    return ((nf[:, None] + nr[:, None] - 2 * c).clamp(min=0) / nr[:, None]).sqrt()


def translation_experiment(images, Js=(1, 2, 3), max_shift: int = 8, L: int = 8) -> dict:
    """Mean relative distances after horizontal circular shifts c = 0..max_shift, for pixels, the
    Fourier modulus (computed on the shifted images) and the full-resolution scattering transform at
    each J (computed once per J and shifted: the full-resolution transform commutes with circular
    shifts, which ``covariance_error`` checks on the shift c = 1). Returns numpy arrays."""
    x = as_tensor(images, "images", ndim=3).detach()
    K = check_int(max_shift, "max_shift", min_value=1, max_value=x.shape[-1] - 1)
    Js = _scales(Js, x.shape[-1])
    shifts = torch.stack([torch.zeros(K + 1), torch.arange(K + 1.0)], dim=1)
    pixel = shift_distances(x[:, None], shifts).mean(0)
    moved = torch.roll(x, shifts=K, dims=-1)
    fourier = relative_distance(fourier_modulus(x), fourier_modulus(moved)).mean()
    scat, cov = [], 0.0
    for J in Js:
        S = scattering2d(x, J, L, subsample=False)
        scat.append(shift_distances(S, shifts).mean(0))
        S1 = scattering2d(torch.roll(x, shifts=1, dims=-1), J, L, subsample=False)
        cov = max(cov, float((S1 - torch.roll(S, shifts=1, dims=-1)).abs().max() / S.abs().max()))
    return {"shifts": shifts[:, 1].numpy(), "Js": list(Js), "pixel": pixel.cpu().numpy(),
            "fourier_max_shift": float(fourier), "scattering": torch.stack(scat).cpu().numpy(),
            "covariance_error": cov}


# ----------------------------------------------------------------------------- deformations
def deformation_experiment(size: int = 64, J: int = 3, L: int = 8, taus=(0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1),
                           centres=(0.1875, 0.375, 0.75), seed: int = 0, device=None) -> dict:
    r"""Dilated textures $x(c + (1-\tau)(u - c))$, one per frequency band $|\omega| \in [0.9, 1.1]\cdot$
    ``centres`` $\cdot\pi$, exact (no interpolation): relative distances to $\tau = 0$ in pixels, Fourier
    modulus and scattering (full resolution). Returns ``pixel``, ``fourier``, ``scattering`` arrays
    (len(centres), len(taus)) and the images."""
    dev = get_device(device)
    t = as_tensor(taus, "taus", ndim=1, dtype=torch.float64).detach()
    if isinstance(centres, (str, bytes)) or not isinstance(centres, (list, tuple, np.ndarray)) or not len(centres):
        raise TypeError(f"centres: expected a non-empty sequence of band centres, got {centres!r:.60}")
    centres = [check_in_range(c, "centres", 0.0, 1 / 1.1, closed=False) for c in centres]
    imgs = torch.stack([grating_texture(size, t, band=(0.9 * c, 1.1 * c), seed=seed) for c in centres]).to(dev)
    B, K = imgs.shape[:2]
    ref = imgs[:, :1]
    pixel = relative_distance(ref, imgs)
    F = fourier_modulus(imgs.flatten(0, 1)).reshape(B, K, size, size)
    fourier = relative_distance(F[:, :1], F)
    S = scattering2d(imgs.flatten(0, 1), J, L, subsample=False).reshape(B, K, -1)
    scat = relative_distance(S[:, :1], S, dims=1)
    return {"taus": t.numpy(), "centres": np.asarray(centres), "images": imgs.cpu(), "J": J,
            "pixel": pixel.cpu().numpy(), "fourier": fourier.cpu().numpy(), "scattering": scat.cpu().numpy()}


def order_energies(images, J: int = 2, L: int = 8) -> dict:
    r"""Mean energy of the full-resolution scattering coefficients of order 0, 1, 2, each divided by
    $\|x\|^2$: the cascade is non-expansive, so the three sum to at most 1."""
    x = as_tensor(images, "images", ndim=3).detach()
    S = scattering2d(x, J, L, subsample=False)
    order = scattering_paths(J, L)["order"].to(S.device)
    e = (S**2).sum((-2, -1)) / (x**2).sum((-2, -1))[:, None]  # (B, C)
    return {"fraction": [float(e[:, order == o].sum(1).mean()) for o in range(3)]}


# ----------------------------------------------------------------------------- classification
def draw_training_sets(labels, pool, per_class: int, n_draws: int, seed: int = 0) -> torch.Tensor:
    """``n_draws`` random training sets of ``per_class`` rows of every class, drawn from the row indices
    ``pool`` -> (n_draws, 10 per_class) row indices."""
    y = _labels(labels, "labels")
    pool = _labels(pool, "pool")
    if bool(((pool < 0) | (pool >= y.numel())).any()):
        raise ValueError(f"pool: row indices must lie in [0, {y.numel() - 1}]")
    k = check_int(per_class, "per_class", min_value=1)
    S = check_int(n_draws, "n_draws", min_value=1)
    check_memory(2 * S * pool.numel(), "n_draws", what="the random orders of the pool")
    g = generator(seed)
    classes = torch.unique(y[pool])
    keys = torch.rand(S, pool.numel(), generator=g)  # a random order of the pool per draw
    rows = []
    for c in classes.tolist():
        members = pool[y[pool] == c]
        if members.numel() < k:
            raise ValueError(f"per_class: class {c} has only {members.numel()} rows in the pool")
        order = keys[:, y[pool] == c].argsort(dim=1)[:, :k]  # (S, k)
        rows.append(members[order])
    return torch.cat(rows, dim=1)


def learning_curve(features: dict, labels, per_class=(2, 5, 10, 20), n_draws: int = 20, n_test: int = 797,
                   seed: int = 0, lambdas=None) -> dict:
    """Test accuracy of the same linear classifier (:func:`ridge_loo`, penalty chosen by exact
    leave-one-out among ``lambdas``) on each feature set, over ``n_draws`` random training sets per
    size. A fixed random ``n_test`` rows are the test set; the training sets come from the others.
    Every feature set sees the same training sets. Returns ``acc`` {name: (len(per_class), n_draws)}."""
    y = _labels(labels, "labels")
    if not isinstance(features, dict) or not features:
        raise TypeError("features: expected a non-empty dict {name: (n, d) features}")
    per_class = _ints(per_class, "per_class")
    n_draws = check_int(n_draws, "n_draws", min_value=1)
    check_memory(len(per_class) * n_draws * (2 + 10 * max(per_class)),
                 "n_draws" if n_draws > max(per_class) else "per_class", what="the training sets")
    check_seed(seed)
    n_test = check_int(n_test, "n_test", min_value=1, max_value=y.numel() - 20)
    lambdas = None if lambdas is None else as_tensor(lambdas, "lambdas", ndim=1, dtype=torch.float64).detach()
    lam = torch.logspace(-4, 2, 13, dtype=torch.float64) if lambdas is None else lambdas
    perm = torch.randperm(y.numel(), generator=generator(seed))
    test, pool = perm[:n_test], perm[n_test:]
    acc = {name: np.zeros((len(per_class), n_draws)) for name in features}
    for i, k in enumerate(per_class):
        rows = draw_training_sets(y, pool, k, n_draws, seed=seed + 1 + i)
        for name, F in features.items():
            F = as_tensor(F, f"features[{name!r}]", shape=(y.numel(), None), dtype=torch.float64).detach()
            out = ridge_loo(F[rows], y[rows], F[test], lam)
            acc[name][i] = (out["pred"].cpu() == y[test]).double().mean(1).numpy()
    return {"per_class": np.asarray(per_class), "acc": acc, "n_test": n_test, "n_draws": n_draws}


# ----------------------------------------------------------------------------- the widget's precomputed grid
def widget_data(size: int = 32, Js=(1, 2, 3), taus=None, max_shift: int = 8, L: int = 8, digit: int = 0,
                device=None) -> dict:
    r"""Everything the live widget shows, computed once: a digit (upsampled twice, bilinear dilations)
    and a texture (exact dilations), dilated by every ``taus`` and shifted by c = 0..``max_shift``
    pixels; relative distances to the original in pixels (``pixel`` (2, T, C)), Fourier modulus
    (``fourier`` (2, T): a circular shift does not change it) and full-resolution scattering at each J
    (``scattering`` (2, len(Js), T, C)). Shifts are applied to the transforms, which commute with
    circular shifts, through one cross-correlation per image and J."""
    dev = get_device(device)
    size = check_int(size, "size", min_value=16)
    t = torch.linspace(0.0, 0.15, 11, dtype=torch.float64) if taus is None else \
        as_tensor(taus, "taus", ndim=1, dtype=torch.float64).detach()
    K = check_int(max_shift, "max_shift", min_value=1, max_value=size // 2)
    Js = _scales(Js, size)
    digit = check_int(digit, "digit", min_value=0, max_value=1796)
    X, _ = padded_digits(size, upsample=2, device=dev)
    digit_tau = dilate(X[digit], t)  # (T, H, W)
    texture = grating_texture(size, t, seed=0).to(dev)
    imgs = torch.stack([digit_tau / digit_tau[0].norm(), texture])  # (2, T, H, W)
    shifts = torch.stack([torch.zeros(K + 1), torch.arange(K + 1.0)], dim=1)
    ref = imgs[:, :1].expand_as(imgs)
    flat = imgs.flatten(0, 1)
    pixel = shift_distances(flat[:, None], shifts, reference=ref.flatten(0, 1)[:, None]).reshape(2, len(t), K + 1)
    F = fourier_modulus(flat).reshape(imgs.shape)
    fourier = relative_distance(F[:, :1], F)
    scat = []
    for J in Js:
        S = scattering2d(flat, J, L, subsample=False).reshape(2, len(t), -1, size, size)
        S_ref = S[:, :1].expand_as(S).flatten(0, 1)
        scat.append(shift_distances(S.flatten(0, 1), shifts, reference=S_ref).reshape(2, len(t), K + 1))
    return {"images": imgs.cpu().numpy(), "names": ["digit", "texture"], "taus": t.numpy(),
            "shifts": shifts[:, 1].numpy(), "Js": list(Js), "pixel": pixel.cpu().numpy(),
            "fourier": fourier.cpu().numpy(), "scattering": torch.stack(scat, 1).cpu().numpy()}
