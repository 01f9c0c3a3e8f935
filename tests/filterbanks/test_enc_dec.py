"""Encoder/Decoder: shape contract in every rank, gradients, pseudo-inverse, TorchScript, errors."""

import pytest
import torch

from asteroid.filterbanks import (
    STFTFB,
    Decoder,
    Encoder,
    Filterbank,
    FreeFB,
    MelGramFB,
    make_enc_dec,
)

# name -> (n_filters, kernel_size, stride, expected n_feats_out)
FILTERBANKS = {
    "free": (16, 8, 4, 16),
    "analytic_free": (16, 8, 4, 16),
    "param_sinc": (16, 15, 5, 16),
    "stft": (32, 32, 8, 34),
    "torch_stft": (32, 32, 8, 34),
    "mpgtf": (16, 16, 8, 16),
    "melgram": (32, 32, 8, 40),
}
RANKS = [(160,), (2, 160), (2, 1, 160), (2, 3, 160), (2, 3, 2, 160)]


def _make(name, **kwargs):
    n, k, s, _ = FILTERBANKS[name]
    return make_enc_dec(name, n, k, stride=s, **kwargs)


def _n_frames(fb, n_samples):
    if getattr(fb, "center", False):
        n_samples += 2 * (fb.kernel_size // 2)
    return (n_samples - fb.kernel_size) // fb.stride + 1


def _expected_enc_shape(shape, n_feats, n_frames, as_conv1d=True):
    if len(shape) == 1:
        return (n_feats, n_frames)
    if len(shape) == 2 or (len(shape) == 3 and shape[1] == 1 and as_conv1d):
        return (shape[0], n_feats, n_frames)
    return shape[:-1] + (n_feats, n_frames)


@pytest.mark.filterwarnings("ignore:Encoder input is 2-D")
@pytest.mark.parametrize("name", sorted(FILTERBANKS))
@pytest.mark.parametrize("shape", RANKS, ids=lambda s: f"{len(s)}d")
def test_shape_contract(name, shape):
    enc, dec = _make(name)
    fb = enc.filterbank
    wav = torch.randn(shape)
    spec = enc(wav)
    assert enc.n_feats_out == FILTERBANKS[name][3]
    assert spec.shape == _expected_enc_shape(shape, enc.n_feats_out, _n_frames(fb, shape[-1]))
    if name == "melgram":  # analysis only
        return
    out = dec(spec)
    # The decoder inverts the shapes: (T,) <- (F, L); (B, 1, T) <- (B, F, L); (*, T) <- (*, F, L)
    expected_lead = (shape[0], 1) if len(spec.shape) == 3 else shape[:-1]
    assert out.shape[:-1] == expected_lead
    expected_len = (spec.shape[-1] - 1) * fb.stride + fb.kernel_size
    if name == "torch_stft":  # the centring samples are dropped
        expected_len -= fb.kernel_size // 2
    assert out.shape[-1] == expected_len
    assert dec(spec, length=100).shape[-1] == 100


@pytest.mark.parametrize("name", sorted(FILTERBANKS))
def test_leading_axes_are_independent(name):
    """A 4-D batch gives the same result as encoding each signal on its own."""
    enc, dec = _make(name)
    wav = torch.randn(2, 3, 2, 160)
    spec = enc(wav)
    for idx in [(0, 0, 0), (1, 2, 1)]:
        torch.testing.assert_close(spec[idx], enc(wav[idx]), rtol=1e-5, atol=1e-6)
    if name != "melgram":
        out = dec(spec)
        torch.testing.assert_close(out[1, 2, 1], dec(spec[1, 2, 1]), rtol=1e-5, atol=1e-6)


def test_as_conv1d_false_keeps_the_channel_axis():
    fb = FreeFB(8, 4, stride=2)
    wav = torch.randn(2, 1, 50)
    spec = Encoder(fb, as_conv1d=False)(wav)
    assert spec.shape == (2, 1, 8, 24)
    torch.testing.assert_close(spec[:, 0], Encoder(fb)(wav))


def test_free_encoder_is_a_conv1d_and_decoder_a_conv_transpose1d():
    fb = FreeFB(8, 6, stride=3)
    wav = torch.randn(3, 1, 40)
    spec = Encoder(fb)(wav)
    torch.testing.assert_close(spec, torch.nn.functional.conv1d(wav, fb._filters, stride=3))
    out = Decoder(fb, padding=1, output_padding=2)(spec)
    ref = torch.nn.functional.conv_transpose1d(
        spec, fb._filters, stride=3, padding=1, output_padding=2
    )
    torch.testing.assert_close(out, ref)
    assert out.shape[-1] == (spec.shape[-1] - 1) * 3 - 2 + 6 + 2


def test_padding_and_length():
    enc, dec = make_enc_dec("free", 8, 4, stride=2, padding=2)
    wav = torch.randn(1, 1, 32)
    spec = enc(wav)
    assert spec.shape[-1] == (32 + 4 - 4) // 2 + 1
    assert dec(spec).shape[-1] == (spec.shape[-1] - 1) * 2 - 4 + 4
    assert dec(spec, length=31).shape[-1] == 31
    # length never pads
    assert dec(spec, length=10_000).shape[-1] == dec(spec).shape[-1]


def test_pinv_decoder_inverts_an_overcomplete_free_encoder():
    torch.manual_seed(0)
    fb = FreeFB(32, 16, stride=8)
    enc, dec = Encoder(fb), Decoder.pinv_of(fb)
    wav = torch.randn(2, 1, 400)
    out = dec(enc(wav))
    # Every interior sample is covered by kernel_size / stride = 2 frames.
    torch.testing.assert_close(out[..., 16:-16], wav[..., 16:-16], rtol=1e-4, atol=1e-4)
    assert Decoder.pinv_of(enc).is_pinv and Encoder.pinv_of(Decoder(fb)).is_pinv


def test_get_config_and_rebuild():
    enc, dec = make_enc_dec("param_sinc", 16, 15, stride=5, sample_rate=16000.0, min_low_hz=40)
    config = enc.get_config()
    assert config["fb_name"] == "ParamSincFB" and config["is_pinv"] is False
    assert config["min_low_hz"] == 40 and config["sample_rate"] == 16000.0
    assert enc.sample_rate == 16000.0 and enc.stride == 5


@pytest.mark.parametrize("name", ["free", "analytic_free", "param_sinc"])
def test_gradients_reach_the_learnable_parameters(name):
    enc, dec = _make(name)
    wav = torch.randn(2, 1, 160)
    loss = dec(enc(wav)).pow(2).mean()
    loss.backward()
    params = list(enc.parameters()) + list(dec.parameters())
    assert params
    for p in params:
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["stft", "torch_stft", "mpgtf", "melgram"])
def test_fixed_filterbanks_have_no_parameters_but_pass_gradients(name):
    enc, dec = _make(name)
    assert not list(enc.parameters())
    wav = torch.randn(2, 1, 160, requires_grad=True)
    enc(wav).pow(2).sum().backward()
    assert wav.grad is not None and wav.grad.abs().sum() > 0


