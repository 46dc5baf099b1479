#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install a lock file into it, once per version of that file.
# Usage: scripts/setup.sh requirements.lock|requirements-dev.lock
# The locks pin every package (see README.md, "Dependencies", to refresh them).
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.lock}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum "$req" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
