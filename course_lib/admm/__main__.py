"""``python -m course_lib.admm``: data-parallel ADMM on y = x^2, checked against one process.

* on one machine: ``python -m course_lib.admm --world-size 2`` runs the problem in one process
  and in ``world_size`` local processes (a FileStore rendezvous, gloo on loopback) and prints the largest
  differences in L, weights and outputs;
* on several hosts: ``torchrun --nnodes 2 --nproc-per-node 4 --rdzv-endpoint HOST:29500 -m course_lib.admm``
  (torchrun sets ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``; each rank builds its own shard).

The work runs under ``if __name__ == "__main__":`` -- the guard the ``spawn`` start method needs,
since spawned workers re-import the main module.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import torch
import torch.distributed as dist

from course_lib.admm.experiments import square_data
from course_lib.admm.parallel import default_start_method, run_shard, shard
from course_lib.admm.train import admm_train
from course_lib.core.mlp import init_weights


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m course_lib.admm",
                                description="Data-parallel ADMM (Algorithm 1) on y = x^2, checked against one process.")
    p.add_argument("--world-size", type=int, default=2)
    p.add_argument("--n", type=int, default=400, help="number of samples")
    p.add_argument("--n-iter", type=int, default=50)
    p.add_argument("--beta", type=float, default=10.0)
    p.add_argument("--lam", type=float, default=1e-3)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--start-method", default=None, choices=[None, "fork", "spawn", "forkserver"])
    return p.parse_args(argv)


def _torchrun(a, X, Y, sizes):
    """One rank of a torchrun launch (one or many hosts): ADMM on this rank's shard."""
    dist.init_process_group("gloo")
    try:
        rank, ws = dist.get_rank(), dist.get_world_size()
        Xs, Ys = shard(X, Y, rank, ws)
        beta = torch.full((1, 3), a.beta, dtype=torch.float64)
        t0 = time.perf_counter()
        out, _ = run_shard(Xs, Ys, init_weights(sizes, 1.0, 0), beta, a.lam, a.n_iter, "sigmoid", True)
        if rank == 0:
            print(f"{ws} ranks: final train MSE {out['train_mse'][-1, 0]:.3e}, "
                  f"L {out['augmented_lagrangian'][-1, 0]:.6e}, {time.perf_counter() - t0:.2f} s")
    finally:
        dist.destroy_process_group()
    return 0


def main(argv=None):
    a = _parse(argv)
    X, Y = square_data(a.n)
    sizes = [1, a.width, a.width, 1]
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # launched by torchrun on one or many hosts
        return _torchrun(a, X, Y, sizes)
    one = admm_train(X, Y, sizes, a.beta, a.lam, a.n_iter, world_size=1)
    many = admm_train(X, Y, sizes, a.beta, a.lam, a.n_iter, world_size=a.world_size, start_method=a.start_method)
    dL = float((one.augmented_lagrangian - many.augmented_lagrangian).abs().max())
    dW = max(float((w1 - w2).abs().max()) for w1, w2 in zip(one.weights + one.biases, many.weights + many.biases))
    dF = float((one.output(X) - many.output(X)).abs().max())
    print(f"1 process: {one.seconds:.2f} s; {a.world_size} processes "
          f"({a.start_method or default_start_method()}): {many.seconds:.2f} s")
    print(f"max |ΔL| = {dL:.2e}, max |Δ weights| = {dW:.2e}, max |Δ output| = {dF:.2e}")
    return 0


if __name__ == "__main__":  # the guard spawn needs: workers re-import the main module
    sys.exit(main())
