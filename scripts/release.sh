#!/usr/bin/env bash
# `make release`: builds qunfa for production and packs it into
# dist/qunfa-VERSION-x86_64-linux.tar.gz, then proves the archive runs on its
# own (scripts/archive-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# wasm-opt comes from npm (binaryen) in end2end/, as setup.sh installs it.
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
export LEPTOS_OUTPUT_NAME=qunfa
# --split: a piece of WebAssembly per page; --precompress: every file of
# site/ also as .br (brotli, quality 11) and .gz, served as they are.
cargo leptos build --release --split --precompress
archive=$(scripts/package.sh target/release/qunfa target/site dist)
scripts/archive-test.sh "$archive"
echo "release: $archive"
