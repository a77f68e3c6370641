"""The shared core pieces: per-batch validation, real-bool flags, progress, Adam, history, registry."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib.core.history import TrainHistory
from course_lib.core.progress import progress
from course_lib.core.registry import Registry
from course_lib.core.validate import check_bool, per_batch
from tests.helpers import assert_rejects


def test_per_batch_scalar_and_sequence():
    t, batched = per_batch(0.5, "lr")
    assert t.tolist() == [0.5] and batched is False
    t, batched = per_batch([0.1, 0.2], "lr")
    assert t.tolist() == [0.1, 0.2] and batched is True
    t, batched = per_batch(0.3, "beta", size=4, allow_zero=True)
    assert t.shape == (4,) and not batched
    t, _ = per_batch(np.array([[1.0, 2.0]]), "beta", max_ndim=2)
    assert t.shape == (1, 2)


@pytest.mark.parametrize("bad, kw", [
    (0.0, {}), (-1.0, {"allow_zero": True}), ([1.0, -2.0], {}), ([1.0, 2.0, 3.0], {"size": 2}),
    (float("nan"), {}), ("0.1", {}), (True, {}), ([[1.0]], {}),
])
def test_per_batch_rejects_and_names_the_argument(bad, kw):
    assert_rejects(per_batch, "lr", bad, "lr", **kw)


@given(st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=8))
def test_per_batch_keeps_every_positive_value(values):
    t, batched = per_batch(values, "beta")
    assert batched and np.allclose(t.numpy(), values)


def test_check_bool_refuses_truthy_stand_ins():
    assert check_bool(True, "flag") is True and check_bool(np.bool_(False), "flag") is False
    for bad in (1, 0, "yes", None, 1.0):
        assert_rejects(check_bool, "flag", bad, "flag", exc=TypeError)


def test_progress_wraps_only_when_asked():
    items = [1, 2, 3]
    assert progress(items, False, "x") is items
    assert list(progress(items, True, "x")) == items
    assert_rejects(progress, "progress", items, 1, "x", exc=TypeError)


def test_adam_rejects_bad_hyperparameters():
    from course_lib.core.optim import Adam

    p = [torch.zeros(2, requires_grad=True)]
    assert_rejects(Adam, "lr", p, lr=-1.0)
    assert_rejects(Adam, "weight_decay", p, lr=0.1, weight_decay=-0.1)


def test_history_records_read_as_attributes():
    h = TrainHistory("BP", torch.zeros(3), [], [], records={"primal_residual": torch.ones(3)})
    assert torch.equal(h.primal_residual, torch.ones(3)) and h.train_mse is h.loss
    assert h["method"] == "BP"
    with pytest.raises(AttributeError, match="primal_residual"):
        _ = h.kkt_residual


def test_registry_is_lazy_and_explicit():
    r = Registry("thing", {"sqrt": "math:sqrt", "missing": "math:no_such_name"})
    assert list(r) == ["sqrt", "missing"] and len(r) == 2
    assert r["sqrt"](4.0) == 2.0 and r.target("sqrt") == "math:sqrt"
    with pytest.raises(AttributeError):
        _ = r["missing"]


def test_hints_come_in_steps_and_a_stub_does_not_print_the_answer(capsys):
    from course_lib.core.exercises import Case, Exercise

    ex = Exercise("double", [Case("x=1", args=(1,), expected=2)], hint=["What does 'double' mean?", "Multiply."])

    def stub(x):
        raise NotImplementedError

    assert ex.check(stub) is False
    out = capsys.readouterr().out
    assert "not attempted" in out and "Multiply" not in out and "2 steps" in out
    ex.hint()
    ex.hint()
    ex.hint()
    out = capsys.readouterr().out
    assert "hint 1 of 2: What does" in out and out.count("hint 2 of 2: Multiply.") == 2
    assert_rejects(Exercise, "hint", "t", [Case("a")], hint=[1, 2], exc=TypeError)


def test_prediction_checks_a_number_and_answers_odd_entries_with_a_sentence(capsys):
    from course_lib.core.exercises import ExerciseFailed, Prediction

    p = Prediction("slope", -0.5, abs_tol=0.1, why="O(1/k^2)")
    assert p.check(-0.45) is True and p.check(0.0) is False
    for odd in (..., None, "half", float("nan"), True, [1]):
        assert p.check(odd) is False
    out = capsys.readouterr().out
    assert "Traceback" not in out and "not 'half'" in out
    with pytest.raises(ExerciseFailed):
        p.check(1.0, strict=True)
    assert Prediction("r", 100.0, rel_tol=0.1).tolerance == pytest.approx(10.0)
    assert_rejects(Prediction, "abs_tol", "t", 1.0)
    assert_rejects(Prediction, "answer", "t", float("inf"), abs_tol=1.0)


def test_published_figures_are_never_shown_as_verified(capsys):
    from course_lib.core.claims import Claims

    c = Claims("00 test")
    r = c.published("ResNet-152 ensemble top-5 error", "3.57 %", "He et al. 2016, Table 4")
    out = capsys.readouterr().out
    assert "📄" in out and "published: 3.57 %" in out and "✔" not in out
    assert r.status == "published" and "published" in str(c.table().data)
    assert_rejects(c.published, "source", "x", "1 %", "", exc=TypeError)


def test_claims_export_records_for_the_ledger(tmp_path, monkeypatch, capsys):
    import json

    from course_lib.core.claims import EXPORT_ENV, ClaimFailed, Claims

    monkeypatch.setenv(EXPORT_ENV, str(tmp_path))
    c = Claims("04 Sparse coding")
    c.at_most("mistakes within the bound", 3, 10, source="Novikoff 1962")
    c.published("ResNet top-5", "3.57 %", "He et al. 2016")
    with pytest.raises(ClaimFailed):
        c.at_least("too strong", 1, 2)
    rec = json.loads((tmp_path / "04_sparse_coding.json").read_text())
    assert rec["lecture"] == "04 Sparse coding"
    assert [r["status"] for r in rec["claims"]] == ["verified", "published", "FAILED"]
    assert rec["claims"][0]["source"] == "Novikoff 1962" and rec["claims"][1]["source"] == "He et al. 2016"
    assert_rejects(c.check, "source", "x", True, "1", source=3, exc=TypeError)
    assert_rejects(Claims, "lecture", "", exc=TypeError)


# -- reliability of the core (issue 17) -----------------------------------------------------------
def test_claim_verdicts_must_be_real_bools_and_tolerances_finite():
    from course_lib.core.claims import Claims

    c = Claims("17 reliability")
    for bad in ("False", float("nan"), 1, None, torch.tensor([True, False])):
        assert_rejects(c.check, "holds", "c", bad, "m", exc=TypeError)
    assert c.check("numpy verdict", np.bool_(True), "m").status == "verified"
    assert c.check("torch verdict", torch.tensor(True), "m").status == "verified"
    for atol in (float("inf"), float("nan"), -1.0, True):
        assert_rejects(c.close, "atol", "c", 1.0, 2.0, atol=atol)


def test_exercise_feedback_is_a_sentence_for_any_odd_answer(capsys):
    from course_lib.core.exercises import Case, Exercise

    ex = Exercise("odd", [Case("x", args=(1,), expected=torch.ones(3)),
                          Case("y", args=(1,), test=lambda r: None if float(r.sum().detach()) > 0 else "bad")])
    for odd in ([None] * 7, "text", object(), {"a": 1}, torch.ones(2, requires_grad=True), lambda: 0, None):
        assert ex.check(lambda x, odd=odd: odd) is False
    out = capsys.readouterr().out
    assert "Traceback" not in out and "expected numbers" in out and "could not use" in out


def test_float_dtypes_only_for_data_and_seeds_in_range():
    from course_lib.core import data, device

    for fn in (data.xor, data.digits, data.sample_photographs):
        assert_rejects(fn, "dtype", torch.int64, exc=TypeError)
        assert_rejects(fn, "dtype", torch.bool, exc=TypeError)
    assert_rejects(data.separable_blobs, "dtype", dtype=torch.int32, exc=TypeError)
    for bad in (2**64, -1):
        assert_rejects(device.generator, "seed", bad)
        assert_rejects(device.seed_everything, "seed", bad)


def test_as_tensor_keeps_the_autograd_graph():
    from course_lib.core.validate import as_tensor

    t = torch.ones(3, requires_grad=True)
    (as_tensor(t, "x") ** 2).sum().backward()
    assert torch.equal(t.grad, 2 * torch.ones(3))


def test_memory_and_step_limits_name_the_argument(monkeypatch):
    from course_lib.core.validate import MEMORY_ENV, STEPS_ENV, check_memory, check_steps

    assert check_memory(1000, "n") == 8000
    assert_rejects(check_memory, "m", 10**18, "m")
    monkeypatch.setenv(MEMORY_ENV, "1000")
    assert_rejects(check_memory, "width", 200, "width")
    assert check_steps(10, "n_steps") == 10
    assert_rejects(check_steps, "eta", 5e8, "eta")
    assert_rejects(check_steps, "eta", float("inf"), "eta")
    monkeypatch.setenv(STEPS_ENV, "5")
    assert_rejects(check_steps, "n_iter", 6, "n_iter")
