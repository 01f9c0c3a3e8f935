"""Streaming separation: chunk-by-chunk output equals the offline output of the same model."""

import os
import shutil
import subprocess
import tracemalloc
import warnings

import numpy as np
import pytest
import soundfile as sf
import torch

from asteroid.dsp.streaming import (
    NotStreamableError,
    StreamingCausalConv1d,
    StreamingCumLN,
    StreamingSeparator,
    stream_file,
)
from asteroid.masknn import norms
from asteroid.models import ConvTasNet, DeMask, DPRNNTasNet, DPTNet, LSTMTasNet
from asteroid.models.conv_tasnet import VADNet

SR = 8000
TOL = 1e-5


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny chunks are many tiny ops: threads only add contention on a shared CPU.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def speech():
    from asteroid.data.synthetic import generate_sentences, synthesize_speech

    wav = synthesize_speech(generate_sentences(1, seed=7)[0], voice="en+f2", sample_rate=SR)
    return torch.from_numpy(np.resize(wav, int(1.3 * SR)).astype(np.float32))


def _tiny_conv_tasnet(**kwargs):
    args = dict(n_blocks=3, n_repeats=2, bn_chan=8, hid_chan=16, skip_chan=8, n_filters=16)
    args.update(kwargs)
    return ConvTasNet(2, causal=True, **args)


# Every causal configuration that must stream exactly (a few thousand parameters each).
MODELS = {
    "convtasnet_cLN": lambda: _tiny_conv_tasnet(norm_type="cLN"),
    "convtasnet_cgLN_noskip_softmax": lambda: _tiny_conv_tasnet(
        norm_type="cgLN", skip_chan=0, mask_act="softmax", kernel_size=20, stride=8
    ),
    "lstmtasnet": lambda: LSTMTasNet(2, n_layers=2, hid_size=16, n_filters=16, bidirectional=False),
    "lstmtasnet_gru": lambda: LSTMTasNet(
        2, rnn_type="gru", n_layers=1, hid_size=16, n_filters=16, dropout=0.0, bidirectional=False
    ),
    "demask_cgLN": lambda: DeMask(
        hidden_dims=(16,), norm_type="cgLN", n_filters=64, kernel_size=64, stride=32
    ),
    "demask_cLN_cat_reim": lambda: DeMask(
        input_type="cat",
        output_type="reim",
        hidden_dims=(16, 8),
        norm_type="cLN",
        n_filters=32,
        kernel_size=32,
        stride=16,
    ),
    "dprnn_cLN": lambda: DPRNNTasNet(
        2,
        bn_chan=8,
        hid_size=8,
        chunk_size=10,
        n_repeats=2,
        n_filters=16,
        norm_type="cLN",
        bidirectional=False,
    ),
    "dprnn_mulcat_hop3": lambda: DPRNNTasNet(
        2,
        bn_chan=8,
        hid_size=8,
        chunk_size=8,
        hop_size=3,
        n_repeats=1,
        n_filters=16,
        norm_type="cLN",
        bidirectional=False,
        use_mulcat=True,
    ),
}


def _model(name):
    torch.manual_seed(0)
    return MODELS[name]().eval()


def _offline(model, wav):
    with torch.no_grad():
        return model(wav)


@pytest.mark.parametrize("chunk", ["hop", 7, 333, "1s"])
@pytest.mark.parametrize("name", list(MODELS))
def test_stream_equals_offline(name, chunk, speech):
    model = _model(name)
    streamer = StreamingSeparator(model)
    if chunk in ("hop", 7):  # many tiny chunks: a shorter stream
        chunk, wav = (streamer.stride if chunk == "hop" else 7), speech[: 1200 + 5]
    else:
        chunk, wav = (SR if chunk == "1s" else chunk), speech
    assert wav.shape[-1] % chunk != 0  # the last chunk is a partial one
    wav = wav[None]  # (1, T)
    ref = _offline(model, wav)
    out = torch.cat(
        [streamer.step(wav[..., i : i + chunk]) for i in range(0, wav.shape[-1], chunk)]
        + [streamer.flush()],
        dim=-1,
    )
    assert out.shape == ref.shape
    assert (out - ref).abs().max().item() < TOL
    assert ref.abs().max() > 1e-3  # not a trivially silent comparison


