"""get_metrics / get_metrics_many against direct calls of pb_bss_eval, pystoi and pesq."""

import warnings

import numpy as np
import pesq
import pytest
from pystoi import stoi

from asteroid.metrics import ALL_METRICS, get_metrics, get_metrics_many


def direct_pb_bss_eval(mix, clean, est, sample_rate, compute_permutation):
    from pb_bss_eval import InputMetrics, OutputMetrics

    inputs = InputMetrics(
        observation=mix, speech_source=clean, enable_si_sdr=True, sample_rate=sample_rate
    )
    outputs = OutputMetrics(
        speech_prediction=est,
        speech_source=clean,
        enable_si_sdr=True,
        sample_rate=sample_rate,
        compute_permutation=compute_permutation,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        res = {"input_" + m: inputs[m] for m in ["si_sdr", "sdr", "sir", "sar"]}
        res.update({m: outputs[m] for m in ["si_sdr", "sdr", "sir", "sar"]})
        res["selection"] = outputs["mir_eval_selection"] if compute_permutation else None
    return res


def test_agrees_with_pb_bss_eval_pystoi_and_pesq(utterances):
    mix, clean, est = utterances(1, 2, 8000)[0]
    got = get_metrics(mix, clean, est, sample_rate=8000, compute_permutation=True, average=False)
    assert list(got) == ["input_" + m for m in ALL_METRICS] + ALL_METRICS
    ref = direct_pb_bss_eval(mix, clean, est, 8000, compute_permutation=True)
    for key in ["input_sdr", "input_sir", "input_sar", "sdr", "sir", "sar"]:
        np.testing.assert_allclose(got[key], ref[key], atol=1e-6, rtol=0, err_msg=key)
    for key in ["input_si_sdr", "si_sdr"]:  # pb_bss_eval computes in float32 for float32 input
        np.testing.assert_allclose(got[key], ref[key], atol=1e-4, rtol=0, err_msg=key)
    perm = ref["selection"]
    assert sorted(perm.tolist()) == [0, 1] and perm.tolist() != [0, 1]  # the estimates are swapped
    for j in range(2):
        assert got["stoi"][j] == stoi(clean[j], est[perm[j]], 8000)
        assert got["pesq"][j] == pesq.pesq(8000, clean[j], est[perm[j]], "nb")
        assert got["input_stoi"][j, 0] == stoi(clean[j], mix, 8000)
        assert got["input_pesq"][j, 0] == pesq.pesq(8000, clean[j], mix, "nb")
    averaged = get_metrics(mix, clean, est, sample_rate=8000, compute_permutation=True)
    assert averaged == {k: float(np.mean(v)) for k, v in got.items()}


def test_backends_agree_without_permutation(utterances):
    """The pb_bss_eval back-end is the published computation; both give the same numbers."""
    mix, clean, est = utterances(1, 2, 8000, seed=1)[0]
    metrics = ["si_sdr", "sdr", "sir", "sar", "stoi"]
    fast = get_metrics(mix, clean, est, sample_rate=8000, metrics_list=metrics)
    slow = get_metrics(
        mix, clean, est, sample_rate=8000, metrics_list=metrics, backend="pb_bss_eval"
    )
    assert list(fast) == list(slow)
    for key in fast:
        assert abs(fast[key] - slow[key]) < 1e-4, key
    # Without compute_permutation SI-SDR uses the given (here swapped) order: it is poor,
    # while BSS-eval's SDR always searches the permutation.
    assert fast["si_sdr"] < 0 < fast["sdr"]


def test_wideband_pesq_and_multichannel_mix(utterances):
    mix, clean, est = utterances(1, 2, 16000)[0]
    stereo = np.stack([mix, 0.5 * mix + 0.01 * clean[0]])
    got = get_metrics(
        stereo, clean, est, sample_rate=16000, metrics_list=["pesq", "si_sdr"], average=False
    )
    assert got["input_pesq"].shape == got["input_si_sdr"].shape == (2, 2)
    assert got["pesq"].shape == (2,)
    assert got["input_pesq"][1, 1] == pesq.pesq(16000, clean[1], stereo[1], "wb")
    assert got["pesq"][0] == pesq.pesq(16000, clean[0], est[0], "wb")


def test_many_equals_one_by_one(utterances):
    utts = utterances(3, 2, 8000, seed=2)
    # Different lengths in one batch
    utts = [
        (m[: len(m) - 500 * k], c[:, : c.shape[1] - 500 * k], e[:, : e.shape[1] - 500 * k])
        for k, (m, c, e) in enumerate(utts)
    ]
    metrics = ["si_sdr", "sdr", "sir", "sar", "stoi"]
    for compute_permutation in [False, True]:
        many = get_metrics_many(
            *zip(*utts),
            sample_rate=8000,
            metrics_list=metrics,
            compute_permutation=compute_permutation,
            n_jobs=2,
            batch_size=2,
        )
        for utt, result in zip(utts, many):
            one = get_metrics(
                *utt,
                sample_rate=8000,
                metrics_list=metrics,
                compute_permutation=compute_permutation,
            )
            assert list(one) == list(result)
            for key in one:
                assert abs(one[key] - result[key]) < 1e-7, key


def test_shape_errors_always_raise(utterances):
    mix, clean, est = utterances(1, 2, 8000)[0]
    with pytest.raises(ValueError, match="same number of samples"):
        get_metrics(mix, clean, est[:, :-1], sample_rate=8000, ignore_metrics_errors=True)
    with pytest.raises(ValueError, match="estimate .* has 3 sources but clean has 2"):
        get_metrics(mix, clean, np.concatenate([est, est[:1]]), sample_rate=8000)
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        get_metrics(mix, clean[None], est, sample_rate=8000)
    with pytest.raises(ValueError, match="at most 9"):
        get_metrics(mix, np.tile(clean, (5, 1)), np.tile(est, (5, 1)), sample_rate=8000)
    with pytest.raises(ValueError, match="Unknown metric"):
        get_metrics(mix, clean, est, metrics_list=["snr"])
    with pytest.raises(ValueError, match="backend"):
        get_metrics(mix, clean, est, backend="museval")


def test_content_errors_raise_or_are_recorded_missing(utterances):
    mix, clean, est = utterances(1, 2, 8000)[0]
    metrics = ["si_sdr", "sdr", "stoi"]
    bad = est.copy()
    bad[1, 100] = np.nan
    with pytest.raises(ValueError, match=r"sdr .*utt\.wav.*estimate source\(s\) \[1\] contain NaN"):
        get_metrics(mix, clean, bad, sample_rate=8000, metrics_list=metrics, filename="utt.wav")
    with pytest.warns(RuntimeWarning, match="recorded as missing"):
        got = get_metrics(
            mix, clean, bad, sample_rate=8000, metrics_list=metrics, ignore_metrics_errors=True
        )
    assert got["si_sdr"] is None and got["sdr"] is None and got["stoi"] is None
    reference = get_metrics(mix, clean, est, sample_rate=8000, metrics_list=metrics)
    for key in ["input_si_sdr", "input_sdr", "input_stoi"]:
        assert got[key] == pytest.approx(reference[key], abs=1e-9)
    silent_ref = clean.copy()
    silent_ref[0] = 0
    with pytest.raises(ValueError, match=r"clean source\(s\) \[0\] are all zeros"):
        get_metrics(mix, silent_ref, est, sample_rate=8000, metrics_list=metrics)
    with pytest.warns(RuntimeWarning):
        got = get_metrics(
            mix, silent_ref, est, sample_rate=8000, metrics_list=metrics, ignore_metrics_errors=True
        )
    assert all(value is None for value in got.values())
    with pytest.raises(ValueError, match="PESQ is defined at 8000"):
        get_metrics(mix, clean, est, sample_rate=22050, metrics_list=["pesq"])
    silent_est = est.copy()
    silent_est[1] = 0
    with pytest.warns(RuntimeWarning):
        got = get_metrics(
            mix,
            clean,
            silent_est,
            sample_rate=8000,
            metrics_list=["si_sdr", "sdr"],
            ignore_metrics_errors=True,
        )
    assert got["sdr"] is None and got["si_sdr"] is not None


def test_library_failures_become_runtime_errors(utterances):
    """The pesq library fails on a silent estimate: the published RuntimeError."""
    mix, clean, est = utterances(1, 1, 8000)[0]
    tiny = np.zeros_like(est)
    with pytest.raises(RuntimeError, match="Error computing pesq for x.wav"):
        get_metrics(mix, clean, tiny, sample_rate=8000, metrics_list=["pesq"], filename="x.wav")
    with pytest.warns(RuntimeWarning, match="ValueError"):
        got = get_metrics(
            mix, clean, tiny, sample_rate=8000, metrics_list=["pesq"], ignore_metrics_errors=True
        )
    assert got["pesq"] is None and got["input_pesq"] is not None
