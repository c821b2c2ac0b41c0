//! Typed JSON bodies of the WeChat APIs around `message/mass/sendall`.
//!
//! Requests serialise exactly as the seed's examples; responses are read
//! through [`Envelope`], which turns a non-zero `errcode` into an
//! [`ApiError`] before the success type is even tried. Every type is both
//! `Serialize` and `Deserialize` because the built-in simulator reads the
//! requests and writes the responses that the client writes and reads.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::errcode::ApiError;
use super::types::{
    CardId, ClientMsgId, MediaId, MsgDataId, MsgId, MsgType, OpenId, ParseError, TagId,
};
use crate::i18n::Lang;
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------
// The response envelope

/// A response that is either the success body `T` or an error.
///
/// WeChat answers errors with HTTP 200 and `{errcode, errmsg}`; success
/// bodies carry `errcode: 0` or no errcode at all. Reading the errcode
/// first means a failed call is never misread as a malformed `T`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<T>(pub Result<T, ApiError>);

impl<T> Envelope<T> {
    pub fn into_result(self) -> Result<T, ApiError> {
        self.0
    }
}

/// Finds a non-zero `errcode` in a response body. The errcode may come as
/// a number or, from some proxies, as a string of digits.
fn api_error_in(body: &serde_json::Value) -> Result<Option<ApiError>, String> {
    let Some(obj) = body.as_object() else {
        return Ok(None);
    };
    let code = match obj.get("errcode") {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    let Some(code) = code else {
        return Err("errcode is not an integer".to_owned());
    };
    if code == 0 {
        return Ok(None);
    }
    let errmsg = obj
        .get("errmsg")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // The seed says a 45065 answer carries the existing send's id but names
    // no field: read it as `msg_id` or `msgid`, a number or a string.
    let msg_id = ["msg_id", "msgid"]
        .iter()
        .filter_map(|name| obj.get(*name))
        .find_map(|v| MsgId::deserialize(v).ok());
    Ok(Some(ApiError {
        code: code.into(),
        errmsg,
        msg_id,
    }))
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Envelope<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let body = serde_json::Value::deserialize(d)?;
        match api_error_in(&body).map_err(D::Error::custom)? {
            Some(err) => Ok(Envelope(Err(err))),
            None => T::deserialize(body)
                .map(|t| Envelope(Ok(t)))
                .map_err(D::Error::custom),
        }
    }
}

/// Writes a success body with `errcode: 0` added when `T` has none, or an
/// error body `{errcode, errmsg[, msg_id]}`: what the simulator answers.
impl<T: Serialize> Serialize for Envelope<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let value = match &self.0 {
            Ok(t) => {
                let mut v = serde_json::to_value(t).map_err(S::Error::custom)?;
                if let Some(obj) = v.as_object_mut() {
                    obj.entry("errcode").or_insert(serde_json::json!(0));
                }
                v
            }
            Err(e) => {
                let mut v = serde_json::json!({ "errcode": e.code.code(), "errmsg": e.errmsg });
                if let (Some(obj), Some(id)) = (v.as_object_mut(), e.msg_id) {
                    obj.insert("msg_id".to_owned(), serde_json::json!(id.get()));
                }
                v
            }
        };
        value.serialize(s)
    }
}

/// Why a response body could not be turned into the expected type.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("WeChat sent a body qunfa cannot read: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// Reads a response body: `Ok(T)`, WeChat's error, or a malformed body.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let Envelope(result) = serde_json::from_slice::<Envelope<T>>(body)?;
    Ok(result?)
}

/// A success body with nothing in it but `errcode`/`errmsg`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
}

// ---------------------------------------------------------------------------
// Loose scalars: WeChat documents some flags as strings and sends numbers

/// A flag or boolean as WeChat may write it: `true`, `1`, `"1"`, `"true"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum LooseBool {
    Bool(bool),
    Int(i64),
    Str(String),
}

impl LooseBool {
    fn get(&self) -> Option<bool> {
        match self {
            LooseBool::Bool(b) => Some(*b),
            LooseBool::Int(0) => Some(false),
            LooseBool::Int(1) => Some(true),
            LooseBool::Int(_) => None,
            LooseBool::Str(s) => match s.trim() {
                "0" | "false" => Some(false),
                "1" | "true" => Some(true),
                _ => None,
            },
        }
    }
}

fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<LooseBool>::deserialize(d)? {
        None => Ok(None),
        Some(v) => v
            .get()
            .map(Some)
            .ok_or_else(|| D::Error::custom("expected a flag: 0, 1, true or false")),
    }
}

/// `Option<bool>` written as WeChat's `0`/`1` number flags.
mod zero_one {
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_u8(u8::from(*b)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        super::loose_bool(d)
    }
}

/// The page size of the `batchget` APIs: 1 to 20.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PageSize(u8);

impl PageSize {
    pub const MAX: PageSize = PageSize(20);

    pub fn new(n: u8) -> Result<Self, ParseError> {
        if (1..=20).contains(&n) {
            Ok(PageSize(n))
        } else {
            Err(ParseError::OutOfRange {
                what: "page size",
                value: i64::from(n),
                min: 1,
                max: 20,
            })
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for PageSize {
    type Error = ParseError;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        PageSize::new(n)
    }
}

impl From<PageSize> for u8 {
    fn from(p: PageSize) -> u8 {
        p.0
    }
}

// ---------------------------------------------------------------------------
// Access token: /cgi-bin/token and /cgi-bin/stable_token

/// The only grant type these endpoints take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantType {
    #[default]
    #[serde(rename = "client_credential")]
    ClientCredential,
}

/// Query of `GET /cgi-bin/token`. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenQuery {
    pub grant_type: GrantType,
    pub appid: String,
    pub secret: String,
}

impl TokenQuery {
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        TokenQuery {
            grant_type: GrantType::ClientCredential,
            appid: appid.into(),
            secret: secret.into(),
        }
    }
}

impl fmt::Debug for TokenQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenQuery")
            .field("appid", &self.appid)
            .field("secret", &"[hidden]")
            .finish()
    }
}

/// Body of `POST /cgi-bin/stable_token`. `force_refresh: true` revokes the
/// current token (20 a day, 30 s apart), so it is left out unless asked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StableTokenRequest {
    pub grant_type: GrantType,
    pub appid: String,
    pub secret: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose_bool"
    )]
    pub force_refresh: Option<bool>,
}

impl StableTokenRequest {
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        StableTokenRequest {
            grant_type: GrantType::ClientCredential,
            appid: appid.into(),
            secret: secret.into(),
            force_refresh: None,
        }
    }
}

impl fmt::Debug for StableTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StableTokenRequest")
            .field("appid", &self.appid)
            .field("secret", &"[hidden]")
            .field("force_refresh", &self.force_refresh)
            .finish()
    }
}

/// Answer of both token endpoints. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenResponse {
    pub access_token: String,
    /// Seconds the token stays valid (at most 7200).
    pub expires_in: u64,
}

impl fmt::Debug for AccessTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenResponse")
            .field("access_token", &"[hidden]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Tags: /cgi-bin/tags/get

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsResponse {
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    /// Followers carrying the tag.
    #[serde(default)]
    pub count: u64,
}

// ---------------------------------------------------------------------------
// Followers: /cgi-bin/user/get

/// The first page of `user/get`; only the total is read (the OpenIDs are
/// not needed to send to everyone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowersResponse {
    pub total: u64,
}

// ---------------------------------------------------------------------------
// The audience: sendall's `filter`

/// Who receives a send: everyone, or the followers of one tag.
///
/// Built with [`Filter::everyone`] or [`Filter::tag`], so a filter with
/// `is_to_all: false` and no tag cannot exist. WeChat accepts `tag_id` as a
/// number or a string (the seed shows both); the form read is remembered so
/// a stored request body serialises back to the same JSON. Equality ignores
/// that form: two filters are equal when they reach the same audience.
#[derive(Clone, Debug)]
pub struct Filter {
    is_to_all: bool,
    tag_id: Option<TagId>,
    tag_id_quoted: bool,
}

impl Filter {
    pub fn everyone() -> Self {
        Filter {
            is_to_all: true,
            tag_id: None,
            tag_id_quoted: false,
        }
    }

