//! Safe reading of the callback XML WeChat pushes, and writing it back.
//!
//! The XML comes from the internet. `roxmltree` reads it: it refuses any
//! DTD (and with it every entity declaration, so no billion laughs and no
//! external entities), references to entities other than XML's five
//! predefined ones, and anything not well-formed; on top of it we cap the
//! size, the depth and the number of elements. Fields are read leniently:
//! CDATA or plain text, surrounding whitespace ignored, unknown elements
//! skipped, missing ones `None`. Signature checks and decryption
//! (`crypto.rs`) happen before this, on the raw bytes.

use std::borrow::Cow;

use roxmltree::{Document, Node, ParsingOptions};
use serde::{Deserialize, Serialize};

use super::status::{
    ArticleCheck, ArticleUrl, ArticleUrlResult, AuditState, CanReprint, CheckState,
    CopyrightCheckResult, MassSendResult, NeedReplaceContent, NeedShowReprintSource,
    OriginalArticleType, Status, UserDeclareState,
};
use super::types::MsgId;

/// Bodies above this are refused before parsing; a MASSSENDJOBFINISH for
/// eight articles is a few kilobytes.
pub const MAX_XML_BYTES: usize = 256 * 1024;
const MAX_DEPTH: usize = 16;
const MAX_ELEMENTS: usize = 4096;

/// The `Event` value of the mass-send result push.
pub const MASS_SEND_JOB_FINISH: &str = "MASSSENDJOBFINISH";

/// Why a callback body was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the XML body is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("DTDs and entity declarations are refused")]
    Dtd,
    #[error("reference to an undefined entity &{0};")]
    UndefinedEntity(String),
    #[error("the XML nests or repeats elements beyond the limits")]
    TooComplex,
    #[error("the XML is not well-formed: {0}")]
    Malformed(String),
    #[error("the XML has no root element")]
    NoRoot,
    #[error("the XML has no <{0}> element")]
    Missing(&'static str),
}

/// A handle on one element of the parsed document.
#[derive(Clone, Copy)]
struct Element<'t, 'a>(Node<'t, 'a>);

impl<'t, 'a> Element<'t, 'a> {
    fn name(self) -> &'t str {
        self.0.tag_name().name()
    }

    /// The text, CDATA and references directly inside, joined in order;
    /// borrowed from the input when it is one piece.
    fn text(self) -> Cow<'t, str> {
        let mut pieces = self
            .0
            .children()
            .filter(Node::is_text)
            .filter_map(|c| c.text());
        let Some(first) = pieces.next() else {
            return Cow::Borrowed("");
        };
        match pieces.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut joined = String::from(first);
                joined.push_str(second);
                joined.extend(pieces);
                Cow::Owned(joined)
            }
        }
    }

    fn children(self) -> impl Iterator<Item = Element<'t, 'a>> {
        self.0.children().filter(Node::is_element).map(Element)
    }

    fn child(self, name: &str) -> Option<Element<'t, 'a>> {
        self.children().find(|c| c.name() == name)
    }

    /// The trimmed text of a child; `None` if absent or blank.
    fn trimmed_of(self, name: &str) -> Option<Cow<'t, str>> {
        let trimmed = match self.child(name)?.text() {
            Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
            Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
            Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
        };
        (!trimmed.is_empty()).then_some(trimmed)
    }

    /// The trimmed text of a child, `None` if absent or blank.
    fn text_of(self, name: &str) -> Option<String> {
        self.trimmed_of(name).map(Cow::into_owned)
    }

    /// A child's number, read in place (no copy of its text).
    fn number_of<T: std::str::FromStr>(self, name: &str) -> Option<T> {
        self.child(name)?.text().trim().parse().ok()
    }

    fn u64_of(self, name: &str) -> Option<u64> {
        self.number_of(name)
    }

    fn u32_of(self, name: &str) -> Option<u32> {
        self.number_of(name)
    }

    fn i64_of(self, name: &str) -> Option<i64> {
        self.number_of(name)
    }
}

