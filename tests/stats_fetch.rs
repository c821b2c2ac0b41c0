//! The statistics fetcher against the built-in simulator, on its clock: a
//! send's figures the morning after, a delayed day asked again, one call
//! per endpoint and day however many sends, 45009's pause, 48001's denial
//! and the daily budget.

use crate::common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{TestApp, form, send, signed_in};
use jiff::{SignedDuration, Timestamp, civil::Date, tz::Offset};
use qunfa::wechat::Endpoint;

const CHINA: Offset = Offset::constant(8);

/// What the server logs, for the test that counts a warning. Every test
/// here installs it before its server starts, so it is the process's.
/// What this test's tasks log, for the test to read while the guard lives.
/// The subscriber is the test thread's own (its runtime runs the app's tasks
/// on that thread), so the global one another test installs neither sees
/// these lines nor keeps them from the test.
fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("warn,qunfa=info")
        .with_ansi(false)
        .with_writer(move || Sink(sink.clone()))
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        std::io::stderr().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn spawn() -> TestApp {
    TestApp::spawn().await
}

/// Waits until the fetcher of the configured account has gone through a
/// whole round that began after this call.
async fn fetch_round(app: &TestApp) {
    let stats = app.first().stats.clone();
    let target = stats.rounds() + 2;
    for _ in 0..500 {
        if stats.rounds() >= target {
            return;
        }
        // Woken again until then: a round under way when first woken
        // counts only once, and the fetcher otherwise sleeps a minute.
        stats.wake();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the statistics fetcher did not finish a round within 5 s");
}

fn now(app: &TestApp) -> Timestamp {
    app.sends().now().parse().unwrap()
}

/// Moves the simulator's clock (the app's too) to `at`, then lets the
/// fetcher finish a round on the new time.
async fn move_to(app: &TestApp, at: Timestamp) {
    let by = at.duration_since(now(app));
    assert!(by > SignedDuration::ZERO, "the clock only moves forward");
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .clock()
        .advance(by.unsigned_abs());
    fresh_token(app).await;
    fetch_round(app).await;
}

/// Drops the app's access token after a jump of the clock: its token
/// manager counts a token's life in real time, so the simulator would
/// refuse it (42001) and the client repeat the datacube call once with a
/// new one, a call that real time (a token renewed before it expires)
/// does not make and that the counts here would mistake for the fetcher's.
async fn fresh_token(app: &TestApp) {
    let wechat = app.wechat();
    if let Ok(token) = wechat.tokens().get().await {
        wechat.tokens().invalidate(&token);
    }
}

/// `hour`:`minute` China time on China day `day`.
fn china(day: Date, hour: i8, minute: i8) -> Timestamp {
    CHINA.to_timestamp(day.at(hour, minute, 0, 0)).unwrap()
}

fn china_day(at: Timestamp) -> Date {
    CHINA.to_datetime(at).date()
}

fn datacube_calls(app: &TestApp) -> (u64, u64) {
    let counters = app.state.simulator.as_ref().unwrap().counters();
    (
        counters.calls_to(Endpoint::ArticleRead),
        counters.calls_to(Endpoint::ArticleShare),
    )
}

/// An article send through the simulator, followed to its end: its id and
/// the China day WeChat took it on.
async fn article_send(app: &TestApp, clientmsgid: &str) -> (i64, Date) {
    let client = signed_in(app).await;
    let sent = send(
        app,
        &client,
        &form(
            clientmsgid,
            "mpnews",
            &[("mpnews_media_id", "123dsdajkasd231jhksad")],
        ),
    )
    .await;
    for _ in 0..100 {
        let (state, submitted): (String, String) =
            sqlx::query_as("SELECT state, submitted_at FROM sends WHERE id = ?")
                .bind(sent.id)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        if state == "finished" {
            return (sent.id, china_day(submitted.parse().unwrap()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the send did not finish");
}

/// Articles stored for send `id` on `day`: (rows, readers, delayed rows).
async fn stored(app: &TestApp, id: i64, day: Date) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), coalesce(SUM(readers), 0), coalesce(SUM(delayed), 0)
         FROM article_days WHERE send_id = ? AND ref_date = ?",
    )
    .bind(id)
    .bind(day.to_string())
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

async fn read_users(app: &TestApp, id: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT read_users FROM sends WHERE id = ?")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn datacube(app: &TestApp, body: serde_json::Value) {
    let answer = reqwest::Client::new()
        .post(app.url("/sim/control/datacube"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
}

#[tokio::test]
async fn a_sends_figures_come_the_morning_after() {
    let app = spawn().await;
    let (id, day0) = article_send(&app, "qf-stats-morning").await;
    let next = day0.tomorrow().unwrap();
    move_to(&app, china(next, 7, 59)).await;
    assert_eq!(
        datacube_calls(&app),
        (0, 0),
        "nothing is asked before 08:00"
    );
    assert_eq!(stored(&app, id, day0).await.0, 0);
    assert_eq!(read_users(&app, id).await, None);

    move_to(&app, china(next, 8, 1)).await;
    assert_eq!(
        datacube_calls(&app),
        (1, 1),
        "each endpoint once for the day"
    );
    let (rows, readers, delayed) = stored(&app, id, day0).await;
    assert!(rows >= 1 && readers > 0, "{rows} rows, {readers} readers");
    assert_eq!(delayed, 0);
    assert_eq!(read_users(&app, id).await, Some(readers));
    let sharers: Option<i64> =
        sqlx::query_scalar("SELECT SUM(sharers) FROM article_days WHERE send_id = ?")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(
        sharers.is_some(),
        "getarticleshare's figures are stored too"
    );

    // Asked once: the next rounds that day ask nothing.
    fetch_round(&app).await;
    move_to(&app, china(next, 20, 0)).await;
    assert_eq!(datacube_calls(&app), (1, 1));
    // The next morning, the next day; the send's total grows.
    move_to(&app, china(next.tomorrow().unwrap(), 8, 1)).await;
    assert_eq!(datacube_calls(&app), (2, 2));
    assert!(read_users(&app, id).await.unwrap() > readers);
}

#[tokio::test]
async fn a_delayed_day_is_asked_again_and_its_figures_replaced() {
    let app = spawn().await;
    datacube(&app, serde_json::json!({"delay_hours": 3})).await;
    let (id, day0) = article_send(&app, "qf-stats-delayed").await;
    let next = day0.tomorrow().unwrap();
    move_to(&app, china(next, 8, 1)).await;
    assert_eq!(datacube_calls(&app), (1, 1));
    let (rows, partial, delayed) = stored(&app, id, day0).await;
    assert!(rows >= 1 && partial > 0);
    assert_eq!(delayed, rows, "stored, marked delayed");

    // Asked again an hour later, not before.
    move_to(&app, china(next, 8, 50)).await;
    assert_eq!(datacube_calls(&app), (1, 1));
    move_to(&app, china(next, 9, 2)).await;
    assert_eq!(datacube_calls(&app), (2, 2));
    // Final three hours after 08:00: replaced, and no longer asked.
    move_to(&app, china(next, 11, 5)).await;
    let calls = datacube_calls(&app);
    let (rows_after, full, delayed) = stored(&app, id, day0).await;
    assert_eq!(delayed, 0, "the final figures replaced the delayed ones");
    assert!(full > partial, "{full} readers after {partial}");
    assert_eq!(rows_after, rows);
    assert_eq!(read_users(&app, id).await, Some(full));
    move_to(&app, china(next, 14, 0)).await;
    assert_eq!(datacube_calls(&app), calls, "a done day is not asked again");
}

/// Over `days` China days from the morning after now, with `per_day`
/// article sends written each day (as the send worker leaves them:
/// finished, with their msg_data_id; the simulator has no figures for
/// them, which changes nothing in what is asked), the datacube calls made
/// each day (both endpoints).
async fn calls_per_day(app: &TestApp, days: usize, per_day: &[usize]) -> Vec<u64> {
    let mut data_id: i64 = 9_000_000;
    let mut calls = Vec::new();
    let mut day = china_day(now(app)).tomorrow().unwrap();
    for n in 0..days {
        move_to(app, china(day, 9, 0)).await;
        let (read, share) = datacube_calls(app);
        calls.push(read + share);
        let at = app.sends().now();
        for _ in 0..per_day.get(n).copied().unwrap_or(0) {
            data_id += 1;
            sqlx::query(
                "INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, audience, summary,
                     request, state, msg_id, msg_data_id, submitted_at, sent_count)
                 VALUES (?, 1, 1, 'mpnews', '', '', '{}', 'finished', ?, ?, ?, 1000)",
            )
            .bind(format!("qf-stats-many-{data_id}"))
            .bind(data_id)
            .bind(data_id)
            .bind(&at)
            .execute(&app.state.db)
            .await
            .unwrap();
        }
        day = day.tomorrow().unwrap();
    }
    calls.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test]
async fn the_calls_a_day_do_not_grow_with_the_sends() {
    // One send, followed for 30 days; then 1,000 sends over 30 days (34 a
    // day, each followed for 30 days), on another console.
    let one = spawn().await;
    article_send(&one, "qf-stats-one").await;
    let one_calls = calls_per_day(&one, 36, &[]).await;
    let thousand = spawn().await;
    article_send(&thousand, "qf-stats-thousand").await;
    let mut per_day = vec![34; 29];
    per_day.push(1_000 - 34 * 29 - 1);
    let thousand_calls = calls_per_day(&thousand, 36, &per_day).await;
    let sends: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sends WHERE msg_data_id IS NOT NULL")
        .fetch_one(&thousand.state.db)
        .await
        .unwrap();
    assert_eq!(sends, 1_000);
    eprintln!("datacube calls a day, 1 send: {one_calls:?}");
    eprintln!("datacube calls a day, 1,000 sends: {thousand_calls:?}");
    assert_eq!(one_calls.iter().max(), Some(&2), "{one_calls:?}");
    assert_eq!(thousand_calls.iter().max(), Some(&2), "{thousand_calls:?}");
    // The single send's last day asked is its 30th; then nothing.
    assert_eq!(
        one_calls.iter().filter(|c| **c == 2).count(),
        30 - 1,
        "{one_calls:?}"
    );
}

#[tokio::test]
async fn after_45009_nothing_is_asked_until_the_next_china_day() {
    let app = spawn().await;
    let (id, day0) = article_send(&app, "qf-stats-45009").await;
    let sim = app.state.simulator.as_ref().unwrap();
    sim.queue_scenario(
        Endpoint::ArticleRead,
        qunfa::simulator::Scenario::parse("errcode(45009)").unwrap(),
    )
    .unwrap();
    let next = day0.tomorrow().unwrap();
    move_to(&app, china(next, 9, 0)).await;
    assert_eq!(datacube_calls(&app), (1, 0), "the round stops at 45009");
    let paused: Option<String> =
        sqlx::query_scalar("SELECT paused_until FROM stats_accounts WHERE account_id = 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let midnight = china(next.tomorrow().unwrap(), 0, 0);
    assert_eq!(paused.unwrap().parse::<Timestamp>().unwrap(), midnight);
    move_to(&app, china(next, 23, 59)).await;
    assert_eq!(
        datacube_calls(&app),
        (1, 0),
        "paused for the rest of the China day"
    );
    assert_eq!(stored(&app, id, day0).await.0, 0);
    move_to(&app, china(next.tomorrow().unwrap(), 0, 1)).await;
    assert_eq!(
        datacube_calls(&app),
        (2, 1),
        "asked again after China's midnight"
    );
    assert!(stored(&app, id, day0).await.1 > 0);
}

#[tokio::test]
async fn a_denial_is_recorded_and_warned_once_and_asked_again_after_7_days() {
    let (logs, _capturing) = capture_logs();
    let app = spawn().await;
    let warnings = || {
        let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        text.lines()
            .filter(|l| l.contains("WARN") && l.contains("no statistics"))
            .count()
    };
    datacube(&app, serde_json::json!({"denied": 48001})).await;
    let (id, day0) = article_send(&app, "qf-stats-48001").await;
    let next = day0.tomorrow().unwrap();
    move_to(&app, china(next, 9, 0)).await;
    assert_eq!(datacube_calls(&app), (1, 0));
    let denied = || async {
        let mut db = app.state.db.acquire().await.unwrap();
        qunfa::stats::store::account_status(&mut db, 1)
            .await
            .unwrap()
    };
    let first = denied().await;
    assert_eq!(first.denied_errcode, Some(48001));
    assert!(first.denied_at.is_some());
    assert_eq!(warnings(), 1);
    // Not asked again for 7 days, whatever the rounds.
    for day in 1..7 {
        move_to(
            &app,
            china(next.checked_add(jiff::Span::new().days(day)).unwrap(), 9, 0),
        )
        .await;
    }
    assert_eq!(datacube_calls(&app), (1, 0));
    // Then once; still denied: the first time is kept, no second warning.
    move_to(
        &app,
        china(next.checked_add(jiff::Span::new().days(7)).unwrap(), 9, 1),
    )
    .await;
    assert_eq!(datacube_calls(&app), (2, 0));
    let again = denied().await;
    assert_eq!(again.denied_at, first.denied_at);
    assert_eq!(warnings(), 1, "warned once, not at every round");
    // Allowed again: the next ask succeeds and clears the denial.
    datacube(&app, serde_json::json!({"denied": null})).await;
    move_to(
        &app,
        china(next.checked_add(jiff::Span::new().days(14)).unwrap(), 9, 2),
    )
    .await;
    assert_eq!(denied().await.denied_errcode, None);
    // Newest first: the send's 15 days want 30 calls, the budget is 20,
    // so its last ten days come today and day 0 tomorrow.
    let last = next.checked_add(jiff::Span::new().days(13)).unwrap();
    assert!(stored(&app, id, last).await.0 > 0);
    move_to(
        &app,
        china(next.checked_add(jiff::Span::new().days(15)).unwrap(), 9, 2),
    )
    .await;
    assert!(stored(&app, id, day0).await.1 > 0);
}

#[tokio::test]
async fn the_daily_budget_is_never_exceeded_and_the_rest_comes_the_next_day() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| args.stats_daily_calls = Some("3".into())).await;
    let (_, day0) = article_send(&app, "qf-stats-budget").await;
    // Ten days missed: twenty calls wanted.
    let later = day0.checked_add(jiff::Span::new().days(10)).unwrap();
    move_to(&app, china(later, 9, 0)).await;
    assert_eq!(datacube_calls(&app), (2, 1), "day 9 both, day 8 reads");
    let asked = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT ref_date || ' ' || endpoint FROM stats_fetches ORDER BY ref_date DESC, endpoint DESC",
            )
            .fetch_all(&db)
            .await
            .unwrap()
        }
    };
    let day = |n: i64| {
        day0.checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        asked(&app).await,
        [
            format!("{} getarticleshare", day(9)),
            format!("{} getarticleread", day(9)),
            format!("{} getarticleread", day(8)),
        ],
        "yesterday first, then the backlog newest first"
    );
    fetch_round(&app).await;
    move_to(&app, china(later, 23, 0)).await;
    assert_eq!(datacube_calls(&app), (2, 1), "the day's three are spent");
    let calls = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT calls_day, calls FROM stats_accounts WHERE account_id = 1",
            )
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    assert_eq!(calls(&app).await, (later.to_string(), 3));
    move_to(&app, china(later.tomorrow().unwrap(), 0, 5)).await;
    assert_eq!(datacube_calls(&app), (3, 3), "day 8 shares, day 7 both");
    assert_eq!(
        asked(&app).await.last().unwrap(),
        &format!("{} getarticleread", day(7))
    );
    assert_eq!(
        calls(&app).await,
        (later.tomorrow().unwrap().to_string(), 3)
    );
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stats_fetches WHERE state = 'done'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(done, 6);
}

