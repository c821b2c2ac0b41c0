//! WeChat's rules for links and images, and the theme for bare elements,
//! applied to sanitised HTML (what `clean::READ` gave: [`Tokens`] reads it).
//!
//! - A link to a WeChat article (`https://mp.weixin.qq.com/…`) stays a link.
//! - Any other web or mail link becomes its text and `[n]`, and its address
//!   the n-th note at the end; a Markdown footnote's reference gets its
//!   number from the same count, so the notes are one list in the order
//!   the reader meets them. Links to nowhere useful (`#top`, relative)
//!   keep only their text.
//! - An image the [`ImagePolicy`] does not allow is removed and listed.
//! - A table scrolls sideways inside a `<section>` of its own.
//! - An element with no style of its own (pasted HTML, raw HTML in the
//!   Markdown) gets the theme's, so a pasted article looks like a written one.

use std::borrow::Cow;
use std::collections::HashMap;

use super::html::{Token, Tokens, is_void, push_start, push_styled, push_text, unescape};
use super::markdown::FOOTNOTE_HREF;
use super::theme::Theme;
use super::{ImagePolicy, is_wechat_article_link};

/// A note at the end of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Note {
    Link { text: String, url: String },
    Footnote { label: String },
}

/// What the passes over one article share: the notes numbered so far and
/// the images dropped.
pub(super) struct State<'a> {
    pub theme: &'a Theme,
    pub images: &'a dyn ImagePolicy,
    /// Markdown footnotes by label (none for pasted HTML).
    pub footnotes: &'a HashMap<String, String>,
    pub notes: Vec<Note>,
    pub dropped_images: Vec<String>,
}

impl State<'_> {
    /// The number of the note for `note`, the same one each time it is met.
    fn number(&mut self, note: Note) -> usize {
        let found = self.notes.iter().position(|known| match (known, &note) {
            (Note::Link { url: a, .. }, Note::Link { url: b, .. }) => a == b,
            (known, note) => known == note,
        });
        match found {
            Some(index) => index + 1,
            None => {
                self.notes.push(note);
                self.notes.len()
            }
        }
    }
}

/// How an open element is closed.
enum Close<'a> {
    Tag(&'a str),
    /// The element was left out; its content was kept.
    Nothing,
    /// A table in its scrolling section.
    Table,
    /// A link turned into a note: its text so far.
    Cited {
        url: String,
        text: String,
    },
    Footnote {
        label: String,
    },
}

