#!/usr/bin/env bash
# A second PostgreSQL cluster on 127.0.0.1:5433 configured as docs/deploy.md's production
# primary (deploy/postgresql/qinqing.conf), with the memory settings scaled to this
# machine's RAM, so that benchmarks can be run on both the default configuration and the
# production one:
#   bash bench/pg_production.sh            # create (once) and start
#   QINQING_BENCH_PG=postgres://postgres@127.0.0.1:5433 .venv/bin/python bench/appeals.py …
#   bash bench/pg_production.sh stop
# Debian's postgresql-common (pg_createcluster, pg_ctlcluster) manages it, beside the
# default cluster the tests use; it never touches that cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
version=$(ls /etc/postgresql | sort -V | tail -n1)
name=qinqing_prod
port=${QINQING_BENCH_PG_PORT:-5433}
if [ "${1:-start}" = stop ]; then
    pg_ctlcluster "$version" "$name" stop || true
    exit 0
fi
if [ ! -d "/etc/postgresql/$version/$name" ]; then
    pg_createcluster --port "$port" "$version" "$name" >/dev/null
    conf="/etc/postgresql/$version/$name"
    # memory scaled from the 32 GB server the file is written for: a quarter of RAM for
    # shared buffers, three quarters as cache size (the rest of the file as it is).
    ram_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
    sed -e "s/^shared_buffers = .*/shared_buffers = $((ram_mb / 4))MB/" \
        -e "s/^effective_cache_size = .*/effective_cache_size = $((ram_mb * 3 / 4))MB/" \
        -e "s/^wal_keep_size = .*/wal_keep_size = 1GB/" \
        deploy/postgresql/qinqing.conf >"$conf/conf.d/qinqing.conf"
    sed -i '1i host all all 127.0.0.1/32 trust # qinqing-bench\nlocal all postgres trust # qinqing-bench' \
        "$conf/pg_hba.conf"
fi
pg_ctlcluster "$version" "$name" start 2>/dev/null || pg_ctlcluster "$version" "$name" status >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
    "select 'PostgreSQL ' || current_setting('server_version') || ' on port $port: shared_buffers ' || current_setting('shared_buffers') || ', max_wal_size ' || current_setting('max_wal_size')"
