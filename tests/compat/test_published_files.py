"""The model files written by asteroid 0.7.0 load with ``from_pretrained`` and give their outputs.

``data/`` holds the project's shared fixtures (``index.json`` lists their configs);
``data/extra/`` holds more configs of the same models, written by
``make_extra_fixtures.py`` with the published asteroid 0.7.0 (DCCRNet and XUMX
with their one defect patched, as that script explains).
"""

import json
import pathlib

import pytest
import torch

from asteroid import models
from asteroid.models import BaseModel
from asteroid.models.model_file import load_model_file

DATA = pathlib.Path(__file__).parent / "data"
FILES = sorted(DATA.glob("*.pth")) + sorted((DATA / "extra").glob("*.pth"))
INDEX = json.loads((DATA / "index.json").read_text())
TOLERANCE = 1e-5


def test_every_fixture_is_here():
    names = {path.stem for path in FILES}
    published = {name for name, entry in INDEX.items() if "broken_in_asteroid_0_7" not in entry}
    assert published <= names
    extra = json.loads((DATA / "extra" / "index.json").read_text())
    assert set(extra) <= names
    # Every model of the published list has a fixture (DCCRNet and XUMX among the extras).
    classes = {load_model_file(path)["model_name"] for path in FILES}
    assert classes == {
        "ConvTasNet", "DPRNNTasNet", "DPTNet", "LSTMTasNet", "SuDORMRFNet",
        "SuDORMRFImprovedNet", "DCUNet", "DCCRNet", "DeMask", "FasNetTAC", "XUMX",
    }  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_published_file_reproduces_its_output(path):
    io = torch.load(path.with_name(path.stem + ".io.pt"), weights_only=True)
    conf = load_model_file(path)
    is_xumx = conf["model_name"] == "XUMX"
    # The published XUMX wrote return_time_signals=False whatever it was; ask for them.
    kwargs = {"return_time_signals": True} if is_xumx else {}
    model = BaseModel.from_pretrained(str(path), **kwargs).eval()
    assert type(model).__name__ == conf["model_name"]
    with torch.no_grad():
        out = model(io["input"])
    if is_xumx:
        spec, time = out
        expected = io["output"]
        assert spec.shape == expected["spec"].shape
        assert (spec - expected["spec"]).abs().max() < TOLERANCE
        # The published inverse STFT stops at the last full hop; ours goes on to the input's length.
        assert time.shape[-1] == io["input"].shape[-1]
        n = expected["time"].shape[-1]
        assert (time[..., :n] - expected["time"]).abs().max() < TOLERANCE
    else:
        assert out.shape == io["output"].shape
        assert (out - io["output"]).abs().max() < TOLERANCE


@pytest.mark.parametrize("name", sorted(INDEX))
def test_index_configs_give_the_published_model_args(name):
    entry = INDEX[name]
    torch.manual_seed(0)
    model = models.get(entry["class"])(**entry["config"])
    if "broken_in_asteroid_0_7" in entry:
        # Published 0.7.0 cannot build it; here it builds and runs.
        length = 8000
        with torch.no_grad():
            assert model.eval()(torch.randn(2, length)).shape == (2, 1, length)
        return
    conf = load_model_file(DATA / f"{name}.pth")
    ours = model.get_model_args()
    published = dict(conf["model_args"])
    if name == "FasNetTAC":
        # 0.7.0 wrote the stride in samples (32); we write the argument (ms, None = default).
        assert published.pop("stride") == model.stride
        assert ours.pop("stride") is None
    # Filterbank configs now also store the STFT window (0.7.0 dropped it, asteroid-api
    # §14.13); None is the default window.
    if "window" in ours and "window" not in published:
        assert ours.pop("window") is None
    assert _lists(ours) == _lists(published)
    state = model.state_dict()
    assert list(state) == list(conf["state_dict"])
    assert all(state[k].shape == v.shape for k, v in conf["state_dict"].items())
    # Same output shape for the stored input.
    io = torch.load(DATA / f"{name}.io.pt", weights_only=True)
    assert list(io["input"].shape) == entry["input_shape"]
    assert list(io["output"].shape) == entry["output_shape"]


def _lists(obj):
    """Tuples as lists (YAML and JSON configs give lists where 0.7.0 files may hold tuples)."""
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_lists(v) for v in obj]
    return obj


def _published_keys():
    sections, current = {}, None
    for line in (DATA / "state_dict_keys.txt").read_text().splitlines():
        if line.startswith("## "):
            head = line[3:]
            current = None
            if "parameters" in head:
                name, count = head.split(": ")
                current = sections.setdefault(name, {"count": int(count.split()[0]), "keys": []})
        elif line.strip() and current is not None:
            key, shape = line.split(" ", 1)
            current["keys"].append(
                (
                    key,
                    tuple(json.loads(shape.replace("(", "[").replace(")", "]").replace(",]", "]"))),
                )
            )
    return sections


PUBLISHED_KEYS = _published_keys()


@pytest.mark.parametrize("signature", sorted(PUBLISHED_KEYS))
def test_default_models_have_the_published_parameters(signature):
    # e.g. "ConvTasNet(n_src=2)" or "DCUNet(architecture='DCUNet-10')": built on the meta
    # device (no memory, no initialisation), only names and shapes are compared.
    cls_name, args = signature.split("(", 1)
    kwargs = eval(f"dict({args[:-1]})")
    with torch.device("meta"):
        model = models.get(cls_name)(**kwargs)
    expected = PUBLISHED_KEYS[signature]
    state = model.state_dict()
    assert [(k, tuple(v.shape)) for k, v in state.items()] == expected["keys"]
    assert sum(p.numel() for p in model.parameters()) == expected["count"]


def test_serialized_format():
    fmt = json.loads((DATA / "serialized_format.json").read_text())
    torch.manual_seed(0)
    config = {k: v for k, v in fmt["model_args"].items() if k not in ("fb_name",)}
    model = models.ConvTasNet(**config)
    conf = model.serialize()
    assert sorted(conf) == sorted(fmt["top_level"])
    assert sorted(conf["model_args"]) == fmt["top_level"]["model_args"]
    assert conf["model_args"] == fmt["model_args"]
    assert sorted(conf["infos"]) == fmt["top_level"]["infos"]
    assert sorted(conf["infos"]["software_versions"]) == sorted(fmt["infos"]["software_versions"])
