"""TF-GridNet: the paper's size, the grid modules' structure, round trips, TorchScript, training."""

import math

import pytest
import torch
from sota_training import SAMPLE_RATE, train_and_score
from torch.nn import functional as F

from asteroid.masknn.tfgridnet import (
    FullBandSelfAttention,
    TFGridNetMasker,
    UnfoldedBLSTM,
    _grid_length,
)
from asteroid.models.model_file import save_model_file
from asteroid.models.tfgridnet import TFGridNet

TINY = dict(
    n_blocks=1,
    emb_dim=8,
    hid_size=8,
    emb_kernel_size=4,
    emb_stride=2,
    n_heads=2,
    qk_channels=2,
    stft_n_filters=64,
    stft_kernel_size=64,
    stft_stride=16,
)


@pytest.fixture(autouse=True)
def _one_thread():
    # The CPU is shared: one thread avoids oversubscription (and keeps the numbers stable).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_model(**overrides):
    torch.manual_seed(0)
    return TFGridNet(2, **dict(TINY, **overrides))


def test_paper_config_parameter_count():
    # WSJ0-2mix configuration: D=64, B=6, I=4, J=1, H=256, L=4, E=4, 256-point STFT.
    model = TFGridNet(n_src=2)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 14_521_042
    assert abs(n_params - 14.4e6) / 14.4e6 < 0.01  # "14.4 M" in the paper
    assert model.masker.n_freqs == 129
    assert model.masker.blocks[0].intra_frame.rnn.hidden_size == 256
    assert model.masker.blocks[0].intra_frame.rnn.input_size == 64 * 4


@pytest.mark.parametrize(
    "n, kernel, stride, expected",
    [(10, 4, 1, 10), (10, 4, 2, 10), (11, 4, 2, 12), (11, 4, 3, 13), (2, 4, 1, 4), (1, 3, 2, 3)],
)
def test_grid_length(n, kernel, stride, expected):
    assert _grid_length(n, kernel, stride) == expected
    assert expected >= max(n, kernel) and (expected - kernel) % stride == 0


@pytest.mark.parametrize("length", [1, 3, 4, 9, 20])
@pytest.mark.parametrize("kernel, stride", [(4, 1), (4, 2), (3, 3), (1, 1)])
def test_unfolded_blstm_keeps_rows_apart(length, kernel, stride):
    """Each of the N sequences is processed on its own: changing one changes only that one."""
    torch.manual_seed(0)
    module = UnfoldedBLSTM(6, 5, kernel, stride).eval()
    x = torch.randn(2, 6, 4, length)
    out = module(x)
    assert out.shape == x.shape
    x2 = x.clone()
    x2[:, :, 1] += torch.randn(2, 6, length)
    out2 = module(x2)
    changed = (out2 - out).abs().amax(dim=(0, 1, 3))  # per row
    assert changed[1] > 1e-3
    torch.testing.assert_close(out2[:, :, [0, 2, 3]], out[:, :, [0, 2, 3]], rtol=0, atol=0)


def test_unfolded_blstm_is_a_residual_on_windows():
    """Zero output projection: identity. Otherwise the output is the input plus the overlap-add
    of the BLSTM outputs of the windows, computed here explicitly."""
    torch.manual_seed(0)
    module = UnfoldedBLSTM(3, 4, kernel_size=3, stride=2).eval()
    x = torch.randn(1, 3, 1, 8)
    with torch.no_grad():
        var, mean = torch.var_mean(x, dim=1, unbiased=False, keepdim=True)
        normed = (x - mean) / (var + 1e-5).sqrt()
        padded = F.pad(normed, [0, 1])[0, :, 0]  # D, 9 (grid 3 + 2k)
        windows = torch.stack([padded[:, s : s + 3].reshape(-1) for s in range(0, 7, 2)])  # 4, 9
        rnn_out = module.rnn(windows[None])[0][0]  # 4 windows, 2H
        expected = module.linear.bias[:, None].repeat(1, 9)
        weight = module.linear.weight  # 2H, D, I
        for w, start in enumerate(range(0, 7, 2)):
            expected[:, start : start + 3] += torch.einsum("h,hdi->di", rnn_out[w], weight)
        torch.testing.assert_close(module(x)[0, :, 0], x[0, :, 0] + expected[:, :8])
        module.linear.weight.zero_()
        module.linear.bias.zero_()
        torch.testing.assert_close(module(x), x)


