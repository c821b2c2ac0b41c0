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
//!   instead of sending twice. `draft/add` is never repeated: it has no
//!   such key, and a repeat could make a second draft.
//! - Every other errcode (45065, 45066, 45067, 89504, …) goes back to the
//!   caller at once as [`CallError::Api`]: the send worker decides.
//!
//! The access token travels in the query (`?access_token=`), as WeChat
//! requires, so every error text is scrubbed of it (`wechat::http`).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use super::Endpoint;
use super::api::{
    Ack, AddMaterialResponse, DraftAddRequest, DraftAddResponse, DraftArticle,
    DraftBatchGetRequest, DraftBatchGetResponse, DraftCountResponse, DraftGetResponse,
    DraftIdRequest, DraftUpdateRequest, FollowersResponse, MassDeleteRequest, MassGetRequest,
    MassGetResponse, MassSendRequest, MaterialBatchGetRequest, MaterialBatchGetResponse,
    MaterialBody, MaterialCount, MaterialIdRequest, MaterialJson, PreviewRequest, PreviewResponse,
    SendAllRequest, SendAllResponse, TagsResponse, UploadImageResponse, UploadVideoRequest,
    UploadVideoResponse, VideoDescription,
};
use super::errcode::{ApiError, ErrCode};
use super::http::{Answer, Failure, api_url, describe, exchange_answer, read_json};
use super::limits::UploadKind;
use super::token::{CachedToken, TokenError, TokenManager, Unobserved};
use super::types::MediaId;
use super::upload::Upload;
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
// What the app hears

/// Told of every HTTP attempt the client makes (a retry is another), and of
/// how it ended. The app counts them (`metrics::WechatCounts`); the client
/// keeps no count of its own. Like the [`TokenCache`](super::token::TokenCache),
/// a seam: the trait is here, the app implements it.
pub trait CallObserver: Send + Sync {
    /// One attempt at `endpoint` ended with `outcome`: `Ok` for WeChat's
    /// errcode 0, else the error as the caller gets it.
    fn attempted(&self, endpoint: Endpoint, outcome: Result<(), &CallError>);
}

/// The client's default: hears nothing.
impl CallObserver for Unobserved {
    fn attempted(&self, _: Endpoint, _: Result<(), &CallError>) {}
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
        match self {
            CallError::Api(e) => e.words(None, lang),
            CallError::Timeout => lang
                .pick(
                    "微信接口没有及时应答，请求可能已经到达微信。群发会带着同一个 clientmsgid 重试，不会重复发送；其他操作可稍后重试。",
                    "WeChat did not answer in time; the request may still have reached it. A send is retried with the same clientmsgid, so nothing is sent twice; other actions can simply be tried again.",
                )
                .to_owned(),
            CallError::Transport(detail) => match lang {
                Lang::Zh => format!("无法连接微信接口：{detail}。请检查服务器的网络、DNS 和代理设置，稍后重试。"),
                Lang::En => format!("Could not reach WeChat: {detail}. Check this server's network, DNS and proxy settings, then try again."),
            },
            CallError::Http(status) => match lang {
                Lang::Zh => format!("微信接口（或中间的代理）返回了 HTTP {status}。请稍后重试；若持续出现，请检查 QUNFA_WECHAT_API_BASE 是否指向正确的地址。"),
                Lang::En => format!("WeChat (or a proxy in between) answered HTTP {status}. Try again later; if it persists, check that QUNFA_WECHAT_API_BASE points to the right address."),
            },
            CallError::Malformed(detail) => match lang {
                Lang::Zh => format!("微信返回了无法识别的内容（{detail}）。请稍后重试；若持续出现，请把日志交给维护者。"),
                Lang::En => format!("WeChat sent an answer qunfa cannot read ({detail}). Try again later; if it persists, send the log to the maintainers."),
            },
            CallError::Token(e) => e.words(lang),
            CallError::Unexpected(detail) => match lang {
                Lang::Zh => format!("发生了意外错误：{detail}。请把日志交给维护者。"),
                Lang::En => format!("Something unexpected went wrong: {detail}. Send the log to the maintainers."),
            },
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

// ---------------------------------------------------------------------------
// The client

/// The WeChat API client. Cheap to clone; clones share the token, the
/// connection pool and the observer.
#[derive(Clone)]
pub struct WechatClient {
    inner: Arc<Inner>,
    observer: Arc<dyn CallObserver>,
}

struct Inner {
    config: ClientConfig,
    tokens: TokenManager,
    http: reqwest::Client,
}

/// Whether a call may be repeated after a transient failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Reads, and writes whose repeat is harmless.
    Allowed,
    /// `sendall` with a `clientmsgid`: repeated, and an attempt whose
    /// outcome is unknown is not hidden by a later refusal.
    SameClientMsgId,
    /// Repeated only after an answer that says nothing was done (errcode
    /// -1), never after one whose outcome is unknown.
    WhenRefused,
    Never,
}

/// What one attempt sends.
enum Payload<'a> {
    Empty,
    /// JSON written once, so every attempt sends the very same bytes.
    Json(Vec<u8>),
    /// A file streamed from disk as the field `media`, opened again for
    /// each attempt, and text fields after it.
    File {
        upload: &'a Upload,
        texts: Vec<(&'static str, String)>,
    },
}

/// Reads a 2xx answer into what a method returns.
type Reader<T> = fn(&Answer, &[&str]) -> Result<T, Failure>;

impl WechatClient {
    /// `http` should come from [`ClientConfig::http_client`]; every request
    /// also gets the configured total timeout on its own.
    pub fn new(config: ClientConfig, tokens: TokenManager, http: reqwest::Client) -> Self {
        WechatClient {
            inner: Arc::new(Inner {
                config,
                tokens,
                http,
            }),
            observer: Arc::new(Unobserved),
        }
    }

