"""Drivers for lecture 05: ridge sums, the curse of dimensionality, deep against shallow.

Each driver runs the kernels of :mod:`course_lib.approx.kernels` in one batched program and returns the
numbers the lecture's claims use.  The deep-against-shallow experiment trains every net -- three
architectures, three parameter budgets, a grid of learning rates as restarts, several targets -- as
**one** ensemble, in one call of :func:`~course_lib.approx.kernels.fit`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from course_lib.approx.kernels import (
    compositional_function,
    count_parameters,
    dense_net,
    ensemble,
    fit,
    outputs,
    random_feature_errors,
    random_field,
    relu_interpolant,
    relu_ridge_sum,
    ridge_polynomial_fit,
    shallow_net,
    tree_net,
)
from course_lib.core.device import generator, get_device
from course_lib.core.validate import (
    as_tensor,
    check_bool,
    check_callable,
    check_in_range,
    check_int,
    check_memory,
    check_seed,
    check_steps,
)

__all__ = [
    "CONSTITUENTS",
    "MISMATCHED_ORDER",
    "ridge_target",
    "ridge_1d_experiment",
    "logan_shepp_experiment",
    "ridge_2d_experiment",
    "curse_experiment",
    "loglog_slope",
    "matched_width",
    "LEARNING_RATES",
    "deep_vs_shallow",
    "best_of_restarts",
]

#: Two-variable constituents h(a, b): each maps [-1, 1]^2 into [-1, 1] (no blow-up up the tree) and the
#: composed target is not concentrated (unlike the product x1...x8, whose values crowd near 0).
CONSTITUENTS: dict[str, Callable] = {
    "tanh(a + 2b² − 1)": lambda a, b: torch.tanh(a + 2 * b * b - 1),
    "sin(π(a + b)/2)": lambda a, b: torch.sin(math.pi * (a + b) / 2),
    "(2a² − 1 + b)/2": lambda a, b: (2 * a * a - 1 + b) / 2,
}
def _dominant(**factors) -> str:
    """The name of the largest factor: the argument that makes a size too large."""
    return max(factors, key=factors.get)


def _ints(values, name: str, min_value: int = 1) -> list[int]:
    """A non-empty sequence of ints."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{name}: expected a list of ints, got {type(values).__name__}")
    out = [check_int(v, name, min_value=min_value) for v in values]
    if not out:
        raise ValueError(f"{name}: expected at least one value")
    return out


#: The control's leaves: pairs (x1, x3), (x5, x7), (x2, x4), (x6, x8), then {x1, x3, x5, x7} with
#: {x2, x4, x6, x8}: no node of this tree is a node of the net's tree.
MISMATCHED_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)


# ---------------------------------------------------------------------------------------------- ridge sums
def ridge_1d_experiment(f: Callable, f2_sup: float, a: float, b: float, units=(2, 4, 8, 16, 32, 64),
                        n_grid: int = 20001) -> dict:
    """Sup errors of the ReLU ridge-sum interpolant of ``f`` with N units, against h²‖f''‖∞/8."""
    check_callable(f, "f")
    f2_sup = check_in_range(f2_sup, "f2_sup", 0.0, 1e30)  # sup |f''|: the bound h^2 sup|f''| / 8
    a, b = check_in_range(a, "a", -1e6, 1e6), check_in_range(b, "b", -1e6, 1e6)
    if not b > a:
        raise ValueError(f"b: must be > a = {a}, got {b}")
    units = _ints(units, "units")
    n_grid = check_int(n_grid, "n_grid", min_value=3)
    check_memory(2 * n_grid * (len(units) + max(units)), "n_grid" if n_grid > max(units) else "units",
                 what="the fits on the grid")
    x = torch.linspace(a, b, n_grid, dtype=torch.float64)
    fx = f(x)
    if not isinstance(fx, torch.Tensor) or fx.shape != x.shape or not bool(torch.isfinite(fx).all()):
        raise ValueError(f"f: must map the grid ({n_grid},) to finite values of the same shape")
    err, bound, fits = [], [], []
    for n in units:
        knots, coef, c0 = relu_interpolant(f, a, b, n)
        s = relu_ridge_sum(x, knots, coef, c0)
        fits.append(s)
        err.append(float((s - fx).abs().max()))
        bound.append(((b - a) / n) ** 2 * f2_sup / 8)
    return {"units": list(units), "sup_error": torch.tensor(err), "bound": torch.tensor(bound), "x": x,
            "f": fx, "fits": torch.stack(fits)}


