"""Separation metrics of utterances: SI-SDR, BSS-eval SDR/SIR/SAR, STOI and PESQ.

Two back-ends give the same numbers:

* ``"fast"`` (default): BSS-eval batched on PyTorch (:mod:`asteroid.metrics.bss_eval`), SI-SDR
  in NumPy, STOI and PESQ from :mod:`pystoi` and :mod:`pesq` called exactly as ``pb_bss_eval``
  calls them; :func:`get_metrics_many` spreads STOI/PESQ over a process pool while BSS-eval
  runs in batches.
* ``"pb_bss_eval"``: the published path, through ``pb_bss_eval.InputMetrics`` and
  ``OutputMetrics`` (``mir_eval`` for BSS-eval).

Conventions (those of the published toolkit): ``input_<m>`` compares the mixture with each
reference (one value per source and mixture channel, no permutation); ``<m>`` compares the
estimates with the references. SDR/SIR/SAR of the estimates always use BSS-eval's own best
permutation (by mean SIR); SI-SDR, STOI and PESQ use the given order unless
``compute_permutation=True``, which applies that same permutation.

Values of BSS-eval ratios beyond about 200 dB (e.g. the input SAR of a noiseless mixture, which
is exactly a sum of the references) are floating-point noise in every implementation and differ
between back-ends; every other value agrees to about 1e-6 (SI-SDR is computed in float64 here,
in the input's precision by ``pb_bss_eval``).
"""

import warnings

import numpy as np

from .bss_eval import FILTER_LENGTH, best_permutation, pairwise_bss_eval, si_sdr
from .parallel import WorkerPool, map_in_pool, resolve_n_jobs
from .published import pb_bss_eval_utterance
from .utterance import (
    ALL_METRICS,
    BSS_METRICS,
    MAX_SOURCES,
    PERCEPTUAL_METRICS,
    PESQ_MODES,
    normalize_metrics_list,
    prepare_utterance,
)

__all__ = ["ALL_METRICS", "BACKENDS", "get_metrics", "get_metrics_many"]

BACKENDS = ("fast", "pb_bss_eval")
# pb_bss_eval refuses more sources than this.
PB_BSS_EVAL_MAX_SOURCES = 5


def get_metrics(
    mix,
    clean,
    estimate,
    sample_rate=16000,
    metrics_list="all",
    average=True,
    compute_permutation=False,
    ignore_metrics_errors=False,
    filename=None,
    backend="fast",
    device=None,
):
    r"""Metrics of one utterance: the mixture and the estimates against the references.

    Args:
        mix (np.ndarray): the mixture.
        clean (np.ndarray): the reference sources.
        estimate (np.ndarray): the estimated sources.
        sample_rate (int): sample rate in Hz (PESQ: 8000 narrow-band or 16000 wide-band).
        metrics_list (str or list): names among :data:`ALL_METRICS`, one name, or ``"all"``.
        average (bool): return the mean of each metric over sources (and channels) as a
            float; otherwise NumPy arrays.
        compute_permutation (bool): match the estimates to the references (BSS-eval's best
            mean SIR) before SI-SDR, STOI and PESQ.
        ignore_metrics_errors (bool): record a metric that cannot be computed as ``None``
            with a warning, instead of raising.
        filename (str, optional): named in warnings and errors.
        backend (str): ``"fast"`` or ``"pb_bss_eval"`` (the published computation).
        device (str or torch.device, optional): where the fast BSS-eval runs (default CPU).

    Returns:
        dict: ``input_<m>`` for every metric, then ``<m>``; floats with ``average``, else
        arrays of shape :math:`(S, C)` (input) and :math:`(S,)` (output).

    Shape:
        - mix: :math:`(T,)` or :math:`(C, T)`.
        - clean: :math:`(T,)` or :math:`(S, T)`.
        - estimate: :math:`(T,)` or :math:`(S, T)` (:math:`S + 1` allowed with
          ``compute_permutation``).

    Raises:
        ValueError: on shape problems; on content problems (NaN, all-zero signals, a
            sample rate PESQ does not support) unless ``ignore_metrics_errors``.
        RuntimeError: when a metric library fails, unless ``ignore_metrics_errors``.

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> clean = rng.standard_normal((2, 16000))
        >>> est = clean + 0.1 * rng.standard_normal((2, 16000))
        >>> metrics = get_metrics(clean.sum(0), clean, est, sample_rate=16000,
        ...                       metrics_list=["si_sdr", "sdr"])
        >>> sorted(metrics)
        ['input_sdr', 'input_si_sdr', 'sdr', 'si_sdr']
    """
    return get_metrics_many(
        [mix],
        [clean],
        [estimate],
        sample_rate=sample_rate,
        metrics_list=metrics_list,
        average=average,
        compute_permutation=compute_permutation,
        ignore_metrics_errors=ignore_metrics_errors,
        filenames=[filename],
        backend=backend,
        n_jobs=1,
        device=device,
    )[0]


