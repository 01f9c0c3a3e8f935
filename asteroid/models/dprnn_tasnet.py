"""DPRNN-TasNet (Luo, Chen and Yoshioka 2020): a learned filterbank and a dual-path RNN masker."""

from ..filterbanks import make_enc_dec
from ..masknn import DPRNN
from .base_models import BaseEncoderMaskerDecoder, validate_in_chan

__all__ = ["DPRNNTasNet"]


class DPRNNTasNet(BaseEncoderMaskerDecoder):
    """A learned filterbank and a dual-path recurrent masker.

    Args:
        n_src (int): number of sources to estimate.
        out_chan (int, optional): size of each mask; ``None`` for the number of
            filterbank outputs.
        bn_chan (int): channels after the bottleneck, :math:`N`.
        hid_size (int): hidden size of the RNNs, :math:`H`.
        chunk_size (int): frames per chunk, :math:`K`.
        hop_size (int, optional): hop between chunks; ``None`` for ``chunk_size // 2``.
        n_repeats (int): number of dual-path blocks, :math:`B`.
        norm_type (str): ``"gLN"`` or ``"cLN"`` (see :mod:`asteroid.masknn.norms`).
        mask_act (str): activation that produces the masks.
        bidirectional (bool): bidirectional inter-chunk RNN (the intra-chunk RNN
            always is).
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        num_layers (int): layers of each RNN.
        dropout (float): dropout between RNN layers, in :math:`[0, 1]`.
        in_chan (int, optional): if given, must equal the number of filterbank outputs.
        fb_name (str): filterbank name or class name.
        kernel_size (int): filter length, in samples.
        n_filters (int): number of filters.
        stride (int): hop of the filterbank, in samples.
        encoder_activation (str, optional): activation after the encoder.
        sample_rate (float): sample rate of the model, in Hz.
        use_mulcat (bool): multiply-and-concatenate RNN blocks (Nachmani et al. 2020).
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Yi Luo, Zhuo Chen and Takuya Yoshioka, "Dual-path RNN: efficient long
        sequence modeling for time-domain single-channel speech separation",
        ICASSP 2020. https://arxiv.org/abs/1910.06379
    """

    def __init__(
        self,
        n_src,
        out_chan=None,
        bn_chan=128,
        hid_size=128,
        chunk_size=100,
        hop_size=None,
        n_repeats=6,
        norm_type="gLN",
        mask_act="sigmoid",
        bidirectional=True,
        rnn_type="LSTM",
        num_layers=1,
        dropout=0,
        in_chan=None,
        fb_name="free",
        kernel_size=16,
        n_filters=64,
        stride=8,
        encoder_activation=None,
        sample_rate=8000,
        use_mulcat=False,
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
        masker = DPRNN(
            n_feats,
            n_src,
            out_chan=out_chan,
            bn_chan=bn_chan,
            hid_size=hid_size,
            chunk_size=chunk_size,
            hop_size=hop_size,
            n_repeats=n_repeats,
            norm_type=norm_type,
            mask_act=mask_act,
            bidirectional=bidirectional,
            rnn_type=rnn_type,
            num_layers=num_layers,
            dropout=dropout,
            use_mulcat=use_mulcat,
        )
        super().__init__(encoder, masker, decoder, encoder_activation=encoder_activation)
