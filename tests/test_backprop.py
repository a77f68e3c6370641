import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import backprop
from course_lib.core.data import xor
from course_lib.core.history import TrainHistory
from tests.helpers import assert_rejects


def _data(n=8, d_in=3, d_out=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d_in, generator=g, dtype=torch.float64)
    return X, torch.rand(n, d_out, generator=g, dtype=torch.float64)


def test_api_shapes_and_loss_is_mse():
    net = backprop.SigmoidMLP([3, 5, 2], seed=1)
    assert [tuple(w.shape) for w in net.weights] == [(5, 3), (2, 5)]
    assert [tuple(b.shape) for b in net.biases] == [(5,), (2,)]
    X, Y = _data()
    out = net.forward(X)
    assert out.shape == (8, 2) and out.dtype == torch.float64
    assert isinstance(net.loss(X, Y), float)
    assert net.loss(X, Y) == pytest.approx(float(((out - Y) ** 2).mean()))


def test_gradients_match_autograd():
    net = backprop.SigmoidMLP([3, 4, 4, 2], seed=2)
    X, Y = _data()
    dWs, dbs = net.gradients(X, Y)
    params = [t.clone().requires_grad_(True) for t in net.weights + net.biases]
    out = backprop.forward_pass(params[:3], params[3:], X)[-1]
    ((out - Y) ** 2).mean().backward()
    for hand, p in zip(dWs + dbs, params):
        torch.testing.assert_close(hand, p.grad, rtol=1e-12, atol=1e-14)


def test_gradients_match_central_differences():
    net = backprop.SigmoidMLP([2, 3, 1], seed=0)
    X, Y = _data(d_in=2, d_out=1)
    dWs, _ = net.gradients(X, Y)
    W = net.weights[0]
    h = 1e-6
    for idx in np.ndindex(*W.shape):
        old = W[idx].item()
        W[idx] = old + h
        up = net.loss(X, Y)
        W[idx] = old - h
        down = net.loss(X, Y)
        W[idx] = old
        assert dWs[0][idx].item() == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-10)


def test_batched_training_equals_individual_networks():
    X, y = xor()
    Y = (y + 1) / 2
    hist = backprop.train_many(X, Y, [2, 2, 1], n_nets=3, lr=2.0, epochs=30, seed=5)
    # rerun one network alone from the same initial parameters
    init_w, init_b = backprop.init_params([2, 2, 1], 3, 5, 1.0, torch.float64, "cpu")
    net = backprop.SigmoidMLP([2, 2, 1])
    net.weights = [w[1].clone() for w in init_w]
    net.biases = [b[1].clone() for b in init_b]
    for _ in range(30):
        net.step(X, Y[:, None], lr=2.0)
    torch.testing.assert_close(net.weights[0], hist.weights[0][1])
    torch.testing.assert_close(net.biases[1], hist.biases[1][1])


def test_train_many_returns_the_core_history():
    X, y = xor()
    Y = (y + 1) / 2
    gd = backprop.train_many(X, Y, [2, 2, 1], n_nets=3, lr=2.0, epochs=10, seed=1, snapshot_every=5)
    assert isinstance(gd, TrainHistory) and backprop.TrainHistory is TrainHistory
    assert gd.method == "GD" and gd.loss.shape == (10, 3) and gd.train_mse is gd.loss
    assert gd.snapshot_epochs == [0, 5, 10] and len(gd.snapshots) == 3
    torch.testing.assert_close(gd.snapshots[-1][0][0], gd.weights[0])
    # the loss before epoch 0 is the loss of the initial parameters (snapshot 0)
    w0, b0 = gd.snapshots[0]
    out = backprop.forward_pass(w0, b0, X)[-1]
    torch.testing.assert_close(gd.loss[0], ((out - Y[:, None]) ** 2).mean(dim=(-1, -2)))
    sgd = backprop.train_many(X, Y, [2, 2, 1], n_nets=2, lr=1.0, epochs=4, seed=1, batch_size=1, robbins_monro=10.0)
    assert sgd.method == "SGD" and sgd.loss.shape == (4, 2) and sgd.snapshots == []
    assert sgd.params["batch_size"] == 1 and sgd.params["robbins_monro"] == 10.0


