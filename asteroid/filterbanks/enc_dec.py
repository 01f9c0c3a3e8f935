"""The filterbank base class and the two modules that run a filterbank: Encoder and Decoder.

A :class:`Filterbank` only describes a set of filters (``filters()``) and four hooks around the
convolution. :class:`Encoder` turns a waveform into a time-frequency representation with a strided
1-D convolution; :class:`Decoder` goes back with the transposed convolution (overlap-add).
"""

import abc
import numbers
import warnings
from typing import List, Optional

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "Filterbank",
    "Encoder",
    "Decoder",
    "multishape_conv1d",
    "batch_packed_1d_conv",
    "multishape_conv_transpose1d",
]


def _positive_int(name, value):
    """``value`` as an ``int``, or a ``ValueError``/``TypeError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


class Filterbank(nn.Module, metaclass=abc.ABCMeta):
    """Base class of the filterbanks: a set of ``n_filters`` 1-D filters of ``kernel_size`` taps.

    A subclass defines :meth:`filters` and, when it needs them, overrides the four hooks that run
    around the (transposed) convolution: :meth:`pre_analysis`, :meth:`post_analysis`,
    :meth:`pre_synthesis` and :meth:`post_synthesis`. A filterbank is run by wrapping it in an
    :class:`Encoder` or a :class:`Decoder`.

    Args:
        n_filters (int): number of filters (:math:`N`).
        kernel_size (int): length of the filters in samples (:math:`K`).
        stride (int, optional): hop between two frames in samples (:math:`S`). ``None`` or ``0``
            means ``kernel_size // 2``. Must not exceed ``kernel_size``.
        sample_rate (float): sample rate of the audio the filterbank expects, in Hz.

    Attributes:
        n_feats_out (int): number of rows of the analysis output (``n_filters`` unless a subclass
            says otherwise).

    Raises:
        ValueError: if a size is not positive or the stride exceeds the kernel size.
    """

    def __init__(self, n_filters, kernel_size, stride=None, sample_rate=8000.0):
        super().__init__()
        self.n_filters = _positive_int("n_filters", n_filters)
        self.kernel_size = _positive_int("kernel_size", kernel_size)
        if not stride:
            stride = self.kernel_size // 2
            if stride < 1:
                raise ValueError(
                    f"The default stride kernel_size // 2 is 0 for kernel_size={kernel_size}; "
                    "give a stride explicitly."
                )
        self.stride = _positive_int("stride", stride)
        if self.stride > self.kernel_size:
            raise ValueError(
                f"stride ({self.stride}) must not exceed kernel_size ({self.kernel_size}): "
                "samples between two frames would be skipped."
            )
        self.n_feats_out = self.n_filters
        self.sample_rate = sample_rate

    @abc.abstractmethod
    def filters(self) -> torch.Tensor:
        """The analysis filters, shape :math:`(F, 1, K)` with :math:`F` = ``n_feats_out``
        (before ``post_analysis``)."""

    def pre_analysis(self, wav: torch.Tensor) -> torch.Tensor:
        """Transform applied to the waveform before the encoder convolution (identity here)."""
        return wav

    def post_analysis(self, spec: torch.Tensor) -> torch.Tensor:
        """Transform applied to the encoder convolution output (identity here)."""
        return spec

    def pre_synthesis(self, spec: torch.Tensor) -> torch.Tensor:
        """Transform applied to the decoder input before the transposed convolution (identity)."""
        return spec

    def post_synthesis(self, wav: torch.Tensor) -> torch.Tensor:
        """Transform applied to the transposed convolution output (identity here)."""
        return wav

    def get_config(self):
        """Keyword arguments that rebuild this filterbank, plus its class name as ``fb_name``.

        Returns:
            dict: ``fb_name``, ``n_filters``, ``kernel_size``, ``stride``, ``sample_rate`` and the
            subclass' own arguments.
        """
        return {
            "fb_name": type(self).__name__,
            "n_filters": self.n_filters,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "sample_rate": self.sample_rate,
        }

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        raise RuntimeError(
            "A Filterbank is not called directly: wrap it in an Encoder or a Decoder."
        )


class _EncDec(nn.Module):
    """What Encoder and Decoder share: the wrapped filterbank and the pseudo-inverse option.

    Args:
        filterbank (Filterbank): the filterbank to run. Registered as the submodule
            ``filterbank`` (so its weights are saved under ``filterbank.``).
        is_pinv (bool): use the pseudo-inverse of the filters instead of the filters.
    """

    def __init__(self, filterbank, is_pinv=False):
        super().__init__()
        if not isinstance(filterbank, Filterbank):
            raise TypeError(f"Expected a Filterbank instance, got {type(filterbank).__name__}.")
        self.filterbank = filterbank
        self.sample_rate = getattr(filterbank, "sample_rate", None)
        self.stride = filterbank.stride
        self.is_pinv = bool(is_pinv)

    def filters(self) -> torch.Tensor:
        """The filters of the wrapped filterbank."""
        return self.filterbank.filters()

    def compute_filter_pinv(self, filters: torch.Tensor) -> torch.Tensor:
        """Pseudo-inverse of ``filters`` seen as an :math:`(F, K)` matrix.

        The result is scaled by :math:`S / K` so that the overlap-add of :math:`K / S` frames
        per sample does not change the level.

        Shape:
            - filters: :math:`(F, 1, K)`
            - output: :math:`(F, 1, K)`
        """
        matrix = filters[:, 0, :]
        inverse = torch.linalg.pinv(matrix).transpose(-1, -2)
        scale = self.filterbank.stride / self.filterbank.kernel_size
        return inverse.unsqueeze(1) * scale

    def get_filters(self) -> torch.Tensor:
        """The filters the convolution uses: the pseudo-inverse ones when ``is_pinv``."""
        if self.is_pinv:
            return self.compute_filter_pinv(self.filters())
        return self.filters()

    def get_config(self):
        """The filterbank's config plus ``is_pinv``."""
        return {**self.filterbank.get_config(), "is_pinv": self.is_pinv}


