"""Data-parallel ADMM with torch.distributed (gloo), after Taylor et al., ICML 2016.

Each worker holds a contiguous shard of the samples (columns).  The V- and Lambda-updates
are column-wise, so they need no communication; the W-updates need only sums over
samples of small matrices (``V V^T``, ``(beta V - Lambda) V^T``, the prox-linear gradient)
and the maxima behind the prox-linear step sizes.  The kernel computes them together with
the per-sweep record (L, residuals, KKT, MSE), so a sweep costs exactly two all-reduces: one
packed sum and one packed max.  Every worker therefore computes the same weights as one
process holding all the data, up to the order of floating-point summation.

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

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from course_lib.admm.kernels import admm_core
from course_lib.core.mlp import ACTIVATIONS
from course_lib.core.validate import Diverged

__all__ = ["DistComm", "run_local", "run_shard", "shard", "default_start_method", "loopback_interface"]


class DistComm:
    """Sums and maxima over all workers' samples (one packed all-reduce per call)."""

    def sum(self, *ts):
        flat = torch.cat([t.reshape(-1) for t in ts])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        out, off = [], 0
        for t in ts:
            out.append(flat[off : off + t.numel()].view_as(t))
            off += t.numel()
        return tuple(out) if len(out) > 1 else out[0]

    def max(self, t):
        t = t.clone()
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return t


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


def run_shard(X, Y, Ws, beta, lam, n_iter, act_name, multipliers):
    """:func:`~course_lib.admm.kernels.admm_core` on this worker's shard, sums all-reduced over the process group."""
    return admm_core(X, Y, Ws, beta, lam, n_iter, ACTIVATIONS[act_name], multipliers, DistComm())


def _worker(rank, world_size, store_path, ifname, X, Y, Ws, beta, lam, n_iter, act_name, multipliers, out_path):
    torch.set_num_threads(1)
    os.environ["GLOO_SOCKET_IFNAME"] = ifname  # gloo's pair sockets on the loopback interface only
    # a FileStore: the rendezvous is a file in the caller's private temporary directory, not a TCP server
    dist.init_process_group("gloo", init_method=f"file://{store_path}", rank=rank, world_size=world_size)
    try:
        Xs, Ys = shard(X, Y, rank, world_size)
        try:
            out, Ws = run_shard(Xs, Ys, Ws, beta, lam, n_iter, act_name, multipliers)
            result = {"out": out, "Ws": Ws, "error": ""}
        except Diverged as err:  # every rank sees the same (all-reduced) L, so all stop here
            result = {"out": {}, "Ws": [], "error": str(err)}
        if rank == 0:
            torch.save(result, out_path)
    finally:
        dist.destroy_process_group()


def run_local(X, Y, Ws, beta, lam, n_iter, act_name, multipliers, world_size, start_method=None):
    """Run :func:`course_lib.admm.kernels.admm_core` on ``world_size`` local processes; return rank 0's result."""
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
    return result["out"], result["Ws"]
