//! `/metrics` in the Prometheus text format: counters the code bumps as
//! things happen (callbacks, WeChat calls, token fetches, request times) and
//! the sends by state and type, counted from the database at each scrape.
//! One set per process, as Prometheus expects of a process.

use std::sync::{LazyLock, Mutex};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

use crate::wechat::client::{CallError, Endpoint};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SendLabels {
    state: String,
    msg_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    endpoint: &'static str,
    errcode: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

type Histograms = Family<KindLabel, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Mutex<Registry>,
    sends: Family<SendLabels, Gauge>,
    callbacks_accepted: Counter,
    callbacks_refused: Family<ReasonLabel, Counter>,
    wechat_calls: Family<CallLabels, Counter>,
    token_refreshes: Family<OutcomeLabel, Counter>,
    password_checks: Family<OutcomeLabel, Counter>,
    request_duration: Histograms,
    worker_rounds: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let sends = Family::<SendLabels, Gauge>::default();
    registry.register(
        "qunfa_sends",
        "Sends in the database by state and message type",
        sends.clone(),
    );
    let callbacks_accepted = Counter::default();
    registry.register(
        "qunfa_callbacks_accepted",
        "Callbacks verified and stored (a retried event counts each time)",
        callbacks_accepted.clone(),
    );
    let callbacks_refused = Family::<ReasonLabel, Counter>::default();
    registry.register(
        "qunfa_callbacks_refused",
        "Callbacks refused, by reason",
        callbacks_refused.clone(),
    );
    let wechat_calls = Family::<CallLabels, Counter>::default();
    registry.register(
        "qunfa_wechat_calls",
        "HTTP calls to the WeChat API by endpoint and errcode (0: success; timeout, transport, http, malformed: no errcode)",
        wechat_calls.clone(),
    );
    let token_refreshes = Family::<OutcomeLabel, Counter>::default();
    registry.register(
        "qunfa_token_refreshes",
        "Access token fetches by outcome",
        token_refreshes.clone(),
    );
    let password_checks = Family::<OutcomeLabel, Counter>::default();
    registry.register(
        "qunfa_password_checks",
        "Passwords checked with argon2 (checked), and logins refused because too many checks were running (busy)",
        password_checks.clone(),
    );
    // 0.5 ms to about 8 s.
    let request_duration: Histograms =
        Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.0005, 2.0, 15)));
    registry.register(
        "qunfa_http_request_duration_seconds",
        "Time to answer an HTTP request, by kind of request",
        request_duration.clone(),
    );
    let worker_rounds = Counter::default();
    registry.register(
        "qunfa_worker_rounds",
        "Rounds of the send worker: callbacks applied, sends settled, statuses checked",
        worker_rounds.clone(),
    );
    Metrics {
        registry: Mutex::new(registry),
        sends,
        callbacks_accepted,
        callbacks_refused,
        wechat_calls,
        token_refreshes,
        password_checks,
        request_duration,
        worker_rounds,
    }
});

pub fn worker_round() {
    METRICS.worker_rounds.inc();
}

pub fn callback_accepted() {
    METRICS.callbacks_accepted.inc();
}

/// `reason` is a short snake_case label, one per kind of refusal.
pub fn callback_refused(reason: &'static str) {
    METRICS
        .callbacks_refused
        .get_or_create(&ReasonLabel { reason })
        .inc();
}

/// One HTTP exchange with WeChat and how it ended.
pub fn wechat_call<T>(endpoint: Endpoint, result: &Result<T, CallError>) {
    let errcode = match result {
        Ok(_) => "0".to_owned(),
        Err(CallError::Api(api)) => api.code.code().to_string(),
        Err(CallError::Timeout) => "timeout".to_owned(),
        Err(CallError::Transport(_)) => "transport".to_owned(),
        Err(CallError::Http(_)) => "http".to_owned(),
        Err(CallError::Malformed(_)) => "malformed".to_owned(),
        Err(CallError::Token(_) | CallError::Unexpected(_)) => "unexpected".to_owned(),
    };
    let endpoint = endpoint
        .path()
        .strip_prefix("/cgi-bin/")
        .unwrap_or(endpoint.path());
    METRICS
        .wechat_calls
        .get_or_create(&CallLabels { endpoint, errcode })
        .inc();
}

pub fn token_refresh(ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    METRICS
        .token_refreshes
        .get_or_create(&OutcomeLabel { outcome })
        .inc();
}

/// `checked`: argon2 ran; `busy`: refused because too many checks ran.
pub fn password_check(outcome: &'static str) {
    METRICS
        .password_checks
        .get_or_create(&OutcomeLabel { outcome })
        .inc();
}

/// The kind of a request by its path: few values, so the histogram stays
/// small whatever paths strangers try.
pub fn request_kind(path: &str) -> &'static str {
    if path == "/wechat/callback" {
        "callback"
    } else if path.starts_with("/api/") {
        "api"
    } else if path.starts_with("/pkg/") || path == "/favicon.ico" {
        "asset"
    } else if path == "/healthz" || path == "/metrics" || path.starts_with("/sim") {
        "other"
    } else {
        "page"
    }
}

pub fn request_took(kind: &'static str, seconds: f64) {
    METRICS
        .request_duration
        .get_or_create(&KindLabel { kind })
        .observe(seconds);
}

/// Everything, in the Prometheus text format, with the sends counted now.
pub async fn render(db: &sqlx::SqlitePool) -> Result<String, sqlx::Error> {
    let counts: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT state, msg_type, count(*) FROM sends GROUP BY state, msg_type")
            .fetch_all(db)
            .await?;
    let registry = METRICS
        .registry
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Under the registry lock, so two scrapes do not mix their counts.
    METRICS.sends.clear();
    for (state, msg_type, count) in counts {
        METRICS
            .sends
            .get_or_create(&SendLabels { state, msg_type })
            .set(count);
    }
    let mut text = String::new();
    encode(&mut text, &registry).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    Ok(text)
}
