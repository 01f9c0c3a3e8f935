import pytest
import torch
from torch import nn

from asteroid.dsp import DualPathProcessing


@pytest.mark.parametrize(
    "chunk_size, hop_size", [(8, 4), (10, 5), (12, 3), (6, 6), (9, 1), (100, 50)]
)
@pytest.mark.parametrize("n_frames", [1, 37, 200])
def test_fold_inverts_unfold(chunk_size, hop_size, n_frames):
    x = torch.randn(2, 3, n_frames)
    dp = DualPathProcessing(chunk_size, hop_size)
    chunks = dp.unfold(x)
    n_chunks = (n_frames + chunk_size) // hop_size + 1
    assert chunks.shape == (2, 3, chunk_size, n_chunks)
    torch.testing.assert_close(dp.fold(chunks), x)
    torch.testing.assert_close(DualPathProcessing(chunk_size, hop_size).fold(chunks, n_frames), x)


def test_chunks_are_padded_slices():
    x = torch.arange(1.0, 21.0).reshape(1, 1, 20)
    chunks = DualPathProcessing(8, 4).unfold(x)  # grid starts 8 frames before the signal
    padded = torch.nn.functional.pad(x, (8, 8))
    for k in range(chunks.shape[-1]):
        torch.testing.assert_close(chunks[0, 0, :, k], padded[0, 0, 4 * k : 4 * k + 8])


def test_matches_published(published):
    ref = published["dp"]
    intra, inter = nn.Conv1d(3, 3, 3, padding=1), nn.Conv1d(3, 3, 3, padding=1)
    intra.load_state_dict(ref["intra"])
    inter.load_state_dict(ref["inter"])
    dp = DualPathProcessing(8, 4)
    chunks = dp.unfold(ref["x"])
    torch.testing.assert_close(chunks, ref["unfold_8_4"])
    torch.testing.assert_close(dp.fold(chunks), ref["fold_8_4"])
    with torch.no_grad():
        torch.testing.assert_close(dp.intra_process(chunks, intra), ref["intra_8_4"])
        torch.testing.assert_close(dp.inter_process(chunks, inter), ref["inter_8_4"])
    # A hop that does not divide the chunk: the published K/hop scaling is kept as is.
    dp = DualPathProcessing(10, 3)
    chunks = dp.unfold(ref["x"])
    torch.testing.assert_close(chunks, ref["unfold_10_3"])
    torch.testing.assert_close(dp.fold(chunks), ref["fold_10_3"])


class CumSum(nn.Module):
    def forward(self, x):  # (batch, channels, time)
        return torch.cumsum(x, dim=-1)


def test_intra_and_inter_process_run_along_the_right_axis():
    chunks = torch.randn(2, 3, 5, 7)  # B, N, K, n_chunks
    intra = DualPathProcessing.intra_process(chunks, CumSum())
    inter = DualPathProcessing.inter_process(chunks, CumSum())
    torch.testing.assert_close(intra, chunks.cumsum(2))  # within each chunk
    torch.testing.assert_close(inter, chunks.cumsum(3))  # across chunks


def test_process_may_change_channels():
    chunks = torch.randn(2, 3, 5, 7)
    out = DualPathProcessing.intra_process(chunks, nn.Conv1d(3, 6, 1))
    assert out.shape == (2, 6, 5, 7)
    out = DualPathProcessing.inter_process(chunks, nn.Conv1d(3, 4, 1))
    assert out.shape == (2, 4, 5, 7)


class FoldUnfold(nn.Module):
    def __init__(self):
        super().__init__()
        self.dp = DualPathProcessing(8, 4)

    def forward(self, x):
        return self.dp.fold(self.dp.unfold(x) * 2.0)


@pytest.mark.filterwarnings("ignore:`torch.jit.*` is deprecated:DeprecationWarning")
def test_scripted_and_traced_agree_with_eager():
    module = FoldUnfold()
    x, y = torch.randn(2, 3, 37), torch.randn(1, 3, 50)
    scripted = torch.jit.script(module)
    torch.testing.assert_close(scripted(x), module(x))
    torch.testing.assert_close(scripted(y), module(y))
    traced = torch.jit.trace(module, x)
    torch.testing.assert_close(traced(y), module(y))


def test_bad_input():
    with pytest.raises(ValueError, match="hop_size"):
        DualPathProcessing(8, 9)
    dp = DualPathProcessing(8, 4)
    with pytest.raises(ValueError, match="unfold has not been called"):
        dp.fold(torch.randn(1, 2, 8, 5))
    with pytest.raises(ValueError, match=r"\(batch, channels, time\)"):
        dp.unfold(torch.randn(2, 30))
    with pytest.raises(ValueError, match=r"\(batch, channels, 8, n_chunks\)"):
        dp.fold(torch.randn(1, 2, 7, 5), output_size=10)
    assert dp.get_config() == {"chunk_size": 8, "hop_size": 4}
