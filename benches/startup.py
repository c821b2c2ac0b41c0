#!/usr/bin/env python3
"""Start-up and memory of the release build (issue: the console's foundation).

Measures, for the release binary:
  * time from process start to the first 200 on /healthz, with an empty
    database and with 100,000 rows in the users table (median of N runs);
  * idle RSS right after start, and after 1,000 page loads (signed-in pages);
  * the size of the release wasm, JS and CSS, raw and gzipped.

Run `cargo leptos build --release` first, then `python3 benches/startup.py`.
It only talks to 127.0.0.1 and stops what it starts.
"""
import gzip
import http.cookiejar
import os
import pathlib
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "qunfa"
SITE = ROOT / "target" / "site"
RUNS = int(os.environ.get("RUNS", "15"))
PAGE_LOADS = 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db, port, **extra):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "QUNFA_CONFIG": "/nonexistent/qunfa.toml",
        "QUNFA_DATABASE_URL": f"sqlite://{db}",
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}",
        "LEPTOS_SITE_ROOT": str(SITE),
        "LEPTOS_ENV": "PROD",
        "RUST_LOG": "warn",
        **extra,
    }
    return subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def time_to_healthz(db):
    port = free_port()
    began = time.perf_counter()
    proc = start(db, port)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - began
            except OSError:
                if proc.poll() is not None:
                    sys.exit(f"qunfa exited with {proc.returncode}")
                time.sleep(0.002)
    finally:
        proc.terminate()
        proc.wait()


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def fill_users(db, rows):
    # The schema comes from the binary's own migrations: start it once.
    port = free_port()
    proc = start(db, port)
    time.sleep(0.5)
    proc.terminate()
    proc.wait()
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO users (username, password_hash, role) VALUES (?, ?, 'editor')",
        ((f"user{i}", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA") for i in range(rows)),
    )
    con.commit()
    con.close()


def memory(db):
    port = free_port()
    proc = start(db, port, QUNFA_ADMIN_USER="bench", QUNFA_ADMIN_PASSWORD="bench-password")
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.01)
        time.sleep(1)
        idle = rss_kib(proc.pid)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = urllib.parse.urlencode({"username": "bench", "password": "bench-password"}).encode()
        opener.open(urllib.request.Request(base + "/login", data=form, headers={"Origin": base}))
        pages = ["/compose", "/sends", "/users", "/settings", "/login"]
        for i in range(PAGE_LOADS):
            opener.open(base + pages[i % len(pages)]).read()
        time.sleep(1)
        return idle, rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()


def sizes():
    rows = []
    for path in sorted((SITE / "pkg").iterdir()):
        if path.suffix in (".wasm", ".js", ".css"):
            raw = path.read_bytes()
            rows.append((path.name, len(raw), len(gzip.compress(raw, 9))))
    return rows


def main():
    if not BINARY.exists():
        sys.exit("build first: cargo leptos build --release")
    work = pathlib.Path(tempfile.mkdtemp(prefix="qunfa-bench-"))
    try:
        empty = work / "empty.db"
        # First start creates the file: measure from the second start on.
        time_to_healthz(empty)
        empty_times = [time_to_healthz(empty) for _ in range(RUNS)]
        big = work / "big.db"
        fill_users(big, 100_000)
        big_times = [time_to_healthz(big) for _ in range(RUNS)]
        fresh_times = []
        for i in range(RUNS):
            fresh_times.append(time_to_healthz(work / f"fresh{i}.db"))
        idle, after = memory(work / "mem.db")

        ms = lambda xs: f"median {statistics.median(xs) * 1000:.1f} ms, max {max(xs) * 1000:.1f} ms"
        print(f"start to first 200 on /healthz ({RUNS} runs each)")
        print(f"  new database (created + migrated): {ms(fresh_times)}")
        print(f"  empty database:                    {ms(empty_times)}")
        print(f"  100,000 users:                     {ms(big_times)}")
        print(f"idle RSS after start:                {idle / 1024:.1f} MiB")
        print(f"idle RSS after {PAGE_LOADS} page loads:      {after / 1024:.1f} MiB")
        print("release assets (raw / gzip -9):")
        for name, raw, gz in sizes():
            print(f"  {name:<24} {raw:>10,} B  {gz:>9,} B")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
