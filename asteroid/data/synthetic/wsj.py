"""Layouts of the WSJ0-based corpora (wsj0-mix, WHAM!, WHAMR!, Kinect-WSJ, SMS-WSJ).

Each writer synthesizes speech (disjoint speakers and sentences per split), writes the audio
folders of the corpus, and the metadata that the matching dataset reads: the JSON lists of
``[wav_path, n_samples]`` that the recipes' ``local/preprocess_*.py`` scripts produce, or the
SMS-WSJ database JSON.
"""

import json
import math
import os

import numpy as np
import soundfile as sf

from .mixing import fit_lengths, quantize_16bit, scale_to_snr, set_level, write_wav
from .pool import SentenceSource, UtterancePool, split_speakers
from .signals import ambient_noise, colored_noise, reverberate, split_rir, synthetic_rir

__all__ = [
    "write_json_lists",
    "make_wsj0mix_corpus",
    "make_wham_corpus",
    "make_whamr_corpus",
    "make_kinect_wsj_corpus",
    "make_sms_wsj_corpus",
]

WSJ_SPLITS = ("tr", "cv", "tt")
MAX_AMP = 0.9


def write_json_lists(split_dir, names, json_dir):
    """Write ``json_dir/<name>.json`` for each sub-folder ``name`` of ``split_dir``.

    Each file lists ``[absolute_wav_path, n_samples]`` for the WAV files of the folder,
    sorted by file name, like the recipes' ``local/preprocess_*.py`` scripts.

    Returns:
        str: ``json_dir``.
    """
    os.makedirs(json_dir, exist_ok=True)
    for name in names:
        folder = os.path.abspath(os.path.join(split_dir, name))
        infos = [
            [os.path.join(folder, f), sf.info(os.path.join(folder, f)).frames]
            for f in sorted(os.listdir(folder))
            if f.endswith(".wav")
        ]
        with open(os.path.join(json_dir, name + ".json"), "w") as fh:
            json.dump(infos, fh, indent=4)
    return json_dir


def _pools(n_per_split, n_src, sample_rate, seed, min_duration, mixtures_per_utterance):
    """One utterance pool per split (disjoint speakers and text), synthesized in order."""
    names = list(n_per_split)
    speakers = split_speakers(names)
    sentences = SentenceSource(seed)
    pools = {}
    for name in names:
        n_utt = max(2 * n_src, math.ceil(n_per_split[name] * n_src / mixtures_per_utterance))
        pool = UtterancePool(speakers[name], n_utt, sample_rate, sentences, min_duration)
        pool.synthesize_all()
        pools[name] = pool
    return pools


def _speech_sources(pool, picks, rng, mode, n_src):
    """Sources at relative levels in [-2.5, 2.5] dB (wsj0-mix style) and their name."""
    snrs = rng.uniform(0, 2.5, size=n_src) * np.where(np.arange(n_src) % 2 == 0, 1, -1)
    sources = [set_level(pool.wav(k), -25.0 + snr) for k, snr in zip(picks, snrs)]
    name = "_".join(f"{pool.ids[k]}_{snr:.5f}" for k, snr in zip(picks, snrs))
    return fit_lengths(sources, mode), name


def _guard_and_quantize(signals):
    """Scale all signals together so that their sum peaks at most at 0.9, then quantise."""
    peak = np.max(np.abs(np.sum([s for s in signals], axis=0)))
    gain = MAX_AMP / peak if peak > MAX_AMP else 1.0
    return [quantize_16bit(s * gain) for s in signals]


def _mixtures(pools, n_per_split, n_src, seed):
    """Yield ``(split, picks)`` for every mixture, from one seeded generator."""
    rng = np.random.default_rng(seed + 1)
    for split, n_mix in n_per_split.items():
        used = set()
        for _ in range(n_mix):
            yield split, pools[split].draw(rng, n_src, used), rng


def _write_split_folders(split_dir, files, sample_rate):
    for sub, (name, wav) in files:
        os.makedirs(os.path.join(split_dir, sub), exist_ok=True)
        write_wav(os.path.join(split_dir, sub, name + ".wav"), wav, sample_rate)


