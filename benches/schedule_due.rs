//! 10,000 scheduled sends across 20 simulated accounts, all due in the same
//! minute: how long from their time until each is `submitted` against the
//! built-in simulator, and that WeChat got each exactly once.
//!
//! ```text
//! cargo bench --features ssr --bench schedule_due [-- --sends 10000 --accounts 20]
//! ```
//!
//! In one process, like the integration tests: a console on a temporary
//! database makes its 19 extra simulated accounts (`add_simulated_account`)
//! and stops; the sends are written straight into the stopped console's
//! database, `scheduled` one minute after now (the rows `create_send`
//! writes, without a compose attempt each: the loader is the editor); the
//! console starts again, and the simulator's clock (which the workers read)
//! is moved to their time. Then the database is read every 50 ms until
//! every send has its `submitted_at`, which the worker writes by the same
//! clock, so `submitted_at - scheduled_at` is each send's delay. Last,
//! every account's simulator is asked for its sends by clientmsgid: each
//! must be there exactly once.
//!
//! The simulator's mass-send quota (on by default in the built-in
//! simulator) would refuse all but a few of these sends with 45028: the
//! console here switches it off for every account
//! (`Simulator::set_quota_enforced`), as the tests do.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use qunfa::shell::{config::SettingsArgs, server, state::AppState};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

struct Console {
    address: String,
    state: AppState,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

async fn start(data: &tempfile::TempDir) -> Console {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let args = SettingsArgs {
        config: data.path().join("absent.toml"),
        site_addr: Some(address.to_string()),
        database_url: Some(format!(
            "sqlite://{}",
            data.path().join("qunfa.db").display()
        )),
        admin_user: Some("admin".into()),
        admin_password: Some("admin-password-1".into()),
        ..SettingsArgs::default()
    };
    let settings = args.load().expect("valid settings");
    let leptos = server::leptos_options(&settings);
    let prepared = server::prepare(settings, leptos)
        .await
        .expect("the console prepares");
    let state = prepared.state.clone();
    if let Some(simulator) = &state.simulator {
        simulator.set_quota_enforced(false);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::run(prepared, listener, async move {
        let _ = stopped.await;
    }));
    let console = Console {
        address: format!("http://{address}"),
        state,
        stop,
        task,
    };
    for _ in 0..400 {
        if let Ok(r) = reqwest::get(format!("{}/healthz", console.address)).await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    console
}

async fn stop(console: Console) {
    let _ = console.stop.send(());
    console.task.await.unwrap().unwrap();
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let sends = arg("--sends", 10_000);
    let accounts = arg("--accounts", 20);
    let data = tempfile::tempdir().unwrap();

    // The accounts, made by the console itself.
    let console = start(&data).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let origin = console.address.clone();
    client
        .post(format!("{origin}/login"))
        .header("Origin", &origin)
        .form(&[
            ("username", "admin"),
            ("password", "admin-password-1"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&console.state.db)
        .await
        .unwrap();
    for n in (existing as usize + 1)..=accounts {
        let answer = client
            .post(format!("{origin}/api/add_simulated_account"))
            .header("Origin", &origin)
            .header("Accept", "application/json")
            .form(&[
                ("name", format!("bench {n}")),
                ("kind", "service".to_owned()),
            ])
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
    }
    stop(console).await;

    // The sends, written into the stopped console's database.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        data.path().join("qunfa.db").display()
    ))
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(ids.len(), accounts, "{ids:?}");
    let due = qunfa::clock::Clock::system().unix_secs() + 60;
    let due_at =
        qunfa::sends::schedule::ssr::utc_text(jiff::Timestamp::from_second(due as i64).unwrap());
    let written = Instant::now();
    let mut tx = db.begin().await.unwrap();
    for i in 0..sends {
        let account = ids[i % ids.len()];
        let clientmsgid = format!("qf-bench-due-{i:06}");
        let request = serde_json::json!({
            "filter": {"is_to_all": true},
            "text": {"content": format!("定时 {i}")},
            "msgtype": "text",
            "send_ignore_reprint": 0,
            "clientmsgid": clientmsgid,
        })
        .to_string();
        sqlx::query(
            "INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, audience, summary,
                                request, state, scheduled_at)
             VALUES (?, ?, 1, 'text', '', ?, ?, 'scheduled', ?)",
        )
        .bind(&clientmsgid)
        .bind(account)
        .bind(format!("定时 {i}"))
        .bind(&request)
        .bind(&due_at)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    db.close().await;
    println!(
        "wrote {sends} scheduled sends over {accounts} accounts in {:.2?}, due at {due_at}",
        written.elapsed()
    );

    // Their time comes.
    let console = start(&data).await;
    let sim = console
        .state
        .simulator
        .clone()
        .expect("the built-in simulator");
    let now = sim.clock().unix_secs();
    let clock_moved = Instant::now();
    sim.clock()
        .advance(Duration::from_secs(due.saturating_sub(now)));
    let db = console.state.db.clone();
    loop {
        let done: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sends WHERE submitted_at IS NOT NULL")
                .fetch_one(&db)
                .await
                .unwrap();
        if done as usize >= sends {
            break;
        }
        if clock_moved.elapsed() > Duration::from_secs(600) {
            let states: Vec<(String, i64)> =
                sqlx::query_as("SELECT state, count(*) FROM sends GROUP BY state")
                    .fetch_all(&db)
                    .await
                    .unwrap();
            panic!("not all submitted after 10 minutes: {states:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let wall = clock_moved.elapsed();
    let delays: Vec<f64> = sqlx::query_scalar(
        "SELECT (julianday(submitted_at) - julianday(scheduled_at)) * 86400.0 FROM sends ORDER BY 1",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let pick = |q: f64| delays[((delays.len() - 1) as f64 * q).round() as usize];
    println!(
        "all {sends} submitted {wall:.2?} after the clock reached their time; delay from the due time: median {:.2} s, p95 {:.2} s, max {:.2} s",
        pick(0.5),
        pick(0.95),
        pick(1.0)
    );

    // Each exactly once at WeChat.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for account in sim.accounts() {
        for send in account.sends() {
            *seen.entry(send.clientmsgid).or_default() += 1;
        }
    }
    let ours = seen
        .iter()
        .filter(|(id, _)| id.starts_with("qf-bench-due-"));
    let (mut once, mut more) = (0, 0);
    for (_, times) in ours {
        if *times == 1 {
            once += 1;
        } else {
            more += 1;
        }
    }
    println!("the simulator got {once} of {sends} exactly once; {more} more than once");
    let calls: u64 = sim
        .accounts()
        .iter()
        .map(|a| a.counters().calls_to(qunfa::wechat::Endpoint::SendAll))
        .sum();
    println!("sendall calls: {calls}");
    assert_eq!((once, more), (sends, 0));
    stop(console).await;
}
