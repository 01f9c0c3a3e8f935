"""Build the Lightning ``Trainer`` of a recipe from its configuration.

Every recipe trains the same way: checkpoints of the best ``save_top_k`` epochs
by validation loss plus ``last.ckpt`` under ``<exp_dir>/checkpoints/``, their
list in ``<exp_dir>/best_k_models.json``, optional early stopping, gradient
clipping, a numerical precision, and one or several devices chosen by the
recipe's ``--id`` option. :func:`make_trainer` builds that ``Trainer``;
:func:`resolve_devices` turns ``--id`` into Lightning's device arguments.

Several ids give several processes through Lightning's DDP strategy: one
process per GPU, or, on a machine without GPUs, as many CPU processes talking
over the gloo backend. A script started by ``torchrun`` or SLURM (with
``training.num_nodes`` set for several machines) is recognised by Lightning,
which then leaves process creation to the launcher.

A killed run resumes with ``trainer.fit(system, ckpt_path="last",
weights_only=True)``: Lightning restores the weights, the optimizer, the
schedulers, the loop counters and the state of a
:class:`~asteroid.engine.loaders.ResumableDataLoader`.
"""

import os
from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from pytorch_lightning.strategies import DDPStrategy

from .callbacks import BestKModelsCheckpoint

__all__ = ["parse_device_ids", "resolve_devices", "make_trainer"]

# Keys of the ``training`` group read by ``make_trainer`` and their defaults.
TRAINING_DEFAULTS = {
    "epochs": 200,
    "early_stop": False,
    "patience": 30,
    "gradient_clipping": 5.0,
    "precision": "32-true",
    "save_top_k": 5,
    "save_last_every_n_steps": None,
    "num_nodes": 1,
    "accumulate_grad_batches": 1,
}


def parse_device_ids(ids):
    """Device ids from a recipe's ``--id`` value.

    Args:
        ids: ``None``, ``""`` or ``"-1"`` (no device chosen), an int, a
            comma-separated string (``"0,1"``) or a sequence of ints.

    Returns:
        list[int]: the ids, possibly empty.

    Raises:
        ValueError: for a string that is not a list of non-negative integers.
    """
    if ids is None:
        return []
    if isinstance(ids, int) and not isinstance(ids, bool):
        return [] if ids < 0 else [ids]
    if isinstance(ids, str):
        text = ids.strip()
        if text in ("", "-1"):
            return []
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"Expected device ids like '0' or '0,1', got {ids!r}.")
        return [int(p) for p in parts]
    out = [int(i) for i in ids]
    if any(i < 0 for i in out):
        raise ValueError(f"Device ids must be non-negative, got {list(ids)}.")
    return out


def resolve_devices(ids, cuda_available=None):
    """Lightning's ``accelerator``, ``devices`` and ``strategy`` for a recipe's ``--id``.

    With GPUs, the ids index the visible GPUs; when ``CUDA_VISIBLE_DEVICES``
    lists exactly these ids (as the recipes' ``run.sh`` sets it), they are
    renumbered from 0. No id means every visible GPU. Without GPUs, ``n`` ids
    mean ``n`` CPU processes (one with no id). Several processes use the DDP
    strategy, on the gloo backend for CPUs; one process uses none.

    Args:
        ids: anything :func:`parse_device_ids` accepts.
        cuda_available (bool, optional): override GPU detection.

    Returns:
        dict: ``accelerator``, ``devices`` and ``strategy`` for ``pl.Trainer``.
    """
    ids = parse_device_ids(ids)
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if cuda_available:
        visible = parse_device_ids(os.environ.get("CUDA_VISIBLE_DEVICES"))
        if ids and ids == visible:
            ids = list(range(len(ids)))
        n_proc = len(ids) if ids else torch.cuda.device_count()
        devices = ids if ids else "auto"
        strategy = DDPStrategy() if n_proc > 1 else "auto"
        return {"accelerator": "gpu", "devices": devices, "strategy": strategy}
    n_proc = max(1, len(ids))
    strategy = DDPStrategy(process_group_backend="gloo") if n_proc > 1 else "auto"
    return {"accelerator": "cpu", "devices": n_proc, "strategy": strategy}


