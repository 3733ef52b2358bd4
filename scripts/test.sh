#!/usr/bin/env bash
# Runs the whole test suite: unit and end-to-end tests (swift test, with Python interop peers),
# then the conformance suite when ../shared/autobahn is present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
venv="${SHARE_RELAY_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/share-relay/test-venv}"
export SHARE_RELAY_TEST_PYTHON="$venv/bin/python"
export SHARE_RELAY_REQUIRE_INTEROP=1

swift build --build-tests
swift test --skip-build 2>&1 | tee /tmp/share-relay-swift-test.log
