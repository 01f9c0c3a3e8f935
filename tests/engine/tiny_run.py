"""A tiny but complete training run, as a script: the subject of the resume and DDP tests.

``python tests/engine/tiny_run.py --exp_dir D [--pause_at_step N] [--resume]
[--ids 0,1] [--max_steps N]`` trains a small convolutional separator on random
crops of fixed random signals with ``System`` and a trainer from
``make_trainer``, then writes ``D/final.pt`` (the model's state dict).
``--pause_at_step N`` makes the run stop moving after optimizer step ``N`` (it
writes ``D/paused`` and sleeps) so that a test can kill it at a known point.
``--record`` writes each process's first batch, gradients and weights after
the first step to ``D/rank<r>.pt``.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import Dataset

from asteroid.engine import System, make_optimizer
from asteroid.engine.loaders import ResumableDataLoader
from asteroid.engine.schedulers import DPTNetScheduler
from asteroid.engine.trainer import make_trainer

N_TRAIN, N_VAL, BATCH, SEGMENT = 24, 8, 4, 200
DDP_CLIP = 0.05  # small enough that clipping is active in the DDP check


class CropDataset(Dataset):
    """Mixtures of two fixed random sources, cropped at a random start drawn from ``np.random``."""

    def __init__(self, n_items, seed, random_crop=True, length=300):
        gen = torch.Generator().manual_seed(seed)
        self.sources = torch.randn(n_items, 2, length, generator=gen)
        self.random_crop = random_crop

    def __len__(self):
        return len(self.sources)

    def __getitem__(self, idx):
        length = self.sources.shape[-1]
        start = np.random.randint(0, length - SEGMENT) if self.random_crop else 0
        sources = self.sources[idx, :, start : start + SEGMENT]
        return sources.sum(0), sources


class TinySeparator(nn.Module):
    """Mixture ``(B, T)`` -> two sources ``(B, 2, T)``; with dropout, to use the random state."""

    def __init__(self, dropout=0.1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, 8, 5, padding=2),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Conv1d(8, 2, 5, padding=2),
        )

    def forward(self, mix):
        return self.net(mix.unsqueeze(1))


def build(seed, ddp_check=False):
    """Model, optimizer, scheduler dict and loaders, deterministically from ``seed``.

    ``ddp_check``: no dropout, no random crops, no scheduler and plain SGD, so that
    one step on two processes can be compared with one step on their joint batch.
    """
    pl.seed_everything(seed, workers=True, verbose=False)
    model = TinySeparator(dropout=0.0 if ddp_check else 0.1)
    optimizer, lr = ("sgd", 0.1) if ddp_check else ("adam", 1e-2)
    opt = make_optimizer(model.parameters(), optimizer=optimizer, lr=lr)
    sched = None
    if not ddp_check:
        sched = {
            "scheduler": DPTNetScheduler(opt, steps_per_epoch=6, d_model=16, warmup_steps=5),
            "interval": "step",
        }
    train = ResumableDataLoader(
        CropDataset(N_TRAIN, seed=1, random_crop=not ddp_check),
        batch_size=BATCH,
        shuffle=True,
        seed=seed,
        drop_last=True,
    )
    val = ResumableDataLoader(CropDataset(N_VAL, seed=2, random_crop=False), batch_size=BATCH)
    return model, opt, sched, train, val


class PauseAt(pl.Callback):
    """Stop moving after optimizer step ``step``: write ``<exp_dir>/paused`` and sleep."""

    def __init__(self, step, exp_dir):
        self.step, self.exp_dir = step, Path(exp_dir)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step == self.step:
            (self.exp_dir / "paused").write_text(str(trainer.global_step))
            time.sleep(600)


class RecordFirstStep(pl.Callback):
    """Save this process's first batch, its gradients (after DDP's averaging) and new weights."""

    def __init__(self, exp_dir):
        self.path = Path(exp_dir) / f"rank{int(os.environ.get('LOCAL_RANK', 0))}.pt"
        self.record = {}

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_step == 0:
            self.record["batch"] = [t.clone() for t in batch]

    def on_before_optimizer_step(self, trainer, pl_module, optimizer):
        if trainer.global_step == 0:
            self.record["grads"] = {
                n: p.grad.detach().clone() for n, p in pl_module.model.named_parameters()
            }

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step == 1:
            self.record["weights"] = {
                n: p.detach().clone() for n, p in pl_module.model.named_parameters()
            }
            self.record["world_size"] = trainer.world_size
            torch.save(self.record, self.path)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--exp_dir", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max_steps", type=int, default=-1)
    parser.add_argument("--pause_at_step", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--ids", default="")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    exp_dir = Path(args.exp_dir)
    exp_dir.mkdir(parents=True, exist_ok=True)
    ddp_check = args.record
    model, opt, sched, train, val = build(args.seed, ddp_check=ddp_check)
    conf = {
        "training": {
            "epochs": args.epochs,
            "save_top_k": 2,
            "save_last_every_n_steps": 4,
            "gradient_clipping": DDP_CLIP if ddp_check else 1.0,
        }
    }
    system = System(model, opt, nn.MSELoss(), train, val, scheduler=sched, config=conf)
    callbacks = []
    if args.pause_at_step:
        callbacks.append(PauseAt(args.pause_at_step, exp_dir))
    if args.record:
        callbacks.append(RecordFirstStep(exp_dir))
    trainer = make_trainer(
        conf,
        exp_dir,
        device_ids=args.ids,
        callbacks=callbacks,
        max_steps=args.max_steps,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0 if ddp_check else 2,
        limit_val_batches=0 if ddp_check else None,
    )
    trainer.fit(system, ckpt_path="last" if args.resume else None, weights_only=True)
    if trainer.is_global_zero:
        torch.save(system.model.state_dict(), exp_dir / "final.pt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
