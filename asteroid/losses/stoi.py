r"""Differentiable STOI and extended STOI, following the reference algorithm step by step.

The computation is the one of the reference implementation (and of :mod:`pystoi`), written in
PyTorch for batches and gradients:

1. resample to 10 kHz with the Octave-compatible polyphase filter (Kaiser window, 60 dB);
2. drop the frames of the *clean* signal more than 40 dB below its loudest frame, and rebuild
   both signals by overlap-add of the kept (Hann-windowed) frames;
3. STFT (256-sample Hann frames, hop 128, 512-point DFT), 15 one-third octave bands from
   150 Hz;
4. 30-frame envelope segments: STOI normalises and clips the degraded envelopes, then averages
   the correlations; extended STOI normalises rows and columns of each segment.

The silent-frame removal depends on the clean target only, so the loss is differentiable with
respect to the estimate. Signals too short for one 30-frame segment get the reference's
fallback value, :math:`10^{-5}`.

References:
    Taal, Hendriks, Heusdens and Jensen, "An algorithm for intelligibility prediction of
    time-frequency weighted noisy speech", IEEE TASLP, 2011.

    Jensen and Taal, "An algorithm for predicting the intelligibility of speech masked by
    modulated noise maskers", IEEE TASLP, 2016.
"""

import warnings
from fractions import Fraction

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["NegSTOILoss", "third_octave_bands", "octave_resampling_filter"]

FS = 10000  # Sample rate of the algorithm, Hz
N_FRAME = 256  # Frame length at FS, samples
N_BANDS = 15  # Number of one-third octave bands
MIN_FREQ = 150  # Centre frequency of the lowest band, Hz
N_SEGMENT = 30  # Frames per envelope segment (384 ms)
BETA = -15.0  # Lower signal-to-distortion bound of the clipping, dB
DYN_RANGE = 40  # Frames more than this many dB below the loudest one are silent
EPS = float(np.finfo(np.float64).eps)  # Offset of the silence detector's dB energies
# Offset of the normalisations. The reference uses the float64 machine epsilon; a silent
# estimate would then get gradients beyond float32's range. On speech the two give the same
# value to about 1e-8.
NORM_EPS = 1e-8
TOO_SHORT_VALUE = 1e-5  # Reference value when not even one segment is left


