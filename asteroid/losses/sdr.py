r"""Negative SNR, SI-SDR and SD-SDR losses, pairwise, single-source and multi-source.

For an estimate :math:`\hat{s}` and a target :math:`s` (both made zero-mean over time when
``zero_mean``), with :math:`\alpha = \langle \hat{s}, s\rangle / (\|s\|^2 + \epsilon)`:

* ``"snr"``: :math:`\|s\|^2 / (\|\hat{s} - s\|^2 + \epsilon)`
* ``"sisdr"``: :math:`\|\alpha s\|^2 / (\|\hat{s} - \alpha s\|^2 + \epsilon)`
* ``"sdsdr"``: :math:`\|\alpha s\|^2 / (\|\hat{s} - s\|^2 + \epsilon)`

With ``take_log`` the ratio :math:`r` becomes :math:`10 \log_{10}(r + \epsilon)` (dB). Every loss
returns the *negated* value, so lower is better. Consequence of the :math:`\epsilon` terms: an
all-zero estimate of an all-zero target gives a finite loss of +80 dB.

References:
    Le Roux, Wisdom, Erdogan and Hershey, "SDR - half-baked or well done?", ICASSP 2019.
"""

import torch
from torch.nn.modules.loss import _Loss

__all__ = [
    "PairwiseNegSDR",
    "SingleSrcNegSDR",
    "MultiSrcNegSDR",
    "pairwise_neg_sisdr",
    "pairwise_neg_sdsdr",
    "pairwise_neg_snr",
    "singlesrc_neg_sisdr",
    "singlesrc_neg_sdsdr",
    "singlesrc_neg_snr",
    "multisrc_neg_sisdr",
    "multisrc_neg_sdsdr",
    "multisrc_neg_snr",
]

SDR_TYPES = ("snr", "sisdr", "sdsdr")

# The single- and multi-source losses always use this epsilon, whatever their ``EPS`` argument
# says: the published toolkit behaves so and trained models depend on it (kept on purpose).
_FIXED_EPS = 1e-8


def _check_sdr_type(sdr_type):
    if sdr_type not in SDR_TYPES:
        raise ValueError(f"Unknown sdr_type {sdr_type!r}; expected one of {list(SDR_TYPES)}.")


def _sdr(
    est: torch.Tensor,
    target: torch.Tensor,
    sdr_type: str,
    zero_mean: bool,
    take_log: bool,
    eps: float,
) -> torch.Tensor:
    """SNR / SI-SDR / SD-SDR along the last dimension of broadcastable ``est`` and ``target``."""
    if zero_mean:
        est = est - torch.mean(est, dim=-1, keepdim=True)
        target = target - torch.mean(target, dim=-1, keepdim=True)
    if sdr_type == "snr":
        signal_energy = torch.sum(target**2, dim=-1)
        noise = est - target
    else:
        dot = torch.sum(est * target, dim=-1, keepdim=True)
        target_energy = torch.sum(target**2, dim=-1, keepdim=True) + eps
        projection = dot * target / target_energy
        signal_energy = torch.sum(projection**2, dim=-1)
        noise = est - projection if sdr_type == "sisdr" else est - target
    ratio = signal_energy / (torch.sum(noise**2, dim=-1) + eps)
    if take_log:
        ratio = 10 * torch.log10(ratio + eps)
    return ratio


