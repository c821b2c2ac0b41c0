//! The HTTP client of the WeChat API: one typed method per endpoint qunfa
//! uses, with the access token, timeouts, retries and counters around it.
//!
//! What a call does on failure:
//! - 40001/40014/42001 (the token was refused): the token is invalidated if
//!   it is still the current one, a token is fetched again, and the call is
//!   repeated **once**. A second refusal is returned.
//! - A timeout, a transport error, HTTP 5xx or errcode -1: the call is
//!   repeated with exponential backoff and jitter, at most
//!   [`RetryPolicy::max_attempts`] times in all, with the very same body
//!   bytes. `sendall` is repeated only when it carries a `clientmsgid`,
//!   which makes the repeat safe: WeChat answers 45065/45066 to a duplicate
//!   instead of sending twice.
//! - Every other errcode (45065, 45066, 45067, 89504, …) goes back to the
//!   caller at once as [`CallError::Api`]: the send worker decides.
//!
//! The access token travels in the query (`?access_token=`), as WeChat
//! requires, so every reqwest error has its URL stripped and every error
//! text is scrubbed of the token before anyone can print it.

use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use super::api::{
    Ack, DecodeError, DraftBatchGetRequest, DraftBatchGetResponse, FollowersResponse,
    MassDeleteRequest, MassGetRequest, MassGetResponse, MaterialBatchGetRequest,
    MaterialBatchGetResponse, MaterialCount, PreviewRequest, PreviewResponse, SendAllRequest,
    SendAllResponse, TagsResponse, UploadVideoRequest, UploadVideoResponse, decode,
};
use super::errcode::{ApiError, ErrCode};
use super::token::{CachedToken, TokenError, TokenManager};
use crate::i18n::Lang;

/// WeChat's API host. `media/uploadvideo` too: the `file.api` host of the
/// old docs fails TLS (REFERENCE §1d).
pub const WECHAT_API_BASE: &str = "https://api.weixin.qq.com";

/// The longest a connection may take to open, whatever the total timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Configuration

/// How calls are retried after a transient failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The pause after the first failure, doubled after each further one.
    pub base_delay: Duration,
    /// The longest pause.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// One attempt only.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The pause after the `failures`-th failed attempt (1-based):
    /// `base × 2^(failures−1)`, capped at `max_delay`, of which a random
    /// half is taken off ("equal jitter") so that callers that failed
    /// together do not retry together.
    pub fn delay_after(&self, failures: u32) -> Duration {
        let doubling = 2_u32.saturating_pow(failures.saturating_sub(1));
        let full = self.base_delay.saturating_mul(doubling).min(self.max_delay);
        let half = full / 2;
        let half_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rand::random_range(0..=half_nanos))
    }
}

impl Default for RetryPolicy {
    /// Three attempts, pausing about 0.25–0.5 s and then 0.5–1 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// Where WeChat is and how long to wait for it.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://api.weixin.qq.com`, or the simulator (which may sit under a
    /// path prefix such as `http://127.0.0.1:3000/sim`).
    pub api_base: Url,
    /// The total time one HTTP attempt may take, body included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// WeChat itself, with a 10-second timeout and the default retries.
    pub fn wechat() -> Self {
        ClientConfig::new(Url::parse(WECHAT_API_BASE).expect("a valid constant URL"))
    }

    /// `api_base` with a 10-second timeout and the default retries.
    pub fn new(api_base: Url) -> Self {
        ClientConfig {
            api_base,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }

    /// The time a connection may take to open: the total timeout, at most
    /// five seconds.
    pub fn connect_timeout(&self) -> Duration {
        self.timeout.min(MAX_CONNECT_TIMEOUT)
    }

    /// An HTTP client for WeChat: rustls, connect and total timeouts, and no
    /// redirects (WeChat does not redirect, and a redirect must not carry
    /// the token's URL elsewhere). Share it with the [`TokenManager`].
    pub fn http_client(&self) -> Result<reqwest::Client, CallError> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout())
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("qunfa/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CallError::Unexpected(describe(&e.without_url(), &[])))
    }
}

// ---------------------------------------------------------------------------
// Endpoints and their counters

/// An API endpoint the client calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    TagsGet,
    SendAll,
    Preview,
    MassGet,
    MassDelete,
    DraftBatchGet,
    MaterialBatchGet,
    MaterialCount,
    UploadVideo,
    UserGet,
}

impl Endpoint {
    pub const ALL: [Endpoint; 10] = [
        Endpoint::TagsGet,
        Endpoint::SendAll,
        Endpoint::Preview,
        Endpoint::MassGet,
        Endpoint::MassDelete,
        Endpoint::DraftBatchGet,
        Endpoint::MaterialBatchGet,
        Endpoint::MaterialCount,
        Endpoint::UploadVideo,
        Endpoint::UserGet,
    ];

