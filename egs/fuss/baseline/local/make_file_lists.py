"""Write the FUSS file lists the recipe reads, with absolute paths.

FUSS ships ``<fuss_dir>/<split>_example_list.txt`` (``train``, ``validation``, ``eval``): one
tab-separated line per mixture, ``mixture, background, foreground...``, paths relative to
``fuss_dir``. This writes ``<out_dir>/<split>.txt`` with every path made absolute and checked.
Existing lists are kept unless ``--force``.
"""

import argparse
import os
import sys

SPLITS = ("train", "validation", "eval")


def absolute_lines(fuss_dir, list_path):
    lines = []
    with open(list_path) as fh:
        for number, line in enumerate(fh, start=1):
            fields = [f for f in line.rstrip("\n").split("\t") if f]
            if len(fields) < 2:
                raise ValueError(f"{list_path}:{number}: a mixture and a background are needed.")
            paths = [
                f if os.path.isabs(f) else os.path.abspath(os.path.join(fuss_dir, f))
                for f in fields
            ]
            missing = [p for p in paths if not os.path.isfile(p)]
            if missing:
                raise FileNotFoundError(f"{list_path}:{number}: {missing[0]} does not exist.")
            lines.append("\t".join(paths))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fuss_dir", required=True, help="e.g. <storage>/fuss_dev/ssdata_reverb")
    parser.add_argument("--out_dir", default="data")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    lists = {s: os.path.join(args.fuss_dir, f"{s}_example_list.txt") for s in SPLITS}
    lists = {s: path for s, path in lists.items() if os.path.isfile(path)}
    if not lists:
        sys.exit(f"make_file_lists: error: no <split>_example_list.txt in {args.fuss_dir}")
    os.makedirs(args.out_dir, exist_ok=True)
    for split, source in lists.items():
        target = os.path.join(args.out_dir, f"{split}.txt")
        if os.path.isfile(target) and not args.force:
            print(f"{target} exists: kept.")
            continue
        lines = absolute_lines(args.fuss_dir, source)
        with open(target, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print(f"{target}: {len(lines)} mixtures")


if __name__ == "__main__":
    main()