def test_gradient_norm_is_the_norm_of_backward_pass_per_network():
    X, y = xor()
    Y = (y + 1) / 2
    hist = backprop.train_many(X, Y, [2, 3, 1], n_nets=4, lr=1.0, epochs=5, seed=2)
    norms = backprop.gradient_norm(hist.weights, hist.biases, X, Y)
    assert norms.shape == (4,)
    for k in range(4):
        net = backprop.SigmoidMLP([2, 3, 1])
        net.weights = [w[k].clone() for w in hist.weights]
        net.biases = [b[k].clone() for b in hist.biases]
        dWs, dbs = net.gradients(X, Y)
        want = torch.sqrt(sum((d ** 2).sum() for d in dWs + dbs))
        torch.testing.assert_close(norms[k], want)
    torch.testing.assert_close(backprop.gradient_norm(hist.weights, hist.biases, X, Y[:, None]), norms)
    assert_rejects(backprop.gradient_norm, "X", hist.weights, hist.biases, X[:, 0], Y)


def test_loss_traces_figure_colours_by_outcome():
    loss = torch.rand(40, 6, dtype=torch.float64) + 0.1
    solved = torch.tensor([True, False, True, True, False, False])
    fig = backprop.loss_traces_figure(loss, solved, "title", every=2, stride=10)
    assert len(fig.data) == 3 and fig.layout.title.text == "title"
    assert [t.line.color for t in fig.data] == ["#1f77b4", "#1f77b4", "#d62728"]
    np.testing.assert_allclose(fig.data[1].y, loss[::10, 2].numpy())
    assert list(fig.data[0].x) == [0, 10, 20, 30]
    assert_rejects(backprop.loss_traces_figure, "solved", loss, solved.double(), "t", exc=TypeError)
    assert_rejects(backprop.loss_traces_figure, "every", loss, solved, "t", every=0)


def test_hidden_mask_equals_smaller_network():
    X, y = xor()
    Y = (y + 1) / 2
    mask = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    hist = backprop.train_many(X, Y, [2, 4, 1], n_nets=1, lr=1.0, epochs=20, seed=0, hidden_mask=mask)
    assert torch.all(hist.weights[1][0, :, 2:] == 0)
    out_masked = backprop.forward_pass(hist.weights, hist.biases, X)[-1]
    small_w = [hist.weights[0][:, :2], hist.weights[1][:, :, :2]]
    small_b = [hist.biases[0][:, :2], hist.biases[1]]
    torch.testing.assert_close(out_masked, backprop.forward_pass(small_w, small_b, X)[-1])


def test_widget_moves_update_figure():
    ui = backprop.build_xor_boundary_widget(epochs=200, snapshot_every=50, grid=11)
    before = np.array(ui.figure.data[0].z, dtype=float).copy()
    ui.controls["epoch"].value = 0
    after = np.array(ui.figure.data[0].z, dtype=float)
    assert not np.allclose(before, after)
    ui.controls["hidden"].value = 8
    assert "8 hidden units" in ui.figure.layout.title.text


def test_exercise_solution_and_wrong_answer():
    ex = backprop.exercise_layer_backward()

    def right(W, x, y, g):
        d = g * y * (1 - y)
        return d.T @ x, d.sum(0), d @ W

    def wrong(W, x, y, g):  # forgets the sigmoid derivative
        return g.T @ x, g.sum(0), g @ W

    assert ex.check(right, strict=True)
    assert not ex.check(wrong)


# -- bad input --------------------------------------------------------------------------------
def test_rejects_bad_arguments():
    assert_rejects(backprop.SigmoidMLP, "sizes", [3])
    assert_rejects(backprop.SigmoidMLP, "sizes", [3, 0, 1])
    assert_rejects(backprop.SigmoidMLP, "dtype", [2, 1], dtype=torch.int64)
    net = backprop.SigmoidMLP([3, 2])
    assert_rejects(net.forward, "X", np.zeros((4, 2)))
    assert_rejects(net.loss, "Y", np.zeros((4, 3)), np.zeros((5, 2)))
    assert_rejects(net.step, "lr", np.zeros((4, 3)), np.zeros((4, 2)), lr=-1.0)
    X, y = xor()
    assert_rejects(backprop.train_many, "epochs", X, y, [2, 2, 1], n_nets=2, epochs=0)
    assert_rejects(backprop.train_many, "n_nets", X, y, [2, 2, 1], n_nets=0)


@given(bad=st.sampled_from([np.nan, np.inf]), i=st.integers(0, 3))
def test_property_non_finite_inputs(bad, i):
    net = backprop.SigmoidMLP([2, 2, 1])
    X, y = xor()
    X = X.clone()
    X[i, 0] = bad
    assert_rejects(net.gradients, "X", X, y)


