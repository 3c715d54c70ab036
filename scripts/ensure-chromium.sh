#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; no browser is downloaded.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then exit 0; fi
echo "正在安装 Chromium 和中文字体（Debian 软件包）…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
