//! Running qunfa for a team: backups while it writes, restores that refuse
//! what they should, a database from a newer qunfa, a stop in the middle of
//! a send, `/metrics` and JSON logs. The binary is run as an operator runs it.

mod common;

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
    child: Child,
    address: String,
}

impl Console {
    async fn start(data: &Path) -> Console {
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
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let address = format!("http://127.0.0.1:{port}");
        for _ in 0..400 {
            if reqwest::get(format!("{address}/healthz"))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Console { child, address };
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        panic!("the console did not start: {}", text(&output.stderr));
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end; its exit, its log (standard error)
    /// and anything else it wrote.
    fn wait(self) -> (std::process::ExitStatus, String, String) {
        let output = self.child.wait_with_output().unwrap();
        (output.status, text(&output.stderr), text(&output.stdout))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_send_lets_the_wechat_call_finish_and_records_it() {
    let data = tempfile::tempdir().unwrap();
    let console = Console::start(data.path()).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, console.address.parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    client
        .post(format!("{}/login", console.address))
        .form(&[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    let id = "qf-stop-during-a-send";
    let form = [
        ("form[clientmsgid]", id),
        ("form[msgtype]", "text"),
        ("form[audience]", "tag"),
        ("form[tag_id]", "100"),
        // WeChat takes three seconds to answer this one.
        ("form[text_content]", "停机测试 [sim:slow(3)]"),
    ];
    let prepared: PrepareOutcome = client
        .post(format!("{}/api/prepare_send", console.address))
        .header("Accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(matches!(prepared, PrepareOutcome::Ready(_)), "{prepared:?}");
    let confirming = tokio::spawn({
        let (client, url) = (
            client.clone(),
            format!("{}/api/confirm_send", console.address),
        );
        async move {
            client
                .post(url)
                .header("Accept", "application/json")
                .form(&[("clientmsgid", id)])
                .send()
                .await
        }
    });
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

    // After a restart nothing is sent again.
    let console = Console::start(data.path()).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
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

    // A send, and a callback with a bad signature.
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

    let response = client
        .get(app.url("/metrics"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    for expected in [
        "msg_type=\"text\"} 1",
        "qunfa_wechat_calls_total{endpoint=\"message/mass/sendall\",errcode=\"0\"}",
        "qunfa_callbacks_refused_total{reason=\"bad_signature\"}",
        "qunfa_token_refreshes_total{outcome=\"ok\"}",
        "qunfa_http_request_duration_seconds_bucket{",
        "kind=\"api\"",
        "qunfa_callbacks_accepted_total",
    ] {
        assert!(body.contains(expected), "no {expected} in\n{body}");
    }
    app.stop().await;
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