/// Writes `html` (sanitised by `clean::READ`) to `out` with the rules above.
pub(super) fn apply(html: &str, state: &mut State<'_>, out: &mut String) {
    let theme = state.theme;
    let mut open: Vec<Close<'_>> = Vec::new();
    // Names of the open elements, for the theme's context (a `code` inside
    // a `pre` is the block's, not inline code).
    let mut names: Vec<&str> = Vec::new();
    for token in Tokens::new(html) {
        match token {
            Token::Text(text) => {
                if let Some(Close::Cited { text: cited, .. }) = open
                    .iter_mut()
                    .rev()
                    .find(|close| matches!(close, Close::Cited { .. }))
                {
                    cited.push_str(&unescape(text));
                }
                out.push_str(text);
            }
            Token::Start { name, mut attrs } => {
                let style = attr(&attrs, "style").is_some();
                match name {
                    "a" => {
                        let href = attr(&attrs, "href").unwrap_or_default().to_owned();
                        let close = if is_wechat_article_link(&href) {
                            if !style {
                                attrs.push(("style", theme.link.clone()));
                            }
                            push_start(out, "a", &attrs);
                            Close::Tag("a")
                        } else if let Some(label) = href
                            .strip_prefix(FOOTNOTE_HREF)
                            .filter(|label| state.footnotes.contains_key(*label))
                        {
                            Close::Footnote {
                                label: label.to_owned(),
                            }
                        } else if is_citable(&href) {
                            push_styled(out, "span", &theme.cited_text);
                            Close::Cited {
                                url: href,
                                text: String::new(),
                            }
                        } else {
                            Close::Nothing
                        };
                        open.push(close);
                        names.push(name);
                    }
                    "img" => {
                        let src = attr(&attrs, "src").unwrap_or_default();
                        if state.images.allows(src) {
                            if !style && !theme.image.is_empty() {
                                attrs.push(("style", theme.image.clone()));
                            }
                            push_start(out, "img", &attrs);
                        } else if !src.is_empty() {
                            state.dropped_images.push(shortened(src));
                        }
                    }
                    "table" => {
                        push_styled(out, "section", &theme.table_wrap);
                        if !style && !theme.table.is_empty() {
                            attrs.push(("style", theme.table.clone()));
                        }
                        push_start(out, "table", &attrs);
                        open.push(Close::Table);
                        names.push(name);
                    }
                    _ => {
                        if !style && let Some(fill) = bare_style(theme, name, &names) {
                            attrs.push(("style", Cow::Borrowed(fill)));
                        }
                        push_start(out, name, &attrs);
                        if !is_void(name) {
                            open.push(Close::Tag(name));
                            names.push(name);
                        }
                    }
                }
            }
            Token::End { .. } => {
                // Sanitised HTML closes what it opened, in order, so an end
                // tag closes the last element opened; one with nothing
                // open is left out.
                let Some(close) = open.pop() else { continue };
                names.pop();
                match close {
                    Close::Tag(open_name) => {
                        out.push_str("</");
                        out.push_str(open_name);
                        out.push('>');
                    }
                    Close::Nothing => {}
                    Close::Table => out.push_str("</table></section>"),
                    Close::Cited { url, text } => {
                        out.push_str("</span>");
                        let text = text.trim().to_owned();
                        let n = state.number(Note::Link { text, url });
                        note_ref(out, theme, n);
                    }
                    Close::Footnote { label } => {
                        let n = state.number(Note::Footnote { label });
                        note_ref(out, theme, n);
                    }
                }
            }
        }
    }
    // Whatever is open is closed (ammonia's HTML leaves nothing open).
    while let Some(close) = open.pop() {
        match close {
            Close::Tag(name) => {
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Close::Table => out.push_str("</table></section>"),
            Close::Cited { .. } => out.push_str("</span>"),
            Close::Nothing | Close::Footnote { .. } => {}
        }
    }
}

fn note_ref(out: &mut String, theme: &Theme, n: usize) {
    push_styled(out, "sup", &theme.note_ref);
    out.push_str(&format!("[{n}]</sup>"));
}

fn attr<'v>(attrs: &'v [(&str, Cow<'_, str>)], name: &str) -> Option<&'v str> {
    attrs
        .iter()
        .find(|(attr, _)| *attr == name)
        .map(|(_, value)| value.as_ref())
}

/// A link worth its note: an address a reader can type or copy.
fn is_citable(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// An image's address as the editor is told of it: a `data:` image (pasted
/// with its bytes in it) by its start only.
fn shortened(src: &str) -> String {
    if src.len() > 64 && src.starts_with("data:") {
        let end = src.find([',', ';']).unwrap_or(40).min(40);
        // At most `end` bytes, cut at a character's edge.
        let end = (0..=end)
            .rev()
            .find(|&i| src.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}…", &src[..end])
    } else {
        src.to_owned()
    }
}

/// The theme's style for an element that has none of its own.
fn bare_style<'t>(theme: &'t Theme, name: &str, open: &[&str]) -> Option<&'t str> {
    let inside = |parent: &str| open.contains(&parent);
    let style: &str = match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = usize::from(name.as_bytes()[1] - b'0');
            &theme.headings[level - 1]
        }
        "p" if inside("blockquote") => &theme.blockquote_paragraph,
        "p" if inside("li") => &theme.list_paragraph,
        "p" => &theme.paragraph,
        "blockquote" => &theme.blockquote,
        "pre" => &theme.code_block,
        "code" if inside("pre") => return None,
        "code" => &theme.inline_code,
        "th" => &theme.table_head_cell,
        "td" => &theme.table_cell,
        "hr" => &theme.rule,
        "strong" | "b" => &theme.strong,
        "em" | "i" => &theme.emphasis,
        "del" | "s" => &theme.strikethrough,
        _ => return None,
    };
    (!style.is_empty()).then_some(style)
}

