"""LibriMix: LibriSpeech utterances mixed with WHAM! noise, and the MiniLibriMix sample."""

import os
import shutil
import zipfile

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .audio import random_start, read_audio
from .metadata import MetadataError, drop_short, read_table
from .wham_dataset import wham_noise_license

__all__ = ["LibriMix", "MINI_URL", "librispeech_license"]

#: Where MiniLibriMix (8 kHz, 2 speakers, train/val) is downloaded from (Zenodo record 3871592).
MINI_URL = "https://zenodo.org/record/3871592/files/MiniLibriMix.zip?download=1"

# Which metadata file each task reads: the key in the file name, and the targets.
_TASK_FILES = {
    "sep_clean": "clean",
    "sep_noisy": "both",
    "enh_both": "both",
    "enh_single": "single",
}


def _find_csv(csv_dir, key):
    """The one metadata CSV of ``csv_dir`` whose name contains ``key``."""
    if not os.path.isdir(csv_dir):
        raise FileNotFoundError(f"LibriMix metadata folder {csv_dir} does not exist.")
    found = sorted(f for f in os.listdir(csv_dir) if key in f and f.endswith(".csv"))
    # LibriMix writes mixture_<split>_<type>.csv and metrics_<split>_<type>.csv side by side.
    mixture_files = [f for f in found if f.startswith("mixture")]
    candidates = mixture_files or found
    if not candidates:
        raise FileNotFoundError(
            f"No metadata CSV with {key!r} in its name in {csv_dir} (found {os.listdir(csv_dir)})."
        )
    if len(candidates) > 1:
        raise MetadataError(
            f"Several metadata CSVs with {key!r} in their name in {csv_dir}: {candidates}; "
            f"keep one split per folder."
        )
    return os.path.join(csv_dir, candidates[0])


