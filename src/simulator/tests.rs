//! The simulator driven over real HTTP on 127.0.0.1:0, as the console's
//! client will drive it, with a tiny axum receiver for the pushes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use url::Url;

use super::*;
use crate::wechat::callback::{Callback, EncryptedEnvelope, MassSendJobFinish, parse_callback};
use crate::wechat::crypto::{self, CallbackCrypto};
use crate::wechat::status::{CheckState, FailureReason, Status};

const APPID: &str = "wx0123456789abcdef";
const SECRET: &str = "app-secret-for-tests";
const TOKEN: &str = "callbacktoken42";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

const SEED_REQUESTS: [(&str, &str); 6] = [
    (
        "mpnews",
        include_str!("../wechat/fixtures/sendall_mpnews.json"),
    ),
    ("text", include_str!("../wechat/fixtures/sendall_text.json")),
    (
        "voice",
        include_str!("../wechat/fixtures/sendall_voice.json"),
    ),
    (
        "image",
        include_str!("../wechat/fixtures/sendall_image.json"),
    ),
    (
        "mpvideo",
        include_str!("../wechat/fixtures/sendall_mpvideo.json"),
    ),
    (
        "wxcard",
        include_str!("../wechat/fixtures/sendall_wxcard.json"),
    ),
];

const SENDALL: &str = "/cgi-bin/message/mass/sendall";
const WAIT: Duration = Duration::from_secs(10);

fn test_config() -> SimulatorConfig {
    let mut config =
        SimulatorConfig::new(APPID, SecretString::from(SECRET), SecretString::from(TOKEN))
            .with_callback_delay(Duration::from_millis(50));
    config.callback_retry_delay = Duration::from_millis(20);
    config.callback_timeout = Duration::from_secs(2);
    config
}

/// A running simulator and a client for it.
struct App {
    sim: Simulator,
    base: String,
    http: reqwest::Client,
}

async fn spawn(config: SimulatorConfig) -> App {
    let sim = Simulator::new(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(sim.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    App {
        sim,
        base,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    }
}

impl App {
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.http
            .get(with_query(&format!("{}{path}", self.base), query))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Value {
        self.post_raw(path, token, body.to_string()).await
    }

    async fn post_raw(&self, path: &str, token: &str, body: String) -> Value {
        self.http
            .post(with_query(
                &format!("{}{path}", self.base),
                &[("access_token", token)],
            ))
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn token(&self) -> String {
        let answer = self
            .get(
                "/cgi-bin/token",
                &[
                    ("grant_type", "client_credential"),
                    ("appid", APPID),
                    ("secret", SECRET),
                ],
            )
            .await;
        answer["access_token"].as_str().unwrap().to_owned()
    }

    async fn wait_for_pushes(&self, n: usize) -> Vec<Delivery> {
        assert!(
            self.sim
                .wait_until(WAIT, |s| s.deliveries().len() >= n)
                .await,
            "expected {n} pushes, got {:?}",
            self.sim.deliveries()
        );
        self.sim.deliveries()
    }

    async fn wait_for_end(&self, msg_id: u64) -> SendRecord {
        let id = MsgId::new(msg_id);
        let ended = self
            .sim
            .wait_until(WAIT, |s| s.send(id).is_some_and(|r| r.result.is_some()))
            .await;
        assert!(ended, "send {msg_id} did not end");
        self.sim.send(id).unwrap()
    }
}

/// `base` with the query pairs appended (reqwest's `query` needs a feature
/// the project does not enable).
fn with_query(base: &str, pairs: &[(&str, &str)]) -> Url {
    Url::parse_with_params(base, pairs).unwrap()
}

fn errcode(v: &Value) -> i64 {
    v["errcode"].as_i64().unwrap_or(0)
}

fn msg_id(v: &Value) -> u64 {
    v["msg_id"].as_u64().unwrap()
}

fn text_send(content: &str, clientmsgid: Option<&str>) -> Value {
    let mut body = json!({
        "filter": {"is_to_all": false, "tag_id": 2},
        "text": {"content": content},
        "msgtype": "text",
    });
    if let Some(id) = clientmsgid {
        body["clientmsgid"] = json!(id);
    }
    body
}

fn news_send(media_id: &str, clientmsgid: &str, ignore_reprint: u8) -> Value {
    json!({
        "filter": {"is_to_all": false, "tag_id": 100},
        "mpnews": {"media_id": media_id},
        "msgtype": "mpnews",
        "send_ignore_reprint": ignore_reprint,
        "clientmsgid": clientmsgid,
    })
}

/// What the tiny callback receiver saw: each request's query and body.
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<(String, String)>>>,
    /// Answer 500 to this many requests before answering `success`.
    failures_left: Arc<AtomicUsize>,
}

impl Receiver {
    fn hits(&self) -> Vec<(String, String)> {
        self.hits.lock().unwrap().clone()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    RawQuery(query): RawQuery,
    body: String,
) -> (StatusCode, &'static str) {
    receiver
        .hits
        .lock()
        .unwrap()
        .push((query.unwrap_or_default(), body));
    let failing = receiver
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        (StatusCode::INTERNAL_SERVER_ERROR, "busy")
    } else {
        (StatusCode::OK, "success")
    }
}

async fn spawn_receiver(failures: usize) -> (Url, Receiver) {
    let receiver = Receiver::default();
    receiver.failures_left.store(failures, Ordering::SeqCst);
    let app = axum::Router::new()
        .route("/wechat/callback", axum::routing::post(receive))
        .with_state(receiver.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!(
        "http://{}/wechat/callback",
        listener.local_addr().unwrap()
    ))
    .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

fn query_value(query: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn finish_of(xml: &str) -> MassSendJobFinish {
    match parse_callback(xml).unwrap() {
        Callback::MassSendJobFinish(finish) => finish,
        other => panic!("not a MASSSENDJOBFINISH: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// sendall: the seed's body rules

#[tokio::test]
async fn the_six_seed_examples_are_accepted_as_they_stand() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for (kind, body) in SEED_REQUESTS {
        let answer = app.post_raw(SENDALL, &token, body.to_owned()).await;
        assert_eq!(errcode(&answer), 0, "{kind}: {answer}");
        assert_eq!(answer["errmsg"], "send job submission success", "{kind}");
        assert!(msg_id(&answer) > 1 << 31, "{kind}: msg_id {answer}");
        assert_eq!(
            answer.get("msg_data_id").is_some(),
            kind == "mpnews",
            "{kind}: msg_data_id only for mpnews"
        );
    }
    let sends = app.sim.sends();
    assert_eq!(sends.len(), 6);
    assert!(
        sends.iter().all(|s| s.audience == 36),
        "tag 2 has 36 followers"
    );
}

#[tokio::test]
async fn an_unknown_msgtype_is_40008() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for msgtype in [
        json!("video"),
        json!("music"),
        json!("news"),
        json!(5),
        Value::Null,
    ] {
        let body = json!({
            "filter": {"is_to_all": true},
            "mpvideo": {"media_id": "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"},
            "msgtype": msgtype,
        });
        assert_eq!(
            errcode(&app.post(SENDALL, &token, &body).await),
            40008,
            "{msgtype}"
        );
    }
    assert!(app.sim.sends().is_empty());
}

#[tokio::test]
async fn a_tag_that_does_not_exist_is_40152() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for filter in [
        json!({"is_to_all": false, "tag_id": 999}),
        json!({"is_to_all": false, "tag_id": "abc"}),
        json!({"is_to_all": false, "tag_id": ""}),
        json!({"is_to_all": false}),
        json!({"tag_id": -2}),
    ] {
        let body = json!({"filter": filter, "text": {"content": "hi"}, "msgtype": "text"});
        assert_eq!(
            errcode(&app.post(SENDALL, &token, &body).await),
            40152,
            "{filter}"
        );
    }
    // The Chinese-named tag and "everyone" are fine.
    for filter in [
        json!({"is_to_all": false, "tag_id": "100"}),
        json!({"is_to_all": true}),
        json!({"is_to_all": "true", "tag_id": ""}),
    ] {
        let body =
            json!({"filter": filter, "text": {"content": format!("{filter}")}, "msgtype": "text"});
        assert_eq!(
            errcode(&app.post(SENDALL, &token, &body).await),
            0,
            "{filter}"
        );
    }
    let audiences: Vec<u64> = app.sim.sends().iter().map(|s| s.audience).collect();
    assert_eq!(audiences, [1_286, FOLLOWERS, FOLLOWERS]);
}

#[tokio::test]
async fn missing_or_unknown_media_is_40007_and_empty_text_44004() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let all = json!({"is_to_all": true});
    let cases = [
        json!({"filter": all, "msgtype": "mpnews", "mpnews": {"media_id": "nope"}}),
        json!({"filter": all, "msgtype": "mpnews"}),
        json!({"filter": all, "msgtype": "voice", "voice": {"media_id": "aaa"}}),
        json!({"filter": all, "msgtype": "image", "images": {"media_ids": ["aaa", "zzz"]}}),
        json!({"filter": all, "msgtype": "image", "images": {"media_ids": []}}),
        json!({"filter": all, "msgtype": "image", "image": {"media_id": "aaa"}}),
        // A video material must be converted with uploadvideo first.
        json!({"filter": all, "msgtype": "mpvideo", "mpvideo": {"media_id": "sim_video_store_tour"}}),
        json!({"filter": all, "msgtype": "wxcard", "wxcard": {"card_id": "unknown"}}),
    ];
    for body in cases {
        assert_eq!(
            errcode(&app.post(SENDALL, &token, &body).await),
            40007,
            "{body}"
        );
    }
    for content in [json!(""), Value::Null] {
        let body = json!({"filter": all, "msgtype": "text", "text": {"content": content}});
        assert_eq!(errcode(&app.post(SENDALL, &token, &body).await), 44004);
    }
    assert!(app.sim.sends().is_empty());
}

#[tokio::test]
async fn malformed_bodies_get_errcodes_never_a_crash() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let paths = [
        SENDALL,
        "/cgi-bin/message/mass/preview",
        "/cgi-bin/message/mass/get",
        "/cgi-bin/message/mass/delete",
        "/cgi-bin/draft/batchget",
        "/cgi-bin/material/batchget_material",
        "/cgi-bin/media/uploadvideo",
        "/cgi-bin/stable_token",
    ];
    let bodies = [
        "",
        "null",
        "[]",
        "\"text\"",
        "{",
        r#"{"msgtype": {"x": 1}, "filter": []}"#,
        r#"{"filter": {"is_to_all": "maybe"}, "msgtype": "text", "text": {"content": "x"}}"#,
        r#"{"msg_id": -1, "article_idx": -3, "offset": -1, "count": 99999999999, "type": 7}"#,
        r#"{"msg_id": 18446744073709551615, "url": 5, "media_id": ["a"]}"#,
        r#"{"clientmsgid": {"a": 1}}"#,
    ];
    for path in paths {
        for body in bodies {
            let answer = app.post_raw(path, &token, body.to_owned()).await;
            assert_ne!(errcode(&answer), 0, "{path} {body}: {answer}");
            assert!(answer["errmsg"].as_str().unwrap().contains(" rid: "));
        }
    }
}

#[tokio::test]
async fn a_get_where_wechat_wants_post_is_43002() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let answer = app.get(SENDALL, &[("access_token", &token)]).await;
    assert_eq!(errcode(&answer), 43002);
    assert_eq!(app.sim.counters().calls_to(Endpoint::SendAll), 1);
}

// ---------------------------------------------------------------------------
// clientmsgid

#[tokio::test]
async fn a_clientmsgid_of_33_bytes_is_45067_and_32_bytes_is_accepted() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let long = "x".repeat(33);
    let answer = app
        .post(SENDALL, &token, &text_send("a", Some(&long)))
        .await;
    assert_eq!(errcode(&answer), 45067);
    // A 36-byte UUID, the case seen rejected by the real WeChat.
    let uuid = "123e4567-e89b-12d3-a456-426614174000";
    assert_eq!(
        errcode(&app.post(SENDALL, &token, &text_send("b", Some(uuid))).await),
        45067
    );
    // 11 Chinese characters are 33 bytes: bytes count, not characters.
    let chinese = "群发测试群发测试群发测";
    assert_eq!(chinese.len(), 33);
    assert_eq!(
        errcode(
            &app.post(SENDALL, &token, &text_send("c", Some(chinese)))
                .await
        ),
        45067
    );
    let max = "y".repeat(32);
    assert_eq!(
        errcode(&app.post(SENDALL, &token, &text_send("d", Some(&max))).await),
        0
    );
    assert_eq!(app.sim.sends().len(), 1);
}

