#!/usr/bin/env python3
"""Server render time of /sends with 100,000 sends and 300,000 callbacks,
beside /healthz (issue: the send history and the send detail).

Starts the release build once to create the database, fills it (sends of
every type and state over a year, three callbacks per ended send), starts it
again and times, over one keep-alive connection, alternating:
  * /sends (the first page, newest first),
  * /sends?state=failed&msg_type=text (a filtered page),
  * /sends?before=<an id in the middle> (a page far back),
  * /healthz.

Run `cargo leptos build --release` first, then
`python3 benches/history_render.py`; `QUNFA_BINARY=path` times another build
of the server (a baseline) with the same site. Loopback only; it stops what
it starts.
"""
import atexit
import http.client
import json
import os
import pathlib
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = pathlib.Path(os.environ.get("QUNFA_BINARY", ROOT / "target" / "release" / "qunfa"))
SITE = ROOT / "target" / "site"
N = int(os.environ.get("N", "1000"))
SENDS = int(os.environ.get("SENDS", "100000"))
PASSWORD = "bench-admin-password"
TYPES = ["mpnews", "text", "voice", "image", "mpvideo", "wxcard"]
STATES = ["finished"] * 14 + ["failed", "rejected", "submitted", "unknown"]
TAGS = [(None, ""), (2, "星标组"), (100, "VIP会员"), (101, "北京读者"), (103, "English readers")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def start(work, port):
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
        # The year of synthetic callbacks stays: deleting them at the start
        # holds the write lock in long batches, which is not what this times.
        "QUNFA_CALLBACK_RETENTION": "3650d",
    }
    proc = subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(400):
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc, conn
        except OSError:
            conn.close()
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def fill(db):
    con = sqlite3.connect(db)
    rng = random.Random(7)
    start = time.time() - 365 * 86400
    sends, callbacks = [], []
    msg_id = 5_000_000_000
    for i in range(SENDS):
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start + i * 365 * 86400 / SENDS))
        msg_type = rng.choice(TYPES)
        state = rng.choice(STATES)
        tag_id, tag_name = rng.choice(TAGS)
        msg_id += 1
        ended = state in ("finished", "failed")
        summary = f"第 {i} 次群发 summary {rng.randrange(10**6)}"
        sends.append((f"bench-{i}", created, created, 1, msg_type, tag_id, tag_name, 1000, summary, "{}",
                      state, msg_id if state != "rejected" else None,
                      "send success" if state == "finished" else ("err(30003)" if state == "failed" else None),
                      1000 if ended else None, 980 if ended else None, 975 if ended else None,
                      5 if ended else None, "callback" if ended else None))
        # Three callbacks a send: its MASSSENDJOBFINISH when it ended, and
        # other events (menu clicks, subscriptions) that share the table.
        for k in range(3):
            finish = ended and k == 0
            callbacks.append((f"bench:{msg_id}:{k}", created, "safe", "event",
                              "MASSSENDJOBFINISH" if finish else "VIEW", msg_id if finish else None,
                              "<xml><MsgType><![CDATA[event]]></MsgType></xml>", json.dumps({"Other": {}})))
    con.executemany(
        "INSERT INTO sends (clientmsgid, created_at, updated_at, user_id, msg_type, tag_id, audience, audience_size,"
        " summary, request, state, msg_id, result_status, total_count, filter_count, sent_count, error_count,"
        " status_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", sends)
    con.executemany(
        "INSERT INTO callbacks (dedup_key, received_at, mode, msg_type, event, msg_id, xml, parsed)"
        " VALUES (?,?,?,?,?,?,?,?)", callbacks[:300_000])
    con.commit()
    counts = con.execute("SELECT (SELECT count(*) FROM sends), (SELECT count(*) FROM callbacks)").fetchone()
    middle = con.execute("SELECT id FROM sends ORDER BY id LIMIT 1 OFFSET ?", (SENDS // 2,)).fetchone()[0]
    con.execute("ANALYZE")
    con.close()
    return counts, middle


def main():
    work = tempfile.mkdtemp()
    # The database is 85 MB; gone however the run ends.
    atexit.register(shutil.rmtree, work, True)
    port = free_port()
    proc, conn = start(work, port)
    proc.terminate()
    proc.wait()
    (sends, callbacks), middle = fill(f"{work}/q.db")
    print(f"database: {sends:,} sends, {callbacks:,} callbacks")
    proc, conn = start(work, port)
    try:
        body = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "next": ""})
        # Just after a start on this database the send worker asks mass/get
        # about thousands of submitted sends and writes each answer; a login
        # that cannot write its session then fails. Wait for it to settle.
        for _ in range(60):
            conn.request("POST", "/login", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
            response = conn.getresponse()
            response.read()
            if response.getheader("Set-Cookie") is not None:
                break
            time.sleep(2)
        else:
            raise SystemExit(f"login failed: {response.status} {response.getheaders()}")
        cookie = response.getheader("Set-Cookie").split(";")[0]
        headers = {"Cookie": cookie, "Accept-Language": "zh-CN"}

        def timed(path):
            began = time.perf_counter()
            if path.startswith("/api/"):
                # The server function alone: the query without the page.
                target, _, form = path.partition("?")
                conn.request("POST", target, body=form, headers={
                    **headers, "Accept": "application/json", "Origin": f"http://127.0.0.1:{port}",
                    "Content-Type": "application/x-www-form-urlencoded"})
            else:
                conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            page = response.read()
            assert response.status == 200, (path, response.status)
            return (time.perf_counter() - began) * 1000, page

        paths = {
            "/sends": "/sends",
            "filtered": "/sends?state=failed&msg_type=text",
            "far back": f"/sends?before={middle}",
            "fn first": "/api/list_sends?filter%5Bq%5D=",
            "fn filter": "/api/list_sends?filter%5Bstate%5D=failed&filter%5Bmsg_type%5D=text",
            "/healthz": "/healthz",
        }
        _, page = timed("/sends")
        assert page.count(b"<tr data-send") == 50, "a full first page"
        _, page = timed(paths["filtered"])
        assert page.count(b"<tr data-send") == 50, "a full filtered page"
        _, page = timed(paths["fn filter"])
        assert page.count(b'"id"') == 50, page[:200]
        for _ in range(100):
            for path in paths.values():
                timed(path)
        times = {name: [] for name in paths}
        sizes = {}
        for _ in range(N):
            for name, path in paths.items():
                took, page = timed(path)
                times[name].append(took)
                sizes[name] = len(page)
        print(f"{N} requests each, sequential, one keep-alive connection (ms; bytes of the answer):")
        for name, values in times.items():
            print(f"  {name:9} p50 {statistics.median(values):6.2f}  p99 {percentile(values, 99):6.2f}"
                  f"  {sizes[name]:7,} B")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
