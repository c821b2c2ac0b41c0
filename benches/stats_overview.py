#!/usr/bin/env python3
"""Server render time of the account overview (`/a/<account>/stats`, issue
19) on 20 accounts x 50,000 article sends spread over a year, each with its
daily figures, beside /healthz in the same run.

The database is made as benches/history_render.py makes its own (whose
helpers this imports): the console is started once to create it with a
known QUNFA_SECRET_KEY, the loader (`benches/callback_load.rs
--add-accounts`) writes the accounts through the console's own
`accounts::store`, then SQL fills it in bulk:
  * 50,000 article sends per account, interleaved over the accounts and
    spread over the year before now, WeChat having taken each
    (`submitted_at`, `finished`, a `sent_count`), to all followers, a tag
    or (one in twenty) a list of followers;
  * each send's followed days (`stats::FOLLOW_DAYS`, 30, from the day of
    the send up to yesterday) of figures in `article_days`, for its first
    article only (FIGURE_DAYS=n follows fewer days; ARTICLES=n more
    articles);
  * the totals on `sends`, refreshed with `stats::store::refresh_totals`'s
    own statement, for every send at once.
It prints the query plans of the overview's queries (as the console's own
SQLite makes them, through the loader's `--explain`, the SQL read from
src/stats/overview.rs), starts the console again and times, over one
keep-alive connection, in turns:
  * /a/<account>/stats (30 days), going round every account,
  * /a/<one>/stats?days=90,
  * the account_stats server function alone (90 days),
  * /healthz.

Build first: `cargo leptos build` (debug; or `--release`, then
QUNFA_BINARY=target/release/qunfa) and the loader (`cargo bench --features
ssr --bench callback_load --no-run`, or without a release build `cargo test
--features ssr --bench callback_load --no-run`, which this finds in
target/debug/deps). Loopback only; it stops what it starts and deletes its
database (about 3 GB with the defaults).
"""
import calendar
import os
import pathlib
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import history_render as shared  # noqa: E402

ROOT = shared.ROOT
ACCOUNTS = int(os.environ.get("ACCOUNTS", "20"))
SENDS_EACH = int(os.environ.get("SENDS_EACH", "50000"))
FIGURE_DAYS = int(os.environ.get("FIGURE_DAYS", "30"))
ARTICLES = int(os.environ.get("ARTICLES", "1"))
N = int(os.environ.get("N", "300"))
WARM = 20
DEBUG_BINARY = ROOT / "target" / "debug" / "qunfa"


def use_debug_builds():
    """The debug server and loader, unless a release one is named or built."""
    if "QUNFA_BINARY" not in os.environ and not shared.BINARY.exists():
        shared.BINARY = DEBUG_BINARY
    if "QUNFA_BENCH_TOOL" not in os.environ and not list((ROOT / "target" / "release" / "deps").glob("callback_load-*")):
        built = [p for p in (ROOT / "target" / "debug" / "deps").glob("callback_load-*")
                 if p.suffix != ".d" and os.access(p, os.X_OK)]
        if built:
            os.environ["QUNFA_BENCH_TOOL"] = str(max(built, key=lambda p: p.stat().st_mtime))


def stamp(secs):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(secs))


