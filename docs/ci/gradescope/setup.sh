#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (Ubuntu, Python 3.10+).
# It installs nncheck into $AUTOGRADER_ROOT/venv and checks the problem shipped in the zip.
set -euo pipefail

root="${AUTOGRADER_ROOT:-/autograder}"
problem="${NNCHECK_PROBLEM:-problem.yaml}"   # the problem file in the zip
# What pip installs: by default the nncheck wheel in the zip (nncheck-*.whl). To install from
# git instead, set it here (Gradescope passes no variables), for example
#   pip_source="git+https://github.com/YOUR-ORG/nncheck.git@v0.1.0"
pip_source="${NNCHECK_PIP_SOURCE:-}"

if [ -z "$pip_source" ]; then
  shopt -s nullglob
  wheels=("$root"/source/nncheck-*.whl)
  if [ "${#wheels[@]}" -ne 1 ]; then
    echo "setup.sh: put exactly one nncheck-*.whl in the zip, or set pip_source in setup.sh" >&2
    exit 1
  fi
  pip_source="${wheels[0]}"
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip git
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
  echo "setup.sh: nncheck needs Python 3.10 or later; choose a newer Ubuntu base image" >&2
  exit 1
}

python3 -m venv "$root/venv"
"$root/venv/bin/python" -m pip install --upgrade pip
"$root/venv/bin/python" -m pip install "$pip_source"
# Fail the build now, not at the first submission, if the problem file has a mistake.
"$root/venv/bin/nncheck" check "$root/source/$problem"
