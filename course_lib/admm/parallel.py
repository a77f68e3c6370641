"""Data-parallel ADMM with torch.distributed (gloo), after Taylor et al., ICML 2016.

Each worker holds a contiguous shard of the samples (columns).  The V- and Lambda-updates
are column-wise, so they need no communication; the W-updates need only sums over
samples of small matrices (``V V^T``, ``(beta V - Lambda) V^T``, the prox-linear gradient)
and the maxima behind the prox-linear step sizes.  The kernel computes them together with
the per-sweep record (L, residuals, KKT, MSE), so a sweep costs exactly one exchange: the
packed sums and maxima in one ``all_gather`` (see :class:`DistComm` for why not ``all_reduce``).
Every worker therefore computes the same weights as one process holding all the data, up to
the order of floating-point summation.

Three ways to run it:

* from Python: ``admm_train(..., world_size=2)`` starts local workers on its first call and keeps them for
  later calls (:func:`run_local`; :func:`shutdown` stops them, and they stop when the calling process exits or
  dies); they rendezvous through a ``FileStore`` in a private temporary directory (nothing listens for the
  rendezvous) and gloo's own sockets stay on the loopback interface (``GLOO_SOCKET_IFNAME``), so nothing of a
  local run is reachable from the network.  Tasks and results travel over pipes as ``torch.save`` bytes, read
  back with ``weights_only=True``;
* as a script on one machine: ``python -m course_lib.admm --world-size 2``
  (runs the y = x^2 problem in one process and in ``world_size``, and compares them);
* on several hosts: ``torchrun --nnodes 2 --nproc-per-node 4 --rdzv-endpoint HOST:29500 -m course_lib.admm``
  (torchrun sets ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``; each rank builds its own shard).

This module depends only on :mod:`course_lib.admm.kernels` (and ``core``); the command-line
entry lives in :mod:`course_lib.admm.__main__`.

**The __main__ guard.**  With the ``spawn`` start method (the default on macOS and
Windows, and here whenever CUDA is initialised) every worker re-imports the caller's
main module.  A script that calls ``admm_train(..., world_size=k)`` must therefore put
that call under ``if __name__ == "__main__":``, or each worker would start workers of
its own.  On Linux we use ``fork`` when it is safe (CUDA not initialised): measured on
the course's 2-core machine, starting 2 spawned workers costs 7-13 s (each re-imports
torch), against about 0.1 s with fork, which keeps the lecture inside its 20 s budget.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import multiprocessing.connection as mp_connection
import os
import socket
import sys
import tempfile
import threading
import time
import traceback

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from course_lib.admm.kernels import admm_core
from course_lib.core.mlp import ACTIVATIONS
from course_lib.core.validate import Diverged

__all__ = ["DistComm", "run_local", "run_shard", "shard", "default_start_method", "loopback_interface",
           "shutdown"]


class DistComm:
    """Sums and maxima over all workers' samples, by one ``all_gather`` per call.

    Why a gather and not ``all_reduce``: measured on the course's 2-core machine with gloo on loopback, an
    ``all_reduce`` of 8 to 3,400 doubles takes 1.4-2.0 ms between 2 processes, an ``all_gather`` of the same
    0.5 ms.  The packets are small (the sweep's sums are a few thousand numbers), so gathering every worker's
    copy and adding them locally is cheaper, and every worker adds them in rank order, so all hold bitwise the
    same sums.  ``sum_max`` sends a sweep's sums and maxima in the same gather: one exchange per sweep.

    It keeps a profile of its own traffic: ``calls`` exchanges, ``floats`` numbers each worker sent, and
    ``seconds`` spent inside them (waiting for the slower worker included) -- what ``make bench`` reports."""

    def __init__(self):
        self.calls, self.floats, self.seconds = 0, 0, 0.0

    def _gather(self, flat):
        """(world_size, k): every worker's 1-D ``flat``, in rank order."""
        t0 = time.perf_counter()
        out = torch.empty(dist.get_world_size(), flat.numel(), dtype=flat.dtype, device=flat.device)
        dist.all_gather(list(out.unbind(0)), flat.contiguous())
        self.calls, self.floats, self.seconds = self.calls + 1, self.floats + flat.numel(), \
            self.seconds + time.perf_counter() - t0
        return out

    def sum(self, *ts):
        total = self._gather(torch.cat([t.reshape(-1) for t in ts])).sum(0)
        out = list(torch.split(total, [t.numel() for t in ts]))
        out = [o.view_as(t) for o, t in zip(out, ts)]
        return tuple(out) if len(out) > 1 else out[0]

    def max(self, t):
        return self._gather(t.reshape(-1)).amax(0).view_as(t)

    def sum_max(self, s, m):
        g = self._gather(torch.cat([s.reshape(-1), m.reshape(-1)]))
        return g[:, : s.numel()].sum(0).view_as(s), g[:, s.numel() :].amax(0).view_as(m)


def loopback_interface() -> str:
    """The name of the loopback network interface (``lo`` on Linux, ``lo0`` on macOS): gloo binds its
    sockets there when ``GLOO_SOCKET_IFNAME`` names it."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except OSError:  # pragma: no cover - platforms without if_nameindex
        names = []
    return next((name for name in names if name == "lo"), next((n for n in names if n.startswith("lo")), "lo"))


def default_start_method() -> str:
    """``fork`` on platforms that have it while CUDA is not initialised, else ``spawn``."""
    if "fork" in mp.get_all_start_methods() and sys.platform.startswith("linux") and not torch.cuda.is_initialized():
        return "fork"
    return "spawn"


def shard(X, Y, rank, world_size):
    """Rank ``rank``'s contiguous block of the samples (columns) of ``X`` and ``Y``."""
    cols = torch.tensor_split(torch.arange(X.shape[1]), world_size)[rank]
    return X[:, cols].contiguous(), Y[:, cols].contiguous()


def run_shard(X, Y, Ws, beta, lam, n_iter, act_name, multipliers, comm=None):
    """:func:`~course_lib.admm.kernels.admm_core` on this worker's shard, sums gathered over the process group
    (through ``comm``, a :class:`DistComm`, whose profile the caller may read afterwards)."""
    return admm_core(X, Y, Ws, beta, lam, n_iter, ACTIVATIONS[act_name], multipliers, comm or DistComm())


def _exit_with_parent(parent_pid: int):
    """Linux: have the kernel kill this worker when its parent dies (``PR_SET_PDEATHSIG``), so a killed notebook
    kernel leaves no worker behind (and exit at once if the parent is already gone).  Elsewhere the closed pipe
    ends the worker at its next task.  (The signal follows the *thread* that started the worker, so the pool
    asks for it only when started from the main thread.)"""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(Exception):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:
            os._exit(0)


def _pin(rank: int, world_size: int):
    """Keep worker ``rank`` on one CPU of those this process may use, when there is one per worker (Linux): a
    worker that the scheduler moves loses its core's cache."""
    if hasattr(os, "sched_setaffinity") and os.environ.get("COURSE_PIN_WORKERS", "1") == "1":
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= world_size:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, {cpus[rank]})


