import pytest
import torch
from torch import nn

from asteroid import complex_nn
from asteroid.masknn import activations
from asteroid.masknn.activations import _mask_activation


@pytest.mark.parametrize(
    "name, cls",
    [
        ("linear", nn.Identity),
        ("relu", nn.ReLU),
        ("prelu", nn.PReLU),
        ("leaky_relu", nn.LeakyReLU),
        ("sigmoid", nn.Sigmoid),
        ("softmax", nn.Softmax),
        ("tanh", nn.Tanh),
        ("gelu", nn.GELU),
        ("swish", activations.Swish),
    ],
)
def test_get_builds_fresh_modules(name, cls):
    factory = activations.get(name)
    first, second = factory(), factory()
    assert type(first) is cls and first is not second


def test_values():
    x = torch.linspace(-3, 3, 13)
    torch.testing.assert_close(activations.get("swish")()(x), x * torch.sigmoid(x))
    torch.testing.assert_close(activations.get("leaky_relu")()(x), torch.where(x > 0, x, 0.01 * x))
    prelu = activations.get("prelu")()
    assert prelu.weight.shape == (1,)
    torch.testing.assert_close(prelu(x), torch.where(x > 0, x, 0.25 * x))
    torch.testing.assert_close(activations.get("linear")()(x), x)


def test_softmax_takes_dim():
    soft = activations.get("softmax")(dim=1)
    x = torch.randn(2, 3, 4)
    torch.testing.assert_close(soft(x).sum(1), torch.ones(2, 4))


def test_mask_activation_runs_softmax_across_sources():
    masks = _mask_activation("softmax")(torch.randn(2, 3, 5, 7))
    torch.testing.assert_close(masks.sum(1), torch.ones(2, 5, 7))
    assert isinstance(_mask_activation("relu"), nn.ReLU)
    with pytest.raises(ValueError, match="linear"):
        _mask_activation(None)


def test_get_passthrough_and_errors():
    assert activations.get(None) is None
    assert activations.get(nn.ELU) is nn.ELU
    for bad in ("torch", "nn", "Swish", "get", "ReLU"):
        with pytest.raises(ValueError, match="Known activations: linear, relu, prelu"):
            activations.get(bad)
    with pytest.raises(ValueError, match="expected a string"):
        activations.get(1.0)


def test_register_activation():
    def my_act_for_test():
        return nn.Hardtanh()

    activations.register_activation(my_act_for_test)
    assert isinstance(activations.get("my_act_for_test")(), nn.Hardtanh)
    with pytest.raises(ValueError, match="already exists"):
        activations.register_activation(my_act_for_test)

    def Relu():  # the lowercase name is taken
        return nn.ReLU()

    with pytest.raises(ValueError, match="already exists"):
        activations.register_activation(Relu)


def test_get_complex():
    assert activations.get_complex(None) is None
    act = activations.get_complex("prelu")()
    assert isinstance(act, complex_nn.OnReIm)
    assert act.re_module is not act.im_module
    x = torch.complex(torch.randn(10), torch.randn(10))
    with torch.no_grad():
        act.im_module.weight.fill_(0.5)
    out = act(x)
    torch.testing.assert_close(out.real, torch.where(x.real > 0, x.real, 0.25 * x.real))
    torch.testing.assert_close(out.imag, torch.where(x.imag > 0, x.imag, 0.5 * x.imag))
