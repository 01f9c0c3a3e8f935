"""Forward + backward throughput of every model's default config, on CPU, against asteroid 0.7.0.

Throughput is in seconds of audio processed (forward and backward) per second of
wall time, for one mixture of ``--seconds`` seconds. Each measurement runs in its
own subprocess (one thread by default); the two implementations alternate, model
by model and round by round, so that both see the same machine load. The published asteroid 0.7.0
runs where it can (``--published-python``: the interpreter of an environment where
it is installed); DCCRNet and XUMX do not run there.

Usage::

    python benchmarks/bench_models.py --published-python /path/to/venv-0.7.0/bin/python
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# name: (constructor args, constructor kwargs, input channels)
DEFAULTS = {
    "ConvTasNet": ((2,), {}, 1),
    "DPRNNTasNet": ((2,), {}, 1),
    "DPTNet": ((2,), {}, 1),
    "LSTMTasNet": ((2,), {}, 1),
    "SuDORMRFNet": ((2,), {}, 1),
    "SuDORMRFImprovedNet": ((2,), {}, 1),
    "DCUNet": (("DCUNet-10",), {"fix_length_mode": "pad"}, 1),
    "DCCRNet": (("DCCRN-CL",), {}, 1),
    "DeMask": ((), {}, 1),
    "FasNetTAC": ((2,), {}, 4),
    "XUMX": ((["bass", "drums", "vocals", "other"],), {}, 2),
}


def worker(args):
    """Measure the models of ``args.models`` with the asteroid importable here; print JSON lines."""
    import torch

    import asteroid
    from asteroid import models

    torch.set_num_threads(args.threads)
    for name in args.models:
        ctor_args, ctor_kwargs, channels = DEFAULTS[name]
        try:
            torch.manual_seed(0)
            model = getattr(models, name)(*ctor_args, **ctor_kwargs)
            n_samples = int(args.seconds * model.sample_rate)
            wav = 0.1 * torch.randn(1, channels, n_samples)

            def step():
                model.zero_grad(set_to_none=True)
                out = model(wav)
                out = out[0] if isinstance(out, tuple) else out  # XUMX: spectrograms
                out.pow(2).mean().backward()

            step()  # warm-up
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            result = {"model": name, "throughput": args.seconds / seconds, "step_s": seconds}
        except Exception as err:  # the published 0.7.0 cannot build DCCRNet or XUMX
            result = {"model": name, "error": f"{type(err).__name__}: {err}"[:120]}
        result["asteroid"] = asteroid.__version__
        print(json.dumps(result), flush=True)


def _run_worker(python, name, args, use_repo):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if use_repo:
        env["PYTHONPATH"] = REPO
    cmd = [
        python, os.path.abspath(__file__), "--worker", "--models", name,
        "--seconds", str(args.seconds), "--repeats", str(args.repeats),
        "--threads", str(args.threads),
    ]  # fmt: skip
    # Run from a neutral folder so the published interpreter never sees this checkout.
    proc = subprocess.run(cmd, env=env, cwd="/", capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"model": name, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(lines[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published-python", default=os.getenv("ASTEROID_070_PYTHON"))
    parser.add_argument("--models", nargs="+", default=list(DEFAULTS), choices=list(DEFAULTS))
    parser.add_argument("--seconds", type=float, default=1.0, help="audio per step")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating runs per model (the best one counts)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    print(
        f"forward+backward throughput, {args.seconds:g} s mixtures, batch 1, "
        f"{args.threads} thread(s), median of {args.repeats} steps, best of {args.rounds} "
        "alternating rounds (audio s / wall s)"
    )
    print(f"{'model':22s} {'ours':>10s} {'0.7.0':>10s} {'ratio':>8s}")
    for i, name in enumerate(args.models):
        runs = [("ours", sys.executable, True)]
        if args.published_python:
            runs.append(("published", args.published_python, False))
        results = {}
        for round_ in range(args.rounds):
            order = runs if (i + round_) % 2 == 0 else runs[::-1]  # alternate who goes first
            for label, python, use_repo in order:
                res = _run_worker(python, name, args, use_repo)
                best = results.get(label)
                if best is None or res.get("throughput", 0) > best.get("throughput", 0):
                    results[label] = res
            if all("error" in res for res in results.values()):
                break
        ours = results["ours"].get("throughput")
        published = results.get("published", {}).get("throughput")
        ratio = f"{ours / published:8.2f}" if ours and published else f"{'-':>8s}"
        ours_txt = f"{ours:10.2f}" if ours else f"{'error':>10s}"
        pub_txt = f"{published:10.2f}" if published else f"{'n/a':>10s}"
        print(f"{name:22s} {ours_txt} {pub_txt} {ratio}", flush=True)
        for label, res in results.items():
            if "error" in res:
                print(f"    {label}: {res['error']}")


if __name__ == "__main__":
    main()
