//! The console's WeChat side against its built-in simulator, over HTTP: the
//! client, the access token, and callbacks arriving at `/wechat/callback`.

use crate::common;

use std::{sync::Arc, time::Duration};

use common::TestApp;
use qunfa::{
    simulator::Simulator,
    wechat::{
        api::SendAllRequest,
        callback::MassSendJobFinish,
        client::CallError,
        crypto::{self, CallbackCrypto},
        errcode::ErrCode,
        types::ClientMsgId,
    },
};
use reqwest::StatusCode;

const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// The Token shared by a console and a simulator running on its own.
const STANDALONE_TOKEN: &str = "standalonetoken42";

fn simulator(app: &TestApp) -> Simulator {
    app.state
        .simulator
        .clone()
        .expect("no account: the simulator runs")
}

fn seed_request(name: &str) -> SendAllRequest {
    let json = match name {
        "mpnews" => include_str!("../src/wechat/fixtures/sendall_mpnews.json"),
        "text" => include_str!("../src/wechat/fixtures/sendall_text.json"),
        "voice" => include_str!("../src/wechat/fixtures/sendall_voice.json"),
        "image" => include_str!("../src/wechat/fixtures/sendall_image.json"),
        "mpvideo" => include_str!("../src/wechat/fixtures/sendall_mpvideo.json"),
        "wxcard" => include_str!("../src/wechat/fixtures/sendall_wxcard.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(json).expect("the seed's example parses")
}

fn with_id(request: SendAllRequest, id: &str) -> SendAllRequest {
    request.with_client_msg_id(ClientMsgId::parse(id).unwrap())
}

/// Rows in `callbacks` for a msg_id, once the simulator's push has landed.
async fn wait_for_callbacks(app: &TestApp, msg_id: u64) -> Vec<(String, String)> {
    for _ in 0..200 {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT mode, parsed FROM callbacks WHERE msg_id = ?")
                .bind(msg_id as i64)
                .fetch_all(&app.state.db)
                .await
                .unwrap();
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no callback stored for msg_id {msg_id}");
}

async fn callback_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM callbacks")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_msgtype_of_the_seed_is_sent_and_its_end_arrives_as_a_callback() {
    let app = TestApp::spawn().await;
    let client = &app.wechat();
    let tags = client.tags().await.expect("tags from the simulator");
    assert!(
        tags.tags.iter().any(|t| t.id.get() == 2),
        "tag 2 as in the seed"
    );
    assert!(tags.tags.iter().any(|t| t.name == "VIP会员"));

    for (i, kind) in ["text", "voice", "image", "mpvideo", "wxcard", "mpnews"]
        .into_iter()
        .enumerate()
    {
        let request = with_id(seed_request(kind), &format!("every-type-{i}"));
        let answer = client
            .send_all(&request)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert!(answer.msg_id.get() > u64::from(u32::MAX), "64-bit msg_id");
        assert_eq!(answer.msg_data_id.is_some(), kind == "mpnews", "{kind}");
        let rows = wait_for_callbacks(&app, answer.msg_id.get()).await;
        assert_eq!(rows.len(), 1, "{kind}: stored once");
        assert_eq!(rows[0].0, "plaintext");
        let parsed: serde_json::Value = serde_json::from_str(&rows[0].1).unwrap();
        let finish: MassSendJobFinish = serde_json::from_value(parsed["MassSendJobFinish"].clone())
            .expect("a MASSSENDJOBFINISH");
        assert_eq!(finish.result.msg_id, answer.msg_id);
    }
    // One token call served every call above.
    assert_eq!(simulator(&app).counters().token_calls(), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_same_clientmsgid_is_refused_within_a_minute_then_resolves_to_the_first_msg_id() {
    let app = TestApp::spawn().await;
    let client = &app.wechat();
    let request = with_id(seed_request("text"), "once-only");
    let first = client.send_all(&request).await.unwrap();
    let again = client.send_all(&request).await.unwrap_err();
    assert_eq!(again.code(), Some(ErrCode::from_code(45066)));

    reqwest::Client::new()
        .post(app.url("/sim/control/clock"))
        .json(&serde_json::json!({ "advance_secs": 61 }))
        .send()
        .await
        .unwrap();
    let later = client.send_all(&request).await.unwrap_err();
    let CallError::Api(api) = later else {
        panic!("expected 45065, got {later:?}")
    };
    assert_eq!(api.code, ErrCode::from_code(45065));
    assert_eq!(api.msg_id, Some(first.msg_id), "the first send's msg_id");
    app.stop().await;
}

#[tokio::test]
async fn the_access_token_is_fetched_once_and_survives_a_restart() {
    // A WeChat that outlives the console: the simulator on its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let wechat = format!("http://{}", listener.local_addr().unwrap());
    let (stop_wechat, wechat_stopped) = tokio::sync::oneshot::channel::<()>();
    let config = qunfa::simulator::SimulatorConfig::builtin(STANDALONE_TOKEN.to_owned().into());
    let wechat_task = tokio::spawn(qunfa::simulator::run_standalone(config, listener, async {
        let _ = wechat_stopped.await;
    }));
    let account = |args: &mut qunfa::shell::config::SettingsArgs| {
        args.wechat_appid = Some(qunfa::simulator::BUILTIN_APPID.into());
        args.wechat_secret = Some(qunfa::simulator::BUILTIN_SECRET.into());
        args.wechat_token = Some(STANDALONE_TOKEN.into());
        args.wechat_api_base = Some(wechat.clone());
    };

    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, account).await;
    let calls = (0..20).map(|_| {
        let client = app.wechat().clone();
        async move { client.tags().await }
    });
    for answer in futures_join_all(calls).await {
        answer.unwrap();
    }
    assert_eq!(
        common::token_calls(&wechat).await,
        1,
        "twenty calls, one token"
    );
    let data = app.stop().await;

    let app = TestApp::spawn_with(data, account).await;
    app.wechat().tags().await.unwrap();
    assert_eq!(
        common::token_calls(&wechat).await,
        1,
        "the restarted console used its cached token"
    );
    app.stop().await;
    let _ = stop_wechat.send(());
    wechat_task.await.unwrap().unwrap();
}

/// Runs futures at once, without another crate.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test]
async fn safe_mode_callbacks_are_decrypted_checked_and_stored_once() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_aes_key = Some(AES_KEY.into());
    })
    .await;
    let request = with_id(seed_request("mpnews"), "safe-mode-1");
    let answer = app.wechat().send_all(&request).await.unwrap();
    let rows = wait_for_callbacks(&app, answer.msg_id.get()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "safe");
    let delivery = simulator(&app)
        .deliveries()
        .into_iter()
        .find(|d| d.encrypted)
        .expect("an encrypted push");
    assert!(delivery.acknowledged);

    // WeChat's retry of the very same event: accepted, not stored again.
    let before = callback_count(&app).await;
    let retried = reqwest::Client::new()
        .post(&delivery.url)
        .body(delivery.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(retried.text().await.unwrap(), "success");
    assert_eq!(callback_count(&app).await, before);
    app.stop().await;
}

fn signed_query(token: &str, timestamp: u64, nonce: &str) -> String {
    let signature = crypto::signature(token, &timestamp.to_string(), nonce);
    format!("signature={signature}&timestamp={timestamp}&nonce={nonce}")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

const EVENT: &str = include_str!("../src/wechat/fixtures/masssendjobfinish.xml");

#[tokio::test]
async fn url_verification_answers_echostr_only_to_a_good_signature() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let query = signed_query(&app.callback_token(), now(), "n0nce");
    let good = http
        .get(app.url(&format!("/wechat/callback?{query}&echostr=hello-wechat")))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::OK);
    assert_eq!(good.text().await.unwrap(), "hello-wechat");

    let bad = http
        .get(app.url("/wechat/callback?signature=0000&timestamp=1&nonce=x&echostr=hello-wechat"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
    assert!(!bad.text().await.unwrap().contains("hello-wechat"));
    let missing = http
        .get(app.url("/wechat/callback?echostr=hello-wechat"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn bad_callbacks_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = app.callback_token();
    let http = reqwest::Client::new();
    let post = |query: String, body: String| {
        let http = http.clone();
        let url = app.url(&format!("/wechat/callback?{query}"));
        async move { http.post(url).body(body).send().await.unwrap() }
    };

    let tampered = post(
        signed_query(&token, now(), "a").replace("signature=", "signature=0"),
        EVENT.into(),
    )
    .await;
    assert_eq!(tampered.status(), StatusCode::FORBIDDEN);
    let other_token = post(signed_query("someoneelse", now(), "a"), EVENT.into()).await;
    assert_eq!(other_token.status(), StatusCode::FORBIDDEN);
    let stale = post(signed_query(&token, now() - 600, "a"), EVENT.into()).await;
    assert_eq!(stale.status(), StatusCode::BAD_REQUEST);
    let dtd = format!("<!DOCTYPE xml [<!ENTITY a \"aaaa\">]>{EVENT}");
    let entity = post(signed_query(&token, now(), "a"), dtd).await;
    assert_eq!(entity.status(), StatusCode::BAD_REQUEST);
    let broken = post(signed_query(&token, now(), "a"), "<xml><MsgType>".into()).await;
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let huge = format!("<xml><Junk>{}</Junk></xml>", "x".repeat(70 * 1024));
    let huge = post(signed_query(&token, now(), "a"), huge).await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let encrypted_without_key = post(
        format!(
            "{}&encrypt_type=aes&msg_signature=x",
            signed_query(&token, now(), "a")
        ),
        "<xml><Encrypt>abc</Encrypt></xml>".into(),
    )
    .await;
    assert_eq!(encrypted_without_key.status(), StatusCode::BAD_REQUEST);
    assert_eq!(callback_count(&app).await, 0, "nothing refused is stored");

    let good = post(signed_query(&token, now(), "a"), EVENT.into()).await;
    assert_eq!(good.text().await.unwrap(), "success");
    let again = post(signed_query(&token, now(), "b"), EVENT.into()).await;
    assert_eq!(again.text().await.unwrap(), "success");
    assert_eq!(
        callback_count(&app).await,
        1,
        "a retried event is stored once"
    );
    let health = app.callbacks().health.snapshot();
    assert_eq!(health.accepted, 2);
    assert!(health.refused >= 7);
    app.stop().await;
}

#[tokio::test]
async fn safe_and_compatible_mode_check_the_appid_and_msg_signature() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_aes_key = Some(AES_KEY.into());
    })
    .await;
    let token = app.callback_token();
    let http = reqwest::Client::new();
    let timestamp = now().to_string();
    let send = |crypto: CallbackCrypto, tamper: bool| {
        let http = http.clone();
        let timestamp = timestamp.clone();
        let base = app.url("/wechat/callback");
        async move {
            let sealed = crypto.seal(EVENT, &timestamp, "nonce").unwrap();
            let signature = crypto.signature(&timestamp, "nonce");
            let msg_signature = if tamper {
                "0".repeat(40)
            } else {
                sealed.msg_signature.clone()
            };
            let body = format!(
                "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
                sealed.encrypt
            );
            http.post(format!(
                "{base}?signature={signature}&timestamp={timestamp}&nonce=nonce&encrypt_type=aes&msg_signature={msg_signature}"
            ))
            .body(body)
            .send()
            .await
            .unwrap()
        }
    };
    // Compatible mode: the plaintext fields and the ciphertext side by side;
    // only the verified ciphertext counts.
    // Its own nonce: the same pair with another body would be a replay.
    let compatible = {
        let crypto = CallbackCrypto::new(&token, AES_KEY, qunfa::simulator::BUILTIN_APPID).unwrap();
        let event = EVENT.replace("1000001625", "1000001626");
        let sealed = crypto.seal(&event, &timestamp, "compat").unwrap();
        let plain_fields = event
            .trim()
            .trim_start_matches("<xml>")
            .trim_end_matches("</xml>");
        let body = format!(
            "<xml>{plain_fields}<Encrypt><![CDATA[{}]]></Encrypt></xml>",
            sealed.encrypt
        );
        http.post(app.url(&format!(
            "/wechat/callback?signature={}&timestamp={timestamp}&nonce=compat&encrypt_type=aes&msg_signature={}",
            crypto.signature(&timestamp, "compat"),
            sealed.msg_signature
        )))
        .body(body)
        .send()
        .await
        .unwrap()
    };
    assert_eq!(compatible.text().await.unwrap(), "success");
    let stored: Vec<(String, i64)> = sqlx::query_as("SELECT mode, msg_id FROM callbacks")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec![("safe".to_owned(), 1000001626)]);

    let other_app = CallbackCrypto::new(&token, AES_KEY, "wx0000000000000000").unwrap();
    assert_eq!(send(other_app, false).await.status(), StatusCode::FORBIDDEN);
    let ours = || CallbackCrypto::new(&token, AES_KEY, qunfa::simulator::BUILTIN_APPID).unwrap();
    assert_eq!(send(ours(), true).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        callback_count(&app).await,
        1,
        "only the compatible-mode event"
    );
    let good = send(ours(), false).await;
    assert_eq!(good.text().await.unwrap(), "success");
    assert_eq!(callback_count(&app).await, 2);
    app.stop().await;
}

