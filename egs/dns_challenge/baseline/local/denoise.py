"""Denoise a folder of WAV files with a trained DNS baseline (stage 6 of run.sh).

Writes ``<out_dir>/<name>.wav`` for every ``<denoise_dir>/<name>.wav``; files already
denoised are kept.
"""

import argparse
import glob
import os
import sys

import soundfile as sf
import torch
from tqdm import tqdm

from asteroid.models.base_models import BaseModel
from asteroid.scripts.recipe_parts import load_plugins


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="the model file (best_model.pth)")
    parser.add_argument("--denoise_dir", required=True, help="folder of noisy WAV files")
    parser.add_argument("--out_dir", required=True)
    parser.add_argument("--use_gpu", type=int, default=0)
    args = parser.parse_args(argv)
    files = sorted(glob.glob(os.path.join(args.denoise_dir, "**", "*.wav"), recursive=True))
    if not files:
        print(f"denoise: error: no WAV file under {args.denoise_dir}", file=sys.stderr)
        return 1
    load_plugins([os.path.join(os.path.dirname(__file__), "dns_model.py")])
    device = "cuda" if args.use_gpu and torch.cuda.is_available() else "cpu"
    model = BaseModel.from_pretrained(args.model).to(device).eval()
    os.makedirs(args.out_dir, exist_ok=True)
    for path in tqdm(files, desc="Denoising", unit="file"):
        target = os.path.join(args.out_dir, os.path.relpath(path, args.denoise_dir))
        if os.path.isfile(target):
            continue
        wav, rate = sf.read(path, dtype="float32")
        if rate != model.sample_rate:
            print(
                f"denoise: error: {path} is at {rate} Hz, the model at {model.sample_rate} Hz",
                file=sys.stderr,
            )
            return 1
        with torch.no_grad():
            out = model(torch.from_numpy(wav).to(device)).cpu().numpy().reshape(-1)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        sf.write(target, out, rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
