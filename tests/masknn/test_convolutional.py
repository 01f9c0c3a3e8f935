import pytest
import torch
from torch import nn

from asteroid.masknn import norms
from asteroid.masknn.convolutional import (
    Conv1DBlock,
    DCUMaskNet,
    SuDORMRF,
    SuDORMRFImproved,
    TDConvNet,
    TDConvNetpp,
    UBlock,
    UConvBlock,
)
from asteroid.masknn.sudormrf import _frequency_conv


def rebuilt_agrees(masker, x):
    """``type(masker)(**get_config())`` has the same parameters and, with them, the same output."""
    clone = type(masker)(**masker.get_config())
    clone.load_state_dict(masker.state_dict())
    masker.eval(), clone.eval()
    with torch.no_grad():
        torch.testing.assert_close(clone(x), masker(x))
    assert clone.get_config() == masker.get_config()


@pytest.mark.parametrize(
    "mask_act, out_chan, skip_chan, causal",
    [
        ("relu", None, 12, False),
        ("softmax", 10, 12, False),
        ("relu", 10, 0, False),
        ("softmax", None, 0, True),
        ("relu", None, 12, True),
    ],
)
def test_tdconvnet_shapes(mask_act, out_chan, skip_chan, causal):
    model = TDConvNet(
        in_chan=20,
        n_src=3,
        mask_act=mask_act,
        n_blocks=2,
        n_repeats=2,
        bn_chan=10,
        hid_chan=11,
        skip_chan=skip_chan,
        out_chan=out_chan,
        causal=causal,
    )
    x = torch.randn(2, 20, 24)
    out = model(x)
    assert out.shape == (2, 3, out_chan or 20, 24)
    if mask_act == "softmax":
        torch.testing.assert_close(out.sum(1), torch.ones(2, out_chan or 20, 24))
    assert ("skip_conv" in dict(model.TCN[0].named_children())) == bool(skip_chan)
    rebuilt_agrees(model, x)


@pytest.mark.parametrize("norm_type", ["cLN", "cgLN"])
@pytest.mark.parametrize("skip_chan", [0, 6])
def test_causal_tdconvnet_ignores_the_future(norm_type, skip_chan):
    torch.manual_seed(0)
    model = TDConvNet(
        in_chan=8,
        n_src=2,
        n_blocks=3,
        n_repeats=2,
        bn_chan=6,
        hid_chan=7,
        skip_chan=skip_chan,
        conv_kernel_size=3,
        norm_type=norm_type,
        causal=True,
    ).eval()
    x = torch.randn(2, 8, 40)
    out = model(x)
    for t in (0, 17, 38):
        changed = x.clone()
        changed[..., t + 1 :] = torch.randn(2, 8, 39 - t) * 3
        out_changed = model(changed)
        torch.testing.assert_close(out_changed[..., : t + 1], out[..., : t + 1])
        assert not torch.allclose(out_changed[..., t + 1 :], out[..., t + 1 :])


def test_non_causal_tdconvnet_sees_the_future():
    model = TDConvNet(
        in_chan=8,
        n_src=2,
        n_blocks=2,
        n_repeats=1,
        bn_chan=6,
        hid_chan=7,
        skip_chan=6,
        norm_type="cLN",
    ).eval()
    x = torch.randn(1, 8, 20)
    changed = x.clone()
    changed[..., 10:] = torch.randn(1, 8, 10)
    assert not torch.allclose(model(x)[..., 9], model(changed)[..., 9])


def test_tdconvnet_rejects_bad_input():
    model = TDConvNet(in_chan=8, n_src=2, n_blocks=1, n_repeats=1, bn_chan=4, hid_chan=4)
    with pytest.raises(ValueError, match=r"\(batch, 8, frames\)"):
        model(torch.randn(2, 7, 10))
    with pytest.raises(ValueError, match=r"\(batch, 8, frames\)"):
        model(torch.randn(8, 10))
    with pytest.raises(ValueError, match="Known norms"):
        TDConvNet(in_chan=8, n_src=2, norm_type="LayerNorm")


