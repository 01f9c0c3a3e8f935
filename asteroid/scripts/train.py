"""The training script of every recipe: ``python -m asteroid.scripts.train``.

A recipe's ``run.sh`` calls it with its ``conf.yml``, the names of its model,
dataset and loss, and any ``conf.yml`` key as an override::

    python -m asteroid.scripts.train --conf conf.yml --model ConvTasNet \\
        --dataset LibriMix --loss pit_sisdr --exp_dir exp/train_convtasnet_tag \\
        --id 0,1 --lr 1e-4

Recipes with their own parts add ``--system`` (how a batch becomes a loss, see
:data:`~asteroid.scripts.recipe_parts.SYSTEMS`) and ``--plugin local/parts.py``
(a file that registers the recipe's dataset, model or loss).

It writes into ``exp_dir``: ``conf.yml`` (the configuration used, with the
command-line arguments under ``main_args``), ``checkpoints/`` (the best
``save_top_k`` by validation loss and ``last.ckpt``), ``best_k_models.json``,
``lightning_logs/`` (CSV logs: ``metrics.csv``), ``train_metrics.csv`` (a copy
of the CSV log) and ``best_model.pth`` (a model file that ``from_pretrained``
loads). A run killed midway resumes from ``last.ckpt`` when started again with
the same ``exp_dir``; a finished run is not redone unless ``--retrain`` is given.

``--id 0,1`` trains with two processes (DDP): one per GPU, or two CPU processes
when no GPU is available; the script says which.
"""

import argparse
import glob
import json
import math
import os
import shutil
import sys

import yaml

from asteroid.utils import parse_args_as_dict, prepare_parser_from_dict

from .recipe_parts import get_system, load_plugins, make_dataset, make_loss, make_model

__all__ = [
    "main",
    "make_main_parser",
    "parse",
    "train",
    "device_message",
    "recipe_system_class",
    "make_dynamic_mixing_set",
]

# optim keys that configure the learning-rate schedule, not the optimizer.
SCHEDULE_KEYS = ("lr_decay_gamma", "lr_decay_patience")


def make_main_parser():
    parser = argparse.ArgumentParser(
        prog="python -m asteroid.scripts.train",
        description="Train a model from a recipe's conf.yml. Every key of the conf.yml is "
        "also an option (--lr 1e-4, --batch_size 4, ...).",
    )
    parser.add_argument("--conf", required=True, help="the recipe's conf.yml")
    parser.add_argument("--exp_dir", required=True, help="the experiment folder to write")
    parser.add_argument("--model", required=True, help="model class name, e.g. ConvTasNet")
    parser.add_argument(
        "--dataset", default="LibriMix", help="dataset name (see recipe_parts.DATASETS)"
    )
    parser.add_argument("--loss", default="pit_sisdr", help="loss name (see recipe_parts.LOSSES)")
    parser.add_argument(
        "--system", default="default", help="how a batch becomes a loss (recipe_parts.SYSTEMS)"
    )
    parser.add_argument(
        "--plugin",
        nargs="*",
        default=[],
        help="recipe files that register datasets, models or losses (e.g. local/parts.py)",
    )
    parser.add_argument(
        "--init_from",
        default=None,
        help="a model file whose weights initialise the model's parameters of the same name",
    )
    parser.add_argument(
        "--id", default="", help="device ids, e.g. 0,1 (two processes with DDP); empty: one process"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--retrain", action="store_true", help="train again even if exp_dir holds a finished run"
    )
    parser.add_argument(
        "--progress", type=int, default=1, help="show Lightning's progress bar (1) or not (0)"
    )
    return parser


