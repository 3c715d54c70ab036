#!/usr/bin/env bash
# The whole test suite: lint, tests on SQLite, tests on PostgreSQL, browser tests.
# Extra arguments go to every pytest run (e.g. -x, -k name).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PYTHONHASHSEED=random
export PATH="$PWD/.venv/bin:$PATH"  # the plan scorer and contract tests call `qinqing`
echo "== ruff =="
.venv/bin/ruff check .
.venv/bin/ruff format --check .
bash scripts/ensure-postgres.sh
bash scripts/ensure-chromium.sh
export QINQING_VAR_DIR="${QINQING_VAR_DIR:-$(mktemp -d)}"
echo "== tests on SQLite =="
.venv/bin/pytest -m "not browser" "$@"
echo "== tests on PostgreSQL =="
DATABASE_URL="${QINQING_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
    .venv/bin/pytest -m "not browser" "$@"
echo "== browser tests (Debian chromium) =="
.venv/bin/pytest -m browser "$@"
