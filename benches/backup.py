#!/usr/bin/env python3
"""`qunfa backup` of a database with 100,000 sends and 300,000 callbacks,
while the console runs and a writer commits a send every 2 ms (issue:
self-hosting).

Reports how long the backup takes and how long each write waits for its
commit, with no backup running and while one runs. Fills the database as
benches/history_render.py does.

Run `cargo leptos build --release` first, then `python3 benches/backup.py`.
"""
import atexit
import os
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time

from history_render import BINARY, fill, free_port, percentile, start

RUNS = int(os.environ.get("RUNS", "3"))


class Writer(threading.Thread):
    """Commits one small send at a time, as the console does, timing each."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.waits = []  # (started, seconds)

    def run(self):
        con = sqlite3.connect(self.db, timeout=5, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        i = 0
        while not self.stop.is_set():
            began = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO sends (clientmsgid, user_id, msg_type, audience, summary, request, state)"
                " VALUES (?, 1, 'text', '', 'bench', '{}', 'rejected')", (f"writer-{os.getpid()}-{i}",))
            con.execute("COMMIT")
            self.waits.append((began, time.perf_counter() - began))
            i += 1
            time.sleep(0.002)
        con.close()

    def between(self, t0, t1):
        return [w * 1000 for (at, w) in self.waits if t0 <= at <= t1]


def summary(label, waits):
    print(f"  {label:16} {len(waits):5} writes  p50 {statistics.median(waits):6.2f} ms"
          f"  p99 {percentile(waits, 99):6.2f} ms  max {max(waits):6.2f} ms")


def main():
    work = tempfile.mkdtemp()
    # The database is 85 MB; gone however the run ends.
    atexit.register(shutil.rmtree, work, True)
    port = free_port()
    proc, _ = start(work, port)
    proc.terminate()
    proc.wait()
    (sends, callbacks), _ = fill(f"{work}/q.db")
    size = os.path.getsize(f"{work}/q.db")
    print(f"database: {sends:,} sends, {callbacks:,} callbacks, {size / 2**20:.1f} MiB")
    proc, _ = start(work, port)
    env = {"PATH": os.environ.get("PATH", ""), "QUNFA_CONFIG": "/nonexistent/qunfa.toml",
           "QUNFA_DATABASE_URL": f"sqlite://{work}/q.db", "RUST_LOG": "warn"}
    writer = Writer(f"{work}/q.db")
    writer.start()
    try:
        time.sleep(3)
        quiet = writer.between(0, time.perf_counter())
        took, during = [], []
        for run in range(RUNS):
            target = f"{work}/backup-{run}.db"
            began = time.perf_counter()
            done = subprocess.run([str(BINARY), "backup", "--to", target], env=env,
                                  capture_output=True, text=True)
            ended = time.perf_counter()
            assert done.returncode == 0, done.stderr
            took.append(ended - began)
            during += writer.between(began, ended)
            print(f"  run {run + 1}: {ended - began:.2f} s, {os.path.getsize(target) / 2**20:.1f} MiB: "
                  f"{done.stdout.strip()}")
            time.sleep(1)
        writer.stop.set()
        writer.join()
        print(f"backup (whole command, {RUNS} runs): median {statistics.median(took):.2f} s,"
              f" max {max(took):.2f} s")
        print("a writer committing one send every 2 ms:")
        summary("no backup", quiet)
        summary("during backups", during)
    finally:
        writer.stop.set()
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
