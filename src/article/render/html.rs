//! Reading and writing the HTML that ammonia gives back.
//!
//! ammonia serialises its tree with html5ever, always in one shape: every
//! attribute `name="value"` with `&`, `"` and U+00A0 escaped in the value;
//! `&`, `<`, `>` and U+00A0 escaped in text; no comment; and here no raw
//! text element (`script`, `style` are removed with their content). In that
//! shape a `<` outside a tag always opens a tag and a `"` inside one always
//! ends a value, so [`Tokens`] reads it exactly without building a tree.
//! It is not a parser for other HTML: feed it only what `clean` returned.

use std::borrow::Cow;

/// One piece of sanitised HTML.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// A start tag, its attributes with their values unescaped.
    Start {
        name: &'a str,
        attrs: Vec<(&'a str, Cow<'a, str>)>,
    },
    End {
        name: &'a str,
    },
    /// Text, escaped as it stands in the HTML.
    Text(&'a str),
}

/// The tokens of sanitised HTML, in order.
pub(super) struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(html: &'a str) -> Self {
        Tokens { rest: html }
    }

    /// What is left, as text: for a tag that is not in ammonia's shape
    /// (none is), so nothing is lost or read as markup.
    fn give_up(&mut self) -> Option<Token<'a>> {
        let text = self.rest;
        self.rest = "";
        Some(Token::Text(text))
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        if !self.rest.starts_with('<') {
            let end = self.rest.find('<').unwrap_or(self.rest.len());
            let (text, rest) = self.rest.split_at(end);
            self.rest = rest;
            return Some(Token::Text(text));
        }
        if let Some(after) = self.rest.strip_prefix("</") {
            let Some(end) = after.find('>') else {
                return self.give_up();
            };
            self.rest = &after[end + 1..];
            return Some(Token::End {
                name: &after[..end],
            });
        }
        let after = &self.rest[1..];
        let name_end = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        if name_end == 0 {
            return self.give_up();
        }
        let name = &after[..name_end];
        let mut at = &after[name_end..];
        let mut attrs = Vec::new();
        loop {
            at = at.trim_start_matches(' ');
            if let Some(rest) = at.strip_prefix('>') {
                self.rest = rest;
                return Some(Token::Start { name, attrs });
            }
            let Some(eq) = at.find("=\"") else {
                return self.give_up();
            };
            let attr = &at[..eq];
            let value_start = &at[eq + 2..];
            let Some(close) = value_start.find('"') else {
                return self.give_up();
            };
            if attr.is_empty() || attr.contains([' ', '>']) {
                return self.give_up();
            }
            attrs.push((attr, unescape(&value_start[..close])));
            at = &value_start[close + 1..];
        }
    }
}

/// Elements with no end tag.
pub(super) fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area" | "br" | "col" | "embed" | "hr" | "img" | "input" | "wbr" | "source" | "track"
    )
}

/// Text or an attribute value as it reads, from its escaped form (the
/// entities html5ever writes, and the numeric ones anyone may).
pub(super) fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = rest.find(';').map(|end| (&rest[1..end], end));
        let decoded = entity.and_then(|(name, end)| {
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "nbsp" => '\u{a0}',
                "#39" => '\'',
                _ => return None,
            };
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Appends `text` to `out` as HTML text.
pub(super) fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

/// Appends `value` to `out` as a double-quoted attribute value.
pub(super) fn push_attr_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

/// Appends ` name="value"`.
pub(super) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_attr_value(out, value);
    out.push('"');
}

/// Appends a start tag with its attributes.
pub(super) fn push_start(out: &mut String, name: &str, attrs: &[(&str, Cow<'_, str>)]) {
    out.push('<');
    out.push_str(name);
    for (attr, value) in attrs {
        push_attr(out, attr, value);
    }
    out.push('>');
}

/// Appends `<name style="style">`, without the attribute when `style` is empty.
pub(super) fn push_styled(out: &mut String, name: &str, style: &str) {
    out.push('<');
    out.push_str(name);
    if !style.is_empty() {
        push_attr(out, "style", style);
    }
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(html: &str) -> Vec<Token<'_>> {
        Tokens::new(html).collect()
    }

    #[test]
    fn sanitised_html_reads_as_its_tags_and_text() {
        let html = r#"<p style="color:red">a &lt;b&gt; &amp; c<br><img src="https://x/?a=1&amp;b=&quot;2&quot;" alt="x > y"></p>"#;
        assert_eq!(
            tokens(html),
            vec![
                Token::Start {
                    name: "p",
                    attrs: vec![("style", "color:red".into())]
                },
                Token::Text("a &lt;b&gt; &amp; c"),
                Token::Start {
                    name: "br",
                    attrs: vec![]
                },
                Token::Start {
                    name: "img",
                    attrs: vec![
                        ("src", r#"https://x/?a=1&b="2""#.into()),
                        ("alt", "x > y".into())
                    ]
                },
                Token::End { name: "p" },
            ]
        );
    }

    #[test]
    fn what_is_not_in_ammonias_shape_stays_text() {
        assert_eq!(tokens("a<"), vec![Token::Text("a"), Token::Text("<")]);
        assert_eq!(tokens("<p x=y>"), vec![Token::Text("<p x=y>")]);
        assert_eq!(tokens("<p x=\"y>"), vec![Token::Text("<p x=\"y>")]);
    }

    #[test]
    fn entities_are_read_and_written_back() {
        assert_eq!(
            unescape("a &amp;&nbsp;b &unknown; &"),
            "a &\u{a0}b &unknown; &"
        );
        let mut out = String::new();
        push_attr(&mut out, "alt", "\"<a & b>\"");
        assert_eq!(out, r#" alt="&quot;&lt;a &amp; b&gt;&quot;""#);
        let mut out = String::new();
        push_text(&mut out, "1 < 2 & 3\u{a0}");
        assert_eq!(out, "1 &lt; 2 &amp; 3&nbsp;");
    }
}
