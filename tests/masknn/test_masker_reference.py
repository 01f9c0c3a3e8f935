"""Maskers against the published asteroid 0.7.0: parameter names and outputs.

``data/masker_state_dict_keys.txt`` lists the masker parameters of the default
published models; ``data/reference_outputs.pt`` holds outputs of the published
maskers (see ``data/make_reference.py``), on the weights of the published model
files (``compat/*``) or on seeded weights (``own/*``).
"""

import re

import pytest
import torch
from masknn_reference import COMPAT_DIR, DATA_DIR, fill_weights, load_reference_cases
from torch import nn

from asteroid.masknn import activations, norms
from asteroid.masknn.attention import DPTransformer
from asteroid.masknn.convolutional import (
    DCUMaskNet,
    SuDORMRF,
    SuDORMRFImproved,
    TDConvNet,
    TDConvNetpp,
)
from asteroid.masknn.recurrent import (
    DPRNN,
    DCCRMaskNet,
    DPRNNBlock,
    LSTMMasker,
    StackedResidualBiRNN,
    StackedResidualRNN,
)
from asteroid.masknn.tac import TAC


def demask_masker(n_in, n_out, hidden_dims, dropout, activation, mask_act, norm_type):
    """The DeMask masker as the published model assembles it from norms and activations."""
    make_norm = norms.get(norm_type)
    layer_act = activations.get(activation)()
    layers, in_chan = [make_norm(n_in)], n_in
    for hidden in hidden_dims:
        layers += [nn.Conv1d(in_chan, hidden, 1), make_norm(hidden), layer_act, nn.Dropout(dropout)]
        in_chan = hidden
    layers += [nn.Conv1d(in_chan, n_out, 1), activations.get(mask_act)()]
    return nn.Sequential(*layers)


BUILDERS = {
    "TDConvNet": TDConvNet,
    "TDConvNetpp": TDConvNetpp,
    "SuDORMRF": SuDORMRF,
    "SuDORMRFImproved": SuDORMRFImproved,
    "DPRNN": DPRNN,
    "LSTMMasker": LSTMMasker,
    "DPTransformer": DPTransformer,
    "DPRNNBlock": DPRNNBlock,
    "TAC": TAC,
    "StackedResidualRNN": StackedResidualRNN,
    "StackedResidualBiRNN": StackedResidualBiRNN,
    "DCUMaskNet": lambda architecture, **kw: DCUMaskNet.default_architecture(architecture, **kw),
    "DCCRMaskNet": lambda architecture, **kw: DCCRMaskNet.default_architecture(architecture, **kw),
    "DeMaskMasker": demask_masker,
}

# Default masker of each published model, built as the model builds it.
DEFAULT_MASKERS = {
    "ConvTasNet": lambda: TDConvNet(512, 2, mask_act="sigmoid"),
    "DPRNNTasNet": lambda: DPRNN(64, 2, mask_act="sigmoid"),
    "DPTNet": lambda: DPTransformer(64, 2),
    "LSTMTasNet": lambda: LSTMMasker(64, 2),
    "SuDORMRFNet": lambda: SuDORMRF(512, 2),
    "SuDORMRFImprovedNet": lambda: SuDORMRFImproved(512, 2),
    "DCUNet": lambda: DCUMaskNet.default_architecture("DCUNet-10"),
    "DeMask": lambda: demask_masker(257, 257, [1024], 0.0, "relu", "relu", "gLN"),
    "FasNetTAC": lambda: nn.ModuleDict(
        {"DPRNN_TAC": nn.ModuleList([nn.ModuleList([DPRNNBlock(64, 128), TAC(64, 384)])])}
    ),
}


def published_masker_keys():
    """``{model: [(name without 'masker.', shape), ...]}`` from the trimmed key list."""
    sections, current = {}, None
    for line in (DATA_DIR / "masker_state_dict_keys.txt").read_text().splitlines():
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            current = re.match(r"## (\w+)", line).group(1)
            sections[current] = []
            continue
        name, shape = line.split(" ", 1)
        shape = tuple(int(v) for v in re.findall(r"\d+", shape))
        sections[current].append((name.removeprefix("masker."), shape))
    return sections


pytestmark = pytest.mark.filterwarnings("ignore:DPTransformer input dim:UserWarning")

PUBLISHED_KEYS = published_masker_keys()
CASES = load_reference_cases()


@pytest.mark.parametrize("model_name", sorted(DEFAULT_MASKERS))
def test_default_masker_state_dict_matches_published(model_name):
    masker = DEFAULT_MASKERS[model_name]()
    if model_name == "FasNetTAC":
        masker = masker["DPRNN_TAC"]
        expected = [(n.removeprefix("DPRNN_TAC."), s) for n, s in PUBLISHED_KEYS[model_name]]
    else:
        expected = PUBLISHED_KEYS[model_name]
    found = [(name, tuple(t.shape)) for name, t in masker.state_dict().items()]
    assert found == expected


def test_dccrn_cl_parameter_count():
    # DCCRNet(architecture="DCCRN-CL") of the published toolkit, once its int64 bug is
    # fixed, has 3,669,336 parameters (its STFT filterbanks hold buffers only).
    masker = DCCRMaskNet.default_architecture("DCCRN-CL", n_freqs=256)
    assert sum(p.numel() for p in masker.parameters()) == 3_669_336


def build_case(case):
    kwargs = dict(case["kwargs"])
    return BUILDERS[case["cls"]](**kwargs)


def assert_close(found, expected):
    if isinstance(expected, (tuple, list)):
        assert isinstance(found, (tuple, list)) and len(found) == len(expected)
        for f, e in zip(found, expected):
            assert_close(f, e)
        return
    assert found.shape == expected.shape
    assert found.dtype == expected.dtype
    torch.testing.assert_close(found, expected, rtol=1e-5, atol=1e-5)


def load_compat_weights(model_name, prefix):
    from torch.torch_version import TorchVersion

    with torch.serialization.safe_globals([TorchVersion]):
        conf = torch.load(COMPAT_DIR / f"{model_name}.pth", weights_only=True)
    return {k[len(prefix) :]: v for k, v in conf["state_dict"].items() if k.startswith(prefix)}


@pytest.mark.parametrize("case_name", sorted(n for n in CASES if n.startswith("compat/")))
def test_masker_on_published_model_weights(case_name):
    assert COMPAT_DIR.is_dir(), f"published model files not found at {COMPAT_DIR}"
    case = CASES[case_name]
    masker = build_case(case)
    model_name = case_name.split("/")[1]
    masker.load_state_dict(load_compat_weights(model_name, case["prefix"]), strict=True)
    with torch.no_grad():
        out = masker.eval()(case["input"], **case["call_kwargs"])
    assert_close(out, case["output"])


@pytest.mark.parametrize("case_name", sorted(n for n in CASES if n.startswith("own/")))
def test_masker_matches_published_output(case_name):
    case = CASES[case_name]
    masker = build_case(case)
    fill_weights(masker, case["weight_seed"])
    with torch.no_grad():
        out = masker.eval()(case["input"], **case["call_kwargs"])
    assert_close(out, case["output"])
