"""Tiny corpora in each recipe's raw layout, a copy of egs/ per test, and a run.sh runner.

The corpora come from :mod:`asteroid.data.synthetic` (synthesized speech, noise and music-like
stems). They are built once per test session, in a folder shared by the pytest-xdist
workers (a file lock keeps two workers from building the same one).
"""

import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from filelock import FileLock

EGS = pathlib.Path(__file__).resolve().parents[2] / "egs"
RUN_TIMEOUT = 600


def _mixtures(n_train=4, n_valid=2, n_test=2):
    return {"tr": n_train, "cv": n_valid, "tt": n_test}


def _librimix(root):
    from asteroid.data.synthetic import make_librimix_corpus

    make_librimix_corpus(root, 4, 2, 2, sample_rate=16000, mode="max", noise=True, min_duration=1.0)


def _wham(root):
    from asteroid.data.synthetic import make_wham_corpus

    make_wham_corpus(root, _mixtures(), sample_rate=8000, mode="min", min_duration=1.0)


def _whamr(root):
    from asteroid.data.synthetic import make_whamr_corpus

    make_whamr_corpus(root, _mixtures(), sample_rate=8000, mode="min", min_duration=1.0)


def _wsj0mix(root):
    from asteroid.data.synthetic import make_wsj0mix_corpus

    for n_src in (2, 3):
        make_wsj0mix_corpus(
            root,
            _mixtures(),
            n_src=n_src,
            sample_rate=8000,
            mode="min",
            min_duration=1.0,
            seed=n_src,
        )


def _kinect(root):
    from asteroid.data.synthetic import make_kinect_wsj_corpus

    make_kinect_wsj_corpus(root, _mixtures(), sample_rate=16000, mode="min", min_duration=1.0)


def _librivad(root):
    from asteroid.data.synthetic import make_librivad_corpus

    make_librivad_corpus(root, {"train": 4, "dev": 2, "test": 2}, sample_rate=8000)


def _dampvsep(root):
    from asteroid.data.synthetic import make_dampvsep_corpus

    make_dampvsep_corpus(root, {"train_singles": 4, "valid": 2, "test": 2}, duration=1.5)


def _dns(root):
    from asteroid.data.synthetic import make_dns_corpus

    make_dns_corpus(os.path.join(root, "train"), n_files=6, seed=0)
    make_dns_corpus(os.path.join(root, "test"), n_files=2, seed=1)
    # The challenge's synthetic test set has no noise folder.
    shutil.rmtree(os.path.join(root, "test", "noise"))


def _musdb(root):
    from asteroid.data.synthetic import make_musdb18_corpus

    make_musdb18_corpus(root, {"train": 3, "test": 1}, duration=2.0)


def _split_pools(splits, n_utt, sample_rate, min_duration=None):
    """One synthesized utterance pool per split, with disjoint speakers and sentences."""
    from asteroid.data.synthetic import SentenceSource, UtterancePool, split_speakers

    speakers = split_speakers(list(splits))
    sentences = SentenceSource(3)
    pools = {}
    for split in splits:
        pools[split] = UtterancePool(speakers[split], n_utt, sample_rate, sentences, min_duration)
        pools[split].synthesize_all()
    return pools


def _tac(root):
    """TAC's ad-hoc arrays: MC_Libri_adhoc/<split>/<n>mic/sample<k>/{mixture,spk1,spk2}_mic<m>.wav."""
    from asteroid.data.synthetic import (
        ambient_noise,
        quantize_16bit,
        reverberate,
        scale_to_snr,
        set_level,
        synthetic_rir,
        write_wav,
    )

    sample_rate = 16000
    counts = {"train": 4, "validation": 2, "test": 2}
    pools = _split_pools(counts, 6, sample_rate)
    rng = np.random.default_rng(7)
    for split, count in counts.items():
        pool = pools[split]
        for k in range(count):
            n_mics = 2 + k % 2
            picks = pool.draw(rng, 2)
            length = min(len(pool.wav(i)) for i in picks)
            images = [
                reverberate(
                    set_level(pool.wav(i)[:length], -25.0),
                    synthetic_rir(sample_rate, 0.3, rng, n_mics),
                )
                for i in picks
            ]
            noise = scale_to_snr(
                images[0], ambient_noise(length, sample_rate, rng, channels=n_mics), 15.0
            )
            folder = os.path.join(root, "MC_Libri_adhoc", split, f"{n_mics}mic", f"sample{k + 1}")
            os.makedirs(folder)
            spk = [quantize_16bit(x) for x in images]
            for mic in range(n_mics):
                write_wav(os.path.join(folder, f"spk1_mic{mic + 1}.wav"), spk[0][mic], sample_rate)
                write_wav(os.path.join(folder, f"spk2_mic{mic + 1}.wav"), spk[1][mic], sample_rate)
                mix = quantize_16bit(spk[0][mic] + spk[1][mic] + noise[mic])
                write_wav(os.path.join(folder, f"mixture_mic{mic + 1}.wav"), mix, sample_rate)


