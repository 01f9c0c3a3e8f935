"""``import asteroid.metrics`` (and ``asteroid.losses``) must not load the metric libraries."""

import subprocess
import sys


def test_metric_libraries_are_imported_lazily():
    code = (
        "import sys, asteroid.metrics, asteroid.losses; "
        "print(','.join(m for m in ('pesq', 'pystoi', 'pb_bss_eval', 'mir_eval', 'pandas') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
