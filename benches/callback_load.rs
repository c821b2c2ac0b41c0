//! Load for `/wechat/callback`: distinct, freshly signed and encrypted
//! MASSSENDJOBFINISH events (safe mode), as fast as the console takes them;
//! then the same tool against `/healthz` as the ceiling. Run by
//! `benches/callback_load.sh`, which starts the release console; it only
//! talks to the URL it is given (loopback) and stops after `--events`.
//!
//! ```text
//! cargo bench --features ssr --bench callback_load -- \
//!     --url http://127.0.0.1:3300 --events 100000 --concurrency 64 --aes-key KEY --token TOKEN
//! ```
//!
//! With `--database URL` the events are spread, one after another, over
//! every enabled account of that database: account 1 at `/wechat/callback`
//! with `--token`/`--aes-key` (the configuration's), every other at
//! `/wechat/callback/<slug>` with the Token and EncodingAESKey its row
//! keeps, opened with `QUNFA_SECRET_KEY` (the console's sealing key).
//! `--add-accounts N --database URL` instead makes that database hold N
//! enabled accounts through the console's own `accounts::store` (run it
//! while the console is stopped): every account but the first gets its own
//! Token (`--token` and its id) and `--aes-key` in safe mode; simulated
//! accounts `bench-<id>` are added for the rest.
//!
//! `--explain SQL --database URL [--bind VALUE]...` prints SQL's query plan
//! as the console's own SQLite makes it (numbers bound as integers).
//!
//! `--serve-backend ADDRESS` instead plays the account's own backend that
//! the console forwards callbacks to: it answers `success` at once and, at
//! `GET /stats`, says how long it took itself (then starts counting anew).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use qunfa::wechat::crypto::CallbackCrypto;

const TEMPLATE: &str = include_str!("../src/wechat/fixtures/masssendjobfinish.xml");

