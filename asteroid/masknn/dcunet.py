"""Deep Complex U-Net masker (Choi et al. 2019) and its complex encoder/decoder blocks."""

import math

from torch import nn

from .. import complex_nn
from ..utils.torch_utils import script_if_tracing
from . import activations, norms
from ._dcunet_architectures import DCUNET_ARCHITECTURES
from .base import BaseDCUMaskNet

__all__ = ["DCUNetComplexEncoderBlock", "DCUNetComplexDecoderBlock", "DCUMaskNet"]


def _complex_norm(norm_type, n_chan):
    norm_cls = norms.get_complex(norm_type)
    return nn.Identity() if norm_cls is None else norm_cls(n_chan)


def _complex_activation(activation):
    act_cls = activations.get_complex(activation)
    return nn.Identity() if act_cls is None else act_cls()


class DCUNetComplexEncoderBlock(nn.Module):
    """Complex conv, complex norm and complex activation.

    Args:
        in_chan (int): input channels.
        out_chan (int): output channels.
        kernel_size (tuple): ``(freq, time)`` kernel size.
        stride (tuple): ``(freq, time)`` stride.
        padding (tuple): ``(freq, time)`` padding.
        norm_type (str or None): norm identifier, applied to real and imaginary
            parts apart; the conv has a bias only when it is ``None``.
        activation (str or None): activation identifier, on real and imaginary parts.

    Shape:
        - x: complex :math:`(batch, in\\_chan, freq, frames)`
        - output: complex :math:`(batch, out\\_chan, freq', frames')`

    References:
        Choi et al., "Phase-aware Speech Enhancement with Deep Complex U-Net",
        ICLR 2019. https://arxiv.org/abs/1903.03107
    """

    def __init__(
        self,
        in_chan,
        out_chan,
        kernel_size,
        stride,
        padding,
        norm_type="bN",
        activation="leaky_relu",
    ):
        super().__init__()
        self.conv = complex_nn.ComplexConv2d(
            in_chan, out_chan, kernel_size, stride, padding, bias=norm_type is None
        )
        self.norm = _complex_norm(norm_type, out_chan)
        self.activation = _complex_activation(activation)

    def forward(self, x):
        return self.activation(self.norm(self.conv(x)))


class DCUNetComplexDecoderBlock(nn.Module):
    """Complex transposed conv, complex norm and complex activation.

    Args:
        in_chan (int): input channels (including the concatenated skip).
        out_chan (int): output channels.
        kernel_size (tuple): ``(freq, time)`` kernel size.
        stride (tuple): ``(freq, time)`` stride.
        padding (tuple): ``(freq, time)`` padding.
        output_padding (tuple): ``(freq, time)`` output padding.
        norm_type (str or None): norm identifier; the conv has a bias only when ``None``.
        activation (str or None): activation identifier.

    Shape:
        - x: complex :math:`(batch, in\\_chan, freq, frames)`
        - output: complex :math:`(batch, out\\_chan, freq', frames')`
    """

    def __init__(
        self,
        in_chan,
        out_chan,
        kernel_size,
        stride,
        padding,
        output_padding=(0, 0),
        norm_type="bN",
        activation="leaky_relu",
    ):
        super().__init__()
        self.in_chan = in_chan
        self.out_chan = out_chan
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.output_padding = output_padding
        self.deconv = complex_nn.ComplexConvTranspose2d(
            in_chan, out_chan, kernel_size, stride, padding, output_padding, bias=norm_type is None
        )
        self.norm = _complex_norm(norm_type, out_chan)
        self.activation = _complex_activation(activation)

    def forward(self, x):
        return self.activation(self.norm(self.deconv(x)))


_FIX_LENGTH_MODES = (None, "pad", "trim")


