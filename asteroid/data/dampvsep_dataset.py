"""DAMP-VSEP single-singer vocal separation (the DAMP-VSEP-Singles preprocessing)."""

import math
import random
from pathlib import Path

import numpy as np
import torch
import torch.utils.data

from .audio import AudioFileError, read_audio
from .metadata import MetadataError, load_json

__all__ = ["DAMPVSEPSinglesDataset", "dampvsep_license"]

_TASKS = {"enh_vocal": ["vocal"], "separation": ["vocal", "background"]}
_FIELDS = ("vocal", "background", "original_mix", "scaler", "vocal_start", "background_start")


class DAMPVSEPSinglesDataset(torch.utils.data.Dataset):
    """DAMP-VSEP vocal separation, single-singer performances.

    The metadata file ``<split>_sr<sample_rate>.json`` (written by the DAMP-VSEP-Singles
    preprocessing) maps each performance to its files (relative to ``root_path``) and
    alignment: ``{perf: {"vocal", "background", "original_mix", "scaler", "vocal_start",
    "background_start", "duration", "mean", "std", "original_mix_mean",
    "original_mix_std"}}``. It is looked for in ``root_path/metadata/``, then in
    ``./metadata/``.

    Audio is read with soundfile (WAV, FLAC, OGG) and resampled to ``sample_rate`` when the
    file's rate differs. The M4A files of the original distribution must be converted first.

    Args:
        root_path (str): Root folder of DAMP-VSEP.
        task (str): ``'enh_vocal'`` (target: vocal) or ``'separation'`` (vocal, background).
        split (str): ``'train_english'``, ``'train_singles'``, ``'valid'`` or ``'test'``.
        ex_per_track (int): Items drawn from each performance per epoch.
        random_segments (bool): Random segment start (else the performance's start).
        sample_rate (int): Output sample rate.
        segment (float, optional): Length of the items in seconds when ``random_segments``
            (otherwise items are whole performances).
        norm (str, optional): ``'song_level'`` subtracts the stored mean and divides by the
            stored standard deviation of the mixture; ``None`` does nothing.
        source_augmentations (callable, optional): ``f(audio, sample_rate)`` applied to each
            source array.
        mixture (str): ``'original'`` (the recorded mix, with its effects) or ``'remix'``
            (the sum of the targets).

    Items are ``(mixture, sources)``: float32 tensors ``(time,)`` and ``(n_targets, time)``.
    """

    dataset_name = "DAMP-VSEP"

    def __init__(
        self,
        root_path,
        task,
        split="train_singles",
        ex_per_track=1,
        random_segments=False,
        sample_rate=16000,
        segment=None,
        norm=None,
        source_augmentations=None,
        mixture="original",
    ):
        if task not in _TASKS:
            raise ValueError(f"Unexpected task {task!r}, expected one of {list(_TASKS)}.")
        if mixture not in ("remix", "original"):
            raise ValueError(f"Unexpected mixture {mixture!r}, expected 'remix' or 'original'.")
        if norm not in (None, "song_level"):
            raise ValueError(f"Unexpected norm {norm!r}, expected None or 'song_level'.")
        if mixture == "original" and split == "train_english":
            raise ValueError("The 'train_english' split only accepts mixture='remix'.")
        if random_segments and segment is None:
            raise ValueError("random_segments=True needs a segment length.")
        self.sample_rate = sample_rate
        self.root_path = Path(root_path).expanduser()
        self.task = task
        self.target = _TASKS[task]
        self.split = split
        self.ex_per_track = ex_per_track
        self.random_segments = random_segments
        self.segment = segment
        self.norm = norm
        self.source_augmentations = source_augmentations
        self.mixture = mixture
        self.tracks = self.get_tracks()
        self.perf_key = [*self.tracks]

    def __len__(self):
        return len(self.tracks) * self.ex_per_track

    def _load_audio(self, path, start=0.0, duration=None, scaler=None, mean=0.0, std=1.0):
        """Mono float32 audio from ``start`` seconds, for ``duration`` seconds, normalized."""
        if path.suffix.lower() in (".m4a", ".mp4", ".aac"):
            raise AudioFileError(
                f"Audio file {path}: soundfile cannot decode {path.suffix} files; convert the "
                f"DAMP-VSEP M4A files to WAV or FLAC first."
            )
        first = int(round(start * self.sample_rate))
        stop = None if duration is None else first + int(round(duration * self.sample_rate))
        x = read_audio(path, first, stop, sample_rate=self.sample_rate, resample_to_rate=True)
        if x.ndim == 2:
            x = x.mean(axis=1)
        if scaler:
            x = x * scaler
        return ((x - mean) / std).astype(np.float32)

    def __getitem__(self, index):
        """Mixture and stacked targets of item ``index``.

        Returns:
            tuple: ``mixture`` ``(time,)`` and ``sources`` ``(n_targets, time)``.
        """
        perf = self.perf_key[index // self.ex_per_track]
        infos = self.tracks[perf]
        start = 0.0
        duration = math.floor(float(infos["duration"]) * 100) / 100
        if self.random_segments:
            start = random.uniform(0.0, float(infos["duration"]) - self.segment)
            duration = float(self.segment)
        mean, std = 0.0, 1.0
        if self.norm == "song_level":
            prefix = "original_mix_" if self.mixture == "original" else ""
            mean, std = float(infos[prefix + "mean"]), float(infos[prefix + "std"])
        sources = {}
        for source in ("vocal", "background"):
            x = self._load_audio(
                self.root_path / infos[source],
                start=start + float(infos[f"{source}_start"]),
                duration=duration,
                scaler=float(infos["scaler"]) if source == "vocal" else None,
                mean=mean,
                std=std,
            )
            if self.source_augmentations:
                x = self.source_augmentations(x, self.sample_rate)
            sources[source] = torch.from_numpy(np.ascontiguousarray(x))
        audio_sources = torch.stack([sources[t] for t in self.target], dim=0)
        if self.mixture == "remix":
            audio_mix = audio_sources.sum(0)
        else:
            audio_mix = torch.from_numpy(
                self._load_audio(
                    self.root_path / infos["original_mix"],
                    start=start + float(infos["background_start"]),
                    duration=duration,
                    mean=mean,
                    std=std,
                )
            )
        return audio_mix, audio_sources

    def get_track_name(self, idx):
        """Performance key of item ``idx``."""
        return self.perf_key[idx // self.ex_per_track]

    def get_tracks(self):
        """Load the split's metadata (see the class description for where it is looked for)."""
        name = f"{self.split}_sr{self.sample_rate}.json"
        candidates = [self.root_path / "metadata" / name, Path("metadata") / name]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            raise FileNotFoundError(
                f"DAMP-VSEP metadata for split {self.split!r} not found; looked for "
                f"{[str(p) for p in candidates]}."
            )
        tracks = load_json(path)
        if not isinstance(tracks, dict):
            raise MetadataError(f"{path} should hold a dictionary {{performance: infos}}.")
        required = list(_FIELDS) + ["duration"]
        if self.norm == "song_level":
            required += ["original_mix_mean", "original_mix_std", "mean", "std"]
        for perf, infos in tracks.items():
            missing = [f for f in required if f not in infos]
            if missing:
                raise MetadataError(f"Performance {perf!r} of {path} lacks field(s) {missing}.")
            if self.random_segments and float(infos["duration"]) < self.segment:
                raise ValueError(
                    f"Performance {perf!r} of {path} lasts {infos['duration']} s, shorter than "
                    f"the segment ({self.segment} s)."
                )
        self.metadata_path = str(path)
        return tracks

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        return {
            "dataset": self.dataset_name,
            "task": self.task,
            "licenses": [dict(dampvsep_license)],
        }


dampvsep_license = dict(
    title="DAMP-VSEP: Smule Digital Archive of Mobile Performances - Vocal Separation "
    "(Version 1.0.1) ",
    title_link="https://zenodo.org/record/3553059",
    author="Smule, Inc",
    author_link="https://zenodo.org/record/3553059",
    license="Smule's Research Data License Agreement",
    license_link="https://zenodo.org/record/3553059",
    non_commercial=True,
)
