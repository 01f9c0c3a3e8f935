"""Mask-based multichannel beamformers in the STFT domain.

Conventions, shared by every function here:

- mixture STFT ``mix``: complex, :math:`(B, M, F, L)` (batch, mics, frequencies, frames);
- spatial covariance matrices (SCM) :math:`\\Phi`: complex, :math:`(B, M, M, F)`, as given by
  :func:`compute_scm`;
- beamforming vectors :math:`\\mathbf{w}`: complex, :math:`(B, M, F)`; the output
  :math:`\\mathbf{w}^H \\mathbf{x}` is :math:`(B, F, L)`.

The linear algebra (solves, eigen- and Cholesky decompositions) runs in double precision
and the results are cast back to the input precision, unless :func:`force_float_linalg`
was called. Singular matrices are regularised (see :func:`condition_scm`) rather than
rejected.
"""

from typing import Optional, Union

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "SCM",
    "Beamformer",
    "RTFMVDRBeamformer",
    "SoudenMVDRBeamformer",
    "SDWMWFBeamformer",
    "GEVBeamformer",
    "GEVDBeamformer",
    "compute_scm",
    "get_optimal_reference_mic",
    "condition_scm",
    "batch_trace",
    "stable_solve",
    "stable_cholesky",
    "generalized_eigenvalue_decomposition",
    "force_float_linalg",
    "force_double_linalg",
    "BeamFormer",
    "SdwMwfBeamformer",
    "MvdrBeamformer",
]

# Whether the linear algebra is promoted to double precision (see force_float_linalg).
USE_DOUBLE = True

_DOUBLE_OF = {
    torch.float16: torch.float64,
    torch.bfloat16: torch.float64,
    torch.float32: torch.float64,
    torch.complex32: torch.complex128,
    torch.complex64: torch.complex128,
}


def force_float_linalg():
    """Run the beamformers' linear algebra in the input precision from now on."""
    global USE_DOUBLE
    USE_DOUBLE = False


def force_double_linalg():
    """Run the beamformers' linear algebra in double precision (the default)."""
    global USE_DOUBLE
    USE_DOUBLE = True


class SCM(nn.Module):
    """Module form of :func:`compute_scm`."""

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None, normalize: bool = True):
        """See :func:`compute_scm`."""
        return compute_scm(x, mask=mask, normalize=normalize)


def compute_scm(x: torch.Tensor, mask: Optional[torch.Tensor] = None, normalize: bool = True):
    r"""Spatial covariance matrix :math:`\Phi_f = \sum_t m_{ft} \mathbf{x}_{ft} \mathbf{x}_{ft}^H`.

    Args:
        x (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
        mask (torch.Tensor, optional): real weights :math:`m_{ft}`, shape :math:`(B, F, L)`
            or :math:`(B, 1, F, L)` (or :math:`(B, M, F, L)`: one mask per row of the SCM).
            All ones by default.
        normalize (bool): divide by :math:`\sum_t m_{ft}` (a weighted mean instead of a sum).

    Returns:
        torch.Tensor: the SCM, shape :math:`(B, M, M, F)`.
    """
    _check_stft(x, "x")
    if mask is None:
        mask = x.real.new_ones(x.shape[0], 1, x.shape[2], x.shape[3])
    if mask.ndim == 3:
        mask = mask[:, None]
    scm = torch.einsum("bmft,bnft->bmnf", mask * x, x.conj())  # B, M, M, F
    if normalize:
        weight = mask.sum(-1).clamp_min(torch.finfo(mask.dtype).tiny)  # B, 1|M, F
        scm = scm / weight[:, :, None, :]
    return scm


