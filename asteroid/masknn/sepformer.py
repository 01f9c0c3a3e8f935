"""SepFormer's masker (Subakan et al. 2021): dual-path transformers without recurrence.

The features are cut into overlapping chunks; each dual-path block runs a stack of
transformer layers inside every chunk (intra-chunk, short-term dependencies) and another
across chunks (inter-chunk, long-term dependencies). Unlike DPTNet's layers
(:class:`~asteroid.masknn.attention.ImprovedTransformedLayer`), the feed-forward part is
two linear layers, and order comes from sinusoidal positional encodings.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from . import activations, norms
from ._chunking import chunk, overlap_add
from .activations import _mask_activation
from .base import _check_masker_input

__all__ = ["SelfAttention", "TransformerLayer", "TransformerStack", "SepFormerMasker"]


def sinusoidal_positions(length: int, dim: int, dtype: torch.dtype, device: torch.device):
    """Sinusoidal positional encodings (Vaswani et al. 2017) of ``length`` positions.

    Channel :math:`2i` of position :math:`p` is :math:`\\sin(p / 10000^{2i/d})` and
    channel :math:`2i + 1` the cosine of the same angle.

    Returns:
        torch.Tensor: :math:`(length, dim)`.
    """
    position = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)  # L, 1
    freqs = torch.exp(
        torch.arange(0, dim, 2, dtype=torch.float32, device=device) * (-math.log(10000.0) / dim)
    )  # dim / 2
    angles = position * freqs  # L, dim / 2
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1).to(dtype)  # L, dim


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention.

    One linear layer makes the queries, keys and values of all heads, another projects the
    concatenated heads back (the parameters of :class:`torch.nn.MultiheadAttention`).

    Args:
        embed_dim (int): features :math:`d`, a multiple of ``n_heads``.
        n_heads (int): heads.
        dropout (float): dropout on the attention weights, in training.

    Shape:
        - x: :math:`(batch, seq, d)`
        - output: same as ``x``.
    """

    def __init__(self, embed_dim, n_heads, dropout=0.0):
        super().__init__()
        if embed_dim % n_heads != 0:
            raise ValueError(
                f"The attention's feature size ({embed_dim}) must be a multiple of its number "
                f"of heads ({n_heads})."
            )
        self.n_heads = n_heads
        self.dropout = dropout
        self.in_proj = nn.Linear(embed_dim, 3 * embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # B: batch, L: sequence, H: heads, d: features
        batch, length, dim = x.shape
        qkv = self.in_proj(x).view(batch, length, 3, self.n_heads, dim // self.n_heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # 3, B, H, L, d / H
        dropout = self.dropout if self.training else 0.0
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], dropout_p=dropout)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, dim))  # B, L, d


