r"""PMSQE: a differentiable loss built from the perceptual model of PESQ (ITU-T P.862).

Power spectra are level-aligned, mapped to a Bark scale, optionally equalised in frequency and
gain, turned into loudness densities (Zwicker's law), and compared through PESQ's symmetric
and asymmetric disturbances. The per-frame distortions are bounded and averaged.

The Bark mapping matrix is built here from its definition: each Bark band gathers a run of
consecutive FFT bins, and every bin of band :math:`k` is weighted by PESQ's power density
correction factor of that band.

References:
    Martin-Doñas, Gomez, Gonzalez and Peinado, "A deep learning loss function based on the
    perceptual evaluation of the speech quality", IEEE Signal Processing Letters, 2018.
"""

from typing import Optional

import numpy as np
import torch
from torch import nn

__all__ = ["SingleSrcPMSQE", "bark_matrix"]

# Power correction of the analysis window (mean of the squared window, inverted).
WINDOW_CORRECTION = {
    "rect": 1.0,
    "hann": 2.666666666666754,
    "sqrt_hann": 2.0,
    "hamming": 2.51635879188799,
    "flatTop": 5.70713295690759,
}

# PESQ tables at 16 kHz (512-point DFT, 49 Bark bands); 8 kHz uses the first 41 bands of the
# same tables plus a narrower last band (256-point DFT, 42 bands).
_BINS_PER_BAND_16K = [1] * 8 + [2] + [1] * 5 + [2, 1, 1] + [2] * 8 + [3, 3, 3, 3, 4, 3, 4, 5, 4, 5]
_BINS_PER_BAND_16K += [6, 6, 7, 8, 9, 9, 12, 12, 15, 16, 18, 21, 25, 20]
_BINS_PER_BAND_8K = _BINS_PER_BAND_16K[:41] + [11]

_POW_DENS_CORRECTION_16K = [
    100.0, 99.999992, 100.0, 100.000008, 100.000008, 100.000015, 99.999992, 99.999969,
    50.000027, 100.0, 99.999969, 100.000015, 99.999947, 100.000061, 53.047077, 110.000046,
    117.991989, 65.0, 68.760147, 69.999931, 71.428818, 75.000038, 76.843384, 80.968781,
    88.646126, 63.864388, 68.15535, 72.547775, 75.584831, 58.379192, 80.950836, 64.135651,
    54.384785, 73.821884, 64.437073, 59.176456, 65.521278, 61.399822, 58.144047, 57.004543,
    64.126297, 54.311001, 61.114979, 55.077751, 56.849335, 55.628868, 53.137054, 54.985844,
    79.546974,
]  # fmt: skip
_POW_DENS_CORRECTION_8K = _POW_DENS_CORRECTION_16K[:41] + [59.248363]

# Absolute hearing threshold (power) of each Bark band.
_ABS_THRESH_POWER = [
    51286152.0, 2454709.5, 70794.59375, 4897.788574, 1174.897705, 389.045166, 104.71286,
    45.70882, 17.782795, 9.772372, 4.897789, 3.090296, 1.905461, 1.258925, 0.977237, 0.724436,
    0.562341, 0.457088, 0.389045, 0.331131, 0.295121, 0.269153, 0.25704, 0.251189, 0.251189,
    0.251189, 0.251189, 0.263027, 0.288403, 0.30903, 0.338844, 0.371535, 0.398107, 0.436516,
    0.467735, 0.489779, 0.501187, 0.501187, 0.512861, 0.524807, 0.524807, 0.524807, 0.512861,
    0.47863, 0.42658, 0.371535, 0.363078, 0.416869, 0.537032,
]  # fmt: skip

# Exponent of the modified Zwicker law in each band.
_ZWICKER_POWER = [
    0.25520097857560436, 0.25520097857560436, 0.25520097857560436, 0.25520097857560436,
    0.25168783742879913, 0.24806665731869609, 0.244767379124259, 0.24173800119368227,
    0.23893798876066405, 0.23633516221479894, 0.23390360348392067, 0.23162209128929445,
] + [0.23] * 37  # fmt: skip

# Width of each Bark band, in Bark.
_WIDTH_OF_BAND_BARK = [
    0.157344, 0.317994, 0.322441, 0.326934, 0.331474, 0.336061, 0.340697, 0.345381, 0.350114,
    0.354897, 0.359729, 0.364611, 0.369544, 0.374529, 0.379565, 0.384653, 0.389794, 0.394989,
    0.400236, 0.405538, 0.410894, 0.416306, 0.421773, 0.427297, 0.432877, 0.438514, 0.444209,
    0.449962, 0.455774, 0.461645, 0.467577, 0.473569, 0.479621, 0.485736, 0.491912, 0.498151,
    0.504454, 0.510819, 0.51725, 0.523745, 0.530308, 0.536934, 0.543629, 0.55039, 0.55722,
    0.564119, 0.571085, 0.578125, 0.585232,
]  # fmt: skip

