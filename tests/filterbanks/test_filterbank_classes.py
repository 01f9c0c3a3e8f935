"""Properties of each filterbank class beyond the shared Encoder/Decoder contract."""

import numpy as np
import pytest
import torch

from asteroid.filterbanks import (
    STFTFB,
    AnalyticFreeFB,
    Encoder,
    FreeFB,
    MelGramFB,
    MelScale,
    MultiphaseGammatoneFB,
    ParamSincFB,
)
from asteroid.filterbanks.melgram_fb import mel_filter_matrix
from asteroid.filterbanks.multiphase_gammatone_fb import (
    erb_scale_2_freq_hz,
    freq_hz_2_erb_scale,
)
from asteroid.filterbanks.transforms import mag


def _peak_freq(filters, sample_rate, n_fft=4096):
    spectrum = np.abs(np.fft.rfft(filters, n=n_fft, axis=-1))
    return np.argmax(spectrum, axis=-1) * sample_rate / n_fft


# ----------------------------------------------------------------------------- FreeFB
def test_free_fb_initialisation_scale():
    torch.manual_seed(0)
    fb = FreeFB(512, 16)
    # Xavier normal: std = sqrt(2 / (fan_in + fan_out)) with fan_in = 16, fan_out = 512 * 16.
    expected = (2 / (16 + 512 * 16)) ** 0.5
    assert abs(fb.filters().std().item() - expected) / expected < 0.05
    assert fb.filters() is fb._filters and fb._filters.requires_grad


# ----------------------------------------------------------------------------- AnalyticFreeFB
def test_analytic_pairs_have_the_same_magnitude_response():
    torch.manual_seed(0)
    fb = AnalyticFreeFB(16, 32)
    filters = fb.filters().detach().numpy()[:, 0]
    first, paired = filters[:8], filters[8:]
    # Conjugating the spectrum keeps the magnitude response.
    np.testing.assert_allclose(
        np.abs(np.fft.rfft(first)), np.abs(np.fft.rfft(paired)), rtol=1e-4, atol=1e-5
    )
    # ... and, on a real FFT, is the circular time reversal.
    np.testing.assert_allclose(paired, np.roll(first[:, ::-1], 1, axis=-1), atol=1e-6)
    assert fb._filters.shape == (8, 1, 32) and fb.n_feats_out == 16


def test_analytic_init_gain():
    torch.manual_seed(0)
    fb = AnalyticFreeFB(1024, 16)
    expected = (2 / (16 + 512 * 16)) ** 0.5 / 2**0.5
    assert abs(fb._filters.std().item() - expected) / expected < 0.05


@pytest.mark.parametrize(
    "cls", [AnalyticFreeFB, ParamSincFB, STFTFB, MelGramFB, MultiphaseGammatoneFB]
)
def test_odd_number_of_filters_is_refused(cls):
    with pytest.raises(ValueError, match="n_filters must be even"):
        cls(33, 33)


# ----------------------------------------------------------------------------- ParamSincFB
def test_param_sinc_initial_bands_are_mel_spaced():
    fb = ParamSincFB(20, 251, sample_rate=16000.0, min_low_hz=50, min_band_hz=50)
    low = fb.low_hz_.detach().numpy()[:, 0]
    band = fb.band_hz_.detach().numpy()[:, 0]
    edges = np.append(low, low[-1] + band[-1])
    mels = 2595 * np.log10(1 + edges / 700)
    np.testing.assert_allclose(np.diff(mels), np.diff(mels)[0], rtol=1e-3)
    assert edges[0] == pytest.approx(30, rel=1e-5)
    assert edges[-1] == pytest.approx(8000 - 100, rel=1e-5)


def test_param_sinc_filters_pass_their_band():
    fb = ParamSincFB(16, 251, sample_rate=16000.0)
    filters = fb.filters().detach().numpy()[:, 0]
    low = fb.min_low_hz + np.abs(fb.low_hz_.detach().numpy()[:, 0])
    high = np.minimum(low + fb.min_band_hz + np.abs(fb.band_hz_.detach().numpy()[:, 0]), 8000)
    for half in (filters[:8], filters[8:]):  # cosine rows, then sine rows
        peaks = _peak_freq(half, 16000)
        assert ((peaks >= low - 40) & (peaks <= high + 40)).all(), (peaks, low, high)
    # Cosine filters are even, sine filters odd, around the centre tap.
    np.testing.assert_allclose(filters[:8], filters[:8, ::-1], atol=1e-6)
    np.testing.assert_allclose(filters[8:], -filters[8:, ::-1], atol=1e-6)


