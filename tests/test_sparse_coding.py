"""Tests for course_lib.sparse_coding (lecture 02): whitening, patches, dictionary learning,
atom measurements, and bad-input errors."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import sparse_coding as sc
from tests.helpers import assert_rejects

G = torch.Generator().manual_seed(0)


@pytest.fixture(scope="module")
def patches():
    return sc.natural_patches(8, 600, seed=0)


def test_natural_patches_shape_scale_and_determinism(patches):
    assert patches.shape == (600, 64)
    assert float(patches.std()) == pytest.approx(1.0, rel=1e-4)
    assert torch.equal(patches, sc.natural_patches(8, 600, seed=0))
    raw = sc.natural_patches(6, 50, seed=1, whiten=False)
    assert raw.shape == (50, 36) and torch.allclose(raw.mean(1), torch.zeros(50), atol=1e-5)


def test_whitening_flattens_the_spectrum():
    """Natural images have a ~1/f amplitude spectrum; the O&F filter makes it flat-ish."""
    from course_lib.core.data import sample_photographs

    img = sample_photographs()[0]

    def slope(im):
        P = torch.fft.rfft2(im - im.mean()).abs()
        fy = torch.fft.fftfreq(im.shape[0])[:, None]
        fx = torch.fft.rfftfreq(im.shape[1])[None, :]
        f = torch.sqrt(fy**2 + fx**2)
        band = (f > 0.02) & (f < 0.2)
        return np.polyfit(np.log(f[band].numpy()), np.log(P[band].numpy()), 1)[0]

    assert slope(img) < -0.7 and abs(slope(sc.whiten(img))) < abs(slope(img)) / 2


def test_renormalize_keeps_product_and_unit_columns():
    D = torch.randn(2, 9, 5, generator=G, dtype=torch.float64) * 3
    A = torch.randn(2, 5, 7, generator=G, dtype=torch.float64)
    Dn, An = sc.renormalize(D, A)
    assert torch.allclose(Dn.norm(dim=-2), torch.ones(2, 5, dtype=torch.float64))
    assert torch.allclose(Dn @ An, D @ A)


def test_fista_codes_match_sklearn_lasso():
    from sklearn.linear_model import Lasso

    from course_lib.sparse_coding import _fista_codes

    D = sc.renormalize(torch.randn(20, 10, generator=G, dtype=torch.float64))
    x = torch.randn(20, 3, generator=G, dtype=torch.float64)
    lam = 0.3
    A0 = torch.zeros(1, 10, 3, dtype=torch.float64)
    A = _fista_codes(D[None], x[None], A0, torch.tensor([lam], dtype=torch.float64), 3000)[0]
    for j in range(3):  # sklearn's Lasso: 1/(2n)||x - Da||^2 + alpha||a||_1, n = 20
        lasso = Lasso(alpha=lam / 20, fit_intercept=False, tol=1e-12, max_iter=100000)
        ref = lasso.fit(D.numpy(), x[:, j].numpy()).coef_
        assert np.allclose(A[:, j].numpy(), ref, atol=1e-5)


def test_fista_codes_equal_course_lib_sparse_fista_with_warm_start():
    """The private batched, warm-started loop is the tested course_lib.sparse.fista, per lambda."""
    from course_lib.sparse import fista

    D = sc.renormalize(torch.randn(2, 16, 12, generator=G, dtype=torch.float64))
    x = torch.randn(16, 5, generator=G, dtype=torch.float64)
    A0 = torch.randn(2, 12, 5, generator=G, dtype=torch.float64)  # a warm start
    lams = torch.tensor([0.2, 0.7], dtype=torch.float64)
    A = sc._fista_codes(D, x[None], A0, lams, 9)
    for i in range(2):
        ref = fista(D[i], x, float(lams[i]), 9, x0=A0[i])
        assert torch.allclose(A[i], ref, atol=1e-10)
        assert (A[i] == 0).any()  # the soft threshold is active


def test_learn_dictionary_stops_on_the_relative_change_or_warns(patches):
    """Issue 11: ``tol`` stops on the energy's relative change per pass and reports it; a budget too small warns."""
    _, _, hist = sc.learn_dictionary(patches, 16, 0.1, n_iter=300, batch_size=None, return_history=True, tol=1e-3)
    e = hist["energy"]
    assert hist["n_iter"] == e.shape[0] < 300 and float(hist["rel_change"]) <= 1e-3
    assert float(hist["rel_change"]) == pytest.approx(float((e[-2] - e[-1]).abs() / e[-2]))
    with pytest.warns(RuntimeWarning, match="n_iter"):
        sc.learn_dictionary(patches, 16, 0.1, n_iter=2, tol=1e-12)
    assert_rejects(sc.learn_dictionary, "tol", patches, 16, 0.1, 2, tol=-1.0)


