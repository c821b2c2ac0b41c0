#!/usr/bin/env bash
# Starts the release build on the simulator with a temporary database and
# measures, in Chromium, the bytes each first page downloads and how soon
# Compose answers a click under "Fast 3G" (benches/wire.mjs). Run
# `make release` (or `cargo leptos build --release --precompress`) first.
# Loopback only; it stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-3311}
PASSWORD=bench-admin-password
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="sqlite://$work/q.db" \
  QUNFA_ADMIN_USER=admin QUNFA_ADMIN_PASSWORD=$PASSWORD \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD RUST_LOG=warn \
  "${QUNFA_BIN:-target/release/qunfa}" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" PASSWORD=$PASSWORD node benches/wire.mjs
