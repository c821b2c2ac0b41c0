#!/usr/bin/env python3
"""A burst of concurrent wrong logins against the release build (issue 12).

Starts the binary (QUNFA_BINARY, default target/release/qunfa) on an empty
database with the admin `admin`, then sends BURST (default 200) wrong
logins for `admin` at once, all from the attacker's address (127.0.0.1,
the test's own). Meanwhile, and again once the burst has been answered, the
admin logs in with the right password from another address (a proxy on
loopback naming 198.51.100.1 in X-Forwarded-For), retrying every 100 ms for
at most GIVE_UP seconds (default 20). It prints:

  * the burst's answers by kind (failed, throttled, busy);
  * how many wrong passwords were checked with argon2 (the server's
    "login failed" log lines; the /metrics counter too where it exists);
  * the server's peak RSS (VmHWM) before and after;
  * the time until the right login from the other address succeeded.

Run `make release` (or build the binary any other way) first. It only talks
to 127.0.0.1 and stops what it starts.
"""
import http.client
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = pathlib.Path(os.environ.get("QUNFA_BINARY", ROOT / "target" / "release" / "qunfa"))
BURST = int(os.environ.get("BURST", "200"))
GIVE_UP = float(os.environ.get("GIVE_UP", "20"))
PASSWORD = "the-admin-password-1"
METRICS_TOKEN = "bench-metrics-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(port, password, forwarded_for=None):
    """One login on its own connection: the place the answer points to."""
    body = urllib.parse.urlencode({"username": "admin", "password": password, "next": ""})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://127.0.0.1:{port}",
    }
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/login", body, headers)
        response = conn.getresponse()
        response.read()
        return response.getheader("Location") or f"status {response.status}"
    finally:
        conn.close()


def vm(pid, field):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def right_login_until_it_works(port, started):
    """Seconds from `started` until the right password from another address
    logs in, and how many tries were refused; None when it never did."""
    refused = 0
    while time.perf_counter() - started < GIVE_UP:
        if login(port, PASSWORD, "198.51.100.1") == "/":
            return time.perf_counter() - started, refused
        refused += 1
        time.sleep(0.1)
    return None, refused


def main():
    if not BINARY.exists():
        sys.exit(f"no binary at {BINARY}: build it first or set QUNFA_BINARY")
    work = pathlib.Path(tempfile.mkdtemp(prefix="qunfa-login-burst-"))
    port = free_port()
    log = open(work / "server.log", "w+")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "QUNFA_CONFIG": "/nonexistent/qunfa.toml",
        "QUNFA_DATABASE_URL": f"sqlite://{work}/q.db",
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}",
        "QUNFA_ADMIN_USER": "admin",
        "QUNFA_ADMIN_PASSWORD": PASSWORD,
        "QUNFA_METRICS_TOKEN": METRICS_TOKEN,
        "RUST_LOG": "warn,qunfa=info",
    }
    server = subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(500):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if server.poll() is not None:
                    sys.exit(f"qunfa exited with {server.returncode}")
                time.sleep(0.02)
        rss_before = vm(server.pid, "VmHWM")

        answers = []
        lock = threading.Lock()
        gate = threading.Barrier(BURST + 1)

        def guess(i):
            gate.wait()
            where = login(port, f"wrong-guess-{i}")
            with lock:
                answers.append(where)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(BURST)]
        for t in threads:
            t.start()
        during = {}
        gate.wait()
        started = time.perf_counter()
        rival = threading.Thread(
            target=lambda: during.update(result=right_login_until_it_works(port, started))
        )
        rival.start()
        for t in threads:
            t.join()
        burst_took = time.perf_counter() - started
        rival.join()
        after_started = time.perf_counter()
        after = right_login_until_it_works(port, after_started)
        rss_after = vm(server.pid, "VmHWM")

        metric = None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            text = conn.getresponse().read().decode()
            found = re.search(r'qunfa_password_checks_total\{outcome="checked"\} (\d+)', text)
            metric = int(found.group(1)) if found else None
        except OSError:
            pass
    finally:
        server.terminate()
        server.wait()
        log.seek(0)
        lines = log.read().splitlines()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    failed_lines = sum(1 for l in lines if "login failed" in l)
    logged_in_lines = sum(1 for l in lines if "logged in" in l)

    kinds = {}
    for where in answers:
        kind = where.split("error=")[-1] if "error=" in where else where
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"binary: {BINARY}")
    print(f"burst: {BURST} concurrent wrong logins for admin from 127.0.0.1, answered in {burst_took:.2f} s")
    print(f"answers: {dict(sorted(kinds.items()))}")
    print(f"wrong passwords checked with argon2 ('login failed' log lines): {failed_lines}")
    print(f"right passwords checked and logged in ('logged in' log lines): {logged_in_lines}")
    if metric is not None:
        print(f"qunfa_password_checks_total{{outcome=\"checked\"}}: {metric}")
    print(f"peak RSS (VmHWM): {rss_before} KiB after start, {rss_after} KiB after the burst")
    for name, (took, refused) in (("during the burst", during["result"]), ("after the burst", after)):
        if took is None:
            print(f"right login from 198.51.100.1 {name}: still refused after {GIVE_UP:.0f} s ({refused} tries)")
        else:
            print(f"right login from 198.51.100.1 {name}: succeeded after {took:.2f} s ({refused} refused tries first)")


if __name__ == "__main__":
    main()
