"""Word error rate of an ASR system on mixtures, references and estimates.

The ASR system is given by the caller (a callable from waveform to text), so nothing is
downloaded here. With ESPnet, for instance::

    from espnet2.bin.asr_inference import Speech2Text
    speech2text = Speech2Text(**downloaded_model_files, device="cuda")
    asr = lambda wav: speech2text(wav)[0][0]
    tracker = WERTracker(asr, trans_df, sample_rate=16000)
"""

import re
from collections import Counter

import numpy as np

__all__ = ["WERTracker", "MockWERTracker", "word_error_counts", "normalize_transcript"]

_COUNT_KEYS = ("hits", "substitutions", "deletions", "insertions")
_PUNCTUATION = re.compile(r"[^\w\s']|_")


def normalize_transcript(text):
    """Lower-case, strip punctuation and split into words.

    Args:
        text (str): a transcription.

    Returns:
        list of str: the words.
    """
    return _PUNCTUATION.sub(" ", str(text).lower()).split()


def word_error_counts(truth, hypothesis):
    """Hits, substitutions, deletions and insertions of a minimum-edit word alignment.

    Among the alignments with the fewest errors, the one with the most hits is kept.

    Args:
        truth (str): the reference transcription.
        hypothesis (str): the ASR output.

    Returns:
        dict: ``hits``, ``substitutions``, ``deletions``, ``insertions`` (ints).
    """
    ref, hyp = normalize_transcript(truth), normalize_transcript(hypothesis)
    n, m = len(ref), len(hyp)
    # cost[i][j] = (errors, -hits, subs, dels, ins) of aligning ref[:i] with hyp[:j]
    cost = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = (0, 0, 0, 0, 0)
    for i in range(1, n + 1):
        e, h, s, d, ins = cost[i - 1][0]
        cost[i][0] = (e + 1, h, s, d + 1, ins)
    for j in range(1, m + 1):
        e, h, s, d, ins = cost[0][j - 1]
        cost[0][j] = (e + 1, h, s, d, ins + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            e, h, s, d, ins = cost[i - 1][j - 1]
            if ref[i - 1] == hyp[j - 1]:
                diag = (e, h - 1, s, d, ins)
            else:
                diag = (e + 1, h, s + 1, d, ins)
            e, h, s, d, ins = cost[i - 1][j]
            up = (e + 1, h, s, d + 1, ins)
            e, h, s, d, ins = cost[i][j - 1]
            left = (e + 1, h, s, d, ins + 1)
            cost[i][j] = min(diag, up, left)
    errors, neg_hits, subs, dels, ins = cost[n][m]
    return dict(hits=-neg_hits, substitutions=subs, deletions=dels, insertions=ins)


def wer_from_counts(hits=0, substitutions=0, deletions=0, insertions=0):
    """:math:`(S + D + I) / (H + S + D)`, NaN for an empty reference."""
    n_words = hits + substitutions + deletions
    if n_words == 0:
        return float("nan")
    return (substitutions + deletions + insertions) / n_words


class WERTracker:
    """Word error rate of the mixture, the references and the estimates.

    Args:
        asr_model (callable): maps a 1-D float waveform at ``sample_rate`` to its
            transcription (str).
        trans_df (pandas.DataFrame): ground-truth transcriptions, columns ``utt_id`` and
            ``text``.
        sample_rate (int): rate the ASR model expects; inputs at other rates are resampled.
        use_gpu (bool): kept for the published signature; the device is the ASR model's
            business.

    Attributes:
        transcriptions (list of dict): per call, the mixture, reference and estimate
            transcriptions and the true texts.
    """

    def __init__(self, asr_model, trans_df, sample_rate=16000, use_gpu=True):
        if isinstance(asr_model, str) or not callable(asr_model):
            raise TypeError(
                "WERTracker needs a callable ASR model (waveform -> text); model names are not "
                "downloaded here. Build the model first (e.g. an ESPnet Speech2Text) and pass "
                f"a function that returns its best transcription. Got {asr_model!r}."
            )
        self.asr_model = asr_model
        self.sample_rate = int(sample_rate)
        self.use_gpu = use_gpu
        self.trans_df = trans_df
        self.trans_dic = dict(zip(trans_df["utt_id"].to_list(), trans_df["text"].to_list()))
        self.counters = {name: Counter() for name in ("mixture", "clean", "separated")}
        self.n_sentences = {name: 0 for name in self.counters}
        self.transcriptions = []

    def __call__(self, *, mix, clean, estimate, sample_rate, wav_id):
        """Transcribe and score one utterance.

        Args:
            mix (np.ndarray): mixture :math:`(T,)`.
            clean (np.ndarray): references :math:`(S, T)`.
            estimate (np.ndarray): estimates :math:`(S, T)`, in the order of ``wav_id``.
            sample_rate (int): rate of the inputs.
            wav_id (list of str): utterance id of each source (keys of ``trans_df``).

        Returns:
            dict: ``input_wer``, ``clean_wer`` and ``wer`` of this utterance.
        """
        missing = [i for i in wav_id if i not in self.trans_dic]
        if missing:
            raise ValueError(f"No transcription for utterance id(s) {missing}.")
        if len(clean) != len(wav_id) or len(estimate) != len(wav_id):
            raise ValueError(
                f"Expected one reference and one estimate per id ({len(wav_id)}), got "
                f"{len(clean)} and {len(estimate)}."
            )
        mix, clean, estimate = (self._resample(x, sample_rate) for x in (mix, clean, estimate))
        truths = [self.trans_dic[i] for i in wav_id]
        mix_text = self._transcribe(mix)
        clean_texts = [self._transcribe(wav) for wav in clean]
        est_texts = [self._transcribe(wav) for wav in estimate]
        local = {}
        for name, hyps in (
            ("mixture", [mix_text] * len(truths)),
            ("clean", clean_texts),
            ("separated", est_texts),
        ):
            counts = Counter()
            for truth, hyp in zip(truths, hyps):
                counts.update(word_error_counts(truth, hyp))
            self.counters[name].update(counts)
            self.n_sentences[name] += len(truths)
            local[name] = wer_from_counts(**counts)
        self.transcriptions.append(
            dict(
                mixture_txt=mix_text,
                clean={f"txt_{k}": t for k, t in enumerate(clean_texts)},
                estimates={f"txt_{k}": t for k, t in enumerate(est_texts)},
                truth={f"utt_id_{k}": i for k, i in enumerate(wav_id)}
                | {f"txt_{k}": t for k, t in enumerate(truths)},
            )
        )
        return dict(input_wer=local["mixture"], clean_wer=local["clean"], wer=local["separated"])

    def _transcribe(self, wav):
        return str(self.asr_model(np.asarray(wav, dtype=np.float32)))

    def _resample(self, wav, sample_rate):
        wav = np.asarray(wav)
        if int(sample_rate) == self.sample_rate:
            return wav
        from fractions import Fraction

        from scipy.signal import resample_poly

        ratio = Fraction(self.sample_rate, int(sample_rate))
        return resample_poly(wav, ratio.numerator, ratio.denominator, axis=-1)

    def final_df(self):
        """Summary table (ESPnet's layout): one row each for mixture, clean and separated.

        Returns:
            pandas.DataFrame: columns ``dataset, Snt, Wrd, Corr, Sub, Del, Ins, Err, S.Err``.
        """
        import pandas as pd

        rows = []
        for name, counter in self.counters.items():
            counts = [counter[k] for k in _COUNT_KEYS]
            n_words = counts[0] + counts[1] + counts[2]
            wer = wer_from_counts(**{k: counter[k] for k in _COUNT_KEYS})
            rows.append(
                [f"test_clean / {name}", self.n_sentences[name], n_words, *counts, wer, "-"]
            )
        return pd.DataFrame(
            rows, columns=["dataset", "Snt", "Wrd", "Corr", "Sub", "Del", "Ins", "Err", "S.Err"]
        )

    def final_report_as_markdown(self):
        """The :meth:`final_df` table as GitHub Markdown."""
        df = self.final_df()
        lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
        for row in df.itertuples(index=False):
            cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


class MockWERTracker:
    """Stand-in for :class:`WERTracker` when no WER is wanted: records nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return {}

    def final_report_as_markdown(self):
        return ""