/// The Token the running console checks callbacks with.
fn callback_token(app: &TestApp) -> String {
    use secrecy::ExposeSecret;
    app.callbacks().keys.token.expose_secret().to_owned()
}

/// A compatible-mode body: the plain fields of `plain` beside the
/// ciphertext of `sealed`.
fn compatible_body(plain: &str, encrypt: &str) -> String {
    let plain_fields = plain
        .trim()
        .trim_start_matches("<xml>")
        .trim_end_matches("</xml>");
    format!("<xml>{plain_fields}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
}

#[tokio::test]
async fn with_an_aes_key_only_the_verified_ciphertext_is_accepted() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_aes_key = Some(AES_KEY.into());
    })
    .await;
    let token = callback_token(&app);
    let http = reqwest::Client::new();
    let crypto = CallbackCrypto::new(&token, AES_KEY, app.state.settings.appid()).unwrap();
    let timestamp = now();

    // A plaintext POST with a good query signature: the body is not signed,
    // so anyone holding one query string could post any event.
    let plaintext = http
        .post(app.url(&format!(
            "/wechat/callback?{}",
            signed_query(&token, timestamp, "plain")
        )))
        .body(EVENT)
        .send()
        .await
        .unwrap();
    assert_eq!(plaintext.status(), StatusCode::FORBIDDEN);
    let words = plaintext.text().await.unwrap();
    assert!(words.contains("EncodingAESKey"), "{words}");

    // A compatible-mode body without encrypt_type=aes: the plain fields
    // would be read; refused too.
    let sealed = crypto
        .seal(EVENT, &timestamp.to_string(), "compat")
        .unwrap();
    let unannounced = http
        .post(app.url(&format!(
            "/wechat/callback?{}",
            signed_query(&token, timestamp, "compat")
        )))
        .body(compatible_body(EVENT, &sealed.encrypt))
        .send()
        .await
        .unwrap();
    assert_eq!(unannounced.status(), StatusCode::FORBIDDEN);

    // encrypt_type=aes without msg_signature.
    let unsigned = http
        .post(app.url(&format!(
            "/wechat/callback?{}&encrypt_type=aes",
            signed_query(&token, timestamp, "compat")
        )))
        .body(compatible_body(EVENT, &sealed.encrypt))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::FORBIDDEN);
    assert_eq!(callback_count(&app).await, 0, "nothing refused is stored");
    app.stop().await;
}

