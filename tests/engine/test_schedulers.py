"""Step-wise schedulers against their formulas, their state and their use in Lightning."""

import math

import pytest
import torch
from torch import nn, optim

from asteroid.engine.schedulers import (
    BaseScheduler,
    CosineScheduler,
    DPTNetScheduler,
    NoamScheduler,
    _BaseScheduler,
    sinkpit_default_beta_schedule,
)


def _opt(lr=1.0):
    return optim.SGD(nn.Linear(2, 2).parameters(), lr=lr)


def noam_formula(n, d_model, warmup, scale):
    return scale * d_model**-0.5 * min(n**-0.5, n * warmup**-1.5)


def dptnet_formula(n, steps_per_epoch, d_model, warmup, noam_scale, exp_max, exp_base):
    if n > warmup:
        epoch = n // steps_per_epoch
        return exp_max * exp_base ** ((epoch - 1) // 2)
    return noam_formula(n, d_model, warmup, noam_scale)


@pytest.mark.parametrize("d_model, warmup, scale", [(64, 4000, 1.0), (10, 7, 2.5)])
def test_noam_against_formula(d_model, warmup, scale):
    opt = _opt()
    sched = NoamScheduler(opt, d_model=d_model, warmup_steps=warmup, scale=scale)
    for n in range(1, 3 * warmup + 2):
        sched.step()
        expected = noam_formula(n, d_model, warmup, scale)
        assert opt.param_groups[0]["lr"] == pytest.approx(expected, rel=1e-12)
    # The peak is at the end of the warm-up.
    curve = sched.as_tensor(0, 3 * warmup)
    assert int(curve.argmax()) == warmup - 1
    assert float(curve.max()) == pytest.approx(scale / math.sqrt(d_model * warmup), rel=1e-6)


def test_dptnet_against_formula():
    opt = _opt()
    args = dict(steps_per_epoch=5, d_model=64, warmup_steps=12, noam_scale=1.5)
    sched = DPTNetScheduler(opt, exp_max=4e-4, exp_base=0.9, **args)
    lrs = []
    for n in range(1, 61):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        expected = dptnet_formula(n, 5, 64, 12, 1.5, 4e-4, 0.9)
        assert lrs[-1] == pytest.approx(expected, rel=1e-12), n
        assert sched.epoch == n // 5
    # Hand-computed: step 12 is the warm-up's peak, then exp_max * 0.9^((n // 5 - 1) // 2).
    assert lrs[11] == pytest.approx(1.5 / math.sqrt(64 * 12))
    assert lrs[12] == pytest.approx(4e-4)  # n=13, epoch 2
    assert lrs[14] == pytest.approx(4e-4 * 0.9)  # n=15, epoch 3
    assert lrs[24] == pytest.approx(4e-4 * 0.81)  # n=25, epoch 5
    assert lrs[34] == pytest.approx(4e-4 * 0.729)  # n=35, epoch 7


def test_dptnet_defaults():
    sched = DPTNetScheduler(_opt(), steps_per_epoch=100, d_model=64)
    assert (sched.warmup_steps, sched.noam_scale, sched.exp_max, sched.exp_base) == (
        4000,
        1.0,
        0.0004,
        0.98,
    )
    with pytest.raises(ValueError, match="steps_per_epoch"):
        DPTNetScheduler(_opt(), steps_per_epoch=0, d_model=64)


def test_as_tensor_honours_start_and_keeps_state():
    opt = _opt()
    sched = DPTNetScheduler(opt, steps_per_epoch=4, d_model=16, warmup_steps=6)
    for _ in range(9):
        sched.step()
    state = dict(sched.state_dict())
    lr = opt.param_groups[0]["lr"]
    full = sched.as_tensor(0, 50)
    part = sched.as_tensor(10, 50)
    assert full.shape == (50,) and part.shape == (40,)
    torch.testing.assert_close(part, full[10:])
    expected = [dptnet_formula(n, 4, 16, 6, 1.0, 4e-4, 0.98) for n in range(1, 51)]
    torch.testing.assert_close(full, torch.tensor(expected))
    # Simulating did not move the scheduler nor the optimizer.
    assert sched.state_dict() == state
    assert opt.param_groups[0]["lr"] == lr
    with pytest.raises(ValueError):
        sched.as_tensor(5, 2)


def test_state_dict_round_trip_continues_the_curve():
    a = NoamScheduler(_opt(), d_model=10, warmup_steps=5)
    for _ in range(7):
        a.step()
    state = a.state_dict()
    assert "optimizer" not in state and state["step_num"] == 7
    opt_b = _opt()
    b = NoamScheduler(opt_b, d_model=10, warmup_steps=5)
    b.load_state_dict(state)
    assert b.state_dict() == state
    a.step()
    b.step()
    assert opt_b.param_groups[0]["lr"] == a.optimizer.param_groups[0]["lr"]


def test_base_scheduler_is_abstract_and_subclassable():
    with pytest.raises(TypeError):
        BaseScheduler(_opt())
    assert _BaseScheduler is BaseScheduler

    class Halving(BaseScheduler):
        def _get_lr(self):
            return 0.5**self.step_num

    opt = _opt()
    sched = Halving(opt)
    sched.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.25 and sched.get_last_lr() == [0.25]
    torch.testing.assert_close(sched.as_tensor(0, 3), torch.tensor([0.5, 0.25, 0.125]))


def test_zero_grad():
    opt = _opt()
    sched = NoamScheduler(opt, 4, 4)
    p = opt.param_groups[0]["params"][0]
    p.grad = torch.ones_like(p)
    sched.zero_grad()
    assert p.grad is None or not p.grad.any()


def test_plot_returns_axes():
    import matplotlib

    matplotlib.use("Agg")
    ax = NoamScheduler(_opt(), 8, 10).plot(0, 40)
    line = ax.get_lines()[0]
    assert len(line.get_ydata()) == 40


def test_sinkpit_default_beta_schedule():
    assert sinkpit_default_beta_schedule(0) == 1.0
    assert sinkpit_default_beta_schedule(10) == pytest.approx(1.02**10)
    assert sinkpit_default_beta_schedule(500) == 10


@pytest.mark.parametrize("warmup", [0, 10])
def test_cosine_against_formula(warmup):
    opt = optim.Adam(nn.Linear(2, 2).parameters(), lr=1.0)
    sched = CosineScheduler(opt, peak_lr=3e-3, total_steps=100, warmup_steps=warmup, final_lr=1e-5)
    lrs = sched.as_tensor(0, 120)
    for n in range(1, 121):
        if n <= warmup:
            expected = 3e-3 * n / warmup
        else:
            t = min(1.0, (n - warmup) / (100 - warmup))
            expected = 1e-5 + 0.5 * (3e-3 - 1e-5) * (1 + math.cos(math.pi * t))
        assert lrs[n - 1].item() == pytest.approx(expected, rel=1e-6)
    assert lrs[99].item() == pytest.approx(1e-5) and lrs[-1].item() == pytest.approx(1e-5)
    assert (lrs[warmup:].diff() <= 1e-12).all()  # never rises after the warm-up
    for _ in range(5):
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(lrs[4].item(), rel=1e-6)
    with pytest.raises(ValueError, match="warmup_steps < total_steps"):
        CosineScheduler(opt, 1e-3, total_steps=10, warmup_steps=10)
