"""Stateful chunk-by-chunk separation with a causal encoder-masker-decoder model."""

import copy
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from torch import nn

from ...filterbanks import Decoder, Encoder, Filterbank, MelGramFB
from ...models.base_models import BaseEncoderMaskerDecoder
from ...models.demask import DeMask
from ...models.lstm_tasnet import _GatedEncoder
from .layers import NotStreamableError, make_stateful
from .maskers import get_streaming_masker

__all__ = ["StreamingSeparator", "StreamStats", "register_streaming_model"]

# The steps of BaseEncoderMaskerDecoder.forward a model may override.
_STEPS = ("forward", "forward_encoder", "forward_masker", "apply_masks", "forward_decoder")

# Overridden steps known to be frame-wise, by the class that overrides them.
_FRAMEWISE_STEPS: Dict[type, frozenset] = {
    # DeMask: magnitudes per frame, one mask repeated on the real and imaginary rows.
    DeMask: frozenset({"forward_masker", "apply_masks"}),
}

# Encoder wrappers whose forward is frame-wise given frame-wise encoders.
_ENCODER_CONTAINERS = (_GatedEncoder,)

# Filterbanks whose frame-domain hooks are frame-wise (a per-frame mel projection).
_FRAMEWISE_HOOK_FILTERBANKS = (MelGramFB,)


def register_streaming_model(model_cls: type, framewise_steps=()):
    """Declare the steps a model class overrides as frame-wise, so that it can stream.

    By default a model that overrides one of ``forward``, ``forward_encoder``,
    ``forward_masker``, ``apply_masks`` or ``forward_decoder`` of
    :class:`~asteroid.models.base_models.BaseEncoderMaskerDecoder` is refused,
    since the wrapper cannot tell whether the override mixes frames. Declare
    here the overrides whose output at frame :math:`t` depends on frame
    :math:`t` only.

    Args:
        model_cls (type): the class that defines the overrides.
        framewise_steps (iterable of str): the overridden step names.

    Raises:
        ValueError: for a name that is not one of the steps.
    """
    unknown = sorted(set(framewise_steps) - set(_STEPS))
    if unknown:
        raise ValueError(f"Unknown step names {unknown}; the steps are {list(_STEPS)}.")
    _FRAMEWISE_STEPS[model_cls] = frozenset(framewise_steps)


@dataclass
class StreamStats:
    """Compute spent on a stream, and how it compares with the audio's duration.

    Attributes:
        sample_rate (float): the model's sample rate, in Hz.
        chunks (int): calls to :meth:`StreamingSeparator.step` (and ``flush``).
        samples_in (int): samples received.
        samples_out (int): samples returned.
        compute_s (float): total time spent in ``step`` and ``flush``, in seconds.
        max_chunk_s (float): the longest call, in seconds.
        last_chunk_s (float): the last call, in seconds.
    """

    sample_rate: float
    chunks: int = 0
    samples_in: int = 0
    samples_out: int = 0
    compute_s: float = 0.0
    max_chunk_s: float = 0.0
    last_chunk_s: float = 0.0

    @property
    def audio_s(self) -> float:
        """Duration of the audio received, in seconds."""
        return self.samples_in / self.sample_rate

    @property
    def realtime_factor(self) -> float:
        """Compute time over audio duration (below 1: faster than real time)."""
        return self.compute_s / self.audio_s if self.samples_in else 0.0

    @property
    def mean_chunk_s(self) -> float:
        """Mean time of a call, in seconds."""
        return self.compute_s / self.chunks if self.chunks else 0.0

    def _record(self, seconds: float, n_in: int, n_out: int):
        self.chunks += 1
        self.samples_in += n_in
        self.samples_out += n_out
        self.compute_s += seconds
        self.last_chunk_s = seconds
        self.max_chunk_s = max(self.max_chunk_s, seconds)


