#!/usr/bin/env bash
# X-UMX (CrossNet-Open-Unmix, Sawata et al. 2021) on MUSDB18: vocals, drums, bass and other
# from stereo music at 44.1 kHz. See README.md.
#   bash run.sh --musdb18_dir /data/musdb18hq   # an extracted MUSDB18-HQ (train/, test/)
#   bash run.sh --stage 0 --musdb18_dir /data/musdb18hq   # download it first
set -euo pipefail
cd "$(dirname "$0")"
stage=1  # the first stage this recipe can run
. ../../utils/recipe.sh

model=XUMX
dataset=MUSDB18Dataset
loss=xumx_mdl        # local/xumx.py
# MUSDB18-HQ: WAV stems in <dir>/{train,test}/<track>/. Zenodo grants access on request: if
# the download is refused, download musdb18hq.zip yourself and start from stage 1.
musdb18_url=https://zenodo.org/record/3338373/files/musdb18hq.zip
musdb18_dir=
valid_tracks=""      # one training track to validate on instead of conf.yml's list

sample_rate=44100
seq_dur=6.0
samples_per_track=64
batch_size=14
lr=0.001
epochs=1000
mix_coef=10.0

. ../../utils/parse_options.sh

[[ -n $tag ]] || tag=mix_coef${mix_coef}
valid_opts=()
[[ -n $valid_tracks ]] && valid_opts=(--valid_tracks "$valid_tracks")

if begin_stage 0 "downloading MUSDB18-HQ into --musdb18_dir"; then
  [[ -n $musdb18_dir ]] || die "--musdb18_dir is not set: give the folder for MUSDB18-HQ."
  fetch "$musdb18_url" "$musdb18_dir/downloads/musdb18hq.zip" --extract_to "$musdb18_dir"
fi

set_expdir xumx

if begin_stage 1 "training $model"; then
  need_dir "$musdb18_dir/train" musdb18_dir
  recipe_train "$expdir" --system music --plugin local/xumx.py --train_dir "$musdb18_dir" \
    --valid_dir "$musdb18_dir" --sample_rate "$sample_rate" --seq_dur "$seq_dur" \
    --samples_per_track "$samples_per_track" --batch_size "$batch_size" --lr "$lr" \
    --epochs "$epochs" --mix_coef "$mix_coef" "${valid_opts[@]}"
fi

if begin_stage 2 "evaluating on the test tracks"; then
  need_dir "$musdb18_dir/test" musdb18_dir
  recipe_eval "$expdir" "$musdb18_dir"
fi
