"""Peak memory of LambdaOverlapAdd on long files: the extra memory must not grow with the file.

Each measurement runs in a fresh Python process, which builds a mono 16 kHz input of the
given length, runs ``LambdaOverlapAdd`` (a tiny 1x1-convolution separator) over it and
reports its peak resident memory (``resource.getrusage``) above the resident memory it had
just before the call. The output itself (``n_src x samples`` floats) is unavoidable; the
line ``extra`` is what remains above it, which should stay about constant from 1 to 10
minutes. With ``--published PYTHON`` the published asteroid (in that interpreter's
environment) is measured the same way, for comparison.

Usage::

    python benchmarks/bench_overlap_add.py --minutes 1 5 10
    python benchmarks/bench_overlap_add.py --published /path/to/venv/bin/python
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _current_rss_bytes():
    """Resident memory now (Linux /proc), or the peak so far where /proc is missing."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return _peak_rss_bytes()


def _reset_peak_rss():
    """Reset the kernel's peak-RSS counter (Linux >= 4.0); False where it cannot be reset.

    Without a reset, a peak reached earlier (imports) and pages the kernel reclaimed
    since then under memory pressure would both count as growth.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # kB on Linux, bytes on macOS


def measure(minutes, sample_rate, window_s, n_src):
    """Run one overlap-add over a file of ``minutes`` and return the memory numbers (MB)."""
    import torch
    from torch import nn

    from asteroid.dsp.overlap_add import LambdaOverlapAdd

    torch.set_num_threads(1)

    class TinySeparator(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(1, n_src, 1)

        def forward(self, x):
            # The published wrapper hands (batch, window) chunks, ours (batch, 1, window).
            return self.conv(x.unsqueeze(1) if x.ndim == 2 else x)

    window = int(window_s * sample_rate)
    ola = LambdaOverlapAdd(TinySeparator(), n_src, window, window // 2, window="hann")
    ola(torch.randn(1, 1, 3 * window))  # warm-up: allocator pools, kernels
    wav = torch.randn(1, 1, int(minutes * 60 * sample_rate))
    _reset_peak_rss()
    before = _current_rss_bytes()
    start = time.perf_counter()
    out = ola(wav)
    elapsed = time.perf_counter() - start
    peak = _peak_rss_bytes()
    mb = 2.0**20
    output_mb = out.numel() * out.element_size() / mb
    increase_mb = max(peak - before, 0) / mb
    return {
        "minutes": minutes,
        "samples": wav.shape[-1],
        "seconds": round(elapsed, 2),
        "output_mb": round(output_mb, 1),
        "peak_increase_mb": round(increase_mb, 1),
        "extra_mb": round(increase_mb - output_mb, 1),
    }


def run_child(python, minutes, args, use_repo):
    """Measure in a fresh interpreter; ``use_repo`` puts this checkout first on the path."""
    env = dict(os.environ)
    if use_repo:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, env.get("PYTHONPATH")]))
    else:
        env.pop("PYTHONPATH", None)
    cmd = [
        python,
        os.path.abspath(__file__),
        "--child",
        "--minutes",
        str(minutes),
        "--sample-rate",
        str(args.sample_rate),
        "--window-s",
        str(args.window_s),
        "--n-src",
        str(args.n_src),
    ]
    # Run from a neutral folder so that the published interpreter cannot see this checkout.
    proc = subprocess.run(cmd, env=env, cwd="/", capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 10])
    parser.add_argument("--sample-rate", type=int, default=16000)
    parser.add_argument("--window-s", type=float, default=2.0, help="OLA window, seconds")
    parser.add_argument("--n-src", type=int, default=2)
    parser.add_argument(
        "--published",
        default=os.environ.get("ASTEROID_PUBLISHED_PYTHON"),
        help="python interpreter of an environment with the published asteroid "
        "(default: $ASTEROID_PUBLISHED_PYTHON; none: measure ours only)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(measure(args.minutes[0], args.sample_rate, args.window_s, args.n_src)))
        return

    impls = [("ours", sys.executable, True)]
    if args.published:
        impls.append(("published", args.published, False))
    print(
        f"LambdaOverlapAdd, {args.n_src} sources, window {args.window_s:g} s, hop window/2, "
        f"{args.sample_rate} Hz, 1 thread; memory in MB (peak+: peak RSS above the RSS "
        "before the call; extra: peak+ minus the output)"
    )
    print(f"{'impl':<10} {'minutes':>7} {'seconds':>8} {'output':>8} {'peak+':>8} {'extra':>8}")
    for minutes in args.minutes:
        peaks = {}
        for name, python, use_repo in impls:
            r = run_child(python, minutes, args, use_repo)
            peaks[name] = r["peak_increase_mb"]
            print(
                f"{name:<10} {r['minutes']:>7g} {r['seconds']:>8.2f} {r['output_mb']:>8.1f} "
                f"{r['peak_increase_mb']:>8.1f} {r['extra_mb']:>8.1f}"
            )
        if "published" in peaks and peaks["ours"] > 0:
            print(
                f"{'':<10} {'':>7} peak+ published / ours: {peaks['published'] / peaks['ours']:.1f}"
            )


if __name__ == "__main__":
    main()
