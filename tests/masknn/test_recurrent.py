import pytest
import torch
from torch import nn
from torch.nn import functional as F

from asteroid import complex_nn
from asteroid.masknn import recurrent as rec
from asteroid.masknn._chunking import chunk, n_chunks, overlap_add


@pytest.mark.parametrize("rnn_type, cls", [("LSTM", nn.LSTM), ("gru", nn.GRU), ("Rnn", nn.RNN)])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_single_rnn(rnn_type, cls, bidirectional):
    rnn = rec.SingleRNN(rnn_type, 5, 4, n_layers=2, bidirectional=bidirectional)
    assert isinstance(rnn.rnn, cls) and rnn.rnn.batch_first
    assert rnn.output_size == 4 * (1 + bidirectional)
    x = torch.randn(3, 7, 5)
    torch.testing.assert_close(rnn(x), rnn.rnn(x)[0])


def test_rnn_type_errors():
    with pytest.raises(ValueError, match="Unknown rnn_type 'transformer'"):
        rec.SingleRNN("transformer", 5, 4)
    with pytest.raises(ValueError, match="Unknown rnn_type"):
        rec.MulCatRNN("lstmcell", 5, 4)


def test_mulcat_rnn():
    rnn = rec.MulCatRNN("LSTM", 5, 4, bidirectional=True)
    assert rnn.output_size == 8 + 5
    x = torch.randn(3, 7, 5)
    expected = torch.cat([rnn.rnn1(x)[0] * rnn.rnn2(x)[0], x], dim=-1)
    torch.testing.assert_close(rnn(x), expected)


@pytest.mark.parametrize("rnn_type", ["LSTM", "GRU", "RNN"])
def test_stacked_residual_rnns(rnn_type):
    x = torch.randn(2, 9, 6)
    uni = rec.StackedResidualRNN(rnn_type, 6, n_layers=3, dropout=0.2).eval()
    out = uni(x)
    expected = x
    for layer in uni.layers:
        expected = expected + layer(expected)
    torch.testing.assert_close(out, expected)
    bi = rec.StackedResidualBiRNN(rnn_type, 6, n_layers=3, dropout=0.2).eval()
    out = bi(x)
    assert out.shape == (2, 9, 12) and len(bi.layers) == 2
    expected = torch.cat([x, x], -1) + bi.first_layer(x)
    for layer in bi.layers:
        expected = expected + layer(expected)
    torch.testing.assert_close(out, expected)
    with pytest.raises(ValueError, match="StackedResidualBiRNN"):
        rec.StackedResidualRNN(rnn_type, 6, bidirectional=True)
    with pytest.raises(ValueError, match="StackedResidualRNN"):
        rec.StackedResidualBiRNN(rnn_type, 6, bidirectional=False)


@pytest.mark.parametrize("n_frames, chunk_size, hop_size", [(50, 10, 5), (37, 8, 3), (5, 10, 10)])
def test_chunking_matches_unfold_and_fold(n_frames, chunk_size, hop_size):
    x = torch.randn(2, 3, n_frames)
    unfolded = F.unfold(
        x.unsqueeze(-1), (chunk_size, 1), padding=(chunk_size, 0), stride=(hop_size, 1)
    ).view(2, 3, chunk_size, -1)
    chunks = chunk(x, chunk_size, hop_size)
    assert chunks.shape[-1] == n_chunks(n_frames, chunk_size, hop_size)
    torch.testing.assert_close(chunks, unfolded)
    # Overlap-add counts each frame once per chunk that holds it.
    counts = overlap_add(torch.ones_like(chunks), n_frames, chunk_size, hop_size)
    expected = overlap_add(chunks, n_frames, chunk_size, hop_size) / counts
    torch.testing.assert_close(expected, x)


def test_dprnn_block_paths():
    block = rec.DPRNNBlock(6, 5, norm_type="cLN", bidirectional=False).eval()
    assert block.intra_RNN.rnn.bidirectional and not block.inter_RNN.rnn.bidirectional
    x = torch.randn(2, 6, 4, 3)  # batch, N, chunk_size, n_chunks
    out = block(x)
    # Intra path by hand: each chunk is one sequence over the chunk_size frames.
    intra = torch.stack(
        [block.intra_linear(block.intra_RNN(x[..., s].transpose(1, 2))) for s in range(3)], -1
    )
    mid = x + block.intra_norm(intra.permute(0, 2, 1, 3))
    inter = torch.stack(
        [block.inter_linear(block.inter_RNN(mid[:, :, k].transpose(1, 2))) for k in range(4)], 2
    )
    expected = mid + block.inter_norm(inter.permute(0, 3, 2, 1))
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    mulcat = rec.DPRNNBlock(6, 5, use_mulcat=True, rnn_type="GRU")
    assert isinstance(mulcat.intra_RNN, rec.MulCatRNN)
    assert mulcat.intra_linear.in_features == 10 + 6
    assert mulcat(x).shape == x.shape


