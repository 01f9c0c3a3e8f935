"""The batched BSS-eval against mir_eval (what pb_bss_eval runs) on speech mixtures."""

import warnings

import numpy as np
import pytest
import torch

from asteroid.metrics import bss_eval_sources, pairwise_bss_eval, si_sdr


def mir_eval_sources(ref, est, compute_permutation=True):
    from mir_eval.separation import bss_eval_sources as reference_impl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in mir_eval 0.8
        return reference_impl(ref.astype(np.float64), est.astype(np.float64), compute_permutation)


@pytest.mark.parametrize("n_utt, n_src, sample_rate", [(1, 2, 8000), (1, 3, 16000)])
def test_matches_mir_eval(utterances, n_utt, n_src, sample_rate):
    for mix, clean, est in utterances(n_utt, n_src, sample_rate):
        expected = mir_eval_sources(clean, est)
        for solver in ["levinson", "cholesky"]:
            fast = bss_eval_sources(clean, est, solver=solver)
            for value, ref in zip(fast[:3], expected[:3]):
                # The promise is 0.01 dB; in practice the two agree to rounding.
                np.testing.assert_allclose(value.numpy(), ref, atol=1e-6, rtol=0)
            assert fast[3].tolist() == expected[3].tolist()
        if n_src == 2:
            # The mixture scored against each source, as the input metrics do.
            mixes = np.stack([mix] * n_src)
            fast = bss_eval_sources(clean, mixes, compute_permutation=False)
            expected = mir_eval_sources(clean, mixes, compute_permutation=False)
            for value, ref in zip(fast[:3], expected[:3]):
                np.testing.assert_allclose(value.numpy(), ref, atol=1e-6, rtol=0)


def test_batched_padding_and_order_invariance(utterances):
    """Utterances of different lengths in one zero-padded batch give their own values."""
    utts = utterances(3, 2, 8000)
    length = max(u[1].shape[1] for u in utts) + 700
    refs = np.stack([np.pad(u[1], ((0, 0), (0, length - u[1].shape[1]))) for u in utts])
    ests = np.stack([np.pad(u[2], ((0, 0), (0, length - u[2].shape[1]))) for u in utts])
    sdr, sir, sar, perm = bss_eval_sources(refs, ests)
    for b, (_, clean, est) in enumerate(utts):
        one = bss_eval_sources(clean, est)
        torch.testing.assert_close(sdr[b], one[0], atol=1e-7, rtol=0)
        torch.testing.assert_close(sar[b], one[2], atol=1e-7, rtol=0)
        assert perm[b].tolist() == one[3].tolist()


def test_extra_estimate_and_pairwise_shape(utterances):
    mix, clean, est = utterances(1, 2, 8000)[0]
    # A third estimate (e.g. noise) is left out by the permutation search.
    with_noise = np.concatenate(
        [est, 0.1 * np.random.default_rng(0).standard_normal((1, est.shape[1]))]
    )
    sdr, _, _, perm = bss_eval_sources(clean, with_noise)
    assert 2 not in perm.tolist()
    np.testing.assert_allclose(sdr.numpy(), bss_eval_sources(clean, est)[0].numpy(), atol=1e-7)
    sdr, sir, sar = pairwise_bss_eval(clean[None], with_noise[None])
    assert sdr.shape == sir.shape == sar.shape == (1, 3, 2)


def test_bad_inputs(utterances):
    mix, clean, est = utterances(1, 2, 8000)[0]
    with pytest.raises(ValueError, match="same batch size and length"):
        pairwise_bss_eval(clean[None], est[None, :, :-1])
    bad = est.copy()
    bad[1, 10] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        bss_eval_sources(clean, bad)
    with pytest.raises(ValueError, match="all-zero"):
        bss_eval_sources(np.stack([clean[0], 0 * clean[1]]), est)
    with pytest.raises(ValueError, match="Expected 2 estimates"):
        bss_eval_sources(clean, np.concatenate([est, est]), compute_permutation=False)
    with pytest.raises(ValueError, match="solver"):
        pairwise_bss_eval(clean[None], est[None], solver="qr")


def test_si_sdr_definition():
    rng = np.random.default_rng(0)
    ref = rng.standard_normal(1000)
    est = ref + 0.3 * rng.standard_normal(1000)
    # Invariant to the scale and the offset of the estimate
    np.testing.assert_allclose(si_sdr(ref, est), si_sdr(ref, 2 * est + 1))
    noise = rng.standard_normal(1000)
    noise -= noise.mean()
    noise -= (noise @ (ref - ref.mean())) / np.sum((ref - ref.mean()) ** 2) * (ref - ref.mean())
    value = si_sdr(ref, ref + 0.1 * noise)
    expected = 10 * np.log10(np.sum((ref - ref.mean()) ** 2) / np.sum((0.1 * noise) ** 2))
    np.testing.assert_allclose(value, expected, rtol=1e-6)
