//! What WeChat checks in a `sendall` or `preview` body, and the errcode it
//! answers for each failure.
//!
//! The raw JSON is inspected first, because the protocol types refuse a bad
//! body without saying which errcode WeChat would give; once a body passes,
//! it is rebuilt from the fields WeChat reads and parsed into the typed
//! request, so what the simulator records is what the console's own types
//! describe.

use serde_json::{Map, Value, json};

use super::scenario::Scenario;
use super::state::{ListAudience, State, wechat_error};
use crate::wechat::api::{Filter, PreviewRequest, SendAllRequest};
use crate::wechat::crypto::sorted_sha1;
use crate::wechat::errcode::ApiError;
use crate::wechat::types::{ClientMsgId, MediaId, MsgType};

/// A sendall body WeChat would accept.
pub(crate) struct ValidSend {
    pub request: SendAllRequest,
    pub audience: u64,
    /// Articles of an `mpnews` send (0 otherwise).
    pub articles: usize,
    /// The draft the send uses, which a successful send uses up.
    pub draft: Option<MediaId>,
    /// What the content asks for: a scenario draft, or `[sim:…]` markers.
    pub scenario: Scenario,
    /// A `mass/send`'s list; `None` for sendall.
    pub list: Option<ListAudience>,
}

pub(crate) struct ValidPreview {
    pub request: PreviewRequest,
    pub scenario: Scenario,
}

/// What the content of a message brings besides its canonical JSON.
#[derive(Default)]
struct ContentInfo {
    articles: usize,
    draft: Option<MediaId>,
    scenario: Scenario,
}

/// `clientmsgid` as given: `None` when absent or empty (WeChat then uses a
/// digest of audience and content), 45067 above 32 bytes. Any string is
/// taken as WeChat would; only the console restricts itself to ASCII.
pub(crate) fn clientmsgid(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let id = match body.get("clientmsgid") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(wechat_error(47001)),
    };
    if id.is_empty() {
        Ok(None)
    } else if id.len() > ClientMsgId::MAX_LEN {
        Err(wechat_error(45067))
    } else {
        Ok(Some(id))
    }
}

/// The clientmsgid WeChat derives when none is given: "the digest of the
/// audience and the content" (the seed).
pub(crate) fn auto_clientmsgid(request: &SendAllRequest) -> String {
    // The same audience in either tag_id form (2 or "2") is one audience.
    let filter = match request.filter.tag_id() {
        Some(tag) if !request.filter.is_to_all() => Filter::tag(tag),
        _ => Filter::everyone(),
    };
    let canonical = SendAllRequest::new(filter, request.message.clone());
    let text = serde_json::to_string(&canonical).unwrap_or_default();
    format!("auto:{}", sorted_sha1(&[&text]))
}

/// Checks a sendall body against the account; the errcodes are WeChat's.
pub(crate) fn validate_sendall(
    state: &State,
    body: &Map<String, Value>,
) -> Result<ValidSend, ApiError> {
    let msg_type = msg_type(body)?;
    let (filter, audience) = filter(state, body)?;
    let key = msg_type.sendall_body_key();
    let (content, info) = content(state, msg_type, body.get(key), false)?;
    let mut canonical = Map::new();
    canonical.insert("filter".to_owned(), filter);
    canonical.insert(key.to_owned(), content);
    canonical.insert("msgtype".to_owned(), json!(msg_type.as_str()));
    match body.get("send_ignore_reprint") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let flag = loose_bool(v).ok_or_else(|| wechat_error(47001))?;
            canonical.insert("send_ignore_reprint".to_owned(), json!(u8::from(flag)));
        }
    }
    let mut request: SendAllRequest =
        serde_json::from_value(Value::Object(canonical)).map_err(|_| wechat_error(47001))?;
    request.clientmsgid = clientmsgid(body)
        .ok()
        .flatten()
        .and_then(|id| ClientMsgId::parse(id).ok());
    Ok(ValidSend {
        request,
        audience,
        articles: info.articles,
        draft: info.draft,
        scenario: info.scenario,
        list: None,
    })
}

/// Checks a preview body: one follower (`touser`) or a WeChat ID
/// (`towxname`, which wins), and the preview's own image shape.
pub(crate) fn validate_preview(
    state: &State,
    body: &Map<String, Value>,
) -> Result<ValidPreview, ApiError> {
    let msg_type = msg_type(body)?;
    let mut canonical = Map::new();
    match (body.get("towxname"), body.get("touser")) {
        (Some(Value::String(name)), _) if !name.trim().is_empty() => {
            canonical.insert("towxname".to_owned(), json!(name.trim()));
        }
        (_, Some(Value::String(openid))) if state.is_follower(openid) => {
            canonical.insert("touser".to_owned(), json!(openid));
        }
        _ => return Err(wechat_error(40003)),
    }
    let key = msg_type.as_str();
    let (content, info) = content(state, msg_type, body.get(key), true)?;
    canonical.insert(key.to_owned(), content);
    canonical.insert("msgtype".to_owned(), json!(key));
    let request: PreviewRequest =
        serde_json::from_value(Value::Object(canonical)).map_err(|_| wechat_error(47001))?;
    Ok(ValidPreview {
        request,
        scenario: info.scenario,
    })
}

/// `msgtype`: one of the seed's six, else 40008 (`video` and `music` too).
fn msg_type(body: &Map<String, Value>) -> Result<MsgType, ApiError> {
    body.get("msgtype")
        .and_then(Value::as_str)
        .and_then(|t| MsgType::parse(t).ok())
        .ok_or_else(|| wechat_error(40008))
}

