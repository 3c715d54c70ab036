#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with trust auth for user postgres.
# On a bare Debian machine it installs the Debian package, starts the cluster and allows
# local trust connections (a test machine only; never run this on a production server).
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
          (command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1); }
if ready; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null; then
    echo "正在安装 PostgreSQL（Debian 软件包）…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n1)
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q "qinqing-test" "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust # qinqing-test\nhost all all ::1/128 trust # qinqing-test\nlocal all postgres trust # qinqing-test' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || \
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL 未能在 127.0.0.1:5432 启动。" >&2
exit 1
