#!/usr/bin/env bash
# Make sure Redis answers on 127.0.0.1:6379 (the Celery broker the job tests use).
# On a bare Debian machine it installs the Debian package; it starts a throw-away server
# (no persistence) when nothing answers. A test machine only; production runs its own Redis.
set -euo pipefail
ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if command -v redis-cli >/dev/null && ready; then exit 0; fi
if ! command -v redis-server >/dev/null; then
    echo "正在安装 Redis（Debian 软件包）…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ready; then exit 0; fi
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
for _ in $(seq 1 30); do ready && exit 0; sleep 0.5; done
echo "Redis 未能在 127.0.0.1:6379 启动。" >&2
exit 1
