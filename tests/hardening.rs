//! The console on the internet: what a browser is told about scripts and
//! framing, requests that cannot show where they come from, arguments that
//! do not parse, who may delete a send, and what is not kept.

use crate::common;

use std::time::Duration;

use common::{ADMIN, ADMIN_PASSWORD, TestApp, form, location, post, send, signed_in};
use reqwest::StatusCode;

/// Every `<script` tag of a page, as written.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(at, _)| {
            let end = html[at..].find('>').map_or(html.len(), |e| at + e + 1);
            &html[at..end]
        })
        .collect()
}

fn nonce_of(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let end = policy[start..].find('\'').unwrap() + start;
    policy[start..end].to_owned()
}

#[tokio::test]
async fn every_page_allows_only_its_own_nonced_scripts_and_no_framing() {
    let app = TestApp::spawn().await;
    let stranger = app.client();
    let client = signed_in(&app).await;
    let mut nonces = Vec::new();
    for (who, path, status) in [
        (&stranger, "/login", StatusCode::OK),
        (&client, "/a/main/compose", StatusCode::OK),
        (&client, "/a/main/sends", StatusCode::OK),
        (&client, "/no-such-page", StatusCode::NOT_FOUND),
    ] {
        let response = who.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let headers = response.headers().clone();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        let policy = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path} has no Content-Security-Policy"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        // Inline style attributes only (an article's body); no inline script.
        let others = policy.replace("style-src-attr 'unsafe-inline'", "");
        assert!(!others.contains("unsafe-inline"), "{policy}");
        let nonce = nonce_of(&policy);
        assert!(nonce.len() >= 16, "{nonce}");
        let html = response.text().await.unwrap();
        let scripts = script_tags(&html);
        assert!(!scripts.is_empty(), "{path} hydrates with scripts");
        for tag in scripts {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: a script without the response's nonce: {tag}"
            );
        }
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 4, "a fresh nonce for every response");
    app.stop().await;
}

