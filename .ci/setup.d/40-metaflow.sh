#!/usr/bin/env bash
# Metaflow 2.19.39, the conformance suite's oracle (tests/conformance), in a virtualenv of its own:
# .venv-metaflow. Never a dependency of flowc, never installed beside it: the suite runs Metaflow's own
# `python flow.py run` and Metaflow's client in this venv, as a user of Metaflow would. Every package is
# pinned by the constraints file, so an install resolves nothing; a venv already built from the same
# constraints is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
venv=.venv-metaflow
constraints=tests/conformance/constraints-metaflow.txt
want=$(sha256sum "$constraints" | cut -d' ' -f1)
stamp="$venv/.flowc-installed"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
  && "$venv/bin/python" -c "import metaflow" 2>/dev/null; then
  echo "$venv up to date"
  exit 0
fi
start=$(date +%s)
[ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet --no-deps -r "$constraints"
"$venv/bin/python" -m pip check
echo "$want" > "$stamp"
echo "$venv installed in $(( $(date +%s) - start ))s: Metaflow $("$venv/bin/python" -c 'import metaflow; print(metaflow.__version__)' 2>/dev/null)"
