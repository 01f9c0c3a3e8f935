"""The Deep Noise Suppression (DNS) Challenge's synthetic training data."""

import os

import torch
from torch.utils import data

from .audio import read_audio
from .metadata import MetadataError, load_json

__all__ = ["DNSDataset", "dns_license"]

_FIELDS = ("mix", "clean", "noise")


class DNSDataset(data.Dataset):
    """DNS Challenge (INTERSPEECH 2020) speech enhancement data.

    Reads ``json_dir/file_infos.json``, written by the recipe (``local/preprocess_dns.py``):
    ``{file_id: {"mix": path, "clean": path, "noise": path, "snr": int, "file_len": int}}``.

    Args:
        json_dir (str): Folder holding ``file_infos.json``.

    Items are full-length ``(mixture, clean, noise)`` float32 tensors of shape ``(time,)``,
    with ``mixture == clean + noise`` as the corpus is synthesized.

    References:
        [1] "The INTERSPEECH 2020 Deep Noise Suppression Challenge: Datasets, Subjective
        Testing Framework, and Challenge Results", Reddy et al., 2020.
    """

    dataset_name = "DNS"

    def __init__(self, json_dir):
        super().__init__()
        self.json_dir = json_dir
        path = os.path.join(json_dir, "file_infos.json")
        self.mix_infos = load_json(path)
        if not isinstance(self.mix_infos, dict):
            raise MetadataError(f"{path} should hold a dictionary {{file_id: infos}}.")
        for key, infos in self.mix_infos.items():
            missing = [f for f in _FIELDS if not isinstance(infos, dict) or f not in infos]
            if missing:
                raise MetadataError(f"Entry {key!r} of {path} lacks field(s) {missing}.")
        self.wav_ids = list(self.mix_infos.keys())

    def __len__(self):
        return len(self.wav_ids)

    def __getitem__(self, idx):
        """Noisy mixture, clean speech and noise of item ``idx``.

        Returns:
            tuple: three float32 tensors of shape ``(time,)``.
        """
        infos = self.mix_infos[self.wav_ids[idx]]
        wavs = [read_audio(infos[f], channels=1) for f in _FIELDS]
        lengths = {f: len(w) for f, w in zip(_FIELDS, wavs)}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                f"Item {self.wav_ids[idx]!r}: mixture, clean and noise lengths differ {lengths} "
                f"({infos['mix']})."
            )
        return tuple(torch.from_numpy(w) for w in wavs)

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        return {
            "dataset": self.dataset_name,
            "task": "enhancement",
            "licenses": [dict(dns_license)],
        }


# CC BY-NC 4.0 is a non-commercial license.
dns_license = dict(
    title="Deep Noise Suppression (DNS) Challenge",
    title_link="https://github.com/microsoft/DNS-Challenge",
    author="Microsoft",
    author_link="https://www.microsoft.com/fr-fr/",
    license="CC BY-NC 4.0",
    license_link="https://creativecommons.org/licenses/by-nc/4.0/",
    non_commercial=True,
)
