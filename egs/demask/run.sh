#!/usr/bin/env bash
# DeMask: speech enhancement of speech muffled by a face mask (simulated on LibriSpeech with
# the masks' measured responses, FUSS room impulse responses and noise). See README.md.
#   bash run.sh --storage_dir /data/demask                 # downloads, lists, train, evaluate
#   bash run.sh --stage 1 --librispeech_dir /data/LibriSpeech --rir_dir /data/rir_data
set -euo pipefail
cd "$(dirname "$0")"
. ../utils/recipe.sh

rir_url=https://zenodo.org/record/3743844/files/FUSS_rir_data.tar.gz
librispeech_url=https://www.openslr.org/resources/12
storage_dir=         # where the downloads go (stage 0)
librispeech_dir=     # default: <storage_dir>/LibriSpeech
rir_dir=             # FUSS room impulse responses (train/, validation/); default: <storage_dir>/rir_data

sample_rate=16000

model=DeMask
dataset=DeMaskDataset  # local/demask_data.py
loss=sisdr

. ../utils/parse_options.sh

librispeech_dir=${librispeech_dir:-$storage_dir/LibriSpeech}
rir_dir=${rir_dir:-$storage_dir/rir_data}
[[ -n $tag ]] || tag=demask_$((sample_rate / 1000))k

if begin_stage 0 "downloading LibriSpeech and the FUSS room impulse responses"; then
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder for the downloads."
  fetch_librispeech "$librispeech_url" "$storage_dir" train-clean-360 dev-clean test-clean
  fetch "$rir_url" "$storage_dir/downloads/FUSS_rir_data.tar.gz" --extract_to "$storage_dir"
fi

if begin_stage 1 "listing the clean speech and the impulse responses"; then
  need_dir "$librispeech_dir" librispeech_dir
  need_dir "$rir_dir" rir_dir
  for part in train-clean-360 dev-clean test-clean; do
    need_dir "$librispeech_dir/$part" "librispeech_dir (no $part in it)"
    logged "list_$part" "$python_path" local/parse_data.py --input_dir "$librispeech_dir/$part" \
      --output_json "data/clean/$part.json" --pattern "*.flac"
  done
  for part in train validation; do
    logged "list_rir_$part" "$python_path" local/parse_data.py --input_dir "$rir_dir/$part" \
      --output_json "data/rirs/$part.json"
  done
fi

set_expdir demask

if begin_stage 2 "training $model"; then
  need_file data/clean/train-clean-360.json "stage (run stage 1 first)"
  recipe_train "$expdir" --plugin local/demask_data.py --train_dir data/clean/train-clean-360.json \
    --valid_dir data/clean/dev-clean.json --rir_train data/rirs/train.json \
    --rir_valid data/rirs/validation.json --fs "$sample_rate"
fi

if begin_stage 3 "evaluating on test-clean through simulated masks"; then
  recipe_eval "$expdir" data/clean/test-clean.json
fi
