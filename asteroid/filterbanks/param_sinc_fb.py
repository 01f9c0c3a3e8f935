"""Parametrised sinc filterbank: band-pass filters learned through their cut-off frequencies."""

import math
import warnings

import numpy as np
import torch
from torch import nn

from .enc_dec import Filterbank

__all__ = ["ParamSincFB"]


def _hz_to_mel(hz):
    return 2595 * np.log10(1 + hz / 700)


def _mel_to_hz(mel):
    return 700 * (10 ** (mel / 2595) - 1)


class ParamSincFB(Filterbank):
    """Band-pass sinc filters (SincNet) with their quadrature (sine) counterparts.

    Each of the :math:`N/2` bands is defined by two learned numbers, a low cut-off and a
    bandwidth in Hz; it gives one even (cosine-modulated) filter and one odd (sine-modulated)
    filter, both Hamming-windowed. The output has the :math:`N/2` cosine rows first, then the
    :math:`N/2` sine rows. The bands start equally spaced on the mel scale between 30 Hz and
    ``sample_rate / 2 - (min_low_hz + min_band_hz)``.

    Args:
        n_filters (int): number of filters :math:`N` (even).
        kernel_size (int): length of the filters; an even value is raised by one (the filters
            are symmetric around a centre tap), with a warning.
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        sample_rate (float): sample rate of the expected audio, in Hz.
        min_low_hz (float): lowest allowed low cut-off, in Hz.
        min_band_hz (float): smallest allowed bandwidth, in Hz.
        **kwargs: ignored.

    Parameters ``low_hz_`` and ``band_hz_`` have shape :math:`(N/2, 1)`; buffers ``window_``
    :math:`(K//2,)` (left half of a Hamming window) and ``n_`` :math:`(1, K//2)`
    (:math:`2 \\pi t / f_s` for the negative times).

    Raises:
        ValueError: if ``n_filters`` is odd.

    References:
        M. Ravanelli, Y. Bengio, "Speaker recognition from raw waveform with SincNet", SLT 2018.
        M. Pariente, S. Cornell, A. Deleforge, E. Vincent, "Filterbank design for end-to-end
        speech separation", ICASSP 2020.
    """

    def __init__(
        self,
        n_filters,
        kernel_size,
        stride=None,
        sample_rate=16000.0,
        min_low_hz=50,
        min_band_hz=50,
        **kwargs,
    ):
        if kernel_size % 2 == 0:
            warnings.warn(
                f"ParamSincFB filters have an odd length: kernel_size={kernel_size} "
                f"becomes {kernel_size + 1}."
            )
            kernel_size += 1
        super().__init__(n_filters, kernel_size, stride=stride, sample_rate=sample_rate)
        if self.n_filters % 2 != 0:
            raise ValueError(
                f"n_filters must be even (cosine and sine halves), got {self.n_filters}."
            )
        self.min_low_hz, self.min_band_hz = min_low_hz, min_band_hz
        self.half_kernel = self.kernel_size // 2
        self.cutoff = self.n_filters // 2
        self.n_feats_out = 2 * self.cutoff

        # Learned band edges, mel-spaced at initialisation.
        high_hz = self.sample_rate / 2 - (self.min_low_hz + self.min_band_hz)
        mels = np.linspace(_hz_to_mel(30), _hz_to_mel(high_hz), self.cutoff + 1, dtype="float32")
        edges_hz = _mel_to_hz(mels)
        self.low_hz_ = nn.Parameter(torch.from_numpy(edges_hz[:-1]).view(-1, 1))
        self.band_hz_ = nn.Parameter(torch.from_numpy(np.diff(edges_hz)).view(-1, 1))

        half_window = np.hamming(self.kernel_size)[: self.half_kernel]
        neg_times = torch.arange(-self.half_kernel, 0.0).view(1, -1) / self.sample_rate
        self.register_buffer("window_", torch.from_numpy(half_window).float())
        self.register_buffer("n_", 2 * math.pi * neg_times)

    def filters(self) -> torch.Tensor:
        low = self.min_low_hz + torch.abs(self.low_hz_)
        high = torch.clamp(
            low + self.min_band_hz + torch.abs(self.band_hz_),
            self.min_low_hz,
            self.sample_rate / 2,
        )
        return torch.cat([self.make_filters(low, high, "cos"), self.make_filters(low, high, "sin")])

    def make_filters(self, low: torch.Tensor, high: torch.Tensor, filt_type: str = "cos"):
        """Windowed band-pass filters between ``low`` and ``high`` (Hz), :math:`(N/2, 1, K)`.

        ``filt_type`` is ``"cos"`` (even filters, the SincNet ones) or ``"sin"`` (odd filters).
        """
        band = (high - low)[:, 0]
        arg_low = torch.matmul(low, self.n_)
        arg_high = torch.matmul(high, self.n_)
        if filt_type == "cos":
            left = (torch.sin(arg_high) - torch.sin(arg_low)) / (self.n_ / 2) * self.window_
            centre = 2 * band.view(-1, 1)
            right = torch.flip(left, dims=[1])
        elif filt_type == "sin":
            left = (torch.cos(arg_low) - torch.cos(arg_high)) / (self.n_ / 2) * self.window_
            centre = torch.zeros_like(band.view(-1, 1))
            right = -torch.flip(left, dims=[1])
        else:
            raise ValueError(f"filt_type must be 'cos' or 'sin', got '{filt_type}'.")
        filters = torch.cat([left, centre, right], dim=1) / (2 * band[:, None])
        return filters.view(self.cutoff, 1, self.kernel_size)

    def get_config(self):
        """The base config plus ``min_low_hz`` and ``min_band_hz``."""
        return {
            **super().get_config(),
            "min_low_hz": self.min_low_hz,
            "min_band_hz": self.min_band_hz,
        }
