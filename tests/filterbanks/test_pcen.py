"""PCEN and its streaming version."""

import pytest
import torch

from asteroid.filterbanks import PCEN, STFTFB, Encoder, StatefulPCEN
from asteroid.filterbanks.pcen import ExponentialMovingAverage
from asteroid.filterbanks.transforms import mag


@pytest.fixture
def mag_spec():
    torch.manual_seed(0)
    return mag(Encoder(STFTFB(64, 64, stride=16))(torch.randn(2, 3, 800)))  # 2, 3, 33, L


def test_pcen_formula(mag_spec):
    pcen = PCEN(alpha=0.8, delta=1.0, root=3.0, floor=1e-5, smooth=0.2, n_channels=3)
    out = pcen(mag_spec)
    # Reference: explicit recursion.
    smoothed = torch.empty_like(mag_spec)
    state = mag_spec[..., 0]
    for t in range(mag_spec.shape[-1]):
        state = 0.2 * mag_spec[..., t] + 0.8 * state
        smoothed[..., t] = state
    expected = (mag_spec / (1e-5 + smoothed) ** 0.8 + 1.0) ** (1 / 3) - 1.0 ** (1 / 3)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)


def test_pcen_accepts_3d_input(mag_spec):
    pcen = PCEN()
    torch.testing.assert_close(pcen(mag_spec[:, 0]), pcen(mag_spec[:, :1])[:, 0])
    with pytest.raises(ValueError, match="got shape"):
        pcen(torch.rand(4, 5))


def test_streaming_equals_offline(mag_spec):
    pcen = PCEN(n_channels=3, smooth=0.1, per_channel_smoothing=True)
    stateful = StatefulPCEN.from_pcen(pcen)
    chunks, state = [], None
    for chunk in torch.split(mag_spec, 7, dim=-1):
        out, state = stateful(chunk, state)
        chunks.append(out)
    torch.testing.assert_close(torch.cat(chunks, dim=-1), pcen(mag_spec))
    assert state.shape == mag_spec.shape[:-1] + (1,)


def test_from_pcen_copies_the_trained_values(mag_spec):
    pcen = PCEN(n_channels=3, trainable=True)
    with torch.no_grad():
        pcen.alpha.fill_(0.5)
        pcen.ema.weights.fill_(0.3)
    stateful = StatefulPCEN.from_pcen(pcen)
    assert stateful.n_channels == 3 and stateful.alpha.requires_grad
    torch.testing.assert_close(stateful(mag_spec)[0], pcen(mag_spec))


def test_trainable_parameters_get_gradients(mag_spec):
    pcen = PCEN(
        n_channels=3, trainable={"alpha": True, "delta": False, "root": True, "smooth": True}
    )
    pcen(mag_spec).sum().backward()
    assert pcen.alpha.grad is not None and pcen.root.grad is not None
    assert pcen.ema.weights.grad is not None and pcen.delta.grad is None
    assert sorted(n for n, p in pcen.named_parameters() if p.requires_grad) == [
        "alpha",
        "ema.weights",
        "root",
    ]
    with pytest.raises(ValueError, match="Unknown keys in trainable"):
        PCEN(trainable={"gain": True})


def test_get_config_rebuilds(mag_spec):
    pcen = PCEN(alpha=0.9, n_channels=3, trainable={"alpha": True}, per_channel_smoothing=True)
    config = pcen.get_config()
    assert config["trainable"] == {"alpha": True, "delta": False, "root": False, "smooth": False}
    torch.testing.assert_close(PCEN(**config)(mag_spec), pcen(mag_spec))


def test_scripted_pcen(mag_spec):
    pcen = PCEN(n_channels=3)
    torch.testing.assert_close(torch.jit.script(pcen)(mag_spec), pcen(mag_spec))
    stateful = StatefulPCEN(n_channels=3)
    out, state = torch.jit.script(stateful)(mag_spec[..., :5])
    torch.testing.assert_close(out, stateful(mag_spec[..., :5])[0])


def test_ema_clamps_its_coefficient():
    ema = ExponentialMovingAverage(smooth=1.5)
    x = torch.rand(1, 1, 2, 5)
    out, _ = ema(x, None)
    torch.testing.assert_close(out, x)  # coefficient clamped to 1: no smoothing
