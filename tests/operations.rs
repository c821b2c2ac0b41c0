//! Running qunfa for a team: backups while it writes, restores that refuse
//! what they should, a database from a newer qunfa, a stop in the middle of
//! a send, `/metrics` and JSON logs. The binary is run as an operator runs it.

use crate::common;

use std::{
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use common::{ADMIN, ADMIN_PASSWORD, TestApp, database_file, form, send};
use qunfa::sends::{PrepareOutcome, SendResult, SendState};
use sqlx::{Connection, sqlite::SqliteConnection};

/// `qunfa ARGS` on the database in `data`, as an operator types it.
fn qunfa(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qunfa"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("QUNFA_CONFIG", data.join("absent.toml"))
        .env(
            "QUNFA_DATABASE_URL",
            format!("sqlite://{}", data.join("qunfa.db").display()),
        )
        .output()
        .expect("the qunfa binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `qunfa restore --from FROM` fails and says `words`.
fn restore_refused(data: &Path, from: &Path, words: &str) {
    let refused = qunfa(data, &["restore", "--from", &from.display().to_string()]);
    assert!(!refused.status.success());
    let said = text(&refused.stderr);
    assert!(said.contains(words), "{said}");
}

async fn open(file: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .expect("the file opens")
}

/// Adds `n` rejected sends (the worker leaves those alone) in one
/// transaction; returns the highest id.
async fn add_sends(db: &sqlx::SqlitePool, n: usize, tag: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let mut last = 0;
    for i in 0..n {
        last = sqlx::query_scalar(
            "INSERT INTO sends (clientmsgid, user_id, msg_type, audience, summary, request, state) \
             VALUES (?, 1, 'text', '', 'load', '{}', 'rejected') RETURNING id",
        )
        .bind(format!("{tag}-{i}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_is_intact_and_holds_every_earlier_send() {
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    // Enough rows that the copy takes a while.
    add_sends(&db, 30_000, "before").await;

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicI64::new(0));
    let writer = tokio::spawn({
        let (db, stop, written) = (db.clone(), stop.clone(), written.clone());
        async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                add_sends(&db, 1, &format!("during-{i}")).await;
                written.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
        }
    });
    while written.load(Ordering::SeqCst) < 50 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Every send committed before the backup begins.
    let committed: i64 = sqlx::query_scalar("SELECT max(id) FROM sends")
        .fetch_one(&db)
        .await
        .unwrap();
    let before_backup = written.load(Ordering::SeqCst);
    let copy = app.data.path().join("copy.db");
    let data = app.data.path().to_owned();
    let copy_arg = copy.display().to_string();
    let output = tokio::task::spawn_blocking(move || qunfa(&data, &["backup", "--to", &copy_arg]))
        .await
        .unwrap();
    let during_backup = written.load(Ordering::SeqCst) - before_backup;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();

    assert!(output.status.success(), "{}", text(&output.stderr));
    let said = text(&output.stdout);
    assert!(said.contains("integrity_check ok"), "{said}");
    assert!(during_backup > 0, "the writer went on while the backup ran");
    assert!(!copy.with_extension("db.partial").exists());

    let mut conn = open(&copy).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM sends WHERE id <= ?")
        .bind(committed)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(held, committed, "every send committed before the backup");

    // A backup never overwrites.
    let again = qunfa(
        app.data.path(),
        &["backup", "--to", &copy.display().to_string()],
    );
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));
    app.stop().await;
}

#[tokio::test]
async fn restore_refuses_a_running_database_and_files_that_are_not_qunfa_databases() {
    let app = TestApp::spawn().await;
    let dir = app.data.path().to_owned();
    let copy = dir.join("copy.db");
    let copy_arg = copy.display().to_string();
    assert!(qunfa(&dir, &["backup", "--to", &copy_arg]).status.success());
    add_sends(&app.state.db, 3, "after-the-backup").await;

    restore_refused(&dir, &copy, "a qunfa console is running on");

    let notes = dir.join("notes.db");
    std::fs::write(&notes, "not a database at all ".repeat(200)).unwrap();
    restore_refused(&dir, &notes, "is not an intact SQLite database");

    let other = dir.join("other.db");
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    restore_refused(&dir, &other, "not a qunfa one");

    // Stopped, the backup goes back in place and the replaced file is kept.
    let data = app.stop().await;
    let restored = qunfa(&dir, &["restore", "--from", &copy_arg]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    let said = text(&restored.stdout);
    assert!(said.contains("kept as"), "{said}");
    let kept = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("qunfa.db.replaced-")
        });
    assert!(kept, "the replaced database is kept beside it");

    let app = TestApp::spawn_on(data).await;
    let later: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sends WHERE clientmsgid LIKE 'after-the-backup%'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(later, 0, "the database is the backup's");
    app.stop().await;
}

#[tokio::test]
async fn a_database_from_a_newer_qunfa_is_refused_and_left_alone() {
    let app = TestApp::spawn().await;
    let file = database_file(&app.data);
    let dir = app.data.path().to_owned();
    let data = app.stop().await;
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let started = qunfa(&dir, &["user", "list"]);
    assert!(!started.status.success());
    let said = text(&started.stderr);
    assert!(said.contains("was written by a newer qunfa"), "{said}");
    assert!(said.contains("29991231000000"), "{said}");
    let mut conn = open(&file).await;
    let steps: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_eq!(
        steps,
        qunfa::shell::db::MIGRATOR.iter().count() as i64 + 1,
        "no step applied"
    );
    let copies = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("pre-upgrade"))
        .count();
    assert_eq!(copies, 0, "nothing to upgrade, so no copy");

    restore_refused(&dir, &file, "newer qunfa");
    drop(data);
}

