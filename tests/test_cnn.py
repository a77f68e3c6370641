"""Tests for course_lib.cnn (lecture 02): equivariance, shared-weight gradient, batched CNN,
activation maximisation, the lecture's bookkeeping and figures, widget, and bad-input errors.
(The hand-written Adam it trains with is tested against torch.optim in tests/test_optim.py.)"""

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from course_lib import cnn
from course_lib.cnn.kernels import _pool2
from course_lib.core.validate import Diverged
from tests.helpers import assert_rejects

G = torch.Generator().manual_seed(0)
X = torch.randn(3, 1, 10, 10, generator=G, dtype=torch.float64)
W = torch.randn(4, 1, 3, 3, generator=G, dtype=torch.float64)


def circ(x, stride=1):
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), W, stride=stride)


def test_circular_conv_is_equivariant_and_stride_is_not():
    shifts = [(1, 0), (0, 3), (2, 2)]
    assert float(cnn.equivariance_error(circ, X, shifts).max()) < 1e-12
    err = cnn.equivariance_error(lambda x: circ(x, 2), X, shifts)
    assert float(err[0]) > 1e-3 and float(err[1]) > 1e-3  # odd shifts alias
    assert float(err[2]) < 1e-12  # an even shift is a shift of the strided output


def test_zero_padding_is_not_exactly_equivariant():
    err = cnn.equivariance_error(lambda x: F.conv2d(x, W, padding=1), X, [(1, 0)])
    assert float(err[0]) > 1e-6


def test_global_average_pooling_is_invariant():
    err = cnn.invariance_error(lambda x: circ(x).mean((-2, -1)), X, [(1, 2), (5, 5)])
    assert float(err.max()) < 1e-12


def test_weight_gradient_is_sum_over_positions_against_autograd():
    w = W.clone().requires_grad_(True)
    out = F.conv2d(X, w, padding=1)
    g = torch.randn(out.shape, generator=G, dtype=torch.float64)
    (out * g).sum().backward()
    ref = cnn.conv_weight_grad_unfold(X, g, 3, padding=1)
    assert torch.allclose(w.grad, ref, atol=1e-12)


def test_conv2d_is_cross_correlation_scipy():
    out = F.conv2d(X[:1], W[:1]).numpy()[0, 0]
    assert np.allclose(out, scipy.signal.correlate2d(X[0, 0].numpy(), W[0, 0].numpy(), mode="valid"))


def test_batched_cnn_equals_separate_models():
    p = cnn.init_cnn(3, seed=4)
    x = torch.rand(5, 8, 8, generator=G)
    joint = cnn.cnn_forward(p, x)
    for s in range(3):
        alone = cnn.cnn_forward({n: t[s : s + 1] for n, t in p.items()}, x)[:, 0]
        assert torch.allclose(joint[:, s], alone, atol=1e-5)


def test_shared_images_equal_per_model_copies():
    """The shared-image fast path (one ordinary conv) equals the grouped conv on S copies."""
    p = cnn.init_cnn(4, seed=2)
    x = torch.rand(6, 8, 8, generator=G)
    shared, z1s, z2s = cnn.cnn_forward(p, x, return_features=True)
    copies, z1c, z2c = cnn.cnn_forward(p, x.unsqueeze(1).expand(-1, 4, -1, -1), return_features=True)
    assert torch.allclose(shared, copies, atol=1e-5) and torch.allclose(z1s, z1c, atol=1e-5)


def test_pooling_without_autograd_equals_max_pool2d():
    z = torch.randn(3, 5, 8, 8, generator=G)
    with torch.no_grad():
        assert torch.equal(_pool2(z), F.max_pool2d(z, 2))
    zg = z.clone().requires_grad_(True)
    assert torch.equal(_pool2(zg).detach(), F.max_pool2d(z, 2))


