"""Tests for course_lib.admm (lecture 09): block updates zero their subproblem's gradient,
Algorithm 1 decreases L block by block, distributed == single process, bad input is rejected."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib import admm
from course_lib.admm.kernels import (
    augmented_lagrangian_terms,
    kkt_multipliers,
    multiplier_step,
    solve_last_W,
    update_hidden_V,
    update_hidden_W,
    update_last_V,
    update_last_W,
    update_penultimate_V,
)
from course_lib.admm.parallel import default_start_method
from course_lib.core.history import TrainHistory
from course_lib.core.mlp import ACTIVATIONS, augment, backprop_deltas, backprop_grads, forward, forward_pass
from course_lib.core.validate import Diverged
from tests.helpers import assert_rejects

ACT = ACTIVATIONS["sigmoid"]


def _state(seed=0, B=2, sizes=(2, 5, 4, 3), n=30, lam_scale=0.3):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(sizes[0], n, generator=g, dtype=torch.float64)
    Y = torch.randn(sizes[-1], n, generator=g, dtype=torch.float64)
    Ws = admm.init_weights(list(sizes), [1.0, 2.0][:B], seed)
    Ws = [W + 0.1 * torch.randn(W.shape, generator=g, dtype=torch.float64) for W in Ws]
    Vs = [X.expand(B, -1, -1)] + [torch.rand(B, d, n, generator=g, dtype=torch.float64) for d in sizes[1:]]
    Lams = [lam_scale * torch.randn(B, d, n, generator=g, dtype=torch.float64) for d in sizes[1:]]
    beta = torch.tensor([[2.0, 3.0, 5.0], [1.0, 10.0, 4.0]][:B], dtype=torch.float64)
    return X, Y, Ws, Vs, Lams, beta


def _L(Ws, Vs, Lams, Y, beta, lam):
    return augmented_lagrangian_terms(Ws, Vs, Lams, Y, beta, lam, ACT)[0]


def _grad(fn, t):
    t = t.detach().clone().requires_grad_(True)
    fn(t).sum().backward()
    return t.grad


def test_last_W_ridge_zeroes_gradient():
    X, Y, Ws, Vs, Lams, beta = _state()
    lam = 0.05
    W3 = update_last_W(Vs[2], Vs[3], Lams[2], beta[:, 2], lam)
    g = _grad(lambda W: _L(Ws[:2] + [W], Vs, Lams, Y, beta, lam), W3)
    assert g.abs().max() < 1e-9


def test_last_V_closed_form_zeroes_gradient():
    X, Y, Ws, Vs, Lams, beta = _state(1)
    V3 = update_last_V(Y, Lams[2], Ws[2], Vs[2], beta[:, 2])
    g = _grad(lambda V: _L(Ws, Vs[:3] + [V], Lams, Y, beta, 0.1), V3)
    assert g.abs().max() < 1e-9


def test_penultimate_V_linear_solve_zeroes_gradient():
    X, Y, Ws, Vs, Lams, beta = _state(2)
    P = ACT.f(Ws[1] @ augment(Vs[1]))
    V2 = update_penultimate_V(P, Lams[1], Ws[2], Vs[3], Lams[2], beta[:, 1], beta[:, 2])
    g = _grad(lambda V: _L(Ws, Vs[:2] + [V, Vs[3]], Lams, Y, beta, 0.1), V2)
    assert g.abs().max() < 1e-9


def test_prox_linear_W_zeroes_surrogate_gradient_and_decreases_L():
    X, Y, Ws, Vs, Lams, beta = _state(3)
    lam = 0.01
    W0 = Ws[1]
    W1 = update_hidden_W(W0, Vs[1], Vs[2], Lams[1], beta[:, 1], lam, ACT)
    # the surrogate: lam/2||W||^2 + <G, (W-W0)A~> + beta c/2 ||(W-W0)A~||^2
    Vt = augment(Vs[1])
    Z0 = W0 @ Vt
    S0 = ACT.f(Z0)
    T = Vs[2] - Lams[1] / beta[:, 1].view(-1, 1, 1)
    G = beta[:, 1].view(-1, 1, 1) * (S0 - T) * ACT.df(Z0, S0)
    tb = torch.maximum((T - 0).abs(), (T - 1).abs()).amax(dim=(1, 2))
    c = (ACT.s1**2 + ACT.s2 * tb) * beta[:, 1]

    def sur(W):
        D = (W - W0) @ Vt
        return 0.5 * lam * (W**2).sum((1, 2)) + (G * D).sum((1, 2)) + 0.5 * c * (D**2).sum((1, 2))

    assert _grad(sur, W1).abs().max() < 1e-8
    L0 = _L(Ws, Vs, Lams, Y, beta, lam)
    L1 = _L([Ws[0], W1, Ws[2]], Vs, Lams, Y, beta, lam)
    assert bool((L1 <= L0 + 1e-12).all())


def test_prox_linear_V_decreases_L():
    X, Y, Ws, Vs, Lams, beta = _state(4)
    P = ACT.f(Ws[0] @ augment(Vs[0]))
    V1 = update_hidden_V(Vs[1], P, Lams[0], Ws[1], Vs[2], Lams[1], beta[:, 0], beta[:, 1], ACT)
    L0 = _L(Ws, Vs, Lams, Y, beta, 0.1)
    L1 = _L(Ws, [Vs[0], V1, Vs[2], Vs[3]], Lams, Y, beta, 0.1)
    assert bool((L1 <= L0 + 1e-12).all()) and bool((L1 < L0).any())


def test_kkt_gradients_match_autograd():
    X, Y, Ws, Vs, Lams, beta = _state(5)
    lam = 0.02
    _, _, gradW, _ = augmented_lagrangian_terms(Ws, Vs, Lams, Y, beta, lam, ACT)
    for i in range(3):
        g = _grad(lambda W, i=i: _L(Ws[:i] + [W] + Ws[i + 1:], Vs, Lams, Y, beta, lam), Ws[i])
        assert torch.allclose(gradW[i], g, atol=1e-10)


def test_admm_history_and_monotone_L_at_large_beta():
    X, Y = admm.square_data(40)
    h = admm.admm_train(X, Y, [1, 8, 8, 1], 10.0, 1e-6, 40)
    assert h.augmented_lagrangian.shape == (41,) and h.weights[0].shape == (8, 1) and h.biases[2].shape == (1,)
    L = h.augmented_lagrangian
    assert bool(((L[2:] - L[1:-1]) <= 1e-12 * L[1:-1].abs()).all())
    assert float(h.train_mse[-1]) < float(h.train_mse[0])
    assert h.output(X).shape == (1, 40)
    assert abs(float(((h.output(X) - Y) ** 2).mean()) - float(h.train_mse[-1])) < 1e-12


def _reference_admm(X, Y, Ws, beta, lam, n_iter, multipliers=True):
    """Algorithm 1 written plainly from the block updates, recomputing every record from scratch
    (the reference for the kernel, which reuses the sweep's products and sums)."""
    l = len(Ws)
    Ws = [W.clone() for W in Ws]
    B = beta.shape[0]
    Vs = [X.expand(B, -1, -1)]
    for i, W in enumerate(Ws):
        Z = W @ augment(Vs[-1])
        Vs.append(ACT.f(Z) if i < l - 1 else Z)
    Lams = [torch.zeros_like(V) for V in Vs[1:]]
    hist = []

    def record():
        L, r2, gradW, gv2 = augmented_lagrangian_terms(Ws, Vs, Lams, Y, beta, lam, ACT)
        gw = torch.stack([torch.linalg.matrix_norm(G) for G in gradW], 1).amax(1)
        mse = ((forward(Ws, X, ACT) - Y) ** 2).mean(dim=(1, 2))
        kkt = torch.maximum(torch.maximum(gw, gv2.sqrt()), r2.sqrt())
        hist.append(torch.stack([L, r2.sqrt(), kkt, mse], 1))

    record()
    for _ in range(n_iter):
        Ws[l - 1] = update_last_W(Vs[l - 1], Vs[l], Lams[l - 1], beta[:, l - 1], lam)
        for i in range(l - 1, 0, -1):
            Ws[i - 1] = update_hidden_W(Ws[i - 1], Vs[i - 1], Vs[i], Lams[i - 1], beta[:, i - 1], lam, ACT)
        for i in range(1, l):
            P = ACT.f(Ws[i - 1] @ augment(Vs[i - 1]))
            if i < l - 1:
                Vs[i] = update_hidden_V(Vs[i], P, Lams[i - 1], Ws[i], Vs[i + 1], Lams[i], beta[:, i - 1], beta[:, i],
                                        ACT)
            else:
                Vs[i] = update_penultimate_V(P, Lams[i - 1], Ws[l - 1], Vs[l], Lams[l - 1], beta[:, i - 1],
                                             beta[:, l - 1])
        Vs[l] = update_last_V(Y, Lams[l - 1], Ws[l - 1], Vs[l - 1], beta[:, l - 1])
        if multipliers:
            for i in range(1, l + 1):
                Z = Ws[i - 1] @ augment(Vs[i - 1])
                r = (ACT.f(Z) if i < l else Z) - Vs[i]
                Lams[i - 1] = Lams[i - 1] + beta[:, i - 1].view(-1, 1, 1) * r
        record()
    return torch.stack(hist), Ws


@pytest.mark.parametrize("multipliers", [True, False])
def test_kernel_matches_plain_algorithm_1(multipliers):
    """The kernel's cached sums and reused products change nothing but round-off: its records
    (L, ||r||, KKT, MSE) and weights match the plain block-by-block Algorithm 1 (4 layers, so the
    prox-linear V step runs too; a well-conditioned lam)."""
    g = torch.Generator().manual_seed(7)
    X = torch.randn(3, 40, generator=g, dtype=torch.float64)
    Y = torch.randn(2, 40, generator=g, dtype=torch.float64)
    sizes = [3, 6, 5, 4, 2]
    beta = torch.tensor([[3.0, 5.0, 10.0, 4.0], [20.0, 20.0, 20.0, 20.0]], dtype=torch.float64)
    h = admm.admm_train(X, Y, sizes, beta, 0.05, 12, init_scale=[1.0, 3.0], seed=1, multipliers=multipliers)
    ref, Ws = _reference_admm(X, Y, admm.init_weights(sizes, [1.0, 3.0], 1), beta, 0.05, 12, multipliers)
    got = torch.stack([h.augmented_lagrangian, h.primal_residual, h.kkt_residual, h.train_mse], 2)
    assert torch.allclose(got, ref, rtol=1e-9, atol=1e-12)
    for w, b, W in zip(h.weights, h.biases, Ws):
        assert torch.allclose(torch.cat([w, b.unsqueeze(-1)], -1), W, rtol=1e-9, atol=1e-11)


def test_mixed_admm_bcd_batch_equals_separate_runs():
    X, Y = admm.square_data(30)
    mixed = admm.admm_train(X, Y, [1, 6, 6, 1], [10.0, 10.0], 1e-2, 10, init_scale=[1.0, 3.0],
                            multipliers=[True, False])
    a = admm.admm_train(X, Y, [1, 6, 6, 1], 10.0, 1e-2, 10, init_scale=[1.0, 3.0])
    b = admm.bcd_train(X, Y, [1, 6, 6, 1], 10.0, 1e-2, 10, init_scale=[1.0, 3.0])
    assert mixed.method == "ADMM/BCD"
    assert torch.allclose(mixed.augmented_lagrangian[:, 0], a.augmented_lagrangian[:, 0], rtol=1e-12)
    assert torch.allclose(mixed.augmented_lagrangian[:, 1], b.augmented_lagrangian[:, 1], rtol=1e-12)


def test_bcd_keeps_zero_multipliers_and_bp_same_init():
    X, Y = admm.square_data(30)
    b = admm.bcd_train(X, Y, [1, 6, 6, 1], 10.0, 1e-3, 3)
    assert b.method == "BCD"
    a = admm.admm_train(X, Y, [1, 6, 6, 1], 10.0, 1e-3, 1)
    p = admm.bp_train(X, Y, [1, 6, 6, 1], 0.1, 1)
    assert abs(float(a.train_mse[0]) - float(p.train_mse[0])) < 1e-12  # same initial network


def test_bp_gradient_matches_autograd():
    X, Y = admm.square_data(20)
    Ws = admm.init_weights([1, 4, 3, 1], 1.0, 0)
    mse, grads, _ = backprop_grads(Ws, X, Y, ACT)
    Wr = [W.clone().requires_grad_(True) for W in Ws]
    loss = 0.5 * ((forward(Wr, X, ACT) - Y) ** 2).mean()
    loss.backward()
    for G, W in zip(grads, Wr):
        assert torch.allclose(G, W.grad, atol=1e-12)


def test_vanishing_gradient_factor():
    sig = admm.layer_gradient_norms(6, 32, activation="sigmoid", n_seeds=4)
    rel = admm.layer_gradient_norms(6, 32, activation="relu", init="he", n_seeds=4)
    assert float((sig[:, :-1] / sig[:, 1:]).mean()) < 0.3
    assert 0.7 < float((rel[:, :-1] / rel[:, 1:]).mean()) < 1.3


def test_theorem_conditions_formula():
    X, Y = admm.square_data(10)
    t = admm.theorem_conditions(X, Y, [1, 4, 9, 1])
    s = float(X.norm()) / math.sqrt(10)
    B = max(4 / s, math.sqrt(6 / s), (float(Y.norm()) / float(X.norm())) ** (1 / 3))
    assert math.isclose(t["B"], B) and math.isclose(t["beta2"], 48 * B**2)
    xf = float(X.norm())  # the slide's (c) and the λ condition, written out
    beta1 = 11 * (48 * B**2 + 1) * B**4 * xf
    assert math.isclose(t["beta3"], 2.0) and math.isclose(t["beta1"], beta1)
    assert math.isclose(t["lam"], max(0.75 * beta1 * B * xf**3, 10 * 48 * B**2 * B**4 * xf**3, 4 * 2 * B**4 * xf**2))


@pytest.mark.parametrize("block", [1, 7, 40])
def test_sweep_in_blocks_equals_one_block(monkeypatch, block):
    """The per-sample part of a sweep runs block by block (kernels.BLOCK samples): any block size gives the same
    run as one block holding every sample (up to the order of the sums), ADMM and BCD, a batch of betas."""
    from course_lib.admm import kernels

    X, Y = admm.square_data(40)
    runs = {}
    for size in (10_000, block):
        monkeypatch.setattr(kernels, "BLOCK", size)
        runs[size] = admm.admm_train(X, Y, [1, 5, 4, 1], [5.0, 20.0], 0.1, 6)
    one, blocked = runs[10_000], runs[block]
    for name in ("augmented_lagrangian", "primal_residual", "kkt_residual", "train_mse"):
        assert torch.allclose(getattr(one, name), getattr(blocked, name), rtol=1e-10, atol=1e-13), name
    for a, b in zip(one.weights + one.biases, blocked.weights + blocked.biases):
        assert float((a - b).abs().max()) < 1e-10


def test_distributed_equals_single_process():
    X, Y = admm.square_data(40)
    one = admm.admm_train(X, Y, [1, 6, 6, 1], 10.0, 0.1, 8)
    two = admm.admm_train(X, Y, [1, 6, 6, 1], 10.0, 0.1, 8, world_size=2)
    assert torch.allclose(one.augmented_lagrangian, two.augmented_lagrangian, rtol=1e-10, atol=0)
    for a, b in zip(one.weights + one.biases, two.weights + two.biases):
        assert float((a - b).abs().max()) < 1e-10
    assert float((one.output(X) - two.output(X)).abs().max()) < 1e-10
    # one exchange per sweep (3 at the start: X~X~^T, the sample count, the first record), as the docstring says
    profile = two.params["parallel_profile"]
    assert profile["exchanges"] == 3 + 8 and profile["threads"] == 1 and one.params["parallel_profile"] is None


def test_divergence_is_reported():
    X, Y = admm.square_data(20)
    with pytest.raises(Diverged, match="beta"):
        admm.admm_train(X, Y * 1e200, [1, 4, 4, 1], 1.0, 1e-6, 3)
    h = admm.bp_train(X, Y, [1, 4, 4, 1], [0.1, 1e6], 20)
    assert h.diverged.tolist() == [False, True] and math.isinf(float(h.train_mse[-1, 1]))


SMALL_STUDY = dict(n_seeds=2, bp_steps=10, n_sweeps=6)


def test_widget_moves():
    ui = admm.build_admm_widget(n=20, n_iter=6, sizes=(1, 4, 4, 1), **SMALL_STUDY)
    y0 = ui.trace_data(1).copy()
    ui.controls["beta"].value = 10.0
    j = admm.WIDGET_BETAS.index(10.0)
    runs = ui.state["admm"]
    assert np.allclose(ui.trace_data(1), runs.primal_residual[:, j].numpy() + 1e-16)
    assert not np.allclose(y0, ui.trace_data(1))
    ui.controls["init_scale"].value = 30.0  # the init-scale panel: traces 3 (BP), 4 (ADMM), 5 (BCD)
    k = admm.WIDGET_SCALES.index(30.0)
    assert np.allclose(ui.trace_data(4), ui.state["admm_scale"][:, k].numpy())
    assert np.allclose(ui.trace_data(5), ui.state["bcd_scale"][:, k].numpy())
    assert np.allclose(np.asarray(ui.trace_data(3), dtype=float), ui.state["bp_mse"][:, k].numpy())
    assert np.allclose(ui.trace_data(1), runs.primal_residual[:, j].numpy() + 1e-16)  # beta panel unchanged


def test_exercises_accept_reference():
    ex = admm.exercise_last_layer_update()

    def sol(Vp, V, Lam, b, lam):
        A = lam * torch.eye(Vp.shape[0], dtype=Vp.dtype) + b * Vp @ Vp.T
        return torch.linalg.solve(A, Vp @ (b * V - Lam).T).T

    assert ex.check(sol, strict=True)
    assert not ex.check(lambda Vp, V, Lam, b, lam: torch.zeros(V.shape[0], Vp.shape[0], dtype=torch.float64))
    ex2 = admm.exercise_multiplier_update()
    assert not ex2.check(lambda Lam, W, Vp, V, b: Lam + b * (V - torch.sigmoid(W @ Vp)))


X0, Y0 = admm.square_data(10)


@given(st.floats(max_value=0.0, allow_nan=False))
def test_rejects_nonpositive_beta(beta):
    assert_rejects(admm.admm_train, "beta", X0, Y0, [1, 3, 3, 1], beta, 1e-3, 2)


@given(st.integers(1, 5))
def test_rejects_shape_mismatch(n):
    assert_rejects(admm.admm_train, "Y", X0, torch.zeros(1, n), [1, 3, 3, 1], 1.0, 1e-3, 2)


@given(st.sampled_from([float("nan"), float("inf")]))
def test_rejects_nonfinite_X(v):
    Xb = X0.clone()
    Xb[0, 3] = v
    assert_rejects(admm.admm_train, "X", Xb, Y0, [1, 3, 3, 1], 1.0, 1e-3, 2)
    assert_rejects(admm.bp_train, "X", Xb, Y0, [1, 3, 3, 1], 0.1, 2)


def test_rejects_other_bad_input():
    assert_rejects(admm.admm_train, "lam", X0, Y0, [1, 3, 3, 1], 1.0, -1.0, 2)
    assert_rejects(admm.admm_train, "X", X0, Y0, [2, 3, 3, 1], 1.0, 1e-3, 2)
    assert_rejects(admm.admm_train, "activation", X0, Y0, [1, 3, 3, 1], 1.0, 1e-3, 2, activation="relu")
    assert_rejects(admm.admm_train, "world_size", X0, Y0, [1, 3, 3, 1], 1.0, 1e-3, 2, world_size=0)
    assert_rejects(admm.admm_train, "n_iter", X0, Y0, [1, 3, 3, 1], 1.0, 1e-3, 0)
    assert_rejects(admm.bp_train, "lr", X0, Y0, [1, 3, 3, 1], 0.0, 2)
    assert_rejects(admm.admm_train, "sizes", X0, Y0, [1, 1], 1.0, 1e-3, 2)
    assert_rejects(admm.admm_train, "multipliers", X0, Y0, [1, 3, 3, 1], [1.0, 2.0], 1e-3, 2, multipliers=[True])
    assert_rejects(admm.admm_train, "multipliers", X0, Y0, [1, 3, 3, 1], 1.0, 1e-3, 2, multipliers="yes")


def test_two_dimensional_init_scale_is_rejected_by_name():
    X, Y = admm.square_data(10)
    assert_rejects(admm.admm_train, "init_scale", X, Y, [1, 4, 4, 1], 10.0, 1e-3, 2, init_scale=[[1.0]])
    assert_rejects(admm.bp_train, "init_scale", X, Y, [1, 4, 4, 1], 0.1, 2, init_scale=[[1.0]])


def test_command_line_entry_compares_one_and_two_processes(capsys):
    from course_lib.admm.__main__ import main

    assert main(["--world-size", "2", "--n", "40", "--n-iter", "3", "--lam", "0.1", "--width", "4"]) == 0
    out = capsys.readouterr().out
    diffs = [float(part.split("=")[1].split(",")[0]) for part in out.splitlines()[-1].split("max ")[1:]]
    assert len(diffs) == 3 and max(diffs) < 1e-9, out
    assert default_start_method() in ("fork", "spawn")


def test_batched_history_output_matches_its_recorded_mse():
    X, Y = admm.square_data(30)
    h = admm.admm_train(X, Y, [1, 5, 5, 1], [3.0, 10.0], 1e-3, 4, activation="tanh")
    out = h.output(X)
    assert out.shape == (2, 1, 30) and h.params["activation"] == "tanh"
    assert torch.allclose(((out - Y) ** 2).mean(dim=(1, 2)), h.train_mse[-1], rtol=1e-12, atol=1e-15)
    assert set(h.records) == {"augmented_lagrangian", "primal_residual", "kkt_residual"}
    assert torch.equal(h["train_mse"], h.loss)


def test_lecture_summaries():
    k = torch.arange(1, 11, dtype=torch.float64)
    norms = torch.stack([0.5 ** (10 - k), 0.5 ** (10 - k)])  # every layer halves the error: factor 1/2, no spread
    f, se = admm.per_layer_factor(norms)
    assert math.isclose(f, 0.5, rel_tol=1e-12) and se < 1e-12
    r = torch.arange(0, 201, dtype=torch.float64).clamp_min(1) ** -0.5
    assert math.isclose(admm.residual_slope(r, 100, 200), -0.5, rel_tol=1e-9)
    L = torch.tensor([[3.0, 3.0], [2.0, 4.0], [1.0, 3.5]])
    assert admm.lagrangian_increases(L).tolist() == [[False, True], [False, False]]
    runs = admm.widget_runs(n=20, n_iter=101, sizes=(1, 4, 4, 1), **SMALL_STUDY)
    table = admm.saturation_table(runs["study"])
    assert table.count("\n") == 1 + len(admm.WIDGET_SCALES)  # header, rule, one row per scale
    assert len(admm.beta_report(runs["beta_runs"]).splitlines()) == 2 + len(admm.WIDGET_BETAS)
    t = admm.time_to_accuracy(torch.tensor([1.0, 0.5, 0.1, 0.05]), 0.2)
    assert float(t) == 2.0 and math.isinf(float(admm.time_to_accuracy(torch.tensor([1.0, 0.5]), 0.2)))
    assert_rejects(admm.per_layer_factor, "norms", torch.ones(1, 5))
    assert_rejects(admm.residual_slope, "start", r, 300, 200)


def test_unknown_activation_is_rejected_by_name():
    assert_rejects(admm.bp_train, "activation", X0, Y0, [1, 3, 3, 1], 0.1, 2, activation="softplus")
    assert_rejects(admm.layer_gradient_norms, "activation", 4, 8, activation=3)


# --------------------------------------------------------------------------- issue 10: the new kernels and drivers
def test_backprop_deltas_match_autograd():
    """δ_i = ∂(½‖f(X) − Y‖²)/∂Z_i, the hand-written recursion against autograd on the pre-activations."""
    g = torch.Generator().manual_seed(3)
    X = torch.randn(2, 15, generator=g, dtype=torch.float64)
    Y = torch.randn(3, 15, generator=g, dtype=torch.float64)
    Ws = admm.init_weights([2, 5, 4, 3], [1.0, 4.0], 2)
    deltas = backprop_deltas(Ws, X, Y, ACT)
    Zs, H = [], X.expand(2, -1, -1)
    for i, W in enumerate(Ws):
        Z = (W @ augment(H)).requires_grad_(True) if i == 0 else W @ augment(H)
        Z.retain_grad()
        Zs.append(Z)
        H = ACT.f(Z) if i < 2 else Z
    (0.5 * ((H - Y) ** 2).sum()).backward()
    for D, Z in zip(deltas, Zs):
        assert torch.allclose(D, Z.grad, rtol=1e-12, atol=1e-14)


def test_kkt_multipliers_solve_the_stationarity_and_equal_backprop():
    """The dense KKT solve: ∇_V of the Lagrangian vanishes at (forward pass, Λ), Λ_l = f(X) − Y, and
    Λ_i ⊙ σ'(Z_i) = δ_i (LeCun 1988); a δ without σ' is far off."""
    g = torch.Generator().manual_seed(4)
    X = torch.randn(2, 12, generator=g, dtype=torch.float64)
    Y = torch.randn(2, 12, generator=g, dtype=torch.float64)
    Ws = admm.init_weights([2, 5, 4, 2], [1.0, 3.0], 5)
    Lam = kkt_multipliers(Ws, X, Y, ACT)
    Hs, Zs = forward_pass(Ws, X, ACT)
    Vs = [X.expand(2, -1, -1)] + [H[:, :-1] for H in Hs[1:]] + [Zs[-1]]
    Vr = [V.clone().requires_grad_(True) for V in Vs[1:]]
    lag = 0.5 * ((Vr[-1] - Y) ** 2).sum()
    prev = Vs[0]
    for i, (W, V, L) in enumerate(zip(Ws, Vr, Lam)):
        Z = W @ augment(prev)
        lag = lag + (L * ((ACT.f(Z) if i < 2 else Z) - V)).sum()
        prev = V
    lag.backward()
    assert max(float(V.grad.abs().max()) for V in Vr) < 1e-12
    assert torch.allclose(Lam[-1], Zs[-1] - Y, atol=1e-13)
    deltas = backprop_deltas(Ws, X, Y, ACT)
    for i in range(2):
        assert torch.allclose(Lam[i] * ACT.df(Zs[i], Hs[i + 1][:, :-1]), deltas[i], rtol=1e-10, atol=1e-13)
    err = admm.multipliers_vs_backprop(admm.admm_train(X, Y, [2, 5, 4, 2], [3.0, 10.0], 1e-3, 3), X, Y)["rel_err"]
    assert err.shape == (2, 3) and float(err.max()) < 1e-12
    wrong = [Lam[0], Lam[1]]  # no σ' factor
    assert float(((wrong[0] - deltas[0]).norm() / deltas[0].norm())) > 0.5


def test_multiplier_step_and_last_W_solve():
    Lam, r = torch.ones(2, 3, 4, dtype=torch.float64), torch.full((2, 3, 4), 0.5, dtype=torch.float64)
    beta = torch.tensor([2.0, 4.0], dtype=torch.float64).view(-1, 1, 1)
    assert torch.equal(multiplier_step(Lam, r, beta)[:, 0, 0], torch.tensor([2.0, 3.0], dtype=torch.float64))
    X, Y, Ws, Vs, Lams, beta = _state(5)
    Vt = augment(Vs[2])
    A, C = Vt @ Vt.transpose(1, 2), (beta[:, 2].view(-1, 1, 1) * Vs[3] - Lams[2]) @ Vt.transpose(1, 2)
    W = solve_last_W(A, C, beta[:, 2].view(-1, 1, 1), 0.05)
    assert torch.allclose(W, update_last_W(Vs[2], Vs[3], Lams[2], beta[:, 2], 0.05), rtol=1e-12)


def test_bp_adam_matches_torch_adam_per_learning_rate():
    """Adam with one lr per batch entry (core.optim.Adam's direction, scaled) = torch.optim.Adam run at each lr."""
    X, Y = admm.square_data(20)
    lrs = [0.003, 0.05]
    h = admm.bp_train(X, Y, [1, 4, 3, 1], lrs, 15, optimizer="adam", seed=3)
    for b, lr in enumerate(lrs):
        Ws = [W.clone().requires_grad_(True) for W in admm.init_weights([1, 4, 3, 1], 1.0, 3)]
        opt = torch.optim.Adam(Ws, lr=lr)
        for _ in range(15):
            opt.zero_grad()
            (0.5 * ((forward(Ws, X, ACT) - Y) ** 2).mean()).backward()
            opt.step()
        with torch.no_grad():
            mse = float(((forward(Ws, X, ACT) - Y) ** 2).mean())
        assert math.isclose(float(h.train_mse[-1, b]), mse, rel_tol=1e-9)
    assert h.params["optimizer"] == "adam"


def test_initial_weights_W0_reproduce_the_seeded_draw():
    X, Y = admm.square_data(20)
    W0 = admm.init_weights([1, 4, 4, 1], [1.0, 3.0], 2)
    a = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 1e-3, 4, W0=W0)
    b = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 1e-3, 4, init_scale=[1.0, 3.0], seed=2)
    assert torch.equal(a.augmented_lagrangian, b.augmented_lagrangian)
    p = admm.bp_train(X, Y, [1, 4, 4, 1], 0.1, 3, W0=[W[:1] for W in W0])
    assert p.train_mse.shape == (4, 1) and math.isclose(float(p.train_mse[0, 0]), float(a.train_mse[0, 0]))
    assert_rejects(admm.admm_train, "W0", X, Y, [1, 4, 4, 1], 10.0, 1e-3, 2, W0=W0[:2])
    assert_rejects(admm.admm_train, "W0", X, Y, [1, 4, 4, 1], 10.0, 1e-3, 2, W0=[W[:, :2] for W in W0])
    assert_rejects(admm.bp_train, "W0", X, Y, [1, 4, 4, 1], [0.1, 0.2, 0.3], 2, W0=W0)
    assert_rejects(admm.bp_train, "optimizer", X, Y, [1, 4, 4, 1], 0.1, 2, optimizer="sgd")


