"""XUMX works (it raises in the published 0.7.0): shapes, perfect reconstruction, separation."""

import pytest
import torch

from asteroid.models import XUMX

TINY = dict(window_length=64, in_chan=64, n_hop=16, hidden_size=4, nb_layers=1)


def _model(sources=("vocals", "drums"), **kwargs):
    torch.manual_seed(0)
    return XUMX(list(sources), **dict(TINY, **kwargs)).eval()


def test_forward_shapes():
    model = _model(nb_channels=2, max_bin=20)
    wav = torch.randn(2, 2, 1000)
    spec, time = model(wav)
    n_frames = 1000 // 16 + 1
    assert spec.shape == (2, n_frames, 2, 2, 33)
    assert time is None
    model_t = _model(nb_channels=2, max_bin=20, return_time_signals=True)
    spec, time = model_t(wav)
    assert time.shape == (2, 2, 2, 1000)


def test_unit_masks_give_back_the_mixture():
    # With every mask equal to one, each source's signal is the mixture itself.
    model = _model(sources=("a", "b", "c"), nb_channels=2, return_time_signals=True)
    with torch.no_grad():
        for src in model.sources:
            model.mean_scale[f"output_scale_{src}"].zero_()
            model.mean_scale[f"output_mean_{src}"].fill_(1.0)
    wav = torch.randn(2, 2, 999)
    with torch.no_grad():
        spec, time = model(wav)
        mixture_spec, _ = model.encoder(wav)
    torch.testing.assert_close(spec, mixture_spec.expand_as(spec))
    torch.testing.assert_close(time, wav.expand(3, -1, -1, -1), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(model.forward_wav(wav), wav[:, None].expand(-1, 3, -1, -1))


def test_mono_model_and_separate():
    model = _model(nb_channels=1)
    assert model.in_channels is None  # any number of channels is down-mixed
    wav = torch.randn(1, 2, 800)
    with torch.no_grad():
        out = model.forward_wav(wav)
    assert out.shape == (1, 2, 800)
    assert model.separate(wav).shape == (1, 2, 800)
    stereo = _model(nb_channels=2)
    assert stereo.in_channels == 2
    assert stereo.separate(wav).shape == (1, 2, 2, 800)


def test_normalisation_statistics():
    mean = torch.linspace(0, 1, 33).numpy()
    scale = torch.linspace(1, 2, 33).numpy()
    model = _model(input_mean=mean, input_scale=scale, max_bin=10)
    torch.testing.assert_close(model.mean_scale["input_mean_vocals"], -torch.from_numpy(mean[:10]))
    torch.testing.assert_close(
        model.mean_scale["input_scale_drums"], 1 / torch.from_numpy(scale[:10])
    )
    assert not model.encoder[0].window.requires_grad


def test_published_state_dict_keys():
    keys = list(_model(nb_channels=2).state_dict())
    assert keys[0] == "encoder.0.window"
    assert keys[-1] == "decoder.window"
    assert "layer_enc.vocals.enc.0.weight" in keys
    assert "layer_dec.drums.dec.4.running_var" in keys
    assert "layer_lstm.vocals.weight_hh_l0_reverse" in keys
    assert [k for k in keys if k.startswith("mean_scale.")] == [
        "mean_scale.input_mean_drums",
        "mean_scale.input_mean_vocals",
        "mean_scale.input_scale_drums",
        "mean_scale.input_scale_vocals",
        "mean_scale.output_mean_drums",
        "mean_scale.output_mean_vocals",
        "mean_scale.output_scale_drums",
        "mean_scale.output_scale_vocals",
    ]


def test_errors():
    with pytest.raises(ValueError, match="at least one source"):
        XUMX([], **TINY)
    with pytest.raises(ValueError, match=r"\(batch, channels, time\)"):
        _model()(torch.randn(100))
