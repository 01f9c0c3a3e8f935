"""Convolutional maskers.

This module gathers the convolutional building blocks and maskers:
:class:`Conv1DBlock`, :class:`TDConvNet`, :class:`TDConvNetpp` (from
:mod:`~asteroid.masknn.tdconvnet`), :class:`SuDORMRF`, :class:`SuDORMRFImproved`,
:class:`UBlock`, :class:`UConvBlock` (from :mod:`~asteroid.masknn.sudormrf`) and
:class:`DCUMaskNet` with its complex blocks (from :mod:`~asteroid.masknn.dcunet`).
"""

from .dcunet import DCUMaskNet, DCUNetComplexDecoderBlock, DCUNetComplexEncoderBlock
from .sudormrf import SuDORMRF, SuDORMRFImproved, UBlock, UConvBlock
from .tdconvnet import Conv1DBlock, TDConvNet, TDConvNetpp

__all__ = [
    "Conv1DBlock",
    "TDConvNet",
    "TDConvNetpp",
    "DCUNetComplexEncoderBlock",
    "DCUNetComplexDecoderBlock",
    "DCUMaskNet",
    "SuDORMRF",
    "SuDORMRFImproved",
    "UBlock",
    "UConvBlock",
]
