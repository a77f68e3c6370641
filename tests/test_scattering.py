"""Tests for course_lib.scattering (lecture 03): each kernel against a reference, the public API of
issue 12, the widget, the exercises, and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import scattering as sc
from course_lib.core.exercises import ExerciseFailed
from course_lib.ui.widgets import measure_latency
from tests.helpers import assert_rejects

F64 = torch.float64


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# ----------------------------------------------------------------------------- 1-D wavelet bases
@pytest.mark.parametrize("p", [1, 2, 3])
def test_daubechies_filters_are_orthonormal_with_p_vanishing_moments(p):
    h = sc.daubechies_lowpass(p)
    assert h.numel() == 2 * p
    assert float(h.sum()) == pytest.approx(math.sqrt(2), abs=1e-14)
    for k in range(p):  # sum_n h_n h_{n+2k} = delta_k
        assert float((h[: 2 * p - 2 * k] * h[2 * k :]).sum()) == pytest.approx(float(k == 0), abs=1e-14)
    g = sc.kernels._highpass(h)
    n = torch.arange(2 * p, dtype=F64)
    for q in range(p):  # the wavelet has p vanishing moments: sum_n n^q g_n = 0
        assert float((n**q * g).sum()) == pytest.approx(0.0, abs=1e-12)
    assert float((n**p * g).sum()) != pytest.approx(0.0, abs=1e-6)  # ... and not p + 1


def test_d4_closed_form():
    s3 = math.sqrt(3)
    want = torch.tensor([1 + s3, 3 + s3, 3 - s3, 1 - s3], dtype=F64) / (4 * math.sqrt(2))
    assert torch.allclose(sc.daubechies_lowpass(2), want, atol=1e-15)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_dwt_matrix_is_orthogonal_and_idwt_is_its_transpose(p):
    N = 32
    W = sc.dwt(torch.eye(N, dtype=F64), p)  # row i = transform of e_i, so W^T is the transform matrix
    assert torch.allclose(W @ W.T, torch.eye(N, dtype=F64), atol=1e-13)
    x = _rand(3, N)
    assert torch.allclose(sc.dwt(x, p), x @ W, atol=1e-13)  # batched = one signal at a time, linear
    assert torch.allclose(sc.idwt(sc.dwt(x, p), p), x, atol=1e-13)


def test_haar_one_level_by_hand():
    x = torch.tensor([1.0, 3.0, 2.0, 2.0, 5.0, -1.0, 0.0, 4.0], dtype=F64)
    c = sc.dwt(x, 1, levels=1)
    r2 = math.sqrt(2)
    assert torch.allclose(c[:4], torch.tensor([4, 4, 4, 4], dtype=F64) / r2)
    assert torch.allclose(c[4:], torch.tensor([-2, 0, 6, -4], dtype=F64) / r2)  # g = (1, -1)/sqrt2


def test_dwt_kills_polynomials_of_degree_below_p():
    t = torch.arange(256, dtype=F64) / 256
    for p in (1, 2, 3):
        poly = 1 + 2 * t + (t**2 if p == 3 else 0) if p > 1 else torch.ones_like(t)
        d = sc.dwt(poly, p, levels=1)[128:]  # finest details; the last ones see the periodic wrap
        assert float(d[: 128 - p].abs().max()) < 1e-12


def test_dft_is_numpy_ortho_fft_and_keeps_the_norm():
    x = _rand(2, 64)
    assert np.allclose(sc.dft(x).numpy(), np.fft.fft(x.numpy(), norm="ortho"))
    assert torch.allclose((sc.dft(x).abs() ** 2).sum(-1), (x**2).sum(-1))


def test_n_term_error_is_the_reconstruction_error_of_the_best_n_terms():
    x = sc.piecewise_smooth(256, 2, seed=3)
    c = sc.dwt(x, 2)
    ns = [0, 1, 5, 40, 256]
    err = sc.n_term_errors(c, ns)
    for i, n in enumerate(ns):
        keep = torch.zeros_like(c)
        idx = c.abs().argsort(dim=-1, descending=True)[:, :n]
        keep.scatter_(1, idx, c.gather(1, idx))
        brute = ((sc.idwt(keep, 2) - x) ** 2).sum(-1)
        assert torch.allclose(err[:, i], brute, rtol=1e-10, atol=1e-12)
    assert torch.all(err[:, -1] == 0) and torch.allclose(err[:, 0], (x**2).sum(-1))


def test_n_term_error_of_complex_coefficients():
    c = torch.tensor([3 + 4j, 1j, 0.5], dtype=torch.complex128)
    assert torch.allclose(sc.n_term_errors(c, [0, 1, 2, 3]), torch.tensor([26.25, 1.25, 0.25, 0.0], dtype=F64))


def test_piecewise_smooth_has_the_asked_jumps():
    x = sc.piecewise_smooth(1024, 3, n_jumps=2, seed=1)
    jumps = (x[:, 1:] - x[:, :-1]).abs()
    assert (jumps > 0.05).sum(1).tolist() == [2, 2, 2]  # smooth steps are ~1e-2 at N = 1024
    assert torch.equal(x, sc.piecewise_smooth(1024, 3, n_jumps=2, seed=1))


def test_nterm_experiment_rates():
    nt = sc.nterm_experiment(N=1024, n_signals=4, n_range=(16, 64))
    assert nt["parseval"] < 1e-13 and nt["reconstruction"] < 1e-13
    assert nt["slopes"]["Fourier"] == pytest.approx(-1, abs=0.5)
    assert nt["slopes"]["Haar (p = 1)"] < -1.5 and nt["slopes"]["Daubechies p = 2"] < -3.0
    assert nt["linear_slopes"]["Haar (p = 1)"] > -1.6  # linear approximation pays for the jumps
    assert {16, 64} <= set(nt["ns"].tolist())


# ----------------------------------------------------------------------------- Morlet filters
def _kymatio_gabor(M, sigma, theta, xi, slant):
    """kymatio 0.3's gabor_2d, transcribed in float64 (the reference design)."""
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    curv = R @ np.diag([1, slant**2]) @ R.T / (2 * sigma**2)
    gab = np.zeros((M, M), complex)
    for ex in range(-2, 3):
        for ey in range(-2, 3):
            xx, yy = np.mgrid[ex * M : M + ex * M, ey * M : M + ey * M]
            arg = -(curv[0, 0] * xx * xx + (curv[0, 1] + curv[1, 0]) * xx * yy + curv[1, 1] * yy * yy) \
                + 1j * (xx * xi * np.cos(theta) + yy * xi * np.sin(theta))
            gab += np.exp(arg)
    return gab / (2 * np.pi * sigma**2 / slant)


