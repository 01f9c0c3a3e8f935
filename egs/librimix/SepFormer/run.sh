#!/usr/bin/env bash
# SepFormer (Subakan et al. 2021), two-speaker separation on LibriMix, with dynamic mixing.
# The stages are ../local/librimix_run.sh's (bash run.sh --help lists the options); see
# README.md.
#   bash run.sh --storage_dir /data/librimix            # everything, from the downloads
#   bash run.sh --stage 1 --librimix_dir /data/librimix  # from an existing Libri2Mix
exec bash "$(dirname "$0")/../local/librimix_run.sh" --recipe_dir "$(dirname "$0")" \
  --model SepFormer --task sep_clean --n_src 2 --sample_rate 8000 --mode min "$@"
