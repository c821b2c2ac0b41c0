//! The HTTP side: one axum handler per WeChat endpoint, and the control
//! endpoints for tests.
//!
//! Every API answer is HTTP 200 with JSON, errors as `{errcode, errmsg}`
//! written by the protocol's `Envelope`, as WeChat does; only a chosen
//! `http(5xx)` scenario answers otherwise. Each handler decides under the
//! state's lock, then (outside it) waits, loses the answer, or starts the
//! job that will push the result.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{
    ConnectInfo, FromRequestParts, Multipart, OriginalUri, RawQuery, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use strum::VariantArray as _;
use subtle::ConstantTimeEq;

use super::config::AccountConfig;
use super::drafts;
use super::quota;
use super::rules;
use super::scenario::{Answer, Scenario};
use super::state::{
    Material, MpVideo, NewSend, News, PreviewRecord, State as SimState, Stored, StoredFile,
    control_name, endpoint_named, wechat_error, wechat_error_saying,
};
use super::whitelist::IpWhitelist;
use super::{Account, AccountKind, SimulatedAccount, Simulator};
use crate::wechat::Endpoint;
use crate::wechat::api::{
    Ack, AddMaterialResponse, DraftAddResponse, DraftBatchGetResponse, DraftCountResponse,
    DraftGetResponse, DraftItem, Envelope, MassGetResponse, MaterialBatchGetResponse,
    MaterialCount, MaterialItem, MaterialType, MaterialVideo, NewsContent, PageSize,
    PreviewResponse, SendAllResponse, TagsResponse, UploadImageResponse, UploadVideoResponse,
    VideoDescription,
};
use crate::wechat::errcode::ApiError;
use crate::wechat::limits::{self, Format, Limits, UploadKind};
use crate::wechat::types::{MediaId, MsgId, MsgType};
use crate::wechat::voice;

/// A query string as WeChat reads it: later duplicates win.
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    pub(super) fn parse(raw: Option<String>) -> Query {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// The address a call came from, when the server was started with
/// `ConnectInfo` (the console and `qunfa simulator` are); never refuses.
pub(crate) struct Peer(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        Ok(Peer(peer))
    }
}

/// What a call answers, before any chosen delay or loss.
pub(crate) enum Reply {
    Json(Value),
    Http(u16),
    /// A file's bytes, as `get_material` answers an image or a voice.
    File(StoredFile),
}

impl Reply {
    fn from_result<T: Serialize>(result: Result<T, ApiError>) -> Reply {
        match serde_json::to_value(Envelope(result)) {
            Ok(value) => Reply::Json(value),
            // Our own types always serialise; this is only a safe fallback.
            Err(_) => Reply::Json(json!({"errcode": -1, "errmsg": "system error"})),
        }
    }

    fn error(error: ApiError) -> Reply {
        Reply::from_result::<Ack>(Err(error))
    }

    /// The answer cut off: a `Content-Length` for the whole JSON but only
    /// its first half, so the server ends the connection mid-answer and
    /// the client reads nothing usable.
    fn lost(self) -> Response {
        let text = match self {
            Reply::Json(value) => value.to_string().into_bytes(),
            Reply::Http(status) => error_page(status).into_bytes(),
            Reply::File(file) => file.contiguous(),
        };
        let half = text[..text.len() / 2].to_vec();
        // A stream body has no known size, so the header below is believed.
        let body = Body::from_stream(Body::from(half).into_data_stream());
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, json_content_type());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
        response
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(value) => (
                [(header::CONTENT_TYPE, json_content_type())],
                value.to_string(),
            )
                .into_response(),
            Reply::Http(status) => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
                (
                    code,
                    [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
                    error_page(status),
                )
                    .into_response()
            }
            Reply::File(file) => file_response(&file),
        }
    }
}

/// WeChat's own content type for API answers.
fn json_content_type() -> HeaderValue {
    HeaderValue::from_static("application/json; encoding=utf-8")
}

/// What a gateway in front of WeChat shows for a 5xx.
fn error_page(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
    )
}

/// Parses a JSON object body; anything else is WeChat's 47001.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(wechat_error(47001)),
    }
}

/// Checks a mass send's body against the account.
pub(super) type Validate = fn(&SimState, &Map<String, Value>) -> Result<rules::ValidSend, ApiError>;

/// The outcome of a call, decided under the lock.
pub(crate) struct Decided {
    reply: Reply,
    answer: Option<Answer>,
    /// A job to finish (and push) in the background.
    job: Option<MsgId>,
}

impl Decided {
    fn reply(reply: Reply) -> Decided {
        Decided {
            reply,
            answer: None,
            job: None,
        }
    }
}

impl Simulator {
    /// Answers a decided call of `account`, waiting first or losing it as
    /// chosen.
    pub(super) async fn respond(&self, account: Arc<Account>, decided: Decided) -> Response {
        if let Some(msg_id) = decided.job {
            self.spawn_job(account, msg_id);
        }
        match decided.answer {
            Some(Answer::Slow(delay)) => {
                self.sleep_unless_shutdown(delay).await;
                decided.reply.into_response()
            }
            Some(Answer::Lose) => decided.reply.lost(),
            _ => decided.reply.into_response(),
        }
    }

    /// The common shape of every call but sendall and preview: count it
    /// on `account`, check the token (unless it is a token call), apply a
    /// queued answer, else do `work` on the account.
    fn call<T: Serialize>(
        &self,
        account: &Account,
        endpoint: Endpoint,
        query: &Query,
        needs_token: bool,
        work: impl FnOnce(&mut SimState, &AccountConfig, Duration) -> Result<T, ApiError>,
    ) -> Decided {
        self.call_replying(
            account,
            endpoint,
            query,
            needs_token,
            |state, config, now| Reply::from_result(work(state, config, now)),
        )
    }

    /// [`Simulator::call`] for work that makes its own reply (a file).
    fn call_replying(
        &self,
        account: &Account,
        endpoint: Endpoint,
        query: &Query,
        needs_token: bool,
        work: impl FnOnce(&mut SimState, &AccountConfig, Duration) -> Reply,
    ) -> Decided {
        let now = self.clock().now();
        let config = account.config();
        account.with_state(|state| {
            state.count(endpoint);
            if needs_token
                && let Err(error) = state.check_access_token(query.get("access_token"), now)
            {
                return Decided::reply(Reply::error(error));
            }
            match state.pop_scenario(endpoint).and_then(|s| s.answer) {
                Some(Answer::ErrCode(code)) => Decided::reply(Reply::error(wechat_error(code))),
                Some(Answer::Http(status)) => Decided::reply(Reply::Http(status)),
                answer => Decided {
                    reply: work(state, config, now),
                    answer,
                    job: None,
                },
            }
        })
    }