@script_if_tracing
def _fix_dcu_input_dims(x, freq_prod: int, time_prod: int, fix_length_mode: str):
    """Check the frequency axis; pad or trim the time axis to a valid length."""
    if (x.shape[1] - 1) % freq_prod:
        raise TypeError(
            f"DCUMaskNet expects an input of shape (batch, freq, frames) with freq - 1 "
            f"divisible by {freq_prod}, got {x.shape}."
        )
    time_remainder = (x.shape[2] - 1) % time_prod
    pad = 0
    if time_remainder:
        if fix_length_mode == "pad":
            pad = time_prod - time_remainder
        elif fix_length_mode == "trim":
            pad = -time_remainder
        else:
            raise TypeError(
                f"DCUMaskNet expects an input of shape (batch, freq, frames) with frames - 1 "
                f"divisible by {time_prod}, got {x.shape}. Set fix_length_mode to 'pad' or "
                f"'trim' to fix the length automatically."
            )
    # Always a new tensor (a negative pad trims): under tracing, the input must
    # stay a distinct value, its length is needed at the end.
    return nn.functional.pad(x, [0, pad])


@script_if_tracing
def _pad_or_crop_time(out, x):
    """Zero-pad at the end, or crop, the last axis of ``out`` to the length of ``x``'s."""
    return nn.functional.pad(out, [0, x.shape[-1] - out.shape[-1]])


class DCUMaskNet(BaseDCUMaskNet):
    """Masker of DCUNet: a complex U-Net with skip connections (Choi et al. 2019).

    Build it from a named architecture with
    ``DCUMaskNet.default_architecture(name, n_src=1, **kwargs)``; the names are
    ``"DCUNet-10"``, ``"DCUNet-16"``, ``"DCUNet-20"``, ``"Large-DCUNet-20"`` and
    ``"mini"`` (see :mod:`~asteroid.masknn._dcunet_architectures`). The last
    decoder tuple becomes the output layer (a complex transposed conv with bias),
    followed by the mask bound.

    Args:
        encoders (tuple): encoder argument tuples ``(in, out, kernel, stride, padding)``.
        decoders (tuple): decoder argument tuples ``(in, out, kernel, stride, padding[,
            output_padding])``, from the bottleneck side.
        fix_length_mode (str or None): what to do when :math:`frames - 1` is not a
            multiple of the product of the time strides: ``None`` raises,
            ``"pad"`` zero-pads the end, ``"trim"`` drops the last frames. The
            output always has the input's number of frames (trimmed frames come
            back as zeros).
        mask_bound (str or None): ``"tanh"``, ``"sigmoid"`` or ``None``.

    Shape:
        - x: complex :math:`(batch, freq, frames)`, :math:`freq - 1` a multiple of the
          product of the frequency strides.
        - output: complex :math:`(batch, n\\_src, freq, frames)`

    Raises:
        TypeError: at run time, for a frequency (or time, without
            ``fix_length_mode``) size the strides do not divide.

    References:
        Choi et al., "Phase-aware Speech Enhancement with Deep Complex U-Net",
        ICLR 2019. https://arxiv.org/abs/1903.03107
    """

    _architectures = DCUNET_ARCHITECTURES

    def __init__(self, encoders, decoders, fix_length_mode=None, **kwargs):
        if fix_length_mode not in _FIX_LENGTH_MODES:
            raise ValueError(
                f"Unknown fix_length_mode {fix_length_mode!r}; expected one of {_FIX_LENGTH_MODES}."
            )
        self.fix_length_mode = fix_length_mode
        self._encoder_args = tuple(tuple(e) for e in encoders)
        self._decoder_args = tuple(tuple(d) for d in decoders)
        self.encoders_stride_product = (
            math.prod(stride[0] for _, _, _, stride, _ in encoders),
            math.prod(stride[1] for _, _, _, stride, _ in encoders),
        )
        super().__init__(
            encoders=[DCUNetComplexEncoderBlock(*args) for args in encoders],
            decoders=[DCUNetComplexDecoderBlock(*args) for args in decoders[:-1]],
            output_layer=complex_nn.ComplexConvTranspose2d(*decoders[-1]),
            **kwargs,
        )

    def fix_input_dims(self, x):
        freq_prod, time_prod = self.encoders_stride_product
        mode = "" if self.fix_length_mode is None else self.fix_length_mode
        return _fix_dcu_input_dims(x, freq_prod, time_prod, mode)

    def fix_output_dims(self, out, x):
        return _pad_or_crop_time(out, x)

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "encoders": self._encoder_args,
            "decoders": self._decoder_args,
            "fix_length_mode": self.fix_length_mode,
            "mask_bound": self.mask_bound,
        }
