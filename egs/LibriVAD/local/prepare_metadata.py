"""Copy the LibriVAD metadata (``<split>.json``) into the recipe's data folder, checked.

Every record needs ``mixture_path`` (an existing file) and ``VAD`` (``start``/``stop`` lists
of sample indices of equal length). Existing copies are kept unless ``--force``.
"""

import argparse
import json
import os

SPLITS = ("train", "dev", "test")


def check_records(path):
    with open(path) as fh:
        records = json.load(fh)
    for i, rec in enumerate(records):
        vad = rec.get("VAD") or {}
        if not os.path.isfile(rec.get("mixture_path", "")):
            raise FileNotFoundError(
                f"Record {i} of {path}: no audio file {rec.get('mixture_path')!r}."
            )
        if len(vad.get("start", [])) != len(vad.get("stop", [None])):
            raise ValueError(f"Record {i} of {path}: VAD start and stop lists differ in length.")
    return records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--metadata_dir", required=True, help="LibriVAD's metadata folder")
    parser.add_argument("--out_dir", default="data", help="the recipe's data folder")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), help="the splits to copy")
    parser.add_argument("--force", action="store_true", help="replace existing copies")
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    for split in args.splits:
        target = os.path.join(args.out_dir, f"{split}.json")
        if os.path.isfile(target) and not args.force:
            print(f"{target} exists: kept.")
        else:
            records = check_records(os.path.join(args.metadata_dir, f"{split}.json"))
            with open(target, "w") as fh:
                json.dump(records, fh, indent=1)
            print(f"{target}: {len(records)} files")


if __name__ == "__main__":
    main()
