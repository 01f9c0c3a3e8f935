"""asteroid.binarize: stable speech decisions (lives here with the VAD data)."""

import pytest
import torch

from asteroid.binarize import Binarize, count_same_pair, transform_to_binary_sequence


def test_documented_example():
    binarizer = Binarize(threshold=0.5, stability=3, sample_rate=1)
    x = torch.tensor([0.1, 0.6, 0.2, 0.6, 0.1, 0.1, 0.1, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.1])
    expected = [0.0] * 7 + [1.0] * 7
    assert binarizer(x.view(1, 1, -1)).tolist() == [[expected]]


def test_rules():
    # Unstable start with more speech than silence: speech.
    b = Binarize(threshold=0.5, stability=4, sample_rate=1)
    x = torch.tensor([0.9, 0.9, 0.1, 0.9, 0.0, 0.0, 0.0, 0.0]).view(1, 1, -1)
    assert b(x).flatten().tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    # A short run in the middle keeps the previous state.
    x = torch.tensor([0.9] * 5 + [0.1] * 2 + [0.9] * 5).view(1, 1, -1)
    assert b(x).flatten().tolist() == [1] * 12
    # Constant inputs, and a batch whose items differ (the published code returned early).
    x = torch.stack([torch.zeros(6), torch.ones(6), torch.tensor([0, 0, 0, 1, 1, 1.0])]).unsqueeze(
        1
    )
    out = Binarize(0.5, 2, 1)(x)
    assert out.shape == (3, 1, 6)
    assert out[:, 0].tolist() == [[0] * 6, [1] * 6, [0, 0, 0, 1, 1, 1]]


def test_matches_published_counts():
    # Sums computed with asteroid 0.7.0's Binarize on the same inputs.
    for stability, expected in ((0.02, 921.0), (0.1, 1237.0), (0.3, 1500.0)):
        g = torch.Generator().manual_seed(int(stability * 100))
        z = (torch.rand(4, 1, 500, generator=g) * 0.6 + torch.linspace(0, 0.4, 500)).clamp(0, 1)
        assert Binarize(0.5, stability, 100)(z).sum().item() == expected


def test_helpers_and_shape_error():
    assert count_same_pair([[0, 0, 1, 0]]) == [[[0, 2], [1, 1], [0, 1]]]
    out = transform_to_binary_sequence([[[0, 2], [1, 5]]], stability=3, sample_rate=1)
    assert out.tolist() == [[[0, 0, 1, 1, 1, 1, 1]]]
    with pytest.raises(ValueError, match=r"\(batch, 1, time\)"):
        Binarize()(torch.rand(2, 100))
