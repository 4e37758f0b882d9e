#!/usr/bin/env bash
# Builds the benchmark's reference environment. Metaflow is never a dependency of flowc: it lives only
# in benchmarks/.work/venv-metaflow, which this script creates. flowc itself runs from its own venv
# (/work/main/.venv by default, or --flowc-python PATH).
#
# Also installs numpy into benchmarks/.work/site-flowc (a `pip --target` folder that bench.py puts on
# PYTHONPATH for the artifact benchmark only), so flowc's venv is left exactly as its tests expect, and
# pylint into benchmarks/.work/site-pylint (for Metaflow's check with pylint, see below).
#
#   bash benchmarks/setup.sh [--flowc-python PATH]
set -euo pipefail
cd "$(dirname "$0")"
BENCH_DIR=$(pwd)
WORK="$BENCH_DIR/.work"

# Pinned so that numbers from different days compare the same Metaflow.
METAFLOW_VERSION=2.19.39
NUMPY_SPEC='numpy>=1.26,<3'
PYLINT_VERSION=4.1.4

FLOWC_PYTHON="$BENCH_DIR/../.venv/bin/python"
while [ $# -gt 0 ]; do
  case "$1" in
    --flowc-python) FLOWC_PYTHON=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ! -x "$FLOWC_PYTHON" ]; then
  echo "setup.sh: flowc's python not found at $FLOWC_PYTHON (install flowc first: scripts/test does)" >&2
  exit 2
fi
"$FLOWC_PYTHON" -c 'import flowc' || {
  echo "setup.sh: $FLOWC_PYTHON cannot import flowc" >&2
  exit 2
}

mkdir -p "$WORK"
MF_VENV="$WORK/venv-metaflow"
if [ ! -x "$MF_VENV/bin/python" ]; then
  # The same interpreter version as flowc's, so start-up costs compare like with like.
  "$FLOWC_PYTHON" -m venv "$MF_VENV"
fi
"$MF_VENV/bin/python" -m pip install --quiet --upgrade pip
# boto3: Metaflow's S3 datastore and its Step Functions/Batch path need it for the compile benchmarks.
# kubernetes: Metaflow's Argo and Airflow commands import it.
"$MF_VENV/bin/python" -m pip install --quiet "metaflow==$METAFLOW_VERSION" boto3 kubernetes

# pylint beside (not inside) Metaflow's venv: `python flow.py check` runs pylint whenever it can import
# it, so bench.py times Metaflow's check both ways, with this folder on PYTHONPATH and without.
if ! PYTHONPATH="$WORK/site-pylint" "$MF_VENV/bin/python" -c 'import pylint' 2>/dev/null; then
  "$MF_VENV/bin/python" -m pip install --quiet --target "$WORK/site-pylint" "pylint==$PYLINT_VERSION"
fi

# numpy for the artifact benchmark, outside flowc's venv.
if ! PYTHONPATH="$WORK/site-flowc" "$FLOWC_PYTHON" -c 'import numpy' 2>/dev/null; then
  "$FLOWC_PYTHON" -m pip install --quiet --target "$WORK/site-flowc" "$NUMPY_SPEC"
fi

echo "metaflow: $("$MF_VENV/bin/python" -c 'import metaflow; print(metaflow.__version__)') in $MF_VENV"
echo "flowc:    $(cd "$(dirname "$FLOWC_PYTHON")" && pwd)/$(basename "$FLOWC_PYTHON")"
echo "pylint:   $(PYTHONPATH="$WORK/site-pylint" "$MF_VENV/bin/python" -c 'import pylint; print(pylint.__version__)') (for Metaflow's check)"
echo "numpy:    $(PYTHONPATH="$WORK/site-flowc" "$FLOWC_PYTHON" -c 'import numpy; print(numpy.__version__)')"