struct Args {
    url: String,
    events: u64,
    concurrency: u64,
    aes_key: String,
    token: String,
    appid: String,
    load: Load,
    first_msg_id: u64,
    /// Write the sealed requests to this file (one `PATH?QUERY\tBODY` a
    /// line, for `benches/callback_load.lua` under wrk) instead of sending.
    dump: Option<String>,
    /// Serve as the forward backend at this address instead of sending.
    serve_backend: Option<String>,
    /// Spread the events over the enabled accounts of this database.
    database: Option<String>,
    /// Make the database hold this many enabled accounts, then stop.
    add_accounts: Option<usize>,
    /// Print this query's plan, with `binds`, then stop.
    explain: Option<String>,
    binds: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Load {
    Callback,
    Health,
}

fn parse_args() -> Args {
    let mut args = Args {
        url: "http://127.0.0.1:3300".into(),
        events: 20_000,
        concurrency: 64,
        aes_key: String::new(),
        // The console's Token: the built-in simulator's own is made at
        // random, so the script configures one for both sides.
        token: std::env::var("QUNFA_WECHAT_TOKEN").unwrap_or_default(),
        appid: qunfa::simulator::BUILTIN_APPID.into(),
        load: Load::Callback,
        first_msg_id: 5_000_000_000,
        dump: None,
        serve_backend: None,
        database: None,
        add_accounts: None,
        explain: None,
        binds: Vec::new(),
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut value = || given.next().unwrap_or_default();
        match flag.as_str() {
            "--url" => args.url = value(),
            "--events" => args.events = value().parse().expect("--events N"),
            "--concurrency" => args.concurrency = value().parse().expect("--concurrency N"),
            "--aes-key" => args.aes_key = value(),
            "--token" => args.token = value(),
            "--appid" => args.appid = value(),
            "--first-msg-id" => args.first_msg_id = value().parse().expect("--first-msg-id N"),
            "--healthz" => args.load = Load::Health,
            "--dump" => args.dump = Some(value()),
            "--serve-backend" => args.serve_backend = Some(value()),
            "--database" => args.database = Some(value()),
            "--explain" => args.explain = Some(value()),
            "--bind" => args.binds.push(value()),
            "--add-accounts" => {
                args.add_accounts = Some(value().parse().expect("--add-accounts N"))
            }
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        args.serve_backend.is_some() || args.explain.is_some() || !args.token.is_empty(),
        "give the console's callback Token: --token or QUNFA_WECHAT_TOKEN"
    );
    args
}

/// One distinct event: its own MsgID (the dedup key) and a fresh signature.
fn sealed_event(crypto: &CallbackCrypto, msg_id: u64) -> (String, String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let xml = TEMPLATE
        .replace(
            "<MsgID>1000001625</MsgID>",
            &format!("<MsgID>{msg_id}</MsgID>"),
        )
        .replace(
            "<CreateTime>1481013459</CreateTime>",
            &format!("<CreateTime>{now}</CreateTime>"),
        );
    let timestamp = now.to_string();
    let nonce = format!("n{msg_id}");
    let sealed = crypto
        .seal(&xml, &timestamp, &nonce)
        .expect("sealing works");
    let query = format!(
        "signature={}&timestamp={timestamp}&nonce={nonce}&openid=o&encrypt_type=aes&msg_signature={}",
        crypto.signature(&timestamp, &nonce),
        sealed.msg_signature
    );
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        sealed.encrypt
    );
    (query, body)
}

fn main() {
    let args = Arc::new(parse_args());
    if let Some(path) = &args.dump {
        dump(&args, path);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    if let Some(sql) = &args.explain {
        runtime.block_on(explain(&args, sql));
        return;
    }
    match (&args.serve_backend, args.add_accounts) {
        (Some(address), _) => runtime.block_on(serve_backend(address.clone())),
        (None, Some(count)) => runtime.block_on(add_accounts(&args, count)),
        (None, None) => runtime.block_on(run(args)),
    }
}

/// An account the events go to: the path of its callback URL and what
/// seals its events.
struct Target {
    path: String,
    crypto: CallbackCrypto,
}

fn sealing_key() -> qunfa::shell::secrets::SealingKey {
    let text = std::env::var(qunfa::shell::secrets::KEY_VARIABLE)
        .expect("QUNFA_SECRET_KEY: the console's sealing key");
    qunfa::shell::secrets::SealingKey::parse(&text).expect("QUNFA_SECRET_KEY is a key")
}

async fn open_database(url: &str) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(url)
        .await
        .expect("--database URL opens")
}

/// The query plan of `sql`, one step a line, as SQLite words it.
async fn explain(args: &Args, sql: &str) {
    use sqlx::Row as _;
    let db = open_database(args.database.as_deref().expect("--database URL")).await;
    let plan = format!("EXPLAIN QUERY PLAN {sql}");
    let mut query = sqlx::query(&plan);
    for value in &args.binds {
        query = match value.parse::<i64>() {
            Ok(number) => query.bind(number),
            Err(_) => query.bind(value.as_str()),
        };
    }
    for row in query.fetch_all(&db).await.expect("the query plan") {
        println!("{}", row.get::<String, _>(3));
    }
    db.close().await;
}

/// Makes the database hold `count` enabled accounts, each but the first
/// with a Token and EncodingAESKey this tool knows (safe mode).
async fn add_accounts(args: &Args, count: usize) {
    use qunfa::accounts::{
        Kind, MessageMode, Origin, TokenSource,
        store::{self, Account, Secrets},
    };
    use secrecy::SecretString;
    let db = open_database(args.database.as_deref().expect("--database URL")).await;
    let key = sealing_key();
    let bench_secrets = |id: i64, secret: Option<SecretString>| Secrets {
        secret,
        callback_token: Some(SecretString::from(format!("{}{id}", args.token))),
        aes_key: Some(SecretString::from(args.aes_key.clone())),
        ..Secrets::default()
    };
    let rows = store::list(&db).await.expect("the accounts read");
    let mut enabled = 0;
    for row in rows.iter().filter(|row| !row.is_disabled()) {
        enabled += 1;
        if row.id == 1 {
            continue;
        }
        // Its AppSecret stays: the built-in simulator knows it.
        let secret = row.open_secrets(&key).expect("the secrets open").secret;
        let account = Account {
            slug: row.slug.clone(),
            name: row.name.clone(),
            appid: row.appid.clone(),
            kind: row.kind,
            overseas: row.overseas,
            origin: row.origin,
            token_source: row.token_source,
            message_mode: MessageMode::Safe,
            forward_url: None,
            forward_timeout_ms: None,
            secrets: bench_secrets(row.id, secret),
        };
        store::update(&db, &key, row.id, &account)
            .await
            .expect("the account is updated");
    }
    let mut next = rows.iter().map(|row| row.id).max().unwrap_or(0) + 1;
    while enabled < count {
        let mut account = Account {
            slug: format!("bench-{next}"),
            name: format!("压测号 {next}"),
            appid: format!("wxqunfabench{next:04}"),
            kind: Kind::Subscription,
            overseas: false,
            origin: Origin::Simulator,
            token_source: TokenSource::Stable,
            message_mode: MessageMode::Safe,
            forward_url: None,
            forward_timeout_ms: None,
            secrets: Secrets::default(),
        };
        let id = store::insert(&db, &key, &account)
            .await
            .expect("the account is added");
        account.secrets = bench_secrets(id, Some(SecretString::from(format!("bench-secret-{id}"))));
        store::update(&db, &key, id, &account)
            .await
            .expect("its secrets are written");
        enabled += 1;
        next = id + 1;
    }
    db.close().await;
    println!("{count} enabled accounts");
}

/// Where the events go: account 1 alone, or every enabled account of
/// `--database`, each with its own Token and key.
async fn targets(args: &Args) -> Vec<Target> {
    let first = |appid: String| {
        CallbackCrypto::new(args.token.clone(), &args.aes_key, appid)
            .expect("a 43-character --aes-key")
    };
    let Some(url) = &args.database else {
        return vec![Target {
            path: "/wechat/callback".into(),
            crypto: first(args.appid.clone()),
        }];
    };
    use secrecy::ExposeSecret;
    let db = open_database(url).await;
    let key = sealing_key();
    let rows = qunfa::accounts::store::list(&db)
        .await
        .expect("the accounts read");
    db.close().await;
    rows.into_iter()
        .filter(|row| !row.is_disabled())
        .map(|row| {
            if row.id == 1 {
                return Target {
                    path: "/wechat/callback".into(),
                    crypto: first(row.appid),
                };
            }
            let secrets = row.open_secrets(&key).expect("the secrets open");
            let (Some(token), Some(aes_key)) = (secrets.callback_token, secrets.aes_key) else {
                panic!("account {} has no Token or EncodingAESKey", row.slug);
            };
            Target {
                path: format!("/wechat/callback/{}", row.slug),
                crypto: CallbackCrypto::new(
                    token.expose_secret().to_owned(),
                    aes_key.expose_secret(),
                    row.appid,
                )
                .expect("the account's EncodingAESKey works"),
            }
        })
        .collect()
}

/// The backend's own time for each callback since the last `GET /stats`.
type OwnTimes = Arc<std::sync::Mutex<Vec<Duration>>>;

/// A backend that answers every callback `success` at once.
async fn serve_backend(address: String) {
    use axum::{Router, extract::State, routing::get};
    async fn answer(
        State(times): State<OwnTimes>,
        request: axum::extract::Request,
    ) -> &'static str {
        let began = Instant::now();
        let body = axum::body::to_bytes(request.into_body(), 1 << 20).await;
        let answer = if body.is_ok() { "success" } else { "" };
        times.lock().unwrap().push(began.elapsed());
        answer
    }
    /// `COUNT P50_MICROS P99_MICROS` of the backend's own time.
    async fn stats(State(times): State<OwnTimes>) -> String {
        let mut times = std::mem::take(&mut *times.lock().unwrap());
        if times.is_empty() {
            return "0 0 0".into();
        }
        times.sort();
        let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        format!(
            "{} {} {}",
            times.len(),
            at(0.5).as_micros(),
            at(0.99).as_micros()
        )
    }
    let times = OwnTimes::default();
    let app = Router::new()
        .route("/stats", get(stats))
        .fallback(answer)
        .with_state(times);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .expect("--serve-backend ADDRESS is free");
    axum::serve(listener, app).await.unwrap();
}

