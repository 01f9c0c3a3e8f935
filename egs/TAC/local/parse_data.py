"""Index the ad-hoc array corpus of TAC (``MC_Libri_<type>/<split>``) into a JSON list.

The corpus holds ``<n>mic/sample<k>/{mixture,spk1,spk2}_mic<m>.wav``. Each example becomes
``{"<m>": {"mixture": path, "spk1": path, "spk2": path, "length": n_samples}, ...}``, one
entry per microphone. An existing list is kept unless ``--force``.
"""

import argparse
import glob
import json
import os
import re
import sys

import soundfile as sf
from tqdm import tqdm

NAME = re.compile(r"^(mixture|spk\d+)_mic(\d+)\.wav$")


def parse_example(folder):
    mics = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.wav"))):
        match = NAME.match(os.path.basename(path))
        if not match:
            continue
        role, mic = match.group(1), match.group(2)
        length = sf.info(path).frames
        entry = mics.setdefault(mic, {"length": length})
        if entry["length"] != length:
            raise ValueError(
                f"{path} has {length} samples, the other files of mic {mic} {entry['length']}."
            )
        entry[role] = os.path.abspath(path)
    for mic, entry in mics.items():
        if "mixture" not in entry or "spk1" not in entry:
            raise ValueError(f"{folder}: mic {mic} lacks its mixture or spk1 file.")
    return mics


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in_dir", required=True, help="e.g. <storage>/MC_Libri_adhoc/train")
    parser.add_argument("--out_json", required=True)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if os.path.isfile(args.out_json) and not args.force:
        print(f"{args.out_json} exists: kept.")
        return
    folders = sorted(glob.glob(os.path.join(args.in_dir, "*mic", "sample*")))
    if not folders:
        sys.exit(f"parse_data: error: no <n>mic/sample<k> folder in {args.in_dir}")
    examples = [parse_example(f) for f in tqdm(folders, desc=f"Indexing {args.in_dir}")]
    os.makedirs(os.path.dirname(os.path.abspath(args.out_json)), exist_ok=True)
    with open(args.out_json, "w") as fh:
        json.dump(examples, fh, indent=1)
    print(f"{args.out_json}: {len(examples)} examples")


if __name__ == "__main__":
    main()
