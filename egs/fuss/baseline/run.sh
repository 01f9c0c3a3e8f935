#!/usr/bin/env bash
# Universal sound separation on FUSS (Wisdom et al. 2021): a Conv-TasNet with four outputs
# (background and up to three foreground sounds). See README.md.
#   bash run.sh --storage_dir /data/fuss                       # download the dev data, train
#   bash run.sh --stage 2 --fuss_dir /data/fuss/fuss_dev/ssdata_reverb
set -euo pipefail
cd "$(dirname "$0")"
. ../../utils/recipe.sh

model=ConvTasNet
dataset=FUSSWithBackground  # local/fuss_parts.py
loss=fuss_log_mse
# Stage 0 downloads the fixed development data (reverberated or dry); stage 1 (with
# --num_train > 0) makes more training mixtures with the official FUSS scripts (needs scaper).
fuss_url=https://zenodo.org/record/3743844/files
fuss_scripts_repo=https://github.com/google-research/sound-separation
storage_dir=
reverberant=true     # ssdata_reverb (true) or ssdata (false)
num_train=0          # augmented training mixtures to generate in stage 1 (0: none)
num_val=0
random_seed=2020
fuss_dir=            # a FUSS folder with <split>_example_list.txt; default: the downloaded one

. ../../utils/parse_options.sh

archive=$([[ $reverberant == true ]] && echo ssdata_reverb || echo ssdata)
fuss_dir=${fuss_dir:-$storage_dir/fuss_dev/$archive}
[[ -n $tag ]] || tag=$archive

if begin_stage 0 "downloading the FUSS development data ($archive)"; then
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder for FUSS."
  fetch "$fuss_url/FUSS_$archive.tar.gz" "$storage_dir/downloads/FUSS_$archive.tar.gz" \
    --extract_to "$storage_dir/fuss_dev"
fi

if begin_stage 1 "augmentation: $num_train new training mixtures"; then
  if [[ $num_train -gt 0 ]]; then
    [[ -n $storage_dir ]] || die "--storage_dir is not set."
    "$python_path" -c "import scaper" 2>/dev/null || die "stage 1 needs scaper (pip install scaper)."
    for part in fsd_data rir_data; do
      fetch "$fuss_url/FUSS_$part.tar.gz" "$storage_dir/downloads/FUSS_$part.tar.gz" \
        --extract_to "$storage_dir/fuss_sources_and_rirs"
    done
    clone_repo "$fuss_scripts_repo" local/sound-separation
    scripts=local/sound-separation/datasets/fuss
    out=$storage_dir/fuss_augment_$random_seed
    logged lists "$python_path" "$scripts/make_fg_bg_file_lists.py" --data_dir "$storage_dir/fuss_sources_and_rirs/fsd_data"
    logged scaper "$python_path" "$scripts/make_ss_examples.py" -f "$storage_dir/fuss_sources_and_rirs/fsd_data" \
      -b "$storage_dir/fuss_sources_and_rirs/fsd_data" -o "$out/ssdata" --allow_same 1 \
      --num_train "$num_train" --num_validation "$num_val" --num_eval 0 --random_seed "$random_seed"
    logged reverb "$python_path" "$scripts/reverberate_and_mix.py" -s "$out/ssdata" \
      -r "$storage_dir/fuss_sources_and_rirs/rir_data" -o "$out/ssdata_reverb" --random_seed "$random_seed"
    echo "Augmented data in $out: use it with --fuss_dir $out/$archive"
  else
    echo "No augmentation asked (--num_train 0)."
  fi
fi

if begin_stage 2 "file lists of --fuss_dir into data/"; then
  need_dir "$fuss_dir" fuss_dir
  logged lists "$python_path" local/make_file_lists.py --fuss_dir "$fuss_dir" --out_dir data
fi

set_expdir convtasnet

if begin_stage 3 "training $model (4 outputs)"; then
  need_file data/train.txt "stage (run stage 2 first)"
  recipe_train "$expdir" --system fuss --plugin local/fuss_parts.py --train_dir data/train.txt \
    --valid_dir data/validation.txt
fi

if begin_stage 4 "evaluating on the eval mixtures (active sources)"; then
  recipe_eval "$expdir" data/eval.txt
fi
