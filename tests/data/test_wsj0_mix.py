"""wsj0-mix: layout written by the generator, loaded through the dataset, and bad inputs."""

import json
import logging
import os

import numpy as np
import pytest
import soundfile as sf
import torch

from asteroid.data import Wsj0mixDataset
from asteroid.data.audio import AudioFileError
from asteroid.data.metadata import MetadataError
from asteroid.data.synthetic import make_wsj0mix_corpus
from asteroid.data.wsj0_mix import make_dataloaders


def _find(full, crop):
    """Start of ``crop`` inside ``full`` (exact match), or None."""
    for start in range(full.shape[-1] - crop.shape[-1] + 1):
        if torch.equal(full[..., start : start + crop.shape[-1]], crop):
            return start
    return None


def test_layout(corpora):
    out = corpora("wsj0mix")
    assert out["root"].endswith(os.path.join("2speakers", "wav8k", "min"))
    for split, n in (("tr", 4), ("cv", 2), ("tt", 2)):
        for sub in ("mix", "s1", "s2"):
            assert len(os.listdir(os.path.join(out["root"], split, sub))) == n
        with open(os.path.join(out["json"][split], "mix.json")) as fh:
            entries = json.load(fh)
        assert [os.path.basename(p) for p, _ in entries] == sorted(
            os.listdir(os.path.join(out["root"], split, "mix"))
        )
        assert all(sf.info(p).frames == n for p, n in entries)


def test_full_utterances(corpora):
    out = corpora("wsj0mix")
    dset = Wsj0mixDataset(out["json"]["tt"], segment=None)
    assert len(dset) == 2 and dset.like_test
    for i in range(len(dset)):
        mix, sources = dset[i]
        assert mix.dtype == sources.dtype == torch.float32
        assert mix.shape == (dset.mix[i][1],) and sources.shape == (2, dset.mix[i][1])
        torch.testing.assert_close(mix, sources.sum(0), atol=1e-6, rtol=0)
    infos = dset.get_infos()
    assert infos["dataset"] == "wsj0-mix" and infos["task"] == "sep_clean"
    assert infos["licenses"][0]["title"] == "CSR-I (WSJ0) Complete"


def test_segments_are_random_crops(corpora):
    out = corpora("wsj0mix")
    full = Wsj0mixDataset(out["json"]["tr"], segment=None)
    dset = Wsj0mixDataset(out["json"]["tr"], segment=0.5)
    np.random.seed(0)
    starts = set()
    for _ in range(6):
        mix, sources = dset[0]
        assert mix.shape == (4000,) and sources.shape == (2, 4000)
        start = _find(full[0][0], mix)
        assert start is not None
        torch.testing.assert_close(sources, full[0][1][:, start : start + 4000])
        starts.add(start)
    assert len(starts) > 1


def test_short_utterances_dropped_with_log(corpora, caplog):
    out = corpora("wsj0mix")
    lengths = sorted(n for _, n in Wsj0mixDataset(out["json"]["tr"], segment=None).mix)
    segment = (lengths[0] + 1) / 8000
    with caplog.at_level(logging.WARNING, logger="asteroid.data"):
        dset = Wsj0mixDataset(out["json"]["tr"], segment=segment)
    assert len(dset) == 4 - lengths.count(lengths[0])
    assert f"Drop {4 - len(dset)} utts" in caplog.text and "mix.json" in caplog.text
    with pytest.raises(ValueError, match=r"longer than every utterance of .*mix.json"):
        Wsj0mixDataset(out["json"]["tr"], segment=lengths[-1] / 8000 + 0.1)


def test_three_speakers_and_extra_sources(corpora):
    out = corpora("wsj0mix3")
    dset = Wsj0mixDataset(out["json"]["tr"], n_src=3, segment=None)
    mix, sources = dset[0]
    assert sources.shape == (3, mix.shape[0])
    torch.testing.assert_close(mix, sources.sum(0), atol=1e-6, rtol=0)


def test_make_dataloaders(corpora):
    out = corpora("wsj0mix")
    train, val = make_dataloaders(out["json"]["tr"], out["json"]["cv"], segment=0.25, batch_size=2)
    assert train.num_workers == 2 and train.drop_last
    mix, sources = next(iter(val))
    assert mix.shape == (2, 2000) and sources.shape == (2, 2, 2000)


@pytest.fixture
def small(tmp_path):
    return make_wsj0mix_corpus(tmp_path, {"tr": 2}, seed=3)


def test_wrong_sample_rate(small):
    with pytest.raises(AudioFileError, match=r"mix.*\.wav is sampled at 8000 Hz, expected 16000"):
        Wsj0mixDataset(small["json"]["tr"], sample_rate=16000)


def test_missing_source_file(small):
    dset = Wsj0mixDataset(small["json"]["tr"], segment=None)
    os.remove(dset.sources[1][1][0])
    with pytest.raises(FileNotFoundError, match=os.path.basename(dset.sources[1][1][0])):
        dset[1]


def test_missing_json(small):
    os.remove(os.path.join(small["json"]["tr"], "s2.json"))
    with pytest.raises(FileNotFoundError, match="s2.json does not exist"):
        Wsj0mixDataset(small["json"]["tr"])


def test_row_pointing_nowhere(small):
    path = os.path.join(small["json"]["tr"], "s1.json")
    entries = json.load(open(path))
    entries[1][0] = "/nowhere/at/all.wav"
    json.dump(entries, open(path, "w"))
    dset = Wsj0mixDataset(small["json"]["tr"], segment=None)
    with pytest.raises(FileNotFoundError, match="/nowhere/at/all.wav does not exist"):
        dset[1]


def test_metadata_lengths_disagree(small):
    path = os.path.join(small["json"]["tr"], "s1.json")
    entries = json.load(open(path))
    entries[0][1] += 5
    json.dump(entries, open(path, "w"))
    with pytest.raises(MetadataError, match="Entry 0.*s1.json"):
        Wsj0mixDataset(small["json"]["tr"])


def test_truncated_source(small):
    dset = Wsj0mixDataset(small["json"]["tr"], segment=None)
    victim = dset.sources[0][1][0]
    data = open(victim, "rb").read()
    open(victim, "wb").write(data[: len(data) // 2])
    with pytest.raises(AudioFileError, match=f"{os.path.basename(victim)} is truncated"):
        dset[1]


def test_corrupt_mixture(small):
    dset = Wsj0mixDataset(small["json"]["tr"], segment=None)
    victim = dset.mix[1][0]
    open(victim, "wb").write(b"this is not audio at all" * 20)
    with pytest.raises(AudioFileError, match=f"{os.path.basename(victim)}.*corrupt"):
        dset[1]
