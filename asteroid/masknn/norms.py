"""Normalization layers of the maskers, and the registry that configs name them by.

All layer norms normalise a tensor :math:`(B, C, *)` with statistics taken over
some of its dimensions (biased variance, :math:`\\epsilon` inside the square
root), then apply a per-channel gain ``gamma`` (ones) and bias ``beta`` (zeros)
on dimension 1.

========  ====================  ======================================================
name      class                 statistics over
========  ====================  ======================================================
``gLN``   :class:`GlobLN`       every dimension but the batch
``fgLN``  :class:`FeatsGlobLN`  the dimensions after the channels (each channel apart)
``cLN``   :class:`ChanLN`       the channels only (each frame apart)
``cgLN``  :class:`CumLN`        channels and frames up to the current one (causal)
``bN``    :class:`BatchNorm`    the batch and the frames (``torch`` batch norm)
========  ====================  ======================================================

The class names work as identifiers too (``norms.get("GlobLN")``).
"""

from functools import partial

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from .. import complex_nn

__all__ = [
    "GlobLN",
    "FeatsGlobLN",
    "ChanLN",
    "CumLN",
    "BatchNorm",
    "get",
    "get_complex",
    "register_norm",
]

EPS = 1e-8


class _LayerNorm(nn.Module):
    """Base of the layer norms: owns the per-channel ``gamma`` and ``beta``.

    Args:
        channel_size (int): number of channels :math:`C` (size of dimension 1).
    """

    def __init__(self, channel_size):
        super().__init__()
        self.channel_size = channel_size
        self.gamma = nn.Parameter(torch.ones(channel_size), requires_grad=True)
        self.beta = nn.Parameter(torch.zeros(channel_size), requires_grad=True)

    def apply_gain_and_bias(self, normed_x):
        """``gamma * normed_x + beta``, broadcast on dimension 1 of :math:`(B, C, *)`."""
        shape = [1, -1] + [1] * (normed_x.dim() - 2)
        return torch.addcmul(self.beta.view(shape), normed_x, self.gamma.view(shape))

    def extra_repr(self):
        return f"{self.channel_size}"


class GlobLN(_LayerNorm):
    """Global layer norm (gLN): one mean and variance per example, over :math:`(C, *)`.

    Shape:
        - x: :math:`(B, C, *)`
        - output: same as ``x``.

    References:
        Luo and Mesgarani, "Conv-TasNet: Surpassing Ideal Time-Frequency Magnitude
        Masking for Speech Separation", TASLP 2019. https://arxiv.org/abs/1809.07454
    """

    def forward(self, x, EPS: float = 1e-8):
        # One group holding every channel: the statistics of gLN, in one fused kernel.
        return F.group_norm(x, 1, self.gamma, self.beta, EPS)


class FeatsGlobLN(_LayerNorm):
    """Feature-wise global layer norm (fgLN): statistics of each channel over :math:`(*)`.

    Shape:
        - x: :math:`(B, C, *)`, at least 3-D.
        - output: same as ``x``.
    """

    def forward(self, x, EPS: float = 1e-8):
        if x.dim() < 3:
            raise ValueError(
                f"FeatsGlobLN expects a (batch, chan, *) input with at least 3 dimensions, "
                f"got shape {list(x.shape)}."
            )
        # One group per channel: each channel normalised over the remaining dimensions.
        return F.group_norm(x, x.shape[1], self.gamma, self.beta, EPS)


class ChanLN(_LayerNorm):
    """Channel-wise layer norm (cLN): statistics over the channels, for each frame.

    Causal: frame :math:`t` of the output only depends on frame :math:`t` of the input.

    Shape:
        - x: :math:`(B, C, *)`
        - output: same as ``x``.
    """

    def forward(self, x, EPS: float = 1e-8):
        var, mean = torch.var_mean(x, dim=1, keepdim=True, unbiased=False)
        return self.apply_gain_and_bias((x - mean) / (var + EPS).sqrt())