def logan_shepp_experiment(degree: int = 5, n_points: int = 400, seed: int = 0) -> dict:
    """A random polynomial of ``degree`` in 2 variables, fitted by sums of M ridge polynomials, M = 1..degree+1:
    the relative residual for each M (Logan & Shepp 1975: zero from M = degree + 1 on)."""
    deg = check_int(degree, "degree", min_value=1, max_value=12)
    n_points = check_int(n_points, "n_points", min_value=2)
    check_memory(4 * n_points * (deg + 2) ** 2, "n_points", what="the design matrices")
    g = generator(check_seed(seed))
    X = 2 * torch.rand(n_points, 2, generator=g, dtype=torch.float64) - 1
    powers = [(i, j) for i in range(deg + 1) for j in range(deg + 1 - i)]
    c = torch.randn(len(powers), generator=g, dtype=torch.float64)
    y = sum(ck * X[:, 0] ** i * X[:, 1] ** j for ck, (i, j) in zip(c, powers))
    res = [ridge_polynomial_fit(X, y, m, deg)[1] for m in range(1, deg + 2)]
    return {"degree": deg, "directions": list(range(1, deg + 2)), "residual": torch.tensor(res)}


def ridge_2d_experiment(directions=(1, 2, 4, 8), degree: int = 10, n_grid: int = 41) -> dict:
    """A smooth, non-polynomial 2-D function fitted by sums of M ridge functions (each a polynomial of
    ``degree`` in u_j . x), on a grid of [-1, 1]^2: the fits and their relative L2 errors."""
    directions = _ints(directions, "directions")
    degree = check_int(degree, "degree", min_value=0, max_value=20)
    n_grid = check_int(n_grid, "n_grid", min_value=3)
    check_memory(4 * n_grid * n_grid * (max(directions) * degree + len(directions)),
                 _dominant(n_grid=n_grid * n_grid, directions=max(directions) * max(degree, 1)),
                 what="the grid's design matrices")
    t = torch.linspace(-1, 1, n_grid, dtype=torch.float64)
    G = torch.stack(torch.meshgrid(t, t, indexing="xy"), -1).reshape(-1, 2)
    y = torch.exp(-((G[:, 0] - 0.3) ** 2 + 2 * (G[:, 1] + 0.2) ** 2)) * torch.cos(2 * G[:, 0] + 3 * G[:, 1])
    fits, res = [], []
    for m in directions:
        fitted, r = ridge_polynomial_fit(G, y, m, degree)
        fits.append(fitted.reshape(n_grid, n_grid))
        res.append(r)
    return {"grid": t, "target": y.reshape(n_grid, n_grid), "directions": list(directions), "fits": fits,
            "residual": torch.tensor(res)}


# ---------------------------------------------------------------------------------------------- the curse
def loglog_slope(x, y) -> torch.Tensor:
    """Least-squares slope of log y against log x along the last axis (x: (N,), y: (..., N))."""
    x = as_tensor(x, "x", ndim=1, dtype=torch.float64, min_size=2).detach()
    y = as_tensor(y, "y", dtype=torch.float64).detach()
    if y.shape[-1:] != x.shape:
        raise ValueError(f"y: expected a last axis of {x.numel()} values (one per x), got shape {tuple(y.shape)}")
    if bool((x <= 0).any()):
        raise ValueError("x: must be > 0 (a log-log fit)")
    if bool((y <= 0).any()):
        raise ValueError("y: must be > 0 (a log-log fit)")
    lx, ly = torch.log(x), torch.log(y)
    lxc = lx - lx.mean()
    return ((ly - ly.mean(-1, keepdim=True)) * lxc).sum(-1) / (lxc * lxc).sum()


