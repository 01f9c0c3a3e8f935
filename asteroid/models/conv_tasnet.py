"""Conv-TasNet (Luo and Mesgarani 2019) and VADNet, its voice-activity variant."""

import warnings

import torch

from ..filterbanks import make_enc_dec
from ..masknn import TDConvNet
from .base_models import BaseEncoderMaskerDecoder, validate_in_chan

__all__ = ["ConvTasNet", "VADNet"]


class ConvTasNet(BaseEncoderMaskerDecoder):
    """Conv-TasNet: a learned filterbank and a temporal convolutional network masker.

    Args:
        n_src (int): number of sources to estimate, :math:`C` in the paper.
        out_chan (int, optional): size of each mask; ``None`` for the number of
            filterbank outputs.
        n_blocks (int): convolutional blocks per repeat, :math:`X`.
        n_repeats (int): repeats of the blocks, :math:`R`.
        bn_chan (int): channels of the bottleneck, :math:`B`.
        hid_chan (int): channels inside the blocks, :math:`H`.
        skip_chan (int): channels of the skip connections, :math:`Sc`; ``0`` or
            ``None`` for the original network without skip connections.
        conv_kernel_size (int): kernel size of the depth-wise convolutions, :math:`P`.
        norm_type (str): ``"gLN"``, ``"cLN"``, ``"cgLN"``, ``"fgLN"`` or ``"bN"``.
        mask_act (str): activation that produces the masks.
        in_chan (int, optional): if given, must equal the number of filterbank
            outputs (a check).
        causal (bool): causal convolutions; then the norm must be ``"cLN"`` or
            ``"cgLN"`` (any other is replaced by ``"cLN"``, with a warning).
        fb_name (str): filterbank (``"free"``, ``"analytic_free"``, ``"param_sinc"``,
            ``"stft"``, or a class name).
        kernel_size (int): filter length, :math:`L`.
        n_filters (int): number of filters, :math:`N`.
        stride (int): hop of the filterbank, in samples.
        encoder_activation (str, optional): activation after the encoder.
        sample_rate (float): sample rate of the model, in Hz.
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Yi Luo and Nima Mesgarani, "Conv-TasNet: Surpassing ideal time-frequency
        magnitude masking for speech separation", IEEE/ACM TASLP, 2019.
        https://arxiv.org/abs/1809.07454
    """

    def __init__(
        self,
        n_src,
        out_chan=None,
        n_blocks=8,
        n_repeats=3,
        bn_chan=128,
        hid_chan=512,
        skip_chan=128,
        conv_kernel_size=3,
        norm_type="gLN",
        mask_act="sigmoid",
        in_chan=None,
        causal=False,
        fb_name="free",
        kernel_size=16,
        n_filters=512,
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
        if causal and norm_type not in ("cLN", "cgLN"):
            warnings.warn(
                f"A causal ConvTasNet needs a causal norm (cLN or cgLN); norm_type={norm_type!r} "
                "is replaced by 'cLN'.",
                UserWarning,
            )
            norm_type = "cLN"
        masker = TDConvNet(
            n_feats,
            n_src,
            out_chan=out_chan,
            n_blocks=n_blocks,
            n_repeats=n_repeats,
            bn_chan=bn_chan,
            hid_chan=hid_chan,
            skip_chan=skip_chan,
            conv_kernel_size=conv_kernel_size,
            norm_type=norm_type,
            mask_act=mask_act,
            causal=causal,
        )
        super().__init__(encoder, masker, decoder, encoder_activation=encoder_activation)


class VADNet(ConvTasNet):
    """ConvTasNet whose outputs are voice-activity probabilities (a sigmoid on the decoder).

    Same arguments as :class:`ConvTasNet`; used by the LibriVAD recipe.

    Shape:
        - input: :math:`(B, 1, T)` (or :math:`(T,)`, :math:`(B, T)`)
        - output: :math:`(B, S, T)`, values in :math:`(0, 1)`
    """

    def forward_decoder(self, masked_tf_rep: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(masked_tf_rep))
