"""Asteroid: a PyTorch toolkit for audio source separation and speech enhancement.

Importing the package stays light: Lightning, the hub client and the metric
libraries (pesq, pystoi) are imported by the modules that use them.
"""

import pathlib

__version__ = "0.8.0.dev0"

# The folder that holds the package (the repository root in a development install).
project_root = str(pathlib.Path(__file__).expanduser().absolute().parent.parent)

__all__ = ["__version__", "project_root"]
