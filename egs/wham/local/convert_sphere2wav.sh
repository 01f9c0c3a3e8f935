#!/usr/bin/env bash
# Convert the wsj0 SPHERE files (shorten-compressed .wv1) of si_tr_s, si_dt_05 and si_et_05
# to WAV with sph2pipe, built once from SPH2PIPE_URL into egs/tools/. wsj0 is licensed by
# the LDC (LDC93S6A/B): SPHERE_DIR is your copy of it. Existing WAV files are kept.
#
#   convert_sphere2wav.sh SPHERE_DIR WAV_DIR PYTHON SPH2PIPE_URL
set -euo pipefail
sphere_dir=$1 wav_dir=$2 python_path=$3 sph2pipe_url=$4
tools=$(cd "$(dirname "$0")/../.." && pwd)/tools
sph2pipe=$tools/sph2pipe_v2.5/sph2pipe
[[ -d $sphere_dir ]] || { echo "error: --sphere_dir: no such directory: '$sphere_dir'" >&2; exit 1; }
[[ -n $wav_dir ]] || { echo "error: --wsj0_wav_dir is not set: give the folder for the WAV files." >&2; exit 1; }

if [[ ! -x $sph2pipe ]]; then
  $python_path "$(dirname "$0")/../../utils/download.py" "$sph2pipe_url" \
    --out "$tools/sph2pipe_v2.5.tar.gz" --extract_to "$tools"
  gcc -o "$sph2pipe" "$tools"/sph2pipe_v2.5/*.c -lm
fi

mapfile -t files < <(find -L "$sphere_dir" -iname '*.wv1' | grep -e si_tr_s -e si_dt_05 -e si_et_05 | sort)
[[ ${#files[@]} -gt 0 ]] || { echo "No si_tr_s/si_dt_05/si_et_05 .wv1 file under $sphere_dir" >&2; exit 1; }
done_count=0
for sph in "${files[@]}"; do
  # <wav_dir>/<si_xx>/<speaker>/<utterance>.wav, as the WHAM! and wsj0-mix scripts expect.
  rel=$(echo "$sph" | awk -F/ '{print tolower($(NF-2)) "/" tolower($(NF-1)) "/" tolower($NF)}')
  wav=$wav_dir/${rel%.wv1}.wav
  if [[ ! -s $wav ]]; then
    mkdir -p "$(dirname "$wav")"
    "$sph2pipe" -f wav "$sph" > "$wav"
  fi
  done_count=$((done_count + 1))
  if (( done_count % 500 == 0 || done_count == ${#files[@]} )); then
    echo "converted $done_count / ${#files[@]}"
  fi
done
