"""Recurrent maskers.

This module gathers the recurrent building blocks and maskers:
:class:`SingleRNN`, :class:`MulCatRNN`, :class:`StackedResidualRNN`,
:class:`StackedResidualBiRNN` (from :mod:`~asteroid.masknn.rnn`),
:class:`DPRNNBlock`, :class:`DPRNN` (from :mod:`~asteroid.masknn.dprnn`),
:class:`DCCRMaskNetRNN`, :class:`DCCRMaskNet` (from :mod:`~asteroid.masknn.dccrn`)
and the TasNet masker :class:`LSTMMasker`, defined here.
"""

from torch import nn

from .activations import _mask_activation
from .base import _check_masker_input
from .dccrn import DCCRMaskNet, DCCRMaskNetRNN
from .dprnn import DPRNN, DPRNNBlock
from .norms import CumLN, GlobLN
from .rnn import MulCatRNN, SingleRNN, StackedResidualBiRNN, StackedResidualRNN

__all__ = [
    "SingleRNN",
    "MulCatRNN",
    "StackedResidualRNN",
    "StackedResidualBiRNN",
    "DPRNNBlock",
    "DPRNN",
    "LSTMMasker",
    "DCCRMaskNetRNN",
    "DCCRMaskNet",
]


class LSTMMasker(nn.Module):
    """Recurrent masker of TasNet (Luo and Mesgarani 2018), without skip connections.

    A norm (GlobLN, or the causal CumLN when unidirectional), a multi-layer RNN
    on the frames, and a linear layer to ``n_src * out_chan`` mask values per
    frame followed by the output non-linearity (``masker``).

    Note that the non-linearity runs on a :math:`(batch, frames, n\\_src \\cdot
    out\\_chan)` tensor, so ``mask_act="softmax"`` normalises across frames,
    as in the published models.

    Args:
        in_chan (int): number of input filters.
        n_src (int): number of masks.
        out_chan (int, optional): bins of each mask; ``in_chan`` when ``None``.
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"`` (the published toolkit
            ignored this argument and always built an LSTM).
        n_layers (int): RNN layers.
        hid_size (int): hidden units per direction.
        dropout (float): dropout between RNN layers.
        mask_act (str): output non-linearity.
        bidirectional (bool): bidirectional RNN (otherwise causal).

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, out\\_chan, frames)`

    References:
        Luo and Mesgarani, "Real-time Single-channel Dereverberation and Separation
        with Time-domain Audio Separation Network", Interspeech 2018.
    """

    def __init__(
        self,
        in_chan,
        n_src,
        out_chan=None,
        rnn_type="lstm",
        n_layers=4,
        hid_size=512,
        dropout=0.3,
        mask_act="sigmoid",
        bidirectional=True,
    ):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.out_chan = out_chan if out_chan is not None else in_chan
        self.rnn_type = rnn_type
        self.n_layers = n_layers
        self.hid_size = hid_size
        self.dropout = dropout
        self.mask_act = mask_act
        self.bidirectional = bidirectional

        self.output_act = _mask_activation(mask_act)
        self.bn_layer = GlobLN(in_chan) if bidirectional else CumLN(in_chan)
        rnn = SingleRNN(
            rnn_type,
            in_chan,
            hidden_size=hid_size,
            n_layers=n_layers,
            bidirectional=bidirectional,
            dropout=dropout,
        )
        self.masker = nn.Sequential(
            rnn, nn.Linear(rnn.output_size, n_src * self.out_chan), self.output_act
        )

    def forward(self, x):
        _check_masker_input(x, self.in_chan, "LSTMMasker")
        to_sep = self.bn_layer(x)  # batch, in_chan, frames
        est_masks = self.masker(to_sep.transpose(-1, -2))  # batch, frames, n_src * out_chan
        est_masks = est_masks.transpose(-1, -2)
        return est_masks.reshape(x.shape[0], self.n_src, self.out_chan, x.shape[-1])

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "n_src": self.n_src,
            "out_chan": self.out_chan,
            "rnn_type": self.rnn_type,
            "n_layers": self.n_layers,
            "hid_size": self.hid_size,
            "dropout": self.dropout,
            "mask_act": self.mask_act,
            "bidirectional": self.bidirectional,
        }
