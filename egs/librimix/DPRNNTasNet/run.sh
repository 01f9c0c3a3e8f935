#!/usr/bin/env bash
# DPRNN-TasNet (Luo et al. 2020), speech enhancement on LibriMix. The stages are
# ../local/librimix_run.sh's (bash run.sh --help lists the options); see README.md.
#   bash run.sh --storage_dir /data/librimix            # everything, from the downloads
#   bash run.sh --stage 1 --librimix_dir /data/librimix  # from an existing Libri2Mix
exec bash "$(dirname "$0")/../local/librimix_run.sh" --recipe_dir "$(dirname "$0")" \
  --model DPRNNTasNet --task enh_single --n_src 1 --sample_rate 16000 --mode max "$@"
