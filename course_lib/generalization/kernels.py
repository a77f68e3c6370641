r"""Generalization kernels (lecture 06): label noise, a batched bias-free ReLU net, margins, spectral complexity.

Pure, batched tensor programs:

* **labels** -- :func:`random_labels` replaces a fraction of the labels by uniform draws (Zhang et al. 2017);
* **the nets** -- :func:`init_mlp` draws ``B`` bias-free ReLU nets $x \mapsto A_3\sigma(A_2\sigma(A_1x))$ of
  (possibly different) widths, zero-padded to one tensor program; :func:`forward` evaluates them all;
  :func:`train_ensemble` trains them together (cross-entropy, minibatches, ``core.optim.Adam``), with optional
  weight decay per member, and records train/validation/test accuracy every epoch;
* **margins and spectral complexity** (Bartlett, Foster & Telgarsky 2017) -- :func:`margins`,
  :func:`spectral_norm`, :func:`norm_2_1`, :func:`spectral_complexities` (batched) and
  :func:`spectral_complexity` (one net, a float), :func:`normalized_margins`;
* **capacity numbers** -- :func:`count_parameters`, :func:`vc_dimension_scale`, :func:`frobenius_capacity`,
  :func:`spectral_capacity`; and :func:`median_ratio_ci` (a bootstrap interval for a ratio of medians).

Conventions: **rows are samples**, ``X`` is ``(n, d)``; a weight matrix is ``(out, in)`` as the paper's $A_i$,
batched ``(B, out, in)``.  The nets have **no biases**, as in Bartlett et al. (2017), so $R_A$ covers every
parameter.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from course_lib.core.device import generator, get_device
from course_lib.core.history import TrainHistory
from course_lib.core.optim import Adam
from course_lib.core.progress import progress as _progress
from course_lib.core.validate import (
    Diverged,
    as_tensor,
    check_in_range,
    check_int,
    check_memory,
    check_positive,
    check_seed,
    check_steps,
    per_batch,
)

__all__ = [
    "as_labels",
    "random_labels",
    "init_mlp",
    "forward",
    "train_ensemble",
    "margins",
    "spectral_norm",
    "norm_2_1",
    "spectral_complexities",
    "spectral_complexity",
    "normalized_margins",
    "count_parameters",
    "vc_dimension_scale",
    "frobenius_capacity",
    "spectral_capacity",
    "median_ratio_ci",
]


# ---------------------------------------------------------------------------------------------- labels
def as_labels(y, name: str, *, n_classes: int | None = None, ndim=(1,)) -> torch.Tensor:
    """Integer class labels as a ``long`` tensor (checked: integers, in ``[0, n_classes)``)."""
    if isinstance(y, (list, tuple)):
        y = np.asarray(y)
    if isinstance(y, np.ndarray):
        if y.dtype.kind not in "iu":
            raise TypeError(f"{name}: expected integer class labels, got dtype {y.dtype}")
        y = torch.from_numpy(np.ascontiguousarray(y))
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name}: expected a tensor of integer class labels, got {type(y).__name__}")
    if y.dtype == torch.bool or y.is_floating_point() or y.is_complex():
        raise TypeError(f"{name}: expected integer class labels, got dtype {y.dtype}")
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if y.ndim not in allowed or y.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty tensor of {' or '.join(map(str, allowed))} dimension(s), "
                         f"got shape {tuple(y.shape)}")
    y = y.long()
    if bool((y < 0).any()) or (n_classes is not None and bool((y >= n_classes).any())):
        bad = y[(y < 0) | (y >= (n_classes if n_classes is not None else 2**62))].flatten()[0].item()
        raise ValueError(f"{name}: labels must lie in [0, {n_classes}), found {bad}")
    return y


def random_labels(y, fraction, n_classes: int, seed: int = 0) -> torch.Tensor:
    r"""Replace ``round(fraction * n)`` labels of ``y``, at positions drawn uniformly, by labels drawn uniformly
    from **all** ``n_classes`` classes -- a draw may coincide with the old label, as in Zhang et al. (2017, §2),
    so on average a fraction $f(1 - 1/k)$ of the labels changes.

    ``fraction``: a number in $[0, 1]$ (returns ``(n,)``) or a sequence of them (returns ``(B, n)``, one
    independent draw per entry)."""
    n_classes = check_int(n_classes, "n_classes", min_value=2)
    y = as_labels(y, "y", n_classes=n_classes)
    f, batched = per_batch(fraction, "fraction", allow_zero=True)
    if bool((f > 1).any()):
        raise ValueError(f"fraction: must lie in [0, 1], got {f[f > 1][0].item():g}")
    g = generator(check_seed(seed), torch.device("cpu"))
    B, n = f.numel(), y.numel()
    check_memory(4 * B * n, "fraction", what="these label draws")
    k = torch.round(f * n).long()  # (B,) how many labels each draw replaces
    order = torch.rand(B, n, generator=g).argsort(1)  # a uniform random order of the positions
    chosen = torch.zeros(B, n, dtype=torch.bool).scatter_(1, order, torch.arange(n)[None, :] < k[:, None])
    new = torch.randint(n_classes, (B, n), generator=g)
    out = torch.where(chosen, new, y.cpu()[None, :]).to(y.device)
    return out if batched else out[0]


# ---------------------------------------------------------------------------------------------- the nets
def init_mlp(widths, d_in: int, d_out: int, *, n_hidden: int = 2, seed: int = 0, dtype=torch.float32,
             device=None):
    r"""``B`` bias-free ReLU nets $d_{in} \to w_b \to \dots \to w_b \to d_{out}$ (``n_hidden`` hidden layers),
    zero-padded to the widest member.  He initialisation by each member's own fan-in: $A \sim N(0, 2/m)$ before
    a ReLU, $N(0, 1/m)$ for the output layer (He et al. 2015); one independent draw per member.

    Returns ``(weights, masks)``: lists of ``(B, out, in)`` tensors; a mask is 1 on the edges a member has."""
    ws, _ = per_batch(widths, "widths", dtype=torch.float64)
    if bool((ws != ws.round()).any()):
        raise TypeError(f"widths: expected integers, got {ws.tolist()}")
    ws = ws.long()
    d_in = check_int(d_in, "d_in", min_value=1)
    d_out = check_int(d_out, "d_out", min_value=1)
    n_hidden = check_int(n_hidden, "n_hidden", min_value=1, max_value=16)
    B, wmax = ws.numel(), int(ws.max())
    check_memory(B * (d_in * wmax + (n_hidden - 1) * wmax * wmax + wmax * d_out), "widths", itemsize=16,
                 what="this ensemble")
    g = generator(check_seed(seed), torch.device("cpu"))
    dev = get_device(device)
    sizes = [d_in] + [wmax] * n_hidden + [d_out]
    hidden = [torch.arange(wmax)[None, :] < ws[:, None] for _ in range(n_hidden)]  # (B, wmax): units that exist
    live = [torch.ones(B, d_in, dtype=torch.bool)] + hidden + [torch.ones(B, d_out, dtype=torch.bool)]
    weights, masks = [], []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        M = (live[i + 1][:, :, None] & live[i][:, None, :]).to(torch.float64)  # (B, out, in)
        fan_in = live[i].sum(1).to(torch.float64).view(B, 1, 1)
        gain = 2.0 if i < n_hidden else 1.0
        A = torch.randn(B, b, a, generator=g, dtype=torch.float64) * torch.sqrt(gain / fan_in) * M
        weights.append(A.to(dtype=dtype, device=dev))
        masks.append(M.to(dtype=dtype, device=dev))
    return weights, masks


def forward(weights, X, masks=None) -> torch.Tensor:
    r"""Logits $A_L\sigma(\cdots\sigma(A_1x))$ of every member: ``X`` ``(n, d)`` shared, or ``(B, n, d)`` one
    input batch per member -> ``(B, n, d_out)``."""
    H = X
    for i, A in enumerate(weights):
        A = A if masks is None else A * masks[i]
        H = H @ A.transpose(-1, -2)  # (B, n, out)
        if i < len(weights) - 1:
            H = torch.relu(H)
    return H


def _per_member_labels(Y, name: str, B: int, n: int, n_classes: int) -> torch.Tensor:
    Y = as_labels(Y, name, n_classes=n_classes, ndim=(1, 2))
    if Y.ndim == 1:
        Y = Y[None, :].expand(B, -1)
    if Y.shape != (B, n):
        raise ValueError(f"{name}: expected shape ({n},) or ({B}, {n}) for {B} member(s) and {n} rows, "
                         f"got {tuple(Y.shape)}")
    return Y


def train_ensemble(weights, masks, X, Y, *, epochs: int, lr: float, batch_size: int = 100, weight_decay=0.0,
                   evals=None, keep_correct=(), track=None, seed: int = 0, progress: bool = False):
    r"""Train every member on its own labels with minibatch Adam: B independent trainings in one program.

    Minimises $\sum_b \bigl[\frac1{|I|}\sum_{i\in I}\ell_{\rm CE}(f_b(x_i), Y_{b,i}) + \frac{\lambda_b}2\sum_l
    \|A_{b,l}\|_F^2\bigr]$ over minibatches $I$ (one random order per epoch, shared by the members), the step
    decayed from ``lr`` to 0 on a cosine.  ``weights``/``masks`` from :func:`init_mlp` (trained in place).

    * ``Y``: ``(n,)`` shared or ``(B, n)`` one label vector per member.
    * ``weight_decay``: $\lambda$ (L2, added to the loss), a number or one per member.
    * ``evals``: ``{name: (X_e, Y_e)}`` evaluated at every epoch (epoch 0 = the initialisation); ``Y_e`` shared or
      per member.  The training set is always evaluated, as ``"train"``.
    * ``track``: the members evaluated at *every* epoch (default all); the others only at epochs 0 and last
      (their records are NaN, and their ``correct_*`` rows False, in between) -- evaluation costs as much as
      training, so a lecture tracks only the members whose curves it draws.

    Returns a :class:`~course_lib.core.history.TrainHistory`: ``loss`` (epochs + 1, B) the full training loss,
    records ``acc_<name>`` (epochs + 1, B) and, for names in ``keep_correct``, ``correct_<name>``
    (epochs + 1, B, n_e) bool; ``weights`` the final matrices; ``snapshots[0]`` the initial ones.
    Raises :class:`~course_lib.core.validate.Diverged` as soon as the loss is not finite."""
    if not isinstance(weights, (list, tuple)) or not weights or len(masks) != len(weights):
        raise ValueError("weights: expected the lists (weights, masks) from init_mlp")
    ref = weights[0]
    B, n_classes = ref.shape[0], weights[-1].shape[1]
    X = as_tensor(X, "X", shape=(None, ref.shape[2]), dtype=ref.dtype, device=ref.device)
    n = X.shape[0]
    Y = _per_member_labels(Y, "Y", B, n, n_classes).to(ref.device)
    epochs = check_int(epochs, "epochs", min_value=0)
    lr = check_positive(lr, "lr")
    bs = min(check_int(batch_size, "batch_size", min_value=1), n)
    lam, _ = per_batch(weight_decay, "weight_decay", size=B, allow_zero=True, dtype=ref.dtype, device=ref.device)
    g = generator(check_seed(seed), torch.device("cpu"))
    sets = {"train": (X, Y)}
    if evals is not None and not (isinstance(evals, dict) and all(isinstance(v, (tuple, list)) and len(v) == 2
                                                                  for v in evals.values())):
        raise TypeError("evals: expected a dict {name: (X, Y)}")
    for name, (Xe, Ye) in (evals or {}).items():
        Xe = as_tensor(Xe, f"evals[{name!r}]", shape=(None, ref.shape[2]), dtype=ref.dtype, device=ref.device)
        sets[name] = (Xe, _per_member_labels(Ye, f"evals[{name!r}]", B, Xe.shape[0], n_classes).to(ref.device))
    for name in keep_correct:
        if name not in sets:
            raise ValueError(f"keep_correct: {name!r} is not an evaluated set ({', '.join(sets)})")

    tracked = torch.arange(B) if track is None else torch.as_tensor(track, dtype=torch.long).reshape(-1)
    if tracked.numel() == 0 or bool((tracked < 0).any() | (tracked >= B).any()):
        raise ValueError(f"track: expected member indices in [0, {B}), got {tracked.tolist()}")

    params = [A.detach().clone().requires_grad_() for A in weights]
    init = [A.detach().clone() for A in weights]
    opt = Adam(params, lr)
    steps_per_epoch = math.ceil(n / bs)
    total = max(check_steps(epochs * steps_per_epoch, "epochs", what="this training"), 1)
    acc = {name: torch.full((epochs + 1, B), math.nan) for name in sets}
    correct = {name: torch.zeros(epochs + 1, B, sets[name][0].shape[0], dtype=torch.bool) for name in keep_correct}
    loss_hist = torch.full((epochs + 1, B), math.nan)
    rows = torch.arange(B, device=ref.device)[:, None]

    def evaluate(e, members):
        with torch.no_grad():
            sub = members.to(ref.device)
            Ws, Ms = [P[sub] for P in params], [M[sub] for M in masks]
            for name, (Xe, Ye) in sets.items():
                logits = forward(Ws, Xe, Ms)  # (b, n_e, k)
                right = logits.argmax(-1) == Ye[sub]
                acc[name][e, members] = right.float().mean(1).cpu()
                if name in correct:
                    correct[name][e, members] = right.cpu()
                if name == "train":
                    ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), Ye[sub], reduction="none").mean(1)
                    loss_hist[e, members] = ce.cpu()

    everyone = torch.arange(B)
    evaluate(0, everyone)
    t = 0
    for e in _progress(range(1, epochs + 1), progress, "training the ensemble", unit="epoch"):
        order = torch.randperm(n, generator=g).to(ref.device)
        for k in range(steps_per_epoch):
            idx = order[k * bs:(k + 1) * bs]
            logits = forward(params, X[idx], masks)  # (B, bs, k): one minibatch, every member
            ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), Y[rows, idx[None, :]],
                                                   reduction="none").mean(1)  # (B,)
            penalty = sum((A * A).sum((1, 2)) for A in params)  # (B,)
            opt.zero_grad()
            (ce + 0.5 * lam * penalty).sum().backward()
            opt.step(lr * 0.5 * (1 + math.cos(math.pi * t / total)))
            t += 1
        if not bool(torch.isfinite(ce).all()):
            raise Diverged(f"train_ensemble: the training loss is not finite in epoch {e} (lr = {lr:g}); lower lr")
        evaluate(e, everyone if e == epochs else tracked)

    with torch.no_grad():
        for A, P in zip(weights, params):
            A.copy_(P)
    records = {f"acc_{name}": a for name, a in acc.items()}
    records.update({f"correct_{name}": c for name, c in correct.items()})
    biases = [A.new_zeros(A.shape[:2]) for A in weights]  # bias-free: zeros, so TrainHistory.output works
    return TrainHistory(method="Adam", loss=loss_hist, weights=[A.detach() for A in weights], biases=biases,
                        records=records, snapshots=[(init, [])], snapshot_epochs=[0],
                        params={"epochs": epochs, "lr": lr, "batch_size": bs, "seed": seed,
                                "weight_decay": lam.cpu(), "activation": "relu"})


# ---------------------------------------------------------------------------------------------- margins and R_A
def margins(logits, y) -> torch.Tensor:
    r"""The margin $f(x)_y - \max_{j\ne y} f(x)_j$ of every row: ``logits`` ``(..., n, k)``, ``y`` ``(..., n)``
    (broadcast) -> ``(..., n)``.  Positive exactly where the prediction is right (Bartlett et al. 2017, §1)."""
    logits = as_tensor(logits, "logits", ndim=(2, 3))
    if logits.shape[-1] < 2:
        raise ValueError(f"logits: expected at least 2 classes, got shape {tuple(logits.shape)}")
    y = as_labels(y, "y", n_classes=logits.shape[-1], ndim=(1, 2)).to(logits.device)
    if y.shape[-1] != logits.shape[-2] or y.ndim > logits.ndim - 1 or (y.ndim == 2 and y.shape[0] != logits.shape[0]):
        raise ValueError(f"y: expected shape {tuple(logits.shape[:-1])} or ({logits.shape[-2]},) for logits of shape "
                         f"{tuple(logits.shape)}, got {tuple(y.shape)}")
    y = y.expand(logits.shape[:-1])
    fy = logits.gather(-1, y[..., None])[..., 0]
    others = logits.scatter(-1, y[..., None], -math.inf).amax(-1)
    return fy - others


def spectral_norm(A) -> torch.Tensor:
    r"""$\|A\|_\sigma$, the largest singular value (not the Frobenius norm) of each matrix of ``A`` ``(..., m, n)``."""
    return torch.linalg.matrix_norm(A, ord=2)


def norm_2_1(M) -> torch.Tensor:
    r"""$\|M\|_{2,1} = \sum_j \|M_{:,j}\|_2$, the sum of the Euclidean norms of the **columns** of each matrix
    (Bartlett et al. 2017's $\|\cdot\|_{p,q}$ with $p = 2$, $q = 1$).  R_A uses $\|A^\top\|_{2,1}$: the rows of $A$."""
    return M.norm(dim=-2).sum(-1)


def _check_weights(weights, name: str = "weights") -> list[torch.Tensor]:
    if isinstance(weights, (torch.Tensor, np.ndarray)) or not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError(f"{name}: expected a non-empty list of (out, in) matrices (one per layer)")
    Ws = [as_tensor(A, f"{name}[{i}]", ndim=(2, 3)) for i, A in enumerate(weights)]
    Ws = [A.to(torch.float64) if A.dtype != torch.float64 else A for A in Ws]
    if len({A.ndim for A in Ws}) != 1 or len({A.shape[:-2] for A in Ws}) != 1:
        raise ValueError(f"{name}: every layer needs the same batch shape, got {[tuple(A.shape) for A in Ws]}")
    for i in range(1, len(Ws)):
        if Ws[i].shape[-1] != Ws[i - 1].shape[-2]:
            raise ValueError(f"{name}: layer {i} takes {Ws[i].shape[-1]} inputs but layer {i - 1} has "
                             f"{Ws[i - 1].shape[-2]} outputs (matrices are (out, in))")
    return Ws


def spectral_complexities(weights, references=None, lipschitz=1.0) -> torch.Tensor:
    r"""The spectral complexity of Bartlett, Foster & Telgarsky (2017, Theorem 1.1), batched:

    $$R_A = \Bigl(\prod_{i=1}^L \rho_i\|A_i\|_\sigma\Bigr)\Bigl(\sum_{i=1}^L
    \frac{\|A_i^\top - M_i^\top\|_{2,1}^{2/3}}{\|A_i\|_\sigma^{2/3}}\Bigr)^{3/2}.$$

    ``weights``: a list of ``(out, in)`` or ``(B, out, in)`` matrices $A_i$; ``references``: the $M_i$ (default 0),
    fixed before seeing the data (e.g. the initial weights); ``lipschitz``: $\rho_i$, one number or one per layer
    (1 for ReLU).  Returns ``()`` or ``(B,)`` float64."""
    Ws = _check_weights(weights)
    if references is None:
        Ms = [torch.zeros_like(A) for A in Ws]
    else:
        Ms = _check_weights(references, "references")
        if len(Ms) != len(Ws) or any(M.shape != A.shape for M, A in zip(Ms, Ws)):
            raise ValueError(f"references: expected one matrix per layer with the weights' shapes "
                             f"{[tuple(A.shape) for A in Ws]}, got {[tuple(M.shape) for M in Ms]}")
        Ms = [M.to(A.device) for M, A in zip(Ms, Ws)]
    if isinstance(lipschitz, (list, tuple)):
        if len(lipschitz) != len(Ws):
            raise ValueError(f"lipschitz: expected one constant per layer ({len(Ws)}), got {len(lipschitz)}")
        rho = [check_positive(r, "lipschitz") for r in lipschitz]
    else:
        rho = [check_positive(lipschitz, "lipschitz")] * len(Ws)
    s = torch.stack([spectral_norm(A) for A in Ws])  # (L, ...)
    if bool((s == 0).any()):
        raise ValueError("weights: a layer is all zeros (spectral norm 0); R_A needs nonzero layers")
    t = torch.stack([norm_2_1((A - M).transpose(-1, -2)) for A, M in zip(Ws, Ms)])  # ||(A - M)^T||_{2,1}
    lip = torch.tensor(rho, dtype=s.dtype, device=s.device).view(-1, *([1] * (s.ndim - 1)))
    return (lip * s).prod(0) * ((t / s) ** (2 / 3)).sum(0) ** 1.5


def spectral_complexity(weights, references=None, lipschitz=1.0) -> float:
    r"""$R_A$ of **one** network (Bartlett, Foster & Telgarsky 2017, Theorem 1.1) as a float: ``weights`` a list
    of ``(out, in)`` matrices, ``references`` the $M_i$ (default zeros), ``lipschitz`` the $\rho_i$ (1 for ReLU).
    See :func:`spectral_complexities` for many networks at once."""
    Ws = _check_weights(weights)
    if Ws[0].ndim != 2:
        raise ValueError(f"weights: expected (out, in) matrices of one network, got shape {tuple(Ws[0].shape)}; "
                         "use spectral_complexities for a batch")
    return float(spectral_complexities(Ws, references, lipschitz))


def normalized_margins(logits, y, spectral_complexity, X) -> torch.Tensor:
    r"""Margins divided by $R_A\|X\|_F/n$ (the normalisation of Bartlett, Foster & Telgarsky 2017):
    $\bigl(f(x_i)_{y_i} - \max_{j\ne y_i} f(x_i)_j\bigr)\,n/(R_A\|X\|_F)$, with $\|X\|_F$ the Frobenius norm of the
    whole ``(n, d)`` data matrix.  ``logits`` ``(n, k)`` or ``(B, n, k)``; ``spectral_complexity`` a number or one
    per member ``(B,)``."""
    m = margins(logits, y)
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    if X.shape[0] != m.shape[-1]:
        raise ValueError(f"X: {X.shape[0]} rows, but the logits have {m.shape[-1]}")
    r, _ = per_batch(spectral_complexity, "spectral_complexity", dtype=torch.float64)
    if m.ndim == 1 and r.numel() != 1 or m.ndim == 2 and r.numel() not in (1, m.shape[0]):
        raise ValueError(f"spectral_complexity: expected one value per network, got {r.numel()} for logits of "
                         f"shape {tuple(as_tensor(logits, 'logits').shape)}")
    scale = r.to(m.device) * float(X.norm()) / X.shape[0]
    return m.to(torch.float64) / (scale[:, None] if m.ndim == 2 else scale[0])


# ---------------------------------------------------------------------------------------------- capacity numbers
def count_parameters(width: int, d_in: int, d_out: int, n_hidden: int = 2) -> int:
    """The weights of a bias-free net ``d_in -> width -> ... -> width -> d_out`` (``n_hidden`` hidden layers)."""
    w = check_int(width, "width", min_value=1)
    d_in, d_out = check_int(d_in, "d_in", min_value=1), check_int(d_out, "d_out", min_value=1)
    n_hidden = check_int(n_hidden, "n_hidden", min_value=1)
    return d_in * w + (n_hidden - 1) * w * w + w * d_out


def vc_dimension_scale(n_params: int, n_layers: int) -> float:
    r"""$W L \log_2 W$: the order of the VC dimension of ReLU nets with $W$ parameters in $L$ layers (Bartlett,
    Harvey, Liaw & Mehrabian 2019: $\Theta(WL\log W)$; the constant is not given, so this is the scale, constant 1)."""
    W = check_int(n_params, "n_params", min_value=2)
    L = check_int(n_layers, "n_layers", min_value=1)
    return W * L * math.log2(W)


def _gamma(gamma, n_nets: int) -> torch.Tensor:
    g, _ = per_batch(gamma, "gamma", dtype=torch.float64)
    if g.numel() not in (1, n_nets):
        raise ValueError(f"gamma: expected one margin or one per network ({n_nets}), got {g.numel()}")
    return g if g.numel() > 1 or n_nets > 1 else g[0]


def frobenius_capacity(weights, X, gamma) -> torch.Tensor:
    r"""The norm-based term $B\,(\sqrt{2L\ln 2} + 1)\prod_i\|A_i\|_F / (\gamma\sqrt n)$ of Golowich, Rakhlin & Shamir
    (2018) for bias-free ReLU nets, $B = \max_i\|x_i\|$, at margin ``gamma`` (a number or one per net):
    it grows like $\mu^L$ when every layer has norm $\mu$.  Constants of the margin bound are left out."""
    Ws = _check_weights(weights)
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    L = len(Ws)
    prod = torch.stack([A.norm(dim=(-2, -1)) for A in Ws]).prod(0)
    Bx = float(X.norm(dim=1).max())
    g = _gamma(gamma, prod.numel()).to(prod.device)
    return Bx * (math.sqrt(2 * L * math.log(2)) + 1) * prod / (g * math.sqrt(X.shape[0]))


def spectral_capacity(weights, X, gamma, references=None) -> torch.Tensor:
    r"""The leading term $\|X\|_F R_A \ln W / (\gamma n)$ of Bartlett, Foster & Telgarsky (2017, Theorem 1.1),
    $W$ the largest layer width, at margin ``gamma``; the $\tilde O$'s constants and other log factors left out."""
    Ws = _check_weights(weights)
    X = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    width = max(max(A.shape[-2], A.shape[-1]) for A in Ws)
    R = spectral_complexities(Ws, references)
    return float(X.norm()) * R * math.log(width) / (_gamma(gamma, R.numel()).to(R.device) * X.shape[0])


def median_ratio_ci(a, b, *, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0):
    """``median(a) / median(b)`` and its percentile bootstrap interval (both samples resampled, ``n_boot`` times,
    in one tensor program; Efron & Tibshirani 1993, §13.3).  ``a``, ``b`` 1-D, positive medians."""
    a = as_tensor(a, "a", ndim=1, dtype=torch.float64)
    b = as_tensor(b, "b", ndim=1, dtype=torch.float64)
    n_boot = check_int(n_boot, "n_boot", min_value=10, max_value=10**6)
    conf = check_in_range(confidence, "confidence", 0.0, 1.0, closed=False)
    check_memory(n_boot * (a.numel() + b.numel()), "n_boot", what="the bootstrap")
    if not (float(a.median()) > 0 and float(b.median()) > 0):
        raise ValueError("b: the ratio of medians needs positive medians in a and b")
    g = generator(check_seed(seed), torch.device("cpu"))
    ia = torch.randint(a.numel(), (n_boot, a.numel()), generator=g)
    ib = torch.randint(b.numel(), (n_boot, b.numel()), generator=g)
    ratios = _median(a.cpu()[ia]) / _median(b.cpu()[ib])
    lo, hi = torch.quantile(ratios, torch.tensor([(1 - conf) / 2, (1 + conf) / 2], dtype=torch.float64))
    return float(_median(a[None]) / _median(b[None])), (float(lo), float(hi))


def _median(S) -> torch.Tensor:
    """The median of every row (the mean of the two middle values when the length is even)."""
    n = S.shape[-1]
    lo = S.kthvalue((n + 1) // 2, dim=-1).values
    return lo if n % 2 else (lo + S.kthvalue(n // 2 + 1, dim=-1).values) / 2

