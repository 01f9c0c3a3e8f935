"""Peak memory of ``asteroid-infer`` on long 16 kHz files, with and without overlap-add.

Each run is a fresh process (``asteroid.scripts.asteroid_cli.infer``) whose peak
resident memory is read from ``resource.getrusage``. The model is a Conv-TasNet
of the default size, or a tiny one with ``--tiny`` (random weights: memory does not
depend on them). With
``--ola-window`` the model's activations are bounded by the window, so the peak
grows only with the audio buffers themselves (input + estimates, 4 bytes a
sample each); without it, the activations of the whole file are held at once.

    python benchmarks/bench_infer_long_file.py [--minutes 1 5 10] [--window 16000]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf

SR = 16000

CHILD = """
import resource, sys, time
from asteroid.scripts.asteroid_cli import infer
t0 = time.perf_counter()
rc = infer(sys.argv[1:])
dt = time.perf_counter() - t0
print(f"RESULT {rc} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} {dt:.1f}")
"""


def run(model, wav, out_dir, extra):
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, model, "--files", wav, "-o", out_dir, "-f", *extra],
        capture_output=True,
        text=True,
    )
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        return None, proc.stderr.strip().splitlines()[-1:]
    _, rc, peak, secs = line[0].split()
    return (int(rc), float(peak), float(secs)), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 10])
    parser.add_argument("--window", type=int, default=SR)
    parser.add_argument(
        "--no-ola-minutes", type=float, default=1.0, help="longest file run without OLA"
    )
    parser.add_argument(
        "--tiny", action="store_true", help="a 3k-parameter Conv-TasNet instead of the default size"
    )
    args = parser.parse_args()

    import torch

    from asteroid.models import ConvTasNet

    tmp = tempfile.mkdtemp()
    model_path = os.path.join(tmp, "convtasnet16k.pth")
    size = dict(n_blocks=2, n_repeats=1, bn_chan=16, hid_chan=32, skip_chan=16, n_filters=32)
    model = ConvTasNet(n_src=2, sample_rate=SR, **(size if args.tiny else {}))
    torch.save(model.serialize(), model_path)
    print(f"Conv-TasNet with {sum(p.numel() for p in model.parameters()):,} parameters")
    print(f"{'minutes':>8} {'mode':>12} {'audio MB':>9} {'peak RSS MB':>12} {'seconds':>8}")
    rng = np.random.RandomState(0)
    for minutes in args.minutes:
        n = int(minutes * 60 * SR)
        wav = os.path.join(tmp, f"long_{minutes:g}min.wav")
        sf.write(wav, (0.1 * rng.randn(n)).astype(np.float32), SR, subtype="PCM_16")
        audio_mb = n * 4 * 3 / 2**20  # input + two estimates, float32
        modes = [("ola", ["-w", str(args.window)])]
        if minutes <= args.no_ola_minutes:
            modes.append(("whole file", []))
        for name, extra in modes:
            result, err = run(model_path, wav, os.path.join(tmp, "out"), extra)
            if result is None:
                print(f"{minutes:>8g} {name:>12} {audio_mb:>9.1f} {'failed':>12} {err}")
            else:
                print(
                    f"{minutes:>8g} {name:>12} {audio_mb:>9.1f} {result[1]:>12.1f} {result[2]:>8.1f}"
                )
        os.remove(wav)


if __name__ == "__main__":
    main()
