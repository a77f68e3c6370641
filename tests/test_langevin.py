import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from course_lib import langevin
from course_lib.core.device import generator
from course_lib.core.validate import Diverged
from tests.helpers import assert_rejects


def quad_grad(x):
    return x  # U = x^2 / 2 (an OU process)


def quad(x):
    return 0.5 * (x**2).sum(1)


# --- potentials ---------------------------------------------------------------------------
@pytest.mark.parametrize("U, grad, dim", [(langevin.double_well, langevin.double_well_grad, 1),
                                          (langevin.banana, langevin.banana_grad, 2),
                                          (langevin.tilted_double_well, langevin.tilted_double_well_grad, 1)])
def test_gradients_match_autograd(U, grad, dim):
    x = torch.randn(7, dim, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_()
    (auto,) = torch.autograd.grad(U(x).sum(), x)
    assert torch.allclose(grad(x.detach()), auto, atol=1e-12)


# --- Gibbs density and KS ----------------------------------------------------------------------
def test_gibbs_density_of_quadratic_is_gaussian():
    grid = torch.linspace(-8, 8, 4001, dtype=torch.float64)
    p = langevin.gibbs_density(quad, 2.5, grid)
    ref = stats.norm(scale=1 / math.sqrt(2.5)).pdf(grid.numpy())
    assert np.max(np.abs(p.numpy() - ref)) < 1e-6


def test_gibbs_density_batched_and_2d_separable():
    g = torch.linspace(-3, 3, 301, dtype=torch.float64)
    betas = torch.tensor([0.5, 2.0], dtype=torch.float64)
    pb = langevin.gibbs_density(langevin.double_well, betas, g)
    assert pb.shape == (2, 301)
    assert torch.allclose(pb[1], langevin.gibbs_density(langevin.double_well, 2.0, g))
    # U(x, y) = x^2/2 + y^2/2 factorizes: the 2-D density is the product of 1-D ones
    p2 = langevin.gibbs_density(quad, 1.0, (g, g))
    p1 = langevin.gibbs_density(quad, 1.0, g)
    assert torch.allclose(p2, p1[:, None] * p1[None, :], atol=1e-8)
    assert torch.trapezoid(torch.trapezoid(p2, g, dim=1), g) == pytest.approx(1.0, abs=1e-10)


def test_ks_distance_matches_scipy_kstest():
    grid = torch.linspace(-8, 8, 8001, dtype=torch.float64)
    p = langevin.gibbs_density(quad, 1.0, grid)
    x = torch.randn(3, 500, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 1.1 + 0.05
    d = langevin.ks_distance(x, grid, p)
    for i in range(3):
        ref = stats.kstest(x[i].numpy(), stats.norm.cdf).statistic
        assert float(d[i]) == pytest.approx(ref, abs=2e-5)
    # a mask keeps a subset of each row
    valid = torch.zeros_like(x, dtype=torch.bool)
    valid[:, :200] = True
    dm = langevin.ks_distance(x, grid, p, valid=valid)
    assert float(dm[0]) == pytest.approx(stats.kstest(x[0, :200].numpy(), stats.norm.cdf).statistic, abs=2e-5)


def test_ks_critical_is_kolmogorov_quantile():
    assert langevin.ks_critical(10_000, 0.001) == pytest.approx(stats.kstwo.isf(0.001, 10_000))
    assert langevin.ks_critical(10_000, 0.001) == pytest.approx(math.sqrt(math.log(2 / 0.001) / 2) / 100, rel=0.01)


# --- the sampler --------------------------------------------------------------------------------
def test_gibbs_limit_statistical():
    """4,000 independent chains on the double well at beta = 2 against exp(-2U)/Z.

    Tolerance: the chains share nothing, so their final states are N = 4,000 independent draws
    (effective sample size = N). For exact Gibbs draws P(KS > kstwo.isf(0.001, N)) = 0.001
    (critical value ~ 1.95/sqrt(N) = 0.031); the O(eta) Euler bias at eta = 0.01 is ~0.006
    (measured with 20,000 chains), well inside. Started symmetric (uniform on [-2, 2]) and run for
    time 10, so within-well relaxation (rate U''(1) = 8) is complete.
    """
    n = 4000
    x0 = torch.rand(n, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 4 - 2
    x = langevin.sgld(langevin.double_well_grad, x0, 0.01, 2.0, 1000, seed=11)
    grid = torch.linspace(-3, 3, 3001, dtype=torch.float64)
    crit = langevin.ks_critical(n, 0.001)
    assert float(langevin.ks_distance(x[:, 0], grid, langevin.gibbs_density(langevin.double_well, 2.0, grid))) <= crit
    # power: the sqrt(eta/beta) trap samples exp(-2 beta U); the same test must reject it
    trap = langevin.sgld(langevin.double_well_grad, x0, 0.01, 4.0, 1000, seed=11)  # = noise sqrt(eta/2)
    assert float(langevin.ks_distance(trap[:, 0], grid, langevin.gibbs_density(langevin.double_well, 2.0, grid))) > crit


def test_per_chain_beta_matches_euler_maruyama_ou_variance():
    # On U = x^2/2 the chain is x' = (1-eta) x + sqrt(2 eta/beta) z: stationary variance 2/(beta (2-eta))
    n, eta = 20_000, 0.2
    beta = torch.tensor([0.5, 4.0], dtype=torch.float64).repeat_interleave(n)
    x = langevin.sgld(quad_grad, torch.zeros(2 * n, 1, dtype=torch.float64), eta, beta, 100, seed=3)
    for i, b in enumerate([0.5, 4.0]):
        var = float(x[i * n:(i + 1) * n].var())
        exact = 2 / (b * (2 - eta))
        assert abs(var - exact) <= 5 * exact * math.sqrt(2 / n)  # 5 standard errors of a Gaussian variance


def test_trace_shape_and_seed_determinism():
    x0 = torch.zeros(5, 1, dtype=torch.float64)
    tr = langevin.sgld(langevin.double_well_grad, x0, 0.01, 1.0, 20, seed=4, return_trace=True)
    assert tr.shape == (21, 5, 1) and torch.equal(tr[0], x0)
    again = langevin.sgld(langevin.double_well_grad, x0, 0.01, 1.0, 20, seed=4)
    assert torch.equal(tr[-1], again)


def test_divergence_is_reported_never_nan():
    x0 = torch.full((50, 1), 1.0, dtype=torch.float64)
    with pytest.raises(Diverged, match="step_size"):
        langevin.sgld(langevin.double_well_grad, x0, 0.5, 2.0, 100)
    run = langevin.sgld_run(langevin.double_well_grad, x0, 0.5, 2.0, 100, return_trace=True)
    assert run.fraction_diverged == 1.0
    assert bool(torch.isfinite(run.x).all()) and bool(torch.isfinite(run.trace).all())
    assert bool((run.diverged_at > 0).all())


def test_gradient_descent_stays_on_the_saddle():
    w = langevin.gradient_descent(langevin.banana_grad, torch.tensor([[0.0, 1.0]], dtype=torch.float64), 0.02, 500)
    assert float(w.norm()) < 1e-6


# --- metastability ------------------------------------------------------------------------------
def test_transition_counts_match_a_recount_of_the_trace():
    x0 = torch.full((6, 1), -1.0, dtype=torch.float64)
    counts, _ = langevin.transition_counts(langevin.double_well_grad, x0, 0.02, 1.5, 1500, seed=8)
    tr = langevin.sgld(langevin.double_well_grad, x0, 0.02, 1.5, 1500, seed=8, return_trace=True)[:, :, 0].numpy()
    for c in range(6):
        state, n = -1, 0
        for v in tr[1:, c]:
            new = 1 if v > 0.5 else (-1 if v < -0.5 else state)
            n += new != state
            state = new
        assert counts[c] == n
    assert counts.sum() > 0


def test_mfpt_rate_approaches_kramers_at_large_beta():
    # Kramers is the beta -> infinity limit; corrections are O(1/(beta dU))
    r = [langevin.mfpt_rate(langevin.double_well, b) / langevin.kramers_rate(b) for b in (4.0, 12.0)]
    assert abs(r[1] - 1) < abs(r[0] - 1) and abs(r[1] - 1) < 0.05


# --- bounds ----------------------------------------------------------------------------------------
def test_stability_bound_closed_form():
    e = np.full(100, 0.1)
    b = langevin.stability_bound(e, beta=10.0, n=50, L=0.5, C=2.0)  # eta beta L^2 = 0.25 < 1: k0 = 1
    assert b[-1] == pytest.approx(2.0 / 50 * (1 + 0.5 * math.sqrt(10.0 * 0.1 * 99)))
    big = langevin.stability_bound(e, beta=1000.0, n=50, L=0.5)  # never small: k0 = N, bound = k/n
    assert np.allclose(big, np.arange(1, 101) / 50)


def test_pac_bayes_bound_closed_form():
    e, g = np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 0.25])
    lam, beta, n, delta = 0.5, 8.0, 100, 0.05
    T = np.cumsum(e)
    kl = beta / 4 * np.sum(e * g * np.exp(-lam * (T[-1] - T) / 2))
    expect = math.sqrt((kl + math.log(2 * math.sqrt(n) / delta)) / (2 * n))
    assert langevin.pac_bayes_bound(e, g, beta, lam, n, delta=delta)[-1] == pytest.approx(expect)


def test_sigmoid_loss_sgld_gradient_energy_matches_autograd():
    X = torch.randn(40, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y = torch.where(X[:, 0] > 0, 1.0, -1.0).double()
    out = langevin.sigmoid_loss_sgld(X, y, X, y, 0.1, 50.0, 0.1, 1, n_chains=4, record_every=1, seed=9)
    w0 = torch.randn(4, 5, generator=generator(9), dtype=torch.float64) / math.sqrt(0.1 * 50.0)
    w0.requires_grad_()
    F = torch.sigmoid(-(w0 @ (X * y[:, None]).T)).mean(1).sum()
    (g,) = torch.autograd.grad(F, w0)
    assert out["grad_sq"][0] == pytest.approx(float((g**2).sum(1).mean()), rel=1e-10)
    assert out["gap"][0] == pytest.approx(0.0, abs=1e-12)  # same train and test set


# --- widget ----------------------------------------------------------------------------------------
def test_widget_moves_update_the_figure():
    G = langevin.stationary_grid(betas=(1.0, 3.0), etas=(0.01, 0.5), n_chains=300, sim_time=1.0, seed=1)
    ui = langevin.build_gibbs_widget(G)
    assert np.allclose(ui.trace_data(1), G.gibbs[0]) and np.allclose(ui.trace_data(0), G.hist[0, 0])
    ui.controls["beta"].value = 1
    assert np.allclose(ui.trace_data(1), G.gibbs[1]) and np.allclose(ui.trace_data(0), G.hist[1, 0])
    assert np.isfinite(G.ks[1, 0]) and f"{G.ks[1, 0]:.3f}" in ui.figure.layout.title.text
    ui.controls["eta"].value = 1  # eta = 0.5: every chain diverges, shown as such, no NaN
    assert G.diverged[1, 1] == 1.0
    assert "diverged" in ui.figure.layout.title.text and np.all(ui.trace_data(0) == 0)


# --- exercises -------------------------------------------------------------------------------------
def test_exercises_accept_solution_and_catch_the_noise_trap(capsys):
    ex = langevin.exercise_sgld_step()
    assert ex.check(lambda x, g, eta, beta, z: x - eta * g + math.sqrt(2 * eta / beta) * z, strict=True)
    assert not ex.check(lambda x, g, eta, beta, z: x - eta * g + math.sqrt(eta / beta) * z)
    assert "exp(-2 beta U)" in capsys.readouterr().out
    ex2 = langevin.exercise_gibbs_normalizer()
    assert ex2.check(lambda U, beta, grid: float(torch.trapezoid(torch.exp(-beta * U(grid)), grid)), strict=True)
    assert not ex2.check(lambda U, beta, grid: float(torch.exp(-beta * U(grid)).sum()))
    assert "grid spacing" in capsys.readouterr().out


# --- bad input ---------------------------------------------------------------------------------------
X0 = torch.zeros(3, 1, dtype=torch.float64)


@given(st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf)))
def test_rejects_bad_step_size(eta):
    assert_rejects(langevin.sgld, "step_size", quad_grad, X0, eta, 1.0, 5)


