"""PMSQE, STOI, multi-scale spectral, deep clustering and soft F1 losses."""

import numpy as np
import pytest
import torch
from pystoi import stoi

from asteroid.losses import (
    F1_loss,
    PITLossWrapper,
    SingleSrcMultiScaleSpectral,
    SingleSrcNegSTOI,
    SingleSrcPMSQE,
    deep_clustering_loss,
)
from asteroid.losses.pmsqe import bark_matrix
from asteroid.losses.stoi import third_octave_bands

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")


# ------------------------------------------------------------------------------------- PMSQE
@pytest.mark.parametrize("sample_rate, n_freq, n_bark", [(16000, 257, 49), (8000, 129, 42)])
def test_bark_matrix_definition(sample_rate, n_freq, n_bark):
    matrix = bark_matrix(sample_rate)
    assert matrix.shape == (n_freq, n_bark)
    # Every bin but the last belongs to exactly one band, bands are consecutive runs.
    owners = [np.nonzero(row)[0] for row in matrix]
    assert all(len(o) == 1 for o in owners[:-1]) and len(owners[-1]) == 0
    assert np.all(np.diff([o[0] for o in owners[:-1]]) >= 0)
    # PESQ's correction factors: 100 for the single-bin low bands, 65 for band 17 (2 bins).
    assert matrix[0, 0] == 100.0 and matrix[19, 17] == matrix[20, 17] == 65.0


def test_pmsqe_properties():
    gen = torch.Generator().manual_seed(0)
    ref = torch.rand(2, 30, 257, generator=gen) * 5
    loss = SingleSrcPMSQE()
    # Identical spectra: only the epsilon floor of the disturbance remains.
    assert loss(ref, ref).abs().max() < 1e-3
    worse = ref * (1 + torch.rand(ref.shape, generator=gen))
    much_worse = ref * (1 + 4 * torch.rand(ref.shape, generator=gen))
    assert (loss(much_worse, ref) > loss(worse, ref)).all()
    est = worse.clone().requires_grad_()
    loss(est, ref).sum().backward()
    assert torch.isfinite(est.grad).all()
    torch.testing.assert_close(torch.jit.script(loss)(worse, ref), loss(worse, ref))
    with pytest.raises(ValueError, match="257"):
        loss(torch.rand(2, 30, 100), torch.rand(2, 30, 100))
    with pytest.raises(ValueError, match="sample rate"):
        SingleSrcPMSQE(sample_rate=44100)
    with pytest.raises(ValueError, match="window"):
        SingleSrcPMSQE(window_name="kaiser")
    assert set(loss.state_dict()) == {
        "abs_thresh_power",
        "modified_zwicker_power",
        "width_of_band_bark",
        "bark_matrix",
        "mask_sll",
    }


# -------------------------------------------------------------------------------------- STOI
def test_third_octave_bands():
    obm = third_octave_bands(10000, 512)
    assert obm.shape == (15, 257)
    # 150 Hz band: edges 133.6 and 168.4 Hz -> bins 7 (136.7 Hz) to 8 (156.3 Hz) included
    assert obm[0].nonzero()[0].tolist() == [7, 8]
    assert obm.sum(0).max() == 1  # bands do not overlap


@pytest.mark.parametrize("sample_rate", [8000, 16000])
@pytest.mark.parametrize("extended", [False, True])
def test_stoi_matches_pystoi_on_speech(speech_pair, sample_rate, extended):
    speech = speech_pair(sample_rate)
    clean, other = speech[0], speech[1]
    rng = np.random.default_rng(0)
    candidates = [
        clean + 0.7 * other,
        clean + 0.5 * clean.std() * rng.standard_normal(clean.shape),
        other,
    ]
    loss = SingleSrcNegSTOI(sample_rate, extended=extended).double()
    est = torch.from_numpy(np.stack(candidates))
    ref = torch.from_numpy(np.stack([clean] * 3))
    values = -loss(est, ref).numpy()
    expected = [stoi(clean, c, sample_rate, extended=extended) for c in candidates]
    np.testing.assert_allclose(values, expected, atol=1e-6)
    # float32 stays well within the 0.01 promise
    values32 = -SingleSrcNegSTOI(sample_rate, extended=extended)(est.float(), ref.float()).numpy()
    np.testing.assert_allclose(values32, expected, atol=1e-3)


