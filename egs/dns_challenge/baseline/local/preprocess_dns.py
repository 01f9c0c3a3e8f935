"""Index a DNS Challenge folder into the ``file_infos.json`` that the recipe reads.

The DNS synthesizer writes ``clean/``, ``noise/`` and ``noisy/`` folders whose files share a
``fileid_<k>`` suffix (noisy names also carry the SNR: ``..._snr<snr>_..._fileid_<k>.wav``).
This writes ``<json_dir>/file_infos.json``: ``{k: {"mix", "clean", "noise", "snr",
"file_len"}}`` with absolute paths. A folder without ``noise/`` (the synthetic test set) gets
``"noise": null`` and ``"snr": null``. An existing index is kept unless ``--force``.
"""

import argparse
import json
import os
import re

import soundfile as sf
from tqdm import tqdm

FILEID = re.compile(r"fileid_(\d+)\.wav$")
SNR = re.compile(r"snr(-?\d+)")


def by_fileid(folder):
    """``{file id: absolute path}`` of the WAV files of ``folder``."""
    out = {}
    for name in sorted(os.listdir(folder)):
        match = FILEID.search(name)
        if match:
            out[match.group(1)] = os.path.abspath(os.path.join(folder, name))
    return out


def index(data_dir):
    for sub in ("clean", "noisy"):
        if not os.path.isdir(os.path.join(data_dir, sub)):
            raise FileNotFoundError(f"{data_dir} has no {sub}/ folder.")
    clean = by_fileid(os.path.join(data_dir, "clean"))
    noisy = by_fileid(os.path.join(data_dir, "noisy"))
    noise_dir = os.path.join(data_dir, "noise")
    noise = by_fileid(noise_dir) if os.path.isdir(noise_dir) else {}
    missing = sorted(set(noisy) - set(clean))
    if missing:
        raise FileNotFoundError(
            f"{data_dir}: noisy files with no clean file, e.g. fileid_{missing[0]}."
        )
    infos = {}
    for key in tqdm(sorted(noisy, key=int), desc=f"Indexing {data_dir}", unit="file"):
        snr = SNR.search(os.path.basename(noisy[key]))
        infos[key] = {
            "mix": noisy[key],
            "clean": clean[key],
            "noise": noise.get(key),
            "snr": int(snr.group(1)) if snr else None,
            "file_len": sf.info(noisy[key]).frames,
        }
    if not infos:
        raise FileNotFoundError(f"{data_dir}/noisy has no *_fileid_<k>.wav file.")
    return infos


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", required=True, help="folder holding clean/ and noisy/")
    parser.add_argument("--json_dir", required=True, help="where file_infos.json goes")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    target = os.path.join(args.json_dir, "file_infos.json")
    if os.path.isfile(target) and not args.force:
        print(f"{target} exists: kept.")
        return
    infos = index(args.data_dir)
    os.makedirs(args.json_dir, exist_ok=True)
    with open(target, "w") as fh:
        json.dump(infos, fh, indent=1)
    print(f"{target}: {len(infos)} files")


if __name__ == "__main__":
    main()
