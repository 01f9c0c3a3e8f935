"""Transform-Average-Concatenate block of FasNet-TAC (Luo et al. 2020)."""

from typing import Optional

import torch
from torch import nn

from . import activations, norms

__all__ = ["TAC"]


class TAC(nn.Module):
    """Transform-Average-Concatenate: permutation-invariant communication between microphones.

    Each microphone's features are transformed (``input_tf``), averaged over
    the (valid) microphones and transformed again (``avg_tf``); the average is
    concatenated to each microphone's features and projected back
    (``concat_tf``), normalised (``norm``) and added to the input. Everything
    is applied independently at every position of the chunked sequence.

    Args:
        input_dim (int): features per microphone, :math:`N`.
        hidden_dim (int): hidden features of the three transforms.
        activation (str): activation after each transform.
        norm_type (str): norm identifier.

    Shape:
        - x: :math:`(batch, mics, N, chunk\\_size, n\\_chunks)`
        - valid_mics: :math:`(batch,)` integer tensor, the number of real
          microphones of each example (the others are padding and left out of
          the average); all microphones when ``None``.
        - output: same as ``x``.

    References:
        Luo et al., "End-to-end Microphone Permutation and Number Invariant
        Multi-channel Speech Separation", ICASSP 2020. https://arxiv.org/abs/1910.14104
    """

    def __init__(self, input_dim, hidden_dim=384, activation="prelu", norm_type="gLN"):
        super().__init__()
        self.input_dim = input_dim
        self.hidden_dim = hidden_dim
        self.activation = activation
        self.norm_type = norm_type
        act = activations.get(activation)
        self.input_tf = nn.Sequential(nn.Linear(input_dim, hidden_dim), act())
        self.avg_tf = nn.Sequential(nn.Linear(hidden_dim, hidden_dim), act())
        self.concat_tf = nn.Sequential(nn.Linear(2 * hidden_dim, input_dim), act())
        self.norm = norms.get(norm_type)(input_dim)

    def forward(self, x, valid_mics: Optional[torch.Tensor] = None):
        if x.dim() != 5 or x.shape[2] != self.input_dim:
            raise ValueError(
                f"TAC expects an input of shape (batch, mics, {self.input_dim}, chunk_size, "
                f"n_chunks), got {x.shape}."
            )
        batch, n_mics, n_feats, chunk_size, n_chunk = x.shape
        # Features last, so that the linear layers act on them: batch, K, n_chunks, mics, N.
        out = self.input_tf(x.permute(0, 3, 4, 1, 2))  # batch, K, n_chunks, mics, H
        if valid_mics is None:
            mics_mean = out.mean(3)
        else:
            if valid_mics.dim() != 1 or valid_mics.shape[0] != batch:
                raise ValueError(f"valid_mics must have shape ({batch},), got {valid_mics.shape}.")
            if bool((valid_mics < 1).any()) or bool((valid_mics > n_mics).any()):
                raise ValueError(f"valid_mics must be between 1 and {n_mics}, got {valid_mics}.")
            # Average over the first valid_mics[b] microphones of example b.
            mic_idx = torch.arange(n_mics, device=x.device)
            weights = (mic_idx.unsqueeze(0) < valid_mics.to(x.device).unsqueeze(1)).to(out.dtype)
            weights = weights / weights.sum(1, keepdim=True)  # batch, mics
            mics_mean = (out * weights.view(batch, 1, 1, n_mics, 1)).sum(3)
        mics_mean = self.avg_tf(mics_mean)  # batch, K, n_chunks, H
        out = torch.cat([out, mics_mean.unsqueeze(3).expand_as(out)], dim=-1)
        out = self.concat_tf(out)  # batch, K, n_chunks, mics, N
        out = out.permute(0, 3, 4, 1, 2).reshape(batch * n_mics, n_feats, chunk_size, n_chunk)
        out = self.norm(out).view(batch, n_mics, n_feats, chunk_size, n_chunk)
        return out + x

    def get_config(self):
        """Keyword arguments that rebuild this block."""
        return {
            "input_dim": self.input_dim,
            "hidden_dim": self.hidden_dim,
            "activation": self.activation,
            "norm_type": self.norm_type,
        }
