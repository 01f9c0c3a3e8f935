"""Complex-valued building blocks on PyTorch native complex tensors.

The layers here take and return tensors whose dtype is complex (``complex64`` or
``complex128``, ``x.is_complex()`` is true). Asteroid also stores complex
spectrograms as real tensors in two other layouts: a trailing dimension of size
2 (real, imaginary), and the "Asteroid complex" layout where the real parts of
all bins are followed by their imaginary parts along one axis (see
:mod:`asteroid.filterbanks.transforms`). The DCUNet and DCCRN maskers convert to
native complex tensors before calling these layers.

Two ways turn a real layer :math:`f` into a complex one:

- :class:`OnReIm`: two independent copies, one on the real part and one on the
  imaginary part: :math:`F(a + ib) = f_1(a) + i f_2(b)` (norms, activations).
- :class:`ComplexMultiplicationWrapper`: the complex product rule,
  :math:`F(a + ib) = f_1(a) - f_2(b) + i (f_1(b) + f_2(a))`; for a linear
  :math:`f` it is multiplication by the complex weight :math:`w_1 + i w_2`
  (convolutions, linear layers, RNNs).
"""

import functools
from typing import Optional

import torch
from torch import nn

__all__ = [
    "ComplexTensor",
    "is_torch_complex",
    "torch_complex_from_magphase",
    "torch_complex_from_reim",
    "on_reim",
    "OnReIm",
    "ComplexMultiplicationWrapper",
    "ComplexSingleRNN",
    "ComplexConv2d",
    "ComplexConvTranspose2d",
    "BoundComplexMask",
    "bound_complex_mask",
]

# Type alias used in annotations: a torch.Tensor whose dtype is complex.
ComplexTensor = torch.Tensor


def is_torch_complex(x):
    """Whether ``x`` has a complex dtype."""
    return x.is_complex()


def torch_complex_from_reim(re, im):
    """Native complex tensor from its real and imaginary parts (same shape, real dtype)."""
    return torch.complex(re, im)


def torch_complex_from_magphase(mag, phase):
    """Native complex tensor :math:`m e^{i\\phi}` from magnitude and phase (radians)."""
    return torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))


def on_reim(f):
    """Complex version of a real function: apply ``f`` to the real and imaginary parts.

    Args:
        f (callable): function of one real tensor.

    Returns:
        callable: ``cf(x) = f(x.real) + 1j * f(x.imag)`` for a native complex ``x``.
    """

    @functools.wraps(f)
    def cf(x):
        return torch_complex_from_reim(f(x.real), f(x.imag))

    cf.__name__ = f"{getattr(f, '__name__', 'function')} (complex)"
    cf.__qualname__ = f"{getattr(f, '__qualname__', cf.__name__)} (complex)"
    return cf


class OnReIm(nn.Module):
    """Two independent copies of a module, on the real and on the imaginary part.

    Args:
        module_cls (callable): class or factory returning an ``nn.Module``; called
            twice with ``*args, **kwargs`` to build ``re_module`` and ``im_module``.

    Shape:
        - x: complex tensor, any shape the module accepts.
        - output: complex tensor.
    """

    def __init__(self, module_cls, *args, **kwargs):
        super().__init__()
        self.re_module = module_cls(*args, **kwargs)
        self.im_module = module_cls(*args, **kwargs)

    def forward(self, x):
        return torch_complex_from_reim(self.re_module(x.real), self.im_module(x.imag))


class ComplexMultiplicationWrapper(nn.Module):
    """Complex layer from a real one by the complex product rule.

    With :math:`f_1` = ``re_module`` and :math:`f_2` = ``im_module`` (two copies
    of the same real layer that do not share weights),
    :math:`F(a + ib) = f_1(a) - f_2(b) + i\\,(f_1(b) + f_2(a))`.

    Args:
        module_cls (callable): class or factory returning an ``nn.Module``; called
            twice with ``*args, **kwargs``.

    Shape:
        - x: complex tensor, any shape the module accepts.
        - output: complex tensor.
    """

    def __init__(self, module_cls, *args, **kwargs):
        super().__init__()
        self.re_module = module_cls(*args, **kwargs)
        self.im_module = module_cls(*args, **kwargs)

    def forward(self, x: ComplexTensor) -> ComplexTensor:
        re, im = x.real, x.imag
        return torch_complex_from_reim(
            self.re_module(re) - self.im_module(im),
            self.re_module(im) + self.im_module(re),
        )


