#!/usr/bin/env bash
# Installs asl-validator (npm), the second ASL linter the Step Functions tests run every emitted state
# machine through. The version is pinned in tools/asl-validator/package.json and its lockfile; `npm ci`
# installs exactly that into tools/asl-validator/node_modules (ignored by git). Without node the tests
# that need it skip, so a machine without node still runs everything else.
set -euo pipefail
cd "$(dirname "$0")/../../tools/asl-validator"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: the asl-validator tests will be skipped" >&2
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