    /// The path under the API base.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::TagsGet => "/cgi-bin/tags/get",
            Endpoint::SendAll => "/cgi-bin/message/mass/sendall",
            Endpoint::Preview => "/cgi-bin/message/mass/preview",
            Endpoint::MassGet => "/cgi-bin/message/mass/get",
            Endpoint::MassDelete => "/cgi-bin/message/mass/delete",
            Endpoint::DraftBatchGet => "/cgi-bin/draft/batchget",
            Endpoint::MaterialBatchGet => "/cgi-bin/material/batchget_material",
            Endpoint::MaterialCount => "/cgi-bin/material/get_materialcount",
            Endpoint::UploadVideo => "/cgi-bin/media/uploadvideo",
            Endpoint::UserGet => "/cgi-bin/user/get",
        }
    }

    /// `GET` for the calls without a body, `POST` for the rest.
    pub fn method(self) -> Method {
        match self {
            Endpoint::TagsGet | Endpoint::MaterialCount | Endpoint::UserGet => Method::GET,
            _ => Method::POST,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// `base` + `path`, keeping any path prefix of `base`:
/// `http://host/sim` + `/cgi-bin/token` = `http://host/sim/cgi-bin/token`.
/// (`Url::join` would drop `sim`.) Any query or fragment of `base` goes.
pub fn api_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(None);
    url.set_fragment(None);
    url
}

// ---------------------------------------------------------------------------
// Errors

/// Why a call failed.
///
/// `Display` is for the log (it never contains the token); [`words`]
/// is for the console.
///
/// [`words`]: CallError::words
#[derive(Clone, Debug, thiserror::Error)]
pub enum CallError {
    /// WeChat answered with a non-zero errcode. Match on `code`, never on
    /// `errmsg`.
    #[error(transparent)]
    Api(ApiError),
    /// No complete answer in time. The request may have reached WeChat.
    #[error("WeChat did not answer in time")]
    Timeout,
    /// The request could not be sent or the answer not received.
    #[error("could not reach WeChat: {0}")]
    Transport(String),
    /// An HTTP status other than 2xx (from WeChat or a proxy).
    #[error("WeChat answered HTTP {0}")]
    Http(u16),
    /// A 2xx answer that is not the expected JSON.
    #[error("WeChat sent a body qunfa cannot read: {0}")]
    Malformed(String),
    /// No access token could be had.
    #[error("no access token: {0}")]
    Token(#[from] TokenError),
    /// A fault on our side (building the HTTP client, writing a body).
    #[error("unexpected error: {0}")]
    Unexpected(String),
}

impl CallError {
    /// WeChat's errcode, from the call or from the token request.
    pub fn code(&self) -> Option<ErrCode> {
        match self {
            CallError::Api(e) | CallError::Token(TokenError::Api(e)) => Some(e.code),
            _ => None,
        }
    }

    /// Worth repeating shortly with the same body: busy or unreachable.
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Transport(_) => true,
            CallError::Http(status) => (500..600).contains(status),
            CallError::Api(e) => e.code.is_retryable(),
            CallError::Token(e) => e.is_transient(),
            CallError::Malformed(_) | CallError::Unexpected(_) => false,
        }
    }

    /// The request may have reached WeChat and taken effect without our
    /// knowing: a send in this state is `unknown` until a retry with the
    /// same `clientmsgid` (or `mass/get`) settles it.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Transport(_) | CallError::Malformed(_) => true,
            CallError::Http(status) => *status >= 500,
            CallError::Api(_) | CallError::Token(_) | CallError::Unexpected(_) => false,
        }
    }

    /// The error in words for the console, with what to do about it. An
    /// errcode is explained by its code, never by WeChat's errmsg (except
    /// for a code we do not know).
    pub fn words(&self, lang: Lang) -> String {
        match (self, lang) {
            (CallError::Api(e), Lang::Zh) => format!(
                "{}（错误码 {}）。{}",
                e.message(lang),
                e.code,
                e.remedy(lang)
            ),
            (CallError::Api(e), Lang::En) => format!(
                "{} (errcode {}). {}",
                e.message(lang),
                e.code,
                e.remedy(lang)
            ),
            (CallError::Timeout, Lang::Zh) => {
                "微信接口没有及时应答，请求可能已经到达微信。群发会带着同一个 clientmsgid 重试，不会重复发送；其他操作可稍后重试。".to_owned()
            }
            (CallError::Timeout, Lang::En) => {
                "WeChat did not answer in time; the request may still have reached it. A send is retried with the same clientmsgid, so nothing is sent twice; other actions can simply be tried again.".to_owned()
            }
            (CallError::Transport(detail), Lang::Zh) => format!(
                "无法连接微信接口：{detail}。请检查服务器的网络、DNS 和代理设置，稍后重试。"
            ),
            (CallError::Transport(detail), Lang::En) => format!(
                "Could not reach WeChat: {detail}. Check this server's network, DNS and proxy settings, then try again."
            ),
            (CallError::Http(status), Lang::Zh) => format!(
                "微信接口（或中间的代理）返回了 HTTP {status}。请稍后重试；若持续出现，请检查 QUNFA_WECHAT_API_BASE 是否指向正确的地址。"
            ),
            (CallError::Http(status), Lang::En) => format!(
                "WeChat (or a proxy in between) answered HTTP {status}. Try again later; if it persists, check that QUNFA_WECHAT_API_BASE points to the right address."
            ),
            (CallError::Malformed(detail), Lang::Zh) => format!(
                "微信返回了无法识别的内容（{detail}）。请稍后重试；若持续出现，请把日志交给维护者。"
            ),
            (CallError::Malformed(detail), Lang::En) => format!(
                "WeChat sent an answer qunfa cannot read ({detail}). Try again later; if it persists, send the log to the maintainers."
            ),
            (CallError::Token(e), _) => e.words(lang),
            (CallError::Unexpected(detail), Lang::Zh) => {
                format!("发生了意外错误：{detail}。请把日志交给维护者。")
            }
            (CallError::Unexpected(detail), Lang::En) => {
                format!("Something unexpected went wrong: {detail}. Send the log to the maintainers.")
            }
        }
    }
}

/// 45065 and 45066 answer about an earlier request with the same
/// `clientmsgid`, so they settle what an uncertain attempt did.
fn speaks_of_the_clientmsgid(code: ErrCode) -> bool {
    matches!(
        code,
        ErrCode::ClientMsgIdExists | ErrCode::ClientMsgIdRetryTooFast
    )
}

/// The failure of one HTTP exchange, before the caller names it
/// ([`CallError`] or [`TokenError`]).
pub(super) enum Failure {
    Api(ApiError),
    Timeout,
    Transport(String),
    Http(u16),
    Malformed(String),
}

