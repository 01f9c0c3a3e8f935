"""Encoder + decoder time of every filterbank on 10 s of audio, ours against asteroid 0.7.0's.

Each round runs two worker processes one after the other, ours then the published
asteroid-filterbanks 0.4.0 (from another interpreter, ``--published-python``), so that machine
load hits both alike; the report gives the median over rounds and the ratio published / ours
(above 1: ours is faster). The published MelGramFB needs librosa; where librosa cannot be
imported, that row is reported as unavailable.

Usage::

    python benchmarks/bench_filterbanks.py [--rounds 5] [--published-python /tmp/ast07/bin/python]
"""

import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_PUBLISHED_PYTHON = os.environ.get("ASTEROID07_PYTHON", "/tmp/ast07/bin/python")

# name -> (class name, n_filters, kernel_size, stride, extra kwargs, has a decoder)
FILTERBANKS = {
    "free": ("FreeFB", 512, 16, 8, {}, True),
    "analytic_free": ("AnalyticFreeFB", 512, 16, 8, {}, True),
    "param_sinc": ("ParamSincFB", 512, 17, 8, {"sample_rate": 8000.0}, True),
    "stft": ("STFTFB", 256, 256, 64, {}, True),
    "torch_stft": ("TorchSTFTFB", 256, 256, 64, {}, True),
    "mpgtf": ("MultiphaseGammatoneFB", 128, 16, 8, {}, True),
    "melgram": ("MelGramFB", 256, 256, 64, {"n_mels": 40}, False),
}


def _load_implementation(which):
    """The module holding the filterbank classes, Encoder and Decoder."""
    if which == "ours":
        sys.path.insert(0, str(REPO))
        import asteroid.filterbanks as module

        return module
    import numpy as np

    # asteroid-filterbanks 0.4.0 calls np.float / np.math (gone from NumPy 2).
    np.float = float
    np.math = math
    import asteroid_filterbanks as module

    return module


def run_worker(which, seconds, repeats, threads):
    """Times every filterbank in this process; returns ``{name: seconds or error text}``."""
    import torch

    torch.set_num_threads(threads)
    module = _load_implementation(which)
    sample_rate = 8000
    torch.manual_seed(0)
    wav = torch.randn(1, 1, int(seconds * sample_rate))
    results = {}
    for name, (cls_name, n_filters, kernel_size, stride, kwargs, has_dec) in FILTERBANKS.items():
        try:
            cls = getattr(module, cls_name)
            fb = cls(n_filters, kernel_size, stride=stride, **kwargs)
        except Exception as err:  # e.g. librosa missing for the published MelGramFB
            results[name] = f"unavailable: {type(err).__name__}: {err}"
            continue
        enc, dec = module.Encoder(fb), module.Decoder(fb)

        def step():
            spec = enc(wav)
            return dec(spec) if has_dec else spec

        with torch.no_grad():
            step()  # warm-up
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
        results[name] = statistics.median(times)
    return results


def _spawn(python, which, args):
    cmd = [
        python,
        str(pathlib.Path(__file__).resolve()),
        "--worker",
        which,
        "--seconds",
        str(args.seconds),
        "--repeats",
        str(args.repeats),
        "--threads",
        str(args.threads),
    ]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the published run must not see our checkout
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/")
    if proc.returncode != 0:
        raise RuntimeError(f"{which} worker failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per worker")
    parser.add_argument("--seconds", type=float, default=10.0, help="audio length (8 kHz)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    parser.add_argument("--published-python", default=DEFAULT_PUBLISHED_PYTHON)
    parser.add_argument("--worker", choices=["ours", "published"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(run_worker(args.worker, args.seconds, args.repeats, args.threads)))
        return

    published_ok = pathlib.Path(args.published_python).exists()
    if not published_ok:
        print(f"note: {args.published_python} not found, timing ours only.")
    rounds = {"ours": [], "published": []}
    for _ in range(args.rounds):
        rounds["ours"].append(_spawn(sys.executable, "ours", args))
        if published_ok:
            rounds["published"].append(_spawn(args.published_python, "published", args))

    print(
        f"Encoder + Decoder on {args.seconds:g} s of 8 kHz audio, batch 1, {args.threads} thread(s), "
        f"median of {args.rounds} rounds x {args.repeats} runs (shared machine: noisy)."
    )
    print(f"{'filterbank':<15}{'ours (ms)':>12}{'published (ms)':>17}{'published/ours':>17}")
    for name in FILTERBANKS:
        ours = [r[name] for r in rounds["ours"] if isinstance(r[name], float)]
        ours_ms = 1e3 * statistics.median(ours) if ours else float("nan")
        pub = [r[name] for r in rounds["published"] if isinstance(r[name], float)]
        if pub:
            pub_ms = 1e3 * statistics.median(pub)
            print(f"{name:<15}{ours_ms:>12.2f}{pub_ms:>17.2f}{pub_ms / ours_ms:>17.2f}")
        else:
            reason = rounds["published"][0][name] if rounds["published"] else "not run"
            print(f"{name:<15}{ours_ms:>12.2f}{'-':>17}{'-':>17}   published: {reason[:70]}")


if __name__ == "__main__":
    main()
