"""Dynamic mixing: training mixtures drawn anew at every item from a corpus' sources.

:class:`DynamicMixing` wraps any separation dataset whose items are
``(mixture, sources)`` and makes new mixtures from its sources: each item takes
``n_src`` sources from different items (from different speakers when the
speakers are known), a random segment of each, an optional speed perturbation,
random levels, optionally the sources' reverberant images from the corpus in the
mixture (the targets stay anechoic), and optionally a noise taken from another item of
the corpus (the part of its mixture that its sources do not explain). Every recipe turns
it on with ``training.dynamic_mixing: true`` in its ``conf.yml``, with the
``augmentation`` group as keyword arguments.

Randomness is worker-safe and reproducible:

* the recipes' :class:`~asteroid.engine.loaders.ResumableDataLoader` (built
  with ``pass_epoch=True``) asks for items ``(epoch, index)``: each item then
  draws from a generator seeded by ``(seed, epoch, index)``, so that an epoch's
  mixtures depend neither on the number of workers nor on the process, change
  from one epoch to the next, and are the same after a resume;
* a plain ``DataLoader`` asks for integer indices: items draw from a generator
  of the process, seeded by ``seed`` and, in a worker, by the worker's seed
  (which PyTorch makes different for each worker and each epoch).

References:
    Neil Zeghidour and David Grangier, "Wavesplit: End-to-End Speech Separation by
    Speaker Clustering", 2020. https://arxiv.org/abs/2002.08933
"""

from fractions import Fraction

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

__all__ = ["DynamicMixing", "speed_perturb"]


def speed_perturb(wav, factor, max_denominator=100):
    """Play ``wav`` ``factor`` times faster (pitch changes too), by polyphase resampling.

    Args:
        wav (numpy.ndarray): audio, time on the last axis.
        factor (float): speed factor; 1.05 makes the audio 5% shorter.
        max_denominator (int): the factor is approximated by a fraction with at most
            this denominator.

    Returns:
        numpy.ndarray: the resampled audio (float32), about ``len / factor`` samples long.
    """
    from scipy.signal import resample_poly

    ratio = Fraction(float(factor)).limit_denominator(max_denominator)
    if ratio == 1:
        return np.asarray(wav, dtype=np.float32)
    out = resample_poly(wav, ratio.denominator, ratio.numerator, axis=-1)
    return out.astype(np.float32)


