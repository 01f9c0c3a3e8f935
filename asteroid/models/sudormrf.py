"""SuDoRM-RF (Tzinis, Wang and Smaragdis 2020) and its improved version, as separation models."""

import math

import torch
from torch import nn

from ..filterbanks import make_enc_dec
from ..masknn import SuDORMRF, SuDORMRFImproved
from ..utils.torch_utils import script_if_tracing
from .base_models import BaseEncoderMaskerDecoder, validate_in_chan

__all__ = ["SuDORMRFNet", "SuDORMRFImprovedNet"]


def _sudormrf_enc_dec(
    model_name, encoder_activation, fb_name, kernel_size, n_filters, stride, sample_rate, fb_kwargs
):
    """Encoder and decoder padded by ``kernel_size // 2``, and the stride they use.

    ``fb_kwargs`` may hold the ``encoder_activation`` that model files store; it
    is part of the architecture, so it must be the model's own.
    """
    found = fb_kwargs.pop("encoder_activation", encoder_activation)
    if found != encoder_activation:
        raise ValueError(
            f"{model_name} uses encoder_activation={encoder_activation!r}, got {found!r}."
        )
    stride = stride or kernel_size // 2
    encoder, decoder = make_enc_dec(
        fb_name,
        kernel_size=kernel_size,
        n_filters=n_filters,
        stride=stride,
        sample_rate=sample_rate,
        padding=kernel_size // 2,
        # One sample short of a hop (it must stay below the stride).
        output_padding=min(kernel_size // 2, stride) - 1,
        **fb_kwargs,
    )
    return encoder, decoder, stride


class SuDORMRFNet(BaseEncoderMaskerDecoder):
    """SuDoRM-RF: a learned filterbank and a stack of U-ConvBlocks (the original version).

    The encoder's output goes through a ReLU (stored as ``encoder_activation``
    in ``model_args``, and not an argument); the masks are a softmax over the
    sources by default. The input is right-padded with zeros to a multiple of
    ``lcm(kernel_size // 2, 2**upsampling_depth)`` samples, and the output cropped back.

    Args:
        n_src (int): number of sources to estimate.
        bn_chan (int): channels of the bottleneck and of the U-ConvBlocks.
        num_blocks (int): number of U-ConvBlocks.
        upsampling_depth (int): number of down/up-sampling stages in each block.
        mask_act (str): activation that produces the masks.
        in_chan (int, optional): if given, must equal the number of filterbank outputs.
        fb_name (str): filterbank name or class name.
        kernel_size (int): filter length, in samples.
        n_filters (int): number of filters.
        stride (int, optional): hop of the filterbank; ``None`` for ``kernel_size // 2``.
        sample_rate (float): sample rate of the model, in Hz.
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Efthymios Tzinis, Zhepei Wang and Paris Smaragdis, "Sudo rm -rf: Efficient
        Networks for Universal Audio Source Separation", MLSP 2020.
        https://arxiv.org/abs/2007.06833
    """

    def __init__(
        self,
        n_src,
        bn_chan=128,
        num_blocks=16,
        upsampling_depth=4,
        mask_act="softmax",
        in_chan=None,
        fb_name="free",
        kernel_size=21,
        n_filters=512,
        stride=None,
        sample_rate=8000,
        **fb_kwargs,
    ):
        encoder, decoder, stride = _sudormrf_enc_dec(
            "SuDORMRFNet", "relu", fb_name, kernel_size, n_filters, stride, sample_rate, fb_kwargs
        )
        n_feats = encoder.n_feats_out
        validate_in_chan(in_chan, n_feats)
        masker = SuDORMRF(
            n_feats,
            n_src,
            bn_chan=bn_chan,
            num_blocks=num_blocks,
            upsampling_depth=upsampling_depth,
            mask_act=mask_act,
        )
        encoder = _Padder(encoder, upsampling_depth=upsampling_depth, kernel_size=kernel_size)
        super().__init__(encoder, masker, decoder, encoder_activation="relu")


class SuDORMRFImprovedNet(BaseEncoderMaskerDecoder):
    """Improved SuDoRM-RF: global layer norms, a PReLU mask network and ReLU masks.

    Same arguments as :class:`SuDORMRFNet` (``mask_act="relu"`` by default), and
    no activation after the encoder.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Efthymios Tzinis, Zhepei Wang and Paris Smaragdis, "Sudo rm -rf: Efficient
        Networks for Universal Audio Source Separation", MLSP 2020.
        https://arxiv.org/abs/2007.06833
    """

    def __init__(
        self,
        n_src,
        bn_chan=128,
        num_blocks=16,
        upsampling_depth=4,
        mask_act="relu",
        in_chan=None,
        fb_name="free",
        kernel_size=21,
        n_filters=512,
        stride=None,
        sample_rate=8000,
        **fb_kwargs,
    ):
        encoder, decoder, stride = _sudormrf_enc_dec(
            "SuDORMRFImprovedNet",
            None,
            fb_name,
            kernel_size,
            n_filters,
            stride,
            sample_rate,
            fb_kwargs,
        )
        n_feats = encoder.n_feats_out
        validate_in_chan(in_chan, n_feats)
        masker = SuDORMRFImproved(
            n_feats,
            n_src,
            bn_chan=bn_chan,
            num_blocks=num_blocks,
            upsampling_depth=upsampling_depth,
            mask_act=mask_act,
        )
        encoder = _Padder(encoder, upsampling_depth=upsampling_depth, kernel_size=kernel_size)
        super().__init__(encoder, masker, decoder, encoder_activation=None)


class _Padder(nn.Module):
    """An encoder whose input is right-padded with zeros to a multiple of ``lcm(K // 2, 2**depth)``.

    (``K // 2`` is the default stride; the published models pad this way whatever
    the stride, and the padding changes the outputs near the end, so it is kept.)

    ``encoder`` and ``filterbank`` both hold the filterbank, so its weights appear
    under ``encoder.filterbank.`` and ``filterbank.`` (the published key names).
    """

    def __init__(self, encoder, upsampling_depth=4, kernel_size=21):
        super().__init__()
        self.encoder = encoder
        self.upsampling_depth = upsampling_depth
        self.kernel_size = kernel_size
        self.lcm = math.lcm(kernel_size // 2, 2**upsampling_depth)
        self.filterbank = encoder.filterbank
        self.sample_rate = getattr(encoder.filterbank, "sample_rate", None)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        return self.encoder(_pad_to_multiple(wav, self.lcm))


@script_if_tracing
def _pad_to_multiple(wav: torch.Tensor, multiple: int) -> torch.Tensor:
    """Right-pad the last axis with zeros to a multiple of ``multiple``."""
    missing = (multiple - wav.shape[-1] % multiple) % multiple
    return nn.functional.pad(wav, [0, missing])