    pub fn tag(tag_id: TagId) -> Self {
        Filter {
            is_to_all: false,
            tag_id: Some(tag_id),
            tag_id_quoted: false,
        }
    }

    pub fn is_to_all(&self) -> bool {
        self.is_to_all
    }

    /// The tag, for a tag send. (A filter read with `is_to_all: true` may
    /// still carry a tag_id; WeChat ignores it and so does the audience.)
    pub fn tag_id(&self) -> Option<TagId> {
        self.tag_id
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.is_to_all == other.is_to_all && self.tag_id == other.tag_id
    }
}

impl Eq for Filter {}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Filter", 2)?;
        st.serialize_field("is_to_all", &self.is_to_all)?;
        match self.tag_id {
            Some(id) if self.tag_id_quoted => st.serialize_field("tag_id", &id.to_string())?,
            Some(id) => st.serialize_field("tag_id", &id)?,
            None => st.skip_field("tag_id")?,
        }
        st.end()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LooseTagId {
    Number(u64),
    Text(String),
}

impl<'de> Deserialize<'de> for Filter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default, deserialize_with = "loose_bool")]
            is_to_all: Option<bool>,
            #[serde(default)]
            tag_id: Option<LooseTagId>,
        }
        let wire = Wire::deserialize(d)?;
        let (tag_id, tag_id_quoted) = match wire.tag_id {
            None => (None, false),
            Some(LooseTagId::Number(n)) => (Some(TagId::new(n)), false),
            // The empty string is a community workaround for sends to all.
            Some(LooseTagId::Text(s)) if s.is_empty() => (None, false),
            Some(LooseTagId::Text(s)) => (Some(TagId::parse(&s).map_err(D::Error::custom)?), true),
        };
        let is_to_all = wire.is_to_all.unwrap_or(false);
        if !is_to_all && tag_id.is_none() {
            return Err(D::Error::custom(BodyError::NoAudience));
        }
        Ok(Filter {
            is_to_all,
            tag_id,
            tag_id_quoted,
        })
    }
}

// ---------------------------------------------------------------------------
// message/mass/sendall

/// Why a request body does not describe one valid message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("msgtype {0} needs a \"{1}\" object")]
    MissingBody(MsgType, &'static str),
    #[error("the body holds content for more than one msgtype")]
    ExtraBody,
    #[error("an image send needs at least one media_id")]
    NoImages,
    #[error("the filter needs is_to_all: true or a tag_id")]
    NoAudience,
    #[error("a preview needs touser or towxname")]
    NoRecipient,
}

/// The content of a send: one variant per `msgtype`, so the body object
/// always matches the type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MassMessage {
    MpNews { media_id: MediaId },
    Text { content: String },
    Voice { media_id: MediaId },
    Image(Images),
    MpVideo { media_id: MediaId },
    WxCard { card_id: CardId },
}

impl MassMessage {
    pub fn msg_type(&self) -> MsgType {
        match self {
            MassMessage::MpNews { .. } => MsgType::MpNews,
            MassMessage::Text { .. } => MsgType::Text,
            MassMessage::Voice { .. } => MsgType::Voice,
            MassMessage::Image(_) => MsgType::Image,
            MassMessage::MpVideo { .. } => MsgType::MpVideo,
            MassMessage::WxCard { .. } => MsgType::WxCard,
        }
    }
}

/// sendall's `images` object. `title` sits here, not in `mpnews`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Images {
    pub media_ids: Vec<MediaId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommend: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub need_open_comment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub only_fans_can_comment: Option<bool>,
}

impl Images {
    pub fn new(media_ids: Vec<MediaId>) -> Self {
        Images {
            media_ids,
            recommend: None,
            title: None,
            need_open_comment: None,
            only_fans_can_comment: None,
        }
    }
}

/// Body of `POST /cgi-bin/message/mass/sendall`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SendAllWire", into = "SendAllWire")]
pub struct SendAllRequest {
    pub filter: Filter,
    pub message: MassMessage,
    /// `send_ignore_reprint`: go on if an article is judged a reprint that
    /// its author allows (1), or stop (0, WeChat's default). `None` leaves
    /// the field out.
    pub send_ignore_reprint: Option<bool>,
    /// Always set by qunfa; optional on the wire.
    pub clientmsgid: Option<ClientMsgId>,
}

