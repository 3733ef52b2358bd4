#!/usr/bin/env bash
# Runs the whole test suite on a Debian machine with Swift, installing what it needs:
#   1. unit and end-to-end tests (swift test; Python `websockets` as the independent peer)
#   2. browser tests of web/ in headless Chromium against the real relay
#   3. deployment checks (systemd unit, Dockerfile packages, nginx config) when deploy/check.sh exists
#   4. WebSocket conformance: Autobahn|Testsuite against ws-echo (server) and our client,
#      when ../shared/autobahn is present
# Each stage must pass. SHARE_RELAY_TEST_STAGES (e.g. "unit,browser") selects stages.
set -euo pipefail
cd "$(dirname "$0")/.."
stages="${SHARE_RELAY_TEST_STAGES:-unit,browser,deploy,conformance}"
want() { [[ ",$stages," == *",$1,"* ]]; }
banner() { printf '\n==== %s ====\n' "$*"; }

bash scripts/deps.sh --test
venv="${SHARE_RELAY_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/share-relay/test-venv}"
export SHARE_RELAY_TEST_PYTHON="$venv/bin/python"
export SHARE_RELAY_REQUIRE_INTEROP=1

passed=0
failed=0
run_stage() {
    local name="$1"; shift
    banner "$name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1)); echo "stage $name: passed in $((SECONDS - start)) s"
    else
        failed=$((failed + 1)); echo "stage $name: FAILED after $((SECONDS - start)) s"
    fi
}

unit() {
    swift build --build-tests
    swift test --skip-build
}

browser() {
    local python
    python="$(bash tests/browser/setup.sh | tail -1)"
    swift build --product share-relay
    "$python" tests/browser/run.py --share-relay "$(swift build --show-bin-path)/share-relay"
}

deploy() {
    if [ -x deploy/check.sh ] || [ -f deploy/check.sh ]; then
        bash deploy/check.sh
    else
        echo "deploy: no deploy/check.sh"
    fi
}

conformance() {
    # Every case of sections 1-7, 9, 10, 12, 13 against our server (ws-echo) and our client.
    bash scripts/conformance.sh '*' '*'
}

want unit && run_stage unit unit
want browser && run_stage browser browser
want deploy && run_stage deploy deploy
want conformance && run_stage conformance conformance

banner "summary"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
