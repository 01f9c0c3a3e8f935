"""The TF-GridNet and SepFormer recipes: run end to end, and their conf.yml is the paper's model.

Each recipe runs as ``bash run.sh`` on the tiny generated corpus of its family (see
conftest.py), from its first data stage that needs no download, with a model of a few
thousand parameters and one epoch; the experiment folder must then hold a model file that
``from_pretrained`` loads as the recipe's class and finite final metrics. Without training,
each recipe's own conf.yml must build, through the shared recipe scripts, the paper's model
(its parameter count) with the paper's training options.
"""

import glob
import os
import types

import pytest
import yaml

from asteroid.models import BaseModel, SepFormer, TFGridNet
from asteroid.scripts.recipe_parts import make_model
from asteroid.scripts.train import DYNAMIC_MIXING_KEYS, parse

from .conftest import EGS, finite, run_recipe
from .test_recipes import check_experiment

EPOCH = "--epochs 1 --num_workers 0 --progress 0 --batch_size 2 --segment 1 --metrics si_sdr sdr"
TINY = {
    # 8,715 parameters with 2 sources
    TFGridNet: "--n_blocks 1 --emb_dim 8 --hid_size 8 --emb_kernel_size 4 --emb_stride 2 "
    "--n_heads 2 --qk_channels 2 --stft_n_filters 64 --stft_kernel_size 64 --stft_stride 16",
    # 5,665 parameters with 2 sources
    SepFormer: "--n_filters 16 --kernel_size 16 --stride 8 --n_heads 2 --ff_hid 16 "
    "--chunk_size 20 --hop_size 10 --n_repeats 1 --n_layers 1",
}
TINY_PARAMS = {TFGridNet: 8_715, SepFormer: 5_665}
# The papers' wsj0-2mix models, with 2 sources.
PAPER_PARAMS = {TFGridNet: 14_521_042, SepFormer: 25_679_361}

# The papers' training options: (optimizer, lr, batch_size, segment, gradient clipping,
# dynamic mixing).
PAPER_TRAINING = {
    TFGridNet: ("adam", 1e-3, 4, 4.0, 1, False),
    SepFormer: ("adam", 1.5e-4, 1, 4.0, 5, True),
}

# recipe -> (model class, corpus of conftest.CORPORA, run.sh options; {corpus} is its folder)
RECIPES = {
    "wham/TFGridNet": (TFGridNet, "wham", ["--stage", "2", "--wham_wav_dir", "{corpus}/wham"]),
    "librimix/TFGridNet": (TFGridNet, "librimix", ["--stage", "1", "--librimix_dir", "{corpus}"]),
    "librimix/SepFormer": (SepFormer, "librimix", ["--stage", "1", "--librimix_dir", "{corpus}"]),
    "wsj0-mix/TFGridNet": (TFGridNet, "wsj0mix", ["--stage", "2", "--wsj0mix_wav_dir", "{corpus}"]),
    "wsj0-mix/SepFormer": (SepFormer, "wsj0mix", ["--stage", "2", "--wsj0mix_wav_dir", "{corpus}"]),
}
# The librimix corpus of conftest.py is 16 kHz, max mode.
CORPUS_ARGS = {"librimix": ["--sample_rate", "16000", "--mode", "max"]}


def recipe_args(recipe, folder):
    """run.sh options of the tiny run of ``recipe`` on corpus ``folder``."""
    cls, corpus_name, args = RECIPES[recipe]
    args = [a.replace("{corpus}", str(folder)) for a in args] + CORPUS_ARGS.get(corpus_name, [])
    return args + ["--train_args", f"{TINY[cls]} {EPOCH}", "--eval_args", "--n_save_ex 1"]


def only_experiment(recipe_dir, output):
    exp_dirs = glob.glob(str(recipe_dir / "exp" / "train_*"))
    assert len(exp_dirs) == 1, output[-3000:]
    return exp_dirs[0]


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_recipe_runs_end_to_end(recipe, corpus, egs_copy):
    """The recipe's own options but the model size: SepFormer trains with dynamic mixing."""
    cls, corpus_name, _ = RECIPES[recipe]
    recipe_dir = egs_copy / recipe
    args = recipe_args(recipe, corpus(corpus_name))
    proc = run_recipe(recipe_dir, *args)
    exp_dir = only_experiment(recipe_dir, proc.stdout)
    conf, final = check_experiment(exp_dir)
    model = BaseModel.from_pretrained(os.path.join(exp_dir, "best_model.pth"))
    assert type(model) is cls
    assert sum(p.numel() for p in model.parameters()) == TINY_PARAMS[cls]
    assert int(model.sample_rate) == int(conf["data"]["sample_rate"])
    assert {"si_sdr", "si_sdr_imp", "sdr", "sdr_imp"} <= set(final), final
    assert all(finite(v) for v in final.values()), final

    dynamic_mixing = PAPER_TRAINING[cls][-1]
    assert conf["training"]["dynamic_mixing"] is dynamic_mixing
    # train.py says how many new mixtures it makes when dynamic mixing is on.
    assert ("Dynamic mixing: " in proc.stdout) is dynamic_mixing, proc.stdout[-3000:]

    if recipe.startswith("wsj0-mix/"):  # their own run.sh (the others' is tested by test_recipes)
        again = run_recipe(recipe_dir, *args)  # a finished recipe redoes nothing
        assert "training skipped" in again.stdout and "evaluation skipped" in again.stdout


