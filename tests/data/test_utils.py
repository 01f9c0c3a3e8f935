"""Collate helpers and the length-bucketed batch sampler."""

import pytest
import torch
from torch.utils.data import DataLoader

from asteroid.data import Wsj0mixDataset
from asteroid.data.utils import LengthBucketBatchSampler, online_mixing_collate, pad_collate


def test_online_mixing_collate():
    torch.manual_seed(0)
    sources = torch.randn(6, 2, 100) * torch.arange(1, 7).view(6, 1, 1)
    batch = [(s.sum(0), s) for s in sources]
    mix, new = online_mixing_collate(batch)
    assert mix.shape == (6, 100) and new.shape == (6, 2, 100)
    torch.testing.assert_close(mix, new.sum(1))
    # Each new source is an original source of the same index, rescaled to the energy of
    # the source it replaces.
    torch.testing.assert_close(new.pow(2).sum(-1), sources.pow(2).sum(-1))
    for b in range(6):
        for i in range(2):
            unit = new[b, i] / new[b, i].norm()
            sims = [(unit @ (sources[k, i] / sources[k, i].norm())).item() for k in range(6)]
            assert max(sims) == pytest.approx(1.0, abs=1e-5)


def test_pad_collate():
    batch = [(torch.ones(5), torch.ones(2, 5), "a"), (torch.ones(3), torch.ones(2, 3), "b")]
    mix, sources, names, lengths = pad_collate(batch)
    assert mix.shape == (2, 5) and sources.shape == (2, 2, 5) and names == ["a", "b"]
    assert lengths.tolist() == [5, 3] and mix[1, 3:].abs().sum() == 0


def test_length_buckets():
    lengths = [10, 50, 12, 48, 30, 11, 49, 31]
    sampler = LengthBucketBatchSampler(lengths, batch_size=3)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(8)) and len(sampler) == 3
    assert [sorted(lengths[i] for i in b) for b in batches] == [
        [48, 49, 50],
        [12, 30, 31],
        [10, 11],
    ]
    capped = LengthBucketBatchSampler(lengths, batch_size=8, max_samples=100)
    assert all(len(b) * max(lengths[i] for i in b) <= 100 or len(b) == 1 for b in capped)
    shuffled = LengthBucketBatchSampler(lengths, batch_size=2, shuffle=True)
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, shuffled.batches))
    with pytest.raises(ValueError, match="batch_size"):
        LengthBucketBatchSampler(lengths, 0)


def test_buckets_on_a_dataset(corpora):
    dset = Wsj0mixDataset(corpora("wsj0mix")["json"]["tr"], segment=None)
    sampler = LengthBucketBatchSampler.from_dataset(dset, batch_size=2)
    loader = DataLoader(dset, batch_sampler=sampler, collate_fn=pad_collate)
    seen = 0
    for mix, sources, lengths in loader:
        assert mix.shape[-1] == lengths.max() and sources.shape[:2] == (len(lengths), 2)
        seen += len(lengths)
    assert seen == len(dset)
    with pytest.raises(TypeError, match="Cannot read item lengths"):
        LengthBucketBatchSampler.from_dataset([1, 2], 2)