impl SendAllRequest {
    pub fn new(filter: Filter, message: MassMessage) -> Self {
        SendAllRequest {
            filter,
            message,
            send_ignore_reprint: None,
            clientmsgid: None,
        }
    }

    pub fn with_client_msg_id(mut self, id: ClientMsgId) -> Self {
        self.clientmsgid = Some(id);
        self
    }

    pub fn with_send_ignore_reprint(mut self, ignore: bool) -> Self {
        self.send_ignore_reprint = Some(ignore);
        self
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct MediaBody {
    media_id: MediaId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct TextBody {
    content: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CardBody {
    card_id: CardId,
}

/// sendall as it is on the wire: one optional object per msgtype.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SendAllWire {
    filter: Filter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mpnews: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<TextBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    voice: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    images: Option<Images>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mpvideo: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wxcard: Option<CardBody>,
    msgtype: MsgType,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    send_ignore_reprint: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clientmsgid: Option<ClientMsgId>,
}

impl TryFrom<SendAllWire> for SendAllRequest {
    type Error = BodyError;

    fn try_from(w: SendAllWire) -> Result<Self, BodyError> {
        let present = [
            w.mpnews.is_some(),
            w.text.is_some(),
            w.voice.is_some(),
            w.images.is_some(),
            w.mpvideo.is_some(),
            w.wxcard.is_some(),
        ];
        if present.iter().filter(|p| **p).count() > 1 {
            return Err(BodyError::ExtraBody);
        }
        let missing = || BodyError::MissingBody(w.msgtype, w.msgtype.sendall_body_key());
        let message = match w.msgtype {
            MsgType::MpNews => MassMessage::MpNews {
                media_id: w.mpnews.ok_or_else(missing)?.media_id,
            },
            MsgType::Text => MassMessage::Text {
                content: w.text.ok_or_else(missing)?.content,
            },
            MsgType::Voice => MassMessage::Voice {
                media_id: w.voice.ok_or_else(missing)?.media_id,
            },
            MsgType::Image => {
                let images = w.images.ok_or_else(missing)?;
                if images.media_ids.is_empty() {
                    return Err(BodyError::NoImages);
                }
                MassMessage::Image(images)
            }
            MsgType::MpVideo => MassMessage::MpVideo {
                media_id: w.mpvideo.ok_or_else(missing)?.media_id,
            },
            MsgType::WxCard => MassMessage::WxCard {
                card_id: w.wxcard.ok_or_else(missing)?.card_id,
            },
        };
        Ok(SendAllRequest {
            filter: w.filter,
            message,
            send_ignore_reprint: w.send_ignore_reprint,
            clientmsgid: w.clientmsgid,
        })
    }
}

impl From<SendAllRequest> for SendAllWire {
    fn from(r: SendAllRequest) -> Self {
        let mut w = SendAllWire {
            filter: r.filter,
            mpnews: None,
            text: None,
            voice: None,
            images: None,
            mpvideo: None,
            wxcard: None,
            msgtype: r.message.msg_type(),
            send_ignore_reprint: r.send_ignore_reprint,
            clientmsgid: r.clientmsgid,
        };
        match r.message {
            MassMessage::MpNews { media_id } => w.mpnews = Some(MediaBody { media_id }),
            MassMessage::Text { content } => w.text = Some(TextBody { content }),
            MassMessage::Voice { media_id } => w.voice = Some(MediaBody { media_id }),
            MassMessage::Image(images) => w.images = Some(images),
            MassMessage::MpVideo { media_id } => w.mpvideo = Some(MediaBody { media_id }),
            MassMessage::WxCard { card_id } => w.wxcard = Some(CardBody { card_id }),
        }
        w
    }
}

// ---------------------------------------------------------------------------
// message/mass/send

/// Body of `POST /cgi-bin/message/mass/send`: the message of `sendall`
/// (the same msgtype objects and flags) to the followers in `touser`,
/// 2–10,000 OpenIDs (WeChat answers 40130 below 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MassSendWire", into = "MassSendWire")]
pub struct MassSendRequest {
    pub touser: Vec<OpenId>,
    pub message: MassMessage,
    pub send_ignore_reprint: Option<bool>,
    /// Always set by qunfa: one per call of a list, derived from the
    /// compose attempt's.
    pub clientmsgid: Option<ClientMsgId>,
}

impl MassSendRequest {
    /// The fewest and the most OpenIDs one call takes.
    pub const MIN_OPENIDS: usize = 2;
    pub const MAX_OPENIDS: usize = 10_000;

    pub fn new(touser: Vec<OpenId>, message: MassMessage) -> Self {
        MassSendRequest {
            touser,
            message,
            send_ignore_reprint: None,
            clientmsgid: None,
        }
    }

    pub fn with_client_msg_id(mut self, id: ClientMsgId) -> Self {
        self.clientmsgid = Some(id);
        self
    }

    pub fn with_send_ignore_reprint(mut self, ignore: bool) -> Self {
        self.send_ignore_reprint = Some(ignore);
        self
    }
}

/// mass/send on the wire: `touser` and sendall's fields without `filter`.
/// The message is read and written through [`SendAllWire`], so the two
/// bodies follow one set of rules.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct MassSendWire {
    touser: Vec<OpenId>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl TryFrom<MassSendWire> for MassSendRequest {
    type Error = String;

    fn try_from(w: MassSendWire) -> Result<Self, String> {
        let mut rest = w.rest;
        rest.insert("filter".to_owned(), serde_json::json!({"is_to_all": true}));
        let send: SendAllRequest =
            serde_json::from_value(Value::Object(rest)).map_err(|e| e.to_string())?;
        Ok(MassSendRequest {
            touser: w.touser,
            message: send.message,
            send_ignore_reprint: send.send_ignore_reprint,
            clientmsgid: send.clientmsgid,
        })
    }
}

impl From<MassSendRequest> for MassSendWire {
    fn from(r: MassSendRequest) -> Self {
        let send = SendAllRequest {
            filter: Filter::everyone(),
            message: r.message,
            send_ignore_reprint: r.send_ignore_reprint,
            clientmsgid: r.clientmsgid,
        };
        let mut rest = match serde_json::to_value(send) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        rest.remove("filter");
        MassSendWire {
            touser: r.touser,
            rest,
        }
    }
}

/// Success answer of sendall: the job was *submitted*, not yet delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAllResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
    pub msg_id: MsgId,
    /// Only for `mpnews` sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_data_id: Option<MsgDataId>,
}

// ---------------------------------------------------------------------------
// message/mass/preview

/// Who gets a preview: one follower by OpenID, or by WeChat ID
/// (`towxname`, which WeChat prefers when both are given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewRecipient {
    OpenId(OpenId),
    WxName(String),
}

/// Preview content. It differs from [`MassMessage`] in one place: an image
/// preview is a single `image.media_id`, not sendall's `images.media_ids`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewMessage {
    MpNews { media_id: MediaId },
    Text { content: String },
    Voice { media_id: MediaId },
    Image { media_id: MediaId },
    MpVideo { media_id: MediaId },
    WxCard { card_id: CardId },
}

