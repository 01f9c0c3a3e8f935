"""Stream an audio file through a :class:`~.separator.StreamingSeparator`, block by block."""

import os
import tempfile
import warnings
from typing import List, Optional, Tuple

import numpy as np

from ...separate import _output_paths
from ...utils.file_utils import current_umask
from .separator import StreamingSeparator, StreamStats

__all__ = ["stream_file"]

_KEPT_SUBTYPES = ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")


def stream_file(
    separator: StreamingSeparator,
    filename: str,
    chunk_size: int,
    output_dir: Optional[str] = None,
    force_overwrite: bool = False,
) -> Tuple[List[str], StreamStats]:
    """Separate an audio file as a stream: read a block, separate it, write what is ready.

    The file is read in blocks of ``chunk_size`` samples (soundfile blocks, so
    memory does not grow with the file), each block goes through
    :meth:`StreamingSeparator.step` and the samples it returns are appended to
    one ``<name>_est<i>.wav`` per source (``i`` from 1), written as temporary
    files next to their destination and renamed at the end, so that an
    interrupted stream leaves no partial estimates. Files are written at the
    file's rate, in its subtype when it is PCM or float (else 16-bit PCM).

    The estimates are the model's outputs as they are: unlike
    :func:`asteroid.separate.file_separate`, no global rescaling (which needs the
    whole file) is applied.

    Args:
        separator (StreamingSeparator): the streaming model (reset before use).
        filename (str): the audio file; a multichannel file is streamed from its
            first channel, with a warning.
        chunk_size (int): samples per block.
        output_dir (str, optional): where to write the estimates (created if
            needed); next to the input by default.
        force_overwrite (bool): replace existing estimate files.

    Returns:
        tuple: the paths written, and the :class:`StreamStats` of the stream.

    Raises:
        FileNotFoundError: if the file does not exist.
        FileExistsError: if an estimate exists and ``force_overwrite`` is false.
        ValueError: for a file at another rate than the model's, a bad
            ``chunk_size``, or a file shorter than one frame of the model.
    """
    import soundfile as sf

    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"No such audio file: {filename}")
    info = sf.info(filename)
    if info.samplerate != separator.sample_rate:
        raise ValueError(
            f"{filename} is sampled at {info.samplerate} Hz but the model expects "
            f"{separator.sample_rate:g} Hz; a stream cannot be resampled exactly, resample the "
            "file first."
        )
    if info.channels > 1:
        warnings.warn(
            f"{filename} has {info.channels} channels and the model takes one: streaming the "
            "first channel."
        )
    first = _output_paths(filename, output_dir, 1)[0]
    if os.path.exists(first) and not force_overwrite:
        raise FileExistsError(
            f"{first} already exists; pass force_overwrite=True (--force-overwrite) to replace it."
        )
    if output_dir is not None:
        os.makedirs(output_dir, exist_ok=True)
    subtype = info.subtype if info.subtype in _KEPT_SUBTYPES else "PCM_16"
    writers = _TempWriters(filename, output_dir, int(info.samplerate), subtype)
    separator.reset()
    try:
        with sf.SoundFile(filename) as reader:
            for block in reader.blocks(blocksize=int(chunk_size), dtype="float32", always_2d=True):
                writers.write(separator.step(block[:, 0][None]).cpu().numpy()[0])
        writers.write(separator.flush().cpu().numpy()[0])
        paths = writers.commit(force_overwrite)
    except BaseException:
        writers.discard()
        separator.reset()
        raise
    return paths, separator.stats


class _TempWriters:
    """One temporary WAV per source, opened at the first output, renamed at the end."""

    def __init__(self, filename, output_dir, sample_rate, subtype):
        self.filename, self.output_dir = filename, output_dir
        self.sample_rate, self.subtype = sample_rate, subtype
        self.files, self.tmp_paths = [], []

    def write(self, est: np.ndarray):  # (n_src, samples)
        import soundfile as sf

        if not self.files:
            folder = os.path.dirname(
                os.path.abspath(_output_paths(self.filename, self.output_dir, 1)[0])
            )
            for _ in range(est.shape[0]):
                fd, tmp = tempfile.mkstemp(prefix=".tmp_", suffix=".wav", dir=folder)
                os.close(fd)
                # mkstemp makes it private; the result is not
                os.chmod(tmp, 0o666 & ~current_umask())
                self.tmp_paths.append(tmp)
                self.files.append(
                    sf.SoundFile(tmp, "w", self.sample_rate, 1, self.subtype, format="WAV")
                )
        for writer, source in zip(self.files, est):
            if source.size:
                writer.write(source)

    def commit(self, force_overwrite) -> List[str]:
        for writer in self.files:
            writer.close()
        paths = _output_paths(self.filename, self.output_dir, len(self.tmp_paths))
        existing = [p for p in paths if os.path.exists(p)]
        if existing and not force_overwrite:
            raise FileExistsError(
                f"{existing[0]} already exists; pass force_overwrite=True (--force-overwrite) "
                "to replace it."
            )
        for tmp, path in zip(self.tmp_paths, paths):
            os.replace(tmp, path)
        self.tmp_paths = []
        return paths

    def discard(self):
        for writer in self.files:
            if not writer.closed:
                writer.close()
        for tmp in self.tmp_paths:
            if os.path.exists(tmp):
                os.remove(tmp)
        self.tmp_paths = []
