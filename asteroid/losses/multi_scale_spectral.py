r"""Multi-scale spectral loss: linear and log magnitude distances at several STFT resolutions.

References:
    Engel, Hantrakul, Gu and Roberts, "DDSP: Differentiable digital signal processing",
    ICLR 2020.
"""

import torch
from torch import nn
from torch.nn.modules.loss import _Loss

from ..filterbanks.enc_dec import Encoder
from ..filterbanks.stft_fb import STFTFB
from ..filterbanks.transforms import mag

__all__ = ["SingleSrcMultiScaleSpectral"]

DEFAULT_SIZES = [2048, 1024, 512, 256, 128, 64, 32]


class SingleSrcMultiScaleSpectral(_Loss):
    r"""Sum over STFT scales of the L1 distances of magnitudes and of log magnitudes.

    For each scale with magnitudes :math:`M` (target) and :math:`\hat{M}` (estimate), flattened
    over frequency and time:
    :math:`\|\hat{M} - M\|_1 + \alpha \|\log(\hat{M} + \epsilon) - \log(M + \epsilon)\|_1`,
    with :math:`\epsilon = 10^{-8}`.

    Args:
        n_filters (list of int, optional): DFT size of each scale. Defaults to
            ``[2048, 1024, 512, 256, 128, 64, 32]``.
        windows_size (list of int, optional): window length of each scale (same default).
        hops_size (list of int, optional): hop of each scale. Defaults to half the default
            window lengths.
        alpha (float): weight :math:`\alpha` of the log-magnitude term.

    Shape:
        - est_target: :math:`(B, T)`.
        - target: :math:`(B, T)`.
        - Output: :math:`(B,)`.

    Examples:
        >>> loss_func = SingleSrcMultiScaleSpectral()
        >>> loss = loss_func(torch.randn(2, 8000), torch.randn(2, 8000))
    """

    def __init__(self, n_filters=None, windows_size=None, hops_size=None, alpha=1.0):
        super().__init__()
        windows_size = list(DEFAULT_SIZES) if windows_size is None else list(windows_size)
        n_filters = list(DEFAULT_SIZES) if n_filters is None else list(n_filters)
        hops_size = [s // 2 for s in DEFAULT_SIZES] if hops_size is None else list(hops_size)
        if not len(n_filters) == len(windows_size) == len(hops_size):
            raise ValueError(
                f"n_filters, windows_size and hops_size need one entry per scale, got "
                f"{len(n_filters)}, {len(windows_size)} and {len(hops_size)} entries."
            )
        self.n_filters = n_filters
        self.windows_size = windows_size
        self.hops_size = hops_size
        self.alpha = alpha
        self.encoders = nn.ModuleList(
            Encoder(STFTFB(n, w, h)) for n, w, h in zip(n_filters, windows_size, hops_size)
        )

    def forward(self, est_target: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if est_target.shape != target.shape or target.ndim != 2:
            raise ValueError(
                f"Inputs must be of shape [batch, time], got {list(target.shape)} and "
                f"{list(est_target.shape)}."
            )
        est_target = est_target.unsqueeze(1)  # B, 1, T
        target = target.unsqueeze(1)
        loss = torch.zeros(est_target.shape[0], device=est_target.device, dtype=est_target.dtype)
        for encoder in self.encoders:
            loss = loss + self._magnitude_loss(mag(encoder(est_target)), mag(encoder(target)))
        return loss

    def compute_spectral_loss(self, encoder, est_target, target, EPS=1e-8):
        r"""Linear plus weighted log L1 magnitude distance at one scale, :math:`(B,)`.

        Args:
            encoder (Encoder): the STFT of the scale.
            est_target (torch.Tensor): :math:`(B, 1, T)`.
            target (torch.Tensor): :math:`(B, 1, T)`.
            EPS (float): :math:`\epsilon` inside the logarithms.
        """
        return self._magnitude_loss(mag(encoder(est_target)), mag(encoder(target)), EPS)

    def _magnitude_loss(
        self, spect_est: torch.Tensor, spect_tgt: torch.Tensor, EPS: float = 1e-8
    ) -> torch.Tensor:
        batch_size = spect_est.shape[0]
        spect_est = spect_est.reshape(batch_size, -1)
        spect_tgt = spect_tgt.reshape(batch_size, -1)
        linear_loss = self.norm1(spect_est - spect_tgt)
        log_loss = self.norm1(torch.log(spect_est + EPS) - torch.log(spect_tgt + EPS))
        return linear_loss + self.alpha * log_loss

    @staticmethod
    def norm1(a: torch.Tensor) -> torch.Tensor:
        """L1 norm of each row, :math:`(B, N) \\to (B,)`."""
        return torch.sum(torch.abs(a), dim=1)

    def get_config(self):
        """Arguments that rebuild this loss."""
        return dict(
            n_filters=self.n_filters,
            windows_size=self.windows_size,
            hops_size=self.hops_size,
            alpha=self.alpha,
        )