class Beamformer(nn.Module):
    """Base class of the beamformers: applies vectors and picks reference microphones."""

    def get_config(self):
        """Constructor arguments of the beamformer."""
        return {}

    @staticmethod
    def apply_beamforming_vector(bf_vector: torch.Tensor, mix: torch.Tensor):
        r"""Filter the mixture: :math:`y_{ft} = \mathbf{w}_f^H \mathbf{x}_{ft}`.

        Args:
            bf_vector (torch.Tensor): :math:`\mathbf{w}`, shape :math:`(B, M, F)`.
            mix (torch.Tensor): :math:`\mathbf{x}`, shape :math:`(B, M, F, L)`.

        Returns:
            torch.Tensor: shape :math:`(B, F, L)`.
        """
        return torch.einsum("...mf,...mft->...ft", bf_vector.conj(), mix)

    @staticmethod
    def get_reference_mic_vects(
        ref_mic,
        bf_mat: torch.Tensor,
        target_scm: Optional[torch.Tensor] = None,
        noise_scm: Optional[torch.Tensor] = None,
    ):
        """One-hot selectors of the reference microphone of each batch item.

        Args:
            ref_mic (int, torch.Tensor or None): an index for the whole batch; a 1-D tensor
                of one index per batch item; a tensor with more dimensions, returned as is
                (already a selector); or ``None`` for the microphone with the best a
                posteriori SNR (:func:`get_optimal_reference_mic`), mic 0 when an SCM is
                missing.
            bf_mat (torch.Tensor): beamforming matrices, shape :math:`(B, F, M, M)`.
            target_scm (torch.Tensor, optional): shape :math:`(B, F, M, M)`.
            noise_scm (torch.Tensor, optional): shape :math:`(B, F, M, M)`.

        Returns:
            torch.Tensor: selectors of ``bf_mat``'s dtype, shape :math:`(B, 1, M, 1)`.
        """
        if isinstance(ref_mic, torch.Tensor) and ref_mic.ndim > 1:
            return ref_mic
        batch, n_mics = bf_mat.shape[0], bf_mat.shape[-1]
        if ref_mic is None and (target_scm is None or noise_scm is None):
            ref_mic = 0
        if ref_mic is None:
            mic_idx = get_optimal_reference_mic(bf_mat, target_scm, noise_scm)
        elif isinstance(ref_mic, int) and not isinstance(ref_mic, bool):
            mic_idx = torch.full((batch,), ref_mic, dtype=torch.long, device=bf_mat.device)
        elif isinstance(ref_mic, torch.Tensor) and not ref_mic.is_floating_point():
            mic_idx = ref_mic.to(device=bf_mat.device, dtype=torch.long).expand(batch)
        else:
            raise TypeError(
                "ref_mic must be None, an int, a 1-D integer tensor or a selector tensor, "
                f"got {type(ref_mic).__name__}."
            )
        if bool(((mic_idx < 0) | (mic_idx >= n_mics)).any()):
            raise ValueError(
                f"Reference microphone out of range [0, {n_mics}): {mic_idx.tolist()}."
            )
        return F.one_hot(mic_idx, num_classes=n_mics)[:, None, :, None].to(bf_mat.dtype)


class RTFMVDRBeamformer(Beamformer):
    r"""MVDR beamformer from a relative transfer function (RTF).

    :math:`\mathbf{w}_f = \Phi_{nn}^{-1} \mathbf{a}_f /
    (\mathbf{a}_f^H \Phi_{nn}^{-1} \mathbf{a}_f)`: passes :math:`\mathbf{a}` undistorted and
    minimises the noise power. :meth:`forward` takes :math:`\mathbf{a}` as the principal
    eigenvector of :math:`\Phi_{ss}` (unit norm, so the output is the target up to a complex
    gain per frequency); :meth:`from_rtf_vect` takes any :math:`\mathbf{a}`, e.g. one
    normalised to a reference microphone, whose target image the output then is.
    """

    def forward(self, mix: torch.Tensor, target_scm: torch.Tensor, noise_scm: torch.Tensor):
        """Beamform with the RTF estimated from the target SCM.

        Args:
            mix (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
            target_scm (torch.Tensor): :math:`\\Phi_{ss}`, shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): :math:`\\Phi_{nn}`, shape :math:`(B, M, M, F)`.

        Returns:
            torch.Tensor: filtered mixture, shape :math:`(B, F, L)`.
        """
        (target,), dtype = _promote(_to_bfmm(target_scm, "target_scm"))
        _, e_vec = torch.linalg.eigh(target)  # ascending eigenvalues
        rtf_vect = e_vec[..., -1].transpose(-1, -2).to(dtype)  # B, M, F
        return self.from_rtf_vect(mix=mix, rtf_vec=rtf_vect, noise_scm=noise_scm)

    def from_rtf_vect(self, mix: torch.Tensor, rtf_vec: torch.Tensor, noise_scm: torch.Tensor):
        """Beamform with a given RTF (or steering) vector.

        Args:
            mix (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
            rtf_vec (torch.Tensor): :math:`\\mathbf{a}`, shape :math:`(B, M, F)`.
            noise_scm (torch.Tensor): :math:`\\Phi_{nn}`, shape :math:`(B, M, M, F)`.

        Returns:
            torch.Tensor: filtered mixture, shape :math:`(B, F, L)`.
        """
        _check_stft(mix, "mix")
        noise = _to_bfmm(noise_scm, "noise_scm")
        rtf = rtf_vec.transpose(-1, -2).unsqueeze(-1)  # B, F, M, 1
        numerator = stable_solve(rtf, noise)  # B, F, M, 1
        denominator = rtf.conj().transpose(-1, -2) @ numerator  # B, F, 1, 1
        bf_vect = (numerator / denominator).squeeze(-1).transpose(-1, -2)  # B, M, F
        return self.apply_beamforming_vector(bf_vect, mix=mix)


