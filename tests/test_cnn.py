"""Tests for course_lib.cnn (lecture 02): equivariance, shared-weight gradient, batched CNN,
activation maximisation, the lecture's bookkeeping and figures, widget, and bad-input errors.
(The hand-written Adam it trains with is tested against torch.optim in tests/test_optim.py.)"""

import math

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
    x = cnn.activation_maximization(lambda x: (x * Wl).sum(-1), (3, 7), l2=0.5, lr=0.1)  # default: tol 1e-4
    assert torch.allclose(x, Wl / 0.5, rtol=1e-3, atol=1e-3)


def test_activation_maximization_tol_converges_or_warns():
    """Issue 11: with a gradient-norm tolerance it reaches W / l2 at small l2, and warns when the budget ends first."""
    W = torch.randn(2, 16, generator=torch.Generator().manual_seed(1))
    phi = lambda x: (x * W).sum(-1)  # noqa: E731
    for lam in (0.25, 4.0):
        x = cnn.activation_maximization(phi, (2, 16), l2=lam, steps=3000, tol=1e-4)
        assert float(((x - W / lam).norm(dim=1) / (W / lam).norm(dim=1)).max()) < 1e-3
    with pytest.warns(RuntimeWarning, match="steps"):
        cnn.activation_maximization(phi, (2, 16), l2=0.25, steps=300, tol=1e-4)
    assert_rejects(cnn.activation_maximization, "tol", phi, (2, 16), tol=0.0)


def test_activation_maximization_tv_smooths():
    Wl = torch.randn(2, 6, 6, generator=G)
    phi = lambda x: (x * Wl).sum((-2, -1))  # noqa: E731
    x0 = cnn.activation_maximization(phi, (2, 6, 6), l2=1.0, steps=200, tol=None)
    x1 = cnn.activation_maximization(phi, (2, 6, 6), l2=1.0, tv=0.5, steps=200, tol=None)
    with pytest.raises(ValueError, match="tol"):  # a tolerance the TV prior's subgradient can never meet
        cnn.activation_maximization(phi, (2, 6, 6), l2=1.0, tv=0.5)
    assert float(cnn.total_variation(x1).sum()) < float(cnn.total_variation(x0).sum())


def test_activation_maximization_per_input_tv_equals_separate_runs():
    """A per-input TV weight runs several priors in one loop; the objective separates."""
    Wl = torch.randn(4, 6, 6, generator=G, dtype=torch.float64)
    phi = lambda x: (x * Wl).sum((-2, -1)) + (x**2 * Wl).sum((-2, -1)) * 0.1  # noqa: E731
    tv = torch.tensor([0.0, 0.0, 0.4, 0.4], dtype=torch.float64)
    kw = dict(steps=80, init_scale=0.0, dtype=torch.float64, tol=None)
    joint = cnn.activation_maximization(phi, (4, 6, 6), l2=1.0, tv=tv, **kw)
    plain = cnn.activation_maximization(phi, (4, 6, 6), l2=1.0, tv=0.0, **kw)
    smooth = cnn.activation_maximization(phi, (4, 6, 6), l2=1.0, tv=0.4, **kw)
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
                                    lr=0.05, init_scale=0.0)
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


def test_mean_ci_is_the_student_t_interval():
    from scipy import stats

    x = np.array([0.1, 0.0, -0.1, -0.2, 0.05])
    m, lo, hi = cnn.mean_ci(torch.tensor(x))
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert m == pytest.approx(x.mean()) and (lo, hi) == pytest.approx(ref, rel=1e-9)
    assert_rejects(cnn.mean_ci, "x", torch.tensor([1.0]))
    assert_rejects(cnn.mean_ci, "confidence", x, confidence=1.0)


