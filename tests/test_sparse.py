"""Tests for course_lib.sparse (lecture 04): each kernel against a reference, widgets, bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from course_lib import sparse
from course_lib.catalog import WIDGETS
from course_lib.core.validate import Diverged
from course_lib.ui.widgets import measure_latency
from tests.helpers import assert_rejects

F64 = torch.float64


def _problem(m=20, n=40, s=3, batch=4, seed=0, amplitudes="gaussian"):
    D = sparse.gaussian_dictionary(m, n, seed=seed)
    x = sparse.sparse_codes(n, [s] * batch, seed=seed + 1, amplitudes=amplitudes)
    return D, x, D @ x


# ----------------------------------------------------------------------------- soft thresholding
def test_soft_threshold_is_the_prox_by_brute_force():
    z = torch.linspace(-3, 3, 61, dtype=F64)
    grid = torch.linspace(-4, 4, 16001, dtype=F64)
    for beta in (0.0, 0.4, 1.7):
        obj = 0.5 * (grid[None, :] - z[:, None]) ** 2 + beta * grid.abs()
        brute = grid[obj.argmin(1)]
        assert torch.allclose(sparse.soft_threshold(z, beta), brute, atol=float(grid[1] - grid[0]))


def test_soft_threshold_closed_form_and_nonneg_is_relu():
    z = torch.tensor([-2.0, -0.5, 0.0, 0.3, 1.5], dtype=F64)
    assert torch.equal(sparse.soft_threshold(z, 0.5), torch.tensor([-1.5, 0.0, 0.0, 0.0, 1.0], dtype=F64))
    assert torch.equal(sparse.nonneg_soft_threshold(z, 0.5), torch.relu(z - 0.5))
    # per-atom beta broadcasts; signed = S+(z) - S+(-z)
    b = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5], dtype=F64)
    signed = sparse.nonneg_soft_threshold(z, b) - sparse.nonneg_soft_threshold(-z, b)
    assert torch.allclose(sparse.soft_threshold(z, b), signed)


# ----------------------------------------------------------------------------- ISTA / FISTA
def test_fista_matches_sklearn_lasso():
    from sklearn.linear_model import Lasso

    D, _, y = _problem(m=30, n=60, s=4, batch=3)
    beta = 0.1 * float((D.T @ y).abs().max())
    x = sparse.fista(D, y, beta, 3000)
    ref = Lasso(alpha=beta / 30, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(D.numpy(), y.numpy())
    x_ref = torch.as_tensor(ref.coef_).T
    assert torch.allclose(x, x_ref, atol=1e-7)
    assert float(sparse.lasso_duality_gap(D, y, x, beta).max()) < 1e-10


def test_single_signal_shape_and_ista_step_formula():
    D, _, y = _problem(batch=1)
    y1 = y[:, 0]
    L = float(torch.linalg.matrix_norm(D, ord=2)) ** 2
    x1 = sparse.ista(D, y1, 0.2, 1)
    assert x1.shape == (40,)
    assert torch.allclose(x1, sparse.soft_threshold(D.T @ y1 / L, 0.2 / L), atol=1e-14)
    x2 = sparse.ista(D, y1, 0.2, 2)
    assert torch.allclose(x2, sparse.soft_threshold(x1 + D.T @ (y1 - D @ x1) / L, 0.2 / L), atol=1e-14)


def test_ista_fista_obey_beck_teboulle_bounds_and_history_shape():
    D, _, y = _problem(m=20, n=50, s=3, batch=2)
    beta = torch.tensor([0.05, 0.2], dtype=F64)
    K = 100
    _, Fi = sparse.ista(D, y, beta, K, history=True)
    _, Ff = sparse.fista(D, y, beta, K, history=True)
    assert Fi.shape == Ff.shape == (K + 1, 2)
    x_star = sparse.fista(D, y, beta, 5000)
    F_lo = sparse.lasso_objective(D, y, x_star, beta) - sparse.lasso_duality_gap(D, y, x_star, beta)
    L = float(torch.linalg.matrix_norm(D, ord=2)) ** 2
    k = torch.arange(1, K + 1, dtype=F64)[:, None]
    R2 = (x_star**2).sum(0)
    assert bool((Fi[1:] - F_lo <= L * R2 / (2 * k)).all())
    assert bool((Ff[1:] - F_lo <= 2 * L * R2 / (k + 1) ** 2).all())
    assert bool((Fi[1:] <= Fi[:-1] + 1e-12).all())  # ISTA is a descent method


def test_per_signal_beta_equals_separate_runs():
    D, _, y = _problem(batch=3)
    betas = torch.tensor([0.05, 0.3, 1.0], dtype=F64)
    together = sparse.fista(D, y, betas, 200)
    for j in range(3):
        assert torch.allclose(together[:, j], sparse.fista(D, y[:, j], float(betas[j]), 200), atol=1e-12)


def test_fista_tol_stops_with_certified_gap_and_nonneg_is_nonneg():
    D, _, y = _problem(batch=2)
    x = sparse.fista(D, y, 0.1, 10_000, tol=1e-9)
    assert bool((sparse.lasso_duality_gap(D, y, x, 0.1) <= 1e-9 * (y**2).sum(0)).all())
    assert bool((sparse.fista(D, y, 0.1, 50, nonneg=True) >= 0).all())


def test_too_small_L_diverges_clearly():
    D, _, y = _problem()
    with pytest.raises(Diverged, match="L"):
        sparse.ista(D, y, 0.01, 3000, L=0.01)


# ----------------------------------------------------------------------------- the fast Lasso solver (issue 11)
def _sklearn_lasso(D, y, beta, tol=1e-12):
    from sklearn.linear_model import Lasso

    m = D.shape[0]
    ref = Lasso(alpha=beta / m, fit_intercept=False, tol=tol, max_iter=100_000).fit(D.numpy(), y.numpy())
    return torch.as_tensor(ref.coef_).reshape(-1, D.shape[1]).T


def test_lasso_certified_gap_and_sklearn_solution():
    D, Y, beta = sparse.lasso_problems(40, 80, 6, seed=2)
    r = sparse.lasso(D, Y, beta, tol=1e-8)
    y2 = (Y**2).sum(0)
    gap = sparse.lasso_duality_gap(D, Y, r.x, beta)  # scored independently of the solver
    assert r.x.shape == (80, 6) and bool(r.converged.all())
    assert bool((gap <= 1e-8 * y2).all()) and bool((r.gap <= 1e-8 * y2).all())
    assert torch.allclose(r.gap, gap, atol=1e-13 * float(y2.max()))  # the reported gap is the certificate
    assert torch.allclose(r.x, _sklearn_lasso(D, Y, beta), atol=1e-6)
    assert r.n_iter.dtype == torch.long and bool((r.n_iter + r.n_newton > 0).all()) and bool((r.n_rounds >= 1).all())
    one = sparse.lasso(D, Y[:, 2], beta)  # one signal: same answer, 0-d diagnostics
    assert one.x.shape == (80,) and one.gap.ndim == 0 and bool(one.converged)
    assert torch.allclose(one.x, r.x[:, 2], atol=1e-9)


@pytest.mark.parametrize("flags", [{"restart": False}, {"screening": False}, {"newton": False},
                                   {"per_signal": False}, {"working_set": False}, {"gram": True}, {"gram": False},
                                   {"ws_size": 1}, {"working_set": False, "newton": False, "screening": False}])
def test_lasso_every_ingredient_switched_off_still_certifies(flags):
    D, Y, beta = sparse.lasso_problems(30, 70, 5, seed=3)
    r = sparse.lasso(D, Y, beta, tol=1e-9, **flags)
    assert bool((sparse.lasso_duality_gap(D, Y, r.x, beta) <= 1e-9 * (Y**2).sum(0)).all())
    assert torch.allclose(r.x, _sklearn_lasso(D, Y, beta), atol=1e-5)


def test_lasso_newton_reaches_rounding_level_and_without_it_stops_near_tol():
    D, Y, beta = sparse.lasso_problems(50, 100, 8, seed=4)
    y2 = (Y**2).sum(0)
    exact = sparse.lasso(D, Y, beta, tol=1e-6)
    slow = sparse.lasso(D, Y, beta, tol=1e-6, newton=False)
    assert float((sparse.lasso_duality_gap(D, Y, exact.x, beta) / y2).max()) < 1e-13
    assert float((sparse.lasso_duality_gap(D, Y, slow.x, beta) / y2).max()) <= 1e-6


def test_lasso_edge_cases():
    D, _, y = _problem(m=20, n=40, s=3, batch=4)
    big = 2.0 * float((D.T @ y).abs().max())  # beta >= ||D^T y||_inf: x = 0 is optimal, certified at once
    r = sparse.lasso(D, y, big)
    assert bool((r.x == 0).all()) and bool((r.n_rounds == 0).all()) and bool((r.gap == 0).all())
    y0 = torch.cat([y, torch.zeros(20, 1, dtype=F64)], 1)  # a zero signal has the zero code
    r0 = sparse.lasso(D, y0, 0.1)
    assert bool((r0.x[:, -1] == 0).all()) and bool(r0.converged.all())
    betas = torch.tensor([0.01, 0.1, 0.5, 1.0], dtype=F64)  # one beta per signal = separate problems
    rb = sparse.lasso(D, y, betas)
    for j in range(4):
        assert torch.allclose(rb.x[:, j], sparse.lasso(D, y[:, j], float(betas[j])).x, atol=1e-9)
    warm = sparse.lasso(D, y, 0.1, x0=sparse.fista(D, y, 0.1, 30))
    assert torch.allclose(warm.x, sparse.lasso(D, y, 0.1).x, atol=1e-9)
    Ds = D * torch.linspace(0.2, 5.0, 40, dtype=F64)  # atoms of different norms
    assert torch.allclose(sparse.lasso(Ds, y, 0.1, tol=1e-10).x, _sklearn_lasso(Ds, y, 0.1), atol=1e-6)
    Dd = torch.cat([D, D[:, :3]], 1)  # duplicated atoms: the solution is not unique, the gap still certifies
    rd = sparse.lasso(Dd, y, 0.1)
    assert bool((sparse.lasso_duality_gap(Dd, y, rd.x, 0.1) <= 1e-8 * (y**2).sum(0)).all())


def test_lasso_step_too_long_is_caught(monkeypatch):
    """A power-method estimate far below lambda_max must not blow up the working-set FISTA: L doubles."""
    from course_lib.sparse import solver

    monkeypatch.setattr(solver, "_power", lambda A, n_iter: torch.full((A.shape[0], 1), 1e-3, dtype=A.dtype))
    D, Y, beta = sparse.lasso_problems(30, 60, 4, seed=6)
    r = sparse.lasso(D, Y, beta, newton=False)
    assert bool(r.converged.all()) and bool(torch.isfinite(r.x).all())


def test_lasso_warns_when_max_iter_runs_out():
    D, Y, beta = sparse.lasso_problems(30, 60, 4, seed=7)
    with pytest.warns(RuntimeWarning, match="max_iter"):
        r = sparse.lasso(D, Y, beta, tol=1e-14, max_iter=3, newton=False)
    assert not bool(r.converged.all())


@given(seed=st.integers(0, 10_000), frac=st.floats(0.02, 0.8), k=st.integers(1, 300))
@example(seed=241, frac=0.6953125, k=239)  # the computed gap rounded to <= 0 while an atom held 0.0018
def test_screening_never_discards_a_nonzero_of_the_solution(seed, frac, k):
    D = sparse.gaussian_dictionary(15, 30, seed=seed)
    y = D @ sparse.sparse_codes(30, [3, 5], seed=seed + 1) + 0.05 * torch.randn(
        15, 2, generator=torch.Generator().manual_seed(seed), dtype=F64)
    beta = frac * (D.T @ y).abs().amax(0)
    star = sparse.lasso(D, y, beta, tol=1e-13)
    for x in (sparse.fista(D, y, beta, k), star.x, torch.zeros_like(star.x)):
        keep = sparse.lasso_screen(D, y, x, beta)
        assert not bool(((star.x != 0) & ~keep).any())


def test_screening_at_the_solution_discards_the_rest():
    D, Y, beta = sparse.lasso_problems(40, 120, 3, seed=8)
    star = sparse.lasso(D, Y, beta, tol=1e-13)
    keep = sparse.lasso_screen(D, Y, star.x, beta)
    assert bool((keep | (star.x == 0)).all()) and float(keep.double().mean()) < 0.5
    assert sparse.lasso_screen(D, Y[:, 0], star.x[:, 0], beta).shape == (120,)


def test_power_method_against_eigvalsh():
    A = torch.randn(5, 30, 12, dtype=F64, generator=torch.Generator().manual_seed(0))
    G = A.transpose(1, 2) @ A
    lam = torch.linalg.eigvalsh(G)[:, -1]
    est = sparse.power_method(G, 200)
    assert bool((est <= lam * (1 + 1e-12)).all()) and torch.allclose(est, lam, rtol=1e-6)
    assert sparse.power_method(G[0], 200).ndim == 0
    assert_rejects(sparse.power_method, "A", torch.ones(3, 4, dtype=F64))
    assert_rejects(sparse.power_method, "n_iter", G, 0)


def test_fista_restart_same_answer_fewer_steps():
    D = sparse.spectral_dictionary(30, 60, decay=0.5, seed=1)
    y = D @ sparse.sparse_codes(60, [4] * 3, seed=2) + 0.01 * torch.randn(
        30, 3, generator=torch.Generator().manual_seed(3), dtype=F64)
    beta = 0.02 * (D.T @ y).abs().amax(0)
    rs = sparse.restart_experiment(D, y, beta, n_iter=3000, tol=1e-8)
    assert bool((rs["restart"] <= 3000).all()) and bool((rs["restart"] < rs["fista"]).all())
    x = sparse.fista(D, y, beta, 3000, restart=True)
    assert torch.allclose(x, sparse.lasso(D, y, beta, tol=1e-13).x, atol=1e-6)
    assert_rejects(sparse.fista, "restart", D, y, beta, 3, restart="yes")


def test_compare_with_sklearn_includes_lasso():
    r = sparse.compare_with_sklearn(m=30, n=60, batch=3, tol=1e-9)
    assert bool((r["lasso_gap"] <= 1e-9 * r["y_norm2"]).all())
    assert bool(((r["lasso_objective"] - r["sklearn_objective"]).abs() <= r["lasso_gap"] + r["sklearn_gap"]).all())


def test_lasso_bad_arguments():
    D, _, y = _problem()
    assert_rejects(sparse.lasso, "beta", D, y, 0.0)  # beta must be > 0
    assert_rejects(sparse.lasso, "beta", D, y, -1.0)
    assert_rejects(sparse.lasso, "tol", D, y, 0.1, tol=0.0)
    assert_rejects(sparse.lasso, "max_iter", D, y, 0.1, max_iter=0)
    assert_rejects(sparse.lasso, "ws_size", D, y, 0.1, ws_size=0)
    assert_rejects(sparse.lasso, "gram", D, y, 0.1, gram="sometimes")
    assert_rejects(sparse.lasso, "x0", D, y, 0.1, x0=torch.zeros(7, dtype=F64))
    assert_rejects(sparse.lasso, "y", D, torch.zeros(7, 2, dtype=F64), 0.1)
    for flag in ("restart", "screening", "working_set", "newton", "per_signal"):
        assert_rejects(sparse.lasso, flag, D, y, 0.1, **{flag: 1})
    assert_rejects(sparse.lasso_screen, "x", D, y, torch.zeros(7, 4, dtype=F64), 0.1)


# ----------------------------------------------------------------------------- basis pursuit, OMP, coherence
def test_basis_pursuit_solves_the_lp_exactly():
    from scipy.optimize import linprog

    D, x, y = _problem(m=15, n=30, s=8, batch=3, seed=4)  # beyond the transition: BP ≠ x, still optimal
    xb = sparse.basis_pursuit(D, y, chunk=2)
    assert torch.allclose(D @ xb, y, atol=1e-8)
    for j in range(3):
        ref = linprog(np.ones(60), A_eq=np.hstack([D.numpy(), -D.numpy()]), b_eq=y[:, j].numpy(), bounds=(0, None))
        assert abs(float(xb[:, j].abs().sum()) - ref.fun) < 1e-8


def test_recovery_of_very_sparse_codes_by_bp_omp():
    D, x, y = _problem(m=30, n=60, s=2, batch=5)
    assert torch.allclose(sparse.basis_pursuit(D, y), x, atol=1e-8)
    assert torch.allclose(sparse.omp(D, y, 2), x, atol=1e-10)
    assert torch.allclose(sparse.basis_pursuit(D, y[:, 0]), x[:, 0], atol=1e-8)


def test_omp_first_step_picks_most_correlated_atom_and_per_signal_sparsity():
    D, _, y = _problem(m=20, n=40, s=4, batch=3)
    x1 = sparse.omp(D, y, 1)
    j = (D.T @ y).abs().argmax(0)  # unit columns: the largest correlation
    for b in range(3):
        assert (x1[:, b] != 0).nonzero()[:, 0].tolist() == [int(j[b])]
    xs = sparse.omp(D, y, [1, 2, 4])
    assert (xs != 0).sum(0).tolist() == [1, 2, 4]
    # OMP's coefficients are the least-squares fit on its support
    sup = xs[:, 2] != 0
    ls = torch.linalg.lstsq(D[:, sup], y[:, 2:3]).solution[:, 0]
    assert torch.allclose(xs[sup, 2], ls, atol=1e-10)


def test_thresholding_support_is_the_top_correlations():
    D, _, y = _problem(batch=2)
    xt = sparse.thresholding(D, y, 3)
    top = (D.T @ y).abs().topk(3, dim=0).indices
    for b in range(2):
        assert set((xt[:, b] != 0).nonzero()[:, 0].tolist()) == set(top[:, b].tolist())


def test_mutual_coherence_against_a_direct_loop_and_known_value():
    D = torch.randn(6, 9, generator=torch.Generator().manual_seed(0), dtype=F64) * 3
    Dn = D / D.norm(dim=0)
    best = max(abs(float(Dn[:, i] @ Dn[:, j])) for i in range(9) for j in range(9) if i != j)
    assert math.isclose(float(sparse.mutual_coherence(D)), best, rel_tol=1e-12)
    D1, D2 = sparse.two_layer_dictionaries(16)
    assert math.isclose(float(sparse.mutual_coherence(D1)), 0.25, rel_tol=1e-12)  # [I, H/4]
    assert math.isclose(float(sparse.mutual_coherence(D2)), 0.5, rel_tol=1e-12)
    assert float(sparse.coherence_sparsity_bound(torch.tensor(0.25))) == pytest.approx(2.5)


def test_statistical_dimension_limits_and_known_transition():
    assert sparse.l1_statistical_dimension(0.0) == pytest.approx(0.0, abs=1e-9)
    assert sparse.l1_statistical_dimension(1.0) == pytest.approx(1.0, abs=1e-9)
    rho = np.array([0.05, 0.2, 0.5])
    psi = sparse.l1_statistical_dimension(rho)
    assert np.all(np.diff(psi) > 0) and np.all(psi > rho)
    # Donoho-Tanner weak threshold at delta = 1/2 is rho = s/m ≈ 0.3848
    assert sparse.l1_transition_curve(0.5) == pytest.approx(0.3848, abs=2e-3)
    assert sparse.l1_transition_sparsity(100, 50) == pytest.approx(50 * sparse.l1_transition_curve(0.5), rel=1e-9)


def test_recovery_experiment_batches_cells_with_padding():
    r = sparse.recovery_experiment(20, np.array([8, 14]), np.array([1, 1]), 3, seed=2)
    for meth in ("l1", "omp", "thresholding"):
        assert r["success"][meth].shape == (2, 3) and bool(r["success"][meth].all())  # 1-sparse: always found
    D = r["D"]
    assert bool((D[:3, 8:, :] == 0).all())  # cells with m = 8 are zero-padded to 14 rows
    assert torch.allclose(D.norm(dim=1), torch.ones(6, 20, dtype=F64))


def test_phase_diagram_lays_cells_out_as_delta_by_rho():
    deltas, rhos = np.array([0.3, 0.6]), np.array([0.1, 0.5, 0.9])
    rates = sparse.phase_diagram(20, deltas, rhos, 2, seed=4)
    assert rates.shape == (2, 3)
    # the same cells, run directly: m = round(delta n), s = max(1, round(rho m)), flattened delta-major
    ms = np.repeat([6, 12], 3)
    ss = np.array([1, 3, 5, 1, 6, 11])
    ref = sparse.recovery_experiment(20, ms, ss, 2, seed=4, methods=("l1",), amplitudes="sign")
    assert np.array_equal(rates, ref["rate"]["l1"].numpy().reshape(2, 3))


def test_transition_point_of_a_step_and_its_error():
    s = np.arange(3, 11)
    step = (s <= 6).astype(float)  # succeeds up to 6, fails from 7: the 50 % point is 6.5
    s50, se = sparse.transition_point(s, step, 5)
    assert s50 == pytest.approx(6.5) and se == 0.0
    r = np.array([1.0, 0.5, 0.0])
    s50, se = sparse.transition_point(np.array([1, 2, 3]), r, 4)
    assert s50 == pytest.approx(2.0) and se == pytest.approx(math.sqrt(0.25 / 4))
    assert_rejects(sparse.transition_point, "rate", s, step[:-1], 5)


def test_exact_recovery_coefficient_against_a_direct_pinv_loop():
    D, x, _ = _problem(m=20, n=40, s=3, batch=4, seed=5)
    D = D * torch.linspace(0.5, 2.0, 40, dtype=F64)  # column norms must not matter
    erc = sparse.exact_recovery_coefficient(D, x)
    Dn = (D / D.norm(dim=0)).numpy()
    for b in range(4):
        S = np.flatnonzero(x[:, b].numpy())
        off = np.setdiff1d(np.arange(40), S)
        ref = np.abs(np.linalg.pinv(Dn[:, S]) @ Dn[:, off]).sum(0).max()
        assert float(erc[b]) == pytest.approx(ref, rel=1e-10)
    assert float(sparse.exact_recovery_coefficient(D, x[:, 1])) == pytest.approx(float(erc[1]), rel=1e-12)
    stack = D.expand(4, 20, 40)  # one dictionary per signal gives the same numbers
    assert torch.allclose(sparse.exact_recovery_coefficient(stack, x), erc, rtol=1e-12)
    # orthonormal atoms: D_S^+ d_j = 0 off the support
    assert float(sparse.exact_recovery_coefficient(torch.eye(6, dtype=F64), torch.tensor([1.0, 0, 2, 0, 0, 0]))) == 0.0


def test_erc_below_one_means_omp_recovers():
    # Tropp 2004, Thm 3.1: ERC(S) < 1 => OMP recovers every code on S
    r = sparse.erc_experiment(30, 15, 2, 60, seed=3)
    assert int(r["covered"].sum()) > 10
    assert bool(r["omp"][r["covered"]].all())
    assert r["erc"].shape == r["omp"].shape == r["thresholding"].shape == (60,)


def test_clopper_pearson_against_scipy_binomtest():
    from scipy.stats import binomtest

    for k, n in ((0, 10), (3, 10), (10, 10), (148, 150), (35, 150)):
        lo, hi = sparse.clopper_pearson(k, n, 0.95)
        ci = binomtest(k, n).proportion_ci(confidence_level=0.90, method="exact")  # two 5 % tails
        assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)
    assert sparse.clopper_pearson(0, 5)[0] == 0.0 and sparse.clopper_pearson(5, 5)[1] == 1.0
    assert_rejects(sparse.clopper_pearson, "k", 11, 10)
    assert_rejects(sparse.clopper_pearson, "confidence", 1, 10, 1.0)


def test_transition_test_points_follow_s_star_and_counts_match_recovery():
    r = sparse.transition_test(20, 10, 4.2, 3, shift=2.5, window=1.0, seed=6)
    assert [r[p]["s"] for p in ("below", "inner_below", "inner_above", "above")] == [1, 3, 6, 7]
    ref = sparse.recovery_experiment(20, 10, np.array([1, 3, 6, 7]), 3, seed=6, methods=("l1",), amplitudes="sign")
    assert [r[p]["k"] for p in r] == ref["success"]["l1"].sum(1).tolist()
    for p in r.values():
        assert (p["lower"], p["upper"]) == sparse.clopper_pearson(p["k"], 3)
    assert_rejects(sparse.transition_test, "s_star", 20, 10, 2.0, 3)  # s* - 3 < 1
    assert_rejects(sparse.transition_test, "window", 20, 10, 5.0, 3, window=4.0)


def test_loglog_slope_of_a_power_law_and_bad_input():
    k = np.arange(1, 101)
    assert sparse.loglog_slope(k, 3.0 / k**1.7, (10, 100)) == pytest.approx(-1.7, abs=1e-12)
    assert_rejects(sparse.loglog_slope, "gap", k, np.ones(5), (1, 5))
    assert_rejects(sparse.loglog_slope, "k_range", k, 1.0 / k, (50, 50))
    assert_rejects(sparse.loglog_slope, "gap", k, -1.0 / k, (1, 100))


def test_uniform_spectrum_problem_and_the_exact_ista_gap():
    D, x_star, y = sparse.uniform_spectrum_problem(60, 1e-4, seed=2)
    lam, V = torch.linalg.eigh(D.T @ D)
    assert float(lam.max()) == pytest.approx(1.0, rel=1e-10) and float(lam.min()) == pytest.approx(1e-4, rel=1e-8)
    assert torch.allclose(y, D @ x_star)
    c2 = (V.T @ x_star) ** 2
    assert float((lam * c2).sum()) == pytest.approx(1.0, rel=1e-10)  # F(0) = ½‖y‖² = ½
    # ISTA with beta = 0 is gradient descent: gap_k = ½ Σ λ c² (1 − λ)^{2k} exactly
    _, F = sparse.ista(D, y, 0.0, 30, L=1.0, history=True)
    for k in (1, 5, 30):
        assert float(F[k]) == pytest.approx(0.5 * float((lam * c2 * (1 - lam) ** (2 * k)).sum()), rel=1e-8)
    assert_rejects(sparse.uniform_spectrum_problem, "lam_min", 10, 0.0)
    assert_rejects(sparse.uniform_spectrum_problem, "n", 1)


def test_rate_experiment_slopes():
    r = sparse.rate_experiment(n=120, n_iter=60, k_range=(10, 60), lam_min=1e-5, seed=1)
    assert r["gap_ista"].shape == r["gap_fista"].shape == (60,)
    assert r["slope_ista"] == pytest.approx(r["theory_slope_ista"], abs=0.02)  # ISTA: 1/(2(2k+1))
    assert -2.3 < r["slope_fista"] < -1.6
    assert np.all(r["gap_fista"][9:] < r["gap_ista"][9:])


# ----------------------------------------------------------------------------- ReLU = layered thresholding
def test_layered_thresholding_equals_relu_network():
    D1, D2 = sparse.two_layer_dictionaries(8)
    g = torch.Generator().manual_seed(1)
    b1, b2 = torch.rand(16, generator=g, dtype=F64), torch.rand(15, generator=g, dtype=F64)
    X = torch.randn(8, 10, generator=g, dtype=F64)
    net = sparse.relu_network([D1, D2], [b1, b2])
    with torch.no_grad():
        out = net(X.T).T
    G1, G2 = sparse.layered_thresholding(X, [D1, D2], [b1[:, None], b2[:, None]])
    assert torch.allclose(out, G2, atol=1e-13)
    assert torch.equal(sparse.layered_thresholding(X, [D1, D2], [b1, b2])[1], G2)  # (n_i,) = one per atom
    assert torch.allclose(G1, torch.relu(D1.T @ X - b1[:, None]), atol=1e-14)
    signed = sparse.layered_thresholding(X[:, 0], [D1], [0.3], nonneg=False)[0]
    assert torch.allclose(signed, sparse.soft_threshold(D1.T @ X[:, 0], 0.3))


def test_multilayer_experiment_small():
    r = sparse.multilayer_experiment([1.0, 0.1], 4, m=64, sparsity=2, seed=0)
    assert r["bp_success"].shape == r["thresholding_success"].shape == (2, 4)
    assert r["max_layer1_nonzeros"] <= 4
    assert bool(r["bp_success"].all())  # guaranteed: ‖Γ1‖0 ≤ 4 < ½(1 + 8) and D2 has full column rank
    assert bool(r["thresholding_success"][0].all()) and not bool(r["thresholding_success"][1].any())
    # thresholding success means the supports of layered thresholding are right
    G2_thr = r["Gamma2_thresholding"][:, :4]
    assert torch.equal(G2_thr > 0, r["Gamma2"][:, :4] > 0)


# ----------------------------------------------------------------------------- widgets and exercises
def test_widget_beta_slider_moves():
    ui = WIDGETS["04 sparse coding"]()
    ui.controls["beta"].value = 0.15
    z = ui.trace_data(1, "x")
    assert np.allclose(ui.trace_data(1), sparse.soft_threshold(torch.as_tensor(z), 0.15).numpy())
    assert np.allclose(ui.trace_data(2), np.maximum(z - 0.15, 0))
    k = int(np.abs(ui.state["betas"] - 0.15).argmin())
    assert np.allclose(ui.trace_data(4), ui.state["codes"][:, k])
    nz_small = np.count_nonzero(ui.trace_data(4))
    assert nz_small > 0  # the default grid's small betas keep part of the support
    ui.controls["beta"].value = 0.6
    assert np.count_nonzero(ui.trace_data(4)) <= nz_small  # larger beta, sparser code
    assert "β = 0.60" in ui.figure.layout.title.text
    assert measure_latency(ui, max_values=4)["moves"] > 0


def test_widget_sparsity_slider_moves():
    res = sparse.recovery_experiment(20, 10, np.arange(1, 6), 2, seed=3)
    ui = sparse.build_sparse_coding_widget(res, betas=[0.0, 0.5, 1.0], n_iter=20)
    b = ui.state["traces"]["recovery"] + 3  # after the three rate curves
    ui.controls["sparsity"].value = 4
    assert list(ui.trace_data(b, "x")) == [4, 4]  # the marker line follows the slider
    assert np.allclose(ui.trace_data(b + 1), res["x"][:, 3 * 2].numpy())  # first trial of the s = 4 cell
    assert np.allclose(ui.trace_data(b + 2), res["x_hat"]["l1"][:, 3 * 2].numpy())
    assert "s = 4" in ui.figure.layout.title.text


def test_lecture_figures_draw_the_given_numbers():
    z = torch.linspace(-2, 2, 17, dtype=F64)
    betas = torch.tensor([0.0, 0.5, 1.0], dtype=F64)
    x_prox = sparse.soft_threshold(z[None, :], betas[:, None])
    fig = sparse.widget.prox_figure(z, betas, x_prox, x_prox, every=4)
    assert len(fig.data) == 2 * 2 + 1 and np.allclose(fig.data[2].y, x_prox[2].numpy())
    assert np.allclose(fig.data[-1].y, np.maximum(z.numpy() - 1, 0))
    rates = {"l1": np.array([1.0, 0.5]), "omp": np.array([1.0, 0.0])}
    fig = sparse.widget.recovery_figure(np.array([1, 2]), rates, 1.5, 1.6, 1.2, n=10, m=5)
    assert [tr.name for tr in fig.data] == ["ℓ1 (basis pursuit, LP)", "OMP"] and len(fig.layout.shapes) == 2
    fig = sparse.widget.phase_diagram_figure([0.3, 0.6], [0.1, 0.5, 0.9], np.arange(6.0).reshape(2, 3))
    assert np.array_equal(np.asarray(fig.data[0].z), np.arange(6.0).reshape(2, 3).T)
    K = 5
    F = torch.linspace(2, 1, K + 1, dtype=F64)[:, None].repeat(1, 2)
    F_ref = torch.full((2,), 0.5, dtype=F64)
    bound = torch.ones(K, 2, dtype=F64)
    fig = sparse.widget.convergence_figure(F, F, F_ref, F_ref - 0.01, bound, bound)
    assert np.allclose(fig.data[0].y, (F[1:, 0] - 0.5).numpy()) and list(fig.data[2].x) == [1, 2, 3, 4, 5]
    ok = torch.tensor([[True, True], [True, False]])
    ml = {"contrasts": np.array([1.0, 0.1]), "bp_rate": torch.ones(2, dtype=F64), "layer1_success": ok,
          "thresholding_rate": torch.tensor([1.0, 0.0], dtype=F64)}
    fig = sparse.widget.multilayer_figure(ml)
    assert np.allclose(fig.data[1].y, [1.0, 0.0]) and np.allclose(fig.data[2].y, [1.0, 0.5])


def test_rate_and_recovery_figures_draw_the_given_numbers():
    r = sparse.rate_experiment(n=40, n_iter=20, k_range=(5, 20), lam_min=1e-3)
    fig = sparse.widget.rate_figure(r)
    assert np.allclose(fig.data[0].y, r["gap_ista"]) and np.allclose(fig.data[3].y, 2.0 / r["k"] ** 2)
    tests = {"below": {"s": 1, "k": 3, "n": 4, "lower": 0.4, "upper": 0.99},
             "above": {"s": 2, "k": 1, "n": 4, "lower": 0.01, "upper": 0.7}}
    fig = sparse.widget.recovery_figure(np.array([1, 2]), {"l1": np.array([1.0, 0.5])}, 1.5, 1.6, 1.2, n=10, m=5,
                                        tests=tests)
    assert np.allclose(fig.data[-1].y, [0.75, 0.25]) and np.allclose(fig.data[-1].error_y.array, [0.24, 0.45])


def test_prediction_transition_and_stepped_hints(capsys):
    pred = sparse.prediction_transition(100, 50)
    assert pred.answer == pytest.approx(2 * float(sparse.l1_transition_sparsity(50, 25)), rel=1e-9)
    assert pred.check(pred.answer + 0.5) and not pred.check(pred.answer / 2) and not pred.check(...)
    for ex in (sparse.exercise_soft_threshold(), sparse.exercise_ista_step(), pred):
        assert len(ex.hints) >= 2 and ex.hints[0].rstrip().endswith("?")  # a question first, then the idea
        assert not any("torch." in h or "(" in h.split()[0] for h in ex.hints)  # never the line of code
    capsys.readouterr()
    ex = sparse.exercise_soft_threshold()
    ex.check(lambda z, b: (_ for _ in ()).throw(NotImplementedError()))
    assert "S_β(z) = sign" not in capsys.readouterr().out  # an unattempted stub prints no answer


def test_exercise_solutions_pass_and_wrong_answers_fail():
    ex1 = sparse.exercise_soft_threshold()
    assert ex1.check(lambda z, b: torch.sign(z) * torch.clamp(z.abs() - b, min=0), strict=True)
    assert not ex1.check(lambda z, b: torch.clamp(z - b, min=0))  # ReLU is not S_β
    ex2 = sparse.exercise_ista_step()
    assert ex2.check(lambda x, D, y, b, L: sparse.soft_threshold(x + D.T @ (y - D @ x) / L, b / L), strict=True)
    assert not ex2.check(lambda x, D, y, b, L: sparse.soft_threshold(x + D.T @ (y - D @ x) / L, b))


# ----------------------------------------------------------------------------- bad input


@given(beta=st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_negative_beta_rejected(beta):
    D, _, y = _problem(batch=1)
    assert_rejects(sparse.soft_threshold, "beta", torch.zeros(3), beta)
    assert_rejects(sparse.fista, "beta", D, y, beta, 5)


@given(bad=st.sampled_from([math.nan, math.inf, -math.inf]), i=st.integers(0, 19))
def test_non_finite_signals_rejected(bad, i):
    D, _, y = _problem(batch=2)
    y = y.clone()
    y[i, 0] = bad
    for fn in (lambda: sparse.fista(D, y, 0.1, 3), lambda: sparse.basis_pursuit(D, y), lambda: sparse.omp(D, y, 2)):
        assert_rejects(fn, "y")


@given(m_bad=st.integers(1, 40).filter(lambda v: v != 20))
def test_shape_mismatch_rejected(m_bad):
    D, _, _ = _problem()
    y = torch.zeros(m_bad, 2, dtype=F64)
    for fn in (sparse.ista, sparse.fista):
        assert_rejects(fn, "y", D, y, 0.1, 3)
    assert_rejects(sparse.basis_pursuit, "y", D, y)
    assert_rejects(sparse.omp, "y", D, y, 1)
    assert_rejects(sparse.layered_thresholding, "x", y, [D], [0.1])


@given(j=st.integers(0, 39))
def test_zero_column_rejected(j):
    D, _, y = _problem()
    D = D.clone()
    D[:, j] = 0
    for fn in (lambda: sparse.fista(D, y, 0.1, 3), lambda: sparse.basis_pursuit(D, y),
               lambda: sparse.omp(D, y, 1), lambda: sparse.mutual_coherence(D)):
        err = assert_rejects(fn, "D")
        assert f"column {j}" in str(err)


@given(s=st.one_of(st.integers(max_value=0), st.integers(min_value=21, max_value=500)))
def test_sparsity_out_of_range_rejected(s):
    D, _, y = _problem()
    assert_rejects(sparse.omp, "sparsity", D, y, s)
    assert_rejects(sparse.thresholding, "sparsity", D, y, s)


@given(n=st.integers(1, 50), extra=st.integers(1, 50))
def test_clopper_pearson_rejects_counts_out_of_range(n, extra):
    assert_rejects(sparse.clopper_pearson, "k", n + extra, n)
    assert_rejects(sparse.clopper_pearson, "k", -extra, n)


@given(lam_min=st.one_of(st.floats(max_value=0.0, allow_nan=False), st.floats(min_value=1.0, allow_nan=False),
                         st.just(math.nan)))
def test_uniform_spectrum_problem_rejects_bad_lam_min(lam_min):
    assert_rejects(sparse.uniform_spectrum_problem, "lam_min", 10, lam_min)


@given(n_iter=st.one_of(st.integers(max_value=-1), st.floats(0.5, 10.5), st.just(True)))
def test_bad_n_iter_rejected(n_iter):
    D, _, y = _problem()
    assert_rejects(sparse.fista, "n_iter", D, y, 0.1, n_iter)


def test_other_bad_arguments():
    D, _, y = _problem()
    assert_rejects(sparse.fista, "D", torch.zeros(3), y, 0.1, 3)  # not a matrix
    assert_rejects(sparse.fista, "beta", D, y, torch.tensor([0.1, 0.2]), 3)  # wrong number of betas
    assert_rejects(sparse.fista, "L", D, y, 0.1, 3, L=-1.0)
    assert_rejects(sparse.fista, "x0", D, y, 0.1, 3, x0=torch.zeros(7))
    assert_rejects(sparse.basis_pursuit, "chunk", D, y, chunk=0)
    assert_rejects(sparse.layered_thresholding, "dictionaries[1]", y, [D, D], [0.1, 0.1])  # 40 atoms vs 20 rows
    assert_rejects(sparse.layered_thresholding, "betas", y, [D], [0.1, 0.2])
    assert_rejects(sparse.layered_thresholding, "betas[0]", y, [D], [-1.0])
    assert_rejects(sparse.mutual_coherence, "D", torch.ones(3, 1, dtype=F64))
    assert_rejects(sparse.coherence_sparsity_bound, "mu", torch.tensor(0.0))
    assert_rejects(sparse.l1_statistical_dimension, "rho", 1.5)
    assert_rejects(sparse.l1_transition_curve, "delta", 1.0)
    assert_rejects(sparse.recovery_experiment, "m", 20, 25, 2, 1)
    assert_rejects(sparse.recovery_experiment, "sparsity", 20, 10, 11, 1)
    assert_rejects(sparse.recovery_experiment, "methods", 20, 10, 2, 1, methods=("lasso",))
    assert_rejects(sparse.multilayer_experiment, "contrasts", [0.0, 1.0], 2)
    assert_rejects(sparse.two_layer_dictionaries, "m", 12)
    assert_rejects(sparse.sparse_codes, "amplitudes", 10, [2], amplitudes="uniform")
    assert_rejects(sparse.exact_recovery_coefficient, "x", D, torch.zeros(40, dtype=F64))  # empty support
    assert_rejects(sparse.exact_recovery_coefficient, "x", D, torch.ones(7, dtype=F64))
    with pytest.raises(ValueError, match="y"):  # an infeasible nonnegative system
        sparse.basis_pursuit(torch.eye(2, dtype=F64), torch.tensor([1.0, -1.0], dtype=F64), nonneg=True)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(4, 40), ratio=st.floats(0.5, 4.0), frac=st.floats(0.01, 0.95))
def test_one_signal_lean_path_certifies_and_agrees_with_the_torch_path(seed, m, ratio, frac):
    """One signal on the CPU takes the NumPy path (solver._lasso_one); two signals take the torch loop."""
    n = max(2, int(m * ratio))
    D = sparse.gaussian_dictionary(m, n, seed=seed)
    y = D @ sparse.sparse_codes(n, [max(1, m // 5)], seed=seed + 1)[:, 0] + 0.05 * torch.randn(
        m, generator=torch.Generator().manual_seed(seed), dtype=F64)
    beta = frac * float((D.T @ y).abs().max())
    one = sparse.lasso(D, y, beta, tol=1e-10)
    two = sparse.lasso(D, torch.stack([y, y], 1), beta, tol=1e-10)
    y2 = float(y @ y)
    gap = float(sparse.lasso_duality_gap(D, y, one.x, beta))
    assert bool(one.converged) and gap <= 1e-10 * y2 + 1e-14 * y2
    assert abs(float(one.gap) - gap) <= 1e-13 * y2  # the reported gap is the certificate
    diff = abs(float(sparse.lasso_objective(D, y, one.x, beta) - sparse.lasso_objective(D, y, two.x[:, 0], beta)))
    assert diff <= float(one.gap) + float(two.gap[0]) + 1e-14 * y2
    assert one.n_iter.ndim == 0 and int(one.n_iter) + int(one.n_newton) >= int(one.n_rounds)


def test_one_signal_hands_over_to_the_general_loop(monkeypatch):
    """When the lean path's Newton method cycles (here: forced) or the tolerance is below rounding, the torch loop
    starts afresh and finishes, and duplicated atoms (singular G_AA) still certify."""
    from course_lib.sparse import solver

    D, Y, beta = sparse.lasso_problems(40, 80, 1, seed=8)
    y = Y[:, 0]
    ref = sparse.lasso(D, y, beta, tol=1e-10)
    monkeypatch.setattr(solver, "_pdas_one", lambda Gw, cw, x, b, max_newton=8: (None, 1))
    r = sparse.lasso(D, y, beta, tol=1e-10)
    assert bool(r.converged) and int(r.n_rounds) >= 2  # one lean round handed over, the torch loop finished
    assert abs(float(sparse.lasso_objective(D, y, r.x, beta) - sparse.lasso_objective(D, y, ref.x, beta))) <= \
        float(r.gap + ref.gap) + 1e-14 * float(y @ y)
    monkeypatch.undo()
    Dd = torch.cat([D, D[:, :5]], 1)
    rd = sparse.lasso(Dd, y, beta)
    assert float(sparse.lasso_duality_gap(Dd, y, rd.x, beta)) <= 1e-8 * float(y @ y)
    D32, y32 = D.float(), y.float()
    with pytest.warns(RuntimeWarning, match="max_iter"):  # 1e-14 is below float32's rounding: it says so
        r32 = sparse.lasso(D32, y32, beta, tol=1e-14, max_iter=200)
    assert r32.x.dtype == torch.float32 and not bool(r32.converged)
    ok32 = sparse.lasso(D32, y32, beta, tol=1e-5)
    assert bool(ok32.converged)
    assert torch.allclose(ok32.x.double(), ref.x, atol=1e-4)
