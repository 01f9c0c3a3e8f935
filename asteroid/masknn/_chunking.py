"""Segmentation into overlapping chunks and overlap-add, for the dual-path maskers.

The sequence is zero-padded by ``chunk_size`` frames on both sides, then cut
into chunks of ``chunk_size`` frames every ``hop_size`` frames, giving
:math:`(frames + chunk\\_size) // hop\\_size + 1` chunks (the layout of
``torch.nn.functional.unfold`` with that padding, which the published models
were trained with).
"""

import torch
from torch.nn import functional as F


def n_chunks(n_frames: int, chunk_size: int, hop_size: int) -> int:
    """Number of chunks :func:`chunk` makes of ``n_frames`` frames."""
    return (n_frames + chunk_size) // hop_size + 1


def _chunk_index(
    n_frames: int, chunk_size: int, hop_size: int, device: torch.device
) -> torch.Tensor:
    """``idx[k, c]``: the position, in the padded sequence, of frame ``k`` of chunk ``c``."""
    n = n_chunks(n_frames, chunk_size, hop_size)
    frames = torch.arange(chunk_size, device=device).unsqueeze(1)
    starts = torch.arange(n, device=device).unsqueeze(0) * hop_size
    return frames + starts


def chunk(x: torch.Tensor, chunk_size: int, hop_size: int) -> torch.Tensor:
    """Overlapping chunks of a padded sequence.

    Written with an index gather (not ``Tensor.unfold``) so that the ONNX
    exporter keeps the time axis dynamic.

    Shape:
        - x: :math:`(batch, chan, frames)`
        - output: :math:`(batch, chan, chunk\\_size, n\\_chunks)`
    """
    padded = F.pad(x, [chunk_size, chunk_size])
    idx = _chunk_index(x.shape[-1], chunk_size, hop_size, x.device)
    out = padded.index_select(2, idx.reshape(-1))
    return out.reshape(x.shape[0], x.shape[1], chunk_size, idx.shape[1])


def overlap_add(x: torch.Tensor, n_frames: int, chunk_size: int, hop_size: int) -> torch.Tensor:
    """Sum the chunks back at their positions and drop the padding (inverse layout of :func:`chunk`).

    No normalisation by the overlap: with 50 % overlap every frame is the sum
    of two chunk frames. A ``scatter_add`` (not ``F.fold``) keeps the time axis
    dynamic for ONNX export.

    Shape:
        - x: :math:`(batch, chan, chunk\\_size, n\\_chunks)`
        - output: :math:`(batch, chan, n\\_frames)`
    """
    batch, chan = x.shape[0], x.shape[1]
    idx = _chunk_index(n_frames, chunk_size, hop_size, x.device).reshape(1, 1, -1)
    out = x.new_zeros(batch, chan, n_frames + 2 * chunk_size)
    out = out.scatter_add(2, idx.expand(batch, chan, -1), x.reshape(batch, chan, -1))
    return out[..., chunk_size : chunk_size + n_frames]
