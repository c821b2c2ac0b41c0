#!/usr/bin/env bash
# Packs a built qunfa into the archive a server needs:
#   OUT/qunfa-VERSION-x86_64-linux.tar.gz, holding qunfa-VERSION/ with the
#   binary, site/, qunfa.toml.example, qunfa.service, nginx.conf.example,
#   nginx-mirror.conf.example and README.md.
# Usage: scripts/package.sh BINARY SITE_DIR OUT_DIR   (prints the archive's path)
# `make release` calls it on the release build; `make test` on the debug one.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -eq 3 ] || { echo "usage: scripts/package.sh BINARY SITE_DIR OUT_DIR" >&2; exit 2; }
binary=$1 site=$2 out=$3
[ -x "$binary" ] || { echo "package: $binary is not a built qunfa binary" >&2; exit 1; }
[ -f "$site/pkg/qunfa.js" ] || { echo "package: $site has no pkg/qunfa.js: build the site first (cargo leptos build)" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
arch=$(uname -m)
name="qunfa-$version"
archive="$out/$name-$arch-linux.tar.gz"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
folder="$staging/$name"
mkdir -p "$folder"
cp "$binary" "$folder/qunfa"
# Symbols are for debugging on the build machine; the archive is smaller without.
if command -v strip >/dev/null; then strip "$folder/qunfa"; fi
cp -r "$site" "$folder/site"
# TypeScript declarations serve no browser.
find "$folder/site" -name '*.d.ts' -delete
cp packaging/qunfa.toml.example packaging/qunfa.service packaging/nginx.conf.example \
   packaging/nginx-mirror.conf.example README.md "$folder/"

mkdir -p "$out"
tar -C "$staging" --owner=0 --group=0 --numeric-owner -czf "$archive" "$name"
echo "$archive"
