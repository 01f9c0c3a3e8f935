"""Real speech for the loss tests: eSpeak NG utterances from ``asteroid.data.synthetic``."""

import numpy as np
import pytest
import torch

from asteroid.data.synthetic import SPEAKERS, generate_sentences, synthesize_speech


@pytest.fixture(scope="session")
def speech_pair():
    """Two different speakers saying different sentences, per sample rate: (2, T) float64."""
    cache = {}

    def make(sample_rate):
        if sample_rate not in cache:
            sentences = generate_sentences(2, seed=3)
            wavs = [
                synthesize_speech(text, *SPEAKERS[k * 37 % len(SPEAKERS)], sample_rate=sample_rate)
                for k, text in enumerate(sentences)
            ]
            length = min(len(w) for w in wavs)
            cache[sample_rate] = np.stack([w[:length] for w in wavs]).astype(np.float64)
        return cache[sample_rate]

    return make


@pytest.fixture(autouse=True)
def single_thread():
    """Small tensors: one thread avoids contention on the shared 2-core machine."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