def test_paired_accuracy_ci_newcombe():
    from course_lib.core.stats import wilson_interval

    a = np.array([True] * 80 + [True] * 6 + [False] * 2 + [False] * 12)
    b = np.array([True] * 80 + [False] * 6 + [True] * 2 + [False] * 12)
    d, lo, hi = cnn.paired_accuracy_ci(a, b)
    assert d == pytest.approx(0.04) and lo < d < hi
    # Newcombe's correction of phi: e h - f g = 80*12 - 6*2 = 948 > 0 becomes 948 - n/2 = 898
    phi = 898 / math.sqrt(86 * 14 * 82 * 18)
    l1, u1 = wilson_interval(86, 100)
    l2, u2 = wilson_interval(82, 100)
    ref_lo = d - math.sqrt((0.86 - l1) ** 2 - 2 * phi * (0.86 - l1) * (u2 - 0.82) + (u2 - 0.82) ** 2)
    ref_hi = d + math.sqrt((u1 - 0.86) ** 2 - 2 * phi * (u1 - 0.86) * (0.82 - l2) + (0.82 - l2) ** 2)
    assert (lo, hi) == pytest.approx((ref_lo, ref_hi), abs=1e-12)
    # swapping A and B mirrors the interval
    d2, lo2, hi2 = cnn.paired_accuracy_ci(b, a)
    assert (d2, lo2, hi2) == pytest.approx((-d, -hi, -lo), abs=1e-12)
    # identical classifiers: the interval is centred at 0
    d0, lo0, hi0 = cnn.paired_accuracy_ci(a, a)
    assert d0 == 0.0 and lo0 == pytest.approx(-hi0) and lo0 < 0 < hi0
    assert_rejects(cnn.paired_accuracy_ci, "a_right", a.astype(int), b)
    assert_rejects(cnn.paired_accuracy_ci, "b_right", a, b[:50])


def test_paired_accuracy_ci_covers_the_true_difference():
    """Coverage of the 95% interval on correlated pairs like the lecture's (accuracies ~0.97/0.98)."""
    rng = np.random.default_rng(0)
    n, cells = 300, np.array([0.955, 0.025, 0.015, 0.005])  # both right, only A, only B, both wrong
    truth = cells[1] - cells[2]
    hits = 0
    for _ in range(400):
        kind = rng.choice(4, size=n, p=cells)
        _, lo, hi = cnn.paired_accuracy_ci((kind == 0) | (kind == 1), (kind == 0) | (kind == 2))
        hits += lo <= truth <= hi
    assert hits / 400 >= 0.92  # nominal 0.95; 400 draws: a 2-s.e. band is about ±0.022


def test_transfer_init_copies_and_freezes_by_arm():
    pre = cnn.init_cnn(1, n_classes=5, seed=7)
    init, frozen = cnn.transfer_init(pre, 3, seed=2)
    A = len(cnn.TRANSFER_ARMS)
    assert init["W1"].shape[0] == 3 * A and frozen.tolist() == [d for _, _, d in cnn.TRANSFER_ARMS for _ in range(3)]
    for a, (_, copied, _) in enumerate(cnn.TRANSFER_ARMS):
        for s in range(3):
            i = a * 3 + s
            for n in ("W1", "b1", "W2", "b2"):
                assert torch.equal(init[n][i], pre[n][0]) == copied or n.startswith("b")
    fresh = cnn.init_cnn(3 * A, n_classes=5, seed=2)
    assert torch.equal(init["W3"], fresh["W3"])  # every arm gets the same fresh read-out per seed index
    assert_rejects(cnn.transfer_init, "n_seeds", pre, 1)


def test_frozen_depths_and_the_cached_path_equal_the_full_forward():
    """Models with frozen conv layers train on the frozen layers' cached output: same numbers as
    the full network, frozen layers exactly unchanged."""
    import course_lib.cnn.train as train_module

    S = 6
    init = cnn.init_cnn(S, n_classes=5, seed=0)
    Xs = torch.rand(20, S, 8, 8, generator=torch.Generator().manual_seed(2))
    ys = torch.randint(0, 5, (20, S), generator=torch.Generator().manual_seed(3))
    depth = torch.tensor([0, 1, 2, 2, 1, 0])
    p, h = cnn.train_cnn(Xs, ys, params=init, frozen=depth, n_epochs=4, batch_size=10, lr=0.02)
    for n, d in (("W1", 1), ("b1", 1), ("W2", 2), ("b2", 2)):
        assert torch.equal(p[n][depth >= d], init[n][depth >= d])
        assert not torch.equal(p[n][depth < d], init[n][depth < d])
    original = train_module._frozen_groups
    try:
        train_module._frozen_groups = lambda *a: None  # force the full forward for every model
        p_full, h_full = cnn.train_cnn(Xs, ys, params=init, frozen=depth, n_epochs=4, batch_size=10, lr=0.02)
    finally:
        train_module._frozen_groups = original
    for n in p:
        assert torch.allclose(p[n], p_full[n], atol=1e-5)
    assert torch.allclose(h["loss"], h_full["loss"], atol=1e-5)
    assert_rejects(cnn.train_cnn, "frozen", Xs, ys, params=init, frozen=torch.tensor([0, 1, 2, 3, 1, 0]))
    assert_rejects(cnn.train_cnn, "frozen", Xs, ys, params=init, frozen=torch.zeros(S) + 0.5)


