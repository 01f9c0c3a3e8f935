"""Your own WAV files as a dataset, in one of two layouts, checked before anything uses them.

Layout ``"mixtures"``: mixtures with their reference sources, one folder per source::

    folder/
        mix/a.wav  mix/b.wav  ...      (or the mixtures directly in folder/: a.wav b.wav ...)
        s1/a.wav   s1/b.wav   ...      the first source of each mixture, same file name
        s2/a.wav   s2/b.wav   ...      the second source (s3/, s4/, ... for more sources)

The mixtures are in ``mix/`` when that folder exists, else directly in ``folder/`` (WAV files in
both places are an error: which ones are the mixtures would be a guess). A mixture and its
references have the same number of samples.

Layout ``"utterances"``: single-speaker recordings, one folder per speaker, mixed on the fly into
mixtures of ``n_src`` distinct speakers (see :class:`~asteroid.data.dynamic_mixing.DynamicMixing`)::

    folder/
        alice/001.wav  alice/002.wav  ...
        bob/001.wav    bob/chapter2/007.wav  ...     (WAVs at any depth below a speaker folder)

Every file is mono, readable, and at one sample rate (the requested one, when one is asked for).
:func:`validate_folder` checks all of that up front and raises a :class:`FolderError` listing
every problem with the files it concerns; :func:`detect_layout` tells the layouts apart (an
``s1/`` or ``mix/`` folder means mixtures, speaker subfolders mean utterances).
"""

import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
import torch
from torch.utils.data import Dataset

from .audio import AudioFileError, audio_info, random_start, read_audio
from .metadata import drop_short

__all__ = [
    "LAYOUTS",
    "FolderError",
    "FolderContents",
    "MixtureFiles",
    "detect_layout",
    "scan_folder",
    "validate_folder",
    "FolderMixtures",
    "FolderUtterances",
    "FrozenMixtures",
]

#: The folder layouts (see the module docstring).
LAYOUTS = ("mixtures", "utterances")
#: Problems listed in a :class:`FolderError` message before "... and N more".
MAX_PROBLEMS = 20
#: Files named in one problem before "and N more".
MAX_FILES = 5

_SOURCE_DIR = re.compile(r"^s([1-9][0-9]*)$")


class FolderError(ValueError):
    """A data folder that cannot be used as it is; the message lists every problem.

    Args:
        folder (str): the folder.
        problems (list of str): one line per problem, naming the files (relative to ``folder``).

    Attributes:
        folder (str): the folder.
        problems (list of str): all the problems (the message lists the first
            :data:`MAX_PROBLEMS`).
    """

    def __init__(self, folder, problems):
        self.folder = folder
        self.problems = list(problems)
        lines = [f"{folder}: {_count(len(self.problems), 'problem')}:"]
        lines += [f"  - {p}" for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"  ... and {len(self.problems) - MAX_PROBLEMS} more problems")
        super().__init__("\n".join(lines))


@dataclass
class MixtureFiles:
    """One mixture of the ``"mixtures"`` layout: its name, files and length in samples."""

    name: str
    mixture: str
    sources: List[str]
    length: int


@dataclass
class FolderContents:
    """What :func:`scan_folder` found in a folder.

    Attributes:
        root (str): the folder.
        layout (str or None): ``"mixtures"`` or ``"utterances"`` (``None`` if neither fits).
        sample_rate (int or None): the rate of the files, when they share one.
        n_src (int or None): reference folders (``"mixtures"``) or the requested ``n_src``.
        mixtures (list of MixtureFiles): the complete, consistent mixtures (``"mixtures"``).
        utterances (list of tuple): ``(speaker, path, length)`` (``"utterances"``).
        problems (list of str): everything wrong, naming the files; empty for a usable folder.
    """

    root: str
    layout: Optional[str] = None
    sample_rate: Optional[int] = None
    n_src: Optional[int] = None
    mixtures: List[MixtureFiles] = field(default_factory=list)
    utterances: List[tuple] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- helpers