def test_conv1d_block_outputs():
    block = Conv1DBlock(6, 8, 5, kernel_size=3, padding=2, dilation=2)
    res, skip = block(torch.randn(2, 6, 13))
    assert res.shape == (2, 6, 13) and skip.shape == (2, 5, 13)
    block = Conv1DBlock(6, 8, 0, kernel_size=3, padding=4, dilation=2, causal=True)
    res = block(torch.randn(2, 6, 13))
    assert isinstance(res, torch.Tensor) and res.shape == (2, 6, 13)
    # Causal blocks keep the published parameter names (conv wrapped with the chop).
    assert "shared_block.3.0.weight" in block.state_dict()


def test_tdconvnet_dilations_and_paddings():
    model = TDConvNet(
        in_chan=8,
        n_src=1,
        n_blocks=4,
        n_repeats=2,
        bn_chan=4,
        hid_chan=4,
        conv_kernel_size=5,
        causal=True,
    )
    convs = [blk.shared_block[3][0] for blk in model.TCN]
    assert [c.dilation[0] for c in convs] == [1, 2, 4, 8] * 2
    assert [c.padding[0] for c in convs] == [4, 8, 16, 32] * 2


@pytest.mark.parametrize("skip_chan", [0, 6])
def test_tdconvnetpp(skip_chan):
    model = TDConvNetpp(
        in_chan=12, n_src=3, n_blocks=3, n_repeats=2, bn_chan=8, hid_chan=10, skip_chan=skip_chan
    )
    torch.testing.assert_close(model.scaling_param.data, torch.tensor([[0.9, 0.81]] * 2))
    assert len(model.dense_skip) == 1
    x = torch.randn(4, 12, 19)
    masks, weights = model(x)
    assert masks.shape == (4, 3, 12, 19) and weights.shape == (4, 3)
    torch.testing.assert_close(weights.sum(-1), torch.ones(4))
    clone = TDConvNetpp(**model.get_config())
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone(x)[0], masks)