    /// Tells `observer` of every attempt from now on.
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.observer = observer;
        self
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The token manager: its source and the expiry of the token in use.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
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

    /// `POST /cgi-bin/message/mass/send`: one call of a list of followers.
    /// Repeated as [`WechatClient::send_all`] is: only with a
    /// `clientmsgid`, with the identical body, and an unknown first outcome
    /// is not hidden by a refused repeat. 42010 ("masssend fast, retry
    /// again") and 9500002 come back untouched: the caller asks again
    /// minutes later.
    pub async fn mass_send(&self, request: &MassSendRequest) -> Result<SendAllResponse, CallError> {
        let repeat = if request.clientmsgid.is_some() {
            Repeat::SameClientMsgId
        } else {
            Repeat::Never
        };
        self.call(Endpoint::MassSend, Some(request), repeat).await
    }

    /// `POST /datacube/getarticleread` for one day: every article read
    /// that day. A read changes nothing, so a repeat is harmless.
    pub async fn article_read(
        &self,
        request: &super::datacube::DayRequest,
    ) -> Result<super::datacube::ArticleReadResponse, CallError> {
        self.call(Endpoint::ArticleRead, Some(request), Repeat::Allowed)
            .await
    }

    /// `POST /datacube/getarticleshare` for one day: every article shared
    /// that day.
    pub async fn article_share(
        &self,
        request: &super::datacube::DayRequest,
    ) -> Result<super::datacube::ArticleShareResponse, CallError> {
        self.call(Endpoint::ArticleShare, Some(request), Repeat::Allowed)
            .await
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

    /// `POST /cgi-bin/draft/add`: a new draft of `articles` (1 to 8).
    ///
    /// Never repeated after a transient failure: draft/add has no
    /// idempotency key, so a repeat of an attempt that did reach WeChat
    /// makes a second draft, an orphan in the account's draft box that
    /// every editor then sees (and may send). The failure goes back to the
    /// caller instead, with [`CallError::outcome_unknown`] telling whether
    /// the draft may exist; a refused token is still retried once, as the
    /// refusal comes before any effect.
    pub async fn draft_add(
        &self,
        articles: &[DraftArticle],
    ) -> Result<DraftAddResponse, CallError> {
        let request = DraftAddRequest {
            articles: Cow::Borrowed(articles),
        };
        self.call(Endpoint::DraftAdd, Some(&request), Repeat::Never)
            .await
    }

    /// `POST /cgi-bin/draft/get`: a draft's articles, each with a temporary
    /// preview `url`.
    pub async fn draft_get(&self, media_id: &MediaId) -> Result<DraftGetResponse, CallError> {
        let request = DraftIdRequest {
            media_id: media_id.clone(),
        };
        self.call(Endpoint::DraftGet, Some(&request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/draft/update`: `article` replaces the one at `index`
    /// (0-based). Repeated freely: the same article at the same place again
    /// leaves the draft as one update does.
    pub async fn draft_update(
        &self,
        media_id: &MediaId,
        index: u32,
        article: &DraftArticle,
    ) -> Result<Ack, CallError> {
        let request = DraftUpdateRequest {
            media_id: media_id.clone(),
            index,
            articles: Cow::Borrowed(article),
        };
        self.call(Endpoint::DraftUpdate, Some(&request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/draft/delete`. Repeated after a transient failure: if
    /// the first attempt did delete the draft, the repeat answers 40007
    /// (invalid media_id), so a caller reads 40007 here as "gone".
    pub async fn draft_delete(&self, media_id: &MediaId) -> Result<Ack, CallError> {
        let request = DraftIdRequest {
            media_id: media_id.clone(),
        };
        self.call(Endpoint::DraftDelete, Some(&request), Repeat::Allowed)
            .await
    }

    /// `GET /cgi-bin/draft/count`: how many drafts the account has.
    pub async fn draft_count(&self) -> Result<DraftCountResponse, CallError> {
        self.call(Endpoint::DraftCount, None::<&()>, Repeat::Allowed)
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

    /// `POST /cgi-bin/material/add_material?type=…`: the file at
    /// `upload.path`, streamed, becomes a permanent material (a video with
    /// its title and introduction as the `description` field).
    ///
    /// Repeated only after errcode -1, never after a timeout, a broken
    /// connection or a 5xx: the first attempt may have made the material,
    /// and a repeat would make a second one (another media_id for the same
    /// file, taking a place of the account's 1,000 voices or videos) that
    /// qunfa never learns of. The caller tells the person it may have
    /// arrived and to look in the library.
    pub async fn add_material(
        &self,
        kind: UploadKind,
        upload: &Upload,
        video: Option<&VideoDescription>,
    ) -> Result<AddMaterialResponse, CallError> {
        let mut texts = Vec::new();
        if let Some(video) = video {
            let description = serde_json::to_string(video)
                .map_err(|e| CallError::Unexpected(format!("video description: {e}")))?;
            texts.push(("description", description));
        }
        let payload = Payload::File { upload, texts };
        self.send(
            Endpoint::MaterialAdd,
            &[("type", kind.as_str())],
            &payload,
            Repeat::WhenRefused,
            read_json,
        )
        .await
    }

    /// `POST /cgi-bin/material/get_material`: an image's, voice's or
    /// thumb's bytes (WeChat answers the file itself; JSON then means an
    /// error), a video's title, description and download URL, or a news
    /// material's articles.
    pub async fn get_material(&self, media_id: &MediaId) -> Result<MaterialBody, CallError> {
        let body = json_bytes(&MaterialIdRequest {
            media_id: media_id.clone(),
        })?;
        self.send(
            Endpoint::MaterialGet,
            &[],
            &Payload::Json(body),
            Repeat::Allowed,
            read_material,
        )
        .await
    }

    /// `POST /cgi-bin/material/del_material`. A repeat after an unknown
    /// outcome may find it gone (40007): the caller takes that as done.
    pub async fn delete_material(&self, media_id: &MediaId) -> Result<Ack, CallError> {
        let request = MaterialIdRequest {
            media_id: media_id.clone(),
        };
        self.call(Endpoint::MaterialDelete, Some(&request), Repeat::Allowed)
            .await
    }

    /// `POST /cgi-bin/media/uploadimg`: an image for an article's body,
    /// streamed; WeChat answers its URL. A repeat is harmless: another URL
    /// for the same image, outside the library and its cap.
    pub async fn upload_image(&self, upload: &Upload) -> Result<UploadImageResponse, CallError> {
        let payload = Payload::File {
            upload,
            texts: Vec::new(),
        };
        self.send(
            Endpoint::UploadImg,
            &[],
            &payload,
            Repeat::Allowed,
            read_json,
        )
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

    /// One logical call with a JSON body (or none).
    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: Option<&B>,
        repeat: Repeat,
    ) -> Result<T, CallError> {
        let payload = match body {
            Some(body) => Payload::Json(json_bytes(body)?),
            None => Payload::Empty,
        };
        self.send(endpoint, &[], &payload, repeat, read_json).await
    }

    /// One logical call: token, attempts, one token retry, transient retries.
    async fn send<T>(
        &self,
        endpoint: Endpoint,
        query: &[(&str, &str)],
        payload: &Payload<'_>,
        repeat: Repeat,
        read: Reader<T>,
    ) -> Result<T, CallError> {
        let policy = self.inner.config.retry;
        let span = tracing::info_span!("wechat call", endpoint = endpoint.path());
        async move {
            let mut failures = 0_u32;
            let mut token_refreshed = false;
            let mut first_unknown: Option<CallError> = None;
            loop {
                let (result, token) = self.attempt(endpoint, query, payload, read).await;
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
                let may_repeat = match repeat {
                    Repeat::Never => false,
                    Repeat::WhenRefused => !error.outcome_unknown(),
                    Repeat::Allowed | Repeat::SameClientMsgId => true,
                };
                if may_repeat && error.is_transient() && failures < policy.max_attempts {
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
    async fn attempt<T>(
        &self,
        endpoint: Endpoint,
        query: &[(&str, &str)],
        payload: &Payload<'_>,
        read: Reader<T>,
    ) -> (Result<T, CallError>, Option<CachedToken>) {
        let token = match self.inner.tokens.get().await {
            Ok(token) => token,
            Err(error) => return (Err(CallError::Token(error)), None),
        };
        let mut url = api_url(&self.inner.config.api_base, endpoint.path());
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("access_token", token.expose());
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        let mut request = self
            .inner
            .http
            .request(endpoint.method(), url)
            .timeout(self.inner.config.timeout);
        match payload {
            Payload::Empty => {}
            Payload::Json(body) => {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            Payload::File { upload, texts } => match upload.form(texts).await {
                Ok(form) => request = request.multipart(form),
                Err(error) => {
                    let error =
                        CallError::Unexpected(format!("cannot read the file to upload: {error}"));
                    return (Err(error), Some(token));
                }
            },
        }
        let secrets = [token.expose()];
        let result = match exchange_answer(request, &secrets).await {
            Ok(answer) => read(&answer, &secrets).map_err(CallError::from),
            Err(failure) => Err(CallError::from(failure)),
        };
        self.observer
            .attempted(endpoint, result.as_ref().map(|_| ()));
        (result, Some(token))
    }
}

/// A request body as JSON bytes.
fn json_bytes<B: Serialize>(body: &B) -> Result<Vec<u8>, CallError> {
    serde_json::to_vec(body).map_err(|e| CallError::Unexpected(format!("request body: {e}")))
}

/// `get_material`'s answer: JSON (an error, a video, news) or the file.
/// WeChat names a JSON answer by its `Content-Type`, and some of its
/// gateways send JSON as `text/plain`: a text answer that opens with `{`
/// is JSON too. A file of a kind the library holds never does.
fn read_material(answer: &Answer, secrets: &[&str]) -> Result<MaterialBody, Failure> {
    let content_type = answer.content_type.clone().unwrap_or_default();
    let lower = content_type.to_ascii_lowercase();
    let json = lower.contains("json")
        || ((lower.is_empty() || lower.starts_with("text/"))
            && answer.body.trim_ascii_start().starts_with(b"{"));
    if json {
        read_json::<MaterialJson>(answer, secrets).map(MaterialBody::from)
    } else {
        Ok(MaterialBody::File {
            content_type,
            bytes: answer.body.clone(),
        })
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

#[cfg(test)]
mod tests;
