#!/usr/bin/env bash
# Filterbank design (Pariente et al. 2020): Conv-TasNet with the encoder/decoder
# of conf.yml's fb_name (e.g. --train_args "--fb_name param_sinc") on WHAM!.
# The stages are ../local/wham_run.sh's (bash run.sh --help lists the options); see README.md.
#   bash run.sh --sphere_dir /data/wsj0 --wsj0_wav_dir /data/wsj0_wav --wham_wav_dir /data/wham
#   bash run.sh --stage 2 --wham_wav_dir /data/wham --task sep_noisy --id 0,1
exec bash "$(dirname "$0")/../local/wham_run.sh" --recipe_dir "$(dirname "$0")" \
  --model ConvTasNet "$@"
