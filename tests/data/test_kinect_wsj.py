"""Kinect-WSJ: multichannel, time-major items with the noise of each mixture."""

import os

import pytest
import torch

from asteroid.data import KinectWsjMixDataset
from asteroid.data.kinect_wsj import _noise_path, make_dataloaders


def test_items_and_noise_paths(corpora):
    out = corpora("kinect")
    assert "2speakers_reverb_kinect" in out["root"]
    dset = KinectWsjMixDataset(out["json"]["tt"], segment=None)
    mix, sources, noise = dset[0]
    assert mix.ndim == 2 and mix.shape[1] == 4
    assert sources.shape == (2, *mix.shape) and noise.shape == mix.shape
    torch.testing.assert_close(mix, sources.sum(0) + noise, atol=1e-6, rtol=0)
    path = dset.noises[0][0]
    assert os.path.basename(os.path.dirname(path)) == "noise" and os.path.isfile(path)
    infos = dset.get_infos()
    assert infos["dataset"] == "Kinect-WSJ" and len(infos["licenses"]) == 2


def test_segment_and_loaders(corpora):
    out = corpora("kinect")
    dset = KinectWsjMixDataset(out["json"]["tr"], segment=0.25)
    mix, sources, noise = dset[1]
    assert mix.shape == (4000, 4) and sources.shape == (2, 4000, 4) and noise.shape == (4000, 4)
    train, _ = make_dataloaders(out["json"]["tr"], out["json"]["cv"], segment=0.25, batch_size=2)
    assert train.dataset.sample_rate == 16000 and train.num_workers == 2


def test_noise_path_keeps_relative_paths():
    # The published class forced the noise paths absolute ("/" + ...).
    assert _noise_path(os.path.join("data", "tr", "mix", "a.wav")) == os.path.join(
        "data", "tr", "noise", "a.wav"
    )
    assert _noise_path("/c/tr/mix/a.wav") == "/c/tr/noise/a.wav"


def test_missing_noise(corpora, tmp_path):
    from asteroid.data.synthetic import make_kinect_wsj_corpus

    out = make_kinect_wsj_corpus(tmp_path, {"tr": 2}, seed=1)
    dset = KinectWsjMixDataset(out["json"]["tr"], segment=None)
    os.remove(dset.noises[0][0])
    with pytest.raises(FileNotFoundError, match="noise"):
        dset[0]
