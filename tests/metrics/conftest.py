"""Real speech mixtures for the metric tests: eSpeak NG voices from ``asteroid.data.synthetic``."""

import numpy as np
import pytest
import torch

from asteroid.data.synthetic import SPEAKERS, generate_sentences, synthesize_speech


def make_utterances(n_utt, n_src, sample_rate, seed=0, max_seconds=2.0):
    """Mixtures of ``n_src`` speakers with plausible separation outputs.

    Returns a list of ``(mix, clean, estimate)`` float32 arrays; the estimates keep some
    leakage of the other speakers and a little noise, and come rolled by one source.
    """
    rng = np.random.default_rng(seed)
    sentences = generate_sentences(n_utt * n_src, seed=seed)
    utterances = []
    for u in range(n_utt):
        wavs = []
        for s in range(n_src):
            speaker = SPEAKERS[(u * n_src + s) * 29 % len(SPEAKERS)]
            wavs.append(
                synthesize_speech(sentences[u * n_src + s], *speaker, sample_rate=sample_rate)
            )
        length = min(min(len(w) for w in wavs), int(max_seconds * sample_rate))
        clean = np.stack([w[:length] for w in wavs]).astype(np.float64)
        mix = clean.sum(0) + 0.005 * rng.standard_normal(length)
        leak = rng.uniform(0.05, 0.3, size=(n_src, n_src)) * (1 - np.eye(n_src)) + np.eye(n_src)
        est = leak @ clean + 0.01 * rng.standard_normal(clean.shape)
        est = np.roll(est, 1, axis=0)  # a known non-identity order
        utterances.append(tuple(x.astype(np.float32) for x in (mix, clean, est)))
    return utterances


@pytest.fixture(scope="session")
def utterances():
    """Cached ``make_utterances`` results: ``utterances(n_utt, n_src, sample_rate)``."""
    cache = {}

    def get(n_utt, n_src, sample_rate, seed=0):
        key = (n_utt, n_src, sample_rate, seed)
        if key not in cache:
            cache[key] = make_utterances(n_utt, n_src, sample_rate, seed)
        return cache[key]

    return get


@pytest.fixture(autouse=True)
def single_thread():
    """One torch thread: avoids contention on the shared 2-core machine."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
