"""Maskers run on a stream of encoder frames, and the registry that picks one per masker type.

A streaming masker receives the encoder frames of a stream block by block and
returns the masks of the oldest frames whose masks are final: all of them for
a frame-wise causal masker (:class:`FrameMasker`: Conv-TasNet's TDConvNet,
LSTM-TasNet's LSTMMasker, DeMask's MLP), or the frames up to some look-ahead
for a chunked masker (:class:`DualPathMasker`: DPRNN, whose intra-chunk RNN
reads whole chunks).
"""

from typing import Callable, Dict, Optional

import torch
from torch import nn

from ...masknn.dprnn import DPRNN
from ...masknn.recurrent import LSTMMasker
from ...masknn.tdconvnet import Conv1DBlock, TDConvNet
from .layers import NotStreamableError, make_stateful, stateful_modules

__all__ = [
    "StreamingMasker",
    "FrameMasker",
    "DualPathMasker",
    "register_streaming_masker",
    "get_streaming_masker",
]


class StreamingMasker:
    """Base class: masks of a stream of encoder frames, block by block.

    Attributes:
        block_frames (int): frames the masker consumes at a time (1 when it
            takes any number).
        context_frames (int): frames after which :meth:`final_frames` follows
            its steady pattern.
    """

    block_frames = 1
    context_frames = 0

    def __init__(self, model: nn.Module):
        self.model = model

    def step(self, tf_rep: torch.Tensor) -> Optional[torch.Tensor]:
        """Masks of the oldest frames whose masks are final, ``None`` if none.

        Shape:
            - tf_rep: :math:`(B, N, l)`, the next frames of the stream.
            - output: :math:`(B, S, N', q)` for the next :math:`q` frames.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement step().")

    def flush(self) -> Optional[torch.Tensor]:
        """Masks of the frames left at the end of the stream, ``None`` if none."""
        return None

    def final_frames(self, n_frames: int) -> int:
        """How many frames have final masks once ``n_frames`` frames are in (all, by default)."""
        return n_frames

    def reset(self):
        """Forget the stream."""
        for _, module in stateful_modules(self.model):
            module.reset()

    def state_tensors(self) -> Dict[str, torch.Tensor]:
        """The tensors that hold the stream's past, by name."""
        state = {}
        for name, module in stateful_modules(self.model):
            for key, tensor in module.state_tensors().items():
                state[f"{name}.{key}"] = tensor
        return state


class FrameMasker(StreamingMasker):
    """A causal masker whose masks for a block are final as soon as the block is in.

    Runs the model's own ``forward_masker`` on each block, the causal layers of
    the masker having been made stateful (:func:`~.layers.make_stateful`).

    Args:
        model (asteroid.models.base_models.BaseEncoderMaskerDecoder): the streaming copy of the model, whose
            masker layers are already stateful.
    """

    def step(self, tf_rep):
        return self.model.forward_masker(tf_rep)  # B, S, N', l


