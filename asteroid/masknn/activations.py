"""Activation factories, and the registry that configs name them by.

:func:`get` returns a *factory*: call it to build the module
(``activations.get("prelu")()`` is a fresh ``nn.PReLU()``).

==============  =========================================
name            module built
==============  =========================================
``linear``      ``nn.Identity()``
``relu``        ``nn.ReLU()``
``prelu``       ``nn.PReLU()`` (one shared slope)
``leaky_relu``  ``nn.LeakyReLU()``
``sigmoid``     ``nn.Sigmoid()``
``softmax``     ``nn.Softmax(dim)`` (takes ``dim``)
``tanh``        ``nn.Tanh()``
``gelu``        ``nn.GELU()``
``swish``       :class:`Swish`, :math:`x \\sigma(x)`
==============  =========================================
"""

from functools import partial

import torch
from torch import nn

from .. import complex_nn
from ..utils.generic_utils import has_arg

__all__ = [
    "Swish",
    "linear",
    "relu",
    "prelu",
    "leaky_relu",
    "sigmoid",
    "softmax",
    "tanh",
    "gelu",
    "swish",
    "get",
    "get_complex",
    "register_activation",
]


class Swish(nn.Module):
    """Swish (SiLU) activation, :math:`x \\cdot \\sigma(x)`."""

    def forward(self, x):
        return x * torch.sigmoid(x)


def linear():
    """Identity activation."""
    return nn.Identity()


def relu():
    """``nn.ReLU()``."""
    return nn.ReLU()


def prelu():
    """``nn.PReLU()`` with a single learnable slope."""
    return nn.PReLU()


def leaky_relu():
    """``nn.LeakyReLU()`` (slope 0.01)."""
    return nn.LeakyReLU()


def sigmoid():
    """``nn.Sigmoid()``."""
    return nn.Sigmoid()


def softmax(dim=None):
    """``nn.Softmax(dim=dim)``."""
    return nn.Softmax(dim=dim)


def tanh():
    """``nn.Tanh()``."""
    return nn.Tanh()


def gelu():
    """``nn.GELU()``."""
    return nn.GELU()


def swish():
    """:class:`Swish`."""
    return Swish()


_ACTIVATIONS = {
    fn.__name__: fn for fn in (linear, relu, prelu, leaky_relu, sigmoid, softmax, tanh, gelu, swish)
}


def register_activation(custom_act):
    """Make an activation factory (or class) available to :func:`get` under its ``__name__``.

    Args:
        custom_act (callable): called without arguments (or with ``dim`` when it
            accepts one) to build the activation module.

    Raises:
        ValueError: if the name (or its lowercase form) is already taken.
    """
    name = custom_act.__name__
    if name in _ACTIVATIONS or name.lower() in _ACTIVATIONS:
        raise ValueError(f"Activation {name} already exists. Choose another name.")
    _ACTIVATIONS[name] = custom_act


def get(identifier):
    """Activation factory from a name, a callable, or ``None``.

    Args:
        identifier (str, callable or None): a registered name (case-sensitive),
            a callable (returned as is) or ``None`` (returns ``None``).

    Returns:
        callable or None: call it to build the activation module.

    Raises:
        ValueError: for an unknown name or an unsupported identifier type.
    """
    if identifier is None:
        return None
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if identifier in _ACTIVATIONS:
            return _ACTIVATIONS[identifier]
        raise ValueError(
            f"Could not interpret activation identifier {identifier!r}. "
            f"Known activations: {', '.join(_ACTIVATIONS)}."
        )
    raise ValueError(
        f"Could not interpret activation identifier {identifier!r} "
        f"(expected a string, a callable or None)."
    )


def get_complex(identifier):
    """Like :func:`get`, for complex inputs: the activation on real and imaginary parts apart.

    Returns:
        callable or None: ``partial(complex_nn.OnReIm, factory)``, or ``None``.
    """
    activation = get(identifier)
    if activation is None:
        return None
    return partial(complex_nn.OnReIm, activation)


def _mask_activation(identifier):
    """Output non-linearity of a masker; a factory taking ``dim`` is built with ``dim=1``.

    The masks are :math:`(B, S, ...)`, so a softmax runs across the sources.
    """
    factory = get(identifier)
    if factory is None:
        raise ValueError("mask_act cannot be None; use 'linear' for no output non-linearity.")
    if has_arg(factory, "dim"):
        return factory(dim=1)
    return factory()