impl From<Failure> for CallError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Api(e) => CallError::Api(e),
            Failure::Timeout => CallError::Timeout,
            Failure::Transport(detail) => CallError::Transport(detail),
            Failure::Http(status) => CallError::Http(status),
            Failure::Malformed(detail) => CallError::Malformed(detail),
        }
    }
}

/// Sends `request` and reads a WeChat answer: `Ok(T)`, the errcode, or
/// why there is no answer. `secrets` (the token, the AppSecret) are cut out
/// of every error text; reqwest's URL, which holds the token, is stripped.
pub(super) async fn exchange<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    secrets: &[&str],
) -> Result<T, Failure> {
    let response = request.send().await.map_err(|e| from_reqwest(e, secrets))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure::Http(status.as_u16()));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| from_reqwest(e, secrets))?;
    decode::<T>(&body).map_err(|e| match e {
        DecodeError::Api(api) => Failure::Api(api),
        // serde's message can quote a value of the body: scrubbed too.
        DecodeError::Malformed(json) => {
            Failure::Malformed(scrub(format!("{json} ({} bytes)", body.len()), secrets))
        }
    })
}

fn from_reqwest(error: reqwest::Error, secrets: &[&str]) -> Failure {
    if error.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Transport(describe(&error.without_url(), secrets))
    }
}

/// An error with its causes ("error sending request: … connection
/// refused"), secrets removed.
fn describe(error: &reqwest::Error, secrets: &[&str]) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = inner.source();
    }
    scrub(text, secrets)
}

/// Replaces every occurrence of a secret with `[hidden]`.
fn scrub(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "[hidden]");
        }
    }
    text
}

// ---------------------------------------------------------------------------
// The client

/// The WeChat API client. Cheap to clone; clones share the token, the
/// connection pool and the counters.
#[derive(Clone)]
pub struct WechatClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    tokens: TokenManager,
    http: reqwest::Client,
    /// HTTP requests sent per endpoint (retries included), by
    /// [`Endpoint::index`].
    calls: [AtomicU64; Endpoint::ALL.len()],
}

/// Whether a call may be repeated after a transient failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Reads, and writes whose repeat is harmless.
    Allowed,
    /// `sendall` with a `clientmsgid`: repeated, and an attempt whose
    /// outcome is unknown is not hidden by a later refusal.
    SameClientMsgId,
    Never,
}