@given(st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(-math.inf)))
def test_rejects_bad_beta(beta):
    assert_rejects(langevin.sgld, "beta", quad_grad, X0, 0.1, beta, 5)
    assert_rejects(langevin.gibbs_density, "beta", langevin.double_well, beta, torch.linspace(-1, 1, 5))


@given(st.integers(max_value=0))
def test_rejects_bad_n_steps(n):
    assert_rejects(langevin.sgld, "n_steps", quad_grad, X0, 0.1, 1.0, n)


@given(st.sampled_from([torch.zeros(3), torch.zeros(2, 2, 2), torch.tensor([[math.nan]]), "x"]))
def test_rejects_bad_x0(x0):
    assert_rejects(langevin.sgld, "x0", quad_grad, x0, 0.1, 1.0, 5)


def test_rejects_other_bad_arguments():
    assert_rejects(langevin.sgld, "grad_U", "not callable", X0, 0.1, 1.0, 5)
    assert_rejects(langevin.sgld, "grad_U", lambda x: x[:, :0], X0, 0.1, 1.0, 5)
    assert_rejects(langevin.sgld, "step_size", quad_grad, X0, torch.tensor([0.1, 0.1]), 1.0, 5)
    assert_rejects(langevin.sgld, "beta", quad_grad, X0, 0.1, torch.tensor([1.0, -1.0, 1.0]), 5)
    assert_rejects(langevin.gibbs_density, "grid", langevin.double_well, 1.0, torch.tensor([0.0, 0.0, 1.0]))
    assert_rejects(langevin.ks_distance, "density", torch.zeros(10), torch.linspace(0, 1, 5), torch.ones(4))
    assert_rejects(langevin.ks_critical, "alpha", 10, 1.5)
    assert_rejects(langevin.stability_bound, "step_sizes", [0.1, -0.1], 1.0, 10, 1.0)
    assert_rejects(langevin.pac_bayes_bound, "grad_sq", [0.1, 0.1], [1.0], 1.0, 0.1, 10)
    assert_rejects(langevin.pac_bayes_bound, "delta", [0.1], [1.0], 1.0, 0.1, 10, delta=0.0)
    assert_rejects(langevin.double_well, "x", torch.zeros(3, 2))
    assert_rejects(langevin.build_gibbs_widget, "grid", "nope")
    X = torch.zeros(4, 2, dtype=torch.float64)
    assert_rejects(langevin.sigmoid_loss_sgld, "y_train", X, torch.tensor([1.0, 0.0, 1.0, -1.0]), X,
                   torch.ones(4), 0.1, 1.0, 0.1, 2)


