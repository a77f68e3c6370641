"""Issue 17: bad input is refused by name, quickly, without a large allocation; iterations that blow up say so.

* ``test_bad_input_is_refused_by_name``: every must-refuse mutation of :mod:`tests.reliability_cases` (wrong
  types, wrong shapes, empty inputs, non-finite values, wrong dtypes, non-bool flags) of every public callable of
  the topic packages raises ``TypeError``/``ValueError``/``Diverged`` naming the argument, within a second of CPU,
  under a 64 MiB allocation limit (``COURSE_MAX_BYTES``): a check that came after a big allocation would fail it.
* ``test_odd_input_never_hangs_or_allocates``: the may-accept mutations (absurdly large or negative
  hyper-parameters, extra dimensions, tensors that require grad) are refused by name or return finite values,
  within the same limits.
* the hypothesis properties draw further bad values per argument kind (random strings, huge and non-integral
  numbers, non-bool flags, integer/bool/complex dtypes, NaN at a random position).
* one regression test per reproduction of the issue, and the distributed run: nothing of a 2-process ADMM run
  listens on a non-loopback address (its processes' listening sockets, from ``/proc/net/tcp{,6}``), and a failed
  run leaves no ``pytorch-errorfile-*.pickle`` behind.

The full fuzz run behind the issue's before/after counts is ``python -m tests.fuzz_reliability``.
"""
from __future__ import annotations

import contextlib
import functools
import glob
import json
import math
import os
import signal
import socket
import sys
import tempfile

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.core.validate import Diverged
from tests.helpers import assert_rejects
from tests.reliability_cases import (
    MAY,
    MODULES,
    MUST,
    OWNED_ELSEWHERE,
    Mutation,
    bind,
    call_with,
    finite_output,
    mutations,
    names_argument,
    public_callables,
    specs,
)

CPU_SECONDS = 1.0
LIMIT_BYTES = 64 * 2**20



class _CPUTimeout(Exception):
    pass


@contextlib.contextmanager
def cpu_deadline(seconds: float = CPU_SECONDS):
    """Raise :class:`_CPUTimeout` once this process has used ``seconds`` of CPU (not wall) time."""
    def _raise(signum, frame):
        raise _CPUTimeout(f"still running after {seconds} s of CPU time")

    old = signal.signal(signal.SIGPROF, _raise)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setenv("COURSE_MAX_BYTES", str(LIMIT_BYTES))
    monkeypatch.setenv("COURSE_MAX_STEPS", str(10**6))
    monkeypatch.setenv("COURSE_DEVICE", "cpu")


def _fast_specs():
    return [t for t, s in specs().items() if not s.slow]


def _outcome(spec, mutation):
    """'ok' (refused by name), 'returned' (finite values), or a sentence describing the failure."""
    try:
        with cpu_deadline(CPU_SECONDS):
            out = call_with(spec, mutation)
    except _CPUTimeout as err:
        return f"hang: {err}"
    except (ValueError, TypeError, Diverged) as err:
        return "ok" if names_argument(err, mutation.arg) else f"error names no {mutation.arg!r}: {err}"
    except Exception as err:  # noqa: BLE001 - any other exception is a finding
        return f"{type(err).__name__}: {str(err)[:200]}"
    if not finite_output(out) and not spec.nonfinite_ok:
        return "returned non-finite values"
    return "returned"


# ----------------------------------------------------------------------------------------------- the whole table
def test_every_public_callable_has_a_spec():
    table = specs()
    missing = [f"{m}:{n}" for m in MODULES for n in public_callables(m)
               if f"{m}:{n}" not in table and f"{m}:{n}" not in OWNED_ELSEWHERE]
    assert not missing, f"public callables without a bad-input spec in tests/reliability_cases.py: {missing}"


@pytest.mark.parametrize("target", _fast_specs())
def test_bad_input_is_refused_by_name(target, small_limits):
    spec = specs()[target]
    failures = []
    for mu in mutations(spec):
        if mu.expect != MUST:
            continue
        outcome = _outcome(spec, mu)
        if outcome != "ok":
            failures.append(f"{mu.arg} <- {mu.kind}: {outcome}")
    assert not failures, f"{target}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("target", _fast_specs())
def test_odd_input_never_hangs_or_allocates(target, small_limits):
    spec = specs()[target]
    failures = []
    for mu in mutations(spec):
        if mu.expect != MAY:
            continue
        outcome = _outcome(spec, mu)
        if outcome not in ("ok", "returned"):
            failures.append(f"{mu.arg} <- {mu.kind}: {outcome}")
    assert not failures, f"{target}:\n  " + "\n  ".join(failures)


