"""Masker networks: the separation cores of the models, with their norms and activations.

Every masker maps an encoder representation :math:`(batch, in\\_chan, frames)`
to masks :math:`(batch, n\\_src, out\\_chan, frames)` (the complex U-Nets map a
complex spectrogram to complex masks), and has a ``get_config()`` that returns
the keyword arguments that rebuild it.
"""

from .attention import DPTransformer
from .convolutional import SuDORMRF, SuDORMRFImproved, TDConvNet, TDConvNetpp
from .recurrent import DPRNN, LSTMMasker
from .sepformer import SepFormerMasker
from .tfgridnet import TFGridNetMasker

__all__ = [
    "TDConvNet",
    "TDConvNetpp",
    "DPRNN",
    "DPTransformer",
    "LSTMMasker",
    "SuDORMRF",
    "SuDORMRFImproved",
    "SepFormerMasker",
    "TFGridNetMasker",
]