class ComplexSingleRNN(nn.Module):
    """Stack of complex RNN layers (the complex LSTM of DCCRN).

    Each layer is a :class:`ComplexMultiplicationWrapper` around a one-layer
    :class:`~asteroid.masknn.recurrent.SingleRNN` (parameters
    ``rnns.{i}.{re_module,im_module}.rnn.*``).

    Args:
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"`` (any case).
        input_size (int): number of input features.
        hidden_size (int): number of hidden units per direction.
        n_layers (int): number of stacked complex layers.
        dropout (float): must be 0 when ``n_layers > 1`` (dropout between complex
            layers is not implemented).
        bidirectional (bool): whether each layer is bidirectional.

    Shape:
        - x: complex :math:`(B, T, \\text{input_size})`.
        - output: complex :math:`(B, T, \\text{output_size})`.

    Raises:
        ValueError: if ``dropout`` is non-zero with several layers.

    References:
        Hu et al., "DCCRN: Deep Complex Convolution Recurrent Network for
        Phase-Aware Speech Enhancement", Interspeech 2020.
        https://arxiv.org/abs/2008.00264
    """

    def __init__(
        self, rnn_type, input_size, hidden_size, n_layers=1, dropout=0, bidirectional=False
    ):
        super().__init__()
        if dropout and n_layers > 1:
            raise ValueError(
                f"ComplexSingleRNN does not implement dropout between layers, got "
                f"dropout={dropout} with n_layers={n_layers}."
            )
        # Imported here: masknn imports this module at load time.
        from .masknn.rnn import SingleRNN

        layer_kwargs = dict(
            rnn_type=rnn_type, hidden_size=hidden_size, n_layers=1, bidirectional=bidirectional
        )
        self.rnns = nn.ModuleList()
        for idx in range(n_layers):
            layer_in = input_size if idx == 0 else self.rnns[0].re_module.output_size
            self.rnns.append(
                ComplexMultiplicationWrapper(SingleRNN, input_size=layer_in, **layer_kwargs)
            )

    @property
    def output_size(self):
        """Number of output features (``hidden_size``, doubled when bidirectional)."""
        return self.rnns[-1].re_module.output_size

    def forward(self, x: ComplexTensor) -> ComplexTensor:
        for rnn in self.rnns:
            x = rnn(x)
        return x


ComplexConv2d = functools.partial(ComplexMultiplicationWrapper, nn.Conv2d)
ComplexConv2d.__doc__ = "Complex ``nn.Conv2d``: ``ComplexMultiplicationWrapper(nn.Conv2d, ...)``."
ComplexConvTranspose2d = functools.partial(ComplexMultiplicationWrapper, nn.ConvTranspose2d)
ComplexConvTranspose2d.__doc__ = (
    "Complex ``nn.ConvTranspose2d``: ``ComplexMultiplicationWrapper(nn.ConvTranspose2d, ...)``."
)

_KNOWN_BOUNDS = ("BDT", "tanh", "BDSS", "sigmoid", "UBD", None)


def _check_bound_type(bound_type):
    if bound_type not in _KNOWN_BOUNDS:
        raise ValueError(f"Unknown mask bound {bound_type!r}; expected one of {_KNOWN_BOUNDS}.")


def bound_complex_mask(mask: ComplexTensor, bound_type: Optional[str] = "tanh"):
    """Bound a complex mask :math:`M = |M| e^{i\\phi}` (Choi et al. 2019, section 3.2).

    - ``"BDT"`` / ``"tanh"``: :math:`\\tanh(|M|)\\, e^{i\\phi}` (magnitude below 1,
      phase kept). As in the published toolkit, :math:`|M|` is computed as
      :math:`\\sqrt{\\Re^2 + \\Im^2 + 10^{-8}}`.
    - ``"BDSS"`` / ``"sigmoid"``: a sigmoid on the real and on the imaginary part.
    - ``"UBD"`` / ``None``: the mask unchanged.

    Args:
        mask (ComplexTensor): the complex mask, any shape.
        bound_type (str or None): one of the names above.

    Returns:
        ComplexTensor: the bounded mask, same shape.

    Raises:
        ValueError: for an unknown ``bound_type``.

    References:
        Choi et al., "Phase-aware Speech Enhancement with Deep Complex U-Net",
        ICLR 2019. https://arxiv.org/abs/1903.03107
    """
    if bound_type is None or bound_type == "UBD":
        return mask
    if bound_type == "BDSS" or bound_type == "sigmoid":
        return torch.complex(torch.sigmoid(mask.real), torch.sigmoid(mask.imag))
    if bound_type == "BDT" or bound_type == "tanh":
        re, im = mask.real, mask.imag
        mag = (re.square() + im.square() + 1e-8).sqrt()
        phase = torch.atan2(im, re)
        bounded = torch.tanh(mag)
        return torch.complex(bounded * torch.cos(phase), bounded * torch.sin(phase))
    raise ValueError(
        f"Unknown mask bound {bound_type}; expected 'BDT'/'tanh', 'BDSS'/'sigmoid' or "
        f"'UBD'/None."
    )


class BoundComplexMask(nn.Module):
    """Module form of :func:`bound_complex_mask`.

    Args:
        bound_type (str or None): ``"tanh"``/``"BDT"``, ``"sigmoid"``/``"BDSS"`` or
            ``None``/``"UBD"``.
    """

    def __init__(self, bound_type):
        super().__init__()
        _check_bound_type(bound_type)
        self.bound_type = bound_type

    def forward(self, mask: ComplexTensor):
        return bound_complex_mask(mask, self.bound_type)

    def extra_repr(self):
        return f"bound_type={self.bound_type!r}"
