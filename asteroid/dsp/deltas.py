"""Delta (first-difference) features along an axis."""

import torch

__all__ = ["compute_delta", "concat_deltas"]


def compute_delta(feats: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""First difference along ``dim``: :math:`\Delta_t = x_t - x_{t-1}`, and :math:`\Delta_0 = 0`.

    Along time on a phase spectrogram this is the instantaneous frequency, along frequency
    the group delay.

    Args:
        feats (torch.Tensor): features.
        dim (int): axis along which to differentiate.

    Returns:
        torch.Tensor: deltas, same shape as ``feats``.

    Examples:
        >>> phase = torch.randn(2, 257, 100)
        >>> inst_freq = compute_delta(phase, dim=-1)
        >>> group_delay = compute_delta(phase, dim=-2)
    """
    moved = feats.movedim(dim, -1)
    delta = torch.cat([torch.zeros_like(moved[..., :1]), moved[..., 1:] - moved[..., :-1]], -1)
    return delta.movedim(-1, dim)


def concat_deltas(feats: torch.Tensor, order: int = 1, dim: int = -1) -> torch.Tensor:
    """Concatenate features with their deltas up to ``order`` (delta of delta, ...).

    Args:
        feats (torch.Tensor): features.
        order (int): number of successive deltas to append.
        dim (int): axis along which to differentiate and concatenate.

    Returns:
        torch.Tensor: ``[feats, delta, delta-delta, ...]`` along ``dim``, which grows
        ``order + 1`` times.
    """
    if order < 0:
        raise ValueError(f"order must be >= 0, got {order}.")
    all_feats = [feats]
    for _ in range(order):
        all_feats.append(compute_delta(all_feats[-1], dim=dim))
    return torch.cat(all_feats, dim=dim)
