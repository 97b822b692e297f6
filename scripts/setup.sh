#!/usr/bin/env bash
# Prepare this machine to run and test NK Desktop (Debian/Ubuntu; idempotent, safe to rerun).
#  1. Debian libraries Qt needs (offscreen and a real window under Xvfb), Xvfb itself and
#     poppler-utils (pdftoppm, to look at printed PDFs). Skipped without apt-get, without root/sudo,
#     or with NK_SKIP_APT=1.
#  2. .venv with Python >= 3.11 and the project installed editable with its test extras;
#     reinstalled only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEBIAN_PACKAGES=(
    libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
    xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
    libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 poppler-utils
)

log() { printf '[setup] %s\n' "$*" >&2; }

install_debian_packages() {
    if [[ "${NK_SKIP_APT:-0}" == 1 ]] || ! command -v apt-get >/dev/null 2>&1; then
        return 0
    fi
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            log "not root and no password-less sudo: skipping Debian packages"
            return 0
        fi
    fi
    local missing=() pkg
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' \
            || dpkg-query -W -f='${Status}' "${pkg}t64" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    local available=()
    for pkg in "${missing[@]}"; do
        # Debian 13 renamed some libraries with a t64 suffix (libglib2.0-0 -> libglib2.0-0t64).
        if apt-cache show "$pkg" >/dev/null 2>&1; then
            available+=("$pkg")
        elif apt-cache show "${pkg}t64" >/dev/null 2>&1; then
            available+=("${pkg}t64")
        else
            log "no Debian package named $pkg here; skipped"
        fi
    done
    [[ ${#available[@]} -eq 0 ]] && return 0
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${available[@]}" >/dev/null
}

find_python() {
    local candidate
    for candidate in "${NK_PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [[ -n "$candidate" ]] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    log "Python 3.11, 3.12 or 3.13 is required (set NK_PYTHON=/path/to/python)"
    return 1
}

install_venv() {
    local stamp=.venv/.nk-setup-stamp want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -x .venv/bin/python && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
        && .venv/bin/python -c 'import nk_desktop, PySide6, pytest' 2>/dev/null; then
        return 0
    fi
    if [[ ! -x .venv/bin/python ]]; then
        local python
        python="$(find_python)"
        log "creating .venv with $python ($("$python" --version 2>&1))"
        "$python" -m venv .venv
    fi
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    echo "$want" >"$stamp"
}

install_debian_packages
install_venv
log "ready: .venv/bin/nk-desktop, .venv/bin/nk-admin"