#[tokio::test]
async fn the_same_clientmsgid_is_45066_within_a_minute_then_45065_with_the_first_msg_id() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let first = app
        .post(SENDALL, &token, &text_send("第一次", Some("job-1")))
        .await;
    assert_eq!(errcode(&first), 0);
    let first_id = msg_id(&first);

    // Even a different body: WeChat looks at the clientmsgid only.
    let again = app
        .post(SENDALL, &token, &text_send("第二次", Some("job-1")))
        .await;
    assert_eq!(errcode(&again), 45066);
    assert!(again.get("msg_id").is_none());

    app.sim.clock().advance(Duration::from_secs(61));
    let later = app
        .post(SENDALL, &token, &text_send("第三次", Some("job-1")))
        .await;
    assert_eq!(errcode(&later), 45065);
    assert_eq!(msg_id(&later), first_id);

    // After 24 hours the id is free again (the token has expired by then).
    app.sim.clock().advance(Duration::from_secs(24 * 3600));
    let token = app.token().await;
    let next_day = app
        .post(SENDALL, &token, &text_send("第四次", Some("job-1")))
        .await;
    assert_eq!(errcode(&next_day), 0);
    assert_ne!(msg_id(&next_day), first_id);
}

#[tokio::test]
async fn without_a_clientmsgid_audience_and_content_stand_in_for_it() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    assert_eq!(
        errcode(&app.post(SENDALL, &token, &text_send("同一条", None)).await),
        0
    );
    assert_eq!(
        errcode(&app.post(SENDALL, &token, &text_send("同一条", None)).await),
        45066
    );
    assert_eq!(
        errcode(&app.post(SENDALL, &token, &text_send("另一条", None)).await),
        0
    );
    let mut quoted_tag = text_send("同一条", None);
    quoted_tag["filter"]["tag_id"] = json!("2");
    assert_eq!(
        errcode(&app.post(SENDALL, &token, &quoted_tag).await),
        45066,
        "tag 2 and \"2\" are one audience"
    );
    let mut other_tag = text_send("同一条", None);
    other_tag["filter"]["tag_id"] = json!(101);
    assert_eq!(errcode(&app.post(SENDALL, &token, &other_tag).await), 0);
    assert!(app.sim.sends()[0].clientmsgid.starts_with("auto:"));
}

