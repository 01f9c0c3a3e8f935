#!/usr/bin/env bash
# The DNS Challenge (INTERSPEECH 2020) baseline: STFT masking with residual GRUs, trained on
# the challenge's synthesized noisy speech. See README.md.
#   bash run.sh --storage_dir /data/dns --clone_dir /data    # clone, synthesize, train
#   bash run.sh --stage 3 --storage_dir /data/dns --test_dir /data/DNS-Challenge/datasets/test_set/synthetic/no_reverb
set -euo pipefail
cd "$(dirname "$0")"
. ../../utils/recipe.sh

model=DNSBaseline    # local/dns_model.py
dataset=DNSBaseline
loss=none            # the dns system computes the STFT distance itself
dns_repo=https://github.com/microsoft/DNS-Challenge
clone_dir=           # where the DNS-Challenge repository is cloned (default: --storage_dir)
storage_dir=         # the synthesized training set (clean/, noise/, noisy/)
test_dir=            # the synthetic test set (default: the repository's no_reverb set)
denoise_dir=         # recordings to denoise in stage 6 (default: the repository's real ones)

is_complex=true      # complex features and mask (else magnitude)

. ../../utils/parse_options.sh

clone_dir=${clone_dir:-$storage_dir}
repo=$clone_dir/DNS-Challenge
test_dir=${test_dir:-$repo/datasets/test_set/synthetic/no_reverb}
denoise_dir=${denoise_dir:-$repo/datasets/test_set/real_recordings}
[[ -n $tag ]] || tag=iscomplex_${is_complex}

if begin_stage 0 "checking git-lfs (the DNS data are stored with it)"; then
  git lfs version || die "git-lfs is missing: install it (https://git-lfs.com) and run again."
fi

if begin_stage 1 "cloning $dns_repo into --clone_dir (a few hundred GB)"; then
  [[ -n $clone_dir ]] || die "--clone_dir (or --storage_dir) is not set."
  mkdir -p "$clone_dir"
  clone_repo "$dns_repo" "$repo"
fi

if begin_stage 2 "synthesizing the training set into --storage_dir"; then
  need_dir "$repo" "clone_dir (run stage 1 first: $repo)"
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder for the training set."
  # The synthesizer reads noisyspeech_synthesizer.cfg: write ours with Linux paths.
  sed -e 's+\\+/+g' -e "s+\./training+$storage_dir+g" "$repo/noisyspeech_synthesizer.cfg" \
    > "$repo/noisyspeech_synthesizer_asteroid.cfg"
  (cd "$repo" && logged synthesize "$python_path" noisyspeech_synthesizer_singleprocess.py \
    --cfg noisyspeech_synthesizer_asteroid.cfg)
fi

if begin_stage 3 "indexing the training set and the synthetic test set"; then
  need_dir "$storage_dir" storage_dir
  need_dir "$test_dir" test_dir
  logged index_train "$python_path" local/preprocess_dns.py --data_dir "$storage_dir" --json_dir data/train
  logged index_test "$python_path" local/preprocess_dns.py --data_dir "$test_dir" --json_dir data/test
fi

set_expdir dns

if begin_stage 4 "training $model (is_complex $is_complex)"; then
  need_file data/train/file_infos.json "stage (run stage 3 first)"
  recipe_train "$expdir" --system dns --plugin local/dns_model.py --train_dir data/train \
    --valid_dir data/train --is_complex "$is_complex"
fi

if begin_stage 5 "evaluating on the synthetic test set"; then
  recipe_eval "$expdir" data/test
fi

if begin_stage 6 "denoising --denoise_dir into $expdir/denoised"; then
  need_dir "$denoise_dir" denoise_dir
  logged denoise "$python_path" local/denoise.py --model "$expdir/best_model.pth" \
    --denoise_dir "$denoise_dir" --out_dir "$expdir/denoised" --use_gpu 1
fi