class StreamingSeparator:
    """Separate a stream chunk by chunk with a causal model, exactly as the model does offline.

    Wraps a causal encoder-masker-decoder model (Conv-TasNet with ``causal=True``,
    LSTM-TasNet with ``bidirectional=False``, DeMask with a per-frame or cumulative
    norm, DPRNN-TasNet with ``bidirectional=False`` and ``norm_type="cLN"``) and keeps,
    between calls, everything its receptive field needs from the past: the input
    samples of the frame under way, the histories of the causal convolutions, the
    running sums of the cumulative norms, the RNN states and the overlap-add tail of
    the decoder.

    **Output.** :meth:`step` returns the next samples of the offline output
    ``model(wav)`` that are final; :meth:`flush` ends the stream and returns the
    rest. The concatenation of everything returned is the offline output, sample
    for sample (up to float rounding), including its end (where the offline model
    pads its output with zeros to the input's length). The returned samples are
    not shifted: output sample :math:`t` is offline output sample :math:`t`, returned
    between :attr:`latency_samples` (chunks that end on the model's hop) and
    :attr:`max_latency_samples` (any chunk lengths) samples after input sample
    :math:`t` arrived. A chunk may return fewer samples than it brought (even
    none), or more.

    **Latency.** A frame of :math:`K` samples every :math:`S` samples can only be
    decoded once its last sample is in, and the decoder's overlap-add completes a
    sample only when no later frame covers it: the algorithmic latency of the
    filterbank is :math:`K - S` samples. DPRNN adds ``chunk_size - hop_size``
    frames, the look-ahead of its intra-chunk RNN.

    The stream runs a private copy of the model in eval mode (dropout off, batch
    norm with running statistics), sharing its weights: build the separator after
    moving the model to its device.

    Args:
        model (asteroid.models.base_models.BaseEncoderMaskerDecoder): the causal model.

    Raises:
        NotStreamableError: (a ``ValueError``) if the model cannot stream, naming the
            reasons and where they apply (a global norm, a bidirectional RNN, a
            convolution that looks ahead, an unknown layer, ...).

    Shape:
        - chunk: :math:`(T_c,)`, :math:`(B, T_c)` or :math:`(B, 1, T_c)`
        - output: :math:`(S, T_o)` for a 1-D chunk, else :math:`(B, S, T_o)`

    Example:
        >>> model = ConvTasNet(n_src=2, causal=True, norm_type="cgLN").eval()
        >>> streamer = StreamingSeparator(model)
        >>> outs = [streamer.step(chunk) for chunk in wav.split(160, dim=-1)]
        >>> est = torch.cat(outs + [streamer.flush()], dim=-1)  # == model(wav)
    """

    def __init__(self, model: nn.Module):
        subject = type(model).__name__
        reasons = _check_model(model)
        if reasons:
            raise NotStreamableError(subject, reasons)
        self.model = model
        self._copy = _shared_copy(model).eval()
        reasons = _check_encoder(self._copy.encoder, "encoder")
        reasons += _check_decoder(self._copy.decoder)
        enc_stride = self._copy.encoder.filterbank.stride
        if getattr(self._copy.decoder, "stride", enc_stride) != enc_stride:
            reasons.append((f"its stride differs from the encoder's ({enc_stride})", "decoder"))
        reasons += make_stateful(self._copy.enc_activation, "enc_activation", {2, -1})[1]
        if reasons:
            raise NotStreamableError(subject, reasons)
        try:
            self._masker = get_streaming_masker(self._copy)
        except NotStreamableError as err:
            raise NotStreamableError(subject, err.reasons) from None

        self.kernel_size = int(self._copy.encoder.filterbank.kernel_size)
        self.stride = int(self._copy.encoder.filterbank.stride)
        self.sample_rate = float(model.sample_rate)
        self._delays = self._latency_range()
        self.stats = StreamStats(self.sample_rate)
        self.reset()

    # --- Latency --------------------------------------------------------------------------

    @property
    def latency_samples(self) -> int:
        """Algorithmic latency in samples: the shortest wait of an output sample.

        It is reached when a chunk ends where a frame's samples are complete (for
        DPRNN, a chunk of frames): :math:`K - S` for a filterbank of :math:`K` taps and
        hop :math:`S` (plus :math:`(K_c - H_c) S` for DPRNN chunks of :math:`K_c` frames
        every :math:`H_c`).
        """
        return self._delays[0]

    @property
    def max_latency_samples(self) -> int:
        """The longest wait of an output sample after its input sample, for any chunk lengths."""
        return self._delays[1]

    @property
    def latency_ms(self) -> float:
        """:attr:`latency_samples` in milliseconds."""
        return 1000.0 * self.latency_samples / self.sample_rate

    @property
    def hop_samples(self) -> int:
        """Samples per step of the model's framing (the filterbank hop, times DPRNN's chunk hop)."""
        return self.stride * self._masker.block_frames

    def _delay(self, n_in: int) -> int:
        """Samples received but not yet returned, once ``n_in`` samples are in."""
        n_frames = max(0, (n_in - self.kernel_size) // self.stride + 1)
        return n_in - self._masker.final_frames(n_frames) * self.stride

    def _latency_range(self):
        # The delay is periodic with period hop_samples once the stream is under way.
        period = self.hop_samples
        warmup = self.kernel_size + self.stride * (self._masker.context_frames + 1)
        start = period * (warmup // period + 2)
        delays = [self._delay(n) for n in range(start, start + period)]
        return min(delays), max(delays)

    # --- State ----------------------------------------------------------------------------

    def reset(self):
        """Forget the stream (its state and statistics) and get ready for a new one."""
        self._masker.reset()
        self._samples: Optional[torch.Tensor] = None  # input samples of the frame under way
        self._tf_queue: Optional[torch.Tensor] = None  # encoded frames waiting for their masks
        self._ola: Optional[torch.Tensor] = None  # decoder output from sample _n_out on
        self._squeeze = False
        self._n_in = 0
        self._n_decoded = 0  # frames decoded
        self._n_out = 0  # samples returned
        self.stats = StreamStats(self.sample_rate)

    def state_tensors(self) -> Dict[str, torch.Tensor]:
        """Every tensor the stream keeps between calls, by name."""
        state = {}
        for name, tensor in (
            ("input_samples", self._samples),
            ("frame_queue", self._tf_queue),
            ("overlap_add", self._ola),
        ):
            if tensor is not None:
                state[name] = tensor
        state.update(self._masker.state_tensors())
        return state

    def state_numel(self) -> int:
        """Total number of elements of :meth:`state_tensors`."""
        return sum(t.numel() for t in self.state_tensors().values())

    # --- Streaming ------------------------------------------------------------------------

    @torch.no_grad()
    def step(self, chunk: Union[torch.Tensor, np.ndarray]) -> torch.Tensor:
        """Take the next samples of the stream; return the next final output samples.

        Args:
            chunk (torch.Tensor or np.ndarray): the next samples, any length
                (zero included). Its batch size must stay the same within a stream.

        Returns:
            torch.Tensor: the next output samples, on the chunk's device,
            :math:`(S, T_o)` for a 1-D chunk, else :math:`(B, S, T_o)`.
        """
        start = time.perf_counter()
        chunk, device = self._as_batch(chunk)  # B, 1, T_c
        n_in = chunk.shape[-1]
        self._n_in += n_in
        self._samples = chunk if self._samples is None else torch.cat([self._samples, chunk], -1)
        out = self._advance(self._encode())
        out = self._finish(out, device)
        self._timed(start, n_in, out.shape[-1])
        return out

    @torch.no_grad()
    def flush(self) -> torch.Tensor:
        """End the stream: return its last output samples, then reset for a new stream.

        Returns:
            torch.Tensor: the rest of the offline output (empty if nothing was streamed).

        Raises:
            ValueError: if the stream was shorter than one frame (``kernel_size``
                samples), which the offline model cannot process either.
        """
        start = time.perf_counter()
        if self._samples is None:
            self.reset()
            return torch.zeros(0)
        device = self._out_device
        if self._n_in < self.kernel_size:
            n_in = self._n_in
            self.reset()
            raise ValueError(
                f"The stream had {n_in} samples, fewer than one frame of the model "
                f"(kernel_size={self.kernel_size}); the model cannot process it offline either."
            )
        masks = self._masker.flush()
        out = self._decode(masks, final=True)
        out = self._finish(out, device)
        self._timed(start, 0, out.shape[-1])
        stats = self.stats
        self.reset()
        self.stats = stats
        return out

    def process(self, wav: Union[torch.Tensor, np.ndarray], chunk_size: int) -> torch.Tensor:
        """Stream a whole signal in chunks of ``chunk_size`` samples and return the output.

        The last chunk is whatever is left. Handy to check a stream against the
        offline model, or to separate a file with bounded latency.

        Args:
            wav (torch.Tensor or np.ndarray): :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`.
            chunk_size (int): samples per chunk.

        Returns:
            torch.Tensor: the whole output, same shape as ``model(wav)``.
        """
        if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
        wav = torch.as_tensor(wav)
        self.reset()
        outs = [
            self.step(wav[..., i : i + chunk_size]) for i in range(0, wav.shape[-1], chunk_size)
        ]
        outs.append(self.flush())
        return torch.cat(outs, dim=-1)

    # --- Internals ------------------------------------------------------------------------

    def _as_batch(self, chunk):
        if isinstance(chunk, np.ndarray):
            chunk = torch.from_numpy(np.ascontiguousarray(chunk))
        if not isinstance(chunk, torch.Tensor):
            raise TypeError(
                f"A chunk is a torch.Tensor or a numpy array, got {type(chunk).__name__}."
            )
        device = chunk.device
        squeeze = chunk.dim() == 1
        if chunk.dim() == 1:
            chunk = chunk.reshape(1, 1, -1)
        elif chunk.dim() == 2:
            chunk = chunk.unsqueeze(1)
        elif not (chunk.dim() == 3 and chunk.shape[1] == 1):
            raise ValueError(
                "Expected a chunk of shape (time,), (batch, time) or (batch, 1, time), got shape "
                f"{list(chunk.shape)}."
            )
        if self._samples is not None and chunk.shape[0] != self._samples.shape[0]:
            raise ValueError(
                f"This stream has a batch of {self._samples.shape[0]}, got a chunk with batch "
                f"size {chunk.shape[0]}; call flush() or reset() to start another stream."
            )
        if self._samples is None:
            self._squeeze, self._out_device = squeeze, device
        param = next(self._copy.parameters(), None)
        if param is not None:
            chunk = chunk.to(device=param.device, dtype=param.dtype)
        return chunk, device

    def _encode(self) -> Optional[torch.Tensor]:
        """Encode the frames whose samples are all in; keep the samples of the next frame."""
        K, S = self.kernel_size, self.stride
        n_avail = self._samples.shape[-1]
        if n_avail < K:
            return None
        n_frames = (n_avail - K) // S + 1
        tf_rep = self._copy.forward_encoder(self._samples[..., : (n_frames - 1) * S + K])
        if tf_rep.shape[-1] != n_frames:  # a filterbank hook changed the framing
            raise RuntimeError(
                f"The encoder gave {tf_rep.shape[-1]} frames for {n_avail} samples, expected "
                f"{n_frames}; its filterbank cannot stream."
            )
        self._samples = self._samples[..., n_frames * S :]
        return tf_rep  # B, N, l

    def _advance(self, tf_rep: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
        if tf_rep is None:
            return self._emit(min(self._n_decoded * self.stride, self._n_in))
        queue = self._tf_queue
        self._tf_queue = tf_rep if queue is None else torch.cat([queue, tf_rep], dim=-1)
        masks = self._masker.step(tf_rep)
        return self._decode(masks, final=False)

    def _decode(self, masks: Optional[torch.Tensor], final: bool) -> torch.Tensor:
        """Mask and decode the frames the masks are for; return the output samples that are final."""
        if masks is not None:
            n_new = masks.shape[-1]
            tf_rep = self._tf_queue[..., :n_new]  # the frames the masks are for
            self._tf_queue = self._tf_queue[..., n_new:]
            decoded = self._copy.forward_decoder(self._copy.apply_masks(tf_rep, masks))  # B, S, T'
            self._overlap_add(decoded, first_frame=self._n_decoded)
            self._n_decoded += n_new
        if final:
            # The offline output: the decoder's full length, padded with zeros (or cropped) to
            # the input's length.
            end = self._n_in
        else:
            end = min(self._n_decoded * self.stride, self._n_in)
        return self._emit(end)

    def _overlap_add(self, decoded: torch.Tensor, first_frame: int):
        offset = first_frame * self.stride - self._n_out  # where `decoded` starts in _ola
        if self._ola is None:
            self._ola = decoded.new_zeros(*decoded.shape[:2], 0)
        needed = offset + decoded.shape[-1]
        if needed > self._ola.shape[-1]:
            pad = self._ola.new_zeros(*self._ola.shape[:2], needed - self._ola.shape[-1])
            self._ola = torch.cat([self._ola, pad], dim=-1)
        self._ola[..., offset:needed] += decoded

    def _emit(self, end: int) -> torch.Tensor:
        n_emit = end - self._n_out
        if self._ola is None:  # nothing decoded yet
            return self._empty(n_emit)
        if n_emit > self._ola.shape[-1]:
            pad = self._ola.new_zeros(*self._ola.shape[:2], n_emit - self._ola.shape[-1])
            self._ola = torch.cat([self._ola, pad], dim=-1)
        out = self._ola[..., :n_emit]
        self._ola = self._ola[..., n_emit:].clone()
        self._n_out = end
        return out

    def _empty(self, n_emit: int) -> torch.Tensor:
        # Before the first frame is decoded, the number of sources is the masker's.
        n_src = int(getattr(self._copy.masker, "n_src", 1))
        param = next(self._copy.parameters(), None)
        kwargs = {} if param is None else dict(device=param.device, dtype=param.dtype)
        return torch.zeros(self._samples.shape[0], n_src, max(n_emit, 0), **kwargs)

    def _finish(self, out: torch.Tensor, device) -> torch.Tensor:
        out = out.to(device)
        return out[0] if self._squeeze else out

    def _timed(self, start: float, n_in: int, n_out: int):
        param = next(self._copy.parameters(), None)
        if param is not None and param.is_cuda:
            torch.cuda.synchronize(param.device)
        self.stats._record(time.perf_counter() - start, n_in, n_out)


# --- Checks ---------------------------------------------------------------------------------


def _check_model(model) -> List[Tuple[str, str]]:
    if not isinstance(model, BaseEncoderMaskerDecoder):
        why = "streaming needs an encoder-masker-decoder model (BaseEncoderMaskerDecoder)"
        return [(why, type(model).__name__)]
    reasons = []
    for step in _STEPS:
        if getattr(type(model), step) is getattr(BaseEncoderMaskerDecoder, step):
            continue
        owner = next(cls for cls in type(model).__mro__ if step in vars(cls))
        if step not in _FRAMEWISE_STEPS.get(owner, frozenset()):
            why = (
                "an overridden step may mix frames (declare frame-wise steps with "
                "asteroid.dsp.streaming.register_streaming_model)"
            )
            reasons.append((why, f"{owner.__name__}.{step}"))
    return reasons


def _overridden(fb: Filterbank, hook: str) -> bool:
    return getattr(type(fb), hook) is not getattr(Filterbank, hook)


def _check_filterbank(fb: Filterbank, name: str, hooks) -> List[Tuple[str, str]]:
    reasons = []
    for hook in hooks:
        if not _overridden(fb, hook):
            continue
        if hook in ("post_analysis", "pre_synthesis") and isinstance(
            fb, _FRAMEWISE_HOOK_FILTERBANKS
        ):
            continue
        why = (
            f"the filterbank {type(fb).__name__} has its own analysis/synthesis hooks, which may "
            "use samples or frames beyond the current one (centred frames, window normalisation)"
        )
        reasons.append((why, f"{name}.filterbank.{hook}"))
    return reasons


def _check_encoder(encoder, name) -> List[Tuple[str, str]]:
    if isinstance(encoder, Encoder):
        reasons = _check_filterbank(encoder.filterbank, name, ("pre_analysis", "post_analysis"))
        if encoder.padding:
            why = "the encoder pads both ends of every call; streaming needs padding=0"
            reasons.append((why, name))
        if not encoder.as_conv1d:
            reasons.append(("streaming needs an encoder with as_conv1d=True", name))
        return reasons
    if isinstance(encoder, _ENCODER_CONTAINERS):
        reasons = []
        for child_name, child in encoder.named_children():
            if isinstance(child, Filterbank):
                continue  # the shared filterbank, checked through its encoder
            reasons += _check_encoder(child, f"{name}.{child_name}")
        return reasons
    why = f"{type(encoder).__name__} is not an encoder the streaming wrapper knows"
    return [(why, name)]


def _check_decoder(decoder) -> List[Tuple[str, str]]:
    if not isinstance(decoder, Decoder):
        why = f"{type(decoder).__name__} is not a decoder the streaming wrapper knows"
        return [(why, "decoder")]
    reasons = _check_filterbank(decoder.filterbank, "decoder", ("pre_synthesis", "post_synthesis"))
    if decoder.padding or decoder.output_padding:
        why = (
            "the decoder crops padding / adds output_padding at the ends of every call; "
            "streaming needs padding=0 and output_padding=0"
        )
        reasons.append((why, "decoder"))
    return reasons


def _shared_copy(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` that shares its parameters and buffers (not its structure)."""
    memo = {id(t): t for t in model.parameters()}
    memo.update({id(t): t for t in model.buffers()})
    return copy.deepcopy(model, memo)
