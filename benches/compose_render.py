#!/usr/bin/env python3
"""Server render time of /compose beside /healthz (issue: compose and send).

Starts the release build on the built-in simulator with a temporary
database, logs in, warms up, then times N sequential requests of each page
over one keep-alive connection, alternating, so both see the same machine.
/compose renders the whole form server-side (tags from the simulator,
cached for a minute, as in real use).

Run `cargo leptos build --release` first, then
`python3 benches/compose_render.py`. Loopback only; it stops what it starts.
"""
import http.client
import os
import pathlib
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "qunfa"
SITE = ROOT / "target" / "site"
N = int(os.environ.get("N", "2000"))
PASSWORD = "bench-admin-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    work = tempfile.mkdtemp()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "QUNFA_CONFIG": "/nonexistent/qunfa.toml",
        "QUNFA_DATABASE_URL": f"sqlite://{work}/q.db",
        "QUNFA_ADMIN_USER": "admin",
        "QUNFA_ADMIN_PASSWORD": PASSWORD,
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}",
        "LEPTOS_SITE_ROOT": str(SITE),
        "LEPTOS_ENV": "PROD",
        "RUST_LOG": "warn",
    }
    proc = subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(200):
            try:
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                conn.close()
                time.sleep(0.05)
        body = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "next": ""})
        conn.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        headers = {"Cookie": cookie, "Accept-Language": "zh-CN"}

        def timed(path):
            began = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            page = response.read()
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status == 200, (path, response.status)
            return elapsed, page

        _, page = timed("/compose")
        assert "VIP会员".encode() in page and b"type-mpnews" in page, "the form is rendered"
        for _ in range(200):
            timed("/compose")
            timed("/healthz")
        compose, health = [], []
        for _ in range(N):
            compose.append(timed("/compose")[0])
            health.append(timed("/healthz")[0])
        print(f"{N} requests each, sequential, one keep-alive connection (ms):")
        for name, values in (("/compose", compose), ("/healthz", health)):
            print(
                f"  {name:9} p50 {statistics.median(values):6.2f}  p99 {percentile(values, 99):6.2f}"
                f"  mean {statistics.mean(values):6.2f}"
            )
        print(f"  /compose page: {len(page):,} bytes")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
