"""Phase reconstruction from magnitude spectrograms: fast Griffin-Lim and MISI."""

import math
from typing import List, Optional

import torch

from . import transforms
from .enc_dec import Decoder
from .stft_fb import STFTFB, perfect_synthesis_window

__all__ = ["griffin_lim", "misi"]


def _perfect_decoder(stft_enc):
    """A Decoder that inverts ``stft_enc`` (an Encoder on an STFTFB)."""
    fb = stft_enc.filterbank
    if not isinstance(fb, STFTFB):
        raise TypeError(
            f"Without istft_dec, stft_enc must be an Encoder on an STFTFB, got a "
            f"{type(fb).__name__}."
        )
    synthesis_window = perfect_synthesis_window(fb.window, stft_enc.stride)
    config = {**stft_enc.get_config(), "window": synthesis_window}
    decoder = Decoder(STFTFB(**config))
    return decoder.to(fb.filters().device)


def _initial_angles(mag_specgram, angles):
    if angles is None:
        return 2 * math.pi * torch.rand_like(mag_specgram)
    return angles.view(*mag_specgram.shape)


def griffin_lim(mag_specgram, stft_enc, angles=None, istft_dec=None, n_iter=6, momentum=0.9):
    """Phase estimation for a magnitude spectrogram with the fast Griffin-Lim algorithm.

    Each iteration rebuilds a waveform from the magnitude and the current phase, re-analyses it
    and takes the phase of ``rebuilt - momentum / (1 + momentum) * previous_rebuilt``.

    Args:
        mag_specgram (torch.Tensor): magnitude spectrogram, :math:`(*, F, L)` with
            :math:`F = N/2 + 1` (the magnitude of ``stft_enc``'s output).
        stft_enc (Encoder): the Encoder on an :class:`STFTFB` that produced the spectrogram.
        angles (torch.Tensor, optional): initial phase, same number of elements as
            ``mag_specgram``. ``None`` draws it uniformly in :math:`[0, 2\\pi)`.
        istft_dec (Decoder, optional): synthesis. ``None`` builds a perfect-reconstruction
            Decoder (:func:`perfect_synthesis_window`) from ``stft_enc``.
        n_iter (int): number of iterations.
        momentum (float): fast Griffin-Lim momentum; 0 gives the original algorithm.

    Returns:
        torch.Tensor: the waveform, shape given by ``istft_dec`` (:math:`(B, 1, T)` for a
        :math:`(B, F, L)` input).

    References:
        N. Perraudin, P. Balazs, P. L. Sondergaard, "A fast Griffin-Lim algorithm", WASPAA 2013.
        D. W. Griffin, J. S. Lim, "Signal estimation from modified short-time Fourier
        transform", IEEE Trans. ASSP 1984.
    """
    if istft_dec is None:
        istft_dec = _perfect_decoder(stft_enc)
    angles = _initial_angles(mag_specgram, angles)
    rebuilt = torch.zeros(())
    for _ in range(n_iter):
        previous = rebuilt
        waveform = istft_dec(transforms.from_magphase(mag_specgram, angles))
        rebuilt = stft_enc(waveform)
        angles = transforms.angle(rebuilt - momentum / (1 + momentum) * previous)
    return istft_dec(transforms.from_magphase(mag_specgram, angles))


def misi(
    mixture_wav,
    mag_specgrams,
    stft_enc,
    angles=None,
    istft_dec=None,
    n_iter=6,
    momentum=0.0,
    src_weights=None,
    dim=1,
):
    """Joint phase estimation of several sources with Multiple Input Spectrogram Inversion.

    Like :func:`griffin_lim`, but after each synthesis the source waveforms are made to sum to
    the mixture: the residual ``mixture - sum(sources)`` is shared between the sources in
    proportion to ``src_weights`` (by default their relative power).

    Args:
        mixture_wav (torch.Tensor): the mixture, :math:`(B, T)`.
        mag_specgrams (torch.Tensor): source magnitudes, :math:`(B, S, F, L)`.
        stft_enc (Encoder): the Encoder on an :class:`STFTFB` used for the magnitudes.
        angles (torch.Tensor, optional): initial phases; ``None`` draws them uniformly.
        istft_dec (Decoder, optional): synthesis; ``None`` builds a perfect-reconstruction one.
        n_iter (int): number of iterations.
        momentum (float): Griffin-Lim momentum (0 is plain MISI).
        src_weights (torch.Tensor, optional): share of the residual for each source,
            broadcastable to :math:`(B, S, T)`; normalised to sum to one along ``dim``.
        dim (int): the source axis of ``mag_specgrams``.

    Returns:
        torch.Tensor: the source waveforms, :math:`(B, S, T)`. The sources of the last consistent
        iterate sum to the (analysed and resynthesised) mixture; the returned ones are
        resynthesised with the final phase.

    References:
        D. Gunawan, D. Sen, "Iterative phase estimation for the synthesis of separated sources
        from single-channel mixtures", IEEE Signal Processing Letters, 2010.
        Z.-Q. Wang, J. Le Roux, D. Wang, J. R. Hershey, "End-to-end speech separation with
        unfolded iterative phase reconstruction", Interspeech 2018.
    """
    if istft_dec is None:
        istft_dec = _perfect_decoder(stft_enc)
    if angles is None:
        angles = 2 * math.pi * torch.rand_like(mag_specgrams)
    wav_dim = dim if dim >= 0 else dim + 1
    # The mixture goes through the same analysis/synthesis as the sources.
    mixture_wav = istft_dec(stft_enc(mixture_wav))
    rebuilt = torch.zeros(())
    for _ in range(n_iter):
        previous = rebuilt
        wavs = istft_dec(transforms.from_magphase(mag_specgrams, angles))
        wavs = _mixture_consistency(mixture_wav, wavs, src_weights=src_weights, dim=wav_dim)
        rebuilt = stft_enc(wavs)
        angles = transforms.angle(rebuilt - momentum / (1 + momentum) * previous)
    return istft_dec(transforms.from_magphase(mag_specgrams, angles))


def _mixture_consistency(
    mixture: torch.Tensor,
    est_sources: torch.Tensor,
    src_weights: Optional[torch.Tensor] = None,
    dim: int = 1,
) -> torch.Tensor:
    """Adds to each source its weighted share of ``mixture - est_sources.sum(dim)``.

    Shape:
        - mixture: ``est_sources`` without ``dim``, or with ``dim`` of size 1.
        - est_sources: :math:`(B, S, ...)` with the sources on ``dim``.
        - output: same as ``est_sources``.
    """
    if src_weights is None:
        other_dims: List[int] = [d for d in range(1, est_sources.dim()) if d != dim]
        src_weights = est_sources.pow(2).mean(dim=other_dims, keepdim=True)
    src_weights = src_weights / (src_weights.sum(dim=dim, keepdim=True) + 1e-8)
    if mixture.dim() == est_sources.dim() - 1:
        residual = (mixture - est_sources.sum(dim=dim)).unsqueeze(dim)
    elif mixture.dim() == est_sources.dim():
        residual = mixture - est_sources.sum(dim=dim, keepdim=True)
    else:
        raise ValueError(
            f"The mixture must have {est_sources.dim()} or {est_sources.dim() - 1} axes for "
            f"sources of shape {list(est_sources.shape)}, got shape {list(mixture.shape)}."
        )
    return est_sources + src_weights * residual