class PairwiseNegSDR(_Loss):
    r"""Negative SNR, SI-SDR or SD-SDR between every estimate and every target.

    Args:
        sdr_type (str): ``"snr"``, ``"sisdr"`` or ``"sdsdr"``.
        zero_mean (bool): remove the temporal mean of estimates and targets first.
        take_log (bool): return :math:`10\log_{10}` of the ratio (dB) instead of the ratio.
        EPS (float): :math:`\epsilon` of the definitions above.

    Shape:
        - est_targets: :math:`(B, S, T)`.
        - targets: :math:`(B, S, T)`.
        - Output: :math:`(B, S, S)`, entry :math:`[b, i, j]` is the loss of estimate
          :math:`i` against target :math:`j`.

    Raises:
        TypeError: if the inputs are not 3-D or do not have the same shape.

    Examples:
        >>> from asteroid.losses import PITLossWrapper
        >>> loss_func = PITLossWrapper(PairwiseNegSDR("sisdr"), pit_from="pw_mtx")
        >>> loss = loss_func(torch.randn(4, 2, 8000), torch.randn(4, 2, 8000))
    """

    def __init__(self, sdr_type, zero_mean=True, take_log=True, EPS=1e-8):
        super().__init__()
        _check_sdr_type(sdr_type)
        self.sdr_type = sdr_type
        self.zero_mean = zero_mean
        self.take_log = take_log
        self.EPS = float(EPS)

    def forward(self, est_targets: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if targets.size() != est_targets.size() or targets.ndim != 3:
            raise TypeError(
                f"Inputs must be of shape [batch, n_src, time], got {targets.size()} and "
                f"{est_targets.size()} instead"
            )
        # B, S_est, 1, T against B, 1, S_tgt, T -> B, S_est, S_tgt
        return -_sdr(
            est_targets.unsqueeze(2),
            targets.unsqueeze(1),
            self.sdr_type,
            self.zero_mean,
            self.take_log,
            self.EPS,
        )

    def get_config(self):
        """Arguments that rebuild this loss."""
        return dict(
            sdr_type=self.sdr_type, zero_mean=self.zero_mean, take_log=self.take_log, EPS=self.EPS
        )


class SingleSrcNegSDR(_Loss):
    r"""Negative SNR, SI-SDR or SD-SDR of a batch of single estimates.

    Args:
        sdr_type (str): ``"snr"``, ``"sisdr"`` or ``"sdsdr"``.
        zero_mean (bool): remove the temporal mean of estimates and targets first.
        take_log (bool): return :math:`10\log_{10}` of the ratio (dB) instead of the ratio.
        reduction (str): ``"none"`` (one value per example) or ``"mean"`` (batch mean).
        EPS (float): accepted for compatibility but **not used**: the loss always uses
            :math:`\epsilon = 10^{-8}`, as the published toolkit does.

    Shape:
        - est_target: :math:`(B, T)`.
        - target: :math:`(B, T)`.
        - Output: :math:`(B,)`, or a scalar with ``reduction="mean"``.

    Raises:
        TypeError: if the inputs are not 2-D or do not have the same shape.
    """

    def __init__(self, sdr_type, zero_mean=True, take_log=True, reduction="none", EPS=1e-8):
        if reduction not in ("none", "mean"):
            raise ValueError(f"reduction must be 'none' or 'mean', got {reduction!r}.")
        super().__init__(reduction=reduction)
        _check_sdr_type(sdr_type)
        self.sdr_type = sdr_type
        self.zero_mean = zero_mean
        self.take_log = take_log
        self.EPS = _FIXED_EPS

    def forward(self, est_target: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if target.size() != est_target.size() or target.ndim != 2:
            raise TypeError(
                f"Inputs must be of shape [batch, time], got {target.size()} and "
                f"{est_target.size()} instead"
            )
        losses = _sdr(est_target, target, self.sdr_type, self.zero_mean, self.take_log, self.EPS)
        if self.reduction == "mean":
            losses = losses.mean()
        return -losses

    def get_config(self):
        """Arguments that rebuild this loss."""
        return dict(
            sdr_type=self.sdr_type,
            zero_mean=self.zero_mean,
            take_log=self.take_log,
            reduction=self.reduction,
        )


class MultiSrcNegSDR(_Loss):
    r"""Negative SNR, SI-SDR or SD-SDR of sources in a given order, averaged over sources.

    Args:
        sdr_type (str): ``"snr"``, ``"sisdr"`` or ``"sdsdr"``.
        zero_mean (bool): remove the temporal mean of estimates and targets first.
        take_log (bool): return :math:`10\log_{10}` of the ratio (dB) instead of the ratio.
        EPS (float): accepted for compatibility but **not used**: the loss always uses
            :math:`\epsilon = 10^{-8}`, as the published toolkit does.

    Shape:
        - est_targets: :math:`(B, S, T)`.
        - targets: :math:`(B, S, T)`.
        - Output: :math:`(B,)`, mean over the :math:`S` matched pairs.

    Raises:
        TypeError: if the inputs are not 3-D or do not have the same shape.
    """

    def __init__(self, sdr_type, zero_mean=True, take_log=True, EPS=1e-8):
        super().__init__()
        _check_sdr_type(sdr_type)
        self.sdr_type = sdr_type
        self.zero_mean = zero_mean
        self.take_log = take_log
        self.EPS = _FIXED_EPS

    def forward(self, est_targets: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if targets.size() != est_targets.size() or targets.ndim != 3:
            raise TypeError(
                f"Inputs must be of shape [batch, n_src, time], got {targets.size()} and "
                f"{est_targets.size()} instead"
            )
        sdr = _sdr(est_targets, targets, self.sdr_type, self.zero_mean, self.take_log, self.EPS)
        return -torch.mean(sdr, dim=-1)

    def get_config(self):
        """Arguments that rebuild this loss."""
        return dict(sdr_type=self.sdr_type, zero_mean=self.zero_mean, take_log=self.take_log)


# Ready-made instances with the default arguments (published names).
pairwise_neg_sisdr = PairwiseNegSDR("sisdr")
pairwise_neg_sdsdr = PairwiseNegSDR("sdsdr")
pairwise_neg_snr = PairwiseNegSDR("snr")
singlesrc_neg_sisdr = SingleSrcNegSDR("sisdr")
singlesrc_neg_sdsdr = SingleSrcNegSDR("sdsdr")
singlesrc_neg_snr = SingleSrcNegSDR("snr")
multisrc_neg_sisdr = MultiSrcNegSDR("sisdr")
multisrc_neg_sdsdr = MultiSrcNegSDR("sdsdr")
multisrc_neg_snr = MultiSrcNegSDR("snr")
