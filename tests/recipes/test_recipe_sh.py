"""egs/utils/recipe.sh: the common options and stage helpers of every run.sh, run with bash."""

import pathlib
import shutil
import subprocess

import pytest

UTILS = pathlib.Path(__file__).resolve().parents[2] / "egs" / "utils"

RUN_SH = """#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
. ../../utils/recipe.sh
corpus_dir=
n_src=2
. ../../utils/parse_options.sh
echo "stage=$stage stop=$stop_stage tag=$tag id=$id retrain=$retrain train_args=$train_args"
echo "corpus_dir=$corpus_dir n_src=$n_src rest=$*"
for n in 0 1 2 3; do
  if begin_stage $n "step $n"; then echo "ran $n"; fi
done
if [[ $n_src == 9 ]]; then need_dir "$corpus_dir" corpus_dir; fi
logged demo echo "a logged line"
"""


@pytest.fixture
def run_sh(tmp_path):
    shutil.copytree(UTILS, tmp_path / "egs" / "utils")
    recipe = tmp_path / "egs" / "corpus" / "system"
    recipe.mkdir(parents=True)
    script = recipe / "run.sh"
    script.write_text(RUN_SH)
    return script


def run(script, *args):
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=60)


def test_common_and_recipe_options_are_both_read(run_sh):
    proc = run(
        run_sh,
        "--stage",
        "1",
        "--n_src",
        "3",
        "--tag=x",
        "--stop_stage",
        "2",
        "--train_args",
        "--lr 1e-4 --epochs 2",
        "--corpus_dir",
        "/data",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "stage=1 stop=2 tag=x id= retrain=false train_args=--lr 1e-4 --epochs 2"
    assert lines[1] == "corpus_dir=/data n_src=3 rest="
    assert [line for line in lines if line.startswith("ran")] == ["ran 1", "ran 2"]
    assert "===== Stage 1 (corpus/system): step 1" in proc.stdout  # the recipe's name


def test_each_stage_logs_to_its_own_file(run_sh):
    proc = run(run_sh, "--tag", "t1")
    assert proc.returncode == 0, proc.stderr
    assert (run_sh.parent / "logs" / "demo_t1.log").read_text() == "a logged line\n"


def test_help_lists_common_and_recipe_options(run_sh):
    proc = run(run_sh, "--help")
    assert proc.returncode == 0
    assert "--stage" in proc.stdout and "--train_args" in proc.stdout
    assert "--corpus_dir" in proc.stdout and "--n_src" in proc.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--retrain", "maybe"], "--retrain takes true or false, got 'maybe'"),
        (["--tag"], "option --tag needs a value"),
        (["--no_such_option", "1"], "unknown option --no_such_option"),
    ],
)
def test_bad_options_are_refused(run_sh, args, message):
    proc = run(run_sh, *args)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_missing_directory_is_named(run_sh, tmp_path):
    missing = str(tmp_path / "nowhere")
    proc = run(run_sh, "--n_src", "9", "--corpus_dir", missing)
    assert proc.returncode == 1
    assert f"--corpus_dir: no such directory: {missing}" in proc.stderr
