import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import perceptron
from course_lib.core.data import separable_blobs, xor
from tests.helpers import assert_rejects


def test_starts_from_zero_and_visits_in_order():
    X = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    y = torch.tensor([1.0, -1.0])
    r = perceptron.train_perceptron(X, y, epochs=1, stop_when_separated=False)
    # first sample: w=0 is a mistake -> w = (1, 0, 1); second: (1,0,1)·(0,1,1)=1 > 0 with y=-1 -> mistake
    assert r.mistakes_per_epoch == [2]
    assert torch.allclose(r.w, torch.tensor([1.0, -1.0], dtype=torch.float64))
    assert r.b == 0.0
    assert all(isinstance(m, int) for m in r.mistakes_per_epoch)


@pytest.mark.parametrize("margin", [0.05, 0.2, 0.5])
def test_mistakes_within_novikoff_bound_and_separates(margin):
    X, y, _ = separable_blobs(n=150, margin=margin, seed=3)
    r = perceptron.train_perceptron(X, y, epochs=2000)
    assert r.converged
    assert r.total_mistakes <= perceptron.novikoff_bound(X, y)
    assert torch.all(torch.sign(X.double() @ r.w + r.b) == y)


def test_max_margin_closed_form():
    # z1=(1,1), z2=(1,-1): the min-norm point of their hull is (1,0): γ=1, R=√2, bound 2
    X = torch.tensor([[1.0], [-1.0]])
    y = torch.tensor([1.0, -1.0])
    gamma, w = perceptron.max_margin(X, y)
    assert gamma == pytest.approx(1.0, abs=1e-6)
    assert perceptron.novikoff_bound(X, y) == pytest.approx(2.0, rel=1e-6)


def test_max_margin_not_below_generator_margin():
    X, y, u = separable_blobs(n=80, margin=0.3, seed=0)
    gamma, w = perceptron.max_margin(X, y)
    # u (no bias) is a feasible unit separator of the augmented data with margin ≥ 0.3/‖(u,0)‖ = 0.3
    assert gamma >= 0.3 - 1e-9
    assert float(w.norm()) == pytest.approx(1.0)


def test_xor_best_linear_rule_is_three_quarters():
    X, y = xor()
    assert not perceptron.linearly_separable(X, y)
    assert perceptron.best_linear_accuracy(X, y) == 0.75
    r = perceptron.train_perceptron(X, y, epochs=50)
    assert min(r.mistakes_per_epoch) >= 1 and not r.converged


def test_non_separable_rejected_by_bound():
    X, y = xor()
    assert_rejects(perceptron.novikoff_bound, "not linearly separable", X, y, exc=ValueError)


def test_exercise_reference_passes_and_wrong_fails():
    ex = perceptron.exercise_perceptron_update()
    assert ex.check(lambda w, x, y: w + y * x if y * (w @ x) <= 0 else w, strict=True)
    assert not ex.check(lambda w, x, y: w + y * x if y * (w @ x) < 0 else w)  # strict < misses w=0


# -- bad input --------------------------------------------------------------------------------
def test_rejects_labels_outside_pm1():
    assert_rejects(perceptron.train_perceptron, "y", np.zeros((3, 2)), np.array([1.0, 0.0, -1.0]))


def test_rejects_wrong_shapes_and_epochs():
    assert_rejects(perceptron.train_perceptron, "X", np.zeros(3), np.ones(3))
    assert_rejects(perceptron.train_perceptron, "y", np.zeros((3, 2)), np.ones(4))
    assert_rejects(perceptron.train_perceptron, "epochs", np.zeros((3, 2)), np.ones(3), epochs=0)
    assert_rejects(perceptron.train_perceptron, "epochs", np.zeros((3, 2)), np.ones(3), epochs=2.5)


@pytest.mark.parametrize("flag", [1, 0, "yes", None, np.float64(1.0)])
def test_rejects_flags_that_are_not_bools(flag):
    X, y = xor()
    assert_rejects(perceptron.train_perceptron, "stop_when_separated", X, y, stop_when_separated=flag,
                   exc=TypeError)


def test_accepts_numpy_bool_flag():
    X, y = xor()
    r = perceptron.train_perceptron(X, y, epochs=3, stop_when_separated=np.bool_(False))
    assert len(r.mistakes_per_epoch) == 3


@given(bad=st.sampled_from([np.nan, np.inf, -np.inf]), row=st.integers(0, 3), col=st.integers(0, 1))
def test_rejects_non_finite(bad, row, col):
    X, y = xor()
    X = X.clone()
    X[row, col] = bad
    assert_rejects(perceptron.train_perceptron, "X", X, y)
    assert_rejects(perceptron.novikoff_bound, "X", X, y)


@given(label=st.floats(allow_nan=False).filter(lambda v: v not in (-1.0, 1.0)))
def test_property_bad_labels(label):
    X, y = xor()
    y = y.clone()
    y[0] = label
    assert_rejects(perceptron.novikoff_bound, "y", X, y)


