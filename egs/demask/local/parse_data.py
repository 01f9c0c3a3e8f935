"""List the audio files of a folder (recursively) with their length, as JSON.

Writes ``[{"file": absolute path, "length": n_samples}, ...]`` sorted by path, for the files
matching ``--pattern`` (e.g. ``*.flac`` for LibriSpeech, ``*.wav`` for the FUSS RIRs). An
existing list is kept unless ``--force``.
"""

import argparse
import glob
import json
import os
import sys

import soundfile as sf
from tqdm import tqdm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input_dir", required=True)
    parser.add_argument("--output_json", required=True)
    parser.add_argument("--pattern", default="*.wav")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    files = sorted(glob.glob(os.path.join(args.input_dir, "**", args.pattern), recursive=True))
    if os.path.isfile(args.output_json) and not args.force:
        print(f"{args.output_json} exists: kept.")
    elif not files:
        sys.exit(f"parse_data: error: no {args.pattern} file under {args.input_dir}")
    else:
        os.makedirs(os.path.dirname(os.path.abspath(args.output_json)), exist_ok=True)
        entries = [
            {"file": os.path.abspath(f), "length": sf.info(f).frames}
            for f in tqdm(files, desc=args.input_dir)
        ]
        with open(args.output_json, "w") as fh:
            json.dump(entries, fh, indent=1)
        print(f"{args.output_json}: {len(entries)} files")


if __name__ == "__main__":
    main()
