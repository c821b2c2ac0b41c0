//! The editor's preview (`preview_article`) against the real server: an
//! article's body as WeChat will get it, counted as WeChat counts it.

use crate::common;

use common::{ADMIN, ADMIN_PASSWORD, TestApp};
use qunfa::article::{
    ArticlePreviewData, CONTENT_MAX_CHARS,
    render::{Theme, WechatImages, render_markdown},
};
use reqwest::StatusCode;

const UPLOADED: &str = "http://mmbiz.qpic.cn/mmbiz_png/qunfa/0?wx_fmt=png";

const ARTICLE: &str = r#"# Release notes

Read [the last issue](https://mp.weixin.qq.com/s/AbCdEf) and [the docs](https://example.com/docs).

![diagram](http://mmbiz.qpic.cn/mmbiz_png/qunfa/0?wx_fmt=png)
![elsewhere](https://example.com/cat.png)

```python
def hello(name):
    return f"<b>{name}</b>"
```

| Step | Time |
|------|-----:|
| read | 1 ms |

<p class="lead" onclick="steal()">Raw</p><script>alert(1)</script>
"#;

/// `UPLOADED` as one of the account's own uploads, as `media/uploadimg`
/// through the media library would have kept it.
async fn upload(app: &TestApp) {
    qunfa::media::store::keep_body_image(&app.state.db, 1, UPLOADED, "0", "image/png", b"png")
        .await
        .unwrap();
}

async fn preview(
    app: &TestApp,
    client: &reqwest::Client,
    form: &[(&str, &str)],
) -> ArticlePreviewData {
    let answer = app.call(client, "preview_article", form).await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.expect("the preview as JSON")
}

#[tokio::test]
async fn a_markdown_article_is_previewed_as_html_wechat_keeps() {
    let app = TestApp::spawn().await;
    let client = app.client();
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    upload(&app).await;

    let shown = preview(&app, &client, &[("markdown", ARTICLE)]).await;
    let html = &shown.html_for_display;
    for forbidden in [
        "class=",
        "id=",
        "onclick",
        "<script",
        "alert",
        "cat.png",
        "example.com/docs\"",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
    assert!(
        html.contains("<a href=\"https://mp.weixin.qq.com/s/AbCdEf\""),
        "{html}"
    );
    assert!(
        html.contains("<span style=\"color:#"),
        "code is coloured: {html}"
    );
    assert!(
        html.contains("<section style=\"overflow-x:auto"),
        "the table scrolls: {html}"
    );
    // WeChat's image is not shown from WeChat (the browser may not load it):
    // the account's upload is shown from qunfa's copy.
    assert!(!html.contains("mmbiz.qpic.cn"), "{html}");
    assert!(html.contains("src=\"/a/main/media/image/"), "{html}");
    assert_eq!(shown.dropped_images, vec!["https://example.com/cat.png"]);
    assert_eq!(
        shown.footnotes,
        vec![("the docs".to_owned(), "https://example.com/docs".to_owned())]
    );
    // The counts are of the HTML WeChat gets, which holds the image's
    // own address, not of what the preview shows.
    let sent = render_markdown(ARTICLE, &Theme::default(), &WechatImages);
    assert!(sent.html.contains(UPLOADED.replace('&', "&amp;").as_str()));
    assert_eq!((shown.chars, shown.bytes), (sent.chars, sent.bytes));
    assert!(shown.chars < CONTENT_MAX_CHARS && shown.fits());
    app.stop().await;
}

#[tokio::test]
async fn pasted_html_is_previewed_instead_of_the_markdown() {
    let app = TestApp::spawn().await;
    let client = app.client();
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    upload(&app).await;

    let pasted = format!(
        r#"<section class="x" style="color:red;position:fixed"><p onclick="x()">Pasted</p><img src="{UPLOADED}"><img src="https://example.com/a.png"></section><style>p{{}}</style>"#
    );
    let shown = preview(
        &app,
        &client,
        &[("markdown", "# Ignored"), ("pasted_html", &pasted)],
    )
    .await;
    let html = &shown.html_for_display;
    assert!(!html.contains("Ignored"), "{html}");
    assert!(
        html.contains("<section style=\"color:red\"><p style=\"margin:1em 0\">Pasted</p>"),
        "{html}"
    );
    assert!(
        !html.contains("class=") && !html.contains("onclick") && !html.contains("position"),
        "{html}"
    );
    assert_eq!(shown.dropped_images, vec!["https://example.com/a.png"]);

    // A blank paste is no paste: the Markdown is shown.
    let shown = preview(
        &app,
        &client,
        &[("markdown", "# Shown"), ("pasted_html", "  ")],
    )
    .await;
    assert!(shown.html_for_display.contains(">Shown</h1>"));
    app.stop().await;
}

#[tokio::test]
async fn an_article_pasted_from_a_styling_editor_is_not_too_large_for_the_preview() {
    let app = TestApp::spawn().await;
    let client = app.client();
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    // What 135编辑器 or 秀米 give: every word in a styled span; 600 KB of
    // HTML (WeChat takes up to 1 MB) for about 10,000 characters of text.
    let span = r#"<span style="color:rgb(62,62,62);font-size:15px;letter-spacing:1px;line-height:1.75em">群发</span>"#;
    let paragraph = format!(
        r#"<section style="margin:10px 0;padding:0 8px"><p style="text-align:justify">{}</p></section>"#,
        span.repeat(10)
    );
    let pasted = paragraph.repeat(100);
    let pasted = pasted.repeat(600_000 / pasted.len() + 1);
    let shown = preview(&app, &client, &[("markdown", ""), ("pasted_html", &pasted)]).await;
    assert!(pasted.len() > 600_000);
    assert!(shown.html_for_display.contains("群发"));
    // The text a reader sees is what counts.
    assert_eq!(shown.chars, pasted.matches("群发").count() * 2);
    assert!(shown.chars < CONTENT_MAX_CHARS, "{}", shown.chars);
}
