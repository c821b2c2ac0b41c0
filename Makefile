# The two commands. Both install whatever is missing first (scripts/setup.sh).
.PHONY: run test release

# The console on http://127.0.0.1:3000, on the built-in WeChat simulator and
# data/qunfa.db unless configured otherwise (see README). `--split`: each page
# is its own piece of WebAssembly (ARCHITECTURE.md, "The browser's code").
run:
	@scripts/setup.sh
	cargo leptos serve --split

# Every test: unit and integration tests, then the browser tests.
test:
	@scripts/test.sh

# The archive for a server: dist/qunfa-VERSION-x86_64-linux.tar.gz (README:
# Running it for a team).
release:
	@scripts/release.sh