class SoudenMVDRBeamformer(Beamformer):
    r"""MVDR beamformer in Souden's form, which needs no explicit steering vector [1].

    :math:`\mathbf{w}_f = \dfrac{\Phi_{nn}^{-1}\Phi_{ss}}
    {\operatorname{tr}(\Phi_{nn}^{-1}\Phi_{ss}) + \epsilon} \mathbf{u}`, with
    :math:`\mathbf{u}` the one-hot vector of the reference microphone; estimates the target
    image at that microphone.

    References:
        [1] M. Souden, J. Benesty and S. Affes, "On optimal frequency-domain multichannel
        linear filtering for noise reduction", IEEE TASLP 18(2), 2010.
    """

    def forward(
        self,
        mix: torch.Tensor,
        target_scm: torch.Tensor,
        noise_scm: torch.Tensor,
        ref_mic: Union[torch.Tensor, int, None] = 0,
        eps=1e-8,
    ):
        """Compute and apply the beamformer.

        Args:
            mix (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
            target_scm (torch.Tensor): :math:`\\Phi_{ss}`, shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): :math:`\\Phi_{nn}`, shape :math:`(B, M, M, F)`.
            ref_mic (int, torch.Tensor or None): reference microphone, see
                :meth:`Beamformer.get_reference_mic_vects`.
            eps (float): :math:`\\epsilon`, keeps the trace away from zero.

        Returns:
            torch.Tensor: filtered mixture, shape :math:`(B, F, L)`.
        """
        _check_stft(mix, "mix")
        target = _to_bfmm(target_scm, "target_scm")
        noise = _to_bfmm(noise_scm, "noise_scm")
        numerator = stable_solve(target, noise)  # B, F, M, M
        bf_mat = numerator / (batch_trace(numerator)[..., None, None] + eps)
        selector = self.get_reference_mic_vects(ref_mic, bf_mat, target, noise)  # B, 1, M, 1
        bf_vect = (bf_mat @ selector).squeeze(-1).transpose(-1, -2)  # B, M, F
        return self.apply_beamforming_vector(bf_vect, mix=mix)


class SDWMWFBeamformer(Beamformer):
    r"""Speech-distortion-weighted multichannel Wiener filter (SDW-MWF).

    :math:`\mathbf{w}_f = (\Phi_{ss} + \mu \Phi_{nn})^{-1} \Phi_{ss} \mathbf{u}`, with
    :math:`\mathbf{u}` the one-hot vector of the reference microphone. :math:`\mu = 1` is
    the MWF; a larger :math:`\mu` removes more noise at the cost of more distortion.

    Args:
        mu (float): :math:`\mu`, the speech-distortion weight.
    """

    def __init__(self, mu=1.0):
        super().__init__()
        self.mu = mu

    def get_config(self):
        """Constructor arguments of the beamformer."""
        return {"mu": self.mu}

    def forward(
        self,
        mix: torch.Tensor,
        target_scm: torch.Tensor,
        noise_scm: torch.Tensor,
        ref_mic: Union[torch.Tensor, int, None] = None,
    ):
        """Compute and apply the filter.

        Args:
            mix (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
            target_scm (torch.Tensor): :math:`\\Phi_{ss}`, shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): :math:`\\Phi_{nn}`, shape :math:`(B, M, M, F)`.
            ref_mic (int, torch.Tensor or None): reference microphone; ``None`` picks the
                one with the best a posteriori SNR, see
                :meth:`Beamformer.get_reference_mic_vects`.

        Returns:
            torch.Tensor: filtered mixture, shape :math:`(B, F, L)`.
        """
        _check_stft(mix, "mix")
        target = _to_bfmm(target_scm, "target_scm")
        noise = _to_bfmm(noise_scm, "noise_scm")
        bf_mat = stable_solve(target, target + self.mu * noise)  # B, F, M, M
        selector = self.get_reference_mic_vects(ref_mic, bf_mat, target, noise)  # B, 1, M, 1
        bf_vect = (bf_mat @ selector).squeeze(-1).transpose(-1, -2)  # B, M, F
        return self.apply_beamforming_vector(bf_vect, mix=mix)


