//! Markdown to HTML with the theme's inline styles (pulldown-cmark's
//! events, written here rather than by its HTML writer, which knows only
//! classes). Links and images are written as they are: what WeChat keeps
//! of them is decided for Markdown and pasted HTML alike afterwards
//! (`transform`). Raw HTML in the Markdown passes through to the same
//! sanitising.

use std::collections::HashMap;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

use super::highlight;
use super::html::{push_attr, push_styled, push_text};
use super::theme::Theme;

/// The prefix of a footnote reference's `href`: `transform` numbers it
/// with the links that become notes.
pub(super) const FOOTNOTE_HREF: &str = "#qunfa-footnote-";

/// A Markdown article as HTML.
pub(super) struct Written {
    pub body: String,
    /// Each footnote's content by its label, shown in the notes at the end.
    pub footnotes: HashMap<String, String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

pub(super) fn write(markdown: &str, theme: &Theme) -> Written {
    let mut writer = Writer {
        theme,
        body: String::with_capacity(markdown.len() * 3),
        footnotes: HashMap::new(),
        footnote: None,
        lists: Vec::new(),
        marker: None,
        quotes: 0,
        table: Vec::new(),
        cell: 0,
        in_head: false,
        code: None,
        image: None,
    };
    for event in Parser::new_ext(markdown, options()) {
        writer.event(event);
    }
    Written {
        body: writer.body,
        footnotes: writer.footnotes,
    }
}

/// A footnote's content being written.
struct Footnote {
    label: String,
    html: String,
    first_paragraph: bool,
}

struct Writer<'t> {
    theme: &'t Theme,
    body: String,
    footnotes: HashMap<String, String>,
    footnote: Option<Footnote>,
    /// Open lists: the next number of an ordered one, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The marker of a list item not yet written ("• ", "3. "): it goes
    /// before the item's first text, inside its paragraph if it has one.
    marker: Option<String>,
    quotes: usize,
    table: Vec<Alignment>,
    cell: usize,
    in_head: bool,
    /// A code block's language and text, written at its end.
    code: Option<(String, String)>,
    /// An image's address, title and alt text, written at its end.
    image: Option<(String, String, String)>,
}