#[tokio::test]
async fn a_used_up_draft_still_resolves_its_retry_with_45065() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let first = app
        .post(
            SENDALL,
            &token,
            &news_send("123dsdajkasd231jhksad", "news-1", 0),
        )
        .await;
    assert_eq!(errcode(&first), 0);
    app.wait_for_end(msg_id(&first)).await;
    app.sim.clock().advance(Duration::from_secs(90));
    let retry = app
        .post(
            SENDALL,
            &token,
            &news_send("123dsdajkasd231jhksad", "news-1", 0),
        )
        .await;
    assert_eq!((errcode(&retry), msg_id(&retry)), (45065, msg_id(&first)));
    // The draft itself is gone, as the seed says.
    let fresh = app
        .post(
            SENDALL,
            &token,
            &news_send("123dsdajkasd231jhksad", "news-2", 0),
        )
        .await;
    assert_eq!(errcode(&fresh), 40007);
    let drafts = app
        .post(
            "/cgi-bin/draft/batchget",
            &token,
            &json!({"offset": 0, "count": 20}),
        )
        .await;
    assert!(
        !drafts["item"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["media_id"] == "123dsdajkasd231jhksad")
    );
}

// ---------------------------------------------------------------------------
// Access tokens

#[tokio::test]
async fn token_calls_check_the_appid_then_the_secret() {
    let app = spawn(test_config()).await;
    let classic = |appid: &'static str, secret: &'static str| {
        [
            ("grant_type", "client_credential"),
            ("appid", appid),
            ("secret", secret),
        ]
    };
    let bad_appid = app
        .get("/cgi-bin/token", &classic("wxffffffffffffffff", SECRET))
        .await;
    assert_eq!(errcode(&bad_appid), 40013);
    let bad_secret = app.get("/cgi-bin/token", &classic(APPID, "wrong")).await;
    assert_eq!(errcode(&bad_secret), 40125);
    let no_appid = app.get("/cgi-bin/token", &classic("", SECRET)).await;
    assert_eq!(errcode(&no_appid), 41002);
    let bad_grant = app
        .get(
            "/cgi-bin/token",
            &[
                ("grant_type", "password"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
        )
        .await;
    assert_eq!(errcode(&bad_grant), 40002);

    let stable = |appid: &str, secret: &str| json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
    let url = "/cgi-bin/stable_token";
    assert_eq!(
        errcode(&app.post(url, "", &stable("wx1", SECRET)).await),
        40013
    );
    assert_eq!(
        errcode(&app.post(url, "", &stable(APPID, "nope")).await),
        40125
    );
    let good = app.post(url, "", &stable(APPID, SECRET)).await;
    assert_eq!(good["expires_in"], 7200);
    let classic_good = app.get("/cgi-bin/token", &classic(APPID, SECRET)).await;
    assert_eq!(classic_good["expires_in"], 7200);
    assert_eq!(app.sim.counters().tokens_issued, 2);
    assert_eq!(app.sim.counters().token_calls(), 8);
}

#[tokio::test]
async fn calls_need_a_valid_current_token() {
    let app = spawn(test_config()).await;
    let tags = "/cgi-bin/tags/get";
    assert_eq!(errcode(&app.get(tags, &[]).await), 41001);
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", "")]).await),
        41001
    );
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", "forged")]).await),
        40001
    );
    assert_eq!(
        errcode(&app.post(SENDALL, "forged", &text_send("x", None)).await),
        40001
    );

    let old = app.token().await;
    let new = app.token().await;
    // A new classic token leaves the old one five minutes.
    assert_eq!(errcode(&app.get(tags, &[("access_token", &old)]).await), 0);
    app.sim.clock().advance(Duration::from_secs(301));
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", &old)]).await),
        40001
    );
    assert_eq!(errcode(&app.get(tags, &[("access_token", &new)]).await), 0);
    app.sim.clock().advance(Duration::from_secs(7200));
    assert_eq!(
        errcode(&app.get(tags, &[("access_token", &new)]).await),
        42001
    );
}

#[tokio::test]
async fn a_stable_token_is_handed_out_again_until_forced() {
    let app = spawn(test_config()).await;
    let request = json!({"grant_type": "client_credential", "appid": APPID, "secret": SECRET});
    let first = app.post("/cgi-bin/stable_token", "", &request).await;
    app.sim.clock().advance(Duration::from_secs(100));
    let second = app.post("/cgi-bin/stable_token", "", &request).await;
    assert_eq!(first["access_token"], second["access_token"]);
    assert!(second["expires_in"].as_u64().unwrap() <= 7100);
    let mut forced = request.clone();
    forced["force_refresh"] = json!(true);
    let third = app.post("/cgi-bin/stable_token", "", &forced).await;
    assert_ne!(third["access_token"], first["access_token"]);
    let old = first["access_token"].as_str().unwrap();
    let tags = app.get("/cgi-bin/tags/get", &[("access_token", old)]).await;
    assert_eq!(errcode(&tags), 40001);
    assert_eq!(app.sim.counters().tokens_issued, 2);
}

// ---------------------------------------------------------------------------
// Pickers, preview, status, delete

#[tokio::test]
async fn tags_and_followers_give_the_audience_sizes() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let tags = app
        .get("/cgi-bin/tags/get", &[("access_token", &token)])
        .await;
    let tags = tags["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t["id"] == 2 && t["count"] == 36));
    assert!(
        tags.iter()
            .any(|t| t["name"] == "VIP会员" && t["count"] == 1_286)
    );
    let users = app
        .get("/cgi-bin/user/get", &[("access_token", &token)])
        .await;
    assert_eq!(users["total"], FOLLOWERS);
    assert_eq!(users["count"], 10_000);
    let next = users["next_openid"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            "/cgi-bin/user/get",
            &[("access_token", &token), ("next_openid", &next)],
        )
        .await;
    assert_eq!(rest["count"], FOLLOWERS - 10_000);
}

