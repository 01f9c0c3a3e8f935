"""Layouts of DNS, MUSDB18, FUSS, DAMP-VSEP, AVSpeech and LibriVAD, from synthetic audio."""

import json
import os

import numpy as np
import pandas as pd

from .mixing import quantize_16bit, scale_to_snr, set_level, write_wav
from .pool import SentenceSource, UtterancePool, split_speakers
from .signals import ambient_noise, colored_noise, instrument_stem, reverberate, synthetic_rir

__all__ = [
    "make_dns_corpus",
    "make_musdb18_corpus",
    "make_fuss_corpus",
    "make_dampvsep_corpus",
    "make_avspeech_corpus",
    "make_librivad_corpus",
]


def _single_pool(n, sample_rate, seed, min_duration=None, split="train"):
    speakers = split_speakers([split])[split]
    pool = UtterancePool(speakers, n, sample_rate, SentenceSource(seed), min_duration)
    pool.synthesize_all()
    return pool


def _fit(x, n):
    """Cut or zero-pad the last axis of ``x`` to ``n`` samples."""
    if x.shape[-1] >= n:
        return x[..., :n]
    return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])])


def make_dns_corpus(root, n_files=4, sample_rate=16000, seed=0, json_dir=None):
    """DNS Challenge synthetic-data layout and the recipe's ``file_infos.json``.

    Files (DNS naming): ``clean/clean_fileid_<k>.wav``, ``noise/noise_fileid_<k>.wav`` and
    ``noisy/book_<b>_snr<snr>_tl-<level>_fileid_<k>.wav`` with ``noisy = clean + noise`` at an
    integer SNR in [0, 20] dB. ``json_dir/file_infos.json`` maps each file id to ``{mix,
    clean, noise, snr, file_len}`` as ``local/preprocess_dns.py`` writes it.

    Returns:
        dict: ``{"root": root, "json_dir": json_dir}``.
    """
    rng = np.random.default_rng(seed)
    pool = _single_pool(n_files, sample_rate, seed)
    json_dir = json_dir or os.path.join(root, "json")
    for sub in ("clean", "noise", "noisy"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    infos = {}
    for k in range(n_files):
        clean = set_level(pool.wav(k), rng.uniform(-35, -15))
        snr = int(rng.integers(0, 21))
        noise = scale_to_snr(clean, colored_noise(len(clean), "pink", rng), snr)
        clean, noise = quantize_16bit(clean), quantize_16bit(noise)
        level = int(rng.integers(15, 36))
        paths = {
            "clean": os.path.join(root, "clean", f"clean_fileid_{k}.wav"),
            "noise": os.path.join(root, "noise", f"noise_fileid_{k}.wav"),
            "mix": os.path.join(root, "noisy", f"book_{k:05d}_snr{snr}_tl-{level}_fileid_{k}.wav"),
        }
        paths = {key: os.path.abspath(p) for key, p in paths.items()}
        write_wav(paths["clean"], clean, sample_rate)
        write_wav(paths["noise"], noise, sample_rate)
        write_wav(paths["mix"], clean + noise, sample_rate)
        infos[str(k)] = dict(paths, snr=snr, file_len=len(clean))
    os.makedirs(json_dir, exist_ok=True)
    with open(os.path.join(json_dir, "file_infos.json"), "w") as fh:
        json.dump(infos, fh, indent=2)
    return {"root": root, "json_dir": json_dir}


def make_musdb18_corpus(
    root, n_tracks=None, sample_rate=44100, duration=2.0, seed=0, suffix=".wav"
):
    """MUSDB18-HQ layout: ``root/<split>/<track>/{mixture, vocals, bass, drums, other}.wav``.

    Stereo stems: synthetic speech as vocals (with a little reverberation), music-like bass,
    drums and chords; ``mixture`` is their exact sum.

    Args:
        n_tracks (dict): Tracks per split, default ``{"train": 2, "test": 1}``.
        duration (float): Track duration in seconds.

    Returns:
        dict: ``{"root": root, "tracks": {split: [track folders]}}``.
    """
    n_tracks = n_tracks or {"train": 2, "test": 1}
    rng = np.random.default_rng(seed)
    total = sum(n_tracks.values())
    pool = _single_pool(total, sample_rate, seed, min_duration=duration)
    n = int(duration * sample_rate)
    out = {"root": root, "tracks": {}}
    k = 0
    for split, count in n_tracks.items():
        out["tracks"][split] = []
        for _ in range(count):
            track = os.path.join(root, split, f"Synthetic Artist {k:02d} - Song {k:02d}")
            os.makedirs(track, exist_ok=True)
            voice = _fit(pool.wav(k), n)
            vocals = reverberate(voice, synthetic_rir(sample_rate, 0.3, rng, n_channels=2))
            stems = {"vocals": 0.5 * vocals / (np.max(np.abs(vocals)) + 1e-8)}
            for kind in ("bass", "drums", "other"):
                stems[kind] = instrument_stem(kind, n, sample_rate, rng)
            peak = np.max(np.abs(sum(stems.values())))
            stems = {s: quantize_16bit(v * min(1.0, 0.9 / peak)) for s, v in stems.items()}
            for name, wav in stems.items():
                write_wav(os.path.join(track, name + suffix), wav, sample_rate)
            write_wav(os.path.join(track, "mixture" + suffix), sum(stems.values()), sample_rate)
            out["tracks"][split].append(track)
            k += 1
    return out


def make_fuss_corpus(root, n_mixtures=3, sample_rate=16000, duration=10.0, seed=0, split="train"):
    """FUSS layout and the recipe's tab-separated file list ``root/<split>_example_list.txt``.

    Files: ``<split>/example<k>.wav`` and ``<split>/example<k>_sources/{background0_sound,
    foreground<i>_sound}.wav``; mixture ``k`` has ``k % 4`` foreground sounds (0 to 3: speech
    or music-like events at random times) over a noise background, and is their exact sum.
    Each line of the list is ``mix, bg, fg0, ...`` (absolute paths), without header.

    Returns:
        dict: ``{"root": root, "file_list": path}``.
    """
    rng = np.random.default_rng(seed)
    n = int(duration * sample_rate)
    pool = _single_pool(3 * n_mixtures, sample_rate, seed)
    folder = os.path.abspath(os.path.join(root, split))
    lines = []
    for k in range(n_mixtures):
        src_dir = os.path.join(folder, f"example{k:05d}_sources")
        os.makedirs(src_dir, exist_ok=True)
        bg = set_level(ambient_noise(n, sample_rate, rng), rng.uniform(-40, -30))
        fgs = []
        for i in range(k % 4):
            event = (
                pool.wav(3 * k + i)
                if i % 2 == 0
                else instrument_stem("other", n // 3, sample_rate, rng, 1)[0]
            )
            event = set_level(event[: n // 2], rng.uniform(-30, -20))
            start = int(rng.integers(0, n - len(event) + 1))
            fgs.append(np.pad(event, (start, n - start - len(event))))
        signals = [quantize_16bit(s) for s in [bg] + fgs]
        paths = [os.path.join(folder, f"example{k:05d}.wav")]
        names = ["background0_sound"] + [f"foreground{i}_sound" for i in range(len(fgs))]
        for name, wav in zip(names, signals):
            paths.append(write_wav(os.path.join(src_dir, name + ".wav"), wav, sample_rate))
        write_wav(paths[0], np.sum(signals, axis=0), sample_rate)
        lines.append("\t".join(paths))
    file_list = os.path.join(root, f"{split}_example_list.txt")
    with open(file_list, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return {"root": root, "file_list": file_list}


def make_dampvsep_corpus(root, n_performances=None, sample_rate=16000, duration=3.0, seed=0):
    """DAMP-VSEP(-Singles) layout with its metadata ``root/metadata/<split>_sr<rate>.json``.

    Files: ``sing/<perf>_vocal.ogg`` (the singer, recorded with a lead-in of
    ``vocal_start`` seconds), ``back/<perf>_background.wav`` and ``mix/<perf>_mix.wav`` (the
    original mixture, aligned with the background: ``mix = scaler * vocal + background``).
    The metadata gives, per performance, the relative paths, ``scaler``, ``vocal_start``,
    ``background_start``, ``duration`` and the mixture statistics (``mean``, ``std``,
    ``original_mix_mean``, ``original_mix_std``).

    Args:
        n_performances (dict): Performances per split, default ``{"train_singles": 2,
            "valid": 1, "test": 1}``.

    Returns:
        dict: ``{"root": root, "metadata": {split: path}}``.
    """
    n_performances = n_performances or {"train_singles": 2, "valid": 1, "test": 1}
    rng = np.random.default_rng(seed)
    pool = _single_pool(sum(n_performances.values()), sample_rate, seed, min_duration=duration)
    n = int(duration * sample_rate)
    for sub in ("sing", "back", "mix", "metadata"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    out = {"root": root, "metadata": {}}
    k = 0
    for split, count in n_performances.items():
        tracks = {}
        for _ in range(count):
            perf = f"{split}_{k:04d}_{pool.ids[k]}"
            lead_in = int(rng.integers(1, 5) * sample_rate // 10)
            vocal = quantize_16bit(_fit(pool.wav(k), n))
            background = instrument_stem("other", n, sample_rate, rng, 1)[0]
            background += 0.5 * instrument_stem("drums", n, sample_rate, rng, 1)[0]
            background = quantize_16bit(0.3 * background / np.max(np.abs(background)))
            scaler = float(rng.uniform(0.5, 1.0))
            mix = quantize_16bit(scaler * vocal + background)
            vocal_file = np.concatenate([np.zeros(lead_in, np.float32), vocal])
            write_wav(os.path.join(root, "sing", f"{perf}_vocal.ogg"), vocal_file, sample_rate)
            write_wav(os.path.join(root, "back", f"{perf}_background.wav"), background, sample_rate)
            write_wav(os.path.join(root, "mix", f"{perf}_mix.wav"), mix, sample_rate)
            remix = scaler * vocal + background
            tracks[perf] = {
                "vocal": f"sing/{perf}_vocal.ogg",
                "background": f"back/{perf}_background.wav",
                "original_mix": f"mix/{perf}_mix.wav",
                "scaler": scaler,
                "vocal_start": lead_in / sample_rate,
                "background_start": 0.0,
                "duration": duration,
                "mean": float(remix.mean()),
                "std": float(remix.std()),
                "original_mix_mean": float(mix.mean()),
                "original_mix_std": float(mix.std()),
            }
            k += 1
        path = os.path.join(root, "metadata", f"{split}_sr{sample_rate}.json")
        with open(path, "w") as fh:
            json.dump(tracks, fh, indent=2)
        out["metadata"][split] = path
    return out


def make_avspeech_corpus(
    root, n_mixtures=2, n_src=2, duration=3.0, embed_shape=(75, 1, 1792), seed=0
):
    """AVSpeech (Looking-to-Listen recipe) layout: ``audio/<video>_part<k>.wav`` (16 kHz),
    ``mixed/<mixture>.wav``, ``embed/<video>_part<k>.npy`` (face embeddings, random here) and
    the mixture table ``root/mixtures.csv`` (columns ``video_i``, ``audio_i``,
    ``mixed_audio``). The videos themselves are not written: only their names are used.

    Returns:
        dict: ``{"root": root, "csv": path, "embed_dir": path}``.
    """
    sample_rate = 16000
    rng = np.random.default_rng(seed)
    n = int(duration * sample_rate)
    pool = _single_pool(n_mixtures * n_src, sample_rate, seed, min_duration=duration)
    for sub in ("audio", "mixed", "embed", "video"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    rows = []
    for m in range(n_mixtures):
        row, signals = {}, []
        for i in range(n_src):
            video = f"vid{m:03d}{i}"
            part = int(rng.integers(0, 3))
            wav = quantize_16bit(set_level(_fit(pool.wav(m * n_src + i), n), -25.0))
            signals.append(wav)
            row[f"video_{i + 1}"] = os.path.abspath(os.path.join(root, "video", video + ".mp4"))
            row[f"audio_{i + 1}"] = os.path.abspath(
                write_wav(os.path.join(root, "audio", f"{video}_part{part}.wav"), wav, sample_rate)
            )
            emb = rng.standard_normal(embed_shape).astype(np.float32)
            np.save(os.path.join(root, "embed", f"{video}_part{part}.npy"), emb)
        row["mixed_audio"] = os.path.abspath(
            write_wav(
                os.path.join(root, "mixed", f"mix{m:03d}.wav"), np.sum(signals, 0), sample_rate
            )
        )
        rows.append(row)
    csv_path = os.path.join(root, "mixtures.csv")
    pd.DataFrame(rows).to_csv(csv_path, index=False)
    return {"root": root, "csv": csv_path, "embed_dir": os.path.join(root, "embed")}


def _trim(wav, threshold=0.01):
    """Cut leading and trailing samples below ``threshold``."""
    idx = np.nonzero(np.abs(wav) > threshold)[0]
    return wav[idx[0] : idx[-1] + 1] if idx.size else wav[:0]


def make_librivad_corpus(root, n_files=None, sample_rate=8000, seed=0, speech_per_file=2):
    """LibriVAD layout: ``<split>/<k>.wav`` (speech turns separated by pauses, over noise)
    and ``metadata/<split>.json``: records ``{"mixture_path", "VAD": {"start": [...],
    "stop": [...]}, "speaker_id"}`` whose intervals (in samples) are exactly where speech was
    placed.

    Args:
        n_files (dict): Files per split, default ``{"train": 3, "dev": 1, "test": 1}``.

    Returns:
        dict: ``{"root": root, "metadata": {split: path}}``.
    """
    n_files = n_files or {"train": 3, "dev": 1, "test": 1}
    rng = np.random.default_rng(seed)
    speakers = split_speakers(list(n_files))
    sentences = SentenceSource(seed)
    out = {"root": root, "metadata": {}}
    os.makedirs(os.path.join(root, "metadata"), exist_ok=True)
    for split, count in n_files.items():
        pool = UtterancePool(speakers[split], count * speech_per_file, sample_rate, sentences)
        pool.synthesize_all()
        os.makedirs(os.path.join(root, split), exist_ok=True)
        records = []
        for k in range(count):
            pieces, starts, stops, pos = [], [], [], 0
            for j in range(speech_per_file):
                pause = np.zeros(int(rng.uniform(0.3, 1.0) * sample_rate), np.float32)
                speech = _trim(pool.wav(k * speech_per_file + j))
                pieces += [pause, speech]
                starts.append(pos + len(pause))
                stops.append(pos + len(pause) + len(speech))
                pos += len(pause) + len(speech)
            pieces.append(np.zeros(int(0.5 * sample_rate), np.float32))
            signal = np.concatenate(pieces)
            noise = set_level(colored_noise(len(signal), "pink", rng), -50.0)
            path = os.path.abspath(os.path.join(root, split, f"{k:04d}.wav"))
            write_wav(path, quantize_16bit(signal + noise), sample_rate)
            records.append(
                {
                    "mixture_path": path,
                    "VAD": {"start": starts, "stop": stops},
                    "speaker_id": pool.ids[k * speech_per_file].split("-")[0],
                }
            )
        md_path = os.path.join(root, "metadata", f"{split}.json")
        with open(md_path, "w") as fh:
            json.dump(records, fh, indent=2)
        out["metadata"][split] = md_path
    return out
