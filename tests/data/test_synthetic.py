"""The speech synthesizer, the text and speaker sets, and the generator's signals."""

import multiprocessing as mp
import threading

import numpy as np
import pytest
from scipy.signal import resample_poly

from asteroid.data.synthetic import (
    SPEAKERS,
    VOICES,
    SentenceSource,
    generate_sentences,
    quantize_16bit,
    reverberate,
    scale_to_snr,
    split_rir,
    split_speakers,
    synthesize_speech,
    synthetic_rir,
)
from asteroid.data.synthetic.mixing import rms_db
from asteroid.data.synthetic.pool import UtterancePool, identity

TEXT = "the quick brown fox jumped over the lazy dog"


def _synth_len(voice):
    return synthesize_speech("a small test sentence", voice=voice).shape[0]


def test_speech_basic_properties():
    wav = synthesize_speech(TEXT, voice="en+m3", sample_rate=8000)
    assert wav.dtype == np.float32 and wav.ndim == 1
    assert np.max(np.abs(wav)) == pytest.approx(0.5, abs=1e-6)
    # Nine words at 175 words per minute: about three seconds.
    assert 1.5 < len(wav) / 8000 < 5.0
    # Speech, not silence: a good share of 20 ms frames carry energy.
    frames = wav[: len(wav) // 160 * 160].reshape(-1, 160)
    assert np.mean(np.sqrt((frames**2).mean(1)) > 0.01) > 0.4


def test_speech_resampling_keeps_duration():
    w8 = synthesize_speech(TEXT, sample_rate=8000)
    w16 = synthesize_speech(TEXT, sample_rate=16000)
    w22 = synthesize_speech(TEXT, sample_rate=22050)
    assert len(w16) == pytest.approx(2 * len(w8), abs=2)
    assert len(w22) == pytest.approx(len(w8) * 22050 / 8000, abs=2)
    # Both come from the same 22.05 kHz rendering: 16 kHz brought down to 8 kHz matches.
    down = resample_poly(w16, 1, 2)
    n = min(len(down), len(w8))
    assert np.corrcoef(down[:n], w8[:n])[0, 1] > 0.99


def test_speech_is_deterministic_regardless_of_history():
    first = synthesize_speech(TEXT, voice="en+f2", pitch=60)
    synthesize_speech("something else entirely", voice="en+m7", pitch=20, rate=300)
    again = synthesize_speech(TEXT, voice="en+f2", pitch=60)
    np.testing.assert_array_equal(first, again)


def test_other_users_of_espeak_are_not_disturbed():
    import ctypes

    import espeakng_loader

    other = ctypes.CDLL(espeakng_loader.get_library_path())
    other.espeak_Info.restype = ctypes.c_char_p
    version = other.espeak_Info(None)
    first = synthesize_speech(TEXT, voice="en+m1")
    synthesize_speech("another sentence", voice="en+f4")
    np.testing.assert_array_equal(first, synthesize_speech(TEXT, voice="en+m1"))
    # The other handle still works: our reloads act on a private copy.
    assert other.espeak_Info(None) == version


def test_speech_same_in_threads_and_forked_processes():
    voices = VOICES[:4]
    expected = [_synth_len(v) for v in voices]
    results = {}

    def work(v):
        results[v] = _synth_len(v)

    threads = [threading.Thread(target=work, args=(v,)) for v in voices]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert [results[v] for v in voices] == expected
    with mp.get_context("fork").Pool(2) as pool:
        assert pool.map(_synth_len, voices) == expected


def test_speakers_differ():
    a = synthesize_speech(TEXT, *SPEAKERS[0])
    b = synthesize_speech(TEXT, *SPEAKERS[1])
    c = synthesize_speech(TEXT, voice=SPEAKERS[0].voice, pitch=SPEAKERS[0].pitch, rate=200)
    assert not (len(a) == len(b) and np.allclose(a, b))
    assert len(c) < len(a)  # Faster speech is shorter.
    assert len(SPEAKERS) == len(set(SPEAKERS))


def test_speech_seed_adds_variation():
    a = synthesize_speech(TEXT, seed=1)
    b = synthesize_speech(TEXT, seed=2)
    np.testing.assert_array_equal(a, synthesize_speech(TEXT, seed=1))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(text=""), "non-empty"),
        (dict(text="hi", voice="en+nosuchvariant"), "variant"),
        (dict(text="hi", voice="zz-nolanguage"), "Unknown eSpeak NG voice"),
        (dict(text="hi", pitch=150), "pitch"),
        (dict(text="hi", rate=10), "rate"),
        (dict(text="hi", sample_rate=0), "sample_rate"),
    ],
)
def test_speech_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthesize_speech(**kwargs)


