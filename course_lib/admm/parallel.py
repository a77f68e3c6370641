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

* from Python: ``admm_train(..., world_size=2)`` starts local workers with
  ``torch.multiprocessing.start_processes`` (:func:`run_local`); they rendezvous through a ``FileStore``
  in a private temporary directory (nothing listens for the rendezvous) and gloo's own sockets stay on
  the loopback interface (``GLOO_SOCKET_IFNAME``), so nothing of a local run is reachable from the network;
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

import contextlib
import os
import socket
import sys
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from course_lib.admm.kernels import admm_core
from course_lib.core.mlp import ACTIVATIONS
from course_lib.core.validate import Diverged

__all__ = ["DistComm", "run_local", "run_shard", "shard", "default_start_method", "loopback_interface"]


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


def _worker(rank, world_size, store_path, ifname, X, Y, Ws, beta, lam, n_iter, act_name, multipliers, out_path):
    t_start = time.perf_counter()
    torch.set_num_threads(1)  # one thread per worker: the workers are the parallelism
    os.environ["GLOO_SOCKET_IFNAME"] = ifname  # gloo's pair sockets on the loopback interface only
    # a FileStore: the rendezvous is a file in the caller's private temporary directory, not a TCP server
    dist.init_process_group("gloo", init_method=f"file://{store_path}", rank=rank, world_size=world_size)
    try:
        t_ready = time.perf_counter()
        Xs, Ys = shard(X, Y, rank, world_size)
        comm = DistComm()
        try:
            out, Ws = run_shard(Xs, Ys, Ws, beta, lam, n_iter, act_name, multipliers, comm=comm)
            result = {"out": out, "Ws": Ws, "error": ""}
        except Diverged as err:  # every rank sees the same (gathered) L, so all stop here
            result = {"out": {}, "Ws": [], "error": str(err)}
        result["profile"] = {"rendezvous_s": t_ready - t_start, "run_s": time.perf_counter() - t_ready,
                             "exchange_s": comm.seconds, "exchanges": comm.calls, "floats": comm.floats,
                             "threads": torch.get_num_threads()}
        if rank == 0:
            torch.save(result, out_path)
    finally:
        dist.destroy_process_group()


def run_local(X, Y, Ws, beta, lam, n_iter, act_name, multipliers, world_size, start_method=None):
    """Run :func:`course_lib.admm.kernels.admm_core` on ``world_size`` local processes; return rank 0's
    ``(series, weights, profile)``.  ``profile``: rank 0's ``rendezvous_s`` (start to joined group),
    ``run_s`` (the sweeps), ``exchange_s`` (inside the exchanges, waiting included), ``exchanges`` and
    ``floats`` (their count and size, over the whole run) and ``threads`` (per worker)."""
    method = start_method or default_start_method()
    if method not in mp.get_all_start_methods():
        raise ValueError(f"start_method: {method!r} is not available here ({mp.get_all_start_methods()})")
    cpu = torch.device("cpu")
    X, Y = X.to(cpu), Y.to(cpu)
    Ws, beta = [W.to(cpu) for W in Ws], beta.to(cpu)
    with tempfile.TemporaryDirectory(prefix="course-admm-") as tmp:  # mode 0700: private to this user
        out_path = os.path.join(tmp, "rank0.pt")
        store_path = os.path.join(tmp, "rendezvous")
        context = mp.start_processes(
            _worker,
            args=(world_size, store_path, loopback_interface(), X, Y, Ws, beta, lam, n_iter, act_name, multipliers,
                  out_path),
            nprocs=world_size,
            start_method=method,
            join=False,
        )
        try:
            while not context.join():
                pass
        finally:  # torch leaves one pytorch-errorfile-*.pickle per worker in the system temporary directory
            for path in context.error_files:
                with contextlib.suppress(OSError):
                    os.remove(path)
        result = torch.load(out_path, weights_only=True)  # written by our own rank 0
    if result["error"]:
        raise Diverged(result["error"])
    return result["out"], result["Ws"], result["profile"]