# ----------------------------------------------------------------------------------------------- properties
def _scalar_args(kind_of):
    """(target, argument) pairs whose valid value is of the given Python kind, over the fast specs."""
    out = []
    for target in _fast_specs():
        spec = specs()[target]
        args, kwargs = spec.make()
        for name, v in bind(spec, args, kwargs).arguments.items():
            if name not in spec.skip and kind_of(v):
                out.append((target, name))
    return out


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_float(v):
    return isinstance(v, (float, np.floating))


def _is_flag(v):
    return isinstance(v, (bool, np.bool_))


def _args(kind: str) -> st.SearchStrategy:
    """(target, argument) pairs of one kind, built on first use (building them runs every spec's valid call)."""
    return st.deferred(lambda: st.sampled_from(_args_of(kind)))


@functools.cache
def _args_of(kind: str) -> list:
    test = {"int": _is_int, "float": _is_float, "flag": _is_flag, "dtype": lambda v: isinstance(v, torch.dtype),
            "tensor": lambda v: isinstance(v, torch.Tensor) and v.is_floating_point() and v.numel() > 0}[kind]
    return _scalar_args(test)


def _check(target, arg, value, kind, must):
    spec = specs()[target]
    if kind in spec.may.get(arg, ()):
        must = False
    outcome = _outcome(spec, Mutation(arg, kind, value, MUST if must else MAY))
    allowed = ("ok",) if must else ("ok", "returned")
    assert outcome in allowed, f"{target}({arg}={value!r:.60}): {outcome}"


@settings(max_examples=60)
@given(st.data())
def test_property_ints_refuse_other_types_and_absurd_sizes(data):
    target, arg = data.draw(_args("int"))
    value = data.draw(st.one_of(st.text(max_size=6), st.floats().filter(lambda f: not float(f).is_integer()),
                                st.booleans(), st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0)))
    kind = "type:str" if isinstance(value, str) else "type:float"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_MAX_BYTES", str(LIMIT_BYTES))
        mp.setenv("COURSE_MAX_STEPS", str(10**6))
        _check(target, arg, value, kind, must=True)
        huge = data.draw(st.integers(min_value=10**13, max_value=2**62))
        _check(target, arg, huge, "huge", must=False)


@settings(max_examples=60)
@given(st.data())
def test_property_floats_refuse_non_finite_and_non_real(data):
    target, arg = data.draw(_args("float"))
    value = data.draw(st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), st.text(max_size=6),
                                st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0)))
    kind = "type:str" if isinstance(value, str) else ("type:complex" if isinstance(value, complex) else "nan")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_MAX_BYTES", str(LIMIT_BYTES))
        _check(target, arg, value, kind, must=True)


@settings(max_examples=40)
@given(st.data())
def test_property_flags_must_be_bool(data):
    target, arg = data.draw(_args("flag"))
    value = data.draw(st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats()))
    _check(target, arg, value, "flag:str", must=True)


@settings(max_examples=30)
@given(st.data())
def test_property_dtypes_must_be_floating(data):
    target, arg = data.draw(_args("dtype"))
    value = data.draw(st.sampled_from([torch.int8, torch.int32, torch.int64, torch.uint8, torch.bool,
                                       torch.complex64, "float64", np.float64]))
    _check(target, arg, value, "dtype:int", must=True)


@settings(max_examples=60)
@given(st.data())
def test_property_non_finite_tensors_are_refused(data):
    target, arg = data.draw(_args("tensor"))
    spec = specs()[target]
    args, kwargs = spec.make()
    t = bind(spec, args, kwargs).arguments[arg].detach().clone()
    bad = data.draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    t.reshape(-1)[data.draw(st.integers(0, t.numel() - 1))] = bad
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_MAX_BYTES", str(LIMIT_BYTES))
        _check(target, arg, t, "nan" if math.isnan(bad) else "inf", must=True)


# ----------------------------------------------------------------------------------------------- the cases
def _lasso():
    from course_lib import sparse

    D = sparse.gaussian_dictionary(20, 40, seed=0, device="cpu")
    x = sparse.sparse_codes(40, [3], seed=1, device="cpu")[:, 0]
    return D, D @ x


def test_fista_with_a_step_too_large_raises_while_it_runs():
    from course_lib import sparse

    D, y = _lasso()
    L = 0.1 * float(torch.linalg.matrix_norm(D, 2)) ** 2
    for solver in (sparse.fista, sparse.ista):
        err = assert_rejects(solver, "L", D, y, 0.05, 50, L=L, exc=Diverged)
        assert "iteration 10" in str(err)  # detected by the 10th step, not at the end


def test_train_many_with_lr_1e300_raises():
    from course_lib import backprop

    X, Y, _ = backprop.noisy_xor(0.1)
    assert_rejects(backprop.train_many, "lr", X, Y, [2, 3, 1], 2, lr=1e300, epochs=20, exc=Diverged)
    assert_rejects(backprop.init_params, "init_scale", [2, 3, 1], None, 0, math.nan)