    /// The account a call acts on: the one its `access_token` names.
    /// A call that needs only its account's state: the account its token
    /// names, `work` under that account's lock, then the answer.
    pub(super) async fn answer<T: Serialize>(
        &self,
        raw: Option<String>,
        endpoint: Endpoint,
        needs_token: bool,
        work: impl FnOnce(&mut SimState, &AccountConfig, Duration) -> Result<T, ApiError>,
    ) -> Response {
        let query = Query::parse(raw);
        let account = self.account_of(&query);
        let decided = self.call(&account, endpoint, &query, needs_token, work);
        self.respond(account, decided).await
    }

    pub(super) fn account_of(&self, query: &Query) -> Arc<Account> {
        self.account_of_token(query.get("access_token"))
    }

    pub(crate) fn require_post(&self, endpoint: Endpoint, raw: Option<String>) -> Response {
        self.account_of(&Query::parse(raw))
            .with_state(|state| state.count(endpoint));
        Reply::error(wechat_error(43002)).into_response()
    }

    /// sendall: token, clientmsgid, body, scenario, record — in one lock,
    /// so two racing sends with one clientmsgid cannot both pass.
    fn decide_sendall(&self, account: &Account, query: &Query, body: &[u8]) -> Decided {
        self.decide_mass(
            account,
            query,
            body,
            Endpoint::SendAll,
            rules::validate_sendall,
        )
    }

    /// A mass send, to everyone or a tag (`sendall`) or to a list
    /// (`mass/send`): the same steps, the body checked by `validate`.
    pub(super) fn decide_mass(
        &self,
        account: &Account,
        query: &Query,
        body: &[u8],
        endpoint: Endpoint,
        validate: Validate,
    ) -> Decided {
        let now = self.clock().now();
        let rules = AccountRules {
            overseas: account.config().overseas,
            quota: account.quota_kind(),
        };
        account.with_state(|state| {
            state.count(endpoint);
            match Self::sendall_locked(state, query, body, now, rules, endpoint, validate) {
                Ok(decided) => decided,
                Err(error) => Decided::reply(Reply::error(error)),
            }
        })
    }

    fn sendall_locked(
        state: &mut SimState,
        query: &Query,
        body: &[u8],
        now: Duration,
        AccountRules { overseas, quota }: AccountRules,
        endpoint: Endpoint,
        validate: Validate,
    ) -> Result<Decided, ApiError> {
        state.check_access_token(query.get("access_token"), now)?;
        let body = json_object(body)?;
        // The seed: overseas accounts mass-send articles only. It names no
        // errcode; 48001 (api unauthorized) is WeChat's answer to a call
        // the account has no right to make.
        if overseas && body.get("msgtype").and_then(Value::as_str) != Some("mpnews") {
            return Err(wechat_error(48001));
        }
        // The clientmsgid comes first: a retry of a send whose draft is
        // used up must still learn its msg_id (45065), not 40007.
        let given = rules::clientmsgid(&body)?;
        if let Some(id) = &given
            && let Some(error) = state.duplicate(id, now)
        {
            return Err(error);
        }
        let valid = validate(state, &body)?;
        let clientmsgid = match given {
            Some(id) => id,
            None => {
                let id = rules::auto_clientmsgid(&valid.request);
                if let Some(error) = state.duplicate(&id, now) {
                    return Err(error);
                }
                id
            }
        };
        // A queued scenario beats the content's markers, which beat a
        // scenario draft's own.
        let scenario = match state.pop_scenario(endpoint) {
            Some(queued) => valid.scenario.clone().overridden_by(queued),
            None => valid.scenario.clone(),
        };
        let mut submitted_at = now;
        match scenario.answer {
            // "Someone already sent this": record it a while back, so the
            // answer carries a real msg_id and its push follows.
            Some(Answer::ErrCode(45065)) => {
                submitted_at = now.saturating_sub(Duration::from_secs(120));
            }
            Some(Answer::ErrCode(code)) => return Err(wechat_error(code)),
            Some(Answer::Http(status)) => return Ok(Decided::reply(Reply::Http(status))),
            _ => {}
        }
        // A send recorded as made earlier (45065 above) was within its
        // quota then; any other needs some left now. A list send
        // (`mass/send`) is not counted against the account.
        if let Some(kind) = quota
            && submitted_at == now
            && endpoint == Endpoint::SendAll
        {
            quota::check_sendall(state, kind, valid.request.filter.is_to_all(), now)?;
        }
        let is_news = valid.request.message.msg_type() == MsgType::MpNews;
        let audience = valid.audience;
        let job = state.record_send(NewSend {
            clientmsgid,
            request: valid.request,
            audience,
            articles: valid.articles,
            draft: valid.draft,
            scenario: scenario.clone(),
            submitted_at,
            awaiting_admin: scenario.admin.is_some(),
            list: valid.list,
        });
        let (msg_id, msg_data_id) = (job.msg_id, job.msg_data_id);
        tracing::info!(%msg_id, audience, scenario = %scenario, "simulated WeChat accepted a mass send");
        let reply = if scenario.answer == Some(Answer::ErrCode(45065)) {
            let mut error = wechat_error(45065);
            error.msg_id = Some(msg_id);
            Reply::error(error)
        } else if let Some(admin) = scenario.admin {
            Reply::error(wechat_error(admin.code))
        } else {
            Reply::from_result(Ok(SendAllResponse {
                errmsg: Some("send job submission success".to_owned()),
                msg_id,
                msg_data_id: msg_data_id.filter(|_| is_news),
            }))
        };
        Ok(Decided {
            reply,
            answer: scenario.answer,
            job: Some(msg_id),
        })
    }

