#!/usr/bin/env bash
# The stages of every wham/<system> recipe; each recipe's run.sh calls this script with its
# model and task, from its own folder (conf.yml, data/, exp/ and logs/ are there).
#   0  wsj0 SPHERE -> WAV (wsj0 is licensed: give your copy with --sphere_dir)
#   1  WHAM! mixtures (downloads the noise and the official scripts)
#   2  JSON lists into data/     3  train     4  evaluate, then publish_dir/
set -euo pipefail
. "$(dirname "$0")/../../utils/recipe.sh"

# Corpus: start from stage 0 with --sphere_dir, from stage 1 with --wsj0_wav_dir, or from
# stage 2 with --wham_wav_dir (a folder holding wav8k/ and/or wav16k/).
sphere_dir=
wsj0_wav_dir=
wham_wav_dir=
sph2pipe_url=http://www.openslr.org/resources/3/sph2pipe_v2.5.tar.gz
wham_noise_url=https://storage.googleapis.com/whisper-public/wham_noise.zip
wham_scripts_url=https://storage.googleapis.com/whisper-public/wham_scripts.tar.gz

# Set by the recipe's run.sh (and overridable)
recipe_dir=.
model=ConvTasNet
dataset=WhamDataset
loss=pit_sisdr
system=default       # how a batch becomes a loss (asteroid.scripts.recipe_parts.SYSTEMS)
plugin=""            # the recipe's own parts (local/*.py)
pretrain_model=""    # a model trained first, whose weights start the main model (TwoStep)
pretrain_system=""
task=sep_clean       # sep_clean, sep_noisy, enh_single, enh_both
sample_rate=8000
mode=min

. "$(dirname "$0")/../../utils/parse_options.sh"
here=$(cd "$(dirname "$0")" && pwd)  # this local/ folder
cd "$recipe_dir"

sr_string=$((sample_rate / 1000))
data_dir=data/wav${sr_string}k/$mode
[[ -n $tag ]] || tag=${task}_${sr_string}k${mode}
plugin_opts=()
[[ -n $plugin ]] && plugin_opts=(--plugin $plugin)

if begin_stage 0 "converting the wsj0 SPHERE files of --sphere_dir to WAV in --wsj0_wav_dir"; then
  logged sphere2wav bash "$here"/convert_sphere2wav.sh "$sphere_dir" "$wsj0_wav_dir" \
    "$python_path" "$sph2pipe_url"
fi

if begin_stage 1 "creating the WHAM! mixtures in --wham_wav_dir"; then
  need_dir "$wsj0_wav_dir" wsj0_wav_dir
  [[ -n $wham_wav_dir ]] || die "--wham_wav_dir is not set: give the folder for WHAM!."
  logged wham bash "$here"/prepare_wham.sh "$wsj0_wav_dir" "$wham_wav_dir" "$python_path" \
    "$wham_noise_url" "$wham_scripts_url"
fi

if begin_stage 2 "JSON lists of --wham_wav_dir into data/"; then
  need_dir "$wham_wav_dir" wham_wav_dir
  found=0
  for sr in 8 16; do
    for m in min max; do
      if [[ -d $wham_wav_dir/wav${sr}k/$m ]]; then
        found=1
        logged "json_${sr}k_$m" "$python_path" "$here"/preprocess_wham.py \
          --in_dir "$wham_wav_dir/wav${sr}k/$m" --out_dir "data/wav${sr}k/$m"
      fi
    done
  done
  [[ $found == 1 ]] || die "--wham_wav_dir: no wav8k/ or wav16k/ folder in $wham_wav_dir"
fi

set_expdir "$(echo "$model" | tr '[:upper:]' '[:lower:]')"
data_opts=(--train_dir "$data_dir/tr" --valid_dir "$data_dir/cv" --task "$task"
  --sample_rate "$sample_rate")

if begin_stage 3 "training $model ($task, ${sr_string} kHz, $mode)"; then
  need_dir "$data_dir/tr" "sample_rate/--mode: no lists for them (run stage 2 first)"
  init_opts=()
  if [[ -n $pretrain_model ]]; then
    # e.g. TwoStep: train the front-end first, then the separator on top of it.
    pre_dir=$expdir/$(echo "$pretrain_model" | tr '[:upper:]' '[:lower:]')
    model=$pretrain_model system=$pretrain_system recipe_train "$pre_dir" "${data_opts[@]}" \
      --system "$pretrain_system" "${plugin_opts[@]}"
    init_opts=(--init_from "$pre_dir/best_model.pth")
  fi
  recipe_train "$expdir" "${data_opts[@]}" --system "$system" "${plugin_opts[@]}" "${init_opts[@]}"
fi

if begin_stage 4 "evaluating on $data_dir/tt"; then
  recipe_eval "$expdir" "$data_dir/tt" --task "$task"
fi
