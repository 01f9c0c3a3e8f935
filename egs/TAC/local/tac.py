"""The TAC ad-hoc array data and training step for the shared scripts (``--system tac``).

:class:`TACDataset` reads the JSON list of ``local/parse_data.py``. An item holds every
microphone of an example (mics in a random order in training, so that the reference mic
changes), zero-padded to ``max_mics``: ``(mixtures (max_mics, T), sources (max_mics, S, T),
valid_mics)``. FasNetTAC separates the mixtures of the valid mics; its estimates are
compared (PIT SI-SDR) to the sources at the first (reference) mic.

References:
    Yi Luo, Zhuo Chen, Nima Mesgarani and Takuya Yoshioka, "End-to-end Microphone Permutation
    and Number Invariant Multi-channel Speech Separation", ICASSP 2020.
    https://arxiv.org/abs/1910.14104
"""

import json
import random

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import Dataset

from asteroid.data.librimix_dataset import librispeech_license
from asteroid.scripts.recipe_parts import register_dataset, register_separator, register_system

__all__ = ["TACDataset"]

tac_license = dict(
    title="End-to-end Microphone Permutation and Number Invariant Multi-channel Speech Separation",
    title_link="https://arxiv.org/abs/1910.14104",
    author="Yi Luo, Zhuo Chen, Nima Mesgarani, Takuya Yoshioka",
    license="CC BY 4.0",
    license_link="https://creativecommons.org/licenses/by/4.0/",
    non_commercial=False,
)


class TACDataset(Dataset):
    """Multi-microphone LibriSpeech mixtures of the TAC corpus.

    Args:
        json_file (str): The list written by ``local/parse_data.py``.
        segment (float, optional): Length of the training crops (s); shorter examples are
            left out. ``None``: whole examples.
        sample_rate (int): Sample rate of the files.
        max_mics (int): Microphones after zero-padding.
        train (bool): Shuffle the microphones of each example.
    """

    dataset_name = "TAC multi-channel LibriSpeech"

    def __init__(self, json_file, segment=None, sample_rate=16000, max_mics=6, train=True):
        with open(json_file) as fh:
            examples = json.load(fh)
        self.sample_rate = sample_rate
        self.seg_len = int(segment * sample_rate) if segment else None
        self.max_mics = max_mics
        self.train = train
        self.examples = [
            ex
            for ex in examples
            if self.seg_len is None or min(m["length"] for m in ex.values()) >= self.seg_len
        ]
        if not self.examples:
            raise ValueError(f"{json_file}: no example of at least {self.seg_len} samples.")
        too_many = [len(ex) for ex in self.examples if len(ex) > max_mics]
        if too_many:
            raise ValueError(
                f"{json_file}: an example has {too_many[0]} mics, more than max_mics={max_mics}."
            )
        self.n_src = sum(
            1 for key in next(iter(self.examples[0].values())) if key.startswith("spk")
        )

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, idx):
        example = self.examples[idx]
        mics = sorted(example, key=int)
        if self.train:
            random.shuffle(mics)
        length = min(example[m]["length"] for m in mics)
        start, stop = 0, length
        if self.seg_len is not None:
            start = random.randint(0, length - self.seg_len)
            stop = start + self.seg_len
        mixtures, sources = [], []
        for mic in mics:
            files = example[mic]
            mixtures.append(sf.read(files["mixture"], start=start, stop=stop, dtype="float32")[0])
            sources.append(
                [
                    sf.read(files[f"spk{k + 1}"], start=start, stop=stop, dtype="float32")[0]
                    for k in range(self.n_src)
                ]
            )
        n_pad = self.max_mics - len(mics)
        mixtures = np.pad(np.stack(mixtures), ((0, n_pad), (0, 0)))
        sources = np.pad(np.array(sources), ((0, n_pad), (0, 0), (0, 0)))
        return torch.from_numpy(mixtures), torch.from_numpy(sources), len(mics)

    def get_infos(self):
        return {
            "dataset": self.dataset_name,
            "task": "sep_noisy",
            "licenses": [librispeech_license, tac_license],
        }


def tac_step(system, batch, train):
    mixtures, sources, valid_mics = batch
    est = system.model(mixtures, valid_mics)
    return system.loss_func(est, sources[:, 0])  # the reference mic's sources


def tac_separator(model, item, device):
    mixtures, sources, valid_mics = item
    mixtures = mixtures[:valid_mics]
    est = model(mixtures[None].to(device), torch.tensor([valid_mics], device=device)).cpu()
    return mixtures[0].numpy(), sources[0].numpy(), est[0].numpy(), True


def build(conf, split, folder):
    data = conf["data"]
    segment = None if split == "test" else data["segment"]
    return TACDataset(
        folder,
        segment,
        sample_rate=data["sample_rate"],
        max_mics=data["max_mics"],
        train=split == "train",
    )


register_dataset("TACDataset", build)
register_system("tac", tac_step)
register_separator("tac", tac_separator)
