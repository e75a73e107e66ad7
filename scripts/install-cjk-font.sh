#!/bin/sh
# Chinese chart labels need a CJK font, and Kefu only uses installed fonts (it never downloads
# any). Called by `make setup`: installs Debian's fonts-noto-cjk (Noto Sans CJK SC/TC, about
# 60 MB) when no CJK font is installed and apt-get may be run; otherwise says how, in one line.
# Never fails set-up: without the font, charts are labelled in English.
set -u
cd "$(dirname "$0")/.."
python="${1:-.venv/bin/python}"
hint="No CJK font found: charts will be labelled in English. For Chinese labels, install one: 'sudo apt-get install fonts-noto-cjk' (Debian/Ubuntu; Kefu finds it at its next start)."

has_cjk_font() {
    if command -v fc-list >/dev/null 2>&1; then
        [ -n "$(fc-list :lang=zh family)" ]
    else
        # No fontconfig (macOS, say): ask matplotlib, which finds system fonts by itself.
        "$python" -c 'import sys; from domain.chart_fonts import cjk_font; sys.exit(cjk_font("zh_Hans") is None)'
    fi
}

may_run_apt_get() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        env DEBIAN_FRONTEND=noninteractive "$@"
    else
        sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
    fi
}

install_font() {
    as_root apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null 2>&1
}

has_cjk_font && exit 0
if ! may_run_apt_get; then
    echo "$hint"
    exit 0
fi
echo "Installing fonts-noto-cjk (Chinese chart labels)..."
# Package lists may be missing (a fresh container): update them only if installing needs it.
if { install_font || { as_root apt-get update -qq >/dev/null 2>&1 && install_font; }; } \
    && has_cjk_font; then
    echo "Installed fonts-noto-cjk."
else
    echo "$hint"
fi
