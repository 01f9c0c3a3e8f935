"""Kinect-WSJ: multichannel reverberant wsj0-2mix with CHiME-5 noise."""

import os

import torch
from torch.utils import data

from .wsj0_mix import Wsj0mixDataset

__all__ = ["KinectWsjMixDataset", "make_dataloaders", "chime5_license"]


def _noise_path(mix_path):
    # The noise of <split>/mix/<name>.wav is <split>/noise/<name>.wav.
    split_dir = os.path.dirname(os.path.dirname(mix_path))
    return os.path.join(split_dir, "noise", os.path.basename(mix_path))


class KinectWsjMixDataset(Wsj0mixDataset):
    """Kinect-WSJ multichannel separation corpus.

    Reads the JSON lists written by the recipe (``local/preprocess_kinect_wsj.py``):
    ``mix.json`` and ``s1.json`` ... ``s{n_src}.json``. The noise of each mixture is the
    file of the same name in the ``noise`` folder next to the mixture's folder.

    Args:
        json_dir (str): Folder of the JSON lists of one split (``tr``, ``cv``, ``tt``).
        n_src (int): Number of sources.
        sample_rate (int): Sample rate of the files; another rate is an error.
        segment (float, optional): Length of the training crops in seconds; shorter
            utterances are dropped. ``None`` gives full utterances.

    Items are ``(mixture, sources, noise)``, float32 tensors, time before channels:
    ``(time, channels)``, ``(n_src, time, channels)`` and ``(time, channels)``.

    References:
        [1] "Analyzing the impact of speaker localization errors on speech separation for
        automatic speech recognition", Sivasankaran et al., EUSIPCO 2020.
    """

    dataset_name = "Kinect-WSJ"

    def __init__(self, json_dir, n_src=2, sample_rate=16000, segment=4.0):
        super().__init__(json_dir, n_src=n_src, sample_rate=sample_rate, segment=segment)
        self.noises = [[_noise_path(path), length] for path, length in self.mix]

    def __add__(self, other):
        noises = self.noises + other.noises
        super().__add__(other)
        self.noises = noises
        return self

    def __getitem__(self, idx):
        """Mixture, stacked sources and noise of item ``idx`` (time-major).

        Returns:
            tuple: ``mixture`` ``(time, channels)``, ``sources`` ``(n_src, time, channels)``,
            ``noise`` ``(time, channels)``.
        """
        mixture, sources, (start, stop) = self._read_mixture_and_sources(idx, always_2d=True)
        noise = self._read(self.noises[idx][0], start, stop, always_2d=True)
        for name, wav in (("source", sources[0]), ("noise", noise)):
            if wav.shape[-1] != mixture.shape[-1]:
                raise ValueError(
                    f"Item {idx}: the {name} has {wav.shape[-1]} channels, the mixture "
                    f"{self.mix[idx][0]} has {mixture.shape[-1]}."
                )
        return torch.from_numpy(mixture), torch.from_numpy(sources), torch.from_numpy(noise)

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        infos = super().get_infos()
        infos["licenses"].append(dict(chime5_license))
        return infos


def make_dataloaders(
    train_dir,
    valid_dir,
    n_src=2,
    sample_rate=16000,
    segment=4.0,
    batch_size=4,
    num_workers=None,
    **kwargs,
):
    """Training and validation loaders over two :class:`KinectWsjMixDataset` splits.

    Both loaders shuffle and drop the last incomplete batch. ``num_workers`` defaults to
    ``batch_size``; other keyword arguments are ignored.

    Returns:
        tuple: ``(train_loader, val_loader)``.
    """
    num_workers = num_workers if num_workers else batch_size
    train_set = KinectWsjMixDataset(
        train_dir, n_src=n_src, sample_rate=sample_rate, segment=segment
    )
    val_set = KinectWsjMixDataset(valid_dir, n_src=n_src, sample_rate=sample_rate, segment=segment)
    loader_kwargs = dict(
        shuffle=True, batch_size=batch_size, num_workers=num_workers, drop_last=True
    )
    return data.DataLoader(train_set, **loader_kwargs), data.DataLoader(val_set, **loader_kwargs)


chime5_license = dict(
    title="The CHiME-5 speech corpus",
    title_link="http://spandh.dcs.shef.ac.uk/chime_challenge/CHiME5/index.html",
    author="Jon Barker, Shinji Watanabe and Emmanuel Vincent",
    author_link="http://spandh.dcs.shef.ac.uk/chime_challenge/chime2018/contact.html",
    license="CHiME-5 data licence - non-commercial 1.00",
    license_link="https://licensing.sheffield.ac.uk/i/data/chime5.html",
    non_commercial=True,
)
