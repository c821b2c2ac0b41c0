//! qunfa in front of the account's existing backend: every verified callback
//! reaches the backend as WeChat sent it, the backend's answer reaches
//! WeChat as the backend gave it, and a backend that is down, hangs or fails
//! neither loses a MASSSENDJOBFINISH nor holds connections.

use crate::common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use common::{TestApp, form, send, signed_in, worker_round};
use qunfa::{
    settings::SettingsView,
    wechat::crypto::{self, CallbackCrypto},
};
use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// What the fake backend does with a request.
#[derive(Clone)]
enum Behaviour {
    Answer {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// Reads the request and never answers.
    Hang,
}

/// A request as it reached the backend.
#[derive(Clone, Debug)]
struct Received {
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A backend on a socket of its own, so the test sees the bytes and the
/// connections exactly as qunfa makes them.
#[derive(Clone)]
struct Backend {
    url: String,
    behaviour: Arc<Mutex<Behaviour>>,
    received: Arc<Mutex<Vec<Received>>>,
    open: Arc<AtomicUsize>,
    most_open: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
}

impl Backend {
    async fn start(behaviour: Behaviour) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backend = Backend {
            url: format!(
                "http://{}/wechat?from=qunfa",
                listener.local_addr().unwrap()
            ),
            behaviour: Arc::new(Mutex::new(behaviour)),
            received: Arc::default(),
            open: Arc::default(),
            most_open: Arc::default(),
            accepted: Arc::default(),
        };
        let serving = backend.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                serving.accepted.fetch_add(1, Ordering::SeqCst);
                let now_open = serving.open.fetch_add(1, Ordering::SeqCst) + 1;
                serving.most_open.fetch_max(now_open, Ordering::SeqCst);
                let connection = serving.clone();
                tokio::spawn(async move {
                    connection.serve(socket).await;
                    connection.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        backend
    }

    /// Requests one after another on a kept-alive connection, until the
    /// other side closes it.
    async fn serve(&self, mut socket: TcpStream) {
        let mut buffer = Vec::new();
        loop {
            let Some(request) = read_request(&mut socket, &mut buffer).await else {
                return;
            };
            self.received.lock().unwrap().push(request);
            let behaviour = self.behaviour.lock().unwrap().clone();
            match behaviour {
                Behaviour::Answer {
                    status,
                    content_type,
                    body,
                } => {
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    if socket.write_all(head.as_bytes()).await.is_err()
                        || socket.write_all(&body).await.is_err()
                    {
                        return;
                    }
                }
                Behaviour::Hang => {
                    // Until qunfa gives up and closes the connection.
                    let mut rest = [0u8; 1024];
                    while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
                    return;
                }
            }
        }
    }

    fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// One HTTP/1.1 request with a `content-length` body; `None` at the end of
/// the connection.
async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Received> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    while buffer.len() < head_end + 4 + length {
        let n = socket.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[head_end + 4..head_end + 4 + length].to_vec();
    buffer.drain(..head_end + 4 + length);
    Some(Received {
        target,
        headers,
        body,
    })
}

const METRICS_TOKEN: &str = "forward-metrics-token-1";

async fn forwarding_app(url: &str, timeout: &str, aes_key: Option<&str>) -> TestApp {
    let data = Arc::new(tempfile::tempdir().unwrap());
    let (url, timeout) = (url.to_owned(), timeout.to_owned());
    let aes_key = aes_key.map(str::to_owned);
    TestApp::spawn_with(data, move |args| {
        args.callback_forward_url = Some(url);
        args.callback_forward_timeout = Some(timeout);
        args.wechat_aes_key = aes_key;
        args.metrics_token = Some(METRICS_TOKEN.into());
    })
    .await
}

/// `qunfa_callback_forwards_total` for `outcome`, counted by the process
/// (every test of this file adds to it).
async fn forwards_counted(app: &TestApp, outcome: &str) -> u64 {
    let text = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("qunfa_callback_forwards_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or(0, |count| count.parse().unwrap())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A follower's text message, as WeChat pushes it in plaintext mode.
fn follower_message(msg_id: u64, text: &str) -> String {
    format!(
        "<xml>\r\n  <ToUserName><![CDATA[gh_simulator]]></ToUserName>\n<FromUserName><![CDATA[oFollower+1]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId>\n</xml>\n",
        now()
    )
}

fn signed_query(token: &str, nonce: &str) -> String {
    let timestamp = now().to_string();
    let signature = crypto::signature(token, &timestamp, nonce);
    // Extra parameters, in WeChat's order, as it sends them.
    format!("signature={signature}&timestamp={timestamp}&nonce={nonce}&openid=oFollower%2B1")
}

/// Posts a callback as WeChat does: `headers` are any besides the body.
async fn post_callback(
    app: &TestApp,
    query: &str,
    headers: &[(&str, &str)],
    body: String,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(app.url(&format!("/wechat/callback?{query}")));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body).send().await.unwrap()
}

async fn callbacks_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM callbacks")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn settings_view(app: &TestApp) -> SettingsView {
    let client = signed_in(app).await;
    let response = app.call(&client, "load_settings", &[]).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_backend_gets_wechats_exact_request_and_wechat_gets_the_backends_exact_reply() {
    let reply = "<xml><ToUserName><![CDATA[oFollower+1]]></ToUserName><FromUserName><![CDATA[gh_simulator]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[机器人的回答]]></Content></xml>";
    let backend = Backend::start(Behaviour::Answer {
        status: 200,
        content_type: "application/xml; charset=utf-8",
        body: reply.as_bytes().to_vec(),
    })
    .await;
    let app = forwarding_app(&backend.url, "2s", None).await;
    let query = signed_query(&app.callback_token(), "n-exact");
    let body = follower_message(7001, "你好 <world> & 群发");
    let answer = post_callback(&app, &query, &[("content-type", "text/xml")], body.clone()).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    assert_eq!(answer.bytes().await.unwrap(), reply.as_bytes());
    assert!(forwards_counted(&app, "ok").await >= 1);

    let received = backend.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].target, format!("/wechat?from=qunfa&{query}"));
    assert_eq!(received[0].body, body.as_bytes(), "the body byte for byte");
    assert_eq!(received[0].header("content-type"), Some("text/xml"));
    assert_eq!(received[0].header("x-qunfa-forwarded"), Some("1"));
    assert_eq!(callbacks_stored(&app).await, 1, "qunfa kept it too");

    // An empty 200 is an answer too (WeChat takes it as "no reply").
    backend.set(Behaviour::Answer {
        status: 200,
        content_type: "text/plain",
        body: Vec::new(),
    });
    let query = signed_query(&app.callback_token(), "n-empty");
    let answer = post_callback(&app, &query, &[], follower_message(7002, "empty")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.bytes().await.unwrap().len(), 0);
    assert_eq!(
        backend.accepted.load(Ordering::SeqCst),
        1,
        "the second forward went over the first one's kept-alive connection"
    );

    // An answer larger than any passive reply is not handed to WeChat.
    backend.set(Behaviour::Answer {
        status: 200,
        content_type: "text/xml",
        body: vec![b'x'; qunfa::callbacks::forward::MAX_ANSWER_BYTES + 1],
    });
    let query = signed_query(&app.callback_token(), "n-large");
    let answer = post_callback(&app, &query, &[], follower_message(7005, "large")).await;
    assert_eq!(answer.text().await.unwrap(), "success");
    let forwarding = settings_view(&app).await.forwarding.unwrap();
    assert_eq!((forwarding.ok, forwarding.failed), (2, 1));
    assert!(
        forwarding.last_failure.unwrap().words.contains("256 KiB"),
        "the failure in words"
    );

    // A callback qunfa refuses never reaches the backend.
    let forged =
        signed_query(&app.callback_token(), "n-forged").replace("signature=", "signature=0");
    let refused = post_callback(&app, &forged, &[], follower_message(7003, "forged")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(backend.received().len(), 3);

    // A forward that comes back to a forwarding qunfa is not passed on again.
    let query = signed_query(&app.callback_token(), "n-loop");
    let looped = post_callback(
        &app,
        &query,
        &[("x-qunfa-forwarded", "1")],
        follower_message(7004, "loop"),
    )
    .await;
    assert_eq!(looped.text().await.unwrap(), "success");
    assert_eq!(backend.received().len(), 3);
    assert_eq!(callbacks_stored(&app).await, 4);
    app.stop().await;
}

#[tokio::test]
async fn in_safe_mode_the_backends_encrypted_reply_reaches_wechat_unchanged() {
    let backend = Backend::start(Behaviour::Hang).await;
    let app = forwarding_app(&backend.url, "2s", Some(AES_KEY)).await;
    let crypto = CallbackCrypto::new(
        app.callback_token(),
        AES_KEY,
        qunfa::simulator::BUILTIN_APPID,
    )
    .unwrap();
    let timestamp = now().to_string();
    // The backend holds the same Token and key, and seals its reply.
    let reply = crypto
        .encrypted_reply(
            "<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[加密的回答]]></Content></xml>",
            &timestamp,
            "reply-nonce",
        )
        .unwrap();
    backend.set(Behaviour::Answer {
        status: 200,
        content_type: "text/xml",
        body: reply.clone().into_bytes(),
    });
    let sealed = crypto
        .seal(&follower_message(7101, "safe"), &timestamp, "n-safe")
        .unwrap();
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_simulator]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        sealed.encrypt
    );
    let query = format!(
        "signature={}&timestamp={timestamp}&nonce=n-safe&openid=oFollower%2B1&encrypt_type=aes&msg_signature={}",
        crypto.signature(&timestamp, "n-safe"),
        sealed.msg_signature
    );
    let answer = post_callback(&app, &query, &[("content-type", "text/xml")], body.clone()).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.text().await.unwrap(), reply);
    let received = backend.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].target, format!("/wechat?from=qunfa&{query}"));
    assert_eq!(received[0].body, body.as_bytes());
    let stored: Vec<String> = sqlx::query_scalar("SELECT mode FROM callbacks")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec!["safe".to_owned()]);
    app.stop().await;
}

