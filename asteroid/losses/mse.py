"""Mean squared error losses, pairwise and per example."""

from typing import List

import torch
from torch.nn.modules.loss import _Loss

__all__ = [
    "PairwiseMSE",
    "SingleSrcMSE",
    "MultiSrcMSE",
    "pairwise_mse",
    "singlesrc_mse",
    "multisrc_mse",
]


class PairwiseMSE(_Loss):
    r"""Mean squared error between every estimate and every target.

    Shape:
        - est_targets: :math:`(B, S, *)`, at least 3-D.
        - targets: :math:`(B, S, *)`, same shape.
        - Output: :math:`(B, S, S)`, entry :math:`[b, i, j]` is the MSE of estimate :math:`i`
          against target :math:`j`, averaged over every dimension after the source axis.

    Raises:
        TypeError: if the inputs are less than 3-D or do not have the same shape.
    """

    def forward(self, est_targets: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if targets.size() != est_targets.size() or targets.ndim < 3:
            raise TypeError(
                f"Inputs must be of shape [batch, n_src, *], got {targets.size()} and "
                f"{est_targets.size()} instead"
            )
        # B, S_est, 1, * against B, 1, S_tgt, *
        pw_loss = (targets.unsqueeze(1) - est_targets.unsqueeze(2)) ** 2
        mean_over: List[int] = list(range(3, pw_loss.ndim))
        return pw_loss.mean(dim=mean_over)


class SingleSrcMSE(_Loss):
    r"""Mean squared error per example, with or without a source axis.

    Shape:
        - est_targets: :math:`(B, *)`, at least 2-D.
        - targets: :math:`(B, *)`, same shape.
        - Output: :math:`(B,)`, the mean over every non-batch dimension.

    Raises:
        TypeError: if the inputs are less than 2-D or do not have the same shape.
    """

    def forward(self, est_targets: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if targets.size() != est_targets.size() or targets.ndim < 2:
            raise TypeError(
                f"Inputs must be of shape [batch, *], got {targets.size()} and "
                f"{est_targets.size()} instead"
            )
        loss = (targets - est_targets) ** 2
        mean_over: List[int] = list(range(1, loss.ndim))
        return loss.mean(dim=mean_over)


# Published alias: the multi-source MSE is the same computation.
MultiSrcMSE = SingleSrcMSE

pairwise_mse = PairwiseMSE()
singlesrc_mse = SingleSrcMSE()
multisrc_mse = MultiSrcMSE()
