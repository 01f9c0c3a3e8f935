"""Chunked processing of long signals: overlap-add around a network, dual-path folding.

Both classes cut a signal into chunks on the same grid: a chunk of ``K`` samples every
``hop`` samples, starting ``K`` samples before the signal (the signal is zero-padded by
``K`` on each side). That grid is part of the published numerics of the dual-path models
(DPRNN, DPTNet), so it is kept exactly.
"""

import itertools
from typing import Optional

import torch
from torch import nn

__all__ = ["LambdaOverlapAdd", "DualPathProcessing"]

# Window names that scipy.signal.get_window no longer accepts, mapped to the current name.
# "hanning" was the default of `asteroid-infer --ola-window-type` in the published toolkit.
_WINDOW_ALIASES = {"hanning": "hann"}


class LambdaOverlapAdd(nn.Module):
    """Apply a network to overlapping chunks of a long signal and overlap-add the outputs.

    The input is cut into chunks of ``window_size`` samples every ``hop_size`` samples; each
    chunk goes through ``nnet`` on its own and the outputs are added back in place, weighted
    by the synthesis window. Chunks are processed one at a time into a preallocated output,
    so the working memory is the output plus a few chunks, whatever the signal length.

    The synthesis weights are normalised so that the weights of the chunks covering any
    sample add up to one: an identity ``nnet`` gives back its input for every window and hop.
    For the default (periodic Hann, ``hop_size = window_size // 2``) and for ``window=None``
    with a hop that divides the window, this is exactly the published scaling (window, or
    ``hop_size / window_size``).

    A permutation-invariant separator may put a given speaker on a different output in each
    chunk. With ``reorder_chunks``, the outputs of each chunk are permuted to agree with the
    previous chunk: the permutation maximises the zero-mean cross-correlation of the two
    chunks' raw (not yet windowed) outputs over the samples they share.

    Args:
        nnet (callable): maps a chunk ``(batch, channels, window_size)`` to
            ``(batch, n_src, window_size)``. Its ``in_channels`` and ``sample_rate`` are
            forwarded, so the wrapper can be given to :func:`asteroid.separate.separate`.
        n_src (int, optional): number of outputs of ``nnet``; checked on the first chunk.
            With ``None``, taken from the first chunk.
        window_size (int): chunk length in samples, even.
        hop_size (int, optional): chunk hop in samples, at most ``window_size``.
            Defaults to ``window_size // 2``.
        window (str, optional): synthesis window, a :func:`scipy.signal.get_window` name
            (``"hanning"`` is read as ``"hann"``). ``None`` or ``""``: rectangular.
        reorder_chunks (bool): permute each chunk's outputs to follow the previous chunk.
        enable_grad (bool): build the autograd graph (off by default: inference).

    Shape:
        - input: :math:`(B, C, T)`
        - output: :math:`(B, S, T)`

    Examples:
        >>> import torch
        >>> from torch import nn
        >>> nnet = nn.Conv1d(1, 2, 1)
        >>> ola = LambdaOverlapAdd(nnet, n_src=2, window_size=1600)
        >>> ola(torch.randn(1, 1, 16000)).shape
        torch.Size([1, 2, 16000])
    """

    def __init__(
        self,
        nnet,
        n_src,
        window_size,
        hop_size=None,
        window="hann",
        reorder_chunks=True,
        enable_grad=False,
    ):
        super().__init__()
        if int(window_size) != window_size or window_size < 2 or window_size % 2:
            raise ValueError(f"window_size must be an even integer >= 2, got {window_size}.")
        hop_size = window_size // 2 if hop_size is None else hop_size
        if int(hop_size) != hop_size or not 1 <= hop_size <= window_size:
            raise ValueError(
                f"hop_size must be an integer in [1, window_size={window_size}], got {hop_size}."
            )
        if reorder_chunks and hop_size == window_size:
            raise ValueError(
                "reorder_chunks needs overlapping chunks (hop_size < window_size), got "
                f"hop_size == window_size == {window_size}."
            )
        if n_src is not None and n_src < 1:
            raise ValueError(f"n_src must be a positive integer or None, got {n_src}.")
        self.nnet = nnet
        self.n_src = n_src
        self.window_size = int(window_size)
        self.hop_size = int(hop_size)
        self.window_name = window if window else None
        self.reorder_chunks = reorder_chunks
        self.enable_grad = enable_grad
        self.in_channels = getattr(nnet, "in_channels", None)
        self.use_window = bool(window)
        self.register_buffer("window", _get_window(window, self.window_size) if window else None)

    @property
    def sample_rate(self):
        """Sample rate of the wrapped network."""
        return self.nnet.sample_rate

    def get_config(self):
        """Arguments that rebuild this wrapper around the same ``nnet``."""
        return dict(
            n_src=self.n_src,
            window_size=self.window_size,
            hop_size=self.hop_size,
            window=self.window_name,
            reorder_chunks=self.reorder_chunks,
            enable_grad=self.enable_grad,
        )

    def forward(self, x):
        """Separate a long signal chunk by chunk.

        Args:
            x (torch.Tensor): waveform, shape :math:`(B, C, T)`.

        Returns:
            torch.Tensor: overlap-added outputs of ``nnet``, shape :math:`(B, S, T)`.
        """
        with torch.autograd.set_grad_enabled(self.enable_grad):
            return self.ola_forward(x)

    def ola_forward(self, x):
        """Overlap-add loop behind :meth:`forward` (honours the caller's grad mode)."""
        if not isinstance(x, torch.Tensor) or x.ndim != 3:
            found = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"Expected input of shape (batch, channels, time), found {found}.")
        batch, _, n_samples = x.shape  # B, C, T
        win, hop = self.window_size, self.hop_size

        out = None  # B, S, T, allocated once the first chunk tells S, dtype and device
        prev = None  # previous chunk's raw output, for reordering
        for start in _chunk_starts(n_samples, win, hop):
            frame = self.nnet(_take_chunk(x, start, win))  # B, S, K
            if out is None:
                n_src = self._check_first_frame(frame, batch)
                out = frame.new_zeros(batch, n_src, n_samples)
                synthesis = self._synthesis_window(frame.dtype, frame.device)
            elif frame.shape != prev.shape:
                raise ValueError(
                    f"nnet returned chunks of shape {tuple(frame.shape)} after "
                    f"{tuple(prev.shape)}; every chunk must give the same shape."
                )
            if self.reorder_chunks and prev is not None:
                frame = _reorder_like(frame, prev, overlap=win - hop)
            prev = frame
            # Add the valid part of the weighted chunk to the output.
            lo, hi = max(start, 0), min(start + win, n_samples)
            out[..., lo:hi] += (
                frame[..., lo - start : hi - start] * synthesis[lo - start : hi - start]
            )
        return out

    def _check_first_frame(self, frame, batch):
        if frame.ndim != 3 or frame.shape[0] != batch or frame.shape[-1] != self.window_size:
            raise ValueError(
                f"nnet should map a chunk to (batch={batch}, n_src, {self.window_size}), "
                f"found {tuple(frame.shape)}."
            )
        if self.n_src is not None and frame.shape[1] != self.n_src:
            raise ValueError(
                f"Expected nnet to return {self.n_src} sources, found {frame.shape[1]}."
            )
        return frame.shape[1]

    def _synthesis_window(self, dtype, device):
        """Window whose overlap-added copies sum to one on the chunk grid, shape (K,).

        Sample ``j`` of every chunk falls on the same phase ``j % hop`` of the grid, so the
        sum of the windows at any output sample is ``cover[j % hop]``, computed once.
        """
        win, hop = self.window_size, self.hop_size
        window = self.window if self.use_window else torch.ones(win)
        window = window.to(device=device, dtype=torch.float64)
        n_rows = -(-win // hop)  # ceil
        padded = torch.cat([window, window.new_zeros(n_rows * hop - win)])
        cover = padded.reshape(n_rows, hop).sum(0)  # hop
        cover = cover.repeat(n_rows)[:win]  # K
        synthesis = torch.where(cover > 0, window / cover.clamp_min(1e-12), cover)
        return synthesis.to(dtype)

    # The published toolkit calls `model._separate`; kept for code written against it.
    def _separate(self, wav, *args, **kwargs):
        return self.forward(wav, *args, **kwargs)


def _get_window(name, size):
    """Periodic window as a float32 tensor, from a scipy window name."""
    from scipy.signal import get_window  # scipy.signal is slow to import: only when needed

    name = _WINDOW_ALIASES.get(name, name) if isinstance(name, str) else name
    try:
        window = get_window(name, size)
    except ValueError as err:
        raise ValueError(f"Unknown window {name!r} for scipy.signal.get_window: {err}") from None
    return torch.from_numpy(window.astype("float32"))


def _chunk_starts(n_samples, win, hop):
    """Start indices of the chunks (on the padded grid) that touch ``[0, n_samples)``.

    The grid starts at ``-win``; chunks lying entirely in the padding would only feed the
    network zeros and are skipped.
    """
    n_chunks = (n_samples + win) // hop + 1
    for k in range(n_chunks):
        start = k * hop - win
        if start + win > 0 and start < n_samples:
            yield start


def _take_chunk(x, start, win):
    """Samples ``[start, start + win)`` of ``x`` (B, C, T), zero outside the signal."""
    n_samples = x.shape[-1]
    if start >= 0 and start + win <= n_samples:
        return x[..., start : start + win]
    chunk = x.new_zeros(x.shape[0], x.shape[1], win)
    lo, hi = max(start, 0), min(start + win, n_samples)
    chunk[..., lo - start : hi - start] = x[..., lo:hi]
    return chunk


def _reorder_like(current, previous, overlap):
    """Permute the sources of ``current`` to best follow ``previous``, per batch item.

    Both are raw network outputs of shape (B, S, K); ``current`` starts ``K - overlap``
    samples after ``previous``. The score of a permutation is the summed zero-mean
    cross-correlation of matched sources over the shared samples; all ``S!`` permutations
    are tried (S is a handful of sources).
    """
    head = current[..., :overlap]
    tail = previous[..., -overlap:]
    head = head - head.mean(-1, keepdim=True)
    tail = tail - tail.mean(-1, keepdim=True)
    corr = torch.einsum("bit,bjt->bij", tail, head)  # B, S(previous), S(current)
    n_src = corr.shape[-1]
    perms = torch.tensor(list(itertools.permutations(range(n_src))), device=corr.device)
    # score[b, p] = sum_i corr[b, i, perms[p, i]]
    scores = corr[:, torch.arange(n_src, device=corr.device), perms].sum(-1)  # B, S!
    best = perms[scores.argmax(-1)]  # B, S
    return torch.gather(current, 1, best[..., None].expand_as(current))


class DualPathProcessing(nn.Module):
    """Cut a feature sequence into overlapping chunks and put it back, as in DPRNN.

    :meth:`unfold` zero-pads ``chunk_size`` frames on each side and takes a chunk every
    ``hop_size`` frames; :meth:`fold` overlap-adds the chunks and divides by
    ``chunk_size / hop_size``, so ``fold(unfold(x)) == x`` whenever ``hop_size`` divides
    ``chunk_size`` (the published scaling, which the dual-path models' numerics rely on).
    :meth:`intra_process` runs a module along each chunk, :meth:`inter_process` across
    chunks.

    Args:
        chunk_size (int): chunk length :math:`K` in frames.
        hop_size (int): chunk hop in frames.

    References:
        [1] Yi Luo, Zhuo Chen and Takuya Yoshioka, "Dual-path RNN: efficient long sequence
        modeling for time-domain single-channel speech separation", ICASSP 2020.
        https://arxiv.org/abs/1910.06379
    """

    n_orig_frames: Optional[int]

    def __init__(self, chunk_size, hop_size):
        super().__init__()
        if chunk_size < 1 or not 1 <= hop_size <= chunk_size:
            raise ValueError(
                f"Expected 1 <= hop_size <= chunk_size, got chunk_size={chunk_size}, "
                f"hop_size={hop_size}."
            )
        self.chunk_size = int(chunk_size)
        self.hop_size = int(hop_size)
        self.n_orig_frames = None

    def get_config(self):
        """Arguments that rebuild this module."""
        return dict(chunk_size=self.chunk_size, hop_size=self.hop_size)

    def unfold(self, x: torch.Tensor) -> torch.Tensor:
        """Cut ``x`` into overlapping chunks; remembers its length for :meth:`fold`.

        Args:
            x (torch.Tensor): features, shape :math:`(B, N, L)`.

        Returns:
            torch.Tensor: chunks, shape :math:`(B, N, K, n\\_chunks)` with
            :math:`n\\_chunks = \\lfloor (L + K) / hop \\rfloor + 1`.
        """
        if x.ndim != 3:
            raise ValueError(
                f"Expected features of shape (batch, channels, time), found {x.shape}."
            )
        batch, chan, frames = x.shape
        self.n_orig_frames = frames
        unfolded = torch.nn.functional.unfold(
            x.unsqueeze(-1),
            kernel_size=(self.chunk_size, 1),
            padding=(self.chunk_size, 0),
            stride=(self.hop_size, 1),
        )  # B, N*K, n_chunks
        return unfolded.reshape(batch, chan, self.chunk_size, -1)  # B, N, K, n_chunks

    def fold(self, x: torch.Tensor, output_size: Optional[int] = None) -> torch.Tensor:
        """Overlap-add chunks back into a sequence.

        Args:
            x (torch.Tensor): chunks, shape :math:`(B, N, K, n\\_chunks)`.
            output_size (int, optional): length :math:`L` of the sequence. Defaults to the
                length seen by the last :meth:`unfold`.

        Returns:
            torch.Tensor: features, shape :math:`(B, N, L)`.
        """
        if output_size is None:
            output_size = self.n_orig_frames
        if output_size is None:
            raise ValueError("fold needs output_size when unfold has not been called before.")
        # (Shape values are tensors under tracing: check them only in eager and scripted runs.)
        if x.ndim != 4 or (not torch.jit.is_tracing() and x.shape[2] != self.chunk_size):
            raise ValueError(
                f"Expected chunks of shape (batch, channels, {self.chunk_size}, n_chunks), "
                f"found {x.shape}."
            )
        batch, chan, chunk_size, n_chunks = x.shape
        folded = torch.nn.functional.fold(
            x.reshape(batch, chan * chunk_size, n_chunks),
            (output_size, 1),
            kernel_size=(self.chunk_size, 1),
            padding=(self.chunk_size, 0),
            stride=(self.hop_size, 1),
        )  # B, N, L, 1
        folded = folded / (float(self.chunk_size) / float(self.hop_size))
        return folded.reshape(batch, chan, output_size)

    @staticmethod
    def intra_process(x, module):
        """Run ``module`` along the frames of each chunk.

        Args:
            x (torch.Tensor): chunks, shape :math:`(B, N, K, n\\_chunks)`.
            module (nn.Module): maps :math:`(B \\cdot n\\_chunks, N, K)` to
                :math:`(B \\cdot n\\_chunks, N', K)`.

        Returns:
            torch.Tensor: shape :math:`(B, N', K, n\\_chunks)`.
        """
        batch, chan, chunk_size, n_chunks = x.shape
        x = x.permute(0, 3, 1, 2).reshape(batch * n_chunks, chan, chunk_size)  # B*S, N, K
        x = module(x)
        x = x.reshape(batch, n_chunks, -1, chunk_size)  # B, S, N', K
        return x.permute(0, 2, 3, 1)  # B, N', K, S

    @staticmethod
    def inter_process(x, module):
        """Run ``module`` across chunks, at each position inside the chunk.

        Args:
            x (torch.Tensor): chunks, shape :math:`(B, N, K, n\\_chunks)`.
            module (nn.Module): maps :math:`(B \\cdot K, N, n\\_chunks)` to
                :math:`(B \\cdot K, N', n\\_chunks)`.

        Returns:
            torch.Tensor: shape :math:`(B, N', K, n\\_chunks)`.
        """
        batch, chan, chunk_size, n_chunks = x.shape
        x = x.transpose(1, 2).reshape(batch * chunk_size, chan, n_chunks)  # B*K, N, S
        x = module(x)
        x = x.reshape(batch, chunk_size, -1, n_chunks)  # B, K, N', S
        return x.transpose(1, 2)  # B, N', K, S
