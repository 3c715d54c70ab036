#!/usr/bin/env bash
# Install, load the demo world (SQLite by default; set DATABASE_URL for PostgreSQL) and
# serve the site with gunicorn on http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/qinqing demo
exec .venv/bin/qinqing serve "$@"
