#!/usr/bin/env bash
# Installs what building, running and testing qunfa needs, skipping whatever
# is already there at the right version. `scripts/setup.sh` is enough to run
# the console; `scripts/setup.sh --browser` also makes sure Chromium is there
# for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31msetup: %s\033[0m\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo is missing: install Rust from https://rustup.rs, then run this again."
command -v node >/dev/null || fail "node is missing: install Node.js 20 or newer (https://nodejs.org or your package manager), then run this again."
command -v npm >/dev/null || fail "npm is missing: install it with Node.js, then run this again."

# The browser half of the app is compiled to WebAssembly.
if ! rustc --print target-libdir --target wasm32-unknown-unknown >/dev/null 2>&1 \
   || [ ! -d "$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null)" ]; then
  command -v rustup >/dev/null || fail "the wasm32-unknown-unknown target is missing and rustup is not here to add it: install it for your Rust toolchain."
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

export PATH="$HOME/.cargo/bin:$PATH"

# A first build of everything `make test` runs takes about 7 GB in target/;
# say so before rustc fails half-way with "No space left on device".
if [ ! -d target/debug ]; then
  free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
  if [ -n "$free_kb" ] && [ "$free_kb" -lt $((8 * 1024 * 1024)) ]; then
    say "warning: only $((free_kb / 1024 / 1024)) GB free here; a first build needs about 7 GB in target/"
  fi
fi

# cargo-leptos, pinned: newer ones need a newer rustc than this one.
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked \
    || fail "cargo install cargo-leptos failed; see above."
fi

# wasm-bindgen's command line must equal the wasm-bindgen crate in Cargo.lock;
# cargo-leptos would otherwise try to download one from GitHub.
bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p' | head -1)
[ -n "$bindgen_version" ] || fail "cannot read the wasm-bindgen version from Cargo.lock"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $bindgen_version\$"; then
  say "installing wasm-bindgen-cli $bindgen_version (about 2 minutes, once)"
  # Not --locked: its lockfile pins a crate version the registry may lack.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force \
    || fail "cargo install wasm-bindgen-cli failed; see above."
fi

# Playwright and wasm-opt (npm's binaryen; never Debian's, which breaks the
# release wasm). The browser itself comes from the system, not from npm.
if [ ! -x end2end/node_modules/.bin/playwright ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing the npm packages of end2end/"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) \
    || fail "npm ci in end2end/ failed; see above."
fi

if [ "${1:-}" = "--browser" ]; then
  chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's chromium for the browser tests"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
        || fail "apt-get install chromium failed; see above."
    else
      fail "Chromium is missing at $chromium: install it (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary, then run this again."
    fi
  fi
fi
say "ready"
