//! The access token: where it comes from, how long it is used, and that it
//! is fetched once however many calls are waiting for it.
//!
//! Every WeChat call carries `?access_token=`. A fetch through the classic
//! `/cgi-bin/token` revokes the previous token (about five minutes of
//! overlap), and both token endpoints have daily quotas, so the rules here
//! follow REFERENCE §0.1 and §3:
//!
//! - one refresher: [`TokenManager::get`] lets a single fetch run at a time,
//!   and every caller that queued behind it takes its result — a token or
//!   the error — instead of fetching again;
//! - fetch first, then swap: the old token stays in use until a new one is
//!   in hand (never "expire, then fetch");
//! - compare and expire: [`TokenManager::invalidate`] drops a token WeChat
//!   refused only if it is still the current one, so a caller holding an
//!   old token cannot throw away the fresh token someone else just fetched;
//! - refresh before expiry, and keep the token in a [`TokenCache`] so a
//!   restart does not cost a fetch.
//!
//! Neither the token nor the AppSecret is ever logged or shown: both are
//! [`SecretString`]s, `Debug` prints `[hidden]`, and every error built here
//! has them removed from its text.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use url::Url;

use super::Endpoint;
use super::api::{AccessTokenResponse, Ack, StableTokenRequest, TokenQuery};
use super::check::{CheckOutcome, Checked, CredentialCheck};
use super::errcode::{ApiError, ErrCode};
use super::http::{Failure, api_url, exchange, scrub};
use crate::i18n::Lang;

/// The longest a token is refreshed ahead of its expiry. Five minutes is
/// also the window in which `stable_token` (normal mode) hands out the next
/// token and in which the classic endpoint's old and new tokens overlap.
pub const REFRESH_MARGIN_SECS: i64 = 300;

/// How long one token request may take unless [`TokenManager::with_timeout`]
/// says otherwise.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Where a token comes from

/// Where the access token comes from.
#[derive(Clone)]
pub enum TokenSource {
    /// `POST /cgi-bin/stable_token` in normal mode (never `force_refresh`):
    /// the default, because it does not revoke the token of any other
    /// system using the same AppID.
    Stable { appid: String, secret: SecretString },
    /// `GET /cgi-bin/token`. Each fetch revokes the previous token, so use
    /// it only when qunfa is the account's one and only token holder.
    Classic { appid: String, secret: SecretString },
    /// `GET url` answering `{"access_token": "…", "expires_in": N}`: a token
    /// kept by someone else, e.g. a third-party platform's
    /// `authorizer_access_token`.
    External { url: Url },
    /// A token given once and never refreshed. If WeChat refuses it, every
    /// later call fails with [`TokenError::FixedRejected`].
    Fixed(SecretString),
}

impl TokenSource {
    pub fn stable(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        TokenSource::Stable {
            appid: appid.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    pub fn classic(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        TokenSource::Classic {
            appid: appid.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    pub fn fixed(token: impl Into<String>) -> Self {
        TokenSource::Fixed(SecretString::from(token.into()))
    }

    /// A short name for logs and the metrics page.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenSource::Stable { .. } => "stable_token",
            TokenSource::Classic { .. } => "token",
            TokenSource::External { .. } => "external",
            TokenSource::Fixed(_) => "fixed",
        }
    }

    /// A key naming the account and the kind of token, without secrets. A
    /// persistent [`TokenCache`] should keep its token under this key, so
    /// that a restart with another AppID (or source) does not pick up the
    /// previous account's token, which WeChat would accept for the wrong
    /// account.
    pub fn cache_key(&self) -> String {
        match self {
            TokenSource::Stable { appid, .. } => format!("stable_token:{appid}"),
            TokenSource::Classic { appid, .. } => format!("token:{appid}"),
            TokenSource::External { url } => format!("external:{}", redacted_url(url)),
            TokenSource::Fixed(_) => "fixed".to_owned(),
        }
    }
}

/// A URL without its query and fragment, which may hold a key.
fn redacted_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    shown.to_string()
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Stable { appid, .. } => f
                .debug_struct("Stable")
                .field("appid", appid)
                .field("secret", &"[hidden]")
                .finish(),
            TokenSource::Classic { appid, .. } => f
                .debug_struct("Classic")
                .field("appid", appid)
                .field("secret", &"[hidden]")
                .finish(),
            TokenSource::External { url } => f
                .debug_struct("External")
                .field("url", &redacted_url(url))
                .finish(),
            TokenSource::Fixed(_) => f.debug_tuple("Fixed").field(&"[hidden]").finish(),
        }
    }
}

// ---------------------------------------------------------------------------
// The token and where it is kept across restarts

/// An access token and the moment WeChat stops accepting it.
#[derive(Clone)]
pub struct CachedToken {
    pub value: SecretString,
    /// WeChat's expiry, in Unix seconds. The manager stops using the token
    /// somewhat earlier (see [`REFRESH_MARGIN_SECS`]).
    pub expires_at: i64,
}

