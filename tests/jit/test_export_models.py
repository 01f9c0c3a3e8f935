"""TorchScript, torch.export and ONNX: exported models give the eager outputs, at any input length."""

import io
import warnings

import pytest
import torch

from asteroid import models

TINY = {
    "ConvTasNet": dict(
        n_src=2,
        n_blocks=2,
        n_repeats=1,
        bn_chan=8,
        hid_chan=8,
        skip_chan=8,
        n_filters=16,
        kernel_size=8,
        stride=4,
    ),
    "DPRNNTasNet": dict(
        n_src=2,
        bn_chan=8,
        hid_size=8,
        chunk_size=10,
        n_repeats=1,
        n_filters=16,
        kernel_size=8,
        stride=4,
    ),
    "DPTNet": dict(
        n_src=2,
        n_heads=2,
        ff_hid=8,
        chunk_size=10,
        n_repeats=1,
        n_filters=16,
        kernel_size=8,
        stride=4,
    ),
    "LSTMTasNet": dict(n_src=2, n_layers=1, hid_size=8, dropout=0.0, n_filters=16, stride=4),
    "SuDORMRFNet": dict(n_src=2, bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16),
    "SuDORMRFImprovedNet": dict(n_src=2, bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16),
    "DCUNet": dict(
        architecture="mini",
        fix_length_mode="pad",
        stft_n_filters=64,
        stft_kernel_size=64,
        stft_stride=16,
    ),
    "DCCRNet": dict(architecture="mini", stft_n_filters=32, stft_kernel_size=32, stft_stride=8),
    "DeMask": dict(hidden_dims=(8,), n_filters=32, kernel_size=32, stride=16),
}


def _model(name):
    torch.manual_seed(0)
    return models.get(name)(**TINY[name]).eval()


@pytest.mark.parametrize("name", TINY)
def test_scripted_model_gives_eager_outputs(name):
    model = _model(name)
    scripted = torch.jit.script(model)
    torch.manual_seed(1)
    for wav in (torch.randn(2, 1, 801), torch.randn(1, 1203), torch.randn(640)):
        with torch.no_grad():
            expected = model(wav)
            out = scripted(wav)
        assert out.shape == expected.shape
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)


def test_scripted_model_keeps_its_attributes():
    scripted = torch.jit.script(_model("ConvTasNet"))
    assert scripted._sample_rate == 8000
    assert scripted.in_channels == 1


def test_torch_export_with_dynamic_time_axis():
    model = _model("ConvTasNet")
    example = torch.randn(2, 1, 1600)
    auto = torch.export.Dim.AUTO
    program = torch.export.export(model, (example,), dynamic_shapes={"wav": {0: auto, 2: auto}})
    exported = program.module()
    torch.manual_seed(1)
    for shape in [(2, 1, 1600), (3, 1, 999), (2, 1, 4003)]:
        wav = torch.randn(*shape)
        with torch.no_grad():
            torch.testing.assert_close(exported(wav), model(wav), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["ConvTasNet", "DPRNNTasNet"])
def test_onnx_export_with_dynamic_time_axis(name):
    ort = pytest.importorskip("onnxruntime")  # in the test extras
    model = _model(name)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter is deprecated
        torch.onnx.export(
            model,
            (torch.randn(2, 1, 1600),),
            buffer,
            dynamo=False,
            input_names=["wav"],
            output_names=["est"],
            dynamic_axes={"wav": {0: "batch", 2: "time"}, "est": {0: "batch", 2: "time"}},
            opset_version=17,
        )
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    torch.manual_seed(1)
    for shape in [(2, 1, 1600), (1, 1, 999), (3, 1, 4003)]:
        wav = torch.randn(*shape)
        (out,) = session.run(None, {"wav": wav.numpy()})
        with torch.no_grad():
            expected = model(wav)
        torch.testing.assert_close(torch.from_numpy(out), expected, rtol=1e-4, atol=1e-5)