def _pack(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _unpack(data: bytes):
    return torch.load(io.BytesIO(data), weights_only=True)  # tensors, numbers and strings only: nothing executes


def _pool_worker(rank, world_size, store_path, ifname, conn, parent_pid):
    """A worker of the pool: join the process group once and say so (``ready``), then run one task after another
    until told to stop (``None``) or the parent's end of the pipe closes.  Rank 0 sends back the run's series,
    weights and profile."""
    t_start = time.perf_counter()
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    torch.set_num_threads(1)  # one thread per worker: the workers are the parallelism
    _pin(rank, world_size)
    os.environ["GLOO_SOCKET_IFNAME"] = ifname  # gloo's pair sockets on the loopback interface only
    try:
        # a FileStore: the rendezvous is a file in the caller's private temporary directory, not a TCP server
        dist.init_process_group("gloo", init_method=f"file://{store_path}", rank=rank, world_size=world_size)
        rendezvous = time.perf_counter() - t_start
        conn.send_bytes(_pack({"kind": "ready", "result": None}))
        while True:
            try:
                data = conn.recv_bytes()
            except EOFError:  # the parent is gone
                return
            task = _unpack(data)
            if task is None:
                return
            t0 = time.perf_counter()
            Xs, Ys = shard(task["X"], task["Y"], rank, world_size)
            comm = DistComm()
            try:
                out, Ws = run_shard(Xs, Ys, task["Ws"], task["beta"], task["lam"], task["n_iter"], task["act"],
                                    task["multipliers"], comm=comm)
                result = {"out": out, "Ws": Ws, "error": ""}
            except Diverged as err:  # every rank sees the same (gathered) L, so all stop here
                result = {"out": {}, "Ws": [], "error": str(err)}
            result["profile"] = {"rendezvous_s": rendezvous, "run_s": time.perf_counter() - t0,
                                 "exchange_s": comm.seconds, "exchanges": comm.calls, "floats": comm.floats,
                                 "threads": torch.get_num_threads()}
            rendezvous = 0.0  # joined once, for the first task
            conn.send_bytes(_pack({"kind": "done", "result": result if rank == 0 else None}))
    except Exception:  # reported to the parent, which stops every worker (the others may wait in an exchange)
        with contextlib.suppress(Exception):
            conn.send_bytes(_pack({"kind": "failed", "result": traceback.format_exc()}))
    finally:
        with contextlib.suppress(Exception):
            dist.destroy_process_group()


class _Pool:
    """``world_size`` local workers started once (``start_method``) and kept for later runs: a run then costs
    no process start, no rendezvous and no cold process (measured on the 2-core machine: a fresh worker's sweeps
    were ~7 % slower than a warm one's).  Tasks and results travel as ``torch.save`` bytes over pipes.  The pool
    is usable only once every worker has joined the process group and said ``ready`` (a worker that dies before
    that is reported, instead of leaving the others in the rendezvous and the parent writing to a full pipe)."""

    def __init__(self, world_size: int, method: str, start_timeout: float = 300.0):
        ctx = mp.get_context(method)
        self.key, self.conns, self.procs = (world_size, method), [], []
        self._tmp = tempfile.TemporaryDirectory(prefix="course-admm-")  # mode 0700: private to this user
        store = os.path.join(self._tmp.name, "rendezvous")
        parent = os.getpid() if threading.current_thread() is threading.main_thread() else None
        for rank in range(world_size):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_pool_worker,
                               args=(rank, world_size, store, loopback_interface(), theirs, parent),
                               daemon=True, name=f"course-admm-rank{rank}")
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)
        try:
            self._collect("ready", start_timeout)
        except BaseException:
            self.close(timeout=0.0)
            raise

    def _collect(self, kind: str, timeout: float | None = None) -> dict:
        """Every worker's reply of ``kind`` (rank -> result); a failed or dead worker, or ``timeout`` seconds
        without all replies, raises ``RuntimeError``."""
        waiting, replies = dict(enumerate(self.conns)), {}
        deadline = None if timeout is None else time.monotonic() + timeout
        while waiting:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = set(mp_connection.wait(list(waiting.values()) + [p.sentinel for p in self.procs], left))
            if not ready:
                raise RuntimeError(f"data-parallel workers {sorted(waiting)} did not answer within {timeout:g} s")
            for rank, conn in list(waiting.items()):
                if conn in ready:
                    try:
                        reply = _unpack(conn.recv_bytes())
                    except EOFError:
                        self.procs[rank].join(1.0)
                        reply = {"kind": "failed", "result": f"exited with code {self.procs[rank].exitcode}"}
                    if reply["kind"] != kind:
                        raise RuntimeError(f"data-parallel worker {rank} failed: {reply['result']}")
                    replies[rank] = reply["result"]
                    del waiting[rank]
            for rank, proc in enumerate(self.procs):
                if rank in waiting and proc.sentinel in ready and not waiting[rank].poll():
                    proc.join(1.0)  # reap it, for its exit code
                    raise RuntimeError(f"data-parallel worker {rank} died (exit code {proc.exitcode})")
        return replies

    def alive(self) -> bool:
        return all(p.is_alive() for p in self.procs)

    def run(self, task: dict) -> dict:
        """Send ``task`` to every worker and return rank 0's result; a worker that fails or dies stops the pool.
        (Every worker is in its receive loop, so the sends cannot block on a full pipe; a dead one's pipe
        raises.)"""
        payload = _pack(task)
        for rank, conn in enumerate(self.conns):
            try:
                conn.send_bytes(payload)
            except OSError as err:
                raise RuntimeError(f"data-parallel worker {rank} is gone ({err})") from err
        return self._collect("done")[0]

    def close(self, timeout: float = 5.0):
        """Ask the workers to stop, wait up to ``timeout`` seconds, then kill any left (one stuck in an exchange).
        ``timeout=0`` kills them without asking (nothing is written to a pipe that may be full)."""
        if timeout > 0:
            for conn in self.conns:
                with contextlib.suppress(OSError, ValueError):
                    conn.send_bytes(_pack(None))
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self.conns:
            conn.close()
        self._tmp.cleanup()


