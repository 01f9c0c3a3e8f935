"""Base classes of the separation models: serialisation and the encoder-masker-decoder chain.

:class:`BaseModel` gives every model the model-file format (:meth:`BaseModel.serialize`,
:meth:`BaseModel.from_pretrained`) and the separation helpers of
:mod:`asteroid.separate`. :class:`BaseEncoderMaskerDecoder` is the chain that most
models are made of: an encoder, a masker and a decoder, run as named steps that a
model overrides one at a time.
"""

import warnings
from importlib import metadata
from typing import Optional

import torch
from torch import nn

from ..masknn import activations
from ..utils.hub_utils import SR_HASHTABLE, cached_download
from ..utils.torch_utils import pad_x_to_y
from .model_file import load_model_file

__all__ = ["BaseModel", "BaseEncoderMaskerDecoder", "BaseTasNet"]

# The keys a model file must have to rebuild a model.
REQUIRED_KEYS = ("model_name", "state_dict", "model_args")


class BaseModel(nn.Module):
    """A model that can be saved to, and rebuilt from, a model file.

    A subclass implements ``forward`` and :meth:`get_model_args` (the keyword
    arguments that rebuild it). If its ``forward`` does not map waveforms to
    waveforms, it also overrides :meth:`forward_wav`, which :mod:`asteroid.separate`
    and ``asteroid-infer`` call.

    Args:
        sample_rate (float): the sample rate the model works at, in Hz.
        in_channels (int, optional): number of input channels. ``None`` means
            any number (no check in :func:`asteroid.separate.torch_separate`).
    """

    # TorchScript would compile the property with its warning setter; scripted
    # models keep the value as ``_sample_rate``.
    __jit_unused_properties__ = ["sample_rate"]

    def __init__(self, sample_rate: float, in_channels: Optional[int] = 1):
        super().__init__()
        self._sample_rate = sample_rate
        self.in_channels = in_channels

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward().")

    @property
    def sample_rate(self):
        """The sample rate the model works at, in Hz."""
        return self._sample_rate

    @sample_rate.setter
    def sample_rate(self, new_sample_rate: float):
        warnings.warn(
            "Setting BaseModel.sample_rate does not update the sub-modules that keep their own "
            "sample_rate (e.g. filterbanks); update them too if they depend on it."
        )
        self._sample_rate = new_sample_rate

    def forward_wav(self, wav, *args, **kwargs):
        """Separate waveforms: ``self(wav, ...)`` unless a model overrides it.

        Args:
            wav (torch.Tensor): waveforms, time last.

        Returns:
            torch.Tensor: the estimated sources' waveforms.
        """
        return self(wav, *args, **kwargs)

    # Separation helpers: ``asteroid.separate`` with this model.
    def separate(self, *args, **kwargs):
        """:func:`asteroid.separate.separate` with this model."""
        from .. import separate

        return separate.separate(self, *args, **kwargs)

    def torch_separate(self, *args, **kwargs):
        """:func:`asteroid.separate.torch_separate` with this model."""
        from .. import separate

        return separate.torch_separate(self, *args, **kwargs)

    def numpy_separate(self, *args, **kwargs):
        """:func:`asteroid.separate.numpy_separate` with this model."""
        from .. import separate

        return separate.numpy_separate(self, *args, **kwargs)

    def file_separate(self, *args, **kwargs):
        """:func:`asteroid.separate.file_separate` with this model."""
        from .. import separate

        return separate.file_separate(self, *args, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_conf_or_path, *args, **kwargs):
        """Build a model from a model file, or from its content.

        The model's class is the one registered under the file's ``model_name``
        (see :func:`asteroid.models.get`); an unregistered name builds ``cls``
        itself (a custom model that was not registered).

        Args:
            pretrained_model_conf_or_path (dict, str or os.PathLike): the content
                of a model file (as returned by :meth:`serialize`), or anything
                :func:`~asteroid.utils.hub_utils.cached_download` resolves: a
                local file, a local Hugging Face-style folder, an ``http(s)`` URL,
                a Hugging Face hub id ``user/repo[@revision]`` or a short name of
                a model hosted on Zenodo. Files are read with
                :func:`~asteroid.models.model_file.load_model_file` (weights only).
            *args: positional arguments given to the model's constructor.
            **kwargs: keyword arguments given to the constructor; they replace
                the file's ``model_args`` of the same name.

        Returns:
            BaseModel: the model, with the file's weights (in training mode, as
            any new module: call ``.eval()`` for inference).

        Raises:
            ValueError: if the content lacks ``model_name``, ``state_dict`` or
                ``model_args``, or names an unknown model while ``cls`` cannot be
                built (e.g. ``BaseModel.from_pretrained``).
            TypeError: for an argument that is neither a dict nor a path.
        """
        from . import get  # the registry imports every model, which imports this module

        source = pretrained_model_conf_or_path
        if isinstance(source, dict):
            conf = source
        elif isinstance(source, str) or hasattr(source, "__fspath__"):
            conf = load_model_file(cached_download(source))
        else:
            raise TypeError(
                "from_pretrained takes a model file's content (dict), a path, a URL or a model "
                f"name, got {type(source).__name__}."
            )
        if not isinstance(conf, dict):
            raise ValueError(f"A model file holds a dict, found a {type(conf).__name__}.")
        missing = [key for key in REQUIRED_KEYS if key not in conf]
        if missing:
            raise ValueError(
                f"A model file needs the keys {list(REQUIRED_KEYS)}; {missing} missing, "
                f"found only {list(conf)}."
            )

        try:
            model_class = get(conf["model_name"])
        except ValueError:
            if cls is BaseModel or cls is BaseEncoderMaskerDecoder:
                raise
            model_class = cls  # a custom model that was not registered

        file_version = _asteroid_version(conf)
        model_args = model_class.upgrade_model_args(dict(conf["model_args"]), file_version)
        model_args.update(kwargs)
        if "sample_rate" not in model_args and isinstance(source, str):
            if source in SR_HASHTABLE:
                model_args["sample_rate"] = SR_HASHTABLE[source]
            else:
                warnings.warn(
                    f"The model file of {source!r} stores no sample_rate; "
                    f"{model_class.__name__}'s default is used.",
                    UserWarning,
                )
        model = model_class(*args, **model_args)
        model.load_state_dict(conf["state_dict"])
        return model

    @classmethod
    def upgrade_model_args(cls, model_args, file_version):
        """Translate ``model_args`` written by another asteroid version into this one's.

        The default returns them unchanged; a model whose arguments changed
        meaning overrides it.

        Args:
            model_args (dict): the file's ``model_args`` (a copy).
            file_version (tuple or None): the asteroid version that wrote the file,
                e.g. ``(0, 7, 0)``; ``None`` when the file does not say.

        Returns:
            dict: keyword arguments for the constructor.
        """
        return model_args

    def serialize(self):
        """The content of this model's model file.

        Returns:
            dict: ``model_name`` (the class name), ``state_dict``, ``model_args``
            (see :meth:`get_model_args`) and ``infos`` with ``software_versions``
            (``torch_version``, ``pytorch_lightning_version``, ``asteroid_version``,
            all plain strings).
        """
        return {
            "model_name": type(self).__name__,
            "state_dict": self.get_state_dict(),
            "model_args": self.get_model_args(),
            "infos": {"software_versions": software_versions()},
        }

    def get_state_dict(self):
        """The weights to store in the model file (a hook; the ``state_dict`` by default)."""
        return self.state_dict()

    def get_model_args(self):
        """The keyword arguments that rebuild this model (plain values only)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_model_args().")


class BaseEncoderMaskerDecoder(BaseModel):
    """An encoder, a masker and a decoder, run as named steps.

    ``forward`` calls :meth:`forward_encoder`, :meth:`forward_masker`,
    :meth:`apply_masks` and :meth:`forward_decoder` in turn, then pads or crops
    the estimates to the input's length. A model changes one step by overriding it.

    Args:
        encoder (nn.Module): maps ``(B, 1, T)`` waveforms to ``(B, N, L)``
            features (an :class:`~asteroid.filterbanks.Encoder`, or a wrapper with
            a ``filterbank`` attribute).
        masker (nn.Module): maps the features to ``(B, S, N, L)`` masks; has
            ``get_config()``.
        decoder (nn.Module): maps ``(B, S, N, L)`` masked features to
            ``(B, S, T')`` waveforms.
        encoder_activation (str, optional): activation applied to the encoder's
            output (a name of :mod:`asteroid.masknn.activations`); ``None`` for none.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` for a 1-D input, :math:`(B, S, T)` otherwise
    """

    def __init__(self, encoder, masker, decoder, encoder_activation=None):
        super().__init__(sample_rate=getattr(encoder, "sample_rate", None))
        self.encoder = encoder
        self.masker = masker
        self.decoder = decoder
        self.encoder_activation = encoder_activation
        self.enc_activation = activations.get(encoder_activation or "linear")()

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """Separate waveforms.

        Args:
            wav (torch.Tensor): mixtures, :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`.

        Returns:
            torch.Tensor: estimates, :math:`(S, T)` for a 1-D input, else :math:`(B, S, T)`.

        Raises:
            ValueError: for an input of another rank, or with more than one channel.
        """
        # B: batch, S: sources, N: features, L: frames, T: samples
        was_1d = wav.dim() == 1
        wav = _unsqueeze_to_3d(wav)  # B, 1, T
        tf_rep = self.forward_encoder(wav)  # B, N, L
        est_masks = self.forward_masker(tf_rep)  # B, S, N, L
        masked_tf_rep = self.apply_masks(tf_rep, est_masks)  # B, S, N, L
        decoded = self.forward_decoder(masked_tf_rep)  # B, S, T'
        reconstructed = pad_x_to_y(decoded, wav)  # B, S, T
        if was_1d:
            return reconstructed.squeeze(0)  # S, T
        return reconstructed

    def forward_encoder(self, wav: torch.Tensor) -> torch.Tensor:
        """Encoder, then the encoder activation: :math:`(B, 1, T)` -> :math:`(B, N, L)`."""
        tf_rep = self.encoder(wav)
        return self.enc_activation(tf_rep)

    def forward_masker(self, tf_rep: torch.Tensor) -> torch.Tensor:
        """Masks from the features: :math:`(B, N, L)` -> :math:`(B, S, N, L)`."""
        return self.masker(tf_rep)

    def apply_masks(self, tf_rep: torch.Tensor, est_masks: torch.Tensor) -> torch.Tensor:
        """Masked features: :math:`(B, N, L)` and :math:`(B, S, N, L)` -> :math:`(B, S, N, L)`."""
        return est_masks * tf_rep.unsqueeze(1)

    def forward_decoder(self, masked_tf_rep: torch.Tensor) -> torch.Tensor:
        """Waveforms from the masked features: :math:`(B, S, N, L)` -> :math:`(B, S, T')`."""
        return self.decoder(masked_tf_rep)

    def get_model_args(self):
        """The filterbank's config, the masker's config and ``encoder_activation``, merged.

        Raises:
            ValueError: if the filterbank's and the masker's configs share a key.
        """
        fb_config = self.encoder.filterbank.get_config()
        masker_config = self.masker.get_config()
        shared = sorted(set(fb_config) & set(masker_config))
        if shared:
            raise ValueError(
                f"The filterbank's and the masker's configs share the keys {shared}; "
                "they cannot be merged into one model_args."
            )
        return {**fb_config, **masker_config, "encoder_activation": self.encoder_activation}


def validate_in_chan(in_chan, n_feats):
    """Check a model's ``in_chan`` argument against its encoder's output size.

    Args:
        in_chan (int or None): the argument (``None``: nothing to check).
        n_feats (int): the encoder's ``n_feats_out``.

    Raises:
        ValueError: if they differ.
    """
    if in_chan is not None and in_chan != n_feats:
        raise ValueError(
            f"in_chan must equal the number of filterbank outputs: got in_chan={in_chan} but "
            f"the encoder gives {n_feats} features."
        )


def _unsqueeze_to_3d(wav: torch.Tensor) -> torch.Tensor:
    """``(T,)`` -> ``(1, 1, T)``, ``(B, T)`` -> ``(B, 1, T)``; ``(B, 1, T)`` unchanged."""
    if wav.dim() == 1:
        return wav.reshape(1, 1, -1)
    if wav.dim() == 2:
        return wav.unsqueeze(1)
    if wav.dim() == 3 and wav.shape[1] == 1:
        return wav
    raise ValueError(
        "Expected a waveform of shape (time,), (batch, time) or (batch, 1, time), got shape "
        + str(list(wav.shape))
        + "."
    )


def software_versions():
    """The versions of torch, pytorch-lightning and asteroid, as plain strings.

    pytorch-lightning is not imported: its version is read from the installed
    package's metadata (``None`` when it is not installed).
    """
    from .. import __version__ as asteroid_version

    try:
        lightning_version = metadata.version("pytorch_lightning")
    except metadata.PackageNotFoundError:
        lightning_version = None
    return {
        "torch_version": str(torch.__version__),
        "pytorch_lightning_version": lightning_version,
        "asteroid_version": str(asteroid_version),
    }


def _asteroid_version(conf):
    """The asteroid version that wrote a model file, as a tuple of ints, or ``None``."""
    infos = conf.get("infos")
    if not isinstance(infos, dict):
        return None
    versions = infos.get("software_versions")
    if not isinstance(versions, dict) or not versions.get("asteroid_version"):
        return None
    numbers = []
    for part in str(versions["asteroid_version"]).split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers) or None


# --- Published alias: the name asteroid used before 0.4 -----------------------------------
BaseTasNet = BaseEncoderMaskerDecoder
