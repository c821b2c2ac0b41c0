//! The editor's preview (`preview_article`) against the real server: an
//! article's body as WeChat will get it, counted as WeChat counts it.

mod common;

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