_POOL: _Pool | None = None
_POOL_LOCK = threading.Lock()


def shutdown():
    """Stop the kept workers (they also stop when this process exits, or dies)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            pool, _POOL = _POOL, None
            pool.close()


atexit.register(shutdown)


def run_local(X, Y, Ws, beta, lam, n_iter, act_name, multipliers, world_size, start_method=None):
    """Run :func:`course_lib.admm.kernels.admm_core` on ``world_size`` local processes; return rank 0's
    ``(series, weights, profile)``.  The workers are started on the first call and kept (one pool at a time:
    another ``world_size`` or start method replaces it; :func:`shutdown` stops it).  ``profile``: rank 0's
    ``rendezvous_s`` (start to joined group, on the call that started the workers, else 0), ``run_s`` (the
    sweeps), ``exchange_s`` (inside the exchanges, waiting included), ``exchanges`` and ``floats`` (their count
    and size, over the whole run), ``threads`` (per worker) and ``started_workers`` (whether this call started
    them)."""
    global _POOL
    method = start_method or default_start_method()
    if method not in mp.get_all_start_methods():
        raise ValueError(f"start_method: {method!r} is not available here ({mp.get_all_start_methods()})")
    cpu = torch.device("cpu")
    task = {"X": X.to(cpu), "Y": Y.to(cpu), "Ws": [W.to(cpu) for W in Ws], "beta": beta.to(cpu), "lam": lam,
            "n_iter": n_iter, "act": act_name, "multipliers": multipliers}
    with _POOL_LOCK:
        started = _POOL is None or _POOL.key != (world_size, method) or not _POOL.alive()
        if started:
            if _POOL is not None:
                _POOL.close()
            _POOL = _Pool(world_size, method)
        pool = _POOL
        try:
            result = pool.run(task)
        except BaseException:  # a failed worker, or an interrupt: the others may wait in an exchange
            _POOL = None
            pool.close(timeout=0.0)
            raise
    if result["error"]:
        raise Diverged(result["error"])
    result["profile"]["started_workers"] = started
    return result["out"], result["Ws"], result["profile"]
