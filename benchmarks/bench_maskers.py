"""Time a training step (forward + backward) of the maskers, against the published toolkit.

Usage::

    python benchmarks/bench_maskers.py [--published-python /tmp/ast07/bin/python]
        [--maskers TDConvNet DPRNN ...] [--threads 1] [--repeats 5] [--rounds 2]

Each implementation runs in its own subprocess (the published asteroid 0.7.0 is
imported by the interpreter given with ``--published-python``), ``--rounds``
times, alternating the two; each one's best time over all rounds is kept. The
maskers are built with the defaults of each model, on a batch of 2 one-second
mixtures at 8 kHz (encoder stride 8: 1000 frames). Each round keeps the best of
``--repeats`` timed steps, after one warm-up step. Times are CPU times of the process
(``time.process_time``), which other work on a shared machine disturbs less
than wall-clock times.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# name: (import path in asteroid.masknn, constructor kwargs, input channels)
MASKERS = {
    "TDConvNet": ("convolutional", dict(in_chan=512, n_src=2, mask_act="sigmoid"), 512),
    "DPRNN": ("recurrent", dict(in_chan=64, n_src=2, mask_act="sigmoid"), 64),
    "DPTransformer": ("attention", dict(in_chan=64, n_src=2), 64),
    "LSTMMasker": ("recurrent", dict(in_chan=64, n_src=2), 64),
    "SuDORMRF": ("convolutional", dict(in_chan=512, n_src=2), 512),
    "SuDORMRFImproved": ("convolutional", dict(in_chan=512, n_src=2), 512),
}


def time_masker(name, threads, repeats, batch=2, n_frames=1000):
    """Best CPU time (seconds) of a forward + backward pass of the masker ``name``."""
    import importlib

    import torch

    torch.set_num_threads(threads)
    module_name, kwargs, in_chan = MASKERS[name]
    module = importlib.import_module(f"asteroid.masknn.{module_name}")
    torch.manual_seed(0)
    masker = getattr(module, name)(**kwargs).train()
    x = torch.randn(batch, in_chan, n_frames)
    target = torch.rand(batch, kwargs["n_src"], in_chan, n_frames)

    def step():
        masker.zero_grad(set_to_none=True)
        loss = (masker(x) - target).pow(2).mean()
        loss.backward()

    step()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return min(times)


def run_impl(python, names, threads, repeats, repo_on_path):
    cmd = [python, __file__, "--worker", "--threads", str(threads), "--repeats", str(repeats)]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if repo_on_path:  # this checkout's asteroid; otherwise the one installed with `python`
        env["PYTHONPATH"] = str(REPO_ROOT)
    out = subprocess.run(
        cmd + ["--maskers", *names], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published-python", default="/tmp/ast07/bin/python")
    parser.add_argument("--maskers", nargs="+", default=list(MASKERS), choices=list(MASKERS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps({n: time_masker(n, args.threads, args.repeats) for n in args.maskers}))
        return
    ours, published = {}, {}
    for _ in range(args.rounds):
        for best, python, repo in (
            (ours, sys.executable, True),
            (published, args.published_python, False),
        ):
            for name, value in run_impl(
                python, args.maskers, args.threads, args.repeats, repo
            ).items():
                best[name] = min(value, best.get(name, float("inf")))
    print(f"{'masker':18s} {'published (s)':>14s} {'ours (s)':>10s} {'speed-up':>9s}")
    for name in args.maskers:
        ratio = published[name] / ours[name]
        print(f"{name:18s} {published[name]:14.3f} {ours[name]:10.3f} {ratio:8.2f}x")


if __name__ == "__main__":
    main()