@pytest.mark.parametrize("name", ["convtasnet_cgLN_noskip_softmax", "demask_cgLN", "dprnn_cLN"])
def test_random_chunk_lengths_including_empty(name, speech):
    model = _model(name)
    streamer = StreamingSeparator(model)
    wav = speech[:3001]
    rng = np.random.RandomState(3)
    bounds = np.cumsum(rng.randint(0, 90, size=200))
    bounds = [0] + [int(b) for b in bounds if b < wav.shape[-1]] + [wav.shape[-1]]
    out = torch.cat(
        [streamer.step(wav[a:b]) for a, b in zip(bounds[:-1], bounds[1:])] + [streamer.flush()],
        dim=-1,
    )
    assert (out - _offline(model, wav)).abs().max().item() < TOL


def test_batches_shapes_and_numpy(speech):
    model = _model("convtasnet_cLN")
    streamer = StreamingSeparator(model)
    wav = torch.stack([speech[:2000], -0.5 * speech[1000:3000], speech[2000:4000]])  # (3, T)
    ref = _offline(model, wav)
    assert (streamer.process(wav, 123) - ref).abs().max() < TOL  # (B, T)
    assert (streamer.process(wav[:, None], 123) - ref).abs().max() < TOL  # (B, 1, T)
    one = streamer.process(wav[1].numpy(), 50)  # (T,) as a numpy array
    assert one.shape == (2, 2000)
    assert (one - ref[1]).abs().max() < TOL


@pytest.mark.parametrize("name", ["convtasnet_cLN", "convtasnet_cgLN_noskip_softmax", "dprnn_cLN"])
def test_latency_bounds_are_reached_and_kept(name):
    model = _model(name)
    streamer = StreamingSeparator(model)
    K, S = streamer.kernel_size, streamer.stride
    if not name.startswith("dprnn"):
        assert streamer.latency_samples == K - S  # the filterbank's algorithmic latency
        assert streamer.max_latency_samples == K - 1
    else:
        masker = model.masker
        lookahead = (masker.chunk_size - masker.hop_size) * S
        assert streamer.latency_samples == K - S + lookahead
    # One sample at a time visits every stream length: the waits span exactly the bounds.
    n_in, n_out, waits = 0, 0, []
    for _ in range(700):
        n_out += streamer.step(torch.randn(1)).shape[-1]
        n_in += 1
        if n_in > 300:
            waits.append(n_in - n_out)
    assert min(waits) == streamer.latency_samples
    assert max(waits) == streamer.max_latency_samples
    assert streamer.latency_ms == pytest.approx(1000 * streamer.latency_samples / SR)


def test_chunks_on_the_hop_come_back_whole():
    streamer = StreamingSeparator(_model("convtasnet_cLN"))
    hop = streamer.hop_samples
    sizes = [streamer.step(torch.randn(hop * 5)).shape[-1] for _ in range(6)]
    assert sizes == [hop * 5 - streamer.latency_samples] + [hop * 5] * 5


def test_state_stays_flat_over_ten_minutes():
    """10 minutes at 8 kHz, one second at a time: no state or memory grows with the stream."""
    torch.manual_seed(0)
    model = ConvTasNet(
        2,
        n_blocks=2,
        n_repeats=1,
        bn_chan=8,
        hid_chan=8,
        skip_chan=8,
        n_filters=16,
        causal=True,
        norm_type="cgLN",
    ).eval()
    streamer = StreamingSeparator(model)
    gen = torch.Generator().manual_seed(0)
    n_out, sizes = 0, []
    for i in range(600):
        if i == 10:
            rss_start = _rss_bytes()
            tracemalloc.start()
            py_start = tracemalloc.get_traced_memory()[0]
        n_out += streamer.step(0.1 * torch.randn(1, SR, generator=gen)).shape[-1]
        sizes.append(streamer.state_numel())
    py_growth = tracemalloc.get_traced_memory()[0] - py_start
    tracemalloc.stop()
    rss_growth = _rss_bytes() - rss_start
    assert len(set(sizes[2:])) == 1, "the state changed size during the stream"
    assert sizes[-1] < 2000  # histories and sums of a small model, not the stream
    assert streamer.stats.samples_in == 600 * SR
    assert n_out == 600 * SR - streamer.latency_samples
    assert streamer.stats.chunks == 600 and streamer.stats.realtime_factor > 0
    assert py_growth < 200_000, py_growth
    assert rss_growth < 32 * 2**20, rss_growth
    assert torch.isfinite(streamer.flush()).all()


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# --- The stateful layers on their own ---------------------------------------------------------