#[tokio::test]
async fn a_48_hour_outage_pauses_the_account_costs_no_budget_and_loses_no_day() {
    let app = spawn().await;
    let (id, day0) = article_send(&app, "qf-stats-outage").await;
    let sim = app.state.simulator.as_ref().unwrap();
    // No token can be had (40164): every call fails before the datacube.
    sim.set_ip_whitelist(Some(qunfa::simulator::IpWhitelist::allowing([
        "198.51.100.1".parse().unwrap(),
    ])));
    let mut at = china(day0.tomorrow().unwrap(), 8, 1);
    for _ in 0..24 {
        move_to(&app, at).await;
        at += SignedDuration::from_hours(2);
    }
    assert_eq!(datacube_calls(&app), (0, 0), "no token, no datacube call");
    let (calls, failures, fetches): (i64, i64, i64) = sqlx::query_as(
        "SELECT calls, failures, (SELECT COUNT(*) FROM stats_fetches)
         FROM stats_accounts WHERE account_id = 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(calls, 0, "a call that never had a token costs no budget");
    assert!(failures >= 5, "{failures} account-wide failures");
    assert_eq!(fetches, 0, "no day is charged with the outage");
    // WeChat answers again: after the last pause, the days come.
    sim.set_ip_whitelist(None);
    move_to(&app, at + SignedDuration::from_hours(6)).await;
    assert!(stored(&app, id, day0).await.1 > 0, "day 0 was not lost");
    assert!(stored(&app, id, day0.tomorrow().unwrap()).await.1 > 0);
    let failures: i64 =
        sqlx::query_scalar("SELECT failures FROM stats_accounts WHERE account_id = 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(failures, 0, "reset by an answer");
}

#[tokio::test]
async fn days_older_than_the_follow_window_are_not_asked() {
    let app = spawn().await;
    let (_, day0) = article_send(&app, "qf-stats-window").await;
    // The server was away 40 days: the send's last days are still wanted,
    // its first ones are past asking.
    let today = day0.checked_add(jiff::Span::new().days(40)).unwrap();
    move_to(&app, china(today, 9, 0)).await;
    let oldest = today.checked_sub(jiff::Span::new().days(31)).unwrap();
    let asked: Vec<String> = sqlx::query_scalar("SELECT DISTINCT ref_date FROM stats_fetches")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert!(!asked.is_empty());
    assert!(
        asked.iter().all(|day| *day >= oldest.to_string()),
        "{asked:?} older than {oldest}"
    );
}
