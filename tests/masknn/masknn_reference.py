"""Shared by the masker tests and by ``data/make_reference.py`` (which runs under asteroid 0.7.0).

Keep this file free of asteroid imports: the script imports it next to the
published package.
"""

from pathlib import Path

import torch

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_FILE = DATA_DIR / "reference_outputs.pt"
# The published model files (asteroid 0.7.0), next to the repository checkout.
COMPAT_DIR = Path(__file__).resolve().parents[1] / "compat" / "data"


def fill_weights(module, seed):
    """Overwrite every parameter and batch-norm statistic with seeded random values.

    The values depend only on the seed and on the ``state_dict`` order, names and
    shapes, so two implementations with the same parameter layout get the same
    weights. Parameters are drawn around their usual scale (norm gains around 1)
    so that no layer sits at a trivial initial value.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict(keep_vars=True).items():
            if not tensor.is_floating_point():
                continue
            noise = torch.randn(tensor.shape, generator=gen, dtype=torch.float64)
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "running_var":
                value = 0.5 + noise.abs()
            elif leaf in ("gamma", "running_mean") or (leaf == "weight" and tensor.dim() == 1):
                # Norm gains (and PReLU slopes) near 1, running means near 0.
                value = (1.0 if leaf != "running_mean" else 0.0) + 0.2 * noise
            else:
                value = 0.3 * noise
            tensor.copy_(value.to(tensor.dtype))


def seeded_input(shape, seed, complex_input=False):
    """Standard normal input (complex when asked), from a seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    if complex_input:
        return torch.complex(torch.randn(shape, generator=gen), torch.randn(shape, generator=gen))
    return torch.randn(shape, generator=gen)


def load_reference_cases():
    """The cases written by ``data/make_reference.py`` (plain tensors and Python values)."""
    return torch.load(REFERENCE_FILE, weights_only=True)
