#!/usr/bin/env bash
# CI smoke run: every relay-bench scenario for about 2 seconds with tiny numbers against a running
# server, asserting correctness only (zero loss, no holes or repeats, every viewer closed with 4403
# after a revoke, paused viewers catch up), never speed.
#
#   SHARE_RELAY_OWNER_KEY=... benchmarks/smoke.sh http://127.0.0.1:8080 [relay|raw]
#
# RELAY_BENCH=path/to/relay-bench picks the binary (default: build the debug one).
# Exits 0 when every scenario passed, 1 otherwise; prints one line per scenario.
set -uo pipefail
url="${1:?usage: $0 URL [relay|raw]}"
protocol="${2:-relay}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bench="${RELAY_BENCH:-}"
if [ -z "$bench" ]; then
  (cd "$root" && swift build --product relay-bench >&2) || exit 1
  bench="$root/.build/debug/relay-bench"
fi
common=(--url "$url" --protocol "$protocol" --quiet --connect-timeout 5)
failures=0
check() {  # check NAME ARGS...: run one scenario; relay-bench exits non-zero on any correctness failure
  local name="$1"; shift
  local out
  if out="$(timeout 60 "$bench" "$@" "${common[@]}" 2>&1)"; then
    echo "ok    $name"
  else
    echo "FAIL  $name"; echo "$out" | tail -n 5 | sed 's/^/      /'
    failures=$((failures + 1))
  fi
}
check fanout  fanout  --viewers 20 --rate 50 --size 256 --duration 2 --drain 3
check connect connect --viewers 50 --hold 0.5
check churn   churn   --viewers 10 --rate 50 --duration 2 --min-life-ms 100 --max-life-ms 500
check catchup catchup --viewers 10 --paused 3 --rate 50 --duration 2.5 --pause-at 0.5 --pause-for 1 --drain 5
if [ "$protocol" = relay ]; then
  check revoke revoke --viewers 50 --timeout 5
fi
[ "$failures" = 0 ] && echo "smoke: all scenarios passed" || echo "smoke: $failures scenario(s) failed"
[ "$failures" = 0 ]
