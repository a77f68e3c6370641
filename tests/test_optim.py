"""Tests for course_lib.core.optim: the hand-written Adam is torch.optim.Adam, bit for bit (to 1e-12)."""
import torch
from torch.optim import Adam as TorchAdam

from course_lib.core.optim import Adam

G = torch.Generator().manual_seed(0)
W0 = [torch.randn(4, 3, generator=G, dtype=torch.float64), torch.randn(5, generator=G, dtype=torch.float64)]


def _loss(ws):
    return ws[0].sin().sum() + (ws[1] ** 3).sum()


def test_adam_matches_torch_optim_with_and_without_weight_decay():
    for wd in (0.0, 0.1):
        ours = [w.clone().requires_grad_(True) for w in W0]
        ref = [w.clone().requires_grad_(True) for w in W0]
        opt_ours, opt_ref = Adam(ours, lr=0.05, weight_decay=wd), TorchAdam(ref, lr=0.05, weight_decay=wd)
        for _ in range(7):
            for ws, opt in ((ours, opt_ours), (ref, opt_ref)):
                opt.zero_grad()
                _loss(ws).backward()
                opt.step()
        for a, b in zip(ours, ref):
            assert torch.allclose(a, b, atol=1e-12)


def test_adam_step_lr_override_matches_a_torch_schedule():
    """``step(lr)`` (the cosine schedules of train_cnn and activation_maximization) equals
    changing torch's param-group lr before each step; weight decay stays on."""
    ours = [w.clone().requires_grad_(True) for w in W0]
    ref = [w.clone().requires_grad_(True) for w in W0]
    opt_ours, opt_ref = Adam(ours, lr=0.05, weight_decay=0.1), TorchAdam(ref, lr=0.05, weight_decay=0.1)
    for t, lr in enumerate([0.05, 0.04, 0.02, 0.005]):
        opt_ours.zero_grad()
        _loss(ours).backward()
        opt_ours.step(lr)
        opt_ref.zero_grad()
        _loss(ref).backward()
        opt_ref.param_groups[0]["lr"] = lr
        opt_ref.step()
        for a, b in zip(ours, ref):
            assert torch.allclose(a, b, atol=1e-12), f"step {t}"
