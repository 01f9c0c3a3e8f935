"""SepFormer (Subakan et al. 2021): a learned filterbank and a dual-path transformer masker."""

from ..filterbanks import make_enc_dec
from ..masknn.sepformer import SepFormerMasker
from .base_models import BaseEncoderMaskerDecoder, validate_in_chan

__all__ = ["SepFormer"]


class SepFormer(BaseEncoderMaskerDecoder):
    """SepFormer: a learned filterbank, a dual-path transformer masker and its decoder.

    The defaults are the paper's WSJ0-2mix configuration at 8 kHz: 256 filters of 16 samples
    every 8 samples, ReLU on the encoder output, chunks of :math:`K = 250` frames with 50 %
    overlap, :math:`N = 2` dual-path blocks whose intra- and inter-chunk transformers have
    :math:`8` layers, :math:`8` heads, feed-forward size :math:`1024` and positional
    encodings, and ReLU masks (25.7 M parameters with 2 sources).

    The model exports with :func:`torch.export.export` and a dynamic time axis (any length in
    the declared range), with ``prefer_deferred_runtime_asserts_over_guards=True`` (or a
    ``torch.export.Dim.DYNAMIC(min=..., max=...)`` axis), which turns the shape identities that
    PyTorch cannot prove symbolically (the number of chunks is a floor division of the length)
    into runtime checks; see the example below.

    Args:
        n_src (int): number of sources to estimate.
        n_heads (int): attention heads.
        ff_hid (int): hidden units of the transformers' feed-forward networks.
        chunk_size (int): frames per chunk.
        hop_size (int, optional): hop between chunks; ``None`` for ``chunk_size // 2``.
        n_repeats (int): dual-path blocks.
        n_layers (int): transformer layers of each intra- and inter-chunk stack.
        norm_type (str): norm of the masker's input and of the blocks' outputs.
        ff_activation (str): activation of the feed-forward networks.
        encoder_activation (str, optional): activation after the encoder.
        mask_act (str): activation that produces the masks.
        dropout (float): dropout, in :math:`[0, 1]`.
        positional_encoding (bool): sinusoidal positional encodings in each transformer.
        in_chan (int, optional): if given, must equal the number of filterbank outputs.
        fb_name (str): filterbank name or class name.
        kernel_size (int): filter length, in samples.
        n_filters (int): number of filters (a multiple of ``n_heads``).
        stride (int): hop of the filterbank, in samples.
        sample_rate (float): sample rate of the model, in Hz.
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    Example:
        >>> model = SepFormer(n_src=2, n_layers=1, n_repeats=1, ff_hid=64, n_filters=64).eval()
        >>> time = torch.export.Dim("time", min=800, max=8000 * 60)
        >>> program = torch.export.export(
        ...     model,
        ...     (torch.randn(1, 1, 8000),),
        ...     dynamic_shapes={"wav": {2: time}},
        ...     prefer_deferred_runtime_asserts_over_guards=True,
        ... )
        >>> program.module()(torch.randn(1, 1, 12345)).shape
        torch.Size([1, 2, 12345])

    References:
        Cem Subakan, Mirco Ravanelli, Samuele Cornell, Mirko Bronzi and Jianyuan Zhong,
        "Attention is All You Need in Speech Separation", ICASSP 2021.
        https://arxiv.org/abs/2010.13154
    """

    def __init__(
        self,
        n_src,
        n_heads=8,
        ff_hid=1024,
        chunk_size=250,
        hop_size=None,
        n_repeats=2,
        n_layers=8,
        norm_type="gLN",
        ff_activation="relu",
        encoder_activation="relu",
        mask_act="relu",
        dropout=0.0,
        positional_encoding=True,
        in_chan=None,
        fb_name="free",
        kernel_size=16,
        n_filters=256,
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
        masker = SepFormerMasker(
            n_feats,
            n_src,
            n_heads=n_heads,
            ff_hid=ff_hid,
            chunk_size=chunk_size,
            hop_size=hop_size,
            n_repeats=n_repeats,
            n_layers=n_layers,
            norm_type=norm_type,
            ff_activation=ff_activation,
            mask_act=mask_act,
            dropout=dropout,
            positional_encoding=positional_encoding,
        )
        super().__init__(encoder, masker, decoder, encoder_activation=encoder_activation)
