"""Evaluation speed: the published per-file path against the fast path, on the same mixtures.

The published path is ``get_metrics(..., backend="pb_bss_eval")`` called once per utterance
(``pb_bss_eval`` and ``mir_eval``, as asteroid 0.7.0 evaluates a test set). The fast path is
``get_metrics_many`` (batched BSS-eval on PyTorch, STOI/PESQ in a process pool over every
core). The mixtures are real speech: eSpeak NG voices from ``asteroid.data.synthetic``, with
estimates that keep some leakage and noise.

The two paths alternate chunk by chunk so that the load of a shared machine affects both
alike; the script prints each time, the ratio, and the largest difference between the two
results (BSS-eval values above 200 dB are floating-point noise in both and are left out).

Run: ``python benchmarks/bench_metrics.py`` (``--help`` for the options).
"""

import argparse
import os
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-mixtures", type=int, default=100)
    parser.add_argument("--n-src", type=int, default=2)
    parser.add_argument("--sample-rate", type=int, default=8000)
    parser.add_argument("--chunks", type=int, default=4, help="alternations of the two paths")
    parser.add_argument("--n-jobs", type=int, default=None, help="worker processes (all cores)")
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["si_sdr,sdr,sir,sar", "stoi,pesq"],
        help="comma-separated metric lists to time, e.g. all",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="OpenBLAS/MKL threads of NumPy (default: as is)",
    )
    return parser.parse_args(argv)


def make_mixtures(n_mixtures, n_src, sample_rate, seed=0):
    import numpy as np

    from asteroid.data.synthetic import SPEAKERS, generate_sentences, synthesize_speech

    rng = np.random.default_rng(seed)
    sentences = generate_sentences(n_mixtures * n_src, seed=seed)
    utterances = []
    for u in range(n_mixtures):
        wavs = [
            synthesize_speech(
                sentences[u * n_src + s],
                *SPEAKERS[(u * n_src + s) * 29 % len(SPEAKERS)],
                sample_rate=sample_rate,
            )
            for s in range(n_src)
        ]
        length = min(len(w) for w in wavs)
        clean = np.stack([w[:length] for w in wavs]).astype(np.float64)
        mix = clean.sum(0) + 0.005 * rng.standard_normal(length)
        leak = rng.uniform(0.05, 0.3, size=(n_src, n_src)) * (1 - np.eye(n_src)) + np.eye(n_src)
        est = np.roll(leak @ clean + 0.01 * rng.standard_normal(clean.shape), 1, axis=0)
        utterances.append(tuple(x.astype(np.float32) for x in (mix, clean, est)))
    return utterances


def max_difference(results_a, results_b, noise_floor_db=200.0):
    """Largest |a - b| over all values, leaving out BSS-eval noise (both above the floor)."""
    worst, skipped = 0.0, 0
    for a, b in zip(results_a, results_b):
        for key, value in a.items():
            if value is None or b[key] is None:
                continue
            if abs(value) > noise_floor_db and abs(b[key]) > noise_floor_db:
                skipped += 1
                continue
            worst = max(worst, abs(value - b[key]))
    return worst, skipped


def main(argv=None):
    args = parse_args(argv)
    if args.blas_threads:
        for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)
    import numpy as np
    import torch

    from asteroid.metrics import get_metrics, get_metrics_many
    from asteroid.metrics.parallel import resolve_n_jobs

    torch.set_num_threads(1)  # the fast path's BSS-eval; the pool uses the other cores
    n_jobs = resolve_n_jobs(args.n_jobs, args.n_mixtures)
    print(
        f"Synthesising {args.n_mixtures} mixtures of {args.n_src} speakers at {args.sample_rate} Hz"
    )
    utts = make_mixtures(args.n_mixtures, args.n_src, args.sample_rate)
    seconds = sum(u[1].shape[1] for u in utts) / args.sample_rate
    print(
        f"{seconds:.0f} s of audio ({seconds / len(utts):.2f} s per mixture), {n_jobs} worker(s), "
        f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}"
    )
    print()
    header = (
        f"{'metrics':24s} {'published (s)':>14s} {'fast (s)':>9s} {'ratio':>7s} {'max |diff|':>11s}"
    )
    print(header)
    print("-" * len(header))
    bounds = np.linspace(0, len(utts), args.chunks + 1).astype(int)
    for metric_set in args.sets:
        metrics = "all" if metric_set == "all" else metric_set.split(",")
        options = dict(sample_rate=args.sample_rate, metrics_list=metrics)
        published, fast = [], []
        t_published = t_fast = 0.0
        for start, stop in zip(bounds[:-1], bounds[1:]):
            chunk = utts[start:stop]
            tic = time.perf_counter()
            published += [get_metrics(*u, backend="pb_bss_eval", **options) for u in chunk]
            t_published += time.perf_counter() - tic
            tic = time.perf_counter()
            fast += get_metrics_many(*zip(*chunk), n_jobs=n_jobs, **options)
            t_fast += time.perf_counter() - tic
        worst, skipped = max_difference(published, fast)
        note = f" ({skipped} noise values > 200 dB left out)" if skipped else ""
        print(
            f"{metric_set:24s} {t_published:14.1f} {t_fast:9.1f} {t_published / t_fast:6.1f}x "
            f"{worst:11.2e}{note}"
        )
    print()
    print("Timings taken on a machine shared with other work: compare ratios, not seconds.")


if __name__ == "__main__":
    main()