def test_flagged_divergence_freezes_only_that_run(monkeypatch):
    from course_lib.admm import kernels

    original = kernels.multiplier_step
    monkeypatch.setattr(kernels, "multiplier_step", lambda Lam, r, b: original(Lam, -r, b))  # a wrong sign diverges
    X, Y = admm.square_data(30)
    h = admm.admm_train(X, Y, [1, 6, 6, 1], [1.0, 1000.0], 1e-6, 23, on_diverge="flag")
    assert h.diverged.tolist() == [True, False]
    L = h.augmented_lagrangian
    k = int(torch.isinf(L[:, 0]).nonzero()[0])
    assert k > 1 and bool(torch.isfinite(L[:k, 0]).all()) and bool(torch.isinf(L[k:, 0]).all())
    assert bool(torch.isinf(h.train_mse[k:, 0]).all()) and bool(torch.isfinite(h.weights[0]).all())
    before = admm.admm_train(X, Y, [1, 6, 6, 1], [1.0, 1000.0], 1e-6, k - 1)  # the same batch, stopped in time
    assert torch.equal(before.augmented_lagrangian, L[:k])
    alone = admm.admm_train(X, Y, [1, 6, 6, 1], 1000.0, 1e-6, 23)  # the survivor runs on undisturbed
    assert torch.allclose(alone.augmented_lagrangian, L[:, 1], rtol=1e-9)
    with pytest.raises(Diverged, match="beta"):
        admm.admm_train(X, Y, [1, 6, 6, 1], [1.0, 1000.0], 1e-6, 23)
    assert_rejects(admm.admm_train, "on_diverge", X, Y, [1, 6, 6, 1], 1.0, 1e-6, 2, on_diverge="ignore")