def test_conv1_unit_phi_reads_the_first_layer_at_the_centre():
    p = cnn.init_cnn(2, seed=3)
    x = torch.rand(8, 8, 8, generator=G)
    _, z1, _ = cnn.cnn_forward(p, x, return_features=True)
    units = torch.arange(8).flip(0)
    got = cnn.conv1_unit_phi(p, units, model=1, pre_activation=True)(x)
    assert torch.allclose(got, z1[torch.arange(8), 1, units, 4, 4], atol=1e-6)
    assert torch.allclose(cnn.conv1_unit_phi(p, units, model=1)(x), torch.relu(got))


def test_train_cnn_learns_and_freezes():
    from course_lib.core.data import digits

    X8, y = digits()
    X8, y = X8[:300], y[:300]
    init = cnn.init_cnn(2, seed=1)
    p, hist = cnn.train_cnn(X8, y, params=init, frozen=torch.tensor([True, False]), n_epochs=5, batch_size=100,
                            lr=0.02, X_eval=X8, y_eval=y, eval_epochs=[5])
    assert torch.equal(p["W1"][0], init["W1"][0]) and not torch.equal(p["W1"][1], init["W1"][1])
    assert hist["loss"][-1].max() < hist["loss"][0].min()
    assert float(hist["eval_acc"].min()) > 0.5
    # deterministic
    p2, _ = cnn.train_cnn(X8, y, params=init, frozen=torch.tensor([True, False]), n_epochs=5, batch_size=100, lr=0.02)
    assert torch.equal(p["W3"], p2["W3"])


def test_train_cnn_diverges_loudly():
    from course_lib.core.data import digits

    X8, y = digits()
    with pytest.raises(Diverged):
        cnn.train_cnn(X8[:64] * 1e20, y[:64], n_epochs=3, batch_size=None, lr=1e20)


def test_activation_maximization_linear_closed_form():
    Wl = torch.randn(3, 7, generator=G)
    x = cnn.activation_maximization(lambda x: (x * Wl).sum(-1), (3, 7), l2=0.5, steps=300, lr=0.1)
    assert torch.allclose(x, Wl / 0.5, rtol=1e-3, atol=1e-3)


def test_activation_maximization_tv_smooths():
    Wl = torch.randn(2, 6, 6, generator=G)
    phi = lambda x: (x * Wl).sum((-2, -1))  # noqa: E731
    x0 = cnn.activation_maximization(phi, (2, 6, 6), l2=1.0, steps=200)
    x1 = cnn.activation_maximization(phi, (2, 6, 6), l2=1.0, tv=0.5, steps=200)
    assert float(cnn.total_variation(x1).sum()) < float(cnn.total_variation(x0).sum())


def test_activation_maximization_per_input_tv_equals_separate_runs():
    """A per-input TV weight runs several priors in one loop; the objective separates."""
    Wl = torch.randn(4, 6, 6, generator=G, dtype=torch.float64)
    phi = lambda x: (x * Wl).sum((-2, -1)) + (x**2 * Wl).sum((-2, -1)) * 0.1  # noqa: E731
    tv = torch.tensor([0.0, 0.0, 0.4, 0.4], dtype=torch.float64)
    joint = cnn.activation_maximization(phi, (4, 6, 6), l2=1.0, tv=tv, steps=80, init_scale=0.0,
                                        dtype=torch.float64)
    plain = cnn.activation_maximization(phi, (4, 6, 6), l2=1.0, tv=0.0, steps=80, init_scale=0.0, dtype=torch.float64)
    smooth = cnn.activation_maximization(phi, (4, 6, 6), l2=1.0, tv=0.4, steps=80, init_scale=0.0, dtype=torch.float64)
    assert torch.allclose(joint[:2], plain[:2], atol=1e-12) and torch.allclose(joint[2:], smooth[2:], atol=1e-12)
    assert_rejects(cnn.activation_maximization, "tv", phi, (4, 6, 6), tv=torch.tensor([0.1, -0.1, 0.0, 0.0]))
    assert_rejects(cnn.activation_maximization, "tv", phi, (4, 6, 6), tv=torch.zeros(3))