    fn decide_preview(&self, account: &Account, query: &Query, body: &[u8]) -> Decided {
        let now = self.clock().now();
        account.with_state(|state| {
            state.count(Endpoint::Preview);
            let valid = state
                .check_access_token(query.get("access_token"), now)
                .and_then(|()| json_object(body))
                .and_then(|body| rules::validate_preview(state, &body));
            let valid = match valid {
                Ok(valid) => valid,
                Err(error) => return Decided::reply(Reply::error(error)),
            };
            let scenario = match state.pop_scenario(Endpoint::Preview) {
                Some(queued) => valid.scenario.overridden_by(queued),
                None => valid.scenario,
            };
            match scenario.answer {
                Some(Answer::ErrCode(code)) => Decided::reply(Reply::error(wechat_error(code))),
                Some(Answer::Http(status)) => Decided::reply(Reply::Http(status)),
                answer => {
                    state.record_preview(PreviewRecord {
                        request: valid.request,
                    });
                    // WeChat answers a preview without a msg_id: it is no
                    // send, nothing follows it.
                    Decided {
                        reply: Reply::from_result(Ok(PreviewResponse {
                            errmsg: Some("preview success".to_owned()),
                            msg_id: None,
                        })),
                        answer,
                        job: None,
                    }
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Access tokens

/// AppID then secret, as WeChat checks them; the secret in constant time.
/// `config` is the account with that AppID, or the first when none has it.
fn check_credentials(
    config: &AccountConfig,
    grant_type: Option<&str>,
    appid: Option<&str>,
    secret: Option<&str>,
) -> Result<(), ApiError> {
    if grant_type != Some("client_credential") {
        return Err(wechat_error(40002));
    }
    let appid = appid
        .filter(|a| !a.is_empty())
        .ok_or_else(|| wechat_error(41002))?;
    if appid != config.appid {
        return Err(wechat_error(40013));
    }
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or_else(|| wechat_error(41004))?;
    let expected = config.secret.expose_secret().as_bytes();
    if !bool::from(secret.as_bytes().ct_eq(expected)) {
        return Err(wechat_error(40125));
    }
    Ok(())
}

/// The account's IP whitelist, after the AppID and secret: a token call
/// from an address not on it is 40164.
fn admit(state: &SimState, peer: Option<IpAddr>) -> Result<(), ApiError> {
    match state.ip_whitelist.as_ref().and_then(|w| w.refusal(peer)) {
        Some(errmsg) => Err(wechat_error_saying(40164, &errmsg)),
        None => Ok(()),
    }
}

/// The account a token call names by its AppID; the first when none has
/// it (which then answers 40013 and counts the call).
fn account_named(sim: &Simulator, appid: Option<&str>) -> Arc<Account> {
    appid
        .and_then(|appid| sim.account_with_appid(appid))
        .unwrap_or_else(|| sim.first())
}

pub(crate) async fn token(
    State(sim): State<Simulator>,
    Peer(peer): Peer,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw);
    let account = account_named(&sim, query.get("appid"));
    let lifetime = sim.config().token_lifetime;
    let decided = sim.call(
        &account,
        Endpoint::Token,
        &query,
        false,
        |state, config, now| {
            check_credentials(
                config,
                query.get("grant_type"),
                query.get("appid"),
                query.get("secret"),
            )?;
            admit(state, peer)?;
            Ok(state.issue_classic_token(now, lifetime))
        },
    );
    sim.respond(account, decided).await
}

pub(crate) async fn stable_token(
    State(sim): State<Simulator>,
    Peer(peer): Peer,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let query = Query::parse(raw);
    let appid = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("appid").and_then(Value::as_str).map(str::to_owned));
    let account = account_named(&sim, appid.as_deref());
    let lifetime = sim.config().token_lifetime;
    let decided = sim.call(
        &account,
        Endpoint::StableToken,
        &query,
        false,
        |state, config, now| {
            let body = json_object(&body)?;
            let text = |key: &str| body.get(key).and_then(Value::as_str);
            check_credentials(config, text("grant_type"), text("appid"), text("secret"))?;
            admit(state, peer)?;
            let force_refresh = match body.get("force_refresh") {
                None | Some(Value::Null) => false,
                Some(v) => rules::loose_bool(v).ok_or_else(|| wechat_error(47001))?,
            };
            Ok(state.issue_stable_token(now, lifetime, force_refresh))
        },
    );
    sim.respond(account, decided).await
}

// ---------------------------------------------------------------------------
// Audience

pub(crate) async fn tags_get(State(sim): State<Simulator>, RawQuery(raw): RawQuery) -> Response {
    sim.answer(raw, Endpoint::TagsGet, true, |state, _, _| {
        Ok(TagsResponse {
            tags: state.tags.clone(),
        })
    })
    .await
}

/// `user/get`'s answer; the protocol module has no type for it yet.
#[derive(Serialize)]
struct UserGetResponse {
    total: u64,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<OpenIdList>,
    next_openid: String,
}

#[derive(Serialize)]
struct OpenIdList {
    openid: Vec<String>,
}

/// At most this many OpenIDs per page, as WeChat.
const USER_PAGE: u64 = 10_000;

pub(crate) async fn user_get(State(sim): State<Simulator>, RawQuery(raw): RawQuery) -> Response {
    let query = Query::parse(raw);
    let account = sim.account_of(&query);
    let decided = sim.call(&account, Endpoint::UserGet, &query, true, |state, _, _| {
        let start = match query.get("next_openid").filter(|s| !s.is_empty()) {
            None => 0,
            Some(openid) => state
                .follower_index(openid)
                .filter(|i| *i < state.followers)
                .ok_or_else(|| wechat_error(40003))?
                .saturating_add(1),
        };
        let end = state.followers.min(start.saturating_add(USER_PAGE));
        let openids: Vec<String> = (start..end).map(|i| state.follower_openid(i)).collect();
        Ok(UserGetResponse {
            total: state.followers,
            count: end.saturating_sub(start),
            next_openid: openids.last().cloned().unwrap_or_default(),
            data: (!openids.is_empty()).then_some(OpenIdList { openid: openids }),
        })
    });
    sim.respond(account, decided).await
}

// ---------------------------------------------------------------------------
// The mass-send family

pub(crate) async fn sendall(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let query = Query::parse(raw);
    let account = sim.account_of(&query);
    let decided = sim.decide_sendall(&account, &query, &body);
    sim.respond(account, decided).await
}

pub(crate) async fn preview(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let query = Query::parse(raw);
    let account = sim.account_of(&query);
    let decided = sim.decide_preview(&account, &query, &body);
    sim.respond(account, decided).await
}

/// A msg_id as number or string of digits; anything else is 40059.
fn msg_id_of(body: &Map<String, Value>) -> Result<MsgId, ApiError> {
    body.get("msg_id")
        .and_then(|v| MsgId::deserialize(v).ok())
        .ok_or_else(|| wechat_error(40059))
}

pub(crate) async fn mass_get(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::MassGet, true, |state, _, _| {
        let msg_id = msg_id_of(&json_object(&body)?)?;
        let job = state
            .jobs
            .get(&msg_id.get())
            .ok_or_else(|| wechat_error(40059))?;
        Ok(MassGetResponse {
            msg_id,
            msg_status: job.mass_status(),
        })
    })
    .await
}

pub(crate) async fn mass_delete(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::MassDelete, true, |state, _, now| {
        delete(state, &json_object(&body)?, now)
    })
    .await
}

/// mass/delete: only a successful `mpnews` or `mpvideo` send; by msg_id
/// with `article_idx` (1-based; 0 or absent: all), or by article URL.
/// Unknown, unfinished, failed or already wholly deleted sends are 40059;
/// an index past the end or an article already deleted is 40060.
fn delete(state: &mut SimState, body: &Map<String, Value>, now: Duration) -> Result<Ack, ApiError> {
    let by_url = body
        .get("url")
        .and_then(Value::as_str)
        .filter(|_| !body.contains_key("msg_id"));
    let (msg_id, idx) = match by_url {
        Some(url) => state
            .jobs
            .values()
            .find_map(|job| {
                let position = job.article_urls.iter().position(|u| u == url)?;
                Some((job.msg_id, u32::try_from(position + 1).ok()?))
            })
            .ok_or_else(|| wechat_error(40059))?,
        None => {
            let idx = match body.get("article_idx") {
                None | Some(Value::Null) => 0,
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| wechat_error(40060))?,
            };
            (msg_id_of(body)?, idx)
        }
    };
    let job = state
        .jobs
        .get_mut(&msg_id.get())
        .ok_or_else(|| wechat_error(40059))?;
    let all = job.deletable_articles();
    let succeeded = matches!(&job.phase, super::state::Phase::Finished(s) if s.is_success());
    if all == 0 || !succeeded || job.deleted.len() >= usize::try_from(all).unwrap_or(usize::MAX) {
        return Err(wechat_error(40059));
    }
    if idx > all {
        return Err(wechat_error(40060));
    }
    if idx == 0 {
        for idx in 1..=all {
            job.deleted.entry(idx).or_insert(now);
        }
    } else if job.deleted.contains_key(&idx) {
        return Err(wechat_error(40060));
    } else {
        job.deleted.insert(idx, now);
    }
    Ok(Ack {
        errmsg: Some("ok".to_owned()),
    })
}

// ---------------------------------------------------------------------------
// Pickers

/// `offset` (default 0) and `count` (1–20) of the batchget calls; WeChat
/// answers 40035 to a count out of range.
fn page(body: &Map<String, Value>) -> Result<(usize, usize), ApiError> {
    let offset = match body.get("offset") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or_else(|| wechat_error(40035))?,
    };
    let count = body
        .get("count")
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n).ok())
        .and_then(|n| PageSize::new(n).ok())
        .ok_or_else(|| wechat_error(40035))?;
    Ok((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::from(count.get()),
    ))
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