# --- fast paths the lecture uses (no scipy.stats / scikit-learn import) ----------------------------
def test_ks_critical_table_matches_scipy():
    for (n, alpha), value in langevin.kernels._KS_CRITICAL_TABLE.items():
        assert value == pytest.approx(stats.kstwo.isf(alpha, n), rel=1e-12)
        assert langevin.ks_critical(n, alpha) == value
    assert langevin.ks_critical(123, 0.01) == pytest.approx(stats.kstwo.isf(0.01, 123))  # core.stats


def test_sigmoid_loss_sgld_batched_label_sets_match_autograd_and_single_runs():
    X = torch.randn(40, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y1 = torch.where(X[:, 0] > 0, 1.0, -1.0).double()
    y2 = torch.where(X[:, 1] > 0.3, 1.0, -1.0).double()
    Y = torch.stack([y1, y2])
    outs = langevin.sigmoid_loss_sgld(X, Y, X[:10], Y[:, :10], 0.1, 50.0, 0.1, 30, n_chains=3, record_every=10, seed=9)
    assert isinstance(outs, list) and len(outs) == 2
    w0 = torch.randn(6, 5, generator=generator(9), dtype=torch.float64) / math.sqrt(0.1 * 50.0)
    for i, y in enumerate((y1, y2)):
        w = w0[3 * i:3 * i + 3].clone().requires_grad_()
        F = torch.sigmoid(-(w @ (X * y[:, None]).T)).mean(1).sum()
        (g,) = torch.autograd.grad(F, w)
        assert outs[i]["grad_sq"][0] == pytest.approx(float((g**2).sum(1).mean()), rel=1e-10)
        assert outs[i]["steps"].tolist() == [0, 10, 20, 30] and outs[i]["gap_se"].shape == (4,)
    assert not np.allclose(outs[0]["grad_sq"], outs[1]["grad_sq"])  # each label set has its own chains
    assert_rejects(langevin.sigmoid_loss_sgld, "y_test", X, Y, X[:10], y1[:10], 0.1, 50.0, 0.1, 2)


# -- review fixes: no silent NaN / nonsense ------------------------------------------------
def test_pac_bayes_bound_survives_long_regularised_runs():
    e, g = np.full(20000, 0.1), np.ones(20000)
    b = langevin.pac_bayes_bound(e, g, 1.0, 1.0, 100)
    assert np.isfinite(b).all()
    # the stationary KL of the recursion: beta/4 * eta * g / (1 - exp(-lam eta / 2))
    kl_inf = 0.25 * 0.1 / (1 - np.exp(-0.05))
    assert b[-1] == pytest.approx(np.sqrt((kl_inf + np.log(2 * 10 / 0.05)) / 200), rel=1e-9)


def test_mfpt_rate_rejects_bad_lo_and_unrepresentable_beta():
    assert_rejects(langevin.mfpt_rate, "lo", langevin.double_well, 2.0, lo=1.0)
    assert_rejects(langevin.mfpt_rate, "lo", langevin.double_well, 2.0, lo=float("nan"))
    assert_rejects(langevin.mfpt_rate, "beta", langevin.double_well, 800.0)


def test_ks_distance_rejects_zero_mass_density():
    assert_rejects(langevin.ks_distance, "density", torch.zeros(3), torch.linspace(-1, 1, 5), torch.zeros(5))


def test_gradient_descent_reports_divergence():
    with pytest.raises(Diverged, match="step_size"):
        langevin.gradient_descent(langevin.double_well_grad, [[10.0]], 1.0, 3)


# --- experiments and figures the lecture calls ----------------------------------------------------
def test_arrhenius_fit_recovers_a_line_with_the_weighted_least_squares_se():
    betas = np.array([2.0, 3.0, 4.0, 5.0])
    counts = np.array([400.0, 150.0, 60.0, 20.0])
    rates = np.exp(0.7 - 1.5 * betas)
    slope, se = langevin.arrhenius_fit(betas, rates, counts)
    assert slope == pytest.approx(-1.5, abs=1e-12)
    # weights c_i (Poisson: var log k = 1/c): var(slope) = 1 / sum c_i (beta_i - weighted mean)^2
    mean = np.sum(counts * betas) / counts.sum()
    assert se == pytest.approx(1 / math.sqrt(np.sum(counts * (betas - mean) ** 2)), rel=1e-10)
    assert_rejects(langevin.arrhenius_fit, "counts", betas, rates, [400.0, 0.0, 60.0, 20.0])
    assert_rejects(langevin.arrhenius_fit, "rates", betas, rates[:3], counts)


def test_digits_true_and_random_split_and_features():
    from course_lib.core.data import digits

    Xtr, Ytr, Xte, Yte = langevin.digits_true_and_random(n_train=300, seed=0)
    assert Xtr.shape == (300, 65) and Xte.shape == (1497, 65) and Ytr.shape == (2, 300) and Yte.shape == (2, 1497)
    X = torch.cat([Xtr, Xte])
    assert torch.allclose(X.norm(dim=1), torch.ones(1797, dtype=torch.float64))
    assert bool((X[:, -1] > 0).all())  # the bias feature, before the norm-1 scaling
    Y = torch.cat([Ytr, Yte], 1)
    assert bool(((Y == 1) | (Y == -1)).all())
    # the true labels: digits 5-9 -> +1, 0-4 -> -1
    _, labels = digits()
    assert int((Y[0] == 1).sum()) == int((labels >= 5).sum())
    assert abs(float((Y[0] == Y[1]).double().mean()) - 0.5) < 0.05  # fair coins agree half the time
    again = langevin.digits_true_and_random(n_train=300, seed=0)
    assert torch.equal(again[0], Xtr) and torch.equal(again[1], Ytr)


def test_figures_draw_the_arrays_they_are_given():
    G = langevin.stationary_grid(betas=(1.0, 3.0), etas=(0.01, 0.5), n_chains=300, sim_time=1.0, seed=1)
    fig = langevin.step_size_figure(G, beta=3.0)
    assert np.allclose(fig.data[0].y, G.ks[1][G.diverged[1] < 1]) and np.allclose(fig.data[1].y, G.diverged[1])
    steps = np.array([0, 5, 10])
    run = {"steps": steps, "gap": np.array([0.0, 0.1, 0.2]), "pac": np.arange(10.0), "stab": np.arange(10.0) * 2}
    fig = langevin.bounds_figure({"a": run, "b": run})
    assert len(fig.data) == 5
    assert np.allclose(fig.data[1].y, run["pac"][steps[1:] - 1]) and np.allclose(fig.data[4].y, run["stab"][[4, 9]])
    x = torch.tensor([-1.0, 1.0, 0.5])
    fig = langevin.gibbs_histogram_figure(x, torch.linspace(-2, 2, 5), torch.ones(5), beta=2.0)
    assert fig.data[0].name == "3 SGLD chains" and fig.data[1].name == "Gibbs e^{−2U}/Z"


# --- issue 10: the tilted well, the stable step, the PAC-Bayes terms, minibatch noise -----------------
@pytest.mark.parametrize("tilt", [0.7, -0.4, 0.05])
def test_tilted_well_critical_points_are_the_roots_and_the_global_one_is_lowest(tilt):
    xg, xs, xl = langevin.tilted_well_critical_points(tilt)
    x = torch.tensor([[xg], [xs], [xl]], dtype=torch.float64)
    assert torch.allclose(langevin.tilted_double_well_grad(x, tilt), torch.zeros(3, 1, dtype=torch.float64), atol=1e-9)
    U = langevin.tilted_double_well(x, tilt)
    assert U[0] < U[2] < U[1]  # global minimum below the other one, both below the barrier top
    assert min(xg, xl) < xs < max(xg, xl)
    hess = [float(torch.autograd.functional.hessian(lambda v: langevin.tilted_double_well(v[None], tilt)[0],
                                                    x[i])) for i in range(3)]
    assert hess[0] > 0 and hess[2] > 0 and hess[1] < 0


@given(st.one_of(st.floats(min_value=1.5001, max_value=1e12), st.floats(min_value=-1e12, max_value=-1.5001),
                 st.just(math.nan), st.just(math.inf)))
def test_tilt_outside_the_two_well_range_is_rejected(tilt):
    assert_rejects(langevin.tilted_double_well_grad, "tilt", torch.zeros(2, 1), tilt)
    assert_rejects(langevin.tilted_well_sampling, "tilt", tilt=tilt)


@given(st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf)))
def test_stable_step_threshold_rejects_bad_offset_and_tol(v):
    assert_rejects(langevin.stable_step_threshold, "offset", lambda x: x, [0.0], [0.1, 0.2], offset=v)
    assert_rejects(langevin.stable_step_threshold, "tol", lambda x: x, [0.0], [0.1, 0.2], tol=v)