def _count(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _listing(names, limit=MAX_FILES):
    """``"a, b, c and 4 more"``."""
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _span(n_src):
    """``"s1/"`` or ``"s1/ to s3/"``."""
    return "s1/" if n_src == 1 else f"s1/ to s{n_src}/"


def _is_wav(name):
    return name.lower().endswith(".wav") and not name.startswith(".")


def _wavs_in(folder):
    """Sorted names of the WAV files directly in ``folder`` (hidden files left out)."""
    return sorted(
        n for n in os.listdir(folder) if _is_wav(n) and os.path.isfile(os.path.join(folder, n))
    )


def _wavs_below(folder):
    """Sorted paths (relative to ``folder``) of the WAV files at any depth below ``folder``."""
    found = []
    for base, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(base, folder)
        found += [os.path.normpath(os.path.join(rel, n)) for n in names if _is_wav(n)]
    return sorted(found)


def _subfolders(folder):
    return sorted(
        d
        for d in os.listdir(folder)
        if not d.startswith(".") and os.path.isdir(os.path.join(folder, d))
    )


class _Prober:
    """Reads the headers of a folder's files and gathers the problems of single files."""

    def __init__(self, root, sample_rate):
        self.root = root
        self.sample_rate = sample_rate
        self.rates = {}  # rel path -> rate, readable files only
        self.unreadable = []
        self.not_mono = []

    def __call__(self, rel):
        """``(rate, frames)`` of ``rel``, or ``None`` when it cannot be used."""
        path = os.path.join(self.root, rel)
        try:
            info = audio_info(path)
        except (AudioFileError, OSError) as err:
            reason = str(err).replace(path, rel).rstrip(".")
            prefix = f"Cannot read audio file {rel}: "
            reason = reason[len(prefix) :] if reason.startswith(prefix) else reason
            self.unreadable.append(f"{rel} cannot be read: {reason}")
            return None
        self.rates[rel] = int(info.samplerate)
        if info.channels != 1:
            self.not_mono.append(f"{rel} ({info.channels} channels)")
            return None
        return int(info.samplerate), int(info.frames)

    def problems(self):
        """The problems of single files, then those of the sample rates."""
        out = list(self.unreadable)
        if self.not_mono:
            out.append(
                f"{_count(len(self.not_mono), 'file')} not mono (only single-channel files are "
                f"supported): {_listing(self.not_mono)}"
            )
        by_rate = {}
        for rel, rate in self.rates.items():
            by_rate.setdefault(rate, []).append(rel)
        if self.sample_rate is not None:
            for rate, rels in sorted(by_rate.items()):
                if rate != self.sample_rate:
                    out.append(
                        f"{_count(len(rels), 'file')} at {rate} Hz instead of the requested "
                        f"{self.sample_rate} Hz: {_listing(sorted(rels))}"
                    )
        elif len(by_rate) > 1:
            # The rarest rates first: those files are most likely the odd ones.
            groups = sorted(by_rate.items(), key=lambda kv: (len(kv[1]), kv[0]))
            described = "; ".join(
                f"{rate} Hz: {_count(len(rels), 'file')} ({_listing(sorted(rels))})"
                for rate, rels in groups
            )
            out.append(f"files at different sample rates (resample them to one rate): {described}")
        return out

    def common_rate(self):
        rates = set(self.rates.values())
        return rates.pop() if len(rates) == 1 else None


# ----------------------------------------------------------------------------- layouts


def _layout_of(root):
    """``(layout, problem)``: the layout that fits ``root``, else ``None`` and why."""
    if os.path.isdir(os.path.join(root, "s1")) or os.path.isdir(os.path.join(root, "mix")):
        return "mixtures", None
    speakers = [d for d in _subfolders(root) if _wavs_below(os.path.join(root, d))]
    if speakers:
        return "utterances", None
    top = _wavs_in(root)
    if not top:
        return None, "no WAV file in the folder or its subfolders"
    return None, (
        f"{_count(len(top), 'WAV file')} directly in the folder ({_listing(top)}) but no "
        f"reference folder s1/: the mixtures layout needs s1/, s2/, ... holding each "
        f"mixture's sources under the mixture's file name (the utterances layout needs one "
        f"subfolder per speaker)"
    )


def detect_layout(folder):
    """The layout of ``folder``: ``"mixtures"`` if it has ``s1/`` or ``mix/``, else
    ``"utterances"`` if it has subfolders holding WAV files.

    Raises:
        FolderError: the folder does not exist, or neither layout fits (the message says why).
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FolderError(folder, ["no such folder"])
    layout, problem = _layout_of(folder)
    if layout is None:
        raise FolderError(folder, [problem])
    return layout


def _scan_mixtures(contents, prober, n_src):
    root = contents.root
    problems = contents.problems
    source_dirs = {}
    for name in _subfolders(root):
        match = _SOURCE_DIR.match(name)
        if match:
            source_dirs[int(match.group(1))] = name
    found = sorted(source_dirs)
    if not found:
        problems.append(
            "no reference folder s1/: the mixtures layout needs s1/, s2/, ... holding each "
            "mixture's sources under the mixture's file name"
        )
    elif found != list(range(1, len(found) + 1)):
        missing = sorted(set(range(1, max(found) + 1)) - set(found))
        problems.append(
            f"reference folders {', '.join(source_dirs[k] + '/' for k in found)} skip "
            f"{', '.join(f's{k}/' for k in missing)} (number them s1/, s2/, ... without gaps)"
        )
    n_found = max(found) if found else 0
    if n_src is not None and found and n_found != n_src:
        problems.append(
            f"{_count(n_found, 'reference folder')} ({_span(n_found)}) but {n_src} sources "
            f"were asked for (n_src={n_src})"
        )
    contents.n_src = n_found or None

    mix_dir = "mix" if os.path.isdir(os.path.join(root, "mix")) else ""
    names = _wavs_in(os.path.join(root, mix_dir))
    if mix_dir and _wavs_in(root):
        problems.append(
            f"WAV files both in mix/ and directly in the folder ({_listing(_wavs_in(root))}): "
            f"keep the mixtures in mix/ only"
        )
    if not names:
        where = "mix/" if mix_dir else "the folder (nor in a mix/ subfolder)"
        problems.append(f"no mixture: no WAV file in {where}")

    refs = {k: set(_wavs_in(os.path.join(root, source_dirs[k]))) for k in found}
    for k in found:
        lacking = [n for n in names if n not in refs[k]]
        if lacking:
            problems.append(
                f"{_count(len(lacking), 'mixture')} without a reference in {source_dirs[k]}/: "
                f"{_listing([os.path.join(source_dirs[k], n) for n in lacking])} missing "
                f"(each mixture needs {_span(n_found)} files of its own name)"
            )
        orphans = sorted(refs[k] - set(names))
        if orphans and names:
            problems.append(
                f"{_count(len(orphans), 'file')} in {source_dirs[k]}/ without a mixture of the "
                f"same name: {_listing([os.path.join(source_dirs[k], n) for n in orphans])}"
            )

    unequal = []
    for name in names:
        mix_rel = os.path.join(mix_dir, name)
        mix_info = prober(mix_rel)
        src_rels = [os.path.join(source_dirs[k], name) for k in found if name in refs[k]]
        src_infos = [prober(rel) for rel in src_rels]
        if mix_info is None or None in src_infos or len(src_rels) != len(found) or not found:
            continue
        differing = [
            f"{rel} {info[1]}"
            for rel, info in zip(src_rels, src_infos)
            if info[1] != mix_info[1] and info[0] == mix_info[0]
        ]
        if differing:
            unequal.append(f"{mix_rel} {mix_info[1]} vs {', '.join(differing)}")
            continue
        if len({info[0] for info in src_infos} | {mix_info[0]}) == 1:
            paths = [os.path.join(root, rel) for rel in src_rels]
            contents.mixtures.append(
                MixtureFiles(name, os.path.join(root, mix_rel), paths, mix_info[1])
            )
    if unequal:
        problems.append(
            f"{_count(len(unequal), 'mixture')} whose references differ in length (samples): "
            f"{_listing(unequal)}"
        )


def _scan_utterances(contents, prober, n_src):
    root = contents.root
    problems = contents.problems
    top = _wavs_in(root)
    if top:
        problems.append(
            f"{_count(len(top), 'WAV file')} directly in the folder belong to no speaker "
            f"({_listing(top)}): put each speaker's recordings in a subfolder of its own"
        )
    speakers = []
    for speaker in _subfolders(root):
        rels = [os.path.join(speaker, r) for r in _wavs_below(os.path.join(root, speaker))]
        if rels:
            speakers.append(speaker)
        for rel in rels:
            info = prober(rel)
            if info is not None:
                contents.utterances.append((speaker, os.path.join(root, rel), info[1]))
    if not speakers:
        problems.append("no speaker subfolder holding WAV files")
    elif n_src is not None and len(speakers) < n_src:
        problems.append(
            f"{_count(len(speakers), 'speaker folder')} ({_listing(speakers)}) but mixtures of "
            f"{n_src} distinct speakers were asked for (n_src={n_src})"
        )
    contents.n_src = n_src


def scan_folder(folder, layout=None, n_src=None, sample_rate=None):
    """Inspect a data folder and gather every problem (nothing is raised for a bad folder).

    Reads the header of every file (not the audio).

    Args:
        folder (str): the folder.
        layout (str, optional): ``"mixtures"`` or ``"utterances"``; ``None`` detects it.
        n_src (int, optional): sources per mixture: the number of reference folders to
            expect (``"mixtures"``), or the speakers a mixture needs (``"utterances"``).
        sample_rate (int, optional): the rate every file must have; ``None`` asks only that
            all files share one rate.

    Returns:
        FolderContents: the usable files, and ``problems`` (empty when the folder is usable).
    """
    root = os.fspath(folder)
    contents = FolderContents(root=root)
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; expected one of {list(LAYOUTS)}.")
    if not os.path.isdir(root):
        contents.problems.append("no such folder")
        return contents
    if not _wavs_below(root):
        contents.problems.append("no WAV file in the folder or its subfolders")
        return contents
    if layout is None:
        layout, problem = _layout_of(root)
        if layout is None:
            contents.problems.append(problem)
            return contents
    contents.layout = layout
    prober = _Prober(root, sample_rate)
    scan = _scan_mixtures if layout == "mixtures" else _scan_utterances
    scan(contents, prober, n_src)
    contents.problems += prober.problems()
    contents.sample_rate = prober.common_rate() if sample_rate is None else int(sample_rate)
    return contents


def validate_folder(folder, layout=None, n_src=None, sample_rate=None):
    """Check a data folder up front; see :func:`scan_folder` for the arguments.

    Returns:
        FolderContents: the folder's usable files (no problems).

    Raises:
        FolderError: listing every problem found, each naming its files: no such folder,
            no WAV file, neither layout fits, mixtures without references (or references
            without mixtures), a mixture and its references of different lengths, unreadable
            or multi-channel files, a mix of sample rates, a rate other than ``sample_rate``,
            too few reference folders or speakers for ``n_src``.
    """
    contents = scan_folder(folder, layout=layout, n_src=n_src, sample_rate=sample_rate)
    if contents.problems:
        raise FolderError(os.fspath(folder), contents.problems)
    return contents


# ----------------------------------------------------------------------------- datasets


def _folder_infos(folder, task):
    return {
        "dataset": f"own data ({os.path.basename(os.path.abspath(folder))})",
        "task": task,
        "licenses": [],
    }


class FolderMixtures(Dataset):
    """Mixtures and their references from a folder of the ``"mixtures"`` layout.

    The folder is checked with :func:`validate_folder` when the dataset is built.

    Args:
        folder (str): the folder (``mix/`` or top-level mixtures, and ``s1/``, ``s2/``, ...).
        n_src (int, optional): expected number of sources; ``None`` takes the number of
            reference folders.
        sample_rate (int, optional): expected rate of the files; ``None`` takes the files'
            common rate.
        segment (float, optional): length of the items in seconds; mixtures shorter than it
            are dropped (with a logged warning), and a segment longer than every mixture is
            an error. ``None`` gives whole files.
        random_crop (bool): cut each segment at a random start (training); if False, cut the
            middle of the file, the same segment every time (validation).
        return_id (bool): also return the mixture's file name (without extension).

    Items are ``(mixture, sources)``, float32 tensors ``(time,)`` and ``(n_src, time)``
    (plus the name with ``return_id``).

    Attributes:
        sample_rate (int): the files' rate.
        n_src (int): number of sources.
        mixtures (list of MixtureFiles): the mixtures kept.
    """

    dataset_name = "FolderMixtures"

    def __init__(
        self, folder, n_src=None, sample_rate=None, segment=None, random_crop=True, return_id=False
    ):
        contents = validate_folder(folder, "mixtures", n_src=n_src, sample_rate=sample_rate)
        self.folder = os.fspath(folder)
        self.sample_rate = contents.sample_rate
        self.n_src = contents.n_src
        self.segment = segment
        self.random_crop = random_crop
        self.return_id = return_id
        self.seg_len = None if segment is None else int(round(segment * self.sample_rate))
        lengths = [m.length for m in contents.mixtures]
        keep = drop_short(lengths, self.seg_len, self.sample_rate, self.folder)
        self.mixtures = [contents.mixtures[i] for i in keep]

    def __len__(self):
        return len(self.mixtures)

    def __getitem__(self, idx):
        """Mixture ``(time,)`` and sources ``(n_src, time)`` of item ``idx`` (float32 tensors)."""
        item = self.mixtures[idx]
        if self.seg_len is None:
            start, stop = 0, item.length
        else:
            if self.random_crop:
                start = random_start(item.length, self.seg_len)
            else:
                start = (item.length - self.seg_len) // 2
            stop = start + self.seg_len
        kwargs = dict(sample_rate=self.sample_rate, channels=1)
        mixture = read_audio(item.mixture, start, stop, **kwargs)
        sources = np.stack([read_audio(path, start, stop, **kwargs) for path in item.sources])
        out = (torch.from_numpy(mixture), torch.from_numpy(sources))
        return out + (os.path.splitext(item.name)[0],) if self.return_id else out

    def get_infos(self):
        """Dataset infos for model cards: ``dataset`` (the folder's name), ``task``, ``licenses``."""
        return _folder_infos(self.folder, "sep_clean" if self.n_src > 1 else "enh_single")


class FolderUtterances(Dataset):
    """Single-speaker utterances from a folder of the ``"utterances"`` layout.

    The base dataset of :class:`~asteroid.data.dynamic_mixing.DynamicMixing`, which mixes its
    items into mixtures of distinct speakers (it finds their speakers with
    :meth:`source_speaker`). The folder is checked with :func:`validate_folder` when the
    dataset is built.

    Args:
        folder (str): the folder (one subfolder per speaker, WAV files at any depth below it).
        n_src (int, optional): speakers per mixture; fewer speaker folders is an error.
        sample_rate (int, optional): expected rate of the files; ``None`` takes the files'
            common rate.

    Items are ``(utterance, utterance[None])``: float32 tensors ``(time,)`` and ``(1, time)``,
    whole files.

    Attributes:
        sample_rate (int): the files' rate.
        paths (list of str): the utterances' files.
        speakers (list of str): the speaker (folder name) of each utterance.
        lengths (list of int): the length of each utterance, in samples.
    """

    dataset_name = "FolderUtterances"

    def __init__(self, folder, n_src=None, sample_rate=None):
        contents = validate_folder(folder, "utterances", n_src=n_src, sample_rate=sample_rate)
        self.folder = os.fspath(folder)
        self.sample_rate = contents.sample_rate
        self.n_src = n_src
        self.speakers = [u[0] for u in contents.utterances]
        self.paths = [u[1] for u in contents.utterances]
        self.lengths = [u[2] for u in contents.utterances]

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, idx):
        """Utterance ``idx`` as ``(time,)`` and ``(1, time)`` float32 tensors."""
        wav = torch.from_numpy(
            read_audio(self.paths[idx], sample_rate=self.sample_rate, channels=1)
        )
        return wav, wav[None]

    def source_speaker(self, item_idx, src_idx=0):
        """The speaker of item ``item_idx`` (``src_idx`` is always 0: one source per item).

        :class:`~asteroid.data.dynamic_mixing.DynamicMixing` uses this method to mix distinct
        speakers.
        """
        return self.speakers[item_idx]

    def get_infos(self):
        """Dataset infos for model cards: ``dataset`` (the folder's name), ``task``, ``licenses``."""
        return _folder_infos(self.folder, "sep_clean")


class FrozenMixtures(Dataset):
    """The same mixtures at every epoch from a dynamic-mixing dataset (validation, test).

    Item ``i`` is ``mixing[(epoch, i)]``, which
    :class:`~asteroid.data.dynamic_mixing.DynamicMixing` draws from a generator seeded by
    ``(seed, epoch, i)``: the same mixture in every epoch, every worker and every run.

    Args:
        mixing (DynamicMixing): the dataset whose draws are frozen.
        epoch (int): the epoch number whose draws are used.

    Items are those of ``mixing``: ``(mixture [time], sources [n_src, time])``.
    """

    def __init__(self, mixing, epoch=0):
        self.mixing = mixing
        self.epoch = int(epoch)
        self.n_src = mixing.n_src
        self.sample_rate = mixing.sample_rate

    def __len__(self):
        return len(self.mixing)

    def __getitem__(self, idx):
        """Mixture ``idx`` of the frozen epoch."""
        if not 0 <= idx < len(self):
            raise IndexError(f"Index {idx} out of range for {len(self)} mixtures.")
        return self.mixing[(self.epoch, idx)]

    def get_infos(self):
        """The infos of the wrapped dataset."""
        return self.mixing.get_infos()