def test_total_variation_reference():
    x = torch.tensor([[[0.0, 1.0], [3.0, 3.0]]])
    assert float(cnn.total_variation(x)) == pytest.approx(1 + 0 + 3 + 2)


def test_widget_moves_update_figure():
    p = cnn.init_cnn(1, seed=0)
    Xd = torch.rand(20, 8, 8, generator=G)
    am = torch.randn(8, 8, 8, generator=G)
    D = [torch.randn(64, 16, generator=G) for _ in range(2)]
    ui = cnn.build_cnn_widget(params=p, X=Xd, act_max=am, dictionaries=D, lams=torch.tensor([0.1, 1.0]))
    ui.controls["unit"].value = 5
    assert np.allclose(np.array(ui.figure.data[0].z), p["W1"][0, 5].numpy()[::-1])
    assert np.allclose(np.array(ui.figure.data[1].z), am[5].numpy()[::-1])
    before = np.array(ui.figure.data[3].z, dtype=float)
    ui.controls["lam"].value = 1
    after = np.array(ui.figure.data[3].z, dtype=float)
    assert np.allclose(after, np.array(ui.state["tiles"][1], dtype=float), equal_nan=True)
    assert not np.allclose(before, after, equal_nan=True)
    assert np.isfinite(np.array(ui.figure.data[3].z, dtype=float)).all()  # JSON-safe: no NaN


def test_exercise_solution_passes_and_wrong_fails():
    ex = cnn.exercise_shift_test()

    def good(f, x, dy, dx):
        return float((f(torch.roll(x, (dy, dx), (-2, -1))) - torch.roll(f(x), (dy, dx), (-2, -1))).abs().max())

    assert ex.check(good, strict=True)
    assert not ex.check(lambda f, x, dy, dx: 0.0)


# -- bad input ---------------------------------------------------------------------------
@given(st.sampled_from([float("nan"), float("inf")]))
def test_rejects_nonfinite_images(bad):
    x = X.clone()
    x[0, 0, 0, 0] = bad
    assert_rejects(cnn.equivariance_error, "x", circ, x, [(1, 0)])


@given(st.floats(max_value=0.0, allow_nan=False))
def test_rejects_bad_hyperparameters(v):
    phi = lambda x: x.sum(-1)  # noqa: E731
    assert_rejects(cnn.activation_maximization, "l2", phi, (2, 3), l2=v)
    assert_rejects(cnn.activation_maximization, "lr", phi, (2, 3), lr=v)
    assert_rejects(cnn.train_cnn, "lr", torch.zeros(4, 8, 8), torch.zeros(4, dtype=torch.long), lr=v)


@given(st.integers(min_value=1, max_value=7))
def test_rejects_wrong_image_size(s):
    p = cnn.init_cnn(1)
    assert_rejects(cnn.cnn_forward, "x", p, torch.zeros(2, s, s))


def test_rejects_misc():
    phi = lambda x: x.sum(-1)  # noqa: E731
    assert_rejects(cnn.activation_maximization, "phi", 3, (2, 3))
    assert_rejects(cnn.activation_maximization, "shape", phi, (3,))
    assert_rejects(cnn.activation_maximization, "phi", lambda x: x.sum(), (2, 3))
    assert_rejects(cnn.activation_maximization, "shape", phi, (2, 3), tv=0.1)
    assert_rejects(cnn.equivariance_error, "shifts", circ, X, [])
    assert_rejects(cnn.init_cnn, "kernel_size", 1, kernel_size=4)
    assert_rejects(cnn.train_cnn, "y", torch.zeros(4, 8, 8), torch.zeros(4))
    assert_rejects(cnn.train_cnn, "y", torch.zeros(4, 8, 8), torch.full((4,), 12))
    assert_rejects(cnn.train_cnn, "mask", torch.zeros(4, 8, 8), torch.zeros(4, dtype=torch.long),
                   mask=torch.zeros(4, 1))
    assert_rejects(cnn.conv_weight_grad_unfold, "grad_out", X, torch.zeros(3, 4, 5, 5), 3)


