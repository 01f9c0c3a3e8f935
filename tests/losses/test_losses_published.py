"""Every loss against the outputs of the published asteroid 0.7.0 on the same seeded inputs.

The reference numbers are in ``data/published_losses.npz`` (written by
``data/make_published_losses.py`` with the published package).
"""

import os

import numpy as np
import pytest
import torch

from asteroid.losses import (
    F1_loss,
    MixITLossWrapper,
    MultiSrcNegSDR,
    PairwiseNegSDR,
    PITLossWrapper,
    PITReorder,
    SingleSrcMultiScaleSpectral,
    SingleSrcNegSDR,
    SingleSrcPMSQE,
    SinkPITLossWrapper,
    deep_clustering_loss,
    multisrc_mse,
    multisrc_neg_sisdr,
    pairwise_mse,
    pairwise_neg_sisdr,
    singlesrc_mse,
    singlesrc_neg_sisdr,
)
from asteroid.metrics import F1Tracker

REF = np.load(os.path.join(os.path.dirname(__file__), "data", "published_losses.npz"))


def t(key):
    return torch.from_numpy(REF[key])


def check(value, key, rtol=1e-5, atol=1e-5):
    expected = REF[key]
    value = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    assert value.shape == expected.shape, (key, value.shape, expected.shape)
    np.testing.assert_allclose(value, expected, rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("sdr_type", ["snr", "sisdr", "sdsdr"])
def test_sdr_losses(sdr_type):
    est, tgt = t("in_est3"), t("in_tgt3")
    check(PairwiseNegSDR(sdr_type)(est, tgt), f"pairwise_{sdr_type}")
    loss = PairwiseNegSDR(sdr_type, zero_mean=False, take_log=False, EPS=1e-3)
    check(loss(est, tgt), f"pairwise_{sdr_type}_nolog_nozm")
    check(SingleSrcNegSDR(sdr_type)(est[:, 0], tgt[:, 1]), f"singlesrc_{sdr_type}")
    loss = SingleSrcNegSDR(sdr_type, reduction="mean", EPS=1e-2)
    check(loss(est[:, 0], tgt[:, 1]), f"singlesrc_{sdr_type}_mean_eps")
    check(MultiSrcNegSDR(sdr_type)(est, tgt), f"multisrc_{sdr_type}")
    loss = MultiSrcNegSDR(sdr_type, take_log=False, zero_mean=False)
    check(loss(est, tgt), f"multisrc_{sdr_type}_nolog")


def test_mse_losses():
    est, tgt = t("in_est3"), t("in_tgt3")
    check(pairwise_mse(est, tgt), "pairwise_mse")
    check(singlesrc_mse(est, tgt), "singlesrc_mse")
    check(pairwise_mse(t("in_est4d"), t("in_tgt4d")), "pairwise_mse_4d")


@pytest.mark.parametrize(
    "mode, loss_func",
    [
        ("pw_mtx", pairwise_neg_sisdr),
        ("pw_pt", singlesrc_neg_sisdr),
        ("perm_avg", multisrc_neg_sisdr),
    ],
)
def test_pit_modes(mode, loss_func):
    loss, reordered = PITLossWrapper(loss_func, pit_from=mode)(
        t("in_est3"), t("in_tgt3"), return_est=True
    )
    check(loss, f"pit_{mode}_loss")
    check(reordered, f"pit_{mode}_reordered")


def test_pit_hungarian_and_reduce():
    loss, reordered = PITLossWrapper(pairwise_neg_sisdr)(
        t("in_est5"), t("in_tgt5"), return_est=True
    )
    check(loss, "pit5_loss")
    check(reordered, "pit5_reordered")

    def reduce(pwl_set, weights):
        return torch.mean(pwl_set * weights[:, None], dim=-1)

    loss_func = PITLossWrapper(pairwise_neg_sisdr, perm_reduce=reduce)
    loss = loss_func(t("in_est3"), t("in_tgt3"), reduce_kwargs={"weights": t("in_weights")})
    check(loss, "pit_reduce_loss")
    check(PITReorder(pairwise_mse)(t("in_est3"), t("in_tgt3")), "pitreorder")


@pytest.mark.parametrize("generalized", [True, False])
@pytest.mark.parametrize("name, loss_func", [("sisdr", multisrc_neg_sisdr), ("mse", multisrc_mse)])
def test_mixit(generalized, name, loss_func):
    loss, remixed = MixITLossWrapper(loss_func, generalized=generalized)(
        t("in_est_mixit"), t("in_mixes"), return_est=True
    )
    check(loss, f"mixit_{generalized}_{name}_loss")
    check(remixed, f"mixit_{generalized}_{name}_remixed")
    unreduced = MixITLossWrapper(multisrc_neg_sisdr, reduction="none")
    check(unreduced(t("in_est_mixit"), t("in_mixes")), "mixit_none")


@pytest.mark.parametrize("beta", [10, 2])
def test_sinkpit(beta):
    sink = SinkPITLossWrapper(pairwise_neg_sisdr, n_iter=200)
    sink.beta = beta
    check(sink(t("in_est5"), t("in_tgt5")), f"sinkpit_train_beta{beta}", rtol=1e-4)
    pw = pairwise_neg_sisdr(t("in_est5"), t("in_tgt5"))
    check(sink.best_softperm_sinkhorn(pw, beta, 200)[1], f"sinkpit_softperm_beta{beta}", rtol=1e-4)
    check(sink.eval()(t("in_est5"), t("in_tgt5")), "sinkpit_eval")


def test_deep_clustering():
    emb, idx, mask = t("in_dc_emb"), t("in_dc_idx"), t("in_dc_mask")
    check(deep_clustering_loss(emb, idx), "dc")
    check(deep_clustering_loss(emb, idx, mask), "dc_mask")


def test_f1():
    p, y = t("in_f1_p"), t("in_f1_y")
    check(F1_loss()(p, y), "f1_loss")
    for key, value in F1Tracker()(p > 0.5, y > 0.5).items():
        check(value, f"f1tracker_{key}")


def pmsqe_inputs():
    g = np.random.default_rng(1)
    ref16 = (g.standard_normal((2, 20, 257)) ** 2).astype(np.float32) * 10
    deg16 = (ref16 * g.uniform(0.5, 1.5, size=ref16.shape)).astype(np.float32)
    ref8 = (g.standard_normal((2, 20, 129)) ** 2).astype(np.float32)
    deg8 = (ref8 + g.standard_normal(ref8.shape) ** 2).astype(np.float32)
    pad = np.ones((2, 20, 1), dtype=np.float32)
    pad[1, 15:] = 0
    sums = [ref16.sum(), deg16.sum(), ref8.sum(), deg8.sum()]
    np.testing.assert_allclose(sums, REF["pmsqe_checksum"], rtol=1e-6)
    return [torch.from_numpy(x) for x in (ref16, deg16, ref8, deg8, pad)]


def test_pmsqe():
    ref16, deg16, ref8, deg8, pad = pmsqe_inputs()
    check(SingleSrcPMSQE()(deg16, ref16), "pmsqe16")
    check(SingleSrcPMSQE()(deg16.transpose(1, 2), ref16.transpose(1, 2)), "pmsqe16_T")
    check(SingleSrcPMSQE()(deg16, ref16, pad), "pmsqe16_pad")
    loss = SingleSrcPMSQE(window_name="hann", bark_eq=False, gain_eq=False)
    check(loss(deg16, ref16), "pmsqe16_noeq_hann")
    check(SingleSrcPMSQE(sample_rate=8000)(deg8, ref8), "pmsqe8")


def test_multi_scale_spectral():
    g = np.random.default_rng(2)
    wav_t = g.standard_normal((2, 4096)).astype(np.float32)
    wav_e = (wav_t + 0.5 * g.standard_normal((2, 4096))).astype(np.float32)
    np.testing.assert_allclose([wav_t.sum(), wav_e.sum()], REF["mss_checksum"], rtol=1e-6)
    wav_t, wav_e = torch.from_numpy(wav_t), torch.from_numpy(wav_e)
    check(SingleSrcMultiScaleSpectral()(wav_e, wav_t), "mss_default", rtol=1e-4)
    custom = SingleSrcMultiScaleSpectral(
        n_filters=[256, 64], windows_size=[128, 64], hops_size=[64, 16], alpha=0.5
    )
    check(custom(wav_e, wav_t), "mss_custom", rtol=1e-4)
