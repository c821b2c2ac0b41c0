//! Safe reading of the callback XML WeChat pushes, and writing it back.
//!
//! The XML comes from the internet, so the reader is deliberately small:
//! it refuses any DTD (and with it every entity declaration, so no billion
//! laughs and no external entities), refuses references to entities other
//! than XML's five predefined ones, refuses anything not well-formed, and
//! caps size and depth. It builds a tiny element tree (one flat vector,
//! names and text borrowed from the input) and reads fields from it
//! leniently: CDATA or plain text, surrounding whitespace ignored, unknown
//! elements skipped, missing ones `None`. Signature checks and decryption
//! (`crypto.rs`) happen before this, on the raw bytes.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memchr3, memmem};
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

/// "No node": the end of a child or sibling chain.
const NONE: u32 = u32::MAX;

/// One element in the flat tree: its name and text borrow from the input
/// (text is owned only when pieces had to be joined, a reference resolved
/// or a line end normalised), and it links to its children by index, so a
/// whole document costs one vector instead of an allocation per element.
#[derive(Debug)]
struct Node<'a> {
    name: &'a str,
    /// Text, CDATA and references directly inside, joined in order.
    text: Cow<'a, str>,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    /// Whether the start tag has a quote anywhere (so perhaps in the name).
    quoted: bool,
}

/// A parsed document; the root element is node 0.
struct Tree<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Tree<'a> {
    fn root(&self) -> Element<'_, 'a> {
        Element {
            tree: self,
            index: 0,
        }
    }
}

/// A handle on one element of a [`Tree`].
#[derive(Clone, Copy)]
struct Element<'t, 'a> {
    tree: &'t Tree<'a>,
    index: u32,
}

impl<'t, 'a> Element<'t, 'a> {
    fn node(self) -> &'t Node<'a> {
        &self.tree.nodes[self.index as usize]
    }

