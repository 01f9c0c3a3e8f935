"""Plain-Python helpers: dictionaries, signatures, random crops, U-Net arguments."""

import inspect
from collections.abc import MutableMapping

import numpy as np

__all__ = [
    "has_arg",
    "flatten_dict",
    "average_arrays_in_dic",
    "get_wav_random_start_stop",
    "unet_decoder_args",
]


def has_arg(fn, name):
    """Whether ``fn`` accepts ``name`` as a keyword argument (``**kwargs`` does not count)."""
    param = inspect.signature(fn).parameters.get(name)
    return param is not None and param.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def flatten_dict(d, parent_key="", sep="_"):
    """Flatten nested mappings: ``{"a": {"b": 1}}`` -> ``{"a_b": 1}``.

    Args:
        d (MutableMapping): the nested dictionary.
        parent_key (str): prefix put before every key.
        sep (str): separator between key levels.
    """
    flat = {}
    for key, value in d.items():
        full_key = f"{parent_key}{sep}{key}" if parent_key else key
        if isinstance(value, MutableMapping):
            flat.update(flatten_dict(value, full_key, sep=sep))
        else:
            flat[full_key] = value
    return flat


def average_arrays_in_dic(dic):
    """A copy of ``dic`` where every numpy array is replaced by its mean (a float)."""
    return {k: float(v.mean()) if isinstance(v, np.ndarray) else v for k, v in dic.items()}


def get_wav_random_start_stop(signal_len, desired_len=4 * 8000):
    """Random ``(start, stop)`` sample indices of a crop of ``desired_len`` samples.

    The crop starts uniformly in ``[0, signal_len - desired_len)`` (at 0 when
    the signal is not longer than the crop) and is cut at the signal's end.
    ``desired_len=None`` selects the whole signal. Draws from ``np.random``.
    """
    if desired_len is None:
        return 0, signal_len
    start = np.random.randint(0, max(1, signal_len - desired_len))
    return start, min(signal_len, start + desired_len)


def unet_decoder_args(encoders, *, skip_connections):
    """Arguments of the decoders that mirror a U-Net's encoders.

    Args:
        encoders: sequence of ``(in_chan, out_chan, kernel_size, stride, padding)``
            tuples, from the input side.
        skip_connections (bool): whether each decoder but the first also receives
            the matching encoder's output, concatenated on the channels.

    Returns:
        tuple: ``(in_chan, out_chan, kernel_size, stride, padding)`` per decoder,
        from the bottleneck side: each one maps an encoder's ``out_chan`` (doubled
        with skips, except for the first) back to its ``in_chan``.
    """
    decoders = []
    for idx, (in_chan, out_chan, kernel_size, stride, padding) in enumerate(reversed(encoders)):
        dec_in = out_chan * 2 if (skip_connections and idx > 0) else out_chan
        decoders.append((dec_in, in_chan, kernel_size, stride, padding))
    return tuple(decoders)