def get_metrics_many(
    mixes,
    cleans,
    estimates,
    sample_rate=16000,
    metrics_list="all",
    average=True,
    compute_permutation=False,
    ignore_metrics_errors=False,
    filenames=None,
    backend="fast",
    n_jobs=None,
    device=None,
    batch_size=16,
):
    r"""Metrics of many utterances at once, using every core.

    Same arguments and per-utterance results as :func:`get_metrics`, for lists of utterances
    (each may have its own length). With the fast back-end, BSS-eval runs in batches of
    ``batch_size`` utterances of similar lengths on ``device`` while STOI and PESQ (serial C
    and NumPy code) run in a pool of ``n_jobs`` processes. With ``"pb_bss_eval"``, whole
    utterances are spread over the pool.

    Args:
        mixes (sequence of np.ndarray): mixtures.
        cleans (sequence of np.ndarray): references.
        estimates (sequence of np.ndarray): estimates.
        sample_rate (int): sample rate in Hz, shared by all utterances.
        metrics_list (str or list): see :func:`get_metrics`.
        average (bool): see :func:`get_metrics`.
        compute_permutation (bool): see :func:`get_metrics`.
        ignore_metrics_errors (bool): see :func:`get_metrics`.
        filenames (sequence of str, optional): one name per utterance.
        backend (str): ``"fast"`` or ``"pb_bss_eval"``.
        n_jobs (int, optional): worker processes; ``None`` uses every available core, 1
            computes everything in this process.
        device (str or torch.device, optional): where the fast BSS-eval runs.
        batch_size (int): utterances per BSS-eval batch.

    Returns:
        list of dict: one :func:`get_metrics` result per utterance, in order.
    """
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}; expected one of {list(BACKENDS)}.")
    metrics_list = normalize_metrics_list(metrics_list)
    n_utt = len(mixes)
    if not len(cleans) == len(estimates) == n_utt:
        raise ValueError(
            f"Expected as many mixtures, references and estimates, got {n_utt}, {len(cleans)} "
            f"and {len(estimates)}."
        )
    filenames = [None] * n_utt if filenames is None else list(filenames)
    if len(filenames) != n_utt:
        raise ValueError(f"Expected {n_utt} filenames, got {len(filenames)}.")
    max_sources = PB_BSS_EVAL_MAX_SOURCES if backend == "pb_bss_eval" else MAX_SOURCES
    utts = [
        prepare_utterance(
            mix,
            clean,
            est,
            metrics_list,
            sample_rate,
            compute_permutation=compute_permutation,
            filename=name,
            max_sources=max_sources,
        )
        for mix, clean, est, name in zip(mixes, cleans, estimates, filenames)
    ]
    if not ignore_metrics_errors:
        for utt in utts:
            if utt.problems:
                key, reason = next(iter(utt.problems.items()))
                raise ValueError(f"Cannot compute {key} for {utt.filename}: {reason}.")
    n_jobs = resolve_n_jobs(n_jobs, n_utt)
    args = (sample_rate, metrics_list, compute_permutation)
    if backend == "pb_bss_eval":
        results = map_in_pool(pb_bss_eval_utterance, [(u, *args) for u in utts], n_jobs)
    else:
        results = _fast_utterances(utts, *args, n_jobs=n_jobs, device=device, batch_size=batch_size)
    return [
        _finalize(utt, res, metrics_list, average, ignore_metrics_errors)
        for utt, res in zip(utts, results)
    ]


