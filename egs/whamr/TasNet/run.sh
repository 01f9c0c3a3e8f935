#!/usr/bin/env bash
# An LSTM TasNet (Luo & Mesgarani 2018 style, with a gated encoder) on WHAMR! (Maciejewski
# et al. 2020), noisy and reverberant separation. WHAMR! is built like WHAM!, with its own
# scripts, so the stages are ../../wham/local/wham_run.sh's (bash run.sh --help lists the
# options: --wham_wav_dir is the WHAMR! folder here); see README.md.
#   bash run.sh --sphere_dir /data/wsj0 --wsj0_wav_dir /data/wsj0_wav --wham_wav_dir /data/whamr
#   bash run.sh --stage 2 --wham_wav_dir /data/whamr --task sep_reverb
exec bash "$(dirname "$0")/../../wham/local/wham_run.sh" --recipe_dir "$(dirname "$0")" \
  --wham_scripts_url https://storage.googleapis.com/whisper-public/whamr_scripts.tar.gz \
  --model LSTMTasNet --dataset WhamRDataset --task sep_reverb_noisy "$@"
