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