/// The notes at the end: each link's text and address, each footnote's
/// content (itself passed through [`apply`], so a link in a footnote
/// becomes a note after the others).
pub(super) fn notes(state: &mut State<'_>, out: &mut String) {
    if state.notes.is_empty() {
        return;
    }
    let theme = state.theme;
    push_styled(out, "section", &theme.notes);
    let mut index = 0;
    while index < state.notes.len() {
        let n = index + 1;
        match state.notes[index].clone() {
            Note::Link { text, url } => {
                push_styled(out, "p", &theme.note);
                out.push_str(&format!("[{n}] "));
                if !text.is_empty() && text != url {
                    push_text(out, &text);
                    out.push_str(": ");
                }
                push_styled(out, "span", &theme.note_url);
                push_text(out, &url);
                out.push_str("</span></p>");
            }
            Note::Footnote { label } => {
                push_styled(out, "section", &theme.note);
                out.push_str(&format!("[{n}] "));
                let content = state.footnotes.get(&label).cloned().unwrap_or_default();
                let content = super::clean::READ.clean(&content).to_string();
                apply(&content, state, out);
                out.push_str("</section>");
            }
        }
        index += 1;
    }
    out.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    struct OnlyAllowed;
    impl ImagePolicy for OnlyAllowed {
        fn allows(&self, src: &str) -> bool {
            src.starts_with("https://allowed/")
        }
    }

    fn run(html: &str) -> (String, State<'static>) {
        static THEME: std::sync::LazyLock<Theme> = std::sync::LazyLock::new(Theme::default);
        static NO_FOOTNOTES: std::sync::LazyLock<HashMap<String, String>> =
            std::sync::LazyLock::new(HashMap::new);
        let mut state = State {
            theme: &THEME,
            images: &OnlyAllowed,
            footnotes: &NO_FOOTNOTES,
            notes: Vec::new(),
            dropped_images: Vec::new(),
        };
        let mut out = String::new();
        apply(html, &mut state, &mut out);
        (out, state)
    }

    #[test]
    fn other_links_become_numbered_notes_and_the_same_address_one_note() {
        let (out, state) = run(
            r##"<p><a href="https://a.example/">A &amp; B</a>, <a href="https://mp.weixin.qq.com/s/x">ours</a>, <a href="https://b.example/">b</a>, <a href="https://a.example/">again</a>, <a href="#top">top</a></p>"##,
        );
        assert!(out.contains("A &amp; B</span><sup"), "{out}");
        assert!(
            out.contains(">[1]</sup>, <a href=\"https://mp.weixin.qq.com/s/x\" style=\""),
            "{out}"
        );
        assert!(
            out.contains(
                "b</span><sup style=\"font-size:75%;line-height:0;color:#576b95\">[2]</sup>"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "again</span><sup style=\"font-size:75%;line-height:0;color:#576b95\">[1]</sup>"
            ),
            "{out}"
        );
        assert!(out.ends_with(", top</p>"), "{out}");
        assert_eq!(
            state.notes,
            vec![
                Note::Link {
                    text: "A & B".into(),
                    url: "https://a.example/".into()
                },
                Note::Link {
                    text: "b".into(),
                    url: "https://b.example/".into()
                },
            ]
        );
    }

    #[test]
    fn images_not_allowed_are_dropped_and_listed() {
        let long = format!("data:image/png;base64,{}", "A".repeat(100));
        let (out, state) = run(&format!(
            r#"<p><img src="https://allowed/1.png" alt="ok"><img src="https://elsewhere/2.png"><img src="{long}"><img alt="none"></p>"#
        ));
        assert!(
            out.contains("<img src=\"https://allowed/1.png\" alt=\"ok\" style=\""),
            "{out}"
        );
        assert_eq!(out.matches("<img").count(), 1, "{out}");
        assert_eq!(
            state.dropped_images,
            vec![
                "https://elsewhere/2.png".to_owned(),
                "data:image/png…".to_owned()
            ]
        );
    }

    #[test]
    fn bare_elements_get_the_themes_style_and_styled_ones_keep_theirs() {
        let (out, _) = run(
            r#"<p>x</p><p style="color:red">y</p><pre><code>z</code></pre><table><tbody><tr><td>1</td></tr></tbody></table>"#,
        );
        let theme = Theme::default();
        assert!(
            out.starts_with(&format!(
                "<p style=\"{}\">x</p><p style=\"color:red\">y</p>",
                theme.paragraph
            )),
            "{out}"
        );
        assert!(out.contains("<code>z</code>"), "{out}");
        assert!(
            out.contains(&format!(
                "<section style=\"{}\"><table style=",
                theme.table_wrap
            )),
            "{out}"
        );
        assert!(out.ends_with("</table></section>"), "{out}");
    }
}
