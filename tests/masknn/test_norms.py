import pytest
import torch
from torch import nn

from asteroid import complex_nn
from asteroid.masknn import norms

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.*` is deprecated:DeprecationWarning",
    # torch's group_norm checks the batch size in Python; the trace still generalises.
    "ignore::torch.jit.TracerWarning",
)


def reference_ln(x, dims, gamma, beta, eps=1e-8):
    mean = x.mean(dim=dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
    shape = [1, -1] + [1] * (x.dim() - 2)
    return (x - mean) / torch.sqrt(var + eps) * gamma.view(shape) + beta.view(shape)


def randomised(norm, chan):
    with torch.no_grad():
        norm.gamma.copy_(torch.rand(chan) + 0.5)
        norm.beta.copy_(torch.randn(chan))
    return norm


@pytest.mark.parametrize("shape", [(3, 10, 17), (2, 10, 5, 7)])
@pytest.mark.parametrize(
    "cls, dims_from",
    [(norms.GlobLN, 1), (norms.FeatsGlobLN, 2)],
)
def test_global_norms_match_formula(cls, dims_from, shape):
    norm = randomised(cls(10), 10)
    x = torch.randn(shape) * 3 + 1
    dims = list(range(dims_from, len(shape)))
    expected = reference_ln(x, dims, norm.gamma, norm.beta)
    torch.testing.assert_close(norm(x), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(3, 10, 17), (2, 10, 5, 7)])
def test_chan_ln_matches_formula(shape):
    norm = randomised(norms.ChanLN(10), 10)
    x = torch.randn(shape) * 2 - 1
    torch.testing.assert_close(norm(x), reference_ln(x, [1], norm.gamma, norm.beta))


def test_cum_ln_uses_past_frames_only():
    norm = randomised(norms.CumLN(6), 6)
    x = torch.randn(2, 6, 20) * 2 + 0.5
    out = norm(x)
    for t in (0, 5, 19):
        past = x[..., : t + 1]
        mean = past.mean(dim=(1, 2), keepdim=True)
        var = (past**2).mean(dim=(1, 2), keepdim=True) - mean**2
        expected = (x[..., t] - mean[..., 0]) / torch.sqrt(var[..., 0] + 1e-8)
        expected = expected * norm.gamma + norm.beta
        torch.testing.assert_close(out[..., t], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [norms.ChanLN, norms.CumLN])
def test_causal_norms_ignore_the_future(cls):
    norm = cls(8)
    x = torch.randn(2, 8, 30)
    y = x.clone()
    y[..., 20:] = torch.randn(2, 8, 10) * 5
    torch.testing.assert_close(norm(x)[..., :20], norm(y)[..., :20])
    assert not torch.allclose(norm(x)[..., 20:], norm(y)[..., 20:])


def test_global_ln_uses_the_future():
    norm = norms.GlobLN(8)
    x = torch.randn(2, 8, 30)
    y = x.clone()
    y[..., 20:] *= 5
    assert not torch.allclose(norm(x)[..., :20], norm(y)[..., :20])


def test_layer_norm_shape_errors():
    with pytest.raises(ValueError, match="frames"):
        norms.CumLN(4)(torch.randn(2, 4, 3, 5))
    with pytest.raises(ValueError, match="at least 3"):
        norms.FeatsGlobLN(4)(torch.randn(2, 4))


def test_batch_norm_dimensions():
    norm = norms.BatchNorm(4).eval()
    with torch.no_grad():
        norm.running_mean.copy_(torch.randn(4))
        norm.running_var.copy_(torch.rand(4) + 0.5)
    reference = nn.BatchNorm1d(4).eval()
    reference.load_state_dict(norm.state_dict())
    for shape in [(3, 4), (3, 4, 7)]:
        x = torch.randn(shape)
        torch.testing.assert_close(norm(x), reference(x))
    assert norm(torch.randn(2, 4, 3, 5)).shape == (2, 4, 3, 5)
    with pytest.raises(ValueError, match="5-D"):
        norm(torch.randn(1, 4, 2, 2, 2))
    assert set(norm.state_dict()) == {
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    }


def test_layer_norm_parameters():
    norm = norms.GlobLN(5)
    assert [n for n, _ in norm.named_parameters()] == ["gamma", "beta"]
    torch.testing.assert_close(norm.gamma.data, torch.ones(5))
    torch.testing.assert_close(norm.beta.data, torch.zeros(5))


@pytest.mark.parametrize(
    "name, cls",
    [
        ("gLN", norms.GlobLN),
        ("fgLN", norms.FeatsGlobLN),
        ("cLN", norms.ChanLN),
        ("cgLN", norms.CumLN),
        ("bN", norms.BatchNorm),
        ("GlobLN", norms.GlobLN),
        ("CumLN", norms.CumLN),
    ],
)
def test_get_by_name(name, cls):
    assert norms.get(name) is cls


def test_get_passthrough_and_errors():
    assert norms.get(None) is None
    assert norms.get(nn.LayerNorm) is nn.LayerNorm
    # Module-level names are not norms (the published registry returned them).
    for bad in ("nn", "torch", "get", "gln", "unknown"):
        with pytest.raises(ValueError, match="Known norms: gLN, fgLN, cLN, cgLN, bN"):
            norms.get(bad)
    with pytest.raises(ValueError, match="expected a string"):
        norms.get(3)


def test_register_norm():
    class MyNormForTest(norms.GlobLN):
        pass

    norms.register_norm(MyNormForTest)
    assert norms.get("MyNormForTest") is MyNormForTest
    with pytest.raises(ValueError, match="already exists"):
        norms.register_norm(MyNormForTest)

    class GlobLN(nn.Module):
        pass

    with pytest.raises(ValueError, match="already exists"):
        norms.register_norm(GlobLN)


def test_get_complex():
    assert norms.get_complex(None) is None
    norm = norms.get_complex("gLN")(4)
    assert isinstance(norm, complex_nn.OnReIm)
    assert isinstance(norm.re_module, norms.GlobLN) and norm.re_module is not norm.im_module
    x = torch.complex(torch.randn(2, 4, 6), torch.randn(2, 4, 6) * 3)
    out = norm(x)
    torch.testing.assert_close(out.real, norms.GlobLN(4)(x.real))
    torch.testing.assert_close(out.imag, norms.GlobLN(4)(x.imag))


@pytest.mark.parametrize("cls", [norms.GlobLN, norms.FeatsGlobLN, norms.ChanLN, norms.CumLN])
def test_norms_trace_and_script(cls):
    norm = randomised(cls(6), 6)
    traced = torch.jit.trace(norm, torch.randn(1, 6, 12))
    scripted = torch.jit.script(norm)
    for shape in [(3, 6, 40), (2, 6, 9)]:
        x = torch.randn(shape)
        torch.testing.assert_close(traced(x), norm(x))
        torch.testing.assert_close(scripted(x), norm(x))
