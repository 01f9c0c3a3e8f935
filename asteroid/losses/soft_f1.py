"""Soft F1 loss for frame-level voice activity detection."""

import torch
from torch.nn.modules.loss import _Loss

__all__ = ["F1_loss"]


class F1_loss(_Loss):
    r"""One minus the soft F1 score, pooled over the whole batch.

    Soft counts use the estimated probabilities :math:`p` and the binary targets :math:`y`:
    :math:`TP = \sum y p`, :math:`FP = \sum (1 - y) p`, :math:`FN = \sum y (1 - p)`; then
    precision :math:`P = TP / (TP + FP + \epsilon)`, recall :math:`R = TP / (TP + FN + \epsilon)`
    and the loss is :math:`1 - 2PR / (P + R + \epsilon)`.

    Args:
        eps (float): :math:`\epsilon`, keeps the ratios finite on empty inputs.

    Shape:
        - estimates: any shape, values in :math:`[0, 1]`.
        - targets: same shape, values in :math:`\{0, 1\}`.
        - Output: a scalar.
    """

    def __init__(self, eps=1e-10):
        super().__init__()
        self.eps = eps

    def forward(self, estimates: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        tp = (targets * estimates).sum()
        fp = ((1 - targets) * estimates).sum()
        fn = (targets * (1 - estimates)).sum()
        precision = tp / (tp + fp + self.eps)
        recall = tp / (tp + fn + self.eps)
        f1 = 2 * (precision * recall) / (precision + recall + self.eps)
        return 1 - f1.mean()
