"""wsj0-2mix / wsj0-3mix, and the JSON-list machinery shared by the WSJ0-based corpora."""

import os

import numpy as np
import torch
from torch.utils import data

from .audio import AudioFileError, audio_info, random_start, read_audio
from .metadata import MetadataError, drop_short, load_wav_list

__all__ = ["Wsj0mixDataset", "make_dataloaders", "wsj0_license"]


class JsonMixtureDataset(data.Dataset):
    """Base of the corpora described by JSON lists of ``[wav_path, n_samples]``.

    The recipes' preparation scripts write one list per sub-folder of the corpus
    (``mix.json``, ``s1.json``, ...), all in the same order. A subclass calls :meth:`_setup`
    with the names of the mixture and source lists.

    With ``segment`` set, utterances shorter than ``segment`` seconds are dropped (logged
    with their count) and each item is a random crop of ``segment`` seconds; with
    ``segment=None`` items are full utterances.
    """

    def _setup(self, json_dir, mix_name, source_names, n_src, sample_rate, segment):
        self.json_dir = json_dir
        self.sample_rate = sample_rate
        self.n_src = n_src
        self.seg_len = None if segment is None else int(segment * sample_rate)
        self.like_test = self.seg_len is None
        mix_json = os.path.join(json_dir, mix_name + ".json")
        mix_infos = load_wav_list(mix_json)
        # A corpus at another rate fails here, before any length is compared.
        if mix_infos:
            rate = audio_info(mix_infos[0][0]).samplerate
            if rate != sample_rate:
                raise AudioFileError(
                    f"Audio file {mix_infos[0][0]} is sampled at {rate} Hz, expected "
                    f"{sample_rate} Hz (sample_rate argument)."
                )
        sources_infos = []
        for name in source_names:
            src_json = os.path.join(json_dir, name + ".json")
            infos = load_wav_list(src_json)
            if len(infos) != len(mix_infos):
                raise MetadataError(
                    f"{src_json} lists {len(infos)} files but {mix_json} lists {len(mix_infos)}."
                )
            for i, (mix, src) in enumerate(zip(mix_infos, infos)):
                if mix[1] != src[1]:
                    raise MetadataError(
                        f"Entry {i}: {src[0]} has {src[1]} samples in {src_json} but its mixture "
                        f"{mix[0]} has {mix[1]} in {mix_json}."
                    )
            sources_infos.append(infos)
        keep = drop_short([m[1] for m in mix_infos], self.seg_len, sample_rate, mix_json)
        self.mix = [mix_infos[i] for i in keep]
        self.sources = [[infos[i] for i in keep] for infos in sources_infos]
        # Targets beyond the corpus' own sources are silent (zeros).
        while len(self.sources) < n_src:
            self.sources.append([None] * len(self.mix))

    def __len__(self):
        return len(self.mix)

    def source_speaker(self, idx, k):
        """Speaker of source ``k`` of item ``idx``, from the mixture's name.

        wsj0-mix mixtures are named ``<utt1>_<snr1>_<utt2>_<snr2>...`` and wsj0
        utterance ids begin with the 3-character speaker id. Used by dynamic mixing.
        """
        name = os.path.splitext(os.path.basename(self.mix[idx][0]))[0]
        return name.split("_")[2 * k][:3]

    def __add__(self, other):
        """Append the items of ``other`` to this dataset (in place) and return it.

        The segment length becomes the smaller of the two.
        """
        if self.n_src != other.n_src:
            raise ValueError(
                f"Only datasets with the same number of sources can be added, got "
                f"{self.n_src} and {other.n_src}."
            )
        if (self.seg_len is None) != (other.seg_len is None):
            raise ValueError("Cannot add a dataset of crops and a dataset of full utterances.")
        if self.seg_len != other.seg_len:
            self.seg_len = min(self.seg_len, other.seg_len)
        self.mix = self.mix + other.mix
        self.sources = [a + b for a, b in zip(self.sources, other.sources)]
        return self

    def _bounds(self, idx):
        """``(start, stop)`` of item ``idx``: a random crop, or the whole utterance."""
        length = self.mix[idx][1]
        if self.like_test:
            return 0, length
        start = random_start(length, self.seg_len)
        return start, start + self.seg_len

    def _read(self, path, start, stop, **kwargs):
        return read_audio(path, start, stop, sample_rate=self.sample_rate, **kwargs)

    def _read_mixture_and_sources(self, idx, always_2d=False):
        start, stop = self._bounds(idx)
        channels = None if always_2d else 1
        mixture = self._read(self.mix[idx][0], start, stop, channels=channels, always_2d=always_2d)
        sources = []
        for src in self.sources:
            if src[idx] is None:
                sources.append(np.zeros_like(mixture))
            else:
                sources.append(
                    self._read(src[idx][0], start, stop, channels=channels, always_2d=always_2d)
                )
        return mixture, np.stack(sources), (start, stop)

    def __getitem__(self, idx):
        """Mixture and stacked sources of item ``idx``.

        Returns:
            tuple: ``mixture`` (float32 tensor of shape ``(time,)``) and ``sources``
            (``(n_src, time)``).
        """
        mixture, sources, _ = self._read_mixture_and_sources(idx)
        return torch.from_numpy(mixture), torch.from_numpy(sources)


