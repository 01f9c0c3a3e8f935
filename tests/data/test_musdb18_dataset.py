"""MUSDB18: stems per track folder, on-the-fly mixing, segments and left-out tracks."""

import os
import shutil

import pytest
import soundfile as sf
import torch

from asteroid.data import MUSDB18Dataset


def test_full_tracks_dict(corpora):
    out = corpora("musdb18")
    dset = MUSDB18Dataset(out["root"], sample_rate=16000)
    assert len(dset) == 2
    mix, sources = dset[0]
    assert isinstance(sources, dict) and list(sources) == ["vocals", "bass", "drums", "other"]
    assert mix.shape == (2, 16000) and all(s.shape == (2, 16000) for s in sources.values())
    written = torch.from_numpy(
        sf.read(os.path.join(out["tracks"]["train"][0], "mixture.wav"), dtype="float32")[0].T
    )
    torch.testing.assert_close(mix, written, atol=1e-6, rtol=0)
    assert dset.get_infos()["dataset"] == "MUSDB18"


def test_targets_segments_and_augmentations(corpora):
    out = corpora("musdb18")
    dset = MUSDB18Dataset(
        out["root"],
        targets=["vocals", "drums"],
        segment=0.5,
        random_segments=True,
        samples_per_track=3,
        source_augmentations=lambda a: 2 * a,
        sample_rate=16000,
    )
    assert len(dset) == 6
    mix, sources = dset[4]
    assert mix.shape == (2, 8000) and sources.shape == (2, 2, 8000)
    test_set = MUSDB18Dataset(out["root"], split="test", targets=["bass"], sample_rate=16000)
    assert len(test_set) == 1 and test_set[0][1].shape == (1, 2, 16000)
    with pytest.raises(ValueError, match="not among the sources"):
        MUSDB18Dataset(out["root"], targets=["guitar"], sample_rate=16000)


def test_left_out_tracks_are_logged(corpora, tmp_path, caplog):
    root = tmp_path / "musdb"
    shutil.copytree(corpora("musdb18")["root"], root)
    first, second = sorted((root / "train").iterdir())
    os.remove(first / "bass.wav")
    with caplog.at_level("WARNING", logger="asteroid.data"):
        dset = MUSDB18Dataset(root, sample_rate=16000)
    assert len(dset) == 1 and "Left out 1 track" in caplog.text and "bass.wav" in caplog.text
    with pytest.raises(RuntimeError, match=r"No usable track.*sampled at \[16000\] Hz"):
        MUSDB18Dataset(root, sample_rate=44100)
    with pytest.raises(RuntimeError, match="No usable track.*shorter than 5.0 s"):
        MUSDB18Dataset(root, sample_rate=16000, segment=5.0)