def test_stoi_gradient_shapes_and_edge_cases(speech_pair):
    speech = torch.from_numpy(speech_pair(8000)).float()
    loss = SingleSrcNegSTOI(8000)
    est = (speech[0] + 0.5 * speech[1]).repeat(2, 1).requires_grad_()
    value = loss(est, speech[0].repeat(2, 1))
    value.sum().backward()
    assert torch.isfinite(est.grad).all() and est.grad.abs().sum() > 0
    # (batch, n_src, time) -> (batch, n_src); (time,) -> (1,)
    assert loss(speech[None], speech[None]).shape == (1, 2)
    assert loss(speech[0], speech[0]).shape == (1,)
    torch.testing.assert_close(loss(speech, speech), torch.full((2,), -1.0), atol=1e-5, rtol=0)
    # A silent estimate: finite, about zero intelligibility
    silent = torch.zeros_like(speech[:1]).requires_grad_()
    value = loss(silent, speech[:1])
    value.sum().backward()
    assert torch.isfinite(value).all() and torch.isfinite(silent.grad).all()
    # Too short for one 30-frame segment: the reference's fallback value
    with pytest.warns(RuntimeWarning, match="Not enough"):
        short = loss(speech[:, :2000], speech[:, :2000])
    torch.testing.assert_close(short, torch.full((2,), -1e-5))
    with pytest.raises(ValueError, match="same shape"):
        loss(speech[:, :100], speech[:, :101])


def test_stoi_options(speech_pair):
    speech = torch.from_numpy(speech_pair(16000)).float()
    est = speech[0] + 0.5 * speech[1]
    reference = -SingleSrcNegSTOI(16000)(est[None], speech[:1])
    for kwargs in [dict(use_vad=False), dict(do_resample=False)]:
        value = -SingleSrcNegSTOI(16000, **kwargs)(est[None], speech[:1])
        assert abs(value - reference) < 0.1
    pit = PITLossWrapper(SingleSrcNegSTOI(16000), pit_from="pw_pt")
    loss, reordered = pit(speech.flip(0)[None], speech[None], return_est=True)
    torch.testing.assert_close(reordered[0], speech)
    torch.testing.assert_close(loss, torch.tensor(-1.0), atol=1e-5, rtol=0)


# --------------------------------------------------------------------- multi-scale spectral
def test_multi_scale_spectral():
    gen = torch.Generator().manual_seed(0)
    target = torch.randn(2, 4000, generator=gen)
    assert len(SingleSrcMultiScaleSpectral().encoders) == 7
    loss = SingleSrcMultiScaleSpectral(
        n_filters=[512, 128, 32], windows_size=[512, 128, 32], hops_size=[256, 64, 16]
    )
    torch.testing.assert_close(loss(target, target), torch.zeros(2))
    near = target + 0.01 * torch.randn(2, 4000, generator=gen)
    far = target + 0.5 * torch.randn(2, 4000, generator=gen)
    assert (loss(far, target) > loss(near, target)).all()
    est = near.clone().requires_grad_()
    loss(est, target).sum().backward()
    assert torch.isfinite(est.grad).all()
    torch.testing.assert_close(torch.jit.script(loss)(far, target), loss(far, target))
    assert "encoders.0.filterbank._filters" in loss.state_dict()
    with pytest.raises(ValueError, match="one entry per scale"):
        SingleSrcMultiScaleSpectral(n_filters=[64], windows_size=[64, 32], hops_size=[32])


# ----------------------------------------------------------------- deep clustering and F1
def test_deep_clustering_perfect_embedding():
    gen = torch.Generator().manual_seed(0)
    idx = torch.randint(0, 3, (2, 8, 6), generator=gen)
    # One-hot embeddings of the true speaker: V V^T = Y Y^T, so the loss is zero.
    emb = torch.nn.functional.one_hot(idx.reshape(2, -1), 3).float()
    torch.testing.assert_close(deep_clustering_loss(emb, idx), torch.zeros(2), atol=1e-5, rtol=0)
    noisy = (emb + 0.3 * torch.randn(emb.shape, generator=gen)).requires_grad_()
    value = deep_clustering_loss(noisy, idx)
    assert (value > 0).all()
    value.sum().backward()
    assert torch.isfinite(noisy.grad).all()
    torch.testing.assert_close(torch.jit.script(deep_clustering_loss)(noisy, idx), value)
    with pytest.raises(ValueError, match="embedding"):
        deep_clustering_loss(torch.randn(2, 10, 3), idx)


def test_soft_f1():
    y = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    loss = F1_loss()
    assert loss(y, y).item() < 1e-6
    assert abs(loss(1 - y, y).item() - 1.0) < 1e-6
    # p = 0.5 everywhere: P = 0.5, R = 0.5, F1 = 0.5
    assert abs(loss(torch.full_like(y, 0.5), y).item() - 0.5) < 1e-6
    torch.testing.assert_close(torch.jit.script(loss)(y * 0.7, y), loss(y * 0.7, y))