#[tokio::test]
async fn drafts_page_by_offset_and_count_newest_first() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = "/cgi-bin/draft/batchget";
    let first = app
        .post(url, &token, &json!({"offset": 0, "count": 5}))
        .await;
    assert_eq!(first["total_count"], 12);
    assert_eq!(first["item_count"], 5);
    let items = first["item"].as_array().unwrap();
    assert_eq!(items[0]["media_id"], "123dsdajkasd231jhksad");
    assert_eq!(
        items[0]["content"]["news_item"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        items[1]["content"]["news_item"].as_array().unwrap().len(),
        3
    );
    let times: Vec<i64> = items
        .iter()
        .map(|i| i["update_time"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    let last = app
        .post(
            url,
            &token,
            &json!({"offset": 10, "count": 5, "no_content": 1}),
        )
        .await;
    assert_eq!(last["item_count"], 2);
    assert!(
        last["item"][0]["content"]["news_item"][0]
            .get("content")
            .is_none()
    );
    for count in [0, 21] {
        let bad = app
            .post(url, &token, &json!({"offset": 0, "count": count}))
            .await;
        assert_eq!(errcode(&bad), 40035);
    }
    // The drafts that name a scenario are among them.
    let all = app
        .post(url, &token, &json!({"offset": 0, "count": 20}))
        .await;
    let titles: Vec<&str> = all["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["content"]["news_item"][0]["title"].as_str().unwrap())
        .collect();
    assert!(titles.iter().any(|t| t.contains("CheckState=2")));
}

#[tokio::test]
async fn materials_of_each_type_come_with_counts() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let counts = app
        .get(
            "/cgi-bin/material/get_materialcount",
            &[("access_token", &token)],
        )
        .await;
    assert_eq!(
        counts,
        json!({"errcode": 0, "voice_count": 3, "video_count": 2, "image_count": 6, "news_count": 2})
    );
    let url = "/cgi-bin/material/batchget_material";
    for (kind, total) in [("image", 6), ("voice", 3), ("video", 2), ("news", 2)] {
        let page = app
            .post(
                url,
                &token,
                &json!({"type": kind, "offset": 0, "count": 20}),
            )
            .await;
        assert_eq!(page["total_count"], total, "{kind}");
        assert_eq!(page["item"].as_array().unwrap().len(), total, "{kind}");
    }
    let bad = app
        .post(
            url,
            &token,
            &json!({"type": "thumb", "offset": 0, "count": 1}),
        )
        .await;
    assert_eq!(errcode(&bad), 40004);
}

#[tokio::test]
async fn uploadvideo_turns_a_video_into_an_mpvideo_id_sendall_accepts() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = "/cgi-bin/media/uploadvideo";
    let bad = app
        .post(
            url,
            &token,
            &json!({"media_id": "aaa", "title": "t", "description": "d"}),
        )
        .await;
    assert_eq!(errcode(&bad), 40007);
    let converted = app
        .post(
            url,
            &token,
            &json!({"media_id": "sim_video_store_tour", "title": "门店", "description": "[sim:err(20013)]"}),
        )
        .await;
    assert_eq!(converted["type"], "video");
    let id = converted["media_id"].as_str().unwrap();
    assert_eq!(id.len(), 64);
    let body =
        json!({"filter": {"is_to_all": true}, "mpvideo": {"media_id": id}, "msgtype": "mpvideo"});
    let sent = app.post(SENDALL, &token, &body).await;
    assert_eq!(errcode(&sent), 0);
    // The marker in the video's description chose the outcome.
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(
        record.result.unwrap().status,
        Status::Err(FailureReason::Copyright)
    );
}

#[tokio::test]
async fn preview_goes_to_a_follower_or_a_wechat_id() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let url = "/cgi-bin/message/mass/preview";
    let follower = "oSIM000000000000000000000007";
    let ok = app
        .post(
            url,
            &token,
            &json!({"touser": follower, "msgtype": "text", "text": {"content": "预览"}}),
        )
        .await;
    assert_eq!(
        (errcode(&ok), ok["errmsg"].as_str()),
        (0, Some("preview success"))
    );
    // The real API answers a preview without a msg_id: it is not a send.
    assert_eq!(ok.get("msg_id"), None, "{ok}");
    let by_name = app
        .post(url, &token, &json!({"towxname": "editor_wx", "touser": "nobody", "msgtype": "image", "image": {"media_id": "aaa"}}))
        .await;
    assert_eq!(errcode(&by_name), 0);
    assert_eq!(by_name.get("msg_id"), None, "{by_name}");
    let stranger = app
        .post(url, &token, &json!({"touser": "oSomeoneElse000000000000000", "msgtype": "text", "text": {"content": "x"}}))
        .await;
    assert_eq!(errcode(&stranger), 40003);
    let nobody = app
        .post(
            url,
            &token,
            &json!({"msgtype": "text", "text": {"content": "x"}}),
        )
        .await;
    assert_eq!(errcode(&nobody), 40003);
    // sendall's image body is not the preview's.
    let images = app
        .post(
            url,
            &token,
            &json!({"touser": follower, "msgtype": "image", "images": {"media_ids": ["aaa"]}}),
        )
        .await;
    assert_eq!(errcode(&images), 40007);
    let video = app
        .post(
            url,
            &token,
            &json!({"touser": follower, "msgtype": "video", "video": {"media_id": "x"}}),
        )
        .await;
    assert_eq!(errcode(&video), 40008);
    let marked = app
        .post(url, &token, &json!({"touser": follower, "msgtype": "text", "text": {"content": "[sim:errcode(45028)]"}}))
        .await;
    assert_eq!(errcode(&marked), 45028);
    assert_eq!(app.sim.previews().len(), 2);
    assert!(app.sim.sends().is_empty(), "a preview is not a send");
}

#[tokio::test]
async fn mass_get_follows_a_send_and_mass_delete_removes_its_articles() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let get = "/cgi-bin/message/mass/get";
    let delete = "/cgi-bin/message/mass/delete";
    let sent = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_weekly_digest_0002", "del-1", 0),
        )
        .await;
    let id = msg_id(&sent);
    let status = app.post(get, &token, &json!({"msg_id": id})).await;
    assert_eq!(status["msg_status"], "SENDING");
    // Not deletable before it has succeeded.
    assert_eq!(
        errcode(&app.post(delete, &token, &json!({"msg_id": id})).await),
        40059
    );
    let record = app.wait_for_end(id).await;
    let status = app
        .post(get, &token, &json!({"msg_id": id.to_string()}))
        .await;
    assert_eq!(status["msg_status"], "SEND_SUCCESS");

    let del = |idx: u32| json!({"msg_id": id, "article_idx": idx});
    assert_eq!(errcode(&app.post(delete, &token, &del(2)).await), 0);
    assert_eq!(errcode(&app.post(delete, &token, &del(2)).await), 40060);
    assert_eq!(errcode(&app.post(delete, &token, &del(4)).await), 40060);
    let by_url = json!({"url": record.article_urls[2]});
    assert_eq!(errcode(&app.post(delete, &token, &by_url).await), 0);
    assert_eq!(errcode(&app.post(delete, &token, &del(0)).await), 0);
    let status = app.post(get, &token, &json!({"msg_id": id})).await;
    assert_eq!(status["msg_status"], "DELETE");
    assert_eq!(errcode(&app.post(delete, &token, &del(0)).await), 40059);
    assert_eq!(
        errcode(&app.post(delete, &token, &json!({"msg_id": 1})).await),
        40059
    );
    assert_eq!(
        errcode(&app.post(get, &token, &json!({"msg_id": 1})).await),
        40059
    );

    // Only news and video can be deleted.
    let text = app
        .post(SENDALL, &token, &text_send("t", Some("del-2")))
        .await;
    app.wait_for_end(msg_id(&text)).await;
    let answer = app
        .post(delete, &token, &json!({"msg_id": msg_id(&text)}))
        .await;
    assert_eq!(errcode(&answer), 40059);
}

// ---------------------------------------------------------------------------
// The push

