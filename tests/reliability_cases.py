"""Bad-input cases for every public function of the topic packages (issue 17).

One :class:`Spec` per public callable: a cheap *valid* call (``make`` returns ``(args, kwargs)``) that the
mutations start from.  :func:`mutations` derives, from each argument's valid value, the bad values a careless
student or a hostile tester would pass -- wrong types, wrong shapes, empty inputs, non-finite values,
out-of-range and absurdly large hyper-parameters, wrong dtypes, non-bool flags -- and says which of them must be
refused (``must``: a ``TypeError``/``ValueError``/``Diverged`` naming the argument) and which may be accepted
(``may``: refusing with the argument's name or returning finite values are both fine).

Used by ``tests/test_reliability.py`` (the property tests) and ``tests/fuzz_reliability.py`` (the full fuzz run
behind the issue's before/after counts).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

MODULES = (
    "course_lib.sparse",
    "course_lib.sparse_coding",
    "course_lib.cnn",
    "course_lib.langevin",
    "course_lib.admm",
    "course_lib.backprop",
    "course_lib.perceptron",
    "course_lib.overview",
    "course_lib.scattering",
    "course_lib.approx",
    "course_lib.landscape",
)

#: Public names another helper is still writing (issue 11's fast Lasso solver): their bad-input specs come
#: with that work.
OWNED_ELSEWHERE: set = set()  # public callables whose spec lives elsewhere (none today)

HUGE_INT = 10**12
HUGE_FLOAT = 1e300


@dataclass
class Spec:
    target: str  # "module:name"
    make: Callable[[], tuple[tuple, dict]]
    skip: tuple = ()  # arguments not to mutate (e.g. device)
    may: dict = field(default_factory=dict)  # argument -> kinds that may be accepted
    extra: dict = field(default_factory=dict)  # argument -> [(kind, value, "must" | "may")]
    slow: bool = False  # the valid call takes more than ~0.5 s: only cheap mutations in the unit tests
    nonfinite_ok: bool = False  # the output may hold NaN by design (e.g. blank gaps in a mosaic)

    @property
    def fn(self):
        mod, name = self.target.split(":")
        obj = importlib.import_module(mod)
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj


def A(*args, **kwargs):
    return args, kwargs


# ----------------------------------------------------------------------------------------------- shared inputs
def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def rnd(*shape, seed=0):
    return torch.randn(*shape, generator=_g(seed), dtype=torch.float64)


@functools.cache
def _sparse_problem():
    from course_lib import sparse

    D = sparse.gaussian_dictionary(8, 16, seed=0, device="cpu")
    x = sparse.sparse_codes(16, [2], seed=1, device="cpu")[:, 0]
    return D, x, D @ x


def sparse_problem():
    return tuple(t.clone() for t in _sparse_problem())


@functools.cache
def _patches():
    return rnd(40, 16, seed=3)


@functools.cache
def _cnn_params():
    from course_lib import cnn

    return cnn.init_cnn(1, channels=(2, 3), seed=0, device="cpu")


def cnn_params():
    return {k: v.clone() for k, v in _cnn_params().items()}


def digits8(n=20):
    return rnd(n, 8, 8, seed=5).abs(), torch.arange(n) % 10


@functools.cache
def _bp_net():
    from course_lib import backprop

    return backprop.init_params([2, 3, 1], 4, seed=0)


def bp_net(n=4):
    W, b = _bp_net()
    return [w[:n].clone() for w in W], [x[:n].clone() for x in b]


def bp_single():
    from course_lib import backprop

    return backprop.init_params([2, 3, 1], None, seed=0)


def xor_data():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    Y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float64)
    return X, Y


def stream_net(K=2, S=3):
    W, b = bp_single()
    return [w.expand(K, S, *w.shape).clone() for w in W], [x.expand(K, S, *x.shape).clone() for x in b]


def square(n=12):
    x = torch.linspace(-1, 1, n, dtype=torch.float64).view(1, -1)
    return x, x**2


@functools.cache
def _admm_history():
    from course_lib import admm

    X, Y = square()
    return admm.admm_train(X, Y, [1, 3, 3, 1], [1.0, 10.0], 1e-3, 5, init_scale=[1.0, 1.0], on_diverge="flag")


@functools.cache
def _admm_study():
    from course_lib import admm

    X, Y = square()
    return admm.saturation_study(X, Y, (1, 3, 3, 1), scales=(1.0, 10.0), n_seeds=2, gd_lrs=(0.1, 0.3),
                                 adam_lrs=(0.01, 0.1), bp_steps=10, n_sweeps=5)


@functools.cache
def _stationary_grid():
    from course_lib import langevin

    return langevin.stationary_grid((1.0, 2.0), (0.01, 0.05), n_chains=50, sim_time=0.2)


@functools.cache
def _tilted():
    from course_lib import langevin

    return langevin.tilted_well_sampling((1.0, 2.0), n_chains=20, sim_time=1.0)


@functools.cache
def _sigmoid_runs():
    from course_lib import langevin

    Xtr, Ytr, Xte, Yte = langevin.digits_true_and_random(60)
    return langevin.sigmoid_loss_sgld(Xtr, Ytr, Xte, Yte, 0.01, 100.0, 0.1, 20, n_chains=4)


@functools.cache
def _sa_result():
    from course_lib import backprop

    return backprop.stochastic_approximation(n_seeds=4, n_steps=80, record_every=20)


@functools.cache
def _diagnosis():
    from course_lib import backprop

    X, Y, _ = backprop.noisy_xor(0.1)
    h = backprop.train_many(X, Y, [2, 3, 1], 4, lr=1.0, epochs=20)
    return backprop.diagnose_failures(h.weights, h.biases, X, Y)


@functools.cache
def _mode_connectivity():
    from course_lib import landscape

    return landscape.mode_connectivity(widths=(2, 4), pairs=2, level=0.9, n=16, max_steps=20, bezier_steps=2,
                                       n_points=5)


@functools.cache
def _scat_digits():
    from course_lib import scattering

    X, y = scattering.padded_digits(8)
    return X[:40], y[:40]


@functools.cache
def _relu_ensemble():
    from course_lib import landscape

    ens = landscape.ReluEnsemble((2, 3), 2)
    return ens, ens.init(2, seed=0, dtype=torch.float64)


def quad_loss(v):
    return (v**2).sum(-1)


def dw_grad(x):
    from course_lib import langevin

    return langevin.double_well_grad(x)


def dw(x):
    from course_lib import langevin

    return langevin.double_well(x)


def conv_id(x):
    return x


# ----------------------------------------------------------------------------------------------- the specs
def _specs() -> list[Spec]:  # noqa: C901 - one table
    S = []

    def add(target, make, **kw):
        S.append(Spec(target, make, **kw))

    # ---------------------------------------------------------------- sparse
    m = "course_lib.sparse:"
    add(m + "soft_threshold", lambda: A(rnd(5), 0.3), may={"z": {"empty"}})
    add(m + "nonneg_soft_threshold", lambda: A(rnd(5), 0.3), may={"z": {"empty"}})
    add(m + "lasso_objective", lambda: A(*sparse_problem()[::2], sparse_problem()[1], 0.1))
    add(m + "lasso_duality_gap", lambda: A(*sparse_problem()[::2], sparse_problem()[1], 0.1))
    for solver in ("ista", "fista"):
        add(m + solver, lambda: A(sparse_problem()[0], sparse_problem()[2], 0.05, 20, L=None, x0=None, nonneg=False,
                                  history=False, tol=None),
            extra={"L": [("diverge", lambda: 0.1 * float(torch.linalg.matrix_norm(sparse_problem()[0], 2)) ** 2,
                          "must")],
                   "x0": [("value", rnd(16), "may")], "tol": [("value", 1e-6, "may")]},
            may={"n_iter": {"huge"}})
    add(m + "lasso", lambda: A(sparse_problem()[0], sparse_problem()[2], 0.05, tol=1e-8, max_iter=200, x0=None,
                               ws_size=4, restart=True, screening=True, working_set=True, newton=True,
                               per_signal=True, gram="auto"),
        extra={"x0": [("value", rnd(16), "may")], "gram": [("value:str", "yes", "must")]},
        may={"max_iter": {"huge"}})
    add(m + "lasso_screen", lambda: A(sparse_problem()[0], sparse_problem()[2], torch.zeros(16, dtype=torch.float64),
                                      0.05))
    add(m + "power_method", lambda: A(sparse_problem()[0].T @ sparse_problem()[0], 30))
    add(m + "lasso_problems", lambda: A(10, 20, 3, seed=5, device="cpu"), skip=("device",))
    add(m + "restart_experiment", lambda: A(sparse_problem()[0], sparse_problem()[2], 0.05, 50, tol=1e-6))
    add(m + "screening_experiment", lambda: A(sparse_problem()[0], sparse_problem()[2], 0.05, (5, 20)),
        extra={"ks": [("huge", (10**12,), "must")]})
    add(m + "basis_pursuit", lambda: A(sparse_problem()[0], sparse_problem()[2], nonneg=False, chunk=8, progress=False))
    add(m + "omp", lambda: A(sparse_problem()[0], sparse_problem()[2], 2))
    add(m + "thresholding", lambda: A(sparse_problem()[0], sparse_problem()[2], 2))
    add(m + "mutual_coherence", lambda: A(sparse_problem()[0]))
    add(m + "coherence_sparsity_bound", lambda: A(torch.tensor([0.3, 0.5], dtype=torch.float64)))
    add(m + "exact_recovery_coefficient", lambda: A(sparse_problem()[0], sparse_problem()[1]))
    add(m + "l1_statistical_dimension", lambda: A(np.array([0.1, 0.2])))
    add(m + "l1_transition_curve", lambda: A(np.array([0.3, 0.5])))
    add(m + "l1_transition_sparsity", lambda: A(100, 50), may={"m": {"type:float"}})
    add(m + "layered_thresholding", lambda: A(rnd(8), [sparse_problem()[0], rnd(16, 4, seed=2)], [0.1, 0.1],
                                              nonneg=True))
    add(m + "relu_network", lambda: A([sparse_problem()[0], rnd(16, 4, seed=2)], [0.1, 0.1]),
        extra={"dictionaries": [("shape:chain", [rnd(8, 16), rnd(5, 4, seed=2)], "must")]})
    add(m + "gaussian_dictionary", lambda: A(8, 16, None, seed=0, device="cpu", dtype=torch.float64),
        may={"n": {"huge"}, "m": {"huge"}}, skip=("device",))
    add(m + "spectral_dictionary", lambda: A(4, 6, 0.5, seed=0, device="cpu", dtype=torch.float64), skip=("device",))
    add(m + "uniform_spectrum_problem", lambda: A(8, 1e-3, seed=0, device="cpu", dtype=torch.float64),
        skip=("device",))
    add(m + "sparse_codes", lambda: A(8, [2, 3], seed=0, amplitudes="gaussian", device="cpu", dtype=torch.float64),
        skip=("device",))
    add(m + "recovery_experiment", lambda: A(12, [6, 8], [2, 2], 2, seed=0, methods=("l1", "omp"),
                                             amplitudes="gaussian", rtol=1e-4, chunk=8, progress=False),
        may={"n_trials": {"huge"}})
    add(m + "phase_diagram", lambda: A(12, [0.5], [0.2], 2, seed=0, progress=False))
    add(m + "transition_point", lambda: A(np.array([1, 2, 3]), np.array([1.0, 0.5, 0.0]), 10))
    add(m + "clopper_pearson", lambda: A(3, 10, 0.95))
    add(m + "transition_test", lambda: A(20, 10, 4.0, 2, shift=2.0, window=1.0, confidence=0.95, seed=0))
    add(m + "erc_experiment", lambda: A(12, 6, 2, 2, seed=0))
    add(m + "loglog_slope", lambda: A(np.arange(1, 11), 1.0 / np.arange(1, 11), (2, 9)))
    add(m + "rate_experiment", lambda: A(8, 20, (2, 20), lam_min=1e-3, seed=0))
    add(m + "two_layer_dictionaries", lambda: A(8, dtype=torch.float64))
    add(m + "multilayer_experiment", lambda: A([0.5, 1.0], 2, m=16, sparsity=2, seed=0, rtol=1e-4),
        extra={"m": [("small", 8, "may"), ("small4", 4, "may")]})
    add(m + "compare_with_sklearn", lambda: A(10, 20, 2, 50, tol=1e-6, seed=5), slow=True)
    add(m + "build_sparse_coding_widget", lambda: A(None, None, 20), slow=True)
    for ex in ("exercise_soft_threshold", "exercise_ista_step"):
        add(m + ex, lambda: A())
    add(m + "prediction_transition", lambda: A(100, 50), may={"m": {"type:float"}})

    # ---------------------------------------------------------------- sparse_coding
    m = "course_lib.sparse_coding:"
    add(m + "whiten", lambda: A(rnd(16, 16), 0.4))
    add(m + "natural_patches", lambda: A(4, 10, 0, True, None, torch.float32), skip=("device",))
    add(m + "renormalize", lambda: A(rnd(16, 4), rnd(4, 6, seed=1)))
    add(m + "learn_dictionary", lambda: A(_patches().clone(), 4, 0.1, 2, 0, 2, None, False))
    add(m + "dictionary_update", lambda: A(rnd(16, 4), rnd(16, 6, seed=1), rnd(4, 6, seed=2), 2))
    add(m + "pca_atoms", lambda: A(_patches().clone(), 4))
    add(m + "sparse_coding_energy", lambda: A(_patches().clone(), rnd(16, 4), rnd(4, 40, seed=1), 0.1))
    add(m + "spatial_spread", lambda: A(rnd(16, 4)))
    add(m + "orientation_selectivity", lambda: A(rnd(16, 4), 8))
    add(m + "peak_frequency", lambda: A(rnd(16, 4), 8))
    add(m + "grating_responses", lambda: A(rnd(16), 0.1, 0.2, 4, 1))
    add(m + "tile_atoms", lambda: A(rnd(16, 4), None, float("nan")), may={"gap": {"nan", "inf", "neg", "huge"}},
        nonfinite_ok=True)
    add(m + "exercise_renormalize", lambda: A())

    # ---------------------------------------------------------------- cnn
    m = "course_lib.cnn:"
    add(m + "circular_conv2d", lambda: A(rnd(2, 1, 8, 8), rnd(3, 1, 3, 3, seed=1), 1))
    add(m + "impulse_receptive_field", lambda: A(conv_id, (1, 8, 8), 2, 0))
    add(m + "shift", lambda: A(rnd(1, 8, 8), 1, 2), may={"dy": {"neg", "huge"}, "dx": {"neg", "huge"}})
    add(m + "equivariance_error", lambda: A(conv_id, rnd(1, 1, 8, 8), [(1, 0)]))
    add(m + "invariance_error", lambda: A(conv_id, rnd(1, 1, 8, 8), [(1, 0)]))
    add(m + "conv_weight_grad_unfold", lambda: A(rnd(2, 1, 8, 8), rnd(2, 3, 6, 6, seed=1), 3, 0))
    add(m + "init_cnn", lambda: A(1, (2, 3), 5, 10, 0, None, torch.float32), skip=("device",))
    add(m + "cnn_forward", lambda: A(cnn_params(), digits8()[0], return_features=False))
    add(m + "conv1_unit_phi", lambda: A(cnn_params(), None, 0, False))
    add(m + "total_variation", lambda: A(rnd(2, 8, 8)))
    add(m + "train_cnn", lambda: A(*digits8(), n_epochs=1, batch_size=10, lr=0.01, weight_decay=0.0, seed=0,
                                   n_models=1, n_classes=10),
        extra={"lr": [("diverge", 1e6, "must")]})
    add(m + "accuracy", lambda: A(cnn_params(), *digits8()))
    add(m + "activation_maximization", lambda: A(lambda x: x.flatten(1).sum(1), (2, 8, 8), 1.0, 0.0, 5, 0.05, 0,
                                                 0.01, None, torch.float32, None),
        extra={"lr": [("diverge", 1e12, "must")]}, skip=("device",))
    add(m + "receptive_field_mask", lambda: A(3, 8))
    add(m + "filters_in_image", lambda: A(cnn_params(), 0))
    add(m + "top_digits", lambda: A(cnn_params(), digits8()[0], 2))
    add(m + "few_shot_rows", lambda: A(torch.arange(40) % 4, [0, 1], 2, 3, 0))
    add(m + "transfer_init", lambda: A(cnn_params(), 2, 5, 0), skip=("device",))
    add(m + "mean_ci", lambda: A(rnd(6), 0.95))
    add(m + "paired_accuracy_ci", lambda: A(np.array([True, False, True, True]), np.array([True, True, False, True]),
                                            0.95))
    add(m + "equivariance_figure", lambda: A({"conv": torch.rand(3, dtype=torch.float64)}, torch.rand(3),
                                             [(0, 1), (1, 0), (1, 1)]))
    add(m + "comparison_table", lambda: A(np.array([True, False]), np.array([True, True]), 10, 5))
    add(m + "filters_figure", lambda: A(cnn_params(), 0))
    add(m + "class_inputs_figure", lambda: A(rnd(20, 8, 8)))
    add(m + "atoms_figure", lambda: A(rnd(16, 4), rnd(16, 4, seed=1), 0.1))
    add(m + "spread_figure", lambda: A(torch.rand(4), torch.rand(4), 1.5, None))
    add(m + "grating_figure", lambda: A(torch.rand(4), torch.rand(4)))
    add(m + "training_figure", lambda: A(torch.rand(5, 2)))
    add(m + "receptive_field_figure", lambda: A(torch.rand(8, 8) > 0.5, torch.rand(8, 8) > 0.5))
    add(m + "dictionary_convergence_figure", lambda: A(torch.rand(4, 2), torch.rand(4), torch.rand(4), torch.rand(4),
                                                        [0.1, 0.2], -1))
    add(m + "transfer_figure", lambda: A({"frozen": (0.01, -0.01, 0.03), "random": (0.05, 0.02, 0.08)}, 0.02))
    add(m + "build_cnn_widget", lambda: A(), slow=True)
    add(m + "exercise_shift_test", lambda: A())
    add(m + "prediction_receptive_field", lambda: A(5, 3))

    # ---------------------------------------------------------------- langevin
    m = "course_lib.langevin:"
    for pot, dim in (("double_well", 1), ("double_well_grad", 1), ("banana", 2), ("banana_grad", 2)):
        add(m + pot, (lambda dim=dim: A(rnd(4, dim))), may={"x": {"nan", "inf"}}, nonfinite_ok=True)
    for pot in ("tilted_double_well", "tilted_double_well_grad"):
        add(m + pot, lambda: A(rnd(4, 1), 0.7), may={"x": {"nan", "inf"}}, nonfinite_ok=True)
    add(m + "langevin_loop", lambda: A(dw_grad, rnd(4, 1), torch.full((4, 1), 0.01, dtype=torch.float64),
                                       torch.ones(4, 1, dtype=torch.float64), 10, _g(), thin=0, bound=1e6,
                                       check_every=10, observer=None))
    add(m + "sgld", lambda: A(dw_grad, rnd(4, 1), 0.01, 1.0, 10, 0, False),
        extra={"step_size": [("diverge", 5.0, "must")],
               "grad_U": [("callable:nan", lambda x: torch.full_like(x, math.nan), "must")]},
        skip=("device",), may={"n_steps": {"huge"}})
    add(m + "sgld_run", lambda: A(dw_grad, rnd(4, 1), 0.01, 1.0, 10, 0, False, 1, 1e6), skip=("device",))
    add(m + "gradient_descent", lambda: A(dw_grad, rnd(4, 1), 0.01, 10),
        extra={"grad_U": [("callable:shape", lambda x: x[:, 0], "must")], "step_size": [("diverge", 5.0, "must")]},
        skip=("device",))
    add(m + "gibbs_density", lambda: A(dw, 1.0, torch.linspace(-2, 2, 21, dtype=torch.float64)))
    add(m + "ks_distance", lambda: A(rnd(2, 30), torch.linspace(-3, 3, 31, dtype=torch.float64),
                                     torch.ones(31, dtype=torch.float64), None))
    add(m + "ks_critical", lambda: A(100, 0.01))
    add(m + "transition_counts", lambda: A(dw_grad, rnd(4, 1), 0.01, 2.0, 20, 0.5, 0), skip=("device",))
    add(m + "kramers_rate", lambda: A(2.0, 1.0, 8.0, 4.0))
    add(m + "mfpt_rate", lambda: A(dw, 2.0, 0.5, -3.0, 401))
    add(m + "tilted_well_critical_points", lambda: A(0.7))
    add(m + "stability_bound", lambda: A(np.full(5, 0.01), 2.0, 100, 1.0, 1.0, 1.0))
    add(m + "pac_bayes_kl", lambda: A(np.full(5, 0.01), np.ones(5), 2.0, 0.1, False))
    add(m + "pac_bayes_confidence", lambda: A(100, 0.05))
    add(m + "pac_bayes_bound", lambda: A(np.full(5, 0.01), np.ones(5), 2.0, 0.1, 100, 1.0, 0.05, True))
    add(m + "stationary_grid", lambda: A((1.0,), (0.05,), 20, 0.2, 0, 10), skip=("device",),
        extra={"etas": [("hang", (1e-9,), "must")], "sim_time": [("hang", 1e9, "must")]})
    add(m + "stable_step_threshold", lambda: A(dw_grad, torch.tensor([1.0], dtype=torch.float64),
                                               [0.1, 0.2, 0.3], 50, 1e-3, 1e-5), skip=("device",))
    add(m + "arrhenius_fit", lambda: A([1.0, 2.0, 3.0], [0.5, 0.2, 0.08], [50, 20, 8]))
    add(m + "tilted_well_sampling", lambda: A((1.0,), 10, 0.02, 0.5, 0.7, 0.99, 0), skip=("device",))
    add(m + "digits_true_and_random", lambda: A(50, 0))
    add(m + "sigmoid_loss_sgld", lambda: A(*langevin_data(), 0.01, 100.0, 0.1, 5, 2, 2, 0), skip=("device",),
        extra={"step_size": [("diverge", 1e12, "must")]})
    add(m + "label_gap_difference", lambda: A(_sigmoid_runs()[0], _sigmoid_runs()[1]))
    add(m + "sigmoid_minibatch_noise", lambda: A(langevin_data()[0], langevin_data()[1][0], rnd(3, 65), 4, 5, 0))
    add(m + "gibbs_histogram_figure", lambda: A(rnd(50), torch.linspace(-2, 2, 21), torch.ones(21), 1.0))
    add(m + "banana_figure", lambda: A(rnd(50, 2), torch.linspace(-2, 2, 11), torch.linspace(-1, 2, 9),
                                       torch.rand(11, 9), 20))
    add(m + "step_size_figure", lambda: A(_stationary_grid(), 1.0))
    add(m + "arrhenius_figure", lambda: A([1.0, 2.0], [0.5, 0.2], [50, 20], [0.5, 0.2], [0.6, 0.25]))
    add(m + "tilted_well_figure", lambda: A(_tilted()))
    add(m + "bounds_figure", lambda: A(langevin_bound_runs()))
    add(m + "bound_terms_figure", lambda: A([("a", 0.1, 0.2, 0.3)]))
    add(m + "build_gibbs_widget", lambda: A(_stationary_grid()))
    add(m + "exercise_sgld_step", lambda: A())
    add(m + "exercise_gibbs_normalizer", lambda: A())
    add(m + "prediction_tilted_stable_step", lambda: A(0.7))

    # ---------------------------------------------------------------- admm
    m = "course_lib.admm:"
    add(m + "admm_train", lambda: A(*square(), [1, 3, 1], 1.0, 1e-3, 3, "sigmoid", 1.0, 0, 1, init="fan_in",
                                    multipliers=True, start_method=None, progress=False, W0=None,
                                    on_diverge="raise"),
        skip=("device", "start_method", "world_size"),
        extra={"sizes": [("huge", [1, 10**8, 1], "must")]})
    add(m + "bcd_train", lambda: A(*square(), [1, 3, 1], 1.0, 1e-3, 3, "sigmoid", 1.0, 0))
    add(m + "bp_train", lambda: A(*square(), [1, 3, 1], 0.1, 5, "sigmoid", 1.0, 0, init="fan_in", on_diverge="flag",
                                  progress=False, optimizer="gd", W0=None),
        skip=("device",), extra={"sizes": [("huge", [1, 10**8, 1], "must")], "lr": [("diverge", 1e300, "may")]},
        nonfinite_ok=True)
    add(m + "init_weights", lambda: A([1, 3, 1], 1.0, 0, "fan_in", False), skip=("device",))
    add(m + "layer_gradient_norms", lambda: A(3, 4, 8, "sigmoid", "fan_in", 2, 0), skip=("device",))
    add(m + "per_layer_factor", lambda: A(torch.rand(3, 4, dtype=torch.float64) + 0.1))
    add(m + "theorem_conditions", lambda: A(*square(), [1, 3, 3, 1]))
    add(m + "time_to_accuracy", lambda: A(torch.linspace(1, 0.1, 10, dtype=torch.float64), 0.5, None),
        may={"train_mse": {"inf"}}, nonfinite_ok=True)
    add(m + "square_data", lambda: A(10, torch.float64))
    add(m + "widget_runs", lambda: A(12, 3, (1, 3, 3, 1), 1e-6, 0, False, scales=(1.0,), n_seeds=1, gd_lrs=(0.1,),
                                     adam_lrs=(0.01,), bp_steps=3, n_sweeps=3),
        extra={"bp_steps": [("zero", 0, "must")], "n_sweeps": [("zero", 0, "must")],
               "bp_iter": [("unknown", 0, "must")]}, slow=True, nonfinite_ok=True)
    add(m + "lagrangian_increases", lambda: A(_admm_history().augmented_lagrangian.clone()))
    add(m + "beta_report", lambda: A(_admm_history(), (1.0, 10.0), None))
    add(m + "beta_sweep", lambda: A(_admm_history(), (1.0, 10.0), None))
    add(m + "grid_check", lambda: A(_admm_study(), "gd", 0), nonfinite_ok=True)
    add(m + "residual_slope", lambda: A(torch.linspace(1, 0.1, 20, dtype=torch.float64), 5, None))
    add(m + "saturation_table", lambda: A(_admm_study()))
    add(m + "learning_speed_figure", lambda: A(torch.rand(3, 4, dtype=torch.float64) + 0.1, 4))
    add(m + "lagrangian_figure", lambda: A(_admm_history().augmented_lagrangian.clone(), (1.0, 10.0)))
    add(m + "saturation_figure", lambda: A(_admm_study(), 1.0, 0.1))
    add(m + "build_admm_widget", lambda: A(12, 3, (1, 3, 3, 1), 1e-6, 0, None, scales=(1.0,), n_seeds=1,
                                           gd_lrs=(0.1,), adam_lrs=(0.01,), bp_steps=3, n_sweeps=3), slow=True)
    add(m + "exercise_last_layer_update", lambda: A())
    add(m + "exercise_multiplier_update", lambda: A())
    add(m + "seed_inits", lambda: A((1, 3, 1), 2, 0))
    add(m + "saturated_fraction", lambda: A(admm_ws(), square()[0], "sigmoid", 0.01))
    add(m + "backprop_grid", lambda: A(*square(), [1, 3, 1], admm_ws(), (0.1,), (0.01,), 5, None, 32, False),
        may={"gd_lrs": {"empty"}, "adam_lrs": {"empty"}}, nonfinite_ok=True)
    add(m + "saturation_study", lambda: A(*square(), (1, 3, 3, 1), (1.0,), 1, (0.1,), (0.01,), 3, 3, 10.0, 1e-6, 0,
                                          0.1, False), slow=True, nonfinite_ok=True,
        may={"gd_lrs": {"empty"}, "adam_lrs": {"empty"}})
    add(m + "multipliers_vs_backprop", lambda: A(_admm_history(), *square()))
    add(m + "prediction_last_multiplier", lambda: A())

    # ---------------------------------------------------------------- backprop
    m = "course_lib.backprop:"
    add(m + "SigmoidMLP", lambda: A([2, 3, 1], 0, torch.float64, None, 1.0), skip=("device",))
    add(m + "init_params", lambda: A([2, 3, 1], 2, 0, 1.0, torch.float64), skip=("device",))
    add(m + "forward_pass", lambda: A(*bp_net(), xor_data()[0]),
        extra={"biases": [("shape:short", lambda: bp_net()[1][:1], "must")]})
    add(m + "backward_pass", lambda: A(bp_net()[0], forward_acts(), xor_data()[1]))
    add(m + "train_many", lambda: A(*xor_data(), [2, 3, 1], 2, 1.0, 5, 0, 1.0, None, None, None, None),
        extra={"lr": [("diverge", 1e300, "must")]}, skip=("device",))
    add(m + "gradient_norm", lambda: A(*bp_net(), *xor_data()))
    add(m + "flatten_params", lambda: A(*bp_net()))
    add(m + "unflatten_params", lambda: A(rnd(2, 13), [2, 3, 1]))
    add(m + "hessian", lambda: A(*bp_net(), *xor_data(), 1e-4))
    add(m + "sgd_stream", lambda: A(*stream_net(), xor_data()[0], torch.full((4,), 0.5, dtype=torch.float64), 10,
                                    0.5, None, 0, 5),
        extra={"lr": [("diverge", 1e300, "must")]})
    add(m + "noise_floor", lambda: A(torch.rand(2, 5, dtype=torch.float64), torch.tensor([0.1, 0.2],
                                                                                         dtype=torch.float64)[:, None],
                                     0.09))
    add(m + "noisy_loss_moments", lambda: A(*bp_single(), xor_data()[0], torch.full((4,), 0.5, dtype=torch.float64)))
    add(m + "kw_quotients", lambda: A(*bp_single(), xor_data()[0], torch.full((4,), 0.5, dtype=torch.float64), 0.1,
                                      10, 0))
    add(m + "kw_moments", lambda: A(*bp_single(), xor_data()[0], torch.full((4,), 0.5, dtype=torch.float64), 0.1))
    add(m + "kw_stream", lambda: A(*stream_net(), xor_data()[0], torch.full((4,), 0.5, dtype=torch.float64), 5, 0.5,
                                   0.5, 100.0, 0, 5),
        extra={"a": [("diverge", 1e300, "must")]})
    add(m + "noisy_xor", lambda: A(0.1))
    add(m + "median_interval", lambda: A(rnd(9), 0.95))
    add(m + "stochastic_approximation", lambda: A(0.1, (2, 3, 1), 4, 40, (0.5, 1.0), 4.0, 300.0, (0.5,), 0.5, 0, 20),
        slow=True)
    add(m + "kiefer_wolfowitz_check", lambda: A(0.1, (2, 3, 1), (0.25,), 20, 0, 1e-6))
    add(m + "diagnose_failures", lambda: A(*bp_net(), xor_data()[0], xor_data()[1][:, 0], 0.1, 1e-6))
    add(m + "loss_traces_figure", lambda: A(torch.rand(50, 3), torch.tensor([True, False, True]), "t", 25, 10),
        may={"title": {"enum:bad"}})
    add(m + "stochastic_approximation_figure", lambda: A(_sa_result()))
    add(m + "failure_spectrum_figure", lambda: A(_diagnosis()))
    add(m + "build_xor_boundary_widget", lambda: A(50, 25, 0, 11), slow=True)
    add(m + "exercise_layer_backward", lambda: A())
    add(m + "prediction_stiff_eigenvalue", lambda: A())

    # ---------------------------------------------------------------- perceptron
    m = "course_lib.perceptron:"
    sep = lambda: A(torch.tensor([[0.0, 1.0], [1.0, 2.0], [2.0, 0.0], [3.0, 1.0]], dtype=torch.float64),  # noqa: E731
                    torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=torch.float64))
    add(m + "train_perceptron", lambda: A(*sep()[0], 10, True))
    for fn in ("novikoff_bound", "max_margin", "linearly_separable", "best_linear_accuracy"):
        add(m + fn, sep)
    add(m + "orthogonal_worst_case", lambda: A(4))
    add(m + "bit_patterns", lambda: A(3))
    add(m + "parity", lambda: A(torch.tensor([[0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)))
    add(m + "order_features", lambda: A(torch.tensor([[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]], dtype=torch.float64), 2))
    add(m + "local_features", lambda: A(torch.zeros(1, 8, 8, dtype=torch.float64), (2, 2)),
        extra={"window": [("hang", (8, 8), "must")]})
    add(m + "count_components", lambda: A(torch.ones(2, 3, 3, dtype=torch.float64)))
    add(m + "parity_order", lambda: A(3))
    add(m + "minsky_papert_figures", lambda: A())
    add(m + "figures_text", lambda: A(torch.ones(2, 3, 3, dtype=torch.float64), ["a", "b"]))
    add(m + "exercise_perceptron_update", lambda: A())
    add(m + "prediction_parity_order", lambda: A(8))

    # ---------------------------------------------------------------- overview
    m = "course_lib.overview:"
    yrs = lambda: A([2012, 2013, 2014, 2015], [16.4, 11.7, 6.67, 3.57])  # noqa: E731
    add(m + "fit_exponential", lambda: A(*yrs()[0], 0.95))
    add(m + "first_year_below", lambda: A(*yrs()[0], 5.1))
    add(m + "rank_correlation", lambda: A([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 1.0, 2.0], "less"))
    add(m + "human_interval", lambda: A(5.1, 1500, 1, 0.95), may={"n_images": {"huge"}})
    add(m + "deep_era_fit", lambda: A(2012, 0.95))
    add(m + "depth_entries", lambda: A())
    add(m + "record_figure", lambda: A(overview_fit(), (4.0, 6.3)))
    add(m + "depth_figure", lambda: A())
    add(m + "build_imagenet_widget", lambda: A())
    add(m + "prediction_first_year", lambda: A())
    add(m + "prediction_halving_time", lambda: A(overview_fit()))
    add(m + "exercise_halving_time", lambda: A())

    # ---------------------------------------------------------------- scattering
    m = "course_lib.scattering:"
    add(m + "daubechies_lowpass", lambda: A(2, dtype=torch.float64), skip=("device",))
    add(m + "dwt", lambda: A(rnd(16), 2, None))
    add(m + "idwt", lambda: A(rnd(16), 2, None))
    add(m + "dft", lambda: A(rnd(16)))
    add(m + "n_term_errors", lambda: A(rnd(16), [0, 4, 16]), may={"coeffs": {"dtype:complex"}})
    add(m + "piecewise_smooth", lambda: A(16, 2, 1, 0, dtype=torch.float64), skip=("device",))
    add(m + "filter_bank", lambda: A(8, 2, 4, dtype=torch.float64), skip=("device",))
    add(m + "littlewood_paley", lambda: A(*scat_filters(), symmetric=False))
    add(m + "scattering_paths", lambda: A(2, 4, 2), may={"J": {"huge"}})
    add(m + "scattering2d", lambda: A(rnd(2, 8, 8), 2, 4, 2, subsample=True, filters=None), skip=("device",))
    add(m + "fourier_modulus", lambda: A(rnd(2, 8, 8)), skip=("device",))
    add(m + "translate", lambda: A(rnd(2, 8, 8), [[1, 0], [0, 2]]), skip=("device",),
        may={"shifts": {"neg", "huge"}})
    add(m + "dilate", lambda: A(rnd(2, 8, 8), [0.0, 0.1]), skip=("device",))
    add(m + "grating_texture", lambda: A(16, (0.0, 0.1), 5, (0.5, 0.8), 0, dtype=torch.float64), skip=("device",))
    add(m + "relative_distance", lambda: A(rnd(2, 4, 4), rnd(2, 4, 4, seed=1), dims=2))
    add(m + "ridge_loo", lambda: A(rnd(2, 6, 3), torch.arange(12).reshape(2, 6) % 3, rnd(4, 3, seed=1),
                                   torch.tensor([0.1, 1.0], dtype=torch.float64), 3))
    add(m + "loglog_slope", lambda: A([1.0, 2.0, 4.0], [1.0, 0.5, 0.25]))
    add(m + "padded_digits", lambda: A(8, 1, torch.float64), skip=("device",))
    add(m + "nterm_experiment", lambda: A(64, 2, (4, 16), 0), skip=("device",))
    add(m + "lp_summary", lambda: A(8, 2, 4), skip=("device",))
    add(m + "nonexpansive_experiment", lambda: A(1, 8, 2, 4, 0), skip=("device",))
    add(m + "shift_distances", lambda: A(rnd(2, 3, 4, 4), [[0, 1], [1, 0]], None))
    add(m + "translation_experiment", lambda: A(rnd(2, 8, 8), (1,), 2, 4))
    add(m + "deformation_experiment", lambda: A(16, 2, 4, (0.0, 0.05), (0.5,), 0), skip=("device",))
    add(m + "order_energies", lambda: A(rnd(2, 8, 8), 2, 4))
    add(m + "draw_training_sets", lambda: A(torch.arange(40) % 4, torch.arange(40), 2, 3, 0))
    add(m + "learning_curve", lambda: A({"pixels": _scat_digits()[0].flatten(1)}, _scat_digits()[1], (1,), 2, 10, 0,
                                        None))
    add(m + "widget_data", lambda: A(16, (1,), (0.0, 0.1), 2, 4, 0), skip=("device",))
    add(m + "build_scattering_widget", lambda: A(None), slow=True)
    add(m + "exercise_lowpass", lambda: A())
    add(m + "prediction_grating", lambda: A(8, 2, 4, (0, 1)))
    add(m + "grating", lambda: A(8, (0, 1)))

    # ---------------------------------------------------------------- approx
    m = "course_lib.approx:"
    add(m + "relu_interpolant", lambda: A(torch.sin, 0.0, 1.0, 4, dtype=torch.float64),
        extra={"f": [("callable:nan", lambda t: torch.full_like(t, math.nan), "must")]})
    add(m + "relu_ridge_sum", lambda: A(rnd(5), torch.linspace(0, 1, 4, dtype=torch.float64), rnd(4, seed=1), 0.5))
    add(m + "ridge_directions", lambda: A(3, dtype=torch.float64))
    add(m + "ridge_polynomial_fit", lambda: A(rnd(20, 2), rnd(20, seed=1), 3, 2))
    add(m + "random_field", lambda: A(rnd(10, 2), nu=1.5, lengthscale=2.0, n_features=16, n_fields=1, seed=0))
    add(m + "random_ridge_units", lambda: A(2, 3, 4, seed=0), skip=("device",))
    add(m + "random_feature_errors", lambda: A(rnd(10, 2), rnd(1, 10, seed=1), rnd(5, 2, seed=2), rnd(1, 5, seed=3),
                                               [2, 4], ridge=1e-6, seed=0))
    add(m + "compositional_function", lambda: A(torch.mul, 8, order=None))
    add(m + "tree_masks", lambda: A(2, 8))
    add(m + "masked_net", lambda: A(approx_masks(), [True, False], seed=0, dtype=torch.float32), skip=("device",))
    add(m + "tree_net", lambda: A(2, 8, seed=0, dtype=torch.float32), skip=("device",))
    add(m + "shallow_net", lambda: A(3, 8, seed=0, dtype=torch.float32), skip=("device",))
    add(m + "dense_net", lambda: A([3, 3], 8, seed=0, dtype=torch.float32), skip=("device",))
    add(m + "ensemble", lambda: A([approx_net(), approx_net(1)]))
    add(m + "count_parameters", lambda: A(approx_net()))
    add(m + "member_parameters", lambda: A(approx_net()))
    add(m + "outputs", lambda: A(approx_net(), torch.rand(5, 8)))
    add(m + "fit", lambda: A(approx_net(), torch.rand(20, 8), torch.rand(20), 5, 0.01, 0, batch_size=10,
                             progress=False),
        extra={"lr": [("diverge", 1e12, "must")]})
    add(m + "ridge_target", lambda: A(8, 3))
    add(m + "ridge_1d_experiment", lambda: A(torch.sin, 1.0, 0.0, 1.0, (2, 4), 101))
    add(m + "logan_shepp_experiment", lambda: A(3, 50, 0))
    add(m + "ridge_2d_experiment", lambda: A((1, 2), 3, 11))
    add(m + "curse_experiment", lambda: A((2,), (4, 8), nu=1.5, lengthscale=2.0, n_fields=1, n_train=32, n_test=32,
                                          seed=0), skip=("device",))
    add(m + "loglog_slope", lambda: A([1.0, 2.0, 4.0], [1.0, 0.5, 0.25]))
    add(m + "matched_width", lambda: A(lambda w: approx_shallow(w), 50, 64))
    add(m + "deep_vs_shallow", lambda: A("tanh(a + 2b² − 1)", (1,), None, extra_constituents=(), steps=2,
                                         batch_size=16, n_train=32, n_test=32, n_slice=5, seed=0, progress=False),
        skip=("device",), slow=True)
    add(m + "best_of_restarts", lambda: A({"train": {("tree", "t"): torch.rand(2, 3)},
                                           "test": {("tree", "t"): torch.rand(2, 3)}}, "tree", "t"))
    add(m + "build_approximation_widget", lambda: A(None), slow=True)
    add(m + "exercise_tree_parameters", lambda: A())
    add(m + "exercise_compose", lambda: A())
    add(m + "prediction_units_ratio", lambda: A(8, 2.0, 0.1))
    add(m + "prediction_winner", lambda: A())

    # ---------------------------------------------------------------- landscape
    m = "course_lib.landscape:"
    add(m + "path_t", lambda: A(5, dtype=torch.float64), skip=("device",))
    add(m + "linear_path", lambda: A(quad_loss, rnd(4), rnd(4, seed=1), 5))
    add(m + "bezier_curve", lambda: A(rnd(4), rnd(4, seed=2), rnd(4, seed=1), torch.linspace(0, 1, 5)))
    add(m + "bezier_path", lambda: A(quad_loss, rnd(4), rnd(4, seed=2), rnd(4, seed=1), 5))
    add(m + "fit_bezier", lambda: A(quad_loss, rnd(4), rnd(4, seed=1), 5, 0.01, 0, n_t=2, perturb=0.05),
        extra={"lr": [("diverge", 1e12, "must")]})
    add(m + "path_barrier", lambda: A(torch.rand(5, dtype=torch.float64)))
    add(m + "deep_linear_loss", lambda: A([rnd(2, 3), rnd(1, 2, seed=1)], rnd(3, 6, seed=2), rnd(1, 6, seed=3)))
    add(m + "deep_linear_min_loss", lambda: A(rnd(3, 6), rnd(2, 6, seed=1), 1))
    add(m + "deep_linear_gd", lambda: A(rnd(3, 6), rnd(2, 6, seed=1), [2], 2, 5, 0.01, init_scale=0.5, seed=0),
        skip=("device",), extra={"lr": [("diverge", 1e6, "must")]}, may={"widths": {"empty"}})
    add(m + "toy_linear_loss", lambda: A(rnd(3, 4)), may={"theta": {"nan", "inf"}}, nonfinite_ok=True)
    add(m + "sublevel_components", lambda: A(torch.rand(5, 5, dtype=torch.float64), 0.5))
    add(m + "ReluEnsemble", lambda: A((2, 3), 2))
    add(m + "train_to_level", lambda: A(_relu_ensemble()[0], _relu_ensemble()[1].clone(), rnd(8, 2), rnd(8, seed=1),
                                        0.01, 5, 0.01), extra={"lr": [("diverge", 1e12, "must")]})
    add(m + "symmetry_gaps", lambda: A(0, d_in=2, width=3, n=8))
    add(m + "linear_regression_problem", lambda: A(3, 2, 10, 0.3, 0), skip=("device",))
    add(m + "deep_linear_runs", lambda: A(rnd(3, 6), rnd(2, 6, seed=1), ((2,),), 2, 5, 0.002, 0), skip=("device",))
    add(m + "hessian_at_zero", lambda: A(rnd(3, 6), rnd(2, 6, seed=1), [2]), may={"widths": {"empty"}})
    add(m + "hessian_at_zero_theory", lambda: A(rnd(3, 6), rnd(2, 6, seed=1), 2))
    add(m + "toy_level_sets", lambda: A((0.1, 0.3), 1.6, 11))
    add(m + "toy_paths", lambda: A(5, 0.05, 11, 0))
    add(m + "teacher_data", lambda: A(16, 2, 3, 0, dtype=torch.float32), skip=("device",))
    add(m + "mode_connectivity", lambda: A((2,), 1, 0.5, n=16, max_steps=3, bezier_steps=2, n_points=5),
        skip=("device",), slow=True)
    add(m + "median_interval", lambda: A(rnd(9), 0.9), may={"x": {"nan"}})
    add(m + "width_summary", lambda: A(_mode_connectivity(), 0.9))
    add(m + "rank_sum_exact", lambda: A(rnd(4), rnd(4, seed=1), 1000), may={"x": {"nan"}, "y": {"nan"}})
    add(m + "decay_slope", lambda: A([2, 4, 8], [0.5, 0.2, 0.1], 1e-4), nonfinite_ok=True)
    add(m + "symmetry_profiles", lambda: A(_mode_connectivity(), 0))
    add(m + "loss_plane", lambda: A(_mode_connectivity(), 2, 0, 5, 0.35))
    add(m + "symmetry_figure", lambda: A(landscape_gaps()))
    add(m + "deep_linear_figure", lambda: A(landscape_runs()))
    add(m + "toy_landscape_figure", lambda: A(landscape_toy(), 1.6, 11))
    add(m + "toy_profiles_figure", lambda: A(landscape_toy()))
    add(m + "profiles_figure", lambda: A(_mode_connectivity(), 2, 0))
    add(m + "barrier_width_figure", lambda: A(landscape_summary(), level=0.5, d_in=2))
    add(m + "loss_plane_figure", lambda: A(landscape_plane()))
    add(m + "build_landscape_widget", lambda: A(_mode_connectivity(), landscape_profiles()))
    add(m + "prediction_rank_one_minimum", lambda: A())
    add(m + "exercise_bezier_losses", lambda: A())
    add(m + "prediction_wide_barrier", lambda: A(0.1, 0.05))
    return S


# helpers used by the table (after it, so the table reads first)
def forward_acts():
    from course_lib import backprop

    W, b = bp_net()
    return backprop.forward_pass(W, b, xor_data()[0])


def admm_ws():
    from course_lib import admm

    return admm.seed_inits((1, 3, 1), 2, 0)


@functools.cache
def _langevin_data():
    from course_lib import langevin

    Xtr, Ytr, Xte, Yte = langevin.digits_true_and_random(30)
    return Xtr, Ytr, Xte[:40], Yte[:, :40]


def langevin_data():
    return tuple(t.clone() for t in _langevin_data())


@functools.cache
def overview_fit():
    from course_lib import overview

    return overview.deep_era_fit()


@functools.cache
def _scat_filters():
    from course_lib import scattering

    return scattering.filter_bank(8, 2, 4)


def scat_filters():
    return tuple(t.clone() for t in _scat_filters())


def approx_masks():
    return [torch.ones(8, 3, dtype=torch.bool), torch.ones(3, 1, dtype=torch.bool)]


def approx_net(seed=0):
    from course_lib import approx

    return approx.shallow_net(3, 8, seed=seed)


def approx_shallow(w):
    from course_lib import approx

    return approx.shallow_net(w)


@functools.cache
def landscape_gaps():
    from course_lib import landscape

    return landscape.symmetry_gaps(0, d_in=2, width=3, n=8)


@functools.cache
def landscape_runs():
    from course_lib import landscape

    return landscape.deep_linear_runs(rnd(3, 6), rnd(2, 6, seed=1), ((2,),), 2, 5, 0.002, 0)


@functools.cache
def landscape_profiles():
    from course_lib import landscape

    return landscape.symmetry_profiles(_mode_connectivity(), 0)


def langevin_bound_runs():
    from course_lib import langevin

    runs = {"true": dict(_sigmoid_runs()[0]), "random": dict(_sigmoid_runs()[1])}
    for out in runs.values():
        out["stab"] = langevin.stability_bound(out["step_sizes"], 100.0, 30, 0.25, 1.0)
        out["pac"] = langevin.pac_bayes_bound(out["step_sizes"], out["grad_sq"], 100.0, 0.1, 30, 1.0, decay=False)
    return runs


@functools.cache
def landscape_toy():
    from course_lib import landscape

    return landscape.toy_paths(5, 0.05, 11, 0)


@functools.cache
def landscape_summary():
    from course_lib import landscape

    return landscape.width_summary(_mode_connectivity(), 0.9)


@functools.cache
def landscape_plane():
    from course_lib import landscape

    return landscape.loss_plane(_mode_connectivity(), 2, 0, 5, 0.35)


@functools.cache
def specs() -> dict[str, Spec]:
    return {s.target: s for s in _specs()}


def public_callables(module: str) -> list[str]:
    """The names in ``module.__all__`` that are functions or classes a student calls (constants, result
    dataclasses, re-exported submodules and the shared ``TrainHistory`` excluded)."""
    mod = importlib.import_module(module)
    out = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        if inspect.isclass(obj) and (name in RESULT_TYPES or not obj.__module__.startswith("course_lib")):
            continue
        out.append(name)
    return out


# result containers a student reads, never builds (a dataclass filled by a function)
RESULT_TYPES = {"PerceptronResult", "Winner", "ExpFit", "RankCorrelation", "SGLDRun", "StationaryGrid",
                "StepThreshold", "TiltedWell", "SAResult", "KWCheck", "FailureDiagnosis", "ModeConnectivity",
                "TrainHistory", "MaskedMLP", "LassoResult"}


# ----------------------------------------------------------------------------------------------- mutations
MUST = "must"
MAY = "may"


@dataclass
class Mutation:
    arg: str
    kind: str
    value: Any
    expect: str  # MUST or MAY


def _bad_callable(*args, **kwargs):
    return "not a tensor"


def _nonfinite_like(t: torch.Tensor, v: float) -> torch.Tensor:
    out = t.detach().clone().to(torch.float64 if not t.is_floating_point() else t.dtype)
    out.reshape(-1)[0] = v
    return out


def _value_mutations(name: str, v) -> list[tuple[str, Any, str]]:
    """(kind, value, expectation) for an argument whose valid value is ``v``."""
    out = []
    if isinstance(v, bool) or isinstance(v, np.bool_):
        out += [("flag:str", "no", MUST), ("flag:int", 1, MUST), ("flag:none", None, MUST)]
    elif isinstance(v, (int, np.integer)):
        out += [("type:str", str(int(v)), MUST), ("type:float", float(v) + 0.5, MUST), ("nan", math.nan, MUST),
                ("neg", -7, MAY), ("huge", HUGE_INT, MAY)]
    elif isinstance(v, (float, np.floating)):
        out += [("type:str", "0.1", MUST), ("nan", math.nan, MUST), ("inf", math.inf, MUST), ("neg", -1.0, MAY),
                ("huge", HUGE_FLOAT, MAY), ("type:complex", 1j, MUST)]
    elif isinstance(v, torch.dtype):
        out += [("dtype:int", torch.int64, MUST), ("dtype:bool", torch.bool, MUST), ("type:str", "float64", MUST)]
    elif isinstance(v, torch.Tensor):
        out += [("type:str", "abc", MUST), ("type:object", object(), MUST)]
        if v.numel():
            if v.is_floating_point():
                out += [("nan", _nonfinite_like(v, math.nan), MUST), ("inf", _nonfinite_like(v, math.inf), MUST),
                        ("requires_grad", v.detach().clone().requires_grad_(True), MAY)]
            out += [("empty", v[:0] if v.ndim else v.reshape(-1)[:0], MUST), ("ndim+", v[None, None], MAY),
                    ("dtype:complex", v.to(torch.complex128), MUST)]
            if v.dtype != torch.bool:
                out.append(("dtype:bool", v != 0, MUST))
    elif isinstance(v, np.ndarray):
        out += [("type:str", "abc", MUST)]
        if v.size and v.dtype.kind == "f":
            bad = v.astype(float).copy()
            bad.reshape(-1)[0] = math.nan
            out += [("nan", bad, MUST), ("empty", v[:0], MUST)]
    elif isinstance(v, (list, tuple)):
        flat = list(v)
        out += [("type:str", "abc", MUST)]
        if flat and all(isinstance(e, (int, float, np.number)) and not isinstance(e, bool) for e in flat):
            out += [("empty", type(v)(), MUST), ("nan", type(v)([math.nan] + flat[1:]), MUST),
                    ("neg", type(v)([-abs(flat[0]) - 1] + flat[1:]), MAY),
                    ("huge", type(v)([HUGE_INT if isinstance(flat[0], (int, np.integer)) else HUGE_FLOAT]
                                     + flat[1:]), MAY),
                    ("type:inner", type(v)(["x"] + flat[1:]), MUST)]
        elif flat and all(isinstance(e, torch.Tensor) for e in flat):
            out += [("empty", type(v)(), MUST), ("type:inner", type(v)(["x"] + flat[1:]), MUST)]
    elif isinstance(v, str):
        out += [("type:int", 5, MUST), ("enum:bad", "nope", MUST)]
    elif isinstance(v, dict):
        out += [("type:str", "abc", MUST), ("dict:empty", {}, MUST)]
    elif callable(v):
        out += [("type:int", 5, MUST), ("callable:bad", _bad_callable, MUST)]
    elif v is None:
        pass
    else:  # dataclass results, modules, generators
        out += [("type:str", "abc", MUST)]
    return out


def mutations(spec: Spec) -> list[Mutation]:
    """Every bad-input variant of ``spec``'s valid call (one argument changed at a time)."""
    args, kwargs = spec.make()
    bound = bind(spec, args, kwargs)
    out = []
    for name, v in bound.arguments.items():
        param = bound.signature.parameters[name]
        if name in spec.skip or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if isinstance(v, torch.Generator):
            continue
        for kind, value, expect in _value_mutations(name, v):
            if kind in spec.may.get(name, ()):
                expect = MAY
            out.append(Mutation(name, kind, value, expect))
    for name, items in spec.extra.items():
        for kind, value, expect in items:
            out.append(Mutation(name, kind, value, expect))
    return out


