"""The one training-history type every topic returns.

Per-iteration series have the iteration first (index 0 = the initialisation) and keep a
trailing batch axis when many networks train at once: ``loss[k, b]``.  Topic-specific series
(an augmented Lagrangian, residuals, per-layer gradient norms) go in ``records`` and read as
attributes: ``h.primal_residual`` is ``h.records["primal_residual"]``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from course_lib.core.mlp import ACTIVATIONS, forward
from course_lib.core.validate import as_tensor

__all__ = ["TrainHistory"]


@dataclass
class TrainHistory:
    method: str                      # "BP", "SGD", "ADMM", "BCD", ...
    loss: torch.Tensor               # (iterations[, batch]) training loss (mean squared error)
    weights: list                    # final weights, each ([batch,] out, in)
    biases: list                     # final biases, each ([batch,] out)
    seconds: float = math.nan        # wall time of the training loop
    diverged: torch.Tensor | None = None   # ([batch]) bool: runs frozen because they blew up
    records: dict = field(default_factory=dict)         # other per-iteration series, by name
    snapshots: list = field(default_factory=list)       # (weights, biases) at snapshot_epochs
    snapshot_epochs: list = field(default_factory=list)
    params: dict = field(default_factory=dict)          # hyper-parameters of the run

    @property
    def train_mse(self) -> torch.Tensor:
        """The training loss under its name in the ADMM lecture (it is a mean squared error)."""
        return self.loss

    def __getattr__(self, name):
        # only called when normal lookup fails: expose the named records as attributes
        records = self.__dict__.get("records", {})
        if name in records:
            return records[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or record {name!r} "
                             f"(records: {', '.join(records) or 'none'})")

    def __getitem__(self, key):
        return getattr(self, key)

    def output(self, X):
        """The trained network's output for inputs ``X`` ``(d_in, n)`` (columns are samples), from
        the final ``weights``/``biases`` through :func:`course_lib.core.mlp.forward` with
        ``params["activation"]`` (default ``"sigmoid"``); a batched history gives ``(batch, d_out, n)``."""
        X = as_tensor(X, "X", ndim=2, dtype=self.weights[0].dtype)
        batched = self.weights[0].ndim == 3
        Ws = [torch.cat([W, b.unsqueeze(-1)], -1) for W, b in zip(self.weights, self.biases)]
        if not batched:
            Ws = [W.unsqueeze(0) for W in Ws]
        out = forward([W.to(X.device) for W in Ws], X, ACTIVATIONS[self.params.get("activation", "sigmoid")])
        return out if batched else out[0]