#[tokio::test]
async fn the_push_arrives_signed_in_plaintext() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let sent = app
        .post(
            SENDALL,
            &token,
            &news_send("123dsdajkasd231jhksad", "push-1", 0),
        )
        .await;
    app.wait_for_pushes(1).await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let (query, body) = &hits[0];
    let (timestamp, nonce) = (
        query_value(query, "timestamp").unwrap(),
        query_value(query, "nonce").unwrap(),
    );
    crypto::verify_signature(
        TOKEN,
        &timestamp,
        &nonce,
        &query_value(query, "signature").unwrap(),
    )
    .unwrap();
    assert_eq!(query_value(query, "encrypt_type"), None);
    assert_eq!(
        query_value(query, "openid").as_deref(),
        Some(MPHELPER_OPENID)
    );

    let finish = finish_of(body);
    let result = &finish.result;
    assert_eq!(result.msg_id.get(), msg_id(&sent));
    assert_eq!(result.status, Status::SendSuccess);
    assert_eq!(result.total_count, Some(1_286));
    let (filter, sent_count, errors) = (
        result.filter_count.unwrap(),
        result.sent_count.unwrap(),
        result.error_count.unwrap(),
    );
    assert!(filter <= 1_286 && sent_count + errors == filter && sent_count > 0);
    let check = result.copyright_check.as_ref().unwrap();
    assert_eq!((check.count, check.items.len()), (Some(2), 2));
    assert_eq!(check.check_state, Some(CheckState::NotReprint));
    let urls = result.article_urls.as_ref().unwrap();
    assert_eq!(urls.items.len(), 2);
    assert_eq!(
        finish.event.to_user_name.as_deref(),
        Some(BUILTIN_ACCOUNT_ID)
    );
    assert!(app.sim.deliveries()[0].acknowledged);
}

#[tokio::test]
async fn the_push_is_encrypted_when_an_aes_key_is_set() {
    let (url, receiver) = spawn_receiver(0).await;
    let config = test_config()
        .with_callback_url(url)
        .with_aes_key(SecretString::from(AES_KEY));
    let app = spawn(config).await;
    let token = app.token().await;
    let sent = app
        .post(SENDALL, &token, &text_send("加密", Some("aes-1")))
        .await;
    app.wait_for_pushes(1).await;
    let (query, body) = receiver.hits().remove(0);
    let param = |k| query_value(&query, k).unwrap();
    assert_eq!(param("encrypt_type"), "aes");
    let receiver_crypto = CallbackCrypto::new(TOKEN, AES_KEY, APPID).unwrap();
    receiver_crypto
        .verify_signature(&param("timestamp"), &param("nonce"), &param("signature"))
        .unwrap();
    let envelope = EncryptedEnvelope::parse(&body).unwrap();
    assert_eq!(envelope.to_user_name.as_deref(), Some(BUILTIN_ACCOUNT_ID));
    assert!(!body.contains("MASSSENDJOBFINISH"));
    let xml = receiver_crypto
        .decrypt_message(
            &param("timestamp"),
            &param("nonce"),
            &envelope.encrypt,
            &param("msg_signature"),
        )
        .unwrap();
    let finish = finish_of(&xml);
    assert_eq!(finish.result.msg_id.get(), msg_id(&sent));
    assert_eq!(finish.result.total_count, Some(36));
    assert!(
        finish.result.copyright_check.is_none(),
        "text has no articles"
    );
    // A wrong key or AppID would not open it.
    let other = CallbackCrypto::new(TOKEN, AES_KEY, "wxffffffffffffffff").unwrap();
    assert!(
        other
            .decrypt_message(
                &param("timestamp"),
                &param("nonce"),
                &envelope.encrypt,
                &param("msg_signature")
            )
            .is_err()
    );
}

#[tokio::test]
async fn a_bad_aes_key_is_refused_at_start() {
    let config = test_config().with_aes_key(SecretString::from("too-short"));
    assert!(matches!(
        Simulator::new(config),
        Err(SimulatorError::BadAesKey)
    ));
}

#[tokio::test]
async fn a_push_not_answered_success_is_tried_three_times_in_all() {
    let (url, receiver) = spawn_receiver(usize::MAX).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.post(SENDALL, &token, &text_send("重试", Some("retry-1")))
        .await;
    assert!(
        app.sim
            .wait_until(WAIT, |s| s.counters().callbacks_given_up == 1)
            .await
    );
    let deliveries = app.sim.deliveries();
    assert_eq!(deliveries.len(), 3);
    assert_eq!(receiver.hits().len(), 3);
    assert_eq!(
        deliveries.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == Some(500) && !d.acknowledged)
    );
    // Every try is the same push.
    assert!(receiver.hits().windows(2).all(|w| w[0] == w[1]));
    let counters = app.sim.counters();
    assert_eq!(
        (counters.callback_attempts, counters.callbacks_acknowledged),
        (3, 0)
    );
}

#[tokio::test]
async fn a_push_answered_success_on_the_second_try_stops_there() {
    let (url, receiver) = spawn_receiver(1).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.post(SENDALL, &token, &text_send("第二次成功", Some("retry-2")))
        .await;
    let deliveries = app.wait_for_pushes(2).await;
    assert!(!deliveries[0].acknowledged && deliveries[1].acknowledged);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.hits().len(), 2);
    assert_eq!(app.sim.counters().callbacks_given_up, 0);
}

#[tokio::test]
async fn an_unreachable_callback_is_recorded_not_fatal() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/wechat/callback")).unwrap();
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.post(SENDALL, &token, &text_send("无人接收", Some("down-1")))
        .await;
    let deliveries = app.wait_for_pushes(3).await;
    assert!(
        deliveries
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some())
    );
}

// ---------------------------------------------------------------------------
// Scenarios

#[tokio::test]
async fn each_review_failure_of_the_seed_is_pushed_as_err_n() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let codes = [
        10001, 20001, 20004, 20002, 20006, 20008, 20013, 22000, 21000, 93115, 30001, 30002, 30003,
        40001, 40002,
    ];
    for code in codes {
        app.sim
            .queue_scenario(
                Endpoint::SendAll,
                Scenario::parse(&format!("err({code})")).unwrap(),
            )
            .unwrap();
        let sent = app
            .post(
                SENDALL,
                &token,
                &text_send(&format!("审核 {code}"), Some(&format!("err-{code}"))),
            )
            .await;
        assert_eq!(errcode(&sent), 0, "the send itself is accepted");
    }
    app.wait_for_pushes(codes.len()).await;
    let mut statuses: Vec<i64> = receiver
        .hits()
        .iter()
        .map(|(_, body)| {
            let finish = finish_of(body);
            assert_eq!(finish.result.sent_count, Some(0));
            match finish.result.status {
                Status::Err(reason) => reason.code(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    statuses.sort_unstable();
    let mut expected = codes.to_vec();
    expected.sort_unstable();
    assert_eq!(statuses, expected);
}

#[tokio::test]
async fn a_marker_in_the_text_an_editor_types_chooses_the_outcome() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let sent = app
        .post(
            SENDALL,
            &token,
            &text_send("今日要闻 [sim:err(20001)]", Some("m-1")),
        )
        .await;
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(
        record.result.unwrap().status,
        Status::Err(FailureReason::Politics)
    );
    let failed = app
        .post(SENDALL, &token, &text_send("[sim:fail]", Some("m-2")))
        .await;
    let record = app.wait_for_end(msg_id(&failed)).await;
    let result = record.result.unwrap();
    assert_eq!(result.status, Status::SendFail);
    assert_eq!(result.error_count, result.filter_count);
    assert_eq!(record.status.as_str(), "SEND_FAIL");
    // Images carry markers in their title.
    let images = json!({
        "filter": {"is_to_all": false, "tag_id": 2},
        "images": {"media_ids": ["aaa"], "title": "[sim:errcode(45028)]"},
        "msgtype": "image",
    });
    assert_eq!(errcode(&app.post(SENDALL, &token, &images).await), 45028);
}

#[tokio::test]
async fn the_checkstate_drafts_trigger_each_originality_verdict() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let verdict = |record: SendRecord| {
        let result = record.result.unwrap();
        (
            result.status,
            result.copyright_check.and_then(|c| c.check_state),
        )
    };

    let one = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_checkstate_1", "c1", 0),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&one)).await),
        (Status::SendSuccess, Some(CheckState::NotReprint))
    );

    // CheckState 2 stops the send unless send_ignore_reprint is 1.
    let stopped = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_checkstate_2", "c2a", 0),
        )
        .await;
    let record = app.wait_for_end(msg_id(&stopped)).await;
    let items = record
        .result
        .clone()
        .unwrap()
        .copyright_check
        .unwrap()
        .items;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].can_reprint.map(|c| c.code()), Some(1));
    assert_eq!(items[1].audit_state.map(|a| a.code()), Some(11));
    assert_eq!(
        verdict(record),
        (
            Status::Err(FailureReason::JudgedReprint),
            Some(CheckState::ReprintAllowed)
        )
    );
    let going_on = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_checkstate_2", "c2b", 1),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&going_on)).await),
        (Status::SendSuccess, Some(CheckState::ReprintAllowed))
    );

    let three = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_checkstate_3", "c3", 1),
        )
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&three)).await),
        (
            Status::Err(FailureReason::OriginalityCheckRefused),
            Some(CheckState::ReprintRefused)
        )
    );
    // A queued check(0) works on any article.
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("check(0)").unwrap())
        .unwrap();
    let zero = app
        .post(SENDALL, &token, &news_send("sim_news_about_us", "c0", 0))
        .await;
    assert_eq!(
        verdict(app.wait_for_end(msg_id(&zero)).await),
        (Status::SendSuccess, Some(CheckState::NoVerdict))
    );
}

