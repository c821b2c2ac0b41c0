//! The draft box's rules: what `draft/add` and `draft/update` accept of an
//! article, and what WeChat makes of its HTML (CONTENT.md §1, §3).
//!
//! Limits are counted as WeChat counts them: characters, not bytes, for
//! the title, author, digest and text; bytes for the HTML and the
//! "read the original" URL.

use serde::Deserialize;
use serde_json::Value;

use super::state::{State, image_url, wechat_error};
use crate::wechat::api::{DraftArticle, NewsArticle};
use crate::wechat::errcode::ApiError;

/// Articles in one draft. CONTENT.md §7: the official tables name no
/// number; eight is what SDKs (SKIT.FlurlHttpClient) and the old
/// `media/uploadnews` allow, and the MP editor stops at eight too.
pub(crate) const MAX_ARTICLES: usize = 8;
pub(crate) const TITLE_MAX_CHARS: usize = 32;
pub(crate) const AUTHOR_MAX_CHARS: usize = 16;
pub(crate) const DIGEST_MAX_CHARS: usize = 128;
/// The text must be shorter than this, in characters.
pub(crate) const CONTENT_MAX_CHARS: usize = 20_000;
/// The HTML must be shorter than this, in bytes ("< 1 MB").
pub(crate) const CONTENT_MAX_BYTES: usize = 1_000_000;
pub(crate) const SOURCE_URL_MAX_BYTES: usize = 1024;
/// What WeChat takes of the text when a single article has no digest.
pub(crate) const AUTO_DIGEST_CHARS: usize = 54;

/// More than [`MAX_ARTICLES`]: 45008, WeChat's global code for a news
/// message with too many articles ("article size out of limit"), which
/// `media/uploadnews` answers past eight. CONTENT.md names no code for
/// draft/add.
pub(crate) const TOO_MANY_ARTICLES: i64 = 45008;
/// An empty title or body: 44003, "empty news data".
const EMPTY_ARTICLE: i64 = 44003;
/// The body is not the shape the API takes (an unknown `article_type`, a
/// flag that is no flag, a crop that is not four numbers): 47001.
const DATA_FORMAT: i64 = 47001;
/// An author over 16 characters: 45110 in WeChat's global list ("author
/// size out of limit"); CONTENT.md gives the limit but no code.
const AUTHOR_TOO_LONG: i64 = 45110;

/// The `articles` of a `draft/add` body: 1 to [`MAX_ARTICLES`] objects.
pub(crate) fn articles_of(
    body: &serde_json::Map<String, Value>,
) -> Result<Vec<DraftArticle>, ApiError> {
    let list = body
        .get("articles")
        .and_then(Value::as_array)
        .ok_or_else(|| wechat_error(DATA_FORMAT))?;
    if list.is_empty() {
        return Err(wechat_error(EMPTY_ARTICLE));
    }
    if list.len() > MAX_ARTICLES {
        return Err(wechat_error(TOO_MANY_ARTICLES));
    }
    list.iter().map(article_of).collect()
}

/// One article object, its fields typed; anything else is 47001.
pub(crate) fn article_of(value: &Value) -> Result<DraftArticle, ApiError> {
    if !value.is_object() {
        return Err(wechat_error(DATA_FORMAT));
    }
    DraftArticle::deserialize(value).map_err(|_| wechat_error(DATA_FORMAT))
}

