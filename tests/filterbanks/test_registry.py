"""The filterbank registry (``get``, ``register_filterbank``) and ``make_enc_dec``."""

import pytest
import torch

import asteroid.filterbanks as fb_module
from asteroid.filterbanks import (
    STFTFB,
    AnalyticFreeFB,
    Filterbank,
    FreeFB,
    MelGramFB,
    MultiphaseGammatoneFB,
    ParamSincFB,
    TorchSTFTFB,
    get,
    make_enc_dec,
    register_filterbank,
)

NAMES = {
    "free": FreeFB,
    "analytic_free": AnalyticFreeFB,
    "param_sinc": ParamSincFB,
    "stft": STFTFB,
    "torch_stft": TorchSTFTFB,
    "mpgtf": MultiphaseGammatoneFB,
    "multiphase_gammatone": MultiphaseGammatoneFB,
    "melgram": MelGramFB,
}


@pytest.mark.parametrize("name, cls", sorted(NAMES.items()))
def test_names_and_class_names_resolve(name, cls):
    assert get(name) is cls
    assert get(cls.__name__) is cls
    assert get(cls) is cls


def test_published_module_aliases():
    assert fb_module.free is FreeFB and fb_module.stft is STFTFB
    assert fb_module.mpgtf is fb_module.multiphase_gammatone is MultiphaseGammatoneFB
    assert fb_module.analytic_free is AnalyticFreeFB and fb_module.param_sinc is ParamSincFB
    assert fb_module.torch_stft is TorchSTFTFB


def test_none_gives_none():
    assert get(None) is None


@pytest.mark.parametrize("bad", ["nope", "Free", "enc_dec", "transforms", "torch", 3])
def test_unknown_name_lists_the_known_ones(bad):
    # Module-level names (sub-modules, imports) are not filterbanks.
    with pytest.raises(ValueError) as err:
        get(bad)
    message = str(err.value)
    assert repr(bad) in message
    for known in ("free", "stft", "STFTFB", "melgram", "mpgtf"):
        assert known in message


def test_register_filterbank():
    class HalfOnesFB(Filterbank):
        def filters(self):
            return 0.5 * torch.ones(self.n_filters, 1, self.kernel_size)

    register_filterbank(HalfOnesFB)
    try:
        assert get("HalfOnesFB") is HalfOnesFB
        enc, dec = make_enc_dec("HalfOnesFB", 4, 4, stride=2)
        assert enc(torch.ones(1, 1, 8)).allclose(torch.full((1, 4, 3), 2.0))
        with pytest.raises(ValueError, match="already registered"):
            register_filterbank(HalfOnesFB)
    finally:
        fb_module._FILTERBANKS.pop("HalfOnesFB")


def test_register_refuses_taken_names_and_non_filterbanks():
    class stft(Filterbank):  # noqa: N801 (the point is the clash with "stft")
        def filters(self):
            return torch.ones(1)

    with pytest.raises(ValueError, match="already registered"):
        register_filterbank(stft)

    class Free(Filterbank):  # lower-cases to the taken "free"
        def filters(self):
            return torch.ones(1)

    with pytest.raises(ValueError, match="already registered"):
        register_filterbank(Free)
    with pytest.raises(TypeError, match="Filterbank subclass"):
        register_filterbank(torch.nn.Linear)


def test_make_enc_dec_gives_independent_weights():
    torch.manual_seed(0)
    enc, dec = make_enc_dec("free", 16, 8, stride=4)
    assert enc.filterbank is not dec.filterbank
    assert not torch.equal(enc.filterbank._filters, dec.filterbank._filters)
    with torch.no_grad():
        enc.filterbank._filters.zero_()
    assert dec.filterbank._filters.abs().sum() > 0
    assert not enc.is_pinv and not dec.is_pinv


def test_make_enc_dec_matches_the_published_draw_order():
    """With the same seed, the encoder gets the first Xavier draw and the decoder the second."""
    torch.manual_seed(3)
    enc, dec = make_enc_dec("free", 8, 4)
    torch.manual_seed(3)
    first, second = FreeFB(8, 4), FreeFB(8, 4)
    assert torch.equal(enc.filterbank._filters, first._filters)
    assert torch.equal(dec.filterbank._filters, second._filters)


@pytest.mark.parametrize("who", ["dec", "decoder"])
def test_pinv_decoder_shares_the_filterbank(who):
    enc, dec = make_enc_dec("free", 16, 8, stride=4, who_is_pinv=who, padding=2)
    assert dec.filterbank is enc.filterbank and dec.is_pinv and not enc.is_pinv
    assert enc.padding == 2 and dec.padding == 0
    expected = torch.linalg.pinv(enc.filterbank._filters[:, 0]).T.unsqueeze(1) * 4 / 8
    torch.testing.assert_close(dec.get_filters(), expected)


@pytest.mark.parametrize("who", ["enc", "encoder"])
def test_pinv_encoder_shares_the_filterbank(who):
    enc, dec = make_enc_dec("free", 16, 8, stride=4, who_is_pinv=who, padding=2, output_padding=1)
    assert dec.filterbank is enc.filterbank and enc.is_pinv and not dec.is_pinv
    assert enc.padding == 0 and dec.padding == 2 and dec.output_padding == 1


def test_make_enc_dec_passes_arguments():
    window = torch.hamming_window(64)
    enc, dec = make_enc_dec(
        "stft", 128, 64, stride=16, sample_rate=16000, window=window, padding=3, output_padding=1
    )
    for module in (enc, dec):
        assert module.filterbank.stride == 16 and module.sample_rate == 16000
        torch.testing.assert_close(module.filterbank.torch_window, window)
    assert enc.padding == 3 and dec.output_padding == 1
    enc, _ = make_enc_dec(STFTFB, 64, 64)
    assert enc.filterbank.stride == 32
    enc, _ = make_enc_dec("melgram", 64, 64, n_mels=12, fmax=3000.0)
    assert enc.n_feats_out == 12 and enc.filterbank.fmax == 3000.0


def test_make_enc_dec_rejects_unknown_arguments():
    with pytest.raises(ValueError, match="who_is_pinv"):
        make_enc_dec("free", 8, 4, who_is_pinv="both")
    with pytest.raises(ValueError, match="Known filterbanks"):
        make_enc_dec("fre", 8, 4)


def test_config_rebuilds_through_the_registry():
    enc, _ = make_enc_dec("torch_stft", 64, 64, stride=16, center=False, pad_mode="constant")
    config = enc.filterbank.get_config()
    rebuilt_enc, _ = make_enc_dec(config.pop("fb_name"), **config)
    assert rebuilt_enc.filterbank.get_config() == enc.filterbank.get_config()
    wav = torch.randn(1, 1, 300)
    torch.testing.assert_close(rebuilt_enc(wav), enc(wav))
