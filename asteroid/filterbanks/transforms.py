"""Operations on "Asteroid complex" tensors and conversions to the other complex formats.

An Asteroid complex tensor stores complex numbers as two real halves concatenated along one axis
(``dim``, the frequency axis ``-2`` by default): the real parts first, then the imaginary parts.
With ``dim=1`` the real matrix ``[[1, 2, 3, 4], [5, 6, 7, 8]]`` holds
``[[1 + 3j, 2 + 4j], [5 + 7j, 6 + 8j]]``. This is the layout :class:`~asteroid.filterbanks.STFTFB`
and the other complex filterbanks produce.

Other formats: native complex tensors (``to_torch_complex``/``from_torch_complex``), the
torchaudio style with a trailing axis of size 2 (``to_torchaudio``/``from_torchaudio``) and NumPy
complex arrays (``to_numpy``/``from_numpy``).
"""

import math
import warnings
from typing import Optional, Tuple

import torch

__all__ = [
    "ComplexShapeError",
    "mul_c",
    "reim",
    "mag",
    "magreim",
    "apply_real_mask",
    "apply_mag_mask",
    "apply_complex_mask",
    "is_asteroid_complex",
    "check_complex",
    "to_numpy",
    "from_numpy",
    "is_torchaudio_complex",
    "check_torchaudio_complex",
    "to_torchaudio",
    "from_torchaudio",
    "to_torch_complex",
    "from_torch_complex",
    "angle",
    "from_magphase",
    "magphase",
    "centerfreq_correction",
    "phase_centerfreq_correction",
    "take_reim",
    "take_mag",
    "take_cat",
]


class ComplexShapeError(ValueError, AssertionError):
    """A tensor does not have the expected complex layout.

    Both a ``ValueError`` and, as in the published package, an ``AssertionError``.
    """


# ---------------------------------------------------------------------------------------------
# Layout checks
# ---------------------------------------------------------------------------------------------
def is_asteroid_complex(tensor: torch.Tensor, dim: int = -2) -> bool:
    """Whether ``tensor`` has an even size along ``dim`` (so it splits into real/imaginary)."""
    return tensor.shape[dim] % 2 == 0


def check_complex(tensor: torch.Tensor, dim: int = -2):
    """Raise a :class:`ComplexShapeError` unless ``tensor`` splits into two halves along ``dim``.

    Raises:
        ComplexShapeError: (a ``ValueError`` and an ``AssertionError``) for an odd size.
    """
    _checked_complex(tensor, dim)


@torch.jit.script_if_tracing
def _checked_complex(tensor: torch.Tensor, dim: int) -> torch.Tensor:
    # Scripted when traced, so that the shape test does not become a constant.
    if tensor.shape[dim] % 2 != 0:
        raise ComplexShapeError(
            f"Expected an even size (real and imaginary halves) along dim {dim}, got shape "
            f"{list(tensor.shape)}. Is dim the frequency axis?"
        )
    return tensor


def is_torchaudio_complex(x: torch.Tensor) -> bool:
    """Whether the last axis of ``x`` has size 2 (torchaudio's real/imaginary pairs)."""
    return x.shape[-1] == 2


def check_torchaudio_complex(tensor: torch.Tensor):
    """Raise a :class:`ComplexShapeError` unless the last axis of ``tensor`` has size 2."""
    _checked_torchaudio(tensor)


