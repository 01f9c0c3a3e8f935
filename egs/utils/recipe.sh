#!/usr/bin/env bash
# What every recipe shares, sourced by its run.sh before parse_options.sh:
#
#   cd "$(dirname "$0")"
#   . ../../utils/recipe.sh            # the common options and the stage helpers
#   model=ConvTasNet                    # the recipe's own variables...
#   . ../../utils/parse_options.sh     # ...which parse_options.sh makes options
#
# The common options are taken out of the command line here, so that parse_options.sh sees
# the recipe's own only:
#   --stage N / --stop_stage N   first and last stage to run
#   --tag NAME                   experiment name (exp/train_<model>_<tag>/)
#   --id 0,1                     device ids: several give several processes (DDP)
#   --python_path PATH           the Python that runs the stages
#   --retrain true               train again over a finished experiment
#   --force_eval true            evaluate again over a finished evaluation
#   --train_args "..."           more train.py options (any conf.yml key: "--lr 1e-4")
#   --eval_args "..."            more eval.py options ("--n_save_ex -1", "--use_gpu 0")
# A run.sh may set other defaults for them before sourcing this file (e.g. stage=1).
# Each stage logs to logs/<stage>_<tag>.log; training and evaluation logs are also copied
# into the experiment folder. Stages that find their output leave it alone unless asked
# (--retrain, --force_eval; delete a data stage's output to redo it).

utils_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONUNBUFFERED=1

