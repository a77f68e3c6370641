"""Olshausen & Field (1996) sparse coding of whitened natural-image patches (lecture 02).

Papers: Olshausen & Field 1996, *Nature* 381:607 (energy eq. 2-4, learning rule eq. 5);
Olshausen & Field 1997, *Vision Research* 37:3311 (whitening filter R(f) = f exp(-(f/f0)^4));
Beck & Teboulle 2009 (FISTA, for inferring the codes); Hubel & Wiesel 1962 (simple and
complex cells).

Dictionary learning alternates, for *all* patches and *all* sparsity levels lambda at once
(a leading lambda axis), a few warm-started FISTA steps on the codes with a projected
gradient step on the dictionary, renormalising the atoms after every update.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from course_lib.core.data import sample_photographs
from course_lib.core.device import generator, get_device
from course_lib.core.exercises import Case, Exercise
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_bool,
    check_float_dtype,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
    per_batch,
)

__all__ = [
    "whiten",
    "natural_patches",
    "renormalize",
    "learn_dictionary",
    "dictionary_update",
    "pca_atoms",
    "sparse_coding_energy",
    "spatial_spread",
    "orientation_selectivity",
    "peak_frequency",
    "grating_responses",
    "tile_atoms",
    "exercise_renormalize",
]


# --------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------
def whiten(image, f0: float = 0.4) -> torch.Tensor:
    r"""Whiten a grey image with Olshausen & Field's filter $R(f) = f\,e^{-(f/f_0)^4}$.

    $f$ in cycles/pixel; $f_0 = 0.4$ is their 200 cycles/picture on 512-pixel images.  The
    ramp $f$ flattens the $1/f$ amplitude spectrum of natural images; the exponential
    cuts the noisy corner frequencies.  The mean (f = 0) is removed.
    """
    img = as_tensor(image, "image", ndim=2, dtype=torch.float64)
    f0 = check_positive(f0, "f0")
    H, W = img.shape
    fy = torch.fft.fftfreq(H, dtype=img.dtype, device=img.device)[:, None]
    fx = torch.fft.rfftfreq(W, dtype=img.dtype, device=img.device)[None, :]
    f = torch.sqrt(fx**2 + fy**2)
    R = f * torch.exp(-((f / f0) ** 4))
    return torch.fft.irfft2(torch.fft.rfft2(img - img.mean()) * R, s=(H, W))


def natural_patches(
    size: int, n: int, seed: int = 0, whiten: bool = True, device=None, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """``n`` random ``size`` x ``size`` patches (n, size*size) of scikit-learn's two shipped
    photographs, whitened as in Olshausen & Field (1997) and scaled to unit pixel variance.

    Patches are drawn uniformly over both photographs (a 10-pixel border is avoided, where
    the circular whitening wraps around).  Unwhitened patches have their mean removed.
    """
    size = check_int(size, "size", min_value=2, max_value=64)
    n = check_int(n, "n", min_value=1)
    whiten = check_bool(whiten, "whiten")
    check_seed(seed)
    check_float_dtype(dtype)
    check_memory(3 * n * size * size, "n", what="the patches")
    dev = get_device(device)
    images = sample_photographs(torch.float64)
    images = [_whiten(im) if whiten else im - im.mean() for im in images]
    g = generator(seed, torch.device("cpu"))
    border = 10
    which = torch.randint(len(images), (n,), generator=g)
    out = torch.empty(n, size, size, dtype=torch.float64)
    for i, im in enumerate(images):  # two photographs: gather all their patches at once
        sel = (which == i).nonzero().flatten()
        H, W = im.shape
        r = torch.randint(border, H - border - size, (sel.numel(),), generator=g)
        c = torch.randint(border, W - border - size, (sel.numel(),), generator=g)
        ar = torch.arange(size)
        out[sel] = im[(r[:, None] + ar)[:, :, None], (c[:, None] + ar)[:, None, :]]
    out = out.reshape(n, size * size)
    if not whiten:
        out = out - out.mean(1, keepdim=True)
    out = out / out.std()
    return out.to(device=dev, dtype=dtype)


_whiten = whiten  # natural_patches has an argument named ``whiten``


# --------------------------------------------------------------------------------------
# dictionary learning
# --------------------------------------------------------------------------------------
def renormalize(D, A=None):
    r"""Scale every atom (column of ``D``, (..., d, K)) to unit norm, and the matching row of
    the codes ``A`` (..., K, n) by the inverse factor, so that $DA$ is unchanged.

    Without this, $\lambda\|a\|_1$ is lowered for free by shrinking $a$ and growing $\Phi$
    (Olshausen & Field 1996: the atoms' norms are held fixed).
    """
    D = as_tensor(D, "D", ndim=(2, 3))
    norms = D.norm(dim=-2, keepdim=True)  # (..., 1, K)
    if bool((norms == 0).any()):
        raise ValueError("D: an atom (column) is all zeros and cannot be normalised")
    if A is None:
        return D / norms
    A = as_tensor(A, "A", ndim=D.ndim, dtype=D.dtype, device=D.device)
    if A.shape[-2] != D.shape[-1] or A.shape[:-2] != D.shape[:-2]:
        raise ValueError(f"A: expected shape (..., {D.shape[-1]}, n) matching D, got {tuple(A.shape)}")
    return D / norms, A * norms.transpose(-1, -2)


def _fista_codes(D, X, A, lam, n_steps):
    r"""Warm-started FISTA (Beck & Teboulle 2009, eq. 4.1-4.3) on 1/2||X - DA||^2 + lam ||A||_1,
    batched over the leading lambda axis: D (L, d, K), X (1 or L, d, n), A (L, K, n), lam (L,).

    Why a private loop and not ``course_lib.sparse.fista`` (the same iteration; the tests check
    this one against it): ``fista`` solves one 2-D dictionary with one Lipschitz constant,
    whereas here L dictionaries with their own constants and thresholds move in one batched
    program, and it is called ``n_iter`` times per fit with a few steps each.  Its argument
    checks (a full non-finite scan of the signals, codes and dictionary, and a host sync for
    the Lipschitz constant) would then cost more than the steps themselves; the caller
    checks finiteness once per round instead.  The prox is the soft threshold
    $S_t(z) = z - \mathrm{clip}(z, -t, t)$, equal to ``course_lib.sparse.soft_threshold``.
    """
    G = D.transpose(-1, -2) @ D  # (L, K, K)
    B = D.transpose(-1, -2) @ X  # (L, K, n)
    Lip = torch.linalg.eigvalsh(G)[:, -1:, None]  # ||D||_2^2, the largest eigenvalue of D^T D
    thr = lam[:, None, None] / Lip
    Y, t = A, 1.0
    for _ in range(n_steps):
        Z = Y - (G @ Y - B) / Lip
        A_new = Z - torch.maximum(torch.minimum(Z, thr), -thr)  # soft threshold S_thr(Z)
        t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
        Y = A_new + ((t - 1) / t_new) * (A_new - A)
        A, t = A_new, t_new
    return A


def _renormalize(D, A):
    """:func:`renormalize` without the argument checks (inner loop of learn_dictionary)."""
    norms = D.norm(dim=-2, keepdim=True)
    return D / norms, A * norms.transpose(-1, -2)


def learn_dictionary(
    patches,
    n_atoms: int,
    lam,
    n_iter: int,
    seed: int = 0,
    n_inner: int = 5,
    batch_size: int | None = None,
    return_history: bool = False,
    device=None,
    tol: float | None = None,
):
    r"""Olshausen-Field sparse coding: minimise over $\Phi$ (unit columns) and $a$
    $E = \sum_j \tfrac12\|x_j - \Phi a_j\|^2 + \lambda \|a_j\|_1$ (O&F 1996, eq. 2-4 with S = |.|).

    ``patches`` (n, d); ``lam`` a number, or a 1-D tensor of L values learned *at once*.
    ``n_iter`` passes over the patches, in consecutive mini-batches of ``batch_size`` patches
    (``None``: one batch of all of them, i.e. full-batch alternation).  For every batch:
    ``n_inner`` FISTA steps on its codes, warm-started from the batch's codes of the previous
    pass, then ``n_inner`` projected gradient steps $\Phi \leftarrow \Phi + \eta (X - \Phi A)A^\top$
    with $\eta = 1/\|AA^\top\|_2$ (O&F eq. 5 on the batch, step from the Lipschitz constant;
    O&F also updated on batches of patches), then column renormalisation (atoms to unit norm,
    the batch's codes rescaled so that $\Phi A$ is unchanged).  All L dictionaries start from
    the same seeded random atoms.  Returns ``(dictionary, codes)``: (d, K) and (K, n) for a
    scalar ``lam``, (L, d, K) and (L, K, n) for a vector.  With ``return_history`` also a dict:
    ``energy`` (n_iter[, L]), the mean energy per patch of every pass, each batch's energy taken
    right after its codes were inferred (the training loss of the pass, as in SGD), and
    ``dictionaries`` (n_iter[, L], d, K), the atoms after every pass (to watch them converge),
    ``rel_change`` ([L]) the energy's relative change over the last pass, and ``n_iter`` the passes used.
    ``tol``: stop once every energy changed by at most ``tol`` (relative) over a pass; ``n_iter`` is then
    a budget, and a ``RuntimeWarning`` says when it ends first (histories are cut at the passes used).
    """
    dev = get_device(device)
    X = as_tensor(patches, "patches", ndim=2, device=dev, min_size=2)
    if X.shape[0] < 2:
        raise ValueError(f"patches: expected at least 2 patches (rows), got {X.shape[0]}")
    K = check_int(n_atoms, "n_atoms", min_value=1)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_inner = check_int(n_inner, "n_inner", min_value=1)
    return_history = check_bool(return_history, "return_history")
    tol = None if tol is None else check_positive(tol, "tol")
    lams, batched = per_batch(lam, "lam", allow_zero=True, dtype=X.dtype, device=dev)  # (L,)
    n, d = X.shape
    bs = n if batch_size is None else check_int(batch_size, "batch_size", min_value=1)
    L = lams.shape[0]
    check_seed(seed)
    sizes = {"n_atoms": K * (d + n), "n_iter": n_iter * (1 + (d * K if return_history else 0))}
    check_memory(3 * L * (d * K + K * n) + L * n_iter * (1 + (d * K if return_history else 0)),
                 max(sizes, key=sizes.get), itemsize=X.element_size(), what="the dictionaries, codes and history")
    check_steps(n_iter * math.ceil(n / bs) * n_inner, "n_inner" if n_inner > n_iter else "n_iter",
                what="learn_dictionary's inner steps")
    Xt = X.T.unsqueeze(0)  # (1, d, n), shared by all lambdas
    g = generator(seed, torch.device("cpu"))
    # start from K random patches plus a little noise (Mairal et al. 2010's initialisation)
    pick = torch.randperm(n, generator=g)[:K] if K <= n else torch.randint(n, (K,), generator=g)
    D0 = X[pick.to(dev)].T + 0.1 * X.std() * torch.randn(d, K, generator=g, dtype=X.dtype).to(dev)
    D = renormalize(D0.unsqueeze(0).repeat(L, 1, 1))
    A = torch.zeros(L, K, n, dtype=X.dtype, device=dev)
    energy = torch.zeros(n_iter, L, dtype=X.dtype)
    snapshots = torch.zeros((n_iter, L, d, K) if return_history else (0,), dtype=X.dtype)
    rel_change = torch.full((L,), math.nan, dtype=X.dtype)
    track = return_history or tol is not None
    for it in range(n_iter):
        e_pass = torch.zeros(L, dtype=X.dtype, device=dev)
        for start in range(0, n, bs):
            sl = slice(start, min(start + bs, n))
            Xb = Xt[..., sl]
            Ab = _fista_codes(D, Xb, A[..., sl], lams, n_inner)
            if track:
                e_pass += 0.5 * ((Xb - D @ Ab) ** 2).sum((-2, -1)) + lams * Ab.abs().sum((-2, -1))
            D, Ab = dictionary_update(D, Xb, Ab, n_inner)
            if not bool(torch.isfinite(D).all()):
                raise Diverged(f"patches: non-finite atoms at iteration {it} (an atom collapsed to zero: try fewer "
                               f"n_atoms or a smaller lam)")
            A[..., sl] = Ab
        if track:
            energy[it] = (e_pass / n).cpu()
            if it > 0:
                rel_change = (energy[it - 1] - energy[it]).abs() / energy[it - 1].abs().clamp_min(1e-300)
        if return_history:
            snapshots[it] = D.cpu()
        if tol is not None and it > 0 and bool((rel_change <= tol).all()):
            break
    else:
        if tol is not None:
            warnings.warn(f"n_iter: dictionary learning used all {n_iter} passes; the energy still changed by "
                          f"{float(rel_change.max()):.2e} over the last one (tol {tol:g})", RuntimeWarning,
                          stacklevel=2)
    passes = it + 1
    energy, snapshots = energy[:passes], snapshots[:passes] if return_history else snapshots
    if not return_history:
        return (D, A) if batched else (D[0], A[0])
    if batched:
        return D, A, {"energy": energy, "dictionaries": snapshots, "rel_change": rel_change, "n_iter": passes}
    return D[0], A[0], {"energy": energy[:, 0], "dictionaries": snapshots[:, 0], "rel_change": rel_change[0],
                        "n_iter": passes}


def dictionary_update(D, X, A, n_steps: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    r"""One dictionary update of Olshausen & Field (1996, eq. 5) with the atoms kept at unit norm.

    ``n_steps`` gradient steps $\Phi \leftarrow \Phi + \eta (X - \Phi A) A^\top$ with
    $\eta = 1/\|AA^\top\|_2$ on the cached statistics $AA^\top$ (K x K) and $XA^\top$ (d x K),
    projecting the atoms onto the unit ball after each step (Mairal et al. 2010, alg. 2); then
    every atom is renormalised to unit norm and its row of codes rescaled, so that $\Phi A$ is
    unchanged.  Without the renormalisation $\lambda\|a\|_1$ is lowered for free by growing
    $\Phi$ and shrinking $a$.  ``D`` (d, K) or (L, d, K), ``X`` (d, n) or (1 or L, d, n) (patches
    as columns), ``A`` (K, n) or (L, K, n).  Returns ``(D_new, A_new)``.
    """
    D = as_tensor(D, "D", ndim=(2, 3))
    X = as_tensor(X, "X", ndim=D.ndim, dtype=D.dtype, device=D.device)
    A = as_tensor(A, "A", ndim=D.ndim, dtype=D.dtype, device=D.device)
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="dictionary_update")
    if X.shape[-2] != D.shape[-2]:
        raise ValueError(f"X: expected {D.shape[-2]} rows (one per pixel, like D), got {tuple(X.shape)}")
    if A.shape[-2:] != (D.shape[-1], X.shape[-1]) or A.shape[:-2] != D.shape[:-2]:
        raise ValueError(f"A: expected shape (..., {D.shape[-1]}, {X.shape[-1]}) matching D and X, "
                         f"got {tuple(A.shape)}")
    At = A.transpose(-1, -2)
    AAt, XAt = A @ At, X @ At
    # ||A A^T||_2 is the largest eigenvalue of the symmetric PSD A A^T
    eta = 1.0 / torch.linalg.eigvalsh(AAt)[..., -1:, None].clamp(min=1e-12)
    for _ in range(n_steps):
        D = D + eta * (XAt - D @ AAt)
        D = D / D.norm(dim=-2, keepdim=True).clamp(min=1.0)
    return _renormalize(D, A)  # a collapsed (zero) atom turns into NaN here, caught by learn_dictionary


def sparse_coding_energy(patches, D, A, lam) -> torch.Tensor:
    r"""Mean energy per patch $\tfrac1n\sum_j \tfrac12\|x_j-\Phi a_j\|^2 + \lambda\|a_j\|_1$
    (O&F 1996 eq. 2); batched over a leading lambda axis like :func:`learn_dictionary`."""
    X = as_tensor(patches, "patches", ndim=2)
    D = as_tensor(D, "D", ndim=(2, 3), dtype=X.dtype, device=X.device)
    A = as_tensor(A, "A", ndim=D.ndim, dtype=X.dtype, device=X.device)
    if D.shape[-2] != X.shape[1] or A.shape[-1] != X.shape[0] or A.shape[-2] != D.shape[-1]:
        raise ValueError(f"A: shapes do not match patches {tuple(X.shape)} and D {tuple(D.shape)}")
    lam_t, batched = per_batch(lam, "lam", size=D.shape[0] if D.ndim == 3 else None, allow_zero=True,
                               dtype=X.dtype, device=X.device)
    if D.ndim == 2:  # one dictionary: one lambda, and a scalar energy
        if batched:
            raise ValueError(f"lam: expected a scalar for a single dictionary, got {lam_t.numel()} values")
        lam_t = lam_t[0]
    fit = 0.5 * ((X.T - D @ A) ** 2).sum((-2, -1)) / X.shape[0]
    l1 = A.abs().sum((-2, -1)) / X.shape[0]
    return fit + lam_t * l1


def pca_atoms(patches, n_atoms: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Principal components of the patches as unit columns (d, K), by decreasing variance,
    and their variances (K,); the Fourier-like, *global* basis O&F contrast with."""
    X = as_tensor(patches, "patches", ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"patches: need at least 2 patches (rows) for a covariance, got {X.shape[0]}")
    d = X.shape[1]
    K = d if n_atoms is None else check_int(n_atoms, "n_atoms", min_value=1, max_value=d)
    Xc = X - X.mean(0)
    C = Xc.T @ Xc / (X.shape[0] - 1)
    evals, evecs = torch.linalg.eigh(C.double())
    order = torch.argsort(evals, descending=True)[:K]
    return evecs[:, order].to(X.dtype), evals[order].to(X.dtype)


# --------------------------------------------------------------------------------------
# measuring atoms
# --------------------------------------------------------------------------------------
def _atoms_as_images(atoms, name: str = "atoms") -> torch.Tensor:
    A = as_tensor(atoms, name, ndim=2)
    d = A.shape[0]
    s = math.isqrt(d)
    if s * s != d:
        raise ValueError(f"{name}: the number of rows ({d}) must be a square (size*size)")
    return A.T.reshape(-1, s, s)


def spatial_spread(atoms) -> torch.Tensor:
    r"""Spatial spread (pixels) of each atom (column of a (size², K) matrix): the standard
    deviation of pixel position weighted by the atom's energy, $\sqrt{\sum_p e_p\|r_p - \bar r\|^2}$
    with $e_p = a_p^2/\|a\|^2$.  A global (Fourier-like) atom spreads like the uniform
    distribution on the patch, $\sqrt{(s^2-1)/6}$; a localised one much less.  A stack of
    dictionaries (B, size², K) gives (B, K)."""
    stack = as_tensor(atoms, "atoms", ndim=(2, 3))
    if stack.ndim == 3:
        B, d, K = stack.shape
        return spatial_spread(stack.permute(1, 0, 2).reshape(d, B * K)).reshape(B, K)
    img = _atoms_as_images(stack)
    K, s, _ = img.shape
    e = img**2
    e = e / e.sum((-2, -1), keepdim=True).clamp(min=1e-30)
    r = torch.arange(s, dtype=img.dtype, device=img.device)
    my = (e.sum(-1) * r).sum(-1)
    mx = (e.sum(-2) * r).sum(-1)
    vy = (e.sum(-1) * (r - my[:, None]) ** 2).sum(-1)
    vx = (e.sum(-2) * (r - mx[:, None]) ** 2).sum(-1)
    return torch.sqrt(vx + vy)


def _power_spectra(atoms, pad: int):
    img = _atoms_as_images(atoms)
    if pad < img.shape[-1]:
        raise ValueError(f"pad: must be >= the atom size {img.shape[-1]}, got {pad}")
    check_memory(8 * img.shape[0] * pad * pad, "pad", itemsize=img.element_size(), what="the padded spectra")
    P = torch.fft.fft2(img, s=(pad, pad)).abs() ** 2  # (K, pad, pad)
    f = torch.fft.fftfreq(pad, dtype=img.dtype, device=img.device)
    fy, fx = torch.meshgrid(f, f, indexing="ij")
    return P, fy, fx


def orientation_selectivity(atoms, pad: int = 32) -> torch.Tensor:
    r"""Orientation selectivity in [0, 1] of each atom: $|\sum_f P(f)e^{2i\theta_f}| / \sum_f P(f)$,
    one minus the circular variance of its power spectrum's orientation (1: a single
    orientation, 0: isotropic).  Zero-padded to ``pad`` x ``pad`` frequencies; DC excluded."""
    pad = check_int(pad, "pad", min_value=2)
    P, fy, fx = _power_spectra(atoms, pad)
    theta = torch.atan2(fy, fx)
    P = P * ((fx != 0) | (fy != 0))
    c = (P * torch.cos(2 * theta)).sum((-2, -1))
    s = (P * torch.sin(2 * theta)).sum((-2, -1))
    return torch.sqrt(c**2 + s**2) / P.sum((-2, -1)).clamp(min=1e-30)


def peak_frequency(atoms, pad: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """Spatial frequency (fy, fx) in cycles/pixel where each atom's power spectrum peaks."""
    pad = check_int(pad, "pad", min_value=2)
    P, fy, fx = _power_spectra(atoms, pad)
    idx = P.flatten(1).argmax(1)
    return fy.flatten()[idx], fx.flatten()[idx]


def grating_responses(
    atom, fy: float, fx: float, n_phases: int = 16, pool: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Responses of a "simple cell" (the rectified atom, $\max(0,\langle\phi, g_\varphi\rangle)$)
    and a "complex cell" (max-pooling that simple cell over all shifts in a
    $(2\,\mathrm{pool}+1)^2$ window) to gratings $g_\varphi(r) = \cos(2\pi f\cdot r + \varphi)$,
    for ``n_phases`` phases.  Hubel & Wiesel 1962; pooling buys phase (shift) invariance."""
    img = _atoms_as_images(as_tensor(atom, "atom", ndim=1).reshape(-1, 1), "atom")[0]
    fy = float(as_tensor(fy, "fy", ndim=0).item()) if isinstance(fy, torch.Tensor) else check_in_range(fy, "fy", -1, 1)
    fx = float(as_tensor(fx, "fx", ndim=0).item()) if isinstance(fx, torch.Tensor) else check_in_range(fx, "fx", -1, 1)
    n_phases = check_int(n_phases, "n_phases", min_value=2)
    pool = check_int(pool, "pool", min_value=0)
    s = img.shape[0]
    check_memory(3 * n_phases * (2 * pool + 1) ** 2 * s * s, "pool" if (2 * pool + 1) ** 2 > n_phases else "n_phases",
                 what="the gratings at every phase and shift")
    phases = torch.arange(n_phases, dtype=img.dtype) * 2 * math.pi / n_phases
    sh = torch.arange(-pool, pool + 1, dtype=img.dtype)
    r = torch.arange(s, dtype=img.dtype)
    # argument of the cosine at pixel (i, j) shifted by (a, b), phase p: (P, A, B, s, s)
    yy = r[None, None, :, None] + sh[:, None, None, None]  # (A, 1, s, 1)
    xx = r[None, None, None, :] + sh[None, :, None, None]  # (1, B, 1, s)
    arg = 2 * math.pi * (fy * yy + fx * xx)[None] + phases[:, None, None, None, None]
    resp = torch.relu((torch.cos(arg) * img).sum((-2, -1)))  # (P, A, B)
    simple = resp[:, pool, pool]
    complex_ = resp.flatten(1).max(1).values
    return simple, complex_


def tile_atoms(atoms, n_cols: int | None = None, gap: float = float("nan")) -> torch.Tensor:
    """Mosaic (rows*(s+1)-1, cols*(s+1)-1) of the atoms, each scaled to max |value| 1,
    separated by ``gap`` (NaN draws as blank in a plotly heatmap)."""
    img = _atoms_as_images(atoms).detach()
    K, s, _ = img.shape
    cols = math.ceil(math.sqrt(K)) if n_cols is None else check_int(n_cols, "n_cols", min_value=1, max_value=K)
    rows = math.ceil(K / cols)
    if isinstance(gap, bool) or not isinstance(gap, (int, float, np.integer, np.floating)):
        raise TypeError(f"gap: expected a number (NaN draws as blank), got {type(gap).__name__}")
    img = img / img.abs().flatten(1).max(1).values.clamp(min=1e-30)[:, None, None]
    out = torch.full((rows * (s + 1) - 1, cols * (s + 1) - 1), gap, dtype=img.dtype)
    for k in range(K):  # a display helper: K small images into one array
        i, j = divmod(k, cols)
        out[i * (s + 1) : i * (s + 1) + s, j * (s + 1) : j * (s + 1) + s] = img[k].cpu()
    return out


# --------------------------------------------------------------------------------------
# exercise
# --------------------------------------------------------------------------------------
def exercise_renormalize() -> Exercise:
    """Exercise: ``renorm(D, A) -> (D', A')``: unit-norm columns of D, D'A' == DA."""
    g = torch.Generator().manual_seed(2)
    D = torch.randn(6, 4, generator=g, dtype=torch.float64) * torch.tensor([0.1, 1.0, 3.0, 10.0], dtype=torch.float64)
    A = torch.randn(4, 5, generator=g, dtype=torch.float64)

    def check(res):
        if not isinstance(res, tuple) or len(res) != 2:
            return "return a pair (D_new, A_new)"
        Dn, An = (torch.as_tensor(r, dtype=torch.float64) for r in res)
        if Dn.shape != D.shape or An.shape != A.shape:
            return f"shapes {tuple(Dn.shape)}, {tuple(An.shape)}; expected {tuple(D.shape)}, {tuple(A.shape)}"
        col = Dn.norm(dim=0)
        if float((col - 1).abs().max()) > 1e-9:
            return f"columns of D_new must have norm 1, got {np.round(col.numpy(), 4)}"
        err = float((Dn @ An - D @ A).abs().max())
        if err > 1e-9:
            return f"D_new @ A_new must equal D @ A (the model's reconstruction); max |error| = {err:.3g}"
        return None

    return Exercise(
        "dictionary column renormalisation",
        [Case("6x4 dictionary with column norms 0.1 ... 10", args=(D, A), test=check)],
        hint=[
            "Which product must not change, and what happens to it if column k of D is divided by a number c?",
            "Scale each column of D to unit norm and compensate in A: the matching row of A (not column) "
            "is multiplied by the same norm.",
        ],
    )
