"""FUSS: Free Universal Sound Separation (up to three foreground sounds and a background)."""

import numpy as np
import torch
from torch.utils.data import Dataset

from .audio import read_audio
from .metadata import read_table

__all__ = ["FUSSDataset", "fuss_license"]


class FUSSDataset(Dataset):
    """FUSS universal sound separation (16 kHz, 10 s mixtures, up to 3 foregrounds).

    Reads the tab-separated file list made by the recipe: one line per mixture, no header,
    columns ``mix, bg, fg0, fg1, fg2`` (absolute paths; a mixture with fewer foregrounds
    leaves the last columns empty, and those sources are silent).

    Args:
        file_list_path (str): The file list.
        return_bg (bool): Also return the background.

    Items are ``(mixture, sources[, background])``: float32 tensors of shapes ``(time,)``,
    ``(3, time)`` and ``(time,)`` (``time`` is 160000 in FUSS); the mixture is the sum of
    the background and the foregrounds.

    References:
        [1] "What's All the FUSS About Free Universal Sound Separation Data?", Wisdom et al.,
        2020.
    """

    dataset_name = "FUSS"

    def __init__(self, file_list_path, return_bg=False):
        super().__init__()
        self.return_bg = return_bg
        self.max_n_fg = 3
        self.n_src = self.max_n_fg
        self.sample_rate = 16000
        self.num_samples = self.sample_rate * 10
        self.fg_names = [f"fg{i}" for i in range(self.max_n_fg)]
        names = ["mix", "bg"] + self.fg_names
        self.mix_df = read_table(file_list_path, sep="\t", names=names, dtype=str)
        if self.mix_df["bg"].isna().any():
            line = int(self.mix_df["bg"].isna().to_numpy().argmax()) + 1
            raise ValueError(f"Line {line} of {file_list_path} has no background column.")
        self.mix_df = self.mix_df.fillna(value="")

    def __len__(self):
        return len(self.mix_df)

    def _read(self, path, like=None):
        wav = read_audio(path, sample_rate=self.sample_rate, channels=1)
        if like is not None and len(wav) != len(like):
            raise ValueError(
                f"Audio file {path} has {len(wav)} samples, its mixture has {len(like)}."
            )
        return wav

    def __getitem__(self, idx):
        """Mixture, the three foregrounds (silent where absent) [and the background].

        Returns:
            tuple: float32 tensors ``(time,)``, ``(3, time)`` [, ``(time,)``].
        """
        line = self.mix_df.iloc[idx]
        mix = self._read(line["mix"])
        sources = [
            self._read(line[fg], mix) if line[fg] else np.zeros_like(mix) for fg in self.fg_names
        ]
        sources = torch.from_numpy(np.stack(sources))
        if self.return_bg:
            return torch.from_numpy(mix), sources, torch.from_numpy(self._read(line["bg"], mix))
        return torch.from_numpy(mix), sources

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        return {"dataset": self.dataset_name, "task": "sep_noisy", "licenses": [dict(fuss_license)]}


fuss_license = dict(
    title="Free Universal Sound Separation Dataset",
    title_link="https://zenodo.org/record/3743844#.X0Jtehl8Jkg",
    author="Scott Wisdom; Hakan Erdogan; Dan Ellis and John R. Hershey",
    author_link="https://scholar.google.com/citations?user=kJM6N7IAAAAJ&hl=en",
    license="Creative Commons Attribution 4.0 International",
    license_link="https://creativecommons.org/licenses/by/4.0/legalcode",
    non_commercial=False,
)
