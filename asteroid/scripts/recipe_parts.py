"""What the shared recipe scripts build from a ``conf.yml``: datasets, models, losses, steps.

Every recipe trains with :mod:`asteroid.scripts.train` and evaluates with
:mod:`asteroid.scripts.eval`. What differs between recipes is named on their
command line (``--dataset``, ``--model``, ``--loss``, ``--system``) and
configured in the recipe's ``conf.yml``. The registries below map those names
to builders:

- :data:`DATASETS`: ``builder(conf, split, folder) -> Dataset``, where ``conf``
  is the whole configuration (its ``data`` group mostly), ``split`` is
  ``"train"``, ``"valid"`` or ``"test"`` and ``folder`` the split's metadata
  (``data.train_dir``, ``data.valid_dir`` or the evaluation's ``--test_dir``);
- :data:`LOSSES`: ``builder(conf) -> loss(est_targets, targets)``;
- :data:`MODEL_BUILDERS`: ``builder(conf, train_set) -> model`` for models whose
  arguments are not simply the ``filterbank``, ``masknet`` and ``net`` groups;
- :data:`SYSTEMS`: how a batch becomes a loss (:class:`SystemSpec`);
- :data:`SEPARATORS`: how the evaluation turns a test item into
  ``(mixture, references, estimates)``;
- :data:`EVALUATORS`: a whole evaluation, for tasks whose metrics are not
  separation metrics (voice activity, music).

A recipe with its own model, dataset or loss keeps it in its ``local/`` folder
as a *plugin*: a Python file given to both scripts with ``--plugin``, which
registers its parts with :func:`register_dataset`, :func:`register_loss`,
:func:`register_system`, ... (and models with
:func:`asteroid.models.register_model`). :func:`load_plugins` imports them once.
"""

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from asteroid import data as asteroid_data
from asteroid import models as asteroid_models
from asteroid.losses import (
    F1_loss,
    MixITLossWrapper,
    PairwiseNegSDR,
    PITLossWrapper,
    multisrc_neg_sisdr,
    pairwise_mse,
    pairwise_neg_sdsdr,
    pairwise_neg_sisdr,
    pairwise_neg_snr,
    singlesrc_neg_sisdr,
)

__all__ = [
    "DATASETS",
    "LOSSES",
    "MODEL_BUILDERS",
    "SYSTEMS",
    "SEPARATORS",
    "EVALUATORS",
    "SystemSpec",
    "register_dataset",
    "register_loss",
    "register_model_builder",
    "register_system",
    "register_separator",
    "register_evaluator",
    "make_dataset",
    "make_loss",
    "make_model",
    "get_system",
    "get_separator",
    "get_evaluator",
    "load_plugins",
    "default_step",
    "default_separator",
]

SPLITS = ("train", "valid", "test")

# ----------------------------------------------------------------------------- datasets


def _kwargs_for(cls, candidates):
    """The entries of ``candidates`` that ``cls``'s constructor accepts."""
    params = inspect.signature(cls).parameters
    return {k: v for k, v in candidates.items() if k in params}


def _segment(data_conf, split):
    """Training and validation items are cut to ``data.segment``; test items are whole."""
    return None if split == "test" else data_conf.get("segment")


def _folder_dataset(cls, path_arg):
    """A builder for datasets read from one metadata folder (or file) per split."""

    def build(conf, split, folder):
        data_conf = conf["data"]
        kwargs = _kwargs_for(cls, {**data_conf, "segment": _segment(data_conf, split)})
        kwargs[path_arg] = folder
        return cls(**kwargs)

    build.__name__ = f"build_{cls.__name__}"
    return build


class RandomCrop(torch.utils.data.Dataset):
    """Items of ``dataset`` cut to ``n_samples`` at a random start (shorter items are dropped).

    Every tensor of an item is cut along its last (time) axis at the same place.
    """

    def __init__(self, dataset, n_samples, lengths):
        self.dataset = dataset
        self.n_samples = n_samples
        self.keep = [i for i, length in enumerate(lengths) if length >= n_samples]
        if not self.keep:
            raise ValueError(f"No item is at least {n_samples} samples long.")
        self.lengths = [lengths[i] for i in self.keep]

    def __len__(self):
        return len(self.keep)

    def __getitem__(self, idx):
        start = int(torch.randint(0, self.lengths[idx] - self.n_samples + 1, ()))
        item = self.dataset[self.keep[idx]]
        return tuple(x[..., start : start + self.n_samples] for x in item)

    def get_infos(self):
        return self.dataset.get_infos()


