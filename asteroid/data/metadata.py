"""Parsing the metadata files that corpora and recipes write, with errors that name the file.

- JSON lists of ``[wav_path, n_samples]`` (wsj0-mix, WHAM!, WHAMR!, Kinect-WSJ recipes),
- JSON dictionaries and lists of records (DNS ``file_infos.json``, LibriVAD, DAMP-VSEP, SMS-WSJ),
- CSV/TSV tables (LibriMix, FUSS, AVSpeech).

It also holds the one rule shared by the datasets that crop training segments: utterances
shorter than the segment are dropped at construction, the drop is logged with its count, and a
segment longer than every utterance is an error.
"""

import json
import logging
import os

import pandas as pd

__all__ = ["load_json", "load_wav_list", "read_table", "drop_short", "MetadataError"]

logger = logging.getLogger("asteroid.data")


class MetadataError(ValueError):
    """A metadata file that is missing a field, malformed, or disagrees with another one."""


def _require_file(path, what="Metadata file"):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} {path} does not exist.")
    return path


def load_json(path):
    """Load a JSON file; a missing or malformed file raises an error naming it."""
    path = _require_file(path)
    with open(path, "r") as fh:
        try:
            return json.load(fh)
        except json.JSONDecodeError as err:
            raise MetadataError(f"Metadata file {path} is not valid JSON: {err}.") from err


def load_wav_list(path):
    """Load a JSON list of ``[wav_path, n_samples]`` pairs, checking every entry.

    Returns:
        list[list]: ``[[str, int], ...]``.
    """
    entries = load_json(path)
    if not isinstance(entries, list):
        raise MetadataError(
            f"Metadata file {path} should hold a list of [wav_path, n_samples], "
            f"found {type(entries).__name__}."
        )
    out = []
    for i, entry in enumerate(entries):
        ok = isinstance(entry, (list, tuple)) and len(entry) == 2
        ok = ok and isinstance(entry[0], str) and isinstance(entry[1], (int, float))
        if not ok:
            raise MetadataError(
                f"Entry {i} of {path} should be [wav_path, n_samples], found {entry!r}."
            )
        out.append([entry[0], int(entry[1])])
    return out


def read_table(path, required_columns=(), **read_csv_kwargs):
    """Read a CSV/TSV file with pandas, checking that ``required_columns`` are present."""
    path = _require_file(path)
    try:
        df = pd.read_csv(path, **read_csv_kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise MetadataError(f"Cannot parse metadata file {path}: {err}.") from err
    missing = [c for c in required_columns if c not in df.columns]
    if missing:
        raise MetadataError(
            f"Metadata file {path} lacks column(s) {missing}; found {list(df.columns)}."
        )
    return df


def drop_short(lengths, seg_len, sample_rate, source):
    """Indices of the utterances at least ``seg_len`` samples long, logging the drop.

    Args:
        lengths (Sequence[int]): Utterance lengths in samples.
        seg_len (int or None): Segment length in samples; ``None`` keeps everything.
        sample_rate (int): To express the dropped duration in hours.
        source (str): The metadata file (named in the log line and errors).

    Returns:
        list[int]: Kept indices, in order.

    Raises:
        ValueError: ``seg_len`` is longer than every utterance (nothing would be left).
    """
    if seg_len is None:
        return list(range(len(lengths)))
    keep = [i for i, n in enumerate(lengths) if n >= seg_len]
    if lengths and not keep:
        raise ValueError(
            f"The segment ({seg_len} samples, {seg_len / sample_rate:.2f} s) is longer than every "
            f"utterance of {source} (longest: {max(lengths)} samples); use a shorter segment "
            f"or segment=None."
        )
    dropped = len(lengths) - len(keep)
    if dropped:
        hours = sum(n for n in lengths if n < seg_len) / sample_rate / 3600
        logger.warning(
            "Drop %d utts (%.2f h) from %d of %s (shorter than %d samples)",
            dropped,
            hours,
            len(lengths),
            source,
            seg_len,
        )
    return keep