# ----------------------------------------------------------------------------- fast back-end
def _fast_utterances(
    utts, sample_rate, metrics_list, compute_permutation, n_jobs, device, batch_size
):
    """Per utterance, a dict key -> value (np.ndarray) or Exception."""
    results = [{} for _ in utts]
    need_bss = any(m in BSS_METRICS for m in metrics_list)
    perceptual = [m for m in metrics_list if m in PERCEPTUAL_METRICS]
    need_perm = compute_permutation and any(m not in BSS_METRICS for m in metrics_list)
    with WorkerPool(n_jobs) as pool:
        futures = {}
        if perceptual and not need_perm:
            # Independent of BSS-eval: start them now, they run while BSS-eval does.
            for i, utt in enumerate(utts):
                futures[i] = pool.submit(
                    _perceptual_job, _perceptual_args(utt, None, perceptual, sample_rate)
                )
        perms = [None] * len(utts)
        if need_bss or need_perm:
            perms = _bss_eval_batches(utts, results, metrics_list, need_perm, device, batch_size)
        if perceptual and need_perm:
            for i, utt in enumerate(utts):
                futures[i] = pool.submit(
                    _perceptual_job, _perceptual_args(utt, perms[i], perceptual, sample_rate)
                )
        if "si_sdr" in metrics_list:
            for utt, res, perm in zip(utts, results, perms):
                _si_sdr_into(utt, res, perm, compute_permutation)
        for i, future in futures.items():
            results[i].update(future.result())
    return results


def _bss_eval_batches(utts, results, metrics_list, need_perm, device, batch_size):
    """Fill input/output SDR/SIR/SAR into ``results``; return each utterance's permutation."""
    import torch

    want_bss = [m for m in metrics_list if m in BSS_METRICS]
    perms = [None] * len(utts)
    jobs = []  # (utterance index, score the estimates, score the mixture)
    for i, utt in enumerate(utts):
        out_ok = utt.clean_ok and utt.estimate_ok and (bool(want_bss) or need_perm)
        in_ok = utt.clean_ok and utt.mix_ok and bool(want_bss)
        if out_ok or in_ok:
            jobs.append((i, out_ok, in_ok))
    # Group by (n_src, n_rows) and batch utterances of similar lengths together.
    groups = {}
    for i, out_ok, in_ok in jobs:
        utt = utts[i]
        n_rows = (utt.estimate.shape[0] if out_ok else 0) + (utt.n_channels if in_ok else 0)
        groups.setdefault((utt.n_src, n_rows), []).append((i, out_ok, in_ok))
    for (n_src, n_rows), members in groups.items():
        members.sort(key=lambda job: utts[job[0]].clean.shape[1])
        for chunk in _chunks(members, utts, n_src, n_rows, batch_size):
            length = max(utts[i].clean.shape[1] for i, _, _ in chunk)
            refs, rows = [], []
            for i, out_ok, in_ok in chunk:
                utt = utts[i]
                parts = ([utt.estimate] if out_ok else []) + ([utt.mix] if in_ok else [])
                refs.append(_pad(utt.clean, length))
                rows.append(_pad(np.concatenate(parts, axis=0), length))
            ref_t = torch.from_numpy(np.stack(refs).astype(np.float64)).to(device or "cpu")
            row_t = torch.from_numpy(np.stack(rows).astype(np.float64)).to(device or "cpu")
            sdr, sir, sar = (m.cpu() for m in pairwise_bss_eval(ref_t, row_t))
            for b, (i, out_ok, in_ok) in enumerate(chunk):
                utt, res = utts[i], results[i]
                n_est = utt.estimate.shape[0] if out_ok else 0
                if out_ok:
                    perm = best_permutation(sir[b : b + 1, :n_est])[0]
                    perms[i] = perm.numpy()
                    src = torch.arange(utt.n_src)
                    for name, val in zip(BSS_METRICS, (sdr, sir, sar)):
                        if name in want_bss:
                            res[name] = val[b, perm, src].numpy()
                if in_ok:
                    for name, val in zip(BSS_METRICS, (sdr, sir, sar)):
                        if name in want_bss:
                            # rows n_est.. are the mixture channels: (C, S) -> (S, C)
                            res["input_" + name] = val[b, n_est:].numpy().T.copy()
    return perms