def make_wsj0mix_corpus(
    root,
    n_per_split=None,
    n_src=2,
    sample_rate=8000,
    mode="min",
    seed=0,
    json_dir=None,
    min_duration=None,
    mixtures_per_utterance=2,
):
    """wsj0-{n}mix layout: ``root/{n}speakers/wav{k}k/{mode}/{tr,cv,tt}/{mix,s1,...}/``.

    Mixture names follow wsj0-mix (``<id1>_<snr1>_<id2>_<snr2>.wav``); each mixture is the
    exact sum of its sources.

    Args:
        root (str): Output folder.
        n_per_split (dict): Mixtures per split, default ``{"tr": 4, "cv": 2, "tt": 2}``.
        n_src (int): Speakers per mixture.
        sample_rate (int): Sample rate.
        mode (str): ``"min"`` or ``"max"``.
        seed (int): Seed of every random choice.
        json_dir (str, optional): Where to write the recipe's JSON lists
            (``json_dir/<split>/{mix,s1,...}.json``); default ``root/json``.
        min_duration (float, optional): Minimum utterance duration in seconds.
        mixtures_per_utterance (float): Reuse factor of the utterances.

    Returns:
        dict: ``{"root": corpus folder, "json": {split: json folder}}``.
    """
    n_per_split = n_per_split or {"tr": 4, "cv": 2, "tt": 2}
    corpus = os.path.join(root, f"{n_src}speakers", f"wav{sample_rate // 1000}k", mode)
    json_dir = json_dir or os.path.join(root, "json")
    pools = _pools(n_per_split, n_src, sample_rate, seed, min_duration, mixtures_per_utterance)
    for split, picks, rng in _mixtures(pools, n_per_split, n_src, seed):
        sources, name = _speech_sources(pools[split], picks, rng, mode, n_src)
        sources = _guard_and_quantize(sources)
        files = [("mix", (name, np.sum(sources, axis=0)))]
        files += [(f"s{i + 1}", (name, s)) for i, s in enumerate(sources)]
        _write_split_folders(os.path.join(corpus, split), files, sample_rate)
    names = ["mix"] + [f"s{i + 1}" for i in range(n_src)]
    jsons = {
        split: write_json_lists(os.path.join(corpus, split), names, os.path.join(json_dir, split))
        for split in n_per_split
    }
    return {"root": corpus, "json": jsons}


def make_wham_corpus(
    root,
    n_per_split=None,
    sample_rate=8000,
    mode="min",
    seed=0,
    json_dir=None,
    min_duration=None,
    mixtures_per_utterance=2,
):
    """WHAM! layout: ``root/wham/wav{k}k/{mode}/{tr,cv,tt}/{mix_clean, mix_both, mix_single,
    s1, s2, noise}/`` plus the recipe's JSON lists (``json_dir/<split>/<folder>.json``).

    The noise is ambient-like noise at an SNR in [-6, 3] dB relative to the first speaker;
    ``mix_clean = s1 + s2``, ``mix_both = s1 + s2 + noise``, ``mix_single = s1 + noise``.

    Returns:
        dict: ``{"root": corpus folder, "json": {split: json folder}}``.
    """
    n_per_split = n_per_split or {"tr": 4, "cv": 2, "tt": 2}
    corpus = os.path.join(root, "wham", f"wav{sample_rate // 1000}k", mode)
    json_dir = json_dir or os.path.join(root, "json")
    pools = _pools(n_per_split, 2, sample_rate, seed, min_duration, mixtures_per_utterance)
    for split, picks, rng in _mixtures(pools, n_per_split, 2, seed):
        sources, name = _speech_sources(pools[split], picks, rng, mode, 2)
        noise = ambient_noise(sources[0].shape[-1], sample_rate, rng)
        noise = scale_to_snr(sources[0], noise, rng.uniform(-6, 3))
        s1, s2, noise = _guard_and_quantize(sources + [noise])
        files = [
            ("s1", s1),
            ("s2", s2),
            ("noise", noise),
            ("mix_clean", s1 + s2),
            ("mix_both", s1 + s2 + noise),
            ("mix_single", s1 + noise),
        ]
        _write_split_folders(
            os.path.join(corpus, split), [(k, (name, v)) for k, v in files], sample_rate
        )
    names = ["mix_clean", "mix_both", "mix_single", "s1", "s2", "noise"]
    jsons = {
        split: write_json_lists(os.path.join(corpus, split), names, os.path.join(json_dir, split))
        for split in n_per_split
    }
    return {"root": corpus, "json": jsons}


