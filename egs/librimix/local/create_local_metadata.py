"""Copy the metadata of a generated Libri{n}Mix into the recipe's data folder.

LibriMix writes ``Libri{n}Mix/wav{8,16}k/{min,max}/metadata/mixture_<split>_<type>.csv``;
the recipes read one folder per split: ``<out_dir>/wav{8,16}k/{min,max}/<split>/`` holding
that split's CSVs (what :class:`asteroid.data.LibriMix` takes as ``csv_dir``). Existing
files are kept unless ``--force`` is given.
"""

import argparse
import os
import re
import shutil

PATTERN = re.compile(r"^(mixture|metrics)_(?P<split>.+)_mix_(clean|both|single)\.csv$")


def copy_metadata(librimix_dir, out_dir, force=False):
    """Copy every metadata CSV; returns ``(copied, kept)`` counts."""
    if not os.path.isdir(librimix_dir):
        raise FileNotFoundError(f"LibriMix folder {librimix_dir} does not exist.")
    copied = kept = 0
    for freq in sorted(os.listdir(librimix_dir)):
        for mode in ("min", "max"):
            md_dir = os.path.join(librimix_dir, freq, mode, "metadata")
            if not freq.startswith("wav") or not os.path.isdir(md_dir):
                continue
            for name in sorted(os.listdir(md_dir)):
                match = PATTERN.match(name)
                if not match:
                    continue
                split_dir = os.path.join(out_dir, freq, mode, match.group("split"))
                os.makedirs(split_dir, exist_ok=True)
                target = os.path.join(split_dir, name)
                if os.path.isfile(target) and not force:
                    kept += 1
                    continue
                shutil.copyfile(os.path.join(md_dir, name), target)
                copied += 1
    if copied + kept == 0:
        raise FileNotFoundError(
            f"No metadata CSV under {librimix_dir}/wav*k/{{min,max}}/metadata/: is it a "
            f"generated Libri{{n}}Mix folder?"
        )
    return copied, kept


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--librimix_dir", required=True, help="the Libri{n}Mix folder")
    parser.add_argument("--out_dir", default="data", help="the recipe's data folder")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    copied, kept = copy_metadata(args.librimix_dir, args.out_dir, args.force)
    print(f"{copied} metadata files copied to {args.out_dir}, {kept} already there (kept).")


if __name__ == "__main__":
    main()