# -- review fixes ---------------------------------------------------------------------------
IMGS = torch.rand(64, 8, 8, generator=torch.Generator().manual_seed(3))

def test_frozen_layer_stays_exact_even_with_weight_decay():
    init = cnn.init_cnn(2, seed=0)
    Xs, ys = IMGS[:64], torch.randint(0, 10, (64,), generator=torch.Generator().manual_seed(0))
    p, _ = cnn.train_cnn(Xs, ys, params=init, frozen=[True, False], n_epochs=1, batch_size=32, weight_decay=0.1)
    assert torch.equal(p["W1"][0], init["W1"][0]) and torch.equal(p["b1"][0], init["b1"][0])
    assert not torch.equal(p["W1"][1], init["W1"][1])
    assert_rejects(cnn.train_cnn, "frozen", Xs, ys, params=init, frozen=[True, False, True], n_epochs=1)


def test_epoch_loss_is_each_models_mean_over_its_own_rows():
    init = cnn.init_cnn(2, seed=1)
    Xs, ys = IMGS[:40], torch.randint(0, 10, (40,), generator=torch.Generator().manual_seed(1))
    mask = torch.ones(40, 2)
    mask[20:, 1] = 0  # model 1 trains on the first half only
    _, hist = cnn.train_cnn(Xs, ys, params=init, mask=mask, n_epochs=1, batch_size=10, lr=1e-12)
    # with lr ~ 0 the epoch loss is the initial loss over each model's own rows
    with torch.no_grad():
        logits = cnn.cnn_forward(init, Xs)
        ce = torch.nn.functional.cross_entropy(logits.reshape(-1, 10), ys.repeat_interleave(2), reduction="none")
    ce = ce.reshape(40, 2)
    assert float(hist["loss"][0, 0]) == pytest.approx(float(ce[:, 0].mean()), rel=1e-5)
    assert float(hist["loss"][0, 1]) == pytest.approx(float(ce[:20, 1].mean()), rel=1e-5)


def test_relative_errors_reject_zero_or_shape_changing_outputs():
    x = torch.randn(1, 1, 4, 4)
    assert_rejects(cnn.equivariance_error, "f", lambda t: 0 * t, x, [(1, 0)])
    assert_rejects(cnn.invariance_error, "f", lambda t: 0 * t, x, [(1, 0)])


def test_accuracy_rejects_bad_labels():
    init = cnn.init_cnn(1, seed=0)
    assert_rejects(cnn.accuracy, "y", init, IMGS[:5], torch.zeros(5) + 0.5)
    assert_rejects(cnn.accuracy, "y", init, IMGS[:5], torch.full((5,), 12))


def test_conv1_unit_phi_rejects_bad_unit_and_model():
    init = cnn.init_cnn(2, seed=0)
    assert_rejects(cnn.conv1_unit_phi, "unit_index", init, 99)
    assert_rejects(cnn.conv1_unit_phi, "model", init, 0, model=5)


# -- the lecture's bookkeeping (cnn.experiments) and figures (cnn.widget) --------------------------
def test_receptive_field_and_placed_filters():
    rf = cnn.receptive_field_mask(5)
    assert rf.sum() == 25 and rf[2:7, 2:7].all() and not rf[1].any() and not rf[:, 7].any()
    p = cnn.init_cnn(2, seed=5)
    placed = cnn.filters_in_image(p, model=1)
    assert torch.equal(placed[:, 2:7, 2:7], p["W1"][1]) and float(placed[:, ~rf].abs().sum()) == 0.0
    # a linear conv unit with the L2 prior is maximised by its filter, placed at the centre
    x = cnn.activation_maximization(cnn.conv1_unit_phi(p, model=1, pre_activation=True), (8, 8, 8), l2=1.0,
                                    steps=300, lr=0.05, init_scale=0.0)
    assert torch.allclose(x, placed, atol=1e-3)
    assert_rejects(cnn.filters_in_image, "model", p, model=2)


