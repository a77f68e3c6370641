"""Lecture 01's drivers: the numbers its claims use.

* :func:`noisy_xor` -- XOR with labels flipped with probability p;
* :func:`stochastic_approximation` -- constant steps vs Robbins–Monro steps vs Kiefer–Wolfowitz on the
  noisy-label stream, many seeds in one tensor program, with the linearised noise floor of every run;
* :func:`kiefer_wolfowitz_check` -- KW's noisy difference quotients against their exact mean and
  spread;
* :func:`diagnose_failures` -- the Hessian spectrum of trained XOR nets: why the failures are stuck.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch

from course_lib.backprop import kernels
from course_lib.core.data import xor
from course_lib.core.stats import median_interval
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_in_range,
    check_int,
    check_layer_sizes,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
)

__all__ = ["noisy_xor", "median_interval", "SAResult", "stochastic_approximation", "KWCheck",
           "kiefer_wolfowitz_check", "FailureDiagnosis", "diagnose_failures"]


def noisy_xor(p: float = 0.1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """XOR inputs ``X`` (4, 2), clean targets ``Y`` in {0, 1}, and ``M`` = P(label 1 | x) when every
    label is flipped with probability ``p``: M = (1 − p)·Y + p·(1 − Y), the best possible output."""
    exact_zero = isinstance(p, numbers.Real) and not isinstance(p, bool) and p == 0  # no noise: allowed
    p = 0.0 if exact_zero else check_in_range(p, "p", 0.0, 0.5, closed=False)
    X, y = xor()
    Y = (y + 1) / 2
    return X, Y, (1 - p) * Y + p * (1 - Y)


def _rates(values, name: str) -> list[float]:
    """A non-empty sequence of step sizes, each finite and > 0."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)) or not values:
        raise TypeError(f"{name}: expected a non-empty list of step sizes, got {values!r:.60}")
    return [check_positive(v, name) for v in values]


@dataclass
class SAResult:
    """Constant vs Robbins–Monro steps (and Kiefer–Wolfowitz) on the noisy-XOR stream.

    ``excess`` (R, K, S): excess loss of K step-size arms × S seeds at ``steps`` (one noisy sample
    per step); arms are ``labels`` with step ``lr`` and decay ``tau`` (∞ = constant); the arm
    ``clean`` (a constant step) sees the *clean* labels, a control.  ``floor``
    (K, S): the linearised noise floor η·σ²·Σλ/(2 − ηλ) at each run's final step size and Hessian;
    ``near_min`` (K, S): runs that end with all four points on the right side of ½ (the floor
    analysis needs a minimum).  ``kw`` (R', A, S) at ``kw_samples``: Kiefer–Wolfowitz arms ``kw_labels``.
    """

    steps: torch.Tensor
    excess: torch.Tensor
    lr: torch.Tensor
    tau: torch.Tensor
    labels: list
    clean: int
    floor: torch.Tensor
    near_min: torch.Tensor
    noise_var: float
    kw_samples: torch.Tensor
    kw: torch.Tensor
    kw_labels: list

    @property
    def constant(self) -> list[int]:
        """The constant-step arms on the noisy labels."""
        return [k for k in range(len(self.labels)) if math.isinf(float(self.tau[k])) and k != self.clean]

    @property
    def decaying(self) -> int:
        """Index of the Robbins–Monro arm."""
        return next(k for k in range(len(self.labels)) if not math.isinf(float(self.tau[k])))

    def window(self, lo: float, hi: float) -> torch.Tensor:
        """(K, S): mean excess over the records with lo < step / n_steps ≤ hi."""
        frac = self.steps.double() / float(self.steps[-1])
        keep = (frac > lo) & (frac <= hi)
        return self.excess[keep].mean(dim=0)

    @property
    def last_quarter(self) -> torch.Tensor:
        return self.window(0.75, 1.0)

    @property
    def third_quarter(self) -> torch.Tensor:
        return self.window(0.5, 0.75)

    @property
    def best_constant(self) -> int:
        """The constant arm with the lowest median excess over the last quarter (tuned in hindsight)."""
        medians = self.last_quarter[self.constant].median(dim=1).values
        return self.constant[int(medians.argmin())]

    def floor_ratio(self, k: int) -> torch.Tensor:
        """Measured excess (last quarter) / predicted floor, for arm k's runs that end near a minimum."""
        keep = self.near_min[k]
        return self.last_quarter[k, keep] / self.floor[k, keep]

    def table(self) -> str:
        """A markdown table: per arm, the median excess over the last quarter, the predicted floor, the
        measured/predicted ratio (median, exact 95 % CI) and the share of seeds still improving."""
        late, third = self.last_quarter, self.third_quarter
        rows = ["| arm | median excess, last quarter | predicted floor | measured / floor [95% CI] | still improving |",
                "|---|---|---|---|---|"]
        for k, label in enumerate(self.labels):
            if k == self.clean:
                ratio, level = "— (no noise)", "0"
            elif not bool(self.near_min[k].any()):
                ratio, level = "— (no run near a minimum)", "—"
            else:
                med, lo, hi = median_interval(self.floor_ratio(k))
                ratio = f"{med:.2f} [{lo:.2f}, {hi:.2f}]"
                level = f"{float(self.floor[k, self.near_min[k]].median()):.2e}"
            improving = float((late[k] < third[k]).double().mean())
            rows.append(f"| {label} | {float(late[k].median()):.2e} | {level} | {ratio} | {improving:.0%} |")
        return "\n".join(rows)

    def excess_at(self, samples: int) -> torch.Tensor:
        """(K, S): the SGD arms' excess at the last record with at most ``samples`` noisy samples."""
        return self.excess[int((self.steps <= samples).nonzero().max())]


