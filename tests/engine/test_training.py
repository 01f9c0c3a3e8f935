"""A tiny Conv-TasNet learns to separate a generated LibriMix corpus through System and Trainer."""

import json

import pytest
import pytorch_lightning as pl
import torch

from asteroid.data import LibriMix
from asteroid.data.synthetic.librimix import make_librimix_corpus
from asteroid.engine import System, make_optimizer
from asteroid.engine.loaders import ResumableDataLoader
from asteroid.engine.trainer import make_trainer
from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
from asteroid.models import ConvTasNet

STEPS = 240  # 60 epochs of 4 steps


@pytest.fixture(scope="module")
def librimix(tmp_path_factory):
    """16 training and 4 validation mixtures of synthesized speech (disjoint speakers), 8 kHz."""
    root = tmp_path_factory.mktemp("librimix")
    out = make_librimix_corpus(
        root, n_train=16, n_valid=4, n_test=0, min_duration=None, local_dir=root / "local", seed=0
    )
    return out["local"]


def test_tiny_convtasnet_learns_on_generated_librimix(librimix, tmp_path):
    pl.seed_everything(0, verbose=False)
    train_set = LibriMix(librimix["train-360"], "sep_clean", sample_rate=8000, n_src=2, segment=0.5)
    val_set = LibriMix(librimix["dev"], "sep_clean", sample_rate=8000, n_src=2, segment=None)
    model = ConvTasNet(
        n_src=2, n_blocks=2, n_repeats=2, bn_chan=16, hid_chan=32, skip_chan=16,
        n_filters=32, kernel_size=16, stride=8, sample_rate=8000,
    )  # fmt: skip
    conf = {
        "training": {"epochs": 1000, "save_top_k": 3, "early_stop": True, "patience": 30},
        "optim": {"optimizer": "adam", "lr": 3e-3},
    }
    system = System(
        model,
        make_optimizer(model.parameters(), **conf["optim"]),
        PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx"),
        ResumableDataLoader(train_set, batch_size=4, shuffle=True, drop_last=True),
        ResumableDataLoader(val_set, batch_size=1),
        config=conf,
    )
    trainer = make_trainer(
        conf,
        tmp_path,
        max_steps=STEPS,
        check_val_every_n_epoch=20,
        log_every_n_steps=10,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    # Negative SI-SDR (dB) on whole validation utterances, before and after.
    before = trainer.validate(system, verbose=False)[0]["val_loss"]
    trainer.fit(system)
    after = float(trainer.callback_metrics["val_loss"])
    assert trainer.global_step == STEPS
    assert after < before - 10.0, (before, after)  # at least 10 dB better

    # Checkpoints: the best k by val_loss, last.ckpt, their list, the logs.
    ckpt_dir = tmp_path / "checkpoints"
    assert (ckpt_dir / "last.ckpt").exists()
    best_k = json.loads((tmp_path / "best_k_models.json").read_text())
    assert len(best_k) == 3 and all(p.startswith(str(ckpt_dir)) for p in best_k)
    best_path = min(best_k, key=best_k.get)
    assert best_path == trainer.checkpoint_callback.best_model_path
    ckpt = torch.load(best_path, weights_only=True)
    assert ckpt["training_config"] == conf
    header = (tmp_path / "lightning_logs" / "version_0" / "metrics.csv").read_text().split("\n")[0]
    assert {"loss_step", "loss_epoch", "val_loss", "hp_metric"} <= set(header.split(","))

    # The best checkpoint's weights rebuild a model that scores its recorded val_loss.
    rebuilt = ConvTasNet(**model.get_model_args())
    rebuilt.load_state_dict({k[len("model.") :]: v for k, v in ckpt["state_dict"].items()})
    system.model = rebuilt
    rescored = trainer.validate(system, verbose=False)[0]["val_loss"]
    assert rescored == pytest.approx(best_k[best_path], abs=1e-4)