/// Seals every event up front, so the tool that sends them does no crypto.
fn dump(args: &Args, path: &str) {
    use std::io::Write;
    let crypto = CallbackCrypto::new(args.token.clone(), &args.aes_key, args.appid.clone())
        .expect("a 43-character --aes-key");
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("--dump FILE"));
    for i in 0..args.events {
        let (query, body) = sealed_event(&crypto, args.first_msg_id + i);
        writeln!(out, "/wechat/callback?{query}\t{body}").expect("writing --dump");
    }
}

async fn run(args: Arc<Args>) {
    let targets = Arc::new(match args.load {
        Load::Callback => targets(&args).await,
        Load::Health => Vec::new(),
    });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency as usize)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(
        args.events as usize,
    )));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (args, targets, http, next, failures, latencies) = (
            args.clone(),
            targets.clone(),
            http.clone(),
            next.clone(),
            failures.clone(),
            latencies.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= args.events {
                    break;
                }
                let began = Instant::now();
                let ok = match args.load {
                    Load::Callback => {
                        let target = &targets[(i % targets.len() as u64) as usize];
                        let (query, body) = sealed_event(&target.crypto, args.first_msg_id + i);
                        let url = format!("{}{}?{query}", args.url, target.path);
                        match http.post(url).body(body).send().await {
                            Ok(r) => r.text().await.is_ok_and(|t| t == "success"),
                            Err(_) => false,
                        }
                    }
                    Load::Health => match http.get(format!("{}/healthz", args.url)).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    },
                };
                mine.push(began.elapsed());
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let what = match args.load {
        Load::Callback if targets.len() > 1 => {
            format!("safe-mode callbacks over {} accounts", targets.len())
        }
        Load::Callback => "safe-mode callbacks".to_owned(),
        Load::Health => "GET /healthz".to_owned(),
    };
    println!(
        "{what}: {} requests in {:.2} s = {:.0}/s, {} failed; latency p50 {:.2} ms, p99 {:.2} ms (concurrency {})",
        args.events,
        elapsed.as_secs_f64(),
        args.events as f64 / elapsed.as_secs_f64(),
        failures.load(Ordering::Relaxed),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        args.concurrency,
    );
}
