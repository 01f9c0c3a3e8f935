"""Write the JSON lists that WhamDataset reads, from a WHAM! (or WHAMR!) folder.

For every split folder ``<in_dir>/{tr,cv,tt}`` and every audio sub-folder of it (``mix_clean``,
``s1``, ``noise``, ...), writes ``<out_dir>/<split>/<sub-folder>.json``: the list of
``[wav_path, n_samples]`` of its WAV files, sorted by file name (so that the lists of one
split are aligned). Lists that exist are kept unless ``--force`` is given.
"""

import argparse
import json
import os

import soundfile as sf
from tqdm import tqdm

SPLITS = ("tr", "cv", "tt")


def wav_list(folder):
    """``[[absolute path, n_samples], ...]`` of the WAV files of ``folder``, by name."""
    names = sorted(f for f in os.listdir(folder) if f.endswith(".wav"))
    return [
        [os.path.abspath(os.path.join(folder, f)), sf.info(os.path.join(folder, f)).frames]
        for f in names
    ]


def preprocess(in_dir, out_dir, force=False):
    """Write the lists; returns the number of lists written."""
    if not os.path.isdir(in_dir):
        raise FileNotFoundError(f"{in_dir} does not exist.")
    splits = [s for s in SPLITS if os.path.isdir(os.path.join(in_dir, s))]
    if not splits:
        raise FileNotFoundError(f"{in_dir} has none of the split folders {SPLITS}.")
    jobs = []
    for split in splits:
        split_dir = os.path.join(in_dir, split)
        for sub in sorted(os.listdir(split_dir)):
            if os.path.isdir(os.path.join(split_dir, sub)):
                jobs.append((split, sub))
    written = 0
    for split, sub in tqdm(jobs, desc=f"Listing {in_dir}", unit="folder"):
        target = os.path.join(out_dir, split, sub + ".json")
        if os.path.isfile(target) and not force:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as fh:
            json.dump(wav_list(os.path.join(in_dir, split, sub)), fh, indent=1)
        written += 1
    return written, len(jobs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in_dir", required=True, help="e.g. <wham>/wav8k/min")
    parser.add_argument("--out_dir", required=True, help="e.g. data/wav8k/min")
    parser.add_argument("--force", action="store_true", help="rewrite existing lists")
    written, total = preprocess(**vars(parser.parse_args(argv)))
    print(f"{written} lists written, {total - written} already there (kept).")


if __name__ == "__main__":
    main()
