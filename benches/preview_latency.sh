#!/usr/bin/env bash
# Starts qunfa on the simulator with a temporary database and measures, in
# Chromium, how long after a keystroke the editor's live preview shows it
# for a 20,000-character article (benches/preview_latency.mjs). Run
# `cargo leptos build --release` first, or set BIN=target/debug/qunfa after
# `cargo leptos build` (debug: slower, say so with the figure). RUST_LOG=info
# KEEP_LOG=FILE keeps the server's log (each preview_article's time).
# Loopback only; it stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-3312}
BIN=${BIN:-target/release/qunfa}
PASSWORD=bench-admin-password
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="sqlite://$work/q.db" \
  QUNFA_ADMIN_USER=admin QUNFA_ADMIN_PASSWORD=$PASSWORD \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn} \
  "$BIN" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
BASE_URL="http://127.0.0.1:$PORT" PASSWORD=$PASSWORD node benches/preview_latency.mjs
[ -n "${KEEP_LOG:-}" ] && cp "$work/server.log" "$KEEP_LOG"
true