class Encoder(_EncDec):
    r"""Analysis: convolves a waveform with the filters of a filterbank.

    The filterbank hooks run around the convolution:
    ``post_analysis(conv1d(pre_analysis(wav), filters, stride, padding))``.

    Args:
        filterbank (Filterbank): the filterbank to use.
        is_pinv (bool): convolve with the pseudo-inverse of the filters.
        as_conv1d (bool): with ``True``, a :math:`(B, 1, T)` input gives :math:`(B, F, L)` like
            ``nn.Conv1d``; with ``False`` it gives :math:`(B, 1, F, L)`.
        padding (int): zeros added on both sides of the waveform.

    Shape:
        - :math:`(T)` -> :math:`(F, L)`
        - :math:`(B, T)` -> :math:`(B, F, L)` (with a warning: prefer :math:`(B, 1, T)`)
        - :math:`(B, 1, T)` -> :math:`(B, F, L)` if ``as_conv1d`` else :math:`(B, 1, F, L)`
        - :math:`(B, C, T)`, :math:`C > 1` -> :math:`(B, C, F, L)`
        - :math:`(*, T)` with 4 or more axes -> :math:`(*, F, L)`

        where :math:`L = \lfloor (T + 2P - K) / S \rfloor + 1` before ``pre_analysis`` changes
        :math:`T`.
    """

    def __init__(self, filterbank, is_pinv=False, as_conv1d=True, padding=0):
        super().__init__(filterbank, is_pinv=is_pinv)
        self.as_conv1d = bool(as_conv1d)
        self.n_feats_out = self.filterbank.n_feats_out
        self.padding = int(padding)

    @classmethod
    def pinv_of(cls, filterbank, **kwargs):
        """An Encoder whose filters are the pseudo-inverse of a Filterbank's or a Decoder's.

        Args:
            filterbank (Filterbank or Decoder): the filters to invert.
            **kwargs: passed to :class:`Encoder` (``as_conv1d``, ``padding``).
        """
        if isinstance(filterbank, Decoder):
            filterbank = filterbank.filterbank
        if not isinstance(filterbank, Filterbank):
            raise TypeError(
                f"Encoder.pinv_of expects a Filterbank or a Decoder, got {type(filterbank).__name__}."
            )
        return cls(filterbank, is_pinv=True, **kwargs)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """Time-frequency representation of ``waveform`` (samples on the last axis)."""
        filters = self.get_filters()
        waveform = self.filterbank.pre_analysis(waveform)
        spec = multishape_conv1d(
            waveform,
            filters=filters,
            stride=self.stride,
            padding=self.padding,
            as_conv1d=self.as_conv1d,
        )
        return self.filterbank.post_analysis(spec)


