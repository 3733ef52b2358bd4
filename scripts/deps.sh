#!/usr/bin/env bash
# Installs what ShareRelay needs on a fresh Debian machine that already has Swift:
# the system C libraries always; with --test also what the test suites use.
# Idempotent and quiet when everything is already there.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_packages=(libssl-dev zlib1g-dev libsqlite3-dev pkg-config)
if [ "$want_test" = 1 ]; then
    apt_packages+=(sqlite3 python3-venv openssl)
fi

missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
    # Python peers for interop tests: an implementation nobody here wrote (websockets; and
    # prometheus_client's parser for the /metrics scrape).
    venv="${SHARE_RELAY_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/share-relay/test-venv}"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import websockets, prometheus_client" 2>/dev/null; then
        echo "deps: creating Python test environment in $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "websockets==17.4" "prometheus-client==0.26.0"
    fi
fi
