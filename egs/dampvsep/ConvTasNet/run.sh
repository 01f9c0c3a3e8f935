#!/usr/bin/env bash
# Singing voice separation on DAMP-VSEP (single-singer performances) with Conv-TasNet:
# vocals and background from the original (or remixed) mixture. See README.md.
#   bash run.sh --dampvsep_root /data/DAMP-VSEP
set -euo pipefail
cd "$(dirname "$0")"
. ../../utils/recipe.sh

model=ConvTasNet
dataset=DAMPVSEPSinglesDataset
loss=l1
# DAMP-VSEP (Smule's research licence: download it from Zenodo yourself). Stage 0 generates
# the single-singer metadata with the DAMP-VSEP-Singles scripts if <root>/metadata lacks it.
singles_repo=https://github.com/groadabike/DAMP-VSEP-Singles.git

mixture=original     # original (with the app's effects) or remix (vocals + background)
train_split=train_singles  # train_singles, or train_english (remix only)
sample_rate=16000
segment=3.0
samples_per_track=5
n_blocks=10
n_repeats=4
batch_size=7
lr=0.0005

dampvsep_root=
. ../../utils/parse_options.sh

[[ -n $tag ]] || tag=${mixture}_${train_split}

if begin_stage 0 "DAMP-VSEP-Singles metadata of --dampvsep_root"; then
  need_dir "$dampvsep_root" dampvsep_root
  if [[ ! -f $dampvsep_root/metadata/valid_sr${sample_rate}.json ]]; then
    clone_repo "$singles_repo" local/DAMP-VSEP-Singles
    logged singles bash local/DAMP-VSEP-Singles/generate_dampvsep_singles.sh "$dampvsep_root" \
      "$dampvsep_root/metadata" "$python_path"
  fi
  logged prepare "$python_path" local/prepare_dampvsep.py --root "$dampvsep_root" \
    --splits "$train_split" valid test --sample_rate "$sample_rate"
fi

set_expdir convtasnet

if begin_stage 1 "training $model ($mixture mixtures, $train_split)"; then
  need_dir "$dampvsep_root" dampvsep_root
  recipe_train "$expdir" --system ordered --train_dir "$dampvsep_root" --valid_dir "$dampvsep_root" \
    --mixture "$mixture" --train_split "$train_split" --sample_rate "$sample_rate" \
    --segment "$segment" --samples_per_track "$samples_per_track" --n_blocks "$n_blocks" \
    --n_repeats "$n_repeats" --batch_size "$batch_size" --lr "$lr"
fi

if begin_stage 2 "evaluating on the test performances"; then
  recipe_eval "$expdir" "$dampvsep_root"
fi
