r"""Permutation invariant training (PIT): the loss of the best estimate-to-target matching.

Index conventions used throughout:

* a pairwise loss matrix ``pw_losses[b, i, j]`` is the loss of estimate :math:`i` against
  target :math:`j`;
* a permutation ``batch_indices[b, t]`` is the index of the estimate matched to target
  :math:`t`, so that ``reorder_source(est, batch_indices)[b, t]`` is the estimate of target
  :math:`t`.

References:
    Yu, Kolbaek, Tan and Jensen, "Permutation invariant training of deep models for
    speaker-independent multi-talker speech separation", ICASSP 2017.
"""

from itertools import permutations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import nn

__all__ = ["PITLossWrapper", "PITReorder"]

PIT_MODES = ("pw_mtx", "pw_pt", "perm_avg")
PERM_SEARCHES = ("auto", "factorial", "hungarian")
# The exhaustive search handles at most this many sources (9! = 362880 permutations).
MAX_SOURCES = 10
# With perm_search="auto", the exhaustive search is used up to this many sources.
AUTO_FACTORIAL_MAX_SOURCES = 3


class PITLossWrapper(nn.Module):
    r"""Permutation invariant wrapper around a loss function.

    Args:
        loss_func (callable): the loss, called as ``loss_func(est, tgt, **kwargs)``. What it
            computes depends on ``pit_from``.
        pit_from (str): how the loss relates to permutations:

            * ``"pw_mtx"`` (pairwise matrix): ``loss_func`` takes :math:`(B, S, *)` tensors and
              returns the pairwise matrix :math:`(B, S, S)` (e.g. ``pairwise_neg_sisdr``).
            * ``"pw_pt"`` (pairwise point): ``loss_func`` takes one estimate and one target
              :math:`(B, *)` and returns :math:`(B,)` (e.g. ``singlesrc_neg_sisdr``); the
              matrix is filled by :meth:`get_pw_losses`.
            * ``"perm_avg"`` (permutation average): ``loss_func`` takes whole source sets
              :math:`(B, S, *)` in a given order and returns :math:`(B,)` (e.g.
              ``multisrc_neg_sisdr``); every permutation is evaluated, so this is the slowest.

        perm_reduce (callable, optional): how the :math:`S` matched pairwise losses of a
            permutation reduce to one number, called as ``perm_reduce(pwl_set, **reduce_kwargs)``
            with ``pwl_set`` of shape :math:`(B, S!, S)` and returning :math:`(B, S!)`. Defaults
            to the mean. Forces the exhaustive search. Not used with ``"perm_avg"``.
        perm_search (str): ``"auto"`` (exhaustive up to 3 sources, Hungarian above),
            ``"factorial"`` (always exhaustive) or ``"hungarian"`` (always
            :func:`scipy.optimize.linear_sum_assignment`). Both give the same loss.

    Examples:
        >>> from asteroid.losses import pairwise_neg_sisdr
        >>> sources, est_sources = torch.randn(4, 3, 8000), torch.randn(4, 3, 8000)
        >>> loss_func = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")
        >>> loss, reordered = loss_func(est_sources, sources, return_est=True)
        >>> # Weight each matched pair by its target's energy before the search:
        >>> def weighted_mean(pwl_set, weights):
        ...     return torch.mean(pwl_set * weights[:, None], dim=-1)
        >>> loss_func = PITLossWrapper(pairwise_neg_sisdr, perm_reduce=weighted_mean)
        >>> loss = loss_func(est_sources, sources, reduce_kwargs={"weights": sources.pow(2).mean(-1)})
    """

    def __init__(self, loss_func, pit_from="pw_mtx", perm_reduce=None, perm_search="auto"):
        super().__init__()
        if pit_from not in PIT_MODES:
            raise ValueError(
                f"Unsupported pit_from {pit_from!r}; expected one of {list(PIT_MODES)}."
            )
        _check_perm_search(perm_search, perm_reduce)
        self.loss_func = loss_func
        self.pit_from = pit_from
        self.perm_reduce = perm_reduce
        self.perm_search = perm_search

    def forward(self, est_targets, targets, return_est=False, reduce_kwargs=None, **kwargs):
        r"""Loss of the best permutation, averaged over the batch.

        Args:
            est_targets (torch.Tensor): the estimates, sources on dim 1.
            targets (torch.Tensor): the targets, same shape.
            return_est (bool): also return the estimates reordered to match the targets.
            reduce_kwargs (dict, optional): keyword arguments of ``perm_reduce``.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            torch.Tensor: the scalar loss; with ``return_est`` a tuple ``(loss, reordered)``.

        Shape:
            - est_targets: :math:`(B, S, *)`.
            - targets: :math:`(B, S, *)`.
            - reordered: :math:`(B, S, *)`, ``reordered[:, t]`` is the estimate of target
              :math:`t`.
        """
        _check_pit_inputs(est_targets, targets)
        if self.pit_from == "perm_avg":
            min_loss, batch_indices = self.best_perm_from_perm_avg_loss(
                self.loss_func, est_targets, targets, **kwargs
            )
        else:
            if self.pit_from == "pw_mtx":
                pw_losses = self.loss_func(est_targets, targets, **kwargs)
            else:
                pw_losses = self.get_pw_losses(self.loss_func, est_targets, targets, **kwargs)
            n_src = targets.shape[1]
            if pw_losses.shape != (targets.shape[0], n_src, n_src):
                raise ValueError(
                    f"The pairwise losses must be of shape (batch, n_src, n_src) = "
                    f"({targets.shape[0]}, {n_src}, {n_src}), got {list(pw_losses.shape)}. "
                    f"With pit_from='pw_mtx' the loss must be a pairwise one (e.g. "
                    f"pairwise_neg_sisdr)."
                )
            min_loss, batch_indices = self.find_best_perm(
                pw_losses,
                perm_reduce=self.perm_reduce,
                perm_search=self.perm_search,
                **(reduce_kwargs or {}),
            )
        mean_loss = torch.mean(min_loss)
        if not return_est:
            return mean_loss
        return mean_loss, self.reorder_source(est_targets, batch_indices)

    @staticmethod
    def get_pw_losses(loss_func, est_targets, targets, **kwargs):
        r"""Pairwise loss matrix of a loss that takes one estimate and one target.

        Args:
            loss_func (callable): ``loss_func(est, tgt, **kwargs)`` on :math:`(B, *)` tensors,
                returning :math:`(B,)`.
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): targets :math:`(B, S, *)`.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            torch.Tensor: :math:`(B, S, S)`, entry :math:`[b, i, j]` is the loss of estimate
            :math:`i` against target :math:`j`.
        """
        n_src = targets.shape[1]
        rows = [
            torch.stack(
                [loss_func(est_targets[:, i], targets[:, j], **kwargs) for j in range(n_src)],
                dim=-1,
            )
            for i in range(n_src)
        ]
        return torch.stack(rows, dim=1)

    @staticmethod
    def best_perm_from_perm_avg_loss(loss_func, est_targets, targets, **kwargs):
        r"""Best permutation of a loss that scores whole (permuted) source sets.

        Args:
            loss_func (callable): ``loss_func(est, tgt, **kwargs)`` on :math:`(B, S, *)`
                tensors, returning :math:`(B,)`.
            est_targets (torch.Tensor): estimates :math:`(B, S, *)`.
            targets (torch.Tensor): targets :math:`(B, S, *)`.
            **kwargs: keyword arguments of ``loss_func``.

        Returns:
            tuple: the best loss :math:`(B,)` and the permutation :math:`(B, S)`.
        """
        n_src = targets.shape[1]
        perms = torch.tensor(list(permutations(range(n_src))), dtype=torch.long)
        loss_set = torch.stack(
            [loss_func(est_targets[:, perm], targets, **kwargs) for perm in perms], dim=1
        )  # B, S!
        min_loss, min_loss_idx = torch.min(loss_set, dim=1)
        batch_indices = perms.to(min_loss_idx.device)[min_loss_idx]
        return min_loss, batch_indices

    @staticmethod
    def find_best_perm(pair_wise_losses, perm_reduce=None, perm_search="auto", **kwargs):
        r"""Best permutation given the pairwise losses.

        Args:
            pair_wise_losses (torch.Tensor): :math:`(B, S, S)`, entry :math:`[b, i, j]` is the
                loss of estimate :math:`i` against target :math:`j`.
            perm_reduce (callable, optional): see :class:`PITLossWrapper`; forces the
                exhaustive search.
            perm_search (str): ``"auto"``, ``"factorial"`` or ``"hungarian"``.
            **kwargs: keyword arguments of ``perm_reduce``.

        Returns:
            tuple: the loss of the best permutation :math:`(B,)` and the permutation
            :math:`(B, S)` (estimate index of each target).
        """
        _check_perm_search(perm_search, perm_reduce)
        n_src = pair_wise_losses.shape[-1]
        use_factorial = perm_search == "factorial" or (
            perm_search == "auto"
            and (perm_reduce is not None or n_src <= AUTO_FACTORIAL_MAX_SOURCES)
        )
        if use_factorial:
            return PITLossWrapper.find_best_perm_factorial(
                pair_wise_losses, perm_reduce=perm_reduce, **kwargs
            )
        return PITLossWrapper.find_best_perm_hungarian(pair_wise_losses)

    @staticmethod
    def reorder_source(source, batch_indices):
        r"""Reorder the sources of each example by a permutation.

        Args:
            source (torch.Tensor): :math:`(B, S, *)`.
            batch_indices (torch.Tensor): :math:`(B, S)` long, output source :math:`t` of
                example :math:`b` is input source ``batch_indices[b, t]``.

        Returns:
            torch.Tensor: the reordered sources, :math:`(B, S, *)`.
        """
        batch_idx = torch.arange(source.shape[0], device=source.device)[:, None]
        return source[batch_idx, batch_indices.to(source.device)]

    @staticmethod
    def find_best_perm_factorial(pair_wise_losses, perm_reduce=None, **kwargs):
        r"""Best permutation by evaluating all :math:`S!` permutations.

        Args:
            pair_wise_losses (torch.Tensor): :math:`(B, S, S)` pairwise losses.
            perm_reduce (callable, optional): reduction of the matched losses
                :math:`(B, S!, S) \to (B, S!)`; the mean if ``None``.
            **kwargs: keyword arguments of ``perm_reduce``.

        Returns:
            tuple: the best loss :math:`(B,)` and the permutation :math:`(B, S)`.
        """
        n_src = pair_wise_losses.shape[-1]
        if n_src >= MAX_SOURCES:
            raise ValueError(
                f"The exhaustive permutation search handles fewer than {MAX_SOURCES} sources, "
                f"got {n_src}; use perm_search='hungarian'."
            )
        # B, target, estimate
        pwl = pair_wise_losses.transpose(-1, -2)
        perms = torch.tensor(
            list(permutations(range(n_src))), dtype=torch.long, device=pwl.device
        )  # S!, S
        # Matched losses of every permutation: pwl_set[b, p, t] = pwl[b, t, perms[p, t]]
        pwl_set = pwl[:, torch.arange(n_src, device=pwl.device), perms]  # B, S!, S
        if perm_reduce is None:
            loss_set = torch.mean(pwl_set, dim=-1)
        else:
            loss_set = perm_reduce(pwl_set, **kwargs)
        min_loss, min_loss_idx = torch.min(loss_set, dim=1)
        return min_loss, perms[min_loss_idx]

    @staticmethod
    def find_best_perm_hungarian(pair_wise_losses):
        r"""Best permutation by the Hungarian algorithm, :math:`O(S^3)` per example.

        The assignment is solved on a detached CPU copy; the returned loss is gathered from
        ``pair_wise_losses`` so it keeps its gradient.

        Args:
            pair_wise_losses (torch.Tensor): :math:`(B, S, S)` pairwise losses.

        Returns:
            tuple: the best loss :math:`(B,)` and the permutation :math:`(B, S)`.
        """
        pwl = pair_wise_losses.transpose(-1, -2)  # B, target, estimate
        costs = pwl.detach().cpu().double().numpy()
        batch_indices = np.stack([linear_sum_assignment(cost)[1] for cost in costs])
        batch_indices = torch.from_numpy(batch_indices).long().to(pwl.device)
        min_loss = torch.gather(pwl, 2, batch_indices[..., None]).mean([-1, -2])
        return min_loss, batch_indices