def test_param_sinc_even_kernel_is_made_odd():
    with pytest.warns(UserWarning, match="kernel_size=16 becomes 17"):
        fb = ParamSincFB(8, 16)
    assert fb.kernel_size == 17 and fb.get_config()["kernel_size"] == 17
    assert fb.window_.shape == (8,) and fb.n_.shape == (1, 8)
    with pytest.raises(ValueError, match="filt_type"):
        fb.make_filters(fb.low_hz_, fb.low_hz_ + 100, "tan")


def test_param_sinc_learns_cutoffs():
    fb = ParamSincFB(8, 65, sample_rate=8000.0)
    wav = torch.randn(2, 1, 400)
    Encoder(fb)(wav).pow(2).mean().backward()
    assert fb.low_hz_.grad.abs().sum() > 0 and fb.band_hz_.grad.abs().sum() > 0


# ----------------------------------------------------------------------------- MP-GTF
def test_mpgtf_structure():
    fb = MultiphaseGammatoneFB(128, 128, sample_rate=8000.0)
    filters = fb.filters().numpy()[:, 0]
    rms = np.sqrt(np.mean(filters**2, axis=1))
    np.testing.assert_allclose(rms, rms[0], rtol=1e-5)
    # 128 filters = 64 pairs: 16 frequencies with 3 pairs, 8 with 2.
    np.testing.assert_allclose(filters[3:6], -filters[0:3], rtol=1e-6)
    np.testing.assert_allclose(filters[-2:], -filters[-4:-2], rtol=1e-6)
    # Centre frequencies go up, one ERB apart from 100 Hz.
    peaks = _peak_freq(filters[::6][:16], 8000)
    assert (np.diff(peaks) > 0).all() and abs(peaks[0] - 100) < 30
    assert freq_hz_2_erb_scale(erb_scale_2_freq_hz(7.0)) == pytest.approx(7.0)


def test_mpgtf_defaults_and_argument_order():
    fb = MultiphaseGammatoneFB()
    assert (fb.n_filters, fb.kernel_size, fb.sample_rate, fb.stride) == (128, 16, 8000.0, 8)
    fb = MultiphaseGammatoneFB(32, 16, 16000.0, 4)
    assert fb.sample_rate == 16000.0 and fb.stride == 4 and fb._filters.shape == (32, 1, 16)
    assert not list(fb.parameters())


# ----------------------------------------------------------------------------- MelGramFB
def test_melgram_is_mel_matrix_times_stft_magnitude():
    fb = MelGramFB(256, 256, stride=64, sample_rate=16000.0, n_mels=20, fmin=50.0, fmax=6000.0)
    wav = torch.randn(2, 1, 3000)
    stft_mag = mag(Encoder(STFTFB(256, 256, stride=64))(wav))
    matrix = torch.from_numpy(mel_filter_matrix(16000.0, 256, 20, 50.0, 6000.0))
    torch.testing.assert_close(Encoder(fb)(wav), matrix @ stft_mag)
    assert fb.mel_scale.fb_mat.shape == (1, 20, 129)
    config = fb.get_config()
    assert (config["n_mels"], config["fmin"], config["fmax"], config["norm"]) == (
        20,
        50.0,
        6000.0,
        "slaney",
    )
    assert fb.n_feats_out == 20


def test_mel_matrix_properties():
    matrix = mel_filter_matrix(16000, 512, n_mels=40, norm=None)
    assert matrix.shape == (40, 257) and matrix.dtype == np.float32
    assert matrix.max() <= 1.0 and (matrix >= 0).all()
    peaks = matrix.argmax(axis=1)
    assert (np.diff(peaks) >= 0).all()
    slaney = mel_filter_matrix(16000, 512, n_mels=40)
    # Slaney normalisation: (roughly) equal area per band in Hz.
    areas = slaney.sum(axis=1) * 16000 / 512
    np.testing.assert_allclose(areas[5:-1], 1.0, rtol=0.15)
    with pytest.raises(ValueError, match="norm must be"):
        mel_filter_matrix(16000, 512, norm="unit")


def test_mel_scale_module_on_any_rank():
    scale = MelScale(64, sample_rate=8000.0, n_mels=10)
    spec = torch.randn(3, 2, 66, 5)
    out = scale(spec)
    assert out.shape == (3, 2, 10, 5)
    torch.testing.assert_close(out[1, 0], scale(spec[1, 0]))
