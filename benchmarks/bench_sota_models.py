"""Time and memory of TF-GridNet and SepFormer in their paper configurations, on CPU.

Usage::

    python benchmarks/bench_sota_models.py [--models TFGridNet SepFormer] [--seconds 4]
        [--threads 1] [--repeats 0] [--modes train infer]

For each model (the WSJ0-2mix configuration of its paper, 2 sources, 8 kHz) and a batch of
one mixture of ``--seconds`` seconds, prints:

- the time of a training step (forward, PIT SI-SDR loss, backward) and the peak memory the
  first step adds to the process (resident set size);
- the time of inference (forward under ``torch.inference_mode``), its realtime factor
  (processing time / audio duration; below 1 is faster than real time) and its peak added
  memory.

Times are the best of the first step and ``--repeats`` more (the first step includes one-off
costs, negligible next to the seconds these models take on a few seconds of audio).

Every measurement runs in a fresh subprocess, so that the peak resident set size of the
process is the peak of that measurement alone.

TF-GridNet is heavy: its training step on 4 s needs about 15 GB of memory (about 2 GB per
0.5 s of audio, linear in the duration) and minutes of CPU time; ``--modes infer`` or a
shorter ``--seconds`` skip or shrink it on small machines.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RATE = 8000
# Parameter counts the papers report, for the printout.
PAPER_PARAMS = {"TFGridNet": 14.4e6, "SepFormer": 26e6}


def _max_rss_bytes():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(name, mode, seconds, threads, repeats):
    """Best time (s) and peak added memory (bytes) of ``mode`` ("train"/"infer") steps."""
    import torch

    sys.path.insert(0, str(REPO_ROOT))
    from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
    from asteroid.models.sepformer import SepFormer
    from asteroid.models.tfgridnet import TFGridNet

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = {"TFGridNet": TFGridNet, "SepFormer": SepFormer}[name](n_src=2)
    n_params = sum(p.numel() for p in model.parameters())
    wav = torch.randn(1, 1, int(seconds * SAMPLE_RATE))
    targets = torch.randn(1, 2, wav.shape[-1])
    loss_func = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")

    if mode == "train":
        model.train()

        def step():
            model.zero_grad(set_to_none=True)
            loss_func(model(wav), targets).backward()

    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(wav)

    baseline = _max_rss_bytes()
    start = time.perf_counter()
    step()  # the step whose peak memory is measured
    times = [time.perf_counter() - start]
    peak = _max_rss_bytes() - baseline
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"time": min(times), "peak_bytes": peak, "n_params": n_params}


def run_worker(name, mode, args):
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        name,
        mode,
        "--seconds",
        str(args.seconds),
        "--threads",
        str(args.threads),
        "--repeats",
        str(args.repeats),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["TFGridNet", "SepFormer"])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=0)
    parser.add_argument(
        "--modes", nargs="+", default=["train", "infer"], choices=["train", "infer"]
    )
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.models) - set(PAPER_PARAMS))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {sorted(PAPER_PARAMS)}")

    if args.worker:
        name, mode = args.worker
        print(json.dumps(measure(name, mode, args.seconds, args.threads, args.repeats)))
        return

    print(
        f"Paper configurations, batch 1, {args.seconds:g} s at {SAMPLE_RATE} Hz, CPU, "
        f"{args.threads} thread(s), best of {1 + args.repeats} step(s)."
    )
    print(
        "Note: measured while other processes may share the CPU; times are indicative, "
        "compare them only within one run."
    )
    header = (
        f"{'model':<10} {'params':>8} {'paper':>6} {'train step':>11} {'train mem':>10} "
        f"{'inference':>10} {'RTF':>7} {'infer mem':>10}"
    )
    print(header)
    print("-" * len(header))
    for name in args.models:
        res = {mode: run_worker(name, mode, args) for mode in args.modes}
        n_params = next(iter(res.values()))["n_params"]
        cells = [f"{name:<10} {n_params / 1e6:7.2f}M {PAPER_PARAMS[name] / 1e6:5.1f}M"]
        if "train" in res:
            cells.append(
                f"{res['train']['time']:10.2f}s {res['train']['peak_bytes'] / 2**30:8.2f}GB"
            )
        else:
            cells.append(f"{'-':>11} {'-':>10}")
        if "infer" in res:
            infer = res["infer"]
            cells.append(
                f"{infer['time']:9.2f}s {infer['time'] / args.seconds:7.3f} "
                f"{infer['peak_bytes'] / 2**30:8.2f}GB"
            )
        print(" ".join(cells), flush=True)


if __name__ == "__main__":
    main()
