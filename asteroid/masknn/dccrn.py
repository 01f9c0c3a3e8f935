"""Deep Complex Convolution Recurrent Network masker (Hu et al. 2020)."""

import math

from torch import nn

from .. import complex_nn
from . import norms
from ._dccrn_architectures import DCCRN_ARCHITECTURES
from .base import BaseDCUMaskNet
from .dcunet import DCUNetComplexDecoderBlock, DCUNetComplexEncoderBlock

__all__ = ["DCCRMaskNetRNN", "DCCRMaskNet"]


class DCCRMaskNetRNN(nn.Module):
    """Complex RNN and complex linear layer between the DCCRN encoders and decoders.

    Channels and frequencies are flattened into the features of each frame.

    Args:
        in_size (int): channels times frequencies of the last encoder output.
        hid_size (int): hidden units of the complex RNN.
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        n_layers (int): complex RNN layers.
        norm_type (str, optional): norm applied to the ``in_size`` features of the
            linear layer's output (not in the paper; the published toolkit never
            built it). ``None`` for none.
        **rnn_kwargs: passed to :class:`~asteroid.complex_nn.ComplexSingleRNN`.

    Shape:
        - x: complex :math:`(batch, chan, freq, frames)` with ``chan * freq == in_size``.
        - output: same as ``x``.

    References:
        Hu et al., "DCCRN: Deep Complex Convolution Recurrent Network for
        Phase-Aware Speech Enhancement", Interspeech 2020.
        https://arxiv.org/abs/2008.00264
    """

    def __init__(
        self, in_size, hid_size=128, rnn_type="LSTM", n_layers=2, norm_type=None, **rnn_kwargs
    ):
        super().__init__()
        self.rnn = complex_nn.ComplexSingleRNN(
            rnn_type, in_size, hid_size, n_layers=n_layers, **rnn_kwargs
        )
        self.linear = complex_nn.ComplexMultiplicationWrapper(
            nn.Linear, self.rnn.output_size, in_size
        )
        norm_cls = norms.get_complex(norm_type)
        self.norm = None if norm_cls is None else norm_cls(in_size)

    def forward(self, x):
        batch, chan, freq, n_frames = x.shape
        feats = x.permute(0, 3, 1, 2).reshape(batch, n_frames, chan * freq)
        feats = self.linear(self.rnn(feats))  # batch, frames, chan * freq
        if self.norm is not None:
            feats = self.norm(feats.transpose(1, 2)).transpose(1, 2)
        return feats.view(batch, n_frames, chan, freq).permute(0, 2, 3, 1)


class DCCRMaskNet(BaseDCUMaskNet):
    """Masker of DCCRNet: complex convolutional U-Net with a complex LSTM bottleneck.

    Build it from a named architecture with
    ``DCCRMaskNet.default_architecture(name, n_src=1, n_freqs=..., **kwargs)``;
    the names are ``"DCCRN-CL"`` and ``"mini"``. Encoders and decoders use
    PReLU activations; the bottleneck is a :class:`DCCRMaskNetRNN`.

    Args:
        encoders (tuple): encoder argument tuples ``(in, out, kernel, stride, padding)``.
        decoders (tuple): decoder argument tuples ``(in, out, kernel, stride, padding,
            output_padding)``.
        n_freqs (int): frequency bins of the input, a multiple of the product of
            the encoders' frequency strides.
        mask_bound (str or None): ``"tanh"``, ``"sigmoid"`` or ``None``.

    Shape:
        - x: complex :math:`(batch, n\\_freqs, frames)`
        - output: complex :math:`(batch, n\\_src, n\\_freqs, frames)`

    Raises:
        TypeError: at run time, for a number of frequencies the strides do not divide.

    References:
        Hu et al., "DCCRN: Deep Complex Convolution Recurrent Network for
        Phase-Aware Speech Enhancement", Interspeech 2020.
        https://arxiv.org/abs/2008.00264
    """

    _architectures = DCCRN_ARCHITECTURES

    def __init__(self, encoders, decoders, n_freqs, **kwargs):
        self.n_freqs = n_freqs
        self._encoder_args = tuple(tuple(e) for e in encoders)
        self._decoder_args = tuple(tuple(d) for d in decoders)
        self.encoders_stride_product = (
            math.prod(stride[0] for _, _, _, stride, _ in encoders),
            math.prod(stride[1] for _, _, _, stride, _ in encoders),
        )
        # A plain int: the published code passed a numpy integer to the LSTM,
        # which current torch refuses.
        rnn_in_size = int(encoders[-1][1] * math.ceil(n_freqs / self.encoders_stride_product[0]))
        super().__init__(
            encoders=[
                *(DCUNetComplexEncoderBlock(*args, activation="prelu") for args in encoders),
                DCCRMaskNetRNN(rnn_in_size),
            ],
            decoders=[
                nn.Identity(),
                *(DCUNetComplexDecoderBlock(*args, activation="prelu") for args in decoders[:-1]),
            ],
            output_layer=complex_nn.ComplexConvTranspose2d(*decoders[-1]),
            **kwargs,
        )

    def fix_input_dims(self, x):
        freq_prod = self.encoders_stride_product[0]
        if x.shape[1] % freq_prod:
            raise TypeError(
                f"DCCRMaskNet expects an input of shape (batch, freq, frames) with freq "
                f"divisible by {freq_prod}, got {x.shape}."
            )
        return x

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "encoders": self._encoder_args,
            "decoders": self._decoder_args,
            "n_freqs": self.n_freqs,
            "mask_bound": self.mask_bound,
        }
