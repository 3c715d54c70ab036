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
echo "== architecture: import contracts and types =="
# docs/dev/architecture.md: core knows no app, apps meet through queries and service, no
# cycles (import-linter); strict types for core, rules, engines and the parser (mypy)
PYTHONPATH=scripts .venv/bin/lint-imports
.venv/bin/mypy
bash scripts/ensure-postgres.sh
bash scripts/ensure-redis.sh  # Celery broker for the job tests (tests/core/jobs/test_celery.py)
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
echo "== date-sensitive tests on fixed dates (SQLite, two at a time) =="
# Tests that go through the demo or a sweep read the clock; they run on a pinned date
# (tests/conftest.py). Here they run again on dates that have broken things before: just
# before and after New Year in a year without a holiday notice, a leap day, and the week
# after 国庆 of a provisional year.
date_status=0
for pair in "2026-12-20 2027-01-04" "2028-02-29 2031-10-08"; do
    pids=()
    for day in $pair; do
        QINQING_TEST_TODAY=$day QINQING_VAR_DIR=$(mktemp -d) \
            .venv/bin/pytest -m "date_sensitive and not browser" -p no:warnings "$@" \
            >"$logs/date-$day.log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || date_status=1; done
done
for log in "$logs"/date-*.log; do echo "-- $(basename "$log" .log) --"; tail -n 30 "$log"; done
if [ "$date_status" -ne 0 ]; then
    echo "date-sensitive tests failed on a fixed date (see above)" >&2
    exit 1
fi
echo "== browser tests (Debian chromium) =="
QINQING_VAR_DIR=$(mktemp -d) .venv/bin/pytest -m browser "$@"