def _build_dns(conf, split, folder):
    """DNS: one ``file_infos.json`` for training, split by ``data.val_prop`` into train/valid."""
    from torch.utils.data import Subset

    data_conf = conf["data"]
    dataset = asteroid_data.DNSDataset(folder)
    if split == "test":
        return dataset
    n_valid = max(1, int(round(len(dataset) * float(data_conf.get("val_prop", 0.2)))))
    if n_valid >= len(dataset):
        raise ValueError(
            f"{folder}/file_infos.json lists {len(dataset)} files: too few to keep "
            f"{n_valid} for validation (data.val_prop={data_conf.get('val_prop')})."
        )
    # Deterministic split: the validation files are the last ones of the sorted ids.
    order = sorted(range(len(dataset)), key=lambda i: dataset.wav_ids[i])
    indices = order[:-n_valid] if split == "train" else order[-n_valid:]
    subset = Subset(dataset, indices)
    subset.get_infos = dataset.get_infos
    if not data_conf.get("segment"):  # the DNS synthesizer writes clips of one length
        return subset
    lengths = [int(dataset.mix_infos[dataset.wav_ids[i]]["file_len"]) for i in indices]
    return RandomCrop(subset, int(data_conf["segment"] * data_conf["sample_rate"]), lengths)


def _build_musdb(conf, split, folder):
    """MUSDB18: ``folder`` is the corpus root; the validation tracks are ``data.valid_tracks``."""
    data_conf = conf["data"]
    sources = list(data_conf["sources"])
    common = dict(
        root=folder, sources=sources, targets=sources, sample_rate=data_conf["sample_rate"]
    )
    valid_tracks = list(data_conf.get("valid_tracks") or [])
    if split == "test":
        return asteroid_data.MUSDB18Dataset(split="test", **common)
    tracks = sorted(os.listdir(os.path.join(folder, "train")))
    if split == "valid":
        return asteroid_data.MUSDB18Dataset(split="train", subset=valid_tracks, **common)
    return asteroid_data.MUSDB18Dataset(
        split="train",
        subset=[t for t in tracks if t not in valid_tracks],
        segment=data_conf["seq_dur"],
        samples_per_track=data_conf["samples_per_track"],
        random_segments=True,
        random_track_mix=True,
        **common,
    )


def _build_dampvsep(conf, split, folder):
    """DAMP-VSEP: ``folder`` is the corpus root, the split names come from the data group."""
    data_conf = conf["data"]
    name = {"train": data_conf["train_split"], "valid": "valid", "test": "test"}[split]
    train = split == "train"
    return asteroid_data.DAMPVSEPSinglesDataset(
        root_path=folder,
        task=data_conf["task"],
        split=name,
        ex_per_track=data_conf["samples_per_track"] if train else 1,
        random_segments=train,
        sample_rate=data_conf["sample_rate"],
        segment=data_conf["segment"] if train else None,
        mixture=data_conf["mixture"],
    )


def _build_fuss(conf, split, folder):
    return asteroid_data.FUSSDataset(folder)


def _build_vad(conf, split, folder):
    data_conf = conf["data"]
    return asteroid_data.LibriVADDataset(
        folder, sample_rate=data_conf["sample_rate"], segment=_segment(data_conf, split)
    )


DATASETS = {
    "LibriMix": _folder_dataset(asteroid_data.LibriMix, "csv_dir"),
    "WhamDataset": _folder_dataset(asteroid_data.WhamDataset, "json_dir"),
    "WhamRDataset": _folder_dataset(asteroid_data.WhamRDataset, "json_dir"),
    "Wsj0mixDataset": _folder_dataset(asteroid_data.Wsj0mixDataset, "json_dir"),
    "KinectWsjMixDataset": _folder_dataset(asteroid_data.KinectWsjMixDataset, "json_dir"),
    "DNSDataset": _build_dns,
    "MUSDB18Dataset": _build_musdb,
    "DAMPVSEPSinglesDataset": _build_dampvsep,
    "FUSSDataset": _build_fuss,
    "LibriVADDataset": _build_vad,
}

# ----------------------------------------------------------------------------- losses


class L1Loss(torch.nn.Module):
    """Mean absolute error between estimates and targets in their given order (no PIT).

    Shape:
        - est_targets, targets: :math:`(B, S, T)` (or any equal shapes).
        - output: a scalar.
    """

    def forward(self, est_targets, targets):
        if est_targets.shape != targets.shape:
            raise ValueError(
                f"L1 loss: estimates {tuple(est_targets.shape)} and targets "
                f"{tuple(targets.shape)} differ in shape."
            )
        return (est_targets - targets).abs().mean()


