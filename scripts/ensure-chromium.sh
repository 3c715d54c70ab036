#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; no browser is downloaded.
set -euo pipefail
# grep -c reads all of fc-list's output (grep -q would exit early and, under pipefail, the
# SIGPIPE'd fc-list would make the check fail when the font is there)
if [ -x /usr/bin/chromium ] && [ "$(fc-list 2>/dev/null | grep -ci "noto.*cjk")" -gt 0 ]; then exit 0; fi
echo "正在安装 Chromium 和中文字体（Debian 软件包）…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
