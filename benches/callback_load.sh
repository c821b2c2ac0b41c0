#!/usr/bin/env bash
# Safe-mode callbacks per second through /wechat/callback with storage, and
# the same tool against /healthz as the ceiling, in one run; then a check
# that every event was stored exactly once. Loopback only; it stops itself.
#   EVENTS=100000 CONCURRENCY=64 ROUNDS=5 benches/callback_load.sh
# Honours CARGO_TARGET_DIR; SERVER_ONLY=1 builds the server without the wasm.
# FORWARD=1 instead measures forwarding (QUNFA_CALLBACK_FORWARD_URL) to a
# local backend that answers at once: ROUNDS alternating rounds, each on a
# fresh server, without and with forwarding; callbacks per second at
# CONCURRENCY, and the latency of one callback at a time (LATENCY_EVENTS),
# of which the backend's own time is taken off; then the medians.
# BASELINE=path/to/another/qunfa instead compares that build with this one:
# ROUNDS alternating rounds of EVENTS callbacks, each on a fresh server and
# database, then the medians (the loader's sealing shares the cores).
# ACCOUNTS=20 instead compares, on one server whose database holds 20
# accounts, callbacks spread over the 20 accounts' URLs (account 1 at
# /wechat/callback, the others at /wechat/callback/<slug>, each signed with
# its own Token) with all of them to account 1: ROUNDS alternating rounds of
# EVENTS each, every event checked stored once, then the medians. The
# accounts are written while the console is stopped by the loader
# (`--add-accounts`, through `accounts::store`, sealed with a
# QUNFA_SECRET_KEY made for the run), which reads their Tokens back with it.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-100000}
CONCURRENCY=${CONCURRENCY:-64}
PORT=${PORT:-3300}
KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
# One Token for the console and the loader (the built-in simulator's own
# is made at random and kept in the database).
export QUNFA_WECHAT_TOKEN=callbackloadbenchtoken

export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
target=${CARGO_TARGET_DIR:-target}
# SERVER_ONLY=1 skips the browser (wasm) half, which neither endpoint uses:
# the same server binary, without the slowest part of the build.
if [ -n "${SERVER_ONLY:-}" ]; then
  cargo build --release --no-default-features --features ssr --bin qunfa
else
  cargo leptos build --release
fi
cargo bench --features ssr --bench callback_load --no-run
loader=$(ls -t "$target"/release/deps/callback_load-* | grep -v '\.d$' | head -1)

work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -n "${FORWARD:-}" ]; then
  BACKEND="127.0.0.1:$((PORT + 1))"
  "$loader" --serve-backend "$BACKEND" &
  backend=$!
  trap 'kill $server $backend 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 100); do curl -sf "http://$BACKEND/stats" >/dev/null && break; sleep 0.1; done
  forward_round() { # mode (plain|forward) round
    rm -f "$work"/q.db*
    local forward_url=
    [ "$1" = forward ] && forward_url="http://$BACKEND/wechat"
    QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="sqlite://$work/q.db" \
      LEPTOS_SITE_ADDR="127.0.0.1:$PORT" QUNFA_WECHAT_AES_KEY="$KEY" RUST_LOG=warn \
      QUNFA_CALLBACK_FORWARD_URL="$forward_url" \
      "$target/release/qunfa" > "$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
    "$loader" --url "http://127.0.0.1:$PORT" --events 2000 --concurrency "$CONCURRENCY" --aes-key "$KEY" --first-msg-id 9000000000 >/dev/null
    load=$("$loader" --url "http://127.0.0.1:$PORT" --events "$EVENTS" --concurrency "$CONCURRENCY" --aes-key "$KEY")
    curl -sf "http://$BACKEND/stats" >/dev/null
    one=$("$loader" --url "http://127.0.0.1:$PORT" --events "${LATENCY_EVENTS:-5000}" --concurrency 1 --aes-key "$KEY" --first-msg-id 8000000000)
    own=$(curl -sf "http://$BACKEND/stats")
    kill "$server"; wait "$server" 2>/dev/null || true; server=
    if grep -q " [1-9][0-9]* failed" <<<"$load$one"; then echo "$load"; echo "$one"; exit 1; fi
    rate=$(sed -n 's/.* = \([0-9]*\)\/s.*/\1/p' <<<"$load")
    p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$one")
    p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$one")
    echo "round $2 $1: $rate/s at concurrency $CONCURRENCY; one at a time p50 $p50 ms, p99 $p99 ms; backend's own (count p50 p99 µs): $own"
    echo "$1 $rate $p50 $p99 $own" >> "$work/forward"
  }
  for round in $(seq "${ROUNDS:-5}"); do
    if (( round % 2 )); then
      forward_round plain "$round"; forward_round forward "$round"
    else
      forward_round forward "$round"; forward_round plain "$round"
    fi
  done
  python3 - "$work/forward" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mode, rate, p50, p99, count, own_p50, own_p99 = line.split()
    rows.setdefault(mode, []).append((float(rate), float(p50), float(p99), int(own_p99) / 1000))
