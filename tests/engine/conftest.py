"""Fixtures of the engine tests: the tiny training script and quiet Trainer settings."""

import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TINY_RUN = HERE / "tiny_run.py"


@pytest.fixture(scope="session")
def tiny_run():
    """``tiny_run.py`` imported by path (it is a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("engine_tiny_run", TINY_RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def script_env():
    """Environment for subprocesses: this checkout first on the path, one thread each."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    return env


@pytest.fixture(scope="session")
def tiny_cmd():
    """The command line that runs ``tiny_run.py`` with some arguments."""

    def cmd(*args):
        return [sys.executable, str(TINY_RUN), *map(str, args)]

    return cmd


@pytest.fixture(scope="session")
def run_tiny(tiny_cmd, script_env):
    """Run ``tiny_run.py`` to completion; fail with its output if it fails."""

    def run(*args, timeout=180):
        proc = subprocess.run(
            tiny_cmd(*args), env=script_env, capture_output=True, text=True, timeout=timeout
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc

    return run


@pytest.fixture
def trainer_kwargs():
    """Trainer arguments for in-process runs: one CPU, no progress bar, summary or sanity check."""
    return dict(
        accelerator="cpu",
        devices=1,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    """The models here are tiny: extra threads only fight over the shared cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _quiet_lightning():
    """Lightning's advice (log intervals, worker counts, ...) is noise in these tests."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="pytorch_lightning")
        warnings.filterwarnings("ignore", module="lightning_fabric")
        warnings.filterwarnings("ignore", module="torch.utils._pytree")
        yield
