"""The SMS-WSJ recipe's cACGMM + MVDR separation, on a mixture whose answer is known.

Two synthesized voices reach six microphones with different (fractional) delays: the
spatial cues that the cACGMM clusters. The separation must beat the mixture clearly.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

from asteroid.metrics import get_metrics

SCRIPT = (
    pathlib.Path(__file__).resolve().parents[2]
    / "egs"
    / "sms_wsj"
    / "CaCGMM"
    / "local"
    / "cacgmm.py"
)
SR = 8000


@pytest.fixture(scope="module")
def cacgmm():
    spec = importlib.util.spec_from_file_location("cacgmm_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def delayed(signal, delays):
    """``signal`` delayed by each of ``delays`` seconds (circularly, in the frequency domain)."""
    n = len(signal)
    spec = np.fft.rfft(signal, 2 * n)
    freqs = np.fft.rfftfreq(2 * n, 1 / SR)
    return np.stack(
        [np.fft.irfft(spec * np.exp(-2j * np.pi * freqs * d), 2 * n)[:n] for d in delays]
    )


@pytest.fixture(scope="module")
def spatial_mixture():
    from asteroid.data.synthetic import generate_sentences, synthesize_speech

    rng = np.random.default_rng(1)
    first, second = generate_sentences(2, seed=3)
    a = synthesize_speech(first, voice="en+m3", sample_rate=SR)
    b = synthesize_speech(second, voice="en+f2", sample_rate=SR)
    n = min(len(a), len(b), 2 * SR)
    images = [delayed(x[:n].astype(np.float64), rng.uniform(0, 1e-3, 6)) for x in (a, b)]
    observation = images[0] + images[1] + 0.01 * rng.standard_normal((6, n))
    return observation, np.stack([images[0][0], images[1][0]]).astype(np.float32)


def test_cacgmm_mvdr_separates_spatially_distinct_speakers(cacgmm, spatial_mixture):
    observation, refs = spatial_mixture
    config = dict(stft_size=512, stft_shift=128, stft_window="hann", iterations=30)
    est = cacgmm.separate(observation, config, 2, np.random.default_rng(0))
    assert est.shape == refs.shape
    scores = get_metrics(
        observation[0],
        refs,
        cacgmm.pit_reorder(est, refs),
        sample_rate=SR,
        metrics_list=["si_sdr"],
    )
    assert scores["si_sdr"] - scores["input_si_sdr"] > 5.0, scores


def test_permutation_alignment_undoes_a_frequency_permutation(cacgmm):
    rng = np.random.default_rng(0)
    activity = rng.dirichlet(np.ones(3), size=50).T  # K, L: one time activity per class
    gamma = np.repeat(activity[:, None, :], 20, axis=1)  # the same at every frequency
    shuffled = gamma.copy()
    for f in range(20):
        shuffled[:, f] = gamma[rng.permutation(3), f]
    aligned = cacgmm.align_permutations(shuffled)
    # One permutation for all frequencies is left: every frequency agrees with the first.
    first = aligned[:, 0]
    assert all(np.allclose(aligned[:, f], first) for f in range(20))
