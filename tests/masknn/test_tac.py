import pytest
import torch

from asteroid.masknn.tac import TAC


@pytest.fixture
def tac():
    torch.manual_seed(0)
    return TAC(6, hidden_dim=5).eval()


def test_tac_shape_and_parameters(tac):
    x = torch.randn(2, 3, 6, 4, 5)
    assert tac(x).shape == x.shape
    assert [n for n, _ in tac.named_parameters()] == [
        "input_tf.0.weight", "input_tf.0.bias", "input_tf.1.weight",
        "avg_tf.0.weight", "avg_tf.0.bias", "avg_tf.1.weight",
        "concat_tf.0.weight", "concat_tf.0.bias", "concat_tf.1.weight",
        "norm.gamma", "norm.beta",
    ]  # fmt: skip
    assert TAC(**tac.get_config()).get_config() == tac.get_config()


def test_tac_is_equivariant_to_microphone_order(tac):
    x = torch.randn(2, 4, 6, 3, 5)
    perm = torch.tensor([2, 0, 3, 1])
    torch.testing.assert_close(tac(x[:, perm]), tac(x)[:, perm], rtol=1e-5, atol=1e-5)


def test_tac_valid_mics_ignores_padding_mics(tac):
    x = torch.randn(2, 3, 6, 4, 5)
    out = tac(x, valid_mics=torch.tensor([3, 2]))
    # Example 1 has two real microphones: the same as running TAC on those two only.
    torch.testing.assert_close(out[1:, :2], tac(x[1:, :2]), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out[:1], tac(x[:1]), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(tac(x, valid_mics=torch.tensor([3, 3])), tac(x))


def test_tac_errors(tac):
    x = torch.randn(2, 3, 6, 4, 5)
    with pytest.raises(ValueError, match="between 1 and 3"):
        tac(x, valid_mics=torch.tensor([0, 2]))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        tac(x, valid_mics=torch.tensor([3]))
    with pytest.raises(ValueError, match="chunk_size"):
        tac(torch.randn(2, 3, 5, 4, 5))