def _chunks(members, utts, n_src, n_rows, batch_size, max_elements=2**25):
    """Consecutive (length-sorted) jobs, at most ``batch_size`` per chunk and few enough that
    the largest intermediate tensor (batch x sources x rows x FFT size) stays bounded."""
    chunk, longest = [], 0
    for job in members:
        length = utts[job[0]].clean.shape[1]
        n_fft = 1 << int(np.ceil(np.log2(max(length, longest) + FILTER_LENGTH - 1)))
        if chunk and (
            len(chunk) == batch_size or (len(chunk) + 1) * n_src * n_rows * n_fft > max_elements
        ):
            yield chunk
            chunk, longest = [], 0
        chunk.append(job)
        longest = max(longest, length)
    if chunk:
        yield chunk


def _si_sdr_into(utt, res, perm, compute_permutation):
    if "input_si_sdr" not in utt.problems:
        res["input_si_sdr"] = si_sdr(utt.clean[:, None, :], utt.mix[None, :, :])  # S, C
    if "si_sdr" not in utt.problems and not (compute_permutation and perm is None):
        est = utt.estimate[perm] if compute_permutation else utt.estimate
        res["si_sdr"] = si_sdr(utt.clean, est)


def _perceptual_args(utt, perm, perceptual, sample_rate):
    est = utt.estimate[perm] if perm is not None else utt.estimate
    keys = [k for m in perceptual for k in ("input_" + m, m) if k not in utt.problems]
    return utt.mix, utt.clean, est, keys, sample_rate


def _perceptual_job(args):
    """STOI and PESQ of one utterance (runs in a worker process): key -> array or Exception."""
    mix, clean, est, keys, sample_rate = args
    out = {}
    for key in keys:
        metric = key[len("input_") :] if key.startswith("input_") else key
        try:
            if key.startswith("input_"):
                # Every (source, channel) pair: (S, C)
                value = np.array(
                    [[_perceptual(metric, ref, chan, sample_rate) for chan in mix] for ref in clean]
                )
            else:
                value = np.array(
                    [_perceptual(metric, ref, e, sample_rate) for ref, e in zip(clean, est)]
                )
            out[key] = value
        except Exception as err:  # reported per metric by _finalize
            out[key] = err
    return out


def _perceptual(metric, reference, estimate, sample_rate):
    if metric == "stoi":
        from pystoi import stoi

        return stoi(reference, estimate, fs_sig=sample_rate)
    import pesq

    return pesq.pesq(ref=reference, deg=estimate, fs=sample_rate, mode=PESQ_MODES[sample_rate])


# ------------------------------------------------------------------------------- assembling
def _finalize(utt, res, metrics_list, average, ignore_errors):
    """Ordered result dict of one utterance; missing metrics raise or become None."""
    out = {}
    for prefix in ("input_", ""):
        for metric in metrics_list:
            key = prefix + metric
            value = res.get(key)
            problem = utt.problems.get(key)
            if problem is None and not isinstance(value, (Exception, type(None))):
                if np.isnan(value).any():
                    problem = "the metric library returned NaN"
            if isinstance(value, Exception) or problem is not None or value is None:
                reason = problem or (
                    f"{type(value).__name__}: {value}" if value is not None else "not computed"
                )
                if not ignore_errors:
                    if isinstance(value, Exception):
                        raise RuntimeError(f"Error computing {key} for {utt.filename}") from value
                    raise ValueError(f"Cannot compute {key} for {utt.filename}: {reason}.")
                warnings.warn(
                    f"Error computing {key} for {utt.filename}, recorded as missing: {reason}",
                    RuntimeWarning,
                )
                out[key] = None
                continue
            out[key] = float(np.mean(value)) if average else value
    return out


def _pad(x, length):
    return np.pad(x, ((0, 0), (0, length - x.shape[-1])))
