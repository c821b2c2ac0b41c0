#!/usr/bin/env bash
# Proves a release archive runs on its own: unpacked into an empty temporary
# folder, started there with an empty environment (no cargo, no node, no
# source tree), it serves its pages and browser files and lets an admin log
# in over HTTP; SIGTERM stops it cleanly.
# Usage: scripts/archive-test.sh ARCHIVE
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/archive-test.sh ARCHIVE" >&2; exit 2; }
archive=$(realpath "$1")
command -v curl >/dev/null || { echo "archive test: curl is missing (apt-get install curl)" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "archive test: $*" >&2; [ -f "$work/log" ] && tail -20 "$work/log" >&2; exit 1; }

tar -C "$work" -xzf "$archive"
folder=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'qunfa-*')
[ -n "$folder" ] || fail "no qunfa-VERSION folder in the archive"
for file in qunfa site/pkg/qunfa.js site/pkg/qunfa.wasm site/pkg/qunfa.wasm.br site/pkg/qunfa.wasm.gz site/pkg/qunfa.css site/pkg/__wasm_split_manifest.json qunfa.toml.example qunfa.service nginx.conf.example nginx-mirror.conf.example README.md; do
  [ -e "$folder/$file" ] || fail "the archive lacks $file"
done
# Only the C library and its neighbours, which every Linux has.
if ldd "$folder/qunfa" | grep -v -E 'linux-vdso|libc\.so|libm\.so|libgcc_s\.so|ld-linux|libpthread|libdl\.so|librt\.so' | grep -q .; then
  ldd "$folder/qunfa" >&2
  fail "the binary needs libraries beyond the C library"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 3197)
run="$work/run"
mkdir -p "$run"
cp "$folder/qunfa.toml.example" "$run/qunfa.toml"
# The example as shipped, but on this folder and port; the database goes in
# a folder that does not exist yet, as on a first start.
sed -i -e "s|^site_addr = .*|site_addr = \"127.0.0.1:$port\"|" \
       -e "s|^database_url = .*|database_url = \"sqlite://$run/data/qunfa.db\"|" \
       -e "s|^public_url = .*|public_url = \"http://127.0.0.1:$port\"|" "$run/qunfa.toml"
(cd "$run" && exec env -i PATH=/usr/bin:/bin HOME="$run" \
   QUNFA_ADMIN_USER=admin QUNFA_ADMIN_PASSWORD=archive-test-password \
   "$folder/qunfa" serve >"$work/log" 2>&1) &
pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 200); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "qunfa exited at start"
  sleep 0.1
done
curl -fs "$base/healthz" | grep -q '"status":"ok"' || fail "/healthz does not answer ok"

jar="$work/cookies"
login=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -H "Origin: $base" \
  --data-urlencode username=admin --data-urlencode password=archive-test-password \
  --data-urlencode next= "$base/login")
case "$login" in
  "303 $base/"*) ;;
  *) fail "logging in answered $login, not a redirect into the console" ;;
esac
page=$(curl -fs -b "$jar" "$base/a/main/compose") || fail "/a/main/compose after logging in"
grep -q 'qunfa.js' <<<"$page" || fail "/a/main/compose does not load the browser code"
old=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$jar" "$base/compose")
[ "$old" = "303 $base/a/main/compose" ] || fail "/compose answered $old, not a redirect to the first account's page"
script=$(grep -o '/pkg/[^"]*qunfa\.js[^"]*' <<<"$page" | head -1)
curl -fs -o /dev/null "$base$script" || fail "$script is not served from site/"
wasm=${script/qunfa.js/qunfa.wasm}
curl -fs -o /dev/null "$base$wasm" || fail "$wasm is not served from site/"
# The brotli file built beside it is what goes out, byte for byte.
curl -fs -H 'Accept-Encoding: br' -o "$work/wasm.br" -D "$work/wasm.headers" "$base$wasm" \
  || fail "$wasm with Accept-Encoding: br"
grep -qi '^content-encoding: br' "$work/wasm.headers" || fail "$wasm is not sent as brotli"
cmp -s "$work/wasm.br" "$folder/site/pkg/qunfa.wasm.br" || fail "$wasm is compressed again, not sent as built"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || fail "SIGTERM: exit status $status"
grep -q 'stopped' "$work/log" || fail "no 'stopped' in the log"
echo "archive test: $(basename "$archive") ($(du -h "$archive" | cut -f1)) unpacked, served, logged in, stopped cleanly"
