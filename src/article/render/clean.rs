//! The whitelist: what of an article's HTML may reach WeChat (ammonia).
//!
//! Two builders share it. [`READ`] runs first, on the HTML the Markdown
//! writer made or the editor pasted: it keeps links and images of any web
//! address so that `transform` can turn links into notes and list the images
//! it drops. [`FINAL`] runs last, on everything `transform` wrote: links only
//! to WeChat's articles, images only over http(s).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// The elements WeChat articles are made of. Everything else is removed and
/// its content kept, except [`DROPPED_WITH_CONTENT`].
pub(super) const TAGS: &[&str] = &[
    "section",
    "p",
    "br",
    "span",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "mark",
    "small",
    "sub",
    "sup",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "pre",
    "code",
    "hr",
    "img",
    "a",
    "figure",
    "figcaption",
];

/// Removed with everything inside: scripts and styles, and embeds WeChat
/// does not take through its API (video and audio, frames), whose fallback
/// text would otherwise show.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "video", "audio",
    "canvas", "noscript", "template", "svg", "math", "select", "textarea", "title",
];

/// The CSS properties an element may set. Not here, among others:
/// `position`, `z-index`, `transform` (an element laid over the page or
/// outside the article), `content`, `cursor`, `behavior`, `-moz-binding`,
/// `background-image` and every other property that loads an address.
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "background",
    "opacity",
    "font",
    "font-size",
    "font-weight",
    "font-style",
    "font-family",
    "font-variant",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "word-break",
    "word-wrap",
    "overflow-wrap",
    "white-space",
    "text-align",
    "text-indent",
    "text-decoration",
    "text-decoration-line",
    "text-decoration-color",
    "text-decoration-style",
    "text-transform",
    "text-shadow",
    "vertical-align",
    "display",
    "box-sizing",
    "box-shadow",
    "overflow",
    "overflow-x",
    "overflow-y",
    "list-style",
    "list-style-type",
    "list-style-position",
    "table-layout",
    "border-collapse",
    "border-spacing",
    "caption-side",
    "width",
    "min-width",
    "max-width",
    "height",
    "min-height",
    "max-height",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-width",
    "border-style",
    "border-color",
    "border-radius",
    "border-top-width",
    "border-right-width",
    "border-bottom-width",
    "border-left-width",
    "border-top-style",
    "border-right-style",
    "border-bottom-style",
    "border-left-style",
    "border-top-color",
    "border-right-color",
    "border-bottom-color",
    "border-left-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
];

/// The functions a kept CSS value may call: colours, sizes and gradients.
/// `url()`, `image-set()`, `expression()` (old IE's script), `attr()`,
/// `element()` and any other are refused with their declaration.
const STYLE_FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "calc",
    "linear-gradient",
    "radial-gradient",
];

fn builder(schemes: &[&'static str], relative: UrlRelative<'static>) -> Builder<'static> {
    // Every list set here, none of ammonia's defaults left (they allow
    // `lang`, `width`, `hreflang`, … and classes on nothing, as here).
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::from(["style"]))
        .generic_attribute_prefixes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("img", HashSet::from(["src", "alt", "title"])),
            ("td", HashSet::from(["colspan", "rowspan"])),
            ("th", HashSet::from(["colspan", "rowspan"])),
        ]))
        .tag_attribute_values(HashMap::new())
        .allowed_classes(HashMap::new())
        .url_schemes(schemes.iter().copied().collect())
        .url_relative(relative)
        .link_rel(None)
        .id_prefix(None)
        .strip_comments(true);
    builder
}

/// The first pass: any web, mail or data address kept (and relative ones),
/// for `transform` to decide on with the article's rules.
pub(super) static READ: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = builder(
        &["http", "https", "mailto", "data"],
        UrlRelative::PassThrough,
    );
    builder.attribute_filter(|_, attribute, value| match attribute {
        "style" => safe_style(value),
        _ => Some(value.into()),
    });
    builder
});

/// The last pass, over all the HTML that goes to WeChat.
pub(super) static FINAL: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = builder(&["http", "https"], UrlRelative::Deny);
    builder.attribute_filter(|element, attribute, value| match (element, attribute) {
        (_, "style") => safe_style(value),
        ("a", "href") => super::is_wechat_article_link(value).then_some(value.into()),
        _ => Some(value.into()),
    });
    builder
});

/// No element at all: what is left is the text a reader sees.
pub(super) static TEXT: LazyLock<Builder<'static>> = LazyLock::new(Builder::empty);

