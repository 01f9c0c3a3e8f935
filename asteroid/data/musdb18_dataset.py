"""MUSDB18(-HQ) music separation: one folder of stems per track."""

import logging
import random
from pathlib import Path

import torch
import torch.utils.data

from .audio import audio_info, read_audio

__all__ = ["MUSDB18Dataset", "musdb_license"]

logger = logging.getLogger("asteroid.data")


def _identity(audio):
    return audio


class MUSDB18Dataset(torch.utils.data.Dataset):
    """MUSDB18 music source separation (stems as WAV/FLAC files, e.g. MUSDB18-HQ).

    Layout: ``root/<split>/<track>/<source><suffix>`` (e.g. ``train/A Song/vocals.wav``).
    The mixture is the sum of the (augmented) sources, computed on the fly. Tracks lacking a
    stem, sampled at another rate than ``sample_rate``, or (with ``segment``) shorter than
    ``segment`` are left out, and the count of left-out tracks is logged.

    Args:
        root (str): Root folder of the dataset.
        sources (list[str]): Stems that make the mixture.
        targets (list[str], optional): Stems returned as a stacked tensor. ``None`` returns
            every stem in a dictionary ``{source: tensor}``.
        suffix (str): File name suffix of the stems.
        split (str): Sub-folder (``"train"`` or ``"test"``).
        subset (list[str], optional): Track names to load (default: all).
        segment (float, optional): Length of the items in seconds; ``None`` gives whole
            tracks.
        samples_per_track (int): Items drawn from each track per epoch.
        random_segments (bool): Random segment start (else the track's start).
        random_track_mix (bool): Take each source from a random track.
        source_augmentations (callable): Applied to each source tensor ``(channels, time)``.
        sample_rate (int): Sample rate of the stems.

    Items are ``(mixture, sources)``: ``mixture`` is a float32 tensor ``(channels, time)``;
    ``sources`` is ``(n_targets, channels, time)``, or a dictionary when ``targets`` is None.

    References:
        [1] "The 2018 Signal Separation Evaluation Campaign", Stöter et al., LVA/ICA 2018.
    """

    dataset_name = "MUSDB18"

    def __init__(
        self,
        root,
        sources=["vocals", "bass", "drums", "other"],
        targets=None,
        suffix=".wav",
        split="train",
        subset=None,
        segment=None,
        samples_per_track=1,
        random_segments=False,
        random_track_mix=False,
        source_augmentations=_identity,
        sample_rate=44100,
    ):
        self.root = Path(root).expanduser()
        self.split = split
        self.sample_rate = sample_rate
        self.segment = segment
        self.random_track_mix = random_track_mix
        self.random_segments = random_segments
        self.source_augmentations = source_augmentations or _identity
        self.sources = list(sources)
        self.targets = targets
        if targets is not None:
            unknown = [t for t in targets if t not in self.sources]
            if unknown:
                raise ValueError(f"Targets {unknown} are not among the sources {self.sources}.")
        self.suffix = suffix
        self.subset = subset
        self.samples_per_track = samples_per_track
        self._left_out = []
        self.tracks = list(self.get_tracks())
        if not self.tracks:
            reasons = "; ".join(self._left_out) or "no track folder"
            raise RuntimeError(f"No usable track found in {self.root / split}: {reasons}.")

    def _start(self, track):
        if not self.random_segments or self.segment is None:
            return 0.0
        return random.uniform(0, track["min_duration"] - self.segment)

    def __getitem__(self, index):
        """Mixture and sources of item ``index`` (see the class description)."""
        track_id = index // self.samples_per_track
        start = self._start(self.tracks[track_id])
        audio_sources = {}
        for source in self.sources:
            if self.random_track_mix:
                track_id = random.randrange(len(self.tracks))
                start = self._start(self.tracks[track_id])
            start_sample = int(start * self.sample_rate)
            stop_sample = None
            if self.segment:
                stop_sample = start_sample + int(self.segment * self.sample_rate)
            path = self.tracks[track_id]["path"] / (source + self.suffix)
            audio = read_audio(
                path, start_sample, stop_sample, sample_rate=self.sample_rate, always_2d=True
            )
            audio = self.source_augmentations(torch.from_numpy(audio.T.copy()))
            audio_sources[source] = audio
        audio_mix = torch.stack(list(audio_sources.values())).sum(0)
        if self.targets:
            return audio_mix, torch.stack([audio_sources[t] for t in self.targets], dim=0)
        return audio_mix, audio_sources

    def __len__(self):
        return len(self.tracks) * self.samples_per_track

    def get_tracks(self):
        """Yield ``{"path", "min_duration"}`` for each usable track, sorted by name."""
        split_dir = Path(self.root, self.split)
        if not split_dir.is_dir():
            raise FileNotFoundError(f"MUSDB18 split folder {split_dir} does not exist.")
        left_out = self._left_out = []
        for track_path in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            if self.subset and track_path.stem not in self.subset:
                continue
            source_paths = [track_path / (s + self.suffix) for s in self.sources]
            missing = [p.name for p in source_paths if not p.exists()]
            if missing:
                left_out.append(f"{track_path.name} (missing {missing})")
                continue
            infos = [audio_info(p) for p in source_paths]
            rates = {i.samplerate for i in infos}
            if rates != {self.sample_rate}:
                left_out.append(f"{track_path.name} (sampled at {sorted(rates)} Hz)")
                continue
            min_duration = min(i.duration for i in infos)
            if self.segment is not None and min_duration < self.segment:
                left_out.append(f"{track_path.name} (shorter than {self.segment} s)")
                continue
            yield {"path": track_path, "min_duration": min_duration}
        if left_out:
            logger.warning(
                "Left out %d track(s) of %s: %s", len(left_out), split_dir, "; ".join(left_out)
            )

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        return {
            "dataset": self.dataset_name,
            "task": "enhancement",
            "licenses": [dict(musdb_license)],
        }


# MUSDB18 is distributed on request for academic use; no license record is attached.
musdb_license = dict()
