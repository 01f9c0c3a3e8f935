"""CI runs exactly the README's test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    test_cmds = [line.strip() for b in blocks for line in b.splitlines() if "pytest" in line]
    assert len(test_cmds) == 1, test_cmds
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmds[0] in [line.strip() for line in ci]
    assert "torch==2.13.0" in test_cmds[0]