class Decoder(_EncDec):
    r"""Synthesis: overlap-adds the filters weighted by a time-frequency representation.

    Runs ``post_synthesis(conv_transpose1d(pre_synthesis(spec), filters, stride, ...))``.

    Args:
        filterbank (Filterbank): the filterbank to use.
        is_pinv (bool): use the pseudo-inverse of the filters.
        padding (int): ``padding`` of :func:`torch.nn.functional.conv_transpose1d` (samples
            removed on both sides of the output).
        output_padding (int): samples added at the end of the output.

    Shape:
        - :math:`(F, L)` -> :math:`(T)`
        - :math:`(B, F, L)` -> :math:`(B, 1, T)`
        - :math:`(*, F, L)` with 4 or more axes -> :math:`(*, T)`

        where :math:`T = (L - 1) S - 2P + K + P_{out}` before ``post_synthesis`` and the
        ``length`` crop.
    """

    def __init__(self, filterbank, is_pinv=False, padding=0, output_padding=0):
        super().__init__(filterbank, is_pinv=is_pinv)
        self.padding = int(padding)
        self.output_padding = int(output_padding)

    @classmethod
    def pinv_of(cls, filterbank):
        """A Decoder whose filters are the pseudo-inverse of a Filterbank's or an Encoder's.

        Args:
            filterbank (Filterbank or Encoder): the filters to invert.
        """
        if isinstance(filterbank, Encoder):
            filterbank = filterbank.filterbank
        if not isinstance(filterbank, Filterbank):
            raise TypeError(
                f"Decoder.pinv_of expects a Filterbank or an Encoder, got {type(filterbank).__name__}."
            )
        return cls(filterbank, is_pinv=True)

    def forward(self, spec: torch.Tensor, length: Optional[int] = None) -> torch.Tensor:
        """Waveform from a time-frequency representation.

        Args:
            spec (torch.Tensor): features on the second-to-last axis, frames on the last.
            length (int, optional): crop the output to at most this many samples.
        """
        filters = self.get_filters()
        spec = self.filterbank.pre_synthesis(spec)
        wav = multishape_conv_transpose1d(
            spec,
            filters,
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
        )
        wav = self.filterbank.post_synthesis(wav)
        if length is not None:
            wav = wav[..., : min(length, wav.shape[-1])]
        return wav


@torch.jit.script_if_tracing
def multishape_conv1d(
    waveform: torch.Tensor,
    filters: torch.Tensor,
    stride: int,
    padding: int = 0,
    as_conv1d: bool = True,
) -> torch.Tensor:
    """1-D strided convolution of the last axis of ``waveform`` with every filter.

    See :class:`Encoder` for the shapes.
    """
    if waveform.dim() == 0:
        raise ValueError("Expected a waveform with samples on the last axis, got a 0-d tensor.")
    kernel_size = filters.shape[-1]
    if waveform.shape[-1] + 2 * padding < kernel_size:
        raise ValueError(
            f"The waveform is shorter than one frame: {waveform.shape[-1]} samples "
            f"(+ 2 * padding={padding}) for kernel_size={kernel_size}."
        )
    if waveform.dim() == 1:
        return F.conv1d(waveform[None, None], filters, stride=stride, padding=padding)[0]
    if waveform.dim() == 2:
        warnings.warn(
            "Encoder input is 2-D (batch, time): the matching Decoder will return "
            "(batch, 1, time). Pass (batch, 1, time), e.g. wav.unsqueeze(1), to avoid the ambiguity."
        )
        return F.conv1d(waveform.unsqueeze(1), filters, stride=stride, padding=padding)
    if waveform.dim() == 3 and waveform.shape[1] == 1 and as_conv1d:
        return F.conv1d(waveform, filters, stride=stride, padding=padding)
    return batch_packed_1d_conv(waveform, filters, stride=stride, padding=padding)


def batch_packed_1d_conv(
    inp: torch.Tensor, filters: torch.Tensor, stride: int = 1, padding: int = 0
) -> torch.Tensor:
    """Convolution of every 1-D signal of ``inp`` (all leading axes folded into the batch).

    Shape:
        - inp: :math:`(*, T)`
        - output: :math:`(*, F, L)`
    """
    out = F.conv1d(inp.reshape(-1, 1, inp.shape[-1]), filters, stride=stride, padding=padding)
    out_shape: List[int] = list(inp.shape[:-1]) + list(out.shape[-2:])
    return out.view(out_shape)


@torch.jit.script_if_tracing
def multishape_conv_transpose1d(
    spec: torch.Tensor,
    filters: torch.Tensor,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
) -> torch.Tensor:
    """Transposed convolution (overlap-add) of the last two axes of ``spec``.

    See :class:`Decoder` for the shapes.
    """
    if spec.dim() < 2:
        raise ValueError(
            f"Expected a representation of shape (*, features, frames), got a {spec.dim()}-d "
            "tensor."
        )
    if spec.shape[-2] != filters.shape[0]:
        raise ValueError(
            f"Expected {filters.shape[0]} features on axis -2 of the decoder input, found "
            f"{spec.shape[-2]} (input shape {list(spec.shape)})."
        )
    if spec.dim() == 2:
        out = F.conv_transpose1d(
            spec.unsqueeze(0),
            filters,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
        )
        return out[0, 0]
    if spec.dim() == 3:
        return F.conv_transpose1d(
            spec, filters, stride=stride, padding=padding, output_padding=output_padding
        )
    out = F.conv_transpose1d(
        spec.reshape(-1, spec.shape[-2], spec.shape[-1]),
        filters,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
    )
    out_shape: List[int] = list(spec.shape[:-2]) + [out.shape[-1]]
    return out.view(out_shape)
