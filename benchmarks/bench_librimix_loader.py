"""Samples per second of the LibriMix loader, with 0 and 2 DataLoader workers.

Builds a small 8 kHz Libri2Mix corpus (``mix_both``, 3 s crops) with the synthetic speech
generator in a temporary folder, then times full passes of a ``DataLoader`` over
``LibriMix(task="sep_noisy", segment=3)``. With ``--published PYTHON`` the same loop runs
in that interpreter with the published asteroid 0.7.0, on the same corpus, and the ratio is
printed (its ``asteroid.data`` imports librosa at the top, which is stubbed there since the
LibriMix loader never calls it).

Usage::

    python benchmarks/bench_librimix_loader.py
    python benchmarks/bench_librimix_loader.py --n_mixtures 400 --published /tmp/ast07/bin/python
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time

TIMING_CODE = r"""
import json, sys, time, types
sys.modules.setdefault("librosa", types.ModuleType("librosa"))
import torch
from torch.utils.data import DataLoader
from asteroid.data import LibriMix

torch.set_num_threads(1)
csv_dir, batch_size, epochs, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
dset = LibriMix(csv_dir, task="sep_noisy", sample_rate=8000, segment=3)
out = {}
for num_workers in workers:
    loader = DataLoader(
        dset, batch_size=batch_size, shuffle=True, num_workers=num_workers,
        persistent_workers=num_workers > 0,
    )
    for _ in loader:  # Warm-up pass: files enter the page cache.
        pass
    start, n = time.perf_counter(), 0
    for _ in range(epochs):
        for mix, sources in loader:
            n += mix.shape[0]
    out[num_workers] = n / (time.perf_counter() - start)
print(json.dumps(out))
"""


def time_loader(python, csv_dir, batch_size, epochs, workers):
    """Samples per second for each worker count, measured in a fresh ``python`` process."""
    proc = subprocess.run(
        [python, "-c", TIMING_CODE, csv_dir, str(batch_size), str(epochs), json.dumps(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {int(k): v for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def main(args):
    from asteroid.data.synthetic import make_librimix_corpus

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = make_librimix_corpus(
            tmp, args.n_mixtures, 2, 2, noise=True, seed=0, local_dir=f"{tmp}/local"
        )
        print(
            f"Built {args.n_mixtures} Libri2Mix mixtures (8 kHz, mix_both) in "
            f"{time.perf_counter() - start:.1f} s"
        )
        csv_dir = out["local"]["train-360"]
        workers = [0, 2]
        # Alternate the implementations and keep each one's best run: the machine is shared.
        ours, published = {w: 0.0 for w in workers}, None
        if args.published:
            published = {w: 0.0 for w in workers}
        for _ in range(args.repeats):
            run = time_loader(sys.executable, csv_dir, args.batch_size, args.epochs, workers)
            ours = {w: max(ours[w], run[w]) for w in workers}
            if args.published:
                run = time_loader(args.published, csv_dir, args.batch_size, args.epochs, workers)
                published = {w: max(published[w], run[w]) for w in workers}
    print(
        f"LibriMix loader, batch {args.batch_size}, 3 s crops, {args.epochs} epoch(s), "
        f"best of {args.repeats}:"
    )
    for w in workers:
        line = f"  num_workers={w}: {ours[w]:8.1f} samples/s"
        if published:
            line += (
                f"   published: {published[w]:8.1f} samples/s   ratio {ours[w] / published[w]:.2f}"
            )
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n_mixtures", type=int, default=200)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--published", default=None, help="Python of a published asteroid venv")
    main(parser.parse_args())