class SingleSourceNegSISDR(torch.nn.Module):
    """Mean negative SI-SDR of one estimated source per example (enhancement, no PIT).

    Shape:
        - est_targets, targets: :math:`(B, T)` or :math:`(B, 1, T)`.
        - output: a scalar.
    """

    def forward(self, est_targets, targets):
        batch = est_targets.shape[0]
        return singlesrc_neg_sisdr(
            est_targets.reshape(batch, -1), targets.reshape(batch, -1)
        ).mean()


LOSSES = {
    "pit_sisdr": lambda conf: PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx"),
    "pit_sdsdr": lambda conf: PITLossWrapper(pairwise_neg_sdsdr, pit_from="pw_mtx"),
    "pit_snr": lambda conf: PITLossWrapper(pairwise_neg_snr, pit_from="pw_mtx"),
    "pit_mse": lambda conf: PITLossWrapper(pairwise_mse, pit_from="pw_mtx"),
    "pit_sisdr_nozeromean": lambda conf: PITLossWrapper(
        PairwiseNegSDR("sisdr", zero_mean=False), pit_from="pw_mtx"
    ),
    "mixit": lambda conf: MixITLossWrapper(multisrc_neg_sisdr, generalized=True),
    "l1": lambda conf: L1Loss(),
    "f1": lambda conf: F1_loss(),
    "sisdr": lambda conf: SingleSourceNegSISDR(),
    # For systems whose step computes its own loss.
    "none": lambda conf: None,
}

# ----------------------------------------------------------------------------- models

# Groups of conf.yml that hold a model's constructor arguments.
MODEL_GROUPS = ("filterbank", "masknet", "net")


def default_model_builder(name, conf, train_set=None):
    """Build model ``name`` from the ``filterbank``, ``masknet`` and ``net`` groups.

    ``n_src`` comes from the dataset (its ``n_src`` attribute) unless the groups
    set it, and ``sample_rate`` from ``data.sample_rate``, when the constructor
    takes them.
    """
    cls = asteroid_models.get(name)
    kwargs = {}
    for group in MODEL_GROUPS:
        kwargs.update(conf.get(group) or {})
    params = inspect.signature(cls).parameters
    n_src = getattr(train_set, "n_src", None)
    if n_src is None and hasattr(train_set, "dataset"):  # a Subset
        n_src = getattr(train_set.dataset, "n_src", None)
    if "n_src" in params and "n_src" not in kwargs and n_src is not None:
        kwargs["n_src"] = n_src
    sample_rate = (conf.get("data") or {}).get("sample_rate")
    if "sample_rate" in params and "sample_rate" not in kwargs and sample_rate is not None:
        kwargs["sample_rate"] = sample_rate
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"Cannot build {cls.__name__} from the conf.yml groups: {err}") from err


MODEL_BUILDERS = {}

# ----------------------------------------------------------------------------- systems


def default_step(system, batch, train):
    """Loss of a batch ``(inputs, targets, ...)``: ``loss_func(model(inputs), targets)``."""
    inputs, targets = batch[0], batch[1]
    return system.loss_func(system(inputs), targets)


@dataclass
class SystemSpec:
    """How a recipe trains: the loss of a batch, and where its training options live.

    Args:
        step: ``step(system, batch, train) -> loss``; ``system`` is the
            Lightning module (``system.model``, ``system.loss_func``,
            ``system.config``), ``train`` is False in validation.
        training_conf: ``training_conf(conf) -> dict`` giving the ``training``
            options (``epochs``, ``batch_size``, ...) when they are not in the
            ``training`` group; ``None`` reads ``conf["training"]``.
        optim_conf: the same for the ``optim`` group.
    """

    step: Callable = default_step
    training_conf: Optional[Callable] = None
    optim_conf: Optional[Callable] = None


# "ordered": the targets have fixed roles (vocals, background, ...): no PIT in evaluation.
SYSTEMS = {"default": SystemSpec(), "ordered": SystemSpec()}

# ----------------------------------------------------------------------------- evaluation


def default_separator(model, item, device):
    """Mixture, references and estimates of a test item ``(mixture, sources, ...)``.

    Returns:
        tuple: NumPy arrays ``mix (T,)`` (or ``(C, T)``), ``refs (S, T)``,
        ``est (S, T)``, and ``True`` (the estimates still need PIT reordering).
    """
    mix, sources = item[0], item[1]
    with torch.no_grad():
        est = model(mix.unsqueeze(0).to(device))
    est = est[0].cpu()
    sources = sources.reshape(-1, sources.shape[-1])
    return mix.numpy(), sources.numpy(), est.reshape(-1, est.shape[-1]).numpy(), True


def ordered_separator(model, item, device):
    """:func:`default_separator` for targets in a fixed order (no PIT reordering)."""
    mix, refs, est, _ = default_separator(model, item, device)
    return mix, refs, est, False


