#!/usr/bin/env bash
# TF-GridNet (Wang et al. 2023) on WHAM!: complex spectral mapping in the STFT domain.
# The stages are ../local/wham_run.sh's (bash run.sh --help lists the options); see README.md.
#   bash run.sh --sphere_dir /data/wsj0 --wsj0_wav_dir /data/wsj0_wav --wham_wav_dir /data/wham
#   bash run.sh --stage 2 --wham_wav_dir /data/wham --task sep_noisy --id 0,1
exec bash "$(dirname "$0")/../local/wham_run.sh" --recipe_dir "$(dirname "$0")" \
  --model TFGridNet "$@"