def bind(spec: Spec, args, kwargs) -> inspect.BoundArguments:
    fn = spec.fn
    sig = inspect.signature(fn)
    return sig.bind(*args, **kwargs)


def call_with(spec: Spec, mutation: Mutation | None):
    """Run ``spec``'s valid call with ``mutation`` applied (fresh inputs every time)."""
    args, kwargs = spec.make()
    bound = bind(spec, args, kwargs)
    if mutation is not None:
        value = mutation.value() if callable(mutation.value) and mutation.kind in ("diverge", "shape:short") \
            else mutation.value
        params = bound.signature.parameters
        if mutation.arg in params:
            bound.arguments[mutation.arg] = value
        else:  # a keyword the function forwards through **kwargs
            var_kw = next(n for n, p in params.items() if p.kind == p.VAR_KEYWORD)
            bound.arguments[var_kw] = {**bound.arguments.get(var_kw, {}), mutation.arg: value}
    return spec.fn(*bound.args, **bound.kwargs)


NAMED = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"


def names_argument(err: BaseException, arg: str) -> bool:
    return re.search(NAMED.format(re.escape(arg)), str(err)) is not None


def finite_output(out, depth: int = 0) -> bool:
    """No NaN/inf anywhere in a returned value (tensors, arrays, numbers, containers, dataclasses)."""
    if depth > 4:
        return True
    if isinstance(out, torch.Tensor):
        if out.is_floating_point() or out.is_complex():
            return bool(torch.isfinite(out.detach()).all())
        return True
    if isinstance(out, np.ndarray):
        return bool(np.all(np.isfinite(out))) if out.dtype.kind in "fc" else True
    if isinstance(out, float):
        return math.isfinite(out)
    if isinstance(out, (list, tuple)):
        return all(finite_output(o, depth + 1) for o in out)
    if isinstance(out, dict):
        return all(finite_output(o, depth + 1) for o in out.values())
    return True
