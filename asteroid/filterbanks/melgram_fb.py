"""Mel magnitude spectrogram: an STFT filterbank followed by a mel weighting matrix."""

import numbers

import numpy as np
import torch

from . import transforms
from .stft_fb import STFTFB

__all__ = ["MelGramFB", "MelScale", "mel_filter_matrix"]


# Slaney's mel scale (the Auditory Toolbox one, librosa's default): linear below 1 kHz,
# logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(freqs):
    freqs = np.asanyarray(freqs, dtype=np.float64)
    mels = freqs / _F_SP
    log_part = freqs >= _MIN_LOG_HZ
    mels = np.where(
        log_part,
        _MIN_LOG_MEL + np.log(np.maximum(freqs, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP,
        mels,
    )
    return mels


def _mel_to_hz(mels):
    mels = np.asanyarray(mels, dtype=np.float64)
    freqs = _F_SP * mels
    return np.where(
        mels >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOG_STEP * (mels - _MIN_LOG_MEL)), freqs
    )


def mel_filter_matrix(sample_rate, n_fft, n_mels=40, fmin=0.0, fmax=None, norm="slaney"):
    """Triangular mel filters on the bins of an ``n_fft``-point one-sided spectrum.

    Same definition as ``librosa.filters.mel`` with ``htk=False``: band :math:`m` rises from mel
    edge :math:`m` to :math:`m + 1` and falls to :math:`m + 2`, the ``n_mels + 2`` edges being
    equally spaced on Slaney's mel scale between ``fmin`` and ``fmax``.

    Args:
        sample_rate (float): sample rate in Hz.
        n_fft (int): DFT size.
        n_mels (int): number of bands.
        fmin (float): lowest edge in Hz.
        fmax (float, optional): highest edge in Hz; ``None`` means ``sample_rate / 2``.
        norm: ``"slaney"`` (divide each band by its width in Hz so that bands have equal area,
            times 2), ``None`` (peak 1), or a number :math:`p` (unit :math:`\\ell_p` norm per band,
            ``numpy.inf`` for the max norm).

    Returns:
        numpy.ndarray: float32 matrix of shape ``(n_mels, n_fft // 2 + 1)``.

    Raises:
        ValueError: for an unknown ``norm``.
    """
    if fmax is None:
        fmax = float(sample_rate) / 2
    n_bins = 1 + n_fft // 2
    fft_freqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sample_rate)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    # Distance of every bin from every edge, (n_mels + 2, n_bins).
    ramps = edges[:, None] - fft_freqs[None, :]
    weights = np.zeros((n_mels, n_bins), dtype=np.float32)
    for m in range(n_mels):
        rising = -ramps[m] / widths[m]
        falling = ramps[m + 2] / widths[m + 1]
        weights[m] = np.maximum(0, np.minimum(rising, falling))

    if norm == "slaney":
        weights *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, None]
    elif norm is None:
        pass
    elif isinstance(norm, numbers.Number) and not isinstance(norm, bool) and norm > 0:
        if np.isinf(norm):
            lengths = np.max(np.abs(weights), axis=-1, keepdims=True)
        else:
            lengths = np.sum(np.abs(weights) ** norm, axis=-1, keepdims=True) ** (1.0 / norm)
        tiny = np.finfo(weights.dtype).tiny
        lengths = np.where(lengths < tiny, 1.0, lengths)
        weights = (weights / lengths).astype(np.float32)
    else:
        raise ValueError(f"norm must be 'slaney', None or a positive number, got {norm!r}.")
    return weights


class MelScale(torch.nn.Module):
    """Mel weighting of the magnitude of an Asteroid complex STFT.

    Args:
        n_filters (int): DFT size of the STFT.
        sample_rate (float): sample rate in Hz.
        n_mels (int): number of mel bands.
        fmin (float): lowest band edge in Hz.
        fmax (float, optional): highest band edge in Hz; ``None`` means ``sample_rate / 2``.
        norm: band normalisation, see :func:`mel_filter_matrix`.

    The buffer ``fb_mat`` has shape :math:`(1, M, N/2 + 1)`.

    Shape:
        - spec: :math:`(*, 2(N/2 + 1), L)` (real halves over imaginary halves)
        - output: :math:`(*, M, L)`
    """

    def __init__(
        self, n_filters, sample_rate=8000.0, n_mels=40, fmin=0.0, fmax=None, norm="slaney"
    ):
        super().__init__()
        matrix = mel_filter_matrix(
            sample_rate, n_filters, n_mels=n_mels, fmin=fmin, fmax=fmax, norm=norm
        )
        self.register_buffer("fb_mat", torch.from_numpy(matrix).unsqueeze(0))

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        mag_spec = transforms.mag(spec, dim=-2)
        return torch.matmul(self.fb_mat[0], mag_spec)


class MelGramFB(STFTFB):
    """Mel magnitude spectrogram filterbank (analysis only).

    An :class:`~asteroid.filterbanks.STFTFB` whose ``post_analysis`` takes the magnitude and
    applies :class:`MelScale`. A Decoder on it expects the STFT rows, not the mel rows.

    Args:
        n_filters (int): DFT size :math:`N` (even, at least ``kernel_size``).
        kernel_size (int): window length.
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        window (array-like, optional): window, see :class:`STFTFB`.
        sample_rate (float): sample rate in Hz.
        n_mels (int): number of mel bands :math:`M` (``n_feats_out``).
        fmin (float): lowest band edge in Hz.
        fmax (float, optional): highest band edge in Hz; ``None`` means ``sample_rate / 2``.
        norm: band normalisation, ``"slaney"``, ``None`` or a number, see
            :func:`mel_filter_matrix`.
        **kwargs: ignored.
    """

    def __init__(
        self,
        n_filters,
        kernel_size,
        stride=None,
        window=None,
        sample_rate=8000.0,
        n_mels=40,
        fmin=0.0,
        fmax=None,
        norm="slaney",
        **kwargs,
    ):
        super().__init__(
            n_filters, kernel_size, stride=stride, window=window, sample_rate=sample_rate
        )
        self.n_mels, self.fmin, self.fmax, self.norm = n_mels, fmin, fmax, norm
        self.mel_scale = MelScale(
            self.n_filters, sample_rate=sample_rate, n_mels=n_mels, fmin=fmin, fmax=fmax, norm=norm
        )
        self.n_feats_out = n_mels

    def post_analysis(self, spec: torch.Tensor) -> torch.Tensor:
        return self.mel_scale(spec)

    def get_config(self):
        """The STFTFB config plus ``n_mels``, ``fmin``, ``fmax`` and ``norm``."""
        return {
            **super().get_config(),
            "fmin": self.fmin,
            "fmax": self.fmax,
            "n_mels": self.n_mels,
            "norm": self.norm,
        }