def _as_pair(value, name):
    pair = tuple(float(v) for v in value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be a pair of numbers, got {value!r}.")
    return pair


class DynamicMixing(Dataset):
    """New mixtures made on the fly from the sources of a separation dataset.

    Args:
        dataset (Dataset): items ``(mixture, sources, ...)`` with ``sources`` of shape
            ``(n_sources, *channels, time)``; read whole (build it with ``segment=None``)
            so that the crops come from this wrapper's random generator.
        n_src (int, optional): sources per new mixture (default: as many as the
            items of ``dataset`` have).
        segment (float, optional): length of the new mixtures in seconds; ``None``
            keeps each source whole and pads the shorter ones with zeros.
        sample_rate (int, optional): sample rate of ``dataset`` (default: its
            ``sample_rate`` attribute); needed with ``segment``.
        n_items (int, optional): items per epoch (default ``len(dataset)``).
        abs_stats (tuple): mean and standard deviation of the first source's peak
            level in dB (full scale).
        rel_stats (tuple): mean and standard deviation of how many dB below the first
            source each other source is.
        global_db_range (tuple): every level is clipped to this range (dB).
        speed_perturb (tuple, optional): ``(low, high)``; each source is played at a
            speed drawn uniformly in this range.
        noise (bool): add the noise of a random item of ``dataset`` (its mixture minus
            the sum of its sources), at a level ``noise_stats`` dB relative to the
            first source.
        noise_stats (tuple): mean and standard deviation of that relative level (dB).
        reverb (bool): mix the reverberant images of the sources (the dataset's
            ``reverberant_source(item, k)``, e.g. WHAMR!'s ``s1_reverb`` files) while the
            targets stay the anechoic sources; the same crop, speed and gain apply to both.
        speaker_of (callable, optional): ``speaker_of(item, k)`` gives the speaker of
            source ``k`` of ``dataset[item]``; the sources of a new mixture then
            come from ``n_src`` different speakers. Default: the dataset's
            ``source_speaker`` method if it has one; otherwise different items.
        orig_percentage (float): fraction of the items that are ``dataset``'s own
            items (cropped to ``segment``), not new mixtures.
        seed (int): seed of every random draw.

    The mixture is the sum of the sources (and noise); when its peak would exceed
    0.99, the mixture and its sources are scaled down together.

    Shape:
        - item: ``(mixture [*channels, time], sources [n_src, *channels, time])``.

    Example:
        >>> from asteroid.data import LibriMix
        >>> from asteroid.data.dynamic_mixing import DynamicMixing
        >>> base = LibriMix("data/train-100", sample_rate=8000, segment=None)  # doctest: +SKIP
        >>> train_set = DynamicMixing(base, n_src=2, segment=3, speed_perturb=(0.95, 1.05))  # doctest: +SKIP
    """

    def __init__(
        self,
        dataset,
        n_src=None,
        segment=None,
        sample_rate=None,
        n_items=None,
        abs_stats=(-16.7, 7),
        rel_stats=(2.52, 4),
        global_db_range=(-45, 0),
        speed_perturb=None,
        noise=False,
        noise_stats=(-3.0, 3.0),
        reverb=False,
        speaker_of=None,
        orig_percentage=0.0,
        seed=0,
    ):
        if len(dataset) == 0:
            raise ValueError("Dynamic mixing needs a dataset with at least one item; it is empty.")
        self.dataset = dataset
        self._n_sources = int(dataset[0][1].shape[0])
        self.n_src = self._n_sources if n_src is None else int(n_src)
        if self.n_src < 1:
            raise ValueError(f"n_src must be at least 1, got {n_src}.")
        self.sample_rate = sample_rate or getattr(dataset, "sample_rate", None)
        if segment is not None and not self.sample_rate:
            raise ValueError("A segment length needs the sample rate: pass sample_rate=.")
        self.seg_len = None if segment is None else int(round(segment * self.sample_rate))
        self.n_items = len(dataset) if n_items is None else int(n_items)
        self.abs_stats = _as_pair(abs_stats, "abs_stats")
        self.rel_stats = _as_pair(rel_stats, "rel_stats")
        self.global_db_range = _as_pair(global_db_range, "global_db_range")
        self.speed_range = None if speed_perturb is None else _as_pair(speed_perturb, "speed")
        if self.speed_range is not None and not 0 < self.speed_range[0] <= self.speed_range[1]:
            raise ValueError(f"speed_perturb must be 0 < low <= high, got {speed_perturb!r}.")
        self.noise = bool(noise)
        self.noise_stats = _as_pair(noise_stats, "noise_stats")
        self.reverb = bool(reverb)
        if self.reverb and not hasattr(dataset, "reverberant_source"):
            raise ValueError(
                f"reverb=True needs the reverberant images of the sources: "
                f"{type(dataset).__name__} has no reverberant_source(item, k) method."
            )
        if not 0.0 <= orig_percentage <= 1.0:
            raise ValueError(f"orig_percentage must be in [0, 1], got {orig_percentage}.")
        self.orig_percentage = float(orig_percentage)
        self.seed = int(seed)
        self._stream = None  # generator of integer-indexed draws, made on first use
        if speaker_of is None:
            speaker_of = getattr(dataset, "source_speaker", None)
        self._speakers = self._index_speakers(speaker_of)

    def _index_speakers(self, speaker_of):
        """``[(speaker, [(item, k), ...]), ...]``, or ``None`` without speaker labels."""
        if speaker_of is None:
            if len(self.dataset) < self.n_src:
                raise ValueError(
                    f"Dynamic mixing of {self.n_src} sources from different items needs at "
                    f"least {self.n_src} items; the dataset has {len(self.dataset)}."
                )
            return None
        by_speaker = {}
        for item in range(len(self.dataset)):
            for k in range(self._n_sources):
                by_speaker.setdefault(speaker_of(item, k), []).append((item, k))
        if len(by_speaker) < self.n_src:
            raise ValueError(
                f"Dynamic mixing of {self.n_src} speakers needs at least {self.n_src} "
                f"different speakers; the dataset has {len(by_speaker)}."
            )
        return sorted(by_speaker.items(), key=lambda kv: str(kv[0]))

    def __len__(self):
        return self.n_items

    def _generator(self, key):
        if isinstance(key, (tuple, list)):
            epoch, idx = (int(k) for k in key)
            return np.random.default_rng([self.seed, epoch, idx])
        if self._stream is None:
            info = get_worker_info()
            entropy = [self.seed] if info is None else [self.seed, info.seed % 2**63]
            self._stream = np.random.default_rng(entropy)
        return self._stream

    def _pick_sources(self, rng):
        """``n_src`` pairs ``(item, k)``: source ``k`` of ``dataset[item]``."""
        if self._speakers is None:
            items = rng.choice(len(self.dataset), size=self.n_src, replace=False)
            return [(int(item), int(rng.integers(self._n_sources))) for item in items]
        chosen = rng.choice(len(self._speakers), size=self.n_src, replace=False)
        picks = []
        for s in chosen:
            utterances = self._speakers[int(s)][1]
            picks.append(utterances[int(rng.integers(len(utterances)))])
        return picks

    def _crop(self, wav, rng, read_len):
        """A random ``read_len``-sample segment of ``wav`` (zero-padded at the end if shorter)."""
        length = wav.shape[-1]
        if read_len is None:
            return wav
        if length > read_len:
            start = int(rng.integers(length - read_len + 1))
            return wav[..., start : start + read_len]
        pad = [(0, 0)] * (wav.ndim - 1) + [(0, read_len - length)]
        return np.pad(wav, pad)

    def _levels(self, rng):
        low, high = self.global_db_range
        first = float(np.clip(rng.normal(*self.abs_stats), low, high))
        others = [
            float(np.clip(first - rng.normal(*self.rel_stats), low, high))
            for _ in range(self.n_src - 1)
        ]
        return [first] + others

    def _source(self, item, k, rng, level_db):
        """Source ``k`` of ``item``, cropped, sped up and scaled: ``(target, image)``.

        ``image`` is what goes into the mixture: the reverberant image with ``reverb``,
        else the target itself. Both are cut and processed as one two-row array.
        """
        dry = np.asarray(self.dataset[item][1][k], dtype=np.float32)
        if self.reverb:
            wet = np.asarray(self.dataset.reverberant_source(item, k), dtype=np.float32)
            length = max(dry.shape[-1], wet.shape[-1])
            pad = [(0, 0)] * (dry.ndim - 1)
            dry = np.pad(dry, pad + [(0, length - dry.shape[-1])])
            wet = np.pad(wet, pad + [(0, length - wet.shape[-1])])
        wav = np.stack([dry, wet] if self.reverb else [dry])
        if self.speed_range is None:
            wav = self._crop(wav, rng, self.seg_len)
        else:
            factor = rng.uniform(*self.speed_range)
            # Read enough for the crop to still fill the segment after speeding up.
            read_len = None if self.seg_len is None else int(np.ceil(self.seg_len * factor)) + 1
            wav = speed_perturb(self._crop(wav, rng, read_len), factor)
            if self.seg_len is not None:
                wav = self._crop(wav[..., : self.seg_len], rng, self.seg_len)
        wav = _set_peak(wav, level_db, reference=wav[0])  # the image gets the target's gain
        return wav[0], wav[-1]

    def _noise(self, rng, length, level_db):
        """The noise of a random item: its mixture minus what its sources put in it."""
        idx = int(rng.integers(len(self.dataset)))
        item = self.dataset[idx]
        mixture = np.asarray(item[0], dtype=np.float32)
        if self.reverb:  # the mixture holds the sources' reverberant images
            n = mixture.shape[-1]
            speech = np.zeros_like(mixture)
            for k in range(self._n_sources):
                image = np.asarray(self.dataset.reverberant_source(idx, k), dtype=np.float32)
                speech[..., : min(n, image.shape[-1])] += image[..., :n]
        else:
            speech = np.asarray(item[1], dtype=np.float32).sum(0)
        return _set_peak(self._crop(mixture - speech, rng, length), level_db)

    def __getitem__(self, key):
        """A new mixture and its sources (see the class description for the draws)."""
        rng = self._generator(key)
        if self.orig_percentage and rng.random() < self.orig_percentage:
            mixture, sources = self.dataset[int(rng.integers(len(self.dataset)))][:2]
            both = np.concatenate([np.asarray(mixture)[None], np.asarray(sources)])
            both = self._crop(both, rng, self.seg_len)
            return torch.from_numpy(both[0].copy()), torch.from_numpy(both[1:].copy())
        picks = self._pick_sources(rng)
        levels = self._levels(rng)
        pairs = [self._source(item, k, rng, lvl) for (item, k), lvl in zip(picks, levels)]
        length = max(t.shape[-1] for t, _ in pairs) if self.seg_len is None else self.seg_len
        sources = np.stack([self._crop(t, rng, length) for t, _ in pairs])
        mixture = np.stack([self._crop(image, rng, length) for _, image in pairs]).sum(0)
        if self.noise:
            noise_level = float(np.clip(levels[0] + rng.normal(*self.noise_stats), -90, 0))
            mixture = mixture + self._noise(rng, length, noise_level)
        peak = float(np.abs(mixture).max())
        if peak > 0.99:
            sources, mixture = sources * (0.99 / peak), mixture * (0.99 / peak)
        return torch.from_numpy(mixture.astype(np.float32)), torch.from_numpy(
            sources.astype(np.float32)
        )

    def get_infos(self):
        """The wrapped dataset's infos, marked as dynamically mixed."""
        infos = dict(self.dataset.get_infos()) if hasattr(self.dataset, "get_infos") else {}
        infos["dynamic_mixing"] = True
        return infos


def _set_peak(wav, level_db, reference=None):
    """``wav`` scaled so that the peak of ``reference`` (default: ``wav`` itself) is
    ``level_db`` dB full scale (silence stays silent)."""
    reference = wav if reference is None else reference
    peak = float(np.abs(reference).max()) if reference.size else 0.0
    if peak == 0.0:
        return wav.astype(np.float32)
    return (wav * (10 ** (level_db / 20) / peak)).astype(np.float32)
