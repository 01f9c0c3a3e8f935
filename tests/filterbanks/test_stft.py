"""STFTFB and TorchSTFTFB: published scaling, perfect reconstruction, torch.stft/istft agreement."""

import numpy as np
import pytest
import torch

from asteroid.filterbanks import (
    STFTFB,
    Decoder,
    Encoder,
    TorchSTFTFB,
    make_enc_dec,
    perfect_synthesis_window,
)
from asteroid.filterbanks.transforms import from_torch_complex, mag, to_torch_complex


def _windows(n):
    return {
        "hann": torch.hann_window(n, dtype=torch.float64),
        "hamming": torch.hamming_window(n, dtype=torch.float64),
        "blackman": torch.blackman_window(n, dtype=torch.float64),
        "sqrt_hann": torch.hann_window(n, dtype=torch.float64).sqrt(),
    }


# ----------------------------------------------------------------------------- STFTFB
def test_filters_follow_the_published_formula():
    """Windowed DFT rows / (0.5 sqrt(K N / S)), DC and Nyquist real rows / sqrt(2)."""
    n, k, s = 16, 12, 4
    fb = STFTFB(n, k, stride=s)
    window = np.hanning(k + 1)[:-1] ** 0.5
    start = (n - k) // 2
    t = np.arange(start, start + k)
    bins = np.arange(n // 2 + 1)[:, None]
    re = np.cos(2 * np.pi * bins * t / n) / (0.5 * np.sqrt(k * n / s))
    im = -np.sin(2 * np.pi * bins * t / n) / (0.5 * np.sqrt(k * n / s))
    re[0] /= np.sqrt(2)
    re[n // 2] /= np.sqrt(2)
    expected = np.concatenate([re, im]) * window
    np.testing.assert_allclose(fb.filters()[:, 0].numpy(), expected, rtol=1e-5, atol=1e-7)
    assert fb.n_feats_out == 2 * (n // 2 + 1)
    np.testing.assert_allclose(fb.torch_window.numpy(), window, rtol=1e-6)


def test_published_model_buffers(compat_model):
    """The STFT buffers stored in published DCUNet/DeMask files are the ones we compute."""
    for model, (n, k, s) in {"DCUNet": (256, 256, 64), "DeMask": (128, 128, 64)}.items():
        stored = compat_model(model)["state_dict"]
        fb = STFTFB(n, k, stride=s)
        for prefix in ("encoder.filterbank.", "decoder.filterbank."):
            torch.testing.assert_close(
                fb._filters, stored[prefix + "_filters"], rtol=1e-5, atol=1e-7
            )
            torch.testing.assert_close(fb.torch_window, stored[prefix + "torch_window"])


@pytest.mark.parametrize(
    "n_fft, kernel_size, stride",
    [
        (256, 256, 128),
        (256, 256, 64),
        (512, 256, 64),
        (64, 64, 16),
        (128, 96, 16),
        (200, 200, 50),
        (256, 256, 96),
    ],
)
def test_perfect_reconstruction_with_the_synthesis_window(n_fft, kernel_size, stride):
    torch.manual_seed(0)
    enc = Encoder(STFTFB(n_fft, kernel_size, stride=stride))
    syn_window = perfect_synthesis_window(enc.filterbank.window, stride)
    dec = Decoder(STFTFB(n_fft, kernel_size, stride=stride, window=syn_window))
    wav = torch.randn(2, 1, 4000, dtype=torch.float64).float()
    out = dec(enc(wav))
    # Samples covered by a full set of overlapping frames.
    covered = slice(kernel_size, (enc(wav).shape[-1] - 1) * stride)
    err = (out[..., covered] - wav[..., covered]).norm() / wav[..., covered].norm()
    assert err < 1e-5, err


@pytest.mark.parametrize("stride", [64, 128])
def test_default_window_round_trip(stride):
    """sqrt-Hann analysis and synthesis with hop K/2 or K/4 overlap-add to one."""
    enc, dec = make_enc_dec("stft", 256, 256, stride=stride)
    wav = torch.randn(1, 1, 4000)
    out = dec(enc(wav))
    torch.testing.assert_close(out[..., 256:-256], wav[..., 256 : out.shape[-1] - 256])


def test_other_windows_need_the_synthesis_window():
    """The STFTFB pair does not divide by the overlap-added window (published behaviour)."""
    hann = np.hanning(257)[:-1]
    enc, dec = make_enc_dec("stft", 256, 256, stride=64, window=hann)
    wav = torch.randn(1, 1, 4000)
    out = dec(enc(wav))
    # Hann squared overlap-adds to 1.5 at hop K/4, the filters' scaling gives 2S/K = 0.5.
    torch.testing.assert_close(out[..., 256:-256], 0.75 * wav[..., 256 : out.shape[-1] - 256])


def test_perfect_synthesis_window_values():
    window = np.hanning(65)[:-1] ** 0.5
    syn = perfect_synthesis_window(window, 16)
    # sqrt-Hann squared overlap-adds to 2 at hop K/4; K/(2S) = 2.
    np.testing.assert_allclose(syn, window, rtol=1e-12)
    with pytest.raises(ValueError, match="1-D window"):
        perfect_synthesis_window(np.ones((2, 4)), 2)
    with pytest.raises(ValueError, match="hop_size"):
        perfect_synthesis_window(np.ones(4), 0)


@pytest.mark.parametrize(
    "args, match",
    [
        (dict(n_filters=31, kernel_size=30), "n_filters must be even"),
        (dict(n_filters=32, kernel_size=64), r"must be at least kernel_size \(64\)"),
        (dict(n_filters=32, kernel_size=32, window=np.ones(30)), "window of kernel_size=32"),
        (dict(n_filters=32, kernel_size=32, stride=40), "must not exceed kernel_size"),
    ],
)
def test_stft_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        STFTFB(**args)


@pytest.mark.parametrize("window", [None, "hamming"])
def test_get_config_keeps_the_window(window):
    if window == "hamming":
        window = np.hamming(64)
    fb = STFTFB(64, 64, stride=16, window=window)
    config = fb.get_config()
    assert "window" in config
    if window is None:
        assert config["window"] is None
    rebuilt = STFTFB(**{k: v for k, v in config.items() if k != "fb_name"})
    torch.testing.assert_close(rebuilt._filters, fb._filters)
    # The config stores plain Python values (weights_only-loadable).
    torch.save(config, "/dev/null")


def test_missing_torch_window_is_tolerated_at_load_time():
    fb = STFTFB(64, 64, stride=16)
    state = fb.state_dict()
    del state["torch_window"]
    result = STFTFB(64, 64, stride=16).load_state_dict(state, strict=True)
    assert result.missing_keys == []
    with pytest.raises(RuntimeError, match="_filters"):
        STFTFB(64, 64, stride=16).load_state_dict({"torch_window": fb.torch_window})


# ----------------------------------------------------------------------------- TorchSTFTFB
GRID = [
    # n_fft, win_length, hop, window
    (64, 64, 16, "hann"),
    (64, 64, 32, "hamming"),
    (100, 100, 25, "blackman"),
    (256, 256, 64, "sqrt_hann"),
    (128, 100, 25, "hann"),
    (64, 48, 16, "hamming"),
]


MODES = [(True, "reflect", False), (True, "constant", True), (False, "reflect", False)]
# win_length < n_fft is only supported with center=True (tested as a ValueError below).
CASES = [grid + mode for grid in GRID for mode in MODES if mode[0] or grid[0] == grid[1]]


@pytest.mark.parametrize("n_fft, win_length, hop, win_name, center, pad_mode, normalized", CASES)
def test_torch_stft_matches_torch(n_fft, win_length, hop, win_name, center, pad_mode, normalized):
    torch.manual_seed(0)
    window = _windows(win_length)[win_name]
    fb = TorchSTFTFB.from_torch_args(
        n_fft,
        hop_length=hop,
        win_length=win_length,
        window=window,
        center=center,
        pad_mode=pad_mode,
        normalized=normalized,
    )
    wav = torch.randn(3, 1, 1000)
    kwargs = dict(
        n_fft=n_fft,
        hop_length=hop,
        win_length=win_length,
        window=window.float(),
        center=center,
        normalized=normalized,
    )
    ref = torch.stft(wav[:, 0], pad_mode=pad_mode, return_complex=True, **kwargs)
    spec = Encoder(fb)(wav)
    torch.testing.assert_close(
        spec, from_torch_complex(ref), rtol=1e-5, atol=1e-5 * ref.abs().max()
    )
    torch.testing.assert_close(to_torch_complex(spec), ref, rtol=1e-5, atol=1e-5 * ref.abs().max())
    if center:
        ref_wav = torch.istft(ref, length=1000, **kwargs)
        out = Decoder(fb)(spec, length=1000)
        torch.testing.assert_close(out[:, 0], ref_wav, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(out, wav, rtol=1e-5, atol=1e-5)


def test_torch_stft_uncropped_output_starts_like_istft():
    fb = TorchSTFTFB(64, 64, stride=16, window=torch.hann_window(64))
    wav = torch.randn(1, 1, 500)
    out = Decoder(fb)(Encoder(fb)(wav))
    assert out.shape[-1] == (500 // 16) * 16 + 64 - 32
    torch.testing.assert_close(out[..., :500], wav, rtol=1e-5, atol=1e-5)


def test_torch_stft_warns_where_the_window_vanishes():
    fb = TorchSTFTFB(64, 64, stride=16, window=torch.hann_window(64), center=False)
    spec = Encoder(fb)(torch.randn(1, 1, 300))
    with pytest.warns(RuntimeWarning, match="below 1e-11"):
        out = Decoder(fb)(spec)
    assert torch.isfinite(out).all()


def test_torch_stft_config_and_errors():
    fb = TorchSTFTFB(64, 64, stride=16, center=False, pad_mode="constant", normalized=True)
    config = fb.get_config()
    assert config["center"] is False and config["pad_mode"] == "constant"
    assert config["normalized"] is True and config["window"] is None
    with pytest.raises(ValueError, match="center=False"):
        TorchSTFTFB(64, 48, center=False)
    with pytest.raises(ValueError, match="even"):
        TorchSTFTFB(64, 47)
    with pytest.raises(ValueError, match="one-sided"):
        TorchSTFTFB(64, 64, onesided=False)
    with pytest.raises(ValueError, match="pad_mode"):
        TorchSTFTFB(64, 64, pad_mode="mirror")
    assert TorchSTFTFB.from_torch_args(64).kernel_size == 64


def test_torch_stft_state_dict_has_only_the_published_entries():
    fb = TorchSTFTFB(64, 64, stride=16)
    assert sorted(fb.state_dict()) == ["_filters", "torch_window"]
    fb = fb.double()
    spec = Encoder(fb)(torch.randn(1, 1, 300, dtype=torch.float64))
    assert spec.dtype == torch.float64


def test_stft_magnitude_of_a_sinusoid_peaks_at_its_bin():
    sr, n_fft = 8000, 256
    t = torch.arange(8000) / sr
    freq = 20 * sr / n_fft  # bin 20
    wav = torch.sin(2 * torch.pi * freq * t)[None, None]
    spec = mag(Encoder(TorchSTFTFB(n_fft, n_fft, stride=64))(wav))
    assert spec.shape[1] == n_fft // 2 + 1
    assert (spec[0, :, 10:-10].argmax(dim=0) == 20).all()
