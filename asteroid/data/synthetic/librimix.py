"""LibriMix-layout corpora (and a MiniLibriMix-like archive) from synthetic speech."""

import math
import os
import shutil
import zipfile

import numpy as np
import pandas as pd

from .mixing import fit_lengths, quantize_16bit, rms_db, set_level, write_wav
from .pool import SentenceSource, UtterancePool, split_speakers
from .signals import ambient_noise

__all__ = ["make_librimix_corpus", "make_mini_librimix_zip"]

# LibriMix draws speech loudness in [-33, -25] LUFS and noise in [-38, -30] LUFS; we use the
# same ranges for RMS levels, and the same clipping guard (peak at most 0.9).
SPEECH_DB = (-33.0, -25.0)
NOISE_DB = (-38.0, -30.0)
MAX_AMP = 0.9


def _mixture_signals(pool, picks, rng, sample_rate, mode, noise):
    """Scaled, length-fitted, quantised sources (and noise) of one mixture."""
    sources = [set_level(pool.wav(k), rng.uniform(*SPEECH_DB)) for k in picks]
    if noise:
        longest = max(len(s) for s in sources)
        sources.append(set_level(ambient_noise(longest, sample_rate, rng), rng.uniform(*NOISE_DB)))
    sources = fit_lengths(sources, mode)
    peak = np.max(np.abs(np.sum(sources, axis=0)))
    if peak > MAX_AMP:
        sources = [s * (MAX_AMP / peak) for s in sources]
    return [quantize_16bit(s) for s in sources]


def _snr(x, rest):
    return float(rms_db(x) - rms_db(rest))


def make_librimix_corpus(
    root,
    n_train,
    n_valid,
    n_test,
    sample_rate=8000,
    n_src=2,
    mode="min",
    noise=False,
    seed=0,
    min_duration=3.0,
    mixtures_per_utterance=2,
    split_names=("train-360", "dev", "test"),
    audio_format="wav",
    local_dir=None,
):
    """Write a LibriMix-layout corpus of synthetic speech.

    Layout (as the LibriMix scripts write it)::

        root/Libri{n}Mix/wav{sr//1000}k/{mode}/
            {split}/{s1, ..., s{n}, mix_clean[, mix_both, mix_single, noise]}/<ids>.wav
            metadata/mixture_{split}_{type}.csv   (mixture_ID, mixture_path, source_i_path,
                                                   [noise_path,] length)
            metadata/metrics_{split}_{type}.csv   (mixture_ID, source_i_SNR, [noise_SNR])

    The mixture ID is the utterance ids joined by ``_``; the mixture is exactly the sum of the
    written sources (quantised to 16 bits before summing). Splits have disjoint speakers
    (voice variants) and disjoint sentences. Each utterance is synthesized once and used in
    about ``mixtures_per_utterance`` mixtures.

    Args:
        root (str): Output folder.
        n_train (int), n_valid (int), n_test (int): Mixtures per split.
        sample_rate (int): Sample rate (the folder is ``wav<sample_rate // 1000>k``).
        n_src (int): Speakers per mixture.
        mode (str): ``"min"`` (cut to the shortest utterance) or ``"max"`` (zero-pad).
        noise (bool): Also write noise and the ``mix_both``/``mix_single`` mixtures.
        seed (int): Seed of every random choice.
        min_duration (float, optional): Minimum utterance duration in seconds (LibriMix
            keeps utterances of at least 3 s); ``None`` for single sentences (~2-3 s).
        mixtures_per_utterance (float): Reuse factor of the utterances.
        split_names (tuple): Names of the training, validation and test splits.
        audio_format (str): ``"wav"`` or ``"flac"``.
        local_dir (str, optional): Also copy each split's ``mixture_*`` CSVs to
            ``local_dir/<split>/``, as the recipes' ``local/create_local_metadata.py`` does
            (folders that :class:`asteroid.data.LibriMix` reads).

    Returns:
        dict: ``{"root": corpus folder, "metadata": metadata folder, "csv": {split: {type:
        csv path}}, "local": {split: local folder} (with ``local_dir``), "texts": {split:
        {utterance id: transcript}}}``.
    """
    counts = dict(zip(split_names, (n_train, n_valid, n_test)))
    corpus = os.path.join(root, f"Libri{n_src}Mix", f"wav{sample_rate // 1000}k", mode)
    md_dir = os.path.join(corpus, "metadata")
    os.makedirs(md_dir, exist_ok=True)
    types = ["mix_clean", "mix_both", "mix_single"] if noise else ["mix_clean"]
    speakers = split_speakers(list(split_names))
    sentences = SentenceSource(seed)
    rng = np.random.default_rng(seed)
    result = {"root": corpus, "metadata": md_dir, "csv": {}, "local": {}, "texts": {}}
    for split in split_names:
        n_mix = counts[split]
        if n_mix == 0:
            continue
        n_utt = max(2 * n_src, math.ceil(n_mix * n_src / mixtures_per_utterance))
        pool = UtterancePool(speakers[split], n_utt, sample_rate, sentences, min_duration)
        pool.synthesize_all()
        result["texts"][split] = dict(zip(pool.ids, pool.texts))
        split_dir = os.path.join(corpus, split)
        subdirs = [f"s{i + 1}" for i in range(n_src)] + types + (["noise"] if noise else [])
        for sub in subdirs:
            os.makedirs(os.path.join(split_dir, sub), exist_ok=True)
        rows = {t: [] for t in types}
        metrics = {t: [] for t in types}
        used = set()
        for _ in range(n_mix):
            picks = pool.draw(rng, n_src, used)
            mix_id = "_".join(pool.ids[k] for k in picks)
            name = f"{mix_id}.{audio_format}"
            signals = _mixture_signals(pool, picks, rng, sample_rate, mode, noise)
            srcs = signals[:n_src]
            src_paths = []
            for i, s in enumerate(srcs):
                path = os.path.abspath(os.path.join(split_dir, f"s{i + 1}", name))
                src_paths.append(write_wav(path, s, sample_rate))
            noise_path = None
            if noise:
                noise_path = os.path.abspath(os.path.join(split_dir, "noise", name))
                write_wav(noise_path, signals[-1], sample_rate)
            parts = {
                "mix_clean": srcs,
                "mix_both": signals,
                "mix_single": [srcs[0], signals[-1]],
            }
            for t in types:
                mixture = np.sum(parts[t], axis=0)
                mix_path = os.path.abspath(os.path.join(split_dir, t, name))
                write_wav(mix_path, mixture, sample_rate)
                row = {"mixture_ID": mix_id, "mixture_path": mix_path}
                metric = {"mixture_ID": mix_id}
                used_srcs = src_paths if t != "mix_single" else src_paths[:1]
                for i, p in enumerate(used_srcs):
                    row[f"source_{i + 1}_path"] = p
                    metric[f"source_{i + 1}_SNR"] = _snr(parts[t][i], mixture - parts[t][i])
                if t != "mix_clean":
                    row["noise_path"] = noise_path
                    metric["noise_SNR"] = _snr(signals[-1], mixture - signals[-1])
                row["length"] = len(mixture)
                rows[t].append(row)
                metrics[t].append(metric)
        result["csv"][split] = {}
        for t in types:
            csv_path = os.path.join(md_dir, f"mixture_{split}_{t}.csv")
            pd.DataFrame(rows[t]).to_csv(csv_path, index=False)
            pd.DataFrame(metrics[t]).to_csv(
                os.path.join(md_dir, f"metrics_{split}_{t}.csv"), index=False
            )
            result["csv"][split][t] = csv_path
        if local_dir is not None:
            dst = os.path.join(local_dir, split)
            os.makedirs(dst, exist_ok=True)
            for csv_path in result["csv"][split].values():
                shutil.copy(csv_path, dst)
            result["local"][split] = dst
    return result


