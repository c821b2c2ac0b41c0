//! The simulator driven over real HTTP on 127.0.0.1:0, as the console's
//! client will drive it, with a tiny axum receiver for the pushes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use strum::VariantArray as _;
use tokio::net::TcpListener;
use url::Url;

use super::*;
use crate::wechat::callback::{Callback, EncryptedEnvelope, MassSendJobFinish, parse_callback};
use crate::wechat::crypto::{self, CallbackCrypto};
use crate::wechat::status::{CheckState, FailureReason, Status};

mod accounts;
mod check;
mod datacube;
mod drafts;
mod mass_send;
mod materials;
mod overseas;
mod pickers;
mod push;
mod quota;
mod scenarios;
mod sendall;
mod serving;
mod tokens;
mod whitelist;

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "app-secret-for-tests";
const TOKEN: &str = "callbacktoken42";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

const SEED_REQUESTS: [(&str, &str); 6] = [
    (
        "mpnews",
        include_str!("../../wechat/fixtures/sendall_mpnews.json"),
    ),
    (
        "text",
        include_str!("../../wechat/fixtures/sendall_text.json"),
    ),
    (
        "voice",
        include_str!("../../wechat/fixtures/sendall_voice.json"),
    ),
    (
        "image",
        include_str!("../../wechat/fixtures/sendall_image.json"),
    ),
    (
        "mpvideo",
        include_str!("../../wechat/fixtures/sendall_mpvideo.json"),
    ),
    (
        "wxcard",
        include_str!("../../wechat/fixtures/sendall_wxcard.json"),
    ),
];

const WAIT: Duration = Duration::from_secs(10);

/// Without the mass-send quota: these tests send many times a day
/// (`quota.rs` switches it on).
fn test_config() -> SimulatorConfig {
    let mut config =
        SimulatorConfig::new(APPID, SecretString::from(SECRET), SecretString::from(TOKEN))
            .with_callback_delay(Duration::from_millis(50))
            .with_quota(false);
    config.callback_retry_delay = Duration::from_millis(20);
    config.callback_timeout = Duration::from_secs(2);
    config
}

/// A running simulator and a client for it.
struct App {
    sim: Simulator,
    base: String,
    http: reqwest::Client,
}

async fn spawn(config: SimulatorConfig) -> App {
    let sim = Simulator::new(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(sim.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    App {
        sim,
        base,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    }
}

impl App {
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.http
            .get(with_query(&format!("{}{path}", self.base), query))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Value {
        self.post_raw(path, token, body.to_string()).await
    }

    async fn post_raw(&self, path: &str, token: &str, body: String) -> Value {
        self.http
            .post(with_query(
                &format!("{}{path}", self.base),
                &[("access_token", token)],
            ))
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn token(&self) -> String {
        let answer = self
            .get(
                Endpoint::Token.path(),
                &[
                    ("grant_type", "client_credential"),
                    ("appid", APPID),
                    ("secret", SECRET),
                ],
            )
            .await;
        answer["access_token"].as_str().unwrap().to_owned()
    }

    async fn control_get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/control/{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn control_post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/control/{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn wait_for_pushes(&self, n: usize) -> Vec<Delivery> {
        assert!(
            self.sim
                .wait_until(WAIT, |s| s.deliveries().len() >= n)
                .await,
            "expected {n} pushes, got {:?}",
            self.sim.deliveries()
        );
        self.sim.deliveries()
    }

    async fn wait_for_end(&self, msg_id: u64) -> SendRecord {
        let id = MsgId::new(msg_id);
        let ended = self
            .sim
            .wait_until(WAIT, |s| s.send(id).is_some_and(|r| r.result.is_some()))
            .await;
        assert!(ended, "send {msg_id} did not end");
        self.sim.send(id).unwrap()
    }
}

/// `base` with the query pairs appended (reqwest's `query` needs a feature
/// the project does not enable).
fn with_query(base: &str, pairs: &[(&str, &str)]) -> Url {
    Url::parse_with_params(base, pairs).unwrap()
}

fn errcode(v: &Value) -> i64 {
    v["errcode"].as_i64().unwrap_or(0)
}

fn msg_id(v: &Value) -> u64 {
    v["msg_id"].as_u64().unwrap()
}

fn text_send(content: &str, clientmsgid: Option<&str>) -> Value {
    let mut body = json!({
        "filter": {"is_to_all": false, "tag_id": 2},
        "text": {"content": content},
        "msgtype": "text",
    });
    if let Some(id) = clientmsgid {
        body["clientmsgid"] = json!(id);
    }
    body
}

fn news_send(media_id: &str, clientmsgid: &str, ignore_reprint: u8) -> Value {
    json!({
        "filter": {"is_to_all": false, "tag_id": 100},
        "mpnews": {"media_id": media_id},
        "msgtype": "mpnews",
        "send_ignore_reprint": ignore_reprint,
        "clientmsgid": clientmsgid,
    })
}

/// What the tiny callback receiver saw: each request's query and body.
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<(String, String)>>>,
    /// Answer 500 to this many requests before answering `success`.
    failures_left: Arc<AtomicUsize>,
}

impl Receiver {
    fn hits(&self) -> Vec<(String, String)> {
        self.hits.lock().unwrap().clone()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    RawQuery(query): RawQuery,
    body: String,
) -> (StatusCode, &'static str) {
    receiver
        .hits
        .lock()
        .unwrap()
        .push((query.unwrap_or_default(), body));
    let failing = receiver
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        (StatusCode::INTERNAL_SERVER_ERROR, "busy")
    } else {
        (StatusCode::OK, "success")
    }
}

async fn spawn_receiver(failures: usize) -> (Url, Receiver) {
    let receiver = Receiver::default();
    receiver.failures_left.store(failures, Ordering::SeqCst);
    let app = axum::Router::new()
        .route("/wechat/callback", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!(
        "http://{}/wechat/callback",
        listener.local_addr().unwrap()
    ))
    .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

fn query_value(query: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn finish_of(xml: &str) -> MassSendJobFinish {
    match parse_callback(xml).unwrap() {
        Callback::MassSendJobFinish(finish) => finish,
        other => panic!("not a MASSSENDJOBFINISH: {other:?}"),
    }
}