impl Writer<'_> {
    fn out(&mut self) -> &mut String {
        match &mut self.footnote {
            Some(footnote) => &mut footnote.html,
            None => &mut self.body,
        }
    }

    fn styled(&mut self, name: &str, style: &str) {
        let out = self.out();
        push_styled(out, name, style);
    }

    fn raw(&mut self, html: &str) {
        self.out().push_str(html);
    }

    fn flush_marker(&mut self) {
        if let Some(marker) = self.marker.take() {
            push_text(self.out(), &marker);
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some((_, code)) = &mut self.code {
            match event {
                Event::Text(text) => code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    let (language, code) = self.code.take().unwrap_or_default();
                    let theme = self.theme;
                    highlight::code_block(self.out(), &language, &code, theme);
                }
                _ => {}
            }
            return;
        }
        if let Some((_, _, alt)) = &mut self.image {
            match event {
                Event::Text(text) | Event::Code(text) => alt.push_str(&text),
                Event::End(TagEnd::Image) => {
                    let (src, title, alt) = self.image.take().unwrap_or_default();
                    let style = self.theme.image.clone();
                    let out = self.out();
                    out.push_str("<img");
                    push_attr(out, "src", &src);
                    push_attr(out, "alt", &alt);
                    if !title.is_empty() {
                        push_attr(out, "title", &title);
                    }
                    if !style.is_empty() {
                        push_attr(out, "style", &style);
                    }
                    out.push('>');
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                self.flush_marker();
                push_text(self.out(), &text);
            }
            Event::Code(text) => {
                self.flush_marker();
                let style = self.theme.inline_code.clone();
                self.styled("code", &style);
                push_text(self.out(), &text);
                self.raw("</code>");
            }
            Event::Html(html) => {
                self.flush_marker();
                self.raw(&html);
            }
            Event::InlineHtml(html) => {
                self.flush_marker();
                self.raw(&html);
            }
            // A line break in the source is one in the article, as in
            // doocs/md and the other WeChat editors: people write in a box
            // that wraps lines for them, so a break they typed is meant.
            Event::SoftBreak | Event::HardBreak => self.raw("<br>"),
            Event::Rule => {
                let style = self.theme.rule.clone();
                self.styled("hr", &style);
            }
            Event::FootnoteReference(label) => {
                self.flush_marker();
                let out = self.out();
                out.push_str("<a");
                push_attr(out, "href", &format!("{FOOTNOTE_HREF}{label}"));
                out.push_str("></a>");
            }
            Event::TaskListMarker(done) => {
                self.marker = Some(if done { "☑ " } else { "☐ " }.to_owned());
                self.flush_marker();
            }
            Event::InlineMath(text) | Event::DisplayMath(text) => {
                self.flush_marker();
                push_text(self.out(), &text);
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let theme = self.theme;
        match tag {
            Tag::Paragraph => {
                if let Some(footnote) = &mut self.footnote
                    && std::mem::take(&mut footnote.first_paragraph)
                {
                    self.styled("p", &theme.note_first_paragraph);
                    return;
                }
                let style = if self.quotes > 0 {
                    &theme.blockquote_paragraph
                } else if !self.lists.is_empty() {
                    &theme.list_paragraph
                } else {
                    &theme.paragraph
                };
                self.styled("p", style);
                self.flush_marker();
            }
            Tag::Heading { level, .. } => {
                self.flush_marker();
                let level = level as usize;
                self.styled(&format!("h{level}"), &theme.headings[level - 1]);
            }
            Tag::BlockQuote(_) => {
                self.flush_marker();
                self.quotes += 1;
                self.styled("blockquote", &theme.blockquote);
            }
            Tag::CodeBlock(kind) => {
                self.flush_marker();
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((language, String::new()));
            }
            Tag::HtmlBlock => self.flush_marker(),
            Tag::List(start) => {
                self.flush_marker();
                self.lists.push(start);
                let name = if start.is_some() { "ol" } else { "ul" };
                self.styled(name, &theme.list);
            }
            Tag::Item => {
                let depth = self.lists.len();
                let marker = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => match depth {
                        0 | 1 => "• ",
                        2 => "◦ ",
                        _ => "▪ ",
                    }
                    .to_owned(),
                };
                self.styled("li", &theme.list_item);
                self.marker = Some(marker);
            }
            Tag::FootnoteDefinition(label) => {
                self.footnote = Some(Footnote {
                    label: label.to_string(),
                    html: String::new(),
                    first_paragraph: true,
                });
            }
            Tag::Table(alignments) => {
                self.flush_marker();
                self.table = alignments;
                self.styled("table", &theme.table);
            }
            Tag::TableHead => {
                self.in_head = true;
                self.cell = 0;
                self.raw("<thead><tr>");
            }
            Tag::TableRow => {
                self.cell = 0;
                self.raw("<tr>");
            }
            Tag::TableCell => {
                let (name, style) = if self.in_head {
                    ("th", &theme.table_head_cell)
                } else {
                    ("td", &theme.table_cell)
                };
                let align = match self.table.get(self.cell) {
                    Some(Alignment::Left) => ";text-align:left",
                    Some(Alignment::Center) => ";text-align:center",
                    Some(Alignment::Right) => ";text-align:right",
                    _ => "",
                };
                self.cell += 1;
                self.styled(name, &format!("{style}{align}"));
            }
            Tag::Emphasis => {
                self.flush_marker();
                self.styled("em", &theme.emphasis);
            }
            Tag::Strong => {
                self.flush_marker();
                self.styled("strong", &theme.strong);
            }
            Tag::Strikethrough => {
                self.flush_marker();
                self.styled("del", &theme.strikethrough);
            }
            Tag::Superscript => self.raw("<sup>"),
            Tag::Subscript => self.raw("<sub>"),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                self.flush_marker();
                let href = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.to_string(),
                };
                let out = self.out();
                out.push_str("<a");
                push_attr(out, "href", &href);
                if !title.is_empty() {
                    push_attr(out, "title", &title);
                }
                out.push('>');
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                self.flush_marker();
                self.image = Some((dest_url.to_string(), title.to_string(), String::new()));
            }
            Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.raw("</p>"),
            TagEnd::Heading(level) => {
                let level = level as usize;
                self.raw(&format!("</h{level}>"));
            }
            TagEnd::BlockQuote(_) => {
                self.quotes = self.quotes.saturating_sub(1);
                self.raw("</blockquote>");
            }
            TagEnd::List(ordered) => {
                self.lists.pop();
                self.raw(if ordered { "</ol>" } else { "</ul>" });
            }
            TagEnd::Item => {
                self.flush_marker();
                self.raw("</li>");
            }
            TagEnd::FootnoteDefinition => {
                if let Some(footnote) = self.footnote.take() {
                    self.footnotes.insert(footnote.label, footnote.html);
                }
            }
            TagEnd::Table => self.raw("</tbody></table>"),
            TagEnd::TableHead => {
                self.in_head = false;
                self.raw("</tr></thead><tbody>");
            }
            TagEnd::TableRow => self.raw("</tr>"),
            TagEnd::TableCell => self.raw(if self.in_head { "</th>" } else { "</td>" }),
            TagEnd::Emphasis => self.raw("</em>"),
            TagEnd::Strong => self.raw("</strong>"),
            TagEnd::Strikethrough => self.raw("</del>"),
            TagEnd::Superscript => self.raw("</sup>"),
            TagEnd::Subscript => self.raw("</sub>"),
            TagEnd::Link => self.raw("</a>"),
            TagEnd::CodeBlock
            | TagEnd::Image
            | TagEnd::HtmlBlock
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(markdown: &str) -> String {
        write(markdown, &Theme::default()).body
    }

    #[test]
    fn list_items_carry_their_marker_as_text() {
        let html = body("- one\n- two\n  1. first\n  2. second\n- [x] done\n- [ ] open\n");
        for marker in [
            "• one",
            "• two",
            "1. first",
            "2. second",
            "☑ done",
            "☐ open",
        ] {
            assert!(html.contains(marker), "{marker}: {html}");
        }
        assert!(
            !html.contains("• ☑"),
            "a task has its box, not a bullet: {html}"
        );
        assert!(html.contains("list-style:none"), "{html}");
    }

    #[test]
    fn a_loose_list_puts_the_marker_inside_the_paragraph() {
        let html = body("3. a\n\n4. b\n");
        assert!(html.contains(">3. a</p>"), "{html}");
        assert!(html.contains(">4. b</p>"), "{html}");
    }

    #[test]
    fn table_cells_keep_their_alignment() {
        let html = body("| a | b |\n|:--|--:|\n| 1 | 2 |\n");
        assert!(html.contains("text-align:left\">a</th>"), "{html}");
        assert!(html.contains("text-align:right\">2</td>"), "{html}");
        assert!(html.contains("</tr></thead><tbody><tr>"), "{html}");
    }

    #[test]
    fn footnotes_are_kept_aside_by_label() {
        let written = write("Text[^n].\n\n[^n]: The *note*.\n", &Theme::default());
        assert!(
            written
                .body
                .contains(&format!("<a href=\"{FOOTNOTE_HREF}n\"></a>"))
        );
        assert!(!written.body.contains("The "), "{}", written.body);
        assert!(
            written.footnotes["n"].contains("The <em"),
            "{:?}",
            written.footnotes
        );
    }

    #[test]
    fn a_line_break_in_the_source_is_one_in_the_article() {
        assert!(body("one\ntwo").contains("one<br>two"));
    }
}
