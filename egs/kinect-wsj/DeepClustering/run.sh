#!/usr/bin/env bash
# Deep clustering / Chimera++ on Kinect-WSJ (Sivasankaran et al. 2020): reverberant, noisy
# wsj0-2mix recorded by a simulated Kinect array, separated on its first channel. The model
# is wsj0-mix/DeepClustering's (its local/chimera.py). See README.md.
#   bash run.sh --stage 1 --wsj0mix_wav_dir /data/wsj0-mix --chime_path /data/CHiME5 \
#     --dihard_path /data/dihard --kinect_wsj_path /data/kinect_wsj
#   bash run.sh --stage 2 --kinect_wsj_path /data/kinect_wsj
set -euo pipefail
cd "$(dirname "$0")"
stage=1  # the first stage this recipe can run
. ../../utils/recipe.sh

model=ChimeraPP      # ../../wsj0-mix/DeepClustering/local/chimera.py
dataset=KinectWsjMixDataset
loss=none
# Stage 1 builds Kinect-WSJ with the authors' scripts from wsj0-2mix (16 kHz, see
# ../../wsj0-mix), CHiME-5 (licensed: your copy) and the DIHARD speech activity labels.
kinect_scripts_repo=https://github.com/sunits/Reverberated_WSJ_2MIX.git
wsj0mix_wav_dir=
chime_path=
dihard_path=
kinect_wsj_path=     # the Kinect-WSJ folder (holding wav16k/)

sample_rate=16000
mode=max
n_src=2
batch_size=32
lr=0.00001
loss_alpha=1.0       # 1.0 => deep clustering alone, <1.0 => Chimera++

. ../../utils/parse_options.sh

chimera=../../wsj0-mix/DeepClustering/local/chimera.py
data_dir=data/${n_src}speakers/wav$((sample_rate / 1000))k/$mode
[[ -n $tag ]] || tag=${n_src}sep_$((sample_rate / 1000))k${mode}_alpha${loss_alpha}

if begin_stage 1 "creating Kinect-WSJ in --kinect_wsj_path"; then
  need_dir "$wsj0mix_wav_dir" wsj0mix_wav_dir
  need_dir "$chime_path" chime_path
  need_dir "$dihard_path" dihard_path
  [[ -n $kinect_wsj_path ]] || die "--kinect_wsj_path is not set: give the folder for Kinect-WSJ."
  clone_repo "$kinect_scripts_repo" local/kinect_wsj_scripts
  (cd local/kinect_wsj_scripts && logged create ./create_corrupted_speech.sh --stage 0 \
    --wsj_data_path "$wsj0mix_wav_dir" --chime5_wav_base "$chime_path" \
    --dihard_sad_label_path "$dihard_path" --dest "$kinect_wsj_path")
fi

if begin_stage 2 "JSON lists of --kinect_wsj_path into data/"; then
  need_dir "$kinect_wsj_path" kinect_wsj_path
  in_dir=$kinect_wsj_path/wav$((sample_rate / 1000))k/$mode
  need_dir "$in_dir" "kinect_wsj_path (with --sample_rate and --mode)"
  logged json "$python_path" ../../wham/local/preprocess_wham.py --in_dir "$in_dir" --out_dir "$data_dir"
fi

set_expdir chimera

if begin_stage 3 "training $model (loss_alpha $loss_alpha) on Kinect-WSJ"; then
  need_dir "$data_dir/tr" "sample_rate/--mode: no lists for them (run stage 2 first)"
  recipe_train "$expdir" --system chimera --plugin "$chimera" --train_dir "$data_dir/tr" \
    --valid_dir "$data_dir/cv" --n_src "$n_src" --sample_rate "$sample_rate" \
    --loss_alpha "$loss_alpha" --batch_size "$batch_size" --lr "$lr"
fi

if begin_stage 4 "evaluating on $data_dir/tt (first channel)"; then
  recipe_eval "$expdir" "$data_dir/tt"
fi