def stochastic_approximation(p: float = 0.1, sizes=(2, 3, 1), n_seeds: int = 200, n_steps: int = 8000,
                             lrs=(0.25, 0.5, 1.0, 2.0, 4.0), rm_lr: float = 4.0, rm_tau: float = 300.0,
                             kw_a=(0.5, 2.0, 8.0), kw_c: float = 0.5, seed: int = 0,
                             record_every: int = 400) -> SAResult:
    """Train ``n_seeds`` random-start networks on the noisy-XOR stream with every constant step in
    ``lrs`` and with Robbins–Monro steps ηₜ = rm_lr/(1 + t/rm_tau), all from the same starts and on the
    same samples (:func:`kernels.sgd_stream`), plus a control arm with constant step ``rm_lr`` on the clean
    labels (p = 0); then compute each run's noise floor from its Hessian
    (:func:`kernels.hessian`, :func:`kernels.noise_floor`).  Kiefer–Wolfowitz arms (steps ``kw_a``,
    width ``kw_c``, same decay time) get the same number of noisy samples (:func:`kernels.kw_stream`)."""
    sizes = check_layer_sizes(list(sizes) if isinstance(sizes, tuple) else sizes, "sizes", min_layers=2)
    n_seeds = check_int(n_seeds, "n_seeds", min_value=2)
    rm_lr, rm_tau = check_positive(rm_lr, "rm_lr"), check_positive(rm_tau, "rm_tau")
    lrs, kw_a, kw_c = _rates(lrs, "lrs"), _rates(kw_a, "kw_a"), check_positive(kw_c, "kw_c")
    n_steps = check_steps(check_int(n_steps, "n_steps", min_value=1), "n_steps", what="stochastic_approximation")
    check_seed(seed)
    P = kernels._n_params(sizes)
    check_memory(4 * (len(lrs) + 2 + len(kw_a)) * n_seeds * P * (2 * P + 8), "n_seeds" if n_seeds > P else "sizes",
                 what="the step-size arms' networks and their shifted copies")
    X, Y, M = noisy_xor(p)
    W0, b0 = kernels.init_params(sizes, n_seeds, seed)
    lr = torch.tensor([*map(float, lrs), rm_lr], dtype=torch.float64)
    tau = torch.tensor([math.inf] * len(lrs) + [rm_tau], dtype=torch.float64)
    lr, tau = torch.cat([lr, lr[-1:]]), torch.cat([tau, tau.new_tensor([math.inf])])  # + the clean control
    K = len(lr)
    targets = torch.cat([M.expand(K - 1, -1), Y[None]])
    Ws = [w.expand(K, *w.shape).clone() for w in W0]
    bs = [b.expand(K, *b.shape).clone() for b in b0]
    try:
        run = kernels.sgd_stream(Ws, bs, X, targets, n_steps, lr, tau=tau, seed=seed + 1, record_every=record_every)
    except Diverged as err:
        raise Diverged(f"lrs: an SGD arm blew up (lrs = {lrs}, rm_lr = {rm_lr:g}): {err}") from err
    noisy_w, noisy_b = [w[:-1] for w in run.weights], [b[:-1] for b in run.biases]
    lam = torch.linalg.eigvalsh(kernels.hessian(noisy_w, noisy_b, X, M))
    eta_end = lr[:-1] / (1 + n_steps / tau[:-1])
    floor = torch.cat([kernels.noise_floor(lam, eta_end[:, None], p * (1 - p)), torch.zeros(1, n_seeds)])
    out = kernels.forward_pass(run.weights, run.biases, X)[-1][..., 0]
    near_min = ((out > 0.5).double() == Y).all(dim=-1)
    P = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    A = len(kw_a)
    try:
        kw = kernels.kw_stream([w.expand(A, *w.shape).clone() for w in W0],
                               [b.expand(A, *b.shape).clone() for b in b0], X, M, max(1, n_steps // (2 * P)),
                               list(map(float, kw_a)), kw_c, rm_tau, seed=seed + 2,
                               record_every=max(1, record_every // (2 * P)))
    except Diverged as err:
        raise Diverged(f"kw_a: a Kiefer–Wolfowitz arm blew up (kw_a = {kw_a}, kw_c = {kw_c:g}): {err}") from err
    labels = [f"constant η={v:g}" for v in lrs] + [f"Robbins–Monro ηₜ={rm_lr:g}/(1+t/{rm_tau:g})",
                                                   f"clean labels, constant η={rm_lr:g}"]
    return SAResult(steps=run.steps, excess=run.loss, lr=lr, tau=tau, labels=labels, clean=K - 1, floor=floor,
                    near_min=near_min, noise_var=p * (1 - p), kw_samples=kw.samples, kw=kw.loss,
                    kw_labels=[f"Kiefer–Wolfowitz a={v:g}, c={kw_c:g}" for v in kw_a])


@dataclass
class KWCheck:
    """Kiefer–Wolfowitz difference quotients at one network, for each width ``c``: ``z_max`` the largest
    |mean − backprop gradient| / standard error over the P coordinates, ``sd_ratio`` (P,) measured /
    predicted standard deviation, ``sd_pred`` (P,) the exact standard deviation √(V₊ + V₋)/2c,
    ``bias_over_se`` the largest O(c²) bias |E[quotient] − gradient| in units of the standard error."""

    c: tuple
    n_draws: int
    gradient: torch.Tensor
    z_max: list
    sd_ratio: list
    sd_pred: list
    bias_over_se: list
    sd_at_fd_step: float


def kiefer_wolfowitz_check(p: float = 0.1, sizes=(2, 3, 1), cs=(0.25, 0.025), n_draws: int = 20000,
                           seed: int = 0, fd_step: float = 1e-6) -> KWCheck:
    """Draw ``n_draws`` KW quotients per coordinate at a random-start network on the noisy-XOR stream and
    compare them with backprop's gradient of the expected loss (their mean, up to O(c²)) and with the
    exact spread from :func:`kernels.kw_moments`; also the spread a quotient would have at the finite-
    difference check's step ``fd_step``."""
    X, Y, M = noisy_xor(p)
    sizes = check_layer_sizes(list(sizes) if isinstance(sizes, tuple) else sizes, "sizes", min_layers=1)
    cs = _rates(cs, "cs")
    fd_step = check_positive(fd_step, "fd_step")
    W, b = kernels.init_params(sizes, None, seed)
    dWs, dbs = kernels.backward_pass(W, kernels.forward_pass(W, b, X), M[:, None])
    grad = kernels.flatten_params(dWs, dbs)
    z_max, sd_ratio, sd_pred, bias = [], [], [], []
    for j, c in enumerate(cs):
        q = kernels.kw_quotients(W, b, X, M, c, n_draws, seed=seed + 10 + j)
        mean, sd = kernels.kw_moments(W, b, X, M, c)
        se = sd / n_draws**0.5
        z_max.append(float(((q.mean(dim=0) - grad) / se).abs().max()))
        sd_ratio.append(q.std(dim=0) / sd)
        sd_pred.append(sd)
        bias.append(float(((mean - grad) / se).abs().max()))
    sd_fd = float(kernels.kw_moments(W, b, X, M, fd_step)[1].median())
    return KWCheck(c=tuple(cs), n_draws=n_draws, gradient=grad, z_max=z_max, sd_ratio=sd_ratio, sd_pred=sd_pred,
                   bias_over_se=bias, sd_at_fd_step=sd_fd)


@dataclass
class FailureDiagnosis:
    """Hessian spectra of S trained XOR networks.  ``eigenvalues`` (S, P) ascending; ``solved`` (S,);
    ``pair`` (S,): failed runs with exactly two undecided outputs (|y − ½| < 0.1); ``stiff_pred`` (S,):
    the top eigenvalue of the output layer's Gauss–Newton matrix (2/n)·Σ σ'(z)²·a aᵀ over the
    undecided inputs, a = (hidden code, 1) (NaN where not ``pair``); ``ideal`` (S,): (1 + ‖h‖²)/16
    with h the pair's mean hidden code; ``saddle`` (S,): λ_min < −``negative_tol``."""

    solved: torch.Tensor
    eigenvalues: torch.Tensor
    grad_norm: torch.Tensor
    loss: torch.Tensor
    pair: torch.Tensor
    stiff_pred: torch.Tensor
    ideal: torch.Tensor
    saddle: torch.Tensor
    negative_tol: float

    @property
    def lam_max(self) -> torch.Tensor:
        return self.eigenvalues[:, -1]

    def auc(self, values: torch.Tensor) -> float:
        """Probability that a failed run's value exceeds a solved run's (ties count ½): the effect size of
        the Mann–Whitney test, 0.5 = no separation, 1 = perfect."""
        values = as_tensor(values, "values", shape=tuple(self.solved.shape))
        f, s = values[~self.solved], values[self.solved]
        return float((f[:, None] > s[None, :]).double().mean() + 0.5 * (f[:, None] == s[None, :]).double().mean())

    @property
    def stiff_error(self) -> torch.Tensor:
        """Relative error |λ_max − prediction| / prediction over the pair-type failures."""
        return ((self.lam_max - self.stiff_pred).abs() / self.stiff_pred)[self.pair]


def diagnose_failures(weights, biases, X, Y, undecided_tol: float = 0.1, negative_tol: float = 1e-6):
    """The Hessian (:func:`kernels.hessian`) of every network of a batched XOR run, its spectrum, the
    gradient norm, and the curvature the output layer alone predicts for the undecided pair."""
    undecided_tol = check_in_range(undecided_tol, "undecided_tol", 0.0, 0.5, closed=False)
    negative_tol = check_positive(negative_tol, "negative_tol")
    sizes = kernels._check_net(weights, biases)
    if weights[0].ndim != 3 or sizes[-1] != 1:
        raise ValueError(f"weights: expected a batch of networks (S, out, in) with one output, got "
                         f"{tuple(weights[0].shape)} -> {sizes[-1]}")
    X = as_tensor(X, "X", ndim=2, dtype=weights[0].dtype)
    Y = as_tensor(Y, "Y", shape=(X.shape[0],), dtype=weights[0].dtype)
    acts = kernels.forward_pass(weights, biases, X)
    out, hidden = acts[-1][..., 0], acts[-2]                       # (S, n), (S, n, H)
    solved = ((out > 0.5).double() == Y).all(dim=1)
    lam = torch.linalg.eigvalsh(kernels.hessian(weights, biases, X, Y))
    undecided = (out - 0.5).abs() < undecided_tol
    pair = ~solved & (undecided.sum(dim=1) == 2)
    a = torch.cat([hidden, torch.ones_like(hidden[..., :1])], dim=-1)   # (S, n, H+1)
    wgt = (out * (1 - out)) ** 2 * undecided                        # σ'(z)² on the undecided inputs
    G = 2 / X.shape[0] * torch.einsum("sn,sni,snj->sij", wgt, a, a)
    stiff = torch.where(pair, torch.linalg.eigvalsh(G)[:, -1], torch.nan)
    h2 = ((hidden ** 2).sum(dim=-1) * undecided).sum(dim=1) / undecided.sum(dim=1).clamp(min=1)
    ideal = torch.where(pair, (1 + h2) / 16, torch.nan)
    loss = ((out - Y) ** 2).mean(dim=1)
    return FailureDiagnosis(solved=solved, eigenvalues=lam, grad_norm=kernels.gradient_norm(weights, biases, X, Y),
                            loss=loss, pair=pair, stiff_pred=stiff, ideal=ideal,
                            saddle=~solved & (lam[:, 0] < -negative_tol), negative_tol=negative_tol)
