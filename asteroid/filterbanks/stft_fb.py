"""The short-time Fourier transform as a fixed filterbank, and its perfect-reconstruction window."""

import numpy as np
import torch

from .enc_dec import Filterbank

__all__ = ["STFTFB", "perfect_synthesis_window"]


def _as_window(window, kernel_size):
    """``window`` as a 1-D float64 array of ``kernel_size`` samples, or a ``ValueError``."""
    if isinstance(window, torch.Tensor):
        window = window.detach().cpu().numpy()
    window = np.asarray(window, dtype=np.float64)
    if window.ndim != 1 or window.shape[0] != kernel_size:
        raise ValueError(
            f"Expected a 1-D window of kernel_size={kernel_size} samples, got shape "
            f"{tuple(window.shape)}."
        )
    return window


def _default_window(kernel_size):
    """Square root of the periodic Hann window of ``kernel_size`` samples."""
    return np.hanning(kernel_size + 1)[:-1] ** 0.5


class STFTFB(Filterbank):
    r"""STFT filterbank: windowed DFT rows, real parts stacked over imaginary parts.

    The analysis output has :math:`2 (N/2 + 1)` rows: the real parts of bins :math:`0..N/2`
    followed by their imaginary parts (the "Asteroid complex" layout of
    :mod:`asteroid.filterbanks.transforms`).

    The filters are the :math:`N`-point DFT rows divided by :math:`\frac12\sqrt{K N / S}`, cut to
    the :math:`K` centred samples, with the real rows of the DC and Nyquist bins further divided by
    :math:`\sqrt 2`, times the window. This scaling is the one of the published models; an
    Encoder/Decoder pair with the same window is *not* an identity: give the decoder
    :func:`perfect_synthesis_window` for perfect reconstruction, or use
    :class:`~asteroid.filterbanks.TorchSTFTFB`.

    Args:
        n_filters (int): DFT size :math:`N` (even, at least ``kernel_size``).
        kernel_size (int): window length :math:`K`.
        stride (int, optional): hop size :math:`S`; ``None`` means ``kernel_size // 2``.
        window (array-like, optional): analysis window of ``kernel_size`` samples (NumPy array,
            tensor or list). ``None`` means the square root of the periodic Hann window.
        sample_rate (float): sample rate of the expected audio, in Hz.
        **kwargs: ignored.

    Attributes:
        window (numpy.ndarray): the window, float64.
        n_feats_out (int): :math:`2 (N/2 + 1)`.

    Raises:
        ValueError: if ``n_filters`` is odd or smaller than ``kernel_size``, or if the window does
            not have ``kernel_size`` samples.
    """

    def __init__(
        self, n_filters, kernel_size, stride=None, window=None, sample_rate=8000.0, **kwargs
    ):
        super().__init__(n_filters, kernel_size, stride=stride, sample_rate=sample_rate)
        if self.n_filters % 2 != 0:
            raise ValueError(
                f"n_filters must be even (real and imaginary halves), got {self.n_filters}."
            )
        if self.n_filters < self.kernel_size:
            raise ValueError(
                f"n_filters (DFT size, {self.n_filters}) must be at least kernel_size "
                f"({self.kernel_size})."
            )
        self.cutoff = self.n_filters // 2 + 1
        self.n_feats_out = 2 * self.cutoff
        self._window_is_default = window is None
        if window is None:
            self.window = _default_window(self.kernel_size)
        else:
            self.window = _as_window(window, self.kernel_size)

        filters = torch.from_numpy(self._dft_rows() * self.window).float().unsqueeze(1)
        self.register_buffer("_filters", filters)
        self.register_buffer("torch_window", torch.from_numpy(self.window).float())

    def _dft_rows(self):
        """The scaled, cropped DFT rows before windowing: float64, :math:`(2(N/2+1), K)`."""
        n_fft, kernel_size = self.n_filters, self.kernel_size
        # Row k of the DFT matrix is the DFT of the unit impulse at k.
        dft = np.fft.rfft(np.eye(n_fft), axis=1).T
        dft /= 0.5 * np.sqrt(kernel_size * n_fft / self.stride)
        start = (n_fft - kernel_size) // 2
        dft = dft[:, start : start + kernel_size]
        rows = np.concatenate([dft.real, dft.imag], axis=0)
        # DC and Nyquist are real: their rows have half the weight of the other bins.
        rows[0] /= np.sqrt(2)
        rows[n_fft // 2] /= np.sqrt(2)
        return rows

    def filters(self) -> torch.Tensor:
        return self._filters

    def get_config(self):
        """The base config plus ``window`` (``None`` for the default window, else a list)."""
        window = None if self._window_is_default else self.window.tolist()
        return {**super().get_config(), "window": window}

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        # Older model files have no ``torch_window``; it is rebuilt from the constructor.
        missing_keys[:] = [k for k in missing_keys if k != prefix + "torch_window"]


def perfect_synthesis_window(analysis_window, hop_size):
    r"""Synthesis window that makes an :class:`STFTFB` Decoder invert an :class:`STFTFB` Encoder.

    The analysis window :math:`w` is divided by the overlap-added squared window
    :math:`\sum_m w^2[t - mS]` and multiplied by :math:`K / (2S)`, which undoes the scaling of
    the STFTFB filters. (The published package truncated :math:`K/(2S)` to an integer, which
    only reconstructs when :math:`K/(2S)` is a whole number; both agree in that case.)

    Args:
        analysis_window (array-like): the analysis window, :math:`K` samples.
        hop_size (int): the hop size :math:`S` in samples.

    Returns:
        numpy.ndarray: the synthesis window, :math:`K` samples, float64.
    """
    window = np.asarray(analysis_window, dtype=np.float64)
    if window.ndim != 1:
        raise ValueError(f"Expected a 1-D window, got shape {tuple(window.shape)}.")
    hop_size = int(hop_size)
    if hop_size < 1:
        raise ValueError(f"hop_size must be a positive integer, got {hop_size}.")
    win_len = window.shape[0]
    squared = window**2
    ola = np.zeros_like(squared)
    n_shifts = (win_len - 1) // hop_size
    for m in range(-n_shifts, n_shifts + 1):
        shift = m * hop_size
        # ola[t] += squared[t - shift] wherever 0 <= t - shift < win_len.
        if shift >= 0:
            ola[shift:] += squared[: win_len - shift]
        else:
            ola[:shift] += squared[-shift:]
    ola = np.where(ola != 0.0, ola, np.finfo(ola.dtype).tiny)
    return (0.5 * win_len / hop_size) * window / ola