@torch.jit.script_if_tracing
def _checked_torchaudio(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.shape[-1] != 2:
        raise ComplexShapeError(
            f"Expected a torchaudio-style complex tensor (last axis of size 2), got shape "
            f"{list(tensor.shape)}."
        )
    return tensor


# ---------------------------------------------------------------------------------------------
# Complex arithmetic
# ---------------------------------------------------------------------------------------------
def reim(x: torch.Tensor, dim: int = -2) -> Tuple[torch.Tensor, torch.Tensor]:
    """The real and the imaginary half of ``x`` along ``dim``."""
    re, im = torch.chunk(x, 2, dim=dim)
    return re, im


def mul_c(inp: torch.Tensor, other: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Entry-wise complex product of two Asteroid complex tensors.

    Shape:
        - inp, other: same size along ``dim`` (:math:`2F`), broadcastable elsewhere.
        - output: :math:`2F` along ``dim``.
    """
    check_complex(inp, dim=dim)
    check_complex(other, dim=dim)
    re1, im1 = torch.chunk(inp, 2, dim=dim)
    re2, im2 = torch.chunk(other, 2, dim=dim)
    return torch.cat([re1 * re2 - im1 * im2, re1 * im2 + im1 * re2], dim=dim)


def mag(x: torch.Tensor, dim: int = -2, EPS: float = 1e-8) -> torch.Tensor:
    r"""Magnitude :math:`\sqrt{re^2 + im^2 + \epsilon}` of an Asteroid complex tensor.

    ``EPS`` sits inside the square root so that the gradient stays finite at zero.

    Shape:
        - x: :math:`2F` along ``dim``
        - output: :math:`F` along ``dim``
    """
    check_complex(x, dim=dim)
    re, im = torch.chunk(x, 2, dim=dim)
    return (re.pow(2) + im.pow(2) + EPS).pow(0.5)


def magreim(x: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Magnitude, real and imaginary parts concatenated along ``dim`` (:math:`3F` rows)."""
    return torch.cat([mag(x, dim=dim), x], dim=dim)


def angle(tensor: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Phase in radians, in :math:`(-\\pi, \\pi]`, of an Asteroid complex tensor."""
    check_complex(tensor, dim=dim)
    re, im = torch.chunk(tensor, 2, dim=dim)
    return torch.atan2(im, re)


def magphase(spec: torch.Tensor, dim: int = -2) -> Tuple[torch.Tensor, torch.Tensor]:
    """The magnitude (:func:`mag`) and the phase (:func:`angle`) of ``spec``."""
    return mag(spec, dim=dim), angle(spec, dim=dim)


def from_magphase(mag_spec: torch.Tensor, phase: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Asteroid complex tensor with magnitude ``mag_spec`` and phase ``phase``."""
    return torch.cat([mag_spec * torch.cos(phase), mag_spec * torch.sin(phase)], dim=dim)


# ---------------------------------------------------------------------------------------------
# Masks
# ---------------------------------------------------------------------------------------------
def apply_real_mask(tf_rep: torch.Tensor, mask: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """``tf_rep * mask``: a real mask on a real representation (``dim`` is unused)."""
    return tf_rep * mask


def apply_mag_mask(tf_rep: torch.Tensor, mask: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """A real mask of :math:`F` rows applied to both halves of a :math:`2F`-row complex tensor."""
    check_complex(tf_rep, dim=dim)
    return tf_rep * torch.cat([mask, mask], dim=dim)


def apply_complex_mask(tf_rep: torch.Tensor, mask: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """A complex mask applied by complex multiplication (:func:`mul_c`)."""
    check_complex(tf_rep, dim=dim)
    return mul_c(tf_rep, mask, dim=dim)


# ---------------------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------------------
def to_numpy(tensor: torch.Tensor, dim: int = -2):
    """NumPy complex array from an Asteroid complex tensor (detached, on the CPU)."""
    check_complex(tensor, dim=dim)
    re, im = torch.chunk(tensor.detach().cpu(), 2, dim=dim)
    return re.numpy() + 1j * im.numpy()


def from_numpy(array, dim: int = -2) -> torch.Tensor:
    """Asteroid complex tensor from a NumPy complex array."""
    import numpy as np

    array = np.asarray(array)
    return torch.cat(
        [
            torch.from_numpy(np.ascontiguousarray(array.real)),
            torch.from_numpy(np.ascontiguousarray(array.imag)),
        ],
        dim=dim,
    )


def to_torchaudio(tensor: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Torchaudio-style complex tensor (real/imaginary on a new trailing axis of size 2)."""
    check_complex(tensor, dim=dim)
    return torch.stack(torch.chunk(tensor, 2, dim=dim), dim=-1)


def from_torchaudio(tensor: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Asteroid complex tensor from a torchaudio-style one (trailing axis of size 2).

    ``dim`` is the axis of the *output* along which the halves are concatenated.
    """
    check_torchaudio_complex(tensor)
    # Negative axes count from the end of the output, which has one axis less than the input.
    cat_dim = dim - 1 if dim < 0 else dim
    return torch.cat([tensor[..., 0:1], tensor[..., 1:2]], dim=cat_dim).squeeze(-1)


def to_torch_complex(tensor: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Native complex tensor (``torch.cfloat``/``cdouble``) from an Asteroid complex tensor."""
    return torch.view_as_complex(to_torchaudio(tensor, dim=dim).contiguous())


def from_torch_complex(tensor: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """Asteroid complex tensor from a native complex tensor."""
    return torch.cat([tensor.real, tensor.imag], dim=dim)


# ---------------------------------------------------------------------------------------------
# Phase correction for the STFT
# ---------------------------------------------------------------------------------------------
def phase_centerfreq_correction(
    phase: torch.Tensor, kernel_size: int, stride: Optional[int] = None
) -> torch.Tensor:
    r"""Adds :math:`-2\pi k l S / K` to the phase of bin :math:`k` at frame :math:`l`.

    After the correction a sinusoid at the centre frequency of a bin keeps the same phase from
    one frame to the next.

    Args:
        phase (torch.Tensor): phases, bins on axis -2 and frames on axis -1.
        kernel_size (int): STFT window length :math:`K`.
        stride (int, optional): hop size :math:`S`; ``None`` means ``kernel_size // 2``.

    Shape:
        - phase: :math:`(*, F, L)`
        - output: :math:`(*, F, L)`
    """
    if stride is None:
        stride = kernel_size // 2
    n_freqs, n_frames = phase.shape[-2], phase.shape[-1]
    bins = torch.arange(n_freqs, device=phase.device).unsqueeze(-1)
    frames = torch.arange(n_frames, device=phase.device).unsqueeze(0)
    correction = -2 * (bins * frames) * stride * math.pi / kernel_size
    return phase + correction


def centerfreq_correction(
    spec: torch.Tensor, kernel_size: int, stride: Optional[int] = None, dim: int = -2
) -> torch.Tensor:
    """Applies :func:`phase_centerfreq_correction` to an Asteroid complex STFT.

    Args:
        spec (torch.Tensor): complex STFT, :math:`(*, 2F, L)`.
        kernel_size (int): STFT window length.
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        dim (int): the complex axis; only ``-2`` is supported.

    Raises:
        ValueError: for any ``dim`` other than -2.
    """
    if dim != -2:
        raise ValueError(f"centerfreq_correction only supports dim=-2, got dim={dim}.")
    mag_spec, phase = magphase(spec, dim=dim)
    new_phase = phase_centerfreq_correction(phase, kernel_size=kernel_size, stride=stride)
    return from_magphase(mag_spec, new_phase, dim=dim)


# ---------------------------------------------------------------------------------------------
# Deprecated names of asteroid <= 0.3 (asteroid.filterbanks.transforms).
# ---------------------------------------------------------------------------------------------
def _deprecated_alias(new_fn, old_name):
    def alias(*args, **kwargs):
        warnings.warn(
            f"transforms.{old_name} is deprecated, use transforms.{new_fn.__name__}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return new_fn(*args, **kwargs)

    alias.__name__ = old_name
    alias.__doc__ = f"Deprecated name of :func:`{new_fn.__name__}`."
    return alias


take_reim = _deprecated_alias(reim, "take_reim")
take_mag = _deprecated_alias(mag, "take_mag")
take_cat = _deprecated_alias(magreim, "take_cat")
