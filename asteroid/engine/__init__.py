"""Training engine: the Lightning ``System``, optimizers, schedulers and the recipes' trainer.

Importing this package does not import Lightning: ``System`` is loaded on first
access, and the submodules that need Lightning (:mod:`~asteroid.engine.system`,
:mod:`~asteroid.engine.callbacks`, :mod:`~asteroid.engine.trainer`) are imported
only when used.
"""

from .optimizers import make_optimizer

__all__ = ["System", "make_optimizer"]


def __getattr__(name):
    if name == "System":
        from .system import System

        return System
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
