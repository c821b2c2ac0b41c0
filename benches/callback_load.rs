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
    target: Target,
    first_msg_id: u64,
    /// Write the sealed requests to this file (one `PATH?QUERY\tBODY` a
    /// line, for `benches/callback_load.lua` under wrk) instead of sending.
    dump: Option<String>,
    /// Serve as the forward backend at this address instead of sending.
    serve_backend: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
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
        target: Target::Callback,
        first_msg_id: 5_000_000_000,
        dump: None,
        serve_backend: None,
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
            "--healthz" => args.target = Target::Health,
            "--dump" => args.dump = Some(value()),
            "--serve-backend" => args.serve_backend = Some(value()),
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        args.serve_backend.is_some() || !args.token.is_empty(),
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
    match &args.serve_backend {
        Some(address) => runtime.block_on(serve_backend(address.clone())),
        None => runtime.block_on(run(args)),
    }
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
    let crypto = match args.target {
        Target::Callback => Some(Arc::new(
            CallbackCrypto::new(args.token.clone(), &args.aes_key, args.appid.clone())
                .expect("a 43-character --aes-key"),
        )),
        Target::Health => None,
    };
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
        let (args, crypto, http, next, failures, latencies) = (
            args.clone(),
            crypto.clone(),
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
                let ok = match args.target {
                    Target::Callback => {
                        let crypto = crypto.as_deref().expect("set for callbacks");
                        let (query, body) = sealed_event(crypto, args.first_msg_id + i);
                        let url = format!("{}/wechat/callback?{query}", args.url);
                        match http.post(url).body(body).send().await {
                            Ok(r) => r.text().await.is_ok_and(|t| t == "success"),
                            Err(_) => false,
                        }
                    }
                    Target::Health => {
                        match http.get(format!("{}/healthz", args.url)).send().await {
                            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                            Err(_) => false,
                        }
                    }
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
    let what = match args.target {
        Target::Callback => "safe-mode callbacks",
        Target::Health => "GET /healthz",
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