impl From<roxmltree::Error> for XmlError {
    fn from(e: roxmltree::Error) -> Self {
        match e {
            roxmltree::Error::DtdDetected => XmlError::Dtd,
            roxmltree::Error::UnknownEntityReference(name, _) => XmlError::UndefinedEntity(name),
            roxmltree::Error::NoRootNode => XmlError::NoRoot,
            other => XmlError::Malformed(other.to_string()),
        }
    }
}

/// Parses a whole document, refusing DTDs, undefined entities, anything
/// not well-formed, and documents over the size, depth or element limits.
fn parse_tree(xml: &str) -> Result<Document<'_>, XmlError> {
    if xml.len() > MAX_XML_BYTES {
        return Err(XmlError::TooLarge(xml.len()));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let document = Document::parse_with_options(xml, options)?;
    // An element's ancestors are itself, the elements around it and the
    // document: the root element has two.
    for (count, element) in document.descendants().filter(Node::is_element).enumerate() {
        if count >= MAX_ELEMENTS || element.ancestors().nth(MAX_DEPTH + 1).is_some() {
            return Err(XmlError::TooComplex);
        }
    }
    Ok(document)
}

/// The body of a safe-mode (or compatible-mode) push:
/// `<xml><ToUserName/><Encrypt/></xml>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedEnvelope {
    pub to_user_name: Option<String>,
    /// Base64 ciphertext; check `msg_signature` over it, then decrypt.
    pub encrypt: String,
}

impl EncryptedEnvelope {
    pub fn parse(xml: &str) -> Result<Self, XmlError> {
        let document = parse_tree(xml)?;
        let root = Element(document.root_element());
        Ok(EncryptedEnvelope {
            to_user_name: root.text_of("ToUserName"),
            encrypt: root
                .text_of("Encrypt")
                .ok_or(XmlError::Missing("Encrypt"))?,
        })
    }

    /// The body the simulator POSTs in safe mode.
    pub fn to_xml(&self) -> String {
        let mut xml = String::with_capacity(self.encrypt.len() + 100);
        xml.push_str("<xml>");
        if let Some(to) = &self.to_user_name {
            xml.push_str("<ToUserName>");
            push_cdata(&mut xml, to);
            xml.push_str("</ToUserName>");
        }
        xml.push_str("<Encrypt>");
        push_cdata(&mut xml, &self.encrypt);
        xml.push_str("</Encrypt></xml>");
        xml
    }
}

/// The common header of any pushed message or event, enough to store it,
/// acknowledge it and recognise WeChat's retries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub to_user_name: Option<String>,
    pub from_user_name: Option<String>,
    pub create_time: Option<u64>,
    /// `event`, `text`, `image`, …
    pub msg_type: Option<String>,
    /// For `msg_type == "event"`: `MASSSENDJOBFINISH`, `subscribe`, …
    pub event: Option<String>,
    pub event_key: Option<String>,
    /// `MsgId` of an ordinary message, or `MsgID` of an event that has one.
    pub msg_id: Option<MsgId>,
}

impl Event {
    fn from_root(root: Element<'_, '_>) -> Event {
        let msg_id = root
            .trimmed_of("MsgId")
            .or_else(|| root.trimmed_of("MsgID"))
            .and_then(|s| MsgId::parse(&s).ok());
        Event {
            to_user_name: root.text_of("ToUserName"),
            from_user_name: root.text_of("FromUserName"),
            create_time: root.u64_of("CreateTime"),
            msg_type: root.text_of("MsgType"),
            event: root.text_of("Event"),
            event_key: root.text_of("EventKey"),
            msg_id,
        }
    }

    pub fn is_event(&self) -> bool {
        self.msg_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("event"))
    }

    /// A key that is the same for WeChat's up-to-three retries of one push
    /// and differs between pushes: `MsgId` for ordinary messages;
    /// FromUserName + CreateTime + Event (+ MsgID, + EventKey) for events.
    pub fn dedup_key(&self) -> String {
        let from = self.from_user_name.as_deref().unwrap_or("");
        let time = self.create_time.map(|t| t.to_string()).unwrap_or_default();
        if !self.is_event()
            && let Some(id) = self.msg_id
        {
            return format!("msg:{id}");
        }
        let mut key = format!(
            "event:{from}:{time}:{}",
            self.event
                .as_deref()
                .or(self.msg_type.as_deref())
                .unwrap_or("")
        );
        if let Some(id) = self.msg_id {
            key.push(':');
            key.push_str(&id.to_string());
        }
        if let Some(event_key) = &self.event_key {
            key.push(':');
            key.push_str(event_key);
        }
        key
    }
}

