#!/usr/bin/env bash
# Create the WHAM! (or WHAMR!) mixtures, 8 and 16 kHz, min and max, from wsj0 WAV files:
# download the WHAM! noise and the official wham_scripts (or whamr_scripts, which also need
# pyroomacoustics), then run their create_wham_from_scratch.py.
#
#   prepare_wham.sh WSJ0_WAV_DIR OUT_DIR PYTHON NOISE_URL SCRIPTS_URL
set -euo pipefail
wsj0_wav_dir=$1 out_dir=$2 python_path=$3 noise_url=$4 scripts_url=$5
download="$python_path $(dirname "$0")/../../utils/download.py"

mkdir -p "$out_dir"
$download "$noise_url" --out "$out_dir/downloads/wham_noise.zip" --extract_to "$out_dir"
scripts=$(basename "$scripts_url" .tar.gz)
$download "$scripts_url" --out "$out_dir/downloads/$scripts.tar.gz" --extract_to "$out_dir"
cd "$out_dir/$scripts"
# Needs numpy, scipy, pandas and soundfile.
$python_path create_wham_from_scratch.py --wsj0-root "$wsj0_wav_dir" \
  --wham-noise-root "$out_dir/wham_noise" --output-dir "$out_dir"
