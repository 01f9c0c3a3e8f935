"""Shared fixtures of the dsp tests.

``data/published_dsp.pt`` holds inputs and outputs of the published asteroid 0.7.0
``asteroid.dsp`` functions (small tensors, written once by a script run in a 0.7.0
environment), so that the tests compare against it without that environment.
"""

import pathlib

import pytest
import torch

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def published():
    return torch.load(DATA / "published_dsp.pt", weights_only=True)
