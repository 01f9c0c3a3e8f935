#!/usr/bin/env bash
# Voice activity detection on LibriVAD with VADNet (a Conv-TasNet whose single output is a
# speech probability per sample) trained with a soft F1 loss. See README.md.
#   bash run.sh --storage_dir /data/librivad              # generate LibriVAD, then train
#   bash run.sh --stage 1 --librivad_dir /data/librivad   # from a generated LibriVAD
set -euo pipefail
cd "$(dirname "$0")"
. ../utils/recipe.sh

model=VADNet
dataset=LibriVADDataset
loss=f1              # soft F1 score
# LibriVAD is generated (stage 0) by its own scripts from LibriSpeech and noise.
librivad_repo=https://github.com/asteroid-team/Libri_VAD
storage_dir=
librivad_dir=        # a generated LibriVAD (holding metadata/); default: --storage_dir

sample_rate=8000
segment=3
threshold=0.5        # speech probability threshold of the evaluation

. ../utils/parse_options.sh

librivad_dir=${librivad_dir:-$storage_dir}
[[ -n $tag ]] || tag=vad_$((sample_rate / 1000))k

if begin_stage 0 "generating LibriVAD in --storage_dir"; then
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder to generate LibriVAD in."
  clone_repo "$librivad_repo" local/Libri_VAD
  (cd local/Libri_VAD && logged generate bash run.sh "$storage_dir")
fi

if begin_stage 1 "copying the LibriVAD metadata of --librivad_dir into data/"; then
  need_dir "$librivad_dir/metadata" librivad_dir
  logged metadata "$python_path" local/prepare_metadata.py --metadata_dir "$librivad_dir/metadata"
fi

set_expdir vadnet

if begin_stage 2 "training $model"; then
  need_file data/train.json "stage (run stage 1 first: data/train.json)"
  recipe_train "$expdir" --system vad --plugin local/vad.py --train_dir data/train.json \
    --valid_dir data/dev.json --sample_rate "$sample_rate" --segment "$segment" \
    --threshold "$threshold"
fi

if begin_stage 3 "evaluating on data/test.json"; then
  recipe_eval "$expdir" data/test.json
fi
