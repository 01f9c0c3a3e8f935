"""System: steps, logging, scheduler configurations, checkpoints, on Lightning 2."""

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import CSVLogger
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from asteroid.engine import System
from asteroid.engine.schedulers import DPTNetScheduler, NoamScheduler


def _data(n=16, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=gen)
    return TensorDataset(x, 2 * x + 1)


def _system(scheduler=None, val=True, config=None, lr=1e-2):
    torch.manual_seed(0)
    model = nn.Linear(10, 10)
    opt = optim.Adam(model.parameters(), lr=lr)
    if callable(scheduler):
        scheduler = scheduler(opt)
    loader = DataLoader(_data(), batch_size=4)
    return System(
        model,
        opt,
        nn.MSELoss(),
        train_loader=loader,
        val_loader=DataLoader(_data(8, seed=1), batch_size=4) if val else None,
        scheduler=scheduler,
        config=config,
    )


def test_common_step_is_the_loss_of_the_model():
    system = _system()
    x, y = next(iter(system.train_loader))
    expected = nn.functional.mse_loss(system.model(x), y)
    torch.testing.assert_close(system.common_step((x, y), 0), expected)
    torch.testing.assert_close(system(x), system.model(x))


def test_fit_decreases_loss_logs_step_and_epoch(tmp_path, trainer_kwargs):
    system = _system()
    trainer = pl.Trainer(
        max_epochs=5, logger=CSVLogger(tmp_path), log_every_n_steps=1, **trainer_kwargs
    )
    val_before = trainer.validate(system, verbose=False)[0]["val_loss"]
    trainer.fit(system)
    metrics = trainer.callback_metrics
    assert {"loss", "loss_step", "loss_epoch", "val_loss"} <= set(metrics)
    assert float(metrics["val_loss"]) < 0.8 * val_before
    lines = (tmp_path / "lightning_logs" / "version_0" / "metrics.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert {"loss_step", "loss_epoch", "val_loss", "hp_metric"} <= set(header)
    col = header.index("loss_step")
    step_rows = [row for row in lines[1:] if row.split(",")[col]]
    assert len(step_rows) == 5 * 4  # one row per training step


def test_runs_without_logger_and_without_validation(trainer_kwargs):
    # Published 0.7.0 crashed here (hp_metric on a missing logger).
    system = _system(val=False)
    trainer = pl.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, **trainer_kwargs)
    trainer.fit(system)
    assert "val_loss" not in trainer.callback_metrics
    assert trainer.global_step == 8


def test_loaders_given_to_fit(trainer_kwargs):
    system = _system()
    system.train_loader = system.val_loader = None
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, **trainer_kwargs)
    trainer.fit(
        system,
        train_dataloaders=DataLoader(_data(), batch_size=4),
        val_dataloaders=DataLoader(_data(8, seed=1), batch_size=2),
    )
    assert trainer.global_step == 4 and "val_loss" in trainer.callback_metrics


def test_configure_optimizers_normalisation():
    system = _system()
    assert system.configure_optimizers() is system.optimizer
    opt = system.optimizer
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt)
    step_lr = optim.lr_scheduler.StepLR(opt, 1)
    noam = NoamScheduler(opt, 8, 10)
    given = {"scheduler": noam, "interval": "batch"}
    system.scheduler = [plateau, step_lr, given, {"scheduler": step_lr}]
    optimizers, configs = system.configure_optimizers()
    assert optimizers == [opt]
    assert configs[0] == {"scheduler": plateau, "monitor": "val_loss"}
    assert configs[1] is step_lr
    assert configs[2] == {
        "scheduler": noam,
        "interval": "step",
        "monitor": "val_loss",
        "frequency": 1,
    }
    assert given["interval"] == "batch"  # the caller's dict is not modified
    # No 'interval' key: epoch by default (published 0.7.0 raised KeyError).
    assert configs[3]["interval"] == "epoch"
    system.scheduler = {"scheduler": noam, "interval": "minute"}
    with pytest.raises(ValueError, match="interval"):
        system.configure_optimizers()
    system.scheduler = {"interval": "step"}
    with pytest.raises(ValueError, match="'scheduler' key"):
        system.configure_optimizers()


