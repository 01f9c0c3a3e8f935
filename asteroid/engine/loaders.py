"""Data loaders whose position in the epoch survives a checkpoint.

A plain ``DataLoader(shuffle=True)`` draws each epoch's order from the global
random generator when the epoch starts, and a run resumed from a mid-epoch
checkpoint restarts the epoch from its first batch. :class:`ResumableDataLoader`
removes both sources of drift:

* its order is a function of ``(seed, epoch)`` only (:class:`ResumableSampler`);
* it implements ``state_dict``/``load_state_dict``, which Lightning stores in
  its checkpoints (under the fit loop's state): the epoch, the number of
  batches already served, and the states of the random generators (``torch``,
  ``numpy``, ``random`` and CUDA) at the moment of the checkpoint;
* after a restore, it skips the batches already served and puts the random
  generators back in their saved state just before fetching the next batch, so
  that random crops, augmentations and dropout see the same random numbers as
  in an uninterrupted run.

With ``num_workers=0`` a resumed run repeats an uninterrupted one exactly. With
workers, the order and each epoch's worker seeds are restored, but random draws
made inside the workers mid-epoch are not (a worker's generator has advanced
over the samples it had served), unless the dataset draws from generators
seeded by the item index.
"""

import math
import random
import warnings

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

__all__ = ["ResumableSampler", "ResumableDataLoader", "get_rng_states", "set_rng_states"]


def _world():
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


class ResumableSampler(DistributedSampler):
    """A distributed sampler that can start an epoch part-way and exists before the process group.

    The order is ``DistributedSampler``'s: a permutation seeded by ``seed +
    epoch`` (or the identity without shuffling), padded to a multiple of the
    number of processes and dealt out round-robin. Unlike ``DistributedSampler``
    it may be built before ``torch.distributed`` is initialised: unless given,
    the number of processes and the rank are read from ``torch.distributed``
    each time an epoch starts (one process when it is not initialised). Being a
    ``DistributedSampler``, Lightning keeps it instead of injecting its own.

    Args:
        dataset (Dataset): the dataset (only its length is used).
        shuffle (bool): whether to shuffle.
        seed (int): seed of the permutations.
        drop_last (bool): drop the tail so that every process gets the same number
            of distinct samples, instead of padding with repeated samples.
        num_replicas (int, optional): number of processes; default from
            ``torch.distributed``.
        rank (int, optional): this process's rank; default from ``torch.distributed``.
        pass_epoch (bool): yield ``(epoch, index)`` pairs instead of indices, for
            datasets whose items depend on the epoch (e.g.
            :class:`~asteroid.data.dynamic_mixing.DynamicMixing`).

    Attributes:
        start (int): samples of this process's share to skip at the next
            iteration (reset to 0 once used, and by :meth:`set_epoch` when the
            epoch changes).
    """

    def __init__(
        self,
        dataset,
        shuffle=True,
        seed=0,
        drop_last=False,
        num_replicas=None,
        rank=None,
        pass_epoch=False,
    ):
        self._requested = (num_replicas, rank)
        self.pass_epoch = pass_epoch
        world, this_rank = self._resolve_world()
        super().__init__(
            dataset,
            num_replicas=world,
            rank=this_rank,
            shuffle=shuffle,
            seed=seed,
            drop_last=drop_last,
        )
        self.start = 0

    def _resolve_world(self):
        num_replicas, rank = self._requested
        world, this_rank = _world()
        num_replicas = world if num_replicas is None else num_replicas
        rank = this_rank if rank is None else rank
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}: expected 0 <= rank < {num_replicas}.")
        return num_replicas, rank

    def _refresh_world(self):
        self.num_replicas, self.rank = self._resolve_world()
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        self._refresh_world()
        start, self.start = self.start, 0
        indices = list(super().__iter__())[start:]
        if self.pass_epoch:
            return iter([(self.epoch, i) for i in indices])
        return iter(indices)

    def __len__(self):
        self._refresh_world()
        return self.num_samples

    def set_epoch(self, epoch):
        """Select the epoch's permutation; forget a pending skip if the epoch changes."""
        if epoch != self.epoch:
            self.start = 0
        super().set_epoch(epoch)


