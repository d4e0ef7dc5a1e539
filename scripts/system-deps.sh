#!/usr/bin/env bash
# The system packages `make demo` and `make test` need, installed when missing
# (Debian/Ubuntu, apt-get). The one place that knows them: the Makefile's
# `system-deps` step runs it before anything else, and so does .ci/run.
#
#   scripts/system-deps.sh           Java 17+, Maven, make, Python's venv module
#   scripts/system-deps.sh --tests   the same, plus Chromium and chromedriver
#                                    (the Neo4j Browser test)
#
# When everything is there it only looks (a second, no apt-get). When
# something is missing: as root it runs `apt-get update` and a non-interactive
# `apt-get install`; otherwise it changes nothing, prints the exact command to
# run, and exits 1.
#
# Only bash builtins are used for the checks, so it works with any PATH.
# For its tests: SYSTEM_DEPS_EUID stands for the effective user id (e.g. 1000
# to act as a user without root), PYTHON names the interpreter the Makefile
# builds the venv with (default python3).
set -euo pipefail

MIN_JAVA=17
tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) tests=1 ;;
    -h|--help) sed -n '2,18p' "$0" 2>/dev/null || true; exit 0 ;;
    *) echo "system-deps: unknown option '$arg' (use --tests)" >&2; exit 2 ;;
  esac
done
python=${PYTHON:-python3}
euid=${SYSTEM_DEPS_EUID:-$EUID}

# Major version of the `java` on the PATH, or 0 if there is none or it cannot
# be read ("17.0.15" -> 17, "1.8.0_402" -> 8).
java_major() {
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  local out
  out=$(java -version 2>&1) || { echo 0; return; }
  if [[ $out =~ version\ \"1\.([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  elif [[ $out =~ version\ \"([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo 0
  fi
}

# The Debian packages of what is missing, in `need`; what was found wanting, in `why`.
need=()
why=()
check() {
  need=()
  why=()
  local major
  major=$(java_major)
  if (( major < MIN_JAVA )); then
    need+=(openjdk-17-jre-headless)
    if (( major == 0 )); then why+=("no java"); else why+=("java $major (Neo4j needs $MIN_JAVA+)"); fi
  fi
  command -v mvn >/dev/null 2>&1 || { need+=(maven); why+=("no mvn"); }
  command -v make >/dev/null 2>&1 || { need+=(make); why+=("no make"); }
  # Debian's python3 comes without ensurepip, which `python3 -m venv` needs.
  if command -v "$python" >/dev/null 2>&1; then
    "$python" -c "import ensurepip, venv" >/dev/null 2>&1 || {
      need+=(python3-venv); why+=("no venv module in $python"); }
  else
    need+=(python3 python3-venv); why+=("no $python")
  fi
  if (( tests )); then
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || {
      need+=(chromium); why+=("no chromium"); }
    command -v chromedriver >/dev/null 2>&1 || { need+=(chromium-driver); why+=("no chromedriver"); }
  fi
  return 0
}

check
if (( ${#need[@]} == 0 )); then
  exit 0
fi

reason=$(IFS=,; echo "${why[*]}")
reason=${reason//,/, }
if (( euid != 0 )); then
  echo "system-deps: missing: $reason. Install them with:" >&2
  echo "" >&2
  echo "    sudo apt-get install -y ${need[*]}" >&2
  echo "" >&2
  echo "(run 'sudo apt-get update' first if apt-get cannot find them), then run make again." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing: $reason; there is no apt-get here: install the equivalent of" \
       "the Debian packages ${need[*]}, then run make again." >&2
  exit 1
fi

echo "system-deps: missing: $reason; installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}"

check
if (( ${#need[@]} > 0 )); then
  reason=$(IFS=,; echo "${why[*]}")
  echo "system-deps: still missing after apt-get install: ${reason//,/, }." >&2
  if [[ " ${need[*]} " == *" openjdk-17-jre-headless "* ]]; then
    echo "If an older java comes first, select Java 17: update-alternatives --config java" >&2
  fi
  exit 1
fi
