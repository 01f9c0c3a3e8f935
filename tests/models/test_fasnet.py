"""FasNetTAC: valid microphones, the beamforming stride, legacy model files."""

import pytest
import torch

from asteroid.models import BaseModel, FasNetTAC

TINY = dict(
    enc_dim=4,
    feature_dim=4,
    hidden_dim=4,
    n_layers=1,
    tac_hidden_dim=8,
    chunk_size=10,
    hop_size=5,
    window_ms=4,
    context_ms=2,
)


def _model(**kwargs):
    torch.manual_seed(0)
    return FasNetTAC(2, **dict(TINY, **kwargs)).eval()


def test_padded_microphones_are_ignored():
    model = _model()
    torch.manual_seed(1)
    wav = torch.randn(2, 3, 800)
    with torch.no_grad():
        out = model(wav, valid_mics=torch.tensor([3, 2]))
        # The second mixture has 2 real microphones: the third is padding.
        alone = model(wav[1:, :2])
        first = model(wav[:1])
    torch.testing.assert_close(out[1], alone[0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out[0], first[0], rtol=1e-5, atol=1e-6)
    # And the padding's content does not matter.
    wav[1, 2] = 100.0
    with torch.no_grad():
        torch.testing.assert_close(model(wav, valid_mics=torch.tensor([3, 2]))[1], out[1])


def test_any_number_of_microphones():
    model = _model()
    for n_mics in (1, 2, 5):
        with torch.no_grad():
            assert model(torch.randn(1, n_mics, 333)).shape == (1, 2, 333)


def test_stride_is_in_milliseconds_and_honoured():
    default = _model()
    assert default.stride == default.window // 2 == 32
    explicit = _model(stride=2)  # 2 ms at 16 kHz = 32 samples, the default
    explicit.load_state_dict(default.state_dict())
    wav = torch.randn(1, 2, 640)
    with torch.no_grad():
        torch.testing.assert_close(explicit(wav), default(wav), rtol=0, atol=0)
    quarter = _model(stride=1)
    assert quarter.stride == 16
    windows, _ = FasNetTAC.windowing_with_context(wav, quarter.window, quarter.context, 16)
    half, _ = FasNetTAC.windowing_with_context(wav, quarter.window, quarter.context)
    assert windows.shape[2] == 2 * half.shape[2] - 1
    with torch.no_grad():
        assert quarter(wav).shape == (1, 2, 640)


def test_argument_errors():
    with pytest.raises(ValueError, match="even"):
        _model(window_ms=3)
    with pytest.raises(ValueError, match="hop"):
        _model(stride=8)  # 128 samples, longer than the 64-sample window
    with pytest.raises(ValueError, match=r"\(batch, mics, time\)"):
        _model()(torch.randn(2, 100))


def test_legacy_stride_in_samples_is_converted():
    upgrade = FasNetTAC.upgrade_model_args
    assert upgrade({"stride": 32, "sample_rate": 16000}, (0, 7, 0)) == {
        "stride": 2.0,
        "sample_rate": 16000,
    }
    assert upgrade({"stride": 2, "sample_rate": 16000}, (0, 8, 0))["stride"] == 2
    assert upgrade({"stride": None, "sample_rate": 16000}, (0, 7, 0))["stride"] is None


def test_our_files_store_milliseconds():
    model = _model(stride=1)
    conf = model.serialize()
    assert conf["model_args"]["stride"] == 1
    loaded = BaseModel.from_pretrained(conf)
    assert loaded.stride == 16
    # The same file claiming to come from asteroid 0.7 is read as samples.
    conf["infos"]["software_versions"]["asteroid_version"] = "0.7.0"
    conf["model_args"]["stride"] = 16
    assert BaseModel.from_pretrained(conf).stride == 16