pub(crate) async fn draft_batchget(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::DraftBatchGet, true, |state, _, _| {
        let body = json_object(&body)?;
        let (offset, count) = page(&body)?;
        let no_content = match body.get("no_content") {
            None | Some(Value::Null) => false,
            Some(v) => rules::loose_bool(v).ok_or_else(|| wechat_error(47001))?,
        };
        let item: Vec<DraftItem> = state
            .drafts
            .iter()
            .skip(offset)
            .take(count)
            .map(|draft| DraftItem {
                media_id: draft.media_id.clone(),
                content: NewsContent {
                    news_item: draft
                        .articles
                        .iter()
                        .cloned()
                        .map(|mut a| {
                            if no_content {
                                a.content = None;
                            }
                            a
                        })
                        .collect(),
                    create_time: Some(draft.update_time),
                    update_time: Some(draft.update_time),
                },
                update_time: Some(draft.update_time),
            })
            .collect();
        Ok(DraftBatchGetResponse {
            total_count: to_u64(state.drafts.len()),
            item_count: to_u64(item.len()),
            item,
        })
    })
    .await
}

fn unix_secs(now: Duration) -> i64 {
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}

/// The draft a body's `media_id` names: its place in the box, else 40007.
fn named_draft(state: &SimState, body: &Map<String, Value>) -> Result<usize, ApiError> {
    body.get("media_id")
        .and_then(Value::as_str)
        .and_then(|id| state.draft_position(id))
        .ok_or_else(|| wechat_error(40007))
}

/// `draft/add`: 1 to 8 articles, each within WeChat's limits, stored as
/// WeChat keeps them (see `drafts::accept`), first in the box.
pub(crate) async fn draft_add(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::DraftAdd, true, |state, _, now| {
        let body = json_object(&body)?;
        let articles = drafts::articles_of(&body)?;
        let media_id = state.new_draft_id();
        let single = articles.len() == 1;
        let stored = articles
            .iter()
            .enumerate()
            .map(|(i, article)| {
                let url = state.draft_preview_url(&media_id, i);
                drafts::accept(state, article, single, url)
            })
            .collect::<Result<Vec<_>, _>>()?;
        state.store_draft(News {
            media_id: media_id.clone(),
            articles: stored,
            update_time: unix_secs(now),
            scenario: None,
        })?;
        Ok(DraftAddResponse { media_id })
    })
    .await
}

/// `draft/get`: the draft's articles, each with its preview `url`.
pub(crate) async fn draft_get(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::DraftGet, true, |state, _, _| {
        let body = json_object(&body)?;
        let at = named_draft(state, &body)?;
        Ok(DraftGetResponse {
            news_item: state.drafts[at].articles.clone(),
        })
    })
    .await
}

/// `draft/update`: one article (`articles` is an object) replaces the one
/// at `index` (0-based); a draft or index that is not there is 40007. The
/// draft becomes the newest.
pub(crate) async fn draft_update(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::DraftUpdate, true, |state, _, now| {
        let body = json_object(&body)?;
        let at = named_draft(state, &body)?;
        let index = match body.get("index") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
        .ok_or_else(|| wechat_error(47001))?;
        let mut draft = state.drafts[at].clone();
        let index = usize::try_from(index)
            .ok()
            .filter(|&i| i < draft.articles.len())
            .ok_or_else(|| wechat_error(40007))?;
        let article = drafts::article_of(body.get("articles").unwrap_or(&Value::Null))?;
        let url = state.draft_preview_url(&draft.media_id, index);
        let single = draft.articles.len() == 1;
        draft.articles[index] = drafts::accept(state, &article, single, url)?;
        draft.update_time = unix_secs(now);
        state.store_draft(draft)?;
        Ok(Ack {
            errmsg: Some("ok".to_owned()),
        })
    })
    .await
}

/// `draft/delete`: gone for good; a draft that is not there is 40007.
pub(crate) async fn draft_delete(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::DraftDelete, true, |state, _, _| {
        let body = json_object(&body)?;
        let at = named_draft(state, &body)?;
        state.drafts.remove(at);
        Ok(Ack {
            errmsg: Some("ok".to_owned()),
        })
    })
    .await
}

