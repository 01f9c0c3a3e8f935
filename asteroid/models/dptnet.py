"""DPTNet (Chen, Mao and Liu 2020): a learned filterbank and a dual-path transformer masker."""

from ..filterbanks import make_enc_dec
from ..masknn import DPTransformer
from .base_models import BaseEncoderMaskerDecoder, validate_in_chan

__all__ = ["DPTNet"]


class DPTNet(BaseEncoderMaskerDecoder):
    """A learned filterbank and a dual-path transformer masker.

    Args:
        n_src (int): number of sources to estimate.
        n_heads (int): attention heads.
        ff_hid (int): hidden size of the recurrent feed-forward part.
        chunk_size (int): frames per chunk.
        hop_size (int, optional): hop between chunks; ``None`` for ``chunk_size // 2``.
        n_repeats (int): number of dual-path transformer blocks.
        norm_type (str): ``"gLN"`` or ``"cLN"``.
        ff_activation (str): activation of the feed-forward part.
        encoder_activation (str, optional): activation after the encoder
            (``"relu"`` by default, as in the paper).
        mask_act (str): activation that produces the masks.
        bidirectional (bool): bidirectional inter-chunk recurrence.
        dropout (float): dropout, in :math:`[0, 1]`.
        in_chan (int, optional): if given, must equal the number of filterbank outputs.
        fb_name (str): filterbank name or class name.
        kernel_size (int): filter length, in samples.
        n_filters (int): number of filters.
        stride (int): hop of the filterbank, in samples.
        sample_rate (float): sample rate of the model, in Hz.
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Jingjing Chen, Qirong Mao and Dong Liu, "Dual-Path Transformer Network:
        Direct Context-Aware Modeling for End-to-End Monaural Speech Separation",
        Interspeech 2020. https://arxiv.org/abs/2007.13975
    """

    def __init__(
        self,
        n_src,
        n_heads=4,
        ff_hid=256,
        chunk_size=100,
        hop_size=None,
        n_repeats=6,
        norm_type="gLN",
        ff_activation="relu",
        encoder_activation="relu",
        mask_act="relu",
        bidirectional=True,
        dropout=0,
        in_chan=None,
        fb_name="free",
        kernel_size=16,
        n_filters=64,
        stride=8,
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
        masker = DPTransformer(
            n_feats,
            n_src,
            n_heads=n_heads,
            ff_hid=ff_hid,
            ff_activation=ff_activation,
            chunk_size=chunk_size,
            hop_size=hop_size,
            n_repeats=n_repeats,
            norm_type=norm_type,
            mask_act=mask_act,
            bidirectional=bidirectional,
            dropout=dropout,
        )
        super().__init__(encoder, masker, decoder, encoder_activation=encoder_activation)
