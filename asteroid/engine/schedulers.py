"""Step-wise learning-rate schedulers and the SinkPIT temperature schedule.

The schedulers here are stepped once per optimizer step: hand them to
:class:`~asteroid.engine.System` as ``{"scheduler": sched, "interval": "step"}``.
Their learning rate is a function of the step count ``step_num`` alone, so a
scheduler restored from its ``state_dict`` continues the same curve.

``SinkPITBetaScheduler`` is a Lightning callback; it lives in
:mod:`asteroid.engine.callbacks` and is importable from here too, without this
module importing Lightning.
"""

import copy
import math
from abc import ABC, abstractmethod

import torch

__all__ = [
    "BaseScheduler",
    "NoamScheduler",
    "DPTNetScheduler",
    "CosineScheduler",
    "SinkPITBetaScheduler",  # noqa: F822 (provided by __getattr__, without importing Lightning)
    "sinkpit_default_beta_schedule",
]


class BaseScheduler(ABC):
    """Base class of the step-wise schedulers: subclasses define ``_get_lr``.

    ``step()`` increments ``step_num`` and writes ``_get_lr()`` into every
    parameter group of the optimizer. ``_get_lr`` must depend on the attributes
    only through ``step_num`` and constants, which is what lets
    :meth:`as_tensor` simulate the curve and ``load_state_dict`` resume it.

    Args:
        optimizer (torch.optim.Optimizer): the optimizer whose learning rate is set.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.step_num = 0

    @abstractmethod
    def _get_lr(self):
        """The learning rate at step ``self.step_num`` (counted from 1)."""

    def _set_lr(self, lr):
        for param_group in self.optimizer.param_groups:
            param_group["lr"] = lr

    def zero_grad(self):
        """Zero the optimizer's gradients."""
        self.optimizer.zero_grad()

    def step(self, metrics=None, epoch=None):
        """Advance one step and set the new learning rate.

        Args:
            metrics: ignored (accepted for the interface of plateau schedulers).
            epoch: ignored.
        """
        self.step_num += 1
        self._set_lr(self._get_lr())

    def state_dict(self):
        """Every attribute but the optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The learning rate of each parameter group (list of floats)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def as_tensor(self, start=0, stop=100_000):
        """The learning rates the schedule gives at steps ``start + 1`` to ``stop``.

        Entry ``i`` is the learning rate set by the ``(start + i + 1)``-th call to
        :meth:`step`, so ``as_tensor(a, b)`` equals ``as_tensor(0, b)[a:]``. The
        scheduler's state is left as it was.

        Returns:
            torch.Tensor: ``stop - start`` learning rates.
        """
        if not 0 <= start <= stop:
            raise ValueError(f"Expected 0 <= start <= stop, got start={start}, stop={stop}.")
        saved = copy.deepcopy(self.state_dict())
        lrs = []
        for step_num in range(start + 1, stop + 1):
            self.step_num = step_num
            lrs.append(self._get_lr())
        self.load_state_dict(saved)
        return torch.tensor(lrs)

    def plot(self, start=0, stop=100_000):
        """Plot :meth:`as_tensor` with matplotlib and return the axes."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot(range(start + 1, stop + 1), self.as_tensor(start=start, stop=stop).numpy())
        ax.set_xlabel("step")
        ax.set_ylabel("learning rate")
        plt.show()
        return ax


def _noam(step_num, d_model, warmup_steps, scale):
    return scale * d_model ** (-0.5) * min(step_num ** (-0.5), step_num * warmup_steps ** (-1.5))


class NoamScheduler(BaseScheduler):
    r"""Linear warm-up then inverse-square-root decay (the Transformer's schedule).

    .. math::
        \mathrm{lr}(n) = s \, d^{-1/2} \min\left(n^{-1/2},\; n \, w^{-3/2}\right)

    for step :math:`n \geq 1`; the peak, :math:`s \, (d\,w)^{-1/2}`, is reached at
    :math:`n = w`.

    Args:
        optimizer (torch.optim.Optimizer): the optimizer whose learning rate is set.
        d_model (int): :math:`d`, the model's feature size.
        warmup_steps (int): :math:`w`, the number of warm-up steps.
        scale (float): :math:`s`, a constant factor.

    References:
        Vaswani et al., "Attention is all you need", NeurIPS 2017.
    """

    def __init__(self, optimizer, d_model, warmup_steps, scale=1.0):
        super().__init__(optimizer)
        self.d_model = d_model
        self.warmup_steps = warmup_steps
        self.scale = scale

    def _get_lr(self):
        return _noam(self.step_num, self.d_model, self.warmup_steps, self.scale)