#[tokio::test]
async fn a_post_that_shows_neither_origin_nor_referer_is_refused() {
    let app = TestApp::spawn().await;
    let bare = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = bare
        .post(app.url("/login"))
        .header("Accept-Language", "en")
        .form(&[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(login.text().await.unwrap().contains("no Origin or Referer"));

    // Signed in with a Referer only (allowed), then a bare call.
    let signed = bare
        .post(app.url("/login"))
        .header("Referer", app.url("/login"))
        .form(&[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let forged = bare
        .post(app.url("/api/add_user"))
        .header("Accept", "application/json")
        .form(&[
            ("username", "mallory"),
            ("password", "mallory-pass"),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let with_referer = bare
        .post(app.url("/api/add_user"))
        .header("Accept", "application/json")
        .header("Referer", app.url("/users"))
        .form(&[
            ("username", "ed"),
            ("password", "ed-password"),
            ("role", "editor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_referer.status(),
        StatusCode::OK,
        "the console's own Referer passes"
    );
    let admin = signed_in(&app).await;
    let users = app
        .call(&admin, "list_users", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        users.contains("\"ed\"") && !users.contains("mallory"),
        "{users}"
    );
    app.stop().await;
}

#[tokio::test]
async fn arguments_that_do_not_parse_are_a_400_that_names_the_field() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    for (function, fields, named) in [
        ("load_send_detail", vec![("id", "abc")], "id"),
        ("load_send_detail", vec![], "`id`"),
        (
            "delete_send",
            vec![("id", "1"), ("article", "-1")],
            "article",
        ),
        (
            "set_user_disabled",
            vec![("id", "2"), ("disabled", "maybe")],
            "disabled",
        ),
        ("list_drafts", vec![("offset", "1\u{7}")], "offset"),
    ] {
        let response = app.call(&client, function, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{function} {fields:?}"
        );
        let error: qunfa::error::AppError = response.json().await.unwrap();
        match error {
            qunfa::error::AppError::BadArgument(detail) => {
                assert!(detail.contains(named), "{function}: {detail}")
            }
            other => panic!("{function}: {other:?}"),
        }
    }
    // A form sent without JavaScript gets the words, not a 500.
    let page = client
        .post(app.url("/api/load_send_detail"))
        .header("Accept", "text/html")
        .header("Accept-Language", "en")
        .form(&[("account", "main"), ("id", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let words = page.text().await.unwrap();
    assert!(
        words.contains("could not be read") && words.contains("id"),
        "{words}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_clientmsgid_with_a_line_break_is_carried_in_the_address_encoded() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-line\nbreak";
    let response = client
        .post(app.url("/api/prepare_send"))
        .header("Accept", "text/html")
        .header("Referer", app.url("/a/main/compose"))
        .form(&form(id, "text", &[("text_content", "hello")]))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let target = location(&response);
    assert!(
        target.starts_with("/a/main/compose?attempt=qf-line%0Abreak"),
        "{target}"
    );
    assert!(
        app.client()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    app.stop().await;
}

#[tokio::test]
async fn only_the_author_or_an_admin_may_delete_a_send() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    for name in ["author", "other"] {
        let added = app
            .call(
                &admin,
                "add_user",
                &[
                    ("username", name),
                    ("password", "editor-password-1"),
                    ("role", "editor"),
                ],
            )
            .await;
        common::grant(&app, &admin, name, "main", true).await;
        assert!(added.status().is_success(), "{}", added.status());
    }
    let author = app.client();
    app.log_in(&author, "author", "editor-password-1").await;
    let other = app.client();
    app.log_in(&other, "other", "editor-password-1").await;

    let sent = send(
        &app,
        &author,
        &form("qf-delete-rights", "text", &[("text_content", "删除权限")]),
    )
    .await;
    let id = sent.id.to_string();
    let refused = app
        .call(&other, "delete_send", &[("id", &id), ("article", "0")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let deletes = |app: &TestApp| {
        app.state
            .simulator
            .as_ref()
            .unwrap()
            .counters()
            .calls_to(qunfa::wechat::Endpoint::MassDelete)
    };
    assert_eq!(deletes(&app), 0, "WeChat was not asked");
    let own = app
        .call(&author, "delete_send", &[("id", &id), ("article", "0")])
        .await;
    assert_eq!(
        own.status(),
        StatusCode::OK,
        "{}",
        own.text().await.unwrap()
    );
    let by_admin = app
        .call(&admin, "delete_send", &[("id", &id), ("article", "0")])
        .await;
    assert_eq!(by_admin.status(), StatusCode::OK);
    assert_eq!(deletes(&app), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_form_far_past_the_limits_is_refused_and_not_kept() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let huge = "长".repeat(20_000);
    let response = post(
        &app,
        &client,
        "prepare_send",
        &form("qf-huge-form", "text", &[("text_content", &huge)]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: qunfa::error::AppError = response.json().await.unwrap();
    assert_eq!(
        error,
        qunfa::error::AppError::Rejected(qunfa::error::Problem::FormTooLarge)
    );
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM compose_attempts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(kept, 0);
    app.stop().await;
}

#[tokio::test]
async fn compose_attempts_left_unconfirmed_for_a_day_are_removed() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form("qf-old-but-sent", "text", &[("text_content", "sent")]),
    )
    .await;
    for id in ["qf-old-unconfirmed", "qf-recent-unconfirmed"] {
        let prepared = post(
            &app,
            &client,
            "prepare_send",
            &form(id, "text", &[("text_content", "kept?")]),
        )
        .await;
        assert!(prepared.status().is_success());
    }
    sqlx::query(
        "UPDATE compose_attempts SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-25 hours')
         WHERE clientmsgid IN ('qf-old-unconfirmed', 'qf-old-but-sent')",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    // The worker removes them at its first round after a start.
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    let mut left = Vec::new();
    for _ in 0..100 {
        left = sqlx::query_scalar::<_, String>(
            "SELECT clientmsgid FROM compose_attempts ORDER BY clientmsgid",
        )
        .fetch_all(&app.state.db)
        .await
        .unwrap();
        if left.len() < 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, ["qf-old-but-sent", "qf-recent-unconfirmed"]);
    assert!(sent.id > 0);
    app.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_backup_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    let to = app.data.path().join("copy.db");
    let database = app.state.settings.database.clone();
    qunfa::shell::backup::backup(&database, &to, None)
        .await
        .unwrap();
    let mode = std::fs::metadata(&to).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    app.stop().await;
}

#[tokio::test]
async fn a_callback_of_too_many_elements_is_refused_whole() {
    const TOKEN: &str = "elementlimittoken";
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| args.wechat_token = Some(TOKEN.into())).await;
    // 64 KiB, the size limit, of empty elements: far past the reader's 4,096.
    let mut xml = String::from("<xml><MsgType><![CDATA[event]]></MsgType>");
    while xml.len() + "<a/></xml>".len() <= 64 * 1024 {
        xml.push_str("<a/>");
    }
    xml.push_str("</xml>");
    assert!(xml.len() <= 64 * 1024 && xml.matches("<a/>").count() > 16_000);
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = qunfa::wechat::crypto::signature(TOKEN, &timestamp, "n1");
    let answer = reqwest::Client::new()
        .post(app.url(&format!(
            "/wechat/callback?signature={signature}&timestamp={timestamp}&nonce=n1"
        )))
        .header("Content-Type", "text/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM callbacks")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert!(
        reqwest::get(app.url("/healthz"))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    app.stop().await;
}
