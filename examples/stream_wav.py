"""Separate a WAV file as if it were a live stream, chunk by chunk, without a microphone.

The file is read in blocks (as a sound card would deliver them), each block goes through
:class:`asteroid.dsp.streaming.StreamingSeparator`, and the samples it returns are written
as they come. With ``--realtime`` the blocks are paced at the file's rate, and every block
that took longer to separate than its own duration (a missed deadline) is counted. With
``--check`` the streamed estimates are compared with the model run offline on the whole file.

Usage::

    # a causal model file (e.g. a recipe's best_model.pth, trained with causal=True):
    python examples/stream_wav.py --model exp/best_model.pth --wav mix.wav --chunk-ms 10
    # no arguments: an untrained tiny causal Conv-TasNet on a synthesized two-voice mixture
    # (the estimates are meaningless, the mechanics and the numbers are real):
    python examples/stream_wav.py --check
"""

import argparse
import os
import time

import numpy as np
import soundfile as sf
import torch

from asteroid.dsp.streaming import StreamingSeparator
from asteroid.models import BaseModel, ConvTasNet


def demo_inputs(out_dir, sample_rate=8000):
    """An untrained tiny causal Conv-TasNet and a two-voice speech mixture WAV."""
    from asteroid.data.synthetic import generate_sentences, synthesize_speech

    torch.manual_seed(0)
    model = ConvTasNet(
        n_src=2,
        causal=True,
        norm_type="cgLN",
        n_blocks=4,
        n_repeats=2,
        bn_chan=32,
        hid_chan=64,
        skip_chan=32,
        n_filters=64,
        sample_rate=sample_rate,
    )
    first, second = generate_sentences(2, seed=1)
    a = synthesize_speech(first, voice="en+m3", sample_rate=sample_rate)
    b = synthesize_speech(second, voice="en+f2", sample_rate=sample_rate)
    n = min(len(a), len(b))
    wav_path = os.path.join(out_dir, "demo_mixture.wav")
    sf.write(wav_path, 0.5 * (a[:n] + b[:n]), sample_rate, subtype="FLOAT")
    return model, wav_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a causal model: file, URL or hub id (default: a demo)")
    parser.add_argument("--wav", help="the WAV to stream (default: a synthesized mixture)")
    parser.add_argument("--chunk-ms", type=float, default=10.0, help="block length (ms)")
    parser.add_argument("--out-dir", default="stream_out", help="where the estimates go")
    parser.add_argument("--realtime", action="store_true", help="pace blocks at the file's rate")
    parser.add_argument("--check", action="store_true", help="compare with the offline model")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one stream, small blocks: one thread has the lowest overhead
    os.makedirs(args.out_dir, exist_ok=True)

    demo_model = demo_wav = None
    if args.model is None or args.wav is None:
        demo_model, demo_wav = demo_inputs(args.out_dir)
    if args.model is None:
        print("No --model: an untrained tiny causal Conv-TasNet (meaningless estimates).")
    model = demo_model if args.model is None else BaseModel.from_pretrained(args.model)
    wav_path = args.wav or demo_wav
    model.eval()
    streamer = StreamingSeparator(model)  # raises a ValueError naming what cannot stream

    info = sf.info(wav_path)
    if info.samplerate != model.sample_rate:
        raise SystemExit(
            f"{wav_path} is at {info.samplerate} Hz, the model at {model.sample_rate:g}"
        )
    chunk = max(1, int(round(args.chunk_ms * info.samplerate / 1000)))
    print(
        f"Streaming {wav_path} ({info.frames / info.samplerate:.2f} s) in blocks of {chunk} "
        f"samples; algorithmic latency {streamer.latency_ms:.2f} ms"
    )

    pieces, late = [], 0
    t_start = time.perf_counter()
    with sf.SoundFile(wav_path) as reader:
        for i, block in enumerate(reader.blocks(blocksize=chunk, dtype="float32", always_2d=True)):
            if args.realtime:  # wait until the sound card would have delivered this block
                due = t_start + (i + 1) * chunk / info.samplerate
                time.sleep(max(0.0, due - time.perf_counter()))
            pieces.append(streamer.step(torch.from_numpy(block[:, 0])).numpy())
            late += streamer.stats.last_chunk_s > len(block) / info.samplerate
    pieces.append(streamer.flush().numpy())
    estimates = np.concatenate(pieces, axis=-1)  # (n_src, time)

    stats = streamer.stats
    print(
        f"{stats.chunks} blocks: {1000 * stats.mean_chunk_s:.2f} ms per block on average "
        f"(max {1000 * stats.max_chunk_s:.2f} ms), realtime factor {stats.realtime_factor:.3f}, "
        f"{late} block(s) slower than their own duration"
    )
    base = os.path.splitext(os.path.basename(wav_path))[0]
    for idx, source in enumerate(estimates, start=1):
        path = os.path.join(args.out_dir, f"{base}_stream_est{idx}.wav")
        sf.write(path, source, info.samplerate, subtype="FLOAT")
        print(f"wrote {path}")
    if args.check:
        mixture = torch.from_numpy(sf.read(wav_path, dtype="float32", always_2d=True)[0][:, 0])
        with torch.no_grad():
            offline = model(mixture).numpy()
        print(f"max |streamed - offline| = {np.abs(estimates - offline).max():.2e}")


if __name__ == "__main__":
    main()
