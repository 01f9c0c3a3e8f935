"""DCCRN architectures (Hu et al. 2020), as data.

Each entry is ``(encoders, decoders)``: an encoder is ``(in_chan, out_chan,
kernel_size, stride, padding)``, a decoder ``(in_chan, out_chan, kernel_size,
stride, padding, output_padding)``, sizes as ``(freq, time)``. The decoder
input channels count the concatenated skip. ``mini`` is a tiny one for tests.
"""

__all__ = ["DCCRN_ARCHITECTURES"]

# fmt: off
DCCRN_ARCHITECTURES = {
    "DCCRN-CL": (
        (
            (  1,  16, (5, 2), (2, 1), (2, 0)),
            ( 16,  32, (5, 2), (2, 1), (2, 0)),
            ( 32,  64, (5, 2), (2, 1), (2, 0)),
            ( 64, 128, (5, 2), (2, 1), (2, 0)),
            (128, 128, (5, 2), (2, 1), (2, 0)),
            (128, 128, (5, 2), (2, 1), (2, 0)),
        ),
        (
            (256, 128, (5, 2), (2, 1), (2, 0), (1, 0)),
            (256, 128, (5, 2), (2, 1), (2, 0), (1, 0)),
            (256,  64, (5, 2), (2, 1), (2, 0), (1, 0)),
            (128,  32, (5, 2), (2, 1), (2, 0), (1, 0)),
            ( 64,  16, (5, 2), (2, 1), (2, 0), (1, 0)),
            ( 32,   1, (5, 2), (2, 1), (2, 0), (1, 0)),
        ),
    ),
    "mini": (
        (
            (1, 4, (5, 2), (2, 1), (2, 0)),
            (4, 8, (5, 2), (2, 1), (2, 0)),
        ),
        (
            (16, 4, (5, 2), (2, 1), (2, 0), (1, 0)),
            ( 8, 1, (5, 2), (2, 1), (2, 0), (1, 0)),
        ),
    ),
}
# fmt: on
