"""Recurrent layers of the maskers: batch-first RNN wrappers and residual stacks."""

import torch
from torch import nn

__all__ = ["SingleRNN", "MulCatRNN", "StackedResidualRNN", "StackedResidualBiRNN"]

_RNN_TYPES = ("RNN", "LSTM", "GRU")


def _make_rnn(rnn_type, input_size, hidden_size, n_layers, dropout, bidirectional):
    if not isinstance(rnn_type, str) or rnn_type.upper() not in _RNN_TYPES:
        raise ValueError(f"Unknown rnn_type {rnn_type!r}; expected one of {_RNN_TYPES} (any case).")
    return getattr(nn, rnn_type.upper())(
        input_size,
        hidden_size,
        num_layers=n_layers,
        dropout=dropout,
        batch_first=True,
        bidirectional=bool(bidirectional),
    )


@torch.jit.unused
def _flatten(*rnns):
    # cuDNN wants the weights in one contiguous chunk; after a DataParallel
    # replication they are not.
    for rnn in rnns:
        rnn.flatten_parameters()


class SingleRNN(nn.Module):
    """A batch-first ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` that returns only its output.

    Args:
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"`` (any case).
        input_size (int): input features.
        hidden_size (int): hidden units per direction.
        n_layers (int): stacked layers.
        dropout (float): dropout between layers.
        bidirectional (bool): bidirectional layers.

    Shape:
        - x: :math:`(batch, seq, input\\_size)`
        - output: :math:`(batch, seq, output\\_size)`

    Raises:
        ValueError: for an unknown ``rnn_type``.
    """

    def __init__(
        self, rnn_type, input_size, hidden_size, n_layers=1, dropout=0, bidirectional=False
    ):
        super().__init__()
        self.rnn = _make_rnn(rnn_type, input_size, hidden_size, n_layers, dropout, bidirectional)
        self.rnn_type = rnn_type.upper()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.dropout = dropout
        self.bidirectional = bidirectional

    @torch.jit.unused
    def _flatten_parameters(self):
        _flatten(self.rnn)

    @property
    def output_size(self):
        """Output features: ``hidden_size``, doubled when bidirectional."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    def forward(self, inp):
        if inp.is_cuda and not torch.jit.is_scripting():
            self._flatten_parameters()
        return self.rnn(inp)[0]


class MulCatRNN(nn.Module):
    """MulCat block (Nachmani et al. 2020): ``cat([rnn1(x) * rnn2(x), x], -1)``.

    Args are those of :class:`SingleRNN`.

    Shape:
        - x: :math:`(batch, seq, input\\_size)`
        - output: :math:`(batch, seq, output\\_size)` with ``output_size`` the RNN
          output size plus ``input_size``.

    References:
        Nachmani, Adi and Wolf, "Voice Separation with an Unknown Number of
        Multiple Speakers", ICML 2020. https://arxiv.org/abs/2003.01531
    """

    def __init__(
        self, rnn_type, input_size, hidden_size, n_layers=1, dropout=0, bidirectional=False
    ):
        super().__init__()
        self.rnn1 = _make_rnn(rnn_type, input_size, hidden_size, n_layers, dropout, bidirectional)
        self.rnn2 = _make_rnn(rnn_type, input_size, hidden_size, n_layers, dropout, bidirectional)
        self.rnn_type = rnn_type.upper()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.dropout = dropout
        self.bidirectional = bidirectional

    @torch.jit.unused
    def _flatten_parameters(self):
        _flatten(self.rnn1, self.rnn2)

    @property
    def output_size(self):
        """RNN output features plus ``input_size``."""
        return self.hidden_size * (2 if self.bidirectional else 1) + self.input_size

    def forward(self, inp):
        if inp.is_cuda and not torch.jit.is_scripting():
            self._flatten_parameters()
        return torch.cat((self.rnn1(inp)[0] * self.rnn2(inp)[0], inp), dim=2)


class StackedResidualRNN(nn.Module):
    """Unidirectional RNN layers with a residual connection around each.

    Each layer computes ``x = x + dropout(rnn(x))``.

    Args:
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        n_units (int): input size and hidden size of every layer.
        n_layers (int): number of layers.
        dropout (float): dropout on each layer's output, before the residual sum.
        bidirectional (bool): must be ``False`` (see :class:`StackedResidualBiRNN`).

    Shape:
        - x: :math:`(batch, seq, n\\_units)`
        - output: :math:`(batch, seq, n\\_units)`

    Raises:
        ValueError: if ``bidirectional`` is true.
    """

    def __init__(self, rnn_type, n_units, n_layers=4, dropout=0.0, bidirectional=False):
        super().__init__()
        if bidirectional:
            raise ValueError(
                "StackedResidualRNN is unidirectional; use StackedResidualBiRNN for "
                "bidirectional layers."
            )
        self.rnn_type = rnn_type
        self.n_units = n_units
        self.n_layers = n_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.layers = nn.ModuleList(
            [SingleRNN(rnn_type, input_size=n_units, hidden_size=n_units) for _ in range(n_layers)]
        )
        self.dropout_layer = nn.Dropout(dropout)

    def forward(self, x):
        for rnn in self.layers:
            x = x + self.dropout_layer(rnn(x))
        return x


class StackedResidualBiRNN(nn.Module):
    """Bidirectional RNN layers with a residual connection around each.

    The first layer maps ``n_units`` to ``2 * n_units`` features and its
    residual is the input repeated twice; the next layers keep ``2 * n_units``.

    Args:
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        n_units (int): input size, and hidden size per direction.
        n_layers (int): number of layers.
        dropout (float): dropout on each layer's output, before the residual sum.
        bidirectional (bool): must be ``True`` (see :class:`StackedResidualRNN`).

    Shape:
        - x: :math:`(batch, seq, n\\_units)`
        - output: :math:`(batch, seq, 2 n\\_units)`

    Raises:
        ValueError: if ``bidirectional`` is false.
    """

    def __init__(self, rnn_type, n_units, n_layers=4, dropout=0.0, bidirectional=True):
        super().__init__()
        if not bidirectional:
            raise ValueError(
                "StackedResidualBiRNN is bidirectional; use StackedResidualRNN for "
                "unidirectional layers."
            )
        self.rnn_type = rnn_type
        self.n_units = n_units
        self.n_layers = n_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.first_layer = SingleRNN(
            rnn_type, input_size=n_units, hidden_size=n_units, bidirectional=True
        )
        self.layers = nn.ModuleList(
            [
                SingleRNN(rnn_type, input_size=2 * n_units, hidden_size=n_units, bidirectional=True)
                for _ in range(n_layers - 1)
            ]
        )
        self.dropout_layer = nn.Dropout(dropout)

    def forward(self, x):
        x = torch.cat([x, x], dim=-1) + self.dropout_layer(self.first_layer(x))
        for rnn in self.layers:
            x = x + self.dropout_layer(rnn(x))
        return x