impl PreviewMessage {
    /// The preview of a composed send; an image send previews its first
    /// image. `None` only for an image send without images.
    pub fn from_mass(message: &MassMessage) -> Option<Self> {
        Some(match message {
            MassMessage::MpNews { media_id } => PreviewMessage::MpNews {
                media_id: media_id.clone(),
            },
            MassMessage::Text { content } => PreviewMessage::Text {
                content: content.clone(),
            },
            MassMessage::Voice { media_id } => PreviewMessage::Voice {
                media_id: media_id.clone(),
            },
            MassMessage::Image(images) => PreviewMessage::Image {
                media_id: images.media_ids.first()?.clone(),
            },
            MassMessage::MpVideo { media_id } => PreviewMessage::MpVideo {
                media_id: media_id.clone(),
            },
            MassMessage::WxCard { card_id } => PreviewMessage::WxCard {
                card_id: card_id.clone(),
            },
        })
    }

    pub fn msg_type(&self) -> MsgType {
        match self {
            PreviewMessage::MpNews { .. } => MsgType::MpNews,
            PreviewMessage::Text { .. } => MsgType::Text,
            PreviewMessage::Voice { .. } => MsgType::Voice,
            PreviewMessage::Image { .. } => MsgType::Image,
            PreviewMessage::MpVideo { .. } => MsgType::MpVideo,
            PreviewMessage::WxCard { .. } => MsgType::WxCard,
        }
    }
}

