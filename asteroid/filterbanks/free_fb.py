"""A filterbank whose every tap is learned."""

import torch
from torch import nn

from .enc_dec import Filterbank

__all__ = ["FreeFB"]


class FreeFB(Filterbank):
    """Unconstrained learnable filterbank: an ``Encoder`` on it is an ``nn.Conv1d`` without bias.

    Args:
        n_filters (int): number of filters (:math:`N`).
        kernel_size (int): length of the filters (:math:`K`).
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        sample_rate (float): sample rate of the expected audio, in Hz.
        **kwargs: ignored (lets a model forward a shared set of filterbank arguments).

    The parameter ``_filters`` of shape :math:`(N, 1, K)` starts from a Xavier-normal draw.

    References:
        M. Pariente, S. Cornell, A. Deleforge, E. Vincent, "Filterbank design for end-to-end
        speech separation", ICASSP 2020.
    """

    def __init__(self, n_filters, kernel_size, stride=None, sample_rate=8000.0, **kwargs):
        super().__init__(n_filters, kernel_size, stride=stride, sample_rate=sample_rate)
        self._filters = nn.Parameter(torch.empty(self.n_filters, 1, self.kernel_size))
        nn.init.xavier_normal_(self._filters)

    def filters(self) -> torch.Tensor:
        return self._filters
