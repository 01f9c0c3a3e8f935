"""SDR-type and MSE losses against their definitions on hand-built inputs."""

import numpy as np
import pytest
import torch

from asteroid.losses import (
    MultiSrcNegSDR,
    PairwiseMSE,
    PairwiseNegSDR,
    SingleSrcMSE,
    SingleSrcNegSDR,
    multisrc_mse,
    multisrc_neg_sdsdr,
    multisrc_neg_sisdr,
    multisrc_neg_snr,
    pairwise_mse,
    pairwise_neg_sdsdr,
    pairwise_neg_sisdr,
    pairwise_neg_snr,
    singlesrc_mse,
    singlesrc_neg_sdsdr,
    singlesrc_neg_sisdr,
    singlesrc_neg_snr,
)

SDR_TYPES = ["snr", "sisdr", "sdsdr"]

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")


def reference_sdr(est, tgt, sdr_type):
    """The textbook definitions, in float64 NumPy."""
    est = est - est.mean()
    tgt = tgt - tgt.mean()
    alpha = est @ tgt / (tgt @ tgt + 1e-8)
    if sdr_type == "snr":
        return 10 * np.log10(tgt @ tgt / ((est - tgt) @ (est - tgt) + 1e-8) + 1e-8)
    proj = alpha * tgt
    noise = est - proj if sdr_type == "sisdr" else est - tgt
    return 10 * np.log10(proj @ proj / (noise @ noise + 1e-8) + 1e-8)


@pytest.fixture
def signals():
    rng = np.random.default_rng(0)
    return rng.standard_normal((3, 2, 500)), rng.standard_normal((3, 2, 500))


@pytest.mark.parametrize("sdr_type", SDR_TYPES)
def test_definitions(signals, sdr_type):
    est, tgt = signals
    pairwise = PairwiseNegSDR(sdr_type)(torch.from_numpy(est), torch.from_numpy(tgt)).numpy()
    for b in range(3):
        for i in range(2):
            for j in range(2):
                expected = -reference_sdr(est[b, i], tgt[b, j], sdr_type)
                np.testing.assert_allclose(pairwise[b, i, j], expected, rtol=1e-9)
    single = SingleSrcNegSDR(sdr_type)(torch.from_numpy(est[:, 0]), torch.from_numpy(tgt[:, 0]))
    np.testing.assert_allclose(single.numpy(), pairwise[:, 0, 0], rtol=1e-9)
    multi = MultiSrcNegSDR(sdr_type)(torch.from_numpy(est), torch.from_numpy(tgt))
    np.testing.assert_allclose(multi.numpy(), (pairwise[:, 0, 0] + pairwise[:, 1, 1]) / 2)


def test_scaled_copy_and_sign_flip():
    rng = np.random.default_rng(1)
    tgt = torch.from_numpy(rng.standard_normal((2, 1000)))
    noise = torch.from_numpy(rng.standard_normal((2, 1000)))
    noisy = tgt + 0.1 * noise
    base = singlesrc_neg_sisdr(noisy, tgt)
    # SI-SDR does not see the scale of the estimate, nor a sign flip of both signals.
    torch.testing.assert_close(singlesrc_neg_sisdr(3.7 * noisy, tgt), base)
    torch.testing.assert_close(singlesrc_neg_sisdr(-noisy, -tgt), base)
    # A scaled copy of the target is essentially perfect.
    assert (singlesrc_neg_sisdr(0.5 * tgt, tgt) < -100).all()
    # A sign-flipped estimate is still "aligned" for SI-SDR (alpha < 0) but SNR punishes it.
    assert (singlesrc_neg_sisdr(-tgt, tgt) < -100).all()
    flipped_snr = singlesrc_neg_snr(-tgt, tgt)
    torch.testing.assert_close(
        flipped_snr, torch.full_like(flipped_snr, 10 * np.log10(4.0)), rtol=1e-6, atol=1e-6
    )
    # SD-SDR of a scaled copy: ||alpha s||^2 / ||(1 - alpha) s||^2 with alpha = 0.5.
    torch.testing.assert_close(
        singlesrc_neg_sdsdr(0.5 * tgt, tgt), torch.zeros(2, dtype=torch.float64), atol=1e-6, rtol=0
    )