/// Body of `POST /cgi-bin/message/mass/preview`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PreviewWire", into = "PreviewWire")]
pub struct PreviewRequest {
    pub to: PreviewRecipient,
    pub message: PreviewMessage,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PreviewWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    touser: Option<OpenId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    towxname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mpnews: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<TextBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    voice: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mpvideo: Option<MediaBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wxcard: Option<CardBody>,
    msgtype: MsgType,
}

impl TryFrom<PreviewWire> for PreviewRequest {
    type Error = BodyError;

    fn try_from(w: PreviewWire) -> Result<Self, BodyError> {
        let to = match (w.towxname.filter(|n| !n.is_empty()), w.touser) {
            (Some(name), _) => PreviewRecipient::WxName(name),
            (None, Some(openid)) => PreviewRecipient::OpenId(openid),
            (None, None) => return Err(BodyError::NoRecipient),
        };
        let present = [
            w.mpnews.is_some(),
            w.text.is_some(),
            w.voice.is_some(),
            w.image.is_some(),
            w.mpvideo.is_some(),
            w.wxcard.is_some(),
        ];
        if present.iter().filter(|p| **p).count() > 1 {
            return Err(BodyError::ExtraBody);
        }
        let missing = || BodyError::MissingBody(w.msgtype, w.msgtype.as_str());
        let message = match w.msgtype {
            MsgType::MpNews => PreviewMessage::MpNews {
                media_id: w.mpnews.ok_or_else(missing)?.media_id,
            },
            MsgType::Text => PreviewMessage::Text {
                content: w.text.ok_or_else(missing)?.content,
            },
            MsgType::Voice => PreviewMessage::Voice {
                media_id: w.voice.ok_or_else(missing)?.media_id,
            },
            MsgType::Image => PreviewMessage::Image {
                media_id: w.image.ok_or_else(missing)?.media_id,
            },
            MsgType::MpVideo => PreviewMessage::MpVideo {
                media_id: w.mpvideo.ok_or_else(missing)?.media_id,
            },
            MsgType::WxCard => PreviewMessage::WxCard {
                card_id: w.wxcard.ok_or_else(missing)?.card_id,
            },
        };
        Ok(PreviewRequest { to, message })
    }
}

impl From<PreviewRequest> for PreviewWire {
    fn from(r: PreviewRequest) -> Self {
        let mut w = PreviewWire {
            touser: None,
            towxname: None,
            mpnews: None,
            text: None,
            voice: None,
            image: None,
            mpvideo: None,
            wxcard: None,
            msgtype: r.message.msg_type(),
        };
        match r.to {
            PreviewRecipient::OpenId(id) => w.touser = Some(id),
            PreviewRecipient::WxName(name) => w.towxname = Some(name),
        }
        match r.message {
            PreviewMessage::MpNews { media_id } => w.mpnews = Some(MediaBody { media_id }),
            PreviewMessage::Text { content } => w.text = Some(TextBody { content }),
            PreviewMessage::Voice { media_id } => w.voice = Some(MediaBody { media_id }),
            PreviewMessage::Image { media_id } => w.image = Some(MediaBody { media_id }),
            PreviewMessage::MpVideo { media_id } => w.mpvideo = Some(MediaBody { media_id }),
            PreviewMessage::WxCard { card_id } => w.wxcard = Some(CardBody { card_id }),
        }
        w
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<MsgId>,
}

// ---------------------------------------------------------------------------
// message/mass/get and message/mass/delete

/// Body of `POST /cgi-bin/message/mass/get`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassGetRequest {
    pub msg_id: MsgId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassGetResponse {
    pub msg_id: MsgId,
    pub msg_status: MassStatus,
}

/// `msg_status` of mass/get: state only, no counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum MassStatus {
    SendSuccess,
    Sending,
    SendFail,
    /// Deleted with mass/delete.
    Delete,
    /// A value WeChat does not document, kept verbatim.
    Other(String),
}

