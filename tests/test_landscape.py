"""Lecture 08 kernels against references: closed forms, numpy/scipy, autograd, explicit loops."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course_lib import landscape
from course_lib.core.validate import Diverged
from tests.helpers import assert_rejects

D64 = torch.float64


def gen(seed):
    return torch.Generator().manual_seed(seed)


def quad_loss(c):
    """L(v) = ½‖v − c‖², batched over leading axes."""
    return lambda v: 0.5 * ((v - c) ** 2).sum(-1)


# --- paths ---------------------------------------------------------------------------------------
def test_linear_path_matches_pointwise_evaluation_and_one_vector_losses():
    c = torch.randn(5, generator=gen(0), dtype=D64)
    a, b = torch.randn(5, generator=gen(1), dtype=D64), torch.randn(5, generator=gen(2), dtype=D64)
    prof = landscape.linear_path(quad_loss(c), a, b, n_points=11)
    t = torch.linspace(0, 1, 11, dtype=D64)
    ref = torch.stack([quad_loss(c)((1 - s) * a + s * b) for s in t])
    assert prof.shape == (11,) and torch.allclose(prof, ref, atol=1e-14)

    def one_vector_only(v):  # a loss written for a single flat vector: v @ v fails on a batch
        assert v.ndim == 1
        return 0.5 * (v - c) @ (v - c)

    assert torch.allclose(landscape.linear_path(one_vector_only, a, b, n_points=11), ref, atol=1e-14)


def test_paths_keep_batch_and_part_axes():
    A, B = torch.randn(3, 4, generator=gen(3), dtype=D64), torch.randn(3, 4, generator=gen(4), dtype=D64)

    def parts(v):  # two independent parts per vector: (..., 4) -> (..., 2)
        return torch.stack([v[..., :2].pow(2).sum(-1), v[..., 2:].pow(2).sum(-1)], -1)

    assert landscape.linear_path(parts, A[0], B[0], n_points=7).shape == (7, 2)
    assert landscape.linear_path(parts, A, B, n_points=7).shape == (7, 3, 2)
    th = 0.5 * (A + B)
    assert landscape.bezier_path(parts, A, th, B, n_points=7).shape == (7, 3, 2)


def test_bezier_curve_endpoints_midpoint_and_segment_reparametrisation():
    a, th, b = (torch.randn(6, generator=gen(s), dtype=D64) for s in (5, 6, 7))
    t = torch.tensor([0.0, 0.5, 1.0], dtype=D64)
    pts = landscape.bezier_curve(a, th, b, t)
    assert torch.equal(pts[0], a) and torch.equal(pts[2], b)
    assert torch.allclose(pts[1], 0.25 * a + 0.5 * th + 0.25 * b, atol=1e-15)
    # with theta at the midpoint the curve IS the segment, point for point
    c = torch.randn(6, generator=gen(8), dtype=D64)
    seg = landscape.linear_path(quad_loss(c), a, b, 21)
    assert torch.allclose(landscape.bezier_path(quad_loss(c), a, 0.5 * (a + b), b, 21), seg, atol=1e-13)


def test_fit_bezier_converges_to_the_closed_form_control_point_of_a_quadratic():
    # E_t ½‖φ(t) − c‖² is minimised by θ* = (15/2)(c/3 − (a + b)/10): Beta integrals E[4t²(1−t)²] = 2/15,
    # E[2t(1−t)³] = E[2t³(1−t)] = 1/10, E[2t(1−t)] = 1/3
    a, b, c = (torch.randn(4, generator=gen(s), dtype=D64) for s in (10, 11, 12))
    theta = landscape.fit_bezier(quad_loss(c), a, b, steps=3000, lr=0.02, seed=1, n_t=16)
    theta_star = 2.5 * c - 0.75 * (a + b)
    assert torch.allclose(theta, theta_star, atol=0.03), (theta, theta_star)


def test_fit_bezier_start_is_seeded_midpoint_plus_scaled_noise():
    a, b = torch.zeros(1000, dtype=D64), torch.full((1000,), 2.0, dtype=D64)
    th0 = landscape.fit_bezier(quad_loss(a), a, b, steps=0, lr=0.1, seed=3, perturb=0.05)
    assert torch.equal(th0, landscape.fit_bezier(quad_loss(a), a, b, steps=0, lr=0.1, seed=3, perturb=0.05))
    noise = th0 - 1.0
    assert abs(float(noise.mean())) < 0.01 and float(noise.std()) == pytest.approx(0.05 * 2.0, rel=0.1)
    mid = landscape.fit_bezier(quad_loss(a), a, b, steps=0, lr=0.1, perturb=0.0)
    assert torch.equal(mid, torch.ones(1000, dtype=D64))


def test_the_midpoint_is_stationary_for_the_width2_toy_and_the_perturbation_escapes_it():
    wa = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=D64)
    stuck = landscape.fit_bezier(landscape.toy_linear_loss, wa, -wa, steps=200, lr=0.05, perturb=0.0)
    assert float(stuck[[1, 3]].abs().max()) == 0.0       # no gradient ever leaves the segment's plane
    bar_stuck = landscape.path_barrier(landscape.bezier_path(landscape.toy_linear_loss, wa, stuck, -wa, 101))
    moved = landscape.fit_bezier(landscape.toy_linear_loss, wa, -wa, steps=400, lr=0.05)
    bar = landscape.path_barrier(landscape.bezier_path(landscape.toy_linear_loss, wa, moved, -wa, 101))
    assert float(bar_stuck) > 0.49 and float(bar) < 1 / 32


def test_fit_bezier_reports_divergence_naming_lr():
    def explodes(v):
        return torch.where(v.abs().amax(-1) > 50, torch.full_like(v[..., 0], math.inf), v.pow(2).sum(-1).neg())

    with pytest.raises(Diverged, match="lr"):
        landscape.fit_bezier(explodes, torch.zeros(3, dtype=D64), torch.ones(3, dtype=D64), steps=200, lr=10.0)


def test_path_barrier_is_height_above_the_chord():
    prof = torch.tensor([1.0, 3.0, 2.0, 0.0, -1.0], dtype=D64)   # chord 1 → -1
    chord = torch.linspace(1, -1, 5, dtype=D64)
    assert float(landscape.path_barrier(prof)) == pytest.approx(float((prof - chord).max()))
    assert float(landscape.path_barrier(torch.linspace(2, 0, 9, dtype=D64))) == pytest.approx(0.0, abs=1e-15)
    batch = torch.stack([prof, prof + 1.0], 1)
    assert torch.allclose(landscape.path_barrier(batch), torch.full((2,), float((prof - chord).max()), dtype=D64))


# --- deep linear networks ------------------------------------------------------------------------
def _problem(seed=0, d_x=5, d_y=3, n=30):
    g = gen(seed)
    X = torch.randn(d_x, n, generator=g, dtype=D64)
    Y = torch.randn(d_y, d_x, generator=g, dtype=D64) @ X + 0.5 * torch.randn(d_y, n, generator=g, dtype=D64)
    return X, Y


@pytest.mark.parametrize("rank", [0, 1, 2, 3, 5])
def test_min_loss_matches_the_eigenvalue_formula_and_least_squares(rank):
    X, Y = _problem()
    Sigma = Y @ X.T @ torch.linalg.inv(X @ X.T) @ X @ Y.T
    lam = torch.linalg.eigvalsh(Sigma).flip(0)
    formula = 0.5 * (Y.pow(2).sum() - lam[:rank].sum())
    got = landscape.deep_linear_min_loss(X, Y, rank)
    assert float(got) == pytest.approx(float(formula), rel=1e-10)
    if rank >= 3:  # unconstrained: the least-squares residual
        _, res, _, _ = np.linalg.lstsq(X.T.numpy(), Y.T.numpy(), rcond=None)
        assert float(got) == pytest.approx(0.5 * res.sum(), rel=1e-10)


def test_min_loss_is_attained_by_the_truncated_fit_and_handles_rank_deficient_X():
    X, Y = _problem(1)
    W_ls = torch.linalg.lstsq(X.T, Y.T).solution.T
    U, _, _ = torch.linalg.svd(W_ls @ X, full_matrices=False)
    W1, W2 = U[:, :2].T @ W_ls, U[:, :2]                      # rank-2 product W2 W1 = P_2 W_ls
    assert float(landscape.deep_linear_loss([W1, W2], X, Y)) == pytest.approx(
        float(landscape.deep_linear_min_loss(X, Y, 2)), rel=1e-10)
    Xd = torch.cat([X, X[:1] + X[1:2]])                        # 6 rows, rank 5
    assert float(landscape.deep_linear_min_loss(Xd, Y, 2)) == pytest.approx(
        float(landscape.deep_linear_min_loss(X, Y, 2)), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3))
def test_no_rank_r_product_beats_the_minimum(seed, rank):
    X, Y = _problem(2)
    g = gen(seed)
    W1 = torch.randn(rank, X.shape[0], generator=g, dtype=D64)
    W2 = torch.randn(Y.shape[0], rank, generator=g, dtype=D64)
    assert float(landscape.deep_linear_loss([W1, W2], X, Y)) >= float(landscape.deep_linear_min_loss(X, Y, rank)) - 1e-9


def test_deep_linear_gd_is_plain_gradient_descent_and_reaches_the_minimum():
    X, Y = _problem(3)
    h1 = landscape.deep_linear_gd(X, Y, [2], n_starts=3, n_steps=1, lr=1e-3, seed=4)
    h0 = landscape.deep_linear_gd(X, Y, [2], n_starts=3, n_steps=1, lr=1e-300, seed=4)  # ~ the start
    W = [w.clone().requires_grad_(True) for w in h0.weights]
    grads = torch.autograd.grad(landscape.deep_linear_loss(W, X, Y).sum(), W)
    for w1, w, g in zip(h1.weights, W, grads):
        assert torch.allclose(w1, w.detach() - 1e-3 * g, atol=1e-12)
    assert landscape.deep_linear_loss(h1.weights, X, Y).shape == (3,)
    h = landscape.deep_linear_gd(X, Y, [4, 2], n_starts=4, n_steps=800, lr=2e-3, seed=5)
    assert h.loss.shape == (801, 4)
    assert float((h.loss[-1] - landscape.deep_linear_min_loss(X, Y, 2)).abs().max()) < 1e-8


def test_deep_linear_gd_reports_divergence():
    X, Y = _problem(3)
    with pytest.raises(Diverged, match="lr"):
        landscape.deep_linear_gd(X, Y, [2], n_starts=2, n_steps=200, lr=1.0)


@pytest.mark.parametrize("d_x, d_y, h", [(5, 3, 2), (3, 4, 3), (2, 2, 1)])
def test_hessian_at_zero_is_plus_minus_singular_values(d_x, d_y, h):
    X, Y = _problem(6, d_x, d_y)
    got = landscape.hessian_at_zero(X, Y, [h])
    assert torch.allclose(got, landscape.hessian_at_zero_theory(X, Y, h), atol=1e-10)
    assert float(landscape.hessian_at_zero(X, Y, [h, 2]).abs().max()) == 0.0


# --- level sets ----------------------------------------------------------------------------------
def test_toy_loss_and_component_counter():
    th = torch.tensor([[1.0, 1.0], [2.0, 0.5], [0.0, 3.0]], dtype=D64)
    assert torch.allclose(landscape.toy_linear_loss(th), torch.tensor([0.0, 0.0, 0.5], dtype=D64))
    assert float(landscape.toy_linear_loss(torch.tensor([1.0, 1.0, 1.0, 1.0]))) == pytest.approx(0.5)
    v = torch.ones(5, 5)
    v[0, 0] = v[4, 4] = 0.0
    assert landscape.sublevel_components(v, 0.5) == 2
    v[1, 1] = v[2, 2] = v[3, 3] = 0.0                       # a diagonal chain: neighbours in every coordinate
    assert landscape.sublevel_components(v, 0.5) == 1
    ls = landscape.toy_level_sets(levels=(0.2, 0.7), n_grid=15)
    assert ls["width1"] == [2, 1] and ls["width2"] == [1, 1]


# --- relu ensembles --------------------------------------------------------------------------------
def test_relu_ensemble_matches_an_explicit_loop_over_networks():
    ens = landscape.ReluEnsemble((2, 5, 3), 3)
    V = ens.init(2, seed=1, dtype=D64)
    X, y = torch.randn(7, 3, generator=gen(2), dtype=D64), torch.randn(7, generator=gen(3), dtype=D64)
    W, b, a, c = ens.unpack(V)
    assert torch.equal(ens.pack(W, b, a, c), V) and V.shape == (2, ens.dim) and ens.dim == 10 * 5 + 3
    start = 0
    for j, m in enumerate(ens.widths):
        sl = slice(start, start + m)
        ref = torch.relu(X @ W[:, sl].transpose(1, 2) + b[:, None, sl]) @ a[:, sl, None]
        ref = ref[..., 0] + c[:, j, None]
        assert torch.allclose(ens.forward(V, X)[:, j], ref, atol=1e-13)
        single, Vj = ens.subnet(V, j)
        assert torch.allclose(single.loss(Vj, X, y)[:, 0], ens.loss(V, X, y)[:, j], atol=1e-14)
        start += m
    assert ens.unit_net().tolist() == [0, 0, 1, 1, 1, 1, 1, 2, 2, 2] and ens.coord_net().shape == (ens.dim,)


def test_relu_ensemble_symmetries_and_non_symmetries():
    ens = landscape.ReluEnsemble((4, 6), 2)
    V = ens.init(1, seed=4, dtype=D64)[0]
    X, y = torch.randn(20, 2, generator=gen(5), dtype=D64), torch.randn(20, generator=gen(6), dtype=D64)
    F = ens.loss(V, X, y)
    perm = ens.random_permutation(seed=1)
    assert torch.allclose(ens.loss(ens.permute_units(V, perm), X, y), F, atol=1e-14)
    s = torch.exp(torch.randn(10, generator=gen(7), dtype=D64))
    assert torch.allclose(ens.loss(ens.scale_units(V, s), X, y), F, atol=1e-13)
    P = torch.eye(10, dtype=D64)[perm]                            # a permutation matrix acts like perm
    assert torch.allclose(ens.loss(ens.mix_units(V, P), X, y), F, atol=1e-13)
    assert not torch.allclose(ens.loss(ens.scale_units(V, -s), X, y), F, atol=1e-3)
    Q = torch.block_diag(torch.linalg.qr(torch.randn(4, 4, generator=gen(8), dtype=D64))[0],
                         torch.linalg.qr(torch.randn(6, 6, generator=gen(9), dtype=D64))[0])
    assert not torch.allclose(ens.loss(ens.mix_units(V, Q), X, y), F, atol=1e-3)


def test_train_to_level_snapshots_each_network_at_its_first_crossing():
    ens = landscape.ReluEnsemble((1, 8, 8), 2)
    X, y = landscape.teacher_data(n=64, seed=3)
    theta, hist = landscape.train_to_level(ens, ens.init(2, seed=0), X, y, level=0.05, max_steps=300, lr=0.02)
    L = ens.loss(theta, X, y)
    reached, at = hist.reached, hist.reached_at
    assert bool(reached[:, 1:].all()) and not bool(reached[:, 0].any())    # width 1 cannot fit the teacher
    for s in range(2):
        for j in range(1, 3):
            k = int(at[s, j])
            assert float(L[s, j]) <= 0.05 and float(L[s, j]) == pytest.approx(float(hist.loss[k, s, j]), rel=1e-5)
            assert k == 0 or float(hist.loss[k - 1, s, j]) > 0.05


# --- experiments -----------------------------------------------------------------------------------
def test_median_interval_is_the_binomial_order_statistic_interval():
    x = np.array([5.0, 1.0, 4.0, 2.0, 8.0, 7.0, 3.0, 6.0])
    med, lo, hi, cov = landscape.median_interval(x, 0.9)
    assert (med, lo, hi) == (4.5, 2.0, 7.0)
    assert cov == pytest.approx(1 - 2 * stats.binom.cdf(1, 8, 0.5))
    assert landscape.median_interval(np.append(x, np.nan), 0.9)[:3] == (4.5, 2.0, 7.0)


def test_rank_sum_exact_matches_scipy_without_ties_and_brute_force_with_ties():
    x, y = np.array([3.1, 4.2, 5.5, 6.0, 2.2]), np.array([1.0, 2.0, 2.5, 3.0, 0.5, 4.0])
    ref = stats.mannwhitneyu(x, y, alternative="greater", method="exact").pvalue
    assert landscape.rank_sum_exact(x, y) == pytest.approx(ref, rel=1e-12)
    xt, yt = np.array([0.0, 0.02, 0.01, 0.0]), np.array([0.0, 0.0, 0.0])
    perm = stats.permutation_test((xt, yt), lambda a, b: stats.rankdata(np.r_[a, b])[:len(a)].sum(),
                                  permutation_type="independent", alternative="greater", n_resamples=np.inf)
    assert landscape.rank_sum_exact(xt, yt) == pytest.approx(perm.pvalue, rel=1e-12)


def test_decay_slope_recovers_a_power_law():
    m = np.array([4.0, 8.0, 16.0, 32.0])
    slope, used = landscape.decay_slope(m, 3.0 * m ** -0.7)
    assert slope == pytest.approx(-0.7) and used == 4
    assert landscape.decay_slope(m, np.array([0.1, 0.0, 0.0, 0.0]))[1] == 1


@pytest.fixture(scope="module")
def small_mc():
    return landscape.mode_connectivity(widths=(6, 12), pairs=2, level=0.02, bezier_steps=40, max_steps=400)


def test_mode_connectivity_shapes_and_endpoints(small_mc):
    mc = small_mc
    N = 4
    assert mc.linear.shape == mc.bezier.shape == mc.control.shape == (41, N)
    assert torch.allclose(mc.linear[0], mc.endpoint_loss[0]) and torch.allclose(mc.linear[-1], mc.endpoint_loss[1])
    assert torch.allclose(mc.bezier[0], mc.linear[0]) and torch.allclose(mc.bezier[-1], mc.linear[-1])
    assert mc.barriers("bezier").shape == (2, 2)
    ws = landscape.width_summary(mc)
    assert set(ws) == {"widths", "kept", "linear", "bezier", "control"}
    plane = landscape.loss_plane(mc, 6, 0, n_grid=11)
    assert plane["loss"].shape == (11, 11) and np.allclose(plane["points"][0], 0.0)


def test_symmetry_profiles_keep_b_loss_except_rotation(small_mc):
    sym = landscape.symmetry_profiles(small_mc)
    lb = sym["loss_b"]
    assert lb.shape == (5, 4) and len(sym["names"]) == 5
    assert torch.allclose(lb[1:4], lb[0].expand(3, -1), rtol=1e-5)
    assert not torch.allclose(lb[4], lb[0], rtol=1e-2)
    assert torch.equal(sym["profiles"][:, 0], small_mc.linear)


# --- widget ---------------------------------------------------------------------------------------
def test_widget_moves_update_the_figure(small_mc):
    sym = landscape.symmetry_profiles(small_mc)
    ui = landscape.build_landscape_widget(small_mc, sym)
    assert np.allclose(ui.trace_data(0), small_mc.linear[:, 0].numpy())
    ui.controls["width"].value = 12
    ui.controls["pair"].value = 1
    j = small_mc.index(12, 1)
    assert np.allclose(ui.trace_data(0), small_mc.linear[:, j].numpy())
    assert np.allclose(ui.trace_data(2), small_mc.bezier[:, j].numpy())
    assert "Width 12, pair 1" in ui.figure.layout.title.text
    ui.controls["symmetry"].value = 3                               # weight matching: a new segment
    assert np.allclose(ui.trace_data(3), sym["profiles"][:, 3, j].numpy())
    assert "unchanged" in ui.root.children[1].value
    ui.controls["symmetry"].value = 4                               # rotation: not a symmetry
    assert "changed: not a symmetry" in ui.root.children[1].value


# --- exercises ------------------------------------------------------------------------------------
def test_exercises_accept_solutions_and_name_the_usual_mistakes(capsys):
    pred = landscape.prediction_rank_one_minimum()
    assert pred.check(2.5, strict=True) and not pred.check(7.0)             # 7 = ½(2² + ... ) kept the wrong one
    ex = landscape.exercise_bezier_losses()

    def right(loss_fn, a, th, b, t):
        return torch.stack([loss_fn((1 - s) ** 2 * a + 2 * s * (1 - s) * th + s ** 2 * b) for s in t])

    def no_two(loss_fn, a, th, b, t):
        return torch.stack([loss_fn((1 - s) ** 2 * a + s * (1 - s) * th + s ** 2 * b) for s in t])

    assert ex.check(right, strict=True)
    capsys.readouterr()
    assert not ex.check(no_two)
    assert "2t(1−t)" in capsys.readouterr().out
    wide = landscape.prediction_wide_barrier(0.0, abs_tol=0.002)
    assert wide.check(0.0005) and not wide.check(0.016 * (64 / 6) ** -0.5)


# --- bad input ------------------------------------------------------------------------------------
A4, B4 = torch.zeros(4, dtype=D64), torch.ones(4, dtype=D64)


@given(st.integers(max_value=1))
def test_rejects_bad_n_points(n):
    assert_rejects(landscape.linear_path, "n_points", landscape.toy_linear_loss, A4, B4, n_points=n)
    assert_rejects(landscape.bezier_path, "n_points", landscape.toy_linear_loss, A4, B4, B4, n_points=n)


@given(st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf)))
def test_rejects_bad_lr(lr):
    assert_rejects(landscape.fit_bezier, "lr", landscape.toy_linear_loss, A4, B4, 5, lr)
    X, Y = _problem()
    assert_rejects(landscape.deep_linear_gd, "lr", X, Y, [2], 2, 5, lr)


@given(st.sampled_from([torch.zeros(3, dtype=D64), torch.zeros(4, 1, 1, dtype=D64), torch.tensor([0.0, math.nan, 0, 0]),
                        "w"]))
def test_rejects_bad_endpoints(w):
    assert_rejects(landscape.linear_path, "w_b", landscape.toy_linear_loss, A4, w)
    assert_rejects(landscape.fit_bezier, "w_a", landscape.toy_linear_loss, w, B4, 5, 0.1)


@given(st.integers(max_value=-1))
def test_rejects_bad_steps_and_rank(k):
    assert_rejects(landscape.fit_bezier, "steps", landscape.toy_linear_loss, A4, B4, k, 0.1)
    X, Y = _problem()
    assert_rejects(landscape.deep_linear_min_loss, "rank", X, Y, k)


def test_rejects_other_bad_arguments():
    X, Y = _problem()
    assert_rejects(landscape.linear_path, "loss_fn", "not callable", A4, B4)
    assert_rejects(landscape.linear_path, "loss_fn", lambda v: torch.ones(2, 2), A4, B4)
    assert_rejects(landscape.linear_path, "loss_fn", lambda v: torch.full(v.shape[:-1], math.nan), A4, B4)
    assert_rejects(landscape.bezier_path, "theta", landscape.toy_linear_loss, A4, torch.zeros(3), B4)
    assert_rejects(landscape.deep_linear_min_loss, "Y", X, Y[:, :5], 1)
    assert_rejects(landscape.deep_linear_loss, "weights", [torch.zeros(2, 4)], X, Y)
    assert_rejects(landscape.deep_linear_gd, "widths", X, Y, [0], 2, 5, 0.1)
    assert_rejects(landscape.path_barrier, "profile", torch.zeros(1))
    assert_rejects(landscape.toy_linear_loss, "theta", torch.zeros(3))
    assert_rejects(landscape.toy_level_sets, "n_grid", n_grid=10)
    assert_rejects(landscape.ReluEnsemble, "widths", (), 2)
    assert_rejects(landscape.ReluEnsemble, "d_in", (3,), 0)
    ens = landscape.ReluEnsemble((2, 3), 2)
    V = ens.init(1)[0]
    assert_rejects(ens.loss, "theta", torch.zeros(5), torch.zeros(4, 2), torch.zeros(4))
    assert_rejects(ens.loss, "X", V, torch.zeros(4, 3), torch.zeros(4))
    assert_rejects(ens.permute_units, "perm", V, torch.tensor([2, 1, 0, 3, 4]))
    assert_rejects(ens.scale_units, "s", V, torch.zeros(5))
    assert_rejects(ens.mix_units, "Q", V, torch.ones(5, 5))
    assert_rejects(landscape.train_to_level, "level", ens, ens.init(2), torch.zeros(4, 2), torch.zeros(4), 0.0, 5, 0.1)
    assert_rejects(landscape.train_to_level, "ensemble", "ens", ens.init(2), torch.zeros(4, 2), torch.zeros(4), 0.1, 5,
                   0.1)
    assert_rejects(landscape.mode_connectivity, "level", widths=(4,), pairs=1, level=1.5)
    assert_rejects(landscape.build_landscape_widget, "mc", "nope")
    assert_rejects(landscape.median_interval, "x", [math.nan])