/// The eight fields of each `ResultList/item` in the seed's example.
const COPYRIGHT_ITEM_FIELDS: [&str; 8] = [
    "ArticleIdx",
    "UserDeclareState",
    "AuditState",
    "OriginalArticleUrl",
    "OriginalArticleType",
    "CanReprint",
    "NeedReplaceContent",
    "NeedShowReprintSource",
];

#[tokio::test]
async fn every_copyright_item_of_a_multi_article_push_has_all_eight_fields() {
    let (url, _receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    // Drafts of several articles (a draft sent is used up), every verdict:
    // the default (CheckState 1), the first article judged a reprint (2),
    // and no verdict (0).
    let sends = [
        ("sim_draft_weekly_digest_0002", "cc1", None),
        ("sim_draft_checkstate_2", "cc2", None),
        ("123dsdajkasd231jhksad", "cc0", Some("check(0)")),
    ];
    for (n, (draft, clientmsgid, scenario)) in sends.into_iter().enumerate() {
        if let Some(scenario) = scenario {
            app.sim
                .queue_scenario(Endpoint::SendAll, Scenario::parse(scenario).unwrap())
                .unwrap();
        }
        let sent = app
            .post(SENDALL, &token, &news_send(draft, clientmsgid, 1))
            .await;
        assert_eq!(errcode(&sent), 0, "{sent}");
        let pushes = app.wait_for_pushes(n + 1).await;
        let xml = &pushes[n].event_xml;
        let copyright = xml
            .split_once("<CopyrightCheckResult>")
            .and_then(|(_, rest)| rest.split_once("</CopyrightCheckResult>"))
            .map(|(inside, _)| inside)
            .unwrap_or_else(|| panic!("no CopyrightCheckResult in {xml}"));
        let items: Vec<&str> = copyright.split("<item>").skip(1).collect();
        assert!(items.len() >= 2, "{draft}: {xml}");
        for (idx, item) in items.iter().enumerate() {
            for field in COPYRIGHT_ITEM_FIELDS {
                assert!(
                    item.contains(&format!("<{field}>")),
                    "{draft} item {} lacks {field}: {item}",
                    idx + 1
                );
            }
        }
        // And they read back (an empty OriginalArticleUrl reads as none).
        let checks = finish_of(xml).result.copyright_check.unwrap().items;
        assert_eq!(checks.len(), items.len());
        for check in checks {
            assert!(check.article_idx.is_some());
            assert!(check.user_declare_state.is_some());
            assert!(check.audit_state.is_some());
            assert!(check.original_article_type.is_some());
            assert!(check.can_reprint.is_some());
            assert!(check.need_replace_content.is_some());
            assert!(check.need_show_reprint_source.is_some(), "{check:?}");
        }
    }
}

#[tokio::test]
async fn admin_confirmation_answers_then_pushes_the_admins_decision() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let cases = [
        ("admin(89505,reject)", 89505, "err(40001)"),
        ("admin(89503,timeout)", 89503, "err(40002)"),
        ("admin(89504,approve)", 89504, "send success"),
    ];
    for (i, (spec, first_code, pushed)) in cases.into_iter().enumerate() {
        app.sim
            .queue_scenario(Endpoint::SendAll, Scenario::parse(spec).unwrap())
            .unwrap();
        let id = format!("admin-{i}");
        let first = app.post(SENDALL, &token, &text_send(spec, Some(&id))).await;
        assert_eq!(errcode(&first), first_code, "{spec}");
        assert!(first.get("msg_id").is_none(), "{spec}");
        let waiting = app.post(SENDALL, &token, &text_send(spec, Some(&id))).await;
        assert_eq!(errcode(&waiting), 89504, "{spec}: still waiting");
        app.wait_for_pushes(i + 1).await;
        let finish = finish_of(&receiver.hits()[i].1);
        assert_eq!(finish.result.status.to_wire(), pushed, "{spec}");
        app.sim.clock().advance(Duration::from_secs(61));
        let later = app.post(SENDALL, &token, &text_send(spec, Some(&id))).await;
        assert_eq!(errcode(&later), 45065, "{spec}");
        assert_eq!(msg_id(&later), finish.result.msg_id.get(), "{spec}");
    }
}

#[tokio::test]
async fn the_admin_draft_needs_no_control_call() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let answer = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_admin_confirm_89505", "a-draft", 0),
        )
        .await;
    assert_eq!(errcode(&answer), 89505);
}

#[tokio::test]
async fn nocallback_ends_the_job_but_pushes_nothing() {
    let (url, receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    let sent = app
        .post(
            SENDALL,
            &token,
            &news_send("sim_draft_no_callback", "quiet", 0),
        )
        .await;
    let record = app.wait_for_end(msg_id(&sent)).await;
    assert_eq!(record.status.as_str(), "SEND_SUCCESS");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.hits().is_empty());
    assert!(app.sim.deliveries().is_empty());
}

#[tokio::test]
async fn errcode_scenarios_answer_each_code_of_the_seed_and_send_nothing() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    for code in [
        41040, 45062, 45066, 45067, 48021, 89504, 89505, 45028, -1, 48001,
    ] {
        app.sim
            .queue_scenario(
                Endpoint::SendAll,
                Scenario::parse(&format!("errcode({code})")).unwrap(),
            )
            .unwrap();
        let answer = app
            .post(
                SENDALL,
                &token,
                &text_send("x", Some(&format!("code{code}"))),
            )
            .await;
        assert_eq!(errcode(&answer), code);
    }
    assert!(app.sim.sends().is_empty());
    // The scenario drafts answer their codes too.
    for (draft, code) in [
        ("sim_draft_autosaved_48021", 48021),
        ("sim_draft_declare_original_41040", 41040),
    ] {
        let answer = app.post(SENDALL, &token, &news_send(draft, draft, 0)).await;
        assert_eq!(errcode(&answer), code);
    }
    // 45065 comes with the msg_id of a send "already made".
    app.sim
        .queue_scenario(
            Endpoint::SendAll,
            Scenario::parse("errcode(45065)").unwrap(),
        )
        .unwrap();
    let exists = app
        .post(SENDALL, &token, &text_send("x", Some("exists")))
        .await;
    assert_eq!(errcode(&exists), 45065);
    assert_eq!(app.sim.sends()[0].msg_id.get(), msg_id(&exists));
}

