"""``System``: a model, its loss, optimizer, schedulers and data, as a LightningModule."""

from collections.abc import Mapping, Sequence
from numbers import Number

import pytorch_lightning as pl
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ..utils import flatten_dict

__all__ = ["System"]


class System(pl.LightningModule):
    """A training system: what Lightning's ``Trainer`` needs to train a separation model.

    ``training_step`` and ``validation_step`` share :meth:`common_step`, which
    unpacks ``(inputs, targets)``, runs the model and applies the loss. Subclass
    and override :meth:`common_step` for another batch layout or loss call;
    override ``training_step``/``validation_step`` when the two differ in more
    than that. Lightning hooks are not forwarded to ``model``: override them in a
    subclass.

    Args:
        model (torch.nn.Module): the model.
        optimizer (torch.optim.Optimizer): its optimizer.
        loss_func (callable): ``loss_func(est_targets, targets)`` returning a
            scalar tensor.
        train_loader (torch.utils.data.DataLoader): training data, returned by
            ``train_dataloader()``. May be ``None`` when the loaders are given to
            ``Trainer.fit`` instead.
        val_loader (torch.utils.data.DataLoader): validation data, or ``None``.
        scheduler: a learning-rate scheduler, a list of them, or Lightning
            scheduler dicts ``{"scheduler": s, "interval": "step"}``
            (``"interval"`` is ``"epoch"`` by default; ``"batch"`` means
            ``"step"``). Asteroid's step-wise schedulers
            (:mod:`asteroid.engine.schedulers`) are accepted as well as the ones
            of ``torch.optim.lr_scheduler``.
        config (dict): the training configuration, stored in every checkpoint
            under ``"training_config"`` and, flattened, as the hyper-parameters.

    Attributes:
        default_monitor (str): the metric that ``ReduceLROnPlateau`` schedulers
            (and the recipes' checkpointing and early stopping) watch.
    """

    default_monitor: str = "val_loss"

    def __init__(
        self,
        model,
        optimizer,
        loss_func,
        train_loader,
        val_loader=None,
        scheduler=None,
        config=None,
    ):
        super().__init__()
        self.model = model
        self.optimizer = optimizer
        self.loss_func = loss_func
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.scheduler = scheduler
        self.config = {} if config is None else config
        self.save_hyperparameters(self.config_to_hparams(self.config))

    def forward(self, *args, **kwargs):
        """The model's forward pass."""
        return self.model(*args, **kwargs)

    def common_step(self, batch, batch_nb, train=True):
        """Loss of one batch; shared by the training and validation steps.

        Args:
            batch: what the loader yields; here ``(inputs, targets)``.
            batch_nb (int): index of the batch in the epoch.
            train (bool): whether this is a training step (for subclasses whose
                two steps differ).

        Returns:
            torch.Tensor: the scalar loss.
        """
        inputs, targets = batch
        est_targets = self(inputs)
        return self.loss_func(est_targets, targets)

    def training_step(self, batch, batch_nb):
        """Loss of a training batch, logged as ``loss`` per step and per epoch.

        Lightning runs the backward pass and the optimizer step on the result.
        """
        loss = self.common_step(batch, batch_nb, train=True)
        self.log(
            "loss",
            loss,
            on_step=True,
            on_epoch=True,
            prog_bar=True,
            sync_dist=True,
            batch_size=_batch_size(batch),
        )
        return loss

    def validation_step(self, batch, batch_nb):
        """Loss of a validation batch, averaged over the epoch as ``val_loss``."""
        loss = self.common_step(batch, batch_nb, train=False)
        self.log(
            "val_loss",
            loss,
            on_epoch=True,
            prog_bar=True,
            sync_dist=True,
            batch_size=_batch_size(batch),
        )
        return loss

    def on_validation_epoch_end(self):
        """Send ``val_loss`` to the loggers as ``hp_metric`` (for hyper-parameter views)."""
        if self.trainer.sanity_checking:
            return
        val_loss = self.trainer.callback_metrics.get(self.default_monitor)
        if val_loss is None:
            return
        for logger in self.loggers:
            logger.log_metrics({"hp_metric": float(val_loss)}, step=self.trainer.global_step)

    def configure_optimizers(self):
        """The optimizer, and the schedulers as Lightning scheduler configurations.

        A bare ``ReduceLROnPlateau`` monitors ``val_loss`` every epoch; other bare
        schedulers step every epoch; dicts get ``monitor="val_loss"``,
        ``frequency=1`` and ``interval="epoch"`` unless they say otherwise.
        """
        if self.scheduler is None:
            return self.optimizer
        schedulers = self.scheduler
        if not isinstance(schedulers, (list, tuple)):
            schedulers = [schedulers]
        configs = [self._scheduler_config(sched) for sched in schedulers]
        optimizers = (
            self.optimizer if isinstance(self.optimizer, (list, tuple)) else [self.optimizer]
        )
        return list(optimizers), configs

    def _scheduler_config(self, sched):
        if not isinstance(sched, Mapping):
            if isinstance(sched, ReduceLROnPlateau):
                return {"scheduler": sched, "monitor": self.default_monitor}
            return sched
        if "scheduler" not in sched:
            raise ValueError(
                f"A scheduler dict needs a 'scheduler' key, found keys {sorted(sched)}."
            )
        config = dict(sched)
        config.setdefault("monitor", self.default_monitor)
        config.setdefault("frequency", 1)
        interval = config.setdefault("interval", "epoch")
        if interval == "batch":  # the name older Asteroid recipes use
            config["interval"] = "step"
        if config["interval"] not in ("epoch", "step"):
            raise ValueError(
                f"Scheduler interval should be 'epoch' or 'step' (or 'batch'), found {interval!r}."
            )
        return config

    def lr_scheduler_step(self, scheduler, metric):
        """Step any scheduler, torch's or Asteroid's (plateau ones receive the metric)."""
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)

    def train_dataloader(self):
        """The training loader given at construction."""
        return self.train_loader

    def val_dataloader(self):
        """The validation loader given at construction (an empty list if none)."""
        return [] if self.val_loader is None else self.val_loader

    def on_save_checkpoint(self, checkpoint):
        """Store the training configuration in the checkpoint as ``"training_config"``."""
        checkpoint["training_config"] = self.config
        return checkpoint

    @staticmethod
    def config_to_hparams(dic):
        """Flatten a configuration into values that loggers accept as hyper-parameters.

        Nested keys are joined with ``_``; ``None`` becomes ``"None"``; lists and
        tuples of numbers become tensors, other lists and tuples their string.

        Args:
            dic (dict): the (nested) configuration.

        Returns:
            dict: the flat configuration.
        """
        flat = flatten_dict(dic)
        for key, value in flat.items():
            if value is None:
                flat[key] = str(value)
            elif isinstance(value, (list, tuple)):
                numeric = all(isinstance(v, Number) and not isinstance(v, bool) for v in value)
                flat[key] = torch.tensor(value) if numeric else str(value)
        return flat


def _batch_size(batch):
    """Length of the first tensor of a batch (a tensor, a sequence or a mapping), else None."""
    if isinstance(batch, torch.Tensor):
        return batch.shape[0] if batch.ndim > 0 else None
    if isinstance(batch, Mapping):
        batch = list(batch.values())
    if isinstance(batch, Sequence) and not isinstance(batch, str):
        for item in batch:
            size = _batch_size(item)
            if size is not None:
                return size
    return None