@given(epochs=st.integers(max_value=0))
def test_property_bad_epochs(epochs):
    X, y = xor()
    assert_rejects(perceptron.train_perceptron, "epochs", X, y, epochs=epochs)


# -- the tight case of Novikoff's bound; Minsky & Papert ---------------------------------------
@pytest.mark.parametrize("n", [4, 8, 32])
def test_orthogonal_worst_case_attains_the_bound(n):
    X, y = perceptron.orthogonal_worst_case(n)
    assert X.shape == (n, n - 1)
    Xa = torch.cat([torch.ones(n, 1, dtype=torch.float64), X], dim=1)
    torch.testing.assert_close(Xa @ Xa.T, n * torch.eye(n, dtype=torch.float64))
    r = perceptron.train_perceptron(X, y, epochs=10)
    assert r.total_mistakes == n and r.mistakes_per_epoch == [n, 0]
    assert perceptron.novikoff_bound(X, y) == pytest.approx(n, rel=1e-8)
    assert perceptron.max_margin(X, y)[0] == pytest.approx(1.0, rel=1e-8)
    # R without the bias coordinate would give a "bound" below the mistakes
    assert float(X.norm(dim=1).max()) ** 2 / perceptron.max_margin(X, y)[0] ** 2 < r.total_mistakes


def test_orthogonal_worst_case_rejects_bad_n():
    assert_rejects(perceptron.orthogonal_worst_case, "n", 6)
    assert_rejects(perceptron.orthogonal_worst_case, "n", 1)


def test_bit_patterns_parity_and_order_features():
    from itertools import product
    from math import comb

    B = perceptron.bit_patterns(4)
    assert sorted(map(tuple, B.int().tolist())) == sorted(product([0, 1], repeat=4))
    assert perceptron.parity(B).tolist() == [1.0 if sum(r) % 2 else -1.0 for r in B.int().tolist()]
    F = perceptron.order_features(B, 2)
    assert F.shape == (16, comb(4, 1) + comb(4, 2))
    torch.testing.assert_close(F[:, 4], B[:, 0] * B[:, 1])
    X, y = xor()
    assert perceptron.parity((X > 0).double()).tolist() == y.tolist()  # XOR is parity of 2 bits
    assert_rejects(perceptron.order_features, "order", B, 5)
    assert_rejects(perceptron.parity, "B", B * 2)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_parity_has_order_n(n):
    assert perceptron.parity_order(n) == n


def test_local_features_are_the_masks_inside_windows():
    img = torch.tensor([[[1.0, 1.0], [0.0, 1.0]]])
    F = perceptron.local_features(img, window=(2, 2))
    assert F.shape == (1, 15) and int(F.sum()) == 7  # non-empty subsets of the 3 black pixels
    F1 = perceptron.local_features(torch.zeros(1, 3, 3), window=(1, 1))
    assert F1.shape == (1, 9)
    assert_rejects(perceptron.local_features, "window", img, window=(3, 1))
    assert_rejects(perceptron.local_features, "window", img, window=2, exc=TypeError)
    assert_rejects(perceptron.local_features, "images", img[0])


def test_count_components_matches_scipy():
    from scipy import ndimage

    g = torch.Generator().manual_seed(0)
    images = (torch.rand(300, 5, 6, generator=g) < 0.45).double()
    want = [ndimage.label(im.numpy())[1] for im in images]
    assert perceptron.count_components(images).tolist() == want


def test_minsky_papert_figures_defeat_every_local_perceptron():
    figs, names = perceptron.minsky_papert_figures()
    assert figs.shape == (4, 5, 5) and len(names) == 4
    assert perceptron.count_components(figs).tolist() == [2, 1, 1, 2]
    for window in [(2, 2), (3, 3)]:  # no window narrower than the retina sees both ends
        phi = perceptron.local_features(figs, window=window)
        assert float((phi[0] + phi[3] - phi[1] - phi[2]).abs().max()) == 0.0
        assert not perceptron.linearly_separable(phi, torch.tensor([-1.0, 1.0, 1.0, -1.0]))
    text = perceptron.figures_text(figs, names)
    assert all(n in text for n in names) and text.count("\n") == 5


def test_connectedness_is_local_on_a_small_retina():
    images = perceptron.bit_patterns(12).reshape(-1, 3, 4)
    y = torch.where(perceptron.count_components(images) <= 1, 1.0, -1.0)
    assert perceptron.linearly_separable(perceptron.local_features(images), y)
    assert not perceptron.linearly_separable(images.reshape(-1, 12), y)  # order 1 is not enough


def test_prediction_parity_order_and_stepped_hints():
    pred = perceptron.prediction_parity_order(8)
    assert pred.check(8) and pred.check(8.3) and not pred.check(7) and not pred.check("8")
    ex = perceptron.exercise_perceptron_update()
    assert len(ex.hints) == 2 and all("w + y" not in h for h in ex.hints)