def test_tilt_rejects_bad_values():
    x = torch.zeros(2, 1)
    for bad in (2.0, math.nan, "a"):
        assert_rejects(langevin.tilted_double_well, "tilt", x, bad)
        assert_rejects(langevin.tilted_double_well_grad, "tilt", x, bad)
        assert_rejects(langevin.tilted_well_critical_points, "tilt", bad)


@pytest.mark.parametrize("k", [8.0, 3.0, 12.5])
def test_stable_step_threshold_is_two_over_curvature_on_a_quadratic(k):
    etas = np.linspace(0.5 / k, 3.5 / k, 61)[1:]  # spacing 0.05/k; 2/k is a grid point's neighbour
    th = langevin.stable_step_threshold(lambda x: k * x, [0.0], etas, n_steps=3000)
    # linear map e <- (1 - eta k) e: stable iff eta < 2/k; the threshold is within one spacing
    assert abs(th.threshold - 2 / k) <= (etas[1] - etas[0])
    assert th.stable[etas < 1.9 / k].all() and not th.stable[etas > 2.1 / k].any()
    assert np.isinf(th.distance[-1])  # e grows like |1 - 3.5|^N: reported as blown up, never NaN


def test_stable_step_threshold_on_the_double_well_and_bad_input():
    th = langevin.stable_step_threshold(langevin.double_well_grad, [1.0], np.round(0.2005 + 0.001 * np.arange(100), 4))
    assert th.threshold == pytest.approx(0.25, abs=1e-12)
    assert np.isfinite(th.distance).all() and 0.1 < th.distance[-1] < 0.2  # the 2-cycle past the threshold
    assert math.isnan(langevin.stable_step_threshold(lambda x: x, [0.0], [0.1, 0.2]).threshold)  # all stable
    assert_rejects(langevin.stable_step_threshold, "etas", lambda x: x, [0.0], [0.2, 0.1])
    assert_rejects(langevin.stable_step_threshold, "etas", lambda x: x, [0.0], [0.0, 0.1])
    assert_rejects(langevin.stable_step_threshold, "grad_U", "no", [0.0], [0.1, 0.2])
    assert_rejects(langevin.stable_step_threshold, "x_star", lambda x: x, [[0.0]], [0.1, 0.2])