#[tokio::test]
async fn compatible_mode_takes_the_event_from_encrypt_not_the_plain_fields() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_aes_key = Some(AES_KEY.into());
    })
    .await;
    let token = callback_token(&app);
    let crypto = CallbackCrypto::new(&token, AES_KEY, app.state.settings.appid()).unwrap();
    let timestamp = now().to_string();
    // The ciphertext says send success for 1000001627; the plain fields
    // beside it say err(10001) for 1000009999.
    let encrypted = EVENT
        .replace("1000001625", "1000001627")
        .replace("err(30003)", "send success");
    let plain = EVENT
        .replace("1000001625", "1000009999")
        .replace("err(30003)", "err(10001)");
    let sealed = crypto.seal(&encrypted, &timestamp, "nonce").unwrap();
    let answer = reqwest::Client::new()
        .post(app.url(&format!(
            "/wechat/callback?signature={}&timestamp={timestamp}&nonce=nonce&encrypt_type=aes&msg_signature={}",
            crypto.signature(&timestamp, "nonce"),
            sealed.msg_signature
        )))
        .body(compatible_body(&plain, &sealed.encrypt))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), "success");
    let stored: Vec<(String, i64, String, String)> =
        sqlx::query_as("SELECT mode, msg_id, xml, parsed FROM callbacks")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    let (mode, msg_id, xml, parsed) = &stored[0];
    assert_eq!((mode.as_str(), *msg_id), ("safe", 1000001627));
    assert!(
        xml.contains("send success") && !xml.contains("err(10001)"),
        "{xml}"
    );
    assert!(!xml.contains("1000009999"), "{xml}");
    assert!(parsed.contains("send success") && !parsed.contains("err(10001)"));
    app.stop().await;
}