@given(lr=st.floats(max_value=0.0, allow_nan=False))
def test_property_non_positive_lr(lr):
    X, y = xor()
    assert_rejects(backprop.train_many, "lr", X, (y + 1) / 2, [2, 2, 1], n_nets=1, lr=lr, epochs=1)


# -- the Hessian, stochastic approximation, Kiefer–Wolfowitz, the failure diagnosis -------------
def _autograd_hessian(W, B, X, Y, sizes):
    v = backprop.flatten_params(W, B)

    def E(v1):
        Ws, bs = backprop.unflatten_params(v1, sizes)
        return ((backprop.forward_pass(Ws, bs, X)[-1] - Y) ** 2).mean()

    return torch.autograd.functional.hessian(E, v)


def test_flatten_unflatten_round_trip():
    W, B = backprop.init_params([3, 4, 2], 5, 0)
    v = backprop.flatten_params(W, B)
    assert v.shape == (5, 4 * 3 + 4 + 2 * 4 + 2)
    W2, B2 = backprop.unflatten_params(v, [3, 4, 2])
    for a, b in zip(W + B, W2 + B2):
        torch.testing.assert_close(a, b)
    assert_rejects(backprop.unflatten_params, "v", v[:, :-1], [3, 4, 2])


def test_hessian_matches_autograd():
    X, Y = _data(n=6, d_in=2, d_out=2, seed=3)
    W, B = backprop.init_params([2, 3, 2], 4, 1, init_scale=2.0)
    H = backprop.hessian(W, B, X, Y)
    assert H.shape == (4, 17, 17)
    for k in range(4):
        ref = _autograd_hessian([w[k] for w in W], [b[k] for b in B], X, Y, [2, 3, 2])
        torch.testing.assert_close(H[k], ref, rtol=0, atol=1e-8)
    torch.testing.assert_close(H, H.transpose(-1, -2))


def test_sgd_stream_equals_a_hand_written_robbins_monro_loop():
    X, Y, M = backprop.noisy_xor(0.2)
    W, B = backprop.init_params([2, 3, 1], 2, 4)
    Ws = [w.expand(2, *w.shape).clone() for w in W]
    Bs = [b.expand(2, *b.shape).clone() for b in B]
    hist = backprop.sgd_stream(Ws, Bs, X, M, 30, [1.0, 2.0], tau=[float("inf"), 5.0], seed=9, record_every=10)
    assert hist.loss.shape == (4, 2, 2) and hist.steps.tolist() == [0, 10, 20, 30]
    g = torch.Generator().manual_seed(9)
    w = [[t[s].clone() for t in W] for s in range(2)], [[t[s].clone() for t in B] for s in range(2)]
    for t in range(30):
        i = torch.randint(0, 4, (2,), generator=g)
        d = (torch.rand(2, generator=g, dtype=torch.float64) < M[i]).double()
        for s in range(2):  # arm 1 (decaying) only, seed s
            net = backprop.SigmoidMLP([2, 3, 1])
            net.weights, net.biases = w[0][s], w[1][s]
            net.step(X[i[s]][None], d[s].reshape(1, 1), lr=2.0 / (1 + t / 5.0))
    for s in range(2):
        torch.testing.assert_close(hist.weights[0][1, s], w[0][s][0])
        torch.testing.assert_close(hist.biases[1][1, s], w[1][s][1])
    out = backprop.forward_pass(hist.weights, hist.biases, X)[-1][..., 0]
    torch.testing.assert_close(hist.loss[-1], ((out - M) ** 2).mean(-1))


def test_sgd_stream_arms_share_samples_and_targets_per_arm():
    X, Y, M = backprop.noisy_xor(0.1)
    W, B = backprop.init_params([2, 2, 1], 3, 0)
    Ws = [w.expand(3, *w.shape).clone() for w in W]
    Bs = [b.expand(3, *b.shape).clone() for b in B]
    targets = torch.stack([M, M, Y])
    hist = backprop.sgd_stream(Ws, Bs, X, targets, 50, 1.0, seed=1, record_every=25)
    torch.testing.assert_close(hist.weights[0][0], hist.weights[0][1])   # same lr, same samples
    assert not torch.allclose(hist.weights[0][0], hist.weights[0][2])   # clean labels differ
    assert_rejects(backprop.sgd_stream, "M", Ws, Bs, X, torch.stack([M, M]), 5, 1.0)
    assert_rejects(backprop.sgd_stream, "M", Ws, Bs, X, M + 1, 5, 1.0)
    assert_rejects(backprop.sgd_stream, "tau", Ws, Bs, X, M, 5, 1.0, tau=-1.0)
    assert_rejects(backprop.sgd_stream, "weights", W, B, X, M, 5, 1.0)


