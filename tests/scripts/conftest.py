"""A tiny ConvTasNet trained in the test session on a band-split speech task, and its inputs.

Two synthesized voices are mixed, one low-passed below 900 Hz and the other
high-passed above 1800 Hz: a separation task that a 3k-parameter Conv-TasNet
learns in a few seconds, so that the CLI tests can check that a real model
file separates a real mixture better than the input.
"""

import numpy as np
import pytest
import soundfile as sf
import torch
from scipy.signal import butter, sosfiltfilt

SR = 8000


def band_split_sources(seed, n_samples=None):
    from asteroid.data.synthetic import generate_sentences, synthesize_speech

    low, high = generate_sentences(2, seed=seed)
    a = synthesize_speech(low, voice="en+m3", sample_rate=SR)
    b = synthesize_speech(high, voice="en+f2", pitch=70, sample_rate=SR)
    n = n_samples or min(len(a), len(b))
    a = np.resize(a, n)
    b = np.resize(b, n)
    a = sosfiltfilt(butter(8, 900, "low", fs=SR, output="sos"), a)
    b = sosfiltfilt(butter(8, 1800, "high", fs=SR, output="sos"), b)
    return np.stack([a, b]).astype(np.float32)


def si_sdr(ref, est):
    ref = ref - ref.mean()
    est = est - est.mean()
    proj = (est @ ref) / (ref @ ref) * ref
    return 10 * np.log10((proj @ proj) / ((est - proj) @ (est - proj)))


def best_si_sdr(refs, ests):
    """Mean SI-SDR of ``ests`` against ``refs`` (two sources) under the best permutation."""
    straight = np.mean([si_sdr(r, e) for r, e in zip(refs, ests)])
    swapped = np.mean([si_sdr(r, e) for r, e in zip(refs, ests[::-1])])
    return max(straight, swapped)


@pytest.fixture(scope="session")
def trained_model_file(tmp_path_factory):
    from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
    from asteroid.models import ConvTasNet

    torch.manual_seed(0)
    model = ConvTasNet(
        n_src=2,
        n_blocks=2,
        n_repeats=1,
        bn_chan=16,
        hid_chan=32,
        skip_chan=16,
        n_filters=32,
        kernel_size=16,
        stride=8,
        sample_rate=SR,
    )
    data = [torch.from_numpy(band_split_sources(seed)) for seed in range(6)]
    seg = 4000
    loss_func = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.RandomState(0)
    for _ in range(150):
        batch = []
        for _ in range(4):
            src = data[rng.randint(len(data))]
            start = rng.randint(0, src.shape[-1] - seg)
            batch.append(src[:, start : start + seg])
        sources = torch.stack(batch)
        loss = loss_func(model(sources.sum(1)), sources)
        opt.zero_grad()
        loss.backward()
        opt.step()
    path = tmp_path_factory.mktemp("model") / "band_split_convtasnet.pth"
    torch.save(model.serialize(), path)
    return path


@pytest.fixture
def test_mixture(tmp_path):
    """A held-out mixture file and its sources."""
    sources = band_split_sources(seed=100)
    path = tmp_path / "mix.wav"
    sf.write(path, sources.sum(0), SR, subtype="FLOAT")
    return path, sources
