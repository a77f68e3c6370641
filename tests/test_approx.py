"""Tests for course_lib.approx (lecture 05): kernels against references, the public API, widgets, bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import approx
from course_lib.core.validate import Diverged
from course_lib.ui.widgets import measure_latency
from tests.helpers import assert_rejects

F64 = torch.float64
H = approx.CONSTITUENTS["tanh(a + 2b² − 1)"]


# ----------------------------------------------------------------------------- ridge sums
def test_relu_interpolant_is_numpys_linear_interpolation_and_obeys_its_bound():
    f = lambda x: torch.sin(3 * x) + x**2 / 2  # noqa: E731  (|f''| <= 10)
    x = torch.linspace(-1, 1, 4001, dtype=F64)
    for n in (1, 3, 10, 40):
        knots, coef, c0 = approx.relu_interpolant(f, -1.0, 1.0, n)
        s = approx.relu_ridge_sum(x, knots, coef, c0)
        t = np.linspace(-1, 1, n + 1)
        ref = np.interp(x.numpy(), t, f(torch.as_tensor(t)).numpy())
        assert np.allclose(s.numpy(), ref, atol=1e-12)
        assert knots.shape == coef.shape == (n,)
        assert float((s - f(x)).abs().max()) <= (2 / n) ** 2 * 10 / 8


def test_logan_shepp_n_plus_one_directions_are_exact_and_n_are_not():
    for deg in (2, 3, 4):
        r = approx.logan_shepp_experiment(deg, seed=deg)["residual"]
        assert float(r[deg]) < 1e-10 and float(r[deg - 1]) > 1e-4  # M = deg + 1 exact, M = deg not
    d = approx.ridge_directions(4)
    assert torch.allclose(d.norm(dim=1), torch.ones(4, dtype=F64))
    assert torch.allclose(d[1], torch.tensor([math.cos(math.pi / 4), math.sin(math.pi / 4)], dtype=F64))


def test_ridge_polynomial_fit_matches_numpy_lstsq():
    g = torch.Generator().manual_seed(0)
    X = 2 * torch.rand(200, 2, generator=g, dtype=F64) - 1
    y = torch.exp(X[:, 0]) * torch.cos(2 * X[:, 1])
    fitted, res = approx.ridge_polynomial_fit(X, y, 3, 4)
    T = (X @ approx.ridge_directions(3).T).numpy()
    A = np.concatenate([np.ones((200, 1))] + [T[:, [j]] ** p for j in range(3) for p in range(1, 5)], 1)
    coef, *_ = np.linalg.lstsq(A, y.numpy(), rcond=None)
    assert np.allclose(fitted.numpy(), A @ coef, atol=1e-10)
    assert res == pytest.approx(np.linalg.norm(y.numpy() - A @ coef) / np.linalg.norm(y.numpy()), rel=1e-8)


# ----------------------------------------------------------------------------- the curse
def test_random_field_covariance_is_the_matern_kernel():
    from scipy.special import gamma, kv

    ell, nu = 1.5, 1.5
    pts = torch.tensor([[0.0, 0.0], [0.5, 0.0], [0.6, 0.8], [-1.5, 1.0]], dtype=F64)
    f = approx.random_field(pts, nu=nu, lengthscale=ell, n_features=64, n_fields=20000, seed=1)  # (S, 4)
    emp = (f[:, :1] * f[:, 1:]).mean(0)
    r = (pts[1:] - pts[0]).norm(dim=1).numpy()
    z = math.sqrt(2 * nu) * r / ell
    ref = 2 ** (1 - nu) / gamma(nu) * z**nu * kv(nu, z)  # the Matern-nu kernel
    assert np.allclose(emp.numpy(), ref, atol=0.04)  # ~4 standard errors of a mean of 20,000 products
    assert float(f.var()) == pytest.approx(1.0, abs=0.05)


def test_random_feature_errors_match_a_direct_ridge_solve():
    g = torch.Generator().manual_seed(2)
    X, Xt = 2 * torch.rand(300, 3, generator=g, dtype=F64) - 1, 2 * torch.rand(100, 3, generator=g, dtype=F64) - 1
    y = approx.random_field(torch.cat([X, Xt]), n_fields=2, seed=3)
    errs = approx.random_feature_errors(X, y[:, :300], Xt, y[:, 300:], [5, 20], ridge=1e-4, seed=4)
    U, b = approx.random_ridge_units(2, 3, 20, seed=4)
    def feats(Z, s, m):
        relu = np.maximum(Z.numpy() @ U[s].numpy() + b[s].numpy(), 0)
        return np.concatenate([np.ones((Z.shape[0], 1)), relu], 1)[:, : m + 1]

    for s in range(2):
        for j, m in enumerate((5, 20)):
            P, Pt = feats(X, s, m), feats(Xt, s, m)
            c = np.linalg.solve(P.T @ P + 1e-4 * 300 * np.eye(m + 1), P.T @ y[s, :300].numpy())
            assert float(errs[s, j]) == pytest.approx(np.mean((Pt @ c - y[s, 300:].numpy()) ** 2), rel=1e-8)


def test_loglog_slope_recovers_a_power_law_and_the_curse_experiment_shapes():
    N = torch.tensor([4.0, 8, 16, 32], dtype=F64)
    assert float(approx.loglog_slope(N, 3 * N**-0.7)) == pytest.approx(-0.7, abs=1e-12)
    c = approx.curse_experiment(dims=(2, 3), units=(4, 8, 16), n_fields=2, n_train=200, n_test=100)
    assert c["rmse"].shape == (2, 2, 3) and c["slope"].shape == (2, 2)


# ----------------------------------------------------------------------------- compositional functions
def test_compositional_function_is_the_binary_tree_of_the_paper():
    X = 2 * torch.rand(50, 8, generator=torch.Generator().manual_seed(0), dtype=F64) - 1
    x = [X[:, i] for i in range(8)]
    ref = H(H(H(x[0], x[1]), H(x[2], x[3])), H(H(x[4], x[5]), H(x[6], x[7])))
    assert torch.allclose(approx.compositional_function(H)(X), ref)
    order = approx.MISMATCHED_ORDER
    ref2 = H(H(H(x[0], x[2]), H(x[4], x[6])), H(H(x[1], x[3]), H(x[5], x[7])))
    assert torch.allclose(approx.compositional_function(H, order=order)(X), ref2)
    f4 = approx.compositional_function(lambda a, b: a - b, 4)
    assert torch.allclose(f4(X[:, :4]), (X[:, 0] - X[:, 1]) - (X[:, 2] - X[:, 3]))


def test_compositional_function_rejects_bad_input():
    assert_rejects(approx.compositional_function, "h", 3)
    assert_rejects(approx.compositional_function, "n_inputs", H, 6)
    assert_rejects(approx.compositional_function, "order", H, 8, order=[0, 1, 2])
    f = approx.compositional_function(H)
    assert_rejects(f, "X", torch.zeros(5, 7))
    assert_rejects(approx.compositional_function(lambda a, b: a[:, :1]), "h", torch.zeros(3, 8))


# ----------------------------------------------------------------------------- nets
def _node_outputs(net, X, levels):
    """Outputs of the tree net's nodes after ``levels`` levels: (n, nodes)."""
    Hh = X
    for W, b, M, u, act in list(zip(net.weights, net.biases, net.masks, net.units, net.acts))[: 2 * levels]:
        Hh = Hh @ (W[0] * M[0]) + (b * u)[0]
        Hh = torch.relu(Hh) if act else Hh
    return Hh


