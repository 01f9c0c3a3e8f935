"""Collate functions and samplers for the datasets of :mod:`asteroid.data`."""

import numpy as np
import torch
from torch.utils.data import Sampler
from torch.utils.data._utils.collate import default_collate

__all__ = ["online_mixing_collate", "pad_collate", "LengthBucketBatchSampler"]


def online_mixing_collate(batch):
    """Collate ``(mixture, sources)`` items into new mixtures of shuffled sources.

    After the default collation, the ``i``-th sources of the batch are shuffled across the
    batch (one permutation per source index, from ``torch``'s generator), each shuffled
    source is rescaled to the energy of the source it replaces, and the mixtures are
    rebuilt as the sum of the new sources. This gives new mixtures every epoch.

    Args:
        batch (list[tuple]): ``(mixture, sources)`` items with sources ``(n_src, time)``.

    Returns:
        tuple: ``mixtures`` ``(batch, time)`` and ``sources`` ``(batch, n_src, time)``.
    """
    _, targets = default_collate(batch)[:2]
    n_batch, n_src = targets.shape[:2]
    energies = torch.sum(targets**2, dim=-1, keepdim=True)  # B, S, 1
    new_sources = []
    for i in range(n_src):
        shuffled = targets[torch.randperm(n_batch), i]  # B, T
        gain = torch.sqrt(energies[:, i] / shuffled.pow(2).sum(-1, keepdim=True))
        new_sources.append(shuffled * gain)
    targets = torch.stack(new_sources, dim=1)  # B, S, T
    return targets.sum(1), targets


def pad_collate(batch):
    """Collate items of different lengths by zero-padding the time axis (the last one).

    Every tensor field of the items is padded to the longest in the batch; other fields are
    collated as lists.

    Args:
        batch (list[tuple]): Items, each a tuple of tensors (time last) or other objects.

    Returns:
        tuple: The padded fields, then ``lengths`` (``(batch,)`` int64 tensor: the original
        length of each item's first field).
    """
    fields = list(zip(*batch))
    out = []
    for field in fields:
        if isinstance(field[0], torch.Tensor):
            longest = max(t.shape[-1] for t in field)
            out.append(
                torch.stack([torch.nn.functional.pad(t, (0, longest - t.shape[-1])) for t in field])
            )
        else:
            out.append(list(field))
    lengths = torch.tensor([item[0].shape[-1] for item in batch], dtype=torch.long)
    return (*out, lengths)


class LengthBucketBatchSampler(Sampler):
    """Batches of items of similar lengths, for evaluation on variable-length utterances.

    Items are sorted by length and cut into consecutive batches whose padded size
    (``batch_len * longest``) stays within ``max_samples`` and whose size is at most
    ``batch_size``. Padding is then small, and each item appears exactly once.

    Args:
        lengths (Sequence[int]): Length (samples) of every item of the dataset.
        batch_size (int): Maximum number of items per batch.
        max_samples (int, optional): Maximum ``n_items * longest_length`` per batch.
        shuffle (bool): Shuffle the order of the batches (not their content), with
            ``np.random``.
        descending (bool): Longest items first (the largest batch first shows memory
            errors early).

    Example:
        >>> lengths = [len_of(i) for i in range(len(dataset))]
        >>> loader = DataLoader(dataset, batch_sampler=LengthBucketBatchSampler(lengths, 8),
        ...                     collate_fn=pad_collate)
    """

    def __init__(self, lengths, batch_size, max_samples=None, shuffle=False, descending=True):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        self.lengths = [int(n) for n in lengths]
        self.batch_size = batch_size
        self.max_samples = max_samples
        self.shuffle = shuffle
        order = sorted(range(len(self.lengths)), key=lambda i: self.lengths[i], reverse=descending)
        self.batches = []
        batch, longest = [], 0
        for i in order:
            new_longest = max(longest, self.lengths[i])
            too_big = max_samples is not None and new_longest * (len(batch) + 1) > max_samples
            if batch and (len(batch) == batch_size or too_big):
                self.batches.append(batch)
                batch, new_longest = [], self.lengths[i]
            batch.append(i)
            longest = new_longest
        if batch:
            self.batches.append(batch)

    @classmethod
    def from_dataset(cls, dataset, batch_size, **kwargs):
        """Build from a dataset that knows its lengths without reading audio.

        Supported: datasets with ``mix`` lists of ``[path, n_samples]`` (wsj0-mix, WHAM!,
        WHAMR!, Kinect-WSJ) and :class:`~asteroid.data.LibriMix` (its ``length`` column).
        """
        if hasattr(dataset, "mix"):
            lengths = [n for _, n in dataset.mix]
        elif hasattr(dataset, "df") and "length" in dataset.df:
            lengths = list(dataset.df["length"])
        else:
            raise TypeError(
                f"Cannot read item lengths from {type(dataset).__name__}; pass them to "
                f"LengthBucketBatchSampler(lengths, batch_size) directly."
            )
        return cls(lengths, batch_size, **kwargs)

    def __iter__(self):
        order = (
            np.random.permutation(len(self.batches)) if self.shuffle else range(len(self.batches))
        )
        for b in order:
            yield list(self.batches[b])

    def __len__(self):
        return len(self.batches)