def curse_experiment(dims=(2, 4, 8), units=(8, 16, 32, 64, 128, 256), *, nu: float = 1.5, lengthscale: float = 2.0,
                     n_fields: int = 4, n_train: int = 2048, n_test: int = 2048, seed: int = 0, device=None) -> dict:
    """For each d: ``n_fields`` Matern random fields on [-1, 1]^d (unit variance), fitted by N random ReLU ridge
    units; returns the test RMSE (d, field, N) and its log-log slope against N (d, field)."""
    dims, units = _ints(dims, "dims"), _ints(units, "units")
    n_fields = check_int(n_fields, "n_fields", min_value=1)
    n_train = check_int(n_train, "n_train", min_value=2)
    n_test = check_int(n_test, "n_test", min_value=1)
    check_seed(seed)
    n = n_train + n_test
    check_memory(2 * n * max(dims) + 3 * n_fields * (max(units) + 1) * (max(units) + 1 + n),
                 _dominant(dims=max(dims), units=max(units), n_fields=n_fields, n_train=n_train, n_test=n_test),
                 what="the data, features and Gram matrices")
    dev = get_device(device)
    rmse, slopes = [], []
    for i, d in enumerate(dims):
        g = generator(seed + 101 * i, torch.device("cpu"))
        X = (2 * torch.rand(n_train + n_test, d, generator=g, dtype=torch.float64) - 1).to(dev)
        y = random_field(X, nu=nu, lengthscale=lengthscale, n_fields=n_fields, seed=seed + 7 * i + 1)
        sd = y[:, :n_train].std(1, keepdim=True)
        if not bool((sd > 0).all()):
            raise ValueError(f"lengthscale: the random field is constant on the data at lengthscale {lengthscale:g} "
                             "(too large to vary over [-1, 1]^d)")
        y = (y - y[:, :n_train].mean(1, keepdim=True)) / sd
        mse = random_feature_errors(X[:n_train], y[:, :n_train], X[n_train:], y[:, n_train:], units,
                                    seed=seed + 13 * i + 2)
        rmse.append(mse.sqrt().cpu())
        slopes.append(loglog_slope(units, mse.sqrt().cpu()))
    return {"dims": list(dims), "units": list(units), "nu": nu, "rmse": torch.stack(rmse),
            "slope": torch.stack(slopes)}


# ---------------------------------------------------------------------------------------------- deep vs shallow
def ridge_target(n_inputs: int = 8, seed: int = 3) -> Callable:
    """A sum of two ridge functions of 8 variables, tanh(2 u1.x) + (u2.x)^2: easy for a shallow net (a sum of
    ridge functions is what it computes), and compositional in no binary tree of the inputs."""
    n_inputs = check_int(n_inputs, "n_inputs", min_value=1, max_value=1_000_000)
    g = generator(check_seed(seed))
    U = torch.randn(2, n_inputs, generator=g, dtype=torch.float64)
    U = U / U.norm(dim=1, keepdim=True) * 2.0  # u.x has s.d. 2/sqrt(3) on the cube

    def f(X):
        T = X.to(torch.float64) @ U.T
        return torch.tanh(T[:, 0]) + 0.5 * T[:, 1] ** 2

    return f


def matched_width(build: Callable[[int], torch.nn.Module], budget: int, max_width: int = 512) -> int:
    """The width w whose net ``build(w)`` has the parameter count closest to ``budget`` (ties: the smaller)."""
    check_callable(build, "build")
    budget = check_int(budget, "budget", min_value=1)
    max_width = check_int(max_width, "max_width", min_value=1, max_value=1_000_000)
    probe = build(1)
    if not isinstance(probe, torch.nn.Module):
        raise TypeError(f"build: must return a torch.nn.Module for a width, got {type(probe).__name__}")
    lo, hi = 1, max_width
    while lo < hi:  # the smallest w with count >= budget (counts grow with w)
        mid = (lo + hi) // 2
        if count_parameters(build(mid)) >= budget:
            hi = mid
        else:
            lo = mid + 1
    below = max(lo - 1, 1)
    return below if abs(count_parameters(build(below)) - budget) <= abs(count_parameters(build(lo)) - budget) else lo


#: Each architecture's learning rates (the restarts): a x3 grid around where it trains best, so that the
#: chosen rate can be seen to lie inside the grid.
LEARNING_RATES = {"tree": (0.01, 0.03, 0.1), "shallow": (0.03, 0.1, 0.3), "dense": (0.01, 0.03, 0.1)}


