"""LibriVAD: speech with sample-level voice activity labels."""

import torch
from torch.utils.data import Dataset

from .audio import audio_info, random_start, read_audio
from .metadata import MetadataError, load_json

__all__ = ["LibriVADDataset", "from_vad_to_label"]


def from_vad_to_label(length, vad, begin, end):
    """Sample-level speech labels of ``[begin, end)`` from a list of active intervals.

    Args:
        length (int): Length of the whole signal in samples.
        vad (dict): ``{"start": [...], "stop": [...]}`` sample indices of the speech intervals.
        begin (int): First sample of the crop.
        end (int, optional): One past the last sample of the crop (``None``: the end).

    Returns:
        torch.Tensor: float32 labels of the crop, 1 in speech and 0 elsewhere.
    """
    label = torch.zeros(length, dtype=torch.float)
    for start, stop in zip(vad["start"], vad["stop"]):
        label[..., start:stop] = 1
    return label[..., begin:end]


class LibriVADDataset(Dataset):
    """Voice activity detection on LibriVAD.

    Reads a metadata JSON written by the LibriVAD generation scripts: a list of records
    ``{"mixture_path": path, "VAD": {"start": [...], "stop": [...]}, ...}`` where the
    intervals are sample indices.

    Args:
        md_file_path (str): The metadata JSON file.
        sample_rate (int): Sample rate of the files; another rate is an error.
        segment (float, optional): Length of the random crops in seconds (a file shorter than
            it is an error naming the file); ``None`` gives full files.

    Items are ``(audio, label)``: float32 tensors of shapes ``(time,)`` and ``(1, time)``.
    """

    def __init__(self, md_file_path, sample_rate=8000, segment=3):
        self.md_filepath = md_file_path
        self.md = load_json(md_file_path)
        if not isinstance(self.md, list):
            raise MetadataError(f"{md_file_path} should hold a list of records.")
        for i, row in enumerate(self.md):
            vad = row.get("VAD") if isinstance(row, dict) else None
            if "mixture_path" not in row or not isinstance(vad, dict):
                raise MetadataError(
                    f"Record {i} of {md_file_path} needs 'mixture_path' and 'VAD' fields."
                )
            if len(vad.get("start", [])) != len(vad.get("stop", [None])):
                raise MetadataError(
                    f"Record {i} of {md_file_path}: 'VAD' needs 'start' and 'stop' lists of the "
                    f"same length."
                )
        self.segment = segment
        self.sample_rate = sample_rate

    def __len__(self):
        return len(self.md)

    def __getitem__(self, idx):
        """Audio crop of item ``idx`` and its speech labels.

        Returns:
            tuple: ``audio`` ``(time,)`` and ``label`` ``(1, time)``.
        """
        row = self.md[idx]
        path = row["mixture_path"]
        length = audio_info(path).frames
        if self.segment is None:
            start, stop = 0, length
        else:
            seg_len = int(self.segment * self.sample_rate)
            if length < seg_len:
                raise ValueError(
                    f"Audio file {path} has {length} samples, shorter than the segment "
                    f"({seg_len} samples); use a shorter segment or segment=None."
                )
            start = random_start(length, seg_len)
            stop = start + seg_len
        audio = read_audio(path, start, stop, sample_rate=self.sample_rate, channels=1)
        label = from_vad_to_label(length, row["VAD"], start, stop).unsqueeze(0)
        return torch.from_numpy(audio), label