def make_trainer(conf, exp_dir, device_ids=None, callbacks=None, **trainer_kwargs):
    """The ``Trainer`` of a recipe run.

    Reads the ``training`` group of ``conf`` (or ``conf`` itself when it has no
    such group); absent keys take these defaults:

    =========================== =========== =============================================
    key                         default     effect
    =========================== =========== =============================================
    ``epochs``                  200         ``max_epochs``
    ``early_stop``              False       stop after ``patience`` epochs without a
                                            better ``val_loss``
    ``patience``                30
    ``gradient_clipping``       5.0         clip the gradients' global norm (0 or None:
                                            off)
    ``precision``               "32-true"   e.g. ``"16-mixed"`` (GPU), ``"bf16-mixed"``
    ``save_top_k``              5           checkpoints kept, best ``val_loss`` first
    ``save_last_every_n_steps`` None        also write ``last.ckpt`` every n steps
    ``num_nodes``               1           machines (with ``torchrun`` or SLURM)
    ``accumulate_grad_batches`` 1
    =========================== =========== =============================================

    Checkpoints go to ``<exp_dir>/checkpoints/`` (``last.ckpt`` after every
    validation), ``<exp_dir>/best_k_models.json`` maps the best ones to their
    ``val_loss``, and logs go under ``<exp_dir>/lightning_logs/``.

    Args:
        conf (dict): the recipe configuration.
        exp_dir (str or Path): the experiment folder.
        device_ids: the recipe's ``--id`` (see :func:`resolve_devices`).
        callbacks (list, optional): more callbacks.
        **trainer_kwargs: any ``pl.Trainer`` argument; overrides the above.

    Returns:
        pytorch_lightning.Trainer: the trainer; its ``checkpoint_callback`` is the
        best-k :class:`~asteroid.engine.callbacks.BestKModelsCheckpoint` (none with
        ``enable_checkpointing=False``).
    """
    training = dict(TRAINING_DEFAULTS)
    training.update(conf.get("training", conf))
    exp_dir = Path(exp_dir)
    ckpt_dir = exp_dir / "checkpoints"

    all_callbacks = []
    if trainer_kwargs.get("enable_checkpointing", True):
        all_callbacks.append(
            BestKModelsCheckpoint(
                best_k_path=exp_dir / "best_k_models.json",
                dirpath=ckpt_dir,
                filename="{epoch}-{step}",
                monitor="val_loss",
                mode="min",
                save_top_k=training["save_top_k"],
                save_last=True,
                enable_version_counter=False,
                verbose=True,
            )
        )
        every = training["save_last_every_n_steps"]
        if every:
            # Only refreshes last.ckpt (save_top_k=0): the resume point of a killed run.
            all_callbacks.append(
                ModelCheckpoint(
                    dirpath=ckpt_dir,
                    save_top_k=0,
                    save_last=True,
                    every_n_train_steps=int(every),
                    enable_version_counter=False,
                )
            )
    if training["early_stop"]:
        all_callbacks.append(
            EarlyStopping(
                monitor="val_loss", mode="min", patience=training["patience"], verbose=True
            )
        )
    all_callbacks.extend(callbacks or [])

    kwargs = dict(
        max_epochs=training["epochs"],
        callbacks=all_callbacks,
        default_root_dir=str(exp_dir),
        gradient_clip_val=training["gradient_clipping"] or None,
        precision=training["precision"],
        num_nodes=training["num_nodes"],
        accumulate_grad_batches=training["accumulate_grad_batches"],
        **resolve_devices(device_ids),
    )
    kwargs.update(trainer_kwargs)
    return pl.Trainer(**kwargs)