def test_tfgridnet_trains_with_dynamic_mixing_when_asked(corpus, egs_copy):
    recipe_dir = egs_copy / "wham" / "TFGridNet"
    args = recipe_args("wham/TFGridNet", corpus("wham"))
    args[args.index("--train_args") + 1] += " --dynamic_mixing true --speed_perturb 0.9 1.1"
    proc = run_recipe(recipe_dir, *args, "--stop_stage", "3", "--tag", "dm")
    assert "Dynamic mixing: 4 new 2-source mixtures per epoch" in proc.stdout, proc.stdout[-3000:]
    exp_dir = only_experiment(recipe_dir, proc.stdout)
    with open(os.path.join(exp_dir, "conf.yml")) as fh:
        conf = yaml.safe_load(fh)
    assert conf["training"]["dynamic_mixing"] is True
    assert conf["augmentation"]["speed_perturb"] == [0.9, 1.1]
    assert type(BaseModel.from_pretrained(os.path.join(exp_dir, "best_model.pth"))) is TFGridNet


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_missing_corpus_fails_at_once_naming_it(recipe, egs_copy, tmp_path):
    missing = tmp_path / "no_such_corpus"
    proc = run_recipe(egs_copy / recipe, *recipe_args(recipe, missing), check=False, timeout=60)
    assert proc.returncode != 0
    assert str(missing) in proc.stdout, proc.stdout
    assert not glob.glob(str(egs_copy / recipe / "exp" / "*" / "*.pth"))


def recipe_conf(recipe, *overrides):
    """The recipe's conf.yml as train.py reads it (with command-line ``overrides``)."""
    cls = RECIPES[recipe][0]
    conf_path = str(EGS / recipe / "conf.yml")
    argv = ["--conf", conf_path, "--model", cls.__name__, "--exp_dir", "unused", *overrides]
    conf, main_args = parse(argv)
    return conf, main_args


# The dataset's part in building a model is its n_src attribute (2 for every recipe here).
TWO_SPEAKERS = types.SimpleNamespace(n_src=2)


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_conf_builds_the_papers_model(recipe):
    cls = RECIPES[recipe][0]
    conf, main_args = recipe_conf(recipe)
    model = make_model(main_args["model"], conf, TWO_SPEAKERS)
    assert type(model) is cls
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == PAPER_PARAMS[cls]
    if cls is TFGridNet:
        assert 14.4e6 <= n_params <= 14.6e6
        assert model.get_model_args() == {**TFGridNet(2).get_model_args(), "n_src": 2}
        assert model.masker.n_freqs == 129  # 256-point STFT
        assert (model.stft_kernel_size, model.stft_stride) == (256, 64)  # 32 ms, 8 ms at 8 kHz
    else:
        assert 25.6e6 <= n_params <= 26.0e6  # "26 M" in the paper
        args = model.get_model_args()
        assert (args["n_filters"], args["kernel_size"], args["stride"]) == (256, 16, 8)
        assert (args["chunk_size"], args["hop_size"]) == (250, 125)
        assert (args["n_repeats"], args["n_layers"], args["n_heads"]) == (2, 8, 8)
        assert args["ff_hid"] == 1024
    assert model.sample_rate == 8000


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_conf_has_the_papers_training_options(recipe):
    cls = RECIPES[recipe][0]
    conf, _ = recipe_conf(recipe)
    training, optim = conf["training"], conf["optim"]
    found = (
        optim["optimizer"],
        optim["lr"],
        training["batch_size"],
        conf["data"]["segment"],
        training["gradient_clipping"],
        training["dynamic_mixing"],
    )
    assert found == PAPER_TRAINING[cls]
    assert training["half_lr"] is True and optim["weight_decay"] == 0
    assert training["lr_patience"] == (2 if cls.__name__ == "SepFormer" else 5)
    aug = conf["augmentation"]
    assert {"global_db_range", "abs_stats", "rel_stats", "speed_perturb"} <= set(aug)
    assert set(aug) <= set(DYNAMIC_MIXING_KEYS)  # train.py refuses other keys
    assert aug["speed_perturb"] == [0.95, 1.05]
    # Every key can be overridden from run.sh's --train_args.
    conf, _ = recipe_conf(recipe, "--dynamic_mixing", "false", "--speed_perturb", "1", "1")
    assert conf["training"]["dynamic_mixing"] is False
    assert conf["augmentation"]["speed_perturb"] == [1.0, 1.0]


def test_recipe_files_follow_their_family():
    """Each run.sh names its model; the two wsj0-mix ones differ by the model only."""
    for recipe, (cls, _, _) in RECIPES.items():
        text = (EGS / recipe / "run.sh").read_text()
        assert f"--model {cls.__name__}" in text or f"model={cls.__name__}" in text, recipe
        readme = (EGS / recipe / "README.md").read_text()
        assert f"{PAPER_PARAMS[cls] / 1e6:.1f} M" in readme, recipe
    wsj = [(EGS / "wsj0-mix" / m / "run.sh").read_text().splitlines() for m in WSJ0MIX_MODELS]
    differing = [(a, b) for a, b in zip(*wsj) if a != b]
    assert len(wsj[0]) == len(wsj[1]) and len(differing) == 2, differing


WSJ0MIX_MODELS = ("TFGridNet", "SepFormer")


def test_egs_readme_lists_the_recipes():
    table = (EGS / "README.md").read_text()
    for recipe in RECIPES:
        assert f"| `{recipe}` |" in table, recipe
