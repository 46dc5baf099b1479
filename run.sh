#!/usr/bin/env bash
# Install (first run only) and start the explorer on its built-in data: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh requirements.lock
exec .venv/bin/python -m ui.launch --server.headless true "$@"