#[tokio::test]
async fn a_slow_wechat_answers_late_and_a_5xx_answers_html() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("slow(0.4)").unwrap())
        .unwrap();
    let started = Instant::now();
    let answer = app
        .post(SENDALL, &token, &text_send("慢", Some("slow-1")))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(errcode(&answer), 0);

    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("http(502)").unwrap())
        .unwrap();
    let response = app
        .http
        .post(with_query(
            &format!("{}{SENDALL}", app.base),
            &[("access_token", &token)],
        ))
        .body(text_send("网关", Some("gw-1")).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.text().await.unwrap().contains("Bad Gateway"));
    assert_eq!(app.sim.sends().len(), 1, "a 5xx sends nothing");
}

#[tokio::test]
async fn a_lost_answer_is_resolved_by_resending_the_same_clientmsgid() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("lose").unwrap())
        .unwrap();
    let attempt = app
        .http
        .post(with_query(
            &format!("{}{SENDALL}", app.base),
            &[("access_token", &token)],
        ))
        .body(text_send("丢失的应答", Some("lost-1")).to_string())
        .send()
        .await;
    let read = match attempt {
        Ok(response) => response.json::<Value>().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(read.is_err(), "the answer must not be readable");
    let recorded = app.sim.sends();
    assert_eq!(recorded.len(), 1, "but the send was made");

    let retry = app
        .post(SENDALL, &token, &text_send("丢失的应答", Some("lost-1")))
        .await;
    assert_eq!(errcode(&retry), 45066);
    app.sim.clock().advance(Duration::from_secs(60));
    let resolved = app
        .post(SENDALL, &token, &text_send("丢失的应答", Some("lost-1")))
        .await;
    assert_eq!(errcode(&resolved), 45065);
    assert_eq!(msg_id(&resolved), recorded[0].msg_id.get());
}

