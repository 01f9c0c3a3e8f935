"""Separation models, their registry and the model file format.

``get(name)`` returns a model class from its class name or the snake-case name
the recipes use (``"ConvTasNet"``, ``"conv_tasnet"``, case-insensitive);
``register_model(cls)`` adds a custom model, which ``from_pretrained`` can then
rebuild from its model files.
"""

from .base_models import BaseEncoderMaskerDecoder, BaseModel, BaseTasNet
from .conv_tasnet import ConvTasNet, VADNet
from .dccrnet import DCCRNet
from .dcunet import DCUNet
from .demask import DeMask
from .dprnn_tasnet import DPRNNTasNet
from .dptnet import DPTNet
from .fasnet import FasNetTAC
from .hub_upload import upload_publishable
from .lstm_tasnet import LSTMTasNet
from .publisher import save_publishable
from .sepformer import SepFormer
from .sudormrf import SuDORMRFImprovedNet, SuDORMRFNet
from .tfgridnet import TFGridNet
from .x_umx import XUMX

__all__ = [
    "ConvTasNet",
    "DPRNNTasNet",
    "SuDORMRFImprovedNet",
    "SuDORMRFNet",
    "DPTNet",
    "FasNetTAC",
    "LSTMTasNet",
    "DeMask",
    "DCUNet",
    "DCCRNet",
    "XUMX",
    "VADNet",
    "TFGridNet",
    "SepFormer",
    "BaseModel",
    "BaseEncoderMaskerDecoder",
    "BaseTasNet",
    "save_publishable",
    "upload_publishable",
    "get",
    "register_model",
]

# Lower-cased name -> model class. Filled by ``register_model`` only.
_MODELS = {}


def register_model(custom_model, aliases=()):
    """Make a model class gettable with :func:`get` (and rebuildable by ``from_pretrained``).

    Args:
        custom_model (type): a :class:`BaseModel` subclass; registered under its
            class name.
        aliases (sequence of str): further names, e.g. a snake-case name.

    Returns:
        type: ``custom_model`` (so this works as a class decorator).

    Raises:
        ValueError: if a name is already taken (names are case-insensitive).
        TypeError: if ``custom_model`` is not a :class:`BaseModel` subclass.
    """
    if not (isinstance(custom_model, type) and issubclass(custom_model, BaseModel)):
        raise TypeError(f"register_model takes a BaseModel subclass, got {custom_model!r}.")
    names = [custom_model.__name__, *aliases]
    taken = [name for name in names if name.lower() in _MODELS]
    if taken:
        raise ValueError(f"Model name(s) {taken} already registered. Choose another name.")
    for name in names:
        _MODELS[name.lower()] = custom_model
    return custom_model


def get(identifier):
    """The model class registered under ``identifier`` (case-insensitive).

    Args:
        identifier (str): a class name (``"DPRNNTasNet"``) or a registered alias
            (``"dprnn_tasnet"``).

    Returns:
        type: the model class.

    Raises:
        ValueError: for an unknown name (the message lists the known ones) or a
            non-string identifier.
    """
    if not isinstance(identifier, str):
        raise ValueError(f"Model names are strings, got {identifier!r}.")
    model_class = _MODELS.get(identifier.lower())
    if model_class is None:
        raise ValueError(
            f"Unknown model name {identifier!r}. Known models: {', '.join(known_models())}."
        )
    return model_class


def known_models():
    """The registered names, sorted (class names and aliases, lower-cased)."""
    return sorted(_MODELS)


for _cls, _aliases in [
    (ConvTasNet, ["conv_tasnet"]),
    (DPRNNTasNet, ["dprnn_tasnet"]),
    (DPTNet, ["dpt_net"]),
    (LSTMTasNet, ["lstm_tasnet"]),
    (SuDORMRFNet, ["sudormrf_net"]),
    (SuDORMRFImprovedNet, ["sudormrf_improved_net"]),
    (DCUNet, []),
    (DCCRNet, []),
    (DeMask, []),
    (FasNetTAC, ["fasnet_tac"]),
    (XUMX, ["x_umx"]),
    (VADNet, ["vad_net"]),
    (TFGridNet, ["tf_gridnet"]),
    (SepFormer, []),
]:
    register_model(_cls, aliases=_aliases)
del _cls, _aliases
