"""Dual-path RNN masker (Luo, Chen and Yoshioka 2020)."""

from torch import nn

from . import norms
from ._chunking import chunk, overlap_add
from .activations import _mask_activation
from .base import _check_masker_input
from .rnn import MulCatRNN, SingleRNN

__all__ = ["DPRNNBlock", "DPRNN"]


class DPRNNBlock(nn.Module):
    """Dual-path block: an RNN inside each chunk, then an RNN across chunks.

    Each path is RNN, linear projection back to ``in_chan``, norm, and a
    residual connection. The intra-chunk RNN is always bidirectional.

    Args:
        in_chan (int): feature channels :math:`N`.
        hid_size (int): hidden units of the RNNs (per direction).
        norm_type (str): norm identifier (``"gLN"``, ``"cLN"``, ...).
        bidirectional (bool): whether the inter-chunk RNN is bidirectional.
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        use_mulcat (bool): use :class:`~asteroid.masknn.rnn.MulCatRNN` layers.
        num_layers (int): layers of each RNN.
        dropout (float): dropout between RNN layers.

    Shape:
        - x: :math:`(batch, N, chunk\\_size, n\\_chunks)`
        - output: same as ``x``.

    References:
        Luo, Chen and Yoshioka, "Dual-path RNN: efficient long sequence modeling
        for time-domain single-channel speech separation", ICASSP 2020.
        https://arxiv.org/abs/1910.06379
    """

    def __init__(
        self,
        in_chan,
        hid_size,
        norm_type="gLN",
        bidirectional=True,
        rnn_type="LSTM",
        use_mulcat=False,
        num_layers=1,
        dropout=0,
    ):
        super().__init__()
        rnn_cls = MulCatRNN if use_mulcat else SingleRNN
        self.intra_RNN = rnn_cls(
            rnn_type, in_chan, hid_size, num_layers, dropout=dropout, bidirectional=True
        )
        self.inter_RNN = rnn_cls(
            rnn_type, in_chan, hid_size, num_layers, dropout=dropout, bidirectional=bidirectional
        )
        self.intra_linear = nn.Linear(self.intra_RNN.output_size, in_chan)
        self.intra_norm = norms.get(norm_type)(in_chan)
        self.inter_linear = nn.Linear(self.inter_RNN.output_size, in_chan)
        self.inter_norm = norms.get(norm_type)(in_chan)

    def forward(self, x):
        batch, n_feats, chunk_size, n_chunk = x.shape
        # Intra-chunk path: one sequence of chunk_size frames per (example, chunk).
        intra = x.permute(0, 3, 2, 1).reshape(batch * n_chunk, chunk_size, n_feats)
        intra = self.intra_linear(self.intra_RNN(intra))  # batch * n_chunks, K, N
        intra = intra.view(batch, n_chunk, chunk_size, n_feats).permute(0, 3, 2, 1)
        output = x + self.intra_norm(intra)  # batch, N, K, n_chunks
        # Inter-chunk path: one sequence of n_chunks frames per (example, chunk position).
        inter = output.permute(0, 2, 3, 1).reshape(batch * chunk_size, n_chunk, n_feats)
        inter = self.inter_linear(self.inter_RNN(inter))  # batch * K, n_chunks, N
        inter = inter.view(batch, chunk_size, n_chunk, n_feats).permute(0, 3, 1, 2)
        return output + self.inter_norm(inter)  # batch, N, K, n_chunks


