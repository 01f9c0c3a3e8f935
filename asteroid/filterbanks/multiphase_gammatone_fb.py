"""Multi-phase gammatone filterbank (MP-GTF), a fixed auditory filterbank for TasNet encoders."""

import math

import numpy as np
import torch

from .enc_dec import Filterbank

__all__ = [
    "MultiphaseGammatoneFB",
    "generate_mpgtf",
    "gammatone_impulse_response",
    "erb_scale_2_freq_hz",
    "freq_hz_2_erb_scale",
    "normalize_filters",
]

_N_CENTER_FREQS = 24
_LOWEST_CENTER_FREQ_HZ = 100.0
_ORDER = 2


class MultiphaseGammatoneFB(Filterbank):
    """Multi-phase gammatone filterbank (fixed).

    24 centre frequencies from 100 Hz, one ERB apart; each gets several order-2 gammatone
    filters with phase shifts spread over :math:`[0, \\pi)` and their negations (the shifts in
    :math:`[\\pi, 2\\pi)`). All filters are scaled to the same RMS.

    Args:
        n_filters (int): number of filters (even: filters come in phase pairs).
        kernel_size (int): length of the filters in samples.
        sample_rate (float): sample rate in Hz (sets the filters' frequencies).
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        **kwargs: ignored.

    The buffer ``_filters`` has shape :math:`(N, 1, K)`.

    Raises:
        ValueError: if ``n_filters`` is odd.

    References:
        D. Ditter, T. Gerkmann, "A multi-phase gammatone filterbank for speech separation via
        TasNet", ICASSP 2020.
    """

    def __init__(self, n_filters=128, kernel_size=16, sample_rate=8000.0, stride=None, **kwargs):
        super().__init__(n_filters, kernel_size, stride=stride, sample_rate=sample_rate)
        if self.n_filters % 2 != 0:
            raise ValueError(
                f"n_filters must be even (filters come in phase pairs), got {self.n_filters}."
            )
        filters = generate_mpgtf(
            self.sample_rate, self.kernel_size / self.sample_rate, self.n_filters
        )
        self.register_buffer("_filters", torch.from_numpy(filters).unsqueeze(1).float())

    def filters(self) -> torch.Tensor:
        return self._filters


def generate_mpgtf(samplerate_hz, len_sec, n_filters):
    """The MP-GTF filters, float64 array of shape ``(n_filters, round(samplerate_hz * len_sec))``.

    The phase pairs are shared equally between the 24 centre frequencies, the lowest
    frequencies taking one extra pair each when ``n_filters / 2`` is not a multiple of 24.
    """
    n_taps = int(round(samplerate_hz * len_sec))
    n_pairs = n_filters // 2
    pairs_per_freq = np.full(_N_CENTER_FREQS, n_pairs // _N_CENTER_FREQS, dtype=int)
    pairs_per_freq[: n_pairs - int(pairs_per_freq.sum())] += 1

    filterbank = np.zeros((n_filters, n_taps))
    row = 0
    center_freq_hz = _LOWEST_CENTER_FREQ_HZ
    for n_phases in pairs_per_freq:
        for phase_idx in range(n_phases):
            phase = float(phase_idx) / n_phases * np.pi
            filterbank[row + phase_idx] = gammatone_impulse_response(
                samplerate_hz, len_sec, center_freq_hz, phase
            )
        # Shifting the phase by pi negates the filter.
        filterbank[row + n_phases : row + 2 * n_phases] = -filterbank[row : row + n_phases]
        row += 2 * n_phases
        center_freq_hz = erb_scale_2_freq_hz(freq_hz_2_erb_scale(center_freq_hz) + 1)
    return normalize_filters(filterbank)


def gammatone_impulse_response(samplerate_hz, len_sec, center_freq_hz, phase_shift):
    """Order-2 gammatone impulse response sampled at ``1/fs, 2/fs, ..., len_sec`` seconds."""
    erb = 24.7 + 0.108 * center_freq_hz
    # Bandwidth parameter b from the ERB of an order-p gammatone filter.
    divisor = (
        np.pi * math.factorial(2 * _ORDER - 2) * np.power(2, float(-(2 * _ORDER - 2)))
    ) / np.square(math.factorial(_ORDER - 1))
    bandwidth = erb / divisor
    n_taps = int(round(samplerate_hz * len_sec))
    t = np.linspace(1.0 / samplerate_hz, len_sec, n_taps)
    return (
        np.power(t, _ORDER - 1)
        * np.exp(-2 * np.pi * bandwidth * t)
        * np.cos(2 * np.pi * center_freq_hz * t + phase_shift)
    )


def erb_scale_2_freq_hz(freq_erb):
    """Frequency in Hz of a value on the ERB-number scale."""
    return (np.exp(freq_erb / 9.265) - 1) * 24.7 * 9.265


def freq_hz_2_erb_scale(freq_hz):
    """ERB-number of a frequency in Hz."""
    return 9.265 * np.log(1 + freq_hz / (24.7 * 9.265))


def normalize_filters(filterbank):
    """Scales every row of ``filterbank`` to the RMS of the row with the largest RMS."""
    rms = np.sqrt(np.mean(np.square(filterbank), axis=1))
    return filterbank * (np.max(rms) / rms)[:, None]
