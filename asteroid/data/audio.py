"""Reading audio files for the datasets: one place for the checks that every dataset needs.

Every reader here names the file and the problem when something is wrong: a missing file, a
file that soundfile cannot decode, a truncated WAV file (its header announces more data than
the file holds), a sample rate other than the expected one (unless resampling is asked for),
a channel count other than the expected one, or a segment that runs past the end of the file.
"""

import os
import struct
from collections import namedtuple
from fractions import Fraction

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

__all__ = [
    "AudioFileError",
    "AudioInfo",
    "audio_info",
    "read_audio",
    "random_start",
    "resample",
]


class AudioFileError(ValueError):
    """An audio file that cannot be used as it is: corrupt, truncated, wrong rate or shape."""


def _declared_wav_data_bytes(path):
    """Size of the ``data`` chunk that a RIFF/WAVE header announces, and where it starts."""
    with open(path, "rb") as fh:
        header = fh.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RIFX") or header[8:12] != b"WAVE":
            return None
        endian = "<" if header[:4] == b"RIFF" else ">"
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            name, size = chunk[:4], struct.unpack(endian + "I", chunk[4:])[0]
            if name == b"data":
                return size, fh.tell()
            fh.seek(size + (size & 1), os.SEEK_CUR)


AudioInfo = namedtuple("AudioInfo", ["samplerate", "frames", "channels", "duration", "format"])


def _open(path):
    """Open ``path`` with soundfile, checking that it exists, decodes, and is not truncated."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Audio file {path} does not exist.")
    try:
        handle = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioFileError(f"Cannot read audio file {path}: corrupt or not audio ({err}).")
    if handle.format in ("WAV", "WAVEX"):
        declared = _declared_wav_data_bytes(path)
        if declared is not None:
            size, offset = declared
            available = os.path.getsize(path) - offset
            if size != 0xFFFFFFFF and available < size:
                handle.close()
                raise AudioFileError(
                    f"Audio file {path} is truncated: its header announces {size} bytes of "
                    f"audio data, the file holds {available}."
                )
    return handle


def audio_info(path):
    """Header information of an audio file, with clear errors.

    Args:
        path (str): Path of a file that soundfile reads (WAV, FLAC, OGG, ...).

    Returns:
        AudioInfo: ``samplerate``, ``frames``, ``channels``, ``duration`` (s), ``format``.

    Raises:
        FileNotFoundError: the file does not exist.
        AudioFileError: the file cannot be decoded, or is a truncated WAV file.
    """
    path = os.fspath(path)
    with _open(path) as handle:
        return AudioInfo(
            handle.samplerate,
            handle.frames,
            handle.channels,
            handle.frames / handle.samplerate,
            handle.format,
        )


def resample(wav, orig_sr, target_sr, axis=0):
    """Polyphase resampling of ``wav`` from ``orig_sr`` to ``target_sr`` along ``axis``."""
    if int(orig_sr) == int(target_sr):
        return wav
    ratio = Fraction(int(target_sr), int(orig_sr))
    out = resample_poly(wav, ratio.numerator, ratio.denominator, axis=axis)
    return out.astype(wav.dtype, copy=False)


def read_audio(
    path,
    start=0,
    stop=None,
    sample_rate=None,
    resample_to_rate=False,
    channels=None,
    always_2d=False,
    dtype="float32",
):
    """Read ``[start, stop)`` (in samples at ``sample_rate``) of an audio file, checked.

    Args:
        path (str): Audio file.
        start (int): First sample to read.
        stop (int, optional): One past the last sample to read; ``None`` reads to the end.
            Asking for samples past the end of the file is an error (the dataset's metadata
            and the file disagree), never a silently shorter array.
        sample_rate (int, optional): Expected sample rate. ``None`` accepts any rate.
        resample_to_rate (bool): If True, a file at another rate is resampled to
            ``sample_rate`` (``start``/``stop`` count samples at ``sample_rate``); if False
            (default), it is an error.
        channels (int, optional): Expected number of channels; ``None`` accepts any.
        always_2d (bool): Return ``(time, channels)`` even for mono files.
        dtype (str): Output dtype.

    Returns:
        np.ndarray: ``(time,)`` for mono files (unless ``always_2d``), else ``(time, channels)``.
    """
    path = os.fspath(path)
    with _open(path) as handle:
        return _read_open_file(
            path, handle, start, stop, sample_rate, resample_to_rate, channels, always_2d, dtype
        )


def _read_open_file(
    path, handle, start, stop, sample_rate, resample_to_rate, channels, always_2d, dtype
):
    if channels is not None and handle.channels != channels:
        raise AudioFileError(
            f"Audio file {path} has {handle.channels} channel(s), expected {channels}."
        )
    file_sr = handle.samplerate
    if sample_rate is not None and file_sr != sample_rate and not resample_to_rate:
        raise AudioFileError(
            f"Audio file {path} is sampled at {file_sr} Hz, expected {sample_rate} Hz "
            f"(resample the corpus, or ask the dataset to resample)."
        )
    rate_changes = sample_rate is not None and file_sr != sample_rate
    frames = handle.frames
    total = frames if not rate_changes else int(np.ceil(frames * sample_rate / file_sr))
    start = int(start)
    if start < 0 or start > total:
        raise AudioFileError(
            f"Start sample {start} is outside audio file {path} ({total} samples)."
        )
    if stop is not None:
        stop = int(stop)
        if stop > total:
            raise AudioFileError(
                f"Audio file {path} has {total} samples, samples [{start}, {stop}) were asked "
                f"for (metadata and file disagree, or the file is truncated)."
            )
    try:
        if rate_changes:
            wav = handle.read(dtype=dtype, always_2d=True)
            wav = resample(wav, file_sr, sample_rate, axis=0)[start:stop]
        else:
            handle.seek(start)
            n = (stop if stop is not None else total) - start
            wav = handle.read(n, dtype=dtype, always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioFileError(f"Cannot decode audio file {path}: corrupt or truncated ({err}).")
    expected = (stop if stop is not None else total) - start
    if wav.shape[0] < expected and not rate_changes:
        raise AudioFileError(
            f"Audio file {path} is truncated: read {wav.shape[0]} samples from {start}, "
            f"expected {expected}."
        )
    if not always_2d and wav.shape[1] == 1:
        wav = wav[:, 0]
    return wav


def random_start(length, seg_len, rng=None):
    """Uniform random start of a ``seg_len`` crop in a signal of ``length`` samples.

    The start is drawn in ``[0, length - seg_len]`` (both ends included) from ``rng``
    (default: the global ``np.random``, which :class:`torch.utils.data.DataLoader` seeds
    differently in every worker).
    """
    if seg_len is None or length <= seg_len:
        return 0
    rng = np.random if rng is None else rng
    return int(rng.randint(0, length - seg_len + 1))
