"""Model-specific behaviours: SuDORMRF strides and padding, shared filterbank keys, DCCRNet, DeMask."""

import pytest
import torch

from asteroid.models import DCCRNet, DeMask, LSTMTasNet, SuDORMRFImprovedNet, SuDORMRFNet

SUDO = dict(bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16)


@pytest.mark.parametrize("cls", [SuDORMRFNet, SuDORMRFImprovedNet])
def test_sudormrf_stride_is_honoured(cls):
    assert cls(2, kernel_size=21, **SUDO).encoder.filterbank.stride == 10
    model = cls(2, kernel_size=16, stride=4, **SUDO).eval()
    assert model.encoder.filterbank.stride == 4
    assert model.get_model_args()["stride"] == 4
    with torch.no_grad():
        assert model(torch.randn(2, 1001)).shape == (2, 2, 1001)


def test_sudormrf_input_is_padded_to_the_published_multiple():
    model = SuDORMRFNet(2, kernel_size=21, **SUDO)  # lcm(10, 2**2) = 20
    assert model.encoder.lcm == 20
    wav = torch.randn(1, 1, 1001)
    n_frames = model.forward_encoder(wav).shape[-1]
    padded = torch.nn.functional.pad(wav, [0, 19])
    assert n_frames == model.encoder.encoder(padded).shape[-1]


def test_sudormrf_encoder_activation_is_fixed():
    assert SuDORMRFNet(2, **SUDO).get_model_args()["encoder_activation"] == "relu"
    assert SuDORMRFImprovedNet(2, **SUDO).get_model_args()["encoder_activation"] is None
    SuDORMRFNet(2, encoder_activation="relu", **SUDO)  # what model files hold
    with pytest.raises(ValueError, match="encoder_activation='relu'"):
        SuDORMRFNet(2, encoder_activation="sigmoid", **SUDO)


@pytest.mark.parametrize(
    "model, keys",
    [
        (
            SuDORMRFNet(2, **SUDO),
            ["encoder.encoder.filterbank._filters", "encoder.filterbank._filters"],
        ),
        (
            LSTMTasNet(2, n_layers=1, hid_size=4, dropout=0.0, n_filters=16),
            [
                "encoder.filterbank._filters",
                "encoder.encoder_relu.filterbank._filters",
                "encoder.encoder_sig.filterbank._filters",
            ],
        ),
    ],
)
def test_shared_filterbank_keys(model, keys):
    state = model.state_dict()
    assert all(key in state for key in keys)
    # The first two keys are one tensor (the same filterbank, registered twice).
    assert state[keys[0]].data_ptr() == state[keys[1]].data_ptr()
    if len(keys) == 3:
        assert state[keys[2]].data_ptr() != state[keys[0]].data_ptr()


def test_dccrnet_builds_and_runs():
    # asteroid 0.7.0 fails here with "input_size should be of type int, got: int64".
    torch.manual_seed(0)
    model = DCCRNet("mini", stft_n_filters=32, stft_kernel_size=32, stft_stride=8).eval()
    assert model.get_model_args()["n_freqs"] == 16
    with torch.no_grad():
        out = model(torch.randn(2, 999))
    assert out.shape == (2, 1, 999)
    assert torch.isfinite(out).all()


def test_dccrn_cl_parameter_count():
    with torch.device("meta"):
        model = DCCRNet("DCCRN-CL")
    assert sum(p.numel() for p in model.parameters()) == 3_669_336


def test_demask_reim_output_is_per_item():
    # The published DeMask broadcast a reim mask across the batch; each item is masked alone here.
    torch.manual_seed(0)
    model = DeMask(output_type="reim", hidden_dims=(8,), n_filters=32, kernel_size=32, stride=16)
    model.eval()
    wav = torch.randn(3, 1, 700)
    with torch.no_grad():
        out = model(wav)
        assert out.shape == (3, 1, 700)
        for i in range(3):
            torch.testing.assert_close(out[i], model(wav[i : i + 1])[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(input_type="spec"), dict(output_type="cat")])
def test_demask_unknown_types(kwargs):
    with pytest.raises(ValueError, match="must be one of"):
        DeMask(**kwargs)