/// A MASSSENDJOBFINISH push: its header and the send's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassSendJobFinish {
    pub event: Event,
    pub result: MassSendResult,
}

/// A parsed push. Anything but a readable MASSSENDJOBFINISH is `Other`,
/// to be stored and acknowledged all the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callback {
    MassSendJobFinish(MassSendJobFinish),
    Other(Event),
}

impl Callback {
    pub fn event(&self) -> &Event {
        match self {
            Callback::MassSendJobFinish(finish) => &finish.event,
            Callback::Other(event) => event,
        }
    }

    pub fn dedup_key(&self) -> String {
        self.event().dedup_key()
    }
}

/// Parses a decrypted or plaintext push.
///
/// A MASSSENDJOBFINISH whose `MsgID` is missing or not a number cannot be
/// tied to a send, so it comes back as `Other` rather than as an error:
/// it is still stored for audit and acknowledged.
pub fn parse_callback(xml: &str) -> Result<Callback, XmlError> {
    let document = parse_tree(xml)?;
    let root = Element(document.root_element());
    let event = Event::from_root(root);
    let is_finish = event
        .event
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(MASS_SEND_JOB_FINISH));
    match (is_finish, event.msg_id) {
        (true, Some(msg_id)) => {
            let result = MassSendResult {
                msg_id,
                // Whitespace around the value (as around a CDATA section)
                // is layout, not part of it.
                status: root.child("Status").map_or_else(
                    || Status::Unknown(String::new()),
                    |s| Status::parse(s.text().trim()),
                ),
                total_count: root.u64_of("TotalCount"),
                filter_count: root.u64_of("FilterCount"),
                sent_count: root.u64_of("SentCount"),
                error_count: root.u64_of("ErrorCount"),
                copyright_check: root.child("CopyrightCheckResult").map(copyright_check),
                article_urls: root.child("ArticleUrlResult").map(article_urls),
            };
            Ok(Callback::MassSendJobFinish(MassSendJobFinish {
                event,
                result,
            }))
        }
        _ => Ok(Callback::Other(event)),
    }
}

/// The `item`s under `ResultList`, wherever WeChat puts them.
fn result_items<'t, 'a>(block: Element<'t, 'a>) -> impl Iterator<Item = Element<'t, 'a>> {
    block
        .child("ResultList")
        .into_iter()
        .flat_map(|list| list.children().filter(|c| c.name() == "item"))
}

fn copyright_check(block: Element<'_, '_>) -> CopyrightCheckResult {
    CopyrightCheckResult {
        count: block.u64_of("Count"),
        items: result_items(block)
            .map(|item| ArticleCheck {
                article_idx: item.u32_of("ArticleIdx"),
                user_declare_state: item
                    .i64_of("UserDeclareState")
                    .map(UserDeclareState::from_code),
                audit_state: item.i64_of("AuditState").map(AuditState::from_code),
                original_article_url: item.text_of("OriginalArticleUrl"),
                original_article_type: item
                    .i64_of("OriginalArticleType")
                    .map(OriginalArticleType::from_code),
                can_reprint: item.i64_of("CanReprint").map(CanReprint::from_code),
                need_replace_content: item
                    .i64_of("NeedReplaceContent")
                    .map(NeedReplaceContent::from_code),
                need_show_reprint_source: item
                    .i64_of("NeedShowReprintSource")
                    .map(NeedShowReprintSource::from_code),
            })
            .collect(),
        check_state: block.i64_of("CheckState").map(CheckState::from_code),
    }
}

