"""egs/utils/parse_options.sh: Kaldi-style options for every run.sh, run for real with bash."""

import pathlib
import subprocess

import pytest

PARSE_OPTIONS = pathlib.Path(__file__).resolve().parents[2] / "egs" / "utils" / "parse_options.sh"

RUN_SH = """#!/usr/bin/env bash
set -e
stage=0
id=""
tag=""
python_path=python
use_dm=false
. {parse_options}
echo "stage=$stage|id=$id|tag=$tag|python_path=$python_path|use_dm=$use_dm|rest=$*"
"""


@pytest.fixture
def run_sh(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text(RUN_SH.format(parse_options=PARSE_OPTIONS))
    return script


def run(script, *args):
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True)


def test_defaults(run_sh):
    proc = run(run_sh)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "stage=0|id=|tag=|python_path=python|use_dm=false|rest="


def test_overrides(run_sh):
    proc = run(
        run_sh,
        "--stage",
        "3",
        "--id",
        "0,1",
        "--tag",
        "my exp",
        "--python-path",
        "/usr/bin/python3",
        "--use_dm",
        "true",
        "--stage=4",
        "positional",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "stage=4|id=0,1|tag=my exp|python_path=/usr/bin/python3|use_dm=true|rest=positional"
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["--stagee", "3"], "unknown option --stagee"),
        (["--PATH", "/x"], "unknown option --PATH"),
        (["--stage"], "option --stage needs a value"),
        (["--use_dm", "maybe"], "option --use_dm takes true or false, got 'maybe'"),
    ],
)
def test_errors(run_sh, args, message):
    proc = run(run_sh, *args)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert proc.stdout == ""


def test_help_lists_the_variables(run_sh):
    proc = run(run_sh, "--help")
    assert proc.returncode == 0
    for name in ("stage", "id", "tag", "python_path", "use_dm"):
        assert f"--{name}" in proc.stdout
    assert "--PATH" not in proc.stdout