class DPRNN(nn.Module):
    """Dual-path RNN masker (Luo, Chen and Yoshioka 2020).

    Norm and 1x1 bottleneck conv; segmentation into overlapping chunks (padded
    by ``chunk_size`` frames on both sides); ``n_repeats`` :class:`DPRNNBlock`;
    PReLU and 1x1 conv to ``n_src`` feature maps; overlap-add; a tanh-sigmoid
    gated output (``net_out * net_gate``); a 1x1 conv to ``out_chan`` mask bins
    and the output non-linearity.

    Note that the output non-linearity is applied before the sources are split
    (to a :math:`(batch \\cdot n\\_src, out\\_chan, frames)` tensor), so
    ``mask_act="softmax"`` normalises across the mask bins, not the sources,
    as in the published models.

    Args:
        in_chan (int): number of input filters.
        n_src (int): number of masks.
        out_chan (int, optional): bins of each mask; ``in_chan`` when ``None``.
        bn_chan (int): bottleneck channels.
        hid_size (int): hidden units of the RNNs.
        chunk_size (int): frames per chunk, :math:`K`.
        hop_size (int, optional): hop between chunks; ``chunk_size // 2`` when ``None``.
        n_repeats (int): number of dual-path blocks.
        norm_type (str): norm identifier (``"gLN"``, ``"cLN"``, ...).
        mask_act (str): output non-linearity.
        bidirectional (bool): bidirectional inter-chunk RNNs (the intra-chunk
            ones always are).
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        use_mulcat (bool): MulCat RNN blocks (Nachmani et al. 2020).
        num_layers (int): layers of each RNN.
        dropout (float): dropout between RNN layers.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, out\\_chan, frames)`

    References:
        Luo, Chen and Yoshioka, "Dual-path RNN: efficient long sequence modeling
        for time-domain single-channel speech separation", ICASSP 2020.
        https://arxiv.org/abs/1910.06379
    """

    def __init__(
        self,
        in_chan,
        n_src,
        out_chan=None,
        bn_chan=128,
        hid_size=128,
        chunk_size=100,
        hop_size=None,
        n_repeats=6,
        norm_type="gLN",
        mask_act="relu",
        bidirectional=True,
        rnn_type="LSTM",
        use_mulcat=False,
        num_layers=1,
        dropout=0,
    ):
        super().__init__()
        self.in_chan = in_chan
        self.out_chan = out_chan if out_chan is not None else in_chan
        self.bn_chan = bn_chan
        self.hid_size = hid_size
        self.chunk_size = chunk_size
        self.hop_size = hop_size if hop_size is not None else chunk_size // 2
        self.n_repeats = n_repeats
        self.n_src = n_src
        self.norm_type = norm_type
        self.mask_act = mask_act
        self.bidirectional = bidirectional
        self.rnn_type = rnn_type
        self.num_layers = num_layers
        self.dropout = dropout
        self.use_mulcat = use_mulcat

        self.bottleneck = nn.Sequential(
            norms.get(norm_type)(in_chan), nn.Conv1d(in_chan, bn_chan, 1)
        )
        self.net = nn.Sequential(
            *[
                DPRNNBlock(
                    bn_chan,
                    hid_size,
                    norm_type=norm_type,
                    bidirectional=bidirectional,
                    rnn_type=rnn_type,
                    use_mulcat=use_mulcat,
                    num_layers=num_layers,
                    dropout=dropout,
                )
                for _ in range(n_repeats)
            ]
        )
        self.first_out = nn.Sequential(nn.PReLU(), nn.Conv2d(bn_chan, n_src * bn_chan, 1))
        self.net_out = nn.Sequential(nn.Conv1d(bn_chan, bn_chan, 1), nn.Tanh())
        self.net_gate = nn.Sequential(nn.Conv1d(bn_chan, bn_chan, 1), nn.Sigmoid())
        self.mask_net = nn.Conv1d(bn_chan, self.out_chan, 1, bias=False)
        self.output_act = _mask_activation(mask_act)

    def forward(self, mixture_w):
        _check_masker_input(mixture_w, self.in_chan, "DPRNN")
        batch, n_frames = mixture_w.shape[0], mixture_w.shape[-1]
        output = self.bottleneck(mixture_w)  # batch, bn_chan, frames
        output = chunk(output, self.chunk_size, self.hop_size)  # batch, bn_chan, K, n_chunks
        output = self.net(output)
        output = self.first_out(output)  # batch, n_src * bn_chan, K, n_chunks
        output = output.view(batch * self.n_src, self.bn_chan, self.chunk_size, -1)
        output = overlap_add(output, n_frames, self.chunk_size, self.hop_size)
        output = self.net_out(output) * self.net_gate(output)  # batch * n_src, bn_chan, frames
        est_mask = self.output_act(self.mask_net(output))  # batch * n_src, out_chan, frames
        return est_mask.view(batch, self.n_src, self.out_chan, n_frames)

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "out_chan": self.out_chan,
            "bn_chan": self.bn_chan,
            "hid_size": self.hid_size,
            "chunk_size": self.chunk_size,
            "hop_size": self.hop_size,
            "n_repeats": self.n_repeats,
            "n_src": self.n_src,
            "norm_type": self.norm_type,
            "mask_act": self.mask_act,
            "bidirectional": self.bidirectional,
            "rnn_type": self.rnn_type,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "use_mulcat": self.use_mulcat,
        }