@given(lr=st.floats(max_value=0.0, allow_nan=False))
def test_property_sgd_stream_rejects_non_positive_lr(lr):
    X, Y, M = backprop.noisy_xor(0.1)
    W, B = backprop.init_params([2, 2, 1], 2, 0)
    Ws, Bs = [w[None] for w in W], [b[None] for b in B]
    assert_rejects(backprop.sgd_stream, "lr", Ws, Bs, X, M, 3, lr)


def test_noise_floor_matches_the_discrete_lyapunov_equation():
    from scipy.linalg import solve_discrete_lyapunov

    g = torch.Generator().manual_seed(0)
    A = torch.randn(6, 6, generator=g, dtype=torch.float64)
    H = A @ A.T / 6
    lam, eta, var = torch.linalg.eigvalsh(H), 0.3, 0.09
    C = 2 * var * H  # gradient-noise covariance of the squared loss at a zero-residual minimum
    F = (torch.eye(6, dtype=torch.float64) - eta * H).numpy()
    Sigma = solve_discrete_lyapunov(F, (eta**2 * C).numpy())
    want = 0.5 * float(np.trace(H.numpy() @ Sigma))
    assert float(backprop.noise_floor(lam, eta, var)) == pytest.approx(want, rel=1e-10)
    assert float(backprop.noise_floor(lam, 1e-4, var)) == pytest.approx(0.5e-4 * var * float(lam.sum()), rel=1e-3)
    assert_rejects(backprop.noise_floor, "lr", lam, 2.1 / float(lam.max()), var)
    assert_rejects(backprop.noise_floor, "noise_var", lam, eta, 0.0)


def test_noise_floor_predicts_linear_sgd_simulated():
    # w ← w − η(Hw + ξ), ξ ~ N(0, 2σ²H): the time-averaged ½wᵀHw equals the floor
    g = torch.Generator().manual_seed(1)
    H = torch.diag(torch.tensor([1.0, 0.5, 0.1], dtype=torch.float64))
    eta, var = 0.5, 0.2
    L = torch.linalg.cholesky(2 * var * H)
    w = torch.zeros(4000, 3, dtype=torch.float64)
    acc = 0.0
    for t in range(600):
        w = w - eta * (w @ H + torch.randn(4000, 3, generator=g, dtype=torch.float64) @ L.T)
        if t >= 300:
            acc += float((0.5 * (w @ H * w).sum(1)).mean()) / 300
    assert acc == pytest.approx(float(backprop.noise_floor(torch.diagonal(H), eta, var)), rel=0.03)


def test_noisy_loss_moments_by_enumeration():
    X, Y, M = backprop.noisy_xor(0.1)
    W, B = backprop.init_params([2, 3, 1], None, 2)
    f = backprop.forward_pass(W, B, X)[-1][:, 0]
    values, probs = [], []
    for i in range(4):
        for d, pr in ((1.0, M[i]), (0.0, 1 - M[i])):
            values.append(float((f[i] - d) ** 2))
            probs.append(float(pr) / 4)
    values, probs = np.array(values), np.array(probs)
    mean, var = backprop.noisy_loss_moments(W, B, X, M)
    assert float(mean) == pytest.approx((values * probs).sum())
    assert float(var) == pytest.approx((values**2 * probs).sum() - (values * probs).sum() ** 2)


def test_kw_quotients_have_the_exact_mean_and_spread():
    X, Y, M = backprop.noisy_xor(0.1)
    W, B = backprop.init_params([2, 2, 1], None, 0)
    q = backprop.kw_quotients(W, B, X, M, c=0.3, n_draws=40_000, seed=1)
    mean, sd = backprop.kw_moments(W, B, X, M, c=0.3)
    assert q.shape == (40_000, 9)
    assert float(((q.mean(0) - mean) / (sd / 200)).abs().max()) < 4.5
    torch.testing.assert_close(q.std(0) / sd, torch.ones(9, dtype=torch.float64), atol=0.03, rtol=0)
    # the mean is the central difference of the expected loss; small c -> backprop's gradient
    dW, dB = backprop.backward_pass(W, backprop.forward_pass(W, B, X), M[:, None])
    m_small, _ = backprop.kw_moments(W, B, X, M, c=1e-4)
    torch.testing.assert_close(m_small, backprop.flatten_params(dW, dB), atol=1e-8, rtol=0)
    assert_rejects(backprop.kw_quotients, "c", W, B, X, M, 0.0, 10)
    assert_rejects(backprop.kw_moments, "weights", [w[None] for w in W], [b[None] for b in B], X, M, 0.1)