def test_filter_bank_matches_the_morlet_formula_up_to_the_normalisation():
    M, J, L = 16, 2, 4
    phi, psi = sc.filter_bank(M, J, L)
    raw_phi = np.real(np.fft.fft2(_kymatio_gabor(M, 0.8 * 2 ** (J - 1), 0, 0, 1)))
    scale = raw_phi[0, 0] / float(phi[0, 0])
    assert np.allclose(phi.numpy() * scale, raw_phi, atol=1e-12)
    for j in range(J):
        for ell in range(L):
            args = (M, 0.8 * 2**j, ell * np.pi / L, 3 * np.pi / 4 / 2**j, 4 / L)
            wave, env = _kymatio_gabor(*args), _kymatio_gabor(*args[:3], 0.0, args[4])
            morlet = np.fft.fft2(wave - wave.sum() / env.sum() * env)
            assert np.abs(morlet.imag).max() < 1e-10  # real in Fourier: psi(-u) = conj psi(u)
            assert np.allclose(psi[j, ell].numpy() * scale, morlet.real, atol=1e-12)


@pytest.mark.parametrize("size, J, L", [(16, 1, 8), (32, 3, 8), (64, 4, 6), (24, 2, 3)])
def test_littlewood_paley_at_most_one_with_equality_at_the_peak(size, J, L):
    phi, psi = sc.filter_bank(size, J, L)
    assert phi.shape == (size, size) and psi.shape == (J, L, size, size)
    A = sc.littlewood_paley(phi, psi)
    assert float(A.max()) == pytest.approx(1.0, abs=1e-14)
    assert float(psi[..., 0, 0].abs().max()) < 1e-12  # zero-mean wavelets
    assert torch.allclose(phi, phi.flip((0, 1)).roll((1, 1), (0, 1)))  # phi_hat(-omega) = phi_hat(omega)


