#!/usr/bin/env bash
# FasNet-TAC (Luo et al. 2020) on the ad-hoc microphone arrays of the TAC corpus (multi-channel
# LibriSpeech mixtures with noise and reverberation). See README.md.
#   bash run.sh --storage_dir /data/tac          # download, simulate (needs gpuRIR), train
#   bash run.sh --stage 2 --storage_dir /data/tac   # from a simulated MC_Libri_adhoc
set -euo pipefail
cd "$(dirname "$0")"
. ../utils/recipe.sh

# Stage 0 downloads LibriSpeech and the 100 Nonspeech noises; stage 1 simulates the arrays
# with the authors' scripts (they need gpuRIR and a GPU).
tac_repo=https://github.com/yluo42/TAC
noise_url=http://web.cse.ohio-state.edu/pnl/corpus/HuNonspeech/Nonspeech.zip
librispeech_url=https://www.openslr.org/resources/12
storage_dir=
dataset_type=adhoc   # adhoc or fixed arrays

segment=4.0
sample_rate=16000
lr=0.001

model=FasNetTAC
dataset=TACDataset   # local/tac.py
loss=pit_sisdr

. ../utils/parse_options.sh

corpus=$storage_dir/MC_Libri_$dataset_type
[[ -n $tag ]] || tag=$dataset_type

if begin_stage 0 "downloading LibriSpeech and the noises into --storage_dir"; then
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder for the corpora."
  fetch_librispeech "$librispeech_url" "$storage_dir" train-clean-100 dev-clean test-clean
  fetch "$noise_url" "$storage_dir/downloads/Nonspeech.zip" --extract_to "$storage_dir"
fi

if begin_stage 1 "simulating the $dataset_type arrays into $corpus"; then
  need_dir "$storage_dir/LibriSpeech" "storage_dir (run stage 0 first)"
  "$python_path" -c "import gpuRIR" 2>/dev/null \
    || die "stage 1 needs gpuRIR (https://github.com/DavidDiazGuerra/gpuRIR)."
  clone_repo "$tac_repo" local/TAC
  (cd local/TAC/data && logged simulate "$python_path" create_dataset.py --output-path="$storage_dir" \
    --dataset="$dataset_type" --libri-path="$storage_dir/LibriSpeech" --noise-path="$storage_dir/Nonspeech")
fi

if begin_stage 2 "JSON lists of $corpus into data/"; then
  need_dir "$corpus" "storage_dir (no MC_Libri_$dataset_type in it)"
  for split in train validation test; do
    logged "json_$split" "$python_path" local/parse_data.py --in_dir "$corpus/$split" \
      --out_json "data/$dataset_type/$split.json"
  done
fi

set_expdir fasnettac

if begin_stage 3 "training $model"; then
  need_file "data/$dataset_type/train.json" "stage (run stage 2 first)"
  recipe_train "$expdir" --system tac --plugin local/tac.py \
    --train_dir "data/$dataset_type/train.json" --valid_dir "data/$dataset_type/validation.json" \
    --segment "$segment" --sample_rate "$sample_rate" --lr "$lr"
fi

if begin_stage 4 "evaluating on the test arrays"; then
  recipe_eval "$expdir" "data/$dataset_type/test.json"
fi
