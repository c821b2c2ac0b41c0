//! `/metrics` in the Prometheus text format: counters the code bumps as
//! things happen (callbacks, password checks, request times, worker rounds:
//! one set per process, as Prometheus expects of a process), the WeChat
//! calls and token fetches the protocol layer tells the app's
//! [`WechatCounts`] (one per app, which is one per process outside tests),
//! and the sends by state and type, counted from the database at each scrape.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

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

use crate::wechat::Endpoint;
use crate::wechat::client::{CallError, CallObserver};
use crate::wechat::token::{TokenError, TokenObserver};

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

/// The counters of the process. The registry that shows them is built at
/// each scrape, with the app's WeChat counts and the sends of that moment.
struct Metrics {
    callbacks_accepted: Counter,
    callbacks_refused: Family<ReasonLabel, Counter>,
    callback_forwards: Family<OutcomeLabel, Counter>,
    callback_forward_answers: Histogram,
    password_checks: Family<OutcomeLabel, Counter>,
    request_duration: Histograms,
    worker_rounds: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics {
    callbacks_accepted: Counter::default(),
    callbacks_refused: Family::default(),
    callback_forwards: Family::default(),
    // 0.25 ms to about 4 s.
    callback_forward_answers: Histogram::new(exponential_buckets(0.00025, 2.0, 15)),
    password_checks: Family::default(),
    // 0.5 ms to about 8 s.
    request_duration: Family::new_with_constructor(|| {
        Histogram::new(exponential_buckets(0.0005, 2.0, 15))
    }),
    worker_rounds: Counter::default(),
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

/// A callback passed on to the account's backend: `outcome` is `ok`,
/// `timed_out` or `failed`; `answered` is how long the backend took when it
/// answered at all.
pub fn callback_forwarded(outcome: &'static str, answered: Option<std::time::Duration>) {
    METRICS
        .callback_forwards
        .get_or_create(&OutcomeLabel { outcome })
        .inc();
    if let Some(took) = answered {
        METRICS.callback_forward_answers.observe(took.as_secs_f64());
    }
}

/// The WeChat calls and token fetches of every account's client, as the protocol layer
/// tells them: the one count of them, which `/metrics` shows and tests read.
/// `shell::server::prepare` gives it to every account's client and token manager.
#[derive(Debug, Default)]
pub struct WechatCounts {
    /// HTTP attempts by endpoint and errcode label (retries included).
    calls: Mutex<HashMap<(Endpoint, String), u64>>,
    token_fetches_ok: AtomicU64,
    token_fetches_failed: AtomicU64,
}

impl WechatCounts {
    /// HTTP attempts at `endpoint` so far, retries included, however they
    /// ended.
    pub fn calls(&self, endpoint: Endpoint) -> u64 {
        self.calls_by_errcode()
            .into_iter()
            .filter(|((e, _), _)| *e == endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// HTTP attempts at every endpoint so far, retries included.
    pub fn all_calls(&self) -> u64 {
        self.calls_by_errcode().into_iter().map(|(_, n)| n).sum()
    }

    fn calls_by_errcode(&self) -> Vec<((Endpoint, String), u64)> {
        let calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        calls.iter().map(|(k, n)| (k.clone(), *n)).collect()
    }
}

impl CallObserver for WechatCounts {
    fn attempted(&self, endpoint: Endpoint, outcome: Result<(), &CallError>) {
        let errcode = match outcome {
            Ok(()) => "0".to_owned(),
            Err(CallError::Api(api)) => api.code.code().to_string(),
            Err(CallError::Timeout) => "timeout".to_owned(),
            Err(CallError::Transport(_)) => "transport".to_owned(),
            Err(CallError::Http(_)) => "http".to_owned(),
            Err(CallError::Malformed(_)) => "malformed".to_owned(),
            Err(CallError::Token(_) | CallError::Unexpected(_)) => "unexpected".to_owned(),
        };
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        *calls.entry((endpoint, errcode)).or_insert(0) += 1;
    }
}

impl TokenObserver for WechatCounts {
    fn fetched(&self, outcome: Result<(), &TokenError>) {
        let count = match outcome {
            Ok(()) => &self.token_fetches_ok,
            Err(_) => &self.token_fetches_failed,
        };
        count.fetch_add(1, Ordering::Relaxed);
    }

    /// Not counted: WeChat's refusal is already in `qunfa_wechat_calls`, by
    /// its errcode (40001, 40014, 42001).
    fn dropped(&self) {}
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
pub async fn render(db: &sqlx::SqlitePool, wechat: &WechatCounts) -> Result<String, sqlx::Error> {
    let sends: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT state, msg_type, count(*) FROM sends GROUP BY state, msg_type")
            .fetch_all(db)
            .await?;
    encode_all(sends, wechat).map_err(|e| sqlx::Error::Protocol(e.to_string()))
}

/// The registry of this scrape: the process's counters, and new families
/// for what is counted elsewhere (so two scrapes share nothing to mix).
fn encode_all(
    sends: Vec<(String, String, i64)>,
    wechat: &WechatCounts,
) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    let send_gauges = Family::<SendLabels, Gauge>::default();
    for (state, msg_type, count) in sends {
        send_gauges
            .get_or_create(&SendLabels { state, msg_type })
            .set(count);
    }
    registry.register(
        "qunfa_sends",
        "Sends in the database by state and message type",
        send_gauges,
    );
    registry.register(
        "qunfa_callbacks_accepted",
        "Callbacks verified and stored (a retried event counts each time)",
        METRICS.callbacks_accepted.clone(),
    );
    registry.register(
        "qunfa_callbacks_refused",
        "Callbacks refused, by reason",
        METRICS.callbacks_refused.clone(),
    );
    registry.register(
        "qunfa_callback_forwards",
        "Verified callbacks passed on to QUNFA_CALLBACK_FORWARD_URL, by outcome (ok: its answer went to WeChat; timed_out, failed: WeChat got success from qunfa)",
        METRICS.callback_forwards.clone(),
    );
    registry.register(
        "qunfa_callback_forward_answer_seconds",
        "How long the forward backend took to answer (any status)",
        METRICS.callback_forward_answers.clone(),
    );
    let calls = Family::<CallLabels, Counter>::default();
    for ((endpoint, errcode), count) in wechat.calls_by_errcode() {
        let path = endpoint.path();
        let endpoint = path.strip_prefix("/cgi-bin/").unwrap_or(path);
        calls
            .get_or_create(&CallLabels { endpoint, errcode })
            .inc_by(count);
    }
    registry.register(
        "qunfa_wechat_calls",
        "HTTP calls to the WeChat API by endpoint and errcode (0: success; timeout, transport, http, malformed: no errcode)",
        calls,
    );
    let token_fetches = Family::<OutcomeLabel, Counter>::default();
    for (outcome, count) in [
        ("ok", &wechat.token_fetches_ok),
        ("error", &wechat.token_fetches_failed),
    ] {
        let count = count.load(Ordering::Relaxed);
        if count > 0 {
            token_fetches
                .get_or_create(&OutcomeLabel { outcome })
                .inc_by(count);
        }
    }
    registry.register(
        "qunfa_token_refreshes",
        "Access token fetches by outcome",
        token_fetches,
    );
    registry.register(
        "qunfa_password_checks",
        "Passwords checked with argon2 (checked), and logins refused because too many checks were running (busy)",
        METRICS.password_checks.clone(),
    );
    registry.register(
        "qunfa_http_request_duration_seconds",
        "Time to answer an HTTP request, by kind of request",
        METRICS.request_duration.clone(),
    );
    registry.register(
        "qunfa_worker_rounds",
        "Rounds of the send worker: callbacks applied, sends settled, statuses checked",
        METRICS.worker_rounds.clone(),
    );
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::errcode::{ApiError, ErrCode};

    #[test]
    fn wechat_counts_show_under_their_names_and_labels() {
        let counts = WechatCounts::default();
        counts.attempted(Endpoint::SendAll, Ok(()));
        counts.attempted(Endpoint::SendAll, Err(&CallError::Timeout));
        let busy = CallError::Api(ApiError::new(ErrCode::from_code(-1), "system error"));
        counts.attempted(Endpoint::TagsGet, Err(&busy));
        counts.fetched(Ok(()));

        let text = encode_all(vec![("finished".into(), "text".into(), 2)], &counts).unwrap();

        for line in [
            r#"qunfa_wechat_calls_total{endpoint="message/mass/sendall",errcode="0"} 1"#,
            r#"qunfa_wechat_calls_total{endpoint="message/mass/sendall",errcode="timeout"} 1"#,
            r#"qunfa_wechat_calls_total{endpoint="tags/get",errcode="-1"} 1"#,
            r#"qunfa_token_refreshes_total{outcome="ok"} 1"#,
            r#"qunfa_sends{state="finished",msg_type="text"} 2"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert!(
            !text.contains(r#"outcome="error""#),
            "no fetch failed:\n{text}"
        );
        assert_eq!(counts.calls(Endpoint::SendAll), 2);
        assert_eq!(counts.calls(Endpoint::Preview), 0);
    }
}