def test_streaming_cumln_equals_the_offline_norm():
    torch.manual_seed(0)
    norm = norms.CumLN(6)
    with torch.no_grad():
        norm.gamma.uniform_(0.5, 1.5)
        norm.beta.uniform_(-1, 1)
    x = torch.randn(2, 6, 301) * 3 + 1
    stream = StreamingCumLN(norm)
    with torch.no_grad():
        out = torch.cat([stream(b) for b in x.split([1, 7, 100, 0, 193], dim=-1)], dim=-1)
    # Same float64 running sums as the offline cumsum; only the last float32 rounding of
    # the vectorised gain and bias (fused or not) may differ.
    assert (out - norm(x)).abs().max() < 1e-6
    assert stream.state_tensors()["sums"].shape == (2, 2, 1)
    with pytest.raises(ValueError, match="batch"):
        stream(torch.randn(3, 6, 4))


def test_streaming_causal_conv_keeps_dilation_times_kernel_history():
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(4, 4, 3, padding=8, dilation=4, groups=4)
    x = torch.randn(1, 4, 50)
    offline = conv(x)[..., :-8]
    stream = StreamingCausalConv1d(conv)
    out = torch.cat([stream(b) for b in x.split([1, 2, 30, 17], dim=-1)], dim=-1)
    assert (out - offline).abs().max() < 1e-6
    assert stream.state_tensors()["history"].shape == (1, 4, 8)


# --- Behaviour of the wrapper -----------------------------------------------------------------


def test_stream_runs_in_eval_mode_and_leaves_the_model_alone(speech):
    torch.manual_seed(0)
    model = LSTMTasNet(2, n_layers=2, hid_size=8, n_filters=16, dropout=0.5, bidirectional=False)
    structure = str(model)
    streamer = StreamingSeparator(model)  # the model is in training mode, with dropout
    assert model.training and str(model) == structure
    wav = speech[:1500]
    out = streamer.process(wav, 100)
    assert (out - _offline(model.eval(), wav)).abs().max() < TOL


def test_stream_shares_the_weights(speech):
    model = _model("convtasnet_cLN")
    streamer = StreamingSeparator(model)
    with torch.no_grad():
        model.masker.mask_net[1].weight.mul_(-1.5)  # a later update of the model...
    wav = speech[:1000]
    assert (streamer.process(wav, 64) - _offline(model, wav)).abs().max() < TOL  # ...is seen


def test_flush_ends_the_stream_and_a_new_one_can_start(speech):
    model = _model("dprnn_cLN")
    streamer = StreamingSeparator(model)
    first = streamer.process(speech[:900], 80)
    assert streamer.state_numel() == 0  # flush() reset everything
    second = streamer.process(speech[:900], 80)
    assert torch.equal(first, second)
    assert streamer.flush().numel() == 0  # nothing streamed: nothing to return


def test_bad_chunks_are_refused():
    streamer = StreamingSeparator(_model("convtasnet_cLN"))
    streamer.step(torch.randn(2, 40))
    with pytest.raises(ValueError, match="batch size 3"):
        streamer.step(torch.randn(3, 40))
    with pytest.raises(ValueError, match=r"\(batch, 1, time\)"):
        streamer.step(torch.randn(2, 2, 40))
    with pytest.raises(TypeError, match="list"):
        streamer.step([0.0, 1.0])
    with pytest.raises(ValueError, match="chunk_size"):
        streamer.process(torch.randn(100), 0)
    streamer.reset()
    streamer.step(torch.randn(10))  # shorter than one frame (16 samples)
    with pytest.raises(ValueError, match="fewer than one frame"):
        streamer.flush()
    assert streamer.state_numel() == 0


