"""MetricTracker (accumulate, report, save, reload), F1Tracker and the WER trackers."""

import json
import os

import numpy as np
import pandas as pd
import pytest
import torch

from asteroid.metrics import F1Tracker, MetricTracker, MockWERTracker, WERTracker, get_metrics
from asteroid.metrics.wer import word_error_counts


def test_metric_tracker_report_save_and_reload(utterances, tmp_path):
    utts = utterances(3, 2, 8000, seed=4)
    metrics = ["si_sdr", "sdr"]
    tracker = MetricTracker(sample_rate=8000, metrics_list=metrics, compute_permutation=True)
    for k, (mix, clean, est) in enumerate(utts[:2]):
        tracker(
            mix=mix, clean=clean, estimate=est, filename=f"utt{k}.wav", mix_path=f"/data/{k}.wav"
        )
    mix, clean, est = utts[2]
    tracker.evaluate_many(
        mixes=[mix], cleans=[clean], estimates=[est], n_jobs=1, mix_path=["/data/2.wav"]
    )
    df = tracker.as_df()
    assert len(df) == 3 and df["mix_path"].tolist() == [f"/data/{k}.wav" for k in range(3)]
    singles = [
        get_metrics(*u, sample_rate=8000, metrics_list=metrics, compute_permutation=True)
        for u in utts
    ]
    report = tracker.final_report()
    for m in metrics:
        assert report[m] == pytest.approx(np.mean([s[m] for s in singles]), abs=1e-9)
        imp = np.mean([s[m] - s["input_" + m] for s in singles])
        assert report[m + "_imp"] == pytest.approx(imp, abs=1e-9)
        assert report[m + "_imp"] > 5  # the estimates are much better than the mixture

    saved = tracker.save(str(tmp_path / "eval"))
    assert saved == report
    with open(tmp_path / "eval" / "final_metrics.json") as fh:
        assert json.load(fh) == pytest.approx(report)
    reloaded = MetricTracker.load(str(tmp_path / "eval"), compute_permutation=True)
    assert reloaded.metrics_list == metrics
    assert reloaded.final_report() == pytest.approx(report)
    pd.testing.assert_frame_equal(reloaded.as_df(), df, check_dtype=False)
    # The recipe layout: the CSV has an index column, like DataFrame.to_csv writes it.
    assert pd.read_csv(tmp_path / "eval" / "all_metrics.csv").columns[0].startswith("Unnamed")
    # A CSV written without the index column loads the same.
    df.to_csv(tmp_path / "plain.csv", index=False)
    assert MetricTracker.load(str(tmp_path / "plain.csv")).final_report() == pytest.approx(report)
    tracker.final_report(dump_path=str(tmp_path / "report"))
    assert os.path.exists(tmp_path / "report.json")


def test_metric_tracker_missing_values(utterances):
    mix, clean, est = utterances(1, 2, 8000)[0]
    tracker = MetricTracker(sample_rate=8000, metrics_list=["si_sdr"], ignore_metrics_errors=True)
    tracker(mix=mix, clean=clean, estimate=est)
    bad = est.copy()
    bad[0, 0] = np.inf
    with pytest.warns(RuntimeWarning):
        tracker(mix=mix, clean=clean, estimate=bad)
    report = tracker.final_report()
    # The missing value is left out of the mean, not counted as zero.
    only = get_metrics(mix, clean, est, sample_rate=8000, metrics_list=["si_sdr"])
    assert report["si_sdr"] == pytest.approx(only["si_sdr"])


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_f1_tracker():
    y_true = torch.tensor([1, 1, 0, 0, 1, 0], dtype=torch.bool)
    y_pred = torch.tensor([1, 0, 0, 1, 1, 0], dtype=torch.bool)
    scores = F1Tracker()(y_pred, y_true)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert scores["recall"] == pytest.approx(2 / 3, abs=1e-6)
    assert scores["f1_score"] == pytest.approx(2 / 3, abs=1e-6)
    assert torch.jit.script(F1Tracker())(y_pred, y_true) == pytest.approx(scores)


def test_word_error_counts():
    assert word_error_counts("the cat sat", "the cat sat") == dict(
        hits=3, substitutions=0, deletions=0, insertions=0
    )
    counts = word_error_counts("The cat, sat on the mat.", "the bat sat on mat today")
    assert counts == dict(hits=4, substitutions=1, deletions=1, insertions=1)
    assert word_error_counts("a b c", "") == dict(
        hits=0, substitutions=0, deletions=3, insertions=0
    )


def test_wer_tracker_with_a_caller_given_asr():
    """The ASR model is the caller's: here a lookup table standing for a real recogniser."""
    rng = np.random.default_rng(0)
    sr = 8000
    clean = rng.standard_normal((2, sr)).astype(np.float32)
    mix = clean.sum(0)
    est = clean + 0.01
    texts = {"s1": "a red dog ran home", "s2": "my old cat slept"}
    heard = {
        mix.tobytes(): "a red cat slept",
        clean[0].tobytes(): "a red dog ran home",
        clean[1].tobytes(): "my old cat slept",
        est[0].tobytes(): "a red dog ran",
        est[1].tobytes(): "my cold cat slept",
    }
    tracker = WERTracker(
        lambda wav: heard[wav.astype(np.float32).tobytes()],
        pd.DataFrame({"utt_id": list(texts), "text": list(texts.values())}),
        sample_rate=sr,
    )
    out = tracker(mix=mix, clean=clean, estimate=est, sample_rate=sr, wav_id=["s1", "s2"])
    assert out["clean_wer"] == 0
    assert out["wer"] == pytest.approx(2 / 9)  # one deletion, one substitution, 9 words
    # mixture vs s1: 2 hits, 2 subs, 1 del; vs s2: 2 hits, 2 subs -> 5 errors / 9 words
    assert out["input_wer"] == pytest.approx(5 / 9)
    table = tracker.final_df()
    assert table["Snt"].tolist() == [2, 2, 2] and table["Wrd"].tolist() == [9, 9, 9]
    markdown = tracker.final_report_as_markdown()
    assert markdown.splitlines()[0].startswith("| dataset | Snt | Wrd")
    assert tracker.transcriptions[0]["estimates"]["txt_1"] == "my cold cat slept"
    with pytest.raises(TypeError, match="callable ASR model"):
        WERTracker("Shinji Watanabe/librispeech_asr", pd.DataFrame({"utt_id": [], "text": []}))
    with pytest.raises(ValueError, match="No transcription"):
        tracker(mix=mix, clean=clean, estimate=est, sample_rate=sr, wav_id=["s1", "s9"])


def test_mock_wer_tracker():
    mock = MockWERTracker("any", model=None)
    assert mock(mix=None, clean=None) == {} and mock.final_report_as_markdown() == ""