#[tokio::test]
async fn a_timestamp_and_nonce_seen_with_another_body_are_refused() {
    let app = TestApp::spawn().await;
    let token = callback_token(&app);
    let http = reqwest::Client::new();
    let url = app.url(&format!(
        "/wechat/callback?{}",
        signed_query(&token, now(), "once")
    ));
    let post = |body: String| {
        let http = http.clone();
        let url = url.clone();
        async move { http.post(url).body(body).send().await.unwrap() }
    };
    let first = post(EVENT.into()).await;
    assert_eq!(first.text().await.unwrap(), "success");
    // The same query string with a body someone else wrote.
    let forged = post(EVENT.replace("1000001625", "1000001699")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let words = forged.text().await.unwrap();
    assert!(words.contains("nonce"), "{words}");
    // WeChat's retry: the same query and the same body.
    let retry = post(EVENT.into()).await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.text().await.unwrap(), "success");
    let stored: Vec<i64> = sqlx::query_scalar("SELECT msg_id FROM callbacks")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec![1000001625], "the first event, once");
    app.stop().await;
}

#[tokio::test]
async fn the_console_serves_when_wechat_cannot_be_reached() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_appid = Some("wx1234567890abcdef".into());
        args.wechat_secret = Some("wrong-secret".into());
        args.wechat_token = Some("token123".into());
        // Nothing listens on port 9 of loopback.
        args.wechat_api_base = Some("http://127.0.0.1:9".into());
    })
    .await;
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let error = app.wechat().tags().await.unwrap_err();
    let words = error.words(qunfa::i18n::Lang::En);
    assert!(words.contains("Could not reach"), "{words}");
    assert!(
        !words.contains("wrong-secret"),
        "no secret in the words: {words}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_built_in_simulator_is_an_overseas_account_when_the_console_is() {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| {
        args.wechat_overseas = Some("true".into());
    })
    .await;
    let client = &app.wechat();
    let text = client
        .send_all(&with_id(seed_request("text"), "overseas-text"))
        .await
        .unwrap_err();
    assert_eq!(text.code(), Some(ErrCode::from_code(48001)));
    let words = text.words(qunfa::i18n::Lang::En);
    assert!(words.contains("overseas"), "{words}");
    client
        .send_all(&with_id(seed_request("mpnews"), "overseas-news"))
        .await
        .expect("an overseas account sends articles");
    assert_eq!(simulator(&app).sends().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn followers_messages_are_deleted_after_the_retention_and_send_ends_kept() {
    let app = TestApp::spawn().await;
    let rows = [
        // (dedup_key, event, days ago)
        ("old-message", None, 8),
        ("old-subscribe", Some("subscribe"), 8),
        ("recent-message", None, 6),
        ("old-finish", Some("MASSSENDJOBFINISH"), 400),
    ];
    for (key, event, days) in rows {
        sqlx::query(
            "INSERT INTO callbacks (dedup_key, received_at, mode, msg_type, event, xml, parsed)
             VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?), 'plaintext', ?, ?, '<xml/>', '{}')",
        )
        .bind(key)
        .bind(format!("-{days} days"))
        .bind(if event.is_some() { "event" } else { "text" })
        .bind(event)
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    // The worker deletes at start and then periodically: a restart is a
    // start.
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    let mut kept: Vec<String> = Vec::new();
    for _ in 0..100 {
        kept = sqlx::query_scalar("SELECT dedup_key FROM callbacks ORDER BY dedup_key")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
        if kept.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(kept, ["old-finish", "recent-message"]);
    app.stop().await;
}
