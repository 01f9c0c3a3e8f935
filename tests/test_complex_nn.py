import math

import pytest
import torch
from torch import nn

from asteroid import complex_nn as cnn


def rand_complex(*shape):
    return torch.complex(torch.randn(shape), torch.randn(shape))


def test_complex_constructors():
    re, im = torch.randn(3, 4), torch.randn(3, 4)
    z = cnn.torch_complex_from_reim(re, im)
    assert cnn.is_torch_complex(z) and not cnn.is_torch_complex(re)
    torch.testing.assert_close(z, torch.view_as_complex(torch.stack([re, im], -1)))
    mag, phase = torch.rand(3, 4), (torch.rand(3, 4) - 0.5) * 6
    z = cnn.torch_complex_from_magphase(mag, phase)
    torch.testing.assert_close(z.abs(), mag)
    torch.testing.assert_close(z, torch.polar(mag, phase))


def test_on_reim():
    x = rand_complex(5)
    out = cnn.on_reim(torch.tanh)(x)
    torch.testing.assert_close(out, torch.complex(torch.tanh(x.real), torch.tanh(x.imag)))
    assert "complex" in cnn.on_reim(torch.tanh).__name__


def test_on_reim_module_uses_two_modules():
    module = cnn.OnReIm(nn.Linear, 4, 3)
    assert module.re_module is not module.im_module
    x = rand_complex(2, 4)
    out = module(x)
    torch.testing.assert_close(out.real, module.re_module(x.real))
    torch.testing.assert_close(out.imag, module.im_module(x.imag))


def test_multiplication_wrapper_is_complex_linear_map():
    layer = cnn.ComplexMultiplicationWrapper(nn.Linear, 4, 3, bias=False)
    weight = torch.complex(layer.re_module.weight, layer.im_module.weight)
    x = rand_complex(5, 4)
    torch.testing.assert_close(layer(x), x @ weight.T)


def test_complex_conv2d_is_complex_convolution():
    conv = cnn.ComplexConv2d(2, 3, (3, 2), (2, 1), (1, 0), bias=False)
    assert isinstance(conv.re_module, nn.Conv2d)
    x = rand_complex(1, 2, 9, 6)
    weight = torch.complex(conv.re_module.weight, conv.im_module.weight).to(torch.complex64)
    expected = nn.functional.conv2d(x, weight, stride=(2, 1), padding=(1, 0))
    torch.testing.assert_close(conv(x), expected, rtol=1e-5, atol=1e-5)
    deconv = cnn.ComplexConvTranspose2d(3, 2, (3, 2), (2, 1), (1, 0), (1, 0))
    assert isinstance(deconv.im_module, nn.ConvTranspose2d)
    assert deconv(conv(x)).shape == (1, 2, 10, 6)


def test_complex_single_rnn():
    rnn = cnn.ComplexSingleRNN("gru", 6, 5, n_layers=3, bidirectional=True)
    assert len(rnn.rnns) == 3 and rnn.output_size == 10
    assert rnn.rnns[1].re_module.input_size == 10
    assert isinstance(rnn.rnns[0].im_module.rnn, nn.GRU)
    out = rnn(rand_complex(2, 7, 6))
    assert out.shape == (2, 7, 10) and out.is_complex()
    names = [n for n, _ in rnn.named_parameters()]
    assert "rnns.2.im_module.rnn.weight_hh_l0_reverse" in names
    with pytest.raises(ValueError, match="dropout"):
        cnn.ComplexSingleRNN("LSTM", 6, 5, n_layers=2, dropout=0.1)


def test_bound_complex_mask():
    mask = rand_complex(4, 50) * 3
    tanh = cnn.bound_complex_mask(mask, "tanh")
    assert (tanh.abs() <= 1).all() and (tanh.abs() < mask.abs()).all()
    torch.testing.assert_close(torch.angle(tanh), torch.angle(mask), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(tanh.abs(), torch.tanh(mask.abs()), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(cnn.bound_complex_mask(mask, "BDT"), tanh)
    sig = cnn.bound_complex_mask(mask, "BDSS")
    torch.testing.assert_close(sig.real, torch.sigmoid(mask.real))
    torch.testing.assert_close(sig.imag, torch.sigmoid(mask.imag))
    torch.testing.assert_close(cnn.bound_complex_mask(mask, "sigmoid"), sig)
    assert cnn.bound_complex_mask(mask, None) is mask
    assert cnn.bound_complex_mask(mask, "UBD") is mask
    with pytest.raises(ValueError, match="Unknown mask bound"):
        cnn.bound_complex_mask(mask, "relu")


def test_bound_complex_mask_module():
    mask = rand_complex(2, 3) * 10
    bound = cnn.BoundComplexMask("tanh")
    torch.testing.assert_close(bound(mask), cnn.bound_complex_mask(mask, "tanh"))
    assert math.isclose(bound(mask).abs().max().item(), 1.0, abs_tol=1e-3)
    with pytest.raises(ValueError, match="Unknown mask bound"):
        cnn.BoundComplexMask("bdt")
