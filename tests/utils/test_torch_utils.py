from collections import OrderedDict

import pytest
import torch
from torch import nn

from asteroid.utils import (
    are_models_equal,
    get_device,
    jitable_shape,
    load_state_dict_in,
    pad_x_to_y,
    tensors_to_device,
    to_cuda,
)
from asteroid.utils.torch_utils import is_tracing, script_if_tracing


@pytest.mark.parametrize("x_len,y_len", [(10, 14), (14, 10), (7, 7)])
def test_pad_x_to_y(x_len, y_len):
    x = torch.randn(2, 3, x_len)
    y = torch.zeros(2, 3, y_len)
    out = pad_x_to_y(x, y)
    assert out.shape == (2, 3, y_len)
    n = min(x_len, y_len)
    assert torch.equal(out[..., :n], x[..., :n])
    assert torch.all(out[..., n:] == 0)


def test_pad_x_to_y_other_axis_is_refused():
    with pytest.raises(ValueError, match="last axis"):
        pad_x_to_y(torch.zeros(3, 4), torch.zeros(3, 5), axis=0)


def test_tensors_to_device_structures():
    t = torch.ones(2)
    assert tensors_to_device(t, "cpu").device.type == "cpu"
    out = tensors_to_device((t, [t, 3]), "cpu")
    assert isinstance(out, list) and isinstance(out[1], list) and out[1][1] == 3
    d = {"a": t, "b": "text"}
    assert tensors_to_device(d, "cpu") is d and d["b"] == "text"
    assert tensors_to_device("text", "cpu") == "text"


def test_to_cuda_type_error():
    with pytest.raises(TypeError, match="to_cuda takes"):
        to_cuda("text")


def test_get_device():
    assert get_device(torch.zeros(1)) == torch.device("cpu")
    assert get_device(nn.Linear(2, 2)) == torch.device("cpu")
    assert get_device(nn.ReLU(), default="cpu") == torch.device("cpu")
    with pytest.raises(TypeError, match="Cannot tell the device"):
        get_device(nn.ReLU())
    with pytest.raises(TypeError):
        get_device(object())


def test_load_state_dict_in_strips_lightning_prefix():
    src = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    dst = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert not are_models_equal(src, dst)
    prefixed = OrderedDict(("model." + k, v) for k, v in src.state_dict().items())
    load_state_dict_in(prefixed, dst)
    assert are_models_equal(src, dst)
    load_state_dict_in(src.state_dict(), dst)
    with pytest.raises(RuntimeError):
        load_state_dict_in({"model.0.wrong": torch.zeros(1)}, dst)


def test_are_models_equal():
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 2)
    b.load_state_dict(a.state_dict())
    assert are_models_equal(a, b)
    with torch.no_grad():
        b.bias += 1
    assert not are_models_equal(a, b)
    assert not are_models_equal(a, nn.Linear(2, 3))
    assert not are_models_equal(a, nn.Sequential(a, nn.Linear(2, 2)))


def test_jitable_shape_scripts():
    x = torch.zeros(2, 5, 7)
    assert jitable_shape(x).tolist() == [2, 5, 7]
    scripted = torch.jit.script(jitable_shape)
    assert scripted(x).tolist() == [2, 5, 7]


def test_script_if_tracing():
    calls = []

    def double_if_positive(x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            return x * 2
        return x

    wrapped = script_if_tracing(double_if_positive)
    assert not is_tracing()
    assert torch.equal(wrapped(torch.ones(2)), torch.full((2,), 2.0))

    def fn(x):
        calls.append(is_tracing())
        return wrapped(x)

    traced = torch.jit.trace(fn, torch.ones(2), check_trace=False)
    assert calls == [True]
    # The data-dependent branch survives tracing because the helper was scripted.
    assert torch.equal(traced(-torch.ones(2)), -torch.ones(2))
    assert torch.equal(traced(torch.ones(2)), torch.full((2,), 2.0))
