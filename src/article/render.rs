//! An article's body as the HTML WeChat accepts (CONTENT.md §3): from
//! Markdown ([`render_markdown`]) or from HTML pasted from another editor
//! ([`sanitize_pasted_html`]).
//!
//! The steps, the same for both after the first:
//! 1. Markdown only: pulldown-cmark's events written as HTML with the
//!    [`Theme`]'s inline style on each element, code coloured inline
//!    (`markdown`, `highlight`).
//! 2. ammonia reads it with the whitelist (`clean::READ`): no script, no
//!    `<style>`, no class, no id, no event attribute, only safe CSS.
//! 3. WeChat's rules for links and images, the theme for bare elements
//!    (`transform`), then the notes at the end, all in one `<section>`.
//! 4. ammonia again (`clean::FINAL`) over everything, as the last step:
//!    whatever steps 1 to 3 wrote, only the whitelist leaves.

mod clean;
mod highlight;
mod html;
mod markdown;
mod theme;
mod transform;

use std::collections::HashMap;

pub use highlight::warm_up;
pub use theme::Theme;

use html::{Token, Tokens, push_attr, push_start, push_styled, push_text};

/// Which image addresses an article may show. WeChat drops every image that
/// is not one of the account's own uploads (`media/uploadimg`).
pub trait ImagePolicy {
    fn allows(&self, src: &str) -> bool;
}

/// Any image on WeChat's image server (`mmbiz.qpic.cn`, where `uploadimg`'s
/// addresses point; it gives them as `http://`, so both schemes). The
/// account's own uploads are a narrower rule (`article::api`).
pub struct WechatImages;

impl ImagePolicy for WechatImages {
    fn allows(&self, src: &str) -> bool {
        src.strip_prefix("https://")
            .or_else(|| src.strip_prefix("http://"))
            .is_some_and(|rest| rest.starts_with("mmbiz.qpic.cn/"))
    }
}

/// A set of addresses, each allowed as it is written.
impl ImagePolicy for std::collections::HashSet<String> {
    fn allows(&self, src: &str) -> bool {
        self.contains(src)
    }
}

/// An article's body, ready for `draft/add`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The HTML to send as the article's `content`.
    pub html: String,
    /// WeChat's two limits on `content`, "fewer than 20,000 characters
    /// and less than 1 MB": `chars` counts the text a reader sees (tags
    /// and styles left out, an entity one character, as
    /// `article::char_count` counts), `bytes` the UTF-8 bytes of this
    /// HTML as the request carries it (no `\uXXXX` escapes). Counting the
    /// HTML for both would leave the byte limit nothing to do (20,000
    /// characters are at most 80 KB), and articles styled by 135编辑器 or
    /// 秀米 carry far more markup than that and are accepted.
    pub chars: usize,
    pub bytes: usize,
    /// Images left out (not allowed by the policy), as the source gave them.
    pub dropped_images: Vec<String>,
    /// Links that became notes, as (text, address), numbered from 1.
    pub footnotes: Vec<(String, String)>,
}

/// Markdown (CommonMark with tables, strikethrough, task lists and
/// footnotes) as WeChat article HTML.
pub fn render_markdown(markdown: &str, theme: &Theme, images: &dyn ImagePolicy) -> Rendered {
    let written = markdown::write(markdown, theme);
    finish(&written.body, &written.footnotes, theme, images)
}

/// HTML pasted from another editor (doocs/md, mdnice, 135编辑器, a web
/// page) under the same rules: classes and ids dropped, safe styles kept,
/// links and images as for Markdown.
pub fn sanitize_pasted_html(html: &str, theme: &Theme, images: &dyn ImagePolicy) -> Rendered {
    finish(html, &HashMap::new(), theme, images)
}

fn finish(
    html: &str,
    footnotes: &HashMap<String, String>,
    theme: &Theme,
    images: &dyn ImagePolicy,
) -> Rendered {
    let read = clean::READ.clean(html).to_string();
    let mut state = transform::State {
        theme,
        images,
        footnotes,
        notes: Vec::new(),
        dropped_images: Vec::new(),
    };
    let mut body = String::with_capacity(read.len() + read.len() / 4);
    push_styled(&mut body, "section", &theme.article);
    transform::apply(&read, &mut state, &mut body);
    transform::notes(&mut state, &mut body);
    body.push_str("</section>");
    let html = clean::FINAL.clean(&body).to_string();
    let footnotes = state
        .notes
        .into_iter()
        .filter_map(|note| match note {
            transform::Note::Link { text, url } => Some((text, url)),
            transform::Note::Footnote { .. } => None,
        })
        .collect();
    Rendered {
        chars: visible_chars(&html),
        bytes: html.len(),
        html,
        dropped_images: state.dropped_images,
        footnotes,
    }
}

/// The characters of `html` a reader sees: its text without any tag, each
/// entity the serializer writes (`&amp;`, `&nbsp;`, …) one character.
fn visible_chars(html: &str) -> usize {
    let text = clean::TEXT.clean(html).to_string();
    let mut count = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '&' {
            chars.by_ref().find(|&c| c == ';');
        }
        count += 1;
    }
    count
}

/// Whether `href` is a link WeChat lets a reader open from an article: one
/// to its own articles, `https://mp.weixin.qq.com/…`.
pub fn is_wechat_article_link(href: &str) -> bool {
    ammonia::Url::parse(href).is_ok_and(|url| {
        url.scheme() == "https"
            && url.host_str() == Some("mp.weixin.qq.com")
            && url.port().is_none()
            && url.username().is_empty()
            && url.password().is_none()
    })
}

/// The body for the preview: each image's address replaced by
/// `to_display`'s (qunfa's copy: the browser may not load WeChat's), an
/// image it has no copy of shown as a grey box with its alt text (no
/// words of ours: the article's language is its author's). `html` is
/// a [`Rendered::html`]; the result is for showing, never for sending.
pub fn display_images(html: &str, to_display: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    for token in Tokens::new(html) {
        match token {
            Token::Start { name: "img", attrs } => {
                let src = attrs
                    .iter()
                    .find(|(name, _)| *name == "src")
                    .map(|(_, value)| value.as_ref())
                    .unwrap_or_default();
                match to_display(src) {
                    Some(display) => {
                        out.push_str("<img");
                        push_attr(&mut out, "src", &display);
                        for (name, value) in attrs.iter().filter(|(name, _)| *name != "src") {
                            push_attr(&mut out, name, value);
                        }
                        out.push('>');
                    }
                    None => {
                        let alt = attrs
                            .iter()
                            .find(|(name, _)| *name == "alt")
                            .map(|(_, value)| value.as_ref())
                            .unwrap_or_default();
                        push_styled(&mut out, "span", MISSING_IMAGE);
                        push_text(&mut out, alt);
                        out.push_str("</span>");
                    }
                }
            }
            Token::Start { name, attrs } => push_start(&mut out, name, &attrs),
            Token::End { name } => {
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Token::Text(text) => out.push_str(text),
        }
    }
    out
}

/// Calls `each` with the `src` of every image in `html` (a [`Rendered::html`]).
pub fn image_sources(html: &str, mut each: impl FnMut(&str)) {
    for token in Tokens::new(html) {
        if let Token::Start { name: "img", attrs } = token
            && let Some((_, src)) = attrs.iter().find(|(name, _)| *name == "src")
        {
            each(src);
        }
    }
}

const MISSING_IMAGE: &str = "display:block;min-height:5em;margin:.6em 0;padding:2em 1em;border-radius:4px;background-color:#f2f2f2;color:#999;text-align:center;font-size:14px";

#[cfg(test)]
mod tests;