@pytest.mark.filterwarnings("ignore:Encoder input is 2-D")
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
@pytest.mark.filterwarnings("error::torch.jit.TracerWarning")
@pytest.mark.parametrize("name", sorted(FILTERBANKS))
def test_torchscript_and_trace_match_eager(name):
    enc, dec = _make(name)
    scripted_enc = torch.jit.script(enc)
    wav = torch.randn(2, 3, 160)
    traced_enc = torch.jit.trace(enc, (wav,))
    other = torch.randn(1, 2, 230)  # another batch and length than the traced one
    for x in (wav, other):
        torch.testing.assert_close(scripted_enc(x), enc(x))
        torch.testing.assert_close(traced_enc(x), enc(x))
    for x in (torch.randn(160), torch.randn(2, 1, 160)):
        torch.testing.assert_close(scripted_enc(x), enc(x))
    if name == "melgram":
        return
    spec = enc(wav)
    scripted_dec = torch.jit.script(dec)
    traced_dec = torch.jit.trace(dec, (spec,))
    for s in (spec, enc(other)):
        torch.testing.assert_close(scripted_dec(s), dec(s))
        torch.testing.assert_close(traced_dec(s), dec(s))
    torch.testing.assert_close(scripted_dec(spec, 100), dec(spec, length=100))


def test_pinv_scripts():
    enc, dec = make_enc_dec("free", 16, 8, stride=4, who_is_pinv="dec")
    spec = enc(torch.randn(2, 1, 80))
    torch.testing.assert_close(torch.jit.script(dec)(spec), dec(spec))


# ----------------------------------------------------------------------------- errors
def test_filterbank_is_abstract_and_not_callable():
    with pytest.raises(TypeError, match="abstract"):
        Filterbank(8, 4)

    class Ones(Filterbank):
        def filters(self):
            return torch.ones(self.n_filters, 1, self.kernel_size)

    fb = Ones(8, 4)
    with pytest.raises(RuntimeError, match="Encoder or a Decoder"):
        fb(torch.randn(1, 1, 10))
    assert fb.stride == 2 and fb.n_feats_out == 8
    assert Encoder(fb)(torch.ones(1, 1, 8)).sum() == 8 * 3 * 4


@pytest.mark.parametrize(
    "args, match",
    [
        ((8, 4, 5), r"stride \(5\) must not exceed kernel_size \(4\)"),
        ((0, 4, 2), "n_filters must be a positive integer"),
        ((8, -1, None), "kernel_size must be a positive integer"),
        ((8, 1, None), "give a stride explicitly"),
    ],
)
def test_bad_sizes(args, match):
    n, k, s = args
    with pytest.raises(ValueError, match=match):
        FreeFB(n, k, stride=s)


def test_non_integer_size_is_a_type_error():
    with pytest.raises(TypeError, match="n_filters must be an integer"):
        FreeFB(8.5, 4)


def test_bad_ranks_and_lengths():
    enc, dec = make_enc_dec("free", 8, 4, stride=2)
    with pytest.raises(ValueError, match="0-d tensor"):
        enc(torch.tensor(1.0))
    with pytest.raises(ValueError, match="shorter than one frame"):
        enc(torch.randn(2, 1, 3))
    with pytest.raises(ValueError, match="got a 1-d tensor"):
        dec(torch.randn(8))
    with pytest.raises(ValueError, match="Expected 8 features on axis -2.*found 5"):
        dec(torch.randn(2, 5, 10))


def test_mel_decoder_refuses_mel_rows():
    fb = MelGramFB(32, 32, stride=8, n_mels=10)
    spec = Encoder(fb)(torch.randn(1, 1, 100))
    with pytest.raises(ValueError, match="Expected 34 features"):
        Decoder(fb)(spec)


def test_encoder_wants_a_filterbank():
    with pytest.raises(TypeError, match="Filterbank instance"):
        Encoder(torch.nn.Conv1d(1, 2, 3))
    with pytest.raises(TypeError, match="pinv_of expects"):
        Decoder.pinv_of("stft")
    with pytest.raises(TypeError, match="pinv_of expects"):
        Encoder.pinv_of(STFTFB)


def test_2d_input_warns():
    enc = Encoder(FreeFB(8, 4))
    with pytest.warns(UserWarning, match="2-D"):
        enc(torch.randn(2, 20))
