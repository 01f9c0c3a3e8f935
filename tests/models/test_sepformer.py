"""SepFormer: the paper's size, the transformer parts against torch's, round trips, TorchScript."""

import math

import numpy as np
import pytest
import torch
from sota_training import SAMPLE_RATE, train_and_score
from torch import nn

from asteroid.masknn.sepformer import (
    SelfAttention,
    SepFormerMasker,
    TransformerLayer,
    TransformerStack,
    sinusoidal_positions,
)
from asteroid.models.model_file import save_model_file
from asteroid.models.sepformer import SepFormer

TINY = dict(
    n_heads=2,
    ff_hid=16,
    chunk_size=10,
    n_repeats=1,
    n_layers=1,
    n_filters=16,
    kernel_size=8,
    stride=4,
)


@pytest.fixture(autouse=True)
def _one_thread():
    # The CPU is shared: one thread avoids oversubscription (and keeps the numbers stable).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_model(n_src=2, **overrides):
    torch.manual_seed(0)
    return SepFormer(n_src, **dict(TINY, **overrides))


def test_paper_config_parameter_count():
    # WSJ0-2mix configuration: 256 filters of 16 samples, K=250, N=2 blocks, 8 layers, 8 heads.
    model = SepFormer(n_src=2)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 25_679_361
    assert abs(n_params - 26e6) / 26e6 < 0.02  # "26 M" in the paper
    masker = model.masker
    assert (masker.chunk_size, masker.hop_size) == (250, 125)
    assert len(masker.blocks) == 2 and len(masker.blocks[0].intra.layers) == 8
    # The transformers hold all but 0.4 M of the parameters.
    n_transformer = sum(
        p.numel() for b in masker.blocks for m in (b.intra, b.inter) for p in m.parameters()
    )
    assert 25.2e6 < n_transformer < n_params


def test_positional_encodings():
    pos = sinusoidal_positions(7, 6, torch.float32, torch.device("cpu"))
    p = np.arange(7)[:, None]
    i = np.arange(3)[None]
    angle = p / 10000.0 ** (2 * i / 6)
    expected = np.stack([np.sin(angle), np.cos(angle)], axis=-1).reshape(7, 6)
    np.testing.assert_allclose(pos.numpy(), expected, rtol=1e-5, atol=1e-6)


def _copy_attention(ours, torch_mha):
    with torch.no_grad():
        ours.in_proj.weight.copy_(torch_mha.in_proj_weight)
        ours.in_proj.bias.copy_(torch_mha.in_proj_bias)
        ours.out_proj.weight.copy_(torch_mha.out_proj.weight)
        ours.out_proj.bias.copy_(torch_mha.out_proj.bias)


def test_self_attention_matches_torch():
    torch.manual_seed(0)
    ours = SelfAttention(12, 3)
    ref = nn.MultiheadAttention(12, 3, batch_first=True)
    _copy_attention(ours, ref)
    x = torch.randn(4, 9, 12)
    torch.testing.assert_close(ours(x), ref(x, x, x, need_weights=False)[0])


def test_transformer_layer_matches_torch_pre_norm_layer():
    torch.manual_seed(0)
    ours = TransformerLayer(12, 3, 20).eval()
    ref = nn.TransformerEncoderLayer(
        12, 3, 20, dropout=0.0, batch_first=True, norm_first=True, layer_norm_eps=1e-6
    ).eval()
    _copy_attention(ours.attention, ref.self_attn)
    with torch.no_grad():
        ours.feed_forward[0].load_state_dict(ref.linear1.state_dict())
        ours.feed_forward[3].load_state_dict(ref.linear2.state_dict())
        ours.norm_attn.load_state_dict(ref.norm1.state_dict())
        ours.norm_ff.load_state_dict(ref.norm2.state_dict())
        for norm in (ours.norm_attn, ours.norm_ff):
            norm.weight.normal_()
            norm.bias.normal_()
        ref.norm1.load_state_dict(ours.norm_attn.state_dict())
        ref.norm2.load_state_dict(ours.norm_ff.state_dict())
    x = torch.randn(4, 9, 12)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-5)