def make_mini_librimix_zip(zip_path, n_train=4, n_val=2, seed=0, min_duration=None):
    """Write a MiniLibriMix-like archive (the layout :meth:`LibriMix.mini_download` unpacks).

    The archive holds ``MiniLibriMix/{train,val}/{s1,s2,mix_clean,mix_both,noise}/`` (8 kHz)
    and ``MiniLibriMix/metadata/mixture_{train,val}_mix_{clean,both}.csv`` whose audio paths
    are relative (``MiniLibriMix/train/...``), as in the published archive.

    Returns:
        str: ``zip_path``.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = make_librimix_corpus(
            tmp, n_train, n_val, 0, sample_rate=8000, noise=True, seed=seed,
            min_duration=min_duration, split_names=("train", "val", "unused"),
        )  # fmt: skip
        mini = os.path.join(tmp, "MiniLibriMix")
        os.makedirs(os.path.join(mini, "metadata"))
        for split in ("train", "val"):
            shutil.copytree(os.path.join(out["root"], split), os.path.join(mini, split))
            for t in ("mix_clean", "mix_both"):
                df = pd.read_csv(out["csv"][split][t])
                for col in df.columns:
                    if col.endswith("_path"):
                        df[col] = [
                            os.path.join("MiniLibriMix", os.path.relpath(p, out["root"]))
                            for p in df[col]
                        ]
                df.to_csv(os.path.join(mini, "metadata", f"mixture_{split}_{t}.csv"), index=False)
        with zipfile.ZipFile(zip_path, "w") as archive:
            for folder, _, files in os.walk(mini):
                for f in files:
                    full = os.path.join(folder, f)
                    archive.write(full, os.path.relpath(full, tmp))
    return zip_path
