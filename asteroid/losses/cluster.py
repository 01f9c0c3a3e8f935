"""Deep clustering loss on time-frequency embeddings."""

from typing import List, Optional

import torch

__all__ = ["deep_clustering_loss", "batch_matrix_norm"]


def deep_clustering_loss(
    embedding: torch.Tensor, tgt_index: torch.Tensor, binary_mask: Optional[torch.Tensor] = None
) -> torch.Tensor:
    r"""Deep clustering loss of Hershey et al., in the low-rank form of Wang et al.

    With :math:`V` the (masked) embeddings and :math:`Y` the (masked) one-hot speaker
    assignments of the time-frequency bins, the loss is
    :math:`\|V^T V\|_F^2 + \|Y^T Y\|_F^2 - 2\|V^T Y\|_F^2`, divided by the number of active
    bins. The number of speakers is the number of distinct ids in the whole ``tgt_index``.

    Args:
        embedding (torch.Tensor): embeddings, flattened frequency-major: bin
            :math:`f \cdot L + l` holds frequency :math:`f`, frame :math:`l`.
        tgt_index (torch.Tensor): index of the dominant source of every bin (``long``).
        binary_mask (torch.Tensor, optional): which bins count (bool or float), e.g. from
            an energy VAD. Defaults to all bins.

    Returns:
        torch.Tensor: the loss of every example.

    Shape:
        - embedding: :math:`(B, F \cdot L, E)`.
        - tgt_index: :math:`(B, F, L)`.
        - binary_mask: :math:`(B, F, L)` or :math:`(B, F \cdot L, 1)`.
        - Output: :math:`(B,)`.

    References:
        Wang, Le Roux and Hershey, "Alternative objective functions for deep clustering",
        ICASSP 2018.
    """
    batch, bins, frames = tgt_index.shape
    if embedding.ndim != 3 or embedding.shape[0] != batch or embedding.shape[1] != bins * frames:
        raise ValueError(
            f"embedding must be of shape (batch, freq * frames, emb) = ({batch}, {bins * frames}, "
            f"emb) to match tgt_index {list(tgt_index.shape)}, got {list(embedding.shape)}."
        )
    spk_cnt = int(torch.unique(tgt_index).numel())
    if binary_mask is None:
        mask = torch.ones(batch, bins * frames, 1, device=embedding.device, dtype=embedding.dtype)
    else:
        mask = binary_mask.to(device=embedding.device, dtype=embedding.dtype)
        mask = mask.reshape(batch, bins * frames, 1)
    # One-hot speaker assignment of every bin: B, F*L, n_spk
    tgt_embedding = torch.zeros(
        batch, bins * frames, spk_cnt, device=embedding.device, dtype=embedding.dtype
    )
    tgt_embedding.scatter_(2, tgt_index.reshape(batch, bins * frames, 1).to(embedding.device), 1.0)
    tgt_embedding = tgt_embedding * mask
    embedding = embedding * mask
    est_proj = torch.einsum("bnk,bnl->bkl", embedding, embedding)  # B, E, E
    true_proj = torch.einsum("bnk,bnl->bkl", tgt_embedding, tgt_embedding)  # B, n_spk, n_spk
    true_est_proj = torch.einsum("bnk,bnl->bkl", embedding, tgt_embedding)  # B, E, n_spk
    cost = batch_matrix_norm(est_proj) + batch_matrix_norm(true_proj)
    cost = cost - 2 * batch_matrix_norm(true_est_proj)
    return cost / torch.sum(mask, dim=[1, 2])


def batch_matrix_norm(matrix: torch.Tensor, norm_order: int = 2) -> torch.Tensor:
    r"""Entry-wise :math:`p`-norm to the power :math:`p` of each example of a batch.

    Args:
        matrix (torch.Tensor): any tensor with a leading batch dimension.
        norm_order (int): :math:`p`.

    Returns:
        torch.Tensor: :math:`\sum |m|^p` over every non-batch dimension, shape :math:`(B,)`.
    """
    keep_batch: List[int] = list(range(1, matrix.ndim))
    return torch.sum(torch.abs(matrix) ** norm_order, dim=keep_batch)
