#!/usr/bin/env bash
# Multi-Decoder DPRNN (Zhu et al. 2021): separation of 2 to 5 speakers with a speaker-count
# head, on wsj0-{2,3,4,5}mix. See README.md.
#   bash run.sh --stage 2 --wsj0mix_wav_dir /data/wsj0-mix   # from the generated mixtures
set -euo pipefail
cd "$(dirname "$0")"
. ../../utils/recipe.sh

model=MultiDecoderDPRNN  # local/multi_decoder.py
dataset=VariableSpeakers
loss=none            # the multi_decoder system computes its loss
# wsj0 is licensed by the LDC: stage 0 converts your copy to WAV; stage 1 downloads the
# authors' MATLAB scripts for 2 to 5 speakers (run them with MATLAB or Octave).
sphere_dir=
wsj0_wav_dir=
sph2pipe_url=http://www.openslr.org/resources/3/sph2pipe_v2.5.tar.gz
mixing_scripts_url=https://github.com/JunzheJosephZhu/MultiDecoder-DPRNN/raw/master/create-speaker-mixtures-2345.zip
wsj0mix_wav_dir=     # holds 2speakers/ ... 5speakers/

n_srcs="2 3 4 5"     # speaker counts (one decoder each)
sample_rate=8000
mode=min
batch_size=2
lr=0.001
lambda=0.05          # weight of the count head's cross-entropy

. ../../utils/parse_options.sh

sr_string=$((sample_rate / 1000))
lists="data/{}speakers/wav${sr_string}k/$mode"
[[ -n $tag ]] || tag=$(echo "$n_srcs" | tr -d ' ')sep_${sr_string}k${mode}

if begin_stage 0 "converting the wsj0 SPHERE files of --sphere_dir to WAV"; then
  logged sphere2wav bash ../../wham/local/convert_sphere2wav.sh "$sphere_dir" "$wsj0_wav_dir" \
    "$python_path" "$sph2pipe_url"
fi

if begin_stage 1 "downloading the wsj0-{2..5}mix mixing scripts"; then
  fetch "$mixing_scripts_url" local/create-speaker-mixtures-2345.zip \
    --extract_to local/create-speaker-mixtures-2345
  for n in $n_srcs; do
    [[ -n $wsj0mix_wav_dir && -d $wsj0mix_wav_dir/${n}speakers ]] || die "make wsj0-${n}mix with
the MATLAB scripts in local/create-speaker-mixtures-2345 (Octave works too) from --wsj0_wav_dir,
then run again from --stage 2 with --wsj0mix_wav_dir."
  done
fi

if begin_stage 2 "JSON lists of --wsj0mix_wav_dir into data/"; then
  need_dir "$wsj0mix_wav_dir" wsj0mix_wav_dir
  for n in $n_srcs; do
    need_dir "$wsj0mix_wav_dir/${n}speakers/wav${sr_string}k/$mode" "wsj0mix_wav_dir (${n} speakers)"
    logged "json_${n}speakers" "$python_path" ../../wham/local/preprocess_wham.py \
      --in_dir "$wsj0mix_wav_dir/${n}speakers/wav${sr_string}k/$mode" --out_dir "${lists//\{\}/$n}"
  done
fi

set_expdir multidecoderdprnn

if begin_stage 3 "training $model on $n_srcs speakers"; then
  recipe_train "$expdir" --system multi_decoder --plugin local/multi_decoder.py \
    --train_dir "$lists/tr" --valid_dir "$lists/cv" --n_srcs $n_srcs --sample_rate "$sample_rate" \
    --lambda "$lambda" --batch_size "$batch_size" --lr "$lr"
fi

if begin_stage 4 "evaluating on the test mixtures of every count"; then
  recipe_eval "$expdir" "$lists/tt"
fi