def make_whamr_corpus(
    root,
    n_per_split=None,
    sample_rate=8000,
    mode="min",
    seed=0,
    json_dir=None,
    min_duration=None,
    mixtures_per_utterance=2,
):
    """WHAMR! layout: ``root/whamr/wav{k}k/{mode}/{tr,cv,tt}/`` with the folders
    ``s{1,2}_{anechoic,reverb}``, ``mix_{clean,both,single}_{anechoic,reverb}`` and
    ``noise``, plus the recipe's JSON lists (one per folder).

    Reverberant sources are the anechoic ones convolved with synthetic room responses
    (RT60 in [0.2, 0.6] s); every mixture is the exact sum of its parts.

    Returns:
        dict: ``{"root": corpus folder, "json": {split: json folder}}``.
    """
    n_per_split = n_per_split or {"tr": 4, "cv": 2, "tt": 2}
    corpus = os.path.join(root, "whamr", f"wav{sample_rate // 1000}k", mode)
    json_dir = json_dir or os.path.join(root, "json")
    pools = _pools(n_per_split, 2, sample_rate, seed, min_duration, mixtures_per_utterance)
    for split, picks, rng in _mixtures(pools, n_per_split, 2, seed):
        dry, name = _speech_sources(pools[split], picks, rng, mode, 2)
        wet = [
            reverberate(s, synthetic_rir(sample_rate, rng.uniform(0.2, 0.6), rng))[0] for s in dry
        ]
        noise = scale_to_snr(
            dry[0], ambient_noise(dry[0].shape[-1], sample_rate, rng), rng.uniform(-6, 3)
        )
        a1, a2, r1, r2, noise = _guard_and_quantize(dry + wet + [noise])
        files = {
            "s1_anechoic": a1,
            "s2_anechoic": a2,
            "s1_reverb": r1,
            "s2_reverb": r2,
            "noise": noise,
            "mix_clean_anechoic": a1 + a2,
            "mix_both_anechoic": a1 + a2 + noise,
            "mix_single_anechoic": a1 + noise,
            "mix_clean_reverb": r1 + r2,
            "mix_both_reverb": r1 + r2 + noise,
            "mix_single_reverb": r1 + noise,
        }
        _write_split_folders(
            os.path.join(corpus, split), [(k, (name, v)) for k, v in files.items()], sample_rate
        )
    names = list(files)
    jsons = {
        split: write_json_lists(os.path.join(corpus, split), names, os.path.join(json_dir, split))
        for split in n_per_split
    }
    return {"root": corpus, "json": jsons}


def make_kinect_wsj_corpus(
    root,
    n_per_split=None,
    n_src=2,
    sample_rate=16000,
    mode="min",
    n_channels=4,
    seed=0,
    json_dir=None,
    min_duration=None,
    mixtures_per_utterance=2,
):
    """Kinect-WSJ layout: ``root/2speakers_reverb_kinect/wav{k}k/{mode}/{tr,cv,tt}/{mix, s1,
    ..., noise}/`` with ``n_channels``-channel files, plus the recipe's JSON lists of ``mix``
    and the sources. The sources are reverberant multichannel images, and
    ``mix = sum(sources) + noise``.

    Returns:
        dict: ``{"root": corpus folder, "json": {split: json folder}}``.
    """
    n_per_split = n_per_split or {"tr": 4, "cv": 2, "tt": 2}
    corpus = os.path.join(
        root, f"{n_src}speakers_reverb_kinect", f"wav{sample_rate // 1000}k", mode
    )
    json_dir = json_dir or os.path.join(root, "json")
    pools = _pools(n_per_split, n_src, sample_rate, seed, min_duration, mixtures_per_utterance)
    for split, picks, rng in _mixtures(pools, n_per_split, n_src, seed):
        dry, name = _speech_sources(pools[split], picks, rng, mode, n_src)
        images = [
            reverberate(s, synthetic_rir(sample_rate, rng.uniform(0.2, 0.5), rng, n_channels))
            for s in dry
        ]
        noise = ambient_noise(dry[0].shape[-1], sample_rate, rng, channels=n_channels)
        noise = scale_to_snr(images[0], noise, rng.uniform(0, 10))
        signals = _guard_and_quantize(images + [noise])
        files = [("mix", np.sum(signals, axis=0)), ("noise", signals[-1])]
        files += [(f"s{i + 1}", s) for i, s in enumerate(signals[:-1])]
        _write_split_folders(
            os.path.join(corpus, split), [(k, (name, v)) for k, v in files], sample_rate
        )
    names = ["mix"] + [f"s{i + 1}" for i in range(n_src)]
    jsons = {
        split: write_json_lists(os.path.join(corpus, split), names, os.path.join(json_dir, split))
        for split in n_per_split
    }
    return {"root": corpus, "json": jsons}