def third_octave_bands(sample_rate, n_fft, n_bands=N_BANDS, min_freq=MIN_FREQ):
    """Matrix that sums DFT bins into one-third octave bands.

    Band :math:`k` has centre :math:`150 \\cdot 2^{k/3}` Hz and edges
    :math:`150 \\cdot 2^{(2k \\pm 1)/6}` Hz, each edge rounded to the nearest DFT bin; the
    band covers the bins from its lower edge (included) to its upper edge (excluded).

    Args:
        sample_rate (int): sample rate, Hz.
        n_fft (int): DFT size.
        n_bands (int): number of bands.
        min_freq (float): centre of the lowest band, Hz.

    Returns:
        np.ndarray: :math:`(n_{bands}, n_{fft}/2 + 1)` matrix of zeros and ones.
    """
    freqs = np.linspace(0, sample_rate, n_fft + 1)[: n_fft // 2 + 1]
    k = np.arange(n_bands, dtype=np.float64)
    low = min_freq * np.power(2.0, (2 * k - 1) / 6)
    high = min_freq * np.power(2.0, (2 * k + 1) / 6)
    matrix = np.zeros((n_bands, len(freqs)))
    for band in range(n_bands):
        first = np.argmin(np.square(freqs - low[band]))
        last = np.argmin(np.square(freqs - high[band]))
        matrix[band, first:last] = 1
    return matrix


def octave_resampling_filter(up, down):
    """Anti-aliasing filter of Octave's ``resample`` for a rational rate change ``up/down``.

    A Kaiser-windowed ideal low-pass at :math:`1 / (2 \\max(up, down))` (relative to the
    upsampled rate), 60 dB stop-band rejection, transition width a tenth of the cut-off.

    Args:
        up (int): upsampling factor.
        down (int): downsampling factor.

    Returns:
        np.ndarray: the symmetric filter (odd length), normalised to unit sum.
    """
    ratio = Fraction(int(up), int(down))
    up, down = ratio.numerator, ratio.denominator
    rejection_db = 60.0
    cutoff = 1.0 / (2 * max(up, down))
    roll_off = cutoff / 10
    half_len = int(np.ceil((rejection_db - 8) / (28.714 * roll_off)))
    t = np.arange(-half_len, half_len + 1)
    ideal = 2 * up * cutoff * np.sinc(2 * cutoff * t)
    kaiser_beta = 0.1102 * (rejection_db - 8.7)  # rejection above 50 dB
    h = np.kaiser(2 * half_len + 1, kaiser_beta) * ideal
    return h / np.sum(h)


class NegSTOILoss(nn.Module):
    r"""Negative (extended) short-time objective intelligibility, as a loss.

    Args:
        sample_rate (int): sample rate of the inputs, Hz.
        use_vad (bool): remove the silent frames of the clean target first (as the metric
            does).
        extended (bool): compute extended STOI (ESTOI) instead of STOI.
        do_resample (bool): resample to 10 kHz first (as the metric does). Without it, the
            frame length and DFT size are scaled to the input rate instead (same duration);
            values then differ slightly from the metric.

    Shape:
        - est_targets: :math:`(*, T)`.
        - targets: :math:`(*, T)`, same shape.
        - Output: :math:`(*)` (a 1-D input gives shape :math:`(1,)`), the negated score.

    Examples:
        >>> from asteroid.losses import PITLossWrapper
        >>> loss_func = PITLossWrapper(NegSTOILoss(sample_rate=8000), pit_from="pw_pt")
        >>> loss = loss_func(torch.randn(2, 2, 16000), torch.randn(2, 2, 16000))
    """

    def __init__(self, sample_rate, use_vad=True, extended=False, do_resample=True):
        super().__init__()
        self.sample_rate = int(sample_rate)
        self.use_vad = use_vad
        self.extended = extended
        self.do_resample = do_resample
        if do_resample and self.sample_rate != FS:
            ratio = Fraction(FS, self.sample_rate)
            self.up, self.down = ratio.numerator, ratio.denominator
            h = octave_resampling_filter(self.up, self.down) * self.up
            rate = FS
        else:
            self.up, self.down = 1, 1
            h = np.ones(1)
            rate = self.sample_rate
        # Constants kept in float64 and cast to the inputs' dtype and device at each call, so
        # that float64 inputs get float64-exact filters (they are not part of the state).
        self._resample_filter = torch.from_numpy(h)
        self.win_len = N_FRAME * rate // FS
        self.hop = self.win_len // 2
        self.nfft = 2 * self.win_len
        self._window = torch.from_numpy(np.hanning(self.win_len + 2)[1:-1])
        self._obm = torch.from_numpy(third_octave_bands(rate, self.nfft, N_BANDS, MIN_FREQ))

    def forward(self, est_targets, targets):
        """Negative (E)STOI of each signal, see the class docstring for shapes."""
        if targets.shape != est_targets.shape:
            raise ValueError(
                f"targets and est_targets must have the same shape, got {list(targets.shape)} "
                f"and {list(est_targets.shape)}."
            )
        if targets.ndim == 0:
            raise ValueError("STOI needs signals with a time dimension, got scalars.")
        lead_shape = targets.shape[:-1] if targets.ndim > 1 else (1,)
        x = targets.reshape(-1, targets.shape[-1])
        y = est_targets.reshape(-1, targets.shape[-1])
        scores = self._stoi(x, y)
        return -scores.reshape(lead_shape)

    # ---------------------------------------------------------------- signal chain
    def _resample(self, sig):
        r"""Polyphase resampling by ``up / down`` (same output as ``scipy.signal.resample_poly``).

        Output sample :math:`k` is :math:`\sum_n x[n] h[c + k D - n U]` with :math:`c` the centre
        of the filter. Outputs :math:`k_0, k_0 + U, ...` use the same sub-filter
        :math:`g[i] = h[\phi + U i]`, so each of the :math:`U` phases is one strided
        convolution of the input with a filter :math:`U` times shorter.
        """
        if self.up == 1 and self.down == 1:
            return sig
        up, down = self.up, self.down
        h = self._resample_filter.to(device=sig.device, dtype=sig.dtype)
        centre = (h.shape[0] - 1) // 2
        batch, n_in = sig.shape
        n_out = -(-n_in * up // down)
        out = sig.new_zeros(batch, n_out)
        for k0 in range(min(up, n_out)):
            phase, q = divmod(centre + k0 * down, up)[::-1]
            g = h[phase::up]
            n_phase_out = len(range(k0, n_out, up))
            # out[k0 + up r] = sum_i g[i] x[q + r down - i]: correlate with the flipped g
            left = g.shape[0] - 1 - q
            padded = F.pad(sig, (max(left, 0), 0))[:, max(-left, 0) :]
            needed = (n_phase_out - 1) * down + g.shape[0]
            padded = F.pad(padded, (0, max(0, needed - padded.shape[1])))
            res = F.conv1d(padded[:, None], g.flip(0)[None, None], stride=down)[:, 0]
            out[:, k0::up] = res[:, :n_phase_out]
        return out

    def _frames(self, sig):
        """Frames starting at 0, hop, ... strictly before ``len - win_len`` (B, n, win)."""
        n_frames = max(0, -(-(sig.shape[-1] - self.win_len) // self.hop))
        if n_frames == 0:
            return sig.new_zeros(sig.shape[0], 0, self.win_len)
        return sig.unfold(-1, self.win_len, self.hop)[:, :n_frames]

    def _remove_silent_frames(self, x, y):
        """Overlap-add of the frames where the clean signal is within 40 dB of its maximum.

        Returns the rebuilt signals (B, T') zero-padded to the longest one, and the number
        of kept frames of each.
        """
        window = self._window.to(device=x.device, dtype=x.dtype)
        x_frames = self._frames(x) * window
        y_frames = self._frames(y) * window
        with torch.no_grad():
            energy = 20 * torch.log10(torch.linalg.norm(x_frames.double(), dim=-1) + EPS)
            keep = energy > energy.max(dim=-1, keepdim=True).values - DYN_RANGE  # B, n
        n_kept = keep.sum(dim=-1)
        # Move the kept frames to the front, in order, and zero the rest.
        order = torch.sort((~keep).to(torch.uint8), dim=-1, stable=True).indices
        valid = torch.arange(keep.shape[-1], device=x.device)[None] < n_kept[:, None]
        gather_idx = order[..., None].expand(-1, -1, self.win_len)
        x_frames = torch.gather(x_frames, 1, gather_idx) * valid[..., None]
        y_frames = torch.gather(y_frames, 1, gather_idx) * valid[..., None]
        return self._overlap_add(x_frames), self._overlap_add(y_frames), n_kept

    def _overlap_add(self, frames):
        batch, n_frames, win = frames.shape
        length = (n_frames - 1) * self.hop + win
        out = F.fold(
            frames.transpose(1, 2),
            output_size=(1, length),
            kernel_size=(1, win),
            stride=(1, self.hop),
        )
        return out.reshape(batch, length)

    def _band_envelopes(self, sig):
        """One-third octave band magnitudes (B, n_frames, 15)."""
        window = self._window.to(device=sig.device, dtype=sig.dtype)
        spec = torch.fft.rfft(self._frames(sig) * window, n=self.nfft)
        power = spec.real**2 + spec.imag**2
        band_power = power @ self._obm.to(device=sig.device, dtype=sig.dtype).T
        return _safe_sqrt(band_power)

    def _stoi(self, x, y):
        x = self._resample(x)
        y = self._resample(y)
        if self.use_vad:
            x, y, n_kept = self._remove_silent_frames(x, y)
            n_frames = n_kept - 1
        else:
            n_total = max(0, -(-(x.shape[-1] - self.win_len) // self.hop))
            n_frames = torch.full((x.shape[0],), n_total, device=x.device)
        n_segments = n_frames - N_SEGMENT + 1  # B
        x_env = self._band_envelopes(x)
        y_env = self._band_envelopes(y)
        if x_env.shape[1] < N_SEGMENT or bool((n_segments < 1).any()):
            warnings.warn(
                "Not enough STFT frames for a 30-frame STOI segment after removing silent "
                f"frames; using {TOO_SHORT_VALUE} for those signals.",
                RuntimeWarning,
            )
        if x_env.shape[1] < N_SEGMENT:
            return x.new_full((x.shape[0],), TOO_SHORT_VALUE)
        # B, J, 15, N segments of envelopes
        x_seg = x_env.unfold(1, N_SEGMENT, 1)
        y_seg = y_env.unfold(1, N_SEGMENT, 1)
        if self.extended:
            corr = (_row_col_normalize(x_seg) * _row_col_normalize(y_seg)).sum(dim=(-1, -2))
            corr = corr / N_SEGMENT  # B, J
            per_segment_count = 1
        else:
            scale = _norm(x_seg) / (_norm(y_seg) + NORM_EPS)
            clip = 10 ** (-BETA / 20)
            y_prime = torch.minimum(y_seg * scale, x_seg * (1 + clip))
            y_prime = _center_normalize(y_prime, dim=-1)
            x_norm = _center_normalize(x_seg, dim=-1)
            corr = (y_prime * x_norm).sum(dim=(-1, -2))  # B, J (summed over bands)
            per_segment_count = N_BANDS
        seg_idx = torch.arange(corr.shape[1], device=corr.device)
        valid = (seg_idx[None] < n_segments[:, None]).to(corr.dtype)
        denom = (n_segments.clamp(min=1) * per_segment_count).to(corr.dtype)
        score = (corr * valid).sum(dim=1) / denom
        too_short = n_segments < 1
        return torch.where(too_short, torch.full_like(score, TOO_SHORT_VALUE), score)

    def get_config(self):
        """Arguments that rebuild this loss."""
        return dict(
            sample_rate=self.sample_rate,
            use_vad=self.use_vad,
            extended=self.extended,
            do_resample=self.do_resample,
        )


def _safe_sqrt(x):
    """Square root whose gradient is 0 (instead of infinite) where ``x`` is 0."""
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))), 0.0)


def _norm(x, dim=-1):
    return _safe_sqrt((x**2).sum(dim=dim, keepdim=True))


def _center_normalize(x, dim):
    x = x - x.mean(dim=dim, keepdim=True)
    return x / (_norm(x, dim=dim) + NORM_EPS)


def _row_col_normalize(seg):
    """Zero-mean, unit-norm rows (time within the segment) then columns (bands)."""
    return _center_normalize(_center_normalize(seg, dim=-1), dim=-2)
