"""Small but real corpora for tests, benchmarks and demos, built without any download.

Speech comes from eSpeak NG (bundled by the ``espeakng-loader`` wheel): different voice
variants, pitches and rates make different speakers (:data:`SPEAKERS`), and a word grammar
makes any number of distinct sentences (:func:`generate_sentences`). Noise, music-like stems
and room impulse responses come from seeded generators (:mod:`.signals`), and the writers
lay the audio out exactly as each corpus does, with the metadata files that
:mod:`asteroid.data` reads. Every writer is deterministic from its ``seed``, gives disjoint
speakers and sentences to the splits, and writes mixtures that are the exact sum of their
parts (16-bit quantised before summing).

Example:
    >>> from asteroid.data import LibriMix
    >>> from asteroid.data.synthetic import make_librimix_corpus
    >>> out = make_librimix_corpus("/tmp/corpus", 20, 4, 4, local_dir="/tmp/corpus/local")
    >>> train_set = LibriMix(out["local"]["train-360"], sample_rate=8000, segment=2)
"""

from .librimix import make_librimix_corpus, make_mini_librimix_zip
from .mixing import fit_lengths, quantize_16bit, rms_db, scale_to_snr, set_level, write_wav
from .others import (
    make_avspeech_corpus,
    make_dampvsep_corpus,
    make_dns_corpus,
    make_fuss_corpus,
    make_librivad_corpus,
    make_musdb18_corpus,
)
from .pool import SentenceSource, UtterancePool, split_speakers
from .signals import (
    ambient_noise,
    colored_noise,
    instrument_stem,
    reverberate,
    split_rir,
    synthetic_rir,
)
from .speech import ESPEAK_SAMPLE_RATE, synthesize_speech
from .text import PITCHES, RATES, SPEAKERS, VOICES, WORDS, Speaker, generate_sentences
from .wsj import (
    make_kinect_wsj_corpus,
    make_sms_wsj_corpus,
    make_wham_corpus,
    make_whamr_corpus,
    make_wsj0mix_corpus,
    write_json_lists,
)

__all__ = [
    # Speech
    "ESPEAK_SAMPLE_RATE",
    "synthesize_speech",
    "Speaker",
    "SPEAKERS",
    "VOICES",
    "PITCHES",
    "RATES",
    "WORDS",
    "generate_sentences",
    "SentenceSource",
    "UtterancePool",
    "split_speakers",
    # Signals and mixing
    "colored_noise",
    "ambient_noise",
    "instrument_stem",
    "synthetic_rir",
    "split_rir",
    "reverberate",
    "rms_db",
    "set_level",
    "scale_to_snr",
    "fit_lengths",
    "quantize_16bit",
    "write_wav",
    # Corpus layouts
    "make_librimix_corpus",
    "make_mini_librimix_zip",
    "make_wsj0mix_corpus",
    "make_wham_corpus",
    "make_whamr_corpus",
    "make_kinect_wsj_corpus",
    "make_sms_wsj_corpus",
    "make_dns_corpus",
    "make_musdb18_corpus",
    "make_fuss_corpus",
    "make_dampvsep_corpus",
    "make_avspeech_corpus",
    "make_librivad_corpus",
    "write_json_lists",
]
