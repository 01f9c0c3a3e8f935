"""The published metric computation (``pb_bss_eval``), one utterance at a time."""

import warnings

import numpy as np

__all__ = ["pb_bss_eval_utterance"]


def pb_bss_eval_utterance(args):
    """Metrics of one checked utterance through ``pb_bss_eval``, as asteroid 0.7.0 computes them.

    Args:
        args (tuple): ``(utterance, sample_rate, metrics_list, compute_permutation)`` with
            ``utterance`` an :class:`~asteroid.metrics.utterance.Utterance` (one tuple, so that
            the function can be mapped over a process pool).

    Returns:
        dict: metric key -> np.ndarray, or the Exception raised while computing it.
    """
    utt, sample_rate, metrics_list, compute_permutation = args
    from pb_bss_eval import InputMetrics, OutputMetrics

    try:
        input_metrics = InputMetrics(
            observation=utt.mix,
            speech_source=utt.clean,
            enable_si_sdr=True,
            sample_rate=sample_rate,
        )
        output_metrics = OutputMetrics(
            speech_prediction=utt.estimate,
            speech_source=utt.clean,
            enable_si_sdr=True,
            sample_rate=sample_rate,
            compute_permutation=compute_permutation,
        )
    except Exception as err:
        return {prefix + m: err for prefix in ("input_", "") for m in metrics_list}
    out = {}
    for metrics, prefix in [(input_metrics, "input_"), (output_metrics, "")]:
        for metric in metrics_list:
            key = prefix + metric
            if key in utt.problems:
                continue
            try:
                with warnings.catch_warnings():
                    # pb_bss_eval calls mir_eval's bss_eval_sources, deprecated in mir_eval 0.8
                    warnings.simplefilter("ignore", FutureWarning)
                    out[key] = np.asarray(metrics[metric], dtype=np.float64)
            except Exception as err:
                out[key] = err
    return out
