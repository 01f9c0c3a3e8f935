"""Energy-based voice activity detection on spectrograms."""

import torch

from ..utils.torch_utils import script_if_tracing

__all__ = ["ebased_vad"]


@script_if_tracing
def ebased_vad(mag_spec, th_db: int = 40):
    """Mark the time-frequency bins within ``th_db`` dB of the loudest bin.

    Args:
        mag_spec (torch.Tensor): magnitude spectrogram (or any amplitude), shape
            :math:`(B, *, F, T)`; each spectrogram (last two axes) is handled on its own,
            whatever the order of its two axes.
        th_db (int): a bin more than ``th_db`` dB below the spectrogram's maximum is silent.

    Returns:
        torch.BoolTensor: the activity mask, same shape as ``mag_spec``.

    Examples:
        >>> mag_spec = torch.abs(torch.randn(10, 2, 65, 16))
        >>> ebased_vad(mag_spec).shape
        torch.Size([10, 2, 65, 16])
    """
    log_mag = 20 * torch.log10(mag_spec)
    peak = torch.amax(log_mag, dim=(-2, -1), keepdim=True)
    return log_mag > (peak - th_db)
