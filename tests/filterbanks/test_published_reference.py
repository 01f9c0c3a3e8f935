"""Same numbers as the published asteroid-filterbanks 0.4.0, on identical weights and inputs.

``data/published_reference.pt`` was written by ``make_reference_data.py`` with the published
package; see that script for the configurations.
"""

import math

import numpy as np
import pytest
import torch

import asteroid.filterbanks as fbs
from asteroid.filterbanks import STFTFB, Decoder, Encoder, griffin_lim, misi, transforms
from asteroid.filterbanks.melgram_fb import mel_filter_matrix
from asteroid.filterbanks.pcen import PCEN, StatefulPCEN
from asteroid.filterbanks.stft_fb import perfect_synthesis_window

# Windows given to the published constructors (their configs do not carry them).
WINDOWS = {"stft_hamming": np.hamming(32), "torch_stft": np.hanning(33)[:-1]}
# Filterbanks whose filter matrix has full rank: the pseudo-inverse is well defined. (For the
# rank-deficient ones, the published 1e-15 cut-off turned float noise into huge values.)
FULL_RANK = {"free", "analytic_free", "param_sinc", "stft_hamming"}
NAMES = [
    "free",
    "analytic_free",
    "param_sinc",
    "stft",
    "stft_overcomplete",
    "stft_hamming",
    "torch_stft",
    "mpgtf",
    "melgram",
]


def _rebuild(entry, name):
    config = dict(entry["config"])
    cls = fbs.get(config.pop("fb_name"))
    if name in WINDOWS:
        config["window"] = WINDOWS[name]
    return cls(**config)


def _close(actual, expected):
    scale = expected.abs().max().clamp(min=1e-12)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_filterbank_matches_published(published, name):
    entry = published["fb"][name]
    fb = _rebuild(entry, name)
    # Same parameter and buffer names, and the same split between them.
    params = sorted(n for n, _ in fb.named_parameters())
    assert params == entry["parameters"]
    ours = fb.state_dict()
    assert sorted(set(ours) - set(params)) == entry["buffers"]
    assert list(ours) == list(entry["state_dict"])
    # Fixed filterbanks and initial values of ParamSincFB are computed identically.
    if name not in ("free", "analytic_free"):
        for key, value in entry["state_dict"].items():
            _close(ours[key], value)
    fb.load_state_dict(entry["state_dict"])
    wav = published["wav"]
    with torch.no_grad():
        spec = Encoder(fb)(wav)
        _close(spec, entry["enc"])
        if "filters" in entry:
            _close(fb.filters(), entry["filters"])
        if "dec" in entry:
            _close(Decoder(fb)(entry["enc"]), entry["dec"])
        if name in FULL_RANK:
            _close(Encoder(fb, is_pinv=True)(wav), entry["enc_pinv"])
            _close(Decoder(fb, is_pinv=True)(entry["enc"]), entry["dec_pinv"])
    # Our config is the published one plus the arguments it dropped (window, center, ...).
    assert fb.get_config().items() >= entry["config"].items()


def test_mel_matrix_matches_librosa(published):
    assert len(published["mel"]) == 5
    for key, expected in published["mel"].items():
        sample_rate, n_fft, n_mels, fmin, fmax, norm = key
        ours = mel_filter_matrix(sample_rate, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, norm=norm)
        np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-5, atol=1e-7, err_msg=str(key))


def test_transforms_match_published(published):
    x, y = published["tf_x"], published["tf_y"]
    _close(transforms.mag(x), published["tf_mag"])
    _close(transforms.magreim(x), published["tf_magreim"])
    _close(transforms.mul_c(x, y), published["tf_mul_c"])
    _close(transforms.angle(x), published["tf_angle"])
    _close(transforms.apply_mag_mask(x, y[:, :5]), published["tf_apply_mag_mask"])
    _close(transforms.centerfreq_correction(x, 16, 4), published["tf_centerfreq"])
    _close(transforms.to_torchaudio(x, dim=1), published["tf_to_torchaudio"])


def test_perfect_synthesis_window_matches_published(published):
    # All stored pairs have an integer K / (2S), where the published truncation is exact.
    for (kernel_size, hop), expected in published["psw"].items():
        window = np.hanning(kernel_size + 1)[:-1] ** 0.5
        ours = perfect_synthesis_window(window, hop)
        np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-12)


def test_griffin_lim_and_misi_match_published(published):
    enc = Encoder(STFTFB(32, 32, stride=8))
    sources, angles = published["gl_sources"], published["gl_angles"]
    mags = transforms.mag(enc(sources))
    with torch.no_grad():
        _close(griffin_lim(mags, enc, angles=angles.clone(), n_iter=5), published["gl_out"])
        with pytest.warns(UserWarning, match="2-D"):
            out = misi(sources.sum(1), mags, enc, angles=angles.clone(), n_iter=5)
    _close(out, published["misi_out"])


def test_pcen_matches_published(published):
    spec = published["pcen_in"]
    _close(PCEN(n_channels=3)(spec), published["pcen_out"])
    custom = PCEN(
        alpha=0.9, delta=1.5, root=3.0, smooth=0.1, n_channels=3, per_channel_smoothing=True
    )
    _close(custom(spec), published["pcen_custom_out"])
    stateful = StatefulPCEN(n_channels=3)
    out1, state = stateful(spec[..., :8])
    out2, state = stateful(spec[..., 8:], state)
    _close(torch.cat([out1, out2], dim=-1), published["pcen_stateful_out"])
    _close(state, published["pcen_stateful_state"])
    assert math.isclose(float(stateful.ema.weights), 0.04, rel_tol=1e-6)
