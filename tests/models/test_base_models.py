"""BaseModel and BaseEncoderMaskerDecoder: the named steps, the shape contract, from_pretrained."""

import os
import warnings

import pytest
import torch
from torch import nn

from asteroid import separate
from asteroid.filterbanks import make_enc_dec
from asteroid.models import BaseEncoderMaskerDecoder, BaseModel, BaseTasNet, ConvTasNet, FasNetTAC
from asteroid.models.base_models import software_versions
from asteroid.models.model_file import save_model_file
from asteroid.utils.hub_utils import MODELS_URLS_HASHTABLE, url_to_filename


class _GainMasker(nn.Module):
    """One learned gain per source (masks constant over features and frames)."""

    def __init__(self, in_chan, n_src):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.gains = nn.Parameter(torch.linspace(0.5, 1.5, n_src))

    def forward(self, tf_rep):
        batch, feats, frames = tf_rep.shape
        return self.gains[None, :, None, None].expand(batch, self.n_src, feats, frames)

    def get_config(self):
        return {"in_chan": self.in_chan, "n_src": self.n_src}


class _TinyGainNet(BaseEncoderMaskerDecoder):
    """A custom model that is never registered."""

    def __init__(
        self,
        n_src=2,
        in_chan=16,
        fb_name="free",
        n_filters=16,
        kernel_size=8,
        stride=4,
        sample_rate=8000,
        encoder_activation=None,
    ):
        enc, dec = make_enc_dec(fb_name, n_filters, kernel_size, stride, sample_rate=sample_rate)
        super().__init__(enc, _GainMasker(n_filters, n_src), dec, encoder_activation)


def _tiny_convtasnet(**kwargs):
    config = dict(
        n_src=2, n_blocks=2, n_repeats=1, bn_chan=8, hid_chan=8, skip_chan=8, n_filters=16
    )
    config.update(kwargs)
    return ConvTasNet(**config)


def test_alias():
    assert BaseTasNet is BaseEncoderMaskerDecoder


def test_named_steps_compose_forward():
    torch.manual_seed(0)
    model = _TinyGainNet(encoder_activation="relu")
    wav = torch.randn(3, 1, 203)
    tf_rep = torch.relu(model.encoder(wav))
    torch.testing.assert_close(model.forward_encoder(wav), tf_rep)
    masks = model.forward_masker(tf_rep)
    assert masks.shape == (3, 2) + tf_rep.shape[1:]
    masked = model.apply_masks(tf_rep, masks)
    torch.testing.assert_close(masked, masks * tf_rep.unsqueeze(1))
    decoded = model.forward_decoder(masked)
    expected = nn.functional.pad(decoded, [0, 203 - decoded.shape[-1]])
    torch.testing.assert_close(model(wav), expected)
    # The gains are linear in the output: source 1 is 1.5 / 0.5 = 3 times source 0.
    out = model(wav)
    torch.testing.assert_close(out[:, 1], 3 * out[:, 0])


def test_overriding_one_step():
    class Halved(_TinyGainNet):
        def apply_masks(self, tf_rep, est_masks):
            return 0.5 * super().apply_masks(tf_rep, est_masks)

    torch.manual_seed(0)
    full = _TinyGainNet()
    half = Halved()
    half.load_state_dict(full.state_dict())
    wav = torch.randn(2, 150)
    torch.testing.assert_close(half(wav), 0.5 * full(wav))


@pytest.mark.parametrize(
    "shape, out_shape",
    [((157,), (2, 157)), ((3, 157), (3, 2, 157)), ((3, 1, 157), (3, 2, 157))],
)
def test_shape_contract(shape, out_shape):
    torch.manual_seed(0)
    model = _TinyGainNet().eval()
    wav = torch.randn(*shape)
    out = model(wav)
    assert out.shape == out_shape
    # The same values whatever the rank.
    reference = model(wav.reshape(-1, 1, 157))
    torch.testing.assert_close(out.reshape(reference.shape), reference)


@pytest.mark.parametrize("shape", [(2, 2, 100), (1, 1, 1, 100), ()])
def test_bad_input_shapes(shape):
    model = _TinyGainNet()
    with pytest.raises(ValueError, match=r"\(batch, 1, time\)"):
        model(torch.randn(shape))


def test_get_model_args_merges_and_refuses_shared_keys():
    model = _TinyGainNet(encoder_activation="relu")
    assert model.get_model_args() == {
        "fb_name": "FreeFB",
        "n_filters": 16,
        "kernel_size": 8,
        "stride": 4,
        "sample_rate": 8000,
        "in_chan": 16,
        "n_src": 2,
        "encoder_activation": "relu",
    }
    model.masker.get_config = lambda: {"n_src": 2, "stride": 3}
    with pytest.raises(ValueError, match=r"\['stride'\]"):
        model.get_model_args()


def test_sample_rate_property():
    model = _TinyGainNet(sample_rate=16000)
    assert model.sample_rate == 16000
    with pytest.warns(UserWarning, match="sample_rate"):
        model.sample_rate = 8000
    assert model.sample_rate == 8000
    assert FasNetTAC(2, enc_dim=4, feature_dim=4, hidden_dim=4, n_layers=1).in_channels is None


def test_serialize_content():
    model = _tiny_convtasnet()
    conf = model.serialize()
    assert set(conf) == {"model_name", "state_dict", "model_args", "infos"}
    assert conf["model_name"] == "ConvTasNet"
    versions = conf["infos"]["software_versions"]
    assert set(versions) == {"torch_version", "pytorch_lightning_version", "asteroid_version"}
    assert all(type(v) is str for v in versions.values())
    assert versions == software_versions()
    assert conf["model_args"]["fb_name"] == "FreeFB"
    assert list(conf["state_dict"]) == list(model.state_dict())


