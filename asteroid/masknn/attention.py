"""Dual-path transformer masker of DPTNet (Chen, Mao and Liu 2020)."""

import math
import warnings

from torch import nn

from . import activations, norms
from ._chunking import chunk, overlap_add
from .activations import _mask_activation
from .base import _check_masker_input

__all__ = ["ImprovedTransformedLayer", "DPTransformer"]


class ImprovedTransformedLayer(nn.Module):
    """Transformer layer whose feed-forward part is an LSTM (the DPTNet layer).

    Multi-head self-attention with a residual connection and norm, then LSTM,
    activation, dropout and linear projection with a residual connection and
    norm (post-norm residual structure).

    Args:
        embed_dim (int): feature channels :math:`N`.
        n_heads (int): attention heads (must divide ``embed_dim``).
        dim_ff (int): hidden units of the LSTM (per direction).
        dropout (float): dropout ratio in attention and after each sub-layer.
        activation (str): activation after the LSTM.
        bidirectional (bool): bidirectional LSTM.
        norm (str): norm identifier.

    Shape:
        - x: :math:`(batch, N, seq)`
        - output: same as ``x``.

    References:
        Chen, Mao and Liu, "Dual-Path Transformer Network: Direct Context-Aware
        Modeling for End-to-End Monaural Speech Separation", Interspeech 2020.
        https://arxiv.org/abs/2007.13975
    """

    def __init__(
        self,
        embed_dim,
        n_heads,
        dim_ff,
        dropout=0.0,
        activation="relu",
        bidirectional=True,
        norm="gLN",
    ):
        super().__init__()
        self.mha = nn.MultiheadAttention(embed_dim, n_heads, dropout=float(dropout))
        self.dropout = nn.Dropout(float(dropout))
        self.recurrent = nn.LSTM(embed_dim, dim_ff, bidirectional=bidirectional, batch_first=True)
        ff_inner_dim = 2 * dim_ff if bidirectional else dim_ff
        self.linear = nn.Linear(ff_inner_dim, embed_dim)
        self.activation = activations.get(activation)()
        self.norm_mha = norms.get(norm)(embed_dim)
        self.norm_ff = norms.get(norm)(embed_dim)

    def forward(self, x):
        seq_first = x.permute(2, 0, 1)  # seq, batch, N (the attention's layout)
        attended = self.mha(seq_first, seq_first, seq_first, need_weights=False)[0]
        x = self.norm_mha(self.dropout(attended.permute(1, 2, 0)) + x)  # batch, N, seq
        ff = self.recurrent(x.transpose(1, 2))[0]  # batch, seq, dim_ff * directions
        ff = self.linear(self.dropout(self.activation(ff)))  # batch, seq, N
        return self.norm_ff(self.dropout(ff.transpose(1, 2)) + x)  # batch, N, seq


