"""Sphinx configuration of the asteroid documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

import asteroid  # noqa: E402

project = "asteroid"
author = "Asteroid contributors"
copyright = "2019-2026, Asteroid contributors"
version = asteroid.__version__
release = asteroid.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
templates_path = []
exclude_patterns = []
html_theme = "alabaster"
html_static_path = []
