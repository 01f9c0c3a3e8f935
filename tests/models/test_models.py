"""Every model: forward and backward, the shape contract, n_src, serialize -> file -> from_pretrained."""

import pytest
import torch

from asteroid import models
from asteroid.models import BaseModel
from asteroid.models.model_file import save_model_file

ODD_LENGTH = 1001

# Tiny configs (a few thousand parameters) of every model, without n_src.
TINY = {
    "ConvTasNet": dict(
        n_blocks=2,
        n_repeats=1,
        bn_chan=8,
        hid_chan=8,
        skip_chan=8,
        n_filters=16,
        kernel_size=8,
        stride=4,
    ),
    "VADNet": dict(
        n_blocks=2,
        n_repeats=1,
        bn_chan=8,
        hid_chan=8,
        skip_chan=8,
        n_filters=16,
        kernel_size=8,
        stride=4,
    ),
    "DPRNNTasNet": dict(
        bn_chan=8, hid_size=8, chunk_size=10, n_repeats=1, n_filters=16, kernel_size=8, stride=4
    ),
    "DPTNet": dict(
        n_heads=2, ff_hid=8, chunk_size=10, n_repeats=1, n_filters=16, kernel_size=8, stride=4
    ),
    "LSTMTasNet": dict(n_layers=1, hid_size=8, dropout=0.0, n_filters=16, kernel_size=8, stride=4),
    "SuDORMRFNet": dict(bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16, kernel_size=9),
    "SuDORMRFImprovedNet": dict(
        bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16, kernel_size=9
    ),
    "DCUNet": dict(
        architecture="mini",
        fix_length_mode="pad",
        stft_n_filters=64,
        stft_kernel_size=64,
        stft_stride=16,
    ),
    "DCCRNet": dict(architecture="mini", stft_n_filters=32, stft_kernel_size=32, stft_stride=16),
    "DeMask": dict(hidden_dims=(8,), n_filters=32, kernel_size=32, stride=16),
    "FasNetTAC": dict(
        enc_dim=4,
        feature_dim=4,
        hidden_dim=4,
        n_layers=1,
        tac_hidden_dim=8,
        chunk_size=10,
        hop_size=5,
        window_ms=4,
        context_ms=2,
    ),
    "XUMX": dict(window_length=64, in_chan=64, n_hop=16, hidden_size=4, nb_layers=1, nb_channels=2),
}
SOURCES = ["vocals", "drums", "bass"]
SINGLE_SOURCE = {"DeMask"}
MULTICHANNEL = {"FasNetTAC": 3, "XUMX": 2}
WAVE_TO_WAVE = [n for n in TINY if n not in MULTICHANNEL]


def build(name, n_src=2, **overrides):
    config = dict(TINY[name], **overrides)
    if name == "XUMX":
        config.setdefault("sources", SOURCES[:n_src])
    elif name in ("DCUNet", "DCCRNet"):
        config["n_src"] = n_src
    elif name not in SINGLE_SOURCE:
        config["n_src"] = n_src
    torch.manual_seed(0)
    return models.get(name)(**config)


def make_input(name, batch=2, length=ODD_LENGTH):
    torch.manual_seed(1)
    if name in MULTICHANNEL:
        return torch.randn(batch, MULTICHANNEL[name], length)
    return torch.randn(batch, 1, length)


def waveforms(model, wav):
    """The model's time-domain estimates, (B, S, T) or (B, S, C, T)."""
    if isinstance(model, models.XUMX):
        return model.forward_wav(wav)
    return model(wav)


@pytest.mark.parametrize("name", TINY)
def test_forward_backward(name):
    model = build(name)
    wav = make_input(name)
    out = waveforms(model, wav)
    assert out.shape[-1] == ODD_LENGTH
    assert torch.isfinite(out).all()
    out.pow(2).mean().backward()
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    with_grad = [(n, p) for n, p in trained if p.grad is not None]
    for param_name, param in with_grad:
        assert torch.isfinite(param.grad).all(), param_name
    # Almost every parameter is trained (TDConvNet's last residual conv is not used:
    # its output only feeds the skip sum of later blocks).
    nonzero = [n for n, p in with_grad if p.grad.abs().sum() > 0]
    assert len(nonzero) >= 0.9 * len(trained), sorted(set(n for n, _ in trained) - set(nonzero))


