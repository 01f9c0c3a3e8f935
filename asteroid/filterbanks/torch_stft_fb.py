"""An STFT filterbank whose Encoder and Decoder give the numbers of ``torch.stft``/``torch.istft``."""

import warnings
from typing import List

import torch
from torch.nn import functional as F

from .stft_fb import STFTFB

__all__ = ["TorchSTFTFB"]


class TorchSTFTFB(STFTFB):
    """STFT filterbank matching :func:`torch.stft` (Encoder) and :func:`torch.istft` (Decoder).

    On top of :class:`~asteroid.filterbanks.STFTFB` it reflect-pads ``kernel_size // 2`` samples
    on both sides when ``center``, undoes the STFTFB scaling after the analysis, and after the
    synthesis divides by the overlap-added squared window and drops the centring samples. With the
    same window, ``Encoder(fb)(x)`` equals ``from_torch_complex(torch.stft(x, ...))`` and
    ``Decoder(fb)(spec, length=T)`` equals ``torch.istft(..., length=T)``. Without ``length`` the
    Decoder returns every sample it rebuilt (``torch.istft`` trims the end).

    Where the overlap-added squared window is below 1e-11 (windows that contain zeros), the
    samples are left undivided with a warning, where ``torch.istft`` raises. Whether to warn
    is decided from the window, the hop and the number of frames (a table made at
    construction), not from tensor values, so the Decoder traces with a symbolic length under
    :func:`torch.export.export`.

    Args:
        n_filters (int): DFT size :math:`N` (``n_fft``).
        kernel_size (int): window length :math:`K` (``win_length``): ``n_filters``, or, with
            ``center=True``, smaller than ``n_filters`` by an even number.
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        window (array-like, optional): window of ``kernel_size`` samples. ``None`` means the square
            root of the periodic Hann window (note: ``torch.stft`` uses a rectangular window when
            given none; pass the same window to both for the numbers to agree).
        center (bool): pad the signal so that frame :math:`l` is centred on sample :math:`lS`.
        pad_mode (str): ``F.pad`` mode of the centring padding (``"reflect"``, ``"constant"``,
            ``"replicate"``, ``"circular"``).
        normalized (bool): scale the transform by :math:`N^{-1/2}` like ``torch.stft`` does.
        onesided (bool): must be ``True`` (one-sided spectrum).
        sample_rate (float): sample rate of the expected audio, in Hz.
        **kwargs: ignored.

    Raises:
        ValueError: for an unsupported ``kernel_size`` (see above), ``onesided=False`` or an
            unknown ``pad_mode``, and for the errors of :class:`STFTFB`.
    """

    def __init__(
        self,
        n_filters,
        kernel_size,
        stride=None,
        window=None,
        center=True,
        pad_mode="reflect",
        normalized=False,
        onesided=True,
        sample_rate=8000.0,
        **kwargs,
    ):
        if n_filters != kernel_size and ((n_filters - kernel_size) % 2 != 0 or not center):
            raise ValueError(
                "TorchSTFTFB needs kernel_size == n_filters, or, with center=True, an even "
                "n_filters - kernel_size (the window is centred in the DFT frame as torch.stft "
                f"does); got n_filters={n_filters}, kernel_size={kernel_size}, center={center}."
            )
        if not onesided:
            raise ValueError("TorchSTFTFB only computes one-sided spectra (onesided=True).")
        if pad_mode not in ("reflect", "constant", "replicate", "circular"):
            raise ValueError(
                f"pad_mode must be 'reflect', 'constant', 'replicate' or 'circular', got {pad_mode!r}."
            )
        super().__init__(
            n_filters, kernel_size, stride=stride, window=window, sample_rate=sample_rate
        )
        self.center = bool(center)
        self.pad_mode = pad_mode
        self.normalized = bool(normalized)

        # Per-row factors from STFTFB's scaling to torch.stft's (not saved in the state dict).
        scale = torch.full(
            (self.n_feats_out, 1), 0.5 * (self.kernel_size * self.n_filters / self.stride) ** 0.5
        )
        scale[0] *= 2**0.5
        scale[self.n_filters // 2] *= 2**0.5
        if self.normalized:
            scale /= self.n_filters**0.5
        self.register_buffer("_analysis_scale", scale, persistent=False)
        # torch.istft's input scaling relative to the STFTFB decoder's filters.
        syn_scale = torch.full(
            (self.n_feats_out, 1), (self.stride * self.n_filters / self.kernel_size) ** -0.5
        )
        syn_scale[0] /= 2**0.5
        syn_scale[self.n_filters // 2] /= 2**0.5
        if self.normalized:
            syn_scale *= self.n_filters**0.5
        self.register_buffer("_synthesis_scale", syn_scale, persistent=False)
        # Whether the overlap-added squared window falls below 1e-11 somewhere in the Decoder
        # output depends only on the window, the hop and the number of frames: decided here,
        # once, so that the synthesis has no check on tensor values (torch.export can then
        # trace it with a symbolic number of frames).
        self._set_envelope_table()

    @classmethod
    def from_torch_args(
        cls,
        n_fft,
        hop_length=None,
        win_length=None,
        window=None,
        center=True,
        pad_mode="reflect",
        normalized=False,
        onesided=True,
        sample_rate=8000.0,
        **kwargs,
    ):
        """Builds the filterbank from :func:`torch.stft`'s argument names.

        ``win_length=None`` means ``n_fft``; ``hop_length=None`` means ``win_length // 2`` (the
        filterbank default, not torch's quarter window).
        """
        return cls(
            n_filters=n_fft,
            kernel_size=n_fft if win_length is None else win_length,
            stride=hop_length,
            window=window,
            center=center,
            pad_mode=pad_mode,
            normalized=normalized,
            onesided=onesided,
            sample_rate=sample_rate,
            **kwargs,
        )

    def pre_analysis(self, wav: torch.Tensor) -> torch.Tensor:
        """Pads ``kernel_size // 2`` samples on both sides when ``center``."""
        if not self.center:
            return wav
        half = self.kernel_size // 2
        return _pad_last_axis(wav, half, self.pad_mode)

    def post_analysis(self, spec: torch.Tensor) -> torch.Tensor:
        """Rescales the rows to the values of ``torch.stft``."""
        return spec * self._analysis_scale

    def pre_synthesis(self, spec: torch.Tensor) -> torch.Tensor:
        """Rescales ``torch.stft``-like rows to the STFTFB decoder's convention."""
        return spec * self._synthesis_scale

    def post_synthesis(self, wav: torch.Tensor) -> torch.Tensor:
        """Divides by the overlap-added squared window and drops the centring samples."""
        n_frames = 1 + (wav.shape[-1] - self.kernel_size) // self.stride
        # Samples past the last frame (Decoder output_padding) have an empty envelope.
        past_frames = wav.shape[-1] - (n_frames - 1) * self.stride - self.kernel_size
        # (TorchScript and the JIT tracer skip the warning, a Python side effect.)
        if not torch.jit.is_scripting() and not torch.jit.is_tracing():
            if past_frames > 0 or self._envelope_vanishes_for(n_frames):
                warnings.warn(
                    "The overlap-added squared window falls below 1e-11: those samples are not "
                    "divided.",
                    RuntimeWarning,
                )
        return _ola_window_division(
            wav, self.torch_window, self.kernel_size, self.stride, self.center
        )

    def _set_envelope_table(self):
        """Fills the table of :meth:`_envelope_vanishes_for` from the current window."""
        self._envelope_vanishes = _vanishing_envelopes(
            self.torch_window.detach(), self.kernel_size, self.stride, self.center
        )
        self._envelope_never_vanishes = not any(self._envelope_vanishes)
        self._envelope_always_vanishes = all(self._envelope_vanishes)

    def _envelope_vanishes_for(self, n_frames: int) -> bool:
        """Whether the envelope of ``n_frames`` frames has a sample below 1e-11 (after the
        centring samples): a look-up in the table made at construction."""
        if self._envelope_never_vanishes:
            return False
        if self._envelope_always_vanishes:
            return True
        last = len(self._envelope_vanishes)
        return self._envelope_vanishes[max(min(n_frames, last), 1) - 1]

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        # A loaded window replaces the constructor's: decide again where its envelope vanishes.
        self._set_envelope_table()

    def get_config(self):
        """The STFTFB config plus ``center``, ``pad_mode`` and ``normalized``."""
        return {
            **super().get_config(),
            "center": self.center,
            "pad_mode": self.pad_mode,
            "normalized": self.normalized,
        }


@torch.jit.script_if_tracing
def _pad_last_axis(wav: torch.Tensor, pad: int, mode: str) -> torch.Tensor:
    """Pads ``pad`` samples on both ends of the last axis, for any number of leading axes."""
    if wav.dim() == 0:
        raise ValueError("Expected a waveform with samples on the last axis, got a 0-d tensor.")
    flat = wav.reshape(-1, 1, wav.shape[-1])
    padded = F.pad(flat, [pad, pad], mode=mode)
    out_shape: List[int] = list(wav.shape[:-1]) + [padded.shape[-1]]
    return padded.view(out_shape)


def _vanishing_envelopes(
    window: torch.Tensor, kernel_size: int, stride: int, center: bool
) -> List[bool]:
    """``out[n - 1]``: whether the overlap-added squared window of ``n`` frames falls below 1e-11
    after the ``kernel_size // 2`` leading samples (when ``center``).

    With a hop :math:`S` no longer than the window :math:`K`, once
    :math:`n \\geq \\lceil K / S \\rceil + 1` the envelope is a fixed head, a middle that repeats
    every hop (the full sums of each residue class of window samples, never below the tail's
    partial sums of the same class) and a fixed tail: its smallest value no longer depends on
    :math:`n`. The table stops at :math:`\\lceil K / S \\rceil + 2` frames; its last entry holds
    for every longer signal.
    """
    n_max = -(-kernel_size // stride) + 2
    start = kernel_size // 2 if center else 0
    out: List[bool] = []
    for n_frames in range(1, n_max + 1):
        length = (n_frames - 1) * stride + kernel_size
        envelope = _ola_envelope(length, window, kernel_size, stride, window.dtype, window.device)
        out.append(bool((envelope[start:].abs() < 1e-11).any()))
    return out


def _ola_envelope(
    length: int,
    window: torch.Tensor,
    kernel_size: int,
    stride: int,
    dtype: torch.dtype,
    device: torch.device,
) -> torch.Tensor:
    """The overlap-added squared window over ``length`` decoder output samples (zeros past the
    last frame)."""
    n_frames = 1 + (length - kernel_size) // stride
    ones = torch.ones(1, 1, n_frames, dtype=dtype, device=device)
    kernel = window.to(dtype).pow(2).view(1, 1, -1)
    envelope = F.conv_transpose1d(ones, kernel, stride=stride)[0, 0]
    # The decoder output may be longer than the frames cover (output_padding).
    return F.pad(envelope, [0, length - envelope.shape[-1]])


@torch.jit.script_if_tracing
def _ola_window_division(
    wav: torch.Tensor, window: torch.Tensor, kernel_size: int, stride: int, center: bool
) -> torch.Tensor:
    """``wav`` divided by the overlap-added squared window, minus ``kernel_size // 2`` leading
    samples when ``center``. Samples where the envelope is below 1e-11 are left undivided."""
    wsq_ola = _ola_envelope(wav.shape[-1], window, kernel_size, stride, wav.dtype, wav.device)
    start = kernel_size // 2 if center else 0
    wav = wav[..., start:]
    wsq_ola = wsq_ola[start:]
    valid = wsq_ola.abs() >= 1e-11
    return torch.where(valid, wav / torch.where(valid, wsq_ola, torch.ones_like(wsq_ola)), wav)
