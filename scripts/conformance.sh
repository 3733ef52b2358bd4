#!/usr/bin/env bash
# Runs the Autobahn|Testsuite (../shared/autobahn) against our WebSocket stack:
# the server side through `ws-echo`, the client side through `ws-echo autobahn-client`.
# Usage: scripts/conformance.sh [server-cases] [client-cases]   (an empty pattern skips that side)
# Fails unless every selected case is strictly OK (no NON-STRICT, no FAILED).
set -euo pipefail
cd "$(dirname "$0")/.."
autobahn="$(cd .. && pwd)/shared/autobahn"
if [ ! -d "$autobahn" ]; then
    echo "conformance: $autobahn not found, skipping" >&2
    exit 0
fi
server_cases="${1-*}"
client_cases="${2-*}"
out="${AUTOBAHN_OUT:-$PWD/.build/autobahn}"
mkdir -p "$out"

swift build -c release --product ws-echo
echo_bin="$(swift build -c release --show-bin-path)/ws-echo"

# Strict: OK only. run.sh already fails on FAILED/missing; NON-STRICT is checked here.
strict() {
    local report="$1"
    python3 - "$report" <<'PY'
import json, sys
index = json.load(open(sys.argv[1] + "/index.json"))
bad = [(case, r["behavior"], r.get("behaviorClose")) for agent in index.values() for case, r in agent.items()
       if r["behavior"] not in ("OK", "INFORMATIONAL") or r.get("behaviorClose") not in ("OK", "INFORMATIONAL")]
for case, behavior, close in sorted(bad, key=lambda b: [int(x) for x in b[0].split(".")]):
    print(f"conformance: case {case}: {behavior} (close: {close})")
sys.exit(1 if bad else 0)
PY
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$echo_bin" --listen "127.0.0.1:$port" > "$out/ws-echo.log" 2>&1 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
    sleep 0.1
done

status=0
if [ -n "$server_cases" ]; then
    AUTOBAHN_AGENT=share-relay "$autobahn/run.sh" "ws://127.0.0.1:$port" "$server_cases" "$out/server" || status=1
    strict "$out/server" || status=1
fi
kill $echo_pid 2>/dev/null || true

if [ -n "$client_cases" ]; then
    AUTOBAHN_AGENT=share-relay "$autobahn/run-client.sh" "$echo_bin autobahn-client" "$client_cases" "$out/client" || status=1
    strict "$out/client" || status=1
fi
exit $status
