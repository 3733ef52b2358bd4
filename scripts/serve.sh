#!/usr/bin/env bash
# Runs the relay on its embedded defaults (SQLite in ./data, http://127.0.0.1:8080).
# Extra arguments go to `share-relay serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
swift build -c release --product share-relay
exec .build/release/share-relay serve "$@"
