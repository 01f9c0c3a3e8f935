"""The registries and helpers of the shared recipe scripts (asteroid.scripts.*)."""

import pytest
import torch

from asteroid.scripts import recipe_parts
from asteroid.scripts.eval import choose_examples, pit_reorder
from asteroid.scripts.train import device_message


def test_device_message_says_where_training_runs():
    assert device_message("", False) == "No GPU available: training on CPU."
    assert device_message("0,1", False) == (
        "No GPU available: training on CPU with 2 processes (DDP, gloo)."
    )
    assert device_message("0,1", True) == "Training on GPUs [0, 1]: 2 processes (DDP)."
    assert device_message("3", True) == "Training on GPU 3."


@pytest.mark.parametrize(
    "lookup, name",
    [
        (lambda n: recipe_parts.make_loss(n), "no_such_loss"),
        (lambda n: recipe_parts.get_system(n), "no_such_system"),
        (lambda n: recipe_parts.make_dataset(n, {"data": {}}, "train", "."), "no_such_dataset"),
    ],
)
def test_unknown_names_list_the_known_ones(lookup, name):
    with pytest.raises(ValueError, match=f"{name}.*known .*: ") as err:
        lookup(name)
    assert (
        "default" in str(err.value) or "pit_sisdr" in str(err.value) or "LibriMix" in str(err.value)
    )


def test_missing_data_folder_is_named(tmp_path):
    missing = str(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="absent.*data preparation"):
        recipe_parts.make_dataset("LibriMix", {"data": {}}, "train", missing)
    with pytest.raises(ValueError, match="split must be one of"):
        recipe_parts.make_dataset("LibriMix", {"data": {}}, "dev", str(tmp_path))


def test_registering_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        recipe_parts.register_loss("pit_sisdr", lambda conf: None)


def test_plugins_load_once_even_from_two_copies(tmp_path):
    source = "from asteroid.scripts.recipe_parts import register_loss\n"
    source += "register_loss('plugin_test_loss', lambda conf: 'built')\n"
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    first.write_text(source)
    second.write_text(source)
    modules = recipe_parts.load_plugins([str(first), str(second)])
    assert modules[0] is modules[1]
    assert recipe_parts.make_loss("plugin_test_loss") == "built"
    with pytest.raises(FileNotFoundError, match="nope.py"):
        recipe_parts.load_plugins([str(tmp_path / "nope.py")])


def test_l1_and_single_source_losses():
    est, ref = torch.zeros(2, 2, 100), torch.ones(2, 2, 100)
    assert recipe_parts.make_loss("l1")(est, ref).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="differ in shape"):
        recipe_parts.make_loss("l1")(est, ref[:, :1])
    clean = torch.randn(3, 1, 800)
    loss = recipe_parts.make_loss("sisdr")
    assert loss(clean, clean).item() < -40  # a perfect estimate
    assert loss(clean + torch.randn_like(clean), clean).item() > -10


def test_pit_reorder_puts_estimates_in_the_references_order():
    refs = torch.randn(3, 1000).numpy()
    swapped = refs[[2, 0, 1]] + 0.01
    assert pit_reorder(swapped, refs) == pytest.approx(refs + 0.01)


def test_choose_examples():
    assert choose_examples(5, -1, 0) == {0, 1, 2, 3, 4}
    picked = choose_examples(10, 3, 0)
    assert len(picked) == 3 and picked == choose_examples(10, 3, 0)
    assert choose_examples(2, 5, 0) == {0, 1}


def test_dynamic_mixing_training_set_from_the_conf(tmp_path):
    from asteroid.data import LibriMix
    from asteroid.data.dynamic_mixing import DynamicMixing
    from asteroid.data.synthetic import make_librimix_corpus
    from asteroid.scripts.train import make_dynamic_mixing_set

    out = make_librimix_corpus(tmp_path, 4, 1, 1, min_duration=1.0, local_dir=tmp_path / "md")
    conf = {
        "data": {
            "train_dir": out["local"]["train-360"],
            "task": "sep_clean",
            "sample_rate": 8000,
            "n_src": 2,
            "segment": 0.75,
        },
        "training": {"dynamic_mixing": True},
        "augmentation": {"speed_perturb": [0.95, 1.05], "global_db_range": [-20, -5]},
    }
    train_set = make_dynamic_mixing_set("LibriMix", conf, seed=0)
    assert isinstance(train_set, DynamicMixing) and train_set.speed_range == (0.95, 1.05)
    assert isinstance(train_set.dataset, LibriMix) and train_set.dataset.seg_len is None
    mixture, sources = train_set[(0, 1)]
    assert mixture.shape == (6000,) and sources.shape == (2, 6000)
    peaks = 20 * torch.log10(sources.abs().amax(-1))
    assert (peaks > -20.01).all() and (peaks < -4.99).all()

    conf["augmentation"]["volume"] = 3
    with pytest.raises(ValueError, match=r"Unknown augmentation option\(s\) \['volume'\]"):
        make_dynamic_mixing_set("LibriMix", conf, seed=0)


SEPARATION_RECIPES = [
    "librimix/ConvTasNet",
    "librimix/DCCRNet",
    "librimix/DCUNet",
    "librimix/DPRNNTasNet",
    "librimix/DPTNet",
    "librimix/SuDORMRFImprovedNet",
    "librimix/SuDORMRFNet",
    "wham/ConvTasNet",
    "wham/DPRNN",
    "wham/DPTNet",
    "wham/DynamicMixing",
    "wham/FilterbankDesign",
    "whamr/TasNet",
    "wsj0-mix/DeepClustering",
    "kinect-wsj/DeepClustering",
    "demo/ConvTasNet",
]


@pytest.mark.parametrize("recipe", SEPARATION_RECIPES)
def test_every_separation_recipe_turns_dynamic_mixing_on_from_the_command_line(recipe):
    import os

    from asteroid.scripts.train import parse

    conf_path = os.path.join(os.path.dirname(__file__), "..", "..", "egs", recipe, "conf.yml")
    base = ["--conf", conf_path, "--exp_dir", "x", "--model", "ConvTasNet"]
    conf, _ = parse(base)
    assert conf["training"]["dynamic_mixing"] is (recipe == "wham/DynamicMixing")
    conf, _ = parse(base + ["--dynamic_mixing", str(recipe != "wham/DynamicMixing").lower()])
    assert conf["training"]["dynamic_mixing"] is (recipe != "wham/DynamicMixing")
