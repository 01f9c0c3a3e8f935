"""The demo recipe's quick mode, end to end, as a real `bash run.sh` subprocess."""

import base64
import io
import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

EGS = Path(__file__).resolve().parents[2] / "egs"


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    root = tmp_path_factory.mktemp("egs")
    shutil.copytree(EGS / "utils", root / "utils")
    shutil.copytree(
        EGS / "demo" / "ConvTasNet",
        root / "demo" / "ConvTasNet",
        ignore=shutil.ignore_patterns("exp", "data", "logs"),
    )
    return root / "demo" / "ConvTasNet"


def run_sh(recipe, *args):
    return subprocess.run(
        ["bash", "run.sh", *args], cwd=recipe, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def quick_run(recipe):
    proc = run_sh(recipe, "--quick", "true")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_quick_run_writes_a_complete_report(recipe, quick_run):
    exp = recipe / "exp" / "train_convtasnet_quick"
    report = exp / "report.html"
    assert f"Report written to {report}" in quick_run.stdout
    page = report.read_text()
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)"', page)
    audios = re.findall(r'<audio controls src="data:audio/wav;base64,([^"]+)"', page)
    alts = [alt for alt, _ in images]
    assert "loss curves" in alts and "SI-SDRi histogram" in alts
    # Spectrograms of the mixture, its two references and two estimates, each with a player.
    assert sum(alt.startswith("spectrogram") for alt in alts) == 5
    assert len(audios) == 5
    import matplotlib.image

    for _, data in images:
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 50
    for data in audios:
        wav, sr = sf.read(io.BytesIO(base64.b64decode(data)))
        assert sr == 8000 and len(wav) > 8000
    for metric in ("SI-SDR (dB)", "SDR (dB)", "STOI", "PESQ"):
        assert f"<td>{metric}</td>" in page
    assert "wsj0-2mix (a different corpus)" in page


def test_quick_run_metrics_and_outputs(recipe, quick_run):
    exp = recipe / "exp" / "train_convtasnet_quick"
    final = json.loads((exp / "eval" / "final_metrics.json").read_text())
    for metric in ("si_sdr", "sdr", "stoi", "pesq"):
        for key in (metric, f"{metric}_imp"):
            assert key in final and math.isfinite(final[key]), key
    import csv

    with open(exp / "eval" / "all_metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6  # the 6 test mixtures of the quick corpus
    for row in rows:
        for metric in ("si_sdr", "input_si_sdr", "stoi", "input_stoi", "pesq", "input_pesq"):
            assert math.isfinite(float(row[metric])), (metric, row)
    separated = sorted(os.listdir(exp / "separated"))
    assert len(separated) == 6 and all(
        name.endswith(("_est1.wav", "_est2.wav")) for name in separated
    )
    assert (exp / "publish_dir" / "model.pth").exists() and (
        exp / "publish_dir" / "README.md"
    ).exists()
    from asteroid.models import ConvTasNet

    model = ConvTasNet.from_pretrained(str(exp / "best_model.pth"))
    assert model.sample_rate == 8000


def test_second_run_neither_regenerates_nor_retrains(recipe, quick_run):
    exp = recipe / "exp" / "train_convtasnet_quick"
    model_mtime = (exp / "best_model.pth").stat().st_mtime_ns
    proc = run_sh(recipe, "--quick", "true", "--stop_stage", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Corpus already in" in proc.stdout
    assert "training is done" in proc.stdout
    assert (exp / "best_model.pth").stat().st_mtime_ns == model_mtime
    # A run whose model file is gone but whose last checkpoint is there resumes from it.
    (exp / "best_model.pth").unlink()
    proc = run_sh(recipe, "--quick", "true", "--stage", "1", "--stop_stage", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Resuming from" in proc.stdout
    assert (exp / "best_model.pth").exists()


def test_unknown_option_fails_at_once(recipe):
    proc = run_sh(recipe, "--quikc", "true")
    assert proc.returncode != 0 and "unknown option --quikc" in proc.stderr
