import pytest
import torch

from asteroid.dsp.deltas import compute_delta, concat_deltas


def test_delta_is_the_first_difference():
    x = torch.tensor([[1.0, 4.0, 9.0, 16.0]])
    torch.testing.assert_close(compute_delta(x), torch.tensor([[0.0, 3.0, 5.0, 7.0]]))
    torch.testing.assert_close(compute_delta(x.T, dim=0), torch.tensor([[0.0, 3.0, 5.0, 7.0]]).T)


def test_concat_deltas_stacks_successive_deltas():
    x = torch.randn(2, 5, 7)
    out = concat_deltas(x, order=2, dim=-2)
    assert out.shape == (2, 15, 7)
    torch.testing.assert_close(out[:, :5], x)
    torch.testing.assert_close(out[:, 5:10], compute_delta(x, dim=-2))
    torch.testing.assert_close(out[:, 10:], compute_delta(compute_delta(x, dim=-2), dim=-2))
    torch.testing.assert_close(concat_deltas(x, order=0), x)
    with pytest.raises(ValueError, match="order"):
        concat_deltas(x, order=-1)


def test_matches_published(published):
    ref = published["deltas"]
    feats = ref["feats"]
    torch.testing.assert_close(compute_delta(feats), ref["d_last"])
    torch.testing.assert_close(compute_delta(feats, dim=-2), ref["d_m2"])
    torch.testing.assert_close(compute_delta(feats, dim=1), ref["d_1"])
    torch.testing.assert_close(concat_deltas(feats, order=2), ref["cat2_last"])
    torch.testing.assert_close(concat_deltas(feats, order=2, dim=-2), ref["cat2_m2"])
