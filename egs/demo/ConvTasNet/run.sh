#!/usr/bin/env bash
# Demo recipe: synthesized speech mixtures -> Conv-TasNet training -> evaluation ->
# separation with asteroid-infer -> report.html. Runs on CPU; no download.
#
#   bash run.sh                 # the full run (about 15 minutes on 2 cores)
#   bash run.sh --quick true    # a one-minute smoke run (tiny corpus, one epoch)
#   bash run.sh --stage 2       # from the evaluation on
set -euo pipefail
cd "$(dirname "$0")"

# Options (settable as --name value)
stage=0            # first stage to run: 0 data, 1 train, 2 eval, 3 separate, 4 report
stop_stage=4       # last stage to run
tag=""             # experiment name: exp/train_convtasnet_<tag>
quick=false        # tiny corpus and one epoch: a smoke test of the whole pipeline
storage_dir=""     # where the corpus goes (default: data/corpus or data/corpus_quick)
python_path=python3
id=""              # device ids (e.g. 0,1 for two processes); empty: one process
n_train=2000
n_valid=200
n_test=200
epochs=""          # overrides conf.yml's training.epochs
retrain=false      # train again even when the experiment has a model
n_separate=3       # test mixtures separated with asteroid-infer in stage 3

. ../../utils/parse_options.sh

if [ "$quick" = true ]; then
  n_train=24; n_valid=6; n_test=6
  [ -z "$epochs" ] && epochs=1
  [ -z "$tag" ] && tag=quick
  [ -z "$storage_dir" ] && storage_dir=data/corpus_quick
  local_dir=data/quick
  extra=(--n_blocks 2 --n_repeats 1 --n_filters 32 --bn_chan 16 --hid_chan 32 --skip_chan 16 --batch_size 4)
else
  [ -z "$tag" ] && tag=demo
  [ -z "$storage_dir" ] && storage_dir=data/corpus
  local_dir=data/full
  extra=()
fi
[ -n "$epochs" ] && extra+=(--epochs "$epochs")
[ "$retrain" = true ] && extra+=(--retrain)
exp_dir=exp/train_convtasnet_${tag}
mkdir -p logs "$exp_dir"
echo "Experiment folder: $exp_dir ($( [ "$quick" = true ] && echo quick || echo full ) run)"

if [[ $stage -le 0 && $stop_stage -ge 0 ]]; then
  echo "Stage 0: generating the corpus in $storage_dir"
  $python_path local/prepare_data.py --storage_dir "$storage_dir" --local_dir "$local_dir" \
    --n_train "$n_train" --n_valid "$n_valid" --n_test "$n_test" 2>&1 | tee logs/data_${tag}.log
fi

if [[ $stage -le 1 && $stop_stage -ge 1 ]]; then
  echo "Stage 1: training (log: logs/train_${tag}.log)"
  mkdir -p "$exp_dir/publish_dir"
  echo "demo/ConvTasNet" > "$exp_dir/publish_dir/recipe_name.txt"
  $python_path -m asteroid.scripts.train --conf conf.yml --model ConvTasNet --dataset LibriMix \
    --exp_dir "$exp_dir" --id "$id" --train_dir "$local_dir/train" --valid_dir "$local_dir/dev" \
    "${extra[@]}" 2>&1 | tee logs/train_${tag}.log
  cp logs/train_${tag}.log "$exp_dir/train.log"
fi

if [[ $stage -le 2 && $stop_stage -ge 2 ]]; then
  echo "Stage 2: evaluation on the test split (log: logs/eval_${tag}.log)"
  $python_path -m asteroid.scripts.eval --exp_dir "$exp_dir" --test_dir "$local_dir/test" \
    --n_save_ex 5 2>&1 | tee logs/eval_${tag}.log
  cp logs/eval_${tag}.log "$exp_dir/eval.log"
fi

if [[ $stage -le 3 && $stop_stage -ge 3 ]]; then
  echo "Stage 3: separating $n_separate test mixtures with asteroid-infer"
  # A glob, not `ls | head`: under pipefail, head closing the pipe early fails the stage.
  mixtures=("$storage_dir"/Libri2Mix/wav8k/min/test/mix_clean/*.wav)
  asteroid-infer "$exp_dir/best_model.pth" --files "${mixtures[@]:0:$n_separate}" \
    -o "$exp_dir/separated" --force-overwrite
fi

if [[ $stage -le 4 && $stop_stage -ge 4 ]]; then
  echo "Stage 4: report"
  $python_path -m asteroid.scripts.report --exp_dir "$exp_dir" --title "Asteroid demo: Conv-TasNet on synthesized speech"
fi