def test_from_pretrained_dict_kwargs_and_errors():
    torch.manual_seed(0)
    model = _tiny_convtasnet().eval()
    conf = model.serialize()
    wav = torch.randn(2, 300)
    rebuilt = BaseModel.from_pretrained(conf).eval()
    assert type(rebuilt) is ConvTasNet
    torch.testing.assert_close(rebuilt(wav), model(wav), rtol=0, atol=0)
    # kwargs replace the file's arguments; the dict itself is not modified.
    relu = ConvTasNet.from_pretrained(conf, mask_act="relu")
    assert relu.masker.get_config()["mask_act"] == "relu"
    assert conf["model_args"]["mask_act"] == "sigmoid"
    for key in ("model_name", "state_dict", "model_args"):
        broken = {k: v for k, v in conf.items() if k != key}
        with pytest.raises(ValueError, match=key):
            BaseModel.from_pretrained(broken)
    with pytest.raises(TypeError, match="got int"):
        BaseModel.from_pretrained(3)
    with pytest.raises(RuntimeError, match="size mismatch"):
        BaseModel.from_pretrained(conf, hid_chan=16)  # strict loading


def test_unregistered_custom_model():
    torch.manual_seed(0)
    model = _TinyGainNet(n_src=3).eval()
    conf = model.serialize()
    assert conf["model_name"] == "_TinyGainNet"
    rebuilt = _TinyGainNet.from_pretrained(conf).eval()
    wav = torch.randn(1, 100)
    torch.testing.assert_close(rebuilt(wav), model(wav), rtol=0, atol=0)
    with pytest.raises(ValueError, match="Unknown model name '_TinyGainNet'"):
        BaseModel.from_pretrained(conf)


def test_sample_rate_of_zoo_names(tmp_path, monkeypatch):
    # An old zoo file without sample_rate gets the zoo's rate (from the cache, no network).
    monkeypatch.setenv("ASTEROID_CACHE", str(tmp_path))
    model = _tiny_convtasnet()
    conf = model.serialize()
    del conf["model_args"]["sample_rate"]
    name = "mpariente/ConvTasNet_WHAM!_sepclean"
    cached = tmp_path / url_to_filename(MODELS_URLS_HASHTABLE[name]) / "model.pth"
    cached.parent.mkdir()
    save_model_file(conf, cached)
    assert BaseModel.from_pretrained(name).sample_rate == 8000.0
    # A file elsewhere without a rate: the constructor's default, with a warning.
    save_model_file(conf, tmp_path / "norate.pth")
    with pytest.warns(UserWarning, match="no sample_rate"):
        assert BaseModel.from_pretrained(str(tmp_path / "norate.pth")).sample_rate == 8000


def test_local_file_pathlike_and_hf_folder(tmp_path):
    torch.manual_seed(0)
    model = _tiny_convtasnet(n_src=3).eval()
    repo = tmp_path / "repo"
    repo.mkdir()
    save_model_file(model.serialize(), repo / "pytorch_model.bin")
    wav = torch.randn(1, 200)
    for source in (repo, str(repo), repo / "pytorch_model.bin"):
        loaded = BaseModel.from_pretrained(source).eval()
        torch.testing.assert_close(loaded(wav), model(wav), rtol=0, atol=0)


def test_separate_helpers_delegate():
    torch.manual_seed(0)
    model = _tiny_convtasnet().eval()
    wav = torch.randn(1, 1, 400)
    expected = separate.torch_separate(model, wav)
    torch.testing.assert_close(model.separate(wav), expected)
    torch.testing.assert_close(model.torch_separate(wav), expected)
    np_out = model.numpy_separate(wav.numpy())
    torch.testing.assert_close(torch.from_numpy(np_out), expected)


def test_file_separate_writes_sources(tmp_path):
    import soundfile as sf

    torch.manual_seed(0)
    model = _tiny_convtasnet(n_src=3).eval()
    wav = 0.1 * torch.randn(800)
    path = tmp_path / "mix.wav"
    sf.write(path, wav.numpy(), 8000)
    model.file_separate(str(path))
    written = sorted(os.listdir(tmp_path))
    assert written == ["mix.wav", "mix_est1.wav", "mix_est2.wav", "mix_est3.wav"]


def test_forward_wav_defaults_to_forward():
    torch.manual_seed(0)
    model = _tiny_convtasnet().eval()
    wav = torch.randn(2, 1, 100)
    torch.testing.assert_close(model.forward_wav(wav), model(wav))


def test_abstract_methods_say_what_is_missing():
    bare = BaseModel(sample_rate=8000)
    with pytest.raises(NotImplementedError, match="forward"):
        bare(torch.zeros(3))
    with pytest.raises(NotImplementedError, match="get_model_args"):
        bare.serialize()


def test_causal_convtasnet_switches_norm_and_says_so():
    with pytest.warns(UserWarning, match="norm_type='gLN' is replaced by 'cLN'"):
        model = _tiny_convtasnet(causal=True)
    assert model.masker.get_config()["norm_type"] == "cLN"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _tiny_convtasnet(causal=True, norm_type="cgLN")


def test_in_chan_is_checked():
    with pytest.raises(ValueError, match="in_chan=8 but the encoder gives 16"):
        _tiny_convtasnet(in_chan=8)
    assert _tiny_convtasnet(in_chan=16).masker.get_config()["in_chan"] == 16
