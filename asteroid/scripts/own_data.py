"""``asteroid-train`` and ``asteroid-eval``: train, fine-tune and evaluate on your own WAV folders.

Both commands check the data folders first (:func:`asteroid.data.folder_dataset.validate_folder`)
and stop with exit status 2, listing every problem, before anything is written. Other errors
are one line on stderr (``asteroid-train: error: ...``) with exit status 1; argument errors
exit with status 2, as argparse does. Without the console scripts, run
``python -m asteroid.scripts.own_data train ...`` and ``python -m asteroid.scripts.own_data eval ...``.

``asteroid-train`` trains through :func:`asteroid.scripts.train.train`, the training path of
every recipe, and writes the usual experiment folder (``conf.yml``, ``checkpoints/``,
``best_k_models.json``, ``lightning_logs/``, ``train_metrics.csv``, ``best_model.pth``). A run
that was stopped resumes from its last checkpoint when started again with the same
``--exp-dir``; a finished run is not redone unless ``--retrain`` is given.

``asteroid-eval`` separates every mixture of a test folder and writes ``final_metrics.json``,
``all_metrics.csv``, ``examples/`` and ``report.html`` into a new folder.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

import yaml

from asteroid.data.dynamic_mixing import DynamicMixing
from asteroid.data.folder_dataset import (
    FolderError,
    FolderMixtures,
    FolderUtterances,
    FrozenMixtures,
    detect_layout,
    validate_folder,
)
from asteroid.utils.file_utils import current_umask

from .asteroid_cli import CLIError

# Models, metrics, the report and Lightning are imported where they are used, so that a
# folder problem or a bad option is reported without waiting for them.

__all__ = [
    "train_main",
    "eval_main",
    "main",
    "DEFAULT_MODEL_CONFS",
    "DEFAULT_TRAINING",
    "DATASET_NAME",
    "PRETRAINED_MODEL",
    "build_dataset",
    "build_pretrained_model",
    "register_parts",
]

TRAIN_PROG = "asteroid-train"
EVAL_PROG = "asteroid-eval"
#: Exit status when a data folder (or the data against the model) has problems.
DATA_PROBLEM_STATUS = 2
#: The name of the folder datasets in :data:`asteroid.scripts.recipe_parts.DATASETS`.
DATASET_NAME = "OwnFolder"
#: The model builder (:data:`~asteroid.scripts.recipe_parts.MODEL_BUILDERS`) of ``--from-pretrained``.
PRETRAINED_MODEL = "from_pretrained"

#: Model groups used when training from scratch (a ``--conf`` replaces them key by key): small
#: models (ConvTasNet: the demo recipe's, about 9.3 dB SI-SDRi on its synthetic speech after
#: 11 minutes of training on 2 CPU cores); give a ``--conf`` with larger groups for a GPU.
DEFAULT_MODEL_CONFS = {
    "ConvTasNet": {
        "filterbank": {"n_filters": 64, "kernel_size": 32, "stride": 16},
        "masknet": {
            "n_blocks": 4,
            "n_repeats": 2,
            "bn_chan": 48,
            "hid_chan": 96,
            "skip_chan": 48,
            "mask_act": "relu",
        },
    },
    "DPRNNTasNet": {
        "filterbank": {"n_filters": 64, "kernel_size": 16, "stride": 8},
        "masknet": {
            "bn_chan": 64,
            "hid_size": 64,
            "chunk_size": 100,
            "hop_size": 50,
            "n_repeats": 2,
            "mask_act": "sigmoid",
            "bidirectional": True,
        },
    },
}
#: The ``training`` group's defaults (see :func:`asteroid.engine.trainer.make_trainer`).
DEFAULT_TRAINING = {
    "epochs": 50,
    "batch_size": 4,
    "num_workers": 2,
    "half_lr": True,
    "early_stop": True,
    "patience": 10,
    "gradient_clipping": 5,
    "save_top_k": 3,
}
DEFAULT_OPTIM = {"optimizer": "adam", "lr": 1e-3, "weight_decay": 0.0}
DEFAULT_SEGMENT = 3.0
DEFAULT_N_SRC = 2
MODEL_GROUPS = ("filterbank", "masknet", "net")
DEFAULT_METRICS = ["si_sdr", "sdr", "stoi", "pesq"]
PESQ_RATES = (8000, 16000)
# A model given with one of these extensions must be a local file (not a hub id).
MODEL_FILE_EXTENSIONS = (".pth", ".pt", ".bin", ".ckpt")


# ----------------------------------------------------------------------------- recipe parts


def build_dataset(conf, split, folder):
    """The dataset of a data folder for ``split`` (a builder of ``recipe_parts.DATASETS``).

    ``"mixtures"`` folders give :class:`~asteroid.data.folder_dataset.FolderMixtures`
    (random ``data.segment`` crops in training, the middle segment in validation, whole files
    in test). ``"utterances"`` folders give mixtures of ``data.n_src`` distinct speakers made by
    :class:`~asteroid.data.dynamic_mixing.DynamicMixing`: new ones at every item in training
    (the bare :class:`~asteroid.data.folder_dataset.FolderUtterances` when the training script
    wraps it itself, ``training.dynamic_mixing: true``), the same ones at every epoch otherwise.
    """
    data = conf["data"]
    layout = data.get("layout") or detect_layout(folder)
    segment = None if split == "test" else data.get("segment")
    n_src, sample_rate = data.get("n_src"), data.get("sample_rate")
    if layout == "mixtures":
        return FolderMixtures(
            folder,
            n_src=n_src,
            sample_rate=sample_rate,
            segment=segment,
            random_crop=split == "train",
        )
    base = FolderUtterances(folder, n_src=n_src, sample_rate=sample_rate)
    if split == "train" and (conf.get("training") or {}).get("dynamic_mixing"):
        return base
    if segment is None and split != "test":
        raise ValueError("Mixing utterances for training needs data.segment (in seconds).")
    mixing = DynamicMixing(
        base,
        n_src=n_src,
        segment=segment,
        sample_rate=base.sample_rate,
        speaker_of=base.source_speaker,
        seed=int(data.get("mixing_seed", 0)),
    )
    return mixing if split == "train" else FrozenMixtures(mixing)


def build_pretrained_model(conf, train_set=None):
    """The model of ``conf["pretrained"]["path"]`` with its weights (a model builder).

    The model is rebuilt from the file's own ``model_name`` and ``model_args``, at the
    data's sample rate (checked to be the model's own by ``asteroid-train``).
    """
    from asteroid.models import BaseModel

    return BaseModel.from_pretrained(
        conf["pretrained"]["path"], sample_rate=conf["data"]["sample_rate"]
    )


def register_parts():
    """Register :func:`build_dataset` and :func:`build_pretrained_model` (once)."""
    from . import recipe_parts

    if DATASET_NAME not in recipe_parts.DATASETS:
        recipe_parts.register_dataset(DATASET_NAME, build_dataset)
    if PRETRAINED_MODEL not in recipe_parts.MODEL_BUILDERS:
        recipe_parts.register_model_builder(PRETRAINED_MODEL, build_pretrained_model)


# ----------------------------------------------------------------------------- shared helpers


def _positive(kind):
    def check(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return check


def _load_model(source):
    from asteroid.models.base_models import BaseModel

    looks_like_file = os.path.splitext(str(source))[1].lower() in MODEL_FILE_EXTENSIONS
    if looks_like_file and "://" not in str(source) and not os.path.exists(source):
        raise CLIError(f"no such model file: {source}")
    try:
        return BaseModel.from_pretrained(source)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        raise CLIError(f"cannot load model {source!r}: {_one_line(err)}") from err


def _one_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _hz(rate):
    return "an unknown rate of" if rate is None else f"{float(rate):g}"


def _model_n_src(model):
    """The number of sources a model separates, as its model arguments state (or ``None``)."""
    try:
        n_src = model.get_model_args().get("n_src")
    except (AttributeError, NotImplementedError):
        n_src = None
    return getattr(model, "n_src", None) if n_src is None else n_src


def _check_model_fits(model, source, folder, sample_rate, n_src):
    """A :class:`FolderError` when the model's rate or number of sources is not the data's."""
    problems = []
    model_rate = model.sample_rate
    if model_rate is None or int(model_rate) != int(sample_rate):
        problems.append(
            f"the model {source} works at {_hz(model_rate)} Hz but the files are at "
            f"{sample_rate} Hz (resample the files to {_hz(model_rate)} Hz)"
        )
    model_n_src = _model_n_src(model)
    if n_src is not None and model_n_src is not None and int(model_n_src) != int(n_src):
        problems.append(
            f"the model {source} separates {model_n_src} sources but the data has {n_src} "
            f"per mixture"
        )
    if problems:
        raise FolderError(folder, problems)


# ----------------------------------------------------------------------------- asteroid-train


def make_train_parser():
    parser = argparse.ArgumentParser(
        prog=TRAIN_PROG,
        description="Train a separation model on your own folders of WAV files, from scratch or "
        "by fine-tuning a pretrained model. The folders are checked first: every problem is "
        "listed and nothing is written when one is found (exit status 2).",
    )
    parser.add_argument("--train-dir", required=True, help="training data folder")
    parser.add_argument("--valid-dir", required=True, help="validation data folder")
    parser.add_argument(
        "--layout",
        choices=("mixtures", "utterances"),
        default=None,
        help="mixtures: mix/ (or top-level) mixtures with s1/, s2/, ... references; "
        "utterances: one subfolder per speaker, mixed on the fly (default: detected)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="model to train from scratch, e.g. ConvTasNet (default) or DPRNNTasNet; other "
        "registered models need --conf with their filterbank/masknet groups",
    )
    parser.add_argument(
        "--from-pretrained",
        default=None,
        metavar="MODEL",
        help="fine-tune this model (a model file, URL or Hugging Face hub id) instead",
    )
    parser.add_argument(
        "--conf",
        default=None,
        help="YAML file of groups (filterbank, masknet, training, optim, data) replacing the "
        "defaults key by key; options given on the command line win",
    )
    parser.add_argument(
        "--exp-dir", default=None, help="experiment folder (default: exp/<model>_<train folder>)"
    )
    parser.add_argument(
        "--n-src",
        type=_positive(int),
        default=None,
        help="sources per mixture (default: the number of s<k>/ folders, or 2 for utterances)",
    )
    parser.add_argument(
        "--sample-rate",
        type=_positive(int),
        default=None,
        help="the rate the files must have (default: their common rate)",
    )
    parser.add_argument(
        "--segment",
        type=_positive(float),
        default=None,
        help=f"training crops in seconds; shorter mixtures are dropped (default {DEFAULT_SEGMENT:g})",
    )
    parser.add_argument("--epochs", type=_positive(int), default=None, help="training epochs")
    parser.add_argument("--batch-size", type=_positive(int), default=None, help="batch size")
    parser.add_argument("--lr", type=_positive(float), default=None, help="learning rate")
    parser.add_argument(
        "--num-workers", type=int, default=None, help="data loading processes (0: in-process)"
    )
    parser.add_argument(
        "--id", default="", help="device ids, e.g. 0,1 (two processes); default: one process"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="train again from the start: deletes the experiment's checkpoints, "
        "best_k_models.json and best_model.pth first",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _load_user_conf(path):
    if path is None:
        return {}
    if not os.path.isfile(path):
        raise CLIError(f"no such config file: {path}")
    try:
        with open(path) as fh:
            conf = yaml.safe_load(fh) or {}
    except yaml.YAMLError as err:
        raise CLIError(f"{path} is not valid YAML: {_one_line(err)}") from err
    if not isinstance(conf, dict) or not all(isinstance(v, dict) for v in conf.values()):
        raise CLIError(f"{path} must map group names (training, optim, ...) to mappings")
    return conf


def _validate_train_folders(args, user_data):
    """Check both folders (the validation folder against the training one); ``(layout, contents)``."""
    layout = args.layout or user_data.get("layout")
    n_src = args.n_src or user_data.get("n_src")
    sample_rate = args.sample_rate or user_data.get("sample_rate")
    errors = []
    contents = None
    try:
        layout = layout or detect_layout(args.train_dir)
        if layout == "utterances":
            n_src = n_src or DEFAULT_N_SRC
        contents = validate_folder(args.train_dir, layout, n_src=n_src, sample_rate=sample_rate)
    except FolderError as err:
        errors.append(err)
    valid_rate = contents.sample_rate if contents else sample_rate
    valid_n_src = contents.n_src if contents else n_src
    try:
        valid_layout = layout or detect_layout(args.valid_dir)
        if valid_layout == "utterances":
            valid_n_src = valid_n_src or DEFAULT_N_SRC
        validate_folder(args.valid_dir, valid_layout, n_src=valid_n_src, sample_rate=valid_rate)
    except FolderError as err:
        errors.append(err)
    if errors:
        raise _FolderErrors(errors)
    return layout, contents


class _FolderErrors(Exception):
    """Problems of one or more folders, printed as they are, exit status 2."""

    def __init__(self, errors):
        super().__init__("\n".join(str(e) for e in errors))


def _default_exp_dir(model_name, train_dir, fine_tune):
    base = os.path.basename(os.path.abspath(train_dir))
    return os.path.join("exp", f"{model_name}_{'finetuned_' if fine_tune else ''}{base}")


def _build_conf(args, user_conf, layout, contents, pretrained):
    """The run's conf.yml: defaults, then the user's groups, then the command line."""
    conf = {}
    if pretrained is None:
        model_name = _model_class_name(args.model or "ConvTasNet")
        defaults = DEFAULT_MODEL_CONFS.get(model_name)
        if defaults is None and not any(g in user_conf for g in MODEL_GROUPS):
            raise CLIError(
                f"no default configuration for {model_name} (defaults exist for "
                f"{', '.join(DEFAULT_MODEL_CONFS)}): give --conf with its filterbank/masknet groups"
            )
        for group in MODEL_GROUPS:
            merged = {**(defaults or {}).get(group, {}), **user_conf.get(group, {})}
            if merged:
                conf[group] = merged
    else:
        model_name = pretrained["model_name"]
        ignored = [g for g in MODEL_GROUPS if g in user_conf]
        if ignored:
            print(
                f"Note: the {', '.join(ignored)} group(s) of {args.conf} are ignored: the model "
                f"is {pretrained['source']} as it is."
            )
        conf["pretrained"] = pretrained
    training = {**DEFAULT_TRAINING, **user_conf.get("training", {})}
    for key, value in (
        ("epochs", args.epochs),
        ("batch_size", args.batch_size),
        ("num_workers", args.num_workers),
    ):
        if value is not None:
            training[key] = value
    if layout == "utterances":
        training["dynamic_mixing"] = True
    optim = {**DEFAULT_OPTIM, **user_conf.get("optim", {})}
    if args.lr is not None:
        optim["lr"] = args.lr
    data = {**user_conf.get("data", {})}
    data.update(
        train_dir=os.path.abspath(args.train_dir),
        valid_dir=os.path.abspath(args.valid_dir),
        layout=layout,
        sample_rate=int(contents.sample_rate),
        n_src=int(contents.n_src),
        segment=float(args.segment or data.get("segment") or DEFAULT_SEGMENT),
    )
    conf.update(training=training, optim=optim, data=data)
    for group, values in user_conf.items():  # other groups of the user's conf (scheduler, ...)
        conf.setdefault(group, values)
    return conf, model_name


def _model_class_name(name):
    from asteroid import models

    try:
        return models.get(name).__name__
    except ValueError as err:
        raise CLIError(_one_line(err)) from err


def _pretrained_entry(args, contents, n_src_given):
    """Load ``--from-pretrained``, check it against the data, and describe it for conf.yml.

    Utterances are mixed into as many sources as the model separates unless ``--n-src`` (or
    the conf's ``data.n_src``) says otherwise (``n_src_given``).
    """
    from asteroid.utils.hub_utils import cached_download

    model = _load_model(args.from_pretrained)
    model_n_src = _model_n_src(model)
    if contents.layout == "utterances" and not n_src_given and model_n_src is not None:
        for folder in (args.train_dir, args.valid_dir):
            validate_folder(
                folder, "utterances", n_src=model_n_src, sample_rate=contents.sample_rate
            )
        contents.n_src = int(model_n_src)
    _check_model_fits(
        model, args.from_pretrained, args.train_dir, contents.sample_rate, contents.n_src
    )
    name = type(model).__name__
    if args.model and _model_class_name(args.model) != name:
        raise CLIError(
            f"--model {args.model} and the pretrained model ({name}) differ; "
            f"leave --model out to fine-tune"
        )
    return {
        "source": args.from_pretrained,
        "path": os.path.abspath(cached_download(args.from_pretrained)),
        "model_name": name,
    }


# What must not change for a run to be resumed (or to count as done).
_RUN_IDENTITY = (
    ("data", ("train_dir", "valid_dir", "layout", "sample_rate", "n_src", "segment")),
    ("pretrained", ("source",)),
    ("filterbank", None),
    ("masknet", None),
    ("net", None),
)


def _check_previous_run(exp_dir, conf, model_arg):
    """Refuse to resume (or skip) a run of ``exp_dir`` made with other data or another model."""
    path = os.path.join(exp_dir, "conf.yml")
    if not os.path.isfile(path):
        return
    with open(path) as fh:
        old = yaml.safe_load(fh) or {}
    differences = []
    if (old.get("main_args") or {}).get("model") != model_arg:
        differences.append(f"model {old.get('main_args', {}).get('model')} -> {model_arg}")
    for group, keys in _RUN_IDENTITY:
        before, after = old.get(group) or {}, conf.get(group) or {}
        for key in keys or sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                differences.append(f"{group}.{key} {before.get(key)} -> {after.get(key)}")
    if differences:
        raise CLIError(
            f"{exp_dir} holds a run with other settings ({'; '.join(differences[:4])}): pass "
            f"--retrain to start it over, or choose another --exp-dir"
        )


def _clear_previous_run(exp_dir):
    for name in ("checkpoints",):
        shutil.rmtree(os.path.join(exp_dir, name), ignore_errors=True)
    for name in ("best_k_models.json", "best_model.pth", "train_metrics.csv"):
        path = os.path.join(exp_dir, name)
        if os.path.isfile(path):
            os.remove(path)


def _train(args):
    user_conf = _load_user_conf(args.conf)
    if args.num_workers is not None and args.num_workers < 0:
        raise CLIError(f"--num-workers must be 0 or more, got {args.num_workers}")
    if args.model and not args.from_pretrained:
        _model_class_name(args.model)  # an unknown name fails before the folders are read
    layout, contents = _validate_train_folders(args, user_conf.get("data", {}))
    n_src_given = bool(args.n_src or user_conf.get("data", {}).get("n_src"))
    pretrained = _pretrained_entry(args, contents, n_src_given) if args.from_pretrained else None
    conf, model_name = _build_conf(args, user_conf, layout, contents, pretrained)
    model_arg = PRETRAINED_MODEL if pretrained else model_name
    exp_dir = args.exp_dir or _default_exp_dir(model_name, args.train_dir, bool(pretrained))
    if os.path.exists(exp_dir) and not os.path.isdir(exp_dir):
        raise CLIError(f"--exp-dir {exp_dir} is a file, not a folder")
    if args.retrain:
        _clear_previous_run(exp_dir)
    else:
        _check_previous_run(exp_dir, conf, model_arg)

    from .train import train

    register_parts()
    train_args = {
        "exp_dir": exp_dir,
        "model": model_arg,
        "dataset": DATASET_NAME,
        "loss": "pit_sisdr" if contents.n_src > 1 else "sisdr",
        "system": "default",
        "plugin": [],
        "init_from": None,
        "id": args.id,
        "seed": args.seed,
        "retrain": args.retrain,
        "progress": 0 if args.no_progress else 1,
    }
    what = f"Fine-tuning {pretrained['source']}" if pretrained else f"Training {model_name}"
    print(
        f"{what} on {args.train_dir} ({layout} layout, {contents.n_src} sources, "
        f"{contents.sample_rate} Hz); experiment folder {exp_dir}"
    )
    best = train(conf, train_args)
    print(f"Model file: {best}")
    print(f"Evaluate it with: asteroid-eval --model {best} --test-dir <test folder>")
    return 0


def train_main(argv=None):
    """``asteroid-train``: train or fine-tune on data folders. Returns the exit status."""
    args = make_train_parser().parse_args(argv)
    return _run(TRAIN_PROG, _train, args)


def _run(prog, func, args):
    try:
        return func(args)
    except (_FolderErrors, FolderError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return DATA_PROBLEM_STATUS
    except CLIError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        print(f"{prog}: error: {_one_line(err)}", file=sys.stderr)
        return 1


# ----------------------------------------------------------------------------- asteroid-eval


def make_eval_parser():
    parser = argparse.ArgumentParser(
        prog=EVAL_PROG,
        description="Separate every mixture of a test folder (mix/ or top-level mixtures with "
        "s1/, s2/, ... references) with a model, and write the metrics (final_metrics.json, "
        "all_metrics.csv), example separations and an HTML report into a new folder.",
    )
    parser.add_argument(
        "--model", required=True, help="the model: a model file, URL or Hugging Face hub id"
    )
    parser.add_argument("--test-dir", required=True, help="test data folder (mixtures layout)")
    parser.add_argument(
        "--out-dir",
        default=None,
        help="output folder (default: eval_<test folder> beside the model file, or in the "
        "current folder for a downloaded model)",
    )
    parser.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help=f"metrics (default: {' '.join(DEFAULT_METRICS)}; pesq only at 8 or 16 kHz)",
    )
    parser.add_argument(
        "--n-save-ex", type=int, default=5, help="example separations to save (-1: all)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the output folder if it is not empty"
    )
    parser.add_argument(
        "--device", default=None, help="torch device (default: cuda when available, else cpu)"
    )
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="processes for STOI/PESQ (default: every core)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the choice of examples")
    return parser


def _eval_metrics(requested, sample_rate):
    from asteroid.metrics.utterance import normalize_metrics_list

    metrics = list(requested or DEFAULT_METRICS)
    try:
        metrics = normalize_metrics_list(metrics)
    except ValueError as err:
        raise CLIError(_one_line(err)) from err
    if "pesq" in metrics and int(sample_rate) not in PESQ_RATES:
        if requested:
            raise CLIError(f"pesq needs 8000 or 16000 Hz files, these are at {sample_rate} Hz")
        metrics.remove("pesq")
        print(f"PESQ left out: it needs 8000 or 16000 Hz files, these are at {sample_rate} Hz.")
    return metrics


def _default_out_dir(model, test_dir):
    name = f"eval_{os.path.basename(os.path.abspath(test_dir))}"
    if os.path.isfile(model):
        return os.path.join(os.path.dirname(os.path.abspath(model)), name)
    return name


def _report_exp_dir(model, out_dir):
    """The model's experiment folder when it has a training log (for the loss curves)."""
    if os.path.isfile(model):
        folder = os.path.dirname(os.path.abspath(model))
        if os.path.isfile(os.path.join(folder, "train_metrics.csv")):
            return folder
    return out_dir


def _separate_all(model, dataset, device, metrics, work_dir, args):
    """Metrics of every mixture (estimates PIT-reordered on SI-SDR); saves the examples."""
    import torch
    from tqdm import tqdm

    from asteroid.metrics import MetricTracker

    from .eval import choose_examples, pit_reorder, write_example

    tracker = MetricTracker(sample_rate=dataset.sample_rate, metrics_list=metrics)
    chosen = choose_examples(len(dataset), args.n_save_ex, args.seed)
    batch, n_chunk = [], 16

    def flush():
        results = tracker.evaluate_many(
            mixes=[b[0] for b in batch],
            cleans=[b[1] for b in batch],
            estimates=[b[2] for b in batch],
            filenames=[b[3] for b in batch],
            n_jobs=args.n_jobs,
            mixture=[b[3] for b in batch],
        )
        for (mix, refs, est, name, idx), utt in zip(batch, results):
            if idx in chosen:
                ex_dir = os.path.join(work_dir, "examples", f"ex_{idx}")
                write_example(ex_dir, dataset.sample_rate, mix, refs, est, metrics=utt)
        batch.clear()

    for idx in tqdm(range(len(dataset)), desc="Separating", unit="mixture"):
        mix, refs, name = dataset[idx]
        with torch.no_grad():
            est = model(mix[None].to(device))[0].cpu().numpy()
        refs = refs.numpy()
        if est.shape != refs.shape:
            raise CLIError(
                f"the model's estimates of {name} have shape {est.shape}, the references "
                f"{refs.shape}"
            )
        if refs.shape[0] > 1:
            est = pit_reorder(est, refs)
        batch.append((mix.numpy(), refs, est, name, idx))
        if len(batch) == n_chunk:
            flush()
    if batch:
        flush()
    return tracker


def _metrics_table(final):
    lines = [f"{'metric':<10}{'input':>10}{'estimate':>10}{'improvement':>13}"]
    for key in final:
        if key.endswith("_imp") or f"{key}_imp" not in final:
            continue
        value, imp = final[key], final[f"{key}_imp"]
        if value is None or imp is None:
            lines.append(f"{key:<10}{'-':>10}{'-':>10}{'-':>13}")
        else:
            lines.append(f"{key:<10}{value - imp:>10.3f}{value:>10.3f}{imp:>13.3f}")
    return "\n".join(lines)


def _replace_dir(tmp_dir, out_dir):
    """Put the finished ``tmp_dir`` at ``out_dir``, the old one (if any) removed afterwards."""
    old = None
    if os.path.exists(out_dir):
        old = tempfile.mkdtemp(prefix=".old-", dir=os.path.dirname(os.path.abspath(out_dir)))
        os.replace(out_dir, os.path.join(old, "previous"))
    os.replace(tmp_dir, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _evaluate(args):
    import torch

    from .report import write_report

    if args.n_jobs is not None and args.n_jobs < 1:
        raise CLIError(f"--n-jobs must be at least 1, got {args.n_jobs}")
    contents = validate_folder(args.test_dir, "mixtures")
    out_dir = args.out_dir or _default_out_dir(args.model, args.test_dir)
    if os.path.exists(out_dir):
        if not os.path.isdir(out_dir):
            raise CLIError(f"--out-dir {out_dir} is a file, not a folder")
        if os.listdir(out_dir) and not args.overwrite:
            raise CLIError(
                f"{out_dir} exists and is not empty: pass --overwrite to replace it, or choose "
                f"another --out-dir"
            )
    metrics = _eval_metrics(args.metrics, contents.sample_rate)
    model = _load_model(args.model)
    _check_model_fits(model, args.model, args.test_dir, contents.sample_rate, contents.n_src)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        model = model.to(device).eval()
    except (RuntimeError, AssertionError) as err:
        raise CLIError(f"cannot use device {device!r}: {_one_line(err)}") from err
    dataset = FolderMixtures(args.test_dir, n_src=contents.n_src, return_id=True)

    parent = os.path.dirname(os.path.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    work_dir = tempfile.mkdtemp(prefix=".tmp-eval-", dir=parent)
    try:
        tracker = _separate_all(model, dataset, device, metrics, work_dir, args)
        tracker.as_df().to_csv(os.path.join(work_dir, "all_metrics.csv"), index=False)
        final = {k: _plain(v) for k, v in tracker.final_report().items()}
        with open(os.path.join(work_dir, "final_metrics.json"), "w") as fh:
            json.dump(final, fh, indent=0)
        write_report(
            _report_exp_dir(args.model, os.path.abspath(out_dir)),
            out_path=os.path.join(work_dir, "report.html"),
            title=f"{type(model).__name__} on {os.path.basename(os.path.abspath(args.test_dir))}",
            eval_dir=work_dir,
        )
        os.chmod(work_dir, 0o777 & ~current_umask())
        _replace_dir(work_dir, out_dir)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    print(f"{len(dataset)} mixtures of {args.test_dir} separated by {args.model}:")
    print(_metrics_table(final))
    print(f"Report: {os.path.join(out_dir, 'report.html')}")
    return 0


def _plain(value):
    return None if value is None else float(value)


def eval_main(argv=None):
    """``asteroid-eval``: evaluate a model on a test folder. Returns the exit status."""
    args = make_eval_parser().parse_args(argv)
    return _run(EVAL_PROG, _evaluate, args)


def main(argv=None):
    """``python -m asteroid.scripts.own_data {train,eval} ...``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = {"train": train_main, "eval": eval_main}
    if not argv or argv[0] not in commands:
        print(
            "usage: python -m asteroid.scripts.own_data {train,eval} ...\n"
            "  train: asteroid-train (see train --help)\n"
            "  eval:  asteroid-eval (see eval --help)",
            file=sys.stderr,
        )
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
