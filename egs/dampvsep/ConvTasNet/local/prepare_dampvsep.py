"""Make a DAMP-VSEP folder readable by DAMPVSEPSinglesDataset, and check it.

The DAMP-VSEP-Singles scripts write ``<root>/metadata/<split>_sr<rate>.json``; the corpus's
audio is partly M4A, which soundfile cannot read: every listed ``.m4a`` file is converted to
FLAC next to it with ffmpeg (once), and the metadata is rewritten to point at the FLAC files
(the original is kept as ``<name>.json.m4a``). Then every listed file must exist.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

from tqdm import tqdm

AUDIO_FIELDS = ("vocal", "background", "original_mix")


def convert_m4a(root, metadata_path):
    with open(metadata_path) as fh:
        tracks = json.load(fh)
    todo = [
        (perf, field)
        for perf, infos in tracks.items()
        for field in AUDIO_FIELDS
        if str(infos.get(field, "")).lower().endswith(".m4a")
    ]
    if not todo:
        return 0
    if shutil.which("ffmpeg") is None:
        raise RuntimeError(
            f"{metadata_path} lists M4A files: install ffmpeg to convert them to FLAC."
        )
    for perf, field in tqdm(todo, desc=f"M4A -> FLAC ({os.path.basename(metadata_path)})"):
        source = tracks[perf][field]
        target = os.path.splitext(source)[0] + ".flac"
        if not os.path.isfile(os.path.join(root, target)):
            subprocess.run(
                [
                    "ffmpeg",
                    "-loglevel",
                    "error",
                    "-i",
                    os.path.join(root, source),
                    os.path.join(root, target),
                ],
                check=True,
            )
        tracks[perf][field] = target
    shutil.copyfile(metadata_path, metadata_path + ".m4a")
    with open(metadata_path, "w") as fh:
        json.dump(tracks, fh, indent=1)
    return len(todo)


def check(root, metadata_path):
    with open(metadata_path) as fh:
        tracks = json.load(fh)
    for perf, infos in tracks.items():
        for field in AUDIO_FIELDS:
            path = os.path.join(root, infos[field])
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"{metadata_path}: performance {perf!r} lists {path}, which does not exist."
                )
    return len(tracks)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the DAMP-VSEP folder")
    parser.add_argument("--splits", nargs="+", default=["train_singles", "valid", "test"])
    parser.add_argument("--sample_rate", type=int, default=16000)
    args = parser.parse_args(argv)
    for split in args.splits:
        path = os.path.join(args.root, "metadata", f"{split}_sr{args.sample_rate}.json")
        if not os.path.isfile(path):
            sys.exit(
                f"prepare_dampvsep: error: {path} does not exist: generate the metadata first."
            )
        converted = convert_m4a(args.root, path)
        print(f"{path}: {check(args.root, path)} performances ({converted} files converted)")


if __name__ == "__main__":
    main()