med = lambda mode, i: statistics.median(r[i] for r in rows[mode])
plain, fwd = med("plain", 0), med("forward", 0)
print(f"medians over {len(rows['plain'])} rounds:")
print(f"  callbacks/s: without forwarding {plain:,.0f}, with forwarding {fwd:,.0f} ({(fwd - plain) / plain:+.1%})")
print(f"  one at a time, p50: without {med('plain', 1):.2f} ms, with {med('forward', 1):.2f} ms")
print(f"  one at a time, p99: without {med('plain', 2):.2f} ms, with {med('forward', 2):.2f} ms; "
      f"the backend's own p99 {med('forward', 3):.3f} ms")
print(f"  p99 added by qunfa in front of the backend (with forwarding, minus the backend's own): "
      f"{med('forward', 2) - med('forward', 3):.2f} ms")
print(f"  of which forwarding (that, minus without forwarding): "
      f"{med('forward', 2) - med('forward', 3) - med('plain', 2):.2f} ms")
PY
  exit 0
fi
# Every event stored exactly once: rows with MsgID in [FIRST, FIRST+SENT)
# must be distinct, at least ANSWERED (each answered `success` was
# committed first) and at most SENT.
check_rows() {
  python3 - "$work/q.db" "$@" <<'PY'
import sqlite3, sys
db, first, answered, sent = sys.argv[1], *map(int, sys.argv[2:])
stored, distinct = sqlite3.connect(db).execute(
    "SELECT count(*), count(DISTINCT msg_id) FROM callbacks WHERE msg_id >= ? AND msg_id < ?",
    (first, first + sent),
).fetchone()
ok = stored == distinct and answered <= stored <= sent
print(f"  stored {stored} rows, {distinct} distinct, for {answered} events answered: "
      + ("none lost, none duplicated" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
PY
}
if [ -n "${ACCOUNTS:-}" ]; then
  QUNFA_SECRET_KEY=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
  export QUNFA_SECRET_KEY
  database="sqlite://$work/q.db"
  serve() {
    QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="$database" \
      LEPTOS_SITE_ADDR="127.0.0.1:$PORT" QUNFA_WECHAT_AES_KEY="$KEY" RUST_LOG=warn \
      "$target/release/qunfa" >> "$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  }
  serve
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  "$loader" --add-accounts "$ACCOUNTS" --database "$database" --aes-key "$KEY"
  serve
  # Every account started: each answers at its own URL.
  "$loader" --url "http://127.0.0.1:$PORT" --events 2000 --concurrency "$CONCURRENCY" --aes-key "$KEY" --first-msg-id 9000000000 --database "$database" | tee "$work/warm"
  grep -q " 0 failed" "$work/warm"
  load_round() { # one|spread round
    local first=$((6000000000 + $2 * 10000000)) over=()
    if [ "$1" = spread ]; then first=$((first + 5000000)) over=(--database "$database"); fi
    line=$("$loader" --url "http://127.0.0.1:$PORT" --events "$EVENTS" --concurrency "$CONCURRENCY" --aes-key "$KEY" --first-msg-id "$first" "${over[@]}")
    echo "round $2 $1: $line"
    grep -q " 0 failed" <<<"$line"
    check_rows "$first" "$EVENTS" "$EVENTS"
    echo "$1 $(sed -n 's/.* = \([0-9]*\)\/s.*/\1/p' <<<"$line")" >> "$work/spread"
  }
  for round in $(seq "${ROUNDS:-5}"); do
    if (( round % 2 )); then
      load_round one "$round"; load_round spread "$round"
    else
      load_round spread "$round"; load_round one "$round"
    fi
  done
  "$loader" --url "http://127.0.0.1:$PORT" --events "$EVENTS" --concurrency "$CONCURRENCY" --healthz
  python3 - "$work/spread" "$ACCOUNTS" <<'PY'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    name, rate = line.split()
    rates.setdefault(name, []).append(float(rate))
one, spread = statistics.median(rates["one"]), statistics.median(rates["spread"])
print(f"medians over {len(rates['one'])} rounds: one account's URL {one:,.0f}/s, "
      f"over {sys.argv[2]} accounts' URLs {spread:,.0f}/s ({(spread - one) / one:+.1%})")
PY
  exit 0
fi
if [ -n "${BASELINE:-}" ]; then
  one_round() { # binary name round
    rm -f "$work"/q.db*
    QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="sqlite://$work/q.db" \
      LEPTOS_SITE_ADDR="127.0.0.1:$PORT" QUNFA_WECHAT_AES_KEY="$KEY" RUST_LOG=warn \
      "$1" > "$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
    "$loader" --url "http://127.0.0.1:$PORT" --events 2000 --concurrency "$CONCURRENCY" --aes-key "$KEY" --first-msg-id 9000000000 >/dev/null
    line=$("$loader" --url "http://127.0.0.1:$PORT" --events "$EVENTS" --concurrency "$CONCURRENCY" --aes-key "$KEY")
    kill "$server"; wait "$server" 2>/dev/null || true; server=
    rate=$(sed -n 's/.* = \([0-9]*\)\/s.*/\1/p' <<<"$line")
    echo "round $3 $2: $line"
    echo "$2 $rate" >> "$work/compare"
  }
  # Each build goes first in every other round: the first of a pair ran
  # about 2% faster here, whichever build it was.
  for round in $(seq "${ROUNDS:-5}"); do
    if (( round % 2 )); then
      one_round "$BASELINE" baseline "$round"
      one_round "$target/release/qunfa" this "$round"
    else
      one_round "$target/release/qunfa" this "$round"
      one_round "$BASELINE" baseline "$round"
    fi
  done
  python3 - "$work/compare" <<'PY'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    name, rate = line.split()
    rates.setdefault(name, []).append(float(rate))
base, this = statistics.median(rates["baseline"]), statistics.median(rates["this"])
print(f"medians over {len(rates['this'])} rounds: baseline {base:,.0f}/s, this build {this:,.0f}/s ({(this - base) / base:+.1%})")
PY
  exit 0
fi
QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="sqlite://$work/q.db" \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" QUNFA_WECHAT_AES_KEY="$KEY" RUST_LOG=warn \
  "$target"/release/qunfa > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

"$loader" --url "http://127.0.0.1:$PORT" --events 2000 --concurrency "$CONCURRENCY" --aes-key "$KEY" --first-msg-id 9000000000 >/dev/null # warm-up
"$loader" --url "http://127.0.0.1:$PORT" --events "$EVENTS" --concurrency "$CONCURRENCY" --aes-key "$KEY"
"$loader" --url "http://127.0.0.1:$PORT" --events "$EVENTS" --concurrency "$CONCURRENCY" --healthz
check_rows 5000000000 "$EVENTS" "$EVENTS"

# The same with wrk (C, no crypto of its own) sending pre-sealed events, if
# installed (Debian: apt-get install wrk): the server's side alone.
if command -v wrk >/dev/null; then
  # Alternating rounds: this machine's speed drifts by a fifth within
  # minutes, so one round each can mislead; compare medians.
  for round in $(seq "${ROUNDS:-5}"); do
    # Fresh events each round (a repeat would only hit the dedup path),
    # sealed just before, so their timestamps are current.
    first=$((7000000000 + round * 1000000)) sealed=150000
    "$loader" --events "$sealed" --aes-key "$KEY" --first-msg-id "$first" --dump "$work/requests.tsv" >/dev/null
    cb=$(REQUESTS_FILE="$work/requests.tsv" wrk -t1 -c"$CONCURRENCY" -d6s -s benches/callback_load.lua "http://127.0.0.1:$PORT" \
      | tee "$work/wrk.out" | sed -n 's/^Requests\/sec: *//p')
    if grep -q "Non-2xx" "$work/wrk.out"; then grep "Non-2xx" "$work/wrk.out"; exit 1; fi
    hz=$(wrk -t1 -c"$CONCURRENCY" -d6s "http://127.0.0.1:$PORT/healthz" | sed -n 's/^Requests\/sec: *//p')
    echo "wrk round $round: pre-sealed safe-mode callbacks $cb/s, GET /healthz $hz/s"
    # Past the sealed events the script asks for /healthz instead.
    answered=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk.out")
    check_rows "$first" $((answered < sealed ? answered : sealed)) "$sealed"
    echo "$cb $hz" >> "$work/rounds"
  done
  python3 - "$work/rounds" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
cb, hz = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
print(f"wrk medians over {len(rows)} rounds: callbacks {cb:,.0f}/s, /healthz {hz:,.0f}/s")
PY
fi
