"""Input checks of one utterance (mixture, references, estimates) before any metric runs.

Shape problems (wrong number of dimensions, different lengths, a wrong number of sources) make
every metric meaningless and always raise. Content problems (NaN, all-zero signals, a sample
rate PESQ does not support) only invalidate some metrics: they raise, or with
``ignore_metrics_errors=True`` those metrics are recorded as missing.
"""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ALL_METRICS", "Utterance", "prepare_utterance", "normalize_metrics_list"]

ALL_METRICS = ["si_sdr", "sdr", "sir", "sar", "stoi", "pesq"]
BSS_METRICS = ("sdr", "sir", "sar")
PERCEPTUAL_METRICS = ("stoi", "pesq")
PESQ_MODES = {8000: "nb", 16000: "wb"}
# Permutations are searched exhaustively; beyond this the source axis is surely wrong.
MAX_SOURCES = 9


@dataclass
class Utterance:
    """A checked utterance: 2-D float arrays and the metric keys that cannot be computed.

    Attributes:
        mix (np.ndarray): mixture channels :math:`(C, T)`.
        clean (np.ndarray): reference sources :math:`(S, T)`.
        estimate (np.ndarray): estimates :math:`(E, T)`, :math:`E = S` (or :math:`S + 1` with
            a permutation search).
        filename (str): name used in messages.
        problems (dict): metric key (``"input_sdr"``, ``"pesq"``, ...) -> why it is missing.
        clean_ok (bool): the references are finite and none is silent.
        mix_ok (bool): the mixture channels are finite and none is silent.
        estimate_ok (bool): the estimates are finite and none is silent (BSS-eval needs it).
    """

    mix: np.ndarray
    clean: np.ndarray
    estimate: np.ndarray
    filename: str
    problems: dict = field(default_factory=dict)
    clean_ok: bool = True
    mix_ok: bool = True
    estimate_ok: bool = True

    @property
    def n_src(self):
        return self.clean.shape[0]

    @property
    def n_channels(self):
        return self.mix.shape[0]


def normalize_metrics_list(metrics_list):
    """``"all"``, one name or a list of names -> list of known metric names.

    Raises:
        ValueError: on an unknown metric name.
    """
    if metrics_list == "all":
        return list(ALL_METRICS)
    if isinstance(metrics_list, str):
        metrics_list = [metrics_list]
    metrics_list = list(metrics_list)
    unknown = [m for m in metrics_list if m not in ALL_METRICS]
    if unknown:
        raise ValueError(f"Unknown metric(s) {unknown}; expected names among {ALL_METRICS}.")
    return metrics_list


def _to_2d_array(x, name, filename):
    if hasattr(x, "detach"):  # torch tensor, without importing torch here
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise ValueError(f"{name} of {filename} must hold real numbers, got dtype {x.dtype}.")
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2:
        raise ValueError(
            f"{name} of {filename} must be 1-D (time,) or 2-D (n, time), got shape {list(x.shape)}."
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} of {filename} is empty (shape {list(x.shape)}).")
    return x


def _bad_rows(x):
    """Indices of rows with non-finite values, and of all-zero rows."""
    non_finite = np.nonzero(~np.isfinite(x).all(axis=-1))[0].tolist()
    silent = np.nonzero((x == 0).all(axis=-1))[0].tolist()
    return non_finite, silent


def prepare_utterance(
    mix,
    clean,
    estimate,
    metrics_list,
    sample_rate,
    compute_permutation=False,
    filename=None,
    max_sources=MAX_SOURCES,
):
    """Check and normalise the inputs of one utterance.

    Args:
        mix (array-like): :math:`(T,)` or :math:`(C, T)`.
        clean (array-like): :math:`(T,)` or :math:`(S, T)`.
        estimate (array-like): :math:`(T,)` or :math:`(E, T)`.
        metrics_list (list): metric names (already normalised).
        sample_rate (int): sample rate in Hz.
        compute_permutation (bool): whether estimates are matched to sources first (allows
            one extra estimate).
        filename (str, optional): name used in messages.
        max_sources (int): largest accepted number of sources.

    Returns:
        Utterance: the arrays and the per-metric problems found.

    Raises:
        ValueError: on shape problems (always).
    """
    filename = filename or "<unknown file>"
    mix = _to_2d_array(mix, "mix", filename)
    clean = _to_2d_array(clean, "clean", filename)
    estimate = _to_2d_array(estimate, "estimate", filename)
    lengths = {"mix": mix.shape[1], "clean": clean.shape[1], "estimate": estimate.shape[1]}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            f"mix, clean and estimate of {filename} must have the same number of samples, got "
            f"{lengths}."
        )
    n_src, n_est = clean.shape[0], estimate.shape[0]
    if n_src > max_sources:
        raise ValueError(
            f"clean of {filename} has {n_src} sources (shape {list(clean.shape)}); at most "
            f"{max_sources} are supported. Are the axes (n_src, time)?"
        )
    allowed = (n_src, n_src + 1) if compute_permutation else (n_src,)
    if n_est not in allowed:
        hint = "" if compute_permutation else " (one more is accepted with compute_permutation)"
        raise ValueError(
            f"estimate of {filename} has {n_est} sources but clean has {n_src}: expected "
            f"{' or '.join(map(str, allowed))}{hint}."
        )
    utt = Utterance(mix=mix, clean=clean, estimate=estimate, filename=filename)

    def invalidate(keys, reason):
        for key in keys:
            utt.problems.setdefault(key, reason)

    inputs = ["input_" + m for m in metrics_list]
    outputs = list(metrics_list)
    non_finite, silent = _bad_rows(clean)
    utt.clean_ok = not (non_finite or silent)
    if non_finite:
        invalidate(inputs + outputs, f"clean source(s) {non_finite} contain NaN or inf")
    if silent:
        invalidate(inputs + outputs, f"clean source(s) {silent} are all zeros")
    non_finite, silent = _bad_rows(mix)
    utt.mix_ok = not (non_finite or silent)
    if non_finite:
        invalidate(inputs, f"mix channel(s) {non_finite} contain NaN or inf")
    if silent:
        invalidate(inputs, f"mix channel(s) {silent} are all zeros")
    non_finite, silent = _bad_rows(estimate)
    utt.estimate_ok = not (non_finite or silent)
    if non_finite:
        invalidate(outputs, f"estimate source(s) {non_finite} contain NaN or inf")
    if silent:
        # BSS-eval is undefined for a silent estimate, and so is its permutation.
        dependent = outputs if compute_permutation else [m for m in outputs if m in BSS_METRICS]
        invalidate(dependent, f"estimate source(s) {silent} are all zeros")
    if "pesq" in metrics_list and sample_rate not in PESQ_MODES:
        invalidate(
            ["input_pesq", "pesq"],
            f"PESQ is defined at 8000 Hz (narrow-band) or 16000 Hz (wide-band), got "
            f"sample_rate={sample_rate}",
        )
    return utt
