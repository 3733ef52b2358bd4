#!/usr/bin/env bash
# Runs one relay-bench scenario side by side against ShareRelay and the reference peers
# (NIOWebSocket broadcast, Python websockets broadcast), interleaved A B C A B C for --rounds
# rounds, prints medians and ratios, appends the JSON lines to benchmarks/results/ and a summary
# to benchmarks/RESULTS.md.
#
#   benchmarks/run.sh SCENARIO [--rounds N] [--servers "relay nio python"] [--no-build]
#                     [--note TEXT] [--] [relay-bench flags for the scenario...]
#   benchmarks/run.sh fanout --rounds 3 -- --viewers 200 --rate 200 --size 256 --duration 5
#
# A server that cannot run the scenario (ShareRelay before its live routes exist, or revoke on a
# peer without shares) is reported as "unavailable" with the reason; the others still run.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
scenario="${1:-}"
case "$scenario" in
  fanout|connect|churn|revoke|catchup) shift ;;
  *) echo "usage: $0 fanout|connect|churn|revoke|catchup [--rounds N] [--servers \"relay nio python\"] [--no-build] [--note TEXT] [-- bench flags]" >&2; exit 64 ;;
esac
rounds=3
servers="relay nio python"
build=1
note=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --servers) servers="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --note) note="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
bench_flags=("$@")

nio_pkg="$here/peers/nio-websocket-broadcast"
if [ "$build" = 1 ]; then
  echo "building release binaries..." >&2
  (cd "$root" && swift build -c release --product relay-bench >&2 && swift build -c release --product share-relay >&2) || { echo "build failed" >&2; exit 1; }
  (cd "$nio_pkg" && swift build -c release >&2) || { echo "NIO peer build failed" >&2; exit 1; }
fi
bench="$root/.build/release/relay-bench"
relay_bin="$root/.build/release/share-relay"
nio_bin="$nio_pkg/.build/release/nio-websocket-broadcast"
python_peer="$here/peers/python-websockets-broadcast.py"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # wait_port PORT PID: up to 20 s for the port to accept
  for _ in $(seq 1 200); do
    kill -0 "$2" 2>/dev/null || return 1
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/relay-bench.XXXXXX")"
declare -A pid port unavailable
cleanup() {
  for s in "${!pid[@]}"; do kill "${pid[$s]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

owner_key="bench-owner-key-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
start_server() {  # start_server NAME: a fresh process on a free port; sets port, pid, unavailable
  local s="$1" p
  p="$(free_port)"; port[$s]="$p"
  case "$s" in
    relay)
      rm -rf "$tmp/relay-data"; mkdir -p "$tmp/relay-data"
      SHARE_RELAY_OWNER_KEY="$owner_key" \
      SHARE_RELAY_HANDSHAKES_PER_ADDRESS_PER_SECOND=0 \
      SHARE_RELAY_MAX_VIEWERS_PER_SHARE=1000000 \
      SHARE_RELAY_MAX_VIEWERS_PER_SESSION=1000000 \
      SHARE_RELAY_MAX_VIEWERS=1000000 \
        "$relay_bin" serve --listen "127.0.0.1:$p" --data-dir "$tmp/relay-data" --log-level warning >"$tmp/relay.log" 2>&1 &
      ;;
    nio) "$nio_bin" --port "$p" >"$tmp/nio.log" 2>&1 & ;;
    python) python3 "$python_peer" --port "$p" >"$tmp/python.log" 2>&1 & ;;
    *) echo "unknown server $s (relay, nio, python)" >&2; exit 64 ;;
  esac
  pid[$s]=$!
  if ! wait_port "$p" "${pid[$s]}"; then
    unavailable[$s]="did not start: $(tail -n 3 "$tmp/$s.log" | tr '\n' ' ')"
    echo "$s: ${unavailable[$s]}" >&2
  fi
}
stop_server() {
  kill "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"
}
for s in $servers; do start_server "$s"; done
# connect measures memory per idle connection from the server's RSS growth: a server that already
# held (and freed) a round's connections reuses that memory, so each round gets a fresh process.
fresh_each_round=0
[ "$scenario" = connect ] && fresh_each_round=1

mkdir -p "$here/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
jsonl="$here/results/$scenario-$stamp.jsonl"
for round in $(seq 1 "$rounds"); do
  for s in $servers; do
    [ -n "${unavailable[$s]:-}" ] && continue
    protocol=raw; [ "$s" = relay ] && protocol=relay
    if [ "$scenario" = revoke ] && [ "$protocol" = raw ]; then
      unavailable[$s]="no shares to revoke (raw broadcast peer)"; continue
    fi
    if [ "$fresh_each_round" = 1 ] && [ "$round" -gt 1 ]; then
      stop_server "$s"; start_server "$s"
      [ -n "${unavailable[$s]:-}" ] && continue
    fi
    echo "round $round/$rounds: $scenario on $s" >&2
    SHARE_RELAY_OWNER_KEY="$owner_key" timeout 900 "$bench" "$scenario" --url "http://127.0.0.1:${port[$s]}" \
      --protocol "$protocol" --relay-pid "${pid[$s]}" --label "$s" --quiet --json-out "$jsonl" \
      "${bench_flags[@]}" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    cat "$tmp/out"
    if ! grep -q '^{' "$tmp/out"; then
      unavailable[$s]="exit $rc: $(tail -n 2 "$tmp/err" | tr '\n' ' ')"
      echo "$s: unavailable (${unavailable[$s]})" >&2
    elif [ "$rc" != 0 ]; then
      echo "$s: round $round failed its correctness checks (exit $rc), see $jsonl" >&2
    fi
  done
done

unavail_json="{"
for s in "${!unavailable[@]}"; do unavail_json+="\"$s\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "${unavailable[$s]}"),"; done
unavail_json="${unavail_json%,}}"

commit="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$root" && git diff --quiet 2>/dev/null || echo +dirty)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
summary="$(python3 "$here/summarize.py" "$jsonl" "$scenario" "$unavail_json" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc) x $cpu" "$commit" "${bench_flags[*]}" "$note")"
echo "$summary"
printf '\n%s\n' "$summary" >>"$here/RESULTS.md"
echo "appended to benchmarks/RESULTS.md; raw lines in ${jsonl#$root/}" >&2
