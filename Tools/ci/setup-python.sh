#!/usr/bin/env bash
# Creates the two Python virtual environments the REST and WebSocket conformance tests run
# Binance's own client libraries from: .venv-pb (python-binance, plus the `websockets` client the
# local-book check and the control-plane probe use, and msgpack for the dashboard's binary format)
# and .venv-bc (binance-connector, whose WebSocket API client needs websocket-client). Both
# packages import as `binance`, so each lives in its own venv.
# Idempotent: a venv that already imports what it needs is left alone.
# Usage: Tools/ci/setup-python.sh [repository root]
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
python="${PYTHON:-python3}"

setup() {
    local venv="$root/$1" probe="$2"
    shift 2
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$probe" 2>/dev/null; then
        echo "setup-python: $(basename "$venv") already has $*"
        return
    fi
    echo "setup-python: creating $(basename "$venv") with $*"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    "$venv/bin/python" -c "$probe"
}

setup .venv-pb 'from binance.client import Client; from binance.ws.websocket_api import WebsocketAPI; import websockets, msgpack' \
    python-binance websockets msgpack
setup .venv-bc 'from binance.spot import Spot; from binance.websocket.spot.websocket_api import SpotWebsocketAPIClient' \
    binance-connector websocket-client