/// A port where nothing listens.
async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/wechat")
}

async fn send_state(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM sends WHERE id = ?")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_send_finishes_while_the_backend_is_down_hangs_or_fails() {
    let hanging = Backend::start(Behaviour::Hang).await;
    let failing = Backend::start(Behaviour::Answer {
        status: 500,
        content_type: "text/plain",
        body: b"boom".to_vec(),
    })
    .await;
    let cases = [
        // The console speaks Chinese to a client that names no language.
        ("down", closed_port_url().await, "后端拒绝连接"),
        ("hangs", hanging.url.clone(), "后端在 500 ms 内没有应答"),
        (
            "fails",
            failing.url.clone(),
            "HTTP 500 Internal Server Error",
        ),
    ];
    for (case, url, words) in cases {
        let app = forwarding_app(&url, "500ms", None).await;
        let client = signed_in(&app).await;
        let id = format!("qf-forward-{case}");
        let result = send(
            &app,
            &client,
            &form(&id, "text", &[("text_content", "转发失败也要完成")]),
        )
        .await;
        let mut state = String::new();
        for _ in 0..50 {
            worker_round(&app).await;
            state = send_state(&app, result.id).await;
            if state == "finished" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(state, "finished", "the backend {case}");
        // The send may finish before WeChat has its answer: the event is
        // stored while the backend is still being waited for.
        let simulator = app.state.simulator.as_ref().unwrap();
        let mut pushes = Vec::new();
        for _ in 0..50 {
            pushes = simulator.deliveries();
            if !pushes.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            pushes.len(),
            1,
            "one push, no retry, when the backend {case}"
        );
        assert!(
            pushes[0].acknowledged,
            "WeChat got success when the backend {case}"
        );

        let view = settings_view(&app).await;
        let forwarding = view.forwarding.expect("forwarding is shown");
        assert_eq!(forwarding.ok, 0, "{case}");
        assert_eq!(forwarding.timed_out + forwarding.failed, 1, "{case}");
        let failure = forwarding.last_failure.expect("the failure in words");
        assert!(failure.words.contains(words), "{case}: {}", failure.words);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_hanging_backend_gets_wechat_success_within_the_timeout() {
    let backend = Backend::start(Behaviour::Hang).await;
    let app = forwarding_app(&backend.url, "700ms", None).await;
    let query = signed_query(&app.callback_token(), "n-hang");
    let timed_out_before = forwards_counted(&app, "timed_out").await;
    let started = Instant::now();
    let answer = post_callback(&app, &query, &[], follower_message(7201, "hang")).await;
    let took = started.elapsed();
    assert_eq!(answer.text().await.unwrap(), "success");
    assert!(took >= Duration::from_millis(700), "{took:?}");
    // WeChat gives up at 5 seconds; the point is to be well inside them.
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(callbacks_stored(&app).await, 1);
    assert!(forwards_counted(&app, "timed_out").await > timed_out_before);
    app.stop().await;
}

#[tokio::test]
async fn a_thousand_callbacks_to_a_hanging_backend_leave_no_connection_open() {
    let backend = Backend::start(Behaviour::Hang).await;
    let app = forwarding_app(&backend.url, "300ms", None).await;
    let token = app.callback_token();
    let http = reqwest::Client::new();
    // Far more callbacks at once than forwards may run: without the
    // bound, as many connections would be open at the backend.
    let senders = Arc::new(tokio::sync::Semaphore::new(400));
    let mut tasks = Vec::new();
    for n in 0..1000u64 {
        let (http, token, senders) = (http.clone(), token.clone(), senders.clone());
        let url = app.url(&format!(
            "/wechat/callback?{}",
            signed_query(&token, &format!("n-many-{n}"))
        ));
        tasks.push(tokio::spawn(async move {
            let _turn = senders.acquire().await.unwrap();
            let answer = http
                .post(url)
                .body(follower_message(8000 + n, "many"))
                .send()
                .await
                .unwrap();
            answer.text().await.unwrap()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), "success");
    }
    let most = backend.most_open.load(Ordering::SeqCst);
    assert!(most > 0, "the backend was asked");
    // A connection counts here until the backend's task sees it closed,
    // which on a busy machine can be after the next turns have connected:
    // so a few turns' worth, far from one per callback at once.
    assert!(
        most <= 3 * qunfa::callbacks::forward::MAX_IN_FLIGHT,
        "{most} connections at once"
    );
    // The backend sees each connection closed once its forward gave up
    // (a connection qunfa kept would stay open on both ends).
    let mut open = usize::MAX;
    for _ in 0..50 {
        open = backend.open.load(Ordering::SeqCst);
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open, 0, "connections to the backend left open");
    assert_eq!(callbacks_stored(&app).await, 1000);
    let view = settings_view(&app).await;
    let forwarding = view.forwarding.unwrap();
    assert_eq!(forwarding.timed_out, 1000);
    app.stop().await;
}