/// A console run as `qunfa serve` on a free port, with JSON logs.
struct Console {
    /// `None` once waited for.
    child: Option<Child>,
    address: String,
}

impl Console {
    async fn start(data: &Path) -> Console {
        Console::start_with(data, &[]).await
    }

    /// With more settings, as `QUNFA_…` environment variables.
    async fn start_with(data: &Path, settings: &[(&str, String)]) -> Console {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_qunfa"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("QUNFA_CONFIG", data.join("absent.toml"))
            .env(
                "QUNFA_DATABASE_URL",
                format!("sqlite://{}", data.join("qunfa.db").display()),
            )
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("QUNFA_ADMIN_USER", ADMIN)
            .env("QUNFA_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("QUNFA_LOG_FORMAT", "json")
            .envs(settings.iter().map(|(name, value)| (*name, value.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let address = format!("http://127.0.0.1:{port}");
        // Up to 20 s: a loaded machine starts it slowly.
        for _ in 0..800 {
            if reqwest::get(format!("{address}/healthz"))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Console {
                    child: Some(child),
                    address,
                };
            }
            if child.try_wait().is_ok_and(|ended| ended.is_some()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        panic!("the console did not start: {}", text(&output.stderr));
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end; its exit, its log (standard error)
    /// and anything else it wrote.
    fn wait(mut self) -> (std::process::ExitStatus, String, String) {
        let output = self.child.take().unwrap().wait_with_output().unwrap();
        (output.status, text(&output.stderr), text(&output.stdout))
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// The crash: SIGKILL, no stop at all.
    fn kill(&mut self) {
        self.child.as_mut().unwrap().kill().unwrap();
    }

    /// A browser-like client (cookies, `Origin`, no redirects followed)
    /// signed in as the admin.
    async fn signed_in(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, self.address.parse().unwrap());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        let login = client
            .post(format!("{}/login", self.address))
            .form(&[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303);
        client
    }

    /// Keeps a compose attempt of a text to the tag VIP会员 under `id`,
    /// ready to confirm, as the compose page's Send does.
    async fn prepared(&self, client: &reqwest::Client, id: &str, text: &str) {
        let prepared: PrepareOutcome = client
            .post(format!("{}/api/prepare_send", self.address))
            .header("Accept", "application/json")
            .form(&[
                ("account", "main"),
                ("form[clientmsgid]", id),
                ("form[msgtype]", "text"),
                ("form[audience]", "tag"),
                ("form[tag_id]", "100"),
                ("form[text_content]", text),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(matches!(prepared, PrepareOutcome::Ready(_)), "{prepared:?}");
    }

    /// Confirms the attempt `id` in the background, as Confirm does.
    fn confirming(
        &self,
        client: &reqwest::Client,
        id: &'static str,
    ) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
        let (client, url) = (client.clone(), format!("{}/api/confirm_send", self.address));
        tokio::spawn(async move {
            client
                .post(url)
                .header("Accept", "application/json")
                .form(&[("account", "main"), ("clientmsgid", id)])
                .send()
                .await
        })
    }
}

/// A test that fails half-way leaves no console running behind it.
impl Drop for Console {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_send_lets_the_wechat_call_finish_and_records_it() {
    let data = tempfile::tempdir().unwrap();
    let console = Console::start(data.path()).await;
    let client = console.signed_in().await;
    let id = "qf-stop-during-a-send";
    // WeChat takes three seconds to answer this one.
    console
        .prepared(&client, id, "停机测试 [sim:slow(3)]")
        .await;
    let confirming = console.confirming(&client, id);
    // Stopped once WeChat (the simulator, which records a send before its
    // slow answer) has the call.
    let state_url = format!("{}/sim/control/state", console.address);
    let mut called = false;
    for _ in 0..200 {
        let sim: serde_json::Value = reqwest::get(&state_url)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        called = sim["sends"].as_array().is_some_and(|s| !s.is_empty());
        if called {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(called, "WeChat never got the send's call");
    console.terminate();

    let answer = confirming
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert!(answer.status().is_success(), "{}", answer.status());
    let result: SendResult = answer.json().await.unwrap();
    assert_eq!(result.state, SendState::Submitted, "{result:?}");
    let (status, log, output) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success(), "exit {status:?}\n{log}\n{output}");
    assert_eq!(output, "", "the log goes to standard error");
    // JSON lines, one object each, the last saying it stopped.
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert_eq!(lines.last().unwrap()["message"], "stopped", "{log}");
    assert!(!log.contains(ADMIN_PASSWORD));

    let mut conn = open(&data.path().join("qunfa.db")).await;
    let (state, msg_id, attempts): (String, Option<i64>, i64) =
        sqlx::query_as("SELECT state, msg_id, attempts FROM sends WHERE clientmsgid = ?")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    assert_eq!(state, "submitted");
    assert!(msg_id.is_some());
    assert_eq!(attempts, 1);

    // After a restart nothing is sent again: not by the worker's first
    // rounds, which settle whatever a stop left.
    let metrics = "operations-metrics-token";
    let console =
        Console::start_with(data.path(), &[("QUNFA_METRICS_TOKEN", metrics.to_owned())]).await;
    let mut rounds = 0.0;
    for _ in 0..400 {
        let scrape = reqwest::Client::new()
            .get(format!("{}/metrics", console.address))
            .bearer_auth(metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        rounds = value(&scrape, "qunfa_worker_rounds_total");
        if rounds >= 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(rounds >= 2.0, "the worker never finished two rounds");
    let sim: serde_json::Value = reqwest::get(format!("{}/sim/control/state", console.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sim["sends"], serde_json::json!([]), "{sim}");
    console.terminate();
    let (status, _, _) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn metrics_are_closed_without_the_token_and_count_what_happened() {
    let closed = TestApp::spawn().await;
    let response = reqwest::get(closed.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 404);
    closed.stop().await;

    let token = "a-metrics-token-of-some-length";
    let app = TestApp::spawn_with(Arc::new(tempfile::tempdir().unwrap()), |args| {
        args.metrics_token = Some(token.into());
    })
    .await;
    let client = app.client();
    for presented in [None, Some("Bearer wrong-token-wrong-token"), Some(token)] {
        let mut request = client.get(app.url("/metrics"));
        if let Some(value) = presented {
            request = request.header("Authorization", value);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(status, 401, "{presented:?}");
    }

    let scrape = || {
        let request = client
            .get(app.url("/metrics"))
            .header("Authorization", format!("Bearer {token}"));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    // The counters belong to the process, which other tests share: each is
    // compared with a scrape from before, never read at zero.
    let counted = [
        "qunfa_wechat_calls_total{endpoint=\"message/mass/sendall\",errcode=\"0\"}",
        "qunfa_callbacks_refused_total{reason=\"bad_signature\"}",
        "qunfa_token_refreshes_total{outcome=\"ok\"}",
        "qunfa_http_request_duration_seconds_count{kind=\"api\"}",
        "qunfa_callbacks_accepted_total",
    ];
    let before = scrape().await;

    // A send (its end arrives as a callback), and a callback with a bad
    // signature.
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    send(
        &app,
        &client,
        &form("qf-metrics-send", "text", &[("text_content", "度量测试")]),
    )
    .await;
    let refused = client
        .post(app.url("/wechat/callback?signature=x&timestamp=1&nonce=n"))
        .body("<xml/>")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let mut after = scrape().await;
    for _ in 0..100 {
        if counted
            .iter()
            .all(|series| value(&after, series) > value(&before, series))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = scrape().await;
    }
    for series in counted {
        assert!(
            value(&after, series) > value(&before, series),
            "{series} did not grow: {} then {}",
            value(&before, series),
            value(&after, series)
        );
    }
    // Sends are counted from this console's own database at each scrape.
    assert_eq!(
        value(&after, "qunfa_sends{state=\"submitted\",msg_type=\"text\"}")
            + value(&after, "qunfa_sends{state=\"finished\",msg_type=\"text\"}"),
        1.0,
        "{after}"
    );
    assert!(after.contains("qunfa_http_request_duration_seconds_bucket{"));
    app.stop().await;
}

/// The value of one series in a Prometheus text scrape (0 when absent).
fn value(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.split_whitespace().next().unwrap().parse().unwrap())
        .unwrap_or(0.0)
}

/// Leptos works out a console's routes by running the app while a
/// process-wide switch holds every resource back; a page being rendered by
/// another console in the process then waited for its data forever. Tests
/// start many consoles in one process, and one such wait hung a test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_another_console_never_stalls_a_page_being_rendered() {
    let app = TestApp::spawn().await;
    let starts = std::thread::spawn(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            for _ in 0..20 {
                TestApp::spawn().await.stop().await;
            }
        });
    });
    let client = app.client();
    let mut pages = 0;
    while !starts.is_finished() || pages < 50 {
        let page = tokio::time::timeout(
            Duration::from_secs(10),
            client.get(app.url("/login?error=failed")).send(),
        )
        .await
        .expect("the login page is answered within 10 s")
        .unwrap();
        assert!(page.status().is_success(), "{}", page.status());
        pages += 1;
    }
    starts.join().unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_wechat_took_the_send_is_settled_by_its_clientmsgid() {
    // A WeChat that outlives the console: the simulator on its own.
    let token = "crashtesttoken";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let wechat = format!("http://{}", listener.local_addr().unwrap());
    let (stop_wechat, wechat_stopped) = tokio::sync::oneshot::channel::<()>();
    let config = qunfa::simulator::SimulatorConfig::builtin(token.to_owned().into());
    let wechat_task = tokio::spawn(qunfa::simulator::run_standalone(config, listener, async {
        let _ = wechat_stopped.await;
    }));
    let account = [
        (
            "QUNFA_WECHAT_APPID",
            qunfa::simulator::BUILTIN_APPID.to_owned(),
        ),
        (
            "QUNFA_WECHAT_SECRET",
            qunfa::simulator::BUILTIN_SECRET.to_owned(),
        ),
        ("QUNFA_WECHAT_TOKEN", token.to_owned()),
        ("QUNFA_WECHAT_API_BASE", wechat.clone()),
    ];
    let sends_at_wechat = |id: &'static str| {
        let url = format!("{wechat}/control/state");
        async move {
            let state: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            state["sends"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["clientmsgid"] == id)
                .count()
        }
    };

    let data = tempfile::tempdir().unwrap();
    let mut console = Console::start_with(data.path(), &account).await;
    let client = console.signed_in().await;
    let id = "qf-crash-after-the-call";
    // WeChat takes five seconds to answer: the console dies first.
    console
        .prepared(&client, id, "崩溃测试 [sim:slow(5)]")
        .await;
    let confirming = console.confirming(&client, id);
    let mut taken = false;
    for _ in 0..200 {
        if sends_at_wechat(id).await == 1 {
            taken = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(taken, "WeChat never got the send's call");
    // The crash: no stop, no answer stored.
    console.kill();
    let _ = tokio::task::spawn_blocking(move || console.wait()).await;
    assert!(
        confirming.await.unwrap().is_err(),
        "the crash cut the answer off"
    );
    let mut conn = open(&data.path().join("qunfa.db")).await;
    let (state, msg_id): (String, Option<i64>) =
        sqlx::query_as("SELECT state, msg_id FROM sends WHERE clientmsgid = ?")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    assert_eq!((state.as_str(), msg_id), ("pending", None));

    // A minute later at WeChat (so it answers 45065 with the msg_id rather
    // than 45066), the console starts again and settles the send.
    reqwest::Client::new()
        .post(format!("{wechat}/control/clock"))
        .json(&serde_json::json!({"advance_secs": 61}))
        .send()
        .await
        .unwrap();
    let console = Console::start_with(data.path(), &account).await;
    let mut settled: (String, Option<i64>) = (String::new(), None);
    for _ in 0..200 {
        let mut conn = open(&data.path().join("qunfa.db")).await;
        settled = sqlx::query_as("SELECT state, msg_id FROM sends WHERE clientmsgid = ?")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        if settled.0 != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state: serde_json::Value = reqwest::get(format!("{wechat}/control/state"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at_wechat = state["sends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["clientmsgid"] == id)
        .expect("the send at WeChat")
        .clone();
    assert_eq!(settled.0, "submitted", "{settled:?}");
    assert_eq!(
        settled.1.map(|m| m as u64),
        at_wechat["msg_id"].as_u64(),
        "the msg_id of the one send WeChat has"
    );
    assert_eq!(sends_at_wechat(id).await, 1, "one send at WeChat, not two");
    console.terminate();
    let (status, _, _) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success());
    let _ = stop_wechat.send(());
    wechat_task.await.unwrap().unwrap();
}

/// Keeps a compose attempt of `text` under `id` in `console`, ready to
/// confirm.
async fn prepared_attempt(console: &Console, id: &str, text: &str) {
    let client = console.signed_in().await;
    console.prepared(&client, id, text).await;
}

/// Stops the console with SIGTERM, then turns the attempt `id` into a
/// `pending` send in the closed database: what a crash right after the
/// commit leaves, for the worker to send at the next start.
async fn stop_and_leave_pending(console: Console, data: &Path, id: &str) {
    console.terminate();
    let (status, _, _) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success());
    let file = data.join("qunfa.db");
    let database = qunfa::shell::config::DatabasePath {
        url: format!("sqlite://{}", file.display()),
        file: Some(file),
    };
    let db = qunfa::shell::db::connect(&database, false).await.unwrap();
    let created = qunfa::sends::store::create_send(
        &db,
        &qunfa::sends::store::NewSend {
            account: 1,
            user_id: 1,
            username: ADMIN,
            clientmsgid: id,
            send_again: false,
            now: &qunfa::clock::Clock::system().timestamp(),
            articles_as_sent: None,
            release: Default::default(),
        },
    )
    .await
    .unwrap();
    assert!(matches!(created, qunfa::sends::store::Created::New(_)));
    db.close().await;
}

/// Waits until the simulator inside `console` has recorded a send.
async fn until_wechat_has_a_send(console: &Console) {
    let url = format!("{}/sim/control/state", console.address);
    for _ in 0..400 {
        let sim: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        if sim["sends"].as_array().is_some_and(|s| !s.is_empty()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("WeChat never got the worker's call");
}

async fn state_of(data: &Path, id: &str) -> (String, Option<i64>) {
    let mut conn = open(&data.join("qunfa.db")).await;
    let row = sqlx::query_as("SELECT state, msg_id FROM sends WHERE clientmsgid = ?")
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    row
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_the_workers_own_call_waits_for_it_but_not_past_the_grace() {
    let data = tempfile::tempdir().unwrap();

    // Within the grace: the worker's call is answered and recorded.
    let console = Console::start(data.path()).await;
    let id = "qf-worker-call-in-grace";
    prepared_attempt(&console, id, "工作线程 [sim:slow(3)]").await;
    stop_and_leave_pending(console, data.path(), id).await;
    let console = Console::start(data.path()).await;
    until_wechat_has_a_send(&console).await;
    console.terminate();
    let (status, log, _) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success(), "{log}");
    assert!(!log.contains("QUNFA_SHUTDOWN_GRACE"), "{log}");
    let (state, msg_id) = state_of(data.path(), id).await;
    assert!(
        matches!(state.as_str(), "submitted" | "finished"),
        "{state}: {log}"
    );
    assert!(msg_id.is_some());

    // Past the grace: the console stops anyway, says so, and the send is
    // left `pending` for the next start, which settles it.
    let short_grace = [("QUNFA_SHUTDOWN_GRACE", "1s".to_owned())];
    let console = Console::start_with(data.path(), &short_grace).await;
    let id = "qf-worker-call-past-grace";
    prepared_attempt(&console, id, "工作线程 [sim:slow(8)]").await;
    stop_and_leave_pending(console, data.path(), id).await;
    let console = Console::start_with(data.path(), &short_grace).await;
    until_wechat_has_a_send(&console).await;
    let stopping = std::time::Instant::now();
    console.terminate();
    let (status, log, _) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success(), "{log}");
    assert!(
        stopping.elapsed() < Duration::from_secs(6),
        "stopped at the grace, not after WeChat's 8 s"
    );
    assert!(
        log.contains("a send worker was still in a WeChat call at the end of QUNFA_SHUTDOWN_GRACE"),
        "{log}"
    );
    assert_eq!(
        state_of(data.path(), id).await,
        ("pending".to_owned(), None)
    );
    let console = Console::start(data.path()).await;
    let sent = |state: &str| matches!(state, "submitted" | "finished");
    for _ in 0..400 {
        if sent(&state_of(data.path(), id).await.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    console.terminate();
    let (status, log, _) = tokio::task::spawn_blocking(move || console.wait())
        .await
        .unwrap();
    assert!(status.success());
    let (state, msg_id) = state_of(data.path(), id).await;
    assert!(sent(&state) && msg_id.is_some(), "{state}: {log}");
}