def test_tree_net_connectivity_mirrors_the_tree():
    net = approx.tree_net(3, seed=1, dtype=F64)
    X = 2 * torch.rand(20, 8, generator=torch.Generator().manual_seed(1), dtype=F64) - 1
    for level in (1, 2, 3):
        J = torch.autograd.functional.jacobian(lambda Z, lv=level: _node_outputs(net, Z, lv).sum(0), X)  # (nodes, n, 8)
        touched = J.abs().sum(1) > 0  # (nodes, 8): which inputs each node's output depends on
        width = 2**level
        for j in range(touched.shape[0]):
            inside = torch.zeros(8, dtype=torch.bool)
            inside[j * width:(j + 1) * width] = True
            assert not touched[j][~inside].any(), f"level {level}, node {j} depends on inputs outside its subtree"
            assert touched[j][inside].any()


def test_parameter_counts_closed_forms_and_masks():
    for k in (1, 4, 8, 16):
        assert approx.count_parameters(approx.tree_net(k)) == 7 * (4 * k + 1)
        assert approx.count_parameters(approx.tree_net(k, 16)) == 15 * (4 * k + 1)
        full = sum(p.numel() for p in approx.tree_net(k).parameters())
        assert full > 7 * (4 * k + 1)  # the masked weights exist as zeros but are not parameters
    assert approx.count_parameters(approx.shallow_net(23)) == 231
    assert approx.count_parameters(approx.dense_net([11, 11])) == 8 * 11 + 11 + 11 * 11 + 11 + 11 + 1
    seq = torch.nn.Sequential(torch.nn.Linear(8, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
    assert approx.count_parameters(seq) == 8 * 5 + 5 + 5 + 1
    ens = approx.ensemble([approx.tree_net(2), approx.tree_net(8), approx.tree_net(5)])
    assert approx.member_parameters(ens).tolist() == [63, 231, 147]
    assert_rejects(approx.count_parameters, "model", ens)
    assert approx.matched_width(lambda w: approx.shallow_net(w), 231) == 23


def test_tree_net_initialises_each_unit_by_its_effective_fan_in():
    net = approx.tree_net(64, seed=0, dtype=F64)
    for W, M, act in zip(net.weights, net.masks, net.acts):
        fan = M[0].sum(0)  # effective fan-in of each unit
        W = W[0].detach()
        assert torch.equal(W[M[0] == 0], torch.zeros_like(W[M[0] == 0]))
        bound = torch.sqrt(3 * (2.0 if act else 1.0) / fan)
        assert bool((W.abs() <= bound).all())
        var = (W**2).sum(0) / fan  # per unit; pooled over units it should be gain / fan_in
        target = (2.0 if act else 1.0) / fan
        assert float((var / target).mean()) == pytest.approx(1.0, abs=0.15)
    for b in net.biases:
        assert float(b.detach().abs().max()) == 0.0


def test_nets_map_n_by_8_to_n_by_1_and_ensembles_compute_each_member():
    X = 2 * torch.rand(30, 8, generator=torch.Generator().manual_seed(3)) - 1
    nets = [approx.tree_net(2, seed=1), approx.tree_net(6, seed=2)]
    for net in nets + [approx.shallow_net(7), approx.dense_net([3, 4])]:
        assert net(X).shape == (30, 1)
    ens = approx.ensemble(nets)
    out = ens(X)
    assert out.shape == (2, 30, 1)
    for i, net in enumerate(nets):
        assert torch.allclose(out[i], net(X), atol=1e-6)
    assert_rejects(approx.ensemble, "nets", [approx.tree_net(2), approx.shallow_net(3)])
    assert_rejects(approx.ensemble, "nets", [])


# ----------------------------------------------------------------------------- training
def test_fit_trains_and_per_member_learning_rates_equal_separate_runs():
    g = torch.Generator().manual_seed(0)
    X = 2 * torch.rand(256, 8, generator=g, dtype=F64) - 1
    y = approx.compositional_function(H)(X)
    a, b = approx.shallow_net(6, seed=1, dtype=F64), approx.shallow_net(6, seed=2, dtype=F64)
    ens = approx.ensemble([a, b])
    approx.fit(ens, X, y, 60, [0.01, 0.03], seed=5, batch_size=32)
    for net, lr, i in ((a, 0.01, 0), (b, 0.03, 1)):
        approx.fit(net, X, y, 60, lr, seed=5, batch_size=32)
        assert torch.allclose(ens.members_output(X)[i], net.members_output(X)[0], atol=1e-6)
    h = ens.history.loss
    assert h.shape == (60, 2) and float(h[-10:].mean()) < float(h[:10].mean())
    assert approx.fit(a, X, y, 1, 0.01) is a


def test_fit_trains_a_tree_net_to_a_small_error_and_accepts_any_module():
    g = torch.Generator().manual_seed(1)
    X = 2 * torch.rand(2048, 8, generator=g) - 1
    y = approx.compositional_function(H)(X)
    y = (y - y.mean()) / y.std()
    net = approx.fit(approx.tree_net(8, seed=0), X, y, 600, 0.03)
    with torch.no_grad():
        assert float(((net(X)[:, 0] - y) ** 2).mean()) < 0.2
    seq = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    approx.fit(seq, X, y, 5, 0.01)
    assert_rejects(approx.fit, "lr", seq, X, y, 5, [0.01, 0.02])


def test_fit_raises_diverged_while_it_happens():
    X = 2 * torch.rand(64, 8, generator=torch.Generator().manual_seed(0)) - 1
    y = 1e30 * torch.ones(64)
    with pytest.raises(Diverged, match="lr"):
        approx.fit(approx.shallow_net(4), X, y, 100, 1e30, batch_size=None)


@given(bad=st.sampled_from([0, -1, 2.5, True, "8", None]))
def test_tree_and_shallow_nets_reject_bad_sizes(bad):
    assert_rejects(approx.tree_net, "k", bad)
    assert_rejects(approx.shallow_net, "width", bad)


@given(n=st.integers(min_value=-3, max_value=40).filter(lambda n: n < 2 or n & (n - 1)))
def test_tree_net_rejects_inputs_that_are_no_power_of_two(n):
    assert_rejects(approx.tree_net, "n_inputs", 2, n)


@given(lr=st.sampled_from([0.0, -0.1, math.nan, math.inf, "fast"]),
       steps=st.sampled_from([-1, 2.5, None]))
def test_fit_rejects_bad_hyperparameters(lr, steps):
    X, y = torch.zeros(10, 8), torch.zeros(10)
    net = approx.shallow_net(2)
    assert_rejects(approx.fit, "lr", net, X, y, 3, lr)
    assert_rejects(approx.fit, "steps", net, X, y, steps, 0.01)


@given(shape=st.sampled_from([(10, 7), (10,), (10, 8, 1)]))
def test_fit_rejects_bad_data(shape):
    net = approx.shallow_net(2)
    assert_rejects(approx.fit, "X", net, torch.zeros(shape), torch.zeros(10), 3, 0.01)
    assert_rejects(approx.fit, "y", net, torch.zeros(10, 8), torch.zeros(7), 3, 0.01)
    X = torch.zeros(10, 8)
    X[3, 2] = math.nan
    assert_rejects(approx.fit, "X", net, X, torch.zeros(10), 3, 0.01)


@given(nu=st.sampled_from([0.0, -1.0, 0.7, math.nan]), ell=st.sampled_from([0.0, -2.0, math.inf]))
def test_random_field_and_interpolant_reject_bad_parameters(nu, ell):
    X = torch.zeros(5, 2)
    assert_rejects(approx.random_field, "nu", X, nu=nu)
    assert_rejects(approx.random_field, "lengthscale", X, lengthscale=ell)
    assert_rejects(approx.relu_interpolant, "b", torch.sin, 1.0, 0.5, 4)
    assert_rejects(approx.relu_interpolant, "n_units", torch.sin, 0.0, 1.0, 0)


# ----------------------------------------------------------------------------- experiments and the widget
@pytest.fixture(scope="module")
def small_run():
    return approx.deep_vs_shallow(ks=(2, 4), steps=40, n_train=256, n_test=128, n_slice=21,
                                  lrs={"tree": (0.03, 0.1), "shallow": (0.1, 0.3), "dense": (0.03, 0.1)})


def test_deep_vs_shallow_structure_and_best_of_restarts(small_run):
    r = small_run
    assert r["counts"]["tree"] == [63, 119]
    assert abs(r["counts"]["shallow"][1] - 119) <= 5 and r["widths"]["shallow"] == {2: 6, 4: 12}
    assert r["test"]["tree", "tree"].shape == (2, 2) and not r["test"]["tree", "tree"].isnan().any()
    assert r["test"]["tree", "ridge"][0].isnan().all() and not r["test"]["tree", "ridge"][1].isnan().any()
    best, pick = approx.best_of_restarts(r, "shallow", "tree")
    train = r["train"]["shallow", "tree"]
    assert torch.equal(pick, train.argmin(1))
    assert torch.equal(best, r["test"]["shallow", "tree"].gather(1, pick[:, None])[:, 0])
    assert r["slice"]["tree", "mismatched"].shape == (2, 2, 21)
    assert_rejects(approx.deep_vs_shallow, "constituent", "x*y")


def test_widget_moves_update_the_figure(small_run):
    ui = approx.build_approximation_widget(small_run)
    opts = ui.state["options"]
    key = opts[ui.controls["target"].value]
    f, fits, errs = ui.state["data"][key]
    assert np.allclose(ui.trace_data(0), f)
    ui.controls["budget"].value = "63"
    assert np.allclose(ui.trace_data(1), fits["tree"][0]) and np.allclose(ui.trace_data(2), fits["shallow"][0])
    assert "63 parameters" in ui.figure.layout.title.text
    control = next(label for label, k in opts.items() if k == "mismatched")
    ui.controls["target"].value = control
    f2, fits2, _ = ui.state["data"]["mismatched"]
    assert np.allclose(ui.trace_data(0), f2) and not np.allclose(f2, f)
    assert np.allclose(ui.trace_data(1), fits2["tree"][0])
    lat = measure_latency(ui)
    assert lat["moves"] > 0


def test_figures_build(small_run):
    r1 = approx.ridge_1d_experiment(torch.sin, 1.0, -1.0, 1.0, units=(2, 4))
    figs = [approx.widget.ridge_1d_figure(r1),
            approx.widget.ridge_2d_figure(approx.ridge_2d_experiment((1, 2, 3), 3, 9)),
            approx.widget.curse_figure(approx.curse_experiment((2,), (4, 8), n_fields=2, n_train=100, n_test=50)),
            approx.widget.deep_shallow_figure(small_run)]
    assert all(len(fig.data) > 1 for fig in figs)


# ----------------------------------------------------------------------------- exercises
def test_exercises_accept_the_solution_and_reject_a_mistake():
    ex = approx.exercise_tree_parameters()
    assert ex.check(lambda k, n: (n - 1) * (4 * k + 1), strict=True)
    assert not ex.check(lambda k, n: (n - 1) * (3 * k + 1))
    ex2 = approx.exercise_compose()

    def compose(h, X):
        while X.shape[1] > 1:
            X = h(X[:, 0::2], X[:, 1::2])
        return X[:, 0]

    assert ex2.check(compose, strict=True)
    assert not ex2.check(lambda h, X: h(X[:, 0], X[:, 1]))
    assert approx.prediction_units_ratio().check(10_000 / 70, strict=True)
    assert approx.prediction_winner().check(1, strict=True) and not approx.prediction_winner().check(-1)