impl CachedToken {
    pub fn new(value: impl Into<String>, expires_at: i64) -> Self {
        CachedToken {
            value: SecretString::from(value.into()),
            expires_at,
        }
    }

    /// The token itself, for the `access_token` query parameter only.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    fn is(&self, other: &SecretString) -> bool {
        self.value.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("value", &"[hidden]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A boxed future, so that [`TokenCache`] can be used as `dyn TokenCache`.
pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Keeps the token across restarts (SQLite in the app, memory in tests).
///
/// A cache that fails should log and behave as empty (`load` → `None`,
/// `store` does nothing): the manager then simply fetches a new token.
/// `load` returns whatever was stored, expired or not; the manager decides
/// whether it is still usable.
pub trait TokenCache: Send + Sync {
    fn load(&self) -> CacheFuture<'_, Option<CachedToken>>;
    fn store<'a>(&'a self, token: &'a CachedToken) -> CacheFuture<'a, ()>;
}

/// A [`TokenCache`] in memory: survives a new [`TokenManager`], not a new
/// process. Counts its loads and stores for tests.
#[derive(Default)]
pub struct MemoryTokenCache {
    slot: Mutex<Option<CachedToken>>,
    loads: AtomicU64,
    stores: AtomicU64,
}

impl MemoryTokenCache {
    pub fn new() -> Self {
        MemoryTokenCache::default()
    }

    /// A cache that already holds `token`, as after an earlier run.
    pub fn holding(token: CachedToken) -> Self {
        let cache = MemoryTokenCache::default();
        *lock(&cache.slot) = Some(token);
        cache
    }

    /// What is stored now.
    pub fn peek(&self) -> Option<CachedToken> {
        lock(&self.slot).clone()
    }

    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    pub fn stores(&self) -> u64 {
        self.stores.load(Ordering::Relaxed)
    }
}

impl TokenCache for MemoryTokenCache {
    fn load(&self) -> CacheFuture<'_, Option<CachedToken>> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        let token = self.peek();
        Box::pin(async move { token })
    }

    fn store<'a>(&'a self, token: &'a CachedToken) -> CacheFuture<'a, ()> {
        self.stores.fetch_add(1, Ordering::Relaxed);
        *lock(&self.slot) = Some(token.clone());
        Box::pin(async {})
    }
}

// ---------------------------------------------------------------------------
// Errors

/// Why no access token could be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token endpoint answered with an errcode (40125 wrong secret,
    /// 40164 IP not whitelisted, 45009 quota, …).
    #[error("the token request was refused: {0}")]
    Api(ApiError),
    #[error("the token request timed out")]
    Timeout,
    #[error("the token request could not be sent: {0}")]
    Transport(String),
    #[error("the token endpoint answered HTTP {0}")]
    Http(u16),
    #[error("the token endpoint sent a body qunfa cannot read: {0}")]
    Malformed(String),
    /// A fixed token was refused by WeChat; qunfa cannot fetch another.
    #[error(
        "WeChat refused the access token supplied from outside, and qunfa cannot fetch another"
    )]
    FixedRejected,
}

impl TokenError {
    /// Worth trying again shortly: the endpoint was busy or unreachable.
    pub fn is_transient(&self) -> bool {
        match self {
            TokenError::Timeout | TokenError::Transport(_) => true,
            TokenError::Http(status) => (500..600).contains(status),
            TokenError::Api(e) => e.code.is_retryable(),
            TokenError::Malformed(_) | TokenError::FixedRejected => false,
        }
    }

    /// The error in words for the console, with what to do about it.
    pub fn words(&self, lang: Lang) -> String {
        match self {
            TokenError::Api(e) => match lang {
                Lang::Zh => format!(
                    "获取 access_token 失败：{message}（错误码 {code}）。{remedy}",
                    code = e.code,
                    remedy = e.remedy(lang),
                    message = e.message(lang),
                ),
                Lang::En => format!(
                    "Could not get an access_token: {message} (errcode {code}). {remedy}",
                    code = e.code,
                    remedy = e.remedy(lang),
                    message = e.message(lang),
                ),
            },
            TokenError::Timeout => lang
                .pick(
                    "获取 access_token 超时：微信接口没有及时应答。请稍后重试；若持续出现，请检查服务器到 api.weixin.qq.com 的网络。",
                    "Getting an access_token timed out: WeChat did not answer in time. Try again shortly; if it persists, check the network between this server and api.weixin.qq.com.",
                )
                .to_owned(),
            TokenError::Transport(detail) => match lang {
                Lang::Zh => format!("获取 access_token 时无法连接接口：{detail}。请检查服务器的网络、DNS 和代理设置。"),
                Lang::En => format!("Could not reach the token endpoint to get an access_token: {detail}. Check this server's network, DNS and proxy settings."),
            },
            TokenError::Http(status) => match lang {
                Lang::Zh => format!("获取 access_token 时接口返回了 HTTP {status}。请稍后重试；若持续出现，请检查接口地址配置。"),
                Lang::En => format!("The token endpoint answered HTTP {status}. Try again shortly; if it persists, check the configured API address."),
            },
            TokenError::Malformed(detail) => match lang {
                Lang::Zh => format!("获取 access_token 时收到无法识别的应答（{detail}）。请检查接口地址是否指向微信或正确的令牌服务。"),
                Lang::En => format!("The token endpoint sent an answer qunfa cannot read ({detail}). Check that the API address points to WeChat or to the right token service."),
            },
            TokenError::FixedRejected => lang
                .pick(
                    "微信拒绝了外部提供的 access_token（无效或已过期）。qunfa 不会自行刷新这种令牌：请提供新的令牌，或改为配置 AppID 和 AppSecret。",
                    "WeChat refused the access_token supplied from outside (invalid or expired). qunfa does not refresh such a token itself: supply a new one, or configure the AppID and AppSecret instead.",
                )
                .to_owned(),
        }
    }
}

