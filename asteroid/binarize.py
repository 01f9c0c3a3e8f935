"""Turn frame-level speech probabilities into stable speech / non-speech decisions."""

from itertools import groupby

import torch

__all__ = ["Binarize", "count_same_pair", "transform_to_binary_sequence"]


class Binarize(torch.nn.Module):
    """Threshold probabilities, then remove decisions that flip faster than ``stability``.

    A run of identical decisions at least ``int(stability * sample_rate)`` samples long is
    kept as it is. Consecutive shorter runs are resolved together: if together they are
    shorter than the stability length, they continue the previous decision (non-speech at
    the start of the signal); otherwise they take the majority decision among them (ties:
    non-speech).

    Args:
        threshold (float): Probabilities strictly above it are speech.
        stability (float): Minimum duration, in seconds, of a decision before it can change.
        sample_rate (int): Rate of the probability sequence (samples or frames per second).

    Shape:
        - Input: :math:`(B, 1, T)` probabilities in :math:`[0, 1]`.
        - Output: :math:`(B, 1, T)` float tensor of 0s and 1s.

    Example:
        >>> binarizer = Binarize(threshold=0.5, stability=3, sample_rate=1)
        >>> probs = torch.tensor([0.1, 0.6, 0.2, 0.6, 0.1, 0.1, 0.1, 0.7, 0.7, 0.7, 0.7, 0.1])
        >>> binarizer(probs.view(1, 1, -1))
        tensor([[[0., 0., 0., 0., 0., 0., 0., 1., 1., 1., 1., 1.]]])
    """

    def __init__(self, threshold=0.5, stability=0.1, sample_rate=8000):
        super().__init__()
        self.threshold = threshold
        self.stability = stability
        self.sample_rate = sample_rate

    def forward(self, x):
        if x.ndim != 3 or x.shape[1] != 1:
            raise ValueError(
                f"Expected probabilities of shape (batch, 1, time), got {tuple(x.shape)}."
            )
        active = (x > self.threshold).squeeze(1).tolist()
        pairs = count_same_pair(active)
        return transform_to_binary_sequence(pairs, self.stability, self.sample_rate)


def count_same_pair(nums):
    """Run-length encode each binary sequence of a batch.

    Args:
        nums (list[list]): Binary sequences (bools or 0/1).

    Returns:
        list[list[list]]: For each sequence, ``[value, run_length]`` pairs in order.

    Example:
        >>> count_same_pair([[0, 0, 1, 0]])
        [[[0, 2], [1, 1], [0, 1]]]
    """
    return [[[value, sum(1 for _ in run)] for value, run in groupby(seq)] for seq in nums]


def _resolve_runs(pair, min_len):
    """Decisions (value, length) for one run-length encoded sequence."""
    decisions = []
    i = 0
    while i < len(pair):
        value, length = pair[i]
        if length >= min_len:
            decisions.append((1 if value else 0, length))
            i += 1
            continue
        # Gather the consecutive runs that are all too short to stand alone.
        n_active = n_inactive = 0
        while i < len(pair) and pair[i][1] < min_len:
            if pair[i][0]:
                n_active += pair[i][1]
            else:
                n_inactive += pair[i][1]
            i += 1
        total = n_active + n_inactive
        if total < min_len:
            previous = decisions[-1][0] if decisions else 0
            decisions.append((previous, total))
        else:
            decisions.append((1 if n_active > n_inactive else 0, total))
    return decisions


def transform_to_binary_sequence(pairs, stability, sample_rate):
    """Binary sequences from run-length pairs, with runs shorter than ``stability`` resolved.

    Args:
        pairs (list): Output of :func:`count_same_pair` (one list of pairs per sequence).
        stability (float): Minimum duration (seconds) of a decision.
        sample_rate (int): Rate of the sequences.

    Returns:
        torch.Tensor: ``(batch, 1, time)`` float tensor of 0s and 1s.
    """
    min_len = int(stability * sample_rate)
    batch = []
    for pair in pairs:
        pieces = [
            torch.full((length,), float(value)) for value, length in _resolve_runs(pair, min_len)
        ]
        batch.append(torch.cat(pieces) if pieces else torch.zeros(0))
    return torch.stack(batch).unsqueeze(1)
