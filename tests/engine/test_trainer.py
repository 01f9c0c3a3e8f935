"""make_trainer: devices from --id, checkpoints, early stopping, clipping, precision."""

import json

import pytest
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from pytorch_lightning.strategies import DDPStrategy, SingleDeviceStrategy
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from asteroid.engine import System
from asteroid.engine.callbacks import BestKModelsCheckpoint
from asteroid.engine.trainer import make_trainer, parse_device_ids, resolve_devices

QUIET = dict(enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)


@pytest.mark.parametrize(
    "ids, expected",
    [(None, []), ("", []), ("-1", []), (-1, []), (1, [1]), ("0", [0]), ("0,1", [0, 1]),
     (" 2, 3 ", [2, 3]), ([0, 3], [0, 3])],
)  # fmt: skip
def test_parse_device_ids(ids, expected):
    assert parse_device_ids(ids) == expected


@pytest.mark.parametrize("bad", ["a", "0;1", "1,-2", [0, -1]])
def test_parse_device_ids_errors(bad):
    with pytest.raises(ValueError):
        parse_device_ids(bad)


def test_resolve_devices_without_gpu():
    one = resolve_devices("", cuda_available=False)
    assert one == {"accelerator": "cpu", "devices": 1, "strategy": "auto"}
    two = resolve_devices("0,1", cuda_available=False)
    assert (two["accelerator"], two["devices"]) == ("cpu", 2)
    assert isinstance(two["strategy"], DDPStrategy)
    assert two["strategy"]._process_group_backend == "gloo"


def test_resolve_devices_with_gpus(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    single = resolve_devices("1", cuda_available=True)
    assert single == {"accelerator": "gpu", "devices": [1], "strategy": "auto"}
    two = resolve_devices("2,3", cuda_available=True)
    assert two["devices"] == [2, 3] and isinstance(two["strategy"], DDPStrategy)
    # run.sh exports CUDA_VISIBLE_DEVICES=$id: the same ids are then 0 and 1.
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert resolve_devices("2,3", cuda_available=True)["devices"] == [0, 1]


def test_make_trainer_reads_the_training_group(tmp_path):
    conf = {
        "training": {
            "epochs": 7,
            "early_stop": True,
            "patience": 3,
            "gradient_clipping": 2.5,
            "save_top_k": 4,
            "save_last_every_n_steps": 50,
        },
        "optim": {"lr": 1e-3},
    }
    trainer = make_trainer(conf, tmp_path, device_ids="", logger=False, **QUIET)
    assert trainer.max_epochs == 7 and trainer.gradient_clip_val == 2.5
    assert isinstance(trainer.strategy, SingleDeviceStrategy)
    best = trainer.checkpoint_callback
    assert isinstance(best, BestKModelsCheckpoint)
    assert (best.monitor, best.mode, best.save_top_k, best.save_last) == (
        "val_loss",
        "min",
        4,
        True,
    )
    assert best.dirpath == str(tmp_path / "checkpoints")
    every = [
        c for c in trainer.callbacks if type(c) is ModelCheckpoint and c._every_n_train_steps == 50
    ]
    assert len(every) == 1 and every[0].save_top_k == 0 and every[0].save_last
    stop = [c for c in trainer.callbacks if isinstance(c, EarlyStopping)]
    assert len(stop) == 1 and stop[0].patience == 3 and stop[0].monitor == "val_loss"
    # Defaults, and keyword overrides.
    plain = make_trainer({}, tmp_path, max_epochs=2, gradient_clip_val=None, logger=False)
    assert plain.max_epochs == 2 and plain.gradient_clip_val is None
    assert not any(isinstance(c, EarlyStopping) for c in plain.callbacks)
    assert make_trainer({"epochs": 3}, tmp_path, logger=False).max_epochs == 3
    assert make_trainer({}, tmp_path, logger=False).gradient_clip_val == 5.0


def _linear_system(lr, n=16, val=True, opt_name="sgd"):
    torch.manual_seed(0)
    model = nn.Linear(8, 8)
    opt = (optim.SGD if opt_name == "sgd" else optim.Adam)(model.parameters(), lr=lr)
    x = torch.randn(n, 8)
    data = TensorDataset(x, 3 * x)
    return System(
        model,
        opt,
        nn.MSELoss(),
        DataLoader(data, batch_size=4),
        DataLoader(data, batch_size=8) if val else None,
    )


def test_early_stopping_and_best_k_json(tmp_path):
    # lr=0: the validation loss never improves, so patience 1 stops after epoch 2.
    system = _linear_system(lr=0.0)
    conf = {"training": {"epochs": 10, "early_stop": True, "patience": 1, "save_top_k": 2}}
    trainer = make_trainer(conf, tmp_path, logger=False, **QUIET)
    trainer.fit(system)
    assert trainer.current_epoch == 2
    best_k = json.loads((tmp_path / "best_k_models.json").read_text())
    assert len(best_k) == 2
    for path, score in best_k.items():
        assert (tmp_path / "checkpoints").as_posix() in path
        assert score == pytest.approx(float(trainer.callback_metrics["val_loss"]))
        assert torch.load(path, weights_only=True)["global_step"] in (4, 8)
    assert (tmp_path / "checkpoints" / "last.ckpt").exists()


def test_gradient_clipping_from_config(tmp_path):
    # One SGD step (lr 1) with the gradient's norm clipped to 1e-3: the weights move by 1e-3.
    system = _linear_system(lr=1.0, val=False)
    before = torch.cat([p.detach().flatten().clone() for p in system.parameters()])
    conf = {"training": {"gradient_clipping": 1e-3}}
    trainer = make_trainer(
        conf, tmp_path, max_steps=1, logger=False, enable_checkpointing=False, **QUIET
    )
    trainer.fit(system)
    after = torch.cat([p.detach().flatten() for p in system.parameters()])
    assert float((after - before).norm()) == pytest.approx(1e-3, rel=1e-4)


@pytest.mark.parametrize("precision", ["bf16-mixed", "16-mixed"])
def test_mixed_precision_from_config(tmp_path, precision):
    # On CPU, Lightning runs "16-mixed" as "bf16-mixed" (CPU autocast has no fp16 AMP).
    out_dtypes = []
    system = _linear_system(lr=1e-2, val=False, opt_name="adam")
    system.model.register_forward_hook(lambda m, i, o: out_dtypes.append(o.dtype))
    conf = {"training": {"precision": precision}}
    trainer = make_trainer(
        conf, tmp_path, max_steps=3, logger=False, enable_checkpointing=False, **QUIET
    )
    assert trainer.precision == "bf16-mixed"
    trainer.fit(system)
    assert out_dtypes == [torch.bfloat16] * 3  # the model ran under autocast
    assert all(p.dtype == torch.float32 for p in system.parameters())  # fp32 master weights
    assert torch.isfinite(trainer.callback_metrics["loss"])
