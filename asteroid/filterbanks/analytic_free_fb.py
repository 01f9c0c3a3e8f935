"""A learnable filterbank whose second half is derived from the first in the Fourier domain."""

import math

import torch
from torch import nn

from .enc_dec import Filterbank

__all__ = ["AnalyticFreeFB"]


class AnalyticFreeFB(Filterbank):
    """Learnable "analytic" filterbank: :math:`N/2` free filters and their paired filters.

    The first :math:`N/2` filters are learned; the second half is computed from them by
    conjugating their orthonormal real FFT and transforming back. This is the published
    definition (which, on the real FFT, amounts to a circular time reversal of each learned
    filter); it is kept so that trained models give the same output. The output has the
    real-like rows first, then their pairs, like an Asteroid complex tensor.

    Args:
        n_filters (int): number of filters :math:`N` (even).
        kernel_size (int): length of the filters :math:`K`.
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        sample_rate (float): sample rate of the expected audio, in Hz.
        **kwargs: ignored.

    The parameter ``_filters`` of shape :math:`(N/2, 1, K)` starts from a Xavier-normal draw with
    gain :math:`1/\\sqrt 2`.

    Raises:
        ValueError: if ``n_filters`` is odd.

    References:
        M. Pariente, S. Cornell, A. Deleforge, E. Vincent, "Filterbank design for end-to-end
        speech separation", ICASSP 2020.
    """

    def __init__(self, n_filters, kernel_size, stride=None, sample_rate=8000.0, **kwargs):
        super().__init__(n_filters, kernel_size, stride=stride, sample_rate=sample_rate)
        if self.n_filters % 2 != 0:
            raise ValueError(
                f"n_filters must be even (learned filters and their pairs), got {self.n_filters}."
            )
        self.cutoff = self.n_filters // 2
        self.n_feats_out = 2 * self.cutoff
        self._filters = nn.Parameter(torch.empty(self.cutoff, 1, self.kernel_size))
        nn.init.xavier_normal_(self._filters, gain=1.0 / math.sqrt(2.0))

    def filters(self) -> torch.Tensor:
        spectrum = torch.fft.rfft(self._filters, dim=-1, norm="ortho")
        paired = torch.fft.irfft(spectrum.conj(), n=self.kernel_size, dim=-1, norm="ortho")
        return torch.cat([self._filters, paired], dim=0)
