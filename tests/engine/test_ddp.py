"""Two CPU processes (DDP, gloo) take the same step as one process on their joint batch."""

import pytorch_lightning as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from asteroid.engine import System


def test_two_process_gloo_ddp_matches_single_process(tmp_path, run_tiny, tiny_run, trainer_kwargs):
    ddp_dir, single_dir = tmp_path / "ddp", tmp_path / "single"
    # --ids 0,1 on a machine without GPUs: two CPU processes through Lightning's DDP.
    proc = run_tiny("--exp_dir", ddp_dir, "--ids", "0,1", "--record", "--max_steps", 1)
    assert "distributed_backend=gloo" in proc.stdout + proc.stderr
    ranks = [torch.load(ddp_dir / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    mix0, src0 = ranks[0]["batch"]
    mix1, src1 = ranks[1]["batch"]
    assert not torch.equal(mix0, mix1)  # each process saw its own half of the data

    # One process, the same initial model, both halves in one batch.
    model, opt, _, _, _ = tiny_run.build(0, ddp_check=True)
    joint = DataLoader(
        TensorDataset(torch.cat([mix0, mix1]), torch.cat([src0, src1])), batch_size=2 * len(mix0)
    )
    single_dir.mkdir()
    recorder = tiny_run.RecordFirstStep(single_dir)
    system = System(model, opt, nn.MSELoss(), joint)
    trainer = pl.Trainer(
        max_steps=1,
        logger=False,
        enable_checkpointing=False,
        gradient_clip_val=tiny_run.DDP_CLIP,
        callbacks=[recorder],
        **trainer_kwargs,
    )
    trainer.fit(system)
    single = torch.load(single_dir / "rank0.pt", weights_only=True)

    for rank in ranks:
        for name, grad in single["grads"].items():
            # The gradients DDP averaged over the processes = those of the joint batch.
            torch.testing.assert_close(rank["grads"][name], grad, rtol=1e-5, atol=1e-7)
            # And the clipped SGD step is the same on every process.
            torch.testing.assert_close(
                rank["weights"][name], single["weights"][name], rtol=1e-5, atol=1e-7
            )
    total_norm = torch.cat([g.flatten() for g in single["grads"].values()]).norm()
    assert total_norm > tiny_run.DDP_CLIP  # the clipping was active
