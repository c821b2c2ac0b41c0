//! How the simulator is served: every endpoint at its path, the control
//! endpoints (loopback only, a bounded queue), nested under a prefix as the
//! console mounts it, and alone.

use super::*;

/// Every endpoint of the protocol is served at its path, for the method the
/// client calls it with, and is counted (and so takes its scenarios) under
/// its own name.
#[tokio::test]
async fn every_endpoint_is_served_at_its_path_for_the_clients_method() {
    for &endpoint in Endpoint::VARIANTS {
        let sim = Simulator::new(test_config()).unwrap();
        let (status, body) = call_router(
            router(sim.clone()),
            endpoint.method().as_str(),
            endpoint.path(),
            "{}",
        )
        .await;
        assert_eq!(status, 200, "{endpoint}: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert!(answer["errcode"].is_i64(), "{endpoint}: {answer}");
        let counters = sim.counters();
        assert_eq!(counters.calls_to(endpoint), 1, "{endpoint}");
        assert_eq!(counters.calls.values().sum::<u64>(), 1, "{endpoint}");
    }
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
    app.post(
        Endpoint::SendAll.path(),
        &token,
        &text_send("x", Some("ctl-1")),
    )
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
    app.get(Endpoint::TagsGet.path(), &[("access_token", &token)])
        .await;
    app.get(Endpoint::TagsGet.path(), &[("access_token", "bad")])
        .await;
    app.post(
        Endpoint::SendAll.path(),
        &token,
        &text_send("计数", Some("count-1")),
    )
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
            &format!("{base}{}", Endpoint::Token.path()),
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
            &format!("{base}{}", Endpoint::Token.path()),
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
        &format!("{base}{}", Endpoint::SendAll.path()),
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
        let url = format!("{base}{}", Endpoint::SendAll.path());
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
        let token = format!(
            "{}?grant_type=client_credential&appid={APPID}&secret={SECRET}",
            Endpoint::Token.path()
        );
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
    let total = |sim: &Simulator| -> usize {
        Endpoint::VARIANTS
            .iter()
            .map(|e| sim.queued(*e).len())
            .sum()
    };
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
        .post(
            Endpoint::SendAll.path(),
            &token,
            &text_send("x", Some("q-1")),
        )
        .await;
    assert_eq!(errcode(&used), -1);
    let (status, answer) = queue(json!({"scenario": "ok", "times": 2})).await;
    assert_eq!(status, 429, "all or nothing: {answer}");
    assert_eq!(total(&app.sim), 999);
    let (status, answer) = queue(json!({"scenario": "ok"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(total(&app.sim), 1_000);
}