SEPARATORS = {"default": default_separator, "ordered": ordered_separator}

# name -> evaluate(args, conf, model, test_set, out_dir, device) -> final metrics dict.
# The separation evaluation lives in asteroid.scripts.eval and is used when none is set.
EVALUATORS = {}

# ----------------------------------------------------------------------------- registries


def _register(registry, kind, name, value):
    if name in registry:
        raise ValueError(f"A {kind} named {name!r} is already registered.")
    registry[name] = value
    return value


def register_dataset(name, builder):
    """Add a dataset builder ``builder(conf, split, folder) -> Dataset``."""
    return _register(DATASETS, "dataset", name, builder)


def register_loss(name, builder):
    """Add a loss builder ``builder(conf) -> loss``."""
    return _register(LOSSES, "loss", name, builder)


def register_model_builder(name, builder):
    """Build model ``name`` with ``builder(conf, train_set)`` instead of the default."""
    return _register(MODEL_BUILDERS, "model builder", name, builder)


def register_system(name, spec):
    """Add a :class:`SystemSpec` (or a bare step function) under ``name``."""
    if not isinstance(spec, SystemSpec):
        spec = SystemSpec(step=spec)
    return _register(SYSTEMS, "system", name, spec)


def register_separator(name, separator):
    """Add an evaluation separator ``separator(model, item, device)`` (see :func:`default_separator`)."""
    return _register(SEPARATORS, "separator", name, separator)


def register_evaluator(name, evaluator):
    """Add an evaluation ``evaluator(args, conf, model, test_set, out_dir, device) -> dict``."""
    return _register(EVALUATORS, "evaluator", name, evaluator)


#: Names registered by a module of the library when it is imported for them: an experiment
#: of ``asteroid-train`` names the dataset "OwnFolder", which ``python -m
#: asteroid.scripts.eval`` must find without the plugin flag.
_PROVIDERS = {"OwnFolder": "asteroid.scripts.own_data"}


def _lookup(registry, kind, name):
    if name not in registry and name in _PROVIDERS:
        importlib.import_module(_PROVIDERS[name]).register_parts()
    if name not in registry:
        raise ValueError(f"Unknown {kind} {name!r}; known {kind}s: {', '.join(sorted(registry))}.")
    return registry[name]


def make_dataset(name, conf, split, folder):
    """Build dataset ``name`` of ``conf`` for ``split`` (``"train"``, ``"valid"``, ``"test"``) on ``folder``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    # A folder with "{}" is a template that its builder fills (e.g. with speaker counts).
    if not folder or ("{}" not in folder and not os.path.exists(folder)):
        raise FileNotFoundError(
            f"The {split} data {folder!r} does not exist; run the data preparation stages first."
        )
    return _lookup(DATASETS, "dataset", name)(conf, split, folder)


def make_loss(name, conf=None):
    """Build the loss ``name``."""
    return _lookup(LOSSES, "loss", name)(conf or {})


def make_model(name, conf, train_set=None):
    """Build model ``name`` for ``conf`` (see :data:`MODEL_BUILDERS`)."""
    if name in MODEL_BUILDERS:
        return MODEL_BUILDERS[name](conf, train_set)
    return default_model_builder(name, conf, train_set)


def get_system(name):
    """The :class:`SystemSpec` registered under ``name``."""
    return _lookup(SYSTEMS, "system", name)


def get_separator(name):
    """The evaluation separator of system ``name`` (the default one if it has none)."""
    return SEPARATORS.get(name, default_separator)


def get_evaluator(name):
    """The evaluator of system ``name``, or ``None`` for the separation evaluation."""
    return EVALUATORS.get(name)


def load_plugins(paths):
    """Import recipe plugin files (each at most once per process, even from two copies).

    Args:
        paths (list of str): Python files, relative to the working directory or absolute.

    Returns:
        list: the imported modules.

    Raises:
        FileNotFoundError: naming a path that is not a file.
    """
    modules = []
    for path in paths or []:
        full = os.path.abspath(path)
        if not os.path.isfile(full):
            raise FileNotFoundError(f"Recipe plugin {path!r} is not a file (looked at {full}).")
        with open(full, "rb") as fh:  # the same file in two copies of egs/ loads once
            key = "asteroid_recipe_plugin_" + hashlib.sha1(fh.read()).hexdigest()[:12]
        if key not in sys.modules:
            spec = importlib.util.spec_from_file_location(key, full)
            module = importlib.util.module_from_spec(spec)
            sys.modules[key] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[key]
                raise
        modules.append(sys.modules[key])
    return modules