class CumLN(_LayerNorm):
    """Cumulative global layer norm (cgLN): causal statistics over channels and past frames.

    At frame :math:`t`, mean and variance are taken over all channels and frames
    :math:`0..t` (the variance as :math:`E[x^2] - E[x]^2`).

    Shape:
        - x: :math:`(B, C, L)`
        - output: same as ``x``.
    """

    def forward(self, x, EPS: float = 1e-8):
        if x.dim() != 3:
            raise ValueError(
                f"CumLN expects a (batch, chan, frames) input, got shape {list(x.shape)}."
            )
        chan = x.shape[1]
        cum_sum = torch.cumsum(x.sum(1, keepdim=True), dim=-1)
        cum_pow_sum = torch.cumsum(x.pow(2).sum(1, keepdim=True), dim=-1)
        # Number of values seen up to each frame: chan, 2 * chan, ...
        count = torch.arange(
            chan, chan * (x.shape[-1] + 1), chan, dtype=x.dtype, device=x.device
        ).view(1, 1, -1)
        cum_mean = cum_sum / count
        cum_var = cum_pow_sum / count - cum_mean.pow(2)
        return self.apply_gain_and_bias((x - cum_mean) / (cum_var + EPS).sqrt())


class BatchNorm(_BatchNorm):
    """``torch`` batch norm on inputs :math:`(B, C)`, :math:`(B, C, L)` or :math:`(B, C, H, W)`.

    Args:
        num_features (int): number of channels :math:`C`. The other arguments are
            those of :class:`torch.nn.BatchNorm1d`.
    """

    def _check_input_dim(self, input):
        if input.dim() < 2 or input.dim() > 4:
            raise ValueError(f"BatchNorm expects a 2-D to 4-D input, got {input.dim()}-D input.")


_NORMS = {}


def register_norm(custom_norm):
    """Make a norm class available to :func:`get` under its ``__name__``.

    Args:
        custom_norm (type): class taking the number of channels as its only
            required argument.

    Raises:
        ValueError: if the name (or its lowercase form) is already taken.
    """
    name = custom_norm.__name__
    if name in _NORMS or name.lower() in _NORMS:
        raise ValueError(f"Norm {name} already exists. Choose another name.")
    _NORMS[name] = custom_norm


for _name, _cls in [
    ("gLN", GlobLN),
    ("fgLN", FeatsGlobLN),
    ("cLN", ChanLN),
    ("cgLN", CumLN),
    ("bN", BatchNorm),
    ("GlobLN", GlobLN),
    ("FeatsGlobLN", FeatsGlobLN),
    ("ChanLN", ChanLN),
    ("CumLN", CumLN),
    ("BatchNorm", BatchNorm),
]:
    _NORMS[_name] = _cls


def get(identifier):
    """Norm class from a name (``"gLN"``, ``"cLN"``, ...), a class, or ``None``.

    Args:
        identifier (str, callable or None): a registered name (case-sensitive),
            a callable (returned as is) or ``None`` (returns ``None``).

    Returns:
        callable or None: call it with the number of channels to build the norm.

    Raises:
        ValueError: for an unknown name or an unsupported identifier type.
    """
    if identifier is None:
        return None
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if identifier in _NORMS:
            return _NORMS[identifier]
        raise ValueError(
            f"Could not interpret normalization identifier {identifier!r}. "
            f"Known norms: {', '.join(_NORMS)}."
        )
    raise ValueError(
        f"Could not interpret normalization identifier {identifier!r} "
        f"(expected a string, a callable or None)."
    )


def get_complex(identifier):
    """Like :func:`get`, for complex inputs: separate norms on the real and imaginary parts.

    Returns:
        callable or None: ``partial(complex_nn.OnReIm, norm_cls)``, or ``None``.
    """
    norm = get(identifier)
    if norm is None:
        return None
    return partial(complex_nn.OnReIm, norm)
