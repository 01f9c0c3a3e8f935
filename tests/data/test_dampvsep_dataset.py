"""DAMP-VSEP singles: metadata next to the corpus, alignment, remix vs original mixture."""

import json
import os
import shutil

import pytest
import torch

from asteroid.data import DAMPVSEPSinglesDataset
from asteroid.data.audio import AudioFileError
from asteroid.data.metadata import MetadataError


def _snr(ref, est):
    return 10 * torch.log10(ref.pow(2).sum() / (ref - est).pow(2).sum())


def test_tasks_and_mixtures(corpora):
    root = corpora("dampvsep")["root"]
    remix = DAMPVSEPSinglesDataset(root, "separation", mixture="remix")
    assert len(remix) == 2
    mix, sources = remix[0]
    assert mix.shape == (24000,) and sources.shape == (2, 24000)
    torch.testing.assert_close(mix, sources.sum(0))
    original = DAMPVSEPSinglesDataset(root, "separation", mixture="original")
    omix, osources = original[0]
    torch.testing.assert_close(osources, sources)
    # The vocal file is lossy OGG with a lead-in: aligned, the remix matches the original.
    assert _snr(omix, sources.sum(0)) > 15
    vocal = DAMPVSEPSinglesDataset(root, "enh_vocal", split="valid", ex_per_track=2)
    assert len(vocal) == 2 and vocal[1][1].shape == (1, 24000)
    assert vocal.get_track_name(1) == vocal.perf_key[0]
    assert vocal.get_infos()["dataset"] == "DAMP-VSEP"


def test_segments_norm_and_resampling(corpora):
    root = corpora("dampvsep")["root"]
    dset = DAMPVSEPSinglesDataset(
        root, "separation", random_segments=True, segment=0.5, norm="song_level", ex_per_track=3
    )
    mix, sources = dset[5]
    assert mix.shape == (8000,) and sources.shape == (2, 8000)
    # The files are at 16 kHz: asking 8 kHz reads metadata <split>_sr8000.json, and resamples.
    meta = os.path.join(root, "metadata", "train_singles_sr16000.json")
    shutil.copy(meta, os.path.join(root, "metadata", "train_singles_sr8000.json"))
    low = DAMPVSEPSinglesDataset(root, "separation", sample_rate=8000, mixture="remix")
    assert low[0][0].shape == (12000,)


def test_bad_inputs(corpora, tmp_path):
    root = corpora("dampvsep")["root"]
    with pytest.raises(FileNotFoundError, match="test_sr44100.json"):
        DAMPVSEPSinglesDataset(root, "separation", split="test", sample_rate=44100)
    with pytest.raises(ValueError, match="only accepts mixture='remix'"):
        DAMPVSEPSinglesDataset(root, "separation", split="train_english")
    with pytest.raises(ValueError, match="Unexpected task"):
        DAMPVSEPSinglesDataset(root, "karaoke")
    copy = tmp_path / "damp"
    shutil.copytree(root, copy)
    meta = copy / "metadata" / "test_sr16000.json"
    tracks = json.load(open(meta))
    perf = next(iter(tracks))
    tracks[perf]["background"] = tracks[perf]["background"].replace(".wav", ".m4a")
    json.dump(tracks, open(meta, "w"))
    with pytest.raises(AudioFileError, match="convert the DAMP-VSEP M4A files"):
        DAMPVSEPSinglesDataset(copy, "separation", split="test")[0]
    del tracks[perf]["scaler"]
    json.dump(tracks, open(meta, "w"))
    with pytest.raises(MetadataError, match=r"lacks field\(s\) \['scaler'\]"):
        DAMPVSEPSinglesDataset(copy, "separation", split="test")
