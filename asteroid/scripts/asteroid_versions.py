"""``asteroid-versions``: print the versions of asteroid and of its main dependencies."""

import argparse
import importlib
import os
import subprocess
import sys

import asteroid

__all__ = ["asteroid_versions", "print_versions", "main"]

# (label, importable module name)
DEPENDENCIES = [
    ("PyTorch", "torch"),
    ("PyTorch-Lightning", "pytorch_lightning"),
    ("NumPy", "numpy"),
    ("SciPy", "scipy"),
    ("SoundFile", "soundfile"),
    ("huggingface_hub", "huggingface_hub"),
    ("torch-optimizer", "torch_optimizer"),
]


def _git(args, cwd):
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _git_suffix(root):
    """``, Git checkout <sha> (<branch>)[, dirty tree]`` when ``root`` is a git checkout."""
    if not os.path.isdir(os.path.join(root, ".git")):
        return ""
    sha = _git(["rev-parse", "HEAD"], root)
    if not sha:
        return ""
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], root) or "detached"
    dirty = _git(["status", "--porcelain", "--untracked-files=no"], root)
    return f", Git checkout {sha[:12]} ({branch})" + (", dirty tree" if dirty else "")


def asteroid_versions():
    """Return ``{label: version}`` for asteroid and its main dependencies (``"not installed"`` if absent)."""
    versions = {"Asteroid": asteroid.__version__ + _git_suffix(asteroid.project_root)}
    for label, module in DEPENDENCIES:
        try:
            versions[label] = getattr(importlib.import_module(module), "__version__", "unknown")
        except ImportError:
            versions[label] = "not installed"
    versions["Python"] = sys.version.split()[0]
    return versions


def print_versions():
    """Print one ``name  version`` line per package, names left-justified to 20 characters."""
    for name, version in asteroid_versions().items():
        print(f"{name:<20}{version}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="asteroid-versions",
        description="Print the versions of asteroid and of its main dependencies.",
    )
    parser.parse_args(argv)
    print_versions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