fn article_urls(block: Element<'_, '_>) -> ArticleUrlResult {
    ArticleUrlResult {
        count: block.u64_of("Count"),
        items: result_items(block)
            .map(|item| ArticleUrl {
                article_idx: item.u32_of("ArticleIdx"),
                url: item.text_of("ArticleUrl"),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Writing: the simulator pushes what the real WeChat would.

/// Appends `text` as CDATA. A `]]>` inside is split across two sections,
/// and a carriage return goes out as a character reference (XML readers
/// turn a raw one into a line feed), so any text round-trips.
pub(super) fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    out.push_str(
        &text
            .replace("]]>", "]]]]><![CDATA[>")
            .replace('\r', "]]>&#13;<![CDATA["),
    );
    out.push_str("]]>");
}

/// Appends `text` escaped as character data.
pub(super) fn push_escaped(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(ch),
        }
    }
}

/// Appends `<name>value</name>` with the value as CDATA.
fn cdata_element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_cdata(out, value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends `<name>n</name>` for a number.
fn number_element(out: &mut String, name: &str, value: impl std::fmt::Display) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "<{name}>{value}</{name}>");
}

impl MassSendJobFinish {
    /// The push as WeChat writes it (the seed's layout); fields that are
    /// `None` are left out.
    pub fn to_xml(&self) -> String {
        let e = &self.event;
        let r = &self.result;
        let mut x = String::with_capacity(1024);
        x.push_str("<xml>");
        if let Some(v) = &e.to_user_name {
            cdata_element(&mut x, "ToUserName", v);
        }
        if let Some(v) = &e.from_user_name {
            cdata_element(&mut x, "FromUserName", v);
        }
        if let Some(v) = e.create_time {
            number_element(&mut x, "CreateTime", v);
        }
        if let Some(v) = &e.msg_type {
            cdata_element(&mut x, "MsgType", v);
        }
        cdata_element(
            &mut x,
            "Event",
            e.event.as_deref().unwrap_or(MASS_SEND_JOB_FINISH),
        );
        if let Some(v) = &e.event_key {
            cdata_element(&mut x, "EventKey", v);
        }
        number_element(&mut x, "MsgID", r.msg_id);
        cdata_element(&mut x, "Status", &r.status.to_wire());
        for (name, value) in [
            ("TotalCount", r.total_count),
            ("FilterCount", r.filter_count),
            ("SentCount", r.sent_count),
            ("ErrorCount", r.error_count),
        ] {
            if let Some(v) = value {
                number_element(&mut x, name, v);
            }
        }
        if let Some(c) = &r.copyright_check {
            x.push_str("<CopyrightCheckResult>");
            if let Some(v) = c.count {
                number_element(&mut x, "Count", v);
            }
            x.push_str("<ResultList>");
            for item in &c.items {
                x.push_str("<item>");
                if let Some(v) = item.article_idx {
                    number_element(&mut x, "ArticleIdx", v);
                }
                if let Some(v) = item.user_declare_state {
                    number_element(&mut x, "UserDeclareState", v.code());
                }
                if let Some(v) = item.audit_state {
                    number_element(&mut x, "AuditState", v.code());
                }
                if let Some(v) = &item.original_article_url {
                    cdata_element(&mut x, "OriginalArticleUrl", v);
                }
                if let Some(v) = item.original_article_type {
                    number_element(&mut x, "OriginalArticleType", v.code());
                }
                if let Some(v) = item.can_reprint {
                    number_element(&mut x, "CanReprint", v.code());
                }
                if let Some(v) = item.need_replace_content {
                    number_element(&mut x, "NeedReplaceContent", v.code());
                }
                if let Some(v) = item.need_show_reprint_source {
                    number_element(&mut x, "NeedShowReprintSource", v.code());
                }
                x.push_str("</item>");
            }
            x.push_str("</ResultList>");
            if let Some(v) = c.check_state {
                number_element(&mut x, "CheckState", v.code());
            }
            x.push_str("</CopyrightCheckResult>");
        }
        if let Some(u) = &r.article_urls {
            x.push_str("<ArticleUrlResult>");
            if let Some(v) = u.count {
                number_element(&mut x, "Count", v);
            }
            x.push_str("<ResultList>");
            for item in &u.items {
                x.push_str("<item>");
                if let Some(v) = item.article_idx {
                    number_element(&mut x, "ArticleIdx", v);
                }
                if let Some(v) = &item.url {
                    cdata_element(&mut x, "ArticleUrl", v);
                }
                x.push_str("</item>");
            }
            x.push_str("</ResultList></ArticleUrlResult>");
        }
        x.push_str("</xml>");
        x
    }
}

#[cfg(test)]
mod tests;
