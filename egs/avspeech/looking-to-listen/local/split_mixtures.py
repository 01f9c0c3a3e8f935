"""Split the AVSpeech mixture table into train/valid/test tables, checking every file.

The table (``video_i``, ``audio_i`` and ``mixed_audio`` columns) is shuffled with a fixed
seed and cut by ``--valid_prop`` and ``--test_prop``; each speaker's face embedding
``<embed_dir>/<video stem>_part<k>.npy`` must exist. Existing tables are kept unless
``--force``.
"""

import argparse
import os
import re
import sys

import pandas as pd


def check_row(row, n_src, embed_dir):
    for i in range(1, n_src + 1):
        audio = row[f"audio_{i}"]
        part = re.search(r"_part(\d)", str(audio))
        stem = os.path.splitext(os.path.basename(row[f"video_{i}"]))[0]
        embedding = os.path.join(embed_dir, f"{stem}_part{part.group(1) if part else 0}.npy")
        for path in (audio, embedding):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{path} (mixture {row['mixed_audio']}) does not exist.")
    if not os.path.isfile(row["mixed_audio"]):
        raise FileNotFoundError(f"{row['mixed_audio']} does not exist.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mixtures_csv", required=True)
    parser.add_argument("--embed_dir", required=True)
    parser.add_argument("--out_dir", default="data")
    parser.add_argument("--n_src", type=int, default=2)
    parser.add_argument("--valid_prop", type=float, default=0.1)
    parser.add_argument("--test_prop", type=float, default=0.1)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    targets = {s: os.path.join(args.out_dir, f"{s}.csv") for s in ("train", "valid", "test")}
    if all(os.path.isfile(t) for t in targets.values()) and not args.force:
        print(f"The tables of {args.out_dir} exist: kept.")
        return
    table = pd.read_csv(args.mixtures_csv)
    for _, row in table.iterrows():
        check_row(row, args.n_src, args.embed_dir)
    table = table.sample(frac=1.0, random_state=0).reset_index(drop=True)
    n_valid = max(1, round(len(table) * args.valid_prop))
    n_test = max(1, round(len(table) * args.test_prop))
    if n_valid + n_test >= len(table):
        sys.exit(f"split_mixtures: error: {len(table)} mixtures are too few to split.")
    os.makedirs(args.out_dir, exist_ok=True)
    parts = {
        "valid": table[:n_valid],
        "test": table[n_valid : n_valid + n_test],
        "train": table[n_valid + n_test :],
    }
    for split, part in parts.items():
        part.to_csv(targets[split], index=False)
        print(f"{targets[split]}: {len(part)} mixtures")


if __name__ == "__main__":
    main()