def test_circular_conv2d_matches_wrap_padding_and_is_equivariant():
    y = cnn.circular_conv2d(X, W)
    assert torch.allclose(y, circ(X), atol=1e-12) and y.shape == (3, 4, 10, 10)
    # the wrap-around by hand: a tiled image, convolved without padding, cropped
    tiled = X.repeat(1, 1, 3, 3)[..., 9:21, 9:21]
    assert torch.allclose(y, F.conv2d(tiled, W), atol=1e-12)
    assert float(cnn.equivariance_error(lambda x: cnn.circular_conv2d(x, W), X, [(3, 7)]).max()) < 1e-12
    assert cnn.circular_conv2d(X, W, stride=2).shape == (3, 4, 5, 5)
    assert_rejects(cnn.circular_conv2d, "w", X, torch.zeros(4, 1, 2, 2))
    assert_rejects(cnn.circular_conv2d, "w", X, torch.zeros(4, 2, 3, 3))
    assert_rejects(cnn.circular_conv2d, "stride", X, W, stride=0)


def test_impulse_receptive_field_of_stacks_and_dilations():
    g = torch.Generator().manual_seed(5)
    ws = [torch.randn(3, 3, 3, 3, generator=g, dtype=torch.float64) for _ in range(3)]

    def stack(n, dilation=1, relu=False):
        def f(x):
            for w in ws[:n]:
                x = F.conv2d(x, w, padding=dilation, dilation=dilation)
                x = torch.relu(x) if relu else x
            return x
        return f

    for n in (1, 2, 3):
        side = 2 * n + 1
        for relu in (False, True):  # several random draws: a ReLU that is off for one input punches no hole
            rf = cnn.impulse_receptive_field(stack(n, relu=relu), (3, 13, 13))
            assert int(rf.sum()) == side**2 and bool(rf[6 - n : 7 + n, 6 - n : 7 + n].all())
    # a dilated 3x3 (dilation 2) reads a 5x5 window with holes: 9 pixels
    rf = cnn.impulse_receptive_field(stack(1, dilation=2), (3, 13, 13))
    assert int(rf.sum()) == 9 and bool(rf[4, 4]) and not bool(rf[5, 5])
    assert_rejects(cnn.impulse_receptive_field, "shape", stack(1), (1, 3, 13, 13))
    assert_rejects(cnn.impulse_receptive_field, "f", lambda x: x.sum(), (3, 13, 13))
    assert_rejects(cnn.impulse_receptive_field, "n_draws", stack(1), (3, 13, 13), n_draws=0)


def test_prediction_receptive_field():
    pred = cnn.prediction_receptive_field(5)
    assert pred.answer == 11 and pred.check(11, strict=True) and not pred.check(7)
    assert not pred.check(...)  # unattempted: a sentence, no failure
    assert len(pred.hints) >= 2


def test_exercise_hints_come_in_steps_and_do_not_give_the_code(capsys):
    from course_lib import sparse_coding as sc

    for ex in (cnn.exercise_shift_test(), sc.exercise_renormalize()):
        assert len(ex.hints) >= 2
        assert ex.hints[0].rstrip().endswith("?")  # the first step is a question
        assert not any("torch." in h or "(x" in h for h in ex.hints)  # never the line of code


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
    fig = cnn.training_figure(torch.tensor([1.0, 0.5, 0.1]))
    assert list(fig.data[0].x) == [1, 2, 3] and np.allclose(fig.data[0].y, [1.0, 0.5, 0.1])
    rf = torch.zeros(5, 5, dtype=torch.bool)
    rf[1:4, 1:4] = True
    fig = cnn.receptive_field_figure(rf, rf)
    assert len(fig.data) == 2 and np.asarray(fig.data[0].z).sum() == 9
    energy = torch.rand(4, 2, generator=G)
    fig = cnn.dictionary_convergence_figure(energy, [3, 2.9, 2.8, 2.8], [2.9] * 4, [3.1] * 4, torch.tensor([0.5, 1.0]))
    assert np.allclose(fig.data[1].y, energy[:, 1].numpy()) and np.allclose(fig.data[3].y, [3, 2.9, 2.8, 2.8])
    fig = cnn.transfer_figure({"a": (0.01, 0.0, 0.02), "b": (0.04, 0.03, 0.05)}, 0.02)
    assert np.allclose(fig.data[0].x, [1.0, 4.0]) and np.allclose(fig.data[0].error_x.array, [1.0, 1.0])
