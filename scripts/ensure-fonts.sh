#!/usr/bin/env bash
# The 通报 and the 督办单 need a Chinese font with TrueType outlines: the PDF embeds it and
# the bulletin's chart draws its labels with it. Installs WenQuanYi Zen Hei (Debian package
# fonts-wqy-zenhei) when fontconfig finds no such font; idempotent.
set -euo pipefail
# (read fc-list whole: `| grep -q` would stop it early and pipefail would count that a failure)
fonts=$(fc-list 2>/dev/null || true)
if [[ "$fonts" == *wqy-zenhei* ]]; then
    exit 0
fi
echo "正在安装公文和通报所需的中文字体（文泉驿正黑）…"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "缺少中文字体，且当前用户无权安装：请由管理员执行 apt-get install fonts-wqy-zenhei fontconfig。" >&2
        exit 1
    fi
    sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-wqy-zenhei fontconfig >/dev/null