def test_symmetric_littlewood_paley_against_explicit_negative_frequencies():
    phi, psi = sc.filter_bank(16, 2, 4)
    k = (-torch.arange(16)) % 16
    mirrored = psi[:, :, k][:, :, :, k]  # psi_hat(-omega)
    want = phi**2 + 0.5 * (psi**2 + mirrored**2).sum((0, 1))
    assert torch.allclose(sc.littlewood_paley(phi, psi, symmetric=True), want)


def _reference_scattering(x, J, L):
    """Full-resolution S0, S1, S2 by plain FFT convolutions, one path at a time (no batching, no
    separable averaging)."""
    phi, psi = sc.filter_bank(x.shape[-1], J, L)

    def conv(u, f):
        return torch.fft.ifft2(torch.fft.fft2(u) * f)

    out = [conv(x, phi).real]
    for j in range(J):
        for t in range(L):
            out.append(conv(conv(x, psi[j, t]).abs(), phi).real)
    for j1 in range(J):
        for t1 in range(L):
            for j2 in range(j1 + 1, J):
                for t2 in range(L):
                    out.append(conv(conv(conv(x, psi[j1, t1]).abs(), psi[j2, t2]).abs(), phi).real)
    return torch.stack(out, dim=1)


@pytest.mark.parametrize("J, L", [(1, 4), (2, 3), (3, 2)])
def test_scattering_against_the_path_by_path_definition(J, L):
    x = _rand(2, 16, 16)
    ref = _reference_scattering(x, J, L)
    full = sc.scattering2d(x, J, L, subsample=False)
    assert full.shape == ref.shape == (2, 1 + J * L + L * L * J * (J - 1) // 2, 16, 16)
    assert torch.allclose(full, ref, atol=1e-12)
    sub = sc.scattering2d(x, J, L)
    assert sub.shape == (2, ref.shape[1], 16 // 2**J, 16 // 2**J)
    assert torch.allclose(sub, ref[..., :: 2**J, :: 2**J], atol=1e-12)


def test_scattering_orders_single_image_dtype_and_chunks(monkeypatch):
    x = _rand(5, 16, 16)
    S2 = sc.scattering2d(x, 2, 4)
    assert sc.scattering2d(x, 2, 4, order=0).shape[1] == 1
    assert torch.allclose(sc.scattering2d(x, 2, 4, order=1), S2[:, : 1 + 8])
    assert torch.allclose(sc.scattering2d(x[0], 2, 4), S2[0])
    assert sc.scattering2d(x.float(), 2, 4).dtype == torch.float32
    monkeypatch.setattr(sc.kernels, "MAX_ELEMENTS", 1)  # one image per chunk
    assert torch.allclose(sc.scattering2d(x, 2, 4), S2)
    paths = sc.scattering_paths(2, 4)
    assert paths["order"].tolist().count(2) == 16 and bool((paths["j2"][paths["order"] == 2] == 1).all())


def test_non_separable_lowpass_falls_back_to_the_fft():
    phi, psi = sc.filter_bank(16, 2, 4)
    bump = torch.zeros_like(phi)
    bump[1, 2] = bump[-1, -2] = 0.01  # symmetric, so the average stays real, but phi is no longer separable
    x = _rand(2, 16, 16)
    S = sc.scattering2d(x, 2, 4, filters=(phi + bump, psi), subsample=False, order=0)
    want = torch.fft.ifft2(torch.fft.fft2(x) * (phi + bump)).real
    assert torch.allclose(S[:, 0], want, atol=1e-12)


def test_non_expansive_on_random_and_adversarial_pairs():
    x, y = _rand(16, 32, 32, seed=1), _rand(16, 32, 32, seed=2)
    y[:8] = x[:8] + 1e-3 * y[:8]  # nearby pairs too
    u = torch.arange(32, dtype=F64)
    x[8] = torch.cos(2 * math.pi * 3 * u[None, :] / 32).expand(32, 32)  # the grating at the peak of A
    y[8] = 0
    for J in (1, 3):
        Sx, Sy = sc.scattering2d(x, J, 8, subsample=False), sc.scattering2d(y, J, 8, subsample=False)
        ratio = (Sx - Sy).flatten(1).norm(dim=1) / (x - y).flatten(1).norm(dim=1)
        assert float(ratio.max()) <= 1.0


def test_full_resolution_scattering_commutes_with_circular_shifts():
    x = _rand(2, 16, 16)
    S = sc.scattering2d(x, 2, 4, subsample=False)
    moved = sc.scattering2d(torch.roll(x, (3, -5), (-2, -1)), 2, 4, subsample=False)
    assert torch.allclose(moved, torch.roll(S, (3, -5), (-2, -1)), atol=1e-12)


def test_scattering_of_a_constant_image_is_its_average_only():
    S = sc.scattering2d(torch.full((16, 16), 2.0, dtype=F64), 2, 4, subsample=False)
    phi, _ = sc.filter_bank(16, 2, 4)
    assert torch.allclose(S[0], torch.full((16, 16), 2.0 * float(phi[0, 0]), dtype=F64))
    assert float(S[1:].abs().max()) < 1e-12  # zero-mean wavelets


# ----------------------------------------------------------------------------- baselines and perturbations
def test_fourier_modulus_translate_and_relative_distance():
    x = _rand(3, 8, 8)
    moved = sc.translate(x, [[1, 2], [-3, 0]])
    assert moved.shape == (2, 3, 8, 8)
    assert torch.equal(moved[0], torch.roll(x, (1, 2), (-2, -1))) and torch.equal(moved[1], torch.roll(x, -3, -2))
    F = sc.fourier_modulus(x)
    assert torch.allclose(sc.fourier_modulus(moved[0]), F) and torch.allclose(F.flatten(1).norm(dim=1),
                                                                             x.flatten(1).norm(dim=1))
    d = sc.relative_distance(x, moved)
    assert torch.allclose(d[1], (moved[1] - x).flatten(1).norm(dim=1) / x.flatten(1).norm(dim=1))


def test_dilate_against_scipy_map_coordinates():
    from scipy.ndimage import map_coordinates

    x = _rand(2, 12, 12)
    taus = [0.0, 0.1, -0.05]
    out = sc.dilate(x, taus)
    assert torch.allclose(out[0], x, atol=1e-12)
    c = 5.5
    u = np.arange(12.0)
    for k, t in enumerate(taus[1:], 1):
        src = c + (1 - t) * (u - c)
        rr, cc = np.meshgrid(src, src, indexing="ij")
        for b in range(2):
            ref = map_coordinates(x[b].numpy(), [rr, cc], order=1, mode="grid-constant", cval=0.0)
            assert np.allclose(out[k, b].numpy(), ref, atol=1e-12)


def test_grating_texture_is_dilated_exactly():
    t = 0.08
    tex = sc.grating_texture(33, [0.0, t], band=(0.05, 0.1), seed=4)
    assert float(tex[0].norm()) == pytest.approx(1.0)
    interp = sc.dilate(tex[0], [t])[0]  # a smooth texture: bilinear interpolation is close to exact
    inner = slice(4, -4)
    assert float((interp - tex[1])[inner, inner].abs().max()) < 5e-3


def test_shift_distances_against_direct_computation():
    f, r = _rand(2, 3, 8, 8), _rand(2, 3, 8, 8, seed=5)
    shifts = torch.tensor([[0, 0], [1, 2], [-3, 5]])
    d = sc.shift_distances(f, shifts, reference=r)
    for k, (a, b) in enumerate(shifts.tolist()):
        direct = (torch.roll(f, (a, b), (-2, -1)) - r).flatten(1).norm(dim=1) / r.flatten(1).norm(dim=1)
        assert torch.allclose(d[:, k], direct, atol=1e-12)


def test_translation_and_deformation_experiments_small():
    X, _ = sc.padded_digits(16)
    tr = sc.translation_experiment(X[:6], Js=(1, 2), max_shift=3)
    assert tr["scattering"].shape == (2, 4) and tr["pixel"][0] == 0 and tr["covariance_error"] < 1e-12
    assert tr["scattering"][1, 1] < tr["scattering"][0, 1] < tr["pixel"][1]
    de = sc.deformation_experiment(size=32, J=2, taus=(0.0, 0.02), centres=(0.375, 0.75))
    assert de["fourier"].shape == (2, 2) and np.all(de["scattering"][:, 0] == 0)
    en = sc.order_energies(X[:4], J=2)["fraction"]
    assert en[0] > en[1] > en[2] > 0 and sum(en) <= 1


def test_nonexpansive_experiment_small():
    ne = sc.nonexpansive_experiment(n_per_kind=2, size=16, J=2)
    assert len(ne["kinds"]) == 8 and float(ne["ratio_full"].max()) <= 1
    assert bool((ne["ratio_sub"] <= ne["ratio_full"] + 1e-15).all())


# ----------------------------------------------------------------------------- the linear classifier
def test_ridge_matches_sklearn_and_brute_force_leave_one_out():
    from sklearn.linear_model import Ridge

    g = torch.Generator().manual_seed(0)
    X = torch.randn(1, 30, 12, generator=g, dtype=F64)
    y = torch.randint(0, 3, (1, 30), generator=g)
    Xt = torch.randn(50, 12, generator=g, dtype=F64)
    out = sc.ridge_loo(X, y, Xt, [0.05], n_classes=3)
    Xc = X[0] - X[0].mean(0)
    lam = float(torch.linalg.eigvalsh(Xc @ Xc.T).clamp(min=0).sum()) / 30 * 0.05  # relative to the mean eigenvalue
    Y = torch.nn.functional.one_hot(y[0], 3).double().numpy()
    ref = Ridge(alpha=lam, fit_intercept=True).fit(X[0].numpy(), Y)
    assert np.array_equal(out["pred"][0].numpy(), ref.predict(Xt.numpy()).argmax(1))
    hits = 0  # leave-one-out by refitting n times with the same absolute penalty
    for i in range(30):
        keep = torch.arange(30) != i
        m = Ridge(alpha=lam).fit(X[0, keep].numpy(), Y[keep.numpy()])
        hits += int(m.predict(X[0, i : i + 1].numpy()).argmax() == int(y[0, i]))
    assert float(out["loo_acc"][0, 0]) == pytest.approx(hits / 30)


def test_learning_curve_and_training_sets():
    y = torch.arange(200) % 10
    pool = torch.arange(100, 200)
    rows = sc.draw_training_sets(y, pool, 3, 4, seed=1)
    assert rows.shape == (4, 30) and bool(torch.isin(rows, pool).all())
    assert all(torch.bincount(y[r], minlength=10).tolist() == [3] * 10 for r in rows)
    X = torch.nn.functional.one_hot(y, 10).double() + 0.1 * _rand(200, 10)
    lc = sc.learning_curve({"easy": X, "noise": _rand(200, 10)}, y, per_class=(2, 4), n_draws=3, n_test=60)
    assert lc["acc"]["easy"].shape == (2, 3) and lc["acc"]["easy"].min() > 0.9 > lc["acc"]["noise"].mean()


# ----------------------------------------------------------------------------- widget, figures, exercises
def test_widget_sliders_move_the_figure():
    data = sc.widget_data(size=16, Js=(1, 2), taus=[0.0, 0.05, 0.1], max_shift=4)
    ui = sc.build_scattering_widget(data)
    ui.controls["image"].value = 1
    ui.controls["J"].value = 1
    ui.controls["tau"].value = 0.05
    ui.controls["shift"].value = 3
    assert np.allclose(ui.trace_data(0, "z"), np.roll(data["images"][1, 1], 3, axis=-1)[::-1])
    assert np.allclose(ui.trace_data(3), data["scattering"][1, 0, 1])  # scattering vs shift, J = 1, tau = 5 %
    assert np.allclose(ui.trace_data(6), data["scattering"][1, 0, :, 3])  # scattering vs tau at c = 3
    assert list(ui.trace_data(7, "x")) == [3, 3] and list(ui.trace_data(8, "x")) == [2, 2]
    before = ui.trace_data(3)
    ui.controls["J"].value = 2
    assert list(ui.trace_data(8, "x")) == [4, 4]
    assert np.all(ui.trace_data(3)[1:] < before[1:])  # larger J: more invariant
    assert np.allclose(ui.trace_data(2), data["fourier"][1, 1])  # |Fourier| does not see the shift
    assert "shift 3 px" in ui.figure.layout.title.text
    assert measure_latency(ui, max_values=3)["moves"] > 0


def test_lecture_figures_draw_the_given_numbers():
    nt = sc.nterm_experiment(N=256, n_signals=2, n_range=(8, 32))
    fig = sc.widget.nterm_figure(nt)
    assert len(fig.data) == 6 and np.array_equal(fig.data[0].x, nt["ns"])
    lp = sc.lp_summary(16, 2, 4)
    fig = sc.widget.filters_figure(lp)
    assert np.allclose(np.asarray(fig.data[1].z), np.fft.fftshift(lp["A"].numpy()))
    ne = {"pixel_distance": torch.tensor([1.0, 2.0]), "ratio_full": torch.tensor([0.5, 0.25]), "kinds": ["a", "b"]}
    fig = sc.widget.nonexpansive_figure(ne)
    assert np.allclose(fig.data[1].y, [0.5]) and fig.data[-1].name.startswith("‖Sx")
    tr = {"shifts": np.arange(3.0), "pixel": np.array([0, 0.5, 0.9]), "fourier_max_shift": 0.0, "Js": [1],
          "scattering": np.array([[0, 0.2, 0.4]])}
    assert np.allclose(sc.widget.translation_figure(tr).data[2].y, [0, 0.2, 0.4])
    de = {"taus": np.array([0, 0.01, 0.02]), "centres": np.array([0.2, 0.8]), "pixel": np.ones((2, 3)),
          "fourier": np.ones((2, 3)) * 0.5, "scattering": np.ones((2, 3)) * 0.1}
    assert len(sc.widget.deformation_figure(de).data) == 6
    lc = {"per_class": np.array([2, 5]), "n_test": 10, "acc": {"pixels": np.array([[0.5, 0.7], [0.8, 0.9]])}}
    assert np.allclose(sc.widget.learning_curve_figure(lc).data[0].y, [0.6, 0.85])
    fig = sc.widget.cnn_link_figure(lp["psi_hat"], _rand(3, 5, 5))
    assert len(fig.data) == 2


def test_exercise_solutions_pass_and_wrong_answers_fail():
    ex = sc.exercise_lowpass()

    def solution(size, J):
        phi, _ = sc.filter_bank(size, J, 2)
        return phi / phi[0, 0]

    def no_aliasing(size, J):  # the continuous transform sampled, without the periodisation
        w = 2 * math.pi * torch.fft.fftfreq(size, dtype=F64)
        g = torch.exp(-0.5 * (0.8 * 2 ** (J - 1)) ** 2 * w**2)
        return torch.outer(g, g)

    assert ex.check(solution, strict=True)
    assert not ex.check(no_aliasing)
    with pytest.raises(ExerciseFailed):
        ex.check(lambda size, J: torch.ones(size, size, dtype=F64), strict=True)
    pred = sc.prediction_grating()
    x = sc.grating()
    measured = float(sc.scattering2d(x, 3, 8, subsample=False).norm() / x.norm())
    assert pred.check(measured, strict=True)  # the theory's answer is within its tolerance of the measurement
    assert not pred.check(1.0)


# ----------------------------------------------------------------------------- bad input names the argument
@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=-3, max_value=8))
def test_J_too_large_or_too_small_rejected(J):
    if 1 <= J and 2 ** (J + 1) <= 16:
        assert sc.filter_bank(16, J, 2)[1].shape[0] == J
    else:
        assert_rejects(sc.filter_bank, "J", 16, J, 2)
        assert_rejects(sc.scattering2d, "J", torch.zeros(2, 16, 16), J, 2)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=40),
       st.integers(min_value=1, max_value=4))