stage=${stage:-0}
stop_stage=${stop_stage:-100}
tag=${tag:-}
id=${id:-}
python_path=${python_path:-python}
retrain=${retrain:-false}
force_eval=${force_eval:-false}
train_args=${train_args:-}
eval_args=${eval_args:-}
_common_options=" stage stop_stage tag id python_path retrain force_eval train_args eval_args "
_other_args=()
while [[ $# -gt 0 ]]; do
  _arg=$1
  shift
  if [[ $_arg == --help || $_arg == -h ]]; then
    echo "Common options (see ../../utils/recipe.sh), with their current values:"
    for _name in $_common_options; do
      printf '  --%-24s %s\n' "$_name" "${!_name}"
    done
  fi
  _name=${_arg#--}
  _name=${_name%%=*}
  _name=${_name//-/_}
  if [[ $_arg != --* || $_common_options != *" $_name "* ]]; then
    _other_args+=("$_arg")  # a recipe option (or --help): parse_options.sh reads it
    continue
  fi
  if [[ $_arg == *=* ]]; then
    _value=${_arg#*=}
  elif [[ $# -gt 0 ]]; then
    _value=$1
    shift
  else
    echo "$(basename "$0"): option $_arg needs a value" >&2
    exit 1
  fi
  if [[ $_name == retrain || $_name == force_eval ]] && [[ $_value != true && $_value != false ]]; then
    echo "$(basename "$0"): option --$_name takes true or false, got '$_value'" >&2
    exit 1
  fi
  printf -v "$_name" '%s' "$_value"
done
set -- ${_other_args[@]+"${_other_args[@]}"}
unset _arg _name _value _other_args

# The recipe's name, e.g. librimix/ConvTasNet: its folder under egs/.
recipe_name() {
  echo "${PWD#"$(dirname "$utils_dir")"/}"
}

die() {
  echo "$(basename "$0"): error: $*" >&2
  exit 1
}

# stage_on N: whether stage N is between --stage and --stop_stage.
stage_on() {
  [[ $stage -le $1 && $stop_stage -ge $1 ]]
}

# begin_stage N "what it does": true (and a header) when stage N runs.
begin_stage() {
  stage_on "$1" || return 1
  echo "===== Stage $1 ($(recipe_name)): $2"
}

# need_dir PATH OPTION: fail at once unless PATH is a directory; OPTION names the run.sh option.
need_dir() {
  [[ -n "$1" ]] || die "--$2 is not set: give the path of the folder it names."
  [[ -d "$1" ]] || die "--$2: no such directory: $1"
}

# need_file PATH OPTION: the same for a file.
need_file() {
  [[ -n "$1" ]] || die "--$2 is not set: give the path of the file it names."
  [[ -f "$1" ]] || die "--$2: no such file: $1"
}

# logged NAME command...: run the command, its output also in logs/NAME_<tag>.log.
logged() {
  local name=$1 status
  shift
  mkdir -p logs
  set +e
  "$@" 2>&1 | tee "logs/${name}_${tag}.log"
  status=${PIPESTATUS[0]}
  set -e
  [[ $status -eq 0 ]] || die "$name failed (exit status $status); see logs/${name}_${tag}.log"
}

# fetch URL OUT [download.py options]: the shared resumable downloader.
fetch() {
  local url=$1 out=$2
  shift 2
  "$python_path" "$utils_dir/download.py" "$url" --out "$out" "$@" \
    || die "download of $url failed"
}

# fetch_librispeech URL DEST PART...: LibriSpeech archives (e.g. dev-clean) from URL, checked
# against their published MD5 (openslr's md5sum.txt) and extracted into DEST.
fetch_librispeech() {
  local url=$1 dest=$2 part
  shift 2
  local -A md5=(
    [dev-clean]=42e2234ba48799c1f50f24a7926300a1 [dev-other]=c8d0bcc9cca99d4f8b62fcc847357931
    [test-clean]=32fa31d27d2e1cad72775fee3f4849a9 [test-other]=fb5a50374b501bb3bac4815ee91d3135
    [train-clean-100]=2a93770f6d5c6c964bc36631d331a522
    [train-clean-360]=c0e676e450a7ff2f54aeade5171606fa
    [train-other-500]=d1a0fd59409feb2c614ce4d30c387708
  )
  for part in "$@"; do
    [[ -n ${md5[$part]:-} ]] || die "unknown LibriSpeech part: $part"
    fetch "$url/$part.tar.gz" "$dest/downloads/$part.tar.gz" --md5 "${md5[$part]}" --extract_to "$dest"
  done
}

# clone_repo URL DIR: a git clone, once.
clone_repo() {
  if [[ -d "$2/.git" ]]; then
    echo "$2 is already cloned."
  else
    git clone --depth 1 "$1" "$2" || die "git clone $1 failed"
  fi
}

# set_expdir NAME: the experiment folder exp/train_NAME_<tag>, with its run_uuid.txt.
set_expdir() {
  expdir=exp/train_${1}_${tag}
  mkdir -p "$expdir"
  if [[ ! -f $expdir/run_uuid.txt ]]; then
    "$python_path" -c 'import uuid; print(str(uuid.uuid4())[:8])' > "$expdir/run_uuid.txt"
  fi
  echo "Experiment folder: $expdir"
}

# recipe_train EXPDIR [train.py options]: train $model on $dataset with $loss (conf.yml),
# unless EXPDIR already holds a trained model.
recipe_train() {
  local dir=$1
  shift
  if [[ -f $dir/best_model.pth && $retrain != true ]]; then
    echo "$dir/best_model.pth exists: training skipped (--retrain true to train again)."
    return 0
  fi
  local again=()
  [[ $retrain == true ]] && again=(--retrain)
  mkdir -p "$dir/publish_dir"
  recipe_name > "$dir/publish_dir/recipe_name.txt"
  # shellcheck disable=SC2086  # train_args holds several options
  logged "train" "$python_path" -m asteroid.scripts.train --conf conf.yml \
    --model "$model" --dataset "$dataset" --loss "$loss" --exp_dir "$dir" --id "$id" \
    "${again[@]}" "$@" $train_args
  cp "logs/train_${tag}.log" "$dir/train.log"
}

# recipe_eval EXPDIR TEST_DIR [eval.py options]: evaluate and prepare publish_dir/,
# unless EXPDIR already holds the evaluation.
recipe_eval() {
  local dir=$1 test_dir=$2
  shift 2
  if [[ -f $dir/eval/final_metrics.json && $force_eval != true ]]; then
    echo "$dir/eval/final_metrics.json exists: evaluation skipped (--force_eval true to redo it)."
    return 0
  fi
  local again=()
  [[ $force_eval == true ]] && again=(--force)
  # shellcheck disable=SC2086  # eval_args holds several options
  logged "eval" "$python_path" -m asteroid.scripts.eval --exp_dir "$dir" --test_dir "$test_dir" \
    --use_gpu 1 "${again[@]}" "$@" $eval_args
  cp "logs/eval_${tag}.log" "$dir/eval.log"
}