/// The audience: everyone, or a tag that exists (40152 otherwise). The
/// tag_id keeps the form it came in (number or string of digits).
fn filter(state: &State, body: &Map<String, Value>) -> Result<(Value, u64), ApiError> {
    let filter = body
        .get("filter")
        .and_then(Value::as_object)
        .ok_or_else(|| wechat_error(47001))?;
    let is_to_all = match filter.get("is_to_all") {
        None | Some(Value::Null) => false,
        Some(v) => loose_bool(v).ok_or_else(|| wechat_error(47001))?,
    };
    if is_to_all {
        return Ok((json!({"is_to_all": true}), state.followers));
    }
    let raw = filter.get("tag_id");
    let id = match raw {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    };
    let tag = id
        .and_then(|id| state.tags.iter().find(|t| t.id.get() == id))
        .ok_or_else(|| wechat_error(40152))?;
    let tag_value = raw.cloned().unwrap_or(Value::Null);
    Ok((json!({"is_to_all": false, "tag_id": tag_value}), tag.count))
}

/// The message object of `msg_type`: each media must exist in the account
/// (40007), a text must not be empty (44004).
fn content(
    state: &State,
    msg_type: MsgType,
    raw: Option<&Value>,
    preview: bool,
) -> Result<(Value, ContentInfo), ApiError> {
    let object = raw.and_then(Value::as_object);
    let field = |name: &str| object.and_then(|o| o.get(name)).and_then(Value::as_str);
    let missing_media = || wechat_error(40007);
    let mut info = ContentInfo::default();
    let value = match msg_type {
        MsgType::MpNews => {
            let id = field("media_id").ok_or_else(missing_media)?;
            let news = state
                .drafts
                .iter()
                .find(|d| d.media_id.as_str() == id)
                .map(|d| (d, true))
                .or_else(|| {
                    state
                        .news
                        .iter()
                        .find(|n| n.media_id.as_str() == id)
                        .map(|n| (n, false))
                })
                .ok_or_else(missing_media)?;
            let (news, is_draft) = news;
            info.articles = news.articles.len();
            info.draft = is_draft.then(|| news.media_id.clone());
            let mut scenario = news.scenario.clone().unwrap_or_default();
            for article in &news.articles {
                let text = format!(
                    "{} {} {}",
                    article.title,
                    article.digest.as_deref().unwrap_or(""),
                    article.content.as_deref().unwrap_or("")
                );
                if let Some(found) = Scenario::from_markers(&text) {
                    scenario = scenario.overridden_by(found);
                }
            }
            info.scenario = scenario;
            json!({"media_id": id})
        }
        MsgType::Text => {
            let content = field("content")
                .filter(|c| !c.is_empty())
                .ok_or_else(|| wechat_error(44004))?;
            info.scenario = Scenario::from_markers(content).unwrap_or_default();
            json!({"content": content})
        }
        MsgType::Voice => {
            let id = field("media_id").ok_or_else(missing_media)?;
            if !state.voices.iter().any(|v| v.media_id.as_str() == id) {
                return Err(missing_media());
            }
            json!({"media_id": id})
        }
        MsgType::Image if preview => {
            let id = field("media_id").ok_or_else(missing_media)?;
            if !state.images.iter().any(|i| i.media_id.as_str() == id) {
                return Err(missing_media());
            }
            json!({"media_id": id})
        }
        MsgType::Image => images(state, object.ok_or_else(missing_media)?, &mut info)?,
        MsgType::MpVideo => {
            let id = field("media_id").ok_or_else(missing_media)?;
            let video = state
                .mpvideos
                .iter()
                .find(|v| v.media_id.as_str() == id)
                .ok_or_else(missing_media)?;
            info.scenario = video.scenario.clone().unwrap_or_default();
            json!({"media_id": id})
        }
        MsgType::WxCard => {
            let id = field("card_id").ok_or_else(missing_media)?;
            if !state.cards.iter().any(|c| c == id) {
                return Err(missing_media());
            }
            json!({"card_id": id})
        }
    };
    Ok((value, info))
}

/// sendall's `images`: a non-empty list of existing images, with optional
/// `recommend`, `title` and the two comment flags.
fn images(
    state: &State,
    object: &Map<String, Value>,
    info: &mut ContentInfo,
) -> Result<Value, ApiError> {
    let ids = object
        .get("media_ids")
        .and_then(Value::as_array)
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| wechat_error(40007))?;
    for id in ids {
        let known = id
            .as_str()
            .is_some_and(|id| state.images.iter().any(|i| i.media_id.as_str() == id));
        if !known {
            return Err(wechat_error(40007));
        }
    }
    let mut out = Map::new();
    out.insert("media_ids".to_owned(), Value::Array(ids.clone()));
    let mut text = String::new();
    for key in ["recommend", "title"] {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                text.push_str(s);
                text.push(' ');
                out.insert(key.to_owned(), json!(s));
            }
            Some(_) => return Err(wechat_error(47001)),
        }
    }
    for key in ["need_open_comment", "only_fans_can_comment"] {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(v) => {
                let flag = loose_bool(v).ok_or_else(|| wechat_error(47001))?;
                out.insert(key.to_owned(), json!(u8::from(flag)));
            }
        }
    }
    info.scenario = Scenario::from_markers(&text).unwrap_or_default();
    Ok(Value::Object(out))
}

/// A flag as WeChat reads it: `true`/`false`, `0`/`1`, or those as strings.
pub(crate) fn loose_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}
