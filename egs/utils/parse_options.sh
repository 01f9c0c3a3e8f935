#!/usr/bin/env bash
# Kaldi-style option parsing for recipe scripts, sourced after the variables are set:
#
#   stage=0
#   tag=""
#   . ../../utils/parse_options.sh
#
# Every variable defined before the `source` line can be set as `--name value`
# (dashes in the name map to underscores: --train-dir -> train_dir). `--help`
# prints the settable variables with their current values. An option that names
# no variable, or lacks its value, is an error that names it.

_po_script=$(basename "$0")

_po_usage() {
  echo "Usage: $_po_script [--name value ...]"
  echo "Options (variables of $_po_script, with their current values):"
  local _v
  for _v in $(compgen -v | sort); do
    case "$_v" in _po_*|BASH*|FUNCNAME|GROUPS|PIPESTATUS|DIRSTACK|OPTIND|OPTERR|PPID|UID|EUID|SHELLOPTS|HIST*|COMP*|LINENO|RANDOM|SECONDS|SHLVL|PWD|OLDPWD|PATH|HOME|IFS|PS*|TERM|USER|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|LANG|LC_*|_) continue ;; esac
    if grep -qE "^[[:space:]]*${_v}=" "$0" 2>/dev/null; then
      printf '  --%-24s %s\n' "$_v" "${!_v}"
    fi
  done
}

while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h)
      _po_usage
      exit 0
      ;;
    --*=*)
      _po_name="${1%%=*}"
      _po_value="${1#*=}"
      shift
      set -- "$_po_name" "$_po_value" "$@"
      continue
      ;;
    --*)
      _po_name=$(echo "${1#--}" | tr '-' '_')
      if ! [[ "$_po_name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || ! grep -qE "^[[:space:]]*${_po_name}=" "$0" 2>/dev/null; then
        echo "$_po_script: unknown option $1 (see --help for the options)" >&2
        exit 1
      fi
      if [ $# -lt 2 ]; then
        echo "$_po_script: option $1 needs a value" >&2
        exit 1
      fi
      # A boolean variable only takes true/false.
      _po_old="${!_po_name}"
      if [ "$_po_old" = "true" ] || [ "$_po_old" = "false" ]; then
        case "$2" in
          true|false) ;;
          *) echo "$_po_script: option $1 takes true or false, got '$2'" >&2; exit 1 ;;
        esac
      fi
      printf -v "$_po_name" '%s' "$2"
      shift 2
      ;;
    *)
      break
      ;;
  esac
done

unset _po_name _po_value _po_old
true