/// `style` without the declarations that are not safe: a property not in
/// [`STYLE_PROPERTIES`], a value that calls a function not in
/// [`STYLE_FUNCTIONS`] or holds a quote, an escape, a comment, an at-rule
/// or markup. What is kept is plain enough that a browser reads the same
/// declarations as this split does (a `;` inside brackets stays in its
/// value, which a browser then drops whole). ammonia's own CSS filter is
/// not used: it rewrites every value (`.5em` as `0.5em`, `rgba(0,0,0,.1)`
/// as `rgba(0, 0, 0, 0.1)`), and each character counts toward WeChat's limit.
pub(super) fn safe_style(style: &str) -> Option<Cow<'_, str>> {
    let mut kept = String::with_capacity(style.len());
    for declaration in declarations(style) {
        let Some((property, value)) = declaration.split_once(':') else {
            continue;
        };
        let property = property.trim().to_ascii_lowercase();
        let value = value.trim();
        if !STYLE_PROPERTIES.contains(&property.as_str()) || !safe_value(value) {
            continue;
        }
        if !kept.is_empty() {
            kept.push(';');
        }
        kept.push_str(&property);
        kept.push(':');
        kept.push_str(value);
    }
    (!kept.is_empty()).then_some(Cow::Owned(kept))
}

/// The declarations of a style attribute, split at each `;` outside
/// quotes and brackets.
fn declarations(style: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in style.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                parts.push(&style[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&style[start..]);
    parts
}

fn safe_value(value: &str) -> bool {
    if value.is_empty()
        || value.contains(['\\', '<', '>', '@', '{', '}', '"', '\''])
        || value.contains("/*")
    {
        // Quoted font names are lost with the rest ("PingFang SC"): a
        // quote in a kept value costs six characters as `&quot;`, and
        // WeChat shows its own font.
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if lower.contains("javascript:") || lower.contains("expression") {
        return false;
    }
    // Every function called must be one of the listed.
    let bytes = lower.as_bytes();
    let mut name_start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let in_name = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        match (in_name, name_start) {
            (true, None) => name_start = Some(i),
            (true, Some(_)) => {}
            (false, Some(start)) => {
                if b == b'(' && !STYLE_FUNCTIONS.contains(&&lower[start..i]) {
                    return false;
                }
                name_start = None;
            }
            (false, None) => {
                if b == b'(' {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(value: &str) -> Option<String> {
        safe_style(value).map(Cow::into_owned)
    }

    #[test]
    fn safe_declarations_are_kept() {
        assert_eq!(
            style("color: #333; margin:1em 0 ;background-color:rgba(0,0,0,.05)").as_deref(),
            Some("color:#333;margin:1em 0;background-color:rgba(0,0,0,.05)")
        );
        assert_eq!(
            style("background: linear-gradient(to right, #fff, #eee)").as_deref(),
            Some("background:linear-gradient(to right, #fff, #eee)")
        );
    }

    #[test]
    fn declarations_that_load_place_or_run_something_are_dropped() {
        for bad in [
            "background:url(https://evil.example/x.png)",
            "background: URL( 'x' )",
            "background-image:linear-gradient(red, blue)",
            "position:fixed",
            "z-index:9999",
            "width:expression(alert(1))",
            "color:red\\;position:fixed",
            "behavior:url(x.htc)",
            "-moz-binding:url(x)",
            "background:image-set(\"x.png\" 1x)",
            "color:/* */red",
            "font-family:\"a;b\"",
            "color:var(--x)",
            "color:(red)",
        ] {
            assert_eq!(style(bad), None, "{bad}");
        }
        assert_eq!(
            style("position:absolute;color:red;top:0").as_deref(),
            Some("color:red")
        );
    }

    #[test]
    fn the_final_pass_keeps_only_links_to_wechat_articles() {
        let html = FINAL
            .clean(r#"<a href="https://mp.weixin.qq.com/s/x" class="c" id="i" onclick="x()">in</a><a href="https://example.com/">out</a><a href="javascript:alert(1)">js</a>"#)
            .to_string();
        assert_eq!(
            html,
            r#"<a href="https://mp.weixin.qq.com/s/x">in</a><a>out</a><a>js</a>"#
        );
    }

    #[test]
    fn scripts_styles_and_embeds_go_with_their_content() {
        let html = READ
            .clean("<p>a<script>alert(1)</script><style>p{}</style><video>no video</video><iframe src=\"x\">f</iframe><button onclick=\"x\">b</button></p>")
            .to_string();
        assert_eq!(html, "<p>ab</p>");
    }
}
