//! What goes over the wire: pages and server functions' answers gzipped
//! when the browser accepts it (the browser's own files are compressed at
//! build time: `shell::assets`).

use crate::common;

use std::io::Read;

use common::{TestApp, form, send, signed_in};
use reqwest::{
    Response,
    header::{ACCEPT_ENCODING, CONTENT_ENCODING},
};

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a gzip stream");
    text
}

fn encoding(response: &Response) -> Option<String> {
    response
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn pages_and_answers_are_gzipped_for_a_browser_that_accepts_it() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    send(
        &app,
        &client,
        &form("qf-wire-1", "text", &[("text_content", "早上好")]),
    )
    .await;

    for (who, path) in [
        (app.client(), "/login"),
        (client.clone(), "/a/main/compose"),
        (client.clone(), "/a/main/sends"),
        (client.clone(), "/no-such-page"),
    ] {
        let plain = who.get(app.url(path)).send().await.unwrap();
        assert_eq!(encoding(&plain), None, "{path} without Accept-Encoding");
        let status = plain.status();
        let html = plain.text().await.unwrap();

        let zipped = who
            .get(app.url(path))
            .header(ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.status(), status, "{path}");
        assert_eq!(encoding(&zipped).as_deref(), Some("gzip"), "{path}");
        let bytes = zipped.bytes().await.unwrap();
        assert!(
            bytes.len() * 2 < html.len(),
            "{path}: {} bytes gzipped, {} plain",
            bytes.len(),
            html.len()
        );
        // The same page (its nonce differs from one answer to the next, and
        // a time shown as "n minutes ago" may have moved on).
        let unzipped = gunzip(&bytes);
        assert!(unzipped.contains("</html>"), "{path}: {unzipped}");
        assert!(
            unzipped.len().abs_diff(html.len()) < 64,
            "{path}: {} bytes unzipped, {} plain",
            unzipped.len(),
            html.len()
        );
    }

    // A server function's answer, as the hydrated page asks for it.
    let plain = app.call(&client, "list_sends", &[]).await;
    let json = plain.text().await.unwrap();
    let zipped = client
        .post(app.url("/api/list_sends"))
        .header("Accept", "application/json")
        .header(ACCEPT_ENCODING, "gzip")
        .form(&[("account", "main")])
        .send()
        .await
        .unwrap();
    assert_eq!(encoding(&zipped).as_deref(), Some("gzip"));
    // The same list (a row's state may move on between the two calls, as
    // WeChat's callback comes in).
    let ids = |json: &str| -> Vec<i64> {
        let page: qunfa::sends::history::HistoryPage = serde_json::from_str(json).unwrap();
        page.rows.iter().map(|row| row.id).collect()
    };
    let unzipped = gunzip(&zipped.bytes().await.unwrap());
    assert_eq!(ids(&unzipped), ids(&json));
    assert!(!ids(&json).is_empty());

    // Brotli only is not offered: the page goes as it is.
    let brotli_only = client
        .get(app.url("/a/main/sends"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(encoding(&brotli_only), None);
    app.stop().await;
}
