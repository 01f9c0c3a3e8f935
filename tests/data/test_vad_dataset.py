"""LibriVAD: sample-level labels that follow the placed speech, random crops."""

import pytest
import torch

from asteroid.data import LibriVADDataset
from asteroid.data.metadata import MetadataError
from asteroid.data.vad_dataset import from_vad_to_label


def test_labels_follow_speech(corpora):
    out = corpora("librivad")
    dset = LibriVADDataset(out["metadata"]["train"], segment=None)
    assert len(dset) == 3
    audio, label = dset[0]
    assert label.shape == (1, audio.shape[0])
    speech, silence = audio[label[0] == 1], audio[label[0] == 0]
    assert speech.abs().mean() > 8 * silence.abs().mean()
    starts = dset.md[0]["VAD"]["start"]
    assert label[0, starts[0] - 1] == 0 and label[0, starts[0]] == 1


def test_crops(corpora):
    out = corpora("librivad")
    full = LibriVADDataset(out["metadata"]["dev"], segment=None)[0]
    dset = LibriVADDataset(out["metadata"]["dev"], segment=0.5)
    audio, label = dset[0]
    assert audio.shape == (4000,) and label.shape == (1, 4000)
    starts = [
        s for s in range(full[0].shape[0] - 4000 + 1) if torch.equal(full[0][s : s + 4000], audio)
    ]
    assert starts and torch.equal(full[1][:, starts[0] : starts[0] + 4000], label)
    with pytest.raises(ValueError, match=r"\.wav has \d+ samples, shorter than the segment"):
        LibriVADDataset(out["metadata"]["dev"], segment=100)[0]
    with pytest.raises(ValueError, match="sampled at 8000 Hz, expected 16000"):
        LibriVADDataset(out["metadata"]["dev"], sample_rate=16000, segment=None)[0]


def test_from_vad_to_label_and_bad_metadata(tmp_path):
    label = from_vad_to_label(10, {"start": [1, 6], "stop": [3, 8]}, 0, None)
    assert label.tolist() == [0, 1, 1, 0, 0, 0, 1, 1, 0, 0]
    bad = tmp_path / "md.json"
    bad.write_text('[{"mixture_path": "a.wav"}]')
    with pytest.raises(MetadataError, match="Record 0 of .*md.json"):
        LibriVADDataset(bad)
