r"""SinkPIT: a differentiable relaxation of PIT with Sinkhorn's algorithm.

The hard minimum over permutations is replaced by an entropy-regularised optimal transport
problem whose solution is a doubly stochastic "soft permutation". The inverse temperature
:math:`\beta` controls how close it is to a hard permutation; it is usually annealed during
training (``asteroid.engine.schedulers.SinkPITBetaScheduler`` changes
:attr:`SinkPITLossWrapper.beta` at each epoch).

References:
    Tachibana, "Towards listening to 10 people simultaneously: an efficient permutation
    invariant training of audio source separation using Sinkhorn's algorithm", ICASSP 2021.
"""

import torch
from torch import nn

from .pit_wrapper import PITLossWrapper

__all__ = ["SinkPITLossWrapper"]

# Sinkhorn scales as S^2 per iteration; beyond this many sources the input is surely wrong.
MAX_SOURCES = 100


class SinkPITLossWrapper(nn.Module):
    r"""Permutation invariant wrapper using a Sinkhorn soft permutation.

    In training mode (or with ``hungarian_validation=False``) the loss is the Sinkhorn
    approximation of the PIT loss; in evaluation mode, and whenever ``return_est=True``, the
    exact best permutation of :meth:`PITLossWrapper.find_best_perm` is used.

    Args:
        loss_func (callable): a pairwise loss, ``loss_func(est, tgt, **kwargs)`` returning
            :math:`(B, S, S)` (e.g. ``pairwise_neg_sisdr``).
        n_iter (int): number of Sinkhorn normalisations (an even number: half are over rows,
            half over columns).
        hungarian_validation (bool): use the exact search in evaluation mode.

    The inverse temperature :attr:`beta` (10 by default) is set from outside, e.g. by a
    scheduler between epochs.

    Examples:
        >>> from asteroid.losses import pairwise_neg_sisdr
        >>> loss_func = SinkPITLossWrapper(pairwise_neg_sisdr, n_iter=200)
        >>> loss_func.beta = 5.0  # what a scheduler does between epochs
        >>> loss = loss_func(torch.randn(4, 3, 8000), torch.randn(4, 3, 8000))
    """

    def __init__(self, loss_func, n_iter=200, hungarian_validation=True):
        super().__init__()
        self.loss_func = loss_func
        self._beta = 10
        self.n_iter = n_iter
        self.hungarian_validation = hungarian_validation

    @property
    def beta(self):
        """Inverse temperature of the soft permutation (strictly positive)."""
        return self._beta

    @beta.setter
    def beta(self, beta):
        if not beta > 0:
            raise ValueError(f"beta must be strictly positive, got {beta}.")
        self._beta = beta

    def forward(self, est_targets, targets, return_est=False, **kwargs):
        r"""Soft (training) or exact (evaluation) PIT loss, averaged over the batch.

        Args:
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): targets :math:`(B, S, *)`.
            return_est (bool): also return the estimates reordered by the exact best
                permutation.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            torch.Tensor: the loss; with ``return_est`` a tuple ``(loss, reordered)``.
        """
        n_src = targets.shape[1]
        if n_src >= MAX_SOURCES:
            raise ValueError(
                f"Expected the source axis on dim 1 with fewer than {MAX_SOURCES} sources, "
                f"found {n_src} (shape {list(targets.shape)})."
            )
        pw_losses = self.loss_func(est_targets, targets, **kwargs)
        if pw_losses.shape != (targets.shape[0], n_src, n_src):
            raise ValueError(
                f"The pairwise losses must be of shape (batch, n_src, n_src) = "
                f"({targets.shape[0]}, {n_src}, {n_src}), got {list(pw_losses.shape)}."
            )
        if return_est or (not self.training and self.hungarian_validation):
            min_loss, batch_indices = PITLossWrapper.find_best_perm(pw_losses)
            mean_loss = torch.mean(min_loss)
            if not return_est:
                return mean_loss
            return mean_loss, PITLossWrapper.reorder_source(est_targets, batch_indices)
        min_loss, _ = self.best_softperm_sinkhorn(pw_losses, self._beta, self.n_iter)
        return torch.mean(min_loss)

    @staticmethod
    def best_softperm_sinkhorn(pair_wise_losses, beta=10, n_iter=200):
        r"""Approximate PIT loss and soft permutation by Sinkhorn's algorithm.

        With the cost :math:`C = ` ``pair_wise_losses`` transposed to (target, estimate),
        start from :math:`Z = -\beta C` and normalise the rows then the columns of
        :math:`\exp Z` in the log domain, ``n_iter // 2`` times each. The loss is
        :math:`\frac{1}{S} \sum_{t,e} (C + Z/\beta)_{te} \exp(Z_{te})`: the transport cost plus
        the entropy term of the regularised problem.

        Args:
            pair_wise_losses (torch.Tensor): :math:`(B, S, S)` pairwise losses.
            beta (float): inverse temperature.
            n_iter (int): number of normalisations.

        Returns:
            tuple: the loss :math:`(B,)` and the soft permutation :math:`(B, S, S)` indexed
            (target, estimate).
        """
        cost = pair_wise_losses.transpose(-1, -2)
        n_src = cost.shape[-1]
        log_p = -beta * cost
        for _ in range(n_iter // 2):
            log_p = log_p - torch.logsumexp(log_p, dim=1, keepdim=True)
            log_p = log_p - torch.logsumexp(log_p, dim=2, keepdim=True)
        soft_perm = torch.exp(log_p)
        min_loss = torch.einsum("bij,bij->b", cost + log_p / beta, soft_perm) / n_src
        return min_loss, soft_perm
