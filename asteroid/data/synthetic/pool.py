"""Speakers and utterances of a synthetic corpus: disjoint between splits, synthesized once."""

import numpy as np

from .mixing import quantize_16bit
from .speech import synthesize_speech
from .text import SPEAKERS, VOICES, generate_sentences

__all__ = ["split_speakers", "SentenceSource", "UtterancePool", "speaker_id", "identity"]


def speaker_id(speaker):
    """LibriSpeech-like numeric id of a speaker of :data:`SPEAKERS` (stable across corpora)."""
    return 100 + SPEAKERS.index(speaker)


def _variant(voice):
    return voice.split("+", 1)[1] if "+" in voice else voice


def identity(speaker):
    """What makes two speakers different people: their voice and base pitch. The same voice
    at the same pitch is one person however fast they speak, so two utterances that share
    them are never mixed together."""
    return speaker.voice, speaker.pitch


def split_speakers(split_names, held_out_voices=2):
    """Disjoint speaker sets for the splits of a corpus.

    The first split (training) gets most voices; every other split gets
    ``held_out_voices`` voices of its own, so evaluation voices are never heard in
    training. A voice is a language with a variant (``"en-us+f3"``); the variant sets
    the vocal tract, so the training split also leaves out the voices that share a
    variant with a held-out voice (``"en+f3"`` when ``"en-us+f3"`` is held out). A
    split's speakers are all pitch/rate combinations of its voices.

    Args:
        split_names (Sequence[str]): Split names, the training split first.
        held_out_voices (int): Voice variants given to each non-training split.

    Returns:
        dict: ``{split: [Speaker, ...]}``.
    """
    n_held = held_out_voices * (len(split_names) - 1)
    if n_held >= len(VOICES):
        raise ValueError(
            f"{len(split_names)} splits with {held_out_voices} voices each leave no voice for "
            f"training ({len(VOICES)} voices exist)."
        )
    voices = {}
    for k, name in enumerate(split_names[1:]):
        first = len(VOICES) - n_held + k * held_out_voices
        voices[name] = VOICES[first : first + held_out_voices]
    held_variants = {_variant(v) for vs in voices.values() for v in vs}
    train = [v for v in VOICES[: len(VOICES) - n_held] if _variant(v) not in held_variants]
    if not train:
        raise ValueError(
            f"{len(split_names)} splits with {held_out_voices} voices each leave no voice for "
            f"training."
        )
    voices = {split_names[0]: train, **voices}
    return {name: [s for s in SPEAKERS if s.voice in vs] for name, vs in voices.items()}


class SentenceSource:
    """Hands out sentences never handed out before (by this source): splits that draw from
    one source have disjoint text. Deterministic from ``seed`` and the order of requests."""

    def __init__(self, seed=0):
        self._seed = seed
        self._given = set()
        self._batch = 0

    def take(self, n):
        """``n`` new sentences."""
        out = generate_sentences(n, seed=(self._seed, self._batch), exclude=self._given)
        self._batch += 1
        self._given.update(out)
        return out


class UtterancePool:
    """The utterances of one split: each speaker reads a few sentences, synthesized once.

    Utterance ``k`` is said by speaker ``k % n_speakers`` (so speakers are balanced) and reads
    one or more new sentences, concatenated with short pauses until it lasts at least
    ``min_duration`` seconds. Waveforms are 16-bit quantised float32 arrays, peak 0.5.

    Args:
        speakers (Sequence[Speaker]): The split's speakers.
        n_utterances (int): Number of distinct utterances.
        sample_rate (int): Rate of the waveforms.
        sentences (SentenceSource): Where the text comes from.
        min_duration (float, optional): Minimum utterance duration in seconds.
        max_sentences (int): Most sentences in one utterance.

    Attributes:
        ids (list[str]): LibriSpeech-like ids ``"<speaker>-<chapter>-<index>"``.
        speakers (list[Speaker]): Speaker of each utterance.
        texts (list[str]): Transcript of each utterance.
    """

    def __init__(
        self, speakers, n_utterances, sample_rate, sentences, min_duration=None, max_sentences=4
    ):
        if not speakers:
            raise ValueError("An utterance pool needs at least one speaker.")
        self.sample_rate = sample_rate
        self.min_duration = min_duration
        self.max_sentences = max_sentences
        self.speakers = [speakers[k % len(speakers)] for k in range(n_utterances)]
        self._sentences = sentences
        first = sentences.take(n_utterances)
        self._texts = [[s] for s in first]
        counts = {}
        self.ids = []
        for spk in self.speakers:
            counts[spk] = counts.get(spk, 0) + 1
            sid = speaker_id(spk)
            self.ids.append(f"{sid}-{sid * 7 % 1000 + 1000}-{counts[spk] - 1:04d}")
        self._cache = {}

    def __len__(self):
        return len(self.speakers)

    @property
    def texts(self):
        return [" ".join(t) for t in self._texts]

    def wav(self, k):
        """Waveform of utterance ``k`` (synthesized on first use)."""
        if k not in self._cache:
            spk = self.speakers[k]
            pause = np.zeros(int(0.15 * self.sample_rate), dtype=np.float32)
            pieces = [self._say(self._texts[k][0], spk)]
            duration = len(pieces[0]) / self.sample_rate
            while (
                self.min_duration is not None
                and duration < self.min_duration
                and len(pieces) < self.max_sentences
            ):
                sentence = self._sentences.take(1)[0]
                self._texts[k].append(sentence)
                pieces += [pause, self._say(sentence, spk)]
                duration = sum(len(p) for p in pieces) / self.sample_rate
            self._cache[k] = quantize_16bit(np.concatenate(pieces))
        return self._cache[k]

    def _say(self, text, spk):
        return synthesize_speech(
            text, voice=spk.voice, pitch=spk.pitch, rate=spk.rate, sample_rate=self.sample_rate
        )

    def synthesize_all(self):
        """Synthesize every utterance now, in order (keeps the text draw deterministic)."""
        for k in range(len(self)):
            self.wav(k)

    def draw(self, rng, n_src, used=None):
        """Indices of ``n_src`` utterances of distinct speakers (distinct :func:`identity`:
        voice or pitch differ), not a combination in ``used``.

        Args:
            rng (np.random.Generator): Generator of the draw.
            n_src (int): Number of utterances.
            used (set, optional): Combinations (sorted tuples) already drawn; updated.

        Returns:
            list[int]
        """
        n_speakers = len({identity(s) for s in self.speakers})
        if n_speakers < n_src:
            raise ValueError(f"{n_src} distinct speakers are needed, the pool has {n_speakers}.")
        for _ in range(1000):
            picks = [int(k) for k in rng.choice(len(self), size=n_src, replace=False)]
            if len({identity(self.speakers[k]) for k in picks}) < n_src:
                continue
            key = tuple(sorted(picks))
            if used is not None and key in used:
                continue
            if used is not None:
                used.add(key)
            return picks
        raise ValueError(
            f"Could not draw a new combination of {n_src} utterances from {len(self)}; make the "
            f"pool larger (more utterances per mixture)."
        )