def _librispeech(root):
    """LibriSpeech layout (<part>/<speaker>/<chapter>/<id>.flac) and FUSS-like RIRs."""
    from asteroid.data.synthetic import synthetic_rir, write_wav

    sample_rate = 16000
    parts = {"train-clean-360": 4, "dev-clean": 2, "test-clean": 2}
    pools = _split_pools(parts, 4, sample_rate, min_duration=1.2)
    for part, count in parts.items():
        pool = pools[part]
        for k in range(count):
            spk, chapter, _ = pool.ids[k].split("-")
            folder = os.path.join(root, "LibriSpeech", part, spk, chapter)
            os.makedirs(folder, exist_ok=True)
            write_wav(os.path.join(folder, pool.ids[k] + ".flac"), pool.wav(k), sample_rate)
    rng = np.random.default_rng(5)
    for split in ("train", "validation"):
        os.makedirs(os.path.join(root, "rir_data", split))
        for k in range(2):
            rir = synthetic_rir(sample_rate, 0.3, rng)[0]
            write_wav(
                os.path.join(root, "rir_data", split, f"rir{k}.wav"),
                rir / np.abs(rir).max(),
                sample_rate,
            )


def _fuss(root):
    from asteroid.data.synthetic import make_fuss_corpus

    for seed, (split, count) in enumerate({"train": 4, "validation": 2, "eval": 2}.items()):
        make_fuss_corpus(root, n_mixtures=count, duration=1.0, seed=seed, split=split)


def _avspeech(root):
    from asteroid.data.synthetic import make_avspeech_corpus

    make_avspeech_corpus(root, n_mixtures=6, duration=1.0, embed_shape=(25, 1, 32))


def _sms_wsj(root):
    from asteroid.data.synthetic import make_sms_wsj_corpus

    make_sms_wsj_corpus(root, {"train_si284": 2, "cv_dev93": 1, "test_eval92": 2}, min_duration=1.0)


# name -> builder(root): the raw layout of each corpus.
CORPORA = {
    "librimix": _librimix,
    "wham": _wham,
    "whamr": _whamr,
    "wsj0mix": _wsj0mix,
    "kinect": _kinect,
    "librivad": _librivad,
    "dampvsep": _dampvsep,
    "dns": _dns,
    "musdb": _musdb,
    "tac": _tac,
    "librispeech": _librispeech,
    "fuss": _fuss,
    "avspeech": _avspeech,
    "sms_wsj": _sms_wsj,
}


def register_corpus(name):
    def wrap(builder):
        CORPORA[name] = builder
        return builder

    return wrap


@pytest.fixture(scope="session")
def corpora_root(tmp_path_factory):
    # The parent of the session's base temp folder is shared by the xdist workers.
    root = tmp_path_factory.getbasetemp().parent / "recipe_corpora"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def corpus(corpora_root):
    """``corpus(name)``: the folder of corpus ``name``, built on first use."""

    def get(name):
        folder = corpora_root / name
        with FileLock(str(corpora_root / f"{name}.lock")):
            if not (folder / ".done").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                CORPORA[name](str(folder))
                (folder / ".done").write_text("ok")
        return folder

    return get


@pytest.fixture
def egs_copy(tmp_path):
    """A copy of egs/ (scripts only) where recipes can write data/, exp/ and logs/."""
    dest = tmp_path / "egs"
    shutil.copytree(EGS, dest, ignore=shutil.ignore_patterns("data", "exp", "logs", "__pycache__"))
    return dest


def run_recipe(recipe_dir, *args, check=True, timeout=RUN_TIMEOUT):
    """``bash run.sh ARGS`` in ``recipe_dir``; the completed process (output in ``.stdout``)."""
    proc = subprocess.run(
        ["bash", "run.sh", *[str(a) for a in args]],
        cwd=recipe_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"run.sh {' '.join(map(str, args))} failed:\n{proc.stdout[-6000:]}")
    return proc


def read_json(path):
    with open(path) as fh:
        return json.load(fh)


def wav_rate(path):
    return sf.info(str(path)).samplerate


def finite(value):
    return isinstance(value, (int, float)) and np.isfinite(value)
