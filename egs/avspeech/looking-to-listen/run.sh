#!/usr/bin/env bash
# Looking to Listen (Ephrat et al. 2018): audio-visual separation of AVSpeech mixtures, each
# speaker given by the face embeddings of their video. See README.md.
#   bash run.sh --stage 1 --avspeech_dir /data/avspeech   # audio/, embed/, mixed/, mixtures.csv
set -euo pipefail
cd "$(dirname "$0")"
stage=1  # the first stage this recipe can run
. ../../utils/recipe.sh

model=LookingToListen  # local/looking_to_listen.py
dataset=AVSpeech
loss=none            # the avspeech system computes the spectrogram MSE
# The corpus is built from YouTube videos listed by AVSpeech: download, audio extraction, face
# detection and FaceNet embeddings (stage 0) are not provided here (see README.md); stage 1
# starts from their result: <avspeech_dir>/{audio,embed,mixed}/ and mixtures.csv.

n_src=2
avspeech_dir=
valid_prop=0.1
test_prop=0.1
batch_size=4
lr=0.0003

. ../../utils/parse_options.sh

[[ -n $tag ]] || tag=${n_src}spk

if begin_stage 0 "downloading the AVSpeech videos and computing face embeddings"; then
  die "stage 0 is not provided: it needs the AVSpeech CSV lists, yt-dlp, ffmpeg, a face
detector and a FaceNet model. Build <avspeech_dir>/audio/<video>_part<k>.wav (16 kHz),
<avspeech_dir>/embed/<video>_part<k>.npy (one embedding per video frame), the mixtures in
<avspeech_dir>/mixed/ and <avspeech_dir>/mixtures.csv (see README.md), then run --stage 1."
fi

if begin_stage 1 "splitting the mixtures of --avspeech_dir into data/"; then
  need_dir "$avspeech_dir" avspeech_dir
  need_file "$avspeech_dir/mixtures.csv" "avspeech_dir (no mixtures.csv in it)"
  logged split "$python_path" local/split_mixtures.py --mixtures_csv "$avspeech_dir/mixtures.csv" \
    --embed_dir "$avspeech_dir/embed" --n_src "$n_src" --valid_prop "$valid_prop" --test_prop "$test_prop"
fi

set_expdir lookingtolisten

if begin_stage 2 "training $model"; then
  need_file data/train.csv "stage (run stage 1 first)"
  recipe_train "$expdir" --system avspeech --plugin local/looking_to_listen.py \
    --train_dir data/train.csv --valid_dir data/valid.csv --embed_dir "$avspeech_dir/embed" \
    --n_src "$n_src" --batch_size "$batch_size" --lr "$lr"
fi

if begin_stage 3 "evaluating on data/test.csv"; then
  recipe_eval "$expdir" data/test.csv
fi
