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


LASSO_SHAPES = ((100, 200, 64), (256, 1024, 16), (64, 256, 256))  # (m, n_atoms, signals): issue 11's problem sets
LASSO_RATIO_BUDGET = 1.0     # sparse.lasso's time over scikit-learn's, each shape
LASSO_REL_OBJ_BUDGET = 1e-7  # |F_lasso - F_sklearn| / F_sklearn, worst signal


def _median_times(fns: dict, repeats: int) -> dict:
    """Median wall time of each zero-argument function, the repeats interleaved (a shared machine drifts) and the
    order rotated every repeat (no function always runs first, after another's caches)."""
    import numpy as np

    times = {k: [] for k in fns}
    keys = list(fns)
    for r in range(repeats):
        for k in keys[r % len(keys):] + keys[:r % len(keys)]:
            t0 = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def fista_vs_lasso(tol: float = 1e-8, repeats: int = 15, fista_repeats: int = 3) -> dict:
    """scikit-learn's ``Lasso`` (a loop over signals) against ``sparse.lasso`` (batched) and the textbook
    ``sparse.fista(..., tol)`` on issue 11's three problem sets, one thread, all stopped by the same rule:
    certified duality gap <= tol ||y||^2.  Median of interleaved repeats; gaps and objectives are scored by
    ``sparse.lasso_duality_gap`` / ``lasso_objective``, whatever each solver reports."""
    import torch
    from sklearn.linear_model import Lasso
    from threadpoolctl import threadpool_limits

    from course_lib import sparse

    torch.set_num_threads(1)
    res = {"tol": tol, "repeats": repeats, "ratio_budget": LASSO_RATIO_BUDGET, "rel_obj_budget": LASSO_REL_OBJ_BUDGET}
    ok = True
    with threadpool_limits(1):
        for m, n, batch in LASSO_SHAPES:
            D, Y, beta = sparse.lasso_problems(m, n, batch, device="cpu")
            Dn, Yn = D.numpy(), Y.numpy()

            def sk(Dn=Dn, Yn=Yn, m=m, beta=beta):
                return Lasso(alpha=beta / m, fit_intercept=False, tol=tol, max_iter=100_000).fit(Dn, Yn)

            fast = lambda D=D, Y=Y, beta=beta: sparse.lasso(D, Y, beta, tol=tol)  # noqa: E731
            x_s = torch.as_tensor(sk().coef_).reshape(batch, n).T
            x_l = fast().x
            t = _median_times({"sklearn": sk, "lasso": fast}, repeats)
            t_f = _median_times({"fista": lambda D=D, Y=Y, beta=beta: sparse.fista(D, Y, beta, 100_000, tol=tol)},
                                fista_repeats)["fista"]
            x_f = sparse.fista(D, Y, beta, 100_000, tol=tol)
            y2 = (Y**2).sum(0)
            F_s, F_l = sparse.lasso_objective(D, Y, x_s, beta), sparse.lasso_objective(D, Y, x_l, beta)
            key = f"{m}x{n}x{batch}"
            ratio = t["lasso"] / t["sklearn"]
            rel = float(((F_l - F_s).abs() / F_s).max())
            res.update({
                f"{key}_sklearn_ms": 1e3 * t["sklearn"],
                f"{key}_lasso_ms": 1e3 * t["lasso"],
                f"{key}_fista_ms": 1e3 * t_f,
                f"{key}_lasso_over_sklearn": ratio,
                f"{key}_fista_over_sklearn": t_f / t["sklearn"],
                f"{key}_sklearn_gap_rel": float((sparse.lasso_duality_gap(D, Y, x_s, beta) / y2).max()),
                f"{key}_lasso_gap_rel": float((sparse.lasso_duality_gap(D, Y, x_l, beta) / y2).max()),
                f"{key}_fista_gap_rel": float((sparse.lasso_duality_gap(D, Y, x_f, beta) / y2).max()),
                f"{key}_max_rel_objective_diff": rel,
            })
            ok = ok and ratio <= LASSO_RATIO_BUDGET and rel <= LASSO_REL_OBJ_BUDGET
    res["within_budget"] = ok
    return res