def test_learn_dictionary_shapes_energy_and_batching(patches):
    D, A = sc.learn_dictionary(patches, 16, 0.5, n_iter=5, seed=0)
    assert D.shape == (64, 16) and A.shape == (16, 600)
    assert torch.allclose(D.norm(dim=0), torch.ones(16), atol=1e-5)
    lams = torch.tensor([0.2, 0.5])
    Dg, Ag = sc.learn_dictionary(patches, 16, lams, n_iter=5, seed=0)
    assert Dg.shape == (2, 64, 16) and Ag.shape == (2, 16, 600)
    assert torch.allclose(Dg[1], D, atol=1e-4)  # the batched lambda grid = separate runs
    # more iterations lower the O&F energy; larger lambda gives sparser codes
    D2, A2 = sc.learn_dictionary(patches, 16, 0.5, n_iter=15, seed=0)
    assert float(sc.sparse_coding_energy(patches, D2, A2, 0.5)) < float(sc.sparse_coding_energy(patches, D, A, 0.5))
    assert float((Ag[1] != 0).sum()) < float((Ag[0] != 0).sum())


def test_pca_atoms_match_sklearn(patches):
    from sklearn.decomposition import PCA

    U, var = sc.pca_atoms(patches.double(), 5)
    ref = PCA(5, svd_solver="full").fit(patches.double().numpy())
    assert np.allclose(np.abs(U.T.numpy() @ ref.components_.T), np.eye(5), atol=1e-6)
    assert np.allclose(var.numpy(), ref.explained_variance_, rtol=1e-8)


def test_spread_and_orientation_references():
    s = 8
    delta = torch.zeros(s * s, 1)
    delta[27] = 1.0
    flat = torch.ones(s * s, 1)
    spread = sc.spatial_spread(torch.cat([delta, flat], 1))
    assert float(spread[0]) == pytest.approx(0.0, abs=1e-6)
    assert float(spread[1]) == pytest.approx(math.sqrt((s * s - 1) / 6), rel=1e-6)
    yy, xx = torch.meshgrid(torch.arange(s), torch.arange(s), indexing="ij")
    grating = torch.cos(2 * math.pi * 0.25 * xx.double()).reshape(-1, 1)
    noise = torch.randn(s * s, 200, generator=G, dtype=torch.float64)
    assert float(sc.orientation_selectivity(grating)[0]) > 0.8  # leakage of the 8-pixel window
    assert float(sc.orientation_selectivity(noise).median()) < 0.3
    fy, fx = sc.peak_frequency(grating, pad=32)
    assert abs(float(fx)) == pytest.approx(0.25) and float(fy) == 0.0


def test_grating_responses_simple_vs_complex():
    yy, xx = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
    envelope = torch.exp(-((xx - 3.5) ** 2 + (yy - 3.5) ** 2) / 8)
    gabor = (torch.cos(2 * math.pi * 0.25 * xx) * envelope).double().reshape(-1)
    simple, complex_ = sc.grating_responses(gabor, 0.0, 0.25, n_phases=8, pool=2)
    assert float(simple.min()) == pytest.approx(0.0, abs=1e-9)
    assert float(complex_.min() / complex_.max()) >= math.cos(math.pi * 0.25) - 1e-9


def test_exercise_renormalize():
    ex = sc.exercise_renormalize()
    assert ex.check(lambda D, A: sc.renormalize(D, A), strict=True)
    assert not ex.check(lambda D, A: (D / D.norm(dim=0), A))


# -- bad input ---------------------------------------------------------------------------
@given(st.integers(max_value=1))
def test_rejects_bad_sizes(v):
    assert_rejects(sc.natural_patches, "size", v, 10)
    assert_rejects(sc.natural_patches, "n", 8, v - 1)
    assert_rejects(sc.learn_dictionary, "n_atoms", torch.randn(10, 4), v - 1, 0.1, 2)


@given(st.floats(max_value=-1e-6, allow_nan=False, allow_infinity=False))
def test_rejects_negative_lambda(v):
    assert_rejects(sc.learn_dictionary, "lam", torch.randn(10, 4), 3, v, 2)
    assert_rejects(sc.learn_dictionary, "lam", torch.randn(10, 4), 3, torch.tensor([0.1, v]), 2)


@given(st.sampled_from([float("nan"), float("inf")]))
def test_rejects_nonfinite_patches(bad):
    P = torch.randn(10, 4)
    P[3, 1] = bad
    assert_rejects(sc.learn_dictionary, "patches", P, 3, 0.1, 2)


def test_rejects_misc():
    assert_rejects(sc.natural_patches, "whiten", 8, 10, whiten="yes")
    assert_rejects(sc.spatial_spread, "atoms", torch.randn(10, 3))
    assert_rejects(sc.renormalize, "D", torch.zeros(4, 2))
    assert_rejects(sc.renormalize, "A", torch.randn(4, 2), torch.randn(3, 5))
    assert_rejects(sc.whiten, "image", torch.randn(4))
    assert_rejects(sc.whiten, "f0", torch.randn(8, 8), f0=0.0)