@pytest.mark.parametrize("name", WAVE_TO_WAVE)
def test_shape_contract(name):
    model = build(name).eval()
    n_src = 1 if name in SINGLE_SOURCE else 2
    wav = make_input(name)  # B, 1, T with an odd T
    with torch.no_grad():
        out_3d = model(wav)
        out_2d = model(wav[:, 0])
        out_1d = model(wav[0, 0])
    assert out_3d.shape == (2, n_src, ODD_LENGTH)
    assert out_2d.shape == (2, n_src, ODD_LENGTH)
    assert out_1d.shape == (n_src, ODD_LENGTH)
    torch.testing.assert_close(out_2d, out_3d)
    # One item alone gives what it gives in a batch (no mixing across the batch).
    torch.testing.assert_close(out_1d, out_3d[0], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", WAVE_TO_WAVE)
@pytest.mark.parametrize("length", [157, 160])
def test_output_length_follows_input(name, length):
    model = build(name).eval()
    with torch.no_grad():
        assert model(make_input(name, batch=1, length=length)).shape[-1] == length


@pytest.mark.parametrize("name", [n for n in TINY if n not in SINGLE_SOURCE])
@pytest.mark.parametrize("n_src", [1, 2, 3])
def test_number_of_sources(name, n_src):
    model = build(name, n_src=n_src).eval()
    with torch.no_grad():
        out = waveforms(model, make_input(name, batch=1, length=400))
    assert out.shape[:2] == (1, n_src)
    assert out.shape[-1] == 400


# Non-default configs that must survive serialize -> file -> from_pretrained.
NON_DEFAULT = [
    ("ConvTasNet", dict(causal=True, norm_type="cgLN", skip_chan=0, mask_act="relu")),
    ("ConvTasNet", dict(fb_name="stft", n_filters=32, kernel_size=32, stride=16, n_src=3)),
    ("ConvTasNet", dict(fb_name="analytic_free", encoder_activation="relu", norm_type="bN")),
    ("ConvTasNet", dict(fb_name="param_sinc", kernel_size=17, sample_rate=16000)),
    ("DPRNNTasNet", dict(rnn_type="GRU", bidirectional=False, num_layers=2, hop_size=3)),
    ("DPRNNTasNet", dict(use_mulcat=True, norm_type="cLN", mask_act="relu", n_src=3)),
    ("DPTNet", dict(n_heads=3, bidirectional=False, ff_activation="gelu")),
    ("LSTMTasNet", dict(bidirectional=False, n_layers=2, dropout=0.1)),
    ("SuDORMRFNet", dict(mask_act="sigmoid", kernel_size=16, stride=4, n_src=3)),
    ("SuDORMRFImprovedNet", dict(stride=3, kernel_size=8, upsampling_depth=3)),
    ("DCUNet", dict(mask_bound="sigmoid", fix_length_mode="trim", n_src=2)),
    ("DCCRNet", dict(stft_kernel_size=24, stft_stride=12, mask_bound="sigmoid")),
    ("DeMask", dict(input_type="cat", output_type="reim", hidden_dims=[8, 8], activation="prelu")),
    ("DeMask", dict(input_type="reim", fb_name="free", norm_type="cLN")),
    ("FasNetTAC", dict(use_tac=False, rnn_type="GRU", stride=1, n_src=3)),
    ("XUMX", dict(nb_channels=1, max_bin=20, bidirectional=False, spec_power=2)),
    ("VADNet", dict()),
]


def _roundtrip_cases():
    cases = [(name, {}) for name in TINY] + NON_DEFAULT
    return pytest.mark.parametrize(
        "name, overrides", cases, ids=[f"{n}-{i}" for i, (n, _) in enumerate(cases)]
    )


@_roundtrip_cases()
def test_serialize_file_from_pretrained(tmp_path, name, overrides):
    n_src = overrides.pop("n_src", 2) if name not in SINGLE_SOURCE else 1
    model = build(name, n_src=n_src, **overrides)
    # Move the weights (and batch-norm statistics) away from their initial values.
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.add_(0.01 * torch.randn_like(tensor)).abs_() if tensor.dim() == 0 else None
    model.eval()
    path = tmp_path / "model.pth"
    save_model_file(model.serialize(), path)
    loaded = BaseModel.from_pretrained(str(path)).eval()
    assert type(loaded) is type(model)
    assert loaded.get_model_args() == model.get_model_args()
    assert loaded.sample_rate == model.sample_rate
    state, loaded_state = model.state_dict(), loaded.state_dict()
    assert list(loaded_state) == list(state)
    for key in state:
        assert torch.equal(loaded_state[key], state[key]), key
    wav = make_input(name, batch=2, length=600)
    with torch.no_grad():
        torch.testing.assert_close(waveforms(loaded, wav), waveforms(model, wav), rtol=0, atol=0)
