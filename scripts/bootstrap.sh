#!/usr/bin/env bash
# Create .venv and install Qinqing with its test tools. Idempotent: reinstalls only when
# pyproject.toml changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "需要 Python 3.11 或更高版本（Debian 12 自带 python3 即可）。" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
        echo "正在安装 python3-venv …"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv .venv
    fi
fi
stamp=".venv/.qinqing-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "正在安装依赖（首次需要几分钟）…"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e ".[dev]"
    echo "$want" > "$stamp"
fi
# the 通报 and 督办单 (PDF and chart) need a Chinese font; installed from Debian when missing
bash scripts/ensure-fonts.sh
