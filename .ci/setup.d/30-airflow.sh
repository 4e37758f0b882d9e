#!/usr/bin/env bash
# Airflow for tests/targets/airflow, each version in a virtualenv of its own with flowc installed
# editable: Airflow 3 (the main line) in .venv-airflow, Airflow 2.10 in .venv-airflow2. Resolving
# Airflow's ~150 packages against the main venv's test tools (moto, boto3, ...) would be slow and could
# conflict, and the DAG tests only need Airflow, flowc and the runner. Every version is pinned by a
# constraints file, so an install resolves nothing; a venv already built from the same constraints
# and pyproject.toml is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}

install() {
  local venv=$1 constraints=$2 want stamp start
  want=$(cat "$constraints" pyproject.toml | sha256sum | cut -d' ' -f1)
  stamp="$venv/.flowc-installed"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
    && "$venv/bin/python" -c "import airflow, flowc" 2>/dev/null; then
    echo "$venv up to date"
    return
  fi
  start=$(date +%s)
  [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -c "$constraints" -e '.[airflow]'
  echo "$want" > "$stamp"
  echo "$venv installed in $(( $(date +%s) - start ))s: Airflow $("$venv/bin/python" -c 'import airflow; print(airflow.__version__)' 2>/dev/null)"
}

install .venv-airflow tests/targets/airflow/constraints-airflow-3.txt
install .venv-airflow2 tests/targets/airflow/constraints-airflow-2.txt
