"""Lightning callbacks: the SinkPIT temperature schedule and best-k checkpointing."""

import json
import os

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint

from .schedulers import sinkpit_default_beta_schedule

__all__ = ["SinkPITBetaScheduler", "BestKModelsCheckpoint"]


class SinkPITBetaScheduler(pl.Callback):
    r"""Set the inverse temperature of a ``SinkPITLossWrapper`` at every training epoch.

    At the start of epoch :math:`e`, ``pl_module.loss_func.beta`` becomes
    ``cooling_schedule(e)``; the default is :func:`sinkpit_default_beta_schedule`,
    :math:`\beta = \min(1.02^e, 10)`.

    Args:
        cooling_schedule (callable): epoch (int) -> :math:`\beta` (float > 0).

    Examples:
        >>> from pytorch_lightning import Trainer
        >>> trainer = Trainer(callbacks=[SinkPITBetaScheduler(lambda ep: 1.0 if ep < 10 else 100.0)])
    """

    def __init__(self, cooling_schedule=sinkpit_default_beta_schedule):
        self.cooling_schedule = cooling_schedule

    def on_train_epoch_start(self, trainer, pl_module):
        from ..losses import SinkPITLossWrapper

        loss_func = getattr(pl_module, "loss_func", None)
        if not isinstance(loss_func, SinkPITLossWrapper):
            raise TypeError(
                "SinkPITBetaScheduler needs pl_module.loss_func to be a SinkPITLossWrapper, "
                f"found {type(loss_func).__name__}."
            )
        loss_func.beta = self.cooling_schedule(trainer.current_epoch)


class BestKModelsCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint`` that also writes its best checkpoints and scores to a JSON file.

    After every save, ``best_k_path`` holds ``{checkpoint path: monitored
    value}`` for the ``save_top_k`` best checkpoints (written by the global-zero
    process only), so that a killed run still leaves it behind.

    Args:
        best_k_path (str): where to write the JSON file.
        **kwargs: arguments of ``ModelCheckpoint`` (``dirpath``, ``monitor``,
            ``mode``, ``save_top_k``, ``save_last``, ...).
    """

    def __init__(self, best_k_path, **kwargs):
        super().__init__(**kwargs)
        self.best_k_path = os.fspath(best_k_path)

    def on_validation_end(self, trainer, pl_module):
        super().on_validation_end(trainer, pl_module)
        self._write_best_k(trainer)

    def on_train_epoch_end(self, trainer, pl_module):
        super().on_train_epoch_end(trainer, pl_module)
        self._write_best_k(trainer)

    def _write_best_k(self, trainer):
        if not trainer.is_global_zero or not self.best_k_models:
            return
        best_k = {path: float(score) for path, score in self.best_k_models.items()}
        with open(self.best_k_path, "w") as fh:
            json.dump(best_k, fh, indent=0)
