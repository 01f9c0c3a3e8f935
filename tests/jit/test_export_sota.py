"""torch.export of TF-GridNet, SepFormer and the dual-path models with a dynamic time axis.

Each model is exported once, with a named time dimension covering a range of lengths, and the
exported program (and its saved and reloaded copy) must give the eager outputs at lengths that
are not multiples of the hop, shorter and longer than the example.
"""

import warnings

import numpy as np
import pytest
import torch

from asteroid import models
from asteroid.filterbanks import Decoder, Encoder, TorchSTFTFB
from asteroid.filterbanks.torch_stft_fb import _ola_envelope
from asteroid.masknn.recurrent import export_dynamic_lstms

TINY = {
    # 17 frequencies: with the 4-position unfolding, the intra-frame BLSTM reads 14 windows and
    # the sub-band BLSTM n_frames - 3; 260 samples (17 frames) make the two equal.
    "TFGridNet": dict(
        n_src=2,
        n_blocks=1,
        emb_dim=8,
        hid_size=8,
        n_heads=2,
        qk_channels=2,
        stft_n_filters=32,
        stft_kernel_size=32,
        stft_stride=16,
    ),
    "SepFormer": dict(
        n_src=2,
        n_heads=2,
        ff_hid=16,
        chunk_size=10,
        n_repeats=1,
        n_layers=1,
        n_filters=16,
        kernel_size=8,
        stride=4,
    ),
    "DPRNNTasNet": dict(
        n_src=2, bn_chan=8, hid_size=8, chunk_size=10, n_repeats=1, n_filters=16, stride=4
    ),
    "DPTNet": dict(
        n_src=2, n_heads=2, ff_hid=8, chunk_size=10, n_repeats=1, n_filters=16, stride=4
    ),
}
EXAMPLE_LENGTH = 800
# Not multiples of the hops (16 and 4); shorter and longer than the example.
LENGTHS = (260, 501, 1003)

# nn.LSTM re-assigns its flat weights while torch.export traces it, and PyTorch's while_loop
# LSTM calls a deprecated size check: both harmless here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The tensor attributes .* were assigned during export"),
    pytest.mark.filterwarnings("ignore:_check_is_size will be removed:FutureWarning"),
]


def _model(name):
    torch.manual_seed(0)
    return models.get(name)(**TINY[name]).eval()


def _export(model, time_dim):
    example = torch.randn(2, 1, EXAMPLE_LENGTH)
    with export_dynamic_lstms():
        return torch.export.export(
            model,
            (example,),
            dynamic_shapes={"wav": {2: time_dim}},
            # Shape identities PyTorch cannot prove symbolically (e.g. ``Mod(2, 2 * n) != 0``
            # with ``n`` a floor division of the length) become runtime checks.
            prefer_deferred_runtime_asserts_over_guards=True,
        )


def _assert_matches_eager(program, model, lengths=LENGTHS):
    run = program.module()
    torch.manual_seed(1)
    for length in lengths:
        wav = torch.randn(2, 1, length)
        with torch.no_grad():
            expected = model(wav)
        out = run(wav)
        assert out.shape == expected.shape == (2, 2, length)
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module", params=["TFGridNet", "SepFormer"])
def exported(request):
    model = _model(request.param)
    return model, _export(model, torch.export.Dim("time", min=64, max=16000))


def test_exported_program_gives_eager_outputs_at_other_lengths(exported):
    model, program = exported
    assert any(
        (bounds.lower, bounds.upper) == (64, 16000) for bounds in program.range_constraints.values()
    )
    _assert_matches_eager(program, model)


def test_saved_and_loaded_program_gives_the_same_outputs(exported, tmp_path):
    model, program = exported
    path = tmp_path / "program.pt2"
    torch.export.save(program, path)
    loaded = torch.export.load(path)
    _assert_matches_eager(loaded, model, lengths=(501,))


def test_exported_program_rejects_lengths_outside_its_range(exported):
    _, program = exported
    with pytest.raises(Exception, match="time|wav"):
        program.module()(torch.randn(2, 1, 16001))


@pytest.mark.parametrize("name", ["DPRNNTasNet", "DPTNet"])
def test_dual_path_models_export_with_dynamic_time(name):
    model = _model(name)
    # Dim.DYNAMIC with bounds works too (unprovable identities are checked at run time).
    program = _export(model, torch.export.Dim.DYNAMIC(min=64, max=16000))
    _assert_matches_eager(program, model, lengths=(130, 901))


def test_export_dynamic_lstms_restores_the_lstm_kernels():
    op = torch.ops.aten.lstm.input
    key = torch._C.DispatchKey.CompositeImplicitAutograd
    before = op.py_kernels.get(key)
    with export_dynamic_lstms():
        assert op.py_kernels.get(key) is not before
    assert op.py_kernels.get(key) is before
    # Eager LSTMs are untouched inside the context.
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(4, 3, batch_first=True, bidirectional=True)
    x = torch.randn(2, 7, 4)
    with export_dynamic_lstms():
        inside = lstm(x)[0]
    torch.testing.assert_close(inside, lstm(x)[0], rtol=0, atol=0)


# ------------------------------------------------------------------ STFT envelope check
def _brute_force_vanishes(fb, n_frames):
    length = (n_frames - 1) * fb.stride + fb.kernel_size
    envelope = _ola_envelope(
        length, fb.torch_window, fb.kernel_size, fb.stride, torch.float32, torch.device("cpu")
    )
    start = fb.kernel_size // 2 if fb.center else 0
    return bool((envelope[start:].abs() < 1e-11).any())


@pytest.mark.parametrize(
    "window, stride",
    [
        (np.hanning(33)[:-1], 8),  # periodic Hann: zero first sample
        (np.hanning(32), 8),  # symmetric Hann: zeros at both ends
        (np.hanning(33)[:-1] ** 0.5, 16),
        (np.concatenate([np.zeros(12), np.ones(8), np.zeros(12)]), 8),  # zeros between frames
        (np.concatenate([np.zeros(12), np.ones(8), np.zeros(12)]), 4),
        (np.ones(32), 32),
    ],
)
@pytest.mark.parametrize("center", [True, False])
def test_static_envelope_table_matches_the_envelope_values(window, stride, center):
    fb = TorchSTFTFB(32, 32, stride=stride, window=window, center=center)
    for n_frames in range(1, 4 * (32 // stride + 3)):
        assert fb._envelope_vanishes_for(n_frames) == _brute_force_vanishes(fb, n_frames), n_frames


def test_decoder_warns_only_where_the_envelope_vanishes():
    wav = torch.randn(1, 1, 300)
    fb = TorchSTFTFB(32, 32, stride=8, window=np.hanning(33)[:-1])  # TF-GridNet's STFT
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Decoder(fb)(Encoder(fb)(wav))
    fb = TorchSTFTFB(32, 32, stride=8, window=np.hanning(33)[:-1], center=False)
    with pytest.warns(RuntimeWarning, match="below 1e-11"):
        Decoder(fb)(Encoder(fb)(wav))
    # Samples past the last frame (output_padding) have no window at all.
    fb = TorchSTFTFB(32, 32, stride=8, window=np.hanning(33)[:-1])
    with pytest.warns(RuntimeWarning, match="below 1e-11"):
        out = Decoder(fb, output_padding=3)(Encoder(fb)(wav))
    assert torch.isfinite(out).all()
