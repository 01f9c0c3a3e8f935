"""Run a separation model on tensors, arrays or audio files.

``separate`` dispatches on its input: a tensor goes to :func:`torch_separate`,
a numpy array to :func:`numpy_separate`, a file path (or a list of them) to
:func:`file_separate`, which writes one ``<name>_est<i>.wav`` per source.
"""

import math
import os
import warnings
from typing import Optional

import numpy as np
import torch

try:  # Python >= 3.8
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object

from .utils.file_utils import atomic_path
from .utils.torch_utils import get_device

__all__ = [
    "Separatable",
    "separate",
    "torch_separate",
    "numpy_separate",
    "file_separate",
    "resample",
    "read_audio",
]


class Separatable(Protocol):
    """What :func:`separate` needs of a model.

    Attributes:
        in_channels (int or None): number of input channels, ``None`` for any.
        sample_rate (float): the rate the model works at.
    """

    in_channels: Optional[int]
    sample_rate: float

    def forward_wav(self, wav: torch.Tensor, **kwargs) -> torch.Tensor: ...


def separate(model, wav, output_dir=None, force_overwrite=False, resample=False, **kwargs):
    """Separate a tensor, an array, a file or a list of files with ``model``.

    Args:
        model: a :class:`Separatable` model (e.g. any ``BaseModel``).
        wav (torch.Tensor, np.ndarray, str, os.PathLike or list of paths): the input.
        output_dir, force_overwrite, resample: see :func:`file_separate` (files only).
        **kwargs: passed on to ``model.forward_wav``.

    Returns:
        The estimates, of the input's type; ``None`` for files (they are written).

    Raises:
        TypeError: for an input of any other type.
    """
    if isinstance(wav, (str, os.PathLike)):
        file_separate(
            model,
            wav,
            output_dir=output_dir,
            force_overwrite=force_overwrite,
            resample=resample,
            **kwargs,
        )
        return None
    if (
        isinstance(wav, (list, tuple))
        and wav
        and all(isinstance(w, (str, os.PathLike)) for w in wav)
    ):
        for filename in wav:
            file_separate(
                model,
                filename,
                output_dir=output_dir,
                force_overwrite=force_overwrite,
                resample=resample,
                **kwargs,
            )
        return None
    if isinstance(wav, np.ndarray):
        return numpy_separate(model, wav, **kwargs)
    if isinstance(wav, torch.Tensor):
        return torch_separate(model, wav, **kwargs)
    raise TypeError(
        "separate takes a torch.Tensor, a numpy array, a file path or a list of file paths, "
        f"got {type(wav).__name__}."
    )


@torch.no_grad()
def torch_separate(model, wav, **kwargs):
    """Separate a waveform tensor.

    The estimates are rescaled by one global factor so that their summed
    absolute value equals the input's (as the published toolkit does), and
    returned on the input's device.

    Shape:
        - wav: :math:`(time,)`, :math:`(channels, time)` or :math:`(batch, channels, time)`.
        - output: :math:`(n\\_src, time)` for a 1-D input, else :math:`(batch, n\\_src, time)`.

    Raises:
        ValueError: if the channel count differs from ``model.in_channels``.
    """
    squeeze = wav.dim() == 1
    if squeeze:
        wav = wav.unsqueeze(0)
    in_channels = getattr(model, "in_channels", None)
    if in_channels is not None and wav.shape[-2] != in_channels:
        raise ValueError(
            f"The model expects {in_channels} input channel(s) on dim -2, got an input of shape "
            f"{tuple(wav.shape)} ({wav.shape[-2]} channel(s))."
        )
    input_device = wav.device
    model_device = get_device(model, default="cpu")
    forward = getattr(model, "forward_wav", model)
    est = forward(wav.to(model_device), **kwargs)
    if not torch.is_tensor(est):
        raise TypeError(f"The model returned a {type(est).__name__}, expected a tensor.")
    in_energy = wav.abs().sum()
    out_energy = est.abs().sum()
    if out_energy > 0:
        est = est * (in_energy.to(est.device) / out_energy)
    est = est.to(input_device)
    if squeeze and est.dim() == 3 and est.shape[0] == 1:
        est = est[0]
    return est


def numpy_separate(model, wav, **kwargs):
    """:func:`torch_separate` for numpy arrays (same shapes, same dtype back)."""
    tensor = torch.from_numpy(np.ascontiguousarray(wav))
    params = model.parameters() if hasattr(model, "parameters") else iter(())
    model_dtype = next((p.dtype for p in params if p.is_floating_point()), torch.float32)
    est = torch_separate(model, tensor.to(model_dtype), **kwargs)
    return est.cpu().numpy().astype(wav.dtype, copy=False)