LASSO_ABLATIONS = {
    "all": {},
    "no_restart": {"restart": False},
    "no_screening": {"screening": False},
    "no_newton": {"newton": False},
    "no_per_signal": {"per_signal": False},
    "no_working_set": {"working_set": False},
    "gram_always": {"gram": True},
    "gram_never": {"gram": False},
    "plain_restarted_fista": {"restart": True, "screening": False, "newton": False, "working_set": False,
                              "per_signal": False},
}


def lasso_ingredients(tol: float = 1e-8, repeats: int = 7) -> dict:
    """What each ingredient of ``sparse.lasso`` contributes: its time with one ingredient switched off (or the
    Gram forced on/off), over scikit-learn's, on issue 11's three problem sets (one thread, interleaved repeats)."""
    import torch
    from sklearn.linear_model import Lasso
    from threadpoolctl import threadpool_limits

    from course_lib import sparse

    torch.set_num_threads(1)
    res = {"tol": tol, "repeats": repeats}
    with threadpool_limits(1):
        for m, n, batch in LASSO_SHAPES:
            D, Y, beta = sparse.lasso_problems(m, n, batch, device="cpu")
            Dn, Yn = D.numpy(), Y.numpy()
            fns = {"sklearn": lambda Dn=Dn, Yn=Yn, m=m, beta=beta: Lasso(
                alpha=beta / m, fit_intercept=False, tol=tol, max_iter=100_000).fit(Dn, Yn)}
            for name, kw in LASSO_ABLATIONS.items():
                fns[name] = lambda D=D, Y=Y, beta=beta, kw=kw: sparse.lasso(D, Y, beta, tol=tol, **kw)
            t = _median_times(fns, repeats)
            key = f"{m}x{n}x{batch}"
            for name, kw in LASSO_ABLATIONS.items():
                r = sparse.lasso(D, Y, beta, tol=tol, **kw)
                res[f"{key}_{name}_over_sklearn"] = t[name] / t["sklearn"]
                res[f"{key}_{name}_steps"] = int(r.n_iter.max())
                res[f"{key}_{name}_rounds"] = int(r.n_rounds.max())
    return res


ACTMAX_ERROR_BUDGET = 0.01  # relative error of activation maximisation on a linear unit, each l2


def activation_maximization_linear(lams=(0.25, 0.5, 1.0, 4.0), steps: int = 3000, tol: float = 1e-4) -> dict:
    """Activation maximisation on a linear unit phi(x) = <W, x>, where the optimum is W / l2: its relative error
    with the defaults (300 Adam steps) and with the gradient-norm stopping rule (``tol``, ``steps`` a budget)."""
    import warnings

    import torch

    from course_lib.cnn.train import activation_maximization

    W = torch.randn(4, 8, 8, generator=torch.Generator().manual_seed(0))

    def phi(x):
        return (x * W).flatten(1).sum(1)

    def error(x, lam):
        return float(((x - W / lam).flatten(1).norm(dim=1) / (W / lam).flatten(1).norm(dim=1)).max())

    res = {"error_budget": ACTMAX_ERROR_BUDGET, "tol": tol, "step_budget": steps}
    ok = True
    for lam in lams:
        res[f"l2={lam:g}_default_error"] = error(activation_maximization(phi, W.shape, l2=lam), lam)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            err = error(activation_maximization(phi, W.shape, l2=lam, steps=steps, tol=tol), lam)
        res[f"l2={lam:g}_tol_error"] = err
        res[f"l2={lam:g}_tol_warned"] = bool(caught)
        ok = ok and err < ACTMAX_ERROR_BUDGET
    res["within_budget"] = ok
    return res


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
