"""Asteroid complex tensors: arithmetic, masks, conversions and their errors."""

import math

import numpy as np
import pytest
import torch

from asteroid.filterbanks import Encoder, TorchSTFTFB, transforms
from asteroid.filterbanks.transforms import (
    ComplexShapeError,
    angle,
    apply_complex_mask,
    apply_mag_mask,
    apply_real_mask,
    centerfreq_correction,
    check_complex,
    check_torchaudio_complex,
    from_magphase,
    from_numpy,
    from_torch_complex,
    from_torchaudio,
    is_asteroid_complex,
    is_torchaudio_complex,
    mag,
    magphase,
    magreim,
    mul_c,
    phase_centerfreq_correction,
    reim,
    to_numpy,
    to_torch_complex,
    to_torchaudio,
)


@pytest.fixture
def spec():
    torch.manual_seed(0)
    return torch.randn(2, 3, 10, 7)  # (batch, chan, 2 * 5 freqs, frames)


@pytest.mark.parametrize("dim", [-2, 2, 1, -1, 0])
def test_native_complex_round_trip_and_values(dim):
    torch.manual_seed(0)
    shape = [4, 6, 8, 10]
    x = torch.randn(shape)
    native = to_torch_complex(x, dim=dim)
    re, im = reim(x, dim=dim)
    torch.testing.assert_close(native.real, re)
    torch.testing.assert_close(native.imag, im)
    torch.testing.assert_close(from_torch_complex(native, dim=dim), x)
    torch.testing.assert_close(mag(x, dim=dim, EPS=0.0), native.abs())
    torch.testing.assert_close(angle(x, dim=dim), native.angle())


@pytest.mark.parametrize("dim", [-2, 1, 2, -3, -1])
def test_torchaudio_and_numpy_round_trips(dim):
    spec = torch.randn(2, 4, 10, 6)
    ta = to_torchaudio(spec, dim=dim)
    assert ta.shape[-1] == 2 and is_torchaudio_complex(ta)
    torch.testing.assert_close(from_torchaudio(ta, dim=dim), spec)
    arr = to_numpy(spec, dim=dim)
    assert np.iscomplexobj(arr)
    np.testing.assert_allclose(arr, to_torch_complex(spec, dim=dim).numpy())
    torch.testing.assert_close(from_numpy(arr, dim=dim), spec)
    assert from_numpy(arr.astype(np.complex128), dim=dim).dtype == torch.float64


def test_to_numpy_detaches():
    x = torch.randn(4, 3, requires_grad=True)
    assert to_numpy(x * 2).shape == (2, 3)


def test_mag_keeps_eps_inside_the_root(spec):
    re, im = reim(spec)
    torch.testing.assert_close(mag(spec), torch.sqrt(re**2 + im**2 + 1e-8))
    zeros = torch.zeros(1, 4, 3, requires_grad=True)
    mag(zeros).sum().backward()
    assert torch.isfinite(zeros.grad).all()


def test_magreim_and_magphase(spec):
    out = magreim(spec)
    assert out.shape[-2] == 15
    torch.testing.assert_close(out[..., :5, :], mag(spec))
    torch.testing.assert_close(out[..., 5:, :], spec)
    m, p = magphase(spec)
    torch.testing.assert_close(from_magphase(m, p), spec, rtol=1e-4, atol=1e-4)


def test_mul_c_is_the_complex_product(spec):
    other = torch.randn_like(spec)
    expected = to_torch_complex(spec) * to_torch_complex(other)
    torch.testing.assert_close(to_torch_complex(mul_c(spec, other)), expected)
    torch.testing.assert_close(apply_complex_mask(spec, other), mul_c(spec, other))


def test_masks(spec):
    mask = torch.rand(2, 3, 5, 7)
    masked = apply_mag_mask(spec, mask)
    torch.testing.assert_close(to_torch_complex(masked), to_torch_complex(spec) * mask)
    torch.testing.assert_close(mag(masked, EPS=0), mag(spec, EPS=0) * mask)
    real_mask = torch.rand_like(spec)
    torch.testing.assert_close(apply_real_mask(spec, real_mask), spec * real_mask)


def test_odd_sizes_raise_a_value_and_assertion_error():
    odd = torch.randn(2, 5, 3)
    assert not is_asteroid_complex(odd)
    for fn in (check_complex, mag, angle, to_torchaudio, to_numpy):
        with pytest.raises(ValueError, match=r"even size .* along dim -2, got shape \[2, 5, 3\]"):
            fn(odd)
    with pytest.raises(AssertionError):  # the published exception type still works
        check_complex(odd)
    with pytest.raises(ComplexShapeError, match="along dim 1"):
        mul_c(odd, odd, dim=1)
    with pytest.raises(ValueError, match="last axis of size 2"):
        check_torchaudio_complex(torch.randn(3, 4))
    with pytest.raises(ValueError, match="last axis of size 2"):
        from_torchaudio(torch.randn(3, 4))


def test_scripted_transforms():
    scripted_mag = torch.jit.script(mag)
    x = torch.randn(2, 6, 4)
    torch.testing.assert_close(scripted_mag(x), mag(x))
    with pytest.raises(torch.jit.Error, match="even size"):
        scripted_mag(torch.randn(2, 5, 4))
    torch.testing.assert_close(torch.jit.script(from_torchaudio)(to_torchaudio(x)), x)


def test_centerfreq_correction_keeps_a_centred_sinusoid_in_phase():
    n_fft, hop, k_bin = 64, 16, 5
    sr = 8000
    t = torch.arange(4000) / sr
    wav = torch.cos(2 * math.pi * k_bin * sr / n_fft * t + 0.3)[None, None]
    spec = Encoder(TorchSTFTFB(n_fft, n_fft, stride=hop, center=False))(wav)
    corrected = centerfreq_correction(spec, kernel_size=n_fft, stride=hop)
    phase = angle(corrected)[0, k_bin]
    # Without correction, the phase turns by 2 pi k hop / n_fft per frame.
    raw_steps = torch.diff(angle(spec)[0, k_bin])
    assert raw_steps.abs().max() > 1.0
    steps = torch.remainder(torch.diff(phase) + math.pi, 2 * math.pi) - math.pi
    assert steps.abs().max() < 1e-2  # leakage of the negative frequency only
    torch.testing.assert_close(mag(corrected), mag(spec), rtol=1e-4, atol=1e-4)


def test_phase_correction_values_and_errors():
    phase = torch.zeros(3, 4)
    out = phase_centerfreq_correction(phase, kernel_size=8)  # stride defaults to 4
    expected = -2 * math.pi * torch.arange(3)[:, None] * torch.arange(4)[None] * 4 / 8
    torch.testing.assert_close(out, expected.float())
    with pytest.raises(ValueError, match="only supports dim=-2"):
        centerfreq_correction(torch.randn(4, 6), 8, dim=0)


def test_deprecated_names():
    x = torch.randn(2, 4, 3)
    with pytest.warns(DeprecationWarning, match="take_mag is deprecated"):
        torch.testing.assert_close(transforms.take_mag(x), mag(x))
    with pytest.warns(DeprecationWarning):
        torch.testing.assert_close(transforms.take_cat(x), magreim(x))
    with pytest.warns(DeprecationWarning):
        assert len(transforms.take_reim(x)) == 2