def test_saturated_fraction_against_a_direct_count():
    X, Y = admm.square_data(50)
    Ws = admm.init_weights([1, 6, 5, 1], [1e-3, 1.0, 1e4], 0)
    fr = admm.saturated_fraction(Ws, X)
    assert fr.shape == (3, 2) and float(fr[0].max()) == 0.0 and float(fr[2].min()) > 0.9
    Z1 = Ws[0][1] @ augment(X.unsqueeze(0))[0]
    S1 = torch.sigmoid(Z1)
    assert math.isclose(float(fr[1, 0]), float((S1 * (1 - S1) <= 0.01).double().mean()))
    assert_rejects(admm.saturated_fraction, "threshold", Ws, X, threshold=0.0)


def test_saturation_study_picks_the_best_configuration():
    X, Y = admm.square_data(20)
    st = admm.saturation_study(X, Y, (1, 4, 4, 1), scales=(1.0, 30.0), n_seeds=2, gd_lrs=(0.1, 1.0),
                               adam_lrs=(0.01, 0.1), bp_steps=30, n_sweeps=5)
    times, curves = st["bp"]["times"], st["bp"]["curves"]
    assert times.shape == (4, 4) and curves.shape == (31, 4, 4) and st["saturated"].shape == (2, 2, 2)
    for j in range(4):  # brute force: earliest to the target, else the lowest final MSE
        col = times[:, j]
        want = int(col.argmin()) if bool(torch.isfinite(col).any()) else int(curves[-1, :, j].argmin())
        assert int(st["best"].flatten()[j]) == want
        assert st["bp"]["optimizers"][int(st["best_adam"].flatten()[j])] == "adam"
    assert torch.equal(st["bp_time"].flatten(), times[st["best"].flatten(), torch.arange(4)])
    W0 = admm.seed_inits([1, 4, 4, 1], 2)
    alone = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 1e-6, 5, W0=[30.0 * W for W in W0])
    assert torch.allclose(alone.train_mse, st["admm"].train_mse[:, 2:], rtol=1e-12)
    g = admm.grid_check(st, "adam")
    assert g["lower"] is None or g["upper"] is None  # a two-value grid cannot bracket its optimum
    assert not g["interior"] and math.isinf(g["spacing"])
    assert_rejects(admm.grid_check, "optimizer", st, "lbfgs")
    assert_rejects(admm.backprop_grid, "gd_lrs", X, Y, [1, 4, 4, 1], W0, (), ())