@pytest.mark.parametrize("in_chan", [16, 15])
@pytest.mark.parametrize("padding", [None, 1, 3])
def test_frequency_conv_matches_conv2d(in_chan, padding):
    padding = in_chan - in_chan // 2 if padding is None else padding
    conv = nn.Conv2d(1, 3, kernel_size=(in_chan + 1, 1), padding=(padding, 0))
    x = torch.randn(2, in_chan, 7, requires_grad=True)
    expected = conv(x.unsqueeze(1))
    found = _frequency_conv(x, conv.weight, conv.bias, padding)
    torch.testing.assert_close(found, expected, rtol=1e-5, atol=1e-5)
    grad = torch.randn_like(expected)
    grads_expected = torch.autograd.grad(expected, [x, conv.weight, conv.bias], grad)
    found = _frequency_conv(x, conv.weight, conv.bias, padding)
    grads_found = torch.autograd.grad(found, [x, conv.weight, conv.bias], grad)
    for g_found, g_expected in zip(grads_found, grads_expected):
        torch.testing.assert_close(g_found, g_expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("in_chan, bn_chan", [(16, 8), (15, 15)])
def test_sudormrf(in_chan, bn_chan):
    model = SuDORMRF(in_chan, 2, bn_chan=bn_chan, num_blocks=2, upsampling_depth=3)
    assert (model.reshape_before_masks is None) == (in_chan == bn_chan)
    x = torch.randn(2, in_chan, 21)
    out = model(x)
    # The published mask layer gives in_chan + 1 rows for an odd in_chan.
    assert out.shape == (2, 2, in_chan + in_chan % 2, 21)
    torch.testing.assert_close(out.sum(1), torch.ones(out.shape[0], out.shape[2], 21))
    rebuilt_agrees(model, x)


def test_sudormrf_improved():
    model = SuDORMRFImproved(12, 3, bn_chan=8, num_blocks=2, upsampling_depth=4)
    x = torch.randn(2, 12, 37)
    out = model(x)
    assert out.shape == (2, 3, 12, 37) and (out >= 0).all()
    rebuilt_agrees(model, x)


@pytest.mark.parametrize("block_cls", [UBlock, UConvBlock])
@pytest.mark.parametrize("n_frames", [16, 19, 1])
def test_u_blocks_keep_the_shape(block_cls, n_frames):
    block = block_cls(out_chan=6, in_chan=10, upsampling_depth=3)
    assert block(torch.randn(2, 6, n_frames)).shape == (2, 6, n_frames)
    assert len(block.spp_dw) == 3
    assert [layer.conv.stride[0] for layer in block.spp_dw] == [1, 2, 2]
    assert block_cls(6, 10, upsampling_depth=1).upsampler is None


def test_sudormrf_norms():
    assert isinstance(UBlock(4, 6).final_norm.norm, nn.GroupNorm)
    block = UConvBlock(4, 6)
    assert isinstance(block.final_norm.norm, norms.GlobLN)
    assert block.proj_1x1.act.weight.shape == (1,) and block.final_norm.act.weight.shape == (6,)


# Parameter counts of the published 0.7.0 maskers.
DCUNET_PARAMS = {
    "DCUNet-10": 1421890,
    "DCUNet-16": 2375490,
    "DCUNet-20": 3527850,
    "Large-DCUNet-20": 7662304,
    "mini": 15402,
}
DCUNET_STRIDES = {
    "DCUNet-10": (32, 16),
    "DCUNet-16": (256, 16),
    "DCUNet-20": (256, 16),
    "Large-DCUNet-20": (256, 16),
    "mini": (8, 8),
}


@pytest.mark.parametrize("architecture", sorted(DCUNET_PARAMS))
def test_dcunet_architectures(architecture):
    masker = DCUMaskNet.default_architecture(architecture, n_src=2)
    n_params = sum(p.numel() for p in masker.parameters())
    # n_src=2 adds one output channel to the last layer (weights and biases).
    last = masker.output_layer[0].re_module
    extra = 2 * (last.weight[:, :1].numel() + 1)
    assert n_params == DCUNET_PARAMS[architecture] + extra
    assert masker.encoders_stride_product == DCUNET_STRIDES[architecture]
    assert last.out_channels == 2


@pytest.mark.parametrize("architecture", ["mini", "DCUNet-10"])
def test_dcunet_forward(architecture):
    masker = DCUMaskNet.default_architecture(architecture, n_src=2).eval()
    freq_prod, time_prod = masker.encoders_stride_product
    x = torch.complex(
        torch.randn(2, freq_prod + 1, time_prod + 1), torch.randn(2, freq_prod + 1, time_prod + 1)
    )
    out = masker(x)
    assert out.shape == (2, 2, freq_prod + 1, time_prod + 1) and out.is_complex()
    assert (out.abs() <= 1).all()


def test_dcunet_length_modes():
    x = torch.complex(torch.randn(1, 17, 13), torch.randn(1, 17, 13))
    with pytest.raises(TypeError, match="fix_length_mode"):
        DCUMaskNet.default_architecture("mini")(x)
    with pytest.raises(TypeError, match="freq - 1 divisible by 8"):
        DCUMaskNet.default_architecture("mini")(x[:, :16])
    padded = DCUMaskNet.default_architecture("mini", fix_length_mode="pad").eval()
    out = padded(x)
    assert out.shape == (1, 1, 17, 13)
    # Padding only appends zeros at the end: the same as running on the padded input.
    x_padded = nn.functional.pad(x, [0, 4])
    torch.testing.assert_close(out, padded(x_padded)[..., :13])
    trimmed = DCUMaskNet.default_architecture("mini", fix_length_mode="trim").eval()
    trimmed.load_state_dict(padded.state_dict())
    out = trimmed(x)
    assert out.shape == (1, 1, 17, 13)
    torch.testing.assert_close(out[..., :9], trimmed(x[..., :9]))
    assert (out[..., 9:] == 0).all()


def test_dcunet_errors_and_config():
    with pytest.raises(ValueError, match="Known architectures: DCUNet-10"):
        DCUMaskNet.default_architecture("DCUNet-12")
    with pytest.raises(ValueError, match="fix_length_mode"):
        DCUMaskNet.default_architecture("mini", fix_length_mode="crop")
    with pytest.raises(ValueError, match="Unknown mask bound"):
        DCUMaskNet.default_architecture("mini", mask_bound="relu")
    masker = DCUMaskNet.default_architecture("mini", fix_length_mode="pad", mask_bound="sigmoid")
    x = torch.complex(torch.randn(1, 9, 10), torch.randn(1, 9, 10))
    rebuilt_agrees(masker, x)