# Per sample rate: DFT size, number of Bark bands, power scaling Sp and loudness scaling Sl.
_RATE_CONSTANTS = {
    16000: dict(n_fft=512, n_bark=49, sp=6.910853e-006, sl=1.866055e-001),
    8000: dict(n_fft=256, n_bark=42, sp=2.764344e-5, sl=1.866055e-1),
}


def bark_matrix(sample_rate=16000):
    r"""Matrix that maps a one-sided power spectrum to PESQ's Bark bands.

    Args:
        sample_rate (int): 16000 (512-point DFT, 49 bands) or 8000 (256-point DFT, 42 bands).

    Returns:
        np.ndarray: float32 matrix :math:`(F, K)` with :math:`F = n_{fft}/2 + 1`; entry
        :math:`[f, k]` is the correction factor of band :math:`k` when bin :math:`f` belongs to
        it, 0 otherwise. The highest bin belongs to no band.
    """
    if sample_rate not in _RATE_CONSTANTS:
        raise ValueError(f"Unsupported sample rate {sample_rate}; expected 8000 or 16000.")
    if sample_rate == 16000:
        counts, factors = _BINS_PER_BAND_16K, _POW_DENS_CORRECTION_16K
    else:
        counts, factors = _BINS_PER_BAND_8K, _POW_DENS_CORRECTION_8K
    n_freq = _RATE_CONSTANTS[sample_rate]["n_fft"] // 2 + 1
    matrix = np.zeros((n_freq, len(counts)), dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for band, (start, count, factor) in enumerate(zip(starts, counts, factors)):
        matrix[start : start + count, band] = factor
    return matrix.astype(np.float32)


class SingleSrcPMSQE(nn.Module):
    r"""Perceptual Metric for Speech Quality Evaluation (PMSQE) as a loss.

    Inputs are **power** spectra of 32 ms frames (512-point DFT at 16 kHz, 256-point at
    8 kHz). Level alignment, Bark equalisation and gain equalisation are computed on each
    sequence independently. The loss is
    :math:`\frac{1}{L}\sum_l (\alpha D_l + \beta DA_l)` with :math:`\alpha = 0.1`,
    :math:`\beta = 0.0309` and per-frame symmetric/asymmetric disturbances bounded at 45.

    Args:
        window_name (str): analysis window, for its power correction: ``"rect"``, ``"hann"``,
            ``"sqrt_hann"``, ``"hamming"`` or ``"flatTop"``.
        window_weight (float): extra factor on the window correction.
        bark_eq (bool): apply PESQ's Bark-band frequency equalisation.
        gain_eq (bool): apply PESQ's gain equalisation.
        sample_rate (int): 16000 or 8000.

    Shape:
        - est_targets: :math:`(B, L, F)` or :math:`(B, F, L)`, :math:`F` = 257 (16 kHz) or
          129 (8 kHz).
        - targets: same shape.
        - pad_mask: :math:`(B, L, 1)` (or :math:`(B, 1, L)` with :math:`(B, F, L)` inputs),
          1 on real frames and 0 on padding.
        - Output: :math:`(B,)`.

    Examples:
        >>> stft = torch.stft(torch.randn(2, 16000), 512, 256, window=torch.hann_window(512).sqrt(),
        ...                   return_complex=True)
        >>> power = stft.abs() ** 2  # (B, F, L)
        >>> loss = SingleSrcPMSQE()(power * 0.9, power)
    """

    def __init__(
        self,
        window_name="sqrt_hann",
        window_weight=1.0,
        bark_eq=True,
        gain_eq=True,
        sample_rate=16000,
    ):
        super().__init__()
        if sample_rate not in _RATE_CONSTANTS:
            raise ValueError(f"Unsupported sample rate {sample_rate}; expected 8000 or 16000.")
        if window_name not in WINDOW_CORRECTION:
            raise ValueError(
                f"Unexpected window type {window_name!r}; expected one of "
                f"{list(WINDOW_CORRECTION)}."
            )
        self.window_name = window_name
        self.window_weight = window_weight
        self.bark_eq = bark_eq
        self.gain_eq = gain_eq
        self.sample_rate = sample_rate
        consts = _RATE_CONSTANTS[sample_rate]
        self.nbins = consts["n_fft"]
        self.nbark = consts["n_bark"]
        self.Sp = consts["sp"]
        self.Sl = consts["sl"]
        self.alpha = 0.1
        self.beta = 0.309 * self.alpha
        self.pow_correc_factor = self.get_correction_factor(window_name) * window_weight
        self.EPS = 1e-8

        n_bark = self.nbark
        self.register_buffer("abs_thresh_power", torch.tensor(_ABS_THRESH_POWER[:n_bark]))
        self.register_buffer("modified_zwicker_power", torch.tensor(_ZWICKER_POWER[:n_bark]))
        self.register_buffer("width_of_band_bark", torch.tensor(_WIDTH_OF_BAND_BARK[:n_bark]))
        self.register_buffer("bark_matrix", torch.from_numpy(bark_matrix(sample_rate)))
        self.register_buffer("mask_sll", torch.from_numpy(self._sll_mask()))
        self.sqrt_total_width = float(
            np.sqrt(np.sum(_WIDTH_OF_BAND_BARK[:n_bark], dtype=np.float32))
        )

    def _sll_mask(self):
        # Bins of the 300 Hz - 3 kHz band that sets the level (edges weighted), times the
        # window and DFT power correction.
        mask = np.zeros(self.nbins // 2 + 1, dtype=np.float32)
        mask[11] = 0.5 * 25.0 / 31.25
        mask[12:104] = 1.0
        mask[104] = 0.5
        correction = self.pow_correc_factor * (self.nbins + 2.0) / self.nbins**2
        return (mask * correction).astype(np.float32)

    def forward(
        self,
        est_targets: torch.Tensor,
        targets: torch.Tensor,
        pad_mask: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """PMSQE of each sequence of the batch, see the class docstring for shapes."""
        n_freq = self.nbins // 2 + 1
        if est_targets.shape != targets.shape or est_targets.ndim != 3:
            raise ValueError(
                f"Expected two power spectra of the same 3-D shape, got "
                f"{list(est_targets.shape)} and {list(targets.shape)}."
            )
        if est_targets.shape[1] == n_freq:
            est_targets = est_targets.transpose(1, 2)
            targets = targets.transpose(1, 2)
            if pad_mask is not None:
                pad_mask = pad_mask.transpose(1, 2)
        elif est_targets.shape[2] != n_freq:
            raise ValueError(
                f"Could not find a dimension with {n_freq} frequency bins in inputs of shape "
                f"{list(est_targets.shape)}."
            )
        if pad_mask is None:
            pad_mask = torch.ones(
                est_targets.shape[0],
                est_targets.shape[1],
                1,
                device=est_targets.device,
                dtype=est_targets.dtype,
            )
        # B, L, F -> level alignment -> B, L, K Bark spectra
        ref_bark = self.bark_computation(self.magnitude_at_sll(targets, pad_mask))
        deg_bark = self.bark_computation(self.magnitude_at_sll(est_targets, pad_mask))
        if self.bark_eq:
            deg_bark = self.bark_freq_equalization(ref_bark, deg_bark)
        if self.gain_eq:
            deg_bark = self.bark_gain_equalization(ref_bark, deg_bark)
        sym_d, asym_d = self.compute_distortion_tensors(ref_bark, deg_bark)
        audible_power_ref = self.compute_audible_power(ref_bark, 1.0)
        wd_frame, wda_frame = self.per_frame_distortion(sym_d, asym_d, audible_power_ref)
        pmsqe_frame = (self.alpha * wd_frame + self.beta * wda_frame) * pad_mask  # B, L, 1
        return torch.sum(pmsqe_frame, dim=[-1, -2]) / pad_mask.sum([-1, -2])

    def magnitude_at_sll(self, spectra: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        """Scale each sequence so that its mean power in the level band is :math:`10^7`."""
        masked = spectra * pad_mask * self.mask_sll
        freq_mean = torch.mean(masked, dim=-1, keepdim=True)  # B, L, 1
        mean_pow = torch.sum(freq_mean, dim=-2, keepdim=True) / torch.sum(
            pad_mask, dim=-2, keepdim=True
        )  # B, 1, 1
        return 10000000.0 * spectra / mean_pow

    def bark_computation(self, spectra: torch.Tensor) -> torch.Tensor:
        """Power spectrum (B, L, F) to Bark spectrum (B, L, K)."""
        return self.Sp * torch.matmul(spectra, self.bark_matrix)

    def compute_audible_power(self, bark_spectra: torch.Tensor, factor: float = 1.0):
        """Total power of the bands above ``factor`` times the hearing threshold, (B, L, 1)."""
        audible = torch.where(
            bark_spectra > self.abs_thresh_power * factor,
            bark_spectra,
            torch.zeros_like(bark_spectra),
        )
        return torch.sum(audible, dim=-1, keepdim=True)

    def bark_gain_equalization(self, ref_bark_spectra, deg_bark_spectra):
        """Scale each degraded frame towards the reference's audible power (gain in [3e-4, 5])."""
        audible_power_ref = self.compute_audible_power(ref_bark_spectra, 1.0)
        audible_power_deg = self.compute_audible_power(deg_bark_spectra, 1.0)
        gain = (audible_power_ref + 5.0e3) / (audible_power_deg + 5.0e3)
        return torch.clamp(gain, min=3.0e-4, max=5.0) * deg_bark_spectra

    def bark_freq_equalization(self, ref_bark_spectra, deg_bark_spectra):
        """Per-band equaliser from the speech-active frames (factor in [0.01, 100])."""
        # Frames whose audible power (at 100 times the threshold) marks speech activity.
        not_silent = self.compute_audible_power(ref_bark_spectra, 100.0) >= 1.0e7
        # Bands of those frames that are well above the hearing threshold.
        active = (ref_bark_spectra >= self.abs_thresh_power * 100.0) & not_silent
        zeros = torch.zeros_like(ref_bark_spectra)
        avg_ppb_ref = torch.sum(torch.where(active, ref_bark_spectra, zeros), dim=-2, keepdim=True)
        avg_ppb_deg = torch.sum(torch.where(active, deg_bark_spectra, zeros), dim=-2, keepdim=True)
        equalizer = (avg_ppb_ref + 1000.0) / (avg_ppb_deg + 1000.0)
        return torch.clamp(equalizer, min=0.01, max=100.0) * deg_bark_spectra

    def loudness_computation(self, bark_spectra: torch.Tensor) -> torch.Tensor:
        """Bark power to sone loudness density (Zwicker's law); 0 below the threshold."""
        aterm = torch.pow(self.abs_thresh_power / 0.5, self.modified_zwicker_power)
        bterm = (
            torch.pow(0.5 + 0.5 * bark_spectra / self.abs_thresh_power, self.modified_zwicker_power)
            - 1.0
        )
        loudness = self.Sl * aterm * bterm
        return torch.where(
            bark_spectra < self.abs_thresh_power, torch.zeros_like(loudness), loudness
        )

    def compute_distortion_tensors(self, ref_bark_spec, deg_bark_spec):
        """Symmetric and asymmetric disturbance densities, both (B, L, K)."""
        original_loudness = self.loudness_computation(ref_bark_spec)
        distorted_loudness = self.loudness_computation(deg_bark_spec)
        r = torch.abs(distorted_loudness - original_loudness)
        # Masking: differences below a quarter of the smaller loudness are not heard.
        m = 0.25 * torch.min(original_loudness, distorted_loudness)
        sym_d = torch.clamp(r - m, min=self.EPS)
        # Added components (degraded louder than reference) are penalised more.
        asym = torch.pow((deg_bark_spec + 50.0) / (ref_bark_spec + 50.0), 1.2)
        asym_factor = torch.where(asym < 3.0, torch.zeros_like(asym), torch.clamp(asym, max=12.0))
        return sym_d, asym_factor * sym_d

    def per_frame_distortion(self, sym_d, asym_d, total_power_ref):
        """Per-frame weighted disturbances (L2 over bands for D, L1 for DA), each (B, L, 1)."""
        d_frame = torch.sum(
            torch.pow(sym_d * self.width_of_band_bark, 2.0) + self.EPS, dim=-1, keepdim=True
        )
        d_frame = torch.sqrt(d_frame) * self.sqrt_total_width
        da_frame = torch.sum(asym_d * self.width_of_band_bark, dim=-1, keepdim=True)
        weights = torch.pow((total_power_ref + 1e5) / 1e7, 0.04)
        wd_frame = torch.clamp(d_frame / weights, max=45.0)
        wda_frame = torch.clamp(da_frame / weights, max=45.0)
        return wd_frame, wda_frame

    @staticmethod
    def get_correction_factor(window_name: str) -> float:
        """Power correction factor of an analysis window (see :data:`WINDOW_CORRECTION`)."""
        if window_name not in WINDOW_CORRECTION:
            raise ValueError(
                f"Unexpected window type {window_name!r}; expected one of "
                f"{list(WINDOW_CORRECTION)}."
            )
        return WINDOW_CORRECTION[window_name]
