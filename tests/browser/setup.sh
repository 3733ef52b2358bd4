#!/usr/bin/env bash
# Installs what the browser tests need: Debian's headless Chromium and its WebDriver, and a
# Python virtual environment with selenium and websockets. Idempotent and quiet when everything
# is already there. Prints the venv's python on its last line.
set -euo pipefail

apt_packages=(chromium chromium-driver python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "browser-setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv="${SHARE_RELAY_BROWSER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/share-relay/browser-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium, websockets" 2>/dev/null; then
    echo "browser-setup: creating Python environment in $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "selenium==4.51.0" "websockets==17.4"
fi
echo "$venv/bin/python"
