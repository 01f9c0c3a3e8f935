r"""Mixture invariant training (MixIT): the loss of the best way to remix estimates.

The model separates a mixture of mixtures into :math:`S` estimates; each estimate is assigned
to one of the :math:`M` reference mixtures, the estimates of each mixture are summed and the
loss compares these remixes with the references. The best assignment is found by
enumeration.

References:
    Wisdom, Tzinis, Erdogan, Weiss, Wilson and Hershey, "Unsupervised sound separation using
    mixture invariant training", NeurIPS 2020.
"""

from itertools import combinations

import torch
from torch import nn

__all__ = ["MixITLossWrapper"]


class MixITLossWrapper(nn.Module):
    r"""Mixture invariant wrapper around a loss on whole source sets.

    Args:
        loss_func (callable): ``loss_func(est_mixtures, mixtures, **kwargs)`` on
            :math:`(B, M, T)` tensors, returning :math:`(B,)` (e.g. ``multisrc_neg_sisdr``).
        generalized (bool): with ``True`` (default), exactly two mixtures and every split of
            the estimates between them, empty sides included (:math:`2^S` assignments). With
            ``False``, any number of mixtures, each receiving the same number :math:`S/M` of
            estimates.
        reduction (str): ``"mean"`` returns the batch mean; anything else returns the best
            loss of every example, shape :math:`(B, 1)`.

    Examples:
        >>> from asteroid.losses import multisrc_neg_sisdr
        >>> mixtures, est_sources = torch.randn(4, 2, 8000), torch.randn(4, 4, 8000)
        >>> loss_func = MixITLossWrapper(multisrc_neg_sisdr, generalized=True)
        >>> loss, est_mixtures = loss_func(est_sources, mixtures, return_est=True)
    """

    def __init__(self, loss_func, generalized=True, reduction="mean"):
        super().__init__()
        self.loss_func = loss_func
        self.generalized = generalized
        self.reduction = reduction

    def forward(self, est_targets, targets, return_est=False, **kwargs):
        r"""Loss of the best assignment of estimates to mixtures.

        Args:
            est_targets (torch.Tensor): the separated sources.
            targets (torch.Tensor): the reference mixtures.
            return_est (bool): also return the remixed estimates of the best assignment.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            torch.Tensor: the loss; with ``return_est`` a tuple ``(loss, est_mixtures)``.

        Shape:
            - est_targets: :math:`(B, S, *)`.
            - targets: :math:`(B, M, *)`.
            - est_mixtures: :math:`(B, M, *)`.
        """
        if est_targets.ndim < 3 or targets.ndim < 3:
            raise ValueError(
                f"MixIT expects (batch, n_src, time) estimates and (batch, n_mix, time) "
                f"mixtures, got {list(est_targets.shape)} and {list(targets.shape)}."
            )
        if est_targets.shape[0] != targets.shape[0] or est_targets.shape[2:] != targets.shape[2:]:
            raise ValueError(
                f"Estimates and mixtures must share the batch size and the trailing "
                f"dimensions, got {list(est_targets.shape)} and {list(targets.shape)}."
            )
        if self.generalized:
            min_loss, min_loss_idx, parts = self.best_part_mixit_generalized(
                self.loss_func, est_targets, targets, **kwargs
            )
        else:
            min_loss, min_loss_idx, parts = self.best_part_mixit(
                self.loss_func, est_targets, targets, **kwargs
            )
        returned_loss = min_loss.mean() if self.reduction == "mean" else min_loss
        if not return_est:
            return returned_loss
        reordered = self.reorder_source(est_targets, targets, min_loss_idx, parts)
        return returned_loss, reordered

    @staticmethod
    def best_part_mixit(loss_func, est_targets, targets, **kwargs):
        r"""Best partition of the estimates into :math:`M` equal-size groups.

        Group :math:`m` is compared with mixture :math:`m`, so the groups are ordered: there
        are :math:`S! / ((S/M)!)^M` candidates.

        Args:
            loss_func (callable): see :class:`MixITLossWrapper`.
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): mixtures :math:`(B, M, *)`.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            tuple: the best loss :math:`(B, 1)`, its partition index :math:`(B, 1)` and the
            list of partitions (each a list of :math:`M` lists of estimate indices).

        Raises:
            ValueError: if :math:`S` is not a multiple of :math:`M`.
        """
        n_mix = targets.shape[1]
        n_src = est_targets.shape[1]
        if n_src % n_mix != 0:
            raise ValueError(
                f"With generalized=False the {n_src} estimates must split evenly between the "
                f"{n_mix} mixtures."
            )
        parts = list(_equal_partitions(list(range(n_src)), n_src // n_mix, n_mix))
        loss_set = MixITLossWrapper.loss_set_from_parts(
            loss_func, est_targets=est_targets, targets=targets, parts=parts, **kwargs
        )
        min_loss, min_loss_idx = torch.min(loss_set, dim=1, keepdim=True)
        return min_loss, min_loss_idx, parts

    @staticmethod
    def best_part_mixit_generalized(loss_func, est_targets, targets, **kwargs):
        r"""Best split of the estimates between two mixtures, of any sizes.

        Args:
            loss_func (callable): see :class:`MixITLossWrapper`.
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): the two mixtures :math:`(B, 2, *)`.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            tuple: the best loss :math:`(B, 1)`, its partition index :math:`(B, 1)` and the
            list of the :math:`2^S` partitions.

        Raises:
            ValueError: if there are not exactly two mixtures.
        """
        n_mix = targets.shape[1]
        if n_mix != 2:
            raise ValueError(f"Generalized MixIT works with two mixtures, got {n_mix}.")
        sources = list(range(est_targets.shape[1]))
        parts = [
            [list(first), [s for s in sources if s not in first]]
            for k in range(len(sources) + 1)
            for first in combinations(sources, k)
        ]
        loss_set = MixITLossWrapper.loss_set_from_parts(
            loss_func, est_targets=est_targets, targets=targets, parts=parts, **kwargs
        )
        min_loss, min_loss_idx = torch.min(loss_set, dim=1, keepdim=True)
        return min_loss, min_loss_idx, parts

    @staticmethod
    def loss_set_from_parts(loss_func, est_targets, targets, parts, **kwargs):
        r"""Loss of every partition.

        Args:
            loss_func (callable): see :class:`MixITLossWrapper`.
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): mixtures :math:`(B, M, *)`.
            parts (list): partitions, each a list of :math:`M` lists of estimate indices.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            torch.Tensor: :math:`(B, P)` with :math:`P` the number of partitions.
        """
        loss_set = []
        for partition in parts:
            est_mixes = _remix(est_targets, partition)
            loss_partition = loss_func(est_mixes, targets, **kwargs)
            if loss_partition.ndim != 1:
                raise ValueError(
                    f"The MixIT loss function must return one value per example (batch,), got "
                    f"shape {list(loss_partition.shape)}."
                )
            loss_set.append(loss_partition)
        return torch.stack(loss_set, dim=1)

    @staticmethod
    def reorder_source(est_targets, targets, min_loss_idx, parts):
        r"""Remix the estimates of each example with its best partition.

        Args:
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): mixtures :math:`(B, M, *)` (gives the output shape).
            min_loss_idx (torch.Tensor): best partition index of each example, :math:`(B, 1)`.
            parts (list): the partitions.

        Returns:
            torch.Tensor: remixed estimates :math:`(B, M, *)`.
        """
        remixed = [
            _remix(est_targets[b : b + 1], parts[int(idx)])[0]
            for b, idx in enumerate(min_loss_idx.reshape(-1))
        ]
        return torch.stack(remixed, dim=0).to(targets.dtype)


def _remix(est_targets, partition):
    """Sum the estimates of each group of ``partition``: (B, S, *) -> (B, M, *)."""
    return torch.stack([est_targets[:, idx].sum(1) for idx in partition], dim=1)


def _equal_partitions(items, size, n_groups):
    """Ordered partitions of ``items`` into ``n_groups`` groups of ``size`` items."""
    if n_groups == 0:
        yield []
        return
    for group in combinations(items, size):
        rest = [x for x in items if x not in group]
        for others in _equal_partitions(rest, size, n_groups - 1):
            yield [list(group), *others]