def test_tilted_well_gibbs_mass_matches_scipy_quad_and_chains_are_counted():
    from scipy import integrate

    T = langevin.tilted_well_sampling(betas=(0.5, 3.0), n_chains=200, step_size=0.02, sim_time=2.0, seed=1)
    assert T.count.shape == (2,) and T.interval.shape == (2, 2) and T.time == pytest.approx(2.0)
    assert np.all(T.interval[:, 0] <= T.mass) and np.all(T.mass <= T.interval[:, 1])
    for b, m in zip(T.betas, T.gibbs_mass):
        f = lambda x, b=b: math.exp(-b * ((x * x - 1) ** 2 + 0.7 * x))  # noqa: E731
        ref = integrate.quad(f, -5, T.x_saddle)[0] / integrate.quad(f, -5, 5, points=[T.x_saddle])[0]
        assert m == pytest.approx(ref, abs=1e-6)
    assert T.x_global < T.x_saddle < T.x_local
    assert_rejects(langevin.tilted_well_sampling, "betas", betas=(1.0, -1.0))
    assert_rejects(langevin.tilted_well_sampling, "confidence", confidence=1.0)


def test_tilted_well_sampling_matches_gibbs_statistically():
    """1,500 chains per beta, started in the higher well, time 60 (>= 20 relaxation times at beta = 2).
    Tolerance: Wilson interval at 99.9% per beta; the well mass's O(eta) bias at eta = 0.02 was below
    0.002 in a run with 20,000 chains per beta, far inside the interval's half-width (~0.03)."""
    T = langevin.tilted_well_sampling(betas=(0.5, 2.0), n_chains=1500, step_size=0.02, sim_time=60.0,
                                      confidence=0.999, seed=4)
    assert np.all((T.interval[:, 0] <= T.gibbs_mass) & (T.gibbs_mass <= T.interval[:, 1]))


