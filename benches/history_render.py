#!/usr/bin/env python3
"""Server render time of an account's send history with 100,000 sends and
300,000 callbacks, beside /healthz (issue: the send history and the send
detail); with `--accounts 20`, the same run then does it again on a database
of 20 accounts x 50,000 sends and 150,000 callbacks each (1,000,000 sends,
3,000,000 callbacks) and prints both side by side (issue 16: within 1.5x).

For each database: starts the release build once to create it (with a
known QUNFA_SECRET_KEY), makes it hold the accounts (`--add-accounts` of
benches/callback_load.rs, which writes them through the console's own
`accounts::store`: simulated accounts, which a console without a WeChat
account starts), fills it in bulk with SQL (sends of every type and state
over a year, interleaved over the accounts as they would be made, three
callbacks per send), prints the query plans of the pages timed, starts it
again and times, over one keep-alive connection, alternating (with
--accounts both consoles run at once and take turns, request by request):
  * /a/<account>/sends (the first page, newest first), going round every
    account in turn,
  * /a/<one>/sends?state=failed&msg_type=text (a filtered page),
  * /a/<one>/sends?before=<an id in the middle of its sends> (a page far back),
  * the list_sends server function alone, first page and filtered,
  * /healthz.

Run `cargo leptos build --release` (or `cargo build --release
--no-default-features --features ssr --bin qunfa` with a site already in
target/site) and `cargo bench --features ssr --bench callback_load
--no-run` (the tool); then `python3 benches/history_render.py [--accounts
20]`. `QUNFA_BINARY=path` times another build of the server (a baseline)
with the same site; `QUNFA_BENCH_TOOL=path` names the callback_load binary.
Loopback only; it stops what it starts.
"""
import argparse
import atexit
import base64
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
SENDS_EACH = int(os.environ.get("SENDS_EACH", "50000"))
# The console's sealing key for the run, so the tool can seal the accounts'
# secrets the console opens.
SECRET_KEY = base64.b64encode(os.urandom(32)).decode()
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
        "QUNFA_SECRET_KEY": SECRET_KEY,
        # With `checked_at` set by the fill, no synthetic `submitted` send
        # is due for mass/get within the run (see `fill`).
        "QUNFA_STATUS_CHECK_AFTER": "7d",
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


def bench_tool():
    given = os.environ.get("QUNFA_BENCH_TOOL")
    if given:
        return given
    built = [p for p in (ROOT / "target" / "release" / "deps").glob("callback_load-*") if p.suffix != ".d"]
    if not built:
        raise SystemExit("build the tool first: cargo bench --features ssr --bench callback_load --no-run")
    return str(max(built, key=lambda p: p.stat().st_mtime))


