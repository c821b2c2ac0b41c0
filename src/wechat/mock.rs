//! A tiny WeChat for tests: records every request and answers through a
//! closure, and an observer that counts what the client and the token
//! manager tell it. Shared by the client's and the token manager's tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use url::Url;

use crate::wechat::Endpoint;
use crate::wechat::client::{CallError, CallObserver};
use crate::wechat::token::{TokenError, TokenObserver};

/// One request as the mock saw it; `path` is without the mount prefix.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn token(&self) -> &str {
        self.query.get("access_token").map_or("", String::as_str)
    }
}

pub(crate) struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    pub fn json(body: Value) -> Self {
        Reply {
            status: 200,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16) -> Self {
        Reply {
            status,
            content_type: "application/json",
            body: b"<html>bad gateway</html>".to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// A body that is not JSON, with status `status`.
    pub fn text(status: u16, body: &str) -> Self {
        Reply {
            status,
            content_type: "application/json",
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// A file's bytes, as `get_material` answers an image.
    pub fn file(content_type: &'static str, body: &[u8]) -> Self {
        Reply {
            status: 200,
            content_type,
            body: body.to_vec(),
            delay: Duration::ZERO,
        }
    }

    pub fn errcode(code: i64) -> Self {
        Reply::json(json!({"errcode": code, "errmsg": format!("error {code} rid: 1-2-3")}))
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Answers the token endpoints with `tok-1`, `tok-2`, … (per endpoint).
pub(crate) fn token_reply(hit: &Hit, n: usize) -> Option<Reply> {
    [Endpoint::StableToken.path(), Endpoint::Token.path()]
        .contains(&hit.path.as_str())
        .then(|| Reply::json(json!({"access_token": format!("tok-{n}"), "expires_in": 7200})))
}

type Responder = dyn Fn(&Hit, usize) -> Reply + Send + Sync;

struct Shared {
    prefix: String,
    hits: Mutex<Vec<Hit>>,
    respond: Box<Responder>,
}

pub(crate) struct MockWechat {
    /// `http://127.0.0.1:PORT` + the prefix.
    pub base: Url,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl MockWechat {
    /// Serves on a free port under `prefix` ("" or "/sim"). `respond`
    /// gets each request and its 1-based number on its path.
    pub async fn start(
        prefix: &str,
        respond: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            prefix: prefix.to_owned(),
            hits: Mutex::new(Vec::new()),
            respond: Box::new(respond),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        MockWechat {
            base: Url::parse(&format!("http://{addr}{prefix}")).unwrap(),
            shared,
            server,
        }
    }

    pub fn requests(&self, path: &str) -> Vec<Hit> {
        let hits = self.shared.hits.lock().unwrap();
        hits.iter().filter(|h| h.path == path).cloned().collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.requests(path).len()
    }

    pub fn total_hits(&self) -> usize {
        self.shared.hits.lock().unwrap().len()
    }
}

impl Drop for MockWechat {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = match uri.path().strip_prefix(shared.prefix.as_str()) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let hit = Hit {
        method: method.to_string(),
        path,
        query: url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.to_vec(),
    };
    let n = {
        let mut hits = shared.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.iter().filter(|h| h.path == hit.path).count()
    };
    let reply = (shared.respond)(&hit, n);
    tokio::time::sleep(reply.delay).await;
    let status = StatusCode::from_u16(reply.status).unwrap();
    (
        status,
        [(header::CONTENT_TYPE, reply.content_type)],
        reply.body,
    )
        .into_response()
}

/// A base URL where nothing listens.
pub(crate) async fn closed_base() -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    Url::parse(&format!("http://{addr}")).unwrap()
}

/// Counts what the client and the token manager tell their observers, as
/// the app's counters do, for a test to read.
#[derive(Debug, Default)]
pub(crate) struct Counted {
    attempts: Mutex<HashMap<Endpoint, u64>>,
    fetches: Mutex<(u64, u64)>,
    dropped: Mutex<u64>,
}

impl Counted {
    /// HTTP attempts at `endpoint`, retries included.
    pub fn attempts(&self, endpoint: Endpoint) -> u64 {
        lock(&self.attempts).get(&endpoint).copied().unwrap_or(0)
    }

    /// HTTP attempts at every endpoint but `endpoint`.
    pub fn attempts_elsewhere(&self, endpoint: Endpoint) -> u64 {
        lock(&self.attempts)
            .iter()
            .filter(|(e, _)| **e != endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// Token requests sent, successful or not.
    pub fn fetches(&self) -> u64 {
        let (ok, failed) = *lock(&self.fetches);
        ok + failed
    }

    /// Token requests that brought no token.
    pub fn failed_fetches(&self) -> u64 {
        lock(&self.fetches).1
    }

    /// Tokens dropped after WeChat refused them.
    pub fn dropped(&self) -> u64 {
        *lock(&self.dropped)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap()
}

impl CallObserver for Counted {
    fn attempted(&self, endpoint: Endpoint, _: Result<(), &CallError>) {
        *lock(&self.attempts).entry(endpoint).or_insert(0) += 1;
    }
}

impl TokenObserver for Counted {
    fn fetched(&self, outcome: Result<(), &TokenError>) {
        let mut fetches = lock(&self.fetches);
        match outcome {
            Ok(()) => fetches.0 += 1,
            Err(_) => fetches.1 += 1,
        }
    }

    fn dropped(&self) {
        *lock(&self.dropped) += 1;
    }
}