class DualPathMasker(StreamingMasker):
    """DPRNN's masker on a stream: one chunk at a time, carrying the inter-chunk RNN states.

    Offline, DPRNN pads its bottleneck output with ``chunk_size`` zero frames on
    both sides, cuts it into chunks of :math:`K` frames every :math:`H` frames, runs
    the dual-path blocks (an intra-chunk RNN within each chunk, an inter-chunk RNN
    across the chunks) and overlap-adds the chunks back. With a unidirectional
    inter-chunk RNN and per-frame norms, chunk :math:`j` depends only on chunks
    :math:`0..j`: a chunk runs as soon as its :math:`K` frames are in, and a frame's
    mask is final once the last chunk covering it has run, :math:`K - H` frames later
    (when blocks end on the chunk hop).

    Args:
        model (asteroid.models.base_models.BaseEncoderMaskerDecoder): the streaming copy of a model whose
            masker is a :class:`~asteroid.masknn.dprnn.DPRNN`.

    Raises:
        ValueError: if the masker cannot stream (bidirectional inter-chunk RNN,
            global norms, ...), naming the reasons.
    """

    def __init__(self, model):
        super().__init__(model)
        masker = model.masker
        reasons = []
        if not 0 < masker.hop_size <= masker.chunk_size:
            reasons.append(
                (
                    f"hop_size={masker.hop_size} is not in [1, chunk_size={masker.chunk_size}]",
                    "masker",
                )
            )
        # Each block: the intra-chunk RNN only ever sees whole chunks, so it stays as it is
        # (bidirectional); the inter-chunk RNN runs across chunks and carries its state.
        for idx, block in enumerate(masker.net):
            name = f"masker.net.{idx}"
            if block.inter_RNN.bidirectional:
                reasons.append(
                    (
                        "the inter-chunk RNN is bidirectional: it reads the chunks backwards "
                        "from the end of the signal; build DPRNN with bidirectional=False",
                        f"{name}.inter_RNN",
                    )
                )
                continue
            for part in ("inter_RNN", "intra_linear", "inter_linear", "intra_norm", "inter_norm"):
                _swap(block, part, f"{name}.{part}", reasons, set(), features_last=True)
        for part in ("bottleneck", "net_out", "net_gate", "mask_net", "output_act"):
            _swap(masker, part, f"masker.{part}", reasons, {2, -1})
        _swap(masker, "first_out", "masker.first_out", reasons, {2, 3, -1, -2})
        if reasons:
            raise NotStreamableError(type(masker).__name__, reasons)
        self.masker = masker
        self.chunk_size, self.hop_size = masker.chunk_size, masker.hop_size
        self.block_frames = masker.hop_size
        self.context_frames = masker.chunk_size
        self.reset()

    def final_frames(self, n_frames):
        # Chunks 0..n // H are in; padded frames before the next chunk's start are complete.
        K, H = self.chunk_size, self.hop_size
        return max(0, min(n_frames, (n_frames // H + 1) * H - K))

    def reset(self):
        super().reset()
        self._pending: Optional[torch.Tensor] = None  # bottleneck frames, padded coordinates
        self._pending_start = 0  # padded index of _pending[..., 0]
        self._acc: Optional[torch.Tensor] = None  # overlap-add of the chunk outputs
        self._acc_start = self.chunk_size  # padded index of _acc[..., 0] (= real frame 0 + K)
        self._next_chunk = 0
        self._frames_in = 0
        self._frames_out = 0

    def state_tensors(self):
        state = super().state_tensors()
        if self._pending is not None:
            state["pending_frames"] = self._pending
            state["overlap_add"] = self._acc
        return state

    def step(self, tf_rep):
        # B: batch, N: bottleneck channels, K: chunk size, S: sources, l: frames
        bn_out = self.masker.bottleneck(tf_rep)  # B, N, l
        if self._pending is None:
            # The left zero padding of the offline chunking.
            self._pending = bn_out.new_zeros(bn_out.shape[0], bn_out.shape[1], self.chunk_size)
            self._acc = bn_out.new_zeros(bn_out.shape[0] * self.masker.n_src, bn_out.shape[1], 0)
        elif bn_out.shape[0] != self._pending.shape[0]:
            raise ValueError(
                f"This stream carries state for a batch of {self._pending.shape[0]}, got a block "
                f"with batch size {bn_out.shape[0]}; call reset() to start another stream."
            )
        self._pending = torch.cat([self._pending, bn_out], dim=-1)
        self._frames_in += tf_rep.shape[-1]
        return self._run(n_frames=None)

    def flush(self):
        if self._pending is None:
            return None
        # The right zero padding of the offline chunking: the padded sequence ends at L + 2K.
        end = self._frames_in + 2 * self.chunk_size
        missing = end - (self._pending_start + self._pending.shape[-1])
        pad = self._pending.new_zeros(*self._pending.shape[:2], missing)
        self._pending = torch.cat([self._pending, pad], dim=-1)
        return self._run(n_frames=self._frames_in)

    def _run(self, n_frames: Optional[int]):
        """Run the chunks that are complete, then return the masks that are final."""
        K, H = self.chunk_size, self.hop_size
        available = self._pending_start + self._pending.shape[-1]  # padded frames in
        n_ready = max(0, (available - K) // H + 1 - self._next_chunk)
        if n_ready:
            self._run_chunks(self._next_chunk, n_ready)
            self._next_chunk += n_ready
            keep_from = self._next_chunk * H - self._pending_start
            self._pending = self._pending[..., keep_from:]
            self._pending_start += keep_from
        # Padded positions before the next chunk's start have all their contributions.
        final = self._next_chunk * H - K
        final = min(final, self._frames_in if n_frames is None else n_frames)
        n_out = final - self._frames_out
        if n_out <= 0:
            return None
        ready = self._acc[..., :n_out]  # B * S, N, q
        self._acc = self._acc[..., n_out:]
        self._acc_start += n_out
        self._frames_out += n_out
        return self._masks(ready)

    def _run_chunks(self, first: int, n_chunks: int):
        K, H = self.chunk_size, self.hop_size
        masker = self.masker
        batch, n_chan = self._pending.shape[:2]
        starts = [(first + i) * H - self._pending_start for i in range(n_chunks)]
        chunks = torch.stack([self._pending[..., s : s + K] for s in starts], dim=-1)  # B, N, K, n
        out = masker.first_out(masker.net(chunks))  # B, S * N, K, n
        out = out.view(batch * masker.n_src, n_chan, K, n_chunks)  # B * S, N, K, n
        end = (first + n_chunks - 1) * H + K  # padded index after the last chunk
        grow = end - (self._acc_start + self._acc.shape[-1])
        if grow > 0:
            self._acc = torch.cat([self._acc, self._acc.new_zeros(*self._acc.shape[:2], grow)], -1)
        for i in range(n_chunks):
            pos = (first + i) * H - self._acc_start
            skip = max(0, -pos)  # frames of the left padding, never output
            if skip < K:
                self._acc[..., pos + skip : pos + K] += out[..., skip:, i]

    def _masks(self, chunk_sum: torch.Tensor) -> torch.Tensor:
        masker = self.masker
        out = masker.net_out(chunk_sum) * masker.net_gate(chunk_sum)  # B * S, N, q
        est_mask = masker.output_act(masker.mask_net(out))  # B * S, out_chan, q
        n_frames = est_mask.shape[-1]
        return est_mask.view(-1, masker.n_src, masker.out_chan, n_frames)  # B, S, out_chan, q


def _swap(parent, attr, name, reasons, softmax_frame_dims, features_last=False):
    """:func:`~.layers.make_stateful` on ``parent.<attr>``, putting the result back."""
    new, found = make_stateful(
        getattr(parent, attr), name, softmax_frame_dims, features_last=features_last
    )
    if new is not getattr(parent, attr):
        setattr(parent, attr, new)
    reasons += found


# --- Registry: masker type -> function building its streaming version -----------------------


def _frame_masker(softmax_frame_dims, containers=(), features_last=False):
    """A builder of :class:`FrameMasker` for a masker type, given how its tensors are laid out."""

    def build(model):
        new, reasons = make_stateful(
            model.masker,
            "masker",
            softmax_frame_dims=softmax_frame_dims,
            containers=containers,
            features_last=features_last,
        )
        if reasons:
            raise NotStreamableError(type(model.masker).__name__, reasons)
        if new is not model.masker:
            model.masker = new
        return FrameMasker(model)

    return build


def _dual_path_masker(model):
    return DualPathMasker(model)


_MASKERS: Dict[type, Callable] = {
    # TDConvNet: (B, C, L) inside, masks (B, S, N, L) through the output activation.
    TDConvNet: _frame_masker({3, -1}, containers=(TDConvNet, Conv1DBlock)),
    # LSTMMasker: the RNN stack and its activation see (B, L, F).
    LSTMMasker: _frame_masker({1, -2}, containers=(LSTMMasker,), features_last=True),
    # DeMask's MLP: a Sequential of 1x1 convolutions on (B, F, L).
    nn.Sequential: _frame_masker({2, -1}),
    DPRNN: _dual_path_masker,
}


def register_streaming_masker(masker_cls: type, builder: Callable):
    """Teach the streaming wrapper to stream a masker type.

    Args:
        masker_cls (type): the masker class (matched exactly, not its subclasses).
        builder (callable): takes the streaming copy of the model (its own, free
            to change) and returns a :class:`StreamingMasker`, or raises a
            :class:`~.layers.NotStreamableError` saying why that masker cannot stream.

    Raises:
        ValueError: if the type is registered already.
    """
    if masker_cls in _MASKERS:
        raise ValueError(f"A streaming masker is already registered for {masker_cls.__name__}.")
    _MASKERS[masker_cls] = builder


def get_streaming_masker(model) -> StreamingMasker:
    """The streaming version of ``model.masker``, built on ``model`` (a private copy).

    Raises:
        NotStreamableError: for a masker type nobody registered (listing the
            known ones), or a masker that cannot stream (naming the reasons).
    """
    masker_cls = type(model.masker)
    if masker_cls not in _MASKERS:
        known = ", ".join(cls.__name__ for cls in _MASKERS)
        why = (
            f"no streaming version of the masker {masker_cls.__name__} is registered (known: "
            f"{known}; see asteroid.dsp.streaming.register_streaming_masker)"
        )
        raise NotStreamableError(masker_cls.__name__, [(why, "masker")])
    return _MASKERS[masker_cls](model)