@pytest.mark.parametrize(
    "mask_act, out_chan, hop_size", [("relu", None, None), ("softmax", 10, 5), ("relu", 10, 7)]
)
def test_dprnn(mask_act, out_chan, hop_size):
    model = rec.DPRNN(
        20,
        2,
        mask_act=mask_act,
        chunk_size=20,
        n_repeats=2,
        bn_chan=10,
        hid_size=11,
        out_chan=out_chan,
        hop_size=hop_size,
    ).eval()
    assert model.hop_size == (hop_size or 10)
    x = torch.randn(2, 20, 78)
    out = model(x)
    assert out.shape == (2, 2, out_chan or 20, 78)
    if mask_act == "softmax":
        # As published, the softmax runs across the mask bins of each source.
        torch.testing.assert_close(out.sum(2), torch.ones(2, 2, 78))
    clone = rec.DPRNN(**model.get_config()).eval()
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone(x), out)
    with pytest.raises(ValueError, match=r"\(batch, 20, frames\)"):
        model(torch.randn(2, 21, 30))


def test_dprnn_is_not_causal_but_local_changes_propagate():
    model = rec.DPRNN(8, 1, bn_chan=4, hid_size=4, chunk_size=6, n_repeats=1).eval()
    x = torch.randn(1, 8, 40)
    changed = x.clone()
    changed[..., 39] += 1
    # The inter-chunk RNN carries information from the last frame to the first.
    assert not torch.allclose(model(x)[..., 0], model(changed)[..., 0])


def test_lstm_masker():
    model = rec.LSTMMasker(12, 3, out_chan=5, n_layers=2, hid_size=6, dropout=0.0).eval()
    assert isinstance(model.bn_layer, rec.GlobLN)
    x = torch.randn(2, 12, 17)
    out = model(x)
    assert out.shape == (2, 3, 5, 17) and ((out > 0) & (out < 1)).all()
    causal = rec.LSTMMasker(12, 2, bidirectional=False, n_layers=1, hid_size=6, dropout=0)
    assert isinstance(causal.bn_layer, rec.CumLN)
    changed = x.clone()
    changed[..., 9:] = torch.randn(2, 12, 8)
    torch.testing.assert_close(causal(x)[..., :9], causal(changed)[..., :9])
    # rnn_type is honoured (the published toolkit always built an LSTM).
    gru = rec.LSTMMasker(12, 2, rnn_type="gru", n_layers=1, hid_size=6, dropout=0)
    assert isinstance(gru.masker[0].rnn, nn.GRU)
    clone = rec.LSTMMasker(**model.get_config()).eval()
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone(x), out)


def test_dccrn_masknet_rnn():
    rnn = rec.DCCRMaskNetRNN(12, hid_size=5, n_layers=2)
    x = torch.complex(torch.randn(2, 3, 4, 7), torch.randn(2, 3, 4, 7))
    out = rnn(x)
    assert out.shape == x.shape and out.is_complex()
    # Frames are independent inputs of a recurrent layer over time: changing frame 6
    # of a unidirectional RNN leaves the earlier frames unchanged.
    changed = x.clone()
    changed[..., 6] = 0
    torch.testing.assert_close(rnn(changed)[..., :6], out[..., :6])
    assert rnn.norm is None
    normed = rec.DCCRMaskNetRNN(12, hid_size=5, norm_type="gLN")
    assert isinstance(normed.norm, complex_nn.OnReIm)
    assert normed(x).shape == x.shape


def test_dccrn_masknet():
    masker = rec.DCCRMaskNet.default_architecture("mini", n_freqs=16).eval()
    rnn = masker.encoders[-1]
    assert isinstance(rnn, rec.DCCRMaskNetRNN)
    assert rnn.rnn.rnns[0].re_module.input_size == 8 * 4
    assert isinstance(masker.decoders[0], nn.Identity)
    x = torch.complex(torch.randn(2, 16, 9), torch.randn(2, 16, 9))
    out = masker(x)
    assert out.shape == (2, 1, 16, 9) and (out.abs() <= 1).all()
    with pytest.raises(TypeError, match="divisible by 4"):
        masker(x[:, :14])
    clone = rec.DCCRMaskNet(**masker.get_config()).eval()
    clone.load_state_dict(masker.state_dict())
    torch.testing.assert_close(clone(x), out)
    two = rec.DCCRMaskNet.default_architecture("DCCRN-CL", n_src=2, n_freqs=256)
    assert two.output_layer[0].re_module.out_channels == 2
    assert isinstance(two.encoders[-1].rnn.rnns[0].re_module.input_size, int)