#[tokio::test]
async fn scenarios_reach_the_other_endpoints_too() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    app.sim
        .queue_scenario(Endpoint::Token, Scenario::parse("errcode(-1)").unwrap())
        .unwrap();
    let busy = app
        .get(
            "/cgi-bin/token",
            &[
                ("grant_type", "client_credential"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
        )
        .await;
    assert_eq!(errcode(&busy), -1);
    app.sim
        .queue_scenario(Endpoint::TagsGet, Scenario::parse("http(503)").unwrap())
        .unwrap();
    let response = app
        .http
        .get(with_query(
            &format!("{}/cgi-bin/tags/get", app.base),
            &[("access_token", &token)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let tags = app
        .get("/cgi-bin/tags/get", &[("access_token", &token)])
        .await;
    assert_eq!(errcode(&tags), 0, "one call only");
}

#[tokio::test]
async fn the_control_endpoints_work_over_http() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let control = |path: &str| format!("{}/control/{path}", app.base);
    let queued = app
        .http
        .post(control("scenario"))
        .json(&json!({"scenario": "slow(0) err(10001)", "times": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 200);
    let queued: Value = queued.json().await.unwrap();
    assert_eq!(queued["queued"], 2);
    for bad in [
        json!({"scenario": "explode"}),
        json!({"scenario": "ok", "endpoint": "nowhere"}),
        json!({"scenario": "ok", "times": 0}),
        json!({"nothing": true}),
    ] {
        let response = app
            .http
            .post(control("scenario"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].is_string());
    }
    app.post(SENDALL, &token, &text_send("x", Some("ctl-1")))
        .await;
    let state: Value = app
        .http
        .get(control("state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["counters"]["calls"]["sendall"], 1);
    assert_eq!(state["queued"]["sendall"], json!(["slow(0) err(10001)"]));
    assert_eq!(state["sends"][0]["scenario"], "slow(0) err(10001)");

    let before = app.sim.clock().unix_secs();
    let moved: Value = app
        .http
        .post(control("clock"))
        .json(&json!({"advance_secs": 3600}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(moved["now"].as_u64().unwrap() >= before + 3600);
    let reset = app.http.post(control("reset")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    assert!(app.sim.sends().is_empty());
    assert_eq!(app.sim.counters(), Counters::default());
}

#[tokio::test]
async fn counters_tell_calls_tokens_and_pushes() {
    let (url, _receiver) = spawn_receiver(0).await;
    let app = spawn(test_config().with_callback_url(url)).await;
    let token = app.token().await;
    app.get("/cgi-bin/tags/get", &[("access_token", &token)])
        .await;
    app.get("/cgi-bin/tags/get", &[("access_token", "bad")])
        .await;
    app.post(SENDALL, &token, &text_send("计数", Some("count-1")))
        .await;
    app.wait_for_pushes(1).await;
    let counters = app.sim.counters();
    assert_eq!(counters.calls_to(Endpoint::Token), 1);
    assert_eq!(counters.calls_to(Endpoint::TagsGet), 2);
    assert_eq!(counters.calls_to(Endpoint::SendAll), 1);
    assert_eq!(counters.calls_to(Endpoint::Preview), 0);
    assert_eq!(counters.tokens_issued, 1);
    assert_eq!(
        (counters.callback_attempts, counters.callbacks_acknowledged),
        (1, 1)
    );
    let delivery = &app.sim.deliveries()[0];
    assert_eq!(
        (delivery.status, delivery.answer.as_deref()),
        (Some(200), Some("success"))
    );
}

#[tokio::test]
async fn it_works_nested_under_a_prefix_as_the_console_mounts_it() {
    let sim = Simulator::new(test_config()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/sim", listener.local_addr().unwrap());
    let app = axum::Router::new().nest("/sim", router(sim.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let answer: Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(with_query(
            &format!("{base}/cgi-bin/token"),
            &[
                ("grant_type", "client_credential"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["expires_in"], 7200);
}

#[tokio::test]
async fn standalone_shuts_down_promptly_with_a_slow_answer_and_a_push_pending() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (url, _receiver) = spawn_receiver(0).await;
    let config = test_config()
        .with_callback_url(url)
        .with_callback_delay(Duration::from_secs(60));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run_standalone(config, listener, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let token: Value = http
        .get(with_query(
            &format!("{base}/cgi-bin/token"),
            &[
                ("grant_type", "client_credential"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    // A send whose push is a minute away, then a call that answers in 300 s.
    http.post(with_query(
        &format!("{base}{SENDALL}"),
        &[("access_token", &token)],
    ))
    .body(text_send("pending", Some("pending")).to_string())
    .send()
    .await
    .unwrap();
    http.post(format!("{base}/control/scenario"))
        .json(&json!({"scenario": "slow(300)"}))
        .send()
        .await
        .unwrap();
    let slow = tokio::spawn({
        let http = http.clone();
        let url = format!("{base}{SENDALL}");
        async move {
            http.post(with_query(&url, &[("access_token", &token)]))
                .body(text_send("slow", Some("slow")).to_string())
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("run_standalone must not hang");
    assert!(result.unwrap().is_ok());
    assert!(started.elapsed() < Duration::from_secs(5));
    // The slow call was answered (early) rather than left hanging.
    let slow = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .unwrap()
        .unwrap();
    assert!(slow.is_ok());
}

// ---------------------------------------------------------------------------
// The control endpoints: loopback only, a bounded queue

/// Each control endpoint with a body it accepts.
const CONTROL_CALLS: [(&str, &str, &str); 4] = [
    (
        "POST",
        "/control/scenario",
        r#"{"scenario": "errcode(-1)"}"#,
    ),
    ("GET", "/control/state", ""),
    ("POST", "/control/reset", ""),
    ("POST", "/control/clock", r#"{"advance_secs": 3600}"#),
];

async fn call_router(app: axum::Router, method: &str, path: &str, body: &str) -> (u16, String) {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn the_control_endpoints_answer_loopback_only() {
    use axum::extract::connect_info::MockConnectInfo;
    let sim = Simulator::new(test_config()).unwrap();
    let before = sim.clock().unix_secs();
    for stranger in ["203.0.113.7:40000", "[2001:db8::1]:40000", "10.0.0.2:5"] {
        let peer: std::net::SocketAddr = stranger.parse().unwrap();
        for (method, path, body) in CONTROL_CALLS {
            let app = router(sim.clone()).layer(MockConnectInfo(peer));
            let (status, text) = call_router(app, method, path, body).await;
            assert_eq!(status, 403, "{method} {path} from {stranger}: {text}");
            assert!(text.contains("loopback"), "{text}");
        }
        // WeChat's own paths stay open: the AppSecret guards them.
        let app = router(sim.clone()).layer(MockConnectInfo(peer));
        let token =
            format!("/cgi-bin/token?grant_type=client_credential&appid={APPID}&secret={SECRET}");
        let (status, text) = call_router(app, "GET", &token, "").await;
        assert_eq!(status, 200, "{text}");
        assert!(text.contains("access_token"), "{text}");
    }
    // Nothing a stranger asked for happened.
    assert!(sim.queued(Endpoint::SendAll).is_empty());
    assert!(sim.clock().unix_secs() < before + 3600);
    // Without a known peer (served without connect info) it is refused too.
    let (status, _) = call_router(router(sim.clone()), "GET", "/control/state", "").await;
    assert_eq!(status, 403);

    for local in [
        "127.0.0.1:40000",
        "127.8.9.10:1",
        "[::1]:40000",
        "[::ffff:127.0.0.1]:1",
    ] {
        let peer: std::net::SocketAddr = local.parse().unwrap();
        let app = router(sim.clone()).layer(MockConnectInfo(peer));
        let (status, text) = call_router(app, "GET", "/control/state", "").await;
        assert_eq!(status, 200, "{local}: {text}");
    }
}

#[tokio::test]
async fn the_scenario_queue_is_bounded() {
    let app = spawn(test_config()).await;
    let queue = |body: Value| {
        let http = app.http.clone();
        let url = format!("{}/control/scenario", app.base);
        async move {
            let response = http.post(url).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let total =
        |sim: &Simulator| -> usize { Endpoint::ALL.iter().map(|e| sim.queued(*e).len()).sum() };
    // A thousand in all, over two endpoints.
    for round in 0..10 {
        let endpoint = if round % 2 == 0 { "sendall" } else { "preview" };
        let (status, answer) =
            queue(json!({"scenario": "errcode(-1)", "endpoint": endpoint, "times": 100})).await;
        assert_eq!(status, 200, "round {round}: {answer}");
    }
    assert_eq!(total(&app.sim), 1_000);
    let (status, answer) = queue(json!({"scenario": "ok", "endpoint": "token"})).await;
    assert_eq!(status, 429, "{answer}");
    let words = answer["error"].as_str().unwrap();
    assert!(words.contains("1000") && words.contains("full"), "{words}");
    assert_eq!(total(&app.sim), 1_000, "nothing was added");
    assert_eq!(
        app.sim
            .queue_scenario(Endpoint::SendAll, Scenario::parse("ok").unwrap()),
        Err(QueueFull {
            queued: 1_000,
            asked: 1
        })
    );

    // One used up makes room for one, not for two.
    let token = app.token().await;
    let used = app
        .post(SENDALL, &token, &text_send("x", Some("q-1")))
        .await;
    assert_eq!(errcode(&used), -1);
    let (status, answer) = queue(json!({"scenario": "ok", "times": 2})).await;
    assert_eq!(status, 429, "all or nothing: {answer}");
    assert_eq!(total(&app.sim), 999);
    let (status, answer) = queue(json!({"scenario": "ok"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(total(&app.sim), 1_000);
}

// ---------------------------------------------------------------------------
// An overseas account

#[tokio::test]
async fn an_overseas_account_mass_sends_articles_only() {
    let app = spawn(test_config().with_overseas(true)).await;
    let token = app.token().await;
    for (kind, body) in SEED_REQUESTS {
        let mut body: Value = serde_json::from_str(body).unwrap();
        body["clientmsgid"] = json!(format!("overseas-{kind}"));
        let answer = app.post(SENDALL, &token, &body).await;
        if kind == "mpnews" {
            assert_eq!(errcode(&answer), 0, "{kind}: {answer}");
        } else {
            assert_eq!(errcode(&answer), 48001, "{kind}: {answer}");
            assert!(answer.get("msg_id").is_none(), "{answer}");
        }
    }
    let unknown = app
        .post(
            SENDALL,
            &token,
            &json!({"filter": {"is_to_all": true}, "msgtype": "music", "music": {}}),
        )
        .await;
    assert_eq!(errcode(&unknown), 48001, "{unknown}");
    assert_eq!(app.sim.sends().len(), 1, "only the article was sent");
    // Preview is not a mass send: the seed restricts only sendall.
    let preview = app
        .post(
            "/cgi-bin/message/mass/preview",
            &token,
            &json!({"towxname": "editor_wx", "msgtype": "text", "text": {"content": "预览"}}),
        )
        .await;
    assert_eq!(errcode(&preview), 0, "{preview}");

    // The console's client puts the refusal in words, in both languages.
    let base = Url::parse(&app.base).unwrap();
    let config = crate::wechat::client::ClientConfig::new(base.clone());
    let http = config.http_client().unwrap();
    let tokens = crate::wechat::token::TokenManager::new(
        crate::wechat::token::TokenSource::stable(APPID, SECRET),
        base,
        http.clone(),
        Arc::new(crate::wechat::token::MemoryTokenCache::new()),
    );
    let client = crate::wechat::client::WechatClient::new(config, tokens, http);
    let request: crate::wechat::api::SendAllRequest =
        serde_json::from_str(SEED_REQUESTS[1].1).unwrap();
    let error = client.send_all(&request).await.unwrap_err();
    assert_eq!(
        error.code(),
        Some(crate::wechat::errcode::ErrCode::from_code(48001))
    );
    let english = error.words(crate::i18n::Lang::En);
    assert!(
        english.contains("48001") && english.contains("overseas"),
        "{english}"
    );
    let chinese = error.words(crate::i18n::Lang::Zh);
    assert!(
        chinese.contains("48001") && chinese.contains("海外"),
        "{chinese}"
    );
}