def load_conf(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such config file: {path}")
    with open(path) as fh:
        conf = yaml.safe_load(fh)
    if not isinstance(conf, dict):
        raise ValueError(f"{path} must hold a two-level mapping (group: {{key: value}}).")
    return conf


def parse(argv=None):
    """``(conf, main_args)``: the recipe's conf.yml overridden by the command line."""
    main_parser = make_main_parser()
    known, _ = main_parser.parse_known_args(argv)
    conf = load_conf(known.conf)
    parser = prepare_parser_from_dict(conf, parser=make_main_parser())
    arg_dic = parse_args_as_dict(parser, args=argv)
    return arg_dic, arg_dic.pop("main_args")


def device_message(ids, cuda_available):
    """What ``--id`` gives on this machine, in words."""
    from asteroid.engine.trainer import parse_device_ids

    ids = parse_device_ids(ids)
    if cuda_available:
        if not ids:
            return "Training on the visible GPUs (one process each, DDP if several)."
        if len(ids) > 1:
            return f"Training on GPUs {ids}: {len(ids)} processes (DDP)."
        return f"Training on GPU {ids[0]}."
    if len(ids) > 1:
        return f"No GPU available: training on CPU with {len(ids)} processes (DDP, gloo)."
    return "No GPU available: training on CPU."


def recipe_system_class():
    """The ``System`` subclass whose training and validation loss is a recipe's step function.

    Defined on first use so that importing this module does not import Lightning.
    """
    global _RecipeSystem
    if _RecipeSystem is None:
        from asteroid.engine import System

        class RecipeSystem(System):
            """A :class:`~asteroid.engine.System` whose ``common_step`` is ``step(self, batch, train)``."""

            def __init__(self, step, **kwargs):
                super().__init__(**kwargs)
                self.step = step

            def common_step(self, batch, batch_nb, train=True):
                return self.step(self, batch, train)

        _RecipeSystem = RecipeSystem
    return _RecipeSystem


_RecipeSystem = None


def _make_scheduler(conf, training, optim_conf, optimizer, steps_per_epoch):
    from torch.optim.lr_scheduler import ReduceLROnPlateau

    from asteroid.engine.schedulers import CosineScheduler, DPTNetScheduler

    sched_conf = conf.get("scheduler") or {}
    if sched_conf.get("name") == "cosine":
        total = int(training["epochs"]) * steps_per_epoch
        sched = CosineScheduler(
            optimizer,
            peak_lr=optim_conf["lr"],
            total_steps=total,
            warmup_steps=int(sched_conf.get("warmup_steps", 0)),
            final_lr=float(sched_conf.get("final_lr", 0.0)),
        )
        sched.step()  # the first step's learning rate (zero only with a warm-up)
        return {"scheduler": sched, "interval": "step"}
    if sched_conf.get("name") not in (None, "cosine"):
        raise ValueError(f"Unknown scheduler name {sched_conf['name']!r}; known: 'cosine'.")
    if sched_conf.get("d_model"):
        sched = DPTNetScheduler(
            optimizer,
            conf["scheduler"].get("steps_per_epoch", steps_per_epoch),
            conf["scheduler"]["d_model"],
        )
        return {"scheduler": sched, "interval": "step"}
    if optim_conf.get("lr_decay_gamma"):
        return ReduceLROnPlateau(
            optimizer,
            factor=optim_conf["lr_decay_gamma"],
            patience=optim_conf.get("lr_decay_patience", 5),
            cooldown=10,
        )
    if training.get("half_lr"):
        patience = int(training.get("lr_patience", 5))
        return ReduceLROnPlateau(optimizer=optimizer, factor=0.5, patience=patience)
    return None


def _init_from(model, path):
    """Copy the parameters of model file ``path`` that match ``model``'s by name and shape."""
    from asteroid.models.model_file import load_model_file

    source = load_model_file(path)["state_dict"]
    target = model.state_dict()
    matched = {k: v for k, v in source.items() if k in target and target[k].shape == v.shape}
    if not matched:
        raise ValueError(f"No parameter of {path} matches the model's parameters.")
    model.load_state_dict(matched, strict=False)
    print(f"Initialised {len(matched)} of {len(target)} tensors from {path}")


def _dataset_infos(train_set, args, data_conf):
    if hasattr(train_set, "get_infos"):
        return train_set.get_infos()
    return {"dataset": args["dataset"], "task": data_conf.get("task"), "licenses": []}


# Keys of the ``augmentation`` group that configure dynamic mixing.
DYNAMIC_MIXING_KEYS = (
    "abs_stats",
    "rel_stats",
    "global_db_range",
    "speed_perturb",
    "noise",
    "noise_stats",
    "reverb",
    "orig_percentage",
)


def make_dynamic_mixing_set(dataset_name, conf, seed):
    """The training set of ``training.dynamic_mixing: true``: new mixtures every epoch.

    The recipe's dataset is read whole (``segment=None``) and wrapped in
    :class:`~asteroid.data.dynamic_mixing.DynamicMixing`, which cuts its own
    ``data.segment``-long crops. Its options are the ``augmentation`` group
    (and ``data.orig_percentage``).
    """
    from asteroid.data.dynamic_mixing import DynamicMixing

    data_conf = conf["data"]
    whole = {**conf, "data": {**data_conf, "segment": None}}
    base = make_dataset(dataset_name, whole, "train", data_conf.get("train_dir"))
    options = dict(conf.get("augmentation") or {})
    unknown = sorted(set(options) - set(DYNAMIC_MIXING_KEYS))
    if unknown:
        raise ValueError(
            f"Unknown augmentation option(s) {unknown} for dynamic mixing; "
            f"known: {', '.join(DYNAMIC_MIXING_KEYS)}."
        )
    if data_conf.get("orig_percentage") is not None:
        options.setdefault("orig_percentage", data_conf["orig_percentage"])
    n_src = data_conf.get("n_src") or data_conf.get("nondefault_nsrc")
    n_src = n_src or (conf.get("masknet") or {}).get("n_src")
    train_set = DynamicMixing(
        base,
        n_src=n_src,
        segment=data_conf.get("segment"),
        sample_rate=data_conf.get("sample_rate"),
        seed=seed,
        **options,
    )
    print(
        f"Dynamic mixing: {len(train_set)} new {train_set.n_src}-source mixtures per epoch "
        f"from {len(base)} training items."
    )
    return train_set


def _make_loaders(train_set, val_set, training, seed):
    from torch.utils.data import DataLoader

    from asteroid.engine.loaders import ResumableDataLoader

    num_workers = int(training.get("num_workers", 0))
    batch_size = int(training["batch_size"])
    if len(train_set) < batch_size:
        raise ValueError(
            f"The training set has {len(train_set)} items, fewer than one batch "
            f"(batch_size={batch_size})."
        )
    train_loader = ResumableDataLoader(
        train_set,
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
        drop_last=True,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pass_epoch=bool(training.get("dynamic_mixing")),
    )
    val_loader = DataLoader(
        val_set,
        batch_size=int(training.get("val_batch_size", batch_size)),
        num_workers=num_workers,
        drop_last=False,
    )
    return train_loader, val_loader


def train(conf, args):
    """Train per ``conf`` into ``args["exp_dir"]``; returns the path of ``best_model.pth``."""
    import pytorch_lightning as pl
    import torch
    from pytorch_lightning.loggers import CSVLogger

    from asteroid.engine import make_optimizer
    from asteroid.engine.trainer import make_trainer
    from asteroid.models.model_file import save_model_file
    from asteroid.utils import load_state_dict_in

    exp_dir = args["exp_dir"]
    best_path = os.path.join(exp_dir, "best_model.pth")
    if os.path.isfile(best_path) and not args["retrain"]:
        print(f"{best_path} exists: training is done (pass --retrain to train again).")
        return best_path
    load_plugins(args["plugin"])
    spec = get_system(args["system"])
    training = spec.training_conf(conf) if spec.training_conf else conf["training"]
    optim_conf = spec.optim_conf(conf) if spec.optim_conf else conf["optim"]
    data_conf = conf["data"]
    pl.seed_everything(args["seed"], workers=True)
    print(device_message(args["id"], torch.cuda.is_available()))

    if training.get("dynamic_mixing"):
        train_set = make_dynamic_mixing_set(args["dataset"], conf, args["seed"])
    else:
        train_set = make_dataset(args["dataset"], conf, "train", data_conf.get("train_dir"))
    val_set = make_dataset(args["dataset"], conf, "valid", data_conf.get("valid_dir"))
    train_loader, val_loader = _make_loaders(train_set, val_set, training, args["seed"])
    model = make_model(args["model"], conf, train_set)
    if args["init_from"]:
        _init_from(model, args["init_from"])
    optimizer = make_optimizer(
        [p for p in model.parameters() if p.requires_grad],
        **{k: v for k, v in optim_conf.items() if k not in SCHEDULE_KEYS},
    )
    trainer = make_trainer(
        training,
        exp_dir,
        device_ids=args["id"],
        logger=CSVLogger(save_dir=exp_dir, name="lightning_logs"),
        enable_progress_bar=bool(args["progress"]),
        log_every_n_steps=min(50, max(1, len(train_loader))),
    )
    # Under DDP each process sees 1/world_size of the batches: per-step schedules (cosine,
    # DPTNet) count the steps of one process.
    steps_per_epoch = math.ceil(len(train_loader) / trainer.world_size)
    scheduler = _make_scheduler(conf, training, optim_conf, optimizer, steps_per_epoch)
    loss_func = make_loss(args["loss"], conf)

    os.makedirs(exp_dir, exist_ok=True)
    with open(os.path.join(exp_dir, "conf.yml"), "w") as fh:
        yaml.safe_dump({**conf, "main_args": args}, fh)

    system = recipe_system_class()(
        step=spec.step,
        model=model,
        loss_func=loss_func,
        optimizer=optimizer,
        train_loader=train_loader,
        val_loader=val_loader,
        scheduler=scheduler,
        config=conf,
    )
    last = os.path.join(exp_dir, "checkpoints", "last.ckpt")
    if os.path.isfile(last):
        print(f"Resuming from {last}")
    trainer.fit(system, ckpt_path=last if os.path.isfile(last) else None, weights_only=True)
    if trainer.global_rank != 0:
        return best_path

    best_ckpt = trainer.checkpoint_callback.best_model_path or last
    ckpt = torch.load(best_ckpt, map_location="cpu", weights_only=True)
    load_state_dict_in(ckpt["state_dict"], system)
    to_save = system.model.serialize()
    to_save.update(_dataset_infos(train_set, args, data_conf))
    save_model_file(to_save, best_path)
    logs = sorted(glob.glob(os.path.join(exp_dir, "lightning_logs", "version_*", "metrics.csv")))
    if logs:
        shutil.copyfile(logs[-1], os.path.join(exp_dir, "train_metrics.csv"))
    with open(os.path.join(exp_dir, "best_k_models.json")) as fh:
        best_k = json.load(fh)
    print(f"Best validation loss {min(best_k.values()):.3f}; model file written to {best_path}")
    return best_path


def main(argv=None):
    conf, args = parse(argv)
    try:
        train(conf, args)
    except (FileNotFoundError, ValueError) as err:
        print(f"train: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