class GEVBeamformer(Beamformer):
    r"""Generalized-eigenvalue (max-SNR) beamformer.

    :math:`\mathbf{w}_f` is the principal generalized eigenvector of
    :math:`(\Phi_{ss}, \Phi_{nn})`, which maximises the output SNR
    :math:`\mathbf{w}^H\Phi_{ss}\mathbf{w} / \mathbf{w}^H\Phi_{nn}\mathbf{w}`, scaled to unit
    norm. Its gain and phase per frequency are arbitrary (no post-filter is applied).
    """

    def forward(self, mix: torch.Tensor, target_scm: torch.Tensor, noise_scm: torch.Tensor):
        """Compute and apply the beamformer.

        Args:
            mix (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
            target_scm (torch.Tensor): :math:`\\Phi_{ss}`, shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): :math:`\\Phi_{nn}`, shape :math:`(B, M, M, F)`.

        Returns:
            torch.Tensor: filtered mixture, shape :math:`(B, F, L)`.
        """
        _check_stft(mix, "mix")
        bf_vect = self.compute_beamforming_vector(target_scm, noise_scm)
        return self.apply_beamforming_vector(bf_vect, mix=mix)

    @staticmethod
    def compute_beamforming_vector(target_scm: torch.Tensor, noise_scm: torch.Tensor):
        """Unit-norm principal generalized eigenvectors, shape :math:`(B, M, F)`.

        Args:
            target_scm (torch.Tensor): shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): shape :math:`(B, M, M, F)`.
        """
        pair = (_to_bfmm(target_scm, "target_scm"), _to_bfmm(noise_scm, "noise_scm"))
        (target, noise), dtype = _promote(*pair)
        _, e_vec = _gevd(target, condition_scm(noise, 1e-6))
        bf_vect = e_vec[..., -1]  # B, F, M: largest eigenvalue comes last
        bf_vect = bf_vect / torch.linalg.vector_norm(bf_vect, dim=-1, keepdim=True)
        return bf_vect.transpose(-1, -2).to(dtype)  # B, M, F


class GEVDBeamformer(Beamformer):
    r"""Low-rank SDW-MWF based on the generalized eigenvalue decomposition (GEVD-MWF) [1].

    With :math:`\Phi_{ss}\mathbf{V} = \Phi_{nn}\mathbf{V}\Lambda` and
    :math:`\mathbf{V}^H\Phi_{nn}\mathbf{V} = I`, the filter is
    :math:`\mathbf{w}_f = \mathbf{V}\,\operatorname{diag}\!\big(\lambda_i/(\lambda_i+\mu)\big)
    \mathbf{V}^{-1}\mathbf{u}_0`, keeping only the ``rank`` largest :math:`\lambda_i`
    (eq. 62 of [1]). With every eigenvalue kept it is the SDW-MWF of reference mic 0.

    Args:
        mu (float): :math:`\mu`, the speech-distortion weight.
        rank (int, optional): number of generalized eigenvalues kept; ``None`` keeps all.

    References:
        [1] R. Serizel, M. Moonen, B. Van Dijk and J. Wouters, "Low-rank approximation based
        multichannel Wiener filter algorithms for noise reduction with application in
        cochlear implants", IEEE/ACM TASLP 22(4), 2014.
    """

    def __init__(self, mu: float = 1.0, rank: Optional[int] = 1):
        super().__init__()
        if rank is not None and rank < 1:
            raise ValueError(f"rank must be None or a positive integer, got {rank}.")
        self.mu = mu
        self.rank = rank

    def get_config(self):
        """Constructor arguments of the beamformer."""
        return {"mu": self.mu, "rank": self.rank}

    def compute_beamforming_vector(self, target_scm: torch.Tensor, noise_scm: torch.Tensor):
        """Filters for reference mic 0, shape :math:`(B, M, F)`.

        Args:
            target_scm (torch.Tensor): shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): shape :math:`(B, M, M, F)`.
        """
        pair = (_to_bfmm(target_scm, "target_scm"), _to_bfmm(noise_scm, "noise_scm"))
        (target, noise), dtype = _promote(*pair)
        e_val, e_vec = _gevd(target, noise)  # ascending
        # Descending order; negative (round-off) and huge eigenvalues are clipped.
        e_val = e_val.flip(-1).clamp(min=torch.finfo(e_val.dtype).eps, max=1e6)  # B, F, M
        e_vec = e_vec.flip(-1)  # B, F, M, M
        gains = e_val / (e_val + self.mu)
        if self.rank is not None:
            kept = torch.arange(gains.shape[-1], device=gains.device) < self.rank
            gains = gains * kept
        # V^{-1} u_0, without forming the inverse.
        first_mic = torch.zeros_like(e_vec[..., :1])  # B, F, M, 1
        first_mic[..., 0, 0] = 1.0
        coords = torch.linalg.solve(e_vec, first_mic)  # B, F, M, 1
        bf_vect = e_vec @ (gains[..., None].to(e_vec.dtype) * coords)  # B, F, M, 1
        return bf_vect.squeeze(-1).transpose(-1, -2).to(dtype)  # B, M, F

    def forward(self, mix: torch.Tensor, target_scm: torch.Tensor, noise_scm: torch.Tensor):
        """Compute and apply the filter.

        Args:
            mix (torch.Tensor): complex STFT, shape :math:`(B, M, F, L)`.
            target_scm (torch.Tensor): :math:`\\Phi_{ss}`, shape :math:`(B, M, M, F)`.
            noise_scm (torch.Tensor): :math:`\\Phi_{nn}`, shape :math:`(B, M, M, F)`.

        Returns:
            torch.Tensor: filtered mixture, shape :math:`(B, F, L)`.
        """
        _check_stft(mix, "mix")
        bf_vect = self.compute_beamforming_vector(target_scm, noise_scm)
        return self.apply_beamforming_vector(bf_vect, mix=mix)


