//! Code blocks coloured with inline styles (syntect, Sublime Text's
//! grammars), written the way WeChat shows them: each line break a `<br>`,
//! each space that HTML would fold an `&nbsp;` (as doocs/md does: WeChat's
//! renderers do not all keep `white-space: pre`).

use std::sync::LazyLock;

use syntect::{
    easy::HighlightLines,
    highlighting::{Color, FontStyle, Style, Theme as CodeTheme, ThemeSet},
    parsing::{SyntaxReference, SyntaxSet},
    util::LinesWithEndings,
};

use super::html::{push_attr_value, push_styled};
use super::theme::Theme;

/// Loaded once per process (a few milliseconds each, from syntect's dumps).
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static THEMES: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::load_defaults);

const FALLBACK_THEME: &str = "InspiredGitHub";

/// Loads the grammars and colours now rather than at the first article.
pub fn warm_up() {
    LazyLock::force(&SYNTAXES);
    LazyLock::force(&THEMES);
}

fn code_theme(theme: &Theme) -> &'static CodeTheme {
    THEMES
        .themes
        .get(&*theme.code_theme)
        .or_else(|| THEMES.themes.get(FALLBACK_THEME))
        .expect("syntect's default themes include InspiredGitHub")
}

/// The grammar for a fence's language (`rust`, `rs`, `Python`, `sh`, …),
/// by file extension or name.
fn syntax_for(language: &str) -> Option<&'static SyntaxReference> {
    let token = language.trim();
    if token.is_empty() {
        return None;
    }
    SYNTAXES.find_syntax_by_token(token)
}

/// Appends `code` as a `<pre><code>` block, coloured for `language` when
/// syntect knows it, plain otherwise.
pub(super) fn code_block(out: &mut String, language: &str, code: &str, theme: &Theme) {
    let code = code.strip_suffix('\n').unwrap_or(code);
    push_styled(out, "pre", &theme.code_block);
    out.push_str("<code>");
    let mut writer = CodeWriter::new(out);
    match syntax_for(language) {
        Some(syntax) => {
            let colours = code_theme(theme);
            let plain = colours.settings.foreground;
            let mut lines = HighlightLines::new(syntax, colours);
            for line in LinesWithEndings::from(code) {
                match lines.highlight_line(line, &SYNTAXES) {
                    Ok(regions) => {
                        for (style, text) in regions {
                            writer.piece(style_of(style, plain), text);
                        }
                    }
                    // A grammar that fails on a line leaves it uncoloured.
                    Err(_) => writer.piece(None, line),
                }
            }
        }
        None => writer.piece(None, code),
    }
    writer.finish();
    out.push_str("</code></pre>");
}

/// The inline style of a coloured piece, none for the theme's plain text.
fn style_of(style: Style, plain: Option<Color>) -> Option<String> {
    let mut css = String::new();
    if Some(style.foreground) != plain {
        let Color { r, g, b, .. } = style.foreground;
        css.push_str(&format!("color:#{r:02x}{g:02x}{b:02x}"));
    }
    if style.font_style.contains(FontStyle::BOLD) {
        push_declaration(&mut css, "font-weight:bold");
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        push_declaration(&mut css, "font-style:italic");
    }
    (!css.is_empty()).then_some(css)
}

fn push_declaration(css: &mut String, declaration: &str) {
    if !css.is_empty() {
        css.push(';');
    }
    css.push_str(declaration);
}

/// Writes pieces of code: one `<span>` per run of the same colour, line
/// breaks as `<br>`, tabs as four spaces, and a space as `&nbsp;` where
/// HTML would fold it (at a line's start, after another space).
struct CodeWriter<'a> {
    out: &'a mut String,
    open: Option<String>,
    line_start: bool,
    after_space: bool,
}

impl<'a> CodeWriter<'a> {
    fn new(out: &'a mut String) -> Self {
        CodeWriter {
            out,
            open: None,
            line_start: true,
            after_space: false,
        }
    }

    fn piece(&mut self, style: Option<String>, text: &str) {
        // A piece of only spaces and line breaks shows no colour: it
        // joins whatever span is open.
        let blank = text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        if !blank && style != self.open {
            self.close();
            if let Some(css) = &style {
                self.out.push_str("<span style=\"");
                push_attr_value(self.out, css);
                self.out.push_str("\">");
            }
            self.open = style;
        }
        for c in text.chars() {
            match c {
                '\n' => {
                    self.out.push_str("<br>");
                    self.line_start = true;
                    self.after_space = false;
                }
                '\r' => {}
                ' ' => self.space(),
                '\t' => (0..4).for_each(|_| self.space()),
                c => {
                    match c {
                        '&' => self.out.push_str("&amp;"),
                        '<' => self.out.push_str("&lt;"),
                        '>' => self.out.push_str("&gt;"),
                        '\u{a0}' => self.out.push_str("&nbsp;"),
                        c => self.out.push(c),
                    }
                    self.line_start = false;
                    self.after_space = false;
                }
            }
        }
    }

    fn space(&mut self) {
        if self.line_start || self.after_space {
            self.out.push_str("&nbsp;");
        } else {
            self.out.push(' ');
        }
        self.after_space = true;
    }

    fn close(&mut self) {
        if self.open.take().is_some() {
            self.out.push_str("</span>");
        }
    }

    fn finish(mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(language: &str, code: &str) -> String {
        let mut out = String::new();
        code_block(&mut out, language, code, &Theme::default());
        out
    }

    #[test]
    fn a_known_language_is_coloured_inline() {
        let html = block("rust", "fn main() {\n    let x = \"<hi>\";\n}\n");
        assert!(html.starts_with("<pre style=\""), "{html}");
        assert!(html.contains("<span style=\"color:#"), "{html}");
        assert!(html.contains("&lt;hi&gt;"), "{html}");
        assert!(!html.contains('\n'), "line breaks are <br>: {html}");
        assert!(
            html.contains("<br>&nbsp;&nbsp;&nbsp;&nbsp;"),
            "indent kept: {html}"
        );
        assert!(
            !html.ends_with("<br></code></pre>"),
            "no empty last line: {html}"
        );
        assert!(!html.contains("class="), "{html}");
    }

    #[test]
    fn an_unknown_language_is_plain_text_with_its_spaces() {
        let html = block("no-such-language", "a  b\n\tc");
        assert_eq!(
            html,
            format!(
                "<pre style=\"{}\"><code>a &nbsp;b<br>&nbsp;&nbsp;&nbsp;&nbsp;c</code></pre>",
                Theme::default().code_block
            )
        );
    }

    #[test]
    fn languages_are_found_by_name_or_extension() {
        for token in [
            "rust", "rs", "Python", "py", "js", "sh", "json", "go", "sql",
        ] {
            assert!(syntax_for(token).is_some(), "{token}");
        }
        assert!(syntax_for("").is_none());
    }
}
