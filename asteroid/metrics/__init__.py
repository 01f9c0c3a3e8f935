"""Evaluation metrics: get_metrics, MetricTracker and the fast batched BSS-eval.

:func:`get_metrics` scores one utterance (SI-SDR, BSS-eval SDR/SIR/SAR, STOI, PESQ, for the
mixture and for the estimates); :func:`get_metrics_many` scores a whole test set with batched
BSS-eval and a process pool for STOI/PESQ; :class:`MetricTracker` accumulates, summarises,
saves and reloads them. The metric libraries (``pystoi``, ``pesq``, ``pb_bss_eval``) are
imported only when a metric needs them.
"""

from .bss_eval import bss_eval_sources, pairwise_bss_eval, si_sdr
from .evaluate import BACKENDS, get_metrics, get_metrics_many
from .tracker import F1Tracker, MetricTracker
from .utterance import ALL_METRICS
from .wer import MockWERTracker, WERTracker

__all__ = [
    "ALL_METRICS",
    "BACKENDS",
    "get_metrics",
    "get_metrics_many",
    "MetricTracker",
    "F1Tracker",
    "WERTracker",
    "MockWERTracker",
    "bss_eval_sources",
    "pairwise_bss_eval",
    "si_sdr",
]
