"""Signal-processing blocks: overlap-add, dual-path processing, consistency, beamforming.

Sub-modules: :mod:`~asteroid.dsp.overlap_add`, :mod:`~asteroid.dsp.consistency`,
:mod:`~asteroid.dsp.beamforming`, :mod:`~asteroid.dsp.vad`, :mod:`~asteroid.dsp.deltas`,
:mod:`~asteroid.dsp.normalization`, :mod:`~asteroid.dsp.spatial`.
"""

from .beamforming import (  # noqa: F401  (reachable here, as published, but not in __all__)
    SCM,
    Beamformer,
    GEVBeamformer,
    GEVDBeamformer,
    RTFMVDRBeamformer,
    SDWMWFBeamformer,
    SoudenMVDRBeamformer,
)
from .consistency import mixture_consistency
from .overlap_add import DualPathProcessing, LambdaOverlapAdd

__all__ = [
    "mixture_consistency",
    "LambdaOverlapAdd",
    "DualPathProcessing",
]