def deep_vs_shallow(constituent: str = "tanh(a + 2b² − 1)", ks=(4, 8, 16), lrs: dict | None = None, *,
                    extra_constituents=("sin(π(a + b)/2)",), steps: int = 1000, batch_size: int = 128,
                    n_train: int = 4096, n_test: int = 4096, n_slice: int = 161, seed: int = 0,
                    progress: bool = False, device=None) -> dict:
    """Tree nets, shallow nets and dense deep nets at matched parameter counts, trained as one ensemble.

    Targets (8 inputs, uniform on [-1, 1]^8, each standardised to unit variance on the training set):

    * ``"tree"`` -- ``constituent`` composed along the net's own tree (tree, shallow, dense nets);
    * ``"mismatched"`` -- the same constituent composed along another tree (:data:`MISMATCHED_ORDER`): the
      control (tree and shallow nets);
    * ``"ridge"`` -- :func:`ridge_target`, at the middle budget only (tree and shallow nets);
    * each of ``extra_constituents`` along the net's tree (tree and shallow nets; for the widget).

    Each (architecture, target, budget) is trained once per learning rate in ``lrs[arch]`` (the restarts, each
    with its own seed; default :data:`LEARNING_RATES`); :func:`best_of_restarts` picks the one with the lowest
    *training* error.
    Returns a dict: ``test``/``train`` MSE and ``slice`` outputs per (arch, target) as (budget, restart[, t]),
    ``counts`` per arch (budget,), the slice's target values per target, and the sizes used.
    """
    ks = _ints(ks, "ks")
    if isinstance(extra_constituents, (str, bytes)) or not isinstance(extra_constituents, (list, tuple)):
        raise TypeError(f"extra_constituents: expected a list of constituent names, got {extra_constituents!r:.60}")
    steps = check_steps(check_int(steps, "steps", min_value=1), "steps", what="deep_vs_shallow's training")
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    n_train = check_int(n_train, "n_train", min_value=2)
    n_test = check_int(n_test, "n_test", min_value=1)
    n_slice = check_int(n_slice, "n_slice", min_value=2)
    check_seed(seed)
    check_bool(progress, "progress")
    n_nets = 3 * (7 + 2 * len(extra_constituents)) * len(ks)
    check_memory(n_nets * (n_train + n_test + n_slice + steps) + 16 * (n_train + n_test + n_slice)
                 + n_nets * 64 * 64 * max(ks), _dominant(n_train=n_train, n_test=n_test, n_slice=n_slice, steps=steps,
                                                         ks=64 * max(ks)),
                 what="the ensemble's weights, outputs and loss history")
    if lrs is not None and not isinstance(lrs, dict):
        raise TypeError(f"lrs: expected a dict {{architecture: learning rates}}, got {type(lrs).__name__}")
    lrs = dict(LEARNING_RATES if lrs is None else lrs)
    if set(lrs) != set(LEARNING_RATES) or len({len(v) for v in lrs.values()}) != 1:
        raise ValueError(f"lrs: expected one equally long tuple of learning rates for each of {list(LEARNING_RATES)}")
    check_int(steps, "steps", min_value=1)
    for name in (constituent, *extra_constituents):
        if name not in CONSTITUENTS:
            raise ValueError(f"constituent: must be one of {list(CONSTITUENTS)}, got {name!r}")
    dev = get_device(device)
    g = generator(seed, torch.device("cpu"))
    X = 2 * torch.rand(n_train + n_test, 8, generator=g, dtype=torch.float64) - 1
    slice_dir = torch.where(torch.rand(8, generator=g) < 0.5, -1.0, 1.0).to(torch.float64)
    t = torch.linspace(-1, 1, n_slice, dtype=torch.float64)
    X_slice = t[:, None] * slice_dir  # a diagonal of the cube, through every variable

    h = CONSTITUENTS[constituent]
    targets = {"tree": compositional_function(h), "mismatched": compositional_function(h, order=MISMATCHED_ORDER),
               "ridge": ridge_target()}
    targets.update({f"tree:{c}": compositional_function(CONSTITUENTS[c]) for c in extra_constituents})
    mid = [ks[len(ks) // 2]]
    plan = {("tree", "tree"): ks, ("shallow", "tree"): ks, ("dense", "tree"): ks,
            ("tree", "mismatched"): ks, ("shallow", "mismatched"): ks,
            ("tree", "ridge"): mid, ("shallow", "ridge"): mid}
    plan.update({(arch, f"tree:{c}"): ks for c in extra_constituents for arch in ("tree", "shallow")})

    budgets = {k: count_parameters(tree_net(k)) for k in ks}
    widths = {"shallow": {k: matched_width(lambda w: shallow_net(w), budgets[k]) for k in ks},
              "dense": {k: matched_width(lambda w: dense_net([w, w]), budgets[k]) for k in ks}}
    builders = {"tree": lambda k, s: tree_net(k, seed=s, device=dev),
                "shallow": lambda k, s: shallow_net(widths["shallow"][k], seed=s, device=dev),
                "dense": lambda k, s: dense_net([widths["dense"][k]] * 2, seed=s, device=dev)}

    # standardise each target on the training rows
    Y, Y_slice = {}, {}
    for name, f in targets.items():
        v, vs = f(X), f(X_slice)
        mu, sd = v[:n_train].mean(), v[:n_train].std()
        Y[name], Y_slice[name] = (v - mu) / sd, (vs - mu) / sd

    jobs = {arch: [] for arch in builders}  # arch -> [(target, k, restart)]
    nets = {arch: [] for arch in builders}
    for (arch, target), kk in plan.items():
        for k in kk:
            for r in range(len(lrs[arch])):
                jobs[arch].append((target, k, r))
                nets[arch].append(builders[arch](k, seed + 1000 * len(nets[arch]) + 7 * r + 1))
    archs = [a for a in builders if jobs[a]]
    models = [ensemble(nets[a]) for a in archs]
    rows = [(a, *job) for a in archs for job in jobs[a]]  # (arch, target, k, restart), in ensemble order
    y_all = torch.stack([Y[target][:n_train] for _, target, _, _ in rows]).to(dtype=torch.float32, device=dev)
    lr_all = [lrs[arch][r] for arch, _, _, r in rows]
    Xf = X.to(dtype=torch.float32, device=dev)
    fit(models, Xf[:n_train], y_all, steps, lr_all, seed=seed, batch_size=batch_size, progress=progress)

    with torch.no_grad():
        out_train = outputs(models, Xf[:n_train]).double().cpu()
        out_test = outputs(models, Xf[n_train:]).double().cpu()
        out_slice = outputs(models, X_slice.to(dtype=torch.float32, device=dev)).double().cpu()
    R = len(lrs["tree"])
    res = {"test": {}, "train": {}, "slice": {}}
    nan = float("nan")
    for (arch, target) in plan:
        res["test"][arch, target] = torch.full((len(ks), R), nan, dtype=torch.float64)
        res["train"][arch, target] = torch.full((len(ks), R), nan, dtype=torch.float64)
        res["slice"][arch, target] = torch.full((len(ks), R, n_slice), nan, dtype=torch.float64)
    for i, (arch, target, k, r) in enumerate(rows):
        kk = ks.index(k)
        res["test"][arch, target][kk, r] = (out_test[i] - Y[target][n_train:]).pow(2).mean()
        res["train"][arch, target][kk, r] = (out_train[i] - Y[target][:n_train]).pow(2).mean()
        res["slice"][arch, target][kk, r] = out_slice[i]
    res["counts"] = {"tree": [budgets[k] for k in ks],
                     "shallow": [count_parameters(shallow_net(widths["shallow"][k])) for k in ks],
                     "dense": [count_parameters(dense_net([widths["dense"][k]] * 2)) for k in ks]}
    res.update({"ks": ks, "lrs": lrs, "widths": widths, "slice_t": t, "slice_target": Y_slice,
                "constituent": constituent, "constituents": [constituent, *extra_constituents],
                "steps": steps, "n_train": n_train, "n_test": n_test, "plan": plan})
    return res


def best_of_restarts(results: dict, arch: str, target: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Per budget, the test MSE of the restart with the lowest training MSE, and that restart's index."""
    if not isinstance(results, dict) or not {"train", "test"} <= set(results):
        raise TypeError("results: expected the dict returned by deep_vs_shallow")
    if (arch, target) not in results["train"]:
        names = sorted({a for a, _ in results["train"]})
        if arch not in names:
            raise ValueError(f"arch: expected one of {names}, got {arch!r}")
        raise ValueError(f"target: {target!r} was not trained for {arch!r}")
    train, test = results["train"][arch, target], results["test"][arch, target]
    pick = torch.nan_to_num(train, nan=math.inf).argmin(1)
    return test.gather(1, pick[:, None])[:, 0], pick
