"""Reading and writing model files safely.

A model file is a plain dict saved with ``torch.save``: ``model_name``,
``state_dict``, ``model_args`` and ``infos``. It is read with
``torch.load(weights_only=True)``, whose unpickler builds tensors, containers
and plain values only and never calls anything the file names. The files
written by asteroid 0.7.0 also hold ``torch.__version__``, a
:class:`torch.torch_version.TorchVersion` (a ``str`` subclass); that class,
and no other, is allowed on top of torch's defaults. A file naming any other
global (a pickle that would run code when loaded) is refused with
:class:`UnsafeModelFileError` before anything in it runs.

Files are written atomically: to a temporary file in the destination folder,
renamed over the destination once complete.
"""

import os
import pickle
import re

import torch
from torch.torch_version import TorchVersion

from ..utils.file_utils import atomic_path

__all__ = ["ALLOWED_GLOBALS", "UnsafeModelFileError", "load_model_file", "save_model_file"]

# The only class allowed on top of torch's weights-only defaults, and why:
# asteroid <= 0.7 stored ``torch.__version__`` (a TorchVersion) in ``infos``.
ALLOWED_GLOBALS = (TorchVersion,)


class UnsafeModelFileError(pickle.UnpicklingError, ValueError):
    """A model file holds objects that a weights-only load does not build.

    Both a :class:`pickle.UnpicklingError` (what ``torch.load`` raises) and a
    :class:`ValueError` (a bad input file).
    """


def load_model_file(path):
    """Load a model file on the CPU with ``torch.load(weights_only=True)``.

    Args:
        path (str or os.PathLike): the file.

    Returns:
        dict: the file's content, with version objects turned into plain strings.

    Raises:
        UnsafeModelFileError: if the file names any global besides tensors,
            plain containers and values and :data:`ALLOWED_GLOBALS`; the message
            names the globals. Nothing in the file is executed.
    """
    with torch.serialization.safe_globals(list(ALLOWED_GLOBALS)):
        try:
            conf = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            refused = _unsafe_globals(path, err)
            raise UnsafeModelFileError(
                f"Refusing to load {os.fspath(path)!r}: it references "
                f"{', '.join(refused) if refused else 'objects'} that a weights-only load does "
                f"not allow. Unpickling such a file could run arbitrary code, so asteroid reads "
                f"model files with torch.load(weights_only=True), allowing only tensors, plain "
                f"Python values and {', '.join(_qualname(c) for c in ALLOWED_GLOBALS)}. "
                f"Re-save the file with plain values (e.g. from a trusted environment) if you "
                f"trust its origin."
            ) from None
    return _plain_versions(conf)


def save_model_file(model_dict, path):
    """Save ``model_dict`` with ``torch.save``, atomically.

    Version objects (:class:`~torch.torch_version.TorchVersion`) anywhere in the
    dict are written as plain strings, so the file loads with the stock
    weights-only unpickler.

    Args:
        model_dict (dict): the model file's content.
        path (str or os.PathLike): destination; its folder must exist.

    Returns:
        str: ``path``.
    """
    path = os.fspath(path)
    with atomic_path(path, suffix=".pth") as tmp_path:
        with open(tmp_path, "wb") as fh:
            torch.save(_plain_versions(model_dict), fh)
            fh.flush()
            os.fsync(fh.fileno())
    return path


def _plain_versions(obj):
    """``obj`` with every TorchVersion replaced by a plain ``str``.

    Only the containers on the way to a TorchVersion are copied (as plain dicts,
    lists and tuples); everything else, the state dict included (with its
    ``_metadata``), is kept as is.
    """
    if isinstance(obj, TorchVersion):
        return str(obj)
    if isinstance(obj, dict):
        items = {key: _plain_versions(value) for key, value in obj.items()}
        if all(items[key] is obj[key] for key in obj):
            return obj
        return items
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        items = [_plain_versions(v) for v in obj]
        if all(new is old for new, old in zip(items, obj)):
            return obj
        return type(obj)(items)
    return obj


def _qualname(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _unsafe_globals(path, err):
    """Names of the globals that made the weights-only load fail (without running them)."""
    allowed = {_qualname(c) for c in ALLOWED_GLOBALS}
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        names = [name for name in found if name not in allowed]
        if names:
            return names
    except Exception:
        # Only zip checkpoints can be scanned; fall back to torch's message.
        pass
    return re.findall(r"GLOBAL ([\w.]+)", str(err))