@pytest.mark.parametrize(
    "loss, shape",
    [
        (pairwise_neg_sisdr, (2, 2, 100)),
        (singlesrc_neg_sisdr, (2, 100)),
        (multisrc_neg_sisdr, (2, 2, 100)),
    ],
)
def test_silence_is_finite(loss, shape):
    """All-zero estimate and target: the EPS terms give +80 dB (kept from the published toolkit)."""
    zeros = torch.zeros(shape, requires_grad=True)
    value = loss(zeros, torch.zeros(shape))
    assert torch.isfinite(value).all()
    torch.testing.assert_close(value, torch.full_like(value, 80.0))
    value.sum().backward()
    assert torch.isfinite(zeros.grad).all()


def test_single_and_multi_ignore_eps():
    """Documented published behaviour: Single/MultiSrc losses always use EPS = 1e-8."""
    rng = np.random.default_rng(2)
    est, tgt = (torch.from_numpy(rng.standard_normal((2, 50))) for _ in range(2))
    torch.testing.assert_close(
        SingleSrcNegSDR("sisdr", EPS=0.5)(est, tgt), SingleSrcNegSDR("sisdr")(est, tgt)
    )
    assert (
        PairwiseNegSDR("sisdr", EPS=0.5)(est[None], tgt[None])
        .ne(PairwiseNegSDR("sisdr")(est[None], tgt[None]))
        .any()
    )


@pytest.mark.parametrize(
    "loss",
    [
        pairwise_neg_sisdr,
        pairwise_neg_sdsdr,
        pairwise_neg_snr,
        multisrc_neg_sisdr,
        multisrc_neg_sdsdr,
        multisrc_neg_snr,
        pairwise_mse,
        multisrc_mse,
    ],
)
def test_gradients_and_jit_multi(loss):
    est = torch.randn(2, 3, 200, requires_grad=True)
    tgt = torch.randn(2, 3, 200)
    value = loss(est, tgt)
    value.sum().backward()
    assert torch.isfinite(est.grad).all() and est.grad.abs().sum() > 0
    scripted = torch.jit.script(loss)
    torch.testing.assert_close(scripted(est, tgt), value)


@pytest.mark.parametrize(
    "loss", [singlesrc_neg_sisdr, singlesrc_neg_sdsdr, singlesrc_neg_snr, singlesrc_mse]
)
def test_gradients_and_jit_single(loss):
    est = torch.randn(4, 200, requires_grad=True)
    tgt = torch.randn(4, 200)
    value = loss(est, tgt)
    value.sum().backward()
    assert torch.isfinite(est.grad).all()
    torch.testing.assert_close(torch.jit.script(loss)(est, tgt), value)


def test_reduction_mean():
    est, tgt = torch.randn(4, 100), torch.randn(4, 100)
    mean = SingleSrcNegSDR("sisdr", reduction="mean")(est, tgt)
    assert mean.ndim == 0
    torch.testing.assert_close(mean, singlesrc_neg_sisdr(est, tgt).mean())
    with pytest.raises(ValueError, match="reduction"):
        SingleSrcNegSDR("sisdr", reduction="sum")


def test_mse_values():
    est, tgt = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    pw = PairwiseMSE()(est, tgt)
    assert pw.shape == (2, 3, 3)
    torch.testing.assert_close(pw[1, 2, 0], ((est[1, 2] - tgt[1, 0]) ** 2).mean())
    torch.testing.assert_close(SingleSrcMSE()(est, tgt), ((est - tgt) ** 2).mean(dim=(1, 2, 3)))


def test_bad_inputs():
    with pytest.raises(ValueError, match="sdr_type"):
        PairwiseNegSDR("sdr")
    with pytest.raises(TypeError, match=r"\[batch, n_src, time\]"):
        pairwise_neg_sisdr(torch.randn(2, 3, 10), torch.randn(2, 3, 11))
    with pytest.raises(TypeError, match=r"\[batch, time\]"):
        singlesrc_neg_sisdr(torch.randn(2, 3, 10), torch.randn(2, 3, 10))
    with pytest.raises(TypeError, match=r"\[batch, n_src, \*\]"):
        pairwise_mse(torch.randn(2, 10), torch.randn(2, 10))
