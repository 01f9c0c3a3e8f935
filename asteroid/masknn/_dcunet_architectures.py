"""DCUNet architectures (Choi et al. 2019), as data.

Each entry is ``(encoders, decoders)``. An encoder is ``(in_chan, out_chan,
kernel_size, stride, padding)``, a decoder ``(in_chan, out_chan, kernel_size,
stride, padding, output_padding)``; sizes are ``(freq, time)``. A padding of
``"auto"`` means half the kernel size. Decoders given as ``"auto"`` mirror the
encoders, with the skip connections doubling their input channels
(:func:`~asteroid.utils.generic_utils.unet_decoder_args`). The ``mini``
architecture is a tiny one for tests.
"""

from ..utils.generic_utils import unet_decoder_args

__all__ = ["DCUNET_ARCHITECTURES", "make_unet_encoder_decoder_args"]


def _resolve_padding(kernel_size, padding):
    return tuple(k // 2 for k in kernel_size) if padding == "auto" else padding


def make_unet_encoder_decoder_args(encoder_args, decoder_args):
    """Resolve ``"auto"`` paddings and ``"auto"`` decoders of an architecture table entry.

    Returns:
        tuple: ``(encoders, decoders)``, tuples of argument tuples.
    """
    encoders = tuple(
        (in_chan, out_chan, kernel, stride, _resolve_padding(kernel, padding))
        for in_chan, out_chan, kernel, stride, padding in encoder_args
    )
    if decoder_args == "auto":
        decoders = unet_decoder_args(encoders, skip_connections=True)
    else:
        decoders = tuple(
            (in_chan, out_chan, kernel, stride, _resolve_padding(kernel, padding), out_pad)
            for in_chan, out_chan, kernel, stride, padding, out_pad in decoder_args
        )
    return encoders, decoders


# fmt: off
DCUNET_ARCHITECTURES = {
    "DCUNet-10": make_unet_encoder_decoder_args(
        # (in_chan, out_chan, kernel_size, stride, padding)
        (
            ( 1, 32, (7, 5), (2, 2), "auto"),
            (32, 64, (7, 5), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 1), "auto"),
        ),
        "auto",
    ),
    "DCUNet-16": make_unet_encoder_decoder_args(
        (
            ( 1, 32, (7, 5), (2, 2), "auto"),
            (32, 32, (7, 5), (2, 1), "auto"),
            (32, 64, (7, 5), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 1), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 1), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 1), "auto"),
        ),
        "auto",
    ),
    "DCUNet-20": make_unet_encoder_decoder_args(
        (
            ( 1, 32, (7, 1), (1, 1), "auto"),
            (32, 32, (1, 7), (1, 1), "auto"),
            (32, 64, (7, 5), (2, 2), "auto"),
            (64, 64, (7, 5), (2, 1), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 1), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 64, (5, 3), (2, 1), "auto"),
            (64, 64, (5, 3), (2, 2), "auto"),
            (64, 90, (5, 3), (2, 1), "auto"),
        ),
        "auto",
    ),
    "Large-DCUNet-20": make_unet_encoder_decoder_args(
        (
            ( 1,  45, (7, 1), (1, 1), "auto"),
            (45,  45, (1, 7), (1, 1), "auto"),
            (45,  90, (7, 5), (2, 2), "auto"),
            (90,  90, (7, 5), (2, 1), "auto"),
            (90,  90, (5, 3), (2, 2), "auto"),
            (90,  90, (5, 3), (2, 1), "auto"),
            (90,  90, (5, 3), (2, 2), "auto"),
            (90,  90, (5, 3), (2, 1), "auto"),
            (90,  90, (5, 3), (2, 2), "auto"),
            (90, 128, (5, 3), (2, 1), "auto"),
        ),
        # (in_chan, out_chan, kernel_size, stride, padding, output_padding)
        (
            (128, 90, (5, 3), (2, 1), "auto", (0, 0)),
            (180, 90, (5, 3), (2, 2), "auto", (0, 0)),
            (180, 90, (5, 3), (2, 1), "auto", (0, 0)),
            (180, 90, (5, 3), (2, 2), "auto", (0, 0)),
            (180, 90, (5, 3), (2, 1), "auto", (0, 0)),
            (180, 90, (5, 3), (2, 2), "auto", (0, 0)),
            (180, 90, (7, 5), (2, 1), "auto", (0, 0)),
            (180, 90, (7, 5), (2, 2), "auto", (0, 0)),
            (135, 90, (1, 7), (1, 1), "auto", (0, 0)),
            (135,  1, (7, 1), (1, 1), "auto", (0, 0)),
        ),
    ),
    "mini": make_unet_encoder_decoder_args(
        (
            (1,  4, (7, 5), (2, 2), "auto"),
            (4,  8, (7, 5), (2, 2), "auto"),
            (8, 16, (5, 3), (2, 2), "auto"),
        ),
        "auto",
    ),
}
# fmt: on