impl MassStatus {
    pub fn as_str(&self) -> &str {
        match self {
            MassStatus::SendSuccess => "SEND_SUCCESS",
            MassStatus::Sending => "SENDING",
            MassStatus::SendFail => "SEND_FAIL",
            MassStatus::Delete => "DELETE",
            MassStatus::Other(s) => s,
        }
    }

    pub fn label(&self, lang: Lang) -> &str {
        match self {
            MassStatus::SendSuccess => lang.pick("发送成功", "Sent"),
            MassStatus::Sending => lang.pick("发送中", "Sending"),
            MassStatus::SendFail => lang.pick("发送失败", "Sending failed"),
            MassStatus::Delete => lang.pick("已删除", "Deleted"),
            MassStatus::Other(s) => s,
        }
    }
}

impl From<String> for MassStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
            "SEND_SUCCESS" => MassStatus::SendSuccess,
            "SENDING" => MassStatus::Sending,
            "SEND_FAIL" => MassStatus::SendFail,
            "DELETE" => MassStatus::Delete,
            _ => MassStatus::Other(s),
        }
    }
}

impl From<MassStatus> for String {
    fn from(s: MassStatus) -> String {
        s.as_str().to_owned()
    }
}

/// Body of `POST /cgi-bin/message/mass/delete`: by msg_id (one article,
/// 1-based, or all when `article_idx` is absent or 0), or by article URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MassDeleteRequest {
    ByMsgId {
        msg_id: MsgId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        article_idx: Option<u32>,
    },
    ByUrl {
        url: String,
    },
}

// ---------------------------------------------------------------------------
// Pickers: draft/batchget, material/batchget_material, get_materialcount

/// Body of `POST /cgi-bin/draft/batchget`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftBatchGetRequest {
    pub offset: u32,
    pub count: PageSize,
    /// Leave out the article HTML (1): pickers need titles, not bodies.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub no_content: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftBatchGetResponse {
    #[serde(default)]
    pub total_count: u64,
    #[serde(default)]
    pub item_count: u64,
    #[serde(default)]
    pub item: Vec<DraftItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftItem {
    /// The id to send as `mpnews.media_id`; it dies after a successful send.
    pub media_id: MediaId,
    #[serde(default)]
    pub content: NewsContent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
}

/// The articles of a draft or of a news material.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsContent {
    #[serde(default)]
    pub news_item: Vec<NewsArticle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
}

/// One article. Everything is optional: pickers show what is there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsArticle {
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub show_cover_pic: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub need_open_comment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub only_fans_can_comment: Option<bool>,
    /// `news` (an article) or `newspic` (a picture message); absent in
    /// older answers, which are all `news`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_type: Option<String>,
    /// The cover's 2.35:1 crop, `"X1_Y1_X2_Y2"` in 0–1 from its top left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_crop_235_1: Option<String>,
    /// The cover's 1:1 crop, same form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_crop_1_1: Option<String>,
}

/// The `type` of `material/batchget_material`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MaterialType {
    Image,
    Video,
    Voice,
    News,
}

/// Body of `POST /cgi-bin/material/batchget_material`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialBatchGetRequest {
    #[serde(rename = "type")]
    pub material_type: MaterialType,
    pub offset: u32,
    pub count: PageSize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialBatchGetResponse {
    #[serde(default)]
    pub total_count: u64,
    #[serde(default)]
    pub item_count: u64,
    #[serde(default)]
    pub item: Vec<MaterialItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialItem {
    pub media_id: MediaId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Only for `news` materials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<NewsContent>,
}

/// Answer of `GET /cgi-bin/material/get_materialcount`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialCount {
    #[serde(default)]
    pub voice_count: u64,
    #[serde(default)]
    pub video_count: u64,
    #[serde(default)]
    pub image_count: u64,
    #[serde(default)]
    pub news_count: u64,
}

// ---------------------------------------------------------------------------
// draft/add, get, update, delete, count