pub(crate) async fn draft_count(State(sim): State<Simulator>, RawQuery(raw): RawQuery) -> Response {
    sim.answer(raw, Endpoint::DraftCount, true, |state, _, _| {
        Ok(DraftCountResponse {
            total_count: to_u64(state.drafts.len()),
        })
    })
    .await
}

pub(crate) async fn batchget_material(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::MaterialBatchGet, true, |state, _, _| {
        let body = json_object(&body)?;
        let kind = body
            .get("type")
            .and_then(|v| MaterialType::deserialize(v).ok())
            .ok_or_else(|| wechat_error(40004))?;
        let (offset, count) = page(&body)?;
        let (total, item): (usize, Vec<MaterialItem>) = match kind {
            MaterialType::News => (
                state.news.len(),
                state
                    .news
                    .iter()
                    .skip(offset)
                    .take(count)
                    .map(|n| MaterialItem {
                        media_id: n.media_id.clone(),
                        name: None,
                        update_time: Some(n.update_time),
                        url: None,
                        content: Some(NewsContent {
                            news_item: n.articles.clone(),
                            create_time: Some(n.update_time),
                            update_time: Some(n.update_time),
                        }),
                    })
                    .collect(),
            ),
            MaterialType::Image | MaterialType::Voice | MaterialType::Video => {
                let list = match kind {
                    MaterialType::Image => &state.images,
                    MaterialType::Voice => &state.voices,
                    _ => &state.videos,
                };
                (
                    list.len(),
                    list.iter()
                        .skip(offset)
                        .take(count)
                        .map(|m| MaterialItem {
                            media_id: m.media_id.clone(),
                            name: Some(m.name.clone()),
                            update_time: Some(m.update_time),
                            url: m.url.clone(),
                            content: None,
                        })
                        .collect(),
                )
            }
        };
        Ok(MaterialBatchGetResponse {
            total_count: to_u64(total),
            item_count: to_u64(item.len()),
            item,
        })
    })
    .await
}

pub(crate) async fn material_count(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.answer(raw, Endpoint::MaterialCount, true, |state, _, _| {
        Ok(MaterialCount {
            voice_count: to_u64(state.voices.len()),
            video_count: to_u64(state.videos.len()),
            image_count: to_u64(state.images.len()),
            news_count: to_u64(state.news.len()),
        })
    })
    .await
}

// ---------------------------------------------------------------------------
// material/add_material, get_material, del_material, media/uploadimg

/// The largest request body an upload may have; past it the reading stops
/// and the answer is 45001. Each kind's own limit is checked first, on the
/// file itself.
pub(crate) const MAX_UPLOAD_BODY: usize = 24 * 1024 * 1024;

/// A file field as it arrived.
struct ReceivedFile {
    name: String,
    content_type: String,
    chunks: Vec<Bytes>,
    len: u64,
    /// Longer than the kind's limit: the rest was read and dropped.
    over: bool,
}

impl ReceivedFile {
    /// The first bytes, enough to tell the format.
    fn head(&self) -> Vec<u8> {
        let mut head = Vec::with_capacity(32);
        for chunk in &self.chunks {
            head.extend_from_slice(&chunk[..chunk.len().min(32 - head.len())]);
            if head.len() >= 32 {
                break;
            }
        }
        head
    }

    fn into_stored(self) -> StoredFile {
        StoredFile {
            content_type: self.content_type,
            chunks: self.chunks,
            len: self.len,
        }
    }
}

/// An upload's form: the `media` file and the `description` text.
#[derive(Default)]
struct ReceivedForm {
    media: Option<ReceivedFile>,
    description: Option<String>,
}

/// Reads a multipart upload, keeping at most `max_bytes` of the `media`
/// field (the rest is read and dropped, so the client hears the answer
/// rather than a broken connection). A body that is not a form: 41005;
/// one past [`MAX_UPLOAD_BODY`]: 45001.
async fn receive(
    multipart: Result<Multipart, MultipartRejection>,
    max_bytes: u64,
) -> Result<ReceivedForm, ApiError> {
    let mut multipart = multipart.map_err(|_| wechat_error(41005))?;
    let mut form = ReceivedForm::default();
    // Past the body limit: 45001; a body that is no form: no media.
    let too_large = |e: axum::extract::multipart::MultipartError| {
        wechat_error(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            45001
        } else {
            41005
        })
    };
    while let Some(mut field) = multipart.next_field().await.map_err(too_large)? {
        match field.name() {
            Some("media") if form.media.is_none() => {
                let mut file = ReceivedFile {
                    name: field.file_name().unwrap_or_default().to_owned(),
                    content_type: field
                        .content_type()
                        .unwrap_or("application/octet-stream")
                        .to_owned(),
                    chunks: Vec::new(),
                    len: 0,
                    over: false,
                };
                while let Some(chunk) = field.chunk().await.map_err(too_large)? {
                    file.len += chunk.len() as u64;
                    if file.len > max_bytes {
                        file.over = true;
                        file.chunks.clear();
                    } else {
                        file.chunks.push(chunk);
                    }
                }
                form.media = Some(file);
            }
            Some("description") => {
                form.description = Some(field.text().await.map_err(too_large)?);
            }
            _ => while field.chunk().await.map_err(too_large)?.is_some() {},
        }
    }
    Ok(form)
}

/// WeChat's checks of a file for `limits`: 41005 none, 44001 empty, 40005
/// a format the kind does not take, judged by content AND by the name's
/// extension (a name without one, or one that names another format, is
/// refused too), then `size_code` past the size.
fn check_file(
    file: Option<&ReceivedFile>,
    limits: &Limits,
    size_code: i64,
) -> Result<Format, ApiError> {
    let file = file.ok_or_else(|| wechat_error(41005))?;
    if file.len == 0 {
        return Err(wechat_error(44001));
    }
    if file.over {
        return Err(wechat_error(size_code));
    }
    let by_content = Format::sniff(&file.head());
    let by_name = Format::from_name(&file.name);
    match (by_content, by_name) {
        (Some(content), Some(name)) if content == name && limits.takes(content) => Ok(content),
        _ => Err(wechat_error(40005)),
    }
}

/// Where this simulator is reached from the caller's side (`http://host`
/// plus the prefix it is nested under, such as `/sim`): the URLs it hands
/// out for images point back at itself.
fn served_base(headers: &HeaderMap, original: &Uri, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let prefix = original.path().strip_suffix(uri.path()).unwrap_or_default();
    format!("http://{host}{prefix}")
}