/// An article checked against WeChat's rules and stored as WeChat keeps
/// it: scripts out of the body, images this simulator did not hand out
/// dropped, the digest filled in (`single`: the draft has one article) or,
/// in a draft of several, emptied. `url` is its temporary preview link.
pub(crate) fn accept(
    state: &State,
    article: &DraftArticle,
    single: bool,
    url: String,
) -> Result<NewsArticle, ApiError> {
    let article_type = match article.article_type.as_deref() {
        None | Some("news") => "news",
        Some("newspic") => "newspic",
        Some(_) => return Err(wechat_error(DATA_FORMAT)),
    };
    if article.title.trim().is_empty() || article.content.trim().is_empty() {
        return Err(wechat_error(EMPTY_ARTICLE));
    }
    if chars(&article.title) > TITLE_MAX_CHARS {
        return Err(wechat_error(45003));
    }
    let author = article.author.clone().unwrap_or_default();
    if chars(&author) > AUTHOR_MAX_CHARS {
        return Err(wechat_error(AUTHOR_TOO_LONG));
    }
    let digest = article.digest.clone().unwrap_or_default();
    if chars(&digest) > DIGEST_MAX_CHARS {
        return Err(wechat_error(45004));
    }
    let source_url = article.content_source_url.clone().unwrap_or_default();
    if source_url.len() > SOURCE_URL_MAX_BYTES {
        return Err(wechat_error(45005));
    }
    for crop in [&article.pic_crop_235_1, &article.pic_crop_1_1]
        .into_iter()
        .flatten()
    {
        if !is_crop(crop) {
            return Err(wechat_error(DATA_FORMAT));
        }
    }
    // A news article needs a cover, and only a permanent image of this
    // account will do (a temporary media/upload id is 40007 too).
    let thumb = article.thumb_media_id.as_str();
    if (article_type == "news" || !thumb.is_empty()) && !state.is_permanent_image(thumb) {
        return Err(wechat_error(40007));
    }
    if article.content.len() >= CONTENT_MAX_BYTES {
        return Err(wechat_error(45002));
    }
    let content = clean_content(&article.content, |src| state.is_issued_image_url(src));
    let text = text_of(&content);
    if chars(&text) >= CONTENT_MAX_CHARS {
        return Err(wechat_error(45002));
    }
    let digest = match (single, digest.is_empty()) {
        (false, _) => String::new(),
        (true, true) => text.chars().take(AUTO_DIGEST_CHARS).collect(),
        (true, false) => digest,
    };
    Ok(NewsArticle {
        title: article.title.clone(),
        author: Some(author),
        digest: Some(digest),
        content: Some(content),
        content_source_url: Some(source_url),
        thumb_media_id: Some(thumb.to_owned()),
        thumb_url: (!thumb.is_empty()).then(|| image_url(thumb)),
        url: Some(url),
        show_cover_pic: Some(false),
        need_open_comment: Some(article.need_open_comment.unwrap_or(false)),
        only_fans_can_comment: Some(article.only_fans_can_comment.unwrap_or(false)),
        article_type: Some(article_type.to_owned()),
        pic_crop_235_1: article.pic_crop_235_1.clone(),
        pic_crop_1_1: article.pic_crop_1_1.clone(),
    })
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `"X1_Y1_X2_Y2"`: four numbers from 0 to 1, the first corner above and
/// left of the second.
fn is_crop(crop: &str) -> bool {
    let numbers: Option<Vec<f64>> = crop.split('_').map(|n| n.parse::<f64>().ok()).collect();
    match numbers.as_deref() {
        Some(&[x1, y1, x2, y2]) => {
            [x1, y1, x2, y2].iter().all(|n| (0.0..=1.0).contains(n)) && x1 < x2 && y1 < y2
        }
        _ => false,
    }
}

/// The body as WeChat keeps it: every `<script>` element removed with its
/// text, and every `<img>` whose `src` is not `allowed` removed (WeChat
/// drops images from other hosts). The rest is left byte for byte.
pub(crate) fn clean_content(html: &str, allowed: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tag = &rest[start..];
        if let Some(name_end) = tag_named(tag, "script") {
            // The element and its text, up to its end tag (or the end).
            rest = match find_ignore_case(&tag[name_end..], "</script") {
                Some(close) => {
                    let after = &tag[name_end + close..];
                    after.find('>').map_or("", |gt| &after[gt + 1..])
                }
                None => "",
            };
            continue;
        }
        if tag_named(tag, "img").is_some() {
            let end = tag_end(tag);
            let src = attribute(&tag[..end], "src");
            if !src.is_some_and(|src| allowed(&decode_entities(src))) {
                rest = &tag[end..];
                continue;
            }
            out.push_str(&tag[..end]);
            rest = &tag[end..];
            continue;
        }
        out.push('<');
        rest = &tag[1..];
    }
    out.push_str(rest);
    out
}

/// Elements that break a line: between two of them the text has a space
/// (`<p>a</p><p>b</p>` reads "a b"), within a line it has none
/// (`你好<b>世界</b>` reads "你好世界").
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "blockquote",
    "pre",
    "hr",
    "figure",
    "figcaption",
];

/// The text of an article's HTML, as its reader sees it: tags removed,
/// entities read, runs of white space as one space.
pub(crate) fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tag = &rest[start..];
        let opens_tag = tag[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !opens_tag {
            text.push('<');
            rest = &tag[1..];
            continue;
        }
        let end = tag_end(tag);
        let name: String = tag[1..end]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(&name)) {
            text.push(' ');
        }
        rest = &tag[end..];
    }
    text.push_str(rest);
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the name of a start tag `<name` ends in `tag`, if `tag` opens one
/// (any case).
fn tag_named(tag: &str, name: &str) -> Option<usize> {
    let after = tag.strip_prefix('<')?;
    let candidate = after.get(..name.len())?;
    if !candidate.eq_ignore_ascii_case(name) {
        return None;
    }
    match after[name.len()..].chars().next() {
        None => Some(tag.len()),
        Some(c) if c == '>' || c == '/' || c.is_ascii_whitespace() => Some(1 + name.len()),
        Some(_) => None,
    }
}