def test_train_cnn_and_activation_maximization_blow_ups_are_reported():
    from course_lib import cnn

    X = torch.rand(40, 8, 8, generator=torch.Generator().manual_seed(0))
    y = torch.arange(40) % 10
    assert_rejects(cnn.train_cnn, "lr", X, y, n_epochs=2, batch_size=10, lr=1e6, exc=Diverged)
    phi = cnn.conv1_unit_phi(cnn.init_cnn(1, channels=(2, 3)))
    assert_rejects(cnn.activation_maximization, "lr", phi, (2, 8, 8), lr=1e12, steps=30, exc=Diverged)


def test_runaway_sizes_are_refused_before_allocating(small_limits):
    from course_lib import admm, sparse

    with cpu_deadline():
        assert_rejects(sparse.gaussian_dictionary, "m", 10**9, 16)
        X, Y = admm.square_data(20)
        assert_rejects(admm.bp_train, "sizes", X, Y, [1, 10**8, 1], 0.1, 5)
        assert_rejects(admm.admm_train, "sizes", X, Y, [1, 10**8, 1], 1.0, 0.1, 5)


def test_runaway_sizes_are_refused_at_the_default_limit(monkeypatch):
    """Without COURSE_MAX_BYTES the limit is half the machine's memory: 128 GB is refused all the same."""
    from course_lib import sparse

    monkeypatch.delenv("COURSE_MAX_BYTES", raising=False)
    assert_rejects(sparse.gaussian_dictionary, "m", 10**9, 16)


def test_hanging_step_counts_are_refused():
    from course_lib import langevin

    with cpu_deadline():
        assert_rejects(langevin.stationary_grid, "etas", (1.0,), (1e-9,), 20, 0.5)
        assert_rejects(langevin.stationary_grid, "sim_time", (1.0,), (0.05,), 20, 1e9)


@pytest.mark.parametrize("m, n_trials", [(8, 8), (4, 8), (16, 32)])
def test_multilayer_experiment_serves_small_m(m, n_trials):
    from course_lib import sparse

    res = sparse.multilayer_experiment([0.2, 0.5, 1.0], n_trials, m=m)
    for key in ("bp_rate", "thresholding_rate"):
        assert res[key].shape == (3,) and bool(((res[key] >= 0) & (res[key] <= 1)).all())


def test_multilayer_experiment_rejects_m_it_cannot_serve():
    from course_lib import sparse

    assert_rejects(sparse.multilayer_experiment, "m", [0.5], 2, m=12)  # not a power of 2 (Hadamard)
    assert_rejects(sparse.multilayer_experiment, "m", [0.5], 2, m=1)


def test_exercise_feedback_never_leaks_a_traceback(capsys):
    from course_lib import cnn, sparse

    cnn.exercise_shift_test().check(lambda f, x, dy, dx: torch.ones(3))
    sparse.exercise_soft_threshold().check(lambda z, b: [None] * 7)
    assert "Traceback" not in capsys.readouterr().out


def test_dtypes_that_would_truncate_are_refused():
    from course_lib.core import data
    from course_lib.sparse_coding import natural_patches

    assert_rejects(data.sample_photographs, "dtype", torch.int64)
    assert_rejects(data.xor, "dtype", torch.bool)
    assert_rejects(natural_patches, "dtype", 4, 10, dtype=torch.int64)


def test_flags_must_be_bools():
    from course_lib import cnn, perceptron, sparse, sparse_coding
    from course_lib.core.claims import Claims

    X = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    assert_rejects(perceptron.train_perceptron, "stop_when_separated", X, torch.tensor([1.0, -1.0]), 5, "no")
    assert_rejects(cnn.cnn_forward, "return_features", cnn.init_cnn(1, channels=(2, 3)), torch.rand(2, 8, 8),
                   return_features="no")
    assert_rejects(sparse_coding.learn_dictionary, "return_history", torch.randn(20, 16), 4, 0.1, 1,
                   return_history=1)
    D, y = _lasso()
    assert_rejects(sparse.basis_pursuit, "nonneg", D, y, nonneg="no")
    claims = Claims("reliability")
    assert_rejects(claims.check, "holds", "c", "False", "1")
    assert_rejects(claims.check, "holds", "c", float("nan"), "1")
    assert_rejects(claims.close, "atol", "c", 1.0, 2.0, atol=math.inf)


def test_ista_flags_must_be_bools():
    from course_lib import sparse

    D, y = _lasso()
    assert_rejects(sparse.ista, "nonneg", D, y, 0.1, 5, nonneg="no")
    assert_rejects(sparse.fista, "history", D, y, 0.1, 5, history="yes")