class TransformerLayer(nn.Module):
    """Pre-norm transformer encoder layer: self-attention, then a feed-forward network.

    :math:`x + \\mathrm{MHA}(\\mathrm{LN}(x))`, then
    :math:`x + W_2\\, \\sigma(W_1 \\mathrm{LN}(x))`, with dropout after each sub-layer.

    Args:
        embed_dim (int): features :math:`d`.
        n_heads (int): attention heads.
        ff_hid (int): hidden units of the feed-forward network.
        dropout (float): dropout ratio.
        ff_activation (str): activation of the feed-forward network
            (:mod:`~asteroid.masknn.activations` name).
        eps (float): epsilon of the layer norms.

    Shape:
        - x: :math:`(batch, seq, d)`
        - output: same as ``x``.
    """

    def __init__(self, embed_dim, n_heads, ff_hid, dropout=0.0, ff_activation="relu", eps=1e-6):
        super().__init__()
        self.norm_attn = nn.LayerNorm(embed_dim, eps=eps)
        self.attention = SelfAttention(embed_dim, n_heads, dropout)
        self.norm_ff = nn.LayerNorm(embed_dim, eps=eps)
        self.feed_forward = nn.Sequential(
            nn.Linear(embed_dim, ff_hid),
            activations.get(ff_activation)(),
            nn.Dropout(dropout),
            nn.Linear(ff_hid, embed_dim),
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout(self.attention(self.norm_attn(x)))
        return x + self.dropout(self.feed_forward(self.norm_ff(x)))


class TransformerStack(nn.Module):
    """Positional encodings, :math:`K` :class:`TransformerLayer` and a final layer norm.

    Args:
        embed_dim (int): features :math:`d`.
        n_layers (int): layers :math:`K`.
        n_heads (int): attention heads.
        ff_hid (int): hidden units of the feed-forward networks.
        dropout (float): dropout ratio.
        ff_activation (str): activation of the feed-forward networks.
        positional_encoding (bool): add sinusoidal positional encodings to the input.

    Shape:
        - x: :math:`(batch, seq, d)`
        - output: same as ``x``.
    """

    def __init__(
        self,
        embed_dim,
        n_layers=8,
        n_heads=8,
        ff_hid=1024,
        dropout=0.0,
        ff_activation="relu",
        positional_encoding=True,
    ):
        super().__init__()
        self.positional_encoding = positional_encoding
        self.layers = nn.ModuleList(
            [
                TransformerLayer(embed_dim, n_heads, ff_hid, dropout, ff_activation)
                for _ in range(n_layers)
            ]
        )
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.positional_encoding:
            x = x + sinusoidal_positions(x.shape[1], x.shape[2], x.dtype, x.device)
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


class _DualPathBlock(nn.Module):
    """Intra-chunk then inter-chunk :class:`TransformerStack`, each normed, with residuals.

    Shape:
        - x: :math:`(B, N, K, n\\_chunks)`
        - output: same as ``x``.
    """

    def __init__(self, embed_dim, norm_type, **stack_kwargs):
        super().__init__()
        self.intra = TransformerStack(embed_dim, **stack_kwargs)
        self.intra_norm = norms.get(norm_type)(embed_dim)
        self.inter = TransformerStack(embed_dim, **stack_kwargs)
        self.inter_norm = norms.get(norm_type)(embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # B: batch, N: features, K: chunk size, C: chunks
        batch, n_feats, chunk_size, n_chunks = x.shape
        # Inside each chunk: B * C sequences of K frames.
        seqs = x.permute(0, 3, 2, 1).reshape(batch * n_chunks, chunk_size, n_feats)
        intra = self.intra(seqs).view(batch, n_chunks, chunk_size, n_feats).permute(0, 3, 2, 1)
        x = x + self.intra_norm(intra)  # B, N, K, C
        # Across chunks: B * K sequences of C chunks.
        seqs = x.permute(0, 2, 3, 1).reshape(batch * chunk_size, n_chunks, n_feats)
        inter = self.inter(seqs).view(batch, chunk_size, n_chunks, n_feats).permute(0, 3, 1, 2)
        return x + self.inter_norm(inter)  # B, N, K, C


class SepFormerMasker(nn.Module):
    """Dual-path transformer masker of SepFormer (Subakan et al. 2021).

    Input norm and a 1x1 convolution, segmentation into chunks of :math:`K` frames every
    ``hop_size`` frames, ``n_repeats`` dual-path blocks (an intra-chunk then an inter-chunk
    :class:`TransformerStack` of ``n_layers`` layers, each output normed and added to its
    input), PReLU and 1x1 convolution to ``n_src`` feature maps, overlap-add (averaged over
    the ``chunk_size / hop_size`` overlapping chunks), a tanh-sigmoid gated output, a 1x1
    convolution and the mask non-linearity.

    Args:
        in_chan (int): input features :math:`N` (and mask bins); a multiple of ``n_heads``.
        n_src (int): number of masks.
        n_heads (int): attention heads.
        ff_hid (int): hidden units of the feed-forward networks.
        chunk_size (int): frames per chunk :math:`K`.
        hop_size (int, optional): hop between chunks; ``chunk_size // 2`` when ``None``.
        n_repeats (int): dual-path blocks.
        n_layers (int): transformer layers of each intra- and inter-chunk stack.
        norm_type (str): norm of the input and of the blocks' outputs.
        ff_activation (str): activation of the feed-forward networks.
        mask_act (str): output non-linearity.
        dropout (float): dropout ratio.
        positional_encoding (bool): add sinusoidal positional encodings in each stack.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, in\\_chan, frames)`

    References:
        Cem Subakan, Mirco Ravanelli, Samuele Cornell, Mirko Bronzi and Jianyuan Zhong,
        "Attention is All You Need in Speech Separation", ICASSP 2021.
        https://arxiv.org/abs/2010.13154
    """

    def __init__(
        self,
        in_chan,
        n_src,
        n_heads=8,
        ff_hid=1024,
        chunk_size=250,
        hop_size=None,
        n_repeats=2,
        n_layers=8,
        norm_type="gLN",
        ff_activation="relu",
        mask_act="relu",
        dropout=0.0,
        positional_encoding=True,
    ):
        super().__init__()
        if in_chan % n_heads != 0:
            raise ValueError(
                f"in_chan ({in_chan}) must be a multiple of n_heads ({n_heads}): the "
                "transformers work on the input features."
            )
        hop_size = chunk_size // 2 if hop_size is None else hop_size
        if not 1 <= hop_size <= chunk_size:
            raise ValueError(
                f"Expected 1 <= hop_size <= chunk_size, got hop_size={hop_size}, "
                f"chunk_size={chunk_size}."
            )
        self.in_chan = in_chan
        self.n_src = n_src
        self.n_heads = n_heads
        self.ff_hid = ff_hid
        self.chunk_size = chunk_size
        self.hop_size = hop_size
        self.n_repeats = n_repeats
        self.n_layers = n_layers
        self.norm_type = norm_type
        self.ff_activation = ff_activation
        self.mask_act = mask_act
        self.dropout = dropout
        self.positional_encoding = positional_encoding

        self.in_norm = norms.get(norm_type)(in_chan)
        self.in_conv = nn.Conv1d(in_chan, in_chan, 1, bias=False)
        self.blocks = nn.ModuleList(
            [
                _DualPathBlock(
                    in_chan,
                    norm_type,
                    n_layers=n_layers,
                    n_heads=n_heads,
                    ff_hid=ff_hid,
                    dropout=dropout,
                    ff_activation=ff_activation,
                    positional_encoding=positional_encoding,
                )
                for _ in range(n_repeats)
            ]
        )
        self.first_out = nn.Sequential(nn.PReLU(), nn.Conv2d(in_chan, n_src * in_chan, 1))
        self.net_out = nn.Sequential(nn.Conv1d(in_chan, in_chan, 1), nn.Tanh())
        self.net_gate = nn.Sequential(nn.Conv1d(in_chan, in_chan, 1), nn.Sigmoid())
        self.out_conv = nn.Conv1d(in_chan, in_chan, 1, bias=False)
        self.output_act = _mask_activation(mask_act)

    def forward(self, mixture_w: torch.Tensor) -> torch.Tensor:
        # B: batch, N: features, L: frames, K: chunk size, C: chunks, S: sources
        _check_masker_input(mixture_w, self.in_chan, "SepFormerMasker")
        batch, n_frames = mixture_w.shape[0], mixture_w.shape[-1]
        x = self.in_conv(self.in_norm(mixture_w))  # B, N, L
        x = chunk(x, self.chunk_size, self.hop_size)  # B, N, K, C
        for block in self.blocks:
            x = block(x)  # B, N, K, C
        x = self.first_out(x)  # B, S * N, K, C
        x = x.reshape(batch * self.n_src, self.in_chan, self.chunk_size, x.shape[-1])
        x = overlap_add(x, n_frames, self.chunk_size, self.hop_size)  # B * S, N, L
        x = x / (self.chunk_size / self.hop_size)  # mean over the overlapping chunks
        x = self.out_conv(self.net_out(x) * self.net_gate(x))  # B * S, N, L
        return self.output_act(x.view(batch, self.n_src, self.in_chan, n_frames))

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "n_src": self.n_src,
            "n_heads": self.n_heads,
            "ff_hid": self.ff_hid,
            "chunk_size": self.chunk_size,
            "hop_size": self.hop_size,
            "n_repeats": self.n_repeats,
            "n_layers": self.n_layers,
            "norm_type": self.norm_type,
            "ff_activation": self.ff_activation,
            "mask_act": self.mask_act,
            "dropout": self.dropout,
            "positional_encoding": self.positional_encoding,
        }