class PITReorder(PITLossWrapper):
    """Permutation invariant reordering: returns only the reordered estimates.

    Same constructor as :class:`PITLossWrapper`; used to align chunks in overlap-add.
    """

    def forward(self, est_targets, targets, reduce_kwargs=None, **kwargs):
        """Estimates reordered to match the targets, :math:`(B, S, *)`."""
        _, reordered = super().forward(
            est_targets=est_targets,
            targets=targets,
            return_est=True,
            reduce_kwargs=reduce_kwargs,
            **kwargs,
        )
        return reordered


def _check_perm_search(perm_search, perm_reduce):
    if perm_search not in PERM_SEARCHES:
        raise ValueError(
            f"Unknown perm_search {perm_search!r}; expected one of {list(PERM_SEARCHES)}."
        )
    if perm_search == "hungarian" and perm_reduce is not None:
        raise ValueError(
            "perm_reduce needs the exhaustive search: use perm_search='auto' or 'factorial'."
        )


def _check_pit_inputs(est_targets, targets):
    if est_targets.ndim < 2 or targets.ndim < 2:
        raise ValueError(
            f"PIT expects (batch, n_src, *) tensors, got shapes {list(est_targets.shape)} "
            f"and {list(targets.shape)}."
        )
    if est_targets.shape[:2] != targets.shape[:2]:
        raise ValueError(
            f"Estimates and targets must have the same batch size and number of sources, got "
            f"{list(est_targets.shape)} and {list(targets.shape)}."
        )
    n_src = targets.shape[1]
    if n_src >= MAX_SOURCES:
        raise ValueError(
            f"Expected the source axis on dim 1 with fewer than {MAX_SOURCES} sources, found "
            f"{n_src} (shape {list(targets.shape)})."
        )
