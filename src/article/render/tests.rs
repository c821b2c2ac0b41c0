use super::*;

const UPLOADED: &str = "http://mmbiz.qpic.cn/mmbiz_png/abc/0?wx_fmt=png";

/// This account's uploads: one address.
struct Uploaded;
impl ImagePolicy for Uploaded {
    fn allows(&self, src: &str) -> bool {
        src == UPLOADED
    }
}

const ARTICLE: &str = r#"# 群发 release notes

Read [the last issue](https://mp.weixin.qq.com/s/AbCdEf) and [our site](https://example.com/qunfa "site")
or [the repo](https://github.com/example/qunfa), and [our site again](https://example.com/qunfa).

![diagram](http://mmbiz.qpic.cn/mmbiz_png/abc/0?wx_fmt=png)
![elsewhere](https://example.com/cat.png)
<img src="https://tracker.example/pixel.gif" onerror="alert(1)">

```rust
fn main() {
    println!("hello <world>");
}
```

| Step | Time |
|:-----|-----:|
| read | 1 ms |

<p class="lead" id="intro" onclick="steal()" style="color:red;position:fixed">Raw HTML</p>
<script>alert("x")</script>

A note[^1].

[^1]: See [the spec](https://spec.example/).
"#;

/// The tag and attribute names of `html`, which must be a `Rendered::html`.
fn tags_and_attributes(html: &str) -> (Vec<String>, Vec<String>) {
    let mut tags = Vec::new();
    let mut attributes = Vec::new();
    for token in Tokens::new(html) {
        if let Token::Start { name, attrs } = token {
            tags.push(name.to_owned());
            attributes.extend(attrs.iter().map(|(name, _)| (*name).to_owned()));
        }
    }
    (tags, attributes)
}

fn assert_only_wechat_html(html: &str) {
    let (tags, attributes) = tags_and_attributes(html);
    for tag in &tags {
        assert!(clean::TAGS.contains(&tag.as_str()), "<{tag}> in {html}");
    }
    for attribute in &attributes {
        assert!(
            ["style", "href", "src", "alt", "title", "colspan", "rowspan"]
                .contains(&attribute.as_str()),
            "{attribute}= in {html}"
        );
    }
    for forbidden in [
        "class=", "id=", "onclick", "onerror", "<script", "<style", "position",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
}

#[test]
fn a_markdown_article_becomes_html_wechat_keeps() {
    let rendered = render_markdown(ARTICLE, &Theme::default(), &Uploaded);
    let html = &rendered.html;
    assert_only_wechat_html(html);
    assert!(
        html.starts_with("<section style=\"font-size:16px"),
        "{html}"
    );
    // Headings, code coloured inline, the table in its scrolling section.
    assert!(html.contains("<h1 style="), "{html}");
    assert!(html.contains("<pre style="), "{html}");
    assert!(html.contains("<span style=\"color:#"), "{html}");
    assert!(html.contains("hello &lt;world&gt;"), "{html}");
    assert!(html.contains("<section style=\"overflow-x:auto"), "{html}");
    assert!(html.contains("text-align:right\">1 ms</td>"), "{html}");
    // Raw HTML keeps its text and its safe style.
    assert!(html.contains("style=\"color:red\">Raw HTML</p>"), "{html}");
    assert!(!html.contains("alert"), "{html}");
    // Only the uploaded image; the others are listed.
    let srcs: Vec<_> = Tokens::new(html)
        .filter_map(|token| match token {
            Token::Start { name: "img", attrs } => Some(
                attrs
                    .iter()
                    .find(|(n, _)| *n == "src")
                    .unwrap()
                    .1
                    .to_string(),
            ),
            _ => None,
        })
        .collect();
    assert_eq!(srcs, vec![UPLOADED.to_owned()]);
    assert_eq!(
        rendered.dropped_images,
        vec![
            "https://example.com/cat.png",
            "https://tracker.example/pixel.gif"
        ]
    );
    // The link to a WeChat article stays a link; the others are notes.
    assert!(
        html.contains(r#"<a href="https://mp.weixin.qq.com/s/AbCdEf" style="color:#576b95;text-decoration:none">the last issue</a>"#),
        "{html}"
    );
    assert_eq!(html.matches("<a ").count(), 1, "{html}");
    assert_eq!(
        rendered.footnotes,
        vec![
            (
                "our site".to_owned(),
                "https://example.com/qunfa".to_owned()
            ),
            (
                "the repo".to_owned(),
                "https://github.com/example/qunfa".to_owned()
            ),
            ("the spec".to_owned(), "https://spec.example/".to_owned()),
        ]
    );
    assert!(html.contains("our site</span><sup"), "{html}");
    assert!(html.contains("our site again</span><sup style=\"font-size:75%;line-height:0;color:#576b95\">[1]</sup>"), "{html}");
    // The footnote takes the next number, and its link the one after.
    assert!(
        html.contains("A note<sup style=\"font-size:75%;line-height:0;color:#576b95\">[3]</sup>"),
        "{html}"
    );
    let notes = &html[html.find("[1] our site").expect("the notes")..];
    assert!(notes.contains("[1] our site: <span style=\"font-style:italic;word-break:break-all\">https://example.com/qunfa</span>"), "{notes}");
    assert!(notes.contains("[2] the repo: "), "{notes}");
    assert!(notes.contains("[3] <p style=\"display:inline;margin:0\">See <span style=\"color:#576b95\">the spec</span><sup"), "{notes}");
    assert!(notes.contains("[4] the spec: "), "{notes}");
    assert!(
        rendered.chars < html.chars().count(),
        "the markup does not count"
    );
    assert_eq!(rendered.bytes, html.len());
}

#[test]
fn rendering_is_stable() {
    // The same article renders the same: the preview and the draft agree.
    let theme = Theme::default();
    assert_eq!(
        render_markdown(ARTICLE, &theme, &Uploaded),
        render_markdown(ARTICLE, &theme, &Uploaded)
    );
    // And the final HTML passes the final sanitiser unchanged.
    let html = render_markdown(ARTICLE, &theme, &Uploaded).html;
    assert_eq!(clean::FINAL.clean(&html).to_string(), html);
}

#[test]
fn pasted_html_keeps_safe_styles_and_loses_the_rest() {
    let pasted = r#"
<style>.lead { color: red }</style>
<section id="nice" class="md" data-tool="mdnice" style="font-size: 15px; position: absolute; background-image: url(https://x.example/bg.png)">
  <h2 class="title" onclick="steal()">Title</h2>
  <p class="p" style="color: rgb(63, 63, 63); margin: 10px 0">Body <a href="https://mp.weixin.qq.com/s/xyz" class="x">ours</a>
  and <a href="https://example.org/" onmouseover="x()">theirs</a>
  and <a href="javascript:alert(1)">not a link</a>.</p>
  <img src="https://example.org/photo.jpg" alt="photo"><img src="http://mmbiz.qpic.cn/mmbiz_png/abc/0?wx_fmt=png" width="300" class="i">
  <script>document.cookie</script>
  <iframe src="https://v.qq.com/x"></iframe>
  <p>Plain paragraph</p>
</section>"#;
    let rendered = sanitize_pasted_html(pasted, &Theme::default(), &Uploaded);
    let html = &rendered.html;
    assert_only_wechat_html(html);
    assert!(!html.contains("url("), "{html}");
    assert!(!html.contains("document.cookie"), "{html}");
    assert!(!html.contains("v.qq.com"), "{html}");
    assert!(
        html.contains("<section style=\"font-size:15px\">"),
        "{html}"
    );
    assert!(
        html.contains("<p style=\"color:rgb(63, 63, 63);margin:10px 0\">Body"),
        "{html}"
    );
    // A bare element gets the theme's look.
    assert!(html.contains("<h2 style=\"display:table"), "{html}");
    assert!(
        html.contains("<p style=\"margin:1em 0\">Plain paragraph</p>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://mp.weixin.qq.com/s/xyz\" style="),
        "{html}"
    );
    assert!(html.contains("theirs</span><sup"), "{html}");
    assert!(html.contains("not a link."), "{html}");
    assert_eq!(
        rendered.footnotes,
        vec![("theirs".to_owned(), "https://example.org/".to_owned())]
    );
    assert_eq!(
        rendered.dropped_images,
        vec!["https://example.org/photo.jpg"]
    );
    assert!(
        html.contains(&format!(
            "<img src=\"{}\" style=",
            UPLOADED.replace('&', "&amp;")
        )),
        "{html}"
    );
}

#[test]
fn a_twenty_thousand_character_article_is_counted_as_sent() {
    // 19,800 characters of text in 100 paragraphs, in Chinese (3 bytes
    // each), and the markup around them.
    let paragraph = format!("{}\n\n", "群发".repeat(99));
    let markdown = paragraph.repeat(100);
    assert_eq!(crate::article::char_count(&markdown), 20_000);
    let rendered = render_markdown(&markdown, &Theme::default(), &Uploaded);
    let text_chars = 19_800;
    // The characters are the text a reader sees; the styles do not count.
    assert_eq!(rendered.chars, text_chars);
    assert!(crate::article::content_fits(rendered.chars, rendered.bytes));
    // The bytes are the HTML's, markup included.
    let overhead = rendered.html.chars().count() - text_chars;
    assert_eq!(rendered.bytes, rendered.html.len());
    assert_eq!(
        rendered.bytes,
        text_chars * 3 + overhead,
        "the markup is ASCII"
    );
    let per_paragraph = "<p style=\"margin:1em 0\"></p>".len();
    let wrapper = rendered.html.find("<p ").unwrap() + "</section>".len();
    assert_eq!(overhead, 100 * per_paragraph + wrapper);

    // An entity is one character: "a & b" is five.
    let rendered = render_markdown("a & b", &Theme::default(), &Uploaded);
    assert!(rendered.html.contains("a &amp; b"), "{}", rendered.html);
    assert_eq!(rendered.chars, 5);

    // Past the limit by text alone.
    let long = "字".repeat(20_000);
    let rendered = render_markdown(&long, &Theme::default(), &Uploaded);
    assert_eq!(rendered.chars, 20_000);
    assert!(!crate::article::content_fits(
        rendered.chars,
        rendered.bytes
    ));
}

#[test]
fn images_are_shown_from_qunfas_copies() {
    let rendered = render_markdown(
        &format!("![a \"b\"]({UPLOADED})\n\n![other](http://mmbiz.qpic.cn/other/0)"),
        &Theme::default(),
        &WechatImages,
    );
    let shown = display_images(&rendered.html, &|src| {
        (src == UPLOADED).then(|| "/a/main/media/image/7".to_owned())
    });
    assert!(
        shown.contains("<img src=\"/a/main/media/image/7\" alt=\"a &quot;b&quot;\" style="),
        "{shown}"
    );
    assert!(!shown.contains("mmbiz"), "{shown}");
    assert!(shown.contains(";font-size:14px\">other</span>"), "{shown}");
    // Nothing else changes.
    let none = display_images(&rendered.html, &|src| Some(src.to_owned()));
    assert_eq!(none, rendered.html);
}

#[test]
fn only_wechat_images_pass_the_default_policy() {
    assert!(WechatImages.allows("http://mmbiz.qpic.cn/mmbiz_jpg/x/0"));
    assert!(WechatImages.allows("https://mmbiz.qpic.cn/mmbiz_jpg/x/0"));
    assert!(!WechatImages.allows("https://mmbiz.qpic.cn.evil.example/x"));
    assert!(!WechatImages.allows("https://example.com/mmbiz.qpic.cn/x"));
    assert!(!WechatImages.allows("data:image/png;base64,AAAA"));
}

#[test]
fn only_https_links_to_wechat_articles_stay_links() {
    assert!(is_wechat_article_link("https://mp.weixin.qq.com/s/AbC"));
    assert!(is_wechat_article_link(
        "https://mp.weixin.qq.com/s?__biz=x&mid=1"
    ));
    assert!(!is_wechat_article_link("http://mp.weixin.qq.com/s/AbC"));
    assert!(!is_wechat_article_link(
        "https://mp.weixin.qq.com.evil.example/s"
    ));
    assert!(!is_wechat_article_link("https://user@mp.weixin.qq.com/s"));
    assert!(!is_wechat_article_link("https://mp.weixin.qq.com:8443/s"));
    assert!(!is_wechat_article_link("/s/AbC"));
}

#[test]
fn a_long_data_image_with_wide_characters_is_dropped_and_named() {
    let src = format!("data:{}", "é".repeat(40));
    for rendered in [
        render_markdown(&format!("![x]({src})"), &Theme::default(), &Uploaded),
        sanitize_pasted_html(
            &format!("<img src=\"{src}\">"),
            &Theme::default(),
            &Uploaded,
        ),
    ] {
        assert!(!rendered.html.contains("<img"), "{}", rendered.html);
        assert_eq!(rendered.dropped_images.len(), 1);
        assert!(rendered.dropped_images[0].starts_with("data:é"));
        assert!(rendered.dropped_images[0].ends_with('…'));
    }
}
