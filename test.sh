#!/usr/bin/env bash
# Install (first run only) everything the tests need — Python packages, Debian's
# chromium and CJK fonts for the browser tests — and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
   || [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk postgresql-15-postgis-3 >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk postgresql-15-postgis-3 >/dev/null
  fi
fi
exec .venv/bin/python -m pytest "$@"
