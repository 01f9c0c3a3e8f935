"""Recurrent maskers.

This module gathers the recurrent building blocks and maskers:
:class:`SingleRNN`, :class:`MulCatRNN`, :class:`StackedResidualRNN`,
:class:`StackedResidualBiRNN` (from :mod:`~asteroid.masknn.rnn`),
:class:`DPRNNBlock`, :class:`DPRNN` (from :mod:`~asteroid.masknn.dprnn`),
:class:`DCCRMaskNetRNN`, :class:`DCCRMaskNet` (from :mod:`~asteroid.masknn.dccrn`)
and the TasNet masker :class:`LSTMMasker`, defined here, with
:func:`export_dynamic_lstms`, which lets :func:`torch.export.export` keep an
LSTM's sequence axis dynamic.
"""

import contextlib

import torch
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
    "export_dynamic_lstms",
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


@contextlib.contextmanager
def export_dynamic_lstms():
    """Context manager under which :func:`torch.export.export` keeps LSTM sequence axes dynamic.

    ``torch.export`` unrolls :class:`torch.nn.LSTM` over its time steps, which fixes the
    sequence length to the example's. Inside this context, an LSTM whose sequence length is
    symbolic is traced as a ``while_loop`` over the steps instead (PyTorch's
    ``torch.export._patches.lstm_while_loop_impl``), so the exported program takes any length;
    LSTMs of static length (e.g. over frequencies, or inside fixed-size chunks) stay unrolled,
    which also keeps the two kinds from sharing one compiled loop (whose cache guards would
    pin the dynamic length). The exported program is for inference (``while_loop`` has no
    autograd). Outside the context nothing changes.

    Example:
        >>> from asteroid.masknn.recurrent import export_dynamic_lstms
        >>> with export_dynamic_lstms():  # doctest: +SKIP
        ...     program = torch.export.export(model, (wav,), dynamic_shapes=...)
    """
    from torch._decomp import global_decomposition_table
    from torch.export._patches import lstm_while_loop_impl

    op = torch.ops.aten.lstm.input
    key = torch._C.DispatchKey.CompositeImplicitAutograd
    decompositions = global_decomposition_table["post_autograd"]
    previous_kernel = op.py_kernels.get(key)
    previous_decomposition = decompositions.get(op)
    unrolled = previous_kernel or previous_decomposition

    def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
        args = (input, hx, params, has_biases, num_layers, dropout, train, bidirectional)
        if isinstance(input.shape[1 if batch_first else 0], int) and unrolled is not None:
            return unrolled(*args, batch_first)
        return lstm_while_loop_impl(*args, batch_first)

    def install(kernel, decomposition):
        for table, name, value in (
            (op.py_kernels, key, kernel),
            (decompositions, op, decomposition),
        ):
            if value is None:
                table.pop(name, None)
            else:
                table[name] = value
        # The dispatcher caches the kernel it resolved for each key: forget it.
        op._dispatch_cache.clear()

    install(lstm, lstm)
    try:
        yield
    finally:
        install(previous_kernel, previous_decomposition)