def test_full_band_attention_matches_explicit_heads():
    torch.manual_seed(0)
    batch, emb_dim, n_frames, n_freqs, n_heads, qk = 2, 8, 5, 6, 2, 3
    attn = FullBandSelfAttention(emb_dim, n_freqs, n_heads, qk).eval()
    with torch.no_grad():  # non-trivial norm gains and biases
        for proj in (attn.query, attn.key, attn.value, attn.proj):
            proj.gamma.normal_()
            proj.beta.normal_()
    x = torch.randn(batch, emb_dim, n_frames, n_freqs)

    def head(proj, h, chans):
        conv_w = proj.conv.weight[h * chans : (h + 1) * chans, :, 0, 0]
        conv_b = proj.conv.bias[h * chans : (h + 1) * chans]
        y = torch.einsum("cd,bdtf->bctf", conv_w, x) + conv_b[:, None, None]
        y = F.prelu(y, proj.act.weight[h : h + 1])
        mean = y.mean(dim=(1, 3), keepdim=True)
        var = y.var(dim=(1, 3), unbiased=False, keepdim=True)
        gamma, beta = proj.gamma[h].transpose(0, 1), proj.beta[h].transpose(0, 1)  # C, 1, F
        return (y - mean) / (var + 1e-5).sqrt() * gamma + beta  # B, C, T, F

    with torch.no_grad():
        outs = []
        v_chan = emb_dim // n_heads
        for h in range(n_heads):
            q = head(attn.query, h, qk).transpose(1, 2).reshape(batch, n_frames, -1)
            k = head(attn.key, h, qk).transpose(1, 2).reshape(batch, n_frames, -1)
            v = head(attn.value, h, v_chan).transpose(1, 2)  # B, T, V, F
            weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(qk * n_freqs), dim=-1)
            out = (weights @ v.reshape(batch, n_frames, -1)).view(v.shape).transpose(1, 2)
            outs.append(out)  # B, V, T, F
        cat = torch.cat(outs, dim=1)
        proj = attn.proj
        y = torch.einsum("cd,bdtf->bctf", proj.conv.weight[:, :, 0, 0], cat)
        y = F.prelu(y + proj.conv.bias[:, None, None], proj.act.weight)
        mean = y.mean(dim=(1, 3), keepdim=True)
        var = y.var(dim=(1, 3), unbiased=False, keepdim=True)
        gamma, beta = proj.gamma[0].transpose(0, 1), proj.beta[0].transpose(0, 1)
        y = (y - mean) / (var + 1e-5).sqrt() * gamma + beta
        torch.testing.assert_close(attn(x), x + y, rtol=1e-5, atol=1e-5)


def test_stft_pair_is_perfect_reconstruction():
    """The decoder inverts the encoder, so a perfect spectral mapping gives the sources back."""
    model = tiny_model()
    wav = torch.randn(2, 1, 1000)
    spec = model.encoder(wav)
    assert spec.shape[1] == model.masker.in_chan == 2 * 33
    torch.testing.assert_close(model.decoder(spec)[..., :1000], wav, rtol=1e-4, atol=1e-5)


def test_spectral_mapping_not_masking():
    model = tiny_model().eval()
    wav = torch.randn(2, 1000)
    with torch.no_grad():
        spec = model.forward_encoder(wav.unsqueeze(1))
        est_spec = model.forward_masker(spec)
        assert torch.equal(model.apply_masks(spec, est_spec), est_spec)
        expected = model.decoder(est_spec)[..., :1000]
        torch.testing.assert_close(model(wav), expected)