/// Just past the `>` that ends the tag starting `tag`, skipping quoted
/// attribute values; the end of `tag` when it never closes.
fn tag_end(tag: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in tag.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            (None, _) => {}
        }
    }
    tag.len()
}

/// The value of attribute `name` in a start tag, quoted or not.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag.trim_start_matches('<');
    // Skip the element's name.
    rest = rest.trim_start_matches(|c: char| !c.is_ascii_whitespace() && c != '>');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() || rest.starts_with('>') {
            return None;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let (attr, after) = rest.split_at(name_len);
        let after = after.trim_start();
        let (value, after) = match after.strip_prefix('=') {
            None => (None, after),
            Some(v) => {
                let v = v.trim_start();
                match v.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &v[1..];
                        let end = body.find(q).unwrap_or(body.len());
                        (Some(&body[..end]), body.get(end + 1..).unwrap_or(""))
                    }
                    _ => {
                        let end = v
                            .find(|c: char| c.is_ascii_whitespace() || c == '>')
                            .unwrap_or(v.len());
                        (Some(&v[..end]), &v[end..])
                    }
                }
            }
        };
        if attr.eq_ignore_ascii_case(name) {
            return value;
        }
        rest = after;
    }
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Reads the character references an editor writes (`&amp;`, `&nbsp;`,
/// `&#20013;`, `&#x4e2d;`, …); any other `&` stays as it is.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "http://mmbiz.qpic.cn/sim/aaa/0?wx_fmt=jpeg&amp;from=appmsg";

    fn ours(src: &str) -> bool {
        src == "http://mmbiz.qpic.cn/sim/aaa/0?wx_fmt=jpeg&from=appmsg"
    }

    #[test]
    fn scripts_go_with_their_text_in_any_case() {
        assert_eq!(
            clean_content("<p>a</p><script>alert(1)</script><p>b</p>", ours),
            "<p>a</p><p>b</p>"
        );
        assert_eq!(
            clean_content("x<SCRIPT type=\"text/javascript\">a<b</ScRiPt >y", ours),
            "xy"
        );
        assert_eq!(clean_content("x<script src=a.js></script>", ours), "x");
        // An unclosed script takes the rest with it.
        assert_eq!(clean_content("x<script>never closed", ours), "x");
        // Not a script: a longer name, or text.
        assert_eq!(
            clean_content("<scripts>a</scripts> 1 < 2", ours),
            "<scripts>a</scripts> 1 < 2"
        );
    }

    #[test]
    fn only_images_this_simulator_handed_out_stay() {
        let html = format!(
            "<p>a<img src=\"{OURS}\" style=\"width:100%\"/>b<IMG alt='x>y' SRC='https://example.com/x.png'>c<img src=https://evil/x.jpg>d<img alt=\"no src\">e</p>"
        );
        assert_eq!(
            clean_content(&html, ours),
            format!("<p>a<img src=\"{OURS}\" style=\"width:100%\"/>bcde</p>")
        );
        // Other tags and attributes are left as they are.
        let kept = "<section style=\"color:red\" data-src=\"x\"><a href=\"https://mp.weixin.qq.com/s/1\">l</a></section>";
        assert_eq!(clean_content(kept, ours), kept);
    }

    #[test]
    fn the_text_is_what_a_reader_sees() {
        assert_eq!(
            text_of(
                "<p>你好，<b>世界</b></p><p>a &amp; b&nbsp;c &#20013;&#x6587; &bogus; & 1 < 2</p>"
            ),
            "你好，世界 a & b c 中文 &bogus; & 1 < 2"
        );
        assert_eq!(text_of("<img src=\"a>b\">x<br/>y"), "x y");
    }

    #[test]
    fn every_code_the_draft_box_answers_has_words() {
        use crate::wechat::errcode::ErrCode;
        for code in [
            TOO_MANY_ARTICLES,
            EMPTY_ARTICLE,
            DATA_FORMAT,
            AUTHOR_TOO_LONG,
            45002,
            45003,
            45004,
            45005,
            40007,
            45009,
        ] {
            assert!(
                !matches!(ErrCode::from_code(code), ErrCode::Other(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn crops_are_four_numbers_from_zero_to_one() {
        assert!(is_crop("0.1_0_0.9_0.5"));
        assert!(is_crop("0_0_1_1"));
        for bad in [
            "0_0_1",
            "0_0_1_1_1",
            "a_0_1_1",
            "0_0_1.5_1",
            "0.5_0_0.2_1",
            "",
        ] {
            assert!(!is_crop(bad), "{bad}");
        }
    }
}
