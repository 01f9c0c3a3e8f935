"""Training losses and permutation-invariant wrappers.

Names state their shape contract: ``pairwise_*`` losses return :math:`(B, S, S)` (entry
:math:`[b, i, j]` = loss of estimate :math:`i` against target :math:`j`), ``singlesrc_*``
losses take :math:`(B, T)` and return :math:`(B,)`, ``multisrc_*`` losses take :math:`(B, S, T)`
sources in a given order and return :math:`(B,)`. SDR-type losses are negated (lower is
better). :class:`PITLossWrapper`, :class:`MixITLossWrapper` and :class:`SinkPITLossWrapper` turn
them into permutation (or mixture) invariant losses.
"""

from .cluster import deep_clustering_loss
from .mixit_wrapper import MixITLossWrapper
from .mse import (
    MultiSrcMSE,
    PairwiseMSE,
    SingleSrcMSE,
    multisrc_mse,
    pairwise_mse,
    singlesrc_mse,
)
from .multi_scale_spectral import SingleSrcMultiScaleSpectral
from .pit_wrapper import PITLossWrapper, PITReorder
from .pmsqe import SingleSrcPMSQE
from .sdr import (
    MultiSrcNegSDR,
    PairwiseNegSDR,
    SingleSrcNegSDR,
    multisrc_neg_sdsdr,
    multisrc_neg_sisdr,
    multisrc_neg_snr,
    pairwise_neg_sdsdr,
    pairwise_neg_sisdr,
    pairwise_neg_snr,
    singlesrc_neg_sdsdr,
    singlesrc_neg_sisdr,
    singlesrc_neg_snr,
)
from .sinkpit_wrapper import SinkPITLossWrapper
from .soft_f1 import F1_loss
from .stoi import NegSTOILoss

# Published name of the STOI loss.
SingleSrcNegSTOI = NegSTOILoss

__all__ = [
    "PITLossWrapper",
    "PITReorder",
    "MixITLossWrapper",
    "SinkPITLossWrapper",
    "PairwiseNegSDR",
    "SingleSrcNegSDR",
    "MultiSrcNegSDR",
    "singlesrc_neg_sisdr",
    "pairwise_neg_sisdr",
    "multisrc_neg_sisdr",
    "pairwise_neg_sdsdr",
    "singlesrc_neg_sdsdr",
    "multisrc_neg_sdsdr",
    "pairwise_neg_snr",
    "singlesrc_neg_snr",
    "multisrc_neg_snr",
    "PairwiseMSE",
    "SingleSrcMSE",
    "MultiSrcMSE",
    "pairwise_mse",
    "singlesrc_mse",
    "multisrc_mse",
    "deep_clustering_loss",
    "SingleSrcPMSQE",
    "SingleSrcNegSTOI",
    "SingleSrcMultiScaleSpectral",
    "F1_loss",
]