impl From<Failure> for TokenError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Api(e) => TokenError::Api(e),
            Failure::Timeout => TokenError::Timeout,
            Failure::Transport(detail) => TokenError::Transport(detail),
            Failure::Http(status) => TokenError::Http(status),
            Failure::Malformed(detail) => TokenError::Malformed(detail),
        }
    }
}

// ---------------------------------------------------------------------------
// What the app hears

/// Told of every token request and of every token dropped after WeChat
/// refused it. The app counts them (`metrics::WechatCounts`); the manager
/// keeps no count of its own. A seam like [`TokenCache`]: the trait is
/// here, the app implements it.
pub trait TokenObserver: Send + Sync {
    /// One token request ended: `Ok` with a token in hand, else why not.
    fn fetched(&self, outcome: Result<(), &TokenError>);
    /// The current token was dropped because WeChat refused it.
    fn dropped(&self);
}

/// An observer that hears nothing: the default of the manager and of the
/// client (which implements its `CallObserver` too).
#[derive(Clone, Copy, Debug, Default)]
pub struct Unobserved;

impl TokenObserver for Unobserved {
    fn fetched(&self, _: Result<(), &TokenError>) {}
    fn dropped(&self) {}
}

// ---------------------------------------------------------------------------
// The manager

/// Hands out a valid access token, fetching one only when needed.
///
/// Share one manager per account (the client owns it); it is `Send + Sync`.
pub struct TokenManager {
    source: TokenSource,
    api_base: Url,
    http: reqwest::Client,
    timeout: Duration,
    cache: Arc<dyn TokenCache>,
    state: Mutex<State>,
    /// Held for the whole of a cache load or fetch: the single flight.
    refresh: tokio::sync::Mutex<()>,
    observer: Arc<dyn TokenObserver>,
}

#[derive(Default)]
struct State {
    current: Option<Held>,
    /// The last token WeChat refused, so a cache still holding it is not
    /// trusted again.
    rejected: Option<SecretString>,
    /// Counts finished fetches, so a caller that waited can tell whether a
    /// fetch ran meanwhile.
    fetch_rounds: u64,
    /// The error of the last fetch, if it failed: handed to the callers that
    /// waited for it.
    last_error: Option<TokenError>,
}

struct Held {
    token: CachedToken,
    /// From this moment on the token is replaced before use.
    refresh_at: i64,
}

impl State {
    fn usable(&self, now: i64) -> Option<CachedToken> {
        self.current
            .as_ref()
            .filter(|held| now < held.refresh_at)
            .map(|held| held.token.clone())
    }
}

impl TokenManager {
    /// A manager fetching from `source`; `api_base` is WeChat's (or the
    /// simulator's) base URL, used by the `Stable` and `Classic` sources.
    pub fn new(
        source: TokenSource,
        api_base: Url,
        http: reqwest::Client,
        cache: Arc<dyn TokenCache>,
    ) -> Self {
        let mut state = State::default();
        if let TokenSource::Fixed(value) = &source {
            state.current = Some(Held {
                token: CachedToken {
                    value: value.clone(),
                    expires_at: i64::MAX,
                },
                refresh_at: i64::MAX,
            });
        }
        TokenManager {
            source,
            api_base,
            http,
            timeout: DEFAULT_TOKEN_TIMEOUT,
            cache,
            state: Mutex::new(state),
            refresh: tokio::sync::Mutex::new(()),
            observer: Arc::new(Unobserved),
        }
    }