NOT_STREAMABLE = {
    "convtasnet_not_causal": (
        lambda: ConvTasNet(
            2, n_blocks=2, n_repeats=1, bn_chan=8, hid_chan=8, skip_chan=8, n_filters=16
        ),
        ["global norm (GlobLN)", "looks at future frames", "masker.TCN.0.shared_block.3"],
    ),
    "lstmtasnet_bidirectional": (
        lambda: LSTMTasNet(2, n_layers=1, hid_size=8, n_filters=16),
        ["bidirectional RNN", "bidirectional=False", "global norm"],
    ),
    "lstmtasnet_softmax_over_frames": (
        lambda: LSTMTasNet(
            2, n_layers=1, hid_size=8, n_filters=16, bidirectional=False, mask_act="softmax"
        ),
        ["softmax over frames"],
    ),
    "demask_gLN": (
        lambda: DeMask(hidden_dims=(16,), n_filters=64, kernel_size=64, stride=32),
        ["DeMask cannot stream", "global norm (GlobLN)", "masker.0"],
    ),
    "dprnn_bidirectional": (
        lambda: DPRNNTasNet(
            2, bn_chan=8, hid_size=8, chunk_size=10, n_repeats=1, n_filters=16, norm_type="cLN"
        ),
        ["inter-chunk RNN is bidirectional", "masker.net.0.inter_RNN"],
    ),
    "dprnn_gLN": (
        lambda: DPRNNTasNet(
            2, bn_chan=8, hid_size=8, chunk_size=10, n_repeats=1, n_filters=16, bidirectional=False
        ),
        ["global norm (GlobLN)", "intra_norm"],
    ),
    "dptnet": (
        lambda: DPTNet(2, n_heads=2, ff_hid=8, chunk_size=10, n_repeats=1, n_filters=16),
        ["DPTransformer", "register_streaming_masker"],
    ),
    "vadnet": (
        lambda: VADNet(
            1,
            causal=True,
            norm_type="cLN",
            n_blocks=1,
            n_repeats=1,
            bn_chan=8,
            hid_chan=8,
            skip_chan=8,
            n_filters=16,
        ),
        ["VADNet.forward_decoder", "register_streaming_model"],
    ),
    "centred_stft": (
        lambda: _tiny_conv_tasnet(
            norm_type="cLN", fb_name="torch_stft", n_filters=16, kernel_size=16
        ),
        ["TorchSTFTFB", "encoder.filterbank.pre_analysis"],
    ),
    "not_a_model": (lambda: torch.nn.Conv1d(1, 2, 1), ["encoder-masker-decoder"]),
}


@pytest.mark.parametrize("name", list(NOT_STREAMABLE))
def test_models_that_cannot_stream_say_why(name):
    build, words = NOT_STREAMABLE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build()
    with pytest.raises(ValueError) as info:
        StreamingSeparator(model)
    assert isinstance(info.value, NotStreamableError)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


# --- Files and the command line ---------------------------------------------------------------


@pytest.fixture(scope="module")
def causal_model_file(tmp_path_factory):
    torch.manual_seed(0)
    model = _tiny_conv_tasnet(norm_type="cgLN", n_repeats=1)
    path = tmp_path_factory.mktemp("stream_model") / "causal_convtasnet.pth"
    torch.save(model.serialize(), path)
    return path


@pytest.fixture
def speech_file(tmp_path, speech):
    path = tmp_path / "speech.wav"
    sf.write(path, speech.numpy()[: SR + 77], SR, subtype="FLOAT")
    return path


def speech_file_samples(path):
    return sf.read(path, dtype="float32")[0]