def test_sentences_deterministic_distinct_and_excludable():
    a = generate_sentences(50, seed=3)
    assert a == generate_sentences(50, seed=3)
    assert len(set(a)) == 50
    b = generate_sentences(50, seed=3, exclude=a[:10])
    assert not set(b) & set(a[:10])
    source = SentenceSource(0)
    first, second = source.take(30), source.take(30)
    assert not set(first) & set(second)


def test_split_speakers_disjoint_voices():
    splits = split_speakers(["train", "dev", "test"])
    voices = {name: {s.voice for s in spk} for name, spk in splits.items()}
    assert not voices["train"] & voices["dev"] and not voices["dev"] & voices["test"]
    assert not voices["train"] & voices["test"]
    assert len(splits["train"]) > len(splits["dev"]) > 0
    # A held-out variant is not heard in training with another accent either.
    variants = {name: {v.split("+")[1] for v in vs} for name, vs in voices.items()}
    assert variants["test"] == {"m8", "f4"} and variants["dev"] == {"m7", "f3"}
    assert not variants["train"] & (variants["dev"] | variants["test"])
    assert "en+f4" not in voices["train"] and "en+f1" in voices["train"]
    with pytest.raises(ValueError, match="no voice for training"):
        split_speakers([str(i) for i in range(10)])


def test_draw_never_mixes_a_voice_with_itself_at_one_pitch():
    """Same voice and pitch at another speaking rate is one person: never mixed together."""
    speakers = [s for s in split_speakers(["train", "dev", "test"])["test"] if s.pitch == 50]
    assert len({identity(s) for s in speakers}) == 2  # 2 voices x 3 rates at pitch 50

    class Pool(UtterancePool):
        def __init__(self):  # the draw needs only the speakers
            self.speakers = speakers * 2

    pool, rng = Pool(), np.random.default_rng(0)
    for _ in range(100):
        a, b = pool.draw(rng, 2)
        assert identity(pool.speakers[a]) != identity(pool.speakers[b])
    with pytest.raises(ValueError, match="3 distinct speakers are needed, the pool has 2"):
        pool.draw(rng, 3)


def test_rir_and_snr_helpers():
    rng = np.random.default_rng(0)
    rir = synthetic_rir(8000, rt60=0.4, rng=rng, n_channels=3)
    assert rir.shape == (3, 3201)
    assert np.allclose(np.abs(rir).max(1), 1.0, atol=0.7)
    early, tail = split_rir(rir, 8000)
    np.testing.assert_allclose(early + tail, rir)
    # Energy decays: the last 100 ms is much weaker than the first 100 ms.
    assert (rir[:, -800:] ** 2).sum() < 0.01 * (rir[:, :800] ** 2).sum()
    x = rng.standard_normal(4000).astype(np.float32)
    assert reverberate(x, rir).shape == (3, 4000)
    noise = scale_to_snr(x, rng.standard_normal(4000), 7.0)
    assert rms_db(x) - rms_db(noise) == pytest.approx(7.0, abs=1e-4)
    q = quantize_16bit(np.array([0.1, -0.3, 0.99999]))
    np.testing.assert_array_equal(q * 32768, np.round(q * 32768))
