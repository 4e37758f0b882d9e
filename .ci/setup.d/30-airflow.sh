#!/usr/bin/env bash
# Airflow 3 for tests/targets/airflow, in a virtualenv of its own (.venv-airflow) with flowc installed
# editable: resolving Airflow's ~150 pinned packages against the main venv's test tools (moto, boto3,
# ...) would be slow and could conflict, and the DAG tests only need Airflow, flowc and the runner.
# Every version is pinned by the constraints file, so the install resolves nothing. Skipped when the
# venv was already built from the same constraints and pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-airflow
CONSTRAINTS=tests/targets/airflow/constraints-airflow-3.txt
PY=${PYTHON:-python3}
want=$(cat "$CONSTRAINTS" pyproject.toml | sha256sum | cut -d' ' -f1)
stamp="$VENV/.flowc-installed"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
  && "$VENV/bin/python" -c "import airflow, flowc" 2>/dev/null; then
  echo "airflow venv up to date"
  exit 0
fi
start=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -c "$CONSTRAINTS" -e '.[airflow]'
echo "$want" > "$stamp"
echo "airflow venv installed in $(( $(date +%s) - start ))s: $("$VENV/bin/python" -c 'import airflow; print(airflow.__version__)')"
