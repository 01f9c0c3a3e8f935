"""Writing files atomically: nothing a user has is ever left half-written."""

import os
import tempfile
from contextlib import contextmanager

__all__ = ["atomic_path", "current_umask"]


def current_umask():
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path, suffix=""):
    """A temporary path beside ``path``, renamed over it when the ``with`` block succeeds.

    The temporary file is in the destination folder (so the rename is atomic)
    and gets the usual permissions (``0o666`` less the umask). If the block
    raises, the temporary file is removed and ``path`` is left untouched.

    Example:
        >>> with atomic_path("out.wav", suffix=".wav") as tmp:  # doctest: +SKIP
        ...     soundfile.write(tmp, wav, 8000)
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
