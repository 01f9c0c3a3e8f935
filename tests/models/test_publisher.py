"""save_publishable: the model file and its model card."""

import os

import pytest
import torch
import yaml

from asteroid.models import BaseModel, ConvTasNet, save_publishable
from asteroid.models.model_file import load_model_file

LICENSE = {
    "title": "The WSJ-0 Hipster Ambient Mixtures dataset",
    "title_link": "http://wham.whisper.ai/",
    "author": "Whisper.ai",
    "author_link": "https://whisper.ai/",
    "license": "CC BY-NC 4.0",
    "license_link": "https://creativecommons.org/licenses/by-nc/4.0/",
    "non_commercial": True,
}
TRAIN_CONF = {"data": {"sample_rate": 8000, "n_src": 2}, "optim": {"lr": 0.001}}
METRICS = {"si_sdr": 15.25, "si_sdr_imp": 15.31, "sdr": 15.7}


def _model_dict():
    torch.manual_seed(0)
    model = ConvTasNet(2, n_blocks=1, n_repeats=1, bn_chan=4, hid_chan=4, skip_chan=4, n_filters=8)
    conf = model.serialize()
    conf.update(dataset="WHAM", task="sep_clean", licenses=[LICENSE])
    return model, conf


def test_writes_the_model_file_and_card(tmp_path):
    model, conf = _model_dict()
    publish_dir = tmp_path / "exp" / "publish_dir"
    out = save_publishable(
        str(publish_dir), conf, metrics=METRICS, train_conf=TRAIN_CONF, recipe="asteroid/wham"
    )
    assert sorted(os.listdir(publish_dir)) == ["README.md", "model.pth"]
    saved = load_model_file(publish_dir / "model.pth")
    assert saved["infos"]["recipe_name"] == "asteroid/wham"
    assert saved["infos"]["training_config"] == TRAIN_CONF
    assert saved["infos"]["final_metrics"] == METRICS
    assert saved["dataset"] == "WHAM" and saved["licenses"] == [LICENSE]
    assert out is conf
    # The file is a model file.
    wav = torch.randn(1, 300)
    loaded = BaseModel.from_pretrained(str(publish_dir / "model.pth")).eval()
    torch.testing.assert_close(loaded(wav), model.eval()(wav))

    card = (publish_dir / "README.md").read_text()
    front, body = card.split("---\n")[1], card.split("---\n", 2)[2]
    meta = yaml.safe_load(front)
    assert meta["library_name"] == "asteroid"
    assert "ConvTasNet" in meta["tags"]
    assert meta["datasets"] == ["WHAM"]
    assert "# ConvTasNet trained on WHAM (sep_clean)" in body
    assert "`asteroid/wham`" in body
    conf_block = body.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(conf_block) == TRAIN_CONF
    assert "| si_sdr | 15.25 |" in body
    assert "| si_sdr_imp | 15.31 |" in body
    assert "CC BY-NC 4.0" in body and "for research only" in body


def test_recipe_name_from_file(tmp_path):
    _, conf = _model_dict()
    (tmp_path / "recipe_name.txt").write_text("librimix/ConvTasNet\n")
    save_publishable(str(tmp_path), conf, metrics=METRICS)
    assert load_model_file(tmp_path / "model.pth")["infos"]["recipe_name"] == "librimix/ConvTasNet"
    _, conf = _model_dict()
    save_publishable(str(tmp_path / "other"), conf, metrics={})
    saved = load_model_file(tmp_path / "other" / "model.pth")
    assert saved["infos"]["recipe_name"] == "Unknown"
    assert "Not given." in (tmp_path / "other" / "README.md").read_text()


@pytest.mark.parametrize("missing", ["model_args", "state_dict", "dataset", "licenses"])
def test_missing_keys(tmp_path, missing):
    _, conf = _model_dict()
    del conf[missing]
    with pytest.raises(ValueError, match=missing):
        save_publishable(str(tmp_path), conf, metrics=METRICS)
    assert not (tmp_path / "model.pth").exists()


def test_metrics_are_required(tmp_path):
    _, conf = _model_dict()
    with pytest.raises(ValueError, match="metrics"):
        save_publishable(str(tmp_path), conf)
    with pytest.raises(ValueError, match="recipe"):
        save_publishable(str(tmp_path), conf, metrics=METRICS, recipe=3)
