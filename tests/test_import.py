"""``import asteroid`` must stay light: no Lightning, hub client or metric library."""

import subprocess
import sys

import asteroid

HEAVY = (
    "pytorch_lightning",
    "lightning",
    "lightning_fabric",
    "pesq",
    "pystoi",
    "huggingface_hub",
    "pb_bss_eval",
)


def test_version():
    assert asteroid.__version__ == "0.8.0.dev0"


def test_import_time_modules():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import asteroid, asteroid.utils"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {
        line.split("|")[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if "|" in line
    }
    assert "asteroid" in loaded
    assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))