class Wsj0mixDataset(JsonMixtureDataset):
    """The wsj0-2mix / wsj0-3mix clean speech separation corpus.

    Reads the JSON lists written by the recipe (``local/preprocess_wsj0mix.py``):
    ``json_dir/mix.json`` and ``json_dir/s1.json`` ... ``s{n_src}.json``, each a list of
    ``[wav_path, n_samples]`` in the same order.

    Args:
        json_dir (str): Folder of the JSON lists of one split (``tr``, ``cv`` or ``tt``).
        n_src (int): Number of sources (2 for wsj0-2mix, 3 for wsj0-3mix).
        sample_rate (int): Sample rate of the files; another rate is an error.
        segment (float, optional): Length of the training crops in seconds; shorter
            utterances are dropped. ``None`` gives full utterances (evaluation).

    Items are ``(mixture, sources)``: float32 tensors of shapes ``(time,)`` and
    ``(n_src, time)``, with ``mixture == sources.sum(0)`` up to the 16-bit quantisation.

    References:
        [1] "Deep clustering: Discriminative embeddings for segmentation and separation",
        Hershey et al., ICASSP 2016.
    """

    dataset_name = "wsj0-mix"

    def __init__(self, json_dir, n_src=2, sample_rate=8000, segment=4.0):
        super().__init__()
        self._setup(
            json_dir, "mix", [f"s{i + 1}" for i in range(n_src)], n_src, sample_rate, segment
        )

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        return {"dataset": self.dataset_name, "task": "sep_clean", "licenses": [dict(wsj0_license)]}


def make_dataloaders(
    train_dir,
    valid_dir,
    n_src=2,
    sample_rate=8000,
    segment=4.0,
    batch_size=4,
    num_workers=None,
    **kwargs,
):
    """Training and validation loaders over two :class:`Wsj0mixDataset` splits.

    Both loaders shuffle and drop the last incomplete batch. ``num_workers`` defaults to
    ``batch_size``; other keyword arguments are ignored.

    Returns:
        tuple: ``(train_loader, val_loader)``.
    """
    num_workers = num_workers if num_workers else batch_size
    train_set = Wsj0mixDataset(train_dir, n_src=n_src, sample_rate=sample_rate, segment=segment)
    val_set = Wsj0mixDataset(valid_dir, n_src=n_src, sample_rate=sample_rate, segment=segment)
    loader_kwargs = dict(
        shuffle=True, batch_size=batch_size, num_workers=num_workers, drop_last=True
    )
    return data.DataLoader(train_set, **loader_kwargs), data.DataLoader(val_set, **loader_kwargs)


wsj0_license = dict(
    title="CSR-I (WSJ0) Complete",
    title_link="https://catalog.ldc.upenn.edu/LDC93S6A",
    author="LDC",
    author_link="https://www.ldc.upenn.edu/",
    license="LDC User Agreement for Non-Members",
    license_link="https://catalog.ldc.upenn.edu/license/ldc-non-members-agreement.pdf",
    non_commercial=True,
)