def resample(wav, orig_sr, target_sr, axis=-1):
    """Resample with a polyphase windowed-sinc filter (``scipy.signal.resample_poly``).

    Args:
        wav (np.ndarray): the signal.
        orig_sr (float): its sample rate.
        target_sr (float): the wanted sample rate.
        axis (int): the time axis.

    Raises:
        ValueError: if a rate is not a positive whole number of Hz.
    """
    from scipy.signal import resample_poly

    for name, rate in (("orig_sr", orig_sr), ("target_sr", target_sr)):
        if rate <= 0 or float(rate) != int(rate):
            raise ValueError(f"{name} must be a positive whole number of Hz, got {rate}.")
    orig_sr, target_sr = int(orig_sr), int(target_sr)
    if orig_sr == target_sr:
        return wav
    g = math.gcd(orig_sr, target_sr)
    out = resample_poly(wav, target_sr // g, orig_sr // g, axis=axis)
    return out.astype(wav.dtype, copy=False)


def _output_paths(filename, output_dir, n_src):
    base = os.path.splitext(os.path.basename(filename))[0]
    folder = output_dir if output_dir is not None else os.path.dirname(os.path.abspath(filename))
    return [os.path.join(folder, f"{base}_est{i}.wav") for i in range(1, n_src + 1)]


def _write_atomic(path, data, sample_rate, subtype):
    import soundfile as sf

    with atomic_path(path, suffix=".wav") as tmp:
        sf.write(tmp, data, sample_rate, subtype=subtype, format="WAV")


def read_audio(filename):
    """Read an audio file as ``float32`` of shape ``(time, channels)``, with clear errors.

    Returns:
        tuple: ``(wav, sample_rate, subtype)``.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if it cannot be decoded.
    """
    import soundfile as sf

    if not os.path.isfile(filename):
        raise FileNotFoundError(f"No such audio file: {filename}")
    try:
        info = sf.info(filename)
        wav, sr = sf.read(filename, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise ValueError(f"Cannot read audio file {filename}: {err}") from err
    if wav.shape[0] == 0:
        raise ValueError(f"Audio file {filename} holds no samples.")
    return wav, sr, info.subtype


def file_separate(
    model, filename, output_dir=None, force_overwrite=False, resample=False, **kwargs
):
    """Separate an audio file and write ``<name>_est<i>.wav`` (``i`` from 1) per source.

    The files are written next to the input, or into ``output_dir`` (created if
    needed), at the file's sample rate, each one atomically; existing outputs
    are never replaced unless ``force_overwrite``.

    Args:
        model: a :class:`Separatable` model with a ``sample_rate``.
        filename (str): the audio file (any format soundfile reads).
        output_dir (str, optional): where to write the estimates.
        force_overwrite (bool): replace existing estimate files.
        resample (bool): resample a file at another rate to the model's rate
            (and the estimates back); without it a rate mismatch is an error.
        **kwargs: passed on to ``model.forward_wav``.

    Returns:
        list of str: the paths written.

    Raises:
        FileNotFoundError, ValueError, FileExistsError: for a missing or
            unreadable file, a sample-rate or channel mismatch, or existing outputs.
    """
    model_sr = getattr(model, "sample_rate", None)
    if model_sr is None:
        raise ValueError("file_separate needs a model with a `sample_rate` attribute.")
    first_out = _output_paths(filename, output_dir, 1)[0]
    if os.path.exists(first_out) and not force_overwrite:
        raise FileExistsError(
            f"{first_out} already exists; pass force_overwrite=True (--force-overwrite) to replace it."
        )
    wav, file_sr, subtype = read_audio(filename)  # (time, channels)
    if file_sr != model_sr and not resample:
        raise ValueError(
            f"{filename} is sampled at {file_sr} Hz but the model expects {model_sr:g} Hz; "
            "pass resample=True (--resample on the command line) to resample it."
        )
    in_channels = getattr(model, "in_channels", None)
    if in_channels == 1 and wav.shape[1] > 1:
        warnings.warn(
            f"{filename} has {wav.shape[1]} channels and the model takes one: using the first channel."
        )
        wav = wav[:, :1]
    elif in_channels is not None and wav.shape[1] != in_channels:
        raise ValueError(
            f"{filename} has {wav.shape[1]} channel(s) but the model expects {in_channels}."
        )
    if file_sr != model_sr:
        wav = _resample(wav, file_sr, model_sr, axis=0)
    est = numpy_separate(model, wav.T[None], **kwargs)[0]  # (n_src, time)
    if file_sr != model_sr:
        est = _resample(est, model_sr, file_sr, axis=-1)
    paths = _output_paths(filename, output_dir, est.shape[0])
    existing = [p for p in paths if os.path.exists(p)]
    if existing and not force_overwrite:
        raise FileExistsError(
            f"{existing[0]} already exists; pass force_overwrite=True (--force-overwrite) to replace it."
        )
    if output_dir is not None:
        os.makedirs(output_dir, exist_ok=True)
    out_subtype = (
        subtype if subtype in ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE") else "PCM_16"
    )
    for path, source in zip(paths, est):
        _write_atomic(path, source, int(file_sr), out_subtype)
    return paths


# `file_separate` has an argument named `resample`; it calls the function by this name.
_resample = resample