def get_optimal_reference_mic(
    bf_mat: torch.Tensor, target_scm: torch.Tensor, noise_scm: torch.Tensor, eps: float = 1e-6
):
    r"""Reference microphone with the best a posteriori SNR, per batch item [1].

    For each column :math:`\mathbf{w}_{f,m}` of the beamforming matrices, the SNR is
    :math:`\sum_f \mathbf{w}_{f,m}^H\Phi_{ss,f}\mathbf{w}_{f,m} /
    \max(\sum_f \mathbf{w}_{f,m}^H\Phi_{nn,f}\mathbf{w}_{f,m}, \epsilon)`.

    Args:
        bf_mat (torch.Tensor): shape :math:`(B, F, M, M)`.
        target_scm (torch.Tensor): shape :math:`(B, F, M, M)`.
        noise_scm (torch.Tensor): shape :math:`(B, F, M, M)`.
        eps (float): floor of the noise power.

    Returns:
        torch.LongTensor: indices, shape :math:`(B,)`.

    References:
        [1] H. Erdogan et al., "Improved MVDR beamforming using single-channel mask
        prediction networks", Interspeech 2016.
    """
    quad = "...flm,...fln,...fnm->...m"
    noise_power = torch.einsum(quad, bf_mat.conj(), noise_scm, bf_mat).real.clamp(min=eps)
    snr_post = torch.einsum(quad, bf_mat.conj(), target_scm, bf_mat).real / noise_power
    if not bool(torch.isfinite(snr_post).all()):
        raise ValueError("Non-finite a posteriori SNR: check the SCMs for NaN or Inf.")
    return torch.argmax(snr_post, dim=-1)


def condition_scm(x, eps=1e-6, dim1=-2, dim2=-1):
    r"""Load the diagonal of square matrices to make them definite.

    :math:`X \mapsto (X + \epsilon \frac{\operatorname{tr}X}{M} I) / (1 + \epsilon)`.

    Args:
        x (torch.Tensor): matrices of size :math:`M \times M` on axes ``dim1``, ``dim2``.
        eps (float): :math:`\epsilon`, relative weight of the added identity.
        dim1 (int): row axis.
        dim2 (int): column axis.

    Returns:
        torch.Tensor: same shape as ``x``, positive definite if ``x`` is p.s.d.
    """
    x = x.movedim((dim1, dim2), (-2, -1))
    n = x.shape[-1]
    scale = eps * batch_trace(x)[..., None, None] / n
    eye = torch.eye(n, dtype=x.dtype, device=x.device)
    return ((x + scale * eye) / (1 + eps)).movedim((-2, -1), (dim1, dim2))


def batch_trace(x, dim1=-2, dim2=-1):
    """Trace over axes ``dim1`` and ``dim2`` of a batch of matrices."""
    return torch.diagonal(x, dim1=dim1, dim2=dim2).sum(-1)


