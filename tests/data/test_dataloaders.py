"""Every dataset through a DataLoader with 2 worker processes (picklable, seeded per worker),
and the generator's determinism."""

import json
import os

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from asteroid.data import (
    AVSpeechDataset,
    DAMPVSEPSinglesDataset,
    DNSDataset,
    FUSSDataset,
    KinectWsjMixDataset,
    LibriMix,
    LibriVADDataset,
    MUSDB18Dataset,
    SmsWsjDataset,
    WhamDataset,
    WhamRDataset,
    Wsj0mixDataset,
)
from asteroid.data.synthetic import make_wsj0mix_corpus

BUILDERS = {
    "wsj0mix": lambda c: Wsj0mixDataset(c("wsj0mix")["json"]["tr"], segment=0.25),
    "wham": lambda c: WhamDataset(c("wham")["json"]["tr"], "sep_noisy", segment=0.25),
    "whamr": lambda c: WhamRDataset(c("whamr")["json"]["tr"], "sep_reverb", segment=0.25),
    "kinect": lambda c: KinectWsjMixDataset(c("kinect")["json"]["tr"], segment=0.25),
    "sms_wsj": lambda c: SmsWsjDataset(c("sms_wsj")["json"], "image", "train_si284", segment=0.25),
    "librimix": lambda c: LibriMix(
        c("librimix")["local"]["train-360"], sample_rate=8000, segment=0.5
    ),
    "dns": lambda c: DNSDataset(c("dns")["json_dir"]),
    "musdb18": lambda c: MUSDB18Dataset(
        c("musdb18")["root"],
        targets=["vocals"],
        segment=0.25,
        random_segments=True,
        samples_per_track=2,
        sample_rate=16000,
    ),
    "fuss": lambda c: FUSSDataset(c("fuss")["file_list"]),
    "dampvsep": lambda c: DAMPVSEPSinglesDataset(
        c("dampvsep")["root"], "separation", random_segments=True, segment=0.25
    ),
    "avspeech": lambda c: AVSpeechDataset(c("avspeech")["csv"], c("avspeech")["embed_dir"]),
    "librivad": lambda c: LibriVADDataset(c("librivad")["metadata"]["train"], segment=0.25),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_two_workers(corpora, name):
    dset = BUILDERS[name](corpora)
    batch_size = 1 if name == "dns" else 2  # DNS items have their own lengths.
    loader = DataLoader(dset, batch_size=batch_size, num_workers=2, drop_last=True)
    n_items = 0
    for batch in loader:
        first = batch[0]
        assert isinstance(first, torch.Tensor) and first.shape[0] == batch_size
        n_items += batch_size
    assert n_items == len(dset) // batch_size * batch_size


def test_workers_draw_different_crops(tmp_path):
    out = make_wsj0mix_corpus(tmp_path, {"tr": 1}, min_duration=3.0, seed=5)
    # The same long utterance eight times: items differ only by their random crop.
    for name in ("mix", "s1", "s2"):
        path = os.path.join(out["json"]["tr"], name + ".json")
        json.dump(json.load(open(path)) * 8, open(path, "w"))
    dset = Wsj0mixDataset(out["json"]["tr"], segment=0.1)
    loader = DataLoader(dset, batch_size=1, num_workers=2)
    crops = [batch[0][0] for batch in loader]
    # Worker 0 serves items 0, 2, 4, ...; worker 1 serves 1, 3, 5, ...: were both workers
    # seeded alike, item 2k and item 2k+1 would be the same crop.
    assert any(not torch.equal(crops[2 * k], crops[2 * k + 1]) for k in range(4))
    assert len({c[:50].numpy().tobytes() for c in crops}) > 2


def test_corpus_is_deterministic(tmp_path):
    a = make_wsj0mix_corpus(tmp_path / "a", {"tr": 2, "tt": 1}, seed=11)
    b = make_wsj0mix_corpus(tmp_path / "b", {"tr": 2, "tt": 1}, seed=11)
    c = make_wsj0mix_corpus(tmp_path / "c", {"tr": 2, "tt": 1}, seed=12)
    da, db, dc = (Wsj0mixDataset(o["json"]["tr"], segment=None) for o in (a, b, c))
    names = [[os.path.basename(p) for p, _ in d.mix] for d in (da, db, dc)]
    assert names[0] == names[1] and names[0] != names[2]
    for i in range(len(da)):
        np.testing.assert_array_equal(da[i][1].numpy(), db[i][1].numpy())
