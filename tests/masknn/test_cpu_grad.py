"""The CPU PReLU and depth-wise convolution compute what the ``nn`` modules compute."""

import pytest
import torch
from torch import nn

from asteroid.masknn._cpu_grad import (
    DepthwiseConv1d,
    PReLU,
    _DepthwiseConv1dFunction,
    _PReLUFunction,
)
from asteroid.masknn.tdconvnet import TDConvNet


def _grads(module, x, grad):
    params = [x] + [p for p in module.parameters()]
    out = module(x)
    return out, torch.autograd.grad(out, params, grad)


@pytest.mark.parametrize(
    "num_parameters, shape",
    [(1, (4, 8, 50)), (8, (4, 8, 50)), (1, (2, 3, 4, 5)), (3, (2, 3, 7, 5))],
)
def test_prelu_matches_nn(num_parameters, shape):
    torch.manual_seed(0)
    ref = nn.PReLU(num_parameters, init=0.3).double()
    ours = PReLU(num_parameters, init=0.3).double()
    with torch.no_grad():
        ref.weight.uniform_(-0.5, 0.5)
        ours.weight.copy_(ref.weight)
    x = torch.randn(shape, dtype=torch.float64)
    x.view(-1)[:5] = 0.0  # the kink: the slope applies at 0, as in F.prelu
    x.requires_grad_(True)
    grad = torch.randn(shape, dtype=torch.float64)
    out_ref, grads_ref = _grads(ref, x, grad)
    out, grads = _grads(ours, x, grad)
    assert out.grad_fn.name() == "_PReLUFunctionBackward"
    torch.testing.assert_close(out, out_ref, rtol=0, atol=0)
    for g, g_ref in zip(grads, grads_ref):
        torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-12)


def test_prelu_gradcheck_and_second_order():
    x = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
    w = torch.tensor([0.2, -0.4, 0.7], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(_PReLUFunction.apply, (x, w))
    assert torch.autograd.gradgradcheck(_PReLUFunction.apply, (x, w))


@pytest.mark.parametrize(
    "channels, kernel_size, padding, dilation, bias, frames",
    [
        (6, 3, 1, 1, True, 20),  # "same" padding, as in Conv-TasNet
        (6, 3, 4, 4, True, 20),
        (6, 3, 8, 4, False, 20),  # causal: padded 2d on both sides (the right part is chopped)
        (5, 5, 0, 2, True, 30),  # no padding: shorter output
        (4, 3, 9, 2, True, 10),  # more padding than the kernel spans: longer output
        (4, 2, 1, 3, True, 10),  # even kernel
        (3, 1, 0, 1, True, 5),
    ],
)
def test_depthwise_conv_matches_nn(channels, kernel_size, padding, dilation, bias, frames):
    torch.manual_seed(0)
    ref = nn.Conv1d(
        channels,
        channels,
        kernel_size,
        padding=padding,
        dilation=dilation,
        groups=channels,
        bias=bias,
    ).double()
    ours = DepthwiseConv1d(channels, kernel_size, padding, dilation, bias).double()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(3, channels, frames, dtype=torch.float64, requires_grad=True)
    out_ref = ref(x)
    grad = torch.randn_like(out_ref)
    out_ref, grads_ref = _grads(ref, x, grad)
    out, grads = _grads(ours, x, grad)
    assert out.grad_fn.name() == "_DepthwiseConv1dFunctionBackward"
    torch.testing.assert_close(out, out_ref, rtol=1e-12, atol=1e-12)
    for g, g_ref in zip(grads, grads_ref):
        torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-12)

    def function(x, w, b):
        return _DepthwiseConv1dFunction.apply(x, w, b, padding, dilation)

    assert torch.autograd.gradcheck(function, (x, ours.weight, ours.bias))
    assert torch.autograd.gradgradcheck(function, (x, ours.weight, ours.bias))


def test_depthwise_conv_too_short_input_is_named():
    conv = DepthwiseConv1d(2, 3, padding=0, dilation=4)
    with pytest.raises(ValueError, match="too short"):
        conv(torch.randn(1, 2, 8))


def test_plain_kernels_when_scripted_or_under_autocast():
    torch.manual_seed(0)
    conv, prelu = DepthwiseConv1d(4, 3, padding=2, dilation=2), PReLU()
    x = torch.randn(2, 4, 16, requires_grad=True)
    for module in (conv, prelu):
        scripted = torch.jit.script(module)
        torch.testing.assert_close(scripted(x), module(x))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = module(x)
        assert "Function" not in out.grad_fn.name()


def test_state_dict_and_tdconvnet_gradients_unchanged():
    """A TDConvNet with the fast modules gives the plain modules' outputs and gradients."""
    torch.manual_seed(0)
    net = TDConvNet(16, 2, n_blocks=3, n_repeats=2, bn_chan=8, hid_chan=12, skip_chan=8).double()
    x = torch.randn(2, 16, 40, dtype=torch.float64, requires_grad=True)
    out = net(x)
    grad = torch.randn_like(out)
    # (the last block's residual convolution feeds nothing: its gradient is None)
    grads = torch.autograd.grad(out, [x] + list(net.parameters()), grad, allow_unused=True)
    keys = list(net.state_dict())
    for module in net.modules():  # back to PyTorch's own kernels
        if isinstance(module, PReLU):
            module.__class__ = nn.PReLU
        elif isinstance(module, DepthwiseConv1d):
            module.__class__ = nn.Conv1d
    assert list(net.state_dict()) == keys
    out_ref = net(x)
    grads_ref = torch.autograd.grad(out_ref, [x] + list(net.parameters()), grad, allow_unused=True)
    torch.testing.assert_close(out, out_ref, rtol=1e-12, atol=1e-12)
    assert sum(g is not None for g in grads) > 40
    for g, g_ref in zip(grads, grads_ref):
        assert (g is None) == (g_ref is None)
        if g is not None:
            torch.testing.assert_close(g, g_ref, rtol=1e-10, atol=1e-12)