def stable_solve(b, a):
    """Solve :math:`A X = B`, regularising :math:`A` (:func:`condition_scm`) if singular.

    Args:
        b (torch.Tensor): right-hand side, shape :math:`(*, M, K)`.
        a (torch.Tensor): matrices, shape :math:`(*, M, M)`, same dtype as ``b``.

    Returns:
        torch.Tensor: :math:`X`, shape :math:`(*, M, K)`, in the input dtype.
    """
    (b, a), dtype = _promote(b, a)
    try:
        x = torch.linalg.solve(a, b)
    except torch.linalg.LinAlgError:
        x = torch.linalg.solve(condition_scm(a, 1e-6), b)
    return x.to(dtype)


def stable_cholesky(input, upper=False, out=None, eps=1e-6):
    """Cholesky factor of Hermitian p.s.d. matrices, regularised if not definite.

    Args:
        input (torch.Tensor): matrices, shape :math:`(*, M, M)`.
        upper (bool): return the upper factor :math:`U` (:math:`A = U^H U`) instead of the
            lower one :math:`L` (:math:`A = L L^H`).
        out (torch.Tensor, optional): tensor to write the result into.
        eps (float): relative jitter of :func:`condition_scm`, used only if the plain
            decomposition fails.

    Returns:
        torch.Tensor: the factor, in the input dtype.
    """
    (mat,), dtype = _promote(input)
    factor, info = torch.linalg.cholesky_ex(mat)
    if bool((info != 0).any()):
        factor = torch.linalg.cholesky(condition_scm(mat, eps))
    factor = (factor.mH if upper else factor).to(dtype)
    if out is not None:
        return out.copy_(factor)
    return factor


def generalized_eigenvalue_decomposition(a, b):
    r"""Solve :math:`A\mathbf{v} = \lambda B\mathbf{v}` for Hermitian :math:`A` and p.d. :math:`B`.

    Reduced to an ordinary Hermitian problem with the Cholesky factor :math:`B = LL^H`:
    :math:`C = L^{-1}AL^{-H}`, :math:`V = L^{-H}U`, so that :math:`V^H B V = I`.

    Args:
        a (torch.Tensor): shape :math:`(*, M, M)`.
        b (torch.Tensor): shape :math:`(*, M, M)`, same dtype as ``a``.

    Returns:
        tuple: real eigenvalues in ascending order, shape :math:`(*, M)`, and the
        eigenvectors as columns, shape :math:`(*, M, M)`, in the input precision.
    """
    (a, b), dtype = _promote(a, b)
    e_val, e_vec = _gevd(a, b)
    return e_val.to(dtype.to_real()), e_vec.to(dtype)


def _gevd(a, b):
    """Generalized eigendecomposition in the dtype of its (already promoted) inputs."""
    chol = stable_cholesky(b)  # L
    eye = torch.eye(chol.shape[-1], dtype=chol.dtype, device=chol.device).expand_as(chol)
    inv_chol = torch.linalg.solve_triangular(chol, eye, upper=False)  # L^-1
    cmat = inv_chol @ a @ inv_chol.mH
    e_val, e_vec = torch.linalg.eigh(cmat)
    return e_val, inv_chol.mH @ e_vec


def _promote(*tensors):
    """Cast to the linear-algebra dtype; returns the cast tensors and the input dtype."""
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise TypeError(f"Expected inputs of one dtype, found {sorted(map(str, dtypes))}.")
    dtype = tensors[0].dtype
    work = _DOUBLE_OF.get(dtype, dtype) if USE_DOUBLE else dtype
    return [t.to(work) for t in tensors], dtype


def _check_stft(x, name):
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or not x.is_complex():
        found = f"{x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else x
        raise ValueError(
            f"Expected {name} as a complex (batch, mics, freqs, frames) tensor, found {found}."
        )


def _to_bfmm(scm, name):
    """(B, M, M, F) -> (B, F, M, M), checking the shape."""
    if scm.ndim != 4 or scm.shape[1] != scm.shape[2]:
        raise ValueError(
            f"Expected {name} of shape (batch, mics, mics, freqs), found {tuple(scm.shape)}."
        )
    return scm.permute(0, 3, 1, 2)


# Names used by earlier releases of the published toolkit.
BeamFormer = Beamformer
SdwMwfBeamformer = SDWMWFBeamformer
MvdrBeamformer = RTFMVDRBeamformer
