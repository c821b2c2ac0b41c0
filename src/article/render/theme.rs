//! How an article looks: one inline `style` per kind of element, since
//! WeChat keeps no stylesheet and no class (CONTENT.md §3).

use std::borrow::Cow;

/// The inline styles an article's elements get. Colour, size and line
/// height are set once on the article's outer `<section>` and inherited, so
/// each paragraph carries only its margins: every character of style counts
/// toward WeChat's 20,000.
#[derive(Clone, Debug)]
pub struct Theme {
    /// The `<section>` around the whole article.
    pub article: Cow<'static, str>,
    /// `h1` to `h6`.
    pub headings: [Cow<'static, str>; 6],
    pub paragraph: Cow<'static, str>,
    pub blockquote: Cow<'static, str>,
    /// A paragraph inside a quote.
    pub blockquote_paragraph: Cow<'static, str>,
    /// `ul` and `ol` of a Markdown list: no marker of the browser's, the
    /// item's marker is written as text ("• ", "1. ").
    pub list: Cow<'static, str>,
    pub list_item: Cow<'static, str>,
    /// A paragraph inside a list item (a list with blank lines between items).
    pub list_paragraph: Cow<'static, str>,
    /// The `<section>` a table scrolls in, sideways, on a phone.
    pub table_wrap: Cow<'static, str>,
    pub table: Cow<'static, str>,
    pub table_head_cell: Cow<'static, str>,
    pub table_cell: Cow<'static, str>,
    /// The `<pre>` of a code block; its colours come from [`Theme::code_theme`].
    pub code_block: Cow<'static, str>,
    pub inline_code: Cow<'static, str>,
    pub rule: Cow<'static, str>,
    pub image: Cow<'static, str>,
    pub strong: Cow<'static, str>,
    pub emphasis: Cow<'static, str>,
    pub strikethrough: Cow<'static, str>,
    /// A link WeChat opens (to one of its articles).
    pub link: Cow<'static, str>,
    /// The text of a link turned into a note.
    pub cited_text: Cow<'static, str>,
    /// The `[n]` after it, and after a Markdown footnote's reference.
    pub note_ref: Cow<'static, str>,
    /// The list of notes at the end: links with their address, footnotes.
    pub notes: Cow<'static, str>,
    pub note: Cow<'static, str>,
    pub note_url: Cow<'static, str>,
    /// The first paragraph of a footnote, on the line of its `[n]`.
    pub note_first_paragraph: Cow<'static, str>,
    /// The syntect theme that colours code (one of syntect's default
    /// themes; an unknown name falls back to "InspiredGitHub").
    pub code_theme: Cow<'static, str>,
}

impl Default for Theme {
    /// Close to doocs/md's default look: a dark blue for headings and bold
    /// text, grey quotes, GitHub's light code colours.
    fn default() -> Self {
        let b = Cow::Borrowed;
        Theme {
            article: b(
                "font-size:16px;line-height:1.75;color:#333;letter-spacing:.03em;text-align:justify;word-wrap:break-word",
            ),
            headings: [
                b(
                    "display:table;margin:1.6em auto 1em;padding:0 1em;border-bottom:2px solid #0f4c81;font-size:1.3em;font-weight:bold;text-align:center",
                ),
                b(
                    "display:table;margin:2em auto 1em;padding:0 .4em;background-color:#0f4c81;color:#fff;font-size:1.2em;font-weight:bold;text-align:center",
                ),
                b(
                    "margin:1.8em 0 .8em;padding-left:8px;border-left:3px solid #0f4c81;font-size:1.1em;font-weight:bold;line-height:1.4",
                ),
                b("margin:1.6em 0 .6em;color:#0f4c81;font-size:1em;font-weight:bold"),
                b("margin:1.4em 0 .5em;font-size:1em;font-weight:bold"),
                b("margin:1.4em 0 .5em;color:#666;font-size:.95em;font-weight:bold"),
            ],
            paragraph: b("margin:1em 0"),
            blockquote: b(
                "margin:1.5em 0;padding:.8em 1em;border-left:4px solid #0f4c81;border-radius:4px;background-color:#f7f7f7;color:#666",
            ),
            blockquote_paragraph: b("margin:.3em 0"),
            list: b("margin:1em 0;padding-left:1em;list-style:none"),
            list_item: b("margin:.3em 0"),
            list_paragraph: b("margin:.3em 0"),
            table_wrap: b("overflow-x:auto;margin:1em 0"),
            table: b("border-collapse:collapse;font-size:14px;line-height:1.5"),
            table_head_cell: b(
                "padding:.4em .6em;border:1px solid #dfdfdf;background-color:#f3f5f7;font-weight:bold;word-break:keep-all",
            ),
            table_cell: b("padding:.4em .6em;border:1px solid #dfdfdf;word-break:keep-all"),
            code_block: b(
                "margin:1em 0;padding:1em;border-radius:6px;background-color:#f6f8fa;color:#24292e;font-family:Menlo,Consolas,monospace;font-size:13px;line-height:1.6;text-align:left;white-space:nowrap;overflow-x:auto",
            ),
            inline_code: b(
                "padding:2px 4px;border-radius:4px;background-color:rgba(27,31,35,.05);color:#d14;font-family:Menlo,Consolas,monospace;font-size:90%",
            ),
            rule: b("height:0;margin:1.5em 0;border:0;border-top:1px solid rgba(0,0,0,.1)"),
            image: b("display:block;max-width:100%;margin:.6em auto;border-radius:4px"),
            strong: b("font-weight:bold;color:#0f4c81"),
            emphasis: b("font-style:italic"),
            strikethrough: b("text-decoration:line-through"),
            link: b("color:#576b95;text-decoration:none"),
            cited_text: b("color:#576b95"),
            note_ref: b("font-size:75%;line-height:0;color:#576b95"),
            notes: b(
                "margin-top:2em;padding-top:.6em;border-top:1px solid rgba(0,0,0,.1);color:#666;font-size:14px;line-height:1.6",
            ),
            note: b("margin:.4em 0"),
            note_url: b("font-style:italic;word-break:break-all"),
            note_first_paragraph: b("display:inline;margin:0"),
            code_theme: b("InspiredGitHub"),
        }
    }
}