/// A new media id for an upload of `kind`.
fn new_media_id(prefix: &str) -> Result<MediaId, ApiError> {
    MediaId::parse(format!(
        "{prefix}{:032x}{:012x}",
        rand::random::<u128>(),
        rand::random::<u64>() >> 16
    ))
    .map_err(|_| wechat_error(-1))
}

/// Drops the materials whose files the store pushed out.
fn forget_evicted(state: &mut SimState, evicted: &[String]) {
    for list in [&mut state.images, &mut state.voices, &mut state.videos] {
        list.retain(|m| !evicted.iter().any(|id| id == m.media_id.as_str()));
    }
}

pub(crate) async fn add_material(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let kind = Query::parse(raw.clone())
        .get("type")
        .and_then(UploadKind::parse);
    let max_bytes = kind.map_or(0, |k| k.limits().max_bytes);
    let received = receive(multipart, max_bytes).await;
    let base = served_base(&headers, &original, &uri);
    sim.answer(raw, Endpoint::MaterialAdd, true, move |state, _, now| {
        let kind = kind.ok_or_else(|| wechat_error(40004))?;
        let mut form = received?;
        let size_code = match kind {
            UploadKind::Image => 40009,
            UploadKind::Voice => 40010,
            UploadKind::Video => 40011,
            UploadKind::Thumb => 40012,
        };
        let format = check_file(form.media.as_ref(), kind.limits(), size_code)?;
        let mut file = form.media.take().ok_or_else(|| wechat_error(41005))?;
        format.mime().clone_into(&mut file.content_type);
        if let Some(max) = kind.limits().max_seconds {
            let bytes: Vec<u8> = file.chunks.concat();
            let seconds =
                voice::voice_seconds(format, &bytes).ok_or_else(|| wechat_error(40005))?;
            if seconds > f64::from(max) + 0.5 {
                return Err(wechat_error(45007));
            }
        }
        let video = match kind {
            UploadKind::Video => Some(
                form.description
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<VideoDescription>(d).ok())
                    .ok_or_else(|| wechat_error(47001))?,
            ),
            _ => None,
        };
        let media_id = new_media_id(match kind {
            UploadKind::Image => "SIMi",
            UploadKind::Voice => "SIMa",
            UploadKind::Video => "SIMv",
            UploadKind::Thumb => "SIMt",
        })?;
        let url = matches!(kind, UploadKind::Image | UploadKind::Thumb)
            .then(|| format!("{base}/mmbiz/{media_id}"));
        let name = video
            .as_ref()
            .map(|v| v.title.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| file.name.clone());
        let material = Material {
            media_id: media_id.clone(),
            name,
            update_time: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
            url: url.clone(),
        };
        // Newest first, as batchget_material lists them.
        match kind {
            UploadKind::Image | UploadKind::Thumb => state.images.insert(0, material),
            UploadKind::Voice => state.voices.insert(0, material),
            UploadKind::Video => state.videos.insert(0, material),
        }
        let stored = Stored::Material {
            file: file.into_stored(),
            video,
        };
        let evicted = state.files.insert(media_id.as_str().to_owned(), stored);
        forget_evicted(state, &evicted);
        Ok(AddMaterialResponse { media_id, url })
    })
    .await
}

pub(crate) async fn upload_img(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let received = receive(multipart, limits::BODY_IMAGE.max_bytes).await;
    let base = served_base(&headers, &original, &uri);
    sim.answer(raw, Endpoint::UploadImg, true, move |state, _, _| {
        let mut form = received?;
        let format = check_file(form.media.as_ref(), &limits::BODY_IMAGE, 40009)?;
        let mut file = form.media.take().ok_or_else(|| wechat_error(41005))?;
        format.mime().clone_into(&mut file.content_type);
        let id = new_media_id("SIMb")?.into_string();
        let url = format!("{base}/mmbiz/{id}");
        let evicted = state
            .files
            .insert(id, Stored::BodyImage(file.into_stored()));
        forget_evicted(state, &evicted);
        Ok(UploadImageResponse { url })
    })
    .await
}

/// The material a `{media_id}` body names, as `get_material` answers it.
fn material_reply(state: &SimState, body: &[u8], base: &str) -> Result<Reply, ApiError> {
    let body = json_object(body)?;
    let id = body
        .get("media_id")
        .and_then(Value::as_str)
        .ok_or_else(|| wechat_error(40007))?;
    if let Some(news) = state.news.iter().find(|n| n.media_id.as_str() == id) {
        return Ok(Reply::Json(json!({ "news_item": news.articles })));
    }
    let found = |list: &[Material]| list.iter().find(|m| m.media_id.as_str() == id).cloned();
    if let Some(video) = found(&state.videos) {
        let description = match state.files.get(id) {
            Some(Stored::Material { video: Some(v), .. }) => v.clone(),
            _ => VideoDescription {
                title: video.name.clone(),
                introduction: String::new(),
            },
        };
        let answer = MaterialVideo {
            title: description.title,
            description: description.introduction,
            down_url: format!("{base}/mmbiz/{id}"),
        };
        return Ok(Reply::from_result::<MaterialVideo>(Ok(answer)));
    }
    if found(&state.images).is_some() || found(&state.voices).is_some() {
        let file = match state.files.get(id) {
            Some(stored) => stored.file().clone(),
            // A fixture has no upload: a small picture or a second of
            // silence stands in for it.
            None if found(&state.images).is_some() => StoredFile {
                content_type: "image/bmp".into(),
                chunks: vec![Bytes::from(placeholder_bmp(id))],
                len: 0,
            },
            None => StoredFile {
                content_type: "audio/amr".into(),
                chunks: vec![Bytes::from(voice::samples::amr(1))],
                len: 0,
            },
        };
        return Ok(Reply::File(file));
    }
    if state.mpvideos.iter().any(|v| v.media_id.as_str() == id) {
        // A converted video is not a permanent material.
        return Err(wechat_error(46001));
    }
    Err(wechat_error(40007))
}

pub(crate) async fn get_material(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = served_base(&headers, &original, &uri);
    let query = Query::parse(raw);
    let account = sim.account_of(&query);
    let decided = sim.call_replying(
        &account,
        Endpoint::MaterialGet,
        &query,
        true,
        |state, _, _| material_reply(state, &body, &base).unwrap_or_else(Reply::error),
    );
    sim.respond(account, decided).await
}