def test_beta_sweep_counts_rises_and_fits_slopes():
    k = torch.arange(0, 41, dtype=torch.float64).clamp_min(1)
    L = torch.stack([10.0 / k, 10.0 / k], 1)
    L[30, 1] = L[29, 1] * 1.5  # one rise, at sweep 30
    r = torch.stack([k**-0.5, k**-1.0], 1)
    h = TrainHistory(method="ADMM", loss=r, weights=[], biases=[],
                     records={"augmented_lagrangian": L, "primal_residual": r, "kkt_residual": 2 * r})
    sw = admm.beta_sweep(h, betas=(1.0, 2.0), early=10)
    assert sw["increases"] == [0, 1] and sw["first"] == [None, 30]
    assert np.allclose(sw["slope_r"], [-0.5, -1.0]) and np.allclose(sw["slope_kkt"], [-0.5, -1.0])
    assert math.isclose(sw["r_early"][0], 10**-0.5) and sw["n_sweeps"] == 40


def test_prediction_and_stepped_hints():
    pred = admm.prediction_last_multiplier()
    assert pred.check(0.2) and not pred.check(-0.2) and not pred.check(...)
    for ex in (admm.exercise_last_layer_update(), admm.exercise_multiplier_update(), pred):
        assert len(ex.hints) >= 2 and ex.hints[0].rstrip().endswith("?")  # a question first, then the idea
        assert not any("torch" in h or "linalg" in h for h in ex.hints)  # never the line of code


