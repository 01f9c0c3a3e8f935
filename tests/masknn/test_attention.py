import pytest
import torch

from asteroid.masknn.attention import DPTransformer, ImprovedTransformedLayer


def test_improved_transformed_layer():
    layer = ImprovedTransformedLayer(8, 2, 5, bidirectional=False, norm="cLN").eval()
    assert layer.linear.in_features == 5 and not layer.recurrent.bidirectional
    x = torch.randn(3, 8, 11)
    out = layer(x)
    assert out.shape == x.shape
    # The attention mixes the whole sequence: a change at the end reaches the start.
    changed = x.clone()
    changed[..., -1] += 1
    assert not torch.allclose(layer(changed)[..., 0], out[..., 0])
    bi = ImprovedTransformedLayer(8, 4, 5)
    assert bi.linear.in_features == 10


@pytest.mark.parametrize("mask_act", ["relu", "softmax"])
@pytest.mark.parametrize("hop_size", [None, 3])
def test_dptransformer(mask_act, hop_size):
    model = DPTransformer(
        8, 3, n_heads=2, ff_hid=6, chunk_size=8, hop_size=hop_size, n_repeats=2, mask_act=mask_act
    ).eval()
    assert model.input_layer is None and len(model.layers) == 2
    assert model.layers[0][0].recurrent.bidirectional
    x = torch.randn(2, 8, 29)
    out = model(x)
    assert out.shape == (2, 3, 8, 29)
    if mask_act == "softmax":
        torch.testing.assert_close(out.sum(1), torch.ones(2, 8, 29))
    clone = DPTransformer(**model.get_config()).eval()
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone(x), out)


def test_dptransformer_input_layer():
    with pytest.warns(UserWarning, match="not a multiple of the number of heads"):
        model = DPTransformer(
            10, 2, n_heads=4, ff_hid=6, chunk_size=6, n_repeats=1, bidirectional=False
        )
    assert model.mha_in_dim == 12 and model.input_layer.out_features == 12
    assert not model.layers[0][1].recurrent.bidirectional
    assert model(torch.randn(1, 10, 20)).shape == (1, 2, 10, 20)
    with pytest.raises(ValueError, match=r"\(batch, 10, frames\)"):
        model(torch.randn(1, 12, 20))
