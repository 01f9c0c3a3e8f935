"""Levels, SNRs, lengths and 16-bit quantisation for building mixtures."""

import numpy as np
import soundfile as sf

__all__ = [
    "rms_db",
    "set_level",
    "scale_to_snr",
    "fit_lengths",
    "quantize_16bit",
    "write_wav",
]


def rms_db(x):
    """Root-mean-square level of ``x`` in dB (full scale = 0 dB)."""
    return 10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-20)


def set_level(x, level_db):
    """``x`` scaled to an RMS level of ``level_db`` dB."""
    return (x * 10 ** ((level_db - rms_db(x)) / 20)).astype(np.float32)


def scale_to_snr(reference, noise, snr_db):
    """``noise`` scaled so that ``reference`` is ``snr_db`` dB above it (RMS)."""
    return (noise * 10 ** ((rms_db(reference) - rms_db(noise) - snr_db) / 20)).astype(np.float32)


def fit_lengths(signals, mode="min"):
    """Cut (``"min"``) or zero-pad (``"max"``) signals (time last) to a common length."""
    if mode not in ("min", "max"):
        raise ValueError(f"Unknown mode {mode!r}, expected 'min' or 'max'.")
    lengths = [s.shape[-1] for s in signals]
    target = min(lengths) if mode == "min" else max(lengths)
    out = []
    for s in signals:
        if s.shape[-1] >= target:
            out.append(s[..., :target])
        else:
            pad = [(0, 0)] * (s.ndim - 1) + [(0, target - s.shape[-1])]
            out.append(np.pad(s, pad))
    return out


def quantize_16bit(x):
    """Round ``x`` to the 16-bit PCM grid, so that sums of quantised signals are exact
    in a 16-bit file (as long as they do not clip)."""
    return (np.round(np.clip(x, -1.0, 32767 / 32768) * 32768) / 32768).astype(np.float32)


def write_wav(path, x, sample_rate, subtype="PCM_16"):
    """Write ``x`` (``(time,)`` or ``(channels, time)``) with soundfile.

    The format follows the extension (``.wav``, ``.flac``, ``.ogg``); ``subtype`` is used
    for WAV and FLAC.
    """
    data = x.T if x.ndim == 2 else x
    ext = str(path).rsplit(".", 1)[-1].lower()
    if ext == "ogg":
        sf.write(path, data, sample_rate, format="OGG", subtype="VORBIS")
    else:
        sf.write(path, data, sample_rate, subtype=subtype)
    return path