class DPTransformer(nn.Module):
    """Dual-path transformer masker of DPTNet (Chen, Mao and Liu 2020).

    Input norm, segmentation into overlapping chunks, ``n_repeats`` pairs of
    :class:`ImprovedTransformedLayer` (inside each chunk, then across chunks),
    PReLU and 1x1 conv to ``n_src`` feature maps, overlap-add (averaged over the
    ``chunk_size / hop_size`` overlapping chunks), a tanh-sigmoid gated output
    and the mask non-linearity (across sources for softmax).

    When ``in_chan`` is not a multiple of ``n_heads``, a linear layer
    (``input_layer``) first maps it to the next multiple (with a warning).

    Args:
        in_chan (int): number of input filters (and mask bins).
        n_src (int): number of masks.
        n_heads (int): attention heads.
        ff_hid (int): hidden units of the LSTMs.
        chunk_size (int): frames per chunk.
        hop_size (int, optional): hop between chunks; ``chunk_size // 2`` when ``None``.
        n_repeats (int): number of dual-path layer pairs.
        norm_type (str): norm identifier.
        ff_activation (str): activation after the LSTMs.
        mask_act (str): output non-linearity.
        bidirectional (bool): bidirectional inter-chunk LSTMs (the intra-chunk
            ones always are).
        dropout (float): dropout ratio.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, in\\_chan, frames)`

    References:
        Chen, Mao and Liu, "Dual-Path Transformer Network: Direct Context-Aware
        Modeling for End-to-End Monaural Speech Separation", Interspeech 2020.
        https://arxiv.org/abs/2007.13975
    """

    def __init__(
        self,
        in_chan,
        n_src,
        n_heads=4,
        ff_hid=256,
        chunk_size=100,
        hop_size=None,
        n_repeats=6,
        norm_type="gLN",
        ff_activation="relu",
        mask_act="relu",
        bidirectional=True,
        dropout=0,
    ):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.n_heads = n_heads
        self.ff_hid = ff_hid
        self.chunk_size = chunk_size
        self.hop_size = hop_size if hop_size is not None else chunk_size // 2
        self.n_repeats = n_repeats
        self.norm_type = norm_type
        self.ff_activation = ff_activation
        self.mask_act = mask_act
        self.bidirectional = bidirectional
        self.dropout = dropout

        self.mha_in_dim = math.ceil(in_chan / n_heads) * n_heads
        if in_chan % n_heads != 0:
            warnings.warn(
                f"DPTransformer input dim ({in_chan}) is not a multiple of the number of heads "
                f"({n_heads}); adding a linear input layer ({in_chan} -> {self.mha_in_dim})."
            )
            self.input_layer = nn.Linear(in_chan, self.mha_in_dim)
        else:
            self.input_layer = None
        self.in_norm = norms.get(norm_type)(self.mha_in_dim)

        def layer(bidir):
            return ImprovedTransformedLayer(
                self.mha_in_dim, n_heads, ff_hid, dropout, ff_activation, bidir, norm_type
            )

        self.layers = nn.ModuleList(
            [nn.ModuleList([layer(True), layer(bidirectional)]) for _ in range(n_repeats)]
        )
        self.first_out = nn.Sequential(nn.PReLU(), nn.Conv2d(self.mha_in_dim, n_src * in_chan, 1))
        self.net_out = nn.Sequential(nn.Conv1d(in_chan, in_chan, 1), nn.Tanh())
        self.net_gate = nn.Sequential(nn.Conv1d(in_chan, in_chan, 1), nn.Sigmoid())
        self.output_act = _mask_activation(mask_act)

    def forward(self, mixture_w):
        _check_masker_input(mixture_w, self.in_chan, "DPTransformer")
        batch, n_frames = mixture_w.shape[0], mixture_w.shape[-1]
        if self.input_layer is not None:
            mixture_w = self.input_layer(mixture_w.transpose(1, 2)).transpose(1, 2)
        x = self.in_norm(mixture_w)  # batch, N, frames
        x = chunk(x, self.chunk_size, self.hop_size)  # batch, N, K, n_chunks
        n_feats, n_chunk = x.shape[1], x.shape[-1]
        for pair in self.layers:
            for path, layer in enumerate(pair):
                if path == 0:
                    # Inside each chunk: batch * n_chunks sequences of K frames.
                    seqs = x.permute(0, 3, 1, 2).reshape(batch * n_chunk, n_feats, self.chunk_size)
                    seqs = layer(seqs).view(batch, n_chunk, n_feats, self.chunk_size)
                    x = seqs.permute(0, 2, 3, 1)  # batch, N, K, n_chunks
                else:
                    # Across chunks: batch * K sequences of n_chunks frames.
                    seqs = x.permute(0, 2, 1, 3).reshape(batch * self.chunk_size, n_feats, n_chunk)
                    seqs = layer(seqs).view(batch, self.chunk_size, n_feats, n_chunk)
                    x = seqs.permute(0, 2, 1, 3)  # batch, N, K, n_chunks
        output = self.first_out(x)  # batch, n_src * in_chan, K, n_chunks
        output = output.reshape(batch * self.n_src, self.in_chan, self.chunk_size, n_chunk)
        output = overlap_add(output, n_frames, self.chunk_size, self.hop_size)
        output = output / (self.chunk_size / self.hop_size)  # mean over overlapping chunks
        output = self.net_out(output) * self.net_gate(output)  # batch * n_src, in_chan, frames
        output = output.view(batch, self.n_src, self.in_chan, n_frames)
        return self.output_act(output)

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "ff_hid": self.ff_hid,
            "n_heads": self.n_heads,
            "chunk_size": self.chunk_size,
            "hop_size": self.hop_size,
            "n_repeats": self.n_repeats,
            "n_src": self.n_src,
            "norm_type": self.norm_type,
            "ff_activation": self.ff_activation,
            "mask_act": self.mask_act,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
        }
