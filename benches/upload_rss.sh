#!/usr/bin/env bash
# Upload of a 10 MB MP4 through qunfa to its built-in simulator: qunfa's
# peak resident memory above idle during the upload (the target: it
# streams, under 30 MB above idle), and the time, beside a plain curl
# upload of the same file straight to the simulator's add_material.
#
# The built-in simulator runs inside qunfa's process and keeps every
# uploaded file in memory (bounded), so the direct upload's figure is the
# simulator's own share; the difference is qunfa's.
#
# usage: benches/upload_rss.sh [path to the qunfa binary, default target/debug/qunfa] [port, default 3419]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/qunfa}
port=${2:-3419}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT

export QUNFA_CONFIG="$work/none.toml" QUNFA_DATABASE_URL="sqlite://$work/qunfa.db"
export QUNFA_ADMIN_USER=admin QUNFA_ADMIN_PASSWORD=bench-admin-password
export LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$PWD/target/site" LEPTOS_SITE_PKG_DIR=pkg
"$bin" > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fs "$base/healthz" >/dev/null && break
  sleep 0.5
done

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

# Samples qunfa's RSS every 10 ms into $1 until $2 exists.
sample() {
  local out=$1 stop=$2
  : > "$out"
  while [ ! -e "$stop" ]; do
    rss_kb >> "$out"
    sleep 0.01
  done
}

peak_of() { sort -n "$1" | tail -1; }

# A 10 MB MP4 (an ftyp box, then filler), different each run so qunfa
# does not find it in the library already.
make_mp4() {
  python3 - "$1" <<'PY'
import os, sys
head = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41"
body = os.urandom(10 * 1024 * 1024 - len(head))
open(sys.argv[1], "wb").write(head + body)
PY
}

jar="$work/cookies"
curl -fs -c "$jar" -H "Origin: $base" -o /dev/null \
  --data-urlencode username=admin --data-urlencode password=bench-admin-password --data-urlencode next= \
  "$base/login"

# Warm up: one small upload each way, so the first request's one-time
# costs (token, pools, lazy statics) are not counted.
python3 -c 'import sys; open(sys.argv[1],"wb").write(b"\0\0\0\x20ftypisom\0\0\x02\0" + b"x" * 4096)' "$work/warm.mp4"
curl -fs -b "$jar" -H "Origin: $base" -H "Accept: application/json" -o /dev/null \
  -F kind=video -F title=warm -F "file=@$work/warm.mp4;type=video/mp4" "$base/a/main/media/upload"
token=$(curl -fs "$base/sim/cgi-bin/token?grant_type=client_credential&appid=wxqunfasimulator01&secret=qunfa-simulator-secret-not-a-real-one" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -fs -o /dev/null -F "media=@$work/warm.mp4;filename=warm.mp4;type=video/mp4" \
  -F 'description={"title":"warm","introduction":""}' "$base/sim/cgi-bin/material/add_material?access_token=$token&type=video"
sleep 1

measure() {
  local label=$1; shift
  local samples="$work/$label.rss" stop="$work/$label.stop"
  local idle
  idle=$(rss_kb)
  sample "$samples" "$stop" &
  local sampler=$!
  local started ended
  started=$(date +%s.%N)
  "$@"
  ended=$(date +%s.%N)
  sleep 0.2
  touch "$stop"
  wait $sampler
  local peak
  peak=$(peak_of "$samples")
  printf '%-34s idle %6.1f MB  peak %6.1f MB  above idle %5.1f MB  time %5.2f s\n' \
    "$label" "$(echo "$idle/1024" | bc -l)" "$(echo "$peak/1024" | bc -l)" \
    "$(echo "($peak-$idle)/1024" | bc -l)" "$(echo "$ended-$started" | bc -l)"
}

through_qunfa() {
  local answer
  answer=$(curl -fsS -b "$jar" -H "Origin: $base" -H "Accept: application/json" \
    -F kind=video -F title=bench -F introduction=bench -F "file=@$1;type=video/mp4" \
    "$base/a/main/media/upload")
  case "$answer" in *'"media_id":"'*) ;; *) echo "qunfa refused: $answer" >&2; exit 1 ;; esac
}

straight_to_simulator() {
  local answer
  answer=$(curl -fsS -F "media=@$1;filename=clip.mp4;type=video/mp4" \
    -F 'description={"title":"bench","introduction":"bench"}' \
    "$base/sim/cgi-bin/material/add_material?access_token=$token&type=video")
  case "$answer" in *'"media_id"'*) ;; *) echo "simulator refused: $answer" >&2; exit 1 ;; esac
}

echo "qunfa binary: $bin ($(file -b "$bin" | cut -d, -f1-2)); 10 MB MP4"
for run in 1 2 3; do
  make_mp4 "$work/a.mp4"
  measure "curl straight to the simulator #$run" straight_to_simulator "$work/a.mp4"
  make_mp4 "$work/b.mp4"
  measure "through qunfa #$run" through_qunfa "$work/b.mp4"
done
