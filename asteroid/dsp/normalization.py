"""Loudness normalisation of separated estimates."""

import numpy as np

__all__ = ["normalize_estimates"]


def normalize_estimates(est_np, mix_np):
    """Scale each estimate so that its peak amplitude equals the mixture's.

    Args:
        est_np (numpy.ndarray): estimates, shape ``(n_src, time)``.
        mix_np (numpy.ndarray): the mixture, shape ``(time,)``.

    Returns:
        numpy.ndarray: the rescaled estimates, shape ``(n_src, time)``. An all-zero
        estimate stays zero.
    """
    est_np = np.asarray(est_np)
    mix_max = np.max(np.abs(mix_np))
    est_max = np.max(np.abs(est_np.reshape(len(est_np), -1)), axis=-1)
    est_max = est_max.reshape((-1,) + (1,) * (est_np.ndim - 1))
    gain = np.divide(mix_max, est_max, out=np.zeros_like(est_max, dtype=float), where=est_max > 0)
    return est_np * gain.astype(est_np.dtype, copy=False)
