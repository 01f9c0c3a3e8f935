"""Dynamic mixing for WHAM! (``--dataset DynamicMixWham``): new training mixtures every epoch.

Each training item draws ``n_src`` different speakers from the clean sources of the WHAM!
training split (the ``s1``/``s2`` lists of stage 2), a random segment of one of their
utterances, a speed perturbation (resampling by a factor drawn in ``speed_perturb``) and a
random level: the first source at ``N(abs_stats)`` dB, the others ``N(rel_stats)`` dB below
it, all clipped to ``global_db_range`` (levels are peak levels, as SoX's ``norm``). The
mixture is the mean of the sources. With ``orig_percentage`` > 0, that fraction of the items
are WHAM!'s own mixtures. Validation and test sets are WHAM!'s.

References:
    Neil Zeghidour and David Grangier, "Wavesplit: End-to-End Speech Separation by Speaker
    Clustering", 2020 (dynamic mixing). https://arxiv.org/abs/2002.08933
"""

import json
import os
import random
from fractions import Fraction

import numpy as np
import soundfile as sf
import torch
from scipy.signal import resample_poly
from torch.utils.data import Dataset

from asteroid.data import WhamDataset
from asteroid.scripts.recipe_parts import register_dataset

__all__ = ["DynamicMixWham"]


def speaker_of(path, position):
    """Speaker of source ``position`` of a WHAM!/wsj0-mix file name ``<utt1>_<snr1>_<utt2>_<snr2>``.

    wsj0 utterance ids start with the 3-character speaker id.
    """
    parts = os.path.splitext(os.path.basename(path))[0].split("_")
    return parts[2 * position][:3]


class DynamicMixWham(Dataset):
    """Mixtures drawn anew at every item from WHAM!'s clean training sources.

    Args:
        json_dir (str): The training split's JSON lists (``s1.json``, ``s2.json``, ...).
        sample_rate (int): Sample rate of the files.
        segment (float): Length of the items, in seconds.
        n_src (int): Speakers per mixture.
        global_db_range, abs_stats, rel_stats, speed_perturb: See the module description.
        orig_percentage (float): Fraction of items that are WHAM!'s own ``mix_clean`` mixtures.
        task (str): Only ``"sep_clean"`` (dynamic mixing of clean speech).
    """

    dataset_name = "WHAM! (dynamic mixing)"

    def __init__(
        self,
        json_dir,
        sample_rate=8000,
        segment=4.0,
        n_src=2,
        global_db_range=(-45, 0),
        abs_stats=(-16.7, 7),
        rel_stats=(2.52, 4),
        speed_perturb=(0.95, 1.05),
        orig_percentage=0.0,
        task="sep_clean",
    ):
        if task != "sep_clean":
            raise ValueError(
                f"Dynamic mixing makes clean mixtures: task must be 'sep_clean', got {task!r}."
            )
        self.sample_rate = sample_rate
        self.seg_len = int(segment * sample_rate)
        self.n_src = n_src
        self.global_db_range = tuple(global_db_range)
        self.abs_stats = tuple(abs_stats)
        self.rel_stats = tuple(rel_stats)
        self.speed_perturb = tuple(speed_perturb)
        self.orig_percentage = orig_percentage
        self.original = WhamDataset(json_dir, "sep_clean", sample_rate=sample_rate, segment=segment)
        # Longest read: the segment before the fastest speed-up.
        self.read_len = int(np.ceil(self.speed_perturb[1] * self.seg_len))
        self.by_speaker = {}
        for position in range(2):
            with open(os.path.join(json_dir, f"s{position + 1}.json")) as fh:
                for path, length in json.load(fh):
                    if length >= self.read_len:
                        spk = speaker_of(path, position)
                        self.by_speaker.setdefault(spk, []).append((path, length))
        if len(self.by_speaker) < n_src:
            raise ValueError(
                f"{json_dir}: {len(self.by_speaker)} speaker(s) have utterances of at least "
                f"{self.read_len} samples; dynamic mixing of {n_src} sources needs {n_src}."
            )
        self.speakers = sorted(self.by_speaker)

    def __len__(self):
        return len(self.original)

    def _source(self, speaker, level_db):
        path, length = random.choice(self.by_speaker[speaker])
        start = random.randint(0, length - self.read_len)
        wav, _ = sf.read(path, start=start, stop=start + self.read_len, dtype="float32")
        speed = Fraction(random.uniform(*self.speed_perturb)).limit_denominator(100)
        # Playing faster by `speed` = resampling by 1 / speed.
        wav = resample_poly(wav, speed.denominator, speed.numerator)[: self.seg_len]
        wav = np.pad(wav, (0, self.seg_len - len(wav)))
        peak = np.abs(wav).max()
        return wav * (10 ** (level_db / 20) / peak) if peak > 0 else wav

    def __getitem__(self, idx):
        if random.random() < self.orig_percentage:
            return self.original[idx]
        speakers = random.sample(self.speakers, self.n_src)
        floor, ceil = self.global_db_range
        first = float(np.clip(random.normalvariate(*self.abs_stats), floor, ceil))
        levels = [first] + [
            float(np.clip(first - random.normalvariate(*self.rel_stats), floor, ceil))
            for _ in range(self.n_src - 1)
        ]
        sources = np.stack([self._source(s, lvl) for s, lvl in zip(speakers, levels)])
        mixture = sources.mean(axis=0)
        return torch.from_numpy(mixture).float(), torch.from_numpy(sources).float()

    def get_infos(self):
        return self.original.get_infos()


def build(conf, split, folder):
    data_conf = conf["data"]
    if split != "train":
        return WhamDataset(
            folder,
            data_conf["task"],
            sample_rate=data_conf["sample_rate"],
            segment=None if split == "test" else data_conf["segment"],
        )
    augmentation = conf.get("augmentation") or {}
    return DynamicMixWham(
        folder,
        sample_rate=data_conf["sample_rate"],
        segment=data_conf["segment"],
        orig_percentage=data_conf.get("orig_percentage", 0.0),
        task=data_conf["task"],
        **augmentation,
    )


register_dataset("DynamicMixWham", build)