def make_sms_wsj_corpus(
    root,
    n_per_split=None,
    sample_rate=8000,
    n_channels=6,
    seed=0,
    min_duration=None,
    mixtures_per_utterance=2,
):
    """SMS-WSJ layout and database JSON (``root/sms_wsj.json``).

    Files: ``observation/<dset>/<id>.wav`` (``n_channels`` channels),
    ``speech_source/<dset>/<id>_<k>.wav`` (the dry utterances, their own length),
    ``early/<dset>/<id>_<k>.wav`` and ``tail/<dset>/<id>_<k>.wav`` (the early and late
    reverberant images of each speaker), ``noise/<dset>/<id>.wav``. The shorter utterance
    starts at a random ``offset`` within the longer one, and
    ``observation = sum(early + tail) + noise``.

    Args:
        n_per_split (dict): Examples per dataset, default
            ``{"train_si284": 4, "cv_dev93": 2, "test_eval92": 2}``.

    Returns:
        dict: ``{"root": root, "json": path of sms_wsj.json}``.
    """
    n_per_split = n_per_split or {"train_si284": 4, "cv_dev93": 2, "test_eval92": 2}
    pools = _pools(n_per_split, 2, sample_rate, seed, min_duration, mixtures_per_utterance)
    database = {"datasets": {d: {} for d in n_per_split}}
    for dset, picks, rng in _mixtures(pools, n_per_split, 2, seed):
        pool = pools[dset]
        dry = [set_level(pool.wav(k), -25.0 + rng.uniform(-2.5, 2.5)) for k in picks]
        n_obs = max(len(s) for s in dry)
        offsets = [int(rng.integers(0, n_obs - len(s) + 1)) for s in dry]
        placed = [np.pad(s, (o, n_obs - o - len(s))) for s, o in zip(dry, offsets)]
        early, tail = [], []
        for s in placed:
            e, t = split_rir(
                synthetic_rir(sample_rate, rng.uniform(0.2, 0.5), rng, n_channels), sample_rate
            )
            early.append(reverberate(s, e))
            tail.append(reverberate(s, t))
        noise = colored_noise(n_obs, "white", rng, channels=n_channels)
        noise = scale_to_snr(early[0] + tail[0], noise, rng.uniform(20, 30))
        peak = np.max(np.abs(sum(early) + sum(tail) + noise))
        gain = MAX_AMP / peak if peak > MAX_AMP else 1.0
        dry, early, tail = (
            [quantize_16bit(x * gain) for x in group] for group in (dry, early, tail)
        )
        noise = quantize_16bit(noise * gain)
        example_id = f"{len(database['datasets'][dset])}_{pool.ids[picks[0]]}_{pool.ids[picks[1]]}"
        paths = {}
        for key, sub in (("observation", "observation"), ("noise_image", "noise")):
            paths[key] = os.path.abspath(os.path.join(root, sub, dset, example_id + ".wav"))
        for key, sub in (
            ("speech_source", "speech_source"),
            ("speech_reverberation_early", "early"),
            ("speech_reverberation_tail", "tail"),
        ):
            paths[key] = [
                os.path.abspath(os.path.join(root, sub, dset, f"{example_id}_{k}.wav"))
                for k in range(2)
            ]
        for sub in ("observation", "noise", "speech_source", "early", "tail"):
            os.makedirs(os.path.join(root, sub, dset), exist_ok=True)
        write_wav(paths["observation"], sum(early) + sum(tail) + noise, sample_rate)
        write_wav(paths["noise_image"], noise, sample_rate)
        for k in range(2):
            write_wav(paths["speech_source"][k], dry[k], sample_rate)
            write_wav(paths["speech_reverberation_early"][k], early[k], sample_rate)
            write_wav(paths["speech_reverberation_tail"][k], tail[k], sample_rate)
        database["datasets"][dset][example_id] = {
            "audio_path": paths,
            "num_samples": {"observation": n_obs, "original_source": [len(s) for s in dry]},
            "offset": offsets,
            "num_speakers": 2,
            "speaker_id": [str(pool.speakers[k]) for k in picks],
            "kaldi_transcription": [pool.texts[k] for k in picks],
            "example_id": example_id,
            "dataset": dset,
        }
    json_path = os.path.join(root, "sms_wsj.json")
    with open(json_path, "w") as fh:
        json.dump(database, fh, indent=2)
    return {"root": root, "json": json_path}
