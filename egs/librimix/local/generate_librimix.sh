#!/usr/bin/env bash
# Generate Libri{2,3}Mix into STORAGE_DIR (stage 0 of the librimix recipes, after the
# LibriSpeech download): download the WHAM! noise, then run the LibriMix scripts (cloned from
# LIBRIMIX_REPO) on the official metadata. About 500 GB on disk.
#
#   generate_librimix.sh STORAGE_DIR N_SRC PYTHON WHAM_NOISE_URL LIBRIMIX_REPO
set -euo pipefail
storage_dir=$1 n_src=$2 python_path=$3 wham_noise_url=$4 librimix_repo=$5
download="$python_path $(dirname "$0")/../../utils/download.py"

mkdir -p "$storage_dir"
$download "$wham_noise_url" --out "$storage_dir/downloads/wham_noise.zip" --extract_to "$storage_dir"

if [[ ! -d $storage_dir/LibriMix/.git ]]; then
  git clone --depth 1 "$librimix_repo" "$storage_dir/LibriMix"
fi
scripts=$storage_dir/LibriMix/scripts
if [[ ! -f $storage_dir/wham_noise/.augmented ]]; then
  # LibriMix speeds the training noises up and down to have enough of them.
  $python_path "$scripts/augment_train_noise.py" --wham_dir "$storage_dir/wham_noise"
  touch "$storage_dir/wham_noise/.augmented"
fi
$python_path "$scripts/create_librimix_from_metadata.py" \
  --librispeech_dir "$storage_dir/LibriSpeech" \
  --wham_dir "$storage_dir/wham_noise" \
  --metadata_dir "$storage_dir/LibriMix/metadata/Libri${n_src}Mix" \
  --librimix_outdir "$storage_dir" \
  --n_src "$n_src" --freqs 8k 16k --modes min max --types mix_clean mix_both mix_single