def test_pac_bayes_kl_and_confidence_closed_forms():
    e, g = np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 0.25])
    beta, lam = 8.0, 0.5
    assert np.allclose(langevin.pac_bayes_kl(e, g, beta), np.cumsum(beta / 4 * e * g))
    T = np.cumsum(e)
    decayed = [beta / 4 * np.sum((e * g * np.exp(-lam * (T[k] - T) / 2))[: k + 1]) for k in range(3)]
    assert np.allclose(langevin.pac_bayes_kl(e, g, beta, lam, decay=True), decayed)
    assert langevin.pac_bayes_confidence(100, 0.05) == pytest.approx(math.log(2 * 10 / 0.05))
    # the undecayed bound is the decayed one's upper envelope, and equal when lam = 0
    und = langevin.pac_bayes_bound(e, g, beta, lam, 100, decay=False)
    dec = langevin.pac_bayes_bound(e, g, beta, lam, 100, decay=True)
    assert np.all(und >= dec) and und[0] == pytest.approx(dec[0])
    assert np.allclose(langevin.pac_bayes_bound(e, g, beta, 0.0, 100, decay=True), und)
    assert und[-1] == pytest.approx(math.sqrt((beta / 4 * np.sum(e * g) + math.log(400)) / 200))
    assert_rejects(langevin.pac_bayes_kl, "decay", e, g, beta, lam, decay=1)
    assert_rejects(langevin.pac_bayes_confidence, "n", 0)
    assert_rejects(langevin.pac_bayes_confidence, "delta", 10, 1.5)


