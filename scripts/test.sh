#!/usr/bin/env bash
# The whole test suite: lint, tests on SQLite and on PostgreSQL (run side by side, one per
# core), then the browser tests. Extra arguments go to every pytest run (e.g. -x, -k name).
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
logs=$(mktemp -d)
echo "== tests on SQLite and on PostgreSQL (side by side; logs follow) =="
QINQING_VAR_DIR=$(mktemp -d) .venv/bin/pytest -m "not browser" "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
QINQING_VAR_DIR=$(mktemp -d) QINQING_DB_TESTS_ONLY=1 \
    DATABASE_URL="${QINQING_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
    .venv/bin/pytest -m "not browser" "$@" >"$logs/postgres.log" 2>&1 &
pg_pid=$!
status=0
wait "$sqlite_pid" || status=1
wait "$pg_pid" || status=1
echo "-- SQLite --"; cat "$logs/sqlite.log"
echo "-- PostgreSQL (tests that touch the database) --"; cat "$logs/postgres.log"
if [ "$status" -ne 0 ]; then
    echo "tests failed (see above)" >&2
    exit 1
fi
echo "== browser tests (Debian chromium) =="
QINQING_VAR_DIR=$(mktemp -d) .venv/bin/pytest -m browser "$@"