def test_positional_encoding_makes_the_stack_order_aware():
    """Without positions, self-attention layers commute with a permutation of the sequence."""
    torch.manual_seed(0)
    x = torch.randn(2, 7, 8)
    perm = torch.randperm(7)
    plain = TransformerStack(8, n_layers=2, n_heads=2, ff_hid=16, positional_encoding=False)
    torch.testing.assert_close(plain(x[:, perm]), plain(x)[:, perm], rtol=1e-5, atol=1e-5)
    torch.manual_seed(0)
    ordered = TransformerStack(8, n_layers=2, n_heads=2, ff_hid=16, positional_encoding=True)
    assert (ordered(x[:, perm]) - ordered(x)[:, perm]).abs().max() > 1e-2


def test_masker_shapes_and_masks():
    torch.manual_seed(0)
    masker = SepFormerMasker(16, 3, n_heads=4, ff_hid=8, chunk_size=6, n_repeats=2, n_layers=1)
    for n_frames in (1, 5, 37):
        masks = masker(torch.randn(2, 16, n_frames))
        assert masks.shape == (2, 3, 16, n_frames)
        assert (masks >= 0).all()  # ReLU masks
    config = masker.get_config()
    assert config["hop_size"] == 3
    rebuilt = SepFormerMasker(**config)
    assert [n for n, _ in rebuilt.named_parameters()] == [n for n, _ in masker.named_parameters()]


@pytest.mark.parametrize(
    "shape, out_shape",
    [((801,), (2, 801)), ((3, 801), (3, 2, 801)), ((3, 1, 801), (3, 2, 801))],
)
def test_shapes_and_gradients(shape, out_shape):
    model = tiny_model(n_repeats=2)
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
    with pytest.raises(ValueError, match=r"\(batch, 16, frames\)"):
        model.masker(torch.randn(2, 12, 10))
    with pytest.raises(ValueError, match="multiple of n_heads"):
        SepFormer(2, n_filters=20, n_heads=8)
    with pytest.raises(ValueError, match="hop_size"):
        SepFormerMasker(16, 2, n_heads=2, chunk_size=10, hop_size=11)
    with pytest.raises(ValueError, match="in_chan"):
        SepFormer(2, in_chan=32, **TINY)


def test_serialize_from_pretrained(tmp_path):
    model = tiny_model(n_src=3, hop_size=4, dropout=0.1).eval()
    conf = model.serialize()
    assert conf["model_name"] == "SepFormer"
    assert conf["model_args"]["n_src"] == 3 and conf["model_args"]["hop_size"] == 4
    save_model_file(conf, tmp_path / "sepformer.pth")
    loaded = SepFormer.from_pretrained(str(tmp_path / "sepformer.pth")).eval()
    assert loaded.get_model_args() == model.get_model_args()
    wav = torch.randn(2, 1, 1234)
    with torch.no_grad():
        torch.testing.assert_close(loaded(wav), model(wav), rtol=0, atol=0)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_torchscript_matches_eager():
    model = tiny_model(n_repeats=2).eval()
    scripted = torch.jit.script(model)
    with torch.no_grad():
        for length in (300, 1001, 2400):  # different lengths: no shape is baked in
            wav = torch.randn(2, 1, length)
            torch.testing.assert_close(scripted(wav), model(wav), rtol=1e-5, atol=1e-5)


def test_dropout_only_in_training():
    model = tiny_model(dropout=0.5)
    wav = torch.randn(1, 1, 500)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(wav), model(wav), rtol=0, atol=0)
    model.train()
    with torch.no_grad():
        assert not torch.equal(model(wav), model(wav))
    assert math.isclose(model.masker.blocks[0].intra.layers[0].attention.dropout, 0.5)


# --- Training on generated speech mixtures (harness in sota_training.py) ---------------------


@pytest.mark.slow
@pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::DeprecationWarning", "ignore:.*treespec"
)
def test_tiny_model_learns_to_separate_speech(speech_corpus, tmp_path):
    torch.manual_seed(0)
    model = SepFormer(
        2,
        n_heads=4,
        ff_hid=128,
        chunk_size=50,
        n_repeats=2,
        n_layers=1,
        n_filters=32,
        kernel_size=8,  # 2 ms filters, 1 ms hop at 4 kHz
        stride=4,
        sample_rate=SAMPLE_RATE,
    )
    improvement, n_test = train_and_score(model, speech_corpus, 400, 3e-3, tmp_path)
    print(f"SepFormer: {improvement:.2f} dB SI-SDR improvement on {n_test} mixtures")
    assert n_test >= 12
    # Untrained: about -25 dB; passing the mixture through: 0 dB.
    assert improvement > 1.0, f"SI-SDR improvement {improvement:.2f} dB"
