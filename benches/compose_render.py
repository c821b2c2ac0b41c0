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
import atexit
import os
import shutil
import statistics
import tempfile
import time
import urllib.parse

from history_render import PASSWORD, free_port, percentile, start

N = int(os.environ.get("N", "2000"))


def main():
    work = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, work, True)
    port = free_port()
    proc, conn = start(work, port)
    try:
        body = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "next": ""})
        conn.request("POST", "/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
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
