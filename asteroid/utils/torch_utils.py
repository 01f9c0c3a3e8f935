"""Small tensor and module helpers shared across the toolkit."""

from collections import OrderedDict

import torch
from torch import nn

__all__ = [
    "to_cuda",
    "tensors_to_device",
    "get_device",
    "is_tracing",
    "script_if_tracing",
    "pad_x_to_y",
    "load_state_dict_in",
    "are_models_equal",
    "jitable_shape",
]


def tensors_to_device(tensors, device):
    """Move a tensor, or the tensors of a list, tuple or dict, to ``device``.

    Lists and tuples come back as lists; dicts are updated in place and
    returned; anything that is not a tensor is returned unchanged.
    """
    if isinstance(tensors, torch.Tensor):
        return tensors.to(device)
    if isinstance(tensors, (list, tuple)):
        return [tensors_to_device(t, device) for t in tensors]
    if isinstance(tensors, dict):
        for key, value in tensors.items():
            tensors[key] = tensors_to_device(value, device)
        return tensors
    return tensors


def to_cuda(tensors):
    """Move a tensor, list of tensors or dict of tensors to the current CUDA device.

    Raises:
        TypeError: for any other input type.
    """
    if not isinstance(tensors, (torch.Tensor, list, tuple, dict)):
        raise TypeError(
            f"to_cuda takes a tensor, a list or a dict of tensors, got {type(tensors).__name__}."
        )
    return tensors_to_device(tensors, torch.device("cuda"))


def get_device(tensor_or_module, default=None):
    """Device of a tensor, or of a module's first parameter.

    Args:
        tensor_or_module: an object with a ``.device``, or an ``nn.Module``.
        default: device returned when none can be found (a module without
            parameters, an unknown object). With ``None``, raise instead.

    Raises:
        TypeError: if no device can be found and no default is given.
    """
    if hasattr(tensor_or_module, "device"):
        return tensor_or_module.device
    if isinstance(tensor_or_module, nn.Module):
        for param in tensor_or_module.parameters():
            return param.device
        for buf in tensor_or_module.buffers():
            return buf.device
    if default is None:
        raise TypeError(f"Cannot tell the device of a {type(tensor_or_module).__name__} object.")
    return torch.device(default)


def is_tracing():
    """Whether the code runs under ``torch.jit.trace``."""
    return torch._C._is_tracing()


def script_if_tracing(fn):
    """Script ``fn`` lazily, only when it is called while tracing.

    Tracing bakes Python control flow into the graph; data-dependent helpers
    wrapped with this decorator are scripted instead, at no cost in eager mode.
    """
    compiled = None

    def wrapper(*args, **kwargs):
        nonlocal compiled
        if not is_tracing():
            return fn(*args, **kwargs)
        if compiled is None:
            compiled = torch.jit.script(fn)
        return compiled(*args, **kwargs)

    wrapper.__wrapped__ = fn
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def pad_x_to_y(x: torch.Tensor, y: torch.Tensor, axis: int = -1) -> torch.Tensor:
    """Right-pad with zeros, or crop, ``x`` to the length of ``y`` along the last axis.

    Shape:
        - x: :math:`(*, T_x)`
        - y: :math:`(*, T_y)`
        - output: :math:`(*, T_y)`

    Raises:
        ValueError: for any axis other than the last one.
    """
    if axis != -1:
        raise ValueError(f"pad_x_to_y only pads the last axis (axis=-1), got axis={axis}.")
    target_len = y.shape[-1]
    return nn.functional.pad(x, [0, target_len - x.shape[-1]])


def load_state_dict_in(state_dict, model):
    """Load ``state_dict`` into ``model`` strictly, tolerating one key prefix.

    A Lightning checkpoint stores the weights of ``System.model`` as
    ``model.<name>``. When the strict load fails, the text up to the first
    ``.`` of every key is removed and the load is tried once more.

    Returns:
        nn.Module: ``model``, with the weights loaded.

    Raises:
        RuntimeError: if neither the keys nor the stripped keys match.
    """
    try:
        model.load_state_dict(state_dict, strict=True)
        return model
    except RuntimeError as first_error:
        stripped = OrderedDict((k.split(".", 1)[-1], v) for k, v in state_dict.items())
        try:
            model.load_state_dict(stripped, strict=True)
        except RuntimeError:
            raise first_error
    return model


def are_models_equal(model1: nn.Module, model2: nn.Module) -> bool:
    """Whether two modules hold the same parameters, in the same order."""
    params1 = list(model1.parameters())
    params2 = list(model2.parameters())
    if len(params1) != len(params2):
        return False
    return all(
        p1.shape == p2.shape and torch.equal(p1.data, p2.data) for p1, p2 in zip(params1, params2)
    )


def jitable_shape(tensor: torch.Tensor) -> torch.Tensor:
    """The shape of ``tensor`` as a 1-D long tensor (a type TorchScript can return)."""
    return torch.tensor(tensor.shape)
