"""Mutants of lecture 09: plausible mistakes in the kernels its claims rest on."""
from __future__ import annotations

from tests.mutants import Mutant

LECTURE = "09_admm"


def _multiplier_sign(multiplier_step):
    """Λ − βr: the dual step taken with the residual's sign flipped (r read as V − σ(WV) in one place only)."""
    return lambda Lam, r, beta: multiplier_step(Lam, -r, beta)


def _last_W_half_beta(solve_last_W):
    """W_l from (λI + (β/2)ṼṼᵀ): the ½ of (β/2)‖r‖² kept after differentiating (a constant off by 2)."""
    return lambda A, C, beta_b, lam: solve_last_W(A, C, beta_b / 2, lam)


def _seed_baseline(backprop_grid):
    """The seed lecture's baseline: plain gradient descent over {0.1, 0.3, 1}, no Adam."""
    def mutant(X, Y, sizes, W0, gd_lrs=None, adam_lrs=None, *args, **kwargs):
        return backprop_grid(X, Y, sizes, W0, (0.1, 0.3, 1.0), (), *args, **kwargs)
    return mutant


def _without_best_lr(backprop_grid):
    """The Adam grid without its best value (0.1 at the normal start): a baseline tuned around its optimum."""
    def mutant(X, Y, sizes, W0, gd_lrs=(0.03, 0.1, 0.3, 1.0), adam_lrs=(0.003, 0.01, 0.03, 0.1, 0.3), *args,
               **kwargs):
        return backprop_grid(X, Y, sizes, W0, gd_lrs, tuple(lr for lr in adam_lrs if lr != 0.1), *args, **kwargs)
    return mutant


def _allreduce_mean(DistComm):
    """Data-parallel sums averaged over the workers (ReduceOp.AVG, as for data-parallel SGD gradients)."""
    import torch.distributed as dist

    class MeanComm(DistComm):
        def sum(self, *ts):
            out = super().sum(*ts)
            w = dist.get_world_size()
            return tuple(t / w for t in out) if len(ts) > 1 else out / w

        def sum_max(self, s, m):
            total, mx = super().sum_max(s, m)
            return total / dist.get_world_size(), mx

    return MeanComm


def _delta_without_sigma_prime(error_signals):
    """Backprop's δ_i = W_{i+1}ᵀ δ_{i+1} without the ⊙ σ′(Z_i) (the derivative of the activation forgotten)."""
    def mutant(Ws, Hs, Zs, top, act):
        deltas = [None] * len(Ws)
        deltas[-1] = top
        for i in range(len(Ws) - 1, 0, -1):
            deltas[i - 1] = Ws[i][:, :, :-1].transpose(1, 2) @ deltas[i]
        return deltas
    return mutant


MUTANTS = [
    Mutant("admm_multiplier_sign", "course_lib.admm.kernels:multiplier_step", _multiplier_sign,
           "multiplier update Λ − βr instead of Λ + βr (wrong sign)"),
    Mutant("admm_last_W_half_beta", "course_lib.admm.kernels:solve_last_W", _last_W_half_beta,
           "last-layer ridge solve with β/2 in the normal matrix (a constant off by 2)"),
    Mutant("bp_seed_gd_grid", "course_lib.admm.experiments:backprop_grid", _seed_baseline,
           "crippled baseline: the seed's GD-only grid {0.1, 0.3, 1}, no Adam"),
    Mutant("bp_grid_without_best", "course_lib.admm.experiments:backprop_grid", _without_best_lr,
           "crippled baseline: the Adam lr grid without its best value"),
    Mutant("allreduce_average", "course_lib.admm.parallel:DistComm", _allreduce_mean,
           "data-parallel all-reduce averages instead of summing"),
    Mutant("backprop_no_sigma_prime", "course_lib.core.mlp:error_signals", _delta_without_sigma_prime,
           "backprop's δ without the σ′ factor"),
]
