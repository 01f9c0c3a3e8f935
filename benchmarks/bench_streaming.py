"""Streaming realtime factor and latency of causal Conv-TasNet, at 8 kHz and 16 kHz.

A causal Conv-TasNet of the published default size (N=512, B=128, H=512, Sc=128, X=8, R=3,
``causal=True``, cumulative layer norm) streams a few seconds of noise through
:class:`asteroid.dsp.streaming.StreamingSeparator` for several chunk lengths. For each, it
prints the algorithmic latency (shortest and longest wait of an output sample), the compute
per chunk (median, 95th percentile, max), the realtime factor (compute time over audio
duration: below 1 keeps up with a live stream) and the largest difference between the
streamed and the offline output. The filterbank keeps the same length in milliseconds at
both rates (16 taps, hop 8 at 8 kHz; 32 taps, hop 16 at 16 kHz).

Usage::

    python benchmarks/bench_streaming.py
    python benchmarks/bench_streaming.py --seconds 10 --chunks-ms 1 10 20 --threads 2
"""

import argparse
import time
import warnings

import numpy as np
import torch

from asteroid.dsp.streaming import StreamingSeparator
from asteroid.models import ConvTasNet


def build_model(sample_rate, kernel_ms, norm_type):
    kernel_size = int(round(kernel_ms * sample_rate / 1000))
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConvTasNet(
            n_src=2,
            causal=True,
            norm_type=norm_type,
            kernel_size=kernel_size,
            stride=kernel_size // 2,
            sample_rate=sample_rate,
        )
    return model.eval()


def bench(model, wav, chunk):
    """Stream ``wav`` in chunks; return the per-call times and the streamed output."""
    streamer = StreamingSeparator(model)
    times, outs = [], []
    with torch.no_grad():
        for i in range(0, wav.shape[-1], chunk):
            start = time.perf_counter()
            outs.append(streamer.step(wav[..., i : i + chunk]))
            times.append(time.perf_counter() - start)
        outs.append(streamer.flush())
    return streamer, np.array(times), torch.cat(outs, dim=-1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-rates", type=int, nargs="+", default=[8000, 16000])
    parser.add_argument("--chunks-ms", type=float, nargs="+", default=[1, 4, 10, 20, 100])
    parser.add_argument("--seconds", type=float, default=4.0, help="audio streamed per run")
    parser.add_argument("--kernel-ms", type=float, default=2.0, help="filterbank length in ms")
    parser.add_argument("--norm", default="cgLN", choices=["cLN", "cgLN"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    print(
        f"Causal Conv-TasNet ({args.norm}), {args.seconds:g} s streamed per line, "
        f"{args.threads} thread(s); timings are wall-clock on this machine (noisy when it is shared)."
    )
    header = (
        f"{'rate':>6} {'chunk':>9} {'latency':>16} {'median':>9} {'p95':>9} {'max':>9} "
        f"{'RTF':>7} {'max|err|':>9}"
    )
    print(header)
    print("-" * len(header))
    for sample_rate in args.sample_rates:
        model = build_model(sample_rate, args.kernel_ms, args.norm)
        n_params = sum(p.numel() for p in model.parameters())
        wav = 0.1 * torch.randn(
            1, int(args.seconds * sample_rate), generator=torch.Generator().manual_seed(0)
        )
        with torch.no_grad():
            start = time.perf_counter()
            offline = model(wav)
            offline_rtf = (time.perf_counter() - start) / args.seconds
        print(
            f"{sample_rate} Hz: kernel {model.encoder.filterbank.kernel_size}, stride "
            f"{model.encoder.filterbank.stride}, {n_params / 1e6:.2f} M parameters; offline "
            f"forward on the whole signal: RTF {offline_rtf:.3f}"
        )
        for chunk_ms in args.chunks_ms:
            chunk = max(1, int(round(chunk_ms * sample_rate / 1000)))
            streamer, times, out = bench(model, wav, chunk)
            lat = f"{streamer.latency_ms:.2f}-{1000 * streamer.max_latency_samples / sample_rate:.2f} ms"
            rtf = times.sum() / args.seconds
            print(
                f"{sample_rate:>6} {1000 * chunk / sample_rate:>6.2f} ms {lat:>16} "
                f"{1000 * np.median(times):>6.2f} ms {1000 * np.percentile(times, 95):>6.2f} ms "
                f"{1000 * times.max():>6.2f} ms {rtf:>7.3f} {(out - offline).abs().max().item():>9.1e}"
            )
    print(
        "latency: algorithmic, from an input sample to the output sample of the same index "
        "(shortest when chunks end on the hop, longest for any chunk lengths); median/p95/max: "
        "compute per chunk; RTF: compute time / audio time."
    )


if __name__ == "__main__":
    main()
