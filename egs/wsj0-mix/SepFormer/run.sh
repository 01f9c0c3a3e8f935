#!/usr/bin/env bash
# SepFormer (Subakan et al. 2021) on wsj0-2mix / wsj0-3mix: the paper's own benchmark.
# The stages are ../local/wsj0mix_run.sh's (bash run.sh --help lists the options); see README.md.
#   bash run.sh --sphere_dir /data/wsj0 --wsj0_wav_dir /data/wsj0_wav   # stages 0-1
#   bash run.sh --stage 2 --wsj0mix_wav_dir /data/wsj0-mix --id 0,1
exec bash "$(dirname "$0")/../local/wsj0mix_run.sh" --recipe_dir "$(dirname "$0")" \
  --model SepFormer "$@"