class LibriMix(Dataset):
    """LibriMix source separation and speech enhancement tasks.

    Reads the metadata CSVs that LibriMix writes (``mixture_<split>_mix_<type>.csv``, columns
    ``mixture_ID, mixture_path, source_1_path, ..., [noise_path,] length``), one split per
    folder as the recipe's ``local/create_local_metadata.py`` lays them out.

    Args:
        csv_dir (str): Folder holding the metadata CSVs of one split.
        task (str): One of

            * ``'sep_clean'``: ``mix_clean`` -> ``source_1 ... source_n``,
            * ``'sep_noisy'``: ``mix_both`` -> ``source_1 ... source_n``,
            * ``'enh_single'``: ``mix_single`` (one speaker plus noise) -> ``source_1``,
            * ``'enh_both'``: ``mix_both`` -> the clean mixture (``mix_clean`` file of the same
              ``mixture_ID``).
        sample_rate (int): Sample rate of the files; another rate is an error.
        n_src (int): Number of sources of the corpus (Libri2Mix: 2, Libri3Mix: 3).
        segment (float, optional): Length of the training crops in seconds; mixtures shorter
            than it are dropped (logged with their count). ``None`` gives full mixtures.
        return_id (bool): Also return the utterance ids, split from the mixture's file name
            (``"<id1>_<id2>[_...].wav"``).

    Items are ``(mixture, sources)`` (float32 tensors, ``(time,)`` and ``(n_targets, time)``),
    plus the list of ids when ``return_id``.

    References:
        [1] "LibriMix: An Open-Source Dataset for Generalizable Speech Separation",
        Cosentino et al., 2020.
    """

    dataset_name = "LibriMix"

    def __init__(
        self, csv_dir, task="sep_clean", sample_rate=16000, n_src=2, segment=3, return_id=False
    ):
        if task not in _TASK_FILES:
            raise ValueError(f"Unexpected task {task!r}, expected one of {list(_TASK_FILES)}.")
        self.csv_dir = csv_dir
        self.task = task
        self.return_id = return_id
        self.sample_rate = sample_rate
        self.n_src = n_src
        self.segment = segment
        self.csv_path = _find_csv(csv_dir, _TASK_FILES[task])
        n_targets = 1 if task == "enh_single" else n_src
        source_cols = [f"source_{i + 1}_path" for i in range(n_targets)]
        df = read_table(self.csv_path, ["mixture_path", "length"] + source_cols)
        if task == "enh_both":
            clean_path = _find_csv(csv_dir, "clean")
            if "mixture_ID" not in df.columns:
                raise MetadataError(f"Metadata file {self.csv_path} lacks column 'mixture_ID'.")
            clean = read_table(clean_path, ["mixture_ID", "mixture_path"])
            clean_of = dict(zip(clean["mixture_ID"], clean["mixture_path"]))
            missing = [m for m in df["mixture_ID"] if m not in clean_of]
            if missing:
                raise MetadataError(
                    f"Mixtures {missing[:3]} of {self.csv_path} are missing from {clean_path}."
                )
            df = df.assign(clean_path=[clean_of[m] for m in df["mixture_ID"]])
            self.target_columns = ["clean_path"]
        else:
            self.target_columns = source_cols
        df = df.assign(length=df["length"].astype(int))
        self.seg_len = None if segment is None else int(segment * sample_rate)
        keep = drop_short(list(df["length"]), self.seg_len, sample_rate, self.csv_path)
        self.df = df.iloc[keep].reset_index(drop=True)
        # Plain dictionaries: much faster to index than DataFrame rows in __getitem__.
        self._rows = self.df.to_dict("records")

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        """Mixture and stacked targets of item ``idx`` (plus the utterance ids if asked).

        Returns:
            tuple: ``mixture`` (float32, ``(time,)``), ``sources`` (``(n_targets, time)``)
            [, ``ids`` (list of str)].
        """
        row = self._rows[idx]
        length = int(row["length"])
        if self.seg_len is None:
            start, stop = 0, length
        else:
            start = random_start(length, self.seg_len)
            stop = start + self.seg_len
        kwargs = dict(sample_rate=self.sample_rate, channels=1)
        mixture = read_audio(row["mixture_path"], start, stop, **kwargs)
        sources = np.stack([read_audio(row[c], start, stop, **kwargs) for c in self.target_columns])
        if not self.return_id:
            return torch.from_numpy(mixture), torch.from_numpy(sources)
        ids = os.path.splitext(os.path.basename(row["mixture_path"]))[0].split("_")
        return torch.from_numpy(mixture), torch.from_numpy(sources), ids

    def source_speaker(self, idx, k):
        """Speaker of source ``k`` of item ``idx``, from the mixture's name.

        LibriMix mixtures are named ``<utt1>_<utt2>[_<utt3>]`` after LibriSpeech
        utterances ``<speaker>-<chapter>-<index>``. Used by dynamic mixing.
        """
        name = os.path.splitext(os.path.basename(self._rows[idx]["mixture_path"]))[0]
        return name.split("_")[k].split("-")[0]

    @classmethod
    def loaders_from_mini(cls, batch_size=4, **kwargs):
        """Download MiniLibriMix and return training and validation loaders.

        Args:
            batch_size (int): Batch size of both loaders (which drop the last incomplete
                batch). For more control, use :meth:`mini_from_download`.
            **kwargs: Arguments of :class:`LibriMix` (except ``csv_dir``), given to both sets.

        Returns:
            tuple: ``(train_loader, val_loader)``.

        Examples:
            >>> from asteroid.data import LibriMix
            >>> train_loader, val_loader = LibriMix.loaders_from_mini(task="sep_clean")
        """
        train_set, val_set = cls.mini_from_download(**kwargs)
        train_loader = DataLoader(train_set, batch_size=batch_size, drop_last=True)
        val_loader = DataLoader(val_set, batch_size=batch_size, drop_last=True)
        return train_loader, val_loader

    @classmethod
    def mini_from_download(cls, **kwargs):
        """Download MiniLibriMix and return the training and validation sets.

        Args:
            **kwargs: Arguments of :class:`LibriMix` (except ``csv_dir``). MiniLibriMix is
                8 kHz ``sep_clean``/``sep_noisy`` only.

        Returns:
            tuple: ``(train_set, val_set)``.
        """
        if "csv_dir" in kwargs:
            raise ValueError("Cannot specify csv_dir when downloading MiniLibriMix.")
        if kwargs.get("task", "sep_clean") not in ("sep_clean", "sep_noisy"):
            raise ValueError(
                f"MiniLibriMix supports the tasks 'sep_clean' and 'sep_noisy', got "
                f"{kwargs['task']!r}."
            )
        if kwargs.pop("sample_rate", 8000) != 8000:
            raise ValueError("MiniLibriMix is sampled at 8000 Hz only.")
        meta_path = cls.mini_download()
        train_set = cls(os.path.join(meta_path, "train"), sample_rate=8000, **kwargs)
        val_set = cls(os.path.join(meta_path, "val"), sample_rate=8000, **kwargs)
        return train_set, val_set

    @staticmethod
    def mini_download():
        """Download MiniLibriMix from :data:`MINI_URL` into ``./MiniLibriMix/`` (once).

        The metadata CSVs are then copied into ``metadata/train/`` and ``metadata/val/``. Their
        audio paths are relative to the current directory (``MiniLibriMix/train/...``).

        Returns:
            str: The metadata folder (``./MiniLibriMix/metadata``).
        """
        from torch import hub

        mini_dir = os.path.join(".", "MiniLibriMix")
        os.makedirs(mini_dir, exist_ok=True)
        zip_path = os.path.join(mini_dir, "MiniLibriMix.zip")
        if not os.path.isfile(zip_path):
            hub.download_url_to_file(MINI_URL, zip_path)
        if not all(os.path.isdir(os.path.join(mini_dir, d)) for d in ("train", "val", "metadata")):
            try:
                with zipfile.ZipFile(zip_path, "r") as archive:
                    archive.extractall(".")  # The archive's top folder is MiniLibriMix/.
            except zipfile.BadZipFile as err:
                raise OSError(f"{zip_path} is not a valid zip archive: {err}.") from err
        md_dir = os.path.join(mini_dir, "metadata")
        for split in ("train", "val"):
            dst = os.path.join(md_dir, split)
            os.makedirs(dst, exist_ok=True)
            for name in os.listdir(md_dir):
                src = os.path.join(md_dir, name)
                if split in name and os.path.isfile(src):
                    shutil.copyfile(src, os.path.join(dst, name))
        return md_dir

    def get_infos(self):
        """Dataset infos for model cards (``dataset`` is ``Libri<n_src>Mix``).

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        licenses = [dict(librispeech_license)]
        if self.task != "sep_clean":
            licenses.append(dict(wham_noise_license))
        return {"dataset": f"Libri{self.n_src}Mix", "task": self.task, "licenses": licenses}


librispeech_license = dict(
    title="LibriSpeech ASR corpus",
    title_link="http://www.openslr.org/12",
    author="Vassil Panayotov",
    author_link="https://github.com/vdp",
    license="CC BY 4.0",
    license_link="https://creativecommons.org/licenses/by/4.0/",
    non_commercial=False,
)