@pytest.mark.parametrize("interval", ["step", "batch"])
def test_asteroid_schedulers_step_per_batch(interval, trainer_kwargs):
    system = _system(
        scheduler=lambda o: {
            "scheduler": DPTNetScheduler(o, steps_per_epoch=4, d_model=10, warmup_steps=3),
            "interval": interval,
        }
    )
    trainer = pl.Trainer(max_epochs=3, logger=False, enable_checkpointing=False, **trainer_kwargs)
    trainer.fit(system)
    sched = trainer.lr_scheduler_configs[0].scheduler
    assert sched.step_num == 12
    expected = sched.as_tensor(11, 12).item()
    assert system.optimizer.param_groups[0]["lr"] == pytest.approx(expected)


def test_reduce_on_plateau_gets_val_loss(trainer_kwargs):
    # mode="max" on a decreasing validation loss: every epoch after the first is
    # "bad", so with patience 0 the rate halves at the end of epochs 2, 3 and 4.
    system = _system(
        scheduler=lambda o: optim.lr_scheduler.ReduceLROnPlateau(
            o, mode="max", factor=0.5, patience=0
        ),
    )
    trainer = pl.Trainer(max_epochs=4, logger=False, enable_checkpointing=False, **trainer_kwargs)
    trainer.fit(system)
    assert trainer.lr_scheduler_configs[0].monitor == "val_loss"
    assert system.optimizer.param_groups[0]["lr"] == pytest.approx(1e-2 * 0.5**3)


def test_checkpoint_holds_training_config_and_loads_weights_only(tmp_path, trainer_kwargs):
    config = {"optim": {"lr": 1e-2, "betas": [0.9, 0.99]}, "data": {"task": None, "ids": ["a"]}}
    system = _system(config=config)
    trainer = pl.Trainer(max_epochs=1, logger=False, default_root_dir=tmp_path, **trainer_kwargs)
    trainer.fit(system)
    path = tmp_path / "manual.ckpt"
    trainer.save_checkpoint(path)
    ckpt = torch.load(path, weights_only=True)
    assert ckpt["training_config"] == config
    hparams = ckpt["hyper_parameters"]
    assert hparams["optim_lr"] == 1e-2 and hparams["data_task"] == "None"
    torch.testing.assert_close(hparams["optim_betas"], torch.tensor([0.9, 0.99]))
    assert hparams["data_ids"] == "['a']"
    fresh = _system()
    fresh.load_state_dict(ckpt["state_dict"])
    for a, b in zip(fresh.parameters(), system.parameters()):
        torch.testing.assert_close(a, b)


def test_config_to_hparams():
    flat = System.config_to_hparams({"a": {"b": 1, "c": None}, "d": (1, 2.5), "e": [True, "x"]})
    assert flat["a_b"] == 1 and flat["a_c"] == "None"
    torch.testing.assert_close(flat["d"], torch.tensor([1.0, 2.5]))
    assert flat["e"] == "[True, 'x']"


def test_sinkpit_beta_scheduler(trainer_kwargs):
    from asteroid.engine.schedulers import SinkPITBetaScheduler
    from asteroid.losses import SinkPITLossWrapper, pairwise_mse

    betas = []

    class Record(pl.Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            betas.append(pl_module.loss_func.beta)

    torch.manual_seed(0)
    model = nn.Conv1d(1, 2, 3, padding=1)
    src = torch.randn(8, 2, 32)
    loader = DataLoader(TensorDataset(src.sum(1, keepdim=True), src), batch_size=4)
    loss = SinkPITLossWrapper(pairwise_mse)
    opt = optim.SGD(model.parameters(), lr=1e-3)
    system = System(model, opt, loss, loader)
    callbacks = [SinkPITBetaScheduler(lambda epoch: 2.0 + epoch), Record()]
    trainer = pl.Trainer(
        max_epochs=3,
        logger=False,
        enable_checkpointing=False,
        callbacks=callbacks,
        **trainer_kwargs,
    )
    trainer.fit(system)
    assert betas == [2.0, 3.0, 4.0]
    system.loss_func = nn.MSELoss()
    trainer = pl.Trainer(
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        callbacks=callbacks[:1],
        **trainer_kwargs,
    )
    with pytest.raises(TypeError, match="SinkPITLossWrapper"):
        trainer.fit(system)
