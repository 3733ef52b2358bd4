#!/usr/bin/env bash
# Runs the whole test suite on a Debian machine with Swift, installing what it needs:
#   1. unit and end-to-end tests (swift test; Python `websockets` as the independent peer)
#   2. browser tests of web/ in headless Chromium against the real relay
#   3. deployment checks (systemd unit, Dockerfile packages, nginx config)
#   4. relay-bench smoke run of every scenario against a real relay (correctness only)
#   5. WebSocket conformance: Autobahn|Testsuite against ws-echo (server) and our client,
#      when ../shared/autobahn is present
# Each stage must pass. SHARE_RELAY_TEST_STAGES (e.g. "unit,browser") selects stages.
set -euo pipefail
cd "$(dirname "$0")/.."
stages="${SHARE_RELAY_TEST_STAGES:-unit,browser,deploy,bench,conformance}"
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
    # One test at a time (about 50 s instead of 12 s here): the end-to-end suites start real
    # servers, Python peers and 1000-viewer crowds, and several of them check deadlines; run all at
    # once on a 2-core machine, they starve each other into rare timing failures.
    swift test --skip-build --no-parallel
}

browser() {
    local python
    python="$(bash tests/browser/setup.sh | tail -1)"
    swift build --product share-relay
    "$python" tests/browser/run.py --share-relay "$(swift build --show-bin-path)/share-relay"
}

deploy() {
    bash deploy/check.sh
    # A real nginx from Debian in front of a real relay, with the shipped deploy/nginx config.
    swift build --product share-relay
    bash deploy/nginx-test.sh
}

bench() {
    # relay-bench smoke run: every scenario for seconds against a real relay, asserting
    # correctness only (zero loss, every viewer closed after a revoke), never speed.
    swift build --product share-relay
    swift build --product relay-bench
    local bin data port key pid status=0
    bin="$(swift build --show-bin-path)"
    data="$(mktemp -d)"
    key="bench-smoke-owner-key-$RANDOM$RANDOM"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    SHARE_RELAY_OWNER_KEY="$key" SHARE_RELAY_HANDSHAKES_PER_ADDRESS_PER_SECOND=0 \
        "$bin/share-relay" serve --listen "127.0.0.1:$port" --data-dir "$data" --log-level error &
    pid=$!
    for _ in $(seq 50); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
        sleep 0.1
    done
    SHARE_RELAY_OWNER_KEY="$key" RELAY_BENCH="$bin/relay-bench" bash benchmarks/smoke.sh "http://127.0.0.1:$port" relay || status=1
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    rm -rf "$data"
    return $status
}

conformance() {
    # Every case of sections 1-7, 9, 10, 12, 13 against our server (ws-echo) and our client.
    bash scripts/conformance.sh '*' '*'
}

want unit && run_stage unit unit
want browser && run_stage browser browser
want deploy && run_stage deploy deploy
want bench && run_stage bench bench
want conformance && run_stage conformance conformance

banner "summary"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