def test_top_digits_are_the_most_exciting_images():
    p = cnn.init_cnn(1, seed=6)
    Xd = torch.rand(30, 8, 8, generator=G)
    top = cnn.top_digits(p, Xd, 4)
    _, z1, _ = cnn.cnn_forward(p, Xd, return_features=True)
    score = z1[:, 0].flatten(2).max(-1).values  # (N, C1)
    for k in range(8):
        assert set(top[k].tolist()) == set(score[:, k].argsort(descending=True)[:4].tolist())


def test_few_shot_rows_draw_per_class_without_replacement_and_are_seeded():
    y = torch.arange(60) % 10
    rows = cnn.few_shot_rows(y, range(5, 10), n_seeds=3, per_class=4, seed=3)
    assert rows.shape == (20, 3)
    for s in range(3):
        assert y[rows[:, s]].tolist() == [c for c in range(5, 10) for _ in range(4)]
        assert len(set(rows[:, s].tolist())) == 20
    assert torch.equal(rows, cnn.few_shot_rows(y, range(5, 10), n_seeds=3, per_class=4, seed=3))
    assert not torch.equal(rows[:, 0], rows[:, 1])
    assert_rejects(cnn.few_shot_rows, "classes", y, [5], n_seeds=1, per_class=7)
    assert_rejects(cnn.few_shot_rows, "y", y.float(), [5], n_seeds=1, per_class=1)


def test_paired_gain_mean_and_standard_error():
    acc = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.8, 0.8, 0.8, 0.8])
    mean, se = cnn.paired_gain(acc, 4)
    d = np.array([0.1, 0.0, -0.1, -0.2])
    assert float(mean) == pytest.approx(d.mean(), abs=1e-6)
    assert float(se) == pytest.approx(d.std(ddof=1) / 2, abs=1e-6)
    assert_rejects(cnn.paired_gain, "acc", acc, 3)


def test_lecture_figures_draw_what_they_are_given():
    shifts = [(1, 0), (2, 2)]
    eq = {"a": torch.tensor([1e-20, 0.5]), "b": torch.tensor([0.1, 0.2])}
    fig = cnn.equivariance_figure(eq, torch.tensor([0.0, 1e-3]), shifts)
    assert len(fig.data) == 3 and fig.data[0].y[0] == 1e-17 and list(fig.data[0].x) == ["(1, 0)", "(2, 2)"]
    right_c, right_s = np.array([True, False, True, True]), np.array([True, True, True, True])
    table = cnn.comparison_table(right_c, right_s, 1234, 56)
    cells = table.data[0].cells.values
    assert list(cells[2]) == ["75.00%", "100.00%"] and list(cells[3]) == [1, 0]
    p = cnn.init_cnn(1, seed=0)
    assert np.asarray(cnn.filters_figure(p).data[0].z).shape == (5, 8 * 6 - 1)
    assert np.asarray(cnn.class_inputs_figure(torch.randn(20, 8, 8, generator=G)).data[0].z).shape == (17, 89)
    D = torch.randn(64, 16, generator=G)
    assert len(cnn.atoms_figure(D, D, 0.5).data) == 2
    assert len(cnn.spread_figure(torch.rand(16), torch.rand(16), 3.2).data) == 2
    simple, complex_ = torch.rand(16), torch.rand(16)
    fig = cnn.grating_figure(simple, complex_)
    assert np.allclose(fig.data[0].x[-1], 2 * np.pi * 15 / 16) and np.allclose(fig.data[1].y, complex_.numpy())
    curve = torch.rand(3, 4, generator=G)
    fig = cnn.learning_curve_figure(torch.tensor([1, 2, 3]), curve, 2)
    assert np.allclose(fig.data[0].y, curve[:, :2].mean(1).numpy())
    assert np.allclose(fig.data[2].y, curve[:, 2:].mean(1).numpy())