def test_sigmoid_loss_sgld_returns_final_weights_and_train_se():
    X = torch.randn(40, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y = torch.where(X[:, 0] > 0, 1.0, -1.0).double()
    out = langevin.sigmoid_loss_sgld(X, y, X[:10], y[:10], 0.1, 50.0, 0.1, 20, n_chains=6, record_every=20, seed=9)
    assert out["w"].shape == (6, 5)
    per_chain = torch.sigmoid(-(out["w"] @ (X * y[:, None]).T)).mean(1)  # train loss of each chain at the end
    assert out["train_loss"][-1] == pytest.approx(float(per_chain.mean()), rel=1e-10)
    assert out["train_se"][-1] == pytest.approx(float(per_chain.std() / math.sqrt(6)), rel=1e-10)


def test_label_gap_difference_uses_one_half_for_random_labels():
    true_run = {"gap": np.array([0.0, 0.01]), "gap_se": np.array([0.0, 0.003]), "train_loss": np.array([0.5, 0.4]),
                "train_se": np.array([0.0, 0.001])}
    rand_run = {"gap": np.array([0.0, 0.5]), "gap_se": np.array([0.0, 0.9]), "train_loss": np.array([0.5, 0.47]),
                "train_se": np.array([0.0, 0.004])}
    d, se = langevin.label_gap_difference(true_run, rand_run)
    assert d == pytest.approx((0.5 - 0.47) - 0.01) and se == pytest.approx(math.hypot(0.003, 0.004))
    assert_rejects(langevin.label_gap_difference, "random_run", true_run, {"gap": 1})
    # the identity behind it: for a fair coin y independent of x, E_y sigma(-y s) = 1/2 for every score s
    s_ = torch.linspace(-20, 20, 101, dtype=torch.float64)
    assert torch.allclose(0.5 * torch.sigmoid(-s_) + 0.5 * torch.sigmoid(s_), torch.full_like(s_, 0.5))


def test_sigmoid_minibatch_noise_matches_the_finite_population_formula():
    gen = torch.Generator().manual_seed(5)
    X = torch.randn(60, 4, dtype=torch.float64, generator=gen)
    y = torch.where(torch.rand(60, generator=gen, dtype=torch.float64) < 0.5, 1.0, -1.0)
    W = torch.randn(3, 4, dtype=torch.float64, generator=gen)
    # exact: per-example gradients' population variance sigma_1^2, and sampling without replacement
    # gives Var(mean of b) = sigma_1^2 (n - b) / (b (n - 1)) (Cochran 1977, eq. 2.8)
    s = torch.sigmoid(-(W @ (X * y[:, None]).T))
    per = (s * (s - 1))[:, :, None] * (X * y[:, None])[None]
    sigma1 = ((per - per.mean(1, keepdim=True)) ** 2).sum(2).mean(1) / 4
    b, m = 6, 20_000
    exact = (sigma1 * (60 - b) / (b * 59)).numpy()
    est = langevin.sigmoid_minibatch_noise(X, y, W, b, n_batches=m, seed=1)
    # a mean of m squared norms: relative sd ~ sqrt(2/m) per coordinate (Gaussian approx.) -> 5% is > 6 sd
    assert np.allclose(est, exact, rtol=0.05)
    assert np.allclose(langevin.sigmoid_minibatch_noise(X, y, W, 60, n_batches=3), 0.0, atol=1e-20)  # b = n
    assert_rejects(langevin.sigmoid_minibatch_noise, "batch_size", X, y, W, 61)
    assert_rejects(langevin.sigmoid_minibatch_noise, "W", X, y, W[:, :3], 5)
    assert_rejects(langevin.sigmoid_minibatch_noise, "y", X, y * 0, W, 5)


def test_prediction_answer_is_two_over_the_curvature_at_the_global_minimum(capsys):
    pred = langevin.prediction_tilted_stable_step()
    xg, _, _ = langevin.tilted_well_critical_points(langevin.TILT)
    u2 = float(torch.autograd.functional.hessian(lambda v: langevin.tilted_double_well(v[None])[0],
                                                 torch.tensor([xg], dtype=torch.float64)))
    assert pred.answer == pytest.approx(2 / u2, rel=1e-9)
    th = langevin.stable_step_threshold(langevin.tilted_double_well_grad, [xg], np.linspace(0.1905, 0.2095, 20))
    assert abs(th.threshold - pred.answer) <= 0.001  # and the measured threshold agrees
    assert not pred.check(...) and not pred.check(0.25) and pred.check(pred.answer, strict=True)
    assert len(pred.hints) == 2 and "0.2" not in " ".join(pred.hints)  # hints do not give the number away
    for ex in (langevin.exercise_sgld_step(), langevin.exercise_gibbs_normalizer()):
        assert len(ex.hints) == 2 and ex.hints[0].rstrip().endswith("?")  # a question first
    out = capsys.readouterr().out
    assert "replace the ..." in out and "off by" in out


def test_new_figures_draw_the_arrays_they_are_given():
    T = langevin.tilted_well_sampling(betas=(0.5, 3.0), n_chains=50, step_size=0.02, sim_time=1.0, seed=1)
    fig = langevin.tilted_well_figure(T)
    assert np.allclose(fig.data[0].y, T.mass) and np.allclose(fig.data[1].y, T.gibbs_mass)
    assert np.allclose(fig.data[0].error_y.array, T.interval[:, 1] - T.mass)
    fig = langevin.bound_terms_figure([(300, "a", 1.0, 6.0), (600, "b", 0.5, 7.0)])
    assert list(fig.data[0].y) == [1.0, 0.5] and list(fig.data[1].y) == [6.0, 7.0]
    assert_rejects(langevin.tilted_well_figure, "T", "nope")
