"""Asteroid: a PyTorch toolkit for audio source separation and speech enhancement.

Importing the package stays light: the models are imported when first used
(``asteroid.ConvTasNet``), and Lightning, the hub client and the metric
libraries (pesq, pystoi) only by the modules that need them.
"""

import importlib
import pathlib

__version__ = "0.8.0.dev0"

# The folder that holds the package (the repository root in a development install).
project_root = str(pathlib.Path(__file__).expanduser().absolute().parent.parent)

# Models reachable as `asteroid.<Name>`, imported on first access.
_LAZY_MODELS = ("ConvTasNet", "DPRNNTasNet", "DPTNet", "LSTMTasNet", "DeMask", "DCUNet", "DCCRNet")

__all__ = [
    "__version__",
    "project_root",
    "available_models",
    "show_available_models",
    *_LAZY_MODELS,
]


def available_models():
    """``{short name: URL}`` of the pretrained models published on Zenodo."""
    from .utils.hub_utils import MODELS_URLS_HASHTABLE

    return dict(MODELS_URLS_HASHTABLE)


def show_available_models():
    """Print the short names accepted by ``from_pretrained`` for Zenodo-hosted models."""
    for name in available_models():
        print(name)


def __getattr__(name):
    if name in _LAZY_MODELS:
        return getattr(importlib.import_module(".models", __name__), name)
    raise AttributeError(f"module 'asteroid' has no attribute {name!r}")