# -- review fixes: bad input is named, never NaN --------------------------------------------
def test_more_bad_input_is_named():
    atom = torch.randn(64)
    assert_rejects(sc.grating_responses, "fy", atom, float("nan"), 0.1)
    assert_rejects(sc.pca_atoms, "patches", torch.randn(1, 4))
    P = torch.randn(10, 4)
    D = torch.randn(4, 3)
    A = torch.randn(3, 10)
    assert_rejects(sc.sparse_coding_energy, "lam", P, D, A, torch.tensor([0.1, 0.2]))
    assert sc.sparse_coding_energy(P, D, A, 0.1).shape == ()


def test_energy_takes_one_lambda_or_one_per_dictionary(patches):
    lams = torch.tensor([0.2, 0.5])
    Dg, Ag = sc.learn_dictionary(patches, 8, lams, n_iter=2)
    E = sc.sparse_coding_energy(patches, Dg, Ag, lams)
    assert E.shape == (2,)
    for i in range(2):
        assert torch.allclose(E[i], sc.sparse_coding_energy(patches, Dg[i], Ag[i], float(lams[i])))
    same = torch.stack([sc.sparse_coding_energy(patches, Dg[i], Ag[i], 0.5) for i in range(2)])
    assert torch.allclose(sc.sparse_coding_energy(patches, Dg, Ag, 0.5), same)
    assert_rejects(sc.sparse_coding_energy, "lam", patches, Dg, Ag, torch.tensor([0.1, 0.2, 0.3]))
    assert_rejects(sc.sparse_coding_energy, "lam", patches, Dg, Ag, -0.1)


# -- mini-batch learning, its history, and the dictionary update ---------------------------
def test_minibatch_learning_history_and_full_batch_equivalence(patches):
    lams = torch.tensor([0.3, 0.8])
    D_full, A_full = sc.learn_dictionary(patches, 16, lams, n_iter=4, seed=1)
    D_one, A_one = sc.learn_dictionary(patches, 16, lams, n_iter=4, seed=1, batch_size=600)  # one batch = full
    assert torch.equal(D_full, D_one) and torch.equal(A_full, A_one)
    D, A, hist = sc.learn_dictionary(patches, 16, lams, n_iter=6, seed=1, batch_size=200, return_history=True)
    assert hist["energy"].shape == (6, 2) and hist["dictionaries"].shape == (6, 2, 64, 16)
    assert torch.equal(hist["dictionaries"][-1], D)
    assert bool((hist["energy"][-1] < hist["energy"][0]).all())  # the O&F energy goes down
    assert torch.allclose(D.norm(dim=-2), torch.ones(2, 16), atol=1e-5)
    # the last pass's energy is the batches' energies right after their codes were inferred:
    # with the final atoms it can only be lower than or near it, never far above
    final = sc.sparse_coding_energy(patches, D, A, lams)
    assert bool((final < hist["energy"][-1] * 1.05).all())
    D1, A1, h1 = sc.learn_dictionary(patches, 16, 0.3, n_iter=2, seed=1, batch_size=200, return_history=True)
    assert h1["energy"].shape == (2,) and h1["dictionaries"].shape == (2, 64, 16)
    assert_rejects(sc.learn_dictionary, "batch_size", patches, 16, 0.3, 2, batch_size=0)


def test_dictionary_update_is_the_projected_gradient_rule_then_renormalisation():
    g = torch.Generator().manual_seed(4)
    X = torch.randn(9, 40, generator=g, dtype=torch.float64)
    D = sc.renormalize(torch.randn(9, 5, generator=g, dtype=torch.float64))
    A = torch.randn(5, 40, generator=g, dtype=torch.float64)
    D_new, A_new = sc.dictionary_update(D, X, A, n_steps=1)
    eta = 1 / torch.linalg.eigvalsh(A @ A.T)[-1]
    step = D + eta * (X - D @ A) @ A.T
    step = step / step.norm(dim=0).clamp(min=1.0)
    assert torch.allclose(D_new, step / step.norm(dim=0), atol=1e-12)  # unit columns
    assert torch.allclose(D_new @ A_new, step @ A, atol=1e-12)  # the codes absorb the rescaling
    # many steps reach the constrained least-squares fit: the residual gets no smaller
    D_many, A_many = sc.dictionary_update(D, X, A, n_steps=300)
    D_more, _ = sc.dictionary_update(D_many, X, A_many, n_steps=300)
    assert float((X - D_more @ A_many).norm()) == pytest.approx(float((X - D_many @ A_many).norm()), rel=1e-6)
    assert_rejects(sc.dictionary_update, "X", D, X[:4], A)
    assert_rejects(sc.dictionary_update, "A", D, X, A[:3])
    assert_rejects(sc.dictionary_update, "n_steps", D, X, A, n_steps=0)


def test_spatial_spread_of_a_stack_of_dictionaries():
    D = torch.randn(3, 64, 7, generator=G)
    stacked = sc.spatial_spread(D)
    assert stacked.shape == (3, 7)
    for b in range(3):
        assert torch.allclose(stacked[b], sc.spatial_spread(D[b]))