    fn name(self) -> &'t str {
        self.node().name
    }

    /// The text as read, untrimmed.
    fn text(self) -> &'t str {
        &self.node().text
    }

    fn children(self) -> impl Iterator<Item = Element<'t, 'a>> {
        let tree = self.tree;
        let mut next = self.node().first_child;
        std::iter::from_fn(move || {
            let index = next;
            let node = tree.nodes.get(index as usize)?;
            next = node.next_sibling;
            Some(Element { tree, index })
        })
    }

    fn child(self, name: &str) -> Option<Element<'t, 'a>> {
        self.children().find(|c| c.name() == name)
    }

    /// The trimmed text of a child, borrowed; `None` if absent or blank.
    fn trimmed_of(self, name: &str) -> Option<&'t str> {
        let text = self.child(name)?.text().trim();
        (!text.is_empty()).then_some(text)
    }

    /// The trimmed text of a child, `None` if absent or blank.
    fn text_of(self, name: &str) -> Option<String> {
        self.trimmed_of(name).map(str::to_owned)
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

fn malformed(e: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed(e.to_string())
}

/// XML's whitespace, the only separator between a tag's name and the rest.
fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// XML 1.0 end-of-line handling: `\r\n` and a lone `\r` read as `\n`.
fn normalize_eols(text: &str) -> Cow<'_, str> {
    if memchr(b'\r', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Appends a piece of content to an element's text, borrowing while it is
/// the only piece.
fn append_text<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// The character a `&#…;` reference names (`body` is what follows `#`):
/// decimal, or hexadecimal after a lowercase `x`; no sign, not NUL, a
/// Unicode scalar value.
fn char_ref(body: &str) -> Result<char, XmlError> {
    let (digits, radix) = match body.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    // `from_str_radix` would take a leading `+`.
    if digits.starts_with(['+', '-']) {
        return Err(malformed(format!(
            "sign in the character reference &#{body};"
        )));
    }
    let code = u32::from_str_radix(digits, radix)
        .map_err(|e| malformed(format!("character reference &#{body};: {e}")))?;
    if code == 0 {
        return Err(malformed("character reference to NUL"));
    }
    char::from_u32(code).ok_or_else(|| malformed(format!("&#{body}; is not a character")))
}

/// The index of the `>` that ends the tag whose `<` is just before `from`.
/// A `>` inside a quoted attribute value does not end it. Also says
/// whether the tag has a quote at all.
fn tag_end(bytes: &[u8], mut from: usize) -> Result<(usize, bool), XmlError> {
    let unclosed = || malformed("a tag is not closed");
    let start = from;
    loop {
        let i = from + memchr3(b'>', b'"', b'\'', &bytes[from..]).ok_or_else(unclosed)?;
        let quote = bytes[i];
        if quote == b'>' {
            return Ok((i, from != start));
        }
        from = i + 1 + memchr(quote, &bytes[i + 1..]).ok_or_else(unclosed)? + 1;
    }
}

/// Where `needle` first occurs in `haystack` at or after `from`.
fn find(haystack: &str, from: usize, needle: &str) -> Option<usize> {
    memmem::find(haystack.as_bytes().get(from..)?, needle.as_bytes()).map(|i| from + i)
}

/// Parses a whole document into a flat tree, refusing DTDs, undefined
/// entities, unbalanced tags, several roots and stray text.
///
/// The tokenizer is our own, reading the `&str` in place; it splits the
/// input exactly as the quick-xml reader this replaced did (same tags,
/// comments, CDATA, processing instructions, references; names are the
/// first word of a tag, attributes are skipped unread), so it accepts and
/// refuses the same documents and yields the same text.
fn parse_tree(xml: &str) -> Result<Tree<'_>, XmlError> {
    if xml.len() > MAX_XML_BYTES {
        return Err(XmlError::TooLarge(xml.len()));
    }
    let bytes = xml.as_bytes();
    let mut nodes: Vec<Node<'_>> = Vec::with_capacity(64);
    // Open elements; the depth limit bounds it.
    let mut stack = [0u32; MAX_DEPTH];
    let mut depth = 0usize;
    let mut root_closed = false;
    let mut pos = if xml.starts_with('\u{feff}') { 3 } else { 0 };

    while pos < bytes.len() {
        // Character data up to the next markup or reference.
        let stop = memchr2(b'<', b'&', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        if stop > pos {
            let text = &xml[pos..stop];
            // Indentation between child elements is no one's text;
            // skipping it saves copying it into the parent.
            let blank = text.as_bytes().trim_ascii().is_empty();
            match depth.checked_sub(1) {
                Some(top) => {
                    let current = &mut nodes[stack[top] as usize].text;
                    if !(blank && current.is_empty()) {
                        append_text(current, normalize_eols(text));
                    }
                }
                None if blank => {}
                None => return Err(malformed("text outside the root element")),
            }
            pos = stop;
            if pos == bytes.len() {
                break;
            }
        }

        if bytes[pos] == b'&' {
            // A reference runs to `;`; another `&` or a `<` first means it
            // is not closed.
            let end = memchr3(b';', b'&', b'<', &bytes[pos + 1..])
                .map(|i| pos + 1 + i)
                .filter(|&i| bytes[i] == b';')
                .ok_or_else(|| malformed("a reference is not closed"))?;
            let name = &xml[pos + 1..end];
            pos = end + 1;
            let top = depth
                .checked_sub(1)
                .ok_or_else(|| malformed("reference outside the root element"))?;
            let ch = match name.strip_prefix('#') {
                Some(body) => char_ref(body)?,
                None => match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => return Err(XmlError::UndefinedEntity(other.to_owned())),
                },
            };
            nodes[stack[top] as usize].text.to_mut().push(ch);
            continue;
        }

        // Markup: `bytes[pos]` is `<`.
        match bytes.get(pos + 1) {
            None => return Err(malformed("a tag is not closed")),
            Some(b'!') => match bytes.get(pos + 2) {
                Some(b'[') => {
                    if !xml[pos..].starts_with("<![CDATA[") {
                        return Err(malformed("invalid <![ markup"));
                    }
                    let end = find(xml, pos + 9, "]]>")
                        .ok_or_else(|| malformed("a CDATA section is not closed"))?;
                    let top = depth
                        .checked_sub(1)
                        .ok_or_else(|| malformed("CDATA outside the root element"))?;
                    let current = &mut nodes[stack[top] as usize].text;
                    append_text(current, normalize_eols(&xml[pos + 9..end]));
                    pos = end + 3;
                }
                Some(b'-') => {
                    if !xml[pos..].starts_with("<!--") {
                        return Err(malformed("invalid <!- markup"));
                    }
                    let end = find(xml, pos + 4, "-->")
                        .ok_or_else(|| malformed("a comment is not closed"))?;
                    pos = end + 3;
                }
                Some(b'D' | b'd')
                    if bytes[pos..]
                        .get(..9)
                        .is_some_and(|s| s.eq_ignore_ascii_case(b"<!DOCTYPE")) =>
                {
                    return Err(XmlError::Dtd);
                }
                _ => return Err(malformed("invalid <! markup")),
            },
            Some(b'?') => {
                // A processing instruction or the XML declaration: skipped.
                let end = find(xml, pos + 1, "?>")
                    .ok_or_else(|| malformed("a processing instruction is not closed"))?;
                if end == pos + 1 {
                    return Err(malformed("<?> is not a processing instruction"));
                }
                pos = end + 2;
            }
            Some(b'/') => {
                // Almost always `</name>` of the open element: take that
                // directly; anything else goes the long way. (A quote in
                // the name would start a quoted run in the long way.)
                if let Some(top) = depth.checked_sub(1) {
                    let node = &nodes[stack[top] as usize];
                    let open = node.name.as_bytes();
                    let after = pos + 2 + open.len();
                    if !node.quoted
                        && bytes.get(pos + 2..after) == Some(open)
                        && bytes.get(after) == Some(&b'>')
                    {
                        depth = top;
                        root_closed = depth == 0;
                        pos = after + 1;
                        continue;
                    }
                }
                let (gt, _) = tag_end(bytes, pos + 2)?;
                // Trailing whitespace is allowed after the name; a name
                // of whitespace alone is kept as it is.
                let raw = &xml[pos + 2..gt];
                let name = match raw.trim_end_matches([' ', '\t', '\r', '\n']) {
                    "" => raw,
                    trimmed => trimmed,
                };
                let top = depth
                    .checked_sub(1)
                    .ok_or_else(|| malformed("unexpected end tag"))?;
                let open = nodes[stack[top] as usize].name;
                if name != open {
                    return Err(malformed(format!("</{name}> closes <{open}>")));
                }
                depth = top;
                root_closed = depth == 0;
                pos = gt + 1;
            }
            Some(_) => {
                let (gt, quoted) = tag_end(bytes, pos + 1)?;
                let content = &xml[pos + 1..gt];
                let (content, empty) = match content.strip_suffix('/') {
                    Some(content) => (content, true),
                    None => (content, false),
                };
                let name_len = content
                    .bytes()
                    .position(is_xml_space)
                    .unwrap_or(content.len());
                pos = gt + 1;
                if root_closed {
                    return Err(malformed("more than one root element"));
                }
                if depth >= MAX_DEPTH || nodes.len() >= MAX_ELEMENTS {
                    return Err(XmlError::TooComplex);
                }
                let index = nodes.len() as u32;
                nodes.push(Node {
                    name: &content[..name_len],
                    quoted,
                    text: Cow::Borrowed(""),
                    first_child: NONE,
                    last_child: NONE,
                    next_sibling: NONE,
                });
                if let Some(top) = depth.checked_sub(1) {
                    let parent = stack[top] as usize;
                    match nodes[parent].last_child {
                        NONE => nodes[parent].first_child = index,
                        last => nodes[last as usize].next_sibling = index,
                    }
                    nodes[parent].last_child = index;
                }
                if empty {
                    root_closed = depth == 0;
                } else {
                    stack[depth] = index;
                    depth += 1;
                }
            }
        }
    }
    if depth > 0 {
        return Err(malformed("an element is not closed"));
    }
    if !root_closed {
        return Err(XmlError::NoRoot);
    }
    Ok(Tree { nodes })
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
        let tree = parse_tree(xml)?;
        let root = tree.root();
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
            .and_then(|s| MsgId::parse(s).ok());
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
    let tree = parse_tree(xml)?;
    let root = tree.root();
    let event = Event::from_root(root);
    let is_finish = event
        .event
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(MASS_SEND_JOB_FINISH));
    match (is_finish, event.msg_id) {
        (true, Some(msg_id)) => {
            let result = MassSendResult {
                msg_id,
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