def test_stream_file_writes_the_offline_estimates(causal_model_file, speech_file, tmp_path):
    from asteroid.models import BaseModel

    model = BaseModel.from_pretrained(str(causal_model_file)).eval()
    streamer = StreamingSeparator(model)
    paths, stats = stream_file(streamer, str(speech_file), 100, output_dir=str(tmp_path / "out"))
    assert [os.path.basename(p) for p in paths] == ["speech_est1.wav", "speech_est2.wav"]
    wav = torch.from_numpy(sf.read(speech_file, dtype="float32")[0])
    ref = _offline(model, wav)
    est = np.stack([sf.read(p, dtype="float32")[0] for p in paths])
    assert np.abs(est - ref.numpy()).max() < TOL
    assert stats.chunks == (SR + 77) // 100 + 2  # the blocks, the partial one, the flush
    assert sorted(os.listdir(tmp_path / "out")) == ["speech_est1.wav", "speech_est2.wav"]

    with pytest.raises(FileExistsError):
        stream_file(streamer, str(speech_file), 100, output_dir=str(tmp_path / "out"))
    other_rate = tmp_path / "other_rate.wav"
    sf.write(other_rate, speech_file_samples(speech_file), 16000)
    with pytest.raises(ValueError, match="16000 Hz"):
        stream_file(streamer, str(other_rate), 100, output_dir=str(tmp_path / "out2"))
    too_short = tmp_path / "short.wav"
    sf.write(too_short, np.zeros(5, dtype=np.float32), SR)
    with pytest.raises(ValueError, match="fewer than one frame"):
        stream_file(streamer, str(too_short), 100, output_dir=str(tmp_path / "out3"))
    assert os.listdir(tmp_path / "out3") == []  # no estimate, no temporary file left


INFER = shutil.which("asteroid-infer")


def _infer(*args):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(
        [INFER, *map(str, args)], capture_output=True, text=True, timeout=300, env=env
    )


def test_asteroid_infer_stream_matches_offline_infer(causal_model_file, speech_file, tmp_path):
    assert INFER, "asteroid-infer is not installed (pip install -e .)"
    offline = _infer(causal_model_file, "--files", speech_file, "-o", tmp_path / "offline")
    assert offline.returncode == 0, offline.stderr
    streamed = _infer(
        causal_model_file, "--files", speech_file, "--stream", "--chunk-ms", 7, "-o", tmp_path / "s"
    )
    assert streamed.returncode == 0, streamed.stderr
    assert "chunks of 56 samples (7 ms" in streamed.stdout
    assert "algorithmic latency 1.00 ms (8 samples)" in streamed.stdout
    assert "realtime factor" in streamed.stdout
    assert "Separated 1 of 1 file(s) into 2 estimate file(s)" in streamed.stdout

    mix = speech_file_samples(speech_file)
    off = np.stack([sf.read(tmp_path / "offline" / f"speech_est{i}.wav")[0] for i in (1, 2)])
    est = np.stack([sf.read(tmp_path / "s" / f"speech_est{i}.wav")[0] for i in (1, 2)])
    assert est.shape == off.shape == (2, mix.shape[0])
    # Offline inference rescales by one global factor, which a stream cannot know in advance.
    gain = np.abs(mix).sum() / np.abs(est).sum()
    assert np.abs(off - gain * est).max() < TOL


def test_asteroid_infer_stream_errors_are_one_line(
    causal_model_file, speech_file, tmp_path, capsys
):
    from asteroid.scripts.asteroid_cli import infer

    torch.manual_seed(0)
    bidirectional = tmp_path / "bidirectional.pth"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(
            LSTMTasNet(2, n_layers=1, hid_size=8, n_filters=16, dropout=0.0).serialize(),
            bidirectional,
        )
    for args, words in [
        ((bidirectional, "--files", speech_file, "--stream"), ["cannot stream", "bidirectional"]),
        ((causal_model_file, "--files", speech_file, "--chunk-ms", 5), ["--chunk-ms needs"]),
        ((causal_model_file, "--files", speech_file, "--stream", "-w", 800), ["--ola-window"]),
        ((causal_model_file, "--files", speech_file, "--stream", "--chunk-ms", 0), ["positive"]),
        ((causal_model_file, "--files", speech_file, "--stream", "-r"), ["cannot resample"]),
    ]:
        assert infer([str(a) for a in args]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("asteroid-infer: error: "), err
        for word in words:
            assert word in err[0], err[0]
    assert not (tmp_path / "speech_est1.wav").exists()
