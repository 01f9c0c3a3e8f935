"""asteroid-infer, asteroid-register-sr and asteroid-versions, run as real subprocesses."""

import shutil
import subprocess

import numpy as np
import soundfile as sf

from asteroid.models.model_file import load_model_file, save_model_file

from .conftest import SR, best_si_sdr

INFER = shutil.which("asteroid-infer")


def run(*args, cwd=None):
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


def assert_one_line_error(proc, *words):
    assert proc.returncode != 0
    err = [line for line in proc.stderr.splitlines() if line.startswith("asteroid-")]
    assert err, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in err[0], err[0]


def test_entry_points_are_installed():
    for name in ("asteroid-infer", "asteroid-upload", "asteroid-register-sr", "asteroid-versions"):
        assert shutil.which(name), f"{name} is not installed (pip install -e .)"
        proc = run(name, "--help")
        assert proc.returncode == 0 and "usage:" in proc.stdout


def test_infer_separates_better_than_the_input(trained_model_file, test_mixture, tmp_path):
    mix_path, sources = test_mixture
    out_dir = tmp_path / "out"
    proc = run(INFER, str(trained_model_file), "--files", str(mix_path), "-o", str(out_dir))
    assert proc.returncode == 0, proc.stderr
    assert "Separated 1 of 1 file(s) into 2 estimate file(s)" in proc.stdout
    ests = []
    for i in (1, 2):
        wav, sr = sf.read(out_dir / f"mix_est{i}.wav", dtype="float32")
        assert sr == SR and wav.shape == (sources.shape[1],)
        ests.append(wav)
    mix = sources.sum(0)
    input_score = best_si_sdr(sources, np.stack([mix, mix]))
    output_score = best_si_sdr(sources, np.stack(ests))
    assert output_score > input_score + 6.0, (input_score, output_score)

    # A second run refuses to overwrite, and writes nothing.
    before = (out_dir / "mix_est1.wav").stat().st_mtime_ns
    proc = run(INFER, str(trained_model_file), "--files", str(mix_path), "-o", str(out_dir))
    assert_one_line_error(proc, "already exists", "--force-overwrite")
    assert (out_dir / "mix_est1.wav").stat().st_mtime_ns == before
    proc = run(INFER, str(trained_model_file), "--files", str(mix_path), "-o", str(out_dir), "-f")
    assert proc.returncode == 0, proc.stderr


def test_infer_directory_glob_and_next_to_input(trained_model_file, test_mixture, tmp_path):
    mix_path, _ = test_mixture
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(mix_path, sub / "a.wav")
    sf.write(sub / "b.flac", sf.read(mix_path)[0], SR)
    proc = run(INFER, str(trained_model_file), "--files", str(sub))
    assert proc.returncode == 0, proc.stderr
    for name in ("a_est1.wav", "a_est2.wav", "b_est1.wav", "b_est2.wav"):
        assert (sub / name).exists()
    proc = run(
        INFER,
        str(trained_model_file),
        "--files",
        str(tmp_path / "*.wav"),
        "-o",
        str(tmp_path / "g"),
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["mix_est1.wav", "mix_est2.wav"]


def test_infer_sample_rate_and_resample(trained_model_file, test_mixture, tmp_path):
    from asteroid.separate import resample

    mix_path, _ = test_mixture
    mix16 = resample(sf.read(mix_path, dtype="float32")[0], SR, 16000)
    path16 = tmp_path / "mix16k.wav"
    sf.write(path16, mix16, 16000)
    proc = run(INFER, str(trained_model_file), "--files", str(path16), "-o", str(tmp_path / "o"))
    assert_one_line_error(proc, "16000 Hz", "--resample")
    assert not (tmp_path / "o" / "mix16k_est1.wav").exists()
    proc = run(
        INFER, str(trained_model_file), "--files", str(path16), "-o", str(tmp_path / "o"), "-r"
    )
    assert proc.returncode == 0, proc.stderr
    wav, sr = sf.read(tmp_path / "o" / "mix16k_est1.wav")
    assert sr == 16000 and len(wav) == len(mix16)


def test_infer_errors(trained_model_file, test_mixture, tmp_path):
    mix_path, _ = test_mixture
    assert_one_line_error(
        run(INFER, str(trained_model_file), "--files", str(tmp_path / "missing.wav")), "missing.wav"
    )
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    assert_one_line_error(
        run(INFER, str(trained_model_file), "--files", str(broken)), "broken.wav", "Cannot read"
    )
    assert_one_line_error(
        run(INFER, "nobody/no_such_model_file.pth", "--files", str(mix_path)), "cannot load model"
    )
    assert_one_line_error(
        run(INFER, str(tmp_path / "nope.pth"), "--files", str(mix_path)), "cannot load model"
    )
    assert_one_line_error(
        run(INFER, str(trained_model_file), "--files", str(mix_path), "-w", "5"), "--ola-window"
    )
    stereo = tmp_path / "stereo.wav"
    data = sf.read(mix_path, dtype="float32")[0]
    sf.write(stereo, np.stack([data, data], 1), SR)
    proc = run(INFER, str(trained_model_file), "--files", str(stereo), "-o", str(tmp_path / "st"))
    assert proc.returncode == 0, proc.stderr  # first channel, with a warning
    assert "first channel" in proc.stderr


def test_infer_overlap_add_has_no_seams(trained_model_file, tmp_path):
    from .conftest import band_split_sources, si_sdr

    sources = np.concatenate([band_split_sources(seed) for seed in range(200, 204)], axis=1)
    mix = sources.sum(0)
    path = tmp_path / "long.wav"
    sf.write(path, mix, SR, subtype="FLOAT")
    whole = run(INFER, str(trained_model_file), "--files", str(path), "-o", str(tmp_path / "whole"))
    ola = run(
        INFER,
        str(trained_model_file),
        "--files",
        str(path),
        "-o",
        str(tmp_path / "ola"),
        "-w",
        "8000",
        "--ola-hop",
        "4000",
    )
    assert whole.returncode == 0 and ola.returncode == 0, whole.stderr + ola.stderr
    for i in (1, 2):
        a = sf.read(tmp_path / "whole" / f"long_est{i}.wav")[0]
        candidates = [sf.read(tmp_path / "ola" / f"long_est{j}.wav")[0] for j in (1, 2)]
        assert max(si_sdr(a, b) for b in candidates) > 30.0


def test_register_sample_rate(trained_model_file, tmp_path):
    path = tmp_path / "old.pth"
    conf = load_model_file(trained_model_file)
    del conf["model_args"]["sample_rate"]
    save_model_file(conf, path)
    proc = run("asteroid-register-sr", str(path), "16000")
    assert proc.returncode == 0, proc.stderr
    assert load_model_file(path)["model_args"]["sample_rate"] == 16000.0
    assert_one_line_error(
        run("asteroid-register-sr", str(tmp_path / "none.pth"), "8000"), "none.pth"
    )
    assert_one_line_error(run("asteroid-register-sr", str(path), "-5"), "positive")


def test_versions():
    proc = run("asteroid-versions")
    assert proc.returncode == 0
    lines = dict(line.split(None, 1) for line in proc.stdout.splitlines())
    import torch

    import asteroid

    assert lines["Asteroid"].startswith(asteroid.__version__)
    assert lines["PyTorch"] == torch.__version__