class DPTNetScheduler(BaseScheduler):
    r"""Noam warm-up, then exponential decay every two epochs (DPTNet's schedule).

    With :math:`e = \lfloor n / N \rfloor` the epoch count at step :math:`n`:

    .. math::
        \mathrm{lr}(n) = \begin{cases}
            s \, d^{-1/2} \min\left(n^{-1/2},\; n \, w^{-3/2}\right) & n \leq w \\
            m \, b^{\lfloor (e - 1) / 2 \rfloor} & n > w
        \end{cases}

    Args:
        optimizer (torch.optim.Optimizer): the optimizer whose learning rate is set.
        steps_per_epoch (int): :math:`N`, optimizer steps per epoch.
        d_model (int): :math:`d`, the model's feature size.
        warmup_steps (int): :math:`w`, the number of warm-up steps.
        noam_scale (float): :math:`s`, the warm-up's scale.
        exp_max (float): :math:`m`, the learning rate when the decay starts.
        exp_base (float): :math:`b`, the decay factor per two epochs.

    References:
        Chen et al., "Dual-Path Transformer Network: Direct Context-Aware Modeling
        for End-to-End Monaural Speech Separation", Interspeech 2020.
    """

    def __init__(
        self,
        optimizer,
        steps_per_epoch,
        d_model,
        warmup_steps=4000,
        noam_scale=1.0,
        exp_max=0.0004,
        exp_base=0.98,
    ):
        super().__init__(optimizer)
        if steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be a positive integer, got {steps_per_epoch}.")
        self.steps_per_epoch = steps_per_epoch
        self.d_model = d_model
        self.warmup_steps = warmup_steps
        self.noam_scale = noam_scale
        self.exp_max = exp_max
        self.exp_base = exp_base
        self.epoch = 0

    def _get_lr(self):
        self.epoch = self.step_num // self.steps_per_epoch
        if self.step_num > self.warmup_steps:
            return self.exp_max * self.exp_base ** ((self.epoch - 1) // 2)
        return _noam(self.step_num, self.d_model, self.warmup_steps, self.noam_scale)


class CosineScheduler(BaseScheduler):
    r"""Linear warm-up, then a half cosine from the peak down to a final learning rate.

    .. math::
        \mathrm{lr}(n) = \begin{cases}
            p \, n / w & n \leq w \\
            f + \tfrac{1}{2} (p - f) \left(1 + \cos\left(\pi \,
                \min\left(1, \tfrac{n - w}{T - w}\right)\right)\right) & n > w
        \end{cases}

    A run of a fixed number of steps usually ends better with this schedule than
    with a constant learning rate: the last steps take small ones.

    Args:
        optimizer (torch.optim.Optimizer): the optimizer whose learning rate is set.
        peak_lr (float): :math:`p`, the learning rate at the end of the warm-up.
        total_steps (int): :math:`T`, the step at which :math:`f` is reached (and kept).
        warmup_steps (int): :math:`w`, steps of linear warm-up (0: none).
        final_lr (float): :math:`f`, the last learning rate.
    """

    def __init__(self, optimizer, peak_lr, total_steps, warmup_steps=0, final_lr=0.0):
        if not 0 <= warmup_steps < total_steps:
            raise ValueError(
                f"Expected 0 <= warmup_steps < total_steps, got {warmup_steps} and {total_steps}."
            )
        super().__init__(optimizer)
        self.peak_lr = float(peak_lr)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.final_lr = float(final_lr)

    def _get_lr(self):
        n, w = self.step_num, self.warmup_steps
        if n <= w:
            return self.peak_lr * n / w
        progress = min(1.0, (n - w) / (self.total_steps - w))
        return self.final_lr + 0.5 * (self.peak_lr - self.final_lr) * (
            1 + math.cos(math.pi * progress)
        )


def sinkpit_default_beta_schedule(epoch):
    r"""The default SinkPIT inverse temperature: :math:`\beta = \min(1.02^{epoch}, 10)`."""
    return min(1.02**epoch, 10)


def __getattr__(name):
    # The Lightning callback is imported on first use, so that this module stays light.
    if name == "SinkPITBetaScheduler":
        from .callbacks import SinkPITBetaScheduler

        return SinkPITBetaScheduler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Published alias.
_BaseScheduler = BaseScheduler
