#!/usr/bin/env bash
# Install (first run only) everything the tests need — Python packages from
# requirements-dev.lock; Debian's chromium and CJK fonts for the browser tests,
# poppler-utils (pdftotext, pdffonts) for the print-map tests, PostgreSQL 15 +
# PostGIS for the shared-database tests (a throwaway cluster each run) — then run the
# gates in order, stopping at the first that fails: ruff, mypy, pytest.
# Arguments go to pytest only, e.g. `./test.sh -q -m "not e2e"`.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh requirements-dev.lock
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
    || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || [ ! -x /usr/lib/postgresql/15/bin/postgres ] \
    || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  packages="chromium fonts-noto-cjk poppler-utils postgresql-15 postgresql-15-postgis-3"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  fi
fi
echo "== ruff check ." >&2
.venv/bin/ruff check .
echo "== mypy" >&2
.venv/bin/mypy
echo "== pytest $*" >&2
# Both cores: test files are spread over two worker processes (pytest-xdist; a file's tests stay together,
# so its module fixtures are built once). GEO_TEST_WORKERS=0 runs them in this process.
exec .venv/bin/python -m pytest -n "${GEO_TEST_WORKERS:-2}" --dist loadfile "$@"
