#!/usr/bin/env bash
# Mixture-model baseline of SMS-WSJ (Drude et al. 2019): cACGMM masks and a Souden MVDR
# beamformer per speaker, evaluated on cv_dev93 and test_eval92. No training. See README.md.
#   bash run.sh --wsj0_dir /data/wsj0 --wsj1_dir /data/wsj1 --storage_dir /data/sms_wsj
#   bash run.sh --stage 2 --sms_wsj_dir /data/sms_wsj   # from a generated SMS-WSJ
set -euo pipefail
cd "$(dirname "$0")"
. ../../utils/recipe.sh

# SMS-WSJ is made from wsj0 and wsj1 (licensed by the LDC: your copies) and the authors'
# room impulse responses, with their sms_wsj package (stage 0 clones it; install it with
# pip install -e local/sms_wsj).
sms_wsj_repo=https://github.com/fgnt/sms_wsj.git
rir_url=https://zenodo.org/record/3517889/files/sms_wsj.tar.gz
wsj0_dir=
wsj1_dir=
storage_dir=         # where SMS-WSJ is written (stage 1)
num_jobs=4
sms_wsj_dir=         # a generated SMS-WSJ holding sms_wsj.json (default: --storage_dir)

dsets="cv_dev93 test_eval92"

. ../../utils/parse_options.sh

sms_wsj_dir=${sms_wsj_dir:-$storage_dir}
[[ -n $tag ]] || tag=mvdr_souden
expdir=exp/cacgmm_$tag

if begin_stage 0 "cloning the sms_wsj scripts"; then
  clone_repo "$sms_wsj_repo" local/sms_wsj
fi

if begin_stage 1 "generating SMS-WSJ in --storage_dir (wsj0 and wsj1 needed)"; then
  need_dir "$wsj0_dir" wsj0_dir
  need_dir "$wsj1_dir" wsj1_dir
  [[ -n $storage_dir ]] || die "--storage_dir is not set: give the folder for SMS-WSJ."
  "$python_path" -c "import sms_wsj" 2>/dev/null \
    || die "the sms_wsj package is missing: pip install -e local/sms_wsj (stage 0 cloned it)."
  mpi=()
  command -v mpiexec > /dev/null && mpi=(mpiexec -np "$num_jobs")
  wav_dir=$storage_dir/wsj_8k_zeromean
  [[ -d $wav_dir ]] || logged wsj_wav "${mpi[@]}" "$python_path" -m sms_wsj.database.wsj.write_wav \
    with dst_dir="$wav_dir" wsj0_root="$wsj0_dir" wsj1_root="$wsj1_dir" sample_rate=8000
  [[ -f $storage_dir/wsj_8k_zeromean.json ]] || logged wsj_json "$python_path" -m sms_wsj.database.wsj.create_json \
    with json_path="$storage_dir/wsj_8k_zeromean.json" database_dir="$wav_dir" as_wav=True
  for part in aa ab ac ad ae; do  # the room impulse responses come in five parts
    fetch "$rir_url.part$part" "$storage_dir/downloads/sms_wsj.tar.gz.part$part"
  done
  if [[ ! -d $storage_dir/rirs ]]; then
    mkdir -p "$storage_dir/rirs"
    cat "$storage_dir"/downloads/sms_wsj.tar.gz.parta? | tar -C "$storage_dir/rirs" -zx
  fi
  [[ -f $storage_dir/sms_wsj.json ]] || logged sms_json "$python_path" -m sms_wsj.database.create_json \
    with json_path="$storage_dir/sms_wsj.json" rir_dir="$storage_dir/rirs" \
    wsj_json_path="$storage_dir/wsj_8k_zeromean.json"
  logged sms_files "${mpi[@]}" "$python_path" -m sms_wsj.database.write_files with dst_dir="$storage_dir" \
    json_path="$storage_dir/sms_wsj.json" write_all=True new_json_path="$storage_dir/sms_wsj.json"
fi

if begin_stage 2 "copying the SMS-WSJ database JSON into data/"; then
  need_file "$sms_wsj_dir/sms_wsj.json" "sms_wsj_dir (no sms_wsj.json in it)"
  mkdir -p data
  if [[ -f data/sms_wsj.json ]]; then
    echo "data/sms_wsj.json exists: kept."
  else
    cp "$sms_wsj_dir/sms_wsj.json" data/sms_wsj.json
  fi
fi

if begin_stage 3 "cACGMM + MVDR separation and evaluation of $dsets"; then
  need_file data/sms_wsj.json "stage (run stage 2 first)"
  again=()
  [[ $force_eval == true ]] && again=(--force)
  for dset in $dsets; do
    # shellcheck disable=SC2086  # eval_args holds several options
    logged "eval_$dset" "$python_path" local/cacgmm.py --json_path data/sms_wsj.json --dset "$dset" \
      --exp_dir "$expdir" --out_dir "eval_$dset" "${again[@]}" $eval_args
    cp "logs/eval_${dset}_${tag}.log" "$expdir/eval_$dset.log"
  done
fi
