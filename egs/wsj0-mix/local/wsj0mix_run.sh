#!/usr/bin/env bash
# The stages of the wsj0-mix/<model> recipes; each recipe's run.sh calls this script with its
# model, from its own folder (conf.yml, data/, exp/ and logs/ are there).
#   0  wsj0 SPHERE -> WAV (wsj0 is licensed: give your copy with --sphere_dir)
#   1  the wsj0-mix mixing scripts (MERL's MATLAB scripts; you run them)
#   2  JSON lists into data/     3  train     4  evaluate, then publish_dir/
set -euo pipefail
. "$(dirname "$0")/../../utils/recipe.sh"

# Set by the recipe's run.sh (and overridable)
recipe_dir=.
model=ConvTasNet
dataset=Wsj0mixDataset
loss=pit_sisdr
# wsj0 is licensed by the LDC: stage 0 converts your copy (--sphere_dir) to WAV. The mixtures
# are made by MERL's MATLAB scripts (downloaded by stage 1); stage 2 starts from them.
sphere_dir=
wsj0_wav_dir=
sph2pipe_url=http://www.openslr.org/resources/3/sph2pipe_v2.5.tar.gz
mixing_scripts_url=https://www.merl.com/demos/deep-clustering/create-speaker-mixtures.zip
wsj0mix_wav_dir=     # holds 2speakers/ and/or 3speakers/

n_src=2              # 2 or 3 speakers
sample_rate=8000
mode=min

. "$(dirname "$0")/../../utils/parse_options.sh"
cd "$recipe_dir"

sr_string=$((sample_rate / 1000))
data_dir=data/${n_src}speakers/wav${sr_string}k/$mode
[[ -n $tag ]] || tag=${n_src}sep_${sr_string}k${mode}

if begin_stage 0 "converting the wsj0 SPHERE files of --sphere_dir to WAV"; then
  logged sphere2wav bash ../../wham/local/convert_sphere2wav.sh "$sphere_dir" "$wsj0_wav_dir" \
    "$python_path" "$sph2pipe_url"
fi

if begin_stage 1 "downloading the wsj0-mix mixing scripts"; then
  fetch "$mixing_scripts_url" local/create-speaker-mixtures.zip --extract_to local/create-speaker-mixtures
  if [[ -z $wsj0mix_wav_dir || ! -d $wsj0mix_wav_dir/${n_src}speakers ]]; then
    die "make wsj0-${n_src}mix with MERL's MATLAB scripts in local/create-speaker-mixtures (Octave
works too, replacing mkdir(...) by system(['mkdir -p ' ...])), from --wsj0_wav_dir; then run
again from --stage 2 with --wsj0mix_wav_dir. For 2 speakers, WHAM!'s sep_clean is wsj0-2mix."
  fi
fi

if begin_stage 2 "JSON lists of --wsj0mix_wav_dir into data/"; then
  need_dir "$wsj0mix_wav_dir" wsj0mix_wav_dir
  for folder in "$wsj0mix_wav_dir"/[23]speakers/wav*k/m??; do
    [[ -d $folder ]] || die "--wsj0mix_wav_dir: no [23]speakers/wav*k/{min,max} folder in $wsj0mix_wav_dir"
    rel=${folder#"$wsj0mix_wav_dir"/}
    logged "json_${rel//\//_}" "$python_path" ../../wham/local/preprocess_wham.py \
      --in_dir "$folder" --out_dir "data/$rel"
  done
fi

set_expdir "$(echo "$model" | tr '[:upper:]' '[:lower:]')"

if begin_stage 3 "training $model on wsj0-${n_src}mix (${sr_string} kHz, $mode)"; then
  need_dir "$data_dir/tr" "n_src/--sample_rate/--mode: no lists for them (run stage 2 first)"
  recipe_train "$expdir" --train_dir "$data_dir/tr" --valid_dir "$data_dir/cv" \
    --n_src "$n_src" --sample_rate "$sample_rate"
fi

if begin_stage 4 "evaluating on $data_dir/tt"; then
  recipe_eval "$expdir" "$data_dir/tt"
fi