def test_scale_equivariance():
    """The separator normalises its input level: scaling the mixture scales the estimates."""
    model = tiny_model().eval()
    wav = torch.randn(2, 1, 800)
    with torch.no_grad():
        ref = model(wav)
        for gain in (1e-3, 7.0):
            torch.testing.assert_close(model(gain * wav), gain * ref, rtol=1e-4, atol=1e-4 * gain)


@pytest.mark.parametrize(
    "shape, out_shape",
    [((801,), (2, 801)), ((3, 801), (3, 2, 801)), ((3, 1, 801), (3, 2, 801))],
)
def test_shapes_and_gradients(shape, out_shape):
    model = tiny_model(n_blocks=2, emb_stride=1)
    out = model(torch.randn(shape))
    assert out.shape == out_shape
    out.pow(2).mean().backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    assert all(g.abs().sum() > 0 for g in grads.values())


def test_bad_inputs():
    model = tiny_model()
    with pytest.raises(ValueError, match="shape"):
        model(torch.randn(2, 2, 800))
    with pytest.raises(ValueError, match=r"\(batch, 66, frames\)"):
        model.masker(torch.randn(2, 64, 10))
    with pytest.raises(ValueError, match="even"):
        TFGridNetMasker(65, 2)
    with pytest.raises(ValueError, match="multiple of n_heads"):
        TFGridNet(2, emb_dim=6, n_heads=4)
    with pytest.raises(ValueError, match="stride"):
        UnfoldedBLSTM(4, 4, kernel_size=2, stride=3)


def test_serialize_from_pretrained(tmp_path):
    torch.manual_seed(0)
    model = TFGridNet(3, **TINY).eval()
    conf = model.serialize()
    assert conf["model_name"] == "TFGridNet"
    assert conf["model_args"] == dict(TINY, n_src=3, eps=1e-5, sample_rate=8000)
    save_model_file(conf, tmp_path / "tfgridnet.pth")
    loaded = TFGridNet.from_pretrained(str(tmp_path / "tfgridnet.pth")).eval()
    assert loaded.get_model_args() == model.get_model_args()
    wav = torch.randn(2, 1, 1234)
    with torch.no_grad():
        torch.testing.assert_close(loaded(wav), model(wav), rtol=0, atol=0)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_torchscript_matches_eager():
    model = tiny_model(n_blocks=2).eval()
    scripted = torch.jit.script(model)
    with torch.no_grad():
        for length in (300, 1001, 2400):  # different lengths: no shape is baked in
            wav = torch.randn(2, 1, length)
            torch.testing.assert_close(scripted(wav), model(wav), rtol=1e-5, atol=1e-5)


# --- Training on generated speech mixtures (harness in sota_training.py) ---------------------


@pytest.mark.slow
@pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::DeprecationWarning", "ignore:.*treespec"
)
def test_tiny_model_learns_to_separate_speech(speech_corpus, tmp_path):
    torch.manual_seed(0)
    model = TFGridNet(
        2,
        n_blocks=1,
        emb_dim=16,
        hid_size=16,
        emb_stride=2,
        n_heads=2,
        qk_channels=2,
        stft_n_filters=64,  # 16 ms window, 8 ms hop at 4 kHz
        stft_kernel_size=64,
        stft_stride=32,
        sample_rate=SAMPLE_RATE,
    )
    improvement, n_test = train_and_score(model, speech_corpus, 400, 1e-2, tmp_path)
    print(f"TF-GridNet: {improvement:.2f} dB SI-SDR improvement on {n_test} mixtures")
    assert n_test >= 12
    # Untrained: about -20 dB; passing the mixture through: 0 dB.
    assert improvement > 1.0, f"SI-SDR improvement {improvement:.2f} dB"