def test_kw_stream_records_samples_and_stays_put_with_tiny_steps():
    X, Y, M = backprop.noisy_xor(0.1)
    W, B = backprop.init_params([2, 2, 1], 3, 0)
    Ws = [w.expand(2, *w.shape).clone() for w in W]
    Bs = [b.expand(2, *b.shape).clone() for b in B]
    hist = backprop.kw_stream(Ws, Bs, X, M, 20, [1e-9, 0.5], 0.5, tau=10.0, seed=0, record_every=5)
    assert hist.loss.shape == (5, 2, 3) and hist.samples.tolist() == [0, 90, 180, 270, 360]
    torch.testing.assert_close(hist.weights[0][0], W[0], atol=1e-7, rtol=0)
    assert not torch.allclose(hist.weights[0][1], W[0])
    assert_rejects(backprop.kw_stream, "a", Ws, Bs, X, M, 5, -1.0, 0.5, 10.0)


def test_stochastic_approximation_small_run_and_its_table():
    sa = backprop.stochastic_approximation(n_seeds=6, n_steps=120, lrs=(0.5, 2.0), record_every=20, kw_a=(0.5,))
    assert sa.excess.shape == (7, 4, 6) and sa.labels[-1].startswith("clean")
    assert sa.constant == [0, 1] and sa.decaying == 2 and sa.clean == 3
    assert sa.best_constant in sa.constant and sa.floor.shape == (4, 6)
    assert bool((sa.floor[:3] > 0).all()) and bool((sa.floor[3] == 0).all())
    torch.testing.assert_close(sa.last_quarter, sa.excess[sa.steps > 90].mean(0))
    table = sa.table()
    assert all(label in table for label in sa.labels)
    assert sa.kw.shape[1:] == (1, 6) and int(sa.kw_samples[-1]) <= 120
    fig = backprop.stochastic_approximation_figure(sa)
    floors = sum(bool(sa.near_min[k].any()) for k in sa.constant)  # a floor line where some run ends near a minimum
    assert len(fig.data) == 4 + floors + 1 and fig.data[-1].name.startswith("Kiefer")
    assert_rejects(backprop.stochastic_approximation_figure, "sa", None, exc=TypeError)


def test_kiefer_wolfowitz_check_small():
    kw = backprop.kiefer_wolfowitz_check(cs=(0.25,), n_draws=2000)
    assert len(kw.z_max) == 1 and kw.sd_ratio[0].shape == (13,) and kw.sd_at_fd_step > 1e3


def test_median_interval_is_exact_order_statistics():
    from course_lib.backprop.experiments import median_interval

    x = torch.arange(1.0, 101.0, dtype=torch.float64)
    med, lo, hi = median_interval(x)
    assert med == 50.0 and lo < 50.0 < hi and (lo, hi) == (40.0, 61.0)  # binomial(100, ½) order statistics


def test_diagnose_failures_finds_the_stiff_direction():
    X, y = xor()
    Y = (y + 1) / 2
    runs = backprop.train_many(X, Y, [2, 2, 1], n_nets=120, lr=5.0, epochs=1500, seed=0)
    diag = backprop.diagnose_failures(runs.weights, runs.biases, X, Y)
    assert diag.eigenvalues.shape == (120, 9) and int((~diag.solved).sum()) >= 3
    assert int(diag.pair.sum()) >= 1 and float(diag.stiff_error.max()) < 0.05
    torch.testing.assert_close(diag.stiff_pred[diag.pair], diag.ideal[diag.pair], rtol=0.02, atol=0)
    assert diag.auc(diag.lam_max) > 0.9
    fig = backprop.failure_spectrum_figure(diag)
    assert [t.name for t in fig.data] == ["solved", "failed"]
    assert_rejects(backprop.diagnose_failures, "undecided_tol", runs.weights, runs.biases, X, Y, undecided_tol=0.7)


def test_prediction_stiff_eigenvalue_and_stepped_hints():
    pred = backprop.prediction_stiff_eigenvalue()
    assert pred.check(0.125) and not pred.check(1 / 16) and not pred.check(...)
    ex = backprop.exercise_layer_backward()
    assert len(ex.hints) >= 2 and all("@" not in h and "return" not in h for h in ex.hints)