impl WechatClient {
    /// `http` should come from [`ClientConfig::http_client`]; every request
    /// also gets the configured total timeout on its own.
    pub fn new(config: ClientConfig, tokens: TokenManager, http: reqwest::Client) -> Self {
        WechatClient {
            inner: Arc::new(Inner {
                config,
                tokens,
                http,
                calls: std::array::from_fn(|_| AtomicU64::new(0)),
            }),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The token manager, for its counters and for the metrics page.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// HTTP requests sent to `endpoint` so far, retries included.
    pub fn calls(&self, endpoint: Endpoint) -> u64 {
        self.inner.calls[endpoint.index()].load(Ordering::Relaxed)
    }

    /// Every endpoint with its request count.
    pub fn all_calls(&self) -> [(Endpoint, u64); Endpoint::ALL.len()] {
        Endpoint::ALL.map(|endpoint| (endpoint, self.calls(endpoint)))
    }

    /// `GET /cgi-bin/tags/get`: the tags with their follower counts.
    pub async fn tags(&self) -> Result<TagsResponse, CallError> {
        self.call(Endpoint::TagsGet, None::<&()>, Repeat::Allowed)
            .await
    }

    /// `GET /cgi-bin/user/get`, first page: how many follow the account
    /// (`total`), which the send confirmation names for "all followers".
    pub async fn followers(&self) -> Result<FollowersResponse, CallError> {
        self.call(Endpoint::UserGet, None::<&()>, Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/message/mass/sendall`. Repeated after a transient
    /// failure only if the request has a `clientmsgid`, and then with the
    /// identical body. 45065 (with the existing `msg_id`), 45066 and every
    /// other errcode come back untouched, with one exception: when an
    /// earlier attempt's outcome is unknown (it timed out, say) and a repeat
    /// is refused with anything but 45065/45066, the unknown outcome is
    /// returned, because the first attempt may have been sent.
    pub async fn send_all(&self, request: &SendAllRequest) -> Result<SendAllResponse, CallError> {
        let repeat = if request.clientmsgid.is_some() {
            Repeat::SameClientMsgId
        } else {
            Repeat::Never
        };
        self.call(Endpoint::SendAll, Some(request), repeat).await
    }

    /// `POST /cgi-bin/message/mass/preview`. A repeat after a timeout may
    /// deliver the preview twice to the one phone; that is harmless.
    pub async fn preview(&self, request: &PreviewRequest) -> Result<PreviewResponse, CallError> {
        self.call(Endpoint::Preview, Some(request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/message/mass/get`: the state of a send.
    pub async fn mass_get(&self, request: &MassGetRequest) -> Result<MassGetResponse, CallError> {
        self.call(Endpoint::MassGet, Some(request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/message/mass/delete`.
    pub async fn mass_delete(&self, request: &MassDeleteRequest) -> Result<Ack, CallError> {
        self.call(Endpoint::MassDelete, Some(request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/draft/batchget`: a page of drafts.
    pub async fn draft_batchget(
        &self,
        request: &DraftBatchGetRequest,
    ) -> Result<DraftBatchGetResponse, CallError> {
        self.call(Endpoint::DraftBatchGet, Some(request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/material/batchget_material`: a page of materials.
    pub async fn material_batchget(
        &self,
        request: &MaterialBatchGetRequest,
    ) -> Result<MaterialBatchGetResponse, CallError> {
        self.call(Endpoint::MaterialBatchGet, Some(request), Repeat::Allowed)
            .await
    }

    /// `GET /cgi-bin/material/get_materialcount`.
    pub async fn material_count(&self) -> Result<MaterialCount, CallError> {
        self.call(Endpoint::MaterialCount, None::<&()>, Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/media/uploadvideo`: a video material becomes an
    /// `mpvideo` media_id.
    pub async fn upload_video(
        &self,
        request: &UploadVideoRequest,
    ) -> Result<UploadVideoResponse, CallError> {
        self.call(Endpoint::UploadVideo, Some(request), Repeat::Allowed)
            .await
    }

    /// One logical call: token, attempts, one token retry, transient retries.
    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: Option<&B>,
        repeat: Repeat,
    ) -> Result<T, CallError> {
        // Written once, so every attempt sends the very same bytes.
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| CallError::Unexpected(format!("request body: {e}")))?;
        let policy = self.inner.config.retry;
        let span = tracing::info_span!("wechat call", endpoint = endpoint.path());
        async move {
            let mut failures = 0_u32;
            let mut token_refreshed = false;
            let mut first_unknown: Option<CallError> = None;
            loop {
                let (result, token) = self.attempt::<T>(endpoint, body.as_deref()).await;
                let error = match result {
                    Ok(answer) => return Ok(answer),
                    Err(error) => error,
                };
                if let (CallError::Api(api), Some(token)) = (&error, &token)
                    && api.code.is_token_invalid()
                    && !token_refreshed
                {
                    // The request was refused before any effect: safe to
                    // repeat once with a fresh token, whatever the call.
                    token_refreshed = true;
                    self.inner.tokens.invalidate(token);
                    tracing::info!(errcode = %api.code, "token refused; retrying once with a new one");
                    continue;
                }
                failures += 1;
                if first_unknown.is_none() && error.outcome_unknown() {
                    first_unknown = Some(error.clone());
                }
                if repeat != Repeat::Never
                    && error.is_transient()
                    && failures < policy.max_attempts
                {
                    let delay = policy.delay_after(failures);
                    tracing::warn!(
                        attempt = failures,
                        %error,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "transient failure; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    continue;
                }
                tracing::warn!(attempts = failures, %error, "call failed");
                if repeat == Repeat::SameClientMsgId
                    && let Some(unknown) = first_unknown
                    && !error.outcome_unknown()
                    && !error.code().is_some_and(speaks_of_the_clientmsgid)
                {
                    // A refusal of the repeat says nothing certain about the
                    // first attempt: the send stays "unknown" for the worker.
                    return Err(unknown);
                }
                return Err(error);
            }
        }
        .instrument(span)
        .await
    }

    /// One HTTP attempt with the current token. Returns the token used, so
    /// that a refusal invalidates exactly that one.
    async fn attempt<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: Option<&[u8]>,
    ) -> (Result<T, CallError>, Option<CachedToken>) {
        let token = match self.inner.tokens.get().await {
            Ok(token) => token,
            Err(error) => return (Err(CallError::Token(error)), None),
        };
        let mut url = api_url(&self.inner.config.api_base, endpoint.path());
        url.query_pairs_mut()
            .append_pair("access_token", token.expose());
        let mut request = self
            .inner
            .http
            .request(endpoint.method(), url)
            .timeout(self.inner.config.timeout);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        self.inner.calls[endpoint.index()].fetch_add(1, Ordering::Relaxed);
        let result = exchange(request, &[token.expose()])
            .await
            .map_err(CallError::from);
        crate::metrics::wechat_call(endpoint, &result);
        (result, Some(token))
    }
}

impl fmt::Debug for WechatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatClient")
            .field("config", &self.inner.config)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// A tiny WeChat for tests: records every request and answers through a
/// closure. Shared with the token tests.
#[cfg(test)]
pub(crate) mod mock {
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

    use crate::wechat::token::{STABLE_TOKEN_PATH, TOKEN_PATH};

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
        body: String,
        delay: Duration,
    }

    impl Reply {
        pub fn json(body: Value) -> Self {
            Reply {
                status: 200,
                body: body.to_string(),
                delay: Duration::ZERO,
            }
        }

        pub fn status(status: u16) -> Self {
            Reply {
                status,
                body: "<html>bad gateway</html>".to_owned(),
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
        [STABLE_TOKEN_PATH, TOKEN_PATH]
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
            [(header::CONTENT_TYPE, "application/json")],
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
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Instant;

    use serde_json::json;

    use super::mock::{Hit, MockWechat, Reply, closed_base, token_reply};
    use super::*;
    use crate::wechat::api::{
        Filter, MassMessage, MaterialType, PageSize, PreviewMessage, PreviewRecipient,
    };
    use crate::wechat::token::{
        CachedToken, MemoryTokenCache, STABLE_TOKEN_PATH, TokenCache, TokenSource,
    };
    use crate::wechat::types::{ClientMsgId, MediaId, MsgId, OpenId, TagId};

    const TAGS: &str = "/cgi-bin/tags/get";
    const SENDALL: &str = "/cgi-bin/message/mass/sendall";

    /// Fast retries so the tests take milliseconds: pauses of 25–50 ms,
    /// then 50–100 ms.
    fn quick_retry() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(1),
        }
    }

    fn client_with(
        base: Url,
        source: TokenSource,
        cache: Arc<dyn TokenCache>,
        timeout: Duration,
    ) -> WechatClient {
        let config = ClientConfig {
            api_base: base.clone(),
            timeout,
            retry: quick_retry(),
        };
        let http = config.http_client().unwrap();
        let tokens = TokenManager::new(source, base, http.clone(), cache).with_timeout(timeout);
        WechatClient::new(config, tokens, http)
    }

    fn client(mock: &MockWechat) -> WechatClient {
        client_with(
            mock.base.clone(),
            TokenSource::stable("wxA", "app-secret"),
            Arc::new(MemoryTokenCache::new()),
            Duration::from_secs(2),
        )
    }

    fn unix_now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn tags_ok() -> Reply {
        Reply::json(json!({"tags": [{"id": 2, "name": "星标组", "count": 3}]}))
    }

    fn send_request(clientmsgid: Option<&str>) -> SendAllRequest {
        let request = SendAllRequest::new(
            Filter::tag(TagId::new(2)),
            MassMessage::Text {
                content: "你好".into(),
            },
        );
        match clientmsgid {
            Some(id) => request.with_client_msg_id(ClientMsgId::parse(id).unwrap()),
            None => request,
        }
    }

    fn sent_ok() -> Reply {
        Reply::json(json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": 34182}))
    }

    #[tokio::test]
    async fn a_hundred_concurrent_calls_with_an_expired_token_make_one_token_request() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n)
                .map(|r| r.after(Duration::from_millis(100)))
                .unwrap_or_else(tags_ok)
        })
        .await;
        let expired = CachedToken::new("stale", unix_now() - 1);
        let client = client_with(
            mock.base.clone(),
            TokenSource::stable("wxA", "app-secret"),
            Arc::new(MemoryTokenCache::holding(expired)),
            Duration::from_secs(2),
        );

        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let client = client.clone();
            tasks.spawn(async move { client.tags().await });
        }
        let results = tasks.join_all().await;

        assert!(results.iter().all(Result::is_ok));
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 1);
        assert_eq!(client.tokens().stats().fetches, 1);
        assert_eq!(mock.hits(TAGS), 100);
        assert!(mock.requests(TAGS).iter().all(|h| h.token() == "tok-1"));
        assert_eq!(client.calls(Endpoint::TagsGet), 100);
    }

    #[tokio::test]
    async fn one_send_is_one_sendall_call_and_a_valid_token_is_not_fetched_again() {
        let mock =
            MockWechat::start("", |hit, n| token_reply(hit, n).unwrap_or_else(sent_ok)).await;
        let client = client(&mock);

        let first = client.send_all(&send_request(Some("job-1"))).await.unwrap();
        assert_eq!(first.msg_id, MsgId::new(34182));
        client.send_all(&send_request(Some("job-2"))).await.unwrap();

        assert_eq!(client.calls(Endpoint::SendAll), 2);
        assert_eq!(mock.hits(SENDALL), 2);
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 1);
        let others: u64 = client
            .all_calls()
            .iter()
            .filter(|(e, _)| *e != Endpoint::SendAll)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(others, 0);
    }

    #[tokio::test]
    async fn a_refused_token_is_replaced_and_the_call_repeated_once() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| match hit.token() {
                "tok-1" => Reply::errcode(40001),
                _ => tags_ok(),
            })
        })
        .await;
        let client = client(&mock);

        let tags = client.tags().await.unwrap();

        assert_eq!(tags.tags[0].name, "星标组");
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 2);
        let calls: Vec<String> = mock
            .requests(TAGS)
            .iter()
            .map(|h| h.token().to_owned())
            .collect();
        assert_eq!(calls, ["tok-1", "tok-2"]);
        assert_eq!(client.tokens().stats().invalidations, 1);
    }

    #[tokio::test]
    async fn a_second_refusal_is_returned_not_looped() {
        for code in [40001, 40014, 42001] {
            let mock = MockWechat::start("", move |hit, n| {
                token_reply(hit, n).unwrap_or_else(|| Reply::errcode(code))
            })
            .await;
            let client = client(&mock);

            let error = client.tags().await.unwrap_err();

            assert_eq!(error.code(), Some(ErrCode::from_code(code)));
            assert_eq!(mock.hits(TAGS), 2, "{code}");
            assert_eq!(mock.hits(STABLE_TOKEN_PATH), 2, "{code}");
        }
    }

    #[tokio::test]
    async fn concurrent_refusals_of_the_same_token_fetch_one_new_token() {
        // Both calls go out with tok-1 and are refused together; the second
        // one's invalidate must not drop the tok-2 the first one fetched.
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| match hit.token() {
                "tok-1" => Reply::errcode(40001).after(Duration::from_millis(200)),
                _ => tags_ok(),
            })
        })
        .await;
        let client = client(&mock);
        client.tokens().get().await.unwrap();

        let (a, b) = tokio::join!(client.tags(), client.tags());

        assert!(a.is_ok() && b.is_ok());
        let tokens_used: Vec<String> = mock
            .requests(TAGS)
            .iter()
            .map(|h| h.token().to_owned())
            .collect();
        assert_eq!(tokens_used, ["tok-1", "tok-1", "tok-2", "tok-2"]);
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 2);
        assert_eq!(client.tokens().stats().invalidations, 1);
    }

    #[tokio::test]
    async fn a_fixed_token_refused_is_an_error_in_words() {
        let mock = MockWechat::start("", |_, _| Reply::errcode(40001)).await;
        let client = client_with(
            mock.base.clone(),
            TokenSource::fixed("outside-token"),
            Arc::new(MemoryTokenCache::new()),
            Duration::from_secs(2),
        );

        let error = client.tags().await.unwrap_err();

        assert!(matches!(error, CallError::Token(TokenError::FixedRejected)));
        assert!(error.words(Lang::En).contains("supplied from outside"));
        assert_eq!(mock.hits(TAGS), 1);
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 0);
    }

    #[tokio::test]
    async fn timeouts_are_retried_with_backoff_then_reported() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| tags_ok().after(Duration::from_secs(3)))
        })
        .await;
        let client = client_with(
            mock.base.clone(),
            TokenSource::stable("wxA", "app-secret"),
            Arc::new(MemoryTokenCache::new()),
            Duration::from_millis(150),
        );

        let started = Instant::now();
        let error = client.tags().await.unwrap_err();

        assert!(matches!(error, CallError::Timeout), "{error:?}");
        assert!(error.outcome_unknown());
        assert_eq!(mock.hits(TAGS), 3);
        // Three timeouts plus two pauses of at least 25 and 50 ms.
        assert!(started.elapsed() >= Duration::from_millis(3 * 150 + 75));
    }

    #[tokio::test]
    async fn a_502_is_retried_with_backoff_then_reported() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| Reply::status(502))
        })
        .await;
        let client = client(&mock);

        let started = Instant::now();
        let error = client.tags().await.unwrap_err();

        assert!(matches!(error, CallError::Http(502)), "{error:?}");
        assert_eq!(mock.hits(TAGS), 3);
        assert!(started.elapsed() >= Duration::from_millis(75));
        assert!(error.words(Lang::Zh).contains("HTTP 502"));
    }

    #[tokio::test]
    async fn a_4xx_is_not_retried() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| Reply::status(404))
        })
        .await;
        let client = client(&mock);
        assert!(matches!(
            client.tags().await.unwrap_err(),
            CallError::Http(404)
        ));
        assert_eq!(mock.hits(TAGS), 1);
    }

    #[tokio::test]
    async fn system_busy_is_retried_until_it_passes() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or(if n < 3 { Reply::errcode(-1) } else { tags_ok() })
        })
        .await;
        let client = client(&mock);

        assert!(client.tags().await.is_ok());
        assert_eq!(mock.hits(TAGS), 3);
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 1);
    }

    #[tokio::test]
    async fn a_failed_send_is_repeated_with_the_identical_body() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or(if n == 1 {
                Reply::status(503)
            } else {
                sent_ok()
            })
        })
        .await;
        let client = client(&mock);

        client.send_all(&send_request(Some("job-7"))).await.unwrap();

        let sends = mock.requests(SENDALL);
        assert_eq!(sends.len(), 2);
        assert_eq!(sends[0].body, sends[1].body);
        assert_eq!(sends[0].json()["clientmsgid"], "job-7");
        assert_eq!(sends[0].content_type.as_deref(), Some("application/json"));
    }

    #[tokio::test]
    async fn a_send_that_may_have_gone_out_is_not_reported_as_refused() {
        // The first attempt fails with 503 (it may have been sent); the
        // repeat is refused for quota: the send must stay "unknown".
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or(if n == 1 {
                Reply::status(503)
            } else {
                Reply::errcode(45028)
            })
        })
        .await;
        let first = client(&mock);
        let error = first
            .send_all(&send_request(Some("job-4")))
            .await
            .unwrap_err();
        assert!(matches!(error, CallError::Http(503)), "{error:?}");
        assert!(error.outcome_unknown());
        assert_eq!(mock.hits(SENDALL), 2);

        // 45065 on the repeat settles it: it is returned with its msg_id.
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or(if n == 1 {
                Reply::status(503)
            } else {
                Reply::json(json!({"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": 77}))
            })
        })
        .await;
        let second = client(&mock);
        let error = second
            .send_all(&send_request(Some("job-5")))
            .await
            .unwrap_err();
        let CallError::Api(api) = error else {
            panic!("{error:?}");
        };
        assert_eq!(api.msg_id, Some(MsgId::new(77)));
    }

    #[tokio::test]
    async fn a_send_without_clientmsgid_is_never_repeated() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| Reply::status(503))
        })
        .await;
        let client = client(&mock);
        let error = client.send_all(&send_request(None)).await.unwrap_err();
        assert!(matches!(error, CallError::Http(503)));
        assert_eq!(mock.hits(SENDALL), 1);
    }

    #[tokio::test]
    async fn clientmsgid_answers_go_back_to_the_caller_at_once() {
        for code in [45065, 45066, 45067, 45028, 89505] {
            let mock = MockWechat::start("", move |hit, n| {
                token_reply(hit, n).unwrap_or_else(|| {
                    Reply::json(json!({"errcode": code, "errmsg": "x", "msg_id": 1000001625}))
                })
            })
            .await;
            let client = client(&mock);

            let error = client
                .send_all(&send_request(Some("job-9")))
                .await
                .unwrap_err();

            let CallError::Api(api) = &error else {
                panic!("{code}: {error:?}");
            };
            assert_eq!(api.code.code(), code);
            assert_eq!(mock.hits(SENDALL), 1, "{code} must not be retried");
            if code == 45065 {
                assert_eq!(api.msg_id, Some(MsgId::new(1_000_001_625)));
            }
            assert!(!error.outcome_unknown());
        }
    }

    #[tokio::test]
    async fn api_errors_are_explained_by_their_code() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| Reply::errcode(45066))
        })
        .await;
        let client = client(&mock);
        let error = client
            .send_all(&send_request(Some("job-3")))
            .await
            .unwrap_err();
        let zh = error.words(Lang::Zh);
        assert!(zh.contains("相同 clientmsgid 重试速度过快") && zh.contains("45066"));
        assert!(zh.contains("1 分钟"));
        assert!(error.words(Lang::En).contains("Wait one minute"));
        assert!(!zh.contains("rid"), "errmsg is not shown for a known code");
    }

    #[tokio::test]
    async fn a_cached_token_is_reused_after_a_restart() {
        let mock =
            MockWechat::start("", |hit, n| token_reply(hit, n).unwrap_or_else(tags_ok)).await;
        let cache: Arc<MemoryTokenCache> = Arc::new(MemoryTokenCache::new());
        let build = || {
            client_with(
                mock.base.clone(),
                TokenSource::stable("wxA", "app-secret"),
                cache.clone(),
                Duration::from_secs(2),
            )
        };

        build().tags().await.unwrap();
        let restarted = build();
        restarted.tags().await.unwrap();

        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 1);
        assert_eq!(restarted.tokens().stats().fetches, 0);
        assert!(mock.requests(TAGS).iter().all(|h| h.token() == "tok-1"));
    }

    #[tokio::test]
    async fn every_method_calls_its_path_with_its_body_and_the_token() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n).unwrap_or_else(|| {
                Reply::json(match hit.path.as_str() {
                    "/cgi-bin/tags/get" => json!({"tags": []}),
                    "/cgi-bin/message/mass/sendall" => json!({"errcode": 0, "msg_id": 1}),
                    "/cgi-bin/message/mass/preview" => json!({"errcode": 0, "errmsg": "preview success"}),
                    "/cgi-bin/message/mass/get" => json!({"msg_id": 1, "msg_status": "SEND_SUCCESS"}),
                    "/cgi-bin/message/mass/delete" => json!({"errcode": 0, "errmsg": "ok"}),
                    "/cgi-bin/draft/batchget" => json!({"total_count": 0, "item_count": 0, "item": []}),
                    "/cgi-bin/material/batchget_material" => json!({"total_count": 0, "item_count": 0, "item": []}),
                    "/cgi-bin/material/get_materialcount" => json!({"voice_count": 1, "video_count": 2, "image_count": 3, "news_count": 4}),
                    "/cgi-bin/media/uploadvideo" => json!({"type": "video", "media_id": "V2", "created_at": 1}),
                    other => panic!("unexpected path {other}"),
                })
            })
        })
        .await;
        let client = client(&mock);
        let media = MediaId::parse("M1").unwrap();

        let send = send_request(Some("job-1"));
        let preview = PreviewRequest {
            to: PreviewRecipient::OpenId(OpenId::parse("oV5CrjpxgaGXNHIQigzNlgLTnwic").unwrap()),
            message: PreviewMessage::from_mass(&MassMessage::Text {
                content: "hi".into(),
            })
            .unwrap(),
        };
        let get = MassGetRequest {
            msg_id: MsgId::new(1),
        };
        let delete = MassDeleteRequest::ByMsgId {
            msg_id: MsgId::new(1),
            article_idx: None,
        };
        let drafts = DraftBatchGetRequest {
            offset: 0,
            count: PageSize::MAX,
            no_content: Some(true),
        };
        let materials = MaterialBatchGetRequest {
            material_type: MaterialType::Video,
            offset: 0,
            count: PageSize::new(10).unwrap(),
        };
        let video = UploadVideoRequest {
            media_id: media.clone(),
            title: "T".into(),
            description: "D".into(),
        };

        client.tags().await.unwrap();
        client.send_all(&send).await.unwrap();
        // WeChat answers a preview without a msg_id.
        assert_eq!(client.preview(&preview).await.unwrap().msg_id, None);
        assert_eq!(
            client.mass_get(&get).await.unwrap().msg_status.as_str(),
            "SEND_SUCCESS"
        );
        client.mass_delete(&delete).await.unwrap();
        client.draft_batchget(&drafts).await.unwrap();
        client.material_batchget(&materials).await.unwrap();
        assert_eq!(client.material_count().await.unwrap().news_count, 4);
        assert_eq!(
            client.upload_video(&video).await.unwrap().media_id.as_str(),
            "V2"
        );

        let bodies: [(Endpoint, Option<serde_json::Value>); 9] = [
            (Endpoint::TagsGet, None),
            (
                Endpoint::SendAll,
                Some(serde_json::to_value(&send).unwrap()),
            ),
            (
                Endpoint::Preview,
                Some(serde_json::to_value(&preview).unwrap()),
            ),
            (Endpoint::MassGet, Some(serde_json::to_value(&get).unwrap())),
            (
                Endpoint::MassDelete,
                Some(serde_json::to_value(&delete).unwrap()),
            ),
            (
                Endpoint::DraftBatchGet,
                Some(serde_json::to_value(&drafts).unwrap()),
            ),
            (
                Endpoint::MaterialBatchGet,
                Some(serde_json::to_value(&materials).unwrap()),
            ),
            (Endpoint::MaterialCount, None),
            (
                Endpoint::UploadVideo,
                Some(serde_json::to_value(&video).unwrap()),
            ),
        ];
        for (endpoint, body) in bodies {
            let hits: Vec<Hit> = mock.requests(endpoint.path());
            assert_eq!(hits.len(), 1, "{endpoint}");
            assert_eq!(hits[0].method, endpoint.method().as_str(), "{endpoint}");
            assert_eq!(hits[0].token(), "tok-1", "{endpoint}");
            assert_eq!(hits[0].query.len(), 1, "only access_token: {endpoint}");
            match body {
                Some(body) => assert_eq!(hits[0].json(), body, "{endpoint}"),
                None => assert!(hits[0].body.is_empty(), "{endpoint}"),
            }
            assert_eq!(client.calls(endpoint), 1);
        }
    }

    #[tokio::test]
    async fn a_base_url_with_a_path_prefix_keeps_it() {
        let mock =
            MockWechat::start("/sim", |hit, n| token_reply(hit, n).unwrap_or_else(tags_ok)).await;
        assert_eq!(mock.base.path(), "/sim");
        let mut with_slash = mock.base.clone();
        with_slash.set_path("/sim/");

        for base in [mock.base.clone(), with_slash] {
            let client = client_with(
                base,
                TokenSource::stable("wxA", "app-secret"),
                Arc::new(MemoryTokenCache::new()),
                Duration::from_secs(2),
            );
            client.tags().await.unwrap();
        }

        // The mock answers 404 outside /sim, so these hits prove the join.
        assert_eq!(mock.hits(TAGS), 2);
        assert_eq!(mock.hits(STABLE_TOKEN_PATH), 2);
    }

    #[test]
    fn api_url_joins_under_the_base_path() {
        let cases = [
            ("http://h:3000/sim", "http://h:3000/sim/cgi-bin/token"),
            ("http://h:3000/sim/", "http://h:3000/sim/cgi-bin/token"),
            ("http://h:3000/a/b", "http://h:3000/a/b/cgi-bin/token"),
            (
                "https://api.weixin.qq.com",
                "https://api.weixin.qq.com/cgi-bin/token",
            ),
            (
                "https://api.weixin.qq.com/",
                "https://api.weixin.qq.com/cgi-bin/token",
            ),
            ("http://h/sim?x=1#f", "http://h/sim/cgi-bin/token"),
        ];
        for (base, expected) in cases {
            let url = api_url(&Url::parse(base).unwrap(), "/cgi-bin/token");
            assert_eq!(url.as_str(), expected, "{base}");
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_within_bounds() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for _ in 0..200 {
            let first = policy.delay_after(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.delay_after(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.delay_after(10);
            assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
        }
        // A huge failure count saturates instead of overflowing.
        assert!(policy.delay_after(u32::MAX) <= policy.max_delay);
        assert_eq!(RetryPolicy::NONE.delay_after(1), Duration::ZERO);
        let defaults = RetryPolicy::default();
        assert_eq!(defaults.max_attempts, 3);
    }

    /// Collects everything `tracing` writes on this thread.
    #[derive(Clone, Default)]
    struct LogCapture(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for LogCapture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn no_error_or_log_line_contains_the_token() {
        const TOKEN: &str = "SeCrEtToKeN-0123456789";
        let logs = LogCapture::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let fixed = || TokenSource::fixed(TOKEN);
        let no_cache = || -> Arc<dyn TokenCache> { Arc::new(MemoryTokenCache::new()) };
        let mut errors: Vec<CallError> = Vec::new();

        // Nothing listens: reqwest's own text would carry the URL.
        let closed = closed_base().await;
        let client = client_with(closed, fixed(), no_cache(), Duration::from_millis(500));
        errors.push(client.tags().await.unwrap_err());

        let mock = MockWechat::start("", |hit, _| match hit.path.as_str() {
            "/cgi-bin/tags/get" => Reply::json(json!({})).after(Duration::from_secs(3)),
            "/cgi-bin/material/get_materialcount" => Reply::status(502),
            "/cgi-bin/message/mass/get" => Reply::json(json!({"msg_id": "not a number"})),
            "/cgi-bin/draft/batchget" => Reply::status(200),
            _ => Reply::errcode(40001),
        })
        .await;
        let client = client_with(
            mock.base.clone(),
            fixed(),
            no_cache(),
            Duration::from_millis(150),
        );
        errors.push(client.tags().await.unwrap_err());
        errors.push(client.material_count().await.unwrap_err());
        errors.push(
            client
                .mass_get(&MassGetRequest {
                    msg_id: MsgId::new(1),
                })
                .await
                .unwrap_err(),
        );
        errors.push(
            client
                .draft_batchget(&DraftBatchGetRequest {
                    offset: 0,
                    count: PageSize::MAX,
                    no_content: None,
                })
                .await
                .unwrap_err(),
        );
        errors.push(
            client
                .send_all(&send_request(Some("job-1")))
                .await
                .unwrap_err(),
        );

        let kinds: Vec<&str> = errors
            .iter()
            .map(|e| match e {
                CallError::Transport(_) => "transport",
                CallError::Timeout => "timeout",
                CallError::Http(_) => "http",
                CallError::Malformed(_) => "malformed",
                CallError::Token(_) => "token",
                CallError::Api(_) => "api",
                CallError::Unexpected(_) => "unexpected",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "transport",
                "timeout",
                "http",
                "malformed",
                "malformed",
                "token"
            ]
        );
        for error in &errors {
            for text in [
                error.to_string(),
                format!("{error:?}"),
                error.words(Lang::Zh),
                error.words(Lang::En),
            ] {
                assert!(!text.contains(TOKEN), "{text}");
                assert!(!text.contains("access_token="), "{text}");
            }
        }
        assert!(!format!("{client:?}").contains(TOKEN));

        let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(
            logged.contains("retrying"),
            "the log was captured: {logged}"
        );
        assert!(!logged.contains(TOKEN), "{logged}");
    }

    #[test]
    fn transient_and_unknown_outcomes_are_classified() {
        assert!(CallError::Timeout.is_transient());
        assert!(CallError::Http(503).is_transient());
        assert!(!CallError::Http(404).is_transient());
        assert!(CallError::Api(ApiError::new(-1, "busy")).is_transient());
        assert!(!CallError::Api(ApiError::new(45066, "too fast")).is_transient());
        assert!(CallError::Token(TokenError::Timeout).is_transient());
        assert!(!CallError::Token(TokenError::FixedRejected).is_transient());
        assert!(CallError::Timeout.outcome_unknown());
        assert!(!CallError::Api(ApiError::new(45065, "exists")).outcome_unknown());
        assert_eq!(
            CallError::Token(TokenError::Api(ApiError::new(40164, "ip"))).code(),
            Some(ErrCode::IpNotWhitelisted)
        );
    }

    #[test]
    fn the_http_client_builds_with_rustls_and_timeouts() {
        let config = ClientConfig::wechat();
        assert_eq!(config.api_base.as_str(), "https://api.weixin.qq.com/");
        assert_eq!(config.connect_timeout(), Duration::from_secs(5));
        assert!(config.http_client().is_ok());
        let short = ClientConfig {
            timeout: Duration::from_secs(2),
            ..ClientConfig::wechat()
        };
        assert_eq!(short.connect_timeout(), Duration::from_secs(2));
    }
}