class ResumableDataLoader(DataLoader):
    """A ``DataLoader`` whose epoch, position and random state are saved in checkpoints.

    Takes the arguments of :class:`torch.utils.data.DataLoader` except
    ``sampler``, ``batch_sampler`` and ``generator``, which it sets itself.
    Lightning calls ``set_epoch`` on its sampler at every epoch; a hand-written
    loop must call ``loader.sampler.set_epoch(epoch)`` to get a new order each
    epoch.

    Args:
        dataset (Dataset): a map-style dataset.
        batch_size (int): samples per batch (per process).
        shuffle (bool): whether to shuffle, with permutations seeded by ``seed``.
        seed (int): seed of the order and of each epoch's worker seeds.
        drop_last (bool): drop the last incomplete batch.
        pass_epoch (bool): ask the dataset for items ``(epoch, index)`` instead of
            ``index`` (see :class:`ResumableSampler`).
        **kwargs: other ``DataLoader`` arguments (``num_workers``, ``collate_fn``,
            ``pin_memory``, ...).
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=False,
        seed=0,
        drop_last=False,
        pass_epoch=False,
        **kwargs,
    ):
        for key in ("sampler", "batch_sampler", "generator"):
            if key in kwargs:
                raise TypeError(f"ResumableDataLoader sets its own {key}; do not pass {key}=.")
        if batch_size is None:
            raise TypeError("ResumableDataLoader needs an integer batch_size, got None.")
        sampler = ResumableSampler(dataset, shuffle=shuffle, seed=seed, pass_epoch=pass_epoch)
        super().__init__(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            drop_last=drop_last,
            generator=torch.Generator(),
            **kwargs,
        )
        self.seed = seed
        self._batches_served = 0  # batches served in epoch ``_served_epoch``
        self._served_epoch = 0
        self._rng_to_restore = None

    def __iter__(self):
        return self._serve()

    def _serve(self):
        # Runs at the first ``next()``, i.e. after Lightning has set the epoch.
        if self._rng_to_restore is not None:
            set_rng_states(self._rng_to_restore)
            self._rng_to_restore = None
        # The workers' base seed comes from this generator, not from the global one.
        self.generator.manual_seed(self.seed + self.sampler.epoch)
        self._served_epoch = self.sampler.epoch
        self._batches_served = self.sampler.start // self.batch_size
        for batch in super().__iter__():
            self._batches_served += 1
            yield batch

    def state_dict(self):
        """Epoch, batches served in it, world size and random generator states."""
        epoch = self.sampler.epoch
        return {
            "epoch": epoch,
            "batches_served": self._batches_served if epoch == self._served_epoch else 0,
            "num_replicas": self.sampler.num_replicas,
            "rng_states": get_rng_states(),
        }

    def load_state_dict(self, state_dict):
        """Continue after the last batch served when ``state_dict`` was taken."""
        epoch, served = state_dict["epoch"], state_dict["batches_served"]
        self.sampler._refresh_world()
        world = self.sampler.num_replicas
        saved_world = state_dict.get("num_replicas", world)
        if saved_world != world:
            warnings.warn(
                f"Resuming with {world} processes a run saved with {saved_world}: "
                "the rest of the epoch is dealt out differently.",
                stacklevel=2,
            )
            served = (served * saved_world) // world
        if served >= len(self):  # the saved epoch was complete
            epoch, served = epoch + 1, 0
        self.sampler.set_epoch(epoch)
        self.sampler.start = served * self.batch_size
        self._batches_served, self._served_epoch = served, epoch
        self._rng_to_restore = state_dict.get("rng_states")


def get_rng_states():
    """States of the ``torch`` (CPU and CUDA), ``numpy`` and ``random`` generators.

    Returns:
        dict: tensors and plain Python values only, so that it can be saved in a
        checkpoint read back with ``torch.load(weights_only=True)``.
    """
    key, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    states = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "key": key,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states):
    """Restore generator states returned by :func:`get_rng_states`."""
    torch.set_rng_state(states["torch"])
    np_state = states["numpy"]
    np.random.set_state(
        (
            np_state["key"],
            np_state["keys"].numpy().astype(np.uint32),
            np_state["pos"],
            np_state["has_gauss"],
            np_state["cached_gaussian"],
        )
    )
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
