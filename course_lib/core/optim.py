"""Optimisers shared by the topics.

:class:`Adam` is hand-written on purpose: ``torch.optim``'s first step imports
``torch._dynamo`` (about 3 s on the 2-core course machine, measured), which alone would
break a lecture's 20 s budget.  It is the same update (Kingma & Ba 2015, Algorithm 1, with
optional L2 weight decay added to the gradient, as ``torch.optim.Adam`` does) in a handful
of multi-tensor ops, and ``tests/test_optim.py`` checks it against ``torch.optim.Adam`` (to 1e-12).
"""
from __future__ import annotations

import torch

from course_lib.core.validate import check_positive

__all__ = ["Adam"]


class Adam:
    """Adam over a list of leaf tensors with ``.grad`` set (``step``, ``zero_grad``)."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr = check_positive(lr, "lr")
        self.betas, self.eps = betas, check_positive(eps, "eps")
        self.wd = check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self, lr: float | None = None) -> None:
        lr = self.lr if lr is None else lr
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        g = [p.grad for p in self.params]
        if self.wd != 0:
            g = torch._foreach_add(g, self.params, alpha=self.wd)
        torch._foreach_mul_(self.m, b1)
        torch._foreach_add_(self.m, g, alpha=1 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, g, g, value=1 - b2)
        denom = torch._foreach_div(self.v, c2)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-lr / c1)

    def zero_grad(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()