    /// Tells `observer` of every fetch and every dropped token from now on.
    pub fn with_observer(mut self, observer: Arc<dyn TokenObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// The total time one token request may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// When the token in use expires (Unix seconds), if one is held.
    pub fn expires_at(&self) -> Option<i64> {
        self.state().current.as_ref().map(|h| h.token.expires_at)
    }

    /// A token that is valid for a while yet: the one in memory, else the
    /// cached one, else a new one. However many callers wait, one fetch
    /// runs, and they all get its outcome.
    pub async fn get(&self) -> Result<CachedToken, TokenError> {
        let seen_rounds = {
            let state = self.state();
            if let Some(token) = state.usable(unix_now()) {
                return Ok(token);
            }
            state.fetch_rounds
        };

        // FIFO: the first waiter fetches, the others find its result below.
        let _single_flight = self.refresh.lock().await;
        {
            let state = self.state();
            if let Some(token) = state.usable(unix_now()) {
                return Ok(token);
            }
            if state.fetch_rounds != seen_rounds
                && let Some(error) = &state.last_error
            {
                // The fetch we queued behind failed: share its error rather
                // than send one more request per waiter.
                return Err(error.clone());
            }
        }
        if matches!(self.source, TokenSource::Fixed(_)) {
            // The only way a fixed token stops being current is a refusal.
            return Err(TokenError::FixedRejected);
        }
        if let Some(token) = self.load_cached().await {
            return Ok(token);
        }
        self.fetch_and_keep().await
    }

    /// Drops `failed` after WeChat refused it (40001/40014/42001), but only
    /// if it is still the current token: a newer token fetched meanwhile by
    /// another caller stays. Returns whether it was dropped.
    pub fn invalidate(&self, failed: &CachedToken) -> bool {
        let mut state = self.state();
        let still_current = state
            .current
            .as_ref()
            .is_some_and(|held| held.token.is(&failed.value));
        if still_current {
            state.current = None;
            state.rejected = Some(failed.value.clone());
            self.observer.dropped();
            tracing::warn!(
                source = self.source.kind(),
                "WeChat refused the access token; it is dropped and will be fetched again"
            );
        }
        still_current
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Takes the cached token if it is not the refused one and has more than
    /// the refresh margin left. (Its original lifetime is unknown here, so
    /// the full margin applies.)
    async fn load_cached(&self) -> Option<CachedToken> {
        let cached = self.cache.load().await?;
        let refresh_at = cached.expires_at.saturating_sub(REFRESH_MARGIN_SECS);
        let mut state = self.state();
        let refused = state
            .rejected
            .as_ref()
            .is_some_and(|rejected| cached.is(rejected));
        if refused || unix_now() >= refresh_at {
            return None;
        }
        tracing::debug!(source = self.source.kind(), "using the cached access token");
        state.current = Some(Held {
            token: cached.clone(),
            refresh_at,
        });
        Some(cached)
    }

    /// Fetches a token, makes it current and stores it in the cache. Called
    /// with the single-flight lock held.
    async fn fetch_and_keep(&self) -> Result<CachedToken, TokenError> {
        // The token's clock starts no earlier than the request: counting
        // from here errs on the safe side.
        let started = unix_now();
        let result = self.fetch().await.and_then(|answer| {
            if answer.access_token.is_empty() {
                return Err(TokenError::Malformed("empty access_token".to_owned()));
            }
            let lifetime = i64::try_from(answer.expires_in).unwrap_or(i64::MAX);
            let token = CachedToken {
                value: SecretString::from(answer.access_token),
                expires_at: started.saturating_add(lifetime),
            };
            Ok((token, lifetime))
        });

        // The state lock is released before the cache write below: a std
        // guard must not live across an await (the future must stay Send).
        {
            let mut state = self.state();
            state.fetch_rounds += 1;
            match &result {
                Ok((token, lifetime)) => {
                    // Refresh a tenth of the lifetime early, at most five minutes.
                    let margin = (lifetime / 10).min(REFRESH_MARGIN_SECS);
                    state.current = Some(Held {
                        token: token.clone(),
                        refresh_at: token.expires_at.saturating_sub(margin),
                    });
                    state.last_error = None;
                }
                Err(error) => state.last_error = Some(error.clone()),
            }
        }
        self.observer.fetched(result.as_ref().map(|_| ()));
        match result {
            Ok((token, lifetime)) => {
                tracing::info!(
                    source = self.source.kind(),
                    expires_in = lifetime,
                    "fetched a new access token"
                );
                self.cache.store(&token).await;
                Ok(token)
            }
            Err(error) => {
                tracing::warn!(
                    source = self.source.kind(),
                    %error,
                    "could not fetch an access token"
                );
                Err(error)
            }
        }
    }

    /// One token request, shaped as the source's endpoint wants it.
    async fn fetch(&self) -> Result<AccessTokenResponse, TokenError> {
        request_token(&self.source, &self.api_base, &self.http, self.timeout).await
    }
}

/// One token request from `source`, shaped as its endpoint wants it; a
/// fixed token cannot be requested ([`TokenError::FixedRejected`]).
async fn request_token(
    source: &TokenSource,
    api_base: &Url,
    http: &reqwest::Client,
    timeout: Duration,
) -> Result<AccessTokenResponse, TokenError> {
    let answer = match source {
        TokenSource::Stable { appid, secret } => {
            let body = StableTokenRequest::new(appid.clone(), secret.expose_secret());
            let body = serde_json::to_vec(&body)
                .map_err(|e| TokenError::Malformed(format!("request body: {e}")))?;
            let request = http
                .post(api_url(api_base, Endpoint::StableToken.path()))
                .timeout(timeout)
                .header(CONTENT_TYPE, "application/json")
                .body(body);
            exchange(request, &[secret.expose_secret()]).await
        }
        TokenSource::Classic { appid, secret } => {
            let mut url = api_url(api_base, Endpoint::Token.path());
            append_query(
                &mut url,
                &TokenQuery::new(appid.clone(), secret.expose_secret()),
            );
            let request = http.get(url).timeout(timeout);
            exchange(request, &[secret.expose_secret()]).await
        }
        TokenSource::External { url } => {
            let request = http.get(url.clone()).timeout(timeout);
            exchange(request, &[url.query().unwrap_or_default()]).await
        }
        TokenSource::Fixed(_) => return Err(TokenError::FixedRejected),
    };
    answer.map_err(TokenError::from)
}

// ---------------------------------------------------------------------------
// Checking a source once

/// Asks once whether `source` works, past every cache and without touching
/// any [`TokenManager`]: what an admin's "Check" shows.
///
/// - An AppID and AppSecret (stable or classic): one `stable_token` request
///   in normal mode, which proves them without revoking any token (a
///   `/cgi-bin/token` fetch would revoke the one the console is using).
/// - A token URL: one request to it, then one `tags/get` with the token it
///   handed out, since only WeChat can say whether that token is good.
/// - A fixed token: one `tags/get` with it.
///
/// Each request may take `timeout`. Every failure is an outcome in words,
/// never a panic; no secret (AppSecret, token, the token URL's query) is in
/// its text or in the one log line it writes.
pub async fn check_source(
    source: &TokenSource,
    api_base: &Url,
    http: &reqwest::Client,
    timeout: Duration,
) -> CredentialCheck {
    let found = match source {
        TokenSource::Stable { appid, secret } | TokenSource::Classic { appid, secret } => {
            let stable = TokenSource::Stable {
                appid: appid.clone(),
                secret: secret.clone(),
            };
            let secrets = [secret.expose_secret()];
            let outcome = match request_token(&stable, api_base, http, timeout).await {
                Ok(answer) if answer.access_token.is_empty() => CheckOutcome::Unreadable {
                    detail: "empty access_token".to_owned(),
                },
                Ok(answer) => CheckOutcome::Works {
                    expires_in: Some(answer.expires_in),
                },
                Err(error) => failed(Checked::Credentials, error, &secrets),
            };
            CredentialCheck {
                checked: Checked::Credentials,
                outcome,
            }
        }
        TokenSource::External { url } => {
            let key = url.query().unwrap_or_default();
            match request_token(source, api_base, http, timeout).await {
                Ok(answer) if !answer.access_token.is_empty() => {
                    let secrets = [key, answer.access_token.as_str()];
                    let outcome = try_token(&answer.access_token, api_base, http, timeout)
                        .await
                        .map_or_else(
                            |error| failed(Checked::TokenFromUrl, error, &secrets),
                            |()| CheckOutcome::Works {
                                expires_in: Some(answer.expires_in),
                            },
                        );
                    CredentialCheck {
                        checked: Checked::TokenFromUrl,
                        outcome,
                    }
                }
                Ok(_) => CredentialCheck {
                    checked: Checked::TokenUrl,
                    outcome: CheckOutcome::Unreadable {
                        detail: "empty access_token".to_owned(),
                    },
                },
                Err(error) => CredentialCheck {
                    checked: Checked::TokenUrl,
                    outcome: failed(Checked::TokenUrl, error, &[key]),
                },
            }
        }
        TokenSource::Fixed(token) => {
            let token = token.expose_secret();
            let outcome = try_token(token, api_base, http, timeout).await.map_or_else(
                |error| failed(Checked::FixedToken, error, &[token]),
                |()| CheckOutcome::Works { expires_in: None },
            );
            CredentialCheck {
                checked: Checked::FixedToken,
                outcome,
            }
        }
    };
    tracing::info!(
        source = source.kind(),
        outcome = found.outcome.kind(),
        errcode = found.code().map(|c| c.code()),
        "checked an access-token source"
    );
    found
}

/// One `tags/get` with `token`: the cheapest call that only a token WeChat
/// accepts can make.
async fn try_token(
    token: &str,
    api_base: &Url,
    http: &reqwest::Client,
    timeout: Duration,
) -> Result<(), TokenError> {
    let mut url = api_url(api_base, Endpoint::TagsGet.path());
    url.query_pairs_mut().append_pair("access_token", token);
    let request = http
        .request(Endpoint::TagsGet.method(), url)
        .timeout(timeout);
    exchange::<Ack>(request, &[token])
        .await
        .map(|_| ())
        .map_err(TokenError::from)
}

/// The outcome of a failed request of a check; `secrets` are cut out of
/// WeChat's errmsg (the transport and body details are cut already).
fn failed(checked: Checked, error: TokenError, secrets: &[&str]) -> CheckOutcome {
    match error {
        TokenError::Api(mut error) => {
            error.errmsg = scrub(error.errmsg, secrets);
            CheckOutcome::refused(checked, error)
        }
        TokenError::Timeout => CheckOutcome::Timeout,
        TokenError::Transport(detail) => CheckOutcome::Unreachable { detail },
        TokenError::Http(status) => CheckOutcome::Http { status },
        TokenError::Malformed(detail) => CheckOutcome::Unreadable { detail },
        // Only a fixed source gives it, and a check never requests one.
        TokenError::FixedRejected => CheckOutcome::TokenRefused {
            code: ErrCode::InvalidCredential,
        },
    }
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("source", &self.source)
            .field("api_base", &self.api_base.as_str())
            .finish_non_exhaustive()
    }
}

/// Appends the fields of a flat struct as query parameters.
fn append_query<T: Serialize>(url: &mut Url, query: &T) {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(query) else {
        return;
    };
    let mut pairs = url.query_pairs_mut();
    for (name, value) in fields {
        match value {
            serde_json::Value::String(s) => pairs.append_pair(&name, &s),
            serde_json::Value::Null => continue,
            other => pairs.append_pair(&name, &other.to_string()),
        };
    }
}

/// Locks a std mutex, recovering from poisoning: the guarded state is
/// always left consistent, so a panic elsewhere must not stop all calls.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod check_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::errcode::ErrCode;
    use crate::wechat::mock::{Counted, MockWechat, Reply, token_reply};
    use serde_json::json;

