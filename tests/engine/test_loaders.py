"""ResumableSampler / ResumableDataLoader: order, sharding, state and random state."""

import random

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, DistributedSampler

from asteroid.engine.loaders import (
    ResumableDataLoader,
    ResumableSampler,
    get_rng_states,
    set_rng_states,
)


class Noisy(Dataset):
    """Item ``i`` is ``i`` plus draws from the three global generators."""

    def __len__(self):
        return 22

    def __getitem__(self, idx):
        return torch.tensor([float(idx), np.random.rand(), random.random(), torch.rand(()).item()])


def _epoch(loader, epoch):
    loader.sampler.set_epoch(epoch)
    return [b.clone() for b in loader]


def test_sampler_matches_distributed_sampler():
    data = list(range(23))
    for world in (1, 2, 3):
        for rank in range(world):
            ours = ResumableSampler(data, shuffle=True, seed=5, num_replicas=world, rank=rank)
            ref = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=5)
            for epoch in (0, 3):
                ours.set_epoch(epoch)
                ref.set_epoch(epoch)
                assert list(ours) == list(ref) and len(ours) == len(ref)
    assert list(ResumableSampler(data, shuffle=False)) == data
    with pytest.raises(ValueError, match="rank"):
        ResumableSampler(data, num_replicas=2, rank=2)


def test_sampler_start_and_epoch():
    sampler = ResumableSampler(list(range(10)), shuffle=True, seed=1)
    full = list(sampler)
    sampler.start = 4
    assert list(sampler) == full[4:]
    assert list(sampler) == full  # the skip is used once
    sampler.start = 4
    sampler.set_epoch(0)  # same epoch: the skip stays
    assert sampler.start == 4
    sampler.set_epoch(1)  # new epoch: forgotten
    assert sampler.start == 0 and list(sampler) != full


def test_order_depends_on_seed_and_epoch_only():
    a = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True, seed=3)
    b = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True, seed=3)
    torch.manual_seed(0)
    first = [x[:, 0] for x in _epoch(a, 2)]
    torch.manual_seed(123)  # another global state does not change the order
    second = [x[:, 0] for x in _epoch(b, 2)]
    for x, y in zip(first, second):
        torch.testing.assert_close(x, y)
    assert not torch.equal(torch.cat(first), torch.cat([x[:, 0] for x in _epoch(a, 3)]))
    assert sorted(torch.cat(first).tolist()) == list(range(22))


@pytest.mark.parametrize("stop_after", [0, 2, 4])
def test_state_dict_resumes_same_batches_and_random_draws(stop_after):
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    ref = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True, seed=7, drop_last=True)
    _epoch(ref, 0)
    ref.sampler.set_epoch(1)
    it = iter(ref)
    batches = [next(it) for _ in range(stop_after)]
    state = ref.state_dict()
    assert state["epoch"] == 1 and state["batches_served"] == stop_after
    batches += list(it)
    assert len(ref) == 5 and len(batches) == 5

    # A fresh loader in a process whose generators are elsewhere.
    torch.manual_seed(99)
    np.random.seed(99)
    random.seed(99)
    resumed = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True, seed=7, drop_last=True)
    resumed.load_state_dict(state)
    resumed.sampler.set_epoch(1)  # what Lightning does at the start of the epoch
    rest = list(resumed)
    assert len(rest) == 5 - stop_after
    for x, y in zip(rest, batches[stop_after:]):
        torch.testing.assert_close(x, y)  # same items and same random draws
    assert resumed.state_dict()["batches_served"] == 5


def test_state_at_end_of_epoch_starts_next_epoch():
    ref = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True, seed=2)
    _epoch(ref, 0)
    state = ref.state_dict()
    expected = [b[:, 0] for b in _epoch(ref, 1)]
    resumed = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True, seed=2)
    resumed.load_state_dict(state)
    assert resumed.sampler.epoch == 1
    got = [b[:, 0] for b in resumed]
    assert len(got) == 6
    for x, y in zip(got, expected):
        torch.testing.assert_close(x, y)


def test_state_is_weights_only_loadable(tmp_path):
    loader = ResumableDataLoader(Noisy(), batch_size=4, shuffle=True)
    next(iter(loader))
    torch.save(loader.state_dict(), tmp_path / "s.pt")
    state = torch.load(tmp_path / "s.pt", weights_only=True)
    assert state["batches_served"] == 1


def test_rng_states_round_trip():
    states = get_rng_states()
    draws = (torch.rand(3), np.random.rand(3), [random.random() for _ in range(3)])
    set_rng_states(states)
    torch.testing.assert_close(torch.rand(3), draws[0])
    np.testing.assert_array_equal(np.random.rand(3), draws[1])
    assert [random.random() for _ in range(3)] == draws[2]


def test_worker_seeds_follow_the_epoch():
    def worker_draws(loader, epoch):
        return torch.cat([b[:, 3] for b in _epoch(loader, epoch)])

    a = ResumableDataLoader(Noisy(), batch_size=11, seed=4, num_workers=2)
    torch.manual_seed(0)
    first = worker_draws(a, 1)
    torch.manual_seed(1)
    torch.testing.assert_close(worker_draws(a, 1), first)
    assert not torch.equal(worker_draws(a, 2), first)


def test_rejects_own_sampler():
    with pytest.raises(TypeError, match="sampler"):
        ResumableDataLoader(Noisy(), sampler=range(3))
    with pytest.raises(TypeError, match="batch_size"):
        ResumableDataLoader(Noisy(), batch_size=None)
