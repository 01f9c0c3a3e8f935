"""``import asteroid.engine`` stays light: Lightning is imported when System is first used."""

import subprocess
import sys

import pytest

CODE = """
import sys
import asteroid.engine, asteroid.engine.optimizers, asteroid.engine.schedulers
import asteroid.engine.loaders
light = not any(m.split(".")[0] in ("pytorch_lightning", "lightning") for m in sys.modules)
from asteroid.engine import System
from asteroid.engine.schedulers import SinkPITBetaScheduler
import pytorch_lightning as pl
print(light, issubclass(System, pl.LightningModule), issubclass(SinkPITBetaScheduler, pl.Callback))
"""


def test_engine_imports_lightning_lazily():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "True"]


def test_public_names():
    import asteroid.engine as engine

    assert engine.__all__ == ["System", "make_optimizer"]
    with pytest.raises(AttributeError, match="NotAThing"):
        engine.NotAThing
