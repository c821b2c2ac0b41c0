//! `/settings` against the real server: what an admin copies into the WeChat
//! console, callback health, the access token, and no secret on the page.

use crate::common;

use std::sync::Arc;

use common::{ADMIN, ADMIN_PASSWORD, TestApp};
use qunfa::{
    settings::{SettingsView, TokenSourceView},
    wechat::crypto,
};
use reqwest::{Client, StatusCode};

const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const EVENT: &str = include_str!("../src/wechat/fixtures/masssendjobfinish.xml");

async fn admin(app: &TestApp) -> Client {
    let client = app.client();
    app.log_in(&client, ADMIN, ADMIN_PASSWORD).await;
    client
}

async fn load(app: &TestApp, client: &Client) -> SettingsView {
    let response = app.call(client, "load_settings", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("the settings as JSON")
}

async fn page(app: &TestApp, client: &Client, accept_language: &str) -> String {
    let response = client
        .get(app.url("/a/main/settings"))
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn signed_query(token: &str, timestamp: u64, nonce: &str) -> String {
    let signature = crypto::signature(token, &timestamp.to_string(), nonce);
    format!("signature={signature}&timestamp={timestamp}&nonce={nonce}")
}

#[tokio::test]
async fn an_admin_sees_what_to_enter_in_the_wechat_console() {
    let app = TestApp::spawn().await;
    let client = admin(&app).await;
    let settings = load(&app, &client).await;
    assert_eq!(settings.callback_url, app.url("/wechat/callback"));
    assert!(settings.callback_url.ends_with("/wechat/callback"));
    let token = app.callback_token();
    assert_eq!(settings.callback_token, token);
    assert!(!settings.aes_key_set);
    assert!(settings.simulator);
    assert_eq!(settings.appid, qunfa::simulator::BUILTIN_APPID);
    assert_eq!(settings.health.accepted, 0);
    assert_eq!(settings.health.last_accepted, None);
    assert_eq!(settings.health.last_refused, None);
    assert_eq!(settings.access_token.source, TokenSourceView::Stable);

    let english = page(&app, &client, "en").await;
    for shown in [
        app.url("/wechat/callback").as_str(),
        token.as_str(),
        "Plaintext mode (no EncodingAESKey)",
        "Callback health",
        "No token fetched yet",
    ] {
        assert!(english.contains(shown), "{shown} missing from the page");
    }
    let chinese = page(&app, &client, "zh-CN").await;
    assert!(chinese.contains("服务器地址（URL）"));
    assert!(chinese.contains("明文模式"));

    // Once a WeChat call has needed a token, its expiry is shown.
    app.wechat().tags().await.expect("tags from the simulator");
    let expires_at = load(&app, &client)
        .await
        .access_token
        .expires_at
        .expect("a token is held");
    assert!(expires_at > i64::try_from(now()).unwrap());
    assert!(
        !page(&app, &client, "en")
            .await
            .contains("No token fetched yet")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_encodingaeskey_is_said_to_be_set_but_never_shown() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_aes_key = Some(AES_KEY.into());
    })
    .await;
    let client = admin(&app).await;
    let response = app.call(&client, "load_settings", &[]).await;
    let json = response.text().await.unwrap();
    assert!(!json.contains(AES_KEY), "the key is in the answer");
    let settings: SettingsView = serde_json::from_str(&json).unwrap();
    assert!(settings.aes_key_set);

    for lang in ["en", "zh-CN"] {
        let html = page(&app, &client, lang).await;
        // Not even part of it (the page could show a prefix "to help").
        assert!(
            !html.contains(&AES_KEY[..12]),
            "the key is on the {lang} page"
        );
    }
    let english = page(&app, &client, "en").await;
    assert!(english.contains("Safe mode or compatible mode"));
    assert!(english.contains("Set (not shown)"));
    app.stop().await;
}

#[tokio::test]
async fn an_editor_is_refused_the_settings() {
    let app = TestApp::spawn().await;
    let token = app.callback_token();
    let admin_client = admin(&app).await;
    let added = app
        .call(
            &admin_client,
            "add_user",
            &[
                ("username", "ed1"),
                ("password", "ed-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    common::grant(&app, &admin_client, "ed1", "main", true).await;
    assert_eq!(added.status(), StatusCode::OK);

    let editor = app.client();
    app.log_in(&editor, "ed1", "ed-password-1").await;
    let call = app.call(&editor, "load_settings", &[]).await;
    assert_eq!(call.status(), StatusCode::FORBIDDEN);
    let body = call.text().await.unwrap();
    assert_eq!(body, "\"Forbidden\"");
    assert!(!body.contains(&token));

    let html = editor
        .get(app.url("/a/main/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), StatusCode::FORBIDDEN);
    assert!(!html.text().await.unwrap().contains(&token));

    let stranger = app.client();
    let call = app.call(&stranger, "load_settings", &[]).await;
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn callback_health_shows_the_last_accepted_and_the_last_refused() {
    let app = TestApp::spawn().await;
    let client = admin(&app).await;
    let http = Client::new();
    let post = |query: String| {
        http.post(app.url(&format!("/wechat/callback?{query}")))
            .body(EVENT)
            .send()
    };

    let good = post(signed_query(&app.callback_token(), now(), "good"))
        .await
        .unwrap();
    assert_eq!(good.text().await.unwrap(), "success");
    let health = load(&app, &client).await.health;
    assert_eq!(health.accepted, 1);
    assert_eq!(health.refused, 0);
    let accepted_at = health.last_accepted.expect("a time");
    assert!((accepted_at - i64::try_from(now()).unwrap()).abs() < 60);

    let bad = post(signed_query("someoneelse", now(), "bad"))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
    let health = load(&app, &client).await.health;
    assert_eq!(health.accepted, 1);
    assert_eq!(health.refused, 1);
    let refused = health.last_refused.expect("the refusal");
    // No language asked for: the console's default, Chinese.
    assert_eq!(refused.reason, "签名与 Token 不符");

    let english = page(&app, &client, "en").await;
    assert!(english.contains("the signature does not match the Token"));
    // The server writes China time; the browser says it in its own zone.
    let when = qunfa::ui::time::china_time(qunfa::i18n::Lang::En, accepted_at, true);
    assert!(english.contains(&when), "{when}");
    let chinese = page(&app, &client, "zh-CN").await;
    assert!(chinese.contains("签名与 Token 不符"));
    app.stop().await;
}

#[tokio::test]
async fn the_simulators_callback_token_is_made_at_first_start_and_kept() {
    let app = TestApp::spawn().await;
    let http = Client::new();
    let post = |app: &TestApp, query: String| {
        http.post(app.url(&format!("/wechat/callback?{query}")))
            .body(EVENT)
            .send()
    };
    // The constant the source once held signs nothing here.
    let forged = post(&app, signed_query("qunfasimulator", now(), "forged"))
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let client = admin(&app).await;
    let token = load(&app, &client).await.callback_token;
    assert!(
        token.len() >= 32 && token.chars().all(|c| c.is_ascii_alphanumeric()),
        "{token}"
    );
    assert!(page(&app, &client, "en").await.contains(&token));
    let good = post(&app, signed_query(&token, now(), "real"))
        .await
        .unwrap();
    assert_eq!(good.text().await.unwrap(), "success");

    // The same token after a restart.
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    let client = admin(&app).await;
    assert_eq!(load(&app, &client).await.callback_token, token);
    let again = post(&app, signed_query(&token, now(), "after-restart"))
        .await
        .unwrap();
    assert_eq!(again.text().await.unwrap(), "success");
    app.stop().await;

    // Another console (another database) has another token.
    let other = TestApp::spawn().await;
    let client = admin(&other).await;
    assert_ne!(load(&other, &client).await.callback_token, token);
    other.stop().await;
}

#[tokio::test]
async fn plaintext_mode_is_explained_and_safe_mode_recommended() {
    let app = TestApp::spawn().await;
    let client = admin(&app).await;
    let english = page(&app, &client, "en").await;
    for said in [
        "the body is not signed",
        "anyone who captures one callback's query string can post any body for five minutes",
        "Safe mode (安全模式) is recommended",
    ] {
        assert!(english.contains(said), "{said} missing from the page");
    }
    let chinese = page(&app, &client, "zh-CN").await;
    for said in [
        "消息体没有签名",
        "截获一次回调查询字符串的人可在 5 分钟内提交任意内容",
        "建议使用安全模式",
    ] {
        assert!(chinese.contains(said), "{said} missing from the page");
    }
    app.stop().await;

    // With an EncodingAESKey there is nothing to warn about.
    let data = Arc::new(tempfile::tempdir().unwrap());
    let safe = TestApp::spawn_with(data, |args| {
        args.wechat_aes_key = Some(AES_KEY.into());
    })
    .await;
    let client = admin(&safe).await;
    assert!(
        !page(&safe, &client, "en")
            .await
            .contains("the body is not signed")
    );
    assert!(
        !page(&safe, &client, "zh-CN")
            .await
            .contains("消息体没有签名")
    );
    safe.stop().await;
}