def fill(db):
    """The sends, their daily figures and their totals."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA cache_size = -1000000")
    con.execute("PRAGMA synchronous = OFF")
    accounts = con.execute("SELECT id, slug FROM accounts WHERE disabled_at IS NULL ORDER BY id").fetchall()
    ids = [account_id for account_id, _ in accounts]
    total = SENDS_EACH * len(ids)
    rng = random.Random(19)
    now = time.time()
    start = now - 365 * 86400
    today_china = int((now + 8 * 3600) // 86400)
    fetched = stamp(now)
    lists = total // 20
    con.executemany("INSERT INTO send_groups (id, kind, user_id, summary) VALUES (?, 'openid_list', 1, 'bench')",
                    [(g + 1,) for g in range(lists)])
    next_group = 0

    def sends():
        nonlocal next_group
        for i in range(total):
            # Evenly over the year, each at a time of day of its own.
            at = start + i * 365 * 86400 / total + rng.uniform(-1800, 1800)
            at = min(at, now - 60)
            submitted = stamp(at)
            tag_id, tag_name = rng.choice(shared.TAGS)
            endpoint, group, part = "sendall", None, None
            if rng.random() < 0.05 and next_group < lists:
                next_group += 1
                endpoint, group, part, tag_id = "send", next_group, 1, None
                tag_name = f"指定的 {rng.randrange(2, 10000):,} 位粉丝"
            sent = rng.randrange(500, 20000)
            yield (f"stats-bench-{i}", ids[i % len(ids)], submitted, submitted, 1, "mpnews", tag_id, tag_name,
                   sent, f"第 {i} 次图文群发 {rng.randrange(10**6)}", "{}", "finished", 5_000_000_000 + i,
                   6_000_000_000 + i, submitted, submitted, "send success", sent, sent, 0, "callback", submitted,
                   endpoint, group, part)

    began = time.perf_counter()
    generated = sends()
    while True:
        batch = [row for _, row in zip(range(20_000), generated)]
        if not batch:
            break
        con.executemany(
            "INSERT INTO sends (clientmsgid, account_id, created_at, updated_at, user_id, msg_type, tag_id,"
            " audience, audience_size, summary, request, state, msg_id, msg_data_id, released_at, submitted_at,"
            " result_status, total_count, sent_count, error_count, status_source, finished_at,"
            " endpoint, group_id, group_part)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    con.commit()
    print(f"  sends written in {time.perf_counter() - began:.0f} s")

    began = time.perf_counter()
    rows = 0

    names = {}

    def day_name(day):
        if day not in names:
            names[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
        return names[day]

    def days():
        nonlocal rows
        for send_id, submitted, sent in con.execute("SELECT id, submitted_at, sent_count FROM sends ORDER BY id").fetchall():
            # The China-time day of the send: day 0 of its figures.
            day0 = (calendar.timegm(time.strptime(submitted[:19], "%Y-%m-%dT%H:%M:%S")) + 8 * 3600) // 86400
            rate = rng.uniform(0.01, 0.25)
            for article in range(1, ARTICLES + 1):
                readers = int(sent * rate / article)
                for d in range(min(FIGURE_DAYS, today_china - day0)):
                    day = day_name(day0 + d)
                    today = max(readers >> d, 0)
                    rows += 1
                    yield (send_id, article, day, today, today + today // 3, today // 2, today // 5,
                           today // 10, today - today // 2 - today // 5 - today // 10, today // 20, today // 30,
                           fetched)

    generated = days()
    while True:
        batch = [row for _, row in zip(range(100_000), generated)]
        if not batch:
            break
        con.executemany(
            "INSERT INTO article_days (send_id, article_idx, ref_date, readers, reads, from_message, from_history,"
            " from_shares, from_other, favourites, sharers, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    con.commit()
    print(f"  {rows:,} article days written in {time.perf_counter() - began:.0f} s")

    # The totals stats::store::refresh_totals keeps, for every send at once
    # (every send here has figures, so no COALESCE is needed).
    began = time.perf_counter()
    con.execute(
        "UPDATE sends SET"
        " read_users = (SELECT SUM(readers) FROM article_days WHERE send_id = sends.id),"
        " headline_read_users = (SELECT SUM(readers) FROM article_days WHERE send_id = sends.id AND article_idx = 1),"
        " read_count = (SELECT SUM(reads) FROM article_days WHERE send_id = sends.id),"
        " share_users = (SELECT SUM(sharers) FROM article_days WHERE send_id = sends.id),"
        " fav_users = (SELECT SUM(favourites) FROM article_days WHERE send_id = sends.id),"
        " stats_updated_at = ?", (fetched,))
    con.commit()
    print(f"  totals refreshed in {time.perf_counter() - began:.0f} s")
    # Every day the fetchers would still ask, fetched: the steady state, so
    # that no account's fetcher catches up (and writes) while pages are
    # timed.
    con.executemany(
        "INSERT INTO stats_fetches (account_id, endpoint, ref_date, state, attempts, updated_at)"
        " VALUES (?, ?, ?, 'done', 1, ?)",
        [(account_id, endpoint, day_name(day), fetched)
         for account_id in ids
         for endpoint in ("getarticleread", "getarticleshare")
         for day in range(today_china - 40, today_china)])
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return accounts


def overview_queries():
    """The SQL of `stats::overview::ssr::{cells, ranked}`, as the source has it."""
    source = (ROOT / "src" / "stats" / "overview.rs").read_text()
    found = {}
    for name in ("cells", "ranked"):
        body = source[source.index(f"async fn {name}("):]
        found[name] = re.search(r'r#"(.*?)"#', body, re.S).group(1)
    return found


def plans(work, account_id):
    now = time.time()
    since = stamp(now - 90 * 86400)
    stretches = f'[["{since}","{stamp(now + 60)}",28800]]'
    queries = overview_queries()
    found = {}
    for name, sql, params in [
        ("cells (by type, audience, hour), 90 days", queries["cells"], (account_id, stretches)),
        ("ranked, 90 days", queries["ranked"], (account_id, since, 20)),
    ]:
        binds = [arg for value in params for arg in ("--bind", str(value))]
        found[name] = subprocess.run(
            [shared.bench_tool(), "--database", f"sqlite://{work}/q.db", "--explain", sql, *binds],
            check=True, capture_output=True, text=True).stdout.splitlines()
    return found


def log_in(conn, port):
    body = urllib.parse.urlencode({"username": "admin", "password": shared.PASSWORD, "next": ""})
    for _ in range(60):
        conn.request("POST", "/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
        response = conn.getresponse()
        response.read()
        if response.getheader("Set-Cookie") is not None:
            return response.getheader("Set-Cookie").split(";")[0]
        time.sleep(2)
    raise SystemExit(f"login failed: {response.status}")


def main():
    use_debug_builds()
    # KEEP=folder: the database is made there once and kept, and timed again
    # by the next run with the same KEEP (the same QUNFA_SECRET_KEY too).
    keep = os.environ.get("KEEP")
    if keep:
        os.makedirs(keep, exist_ok=True)
        key = pathlib.Path(keep) / "secret-key"
        if key.exists():
            shared.SECRET_KEY = key.read_text()
        else:
            key.write_text(shared.SECRET_KEY)
        run(keep, fresh=not (pathlib.Path(keep) / "q.db").exists())
        return
    work = tempfile.mkdtemp()
    try:
        run(work, fresh=True)
    finally:
        shutil.rmtree(work, True)


def run(work, fresh):
    port = shared.free_port()
    print(f"server: {shared.BINARY}")
    began = time.perf_counter()
    if fresh:
        proc, _ = shared.start(work, port)
        proc.terminate()
        proc.wait()
        shared.add_accounts(work, ACCOUNTS)
        fill(f"{work}/q.db")
    con = sqlite3.connect(f"{work}/q.db")
    accounts = con.execute("SELECT id, slug FROM accounts WHERE disabled_at IS NULL ORDER BY id").fetchall()
    con.close()
    con = sqlite3.connect(f"{work}/q.db")
    sends, days, in_window = con.execute(
        "SELECT (SELECT count(*) FROM sends), (SELECT count(*) FROM article_days),"
        " (SELECT count(*) FROM sends WHERE account_id = ? AND submitted_at >= ?)",
        (accounts[len(accounts) // 2][0], stamp(time.time() - 90 * 86400))).fetchone()
    con.close()
    size = os.path.getsize(f"{work}/q.db")
    print(f"database: {len(accounts)} accounts, {sends:,} sends, {days:,} article days ({FIGURE_DAYS} days x"
          f" {ARTICLES} article(s) a send at most), {size / 1e9:.1f} GB, filled in"
          f" {time.perf_counter() - began:.0f} s; {in_window:,} sends in one account's 90 days")
    one_id, one = accounts[len(accounts) // 2]
    # Started first: a database made by an earlier build gets the
    # migrations of this one (the overview's index) before its plans.
    proc, conn = shared.start(work, port)
    try:
        for name, steps in plans(work, one_id).items():
            print(f"  query plan, {name}:")
            for step in steps:
                print(f"    {step}")
            assert any("COVERING INDEX sends_read_rates" in step for step in steps), "read from the index alone"
        cookie = log_in(conn, port)
        headers = {"Cookie": cookie, "Accept-Language": "zh-CN"}
        pages = [f"/a/{slug}/stats" for _, slug in accounts]
        paths = {
            "30 days": None,
            "90 days": f"/a/{one}/stats?days=90",
            "fn 90 days": "/api/account_stats",
            "/healthz": "/healthz",
        }
        times = {name: [] for name in paths}
        sizes = {}
        turn = 0
        for round_ in range(WARM + N):
            for name, path in paths.items():
                if path is None:
                    path = pages[turn % len(pages)]
                    turn += 1
                began = time.perf_counter()
                if path.startswith("/api/"):
                    conn.request("POST", path, body=f"account={one}&days=90", headers={
                        **headers, "Accept": "application/json", "Origin": f"http://127.0.0.1:{port}",
                        "Content-Type": "application/x-www-form-urlencoded"})
                else:
                    conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                page = response.read()
                took = (time.perf_counter() - began) * 1000
                assert response.status == 200, (path, response.status)
                if round_ == 0 and not path.startswith("/api/") and "stats" in path:
                    assert page.count(b"<tr data-send") == 20, ("20 sends ranked", path)
                if round_ >= WARM:
                    times[name].append(took)
                    sizes[name] = len(page)
    finally:
        proc.terminate()
        proc.wait()
    print(f"{N} requests each after {WARM} to warm up, sequential, one keep-alive connection (ms; bytes):")
    for name, values in times.items():
        print(f"  {name:10} p50 {statistics.median(values):7.2f}  p99 {shared.percentile(values, 99):7.2f}"
              f"  {sizes[name]:8,} B")


if __name__ == "__main__":
    main()