/// One article as `draft/add` and `draft/update` take it (CONTENT.md §1).
/// The limits (title ≤ 32 characters, content < 20,000 characters and
/// < 1 MB, …) are WeChat's to enforce and the editor's to check first;
/// this type only carries the fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftArticle {
    /// `news` (the default when absent) or `newspic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_type: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Left out or empty: WeChat takes the first 54 characters of the text
    /// for a single-article draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The HTML body.
    #[serde(default)]
    pub content: String,
    /// "Read the original" (阅读原文).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_source_url: Option<String>,
    /// A permanent image material of the account; required for `news`
    /// (an empty one is left out of the body, as a `newspic` has none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thumb_media_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub need_open_comment: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "zero_one")]
    pub only_fans_can_comment: Option<bool>,
    /// The cover's 2.35:1 crop, `"X1_Y1_X2_Y2"` in 0–1 from its top left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_crop_235_1: Option<String>,
    /// The cover's 1:1 crop, same form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_crop_1_1: Option<String>,
}

/// Body of `POST /cgi-bin/draft/add`. Borrowed when the client writes it
/// (a draft of eight articles may carry megabytes of HTML), owned when the
/// simulator reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAddRequest<'a> {
    pub articles: Cow<'a, [DraftArticle]>,
}

/// Answer of `draft/add`: the new draft's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAddResponse {
    pub media_id: MediaId,
}

/// Body of `POST /cgi-bin/draft/get` and `POST /cgi-bin/draft/delete`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftIdRequest {
    pub media_id: MediaId,
}

/// Answer of `draft/get`: the articles, each with a temporary preview `url`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftGetResponse {
    #[serde(default)]
    pub news_item: Vec<NewsArticle>,
}

/// Body of `POST /cgi-bin/draft/update`: one article replaces the one at
/// `index` (0-based). `articles` is a single object, not an array, despite
/// its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftUpdateRequest<'a> {
    pub media_id: MediaId,
    pub index: u32,
    pub articles: Cow<'a, DraftArticle>,
}

/// Answer of `GET /cgi-bin/draft/count`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCountResponse {
    #[serde(default)]
    pub total_count: u64,
}

// ---------------------------------------------------------------------------
// media/uploadvideo: a video material becomes an mpvideo media_id

/// Body of `POST /cgi-bin/media/uploadvideo` (on api.weixin.qq.com; the old
/// file.api host fails TLS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadVideoRequest {
    pub media_id: MediaId,
    pub title: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadVideoResponse {
    /// `"video"`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The id to send as `mpvideo.media_id`.
    pub media_id: MediaId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
}

// ---------------------------------------------------------------------------
// material/add_material, get_material, del_material, media/uploadimg

/// The `description` form field of a video upload, as JSON:
/// `{"title": …, "introduction": …}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoDescription {
    pub title: String,
    pub introduction: String,
}

/// Answer of `POST /cgi-bin/material/add_material`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddMaterialResponse {
    pub media_id: MediaId,
    /// Images only: where WeChat serves it (Tencent's sites only: other
    /// sites' pages get a placeholder, so the console shows its own copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Body of `POST /cgi-bin/material/get_material` and `del_material`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialIdRequest {
    pub media_id: MediaId,
}

/// A video material as `get_material` answers it (JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialVideo {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub down_url: String,
}

/// What `get_material` gives: the file itself for an image, voice or
/// thumb (WeChat answers its bytes, not JSON), or JSON for a video or news.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MaterialBody {
    File {
        content_type: String,
        bytes: Vec<u8>,
    },
    Video(MaterialVideo),
    News(NewsContent),
}

/// The JSON answers of `get_material`, told apart by their fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaterialJson {
    News(NewsMaterialJson),
    Video(MaterialVideo),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsMaterialJson {
    pub news_item: Vec<NewsArticle>,
}

impl From<MaterialJson> for MaterialBody {
    fn from(json: MaterialJson) -> Self {
        match json {
            MaterialJson::News(news) => MaterialBody::News(NewsContent {
                news_item: news.news_item,
                create_time: None,
                update_time: None,
            }),
            MaterialJson::Video(video) => MaterialBody::Video(video),
        }
    }
}

/// Answer of `POST /cgi-bin/media/uploadimg`: the image's URL, the only
/// kind of image URL an article's body may hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadImageResponse {
    pub url: String,
}

#[cfg(test)]
mod tests;
