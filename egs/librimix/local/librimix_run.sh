#!/usr/bin/env bash
# The stages of every librimix/<model> recipe; each recipe's run.sh calls this script with
# its model and task, from its own folder (conf.yml, data/, exp/ and logs/ are there).
#   0  generate Libri{n}Mix from the downloads   1  metadata into data/
#   2  train                                     3  evaluate, then publish_dir/
set -euo pipefail
. "$(dirname "$0")/../../utils/recipe.sh"

# Where LibriMix is generated (stage 0), or where an existing Libri{n}Mix folder lies (stage 1)
storage_dir=
librimix_dir=
librispeech_url=https://www.openslr.org/resources/12
wham_noise_url=https://storage.googleapis.com/whisper-public/wham_noise.zip
librimix_repo=https://github.com/JorisCos/LibriMix

# Set by the recipe's run.sh (and overridable): its folder, model and data
recipe_dir=.
model=ConvTasNet
task=sep_clean     # sep_clean, sep_noisy, enh_single or enh_both
n_src=2            # speakers (1 for enh_single: the first speaker of Libri2Mix's mix_single)
sample_rate=8000
mode=min
train_set=train-360  # or train-100

. "$(dirname "$0")/../../utils/parse_options.sh"
here=$(cd "$(dirname "$0")" && pwd)  # this local/ folder
cd "$recipe_dir"

dataset=LibriMix
loss=pit_sisdr
sr_string=$((sample_rate / 1000))
n_speakers=$((n_src > 1 ? n_src : 2))
corpus=Libri${n_speakers}Mix
librimix_dir=${librimix_dir:-$storage_dir}
data_dir=data/wav${sr_string}k/$mode
[[ -n $tag ]] || tag=${task}_${sr_string}k${mode}

if begin_stage 0 "generating $corpus in --storage_dir (downloads LibriSpeech and WHAM! noise)"; then
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder to generate LibriMix in."
  fetch_librispeech "$librispeech_url" "$storage_dir" dev-clean test-clean train-clean-100 \
    train-clean-360
  logged generate bash "$here"/generate_librimix.sh "$storage_dir" "$n_speakers" \
    "$python_path" "$wham_noise_url" "$librimix_repo"
fi

if begin_stage 1 "copying the metadata of $librimix_dir/$corpus into data/"; then
  need_dir "$librimix_dir/$corpus" librimix_dir
  logged metadata "$python_path" "$here"/create_local_metadata.py \
    --librimix_dir "$librimix_dir/$corpus" --out_dir data
fi

set_expdir "$(echo "$model" | tr '[:upper:]' '[:lower:]')"

if begin_stage 2 "training $model on $corpus ($task, ${sr_string} kHz, $mode)"; then
  need_dir "$data_dir/$train_set" "train_set (run stage 1 first)"
  recipe_train "$expdir" --train_dir "$data_dir/$train_set" --valid_dir "$data_dir/dev" \
    --task "$task" --sample_rate "$sample_rate" --n_src "$n_src"
fi

if begin_stage 3 "evaluating on $data_dir/test"; then
  recipe_eval "$expdir" "$data_dir/test" --task "$task"
fi
