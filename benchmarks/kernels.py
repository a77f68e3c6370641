"""Kernel benchmarks: each a zero-argument function returning a dict of measured figures.

Listed explicitly in :mod:`benchmarks.registry`; timers live here, not in the lectures or kernels.
"""
from __future__ import annotations

import time


def sgld_batched_vs_loop(n_chains: int = 200, n_steps: int = 200, seed: int = 0) -> dict:
    """SGLD on the double well: ``n_chains`` chains in one tensor program vs one call per chain."""
    import torch

    from course_lib import langevin

    x0 = torch.full((n_chains, 1), -1.0, dtype=torch.float64)
    langevin.sgld(langevin.double_well_grad, x0, 0.01, 2.0, 5, seed=seed)  # warm-up
    t0 = time.perf_counter()
    langevin.sgld(langevin.double_well_grad, x0, 0.01, 2.0, n_steps, seed=seed)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    for c in range(n_chains):
        langevin.sgld(langevin.double_well_grad, x0[c:c + 1], 0.01, 2.0, n_steps, seed=seed + c)
    t_loop = time.perf_counter() - t0
    return {"n_chains": n_chains, "n_steps": n_steps, "batched_s": t_batch, "loop_s": t_loop,
            "speedup": t_loop / t_batch}


def fista_vs_lasso() -> dict:
    """16 Lasso problems (100 x 200): batched FISTA vs scikit-learn's Lasso, both stopped at gap <= 1e-10 ||y||^2."""
    from course_lib import sparse

    r = sparse.compare_with_sklearn()
    F_f, F_s = r["fista_objective"], r["sklearn_objective"]
    return {
        "fista_s": r["fista_s"],
        "sklearn_lasso_s": r["sklearn_s"],
        "fista_objective": float(F_f.sum()),
        "sklearn_objective": float(F_s.sum()),
        "fista_gap_bound": float(r["fista_gap"].max()),
        "sklearn_gap_bound": float(r["sklearn_gap"].max()),
        "max_rel_objective_diff": float(((F_f - F_s).abs() / F_s).max()),
    }


def admm_parallel(n: int = 20000, n_iter: int = 20, world_sizes=(1, 2), width: int = 32) -> dict:
    """Wall time of ADMM vs number of local processes (fork), plus the cost of starting 2 workers."""
    from course_lib import admm

    X, Y = admm.square_data(n)
    sizes = [1, width, width, 1]
    res = {"n": n, "n_iter": n_iter}
    for ws in world_sizes:
        h = admm.admm_train(X, Y, sizes, 10.0, 1e-3, n_iter, world_size=ws)
        res[f"wall_s_{ws}proc"] = h.seconds
    for method in ("spawn", "fork"):
        t0 = time.perf_counter()
        admm.admm_train(X[:, :64], Y[:, :64], sizes, 10.0, 1e-3, 1, world_size=2, start_method=method)
        res[f"{method}_2proc_1iter_s"] = time.perf_counter() - t0
    return res