def test_public_helpers_check_their_arguments():
    from course_lib import backprop, langevin, sparse

    W, b = backprop.init_params([2, 3, 1], 2, seed=0)
    X = torch.rand(4, 2, dtype=torch.float64)
    assert_rejects(backprop.forward_pass, "biases", W, b[:1], X)
    assert_rejects(backprop.forward_pass, "X", W, b, torch.rand(4, 3, dtype=torch.float64))
    assert_rejects(langevin.gradient_descent, "grad_U", lambda x: x[:, 0], torch.zeros(5, 1), 0.01, 10)
    D = sparse.gaussian_dictionary(8, 16, seed=0, device="cpu")
    assert_rejects(sparse.relu_network, "dictionaries", [D, torch.randn(5, 4, dtype=torch.float64)], [0.1, 0.1])


def test_errors_name_the_right_argument():
    from course_lib import admm, cnn, langevin, sparse

    assert_rejects(sparse.gaussian_dictionary, "seed", 4, 8, seed=2**64)
    x = torch.tensor([0.1, 0.2, 0.4], dtype=torch.float64, requires_grad=True)
    assert cnn.mean_ci(x)[0] == pytest.approx(0.7 / 3)  # read as values: no raw numpy() error
    assert_rejects(admm.widget_runs, "bp_iter", bp_iter=0)
    assert_rejects(admm.saturation_study, "bp_steps", *admm.square_data(12), bp_steps=0)
    err = assert_rejects(langevin.sgld, "grad_U", lambda x: torch.full_like(x, math.nan), torch.zeros(4, 1), 0.01, 1.0,
                         10)
    assert "step_size" not in str(err).split(":")[0]


# ----------------------------------------------------------------------------------------------- distributed runs
def _decode(hexaddr: str, family) -> tuple[str, int]:
    addr, port = hexaddr.split(":")
    raw = bytes.fromhex(addr)
    raw = raw[::-1] if family == socket.AF_INET else b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(family, raw), int(port, 16)


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """The TCP sockets process ``pid`` listens on: its socket inodes (``/proc/PID/fd``) matched against the LISTEN
    rows of ``/proc/net/tcp`` and ``/proc/net/tcp6``."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    out = []
    for path, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f.read().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[9]) in inodes:  # state 0A: LISTEN
                    out.append(_decode(cols[1], family))
    return out


def _loopback(addr: str) -> bool:
    import ipaddress

    ip = ipaddress.ip_address(addr)
    return ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback)


needs_fork_and_proc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="lists sockets through /proc and inherits the spy through fork (Linux)")


@needs_fork_and_proc
def test_two_process_admm_listens_on_loopback_only(monkeypatch, tmp_path):
    """Each worker records its listening sockets once the process group is up (during the run); the rendezvous
    is a FileStore, so only gloo's pair listeners remain, and they must sit on the loopback interface."""
    import torch.distributed as dist

    from course_lib import admm
    from course_lib.admm import parallel

    original = parallel.run_shard

    def spy(*args, **kwargs):
        with open(tmp_path / f"rank{dist.get_rank()}.json", "w") as f:
            json.dump(listening_sockets(os.getpid()), f)
        return original(*args, **kwargs)

    parallel.shutdown()  # the kept workers were forked before the spy: start new ones that carry it
    monkeypatch.setattr(parallel, "run_shard", spy)
    X, Y = admm.square_data(40)
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "pytorch-errorfile-*")))
    try:
        two = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=2, start_method="fork")
    finally:
        parallel.shutdown()  # no spying worker outlives the test
    one = admm.admm_train(X, Y, [1, 4, 4, 1], 10.0, 0.1, 3, world_size=1)
    assert torch.allclose(two.augmented_lagrangian, one.augmented_lagrangian, rtol=1e-9, atol=0)
    seen = [tuple(s) for rank in (0, 1) for s in json.loads((tmp_path / f"rank{rank}.json").read_text())]
    assert seen, "no listening socket found at all: the /proc listing itself is broken"
    assert all(_loopback(addr) for addr, _ in seen), f"listening beyond loopback: {seen}"
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "pytorch-errorfile-*"))) <= before


@needs_fork_and_proc
def test_a_failed_distributed_run_leaves_no_error_files(monkeypatch):
    from course_lib import admm
    from course_lib.admm import parallel

    def broken(*args, **kwargs):
        raise RuntimeError("a worker fails on purpose")

    parallel.shutdown()  # new workers, forked with the broken shard runner
    monkeypatch.setattr(parallel, "run_shard", broken)
    X, Y = admm.square_data(20)
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "pytorch-errorfile-*")))
    with pytest.raises(Exception, match="on purpose"):
        admm.admm_train(X, Y, [1, 3, 3, 1], 10.0, 0.1, 2, world_size=2, start_method="fork")
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "pytorch-errorfile-*"))) <= before