pub(crate) async fn del_material(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::MaterialDelete, true, |state, _, _| {
        let body = json_object(&body)?;
        let id = body
            .get("media_id")
            .and_then(Value::as_str)
            .ok_or_else(|| wechat_error(40007))?;
        let before =
            state.images.len() + state.voices.len() + state.videos.len() + state.news.len();
        for list in [&mut state.images, &mut state.voices, &mut state.videos] {
            list.retain(|m| m.media_id.as_str() != id);
        }
        state.news.retain(|n| n.media_id.as_str() != id);
        let after = state.images.len() + state.voices.len() + state.videos.len() + state.news.len();
        if before == after {
            return Err(wechat_error(40007));
        }
        state.files.remove(id);
        Ok(Ack {
            errmsg: Some("ok".to_owned()),
        })
    })
    .await
}

/// `GET /mmbiz/{id}`: a file this simulator handed out a URL for. Like
/// WeChat's image hosts, it refuses a page of another site: a request
/// whose `Referer` is not on a `qq.com` host gets 403, so a console must
/// show its own copy (or fetch it server-side, which sends no Referer).
pub(crate) async fn serve_file(
    State(sim): State<Simulator>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let referer_host = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .map(|r| {
            url::Url::parse(r)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
        });
    let allowed = match referer_host {
        None => true,
        Some(Some(host)) => host == "qq.com" || host.ends_with(".qq.com"),
        Some(None) => false,
    };
    if !allowed {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "此图片来自微信公众平台，未经允许不可引用 (this image may not be shown on another site)",
        )
            .into_response();
    }
    let file = sim.accounts().iter().find_map(|a| {
        a.account
            .with_state(|s| s.files.get(&id).map(|f| f.file().clone()))
    });
    match file {
        Some(file) => file_response(&file),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A file's answer, its chunks streamed as they were stored.
fn file_response(file: &StoredFile) -> Response {
    let chunks: Vec<Result<Bytes, Infallible>> = file.chunks.iter().cloned().map(Ok).collect();
    let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    if let Ok(value) = HeaderValue::from_str(&file.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A 48×48 picture in one colour made from `id`, for a fixture image.
fn placeholder_bmp(id: &str) -> Vec<u8> {
    let hash = id.bytes().fold(0x811C_9DC5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let [r, g, b, _] = hash.to_le_bytes();
    let (width, height) = (48u32, 48u32);
    let row = width * 3;
    let pixels = row * height;
    let mut out = Vec::with_capacity(54 + pixels as usize);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(54 + pixels).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0u8; 24]);
    for _ in 0..width * height {
        out.extend_from_slice(&[b | 0x40, g | 0x40, r | 0x40]);
    }
    out
}

/// Converted videos kept at most; the oldest uploads go first.
const MAX_MPVIDEOS: usize = 1_000;

pub(crate) async fn upload_video(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::UploadVideo, true, |state, _, now| {
        let body = json_object(&body)?;
        let source = body.get("media_id").and_then(Value::as_str);
        if !source.is_some_and(|id| state.videos.iter().any(|v| v.media_id.as_str() == id)) {
            return Err(wechat_error(40007));
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or("");
        let media_id = MediaId::parse(format!(
            "SIMv{:032x}{:028x}",
            rand::random::<u128>(),
            rand::random::<u128>() >> 16
        ))
        .map_err(|_| wechat_error(-1))?;
        if state.mpvideos.len() >= MAX_MPVIDEOS {
            // Keep the fixtures; drop the oldest upload.
            let first_upload = state.fixed_mpvideos().min(state.mpvideos.len() - 1);
            state.mpvideos.remove(first_upload);
        }
        state.mpvideos.push(MpVideo {
            media_id: media_id.clone(),
            scenario: Scenario::from_markers(&format!("{} {}", text("title"), text("description"))),
        });
        Ok(UploadVideoResponse {
            media_type: Some("video".to_owned()),
            media_id,
            created_at: i64::try_from(now.as_secs()).ok(),
        })
    })
    .await
}

// ---------------------------------------------------------------------------
// Control endpoints (not WeChat's): for tests and demos

#[derive(Deserialize)]
pub(crate) struct ScenarioRequest {
    /// Items of the scenario language, e.g. `"slow(2) err(10001)"`.
    scenario: String,
    /// Which endpoint's next call it applies to; `sendall` by default.
    #[serde(default)]
    endpoint: Option<String>,
    /// How many calls in a row it applies to (1–100); 1 by default.
    #[serde(default)]
    times: Option<u32>,
}

pub(super) fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// Lets through requests whose peer is a loopback address (IPv4, IPv6 or
/// IPv4-mapped); refuses the rest, and every request served without a peer
/// address (`ConnectInfo`), so a missing setup fails closed.
pub(crate) async fn loopback_only(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let peer = ConnectInfo::<SocketAddr>::from_request_parts(&mut parts, &())
        .await
        .ok()
        .map(|ConnectInfo(peer)| peer);
    if !peer.is_some_and(|peer| peer.ip().to_canonical().is_loopback()) {
        return control_error(
            StatusCode::FORBIDDEN,
            "the simulator's control endpoints answer requests from loopback (this machine) only",
        );
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The account a control request addresses: `?appid=`, or the first; a
/// 404 that says so for an AppID no account has.
pub(super) fn addressed(
    sim: &Simulator,
    raw: Option<String>,
) -> Result<SimulatedAccount, NoSuchAccount> {
    match Query::parse(raw).get("appid").filter(|a| !a.is_empty()) {
        None => Ok(sim.first_account()),
        Some(appid) => sim
            .account(appid)
            .ok_or_else(|| NoSuchAccount(appid.to_owned())),
    }
}

/// `?appid=` names no account.
pub(crate) struct NoSuchAccount(String);

impl IntoResponse for NoSuchAccount {
    fn into_response(self) -> Response {
        control_error(
            StatusCode::NOT_FOUND,
            format!(
                "no simulated account has the AppID {:?} (GET /control/accounts lists them)",
                self.0
            ),
        )
    }
}

pub(crate) async fn control_scenario(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let account = match addressed(&sim, raw) {
        Ok(account) => account,
        Err(missing) => return missing.into_response(),
    };
    let Ok(request) = serde_json::from_slice::<ScenarioRequest>(&body) else {
        return control_error(
            StatusCode::BAD_REQUEST,
            r#"expected {"scenario": "...", "endpoint": "sendall", "times": 1}"#,
        );
    };
    let endpoint_name = request.endpoint.as_deref().unwrap_or("sendall");
    let Some(endpoint) = endpoint_named(endpoint_name) else {
        let known: Vec<&str> = Endpoint::VARIANTS
            .iter()
            .map(|e| control_name(*e))
            .collect();
        return control_error(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown endpoint {endpoint_name:?}; one of {}",
                known.join(", ")
            ),
        );
    };
    let scenario = match Scenario::parse(&request.scenario) {
        Ok(s) => s,
        Err(error) => return control_error(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let times = request.times.unwrap_or(1);
    if !(1..=100).contains(&times) {
        return control_error(StatusCode::BAD_REQUEST, "times must be 1 to 100");
    }
    let times = usize::try_from(times).unwrap_or(usize::MAX);
    if let Err(full) = account.queue_scenarios(endpoint, scenario.clone(), times) {
        return control_error(StatusCode::TOO_MANY_REQUESTS, full.to_string());
    }
    Json(json!({
        "appid": account.appid(),
        "endpoint": control_name(endpoint),
        "scenario": scenario.to_string(),
        "queued": account.queued(endpoint).len(),
    }))
    .into_response()
}

pub(crate) async fn control_state(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
) -> Response {
    let account = match addressed(&sim, raw) {
        Ok(account) => account,
        Err(missing) => return missing.into_response(),
    };
    let queued: HashMap<&str, Vec<String>> = Endpoint::VARIANTS
        .iter()
        .map(|e| {
            (
                control_name(*e),
                account
                    .queued(*e)
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, q)| !q.is_empty())
        .collect();
    Json(json!({
        "appid": account.appid(),
        "now": sim.clock().unix_secs(),
        "counters": account.counters(),
        "ip_whitelist": account.ip_whitelist(),
        "datacube": account.datacube_control(),
        "queued": queued,
        "sends": account.sends(),
        "previews": account.previews(),
        "deliveries": account.deliveries(),
    }))
    .into_response()
}

pub(crate) async fn control_reset(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
) -> Response {
    let account = match addressed(&sim, raw) {
        Ok(account) => account,
        Err(missing) => return missing.into_response(),
    };
    account.reset();
    Json(json!({"reset": true, "appid": account.appid()})).into_response()
}

/// The body of `POST /control/ip_whitelist`; a misspelt field is refused
/// rather than read as "no whitelist".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WhitelistRequest {
    /// The addresses allowed; `null` (or none) lifts the whitelist.
    whitelist: Option<BTreeSet<IpAddr>>,
    #[serde(default)]
    egress_ip: Option<IpAddr>,
}

/// `POST /control/ip_whitelist?appid=`: `{"whitelist": ["198.51.100.1"],
/// "egress_ip": "203.0.113.7"}` sets the account's IP whitelist (and, if
/// given, the address WeChat sees its token calls come from);
/// `{"whitelist": null}` lifts it.
pub(crate) async fn control_ip_whitelist(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let account = match addressed(&sim, raw) {
        Ok(account) => account,
        Err(missing) => return missing.into_response(),
    };
    let request = match serde_json::from_slice::<WhitelistRequest>(&body) {
        Ok(request) => request,
        Err(error) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                format!(
                    r#"expected {{"whitelist": ["198.51.100.1"], "egress_ip": "203.0.113.7"}} (egress_ip optional), or {{"whitelist": null}} to lift it: {error}"#
                ),
            );
        }
    };
    let whitelist = match (request.whitelist, request.egress_ip) {
        (None, None) => None,
        (None, Some(_)) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                "egress_ip needs a whitelist: without one every address may fetch tokens",
            );
        }
        (Some(allowed), egress_ip) => Some(IpWhitelist {
            whitelist: allowed,
            egress_ip,
        }),
    };
    account.set_ip_whitelist(whitelist.clone());
    Json(json!({"appid": account.appid(), "ip_whitelist": whitelist})).into_response()
}

/// Every account, first to last: who it is and what it has, never its
/// secret, Token or key.
pub(crate) async fn control_accounts(State(sim): State<Simulator>) -> Response {
    let accounts: Vec<Value> = sim
        .accounts()
        .iter()
        .map(|account| {
            let config = account.config();
            json!({
                "appid": config.appid,
                "kind": config.kind,
                "overseas": config.overseas,
                "account_id": config.account_id,
                "followers": config.followers,
                "callback_url": config.callback_url.as_ref().map(url::Url::as_str),
                "encrypted": config.aes_key.is_some(),
                "sends": account.sends().len(),
                "quota": account.quota_enforced(),
            })
        })
        .collect();
    Json(json!({"accounts": accounts})).into_response()
}

/// The body of `POST /control/quota`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuotaRequest {
    /// Enforce the mass-send quota of the account's kind (45028 beyond it).
    enforce: bool,
    /// Every account, and those added later, rather than the one
    /// `?appid=` names.
    #[serde(default)]
    every_account: bool,
}

