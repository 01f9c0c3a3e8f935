"""Deterministic English sentences and eSpeak NG speaker identities for synthetic corpora."""

import itertools
from collections import namedtuple

import numpy as np

__all__ = ["Speaker", "SPEAKERS", "VOICES", "PITCHES", "RATES", "WORDS", "generate_sentences"]

# Word classes for a simple "determiner adjective noun verb preposition determiner noun" grammar.
# The product of the classes gives millions of distinct sentences.
_DETERMINERS = ["the", "a", "one", "every", "that", "this", "some", "my", "your", "our"]
_ADJECTIVES = (
    "red green blue yellow small large quiet loud bright dark old young happy calm busy "
    "early late cold warm soft hard quick slow heavy light clever gentle brave lucky silver "
    "golden wooden tiny huge strange simple careful friendly lonely distant ancient modern "
    "sleepy hungry noisy narrow wide deep shallow rough smooth"
).split()
_NOUNS = (
    "dog cat bird horse river mountain garden window teacher doctor farmer singer child city "
    "village forest ocean island kitchen table letter story song engine train bridge market "
    "school house boat road station castle baker pilot sailor painter student neighbour "
    "lantern camera piano violin basket mirror ladder wagon tower harbour valley meadow desert "
    "cloud storm candle clock drawer pencil notebook wallet jacket blanket kettle orchard "
    "museum library theatre factory printer rabbit turtle falcon dolphin"
).split()
_VERBS = (
    "walked ran jumped waited looked sang spoke danced slept worked moved smiled travelled "
    "rested paused listened arrived stayed hid wandered climbed rolled floated drifted shouted "
    "whispered laughed stood sat knelt leaned turned glanced hurried lingered"
).split()
_PREPOSITIONS = (
    "near behind beside under over across through around toward beyond past inside along "
    "against between above below outside"
).split()
_ENDINGS = (
    "today yesterday tonight quickly slowly again together alone quietly early later "
    "silently happily carefully eagerly"
).split()

#: Every word the sentence generator can produce.
WORDS = sorted(set(_DETERMINERS + _ADJECTIVES + _NOUNS + _VERBS + _PREPOSITIONS + _ENDINGS))


def _sentence(rng):
    words = [rng.choice(_DETERMINERS)]
    if rng.random() < 0.7:
        words.append(rng.choice(_ADJECTIVES))
    words += [rng.choice(_NOUNS), rng.choice(_VERBS), rng.choice(_PREPOSITIONS)]
    words.append(rng.choice(_DETERMINERS))
    if rng.random() < 0.5:
        words.append(rng.choice(_ADJECTIVES))
    words.append(rng.choice(_NOUNS))
    if rng.random() < 0.5:
        words.append(rng.choice(_ENDINGS))
    return " ".join(str(w) for w in words)


def generate_sentences(n, seed=0, exclude=()):
    """Draw ``n`` distinct English sentences (6 to 10 words), deterministically from ``seed``.

    Args:
        n (int): Number of sentences.
        seed (int): Seed of the draw; the same seed gives the same list.
        exclude (Iterable[str]): Sentences that must not be produced (e.g. those of another
            split), so that corpora splits can have disjoint text.

    Returns:
        list[str]: ``n`` distinct sentences, none of them in ``exclude``.
    """
    if n < 0:
        raise ValueError(f"`n` must be non-negative, got {n}.")
    rng = np.random.default_rng(seed)
    seen = set(exclude)
    out = []
    while len(out) < n:
        sentence = _sentence(rng)
        if sentence not in seen:
            seen.add(sentence)
            out.append(sentence)
    return out


#: eSpeak NG speaker identity: ``voice`` name, base ``pitch`` (0-100), ``rate`` (words/minute).
Speaker = namedtuple("Speaker", ["voice", "pitch", "rate"])

#: Voice variants used to build speakers: eSpeak's male (m*) and female (f*) English variants.
VOICES = [
    "en+m1", "en+f1", "en+m2", "en+f2", "en+m3", "en+f3", "en+m4", "en+f4", "en+m5", "en+f5",
    "en-us+m6", "en-us+f1", "en-us+m7", "en-us+f3", "en+m8", "en-us+f4",
]  # fmt: skip
#: Base pitches combined with the voices.
PITCHES = [35, 50, 65, 80]
#: Speaking rates (words per minute) combined with the voices.
RATES = [150, 175, 200]

#: Distinct speakers, ordered so that neighbours differ in voice (then pitch, then rate):
#: any contiguous slice is a varied speaker set, and disjoint slices give disjoint speakers.
SPEAKERS = [
    Speaker(voice, pitch, rate) for rate, pitch, voice in itertools.product(RATES, PITCHES, VOICES)
]
