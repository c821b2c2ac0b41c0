#!/usr/bin/env python3
"""Resident memory of the release build (issue: lighter in the browser and
in memory).

Starts target/release/qunfa on the simulator with a new database and reads
its resident memory (VmRSS) at three points:
  * after start (1 s idle);
  * after 1,000 mixed loads: signed-in pages of every kind, and the
    browser's files (wasm, JS, CSS), each asked with a browser's
    `Accept-Encoding: gzip, deflate, br` (pages come gzipped, files as
    their brotli copies);
  * after 100 sequential logins (each a new session, a password checked).
At each point it also splits the memory by where it is (/proc/PID/smaps):
the binary's own pages, anonymous memory (heap, stacks, SQLite's caches)
and other files. RUNS (default 3) repeats the whole and prints the median.

Run `make release` (or `cargo leptos build --release --precompress`) first,
then `python3 benches/footprint.py`. Loopback only; it stops what it starts.
"""
import http.cookiejar
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from startup import BINARY, free_port, rss_kib, start  # noqa: E402

RUNS = int(os.environ.get("RUNS", "3"))
PASSWORD = "bench-password"
PAGES = [
    "/a/main/compose",
    "/a/main/sends",
    "/a/main/stats",
    "/a/main/drafts",
    "/a/main/media",
    "/a/main/settings",
    "/a/main/approvals",
    "/users",
    "/accounts",
    "/audit",
]


def where(pid):
    """Resident KiB by kind of mapping: the binary, anonymous, other files."""
    kinds = {"binary": 0, "anonymous": 0, "files": 0}
    name = None
    binary = os.path.realpath(f"/proc/{pid}/exe")
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            head = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = head[5] if len(head) > 5 else ""
            elif head[0] == "Rss:":
                kb = int(head[1])
                if name == binary:
                    kinds["binary"] += kb
                elif name.startswith("/") and not name.startswith("/dev/"):
                    kinds["files"] += kb
                else:
                    kinds["anonymous"] += kb
    return kinds


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def log_in(base):
    browser = opener()
    form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD}).encode()
    browser.open(urllib.request.Request(base + "/login", data=form, headers={"Origin": base})).read()
    return browser


def one_run(work):
    port = free_port()
    proc = start(
        work / "footprint.db", port, QUNFA_ADMIN_USER="bench", QUNFA_ADMIN_PASSWORD=PASSWORD
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.01)
        time.sleep(1)
        points = [("after start", rss_kib(proc.pid), where(proc.pid))]

        browser = log_in(base)
        html = browser.open(base + "/a/main/compose").read().decode()
        assets = sorted(set(re.findall(r'/pkg/[^"\']+?\.(?:wasm|js|css)', html)))
        assets = [a.replace("/./", "/") for a in assets]
        loads = PAGES + assets
        for i in range(1000):
            path = loads[i % len(loads)]
            request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip, deflate, br"})
            browser.open(request).read()
        time.sleep(1)
        points.append(("after 1,000 loads", rss_kib(proc.pid), where(proc.pid)))

        for _ in range(100):
            log_in(base)
        time.sleep(1)
        points.append(("after 100 logins", rss_kib(proc.pid), where(proc.pid)))
        return points
    finally:
        proc.terminate()
        proc.wait()


def main():
    if not BINARY.exists():
        sys.exit("build first: make release (or cargo leptos build --release --precompress)")
    work = tempfile.mkdtemp(prefix="qunfa-footprint-")
    try:
        import pathlib

        runs = []
        for i in range(RUNS):
            run_dir = pathlib.Path(work) / str(i)
            run_dir.mkdir()
            runs.append(one_run(run_dir))
        print(f"resident memory of the release build (median of {RUNS} runs; MiB)")
        for index, (label, _, _) in enumerate(runs[0]):
            rss = statistics.median(r[index][1] for r in runs) / 1024
            parts = {
                kind: statistics.median(r[index][2][kind] for r in runs) / 1024
                for kind in ("binary", "anonymous", "files")
            }
            print(
                f"  {label:<18} {rss:5.1f}  (binary {parts['binary']:.1f}, "
                f"anonymous {parts['anonymous']:.1f}, other files {parts['files']:.1f})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