/// `POST /control/quota?appid=`: `{"enforce": false}` switches the
/// account's mass-send quota off, `{"enforce": true}` on;
/// `"every_account": true` switches every account's (and the default of
/// accounts added later).
pub(crate) async fn control_quota(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<QuotaRequest>(&body) else {
        return control_error(
            StatusCode::BAD_REQUEST,
            r#"expected {"enforce": false} (or true), optionally with "every_account": true"#,
        );
    };
    if request.every_account {
        sim.set_quota_enforced(request.enforce);
        let appids: Vec<String> = sim
            .accounts()
            .iter()
            .map(|a| a.appid().to_owned())
            .collect();
        return Json(json!({"quota": request.enforce, "appids": appids})).into_response();
    }
    let account = match addressed(&sim, raw) {
        Ok(account) => account,
        Err(missing) => return missing.into_response(),
    };
    account.set_quota_enforced(request.enforce);
    Json(json!({"appid": account.appid(), "quota": request.enforce})).into_response()
}

#[derive(Deserialize)]
pub(crate) struct ClockRequest {
    advance_secs: f64,
}

pub(crate) async fn control_clock(State(sim): State<Simulator>, body: Bytes) -> Response {
    let advance = serde_json::from_slice::<ClockRequest>(&body)
        .ok()
        .and_then(|r| Duration::try_from_secs_f64(r.advance_secs).ok());
    let Some(advance) = advance else {
        return control_error(
            StatusCode::BAD_REQUEST,
            r#"expected {"advance_secs": 61}, a non-negative number"#,
        );
    };
    sim.clock().advance(advance);
    Json(json!({"now": sim.clock().unix_secs()})).into_response()
}

/// What an account's settings add to a mass send's rules.
#[derive(Clone, Copy)]
struct AccountRules {
    /// Articles only (the seed's rule for overseas accounts).
    overseas: bool,
    /// The account's kind, when its mass-send quota is enforced.
    quota: Option<AccountKind>,
}