def add_accounts(work, count):
    """`count` enabled accounts, written by the console's own code."""
    subprocess.run(
        [bench_tool(), "--add-accounts", str(count), "--database", f"sqlite://{work}/q.db",
         "--token", "historybenchtoken", "--aes-key", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"],
        env={"PATH": os.environ.get("PATH", ""), "QUNFA_SECRET_KEY": SECRET_KEY},
        check=True, stdout=subprocess.DEVNULL)


def fill(db, sends_each):
    """Sends of every account, interleaved in time, and three callbacks each."""
    con = sqlite3.connect(db)
    # Index pages touched all over by the interleaved accounts stay in memory.
    con.execute("PRAGMA cache_size = -1000000")
    accounts = con.execute("SELECT id, slug FROM accounts WHERE disabled_at IS NULL ORDER BY id").fetchall()
    ids = [account_id for account_id, _ in accounts]
    total = sends_each * len(ids)
    rng = random.Random(7)
    start = time.time() - 365 * 86400
    # The sends left `submitted` have msg_ids the simulator never made:
    # marked as just asked about (and asked again only after a week, see
    # `start`), so the workers do not ask mass/get about them (50 an account
    # every ten seconds, each a write) while the pages are timed.
    checked = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())

    def rows():
        msg_id = 5_000_000_000
        for i in range(total):
            created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start + i * 365 * 86400 / total))
            msg_type = rng.choice(TYPES)
            state = rng.choice(STATES)
            tag_id, tag_name = rng.choice(TAGS)
            msg_id += 1
            ended = state in ("finished", "failed")
            summary = f"第 {i} 次群发 summary {rng.randrange(10**6)}"
            send = (f"bench-{i}", ids[i % len(ids)], created, created, 1, msg_type, tag_id, tag_name, 1000,
                    summary, "{}", state, msg_id if state != "rejected" else None,
                    "send success" if state == "finished" else ("err(30003)" if state == "failed" else None),
                    1000 if ended else None, 980 if ended else None, 975 if ended else None,
                    5 if ended else None, "callback" if ended else None,
                    checked if state == "submitted" else None)
            # Three callbacks a send: its MASSSENDJOBFINISH when it ended,
            # and other events (menu clicks, subscriptions) that share the
            # table.
            callbacks = []
            for k in range(3):
                finish = ended and k == 0
                callbacks.append((f"bench:{msg_id}:{k}", ids[i % len(ids)], created, "safe", "event",
                                  "MASSSENDJOBFINISH" if finish else "VIEW", msg_id if finish else None,
                                  "<xml><MsgType><![CDATA[event]]></MsgType></xml>", json.dumps({"Other": {}})))
            yield send, callbacks

    # In batches, so a million sends never sit in memory at once.
    generated = rows()
    while True:
        batch = [row for _, row in zip(range(20_000), generated)]
        if not batch:
            break
        con.executemany(
            "INSERT INTO sends (clientmsgid, account_id, created_at, updated_at, user_id, msg_type, tag_id,"
            " audience, audience_size, summary, request, state, msg_id, result_status, total_count, filter_count,"
            " sent_count, error_count, status_source, checked_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [send for send, _ in batch])
        con.executemany(
            "INSERT INTO callbacks (dedup_key, account_id, received_at, mode, msg_type, event, msg_id, xml, parsed)"
            " VALUES (?,?,?,?,?,?,?,?,?)", [c for _, callbacks in batch for c in callbacks])
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return accounts


def history_sql(extra=""):
    """`sends::store::history`'s query, as it builds it."""
    return ("SELECT s.id, s.created_at, u.username, s.msg_type, s.audience, s.summary, s.state,"
            " s.sent_count, s.error_count, s.total_count, s.result_status"
            " FROM sends s JOIN users u ON u.id = s.user_id WHERE s.account_id = ?" + extra +
            " ORDER BY s.id DESC LIMIT ?")


def plans(work, account_id, middle):
    """The query plans of the history pages timed (EXPLAIN QUERY PLAN, by
    the console's own SQLite through the tool, which may plan otherwise
    than Python's)."""
    found = {}
    for name, sql, params in [
        ("first page", history_sql(), (account_id,)),
        ("filtered", history_sql(" AND s.state = ? AND s.msg_type = ?"), (account_id, "failed", "text")),
        ("far back", history_sql(" AND s.id < ?"), (account_id, middle)),
    ]:
        binds = [arg for value in (*params, 51) for arg in ("--bind", str(value))]
        found[name] = subprocess.run(
            [bench_tool(), "--database", f"sqlite://{work}/q.db", "--explain", sql, *binds],
            check=True, capture_output=True, text=True).stdout.splitlines()
    return found


class Console:
    """One console on its own database, logged in, with the pages to time."""

    def __init__(self, accounts_wanted, sends_each):
        self.work = tempfile.mkdtemp()
        # 85 MB for one account, about 900 MB for 20: gone however it ends.
        atexit.register(shutil.rmtree, self.work, True)
        self.port = port = free_port()
        proc, _ = start(self.work, port)
        proc.terminate()
        proc.wait()
        db = f"{self.work}/q.db"
        if accounts_wanted > 1:
            add_accounts(self.work, accounts_wanted)
        else:
            # A console without a WeChat account also starts a second
            # simulated account; one account at work here, as before issue 16.
            con = sqlite3.connect(db)
            con.execute("UPDATE accounts SET disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id != 1")
            con.commit()
            con.close()
        began = time.perf_counter()
        accounts = fill(db, sends_each)
        assert len(accounts) == accounts_wanted, accounts
        con = sqlite3.connect(db)
        sends, callbacks = con.execute(
            "SELECT (SELECT count(*) FROM sends), (SELECT count(*) FROM callbacks)").fetchone()
        # The account the single-page figures are of: the middle one.
        one_id, self.one = accounts[len(accounts) // 2]
        middle = con.execute("SELECT id FROM sends WHERE account_id = ? ORDER BY id LIMIT 1 OFFSET ?",
                             (one_id, sends_each // 2)).fetchone()[0]
        con.close()
        print(f"database: {len(accounts)} account(s), {sends:,} sends, {callbacks:,} callbacks"
              f" (filled in {time.perf_counter() - began:.0f} s)")
        plan = plans(self.work, one_id, middle)
        for name, steps in plan.items():
            print(f"  query plan, {name}: {' / '.join(steps)}")
        assert any("sends_newest" in step for step in plan["first page"]), "the first page uses sends_newest"
        self.proc, self.conn = start(self.work, port)
        atexit.register(self.proc.terminate)
        body = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "next": ""})
        for _ in range(60):
            self.conn.request("POST", "/login", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
            response = self.conn.getresponse()
            response.read()
            if response.getheader("Set-Cookie") is not None:
                break
            time.sleep(2)
        else:
            raise SystemExit(f"login failed: {response.status} {response.getheaders()}")
        cookie = response.getheader("Set-Cookie").split(";")[0]
        self.headers = {"Cookie": cookie, "Accept-Language": "zh-CN"}
        one = self.one
        self.firsts = [f"/a/{slug}/sends" for _, slug in accounts]
        self.turn = 0
        self.paths = {
            "first page": None,  # each account's in turn
            "filtered": f"/a/{one}/sends?state=failed&msg_type=text",
            "far back": f"/a/{one}/sends?before={middle}",
            "fn first": f"/api/list_sends?account={one}&filter%5Bq%5D=",
            "fn filter": f"/api/list_sends?account={one}&filter%5Bstate%5D=failed&filter%5Bmsg_type%5D=text",
            "/healthz": "/healthz",
        }
        for first in self.firsts:
            _, page = self.timed(first)
            assert page.count(b"<tr data-send") == 50, ("a full first page", first)
        _, page = self.timed(self.paths["filtered"])
        assert page.count(b"<tr data-send") == 50, "a full filtered page"
        _, page = self.timed(self.paths["fn filter"])
        assert page.count(b'"id"') == 50, page[:200]
        self.times = {name: [] for name in self.paths}
        self.sizes = {}

    def timed(self, path):
        began = time.perf_counter()
        if path.startswith("/api/"):
            # The server function alone: the query without the page.
            target, _, form = path.partition("?")
            self.conn.request("POST", target, body=form, headers={
                **self.headers, "Accept": "application/json", "Origin": f"http://127.0.0.1:{self.port}",
                "Content-Type": "application/x-www-form-urlencoded"})
        else:
            self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        page = response.read()
        assert response.status == 200, (path, response.status)
        return (time.perf_counter() - began) * 1000, page

    def request(self, name, keep=True):
        path = self.paths[name]
        if path is None:
            path = self.firsts[self.turn % len(self.firsts)]
            self.turn += 1
        took, page = self.timed(path)
        if keep:
            self.times[name].append(took)
            self.sizes[name] = len(page)

    def figures(self):
        return {name: (statistics.median(v), percentile(v, 99), self.sizes[name]) for name, v in self.times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1,
                        help="also time a database of this many accounts (SENDS_EACH sends each, 50,000)")
    wanted = parser.parse_args().accounts
    consoles = [Console(1, SENDS)]
    if wanted > 1:
        consoles.append(Console(wanted, SENDS_EACH))
    # Both consoles run at once and take turns request by request, each
    # going first every other round: this machine's speed drifts within
    # minutes, and both then see the same drift.
    for round_ in range(100 + N):
        for name in consoles[0].paths:
            for console in (consoles if round_ % 2 else consoles[::-1]):
                console.request(name, keep=round_ >= 100)
    for console in consoles:
        console.proc.terminate()
        console.proc.wait()
    single = consoles[0].figures()
    print(f"{N} requests each, sequential, one keep-alive connection each (ms; bytes of the answer):")
    if wanted == 1:
        for name, (p50, p99, size) in single.items():
            print(f"  {name:10} p50 {p50:6.2f}  p99 {p99:6.2f}  {size:7,} B")
        return
    several = consoles[1].figures()
    print(f"  the two consoles in turns; 'first page' goes round every account, the others are of"
          f" {consoles[0].one} and {consoles[1].one}")
    print(f"  {'':10} {'1 account':>22}   {str(wanted) + ' accounts':>22}   ratio")
    for name, (p50, p99, size) in single.items():
        p50s, p99s, sizes = several[name]
        print(f"  {name:10} p50 {p50:6.2f} p99 {p99:6.2f}   p50 {p50s:6.2f} p99 {p99s:6.2f}"
              f"   p50 x{p50s / p50:.2f}  p99 x{p99s / p99:.2f}   ({size:,} B / {sizes:,} B)")


if __name__ == "__main__":
    main()
