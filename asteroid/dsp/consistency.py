"""Mixture consistency: make estimated sources add up to the mixture."""

from typing import Optional

import torch

__all__ = ["mixture_consistency"]


def mixture_consistency(
    mixture: torch.Tensor,
    est_sources: torch.Tensor,
    src_weights: Optional[torch.Tensor] = None,
    dim: int = 1,
) -> torch.Tensor:
    r"""Project estimated sources so that they sum to the mixture.

    The residual :math:`r = x - \sum_i \hat{s}_i` is shared among the sources:
    :math:`\tilde{s}_i = \hat{s}_i + w_i r` with :math:`\sum_i w_i = 1`. Works on
    waveforms as on (real or complex) time-frequency representations. Only meaningful when
    the sources explain the whole mixture (not, for instance, for noisy separation where
    the noise is not estimated).

    Args:
        mixture (torch.Tensor): the mixture :math:`x`, with or without the source axis.
        est_sources (torch.Tensor): the estimates :math:`\hat{s}_i`, batch first.
        src_weights (torch.Tensor, optional): weights :math:`w_i`, broadcastable to
            ``est_sources``; normalised to sum to one along ``dim``. By default each
            source's share of the total power (mean square over every axis but the batch
            and the sources).
        dim (int): axis of the sources in ``est_sources``.

    Returns:
        torch.Tensor: consistent estimates, same shape as ``est_sources``.

    Shape:
        - mixture: :math:`(B, *)` or :math:`(B, 1, *)` (the 1 on the axis ``dim``)
        - est_sources: :math:`(B, S, *)` (the sources on the axis ``dim``)
        - output: :math:`(B, S, *)`

    References:
        [1] Scott Wisdom et al., "Differentiable consistency constraints for improved
        deep speech enhancement", ICASSP 2019.
    """
    ndim = est_sources.ndim
    if not -ndim <= dim < ndim:
        raise ValueError(f"dim={dim} is out of range for est_sources of shape {est_sources.shape}.")
    dim = dim % ndim
    if dim == 0:
        raise ValueError("The sources cannot be on the batch axis (dim=0).")
    if src_weights is None:
        other_dims = [d for d in range(1, ndim) if d != dim]
        power = est_sources.abs() ** 2
        src_weights = power.mean(dim=other_dims, keepdim=True) if other_dims else power
    src_weights = src_weights / (src_weights.sum(dim=dim, keepdim=True) + 1e-8)

    if mixture.ndim == ndim - 1:
        residual = (mixture - est_sources.sum(dim=dim)).unsqueeze(dim)
    elif mixture.ndim == ndim:
        residual = mixture - est_sources.sum(dim=dim, keepdim=True)
    else:
        raise ValueError(
            f"Expected the mixture to have {ndim} or {ndim - 1} dimensions (est_sources has "
            f"shape {tuple(est_sources.shape)}), found shape {tuple(mixture.shape)}."
        )
    return est_sources + src_weights * residual