def test_kept_workers_are_reused_replaced_and_stopped():
    """The first 2-process run starts the workers; the next reuses them (no rendezvous) with the same result; a
    killed worker is noticed and replaced; another world size replaces the pool; shutdown stops every worker."""
    from course_lib.admm import parallel

    X, Y = admm.square_data(40)
    parallel.shutdown()
    first = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=2)
    again = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=2)
    p1, p2 = first.params["parallel_profile"], again.params["parallel_profile"]
    assert p1["started_workers"] and not p2["started_workers"] and p2["rendezvous_s"] == 0.0
    assert torch.equal(first.augmented_lagrangian, again.augmented_lagrangian)
    procs = list(parallel._POOL.procs)
    procs[1].kill()
    procs[1].join()
    third = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=2)  # a dead worker: a new pool
    assert third.params["parallel_profile"]["started_workers"] and not procs[0].is_alive()
    assert torch.equal(first.augmented_lagrangian, third.augmented_lagrangian)
    three = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=3)
    assert three.params["parallel_profile"]["started_workers"] and len(parallel._POOL.procs) == 3
    kept = list(parallel._POOL.procs)
    parallel.shutdown()
    assert parallel._POOL is None and not any(p.is_alive() for p in kept)


def test_a_worker_dying_mid_run_is_reported_not_waited_for(monkeypatch):
    """A worker that dies during a run (here: rank 1 exits inside its shard) stops the pool with a clear error
    instead of leaving the parent waiting on rank 0, which waits in an exchange."""
    import os

    from course_lib.admm import parallel

    original = parallel.run_shard

    def dies_on_rank_1(*args, **kwargs):
        import torch.distributed as dist

        if dist.get_rank() == 1:
            os._exit(3)
        return original(*args, **kwargs)

    parallel.shutdown()
    monkeypatch.setattr(parallel, "run_shard", dies_on_rank_1)
    X, Y = admm.square_data(40)
    with pytest.raises(RuntimeError, match="worker 1 (died|failed).*3"):
        admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=2)
    assert parallel._POOL is None


def test_a_worker_dying_in_the_rendezvous_is_reported_not_waited_for(monkeypatch):
    """Rank 1 dies while joining the process group: the pool must say so at once (before, the parent blocked
    writing a 640 kB task into rank 0's full pipe while rank 0 waited in the rendezvous, for gloo's 30 minutes)."""
    import os
    import time

    from course_lib.admm import parallel

    join = parallel.dist.init_process_group

    def dies_on_rank_1(*args, rank, **kwargs):
        if rank == 1:
            os._exit(5)
        return join(*args, rank=rank, **kwargs)

    parallel.shutdown()
    monkeypatch.setattr(parallel.dist, "init_process_group", dies_on_rank_1)
    monkeypatch.setattr(parallel._Pool.__init__, "__defaults__", (30.0,))  # rank 0's rendezvous: 30 s at most
    X, Y = admm.square_data(40_000)
    t0 = time.perf_counter()
    with pytest.raises(RuntimeError, match="worker 1 (died|failed).*5"):
        admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 2, world_size=2)
    assert time.perf_counter() - t0 < 20 and parallel._POOL is None