def test_image_sizes_either_work_or_name_the_argument(H, W, J):
    x = torch.zeros(1, H, W, dtype=F64)
    if H == W and H >= 4 and 2 ** (J + 1) <= H and H % 2**J == 0:
        assert sc.scattering2d(x, J, 2).shape[-2:] == (H // 2**J, W // 2**J)
    else:
        err = assert_rejects(sc.scattering2d, "images" if H != W or H < 4 or 2 ** (J + 1) <= H else "J", x, J, 2)
        assert "square" in str(err) or "small" in str(err) or "divisible" in str(err) or "too large" in str(err)


@pytest.mark.parametrize("bad, name", [
    (torch.zeros(2, 16, 12), "images"),                       # not square
    (torch.zeros(2, 2, 2), "images"),                         # too small
    (torch.zeros(2, 3, 16, 16), "images"),                    # wrong number of dimensions
    (torch.full((1, 16, 16), float("nan")), "images"),        # not finite
    (torch.zeros(1, 16, 16, dtype=torch.bool), "images"),     # not real numbers
])
def test_bad_images_rejected(bad, name):
    assert_rejects(sc.scattering2d, name, bad, 2, 4)


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.integers(max_value=0), st.integers(min_value=65, max_value=500), st.floats(), st.booleans()))
def test_bad_L_rejected(L):
    assert_rejects(sc.filter_bank, "L", 16, 2, L)
    assert_rejects(sc.scattering2d, "L", torch.zeros(1, 16, 16), 2, L)


