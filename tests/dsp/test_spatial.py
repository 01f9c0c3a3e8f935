import numpy as np
import pytest
import torch

from asteroid.dsp.spatial import xcorr


def test_raw_correlation_matches_numpy():
    inp, ref = torch.randn(2, 3, 50, dtype=torch.float64), torch.randn(
        2, 3, 20, dtype=torch.float64
    )
    out = xcorr(inp, ref, normalized=False)
    assert out.shape == (2, 3, 31)
    for b in range(2):
        for m in range(3):
            expected = np.correlate(inp[b, m].numpy(), ref[b, m].numpy(), mode="valid")
            np.testing.assert_allclose(out[b, m].numpy(), expected, rtol=1e-10)


def test_normalized_correlation_is_a_cosine():
    ref = torch.randn(1, 2, 16, dtype=torch.float64)
    inp = torch.randn(1, 2, 64, dtype=torch.float64)
    inp[..., 10:26] = 3.0 * ref  # ref hidden at lag 10, scaled
    out = xcorr(inp, ref)
    assert out.abs().max() <= 1.0
    torch.testing.assert_close(out[..., 10], torch.ones(1, 2, dtype=torch.float64))
    assert (out.argmax(-1) == 10).all()


def test_single_channel_is_broadcast():
    inp, ref = torch.randn(2, 3, 50), torch.randn(2, 3, 20)
    torch.testing.assert_close(xcorr(inp, ref[:, :1]), xcorr(inp, ref[:, :1].expand(2, 3, 20)))
    torch.testing.assert_close(xcorr(inp[:, :1], ref), xcorr(inp[:, :1].expand(2, 3, 50), ref))


def test_matches_published(published):
    ref = published["xcorr"]
    inp, r = ref["inp"], ref["ref"]
    torch.testing.assert_close(xcorr(inp, r), ref["norm"])
    torch.testing.assert_close(xcorr(inp, r, normalized=False), ref["raw"])
    torch.testing.assert_close(xcorr(inp, r[:, :1]), ref["ref1"])
    torch.testing.assert_close(xcorr(inp[:, :1], r), ref["inp1"])


def test_bad_shapes():
    with pytest.raises(ValueError, match="must not be longer"):
        xcorr(torch.randn(1, 2, 10), torch.randn(1, 2, 20))
    with pytest.raises(ValueError, match="Batch sizes differ"):
        xcorr(torch.randn(1, 2, 30), torch.randn(2, 2, 20))
    with pytest.raises(ValueError, match="Channel counts"):
        xcorr(torch.randn(1, 2, 30), torch.randn(1, 3, 20))
    with pytest.raises(ValueError, match=r"\(batch, mics, time\)"):
        xcorr(torch.randn(2, 30), torch.randn(2, 20))
