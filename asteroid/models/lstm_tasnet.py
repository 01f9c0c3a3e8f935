"""LSTM-TasNet (Luo and Mesgarani 2018): a gated learned encoder and an LSTM masker."""

from copy import deepcopy

import torch
from torch import nn

from ..filterbanks import make_enc_dec
from ..masknn import LSTMMasker
from .base_models import BaseEncoderMaskerDecoder, validate_in_chan

__all__ = ["LSTMTasNet"]


class LSTMTasNet(BaseEncoderMaskerDecoder):
    """TasNet with a gated encoder, ``relu(enc(x)) * sigmoid(enc'(x))``, and an LSTM masker.

    Args:
        n_src (int): number of sources to estimate.
        out_chan (int, optional): size of each mask; ``None`` for the number of
            filterbank outputs.
        rnn_type (str): kept for compatibility: the masker always uses LSTMs.
        n_layers (int): LSTM layers.
        hid_size (int): hidden size of the LSTMs.
        dropout (float): dropout between LSTM layers, in :math:`[0, 1]`.
        mask_act (str): activation that produces the masks.
        bidirectional (bool): bidirectional LSTMs (global layer norm before
            them) or causal ones (cumulative layer norm).
        in_chan (int, optional): if given, must equal the number of filterbank outputs.
        fb_name (str): filterbank name or class name.
        n_filters (int): number of filters.
        kernel_size (int): filter length, in samples.
        stride (int): hop of the filterbank, in samples.
        encoder_activation (str, optional): activation after the gated encoder.
        sample_rate (float): sample rate of the model, in Hz.
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Yi Luo and Nima Mesgarani, "Real-time Single-channel Dereverberation and
        Separation with Time-domain Audio Separation Network", Interspeech 2018.
    """

    def __init__(
        self,
        n_src,
        out_chan=None,
        rnn_type="lstm",
        n_layers=4,
        hid_size=512,
        dropout=0.3,
        mask_act="sigmoid",
        bidirectional=True,
        in_chan=None,
        fb_name="free",
        n_filters=64,
        kernel_size=16,
        stride=8,
        encoder_activation=None,
        sample_rate=8000,
        **fb_kwargs,
    ):
        encoder, decoder = make_enc_dec(
            fb_name,
            kernel_size=kernel_size,
            n_filters=n_filters,
            stride=stride,
            sample_rate=sample_rate,
            **fb_kwargs,
        )
        n_feats = encoder.n_feats_out
        validate_in_chan(in_chan, n_feats)
        masker = LSTMMasker(
            n_feats,
            n_src,
            out_chan=out_chan,
            hid_size=hid_size,
            mask_act=mask_act,
            bidirectional=bidirectional,
            rnn_type=rnn_type,
            n_layers=n_layers,
            dropout=dropout,
        )
        super().__init__(
            _GatedEncoder(encoder), masker, decoder, encoder_activation=encoder_activation
        )


class _GatedEncoder(nn.Module):
    """Two encoders, one through a ReLU and one through a sigmoid gate, multiplied.

    ``filterbank`` is the ReLU branch's filterbank (it is what ``get_model_args``
    reads); being registered twice, its weights appear in the state dict under
    ``filterbank.`` and ``encoder_relu.filterbank.``, the published key names.
    """

    def __init__(self, encoder):
        super().__init__()
        self.filterbank = encoder.filterbank
        self.sample_rate = getattr(encoder.filterbank, "sample_rate", None)
        self.encoder_relu = encoder
        self.encoder_sig = deepcopy(encoder)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        # B: batch, N: filters, L: frames
        relu_out = torch.relu(self.encoder_relu(wav))  # B, N, L
        sig_out = torch.sigmoid(self.encoder_sig(wav))  # B, N, L
        return sig_out * relu_out