    /// A manager for `mock`, and what it tells its observer.
    fn manager(
        source: TokenSource,
        mock: &MockWechat,
        cache: Arc<dyn TokenCache>,
    ) -> (TokenManager, Arc<Counted>) {
        let counted = Arc::new(Counted::default());
        let tokens = TokenManager::new(source, mock.base.clone(), reqwest::Client::new(), cache)
            .with_timeout(Duration::from_secs(2))
            .with_observer(counted.clone());
        (tokens, counted)
    }

    fn expired() -> CachedToken {
        CachedToken::new("old-token", unix_now() - 10)
    }

    #[tokio::test]
    async fn a_hundred_waiters_on_an_expired_token_make_one_request() {
        let mock = MockWechat::start("", |hit, n| {
            token_reply(hit, n)
                .expect("only token calls")
                .after(Duration::from_millis(100))
        })
        .await;
        let cache = Arc::new(MemoryTokenCache::holding(expired()));
        let (tokens, counted) = manager(TokenSource::stable("wxA", "sek"), &mock, cache.clone());
        let tokens = Arc::new(tokens);

        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let tokens = tokens.clone();
            tasks.spawn(async move { tokens.get().await.map(|t| t.expose().to_owned()) });
        }
        let got = tasks.join_all().await;

        assert!(got.iter().all(|t| t.as_deref() == Ok("tok-1")));
        assert_eq!(mock.hits(Endpoint::StableToken.path()), 1);
        assert_eq!(counted.fetches(), 1);
        assert_eq!(cache.peek().unwrap().expose(), "tok-1");
        assert_eq!(
            cache.loads(),
            1,
            "the cache is read once, by the one refresher"
        );
    }

    #[tokio::test]
    async fn waiters_share_a_failed_fetch_instead_of_repeating_it() {
        let mock = MockWechat::start("", |_, _| {
            Reply::status(502).after(Duration::from_millis(100))
        })
        .await;
        let (tokens, counted) = manager(
            TokenSource::stable("wxA", "sek"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );
        let tokens = Arc::new(tokens);

        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let tokens = tokens.clone();
            tasks.spawn(async move { tokens.get().await.map(|_| ()) });
        }
        let got = tasks.join_all().await;

        assert!(got.iter().all(|r| r == &Err(TokenError::Http(502))));
        assert_eq!(mock.hits(Endpoint::StableToken.path()), 1);
        assert_eq!(counted.fetches(), 1);
        assert_eq!(counted.failed_fetches(), 1);
        assert_eq!(counted.dropped(), 0);
        // A later call tries again.
        assert_eq!(tokens.get().await.unwrap_err(), TokenError::Http(502));
        assert_eq!(mock.hits(Endpoint::StableToken.path()), 2);
    }

    #[tokio::test]
    async fn invalidating_an_old_token_keeps_the_newer_one() {
        let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
        let (tokens, counted) = manager(
            TokenSource::stable("wxA", "sek"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );

        let first = tokens.get().await.unwrap();
        assert!(tokens.invalidate(&first), "the current token is dropped");
        let second = tokens.get().await.unwrap();
        assert_eq!(second.expose(), "tok-2");

        // A caller that still held the first token reports it late.
        assert!(!tokens.invalidate(&first), "an old token is a no-op");
        assert_eq!(tokens.get().await.unwrap().expose(), "tok-2");
        assert_eq!(counted.fetches(), 2);
        assert_eq!(counted.dropped(), 1);
    }

    #[tokio::test]
    async fn a_refused_token_is_not_taken_back_from_the_cache() {
        let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
        let cache = Arc::new(MemoryTokenCache::holding(CachedToken::new(
            "cached",
            unix_now() + 7000,
        )));
        let (tokens, _) = manager(TokenSource::stable("wxA", "sek"), &mock, cache.clone());

        let cached = tokens.get().await.unwrap();
        assert_eq!(cached.expose(), "cached");
        assert_eq!(mock.hits(Endpoint::StableToken.path()), 0);

        tokens.invalidate(&cached);
        assert_eq!(tokens.get().await.unwrap().expose(), "tok-1");
        assert_eq!(cache.peek().unwrap().expose(), "tok-1");
    }

    #[tokio::test]
    async fn a_cached_token_survives_a_restart_without_a_request() {
        let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
        let cache: Arc<MemoryTokenCache> = Arc::new(MemoryTokenCache::new());

        let (before, _) = manager(TokenSource::stable("wxA", "sek"), &mock, cache.clone());
        assert_eq!(before.get().await.unwrap().expose(), "tok-1");
        drop(before);

        let (after, counted_after) =
            manager(TokenSource::stable("wxA", "sek"), &mock, cache.clone());
        let token = after.get().await.unwrap();
        assert_eq!(token.expose(), "tok-1");
        assert_eq!(counted_after.fetches(), 0);
        assert_eq!(mock.hits(Endpoint::StableToken.path()), 1);
        assert!(token.expires_at > unix_now() + 7000);
    }

    #[tokio::test]
    async fn a_token_close_to_expiry_is_replaced_before_it_expires() {
        let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
        // Still valid for 100 s, but inside the five-minute margin.
        let cache = Arc::new(MemoryTokenCache::holding(CachedToken::new(
            "nearly-expired",
            unix_now() + 100,
        )));
        let (tokens, counted) = manager(TokenSource::stable("wxA", "sek"), &mock, cache);
        assert_eq!(tokens.get().await.unwrap().expose(), "tok-1");
        assert_eq!(counted.fetches(), 1);
        // The new token is used until its own margin.
        assert_eq!(tokens.get().await.unwrap().expose(), "tok-1");
        assert_eq!(counted.fetches(), 1);
    }

    #[tokio::test]
    async fn stable_token_is_a_json_post_without_force_refresh() {
        let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
        let (tokens, _) = manager(
            TokenSource::stable("wxA", "sek"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );
        tokens.get().await.unwrap();

        let hits = mock.requests(Endpoint::StableToken.path());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].method, "POST");
        assert!(hits[0].query.is_empty(), "nothing in the query");
        assert_eq!(hits[0].content_type.as_deref(), Some("application/json"));
        assert_eq!(
            hits[0].json(),
            json!({"grant_type": "client_credential", "appid": "wxA", "secret": "sek"})
        );
        assert_eq!(mock.hits(Endpoint::Token.path()), 0);
    }

    #[tokio::test]
    async fn the_classic_token_is_a_get_with_the_credentials_in_the_query() {
        let mock = MockWechat::start("", |hit, n| token_reply(hit, n).unwrap()).await;
        let (tokens, _) = manager(
            TokenSource::classic("wxA", "s&k=1"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );
        assert_eq!(tokens.get().await.unwrap().expose(), "tok-1");

        let hits = mock.requests(Endpoint::Token.path());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].method, "GET");
        assert!(hits[0].body.is_empty());
        assert_eq!(hits[0].query["grant_type"], "client_credential");
        assert_eq!(hits[0].query["appid"], "wxA");
        assert_eq!(hits[0].query["secret"], "s&k=1", "the secret is escaped");
        assert_eq!(hits[0].query.len(), 3);
        assert_eq!(mock.hits(Endpoint::StableToken.path()), 0);
    }

    #[tokio::test]
    async fn an_external_token_is_read_from_its_url_as_given() {
        let mock = MockWechat::start("", |hit, _| {
            assert_eq!(hit.path, "/platform/token");
            Reply::json(json!({"access_token": "authorizer-1", "expires_in": 7200}))
        })
        .await;
        let url = mock.base.join("platform/token?key=k1").unwrap();
        let source = TokenSource::External { url };
        assert!(!format!("{source:?}").contains("k1"));
        let (tokens, _) = manager(source, &mock, Arc::new(MemoryTokenCache::new()));

        assert_eq!(tokens.get().await.unwrap().expose(), "authorizer-1");
        let hits = mock.requests("/platform/token");
        assert_eq!(hits[0].method, "GET");
        assert_eq!(hits[0].query["key"], "k1");
    }

    #[tokio::test]
    async fn a_fixed_token_is_never_fetched_and_a_refusal_is_final() {
        let mock = MockWechat::start("", |_, _| Reply::status(500)).await;
        let (tokens, counted) = manager(
            TokenSource::fixed("given-token"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );
        let token = tokens.get().await.unwrap();
        assert_eq!(token.expose(), "given-token");

        assert!(tokens.invalidate(&token));
        let error = tokens.get().await.unwrap_err();
        assert_eq!(error, TokenError::FixedRejected);
        assert!(error.words(Lang::Zh).contains("外部提供的 access_token"));
        assert!(!error.is_transient());
        assert_eq!(mock.total_hits(), 0);
        assert_eq!(counted.fetches(), 0);
    }

    #[tokio::test]
    async fn token_endpoint_errors_come_back_by_code_without_secrets() {
        let mock = MockWechat::start("", |_, _| {
            Reply::json(json!({"errcode": 40125, "errmsg": "invalid appsecret rid: 1-2"}))
        })
        .await;
        let (tokens, _) = manager(
            TokenSource::classic("wxA", "very-secret"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );
        let error = tokens.get().await.unwrap_err();
        let TokenError::Api(api) = &error else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(api.code, ErrCode::InvalidAppSecret);
        assert!(!error.is_transient());
        assert!(error.words(Lang::En).contains("AppSecret"));
        for text in [
            error.to_string(),
            format!("{error:?}"),
            format!("{tokens:?}"),
            error.words(Lang::Zh),
        ] {
            assert!(!text.contains("very-secret"), "{text}");
        }
    }

    #[tokio::test]
    async fn a_classic_token_timeout_does_not_show_the_secret_in_the_url() {
        let mock = MockWechat::start("", |_, _| {
            Reply::json(json!({})).after(Duration::from_secs(5))
        })
        .await;
        let tokens = TokenManager::new(
            TokenSource::classic("wxA", "very-secret"),
            mock.base.clone(),
            reqwest::Client::new(),
            Arc::new(MemoryTokenCache::new()),
        )
        .with_timeout(Duration::from_millis(100));
        let error = tokens.get().await.unwrap_err();
        assert_eq!(error, TokenError::Timeout);
        assert!(error.is_transient());

        // Nothing listens here: a transport error, whose reqwest text would
        // name the URL with the secret if it were not stripped.
        let closed = crate::wechat::mock::closed_base().await;
        let tokens = TokenManager::new(
            TokenSource::classic("wxA", "very-secret"),
            closed,
            reqwest::Client::new(),
            Arc::new(MemoryTokenCache::new()),
        );
        let error = tokens.get().await.unwrap_err();
        assert!(matches!(error, TokenError::Transport(_)), "{error:?}");
        for text in [
            error.to_string(),
            format!("{error:?}"),
            error.words(Lang::En),
        ] {
            assert!(!text.contains("very-secret"), "{text}");
            assert!(!text.contains("cgi-bin"), "{text}");
        }
    }

    #[tokio::test]
    async fn a_body_without_a_token_is_malformed() {
        let mock = MockWechat::start("", |_, _| {
            Reply::json(json!({"access_token": "", "expires_in": 7200}))
        })
        .await;
        let (tokens, _) = manager(
            TokenSource::stable("wxA", "sek"),
            &mock,
            Arc::new(MemoryTokenCache::new()),
        );
        assert!(matches!(
            tokens.get().await.unwrap_err(),
            TokenError::Malformed(_)
        ));
    }

    #[test]
    fn debug_never_prints_secrets() {
        let stable = TokenSource::stable("wxA", "sek-123");
        let fixed = TokenSource::fixed("tok-123");
        let cached = CachedToken::new("tok-456", 1);
        for text in [
            format!("{stable:?}"),
            format!("{fixed:?}"),
            format!("{cached:?}"),
        ] {
            assert!(!text.contains("123") && !text.contains("456"), "{text}");
        }
        assert!(format!("{stable:?}").contains("wxA"));
    }

    #[test]
    fn cache_keys_name_the_account_but_no_secret() {
        assert_eq!(
            TokenSource::stable("wxA", "s").cache_key(),
            "stable_token:wxA"
        );
        assert_eq!(TokenSource::classic("wxB", "s").cache_key(), "token:wxB");
        let url = Url::parse("https://p.example/t?key=abc").unwrap();
        assert_eq!(
            TokenSource::External { url }.cache_key(),
            "external:https://p.example/t"
        );
    }
}