def test_other_bad_arguments():
    assert_rejects(sc.filter_bank, "size", 18, 2, 4)  # not divisible by 2^J
    assert_rejects(sc.filter_bank, "size", 3, 1, 4)
    assert_rejects(sc.scattering2d, "images", torch.zeros(1, 20, 20), 3, 4)  # 20 not divisible by 8
    assert_rejects(sc.scattering2d, "order", torch.zeros(1, 16, 16), 2, 4, order=3)
    assert_rejects(sc.scattering2d, "subsample", torch.zeros(1, 16, 16), 2, 4, subsample=1)
    assert_rejects(sc.scattering2d, "filters", torch.zeros(1, 16, 16), 2, 4, filters=(torch.zeros(8, 8),))
    assert_rejects(sc.dwt, "x", torch.zeros(12))  # not a power of 2
    assert_rejects(sc.dwt, "p", torch.zeros(16), 4)
    assert_rejects(sc.dwt, "levels", torch.zeros(16), 2, 9)
    assert_rejects(sc.n_term_errors, "ns", torch.ones(8), [9])
    assert_rejects(sc.n_term_errors, "ns", torch.ones(8), [1.5])
    assert_rejects(sc.n_term_errors, "coeffs", torch.tensor([1.0, float("inf")]), [1])
    assert_rejects(sc.translate, "shifts", torch.zeros(1, 8, 8), [[0.5, 1]])
    assert_rejects(sc.dilate, "taus", torch.zeros(1, 8, 8), [0.6])
    assert_rejects(sc.grating_texture, "band", 16, [0.0], band=(0.5, 1.5))
    assert_rejects(sc.relative_distance, "a", torch.zeros(2, 4, 4), torch.ones(2, 4, 4))
    assert_rejects(sc.ridge_loo, "y", torch.zeros(1, 4, 3), torch.zeros(1, 4), torch.zeros(2, 3), [1.0])
    assert_rejects(sc.ridge_loo, "lambdas", torch.zeros(1, 4, 3), torch.zeros(1, 4, dtype=torch.long),
                   torch.zeros(2, 3), [0.0])
    assert_rejects(sc.ridge_loo, "X_test", torch.zeros(1, 4, 3), torch.zeros(1, 4, dtype=torch.long),
                   torch.zeros(2, 5), [1.0])
    assert_rejects(sc.piecewise_smooth, "N", 100)
    assert_rejects(sc.littlewood_paley, "psi_hat", torch.zeros(8, 8), torch.zeros(1, 2, 4, 4))
    assert_rejects(sc.littlewood_paley, "symmetric", torch.zeros(8, 8), torch.zeros(1, 2, 8, 8), symmetric="yes")
