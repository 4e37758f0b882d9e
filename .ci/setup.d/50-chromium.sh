#!/usr/bin/env bash
# Chromium (Debian's package), for tests/compat/test_cards.py: the default card rendered in a real
# headless browser. Already there: nothing to do. Not installable (not root, no apt): say so; the
# test then skips, saying why.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  echo "chromium present: $(chromium --version 2>/dev/null || chromium-browser --version)"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium not installed and cannot be installed here (needs root and apt-get): the card browser test will skip"
  exit 0
fi
start=$(date +%s)
if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
  echo "chromium installed in $(( $(date +%s) - start ))s: $(chromium --version)"
else
  echo "chromium could not be installed (apt-get failed): the card browser test will skip" >&2
fi
