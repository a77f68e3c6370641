"""Tests for course_lib.generalization (lecture 06): kernels against references, the public API, the widget,
bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import generalization as gen
from course_lib.core.validate import Diverged
from course_lib.ui.widgets import measure_latency
from tests.helpers import assert_rejects

F64 = torch.float64


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# ----------------------------------------------------------------------------- random labels
def test_random_labels_replace_exactly_the_fraction_with_uniform_draws_over_all_classes():
    y = torch.arange(20_000) % 10
    out = gen.random_labels(y, [0.0, 0.3, 1.0], 10, seed=3)
    assert out.shape == (3, 20_000) and out.dtype == torch.long
    assert torch.equal(out[0], y)
    # exactly round(f n) positions are redrawn; a redraw keeps the old label with probability 1/10
    changed = (out != y).float().mean(1)
    assert abs(float(changed[1]) - 0.3 * 0.9) < 0.01 and abs(float(changed[2]) - 0.9) < 0.01
    counts = torch.bincount(out[2], minlength=10).double() / 20_000
    assert float((counts - 0.1).abs().max()) < 0.01  # uniform over all classes
    one = gen.random_labels(y[:100], 0.5, 10, seed=3)
    assert one.shape == (100,) and torch.equal(one, gen.random_labels(y[:100], 0.5, 10, seed=3))
    assert not torch.equal(one, gen.random_labels(y[:100], 0.5, 10, seed=4))


def test_random_labels_chooses_round_f_n_positions():
    y = torch.zeros(50, dtype=torch.long)
    out = gen.random_labels(y, [0.2] * 400, 1000, seed=0)  # 1000 classes: a redraw rarely keeps label 0
    touched = (out != 0).sum(1)  # a redraw hits label 0 with probability 1/1000
    assert int(touched.max()) == 10 and float(touched.float().mean()) > 9.9


@given(frac=st.sampled_from([-0.1, 1.5, math.nan, "half", None]))
def test_random_labels_rejects_bad_fraction(frac):
    assert_rejects(gen.random_labels, "fraction", torch.arange(10) % 3, frac, 3)


@given(bad=st.sampled_from([torch.tensor([0.0, 1.0]), torch.tensor([0, 5]), torch.tensor([[0, 1]]),
                            torch.tensor([-1, 0]), [0.5, 1.0], "abc", torch.tensor([True, False])]))
def test_random_labels_rejects_bad_labels(bad):
    assert_rejects(gen.random_labels, "y", bad, 0.5, 3)


def test_random_labels_rejects_bad_classes_and_seed():
    assert_rejects(gen.random_labels, "n_classes", torch.arange(4), 0.5, 1)
    assert_rejects(gen.random_labels, "n_classes", torch.arange(4), 0.5, 2.5)
    assert_rejects(gen.random_labels, "seed", torch.arange(4), 0.5, 4, seed=-1)


# ----------------------------------------------------------------------------- norms and R_A
def test_spectral_norm_and_norm_2_1_match_numpy():
    A = _rand(3, 5, 7)
    s = gen.spectral_norm(A)
    for k in range(3):
        a = A[k].numpy()
        assert float(s[k]) == pytest.approx(np.linalg.svd(a, compute_uv=False)[0], rel=1e-12)
        assert float(s[k]) < np.linalg.norm(a)  # not the Frobenius norm
        assert float(gen.norm_2_1(A[k])) == pytest.approx(np.linalg.norm(a, axis=0).sum(), rel=1e-12)  # columns
        assert float(gen.norm_2_1(A[k].T)) == pytest.approx(np.linalg.norm(a, axis=1).sum(), rel=1e-12)  # rows


def test_spectral_complexity_of_a_single_matrix_is_its_row_norm_sum():
    # L = 1: R_A = ||A||_s (||A^T||_{2,1} / ||A||_s)^{(2/3)(3/2)} = ||A^T||_{2,1}
    A = _rand(4, 9, seed=1)
    assert gen.spectral_complexity([A]) == pytest.approx(float(A.norm(dim=1).sum()), rel=1e-12)
    D = torch.diag(torch.tensor([3.0, -1.0, 2.0], dtype=F64))
    assert gen.spectral_complexity([D]) == pytest.approx(6.0, rel=1e-14)
    assert gen.spectral_complexity([D], lipschitz=0.5) == pytest.approx(3.0, rel=1e-14)


@pytest.mark.parametrize("L, d", [(1, 5), (3, 16), (4, 32)])
def test_spectral_complexity_of_orthogonal_layers_is_L_to_three_halves_times_d(L, d):
    Q = [torch.linalg.qr(_rand(d, d, seed=i))[0] for i in range(L)]
    assert gen.spectral_complexity(Q) == pytest.approx(L ** 1.5 * d, rel=1e-10)


def test_spectral_complexity_against_a_numpy_reference_with_references_and_batches():
    Ws = [_rand(2, 6, 4, seed=1), _rand(2, 5, 6, seed=2), _rand(2, 3, 5, seed=3)]
    Ms = [0.3 * _rand(*A.shape, seed=10 + i) for i, A in enumerate(Ws)]
    rho = [1.0, 0.5, 2.0]
    batched = gen.spectral_complexities(Ws, Ms, rho)
    assert batched.shape == (2,)
    for b in range(2):
        a = [A[b].numpy() for A in Ws]
        m = [M[b].numpy() for M in Ms]
        s = [np.linalg.norm(x, 2) for x in a]
        t = [np.linalg.norm(x - y, axis=1).sum() for x, y in zip(a, m)]
        ref = np.prod([r * v for r, v in zip(rho, s)]) * sum((ti / si) ** (2 / 3) for ti, si in zip(t, s)) ** 1.5
        assert float(batched[b]) == pytest.approx(ref, rel=1e-12)
        assert gen.spectral_complexity([A[b] for A in Ws], [M[b] for M in Ms], rho) == pytest.approx(ref, rel=1e-12)
    # references equal to the weights: no (2,1) term left
    assert float(gen.spectral_complexities(Ws, Ws)[0]) == 0.0
    # positive homogeneity: scaling one layer by c scales R_A by c
    scaled = [Ws[0], 3 * Ws[1], Ws[2]]
    assert torch.allclose(gen.spectral_complexities(scaled), 3 * gen.spectral_complexities(Ws), rtol=1e-12)


@given(case=st.sampled_from(["mismatch", "nan", "empty", "tensor", "zero", "refs", "lip"]))
def test_spectral_complexity_rejects_bad_input(case):
    A, B = _rand(4, 3), _rand(2, 4)
    if case == "mismatch":
        assert_rejects(gen.spectral_complexity, "weights", [A, _rand(2, 5)])
    elif case == "nan":
        A[0, 0] = math.nan
        assert_rejects(gen.spectral_complexity, "weights[0]", [A, B])
    elif case == "empty":
        assert_rejects(gen.spectral_complexity, "weights", [])
    elif case == "tensor":
        assert_rejects(gen.spectral_complexity, "weights", A)
    elif case == "zero":
        assert_rejects(gen.spectral_complexity, "weights", [torch.zeros(4, 3, dtype=F64), B])
    elif case == "refs":
        assert_rejects(gen.spectral_complexity, "references", [A, B], [A])
    else:
        assert_rejects(gen.spectral_complexity, "lipschitz", [A, B], lipschitz=[1.0])
        assert_rejects(gen.spectral_complexity, "lipschitz", [A, B], lipschitz=-1.0)
    assert_rejects(gen.spectral_complexity, "weights", [_rand(2, 4, 3)])  # a batch: use spectral_complexities


# ----------------------------------------------------------------------------- margins
def test_margins_against_a_loop_and_their_sign_is_correctness():
    logits = _rand(2, 30, 4, seed=5)
    y = torch.randint(4, (2, 30), generator=torch.Generator().manual_seed(0))
    m = gen.margins(logits, y)
    for b in range(2):
        for i in range(30):
            others = [float(logits[b, i, j]) for j in range(4) if j != int(y[b, i])]
            assert float(m[b, i]) == pytest.approx(float(logits[b, i, y[b, i]]) - max(others), abs=1e-12)
    assert torch.equal(m > 0, logits.argmax(-1) == y)
    assert torch.allclose(gen.margins(logits, y[0]), torch.stack([gen.margins(logits[b], y[0]) for b in range(2)]))


def test_normalized_margins_divide_by_r_a_times_frobenius_over_n():
    X = _rand(30, 5, seed=2)
    logits = _rand(2, 30, 3, seed=3)
    y = torch.arange(30) % 3
    R = torch.tensor([2.0, 5.0], dtype=F64)
    out = gen.normalized_margins(logits, y, R, X)
    ref = gen.margins(logits, y) * 30 / (R[:, None] * X.norm())
    assert torch.allclose(out, ref, rtol=1e-12)
    assert torch.allclose(gen.normalized_margins(logits[0], y, 2.0, X), ref[0], rtol=1e-12)
    assert_rejects(gen.normalized_margins, "X", logits, y, R, X[:20])
    assert_rejects(gen.normalized_margins, "spectral_complexity", logits, y, [1.0, 2.0, 3.0], X)
    assert_rejects(gen.normalized_margins, "spectral_complexity", logits, y, [0.0, 2.0], X)


@given(bad=st.sampled_from(["shape", "range", "classes"]))
def test_margins_reject_bad_input(bad):
    logits = _rand(5, 3)
    if bad == "shape":
        assert_rejects(gen.margins, "y", logits, torch.zeros(4, dtype=torch.long))
    elif bad == "range":
        assert_rejects(gen.margins, "y", logits, torch.tensor([0, 1, 2, 3, 0]))
    else:
        assert_rejects(gen.margins, "logits", _rand(5, 1), torch.zeros(5, dtype=torch.long))


# ----------------------------------------------------------------------------- the nets and training
def test_init_mlp_pads_narrow_members_with_zeros_and_uses_he_scaling():
    Ws, Ms = gen.init_mlp([3, 200], 50, 4, seed=1, dtype=F64)
    assert [tuple(A.shape) for A in Ws] == [(2, 200, 50), (2, 200, 200), (2, 4, 200)]
    assert int((Ws[0][0] != 0).sum()) == 3 * 50 and int((Ws[1][0] != 0).sum()) == 9
    assert torch.equal(Ws[1] * Ms[1], Ws[1])
    assert float(Ws[0][1].var()) == pytest.approx(2 / 50, rel=0.05)  # He: 2 / fan-in
    assert float(Ws[1][1].var()) == pytest.approx(2 / 200, rel=0.05)
    assert float(Ws[2][1].var()) == pytest.approx(1 / 200, rel=0.2)  # the linear output layer
    assert_rejects(gen.init_mlp, "widths", [3, 0], 5, 2)
    assert_rejects(gen.init_mlp, "widths", [2.5], 5, 2)
    assert_rejects(gen.init_mlp, "d_in", 4, 0, 2)
    assert gen.count_parameters(200, 50, 4) == 50 * 200 + 200 * 200 + 200 * 4


def test_forward_is_the_layer_by_layer_product():
    Ws, Ms = gen.init_mlp([6, 6], 5, 3, seed=2, dtype=F64)
    X = _rand(7, 5)
    out = gen.forward(Ws, X, Ms)
    ref = torch.relu(torch.relu(X @ Ws[0][1].T) @ Ws[1][1].T) @ Ws[2][1].T
    assert out.shape == (2, 7, 3) and torch.allclose(out[1], ref, rtol=1e-12)


@pytest.fixture(scope="module")
def toy():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(60, 6, generator=g)
    y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
    return X, y


def test_members_train_independently_in_one_ensemble(toy):
    X, y = toy
    Y = gen.random_labels(y, [0.0, 1.0], 3, seed=1)
    W2, M2 = gen.init_mlp([16, 16], 6, 3, seed=4)
    h2 = gen.train_ensemble(W2, M2, X, Y, epochs=5, lr=0.01, batch_size=16, weight_decay=[0.0, 0.01], seed=3)
    W1 = [A[1:].clone() for A in gen.init_mlp([16, 16], 6, 3, seed=4)[0]]
    h1 = gen.train_ensemble(W1, [M[1:] for M in M2], X, Y[1:], epochs=5, lr=0.01, batch_size=16, weight_decay=0.01,
                            seed=3)
    for A2, A1 in zip(h2.weights, h1.weights):
        assert torch.allclose(A2[1], A1[0], atol=1e-5)
    assert h2.loss.shape == (6, 2) and h2.acc_train.shape == (6, 2)
    assert torch.equal(h2.snapshots[0][0][0], gen.init_mlp([16, 16], 6, 3, seed=4)[0][0])


def test_training_fits_and_records_every_epoch_for_tracked_members_only(toy):
    X, y = toy
    Ws, Ms = gen.init_mlp([64, 64, 64], 6, 3, seed=0)
    Y = gen.random_labels(y, [0.0, 1.0, 1.0], 3, seed=2)
    h = gen.train_ensemble(Ws, Ms, X, Y, epochs=40, lr=0.01, batch_size=20, evals={"test": (X, y)},
                           keep_correct=("test",), track=[0, 1])
    assert float(h.acc_train[-1, 0]) == 1.0 and float(h.acc_train[-1, 1]) == 1.0  # true and random labels fitted
    assert torch.isnan(h.acc_test[1:-1, 2]).all() and not torch.isnan(h.acc_test[:, :2]).any()
    assert not torch.isnan(h.acc_test[-1]).any()
    assert torch.equal(h.correct_test[-1].float().mean(1), h.acc_test[-1])
    out = h.output(X.T)  # TrainHistory.output reads the bias-free weights (zero biases)
    assert torch.allclose(out.transpose(1, 2), gen.forward(h.weights, X), atol=1e-5)


def test_train_ensemble_raises_diverged_while_it_happens(toy):
    X, y = toy
    Ws, Ms = gen.init_mlp([4], 6, 3, seed=0)
    with pytest.raises(Diverged, match="lr"):
        gen.train_ensemble(Ws, Ms, 1e30 * X, y, epochs=3, lr=1e30)


@given(case=st.sampled_from(["lr", "epochs", "X", "Y", "weight_decay", "track", "keep_correct"]))
def test_train_ensemble_rejects_bad_input(case, toy):
    X, y = toy
    Ws, Ms = gen.init_mlp([4, 4], 6, 3, seed=0)
    kw = dict(epochs=1, lr=0.01)
    if case == "lr":
        assert_rejects(gen.train_ensemble, "lr", Ws, Ms, X, y, epochs=1, lr=-1.0)
    elif case == "epochs":
        assert_rejects(gen.train_ensemble, "epochs", Ws, Ms, X, y, epochs=1.5, lr=0.01)
    elif case == "X":
        assert_rejects(gen.train_ensemble, "X", Ws, Ms, X[:, :5], y, **kw)
    elif case == "Y":
        assert_rejects(gen.train_ensemble, "Y", Ws, Ms, X, y[:10], **kw)
        assert_rejects(gen.train_ensemble, "Y", Ws, Ms, X, y + 3, **kw)
    elif case == "weight_decay":
        assert_rejects(gen.train_ensemble, "weight_decay", Ws, Ms, X, y, weight_decay=[0.1, 0.1, 0.1], **kw)
    elif case == "track":
        assert_rejects(gen.train_ensemble, "track", Ws, Ms, X, y, track=[5], **kw)
    else:
        assert_rejects(gen.train_ensemble, "keep_correct", Ws, Ms, X, y, keep_correct=("test",), **kw)
        assert_rejects(gen.train_ensemble, "evals", Ws, Ms, X, y, evals=[(X, y)], **kw)


# ----------------------------------------------------------------------------- capacity and the bootstrap
def test_capacity_terms_are_their_formulas():
    Ws = [_rand(8, 5, seed=1), _rand(8, 8, seed=2), _rand(3, 8, seed=3)]
    X = _rand(40, 5, seed=4)
    gamma = 2.0
    frob = float(gen.frobenius_capacity(Ws, X, gamma))
    ref = float(X.norm(dim=1).max()) * (math.sqrt(6 * math.log(2)) + 1) * math.prod(float(A.norm()) for A in Ws)
    assert frob == pytest.approx(ref / (gamma * math.sqrt(40)), rel=1e-12)
    spec = float(gen.spectral_capacity(Ws, X, gamma))
    assert spec == pytest.approx(float(X.norm()) * gen.spectral_complexity(Ws) * math.log(8) / (gamma * 40), rel=1e-12)
    assert gen.vc_dimension_scale(1024, 3) == pytest.approx(1024 * 3 * 10)
    assert_rejects(gen.vc_dimension_scale, "n_params", 1, 3)
    assert_rejects(gen.frobenius_capacity, "gamma", Ws, X, 0.0)
    batch = [torch.stack([A, 2 * A]) for A in Ws]
    assert gen.spectral_capacity(batch, X, [1.0, 2.0]).shape == (2,)
    assert_rejects(gen.spectral_capacity, "gamma", batch, X, [1.0, 2.0, 3.0])


def test_median_ratio_ci_brackets_the_ratio_of_medians():
    a, b = 3 + _rand(400, seed=1).abs(), 1 + _rand(300, seed=2).abs()
    ratio, (lo, hi) = gen.median_ratio_ci(a, b, n_boot=500, seed=1)
    assert ratio == pytest.approx(float(np.median(a.numpy()) / np.median(b.numpy())), rel=1e-12)
    assert lo < ratio < hi and hi - lo < 0.3
    assert (ratio, (lo, hi)) == gen.median_ratio_ci(a, b, n_boot=500, seed=1)
    assert_rejects(gen.median_ratio_ci, "b", a, -b)
    assert_rejects(gen.median_ratio_ci, "n_boot", a, b, n_boot=1)
    assert_rejects(gen.median_ratio_ci, "confidence", a, b, confidence=1.0)


# ----------------------------------------------------------------------------- experiments and the widget
@pytest.fixture(scope="module")
def small_run():
    return gen.generalization_experiment(fractions=(0.0, 0.5, 1.0), n_draws=2, width=32, table_widths=(8,),
                                         weight_decays=(1e-3, 1e-2), epochs=12, n_train=200, n_val=100)


def test_experiment_structure_and_summaries(small_run):
    r = small_run
    assert len(r["members"]) == 6 + 2 + 4 and r["grid"].shape == (2, 3)
    assert all(r["members"][int(b)]["group"] == "grid" for b in r["grid"].reshape(-1))
    assert r["data"]["X_train"].shape == (200, 64) and r["data"]["X_test"].shape == (1797 - 300, 64)
    assert abs(float(r["data"]["X_train"].mean())) < 1e-5
    assert gen.noise_grid(r, "acc_test").shape == (2, 3, 13)
    assert gen.epochs_to_fit(r).shape == (12,)
    es = gen.early_stopping(r)
    assert es["correct_last"].shape == (2, 3, 1497) and es["epoch"].shape == (2, 3)
    assert torch.allclose(es["correct_last"].float().mean(-1), es["test_last"])
    ms = gen.margin_study(r, n_boot=50)
    assert ms["norm"].shape == (2, 3, 200) and ms["raw_true"].shape == (400,)
    cap = gen.capacity_numbers(r)
    assert cap["n_params"] == gen.count_parameters(32, 64, 10) and cap["spectral"].shape == (2,)
    rows = gen.table_rows(r)
    assert [(row["width"], row["variant"]) for row in rows] == [
        (8, "true labels"), (8, "true labels, weight decay"), (8, "random labels"),
        (32, "true labels"), (32, "true labels, weight decay")] + [(32, "random labels")]
    assert "| width 8, true labels |" in gen.widget.table_markdown(rows)
    assert_rejects(gen.generalization_experiment, "fractions", fractions=(0.0, 0.5))


def test_widget_moves_update_the_figure(small_run):
    ui = gen.build_generalization_widget(small_run)
    st_ = ui.state
    ui.controls["noise"].value = "100%"
    assert np.allclose(ui.trace_data(0), st_["train_error"][2]) and np.allclose(ui.trace_data(1), st_["test_error"][2])
    assert np.allclose(ui.trace_data(3), st_["hist"][2]) and np.allclose(ui.trace_data(2), st_["hist"][0])
    assert "100% of the labels replaced" in ui.figure.layout.title.text
    ui.controls["noise"].value = "0%"
    assert np.allclose(ui.trace_data(3), st_["hist"][0])
    assert measure_latency(ui)["moves"] > 0


def test_figures_build(small_run):
    ms = gen.margin_study(small_run, n_boot=50)
    figs = [gen.widget.gap_figure(small_run), gen.widget.random_labels_figure(small_run),
            gen.widget.early_stopping_figure(small_run), gen.widget.capacity_figure(gen.capacity_numbers(small_run)),
            gen.widget.margins_figure(ms)]
    assert all(len(fig.data) > 1 for fig in figs)


# ----------------------------------------------------------------------------- exercises
def test_exercises_accept_the_solution_and_reject_plausible_mistakes():
    ex = gen.exercise_norms()
    assert ex.check(lambda A: torch.stack([torch.linalg.matrix_norm(A, ord=2), A.norm(dim=1).sum()]), strict=True)
    assert not ex.check(lambda A: torch.stack([A.norm(), A.norm(dim=1).sum()]))  # Frobenius
    assert not ex.check(lambda A: torch.stack([torch.linalg.matrix_norm(A, ord=2), A.norm(dim=0).sum()]))  # columns

    def r_a(Ws):
        s = torch.stack([torch.linalg.matrix_norm(A, ord=2) for A in Ws])
        t = torch.stack([A.norm(dim=1).sum() for A in Ws])
        return float(s.prod() * ((t / s) ** (2 / 3)).sum() ** 1.5)

    ex2 = gen.exercise_spectral_complexity()
    assert ex2.check(r_a, strict=True)
    assert not ex2.check(lambda Ws: float(torch.stack([torch.linalg.matrix_norm(A, ord=2) for A in Ws]).prod()))
    assert gen.prediction_orthogonal_complexity(3, 64).check(3 ** 1.5 * 64, strict=True)
    assert not gen.prediction_orthogonal_complexity(3, 64).check(64 * 3)
    assert gen.prediction_noisy_accuracy(0.6).check(0.55) and not gen.prediction_noisy_accuracy(0.6).check(0.9)
