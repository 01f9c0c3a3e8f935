"""Griffin-Lim and MISI on (synthetic) speech."""

import math

import pytest
import torch

from asteroid.filterbanks import STFTFB, Decoder, Encoder, TorchSTFTFB, griffin_lim, misi
from asteroid.filterbanks.griffin_lim import _mixture_consistency
from asteroid.filterbanks.transforms import mag


@pytest.fixture(scope="module")
def stft():
    return Encoder(STFTFB(256, 256, stride=64))


def _spectral_convergence(target_mag, wav, stft):
    return float((mag(stft(wav)) - target_mag).norm() / target_mag.norm())


def test_griffin_lim_converges_on_speech(speech, stft):
    wav = speech[None, None]
    target = mag(stft(wav))
    torch.manual_seed(0)
    angles = 2 * math.pi * torch.rand_like(target)
    errors = [
        _spectral_convergence(target, griffin_lim(target, stft, angles=angles, n_iter=n), stft)
        for n in (0, 3, 20)
    ]
    assert errors[0] > errors[1] > errors[2], errors
    assert errors[2] < 0.6 * errors[1] and errors[2] < 0.15, errors
    out = griffin_lim(target, stft, angles=angles, n_iter=2)
    assert out.shape == (1, 1, wav.shape[-1] // 64 * 64)


def test_fast_griffin_lim_beats_the_original(speech, stft):
    wav = speech[None, None]
    target = mag(stft(wav))
    torch.manual_seed(1)
    angles = 2 * math.pi * torch.rand_like(target)
    fast = griffin_lim(target, stft, angles=angles, n_iter=10, momentum=0.9)
    plain = griffin_lim(target, stft, angles=angles, n_iter=10, momentum=0.0)
    assert _spectral_convergence(target, fast, stft) < _spectral_convergence(target, plain, stft)


def test_griffin_lim_with_a_given_decoder_and_exact_phase(speech):
    fb = TorchSTFTFB(256, 256, stride=64, window=torch.hann_window(256))
    enc, dec = Encoder(fb), Decoder(fb)
    wav = speech[None, None, :4000]
    spec = enc(wav)
    re, im = spec.chunk(2, dim=-2)
    true_angles = torch.atan2(im, re)
    out = griffin_lim(mag(spec, EPS=0.0), enc, angles=true_angles, istft_dec=dec, n_iter=0)
    torch.testing.assert_close(out[..., :4000], wav, rtol=1e-4, atol=1e-4)


def test_griffin_lim_needs_an_stft_encoder():
    from asteroid.filterbanks import FreeFB

    enc = Encoder(FreeFB(8, 4))
    with pytest.raises(TypeError, match="STFTFB"):
        griffin_lim(torch.rand(1, 4, 10), enc)


def test_mixture_consistency_sums_to_the_mixture():
    torch.manual_seed(0)
    sources = torch.randn(3, 2, 500)
    mixture = torch.randn(3, 500)
    out = _mixture_consistency(mixture, sources)
    torch.testing.assert_close(out.sum(1), mixture, rtol=1e-5, atol=1e-5)
    weights = torch.tensor([1.0, 0.0]).view(1, 2, 1)
    out = _mixture_consistency(mixture[:, None], sources, src_weights=weights)
    torch.testing.assert_close(out[:, 1], sources[:, 1])  # zero weight: untouched
    torch.testing.assert_close(out.sum(1), mixture, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="must have 3 or 2 axes"):
        _mixture_consistency(torch.randn(500), sources)


def test_misi_sources_sum_to_the_mixture(speech_pair, stft):
    sources = speech_pair[None]  # 1, 2, T
    n = sources.shape[-1]
    mixture = sources.sum(1)
    mags = mag(stft(sources))
    torch.manual_seed(0)
    angles = 2 * math.pi * torch.rand_like(mags)
    interior = slice(256, n - 256)

    def mixture_error(n_iter):
        with pytest.warns(UserWarning, match="2-D"):
            est = misi(mixture, mags, stft, angles=angles, n_iter=n_iter)
        assert est.shape[:2] == (1, 2)
        err = est.sum(1)[..., interior] - mixture[..., interior]
        return float(err.norm() / mixture[..., interior].norm()), est

    err_few, _ = mixture_error(2)
    err_many, est = mixture_error(25)
    assert err_many < 0.02 and err_many < 0.5 * err_few, (err_few, err_many)
    # The phase of each source is recovered well enough to separate them.
    for i in range(2):
        ref = sources[0, i, interior]
        snr = 10 * torch.log10(ref.pow(2).sum() / (est[0, i, interior] - ref).pow(2).sum())
        assert snr > 10, snr
