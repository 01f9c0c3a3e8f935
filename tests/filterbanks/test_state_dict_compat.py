"""Encoders and decoders have the parameter names and shapes of the published models."""

import re
from collections import defaultdict

import pytest
import torch

from asteroid.filterbanks import Decoder, Encoder, get, make_enc_dec

# Filterbank arguments of each published model's defaults.
DEFAULT_FILTERBANKS = {
    "ConvTasNet": ("free", 512, 16, 8),
    "DPRNNTasNet": ("free", 64, 16, 8),
    "DPTNet": ("free", 64, 16, 8),
    "LSTMTasNet": ("free", 64, 16, 8),
    "SuDORMRFNet": ("free", 512, 21, 10),
    "SuDORMRFImprovedNet": ("free", 512, 21, 10),
    "DCUNet": ("stft", 1024, 1024, 256),
    "DeMask": ("stft", 512, 512, 256),
}


def _published_filterbank_entries(compat_dir):
    """``{model: {module prefix: {name after 'filterbank.': shape}}}`` from state_dict_keys.txt."""
    path = compat_dir / "state_dict_keys.txt"
    assert path.is_file(), f"the published key list is not here ({path})"
    entries = defaultdict(lambda: defaultdict(dict))
    model = None
    for line in path.read_text().splitlines():
        header = re.match(r"## (\w+)", line)
        if header:
            model = header.group(1)
            continue
        match = re.match(r"(\S*?)filterbank\.(\S+) \(([\d, ]*)\)", line)
        if match and model:
            prefix, name, shape = match.groups()
            entries[model][prefix][name] = tuple(int(d) for d in shape.split(",") if d.strip())
    return entries


def test_every_default_model_filterbank_has_the_published_names_and_shapes(compat_dir):
    entries = _published_filterbank_entries(compat_dir)
    assert set(DEFAULT_FILTERBANKS) <= set(entries)
    for model, (name, n_filters, kernel_size, stride) in DEFAULT_FILTERBANKS.items():
        enc, dec = make_enc_dec(name, n_filters, kernel_size, stride=stride)
        ours = {
            k[len("filterbank.") :]: tuple(v.shape)
            for k, v in enc.state_dict().items()
            if k.startswith("filterbank.")
        }
        assert {k: tuple(v.shape) for k, v in dec.state_dict().items()} == {
            "filterbank." + k: s for k, s in ours.items()
        }
        assert entries[model], model
        for prefix, published in entries[model].items():
            assert ours == published, (model, prefix)
        # Learned filterbanks hold parameters, the STFT holds buffers.
        n_params = len(list(enc.parameters()))
        assert n_params == (1 if name == "free" else 0), model


def _fb_groups(state_dict):
    groups = defaultdict(dict)
    for key, value in state_dict.items():
        if "filterbank." in key:
            prefix, rest = key.split("filterbank.", 1)
            groups[prefix]["filterbank." + rest] = value
    return groups


@pytest.mark.parametrize(
    "model",
    ["ConvTasNet", "DPRNNTasNet", "LSTMTasNet", "SuDORMRFNet", "DeMask", "DCUNet"],
)
def test_published_model_files_load_into_our_encoders(compat_model, model):
    package = compat_model(model)
    args = package["model_args"]
    if model == "DCUNet":
        fb_name, n, k, s = (
            "STFTFB",
            args["stft_n_filters"],
            args["stft_kernel_size"],
            args["stft_stride"],
        )
    else:
        fb_name, n, k, s = args["fb_name"], args["n_filters"], args["kernel_size"], args["stride"]
    cls = get(fb_name)
    groups = _fb_groups(package["state_dict"])
    assert groups
    for prefix, weights in groups.items():
        module_cls = Decoder if prefix.startswith("decoder") else Encoder
        module = module_cls(cls(n, k, stride=s, sample_rate=args["sample_rate"]))
        module.load_state_dict(weights, strict=True)
        for key, value in weights.items():
            assert torch.equal(module.state_dict()[key], value)
