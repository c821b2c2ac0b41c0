//! Sends followed to their end: the simulator's MASSSENDJOBFINISH applied
//! by msg_id, each err(n), a callback before its send, a repeated callback,
//! the mass/get fallback, deleting an article, and the history's filters
//! and pages.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, post, send, signed_in};
use qunfa::i18n::Lang;
use qunfa::sends::SendState;
use qunfa::sends::history::{HistoryPage, SendAction, SendDetail};
use reqwest::Client;

/// Waits until send `id` is in `state` (the push comes after a second).
async fn until(app: &TestApp, client: &Client, id: i64, state: SendState) -> SendDetail {
    for _ in 0..100 {
        let d = common::send_detail(app, client, id).await;
        if d.row.state == state {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "send {id} never became {state:?}: {:?}",
        common::send_detail(app, client, id).await.row
    );
}

#[tokio::test]
async fn a_send_ends_finished_with_the_counts_of_its_callback() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form(
            "qf-h-finish",
            "mpnews",
            &[("mpnews_media_id", "123dsdajkasd231jhksad")],
        ),
    )
    .await;
    assert_eq!(sent.state, SendState::Submitted);
    let d = until(&app, &client, sent.id, SendState::Finished).await;
    assert_eq!(d.status_source.as_deref(), Some("callback"));
    // The row holds the counts the callback itself carried.
    let xml = d.callback_xml.as_deref().unwrap();
    assert!(xml.contains("MASSSENDJOBFINISH"));
    let count = |name: &str| -> i64 {
        let start = xml.find(&format!("<{name}>")).unwrap() + name.len() + 2;
        let end = xml[start..].find('<').unwrap() + start;
        xml[start..end].trim().parse().unwrap()
    };
    assert_eq!(d.row.total_count, Some(1_286));
    assert_eq!(d.row.total_count, Some(count("TotalCount")));
    assert_eq!(d.row.sent_count, Some(count("SentCount")));
    assert_eq!(d.row.error_count, Some(count("ErrorCount")));
    assert!(count("SentCount") > 0);
    // Two articles, each with its originality check.
    assert_eq!(d.checks.len(), 2, "{:?}", d.checks);
    assert!(d.check_state.is_some());
    assert!(
        d.checks
            .iter()
            .all(|c| c.audit_state.is_some() && c.url.is_some())
    );
    let states: Vec<SendState> = d.timeline.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            SendState::Pending,
            SendState::Submitted,
            SendState::Finished
        ]
    );
}

#[tokio::test]
async fn each_review_failure_ends_failed_with_its_reason_in_words() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // The seed's words for each reason (its Status table), or the part of
    // them the console's longer sentence keeps.
    let seed_words = |code: u32| match code {
        10001 => "涉嫌广告",
        20002 => "涉嫌色情",
        30003 => "转载文",
        40001 => "管理员拒绝",
        other => panic!("not in this test: {other}"),
    };
    for (n, code) in [10001, 20002, 30003, 40001].into_iter().enumerate() {
        let text = format!("[sim:err({code})] 审核");
        let sent = send(
            &app,
            &client,
            &form(&format!("qf-h-err-{n}"), "text", &[("text_content", &text)]),
        )
        .await;
        let d = until(&app, &client, sent.id, SendState::Failed).await;
        let result = d.row.result.unwrap().label(Lang::Zh).to_owned();
        assert!(result.contains(seed_words(code)), "{code}: {result}");
    }
    let sent = send(
        &app,
        &client,
        &form("qf-h-fail", "text", &[("text_content", "[sim:fail] x")]),
    )
    .await;
    until(&app, &client, sent.id, SendState::Failed).await;
}

#[tokio::test]
async fn a_callback_that_comes_before_its_send_is_known_is_applied_later() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-h-early";
    // The answer is lost: the send stays unknown, its push arrives anyway.
    let sent = send(
        &app,
        &client,
        &form(id, "text", &[("text_content", "[sim:lose] 先到的回调")]),
    )
    .await;
    assert_eq!(sent.state, SendState::Unknown);
    let sim = app.state.simulator.as_ref().unwrap();
    for _ in 0..100 {
        if sim.deliveries().iter().any(|d| d.status == Some(200)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM callbacks WHERE event = 'MASSSENDJOBFINISH'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(stored, 1);
    assert_eq!(
        common::send_detail(&app, &client, sent.id).await.row.state,
        SendState::Unknown
    );
    // A minute later the worker learns the msg_id (45065), and the waiting
    // callback ends the send.
    sim.clock().advance(Duration::from_secs(61));
    sqlx::query("UPDATE sends SET next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE clientmsgid = ?")
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();
    app.sends().wake();
    let d = until(&app, &client, sent.id, SendState::Finished).await;
    assert!(d.msg_id.is_some());
    assert_eq!(d.status_source.as_deref(), Some("callback"));
}

#[tokio::test]
async fn a_repeated_callback_is_stored_and_applied_once() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form("qf-h-dup", "text", &[("text_content", "重复回调")]),
    )
    .await;
    until(&app, &client, sent.id, SendState::Finished).await;
    let sim = app.state.simulator.as_ref().unwrap();
    let delivery = sim
        .deliveries()
        .into_iter()
        .find(|d| d.status == Some(200))
        .unwrap();
    // WeChat's retry: the very same request again.
    let again = reqwest::Client::new()
        .post(&delivery.url)
        .header("Content-Type", "text/xml")
        .body(delivery.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), "success");
    common::worker_round(&app).await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM callbacks")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    let d = common::send_detail(&app, &client, sent.id).await;
    let finished = d
        .timeline
        .iter()
        .filter(|e| e.state == SendState::Finished)
        .count();
    assert_eq!(finished, 1);
}

#[tokio::test]
async fn without_a_callback_the_worker_asks_mass_get() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| args.status_check_after = Some("1s".into())).await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form(
            "qf-h-nocb",
            "text",
            &[("text_content", "[sim:nocallback] 无回调")],
        ),
    )
    .await;
    let d = until(&app, &client, sent.id, SendState::Finished).await;
    assert_eq!(d.status_source.as_deref(), Some("mass/get"));
    assert!(d.callback_xml.is_none());
    assert!(
        app.state
            .wechat_counts
            .calls(qunfa::wechat::Endpoint::MassGet)
            >= 1
    );
}

#[tokio::test]
async fn an_article_of_a_finished_send_can_be_deleted() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form(
            "qf-h-del",
            "mpnews",
            &[("mpnews_media_id", "123dsdajkasd231jhksad")],
        ),
    )
    .await;
    let d = until(&app, &client, sent.id, SendState::Finished).await;
    assert!(d.can_delete);
    let response = app
        .call(
            &client,
            "delete_send",
            &[("id", &sent.id.to_string()), ("article", "2")],
        )
        .await;
    assert!(response.status().is_success());
    let outcome: SendAction = response.json().await.unwrap();
    assert_eq!(outcome, SendAction::Deleted(Some(2)));
    let record = app
        .state
        .simulator
        .as_ref()
        .unwrap()
        .send(qunfa::wechat::types::MsgId::new(d.msg_id.unwrap()))
        .unwrap();
    assert_eq!(record.deleted_articles, vec![2]);
    let d = common::send_detail(&app, &client, sent.id).await;
    assert!(d.timeline.iter().any(|e| e.source == "mass/delete"));
    // Deleting it again is refused by WeChat, in words.
    let again = app
        .call(
            &client,
            "delete_send",
            &[("id", &sent.id.to_string()), ("article", "2")],
        )
        .await;
    let outcome: SendAction = again.json().await.unwrap();
    assert!(
        matches!(&outcome, SendAction::Failed(words) if words.contains("40060")),
        "{outcome:?}"
    );
    // A text send cannot be deleted.
    let text = send(
        &app,
        &client,
        &form("qf-h-del-text", "text", &[("text_content", "x")]),
    )
    .await;
    assert!(
        !until(&app, &client, text.id, SendState::Finished)
            .await
            .can_delete
    );
}

#[tokio::test]
async fn the_history_filters_and_pages_newest_first() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // 120 sends written directly, half failed.
    for n in 0..120 {
        let state = if n % 2 == 0 { "finished" } else { "failed" };
        sqlx::query(
            "INSERT INTO sends (clientmsgid, user_id, msg_type, tag_id, audience, summary, request, state)
             VALUES (?, 1, 'text', 100, 'VIP会员', ?, '{}', ?)",
        )
        .bind(format!("qf-h-page-{n}"))
        .bind(format!("summary {n} {}", if n == 7 { "needle" } else { "hay" }))
        .bind(state)
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    // Rows each filter must leave out: another type, another tag, another
    // editor, another year. Their summaries say "decoy".
    let added = app
        .call(
            &client,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "editor-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    common::grant(&app, &client, "ed", "main", true).await;
    assert!(added.status().is_success());
    for (n, msg_type, tag, user, created) in [
        (0, "image", 100, 1, None),
        (1, "text", 101, 1, None),
        (2, "text", 100, 2, None),
        (3, "text", 100, 1, Some("2001-05-05T10:00:00.000Z")),
    ] {
        sqlx::query(
            "INSERT INTO sends (clientmsgid, user_id, msg_type, tag_id, audience, summary, request, state, created_at)
             VALUES (?, ?, ?, ?, 'VIP会员', ?, '{}', 'finished',
                     coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
        )
        .bind(format!("qf-h-decoy-{n}"))
        .bind(user)
        .bind(msg_type)
        .bind(tag)
        .bind(format!("decoy {n}"))
        .bind(created)
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    let page = |query: Vec<(&'static str, String)>| {
        let app = &app;
        let client = &client;
        async move {
            let form: Vec<(String, String)> = query
                .into_iter()
                .map(|(k, v)| (format!("filter[{k}]"), v))
                .collect();
            let response = post(app, client, "list_sends", &form).await;
            assert!(response.status().is_success());
            response.json::<HistoryPage>().await.unwrap()
        }
    };
    let first = page(vec![]).await;
    assert_eq!(first.rows.len(), 50);
    assert!(
        first.rows.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let second = page(vec![("before", first.older.unwrap().to_string())]).await;
    assert_eq!(second.rows.len(), 50);
    assert!(second.rows[0].id < first.rows[49].id);
    let third = page(vec![("before", second.older.unwrap().to_string())]).await;
    assert_eq!(third.rows.len(), 24);
    assert_eq!(third.older, None);

    // Each filter keeps what it names and leaves the decoy that differs.
    let decoys = |filter: (&'static str, &'static str)| {
        let page = &page;
        async move {
            let mut found: Vec<String> =
                page(vec![("q", "decoy".into()), (filter.0, filter.1.into())])
                    .await
                    .rows
                    .into_iter()
                    .map(|r| r.summary)
                    .collect();
            found.sort();
            found
        }
    };
    assert_eq!(page(vec![("q", "decoy".into())]).await.rows.len(), 4);
    assert_eq!(
        decoys(("msg_type", "text")).await,
        ["decoy 1", "decoy 2", "decoy 3"]
    );
    assert_eq!(decoys(("msg_type", "image")).await, ["decoy 0"]);
    assert_eq!(
        decoys(("tag", "100")).await,
        ["decoy 0", "decoy 2", "decoy 3"]
    );
    assert_eq!(
        decoys(("editor", "1")).await,
        ["decoy 0", "decoy 1", "decoy 3"]
    );
    assert_eq!(
        decoys(("from", "2002-01-01")).await,
        ["decoy 0", "decoy 1", "decoy 2"]
    );
    assert_eq!(decoys(("to", "2001-12-31")).await, ["decoy 3"]);
    assert_eq!(decoys(("state", "failed")).await, Vec::<String>::new());

    let failed = page(vec![("state", "failed".into())]).await;
    assert!(failed.rows.iter().all(|r| r.state == SendState::Failed));
    assert_eq!(failed.rows.len(), 50);
    let found = page(vec![("q", "needle".into())]).await;
    assert_eq!(found.rows.len(), 1);
    assert!(found.rows[0].summary.contains("needle"));
    let none = page(vec![("msg_type", "voice".into())]).await;
    assert!(none.rows.is_empty());
    let texts = page(vec![("msg_type", "text".into())]).await;
    assert!(texts.rows.iter().all(|r| r.summary != "decoy 0"));
    let today = page(vec![
        ("from", "2000-01-01".into()),
        ("to", "2999-12-31".into()),
        ("tag", "100".into()),
        ("editor", "1".into()),
    ])
    .await;
    assert_eq!(today.rows.len(), 50);
    let past = page(vec![("to", "2000-01-01".into())]).await;
    assert!(past.rows.is_empty());
    // Percent and underscore are searched for, not used as wildcards.
    let literal = page(vec![("q", "%".into())]).await;
    assert!(literal.rows.is_empty());

    // Days are China's (UTC+8), as the pages show times: 17:00 UTC is
    // already the next day there.
    for (n, created) in [
        (0, "2001-06-30T15:59:00.000Z"),
        (1, "2001-06-30T16:00:00.000Z"),
        (2, "2001-07-01T15:59:59.999Z"),
        (3, "2001-07-01T16:00:00.000Z"),
    ] {
        sqlx::query(
            "INSERT INTO sends (clientmsgid, user_id, msg_type, tag_id, audience, summary, request, state, created_at)
             VALUES (?, 1, 'text', 100, 'VIP会员', ?, '{}', 'finished', ?)",
        )
        .bind(format!("qf-h-day-{n}"))
        .bind(format!("china day {n}"))
        .bind(created)
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    let day = |from: &'static str, to: &'static str| {
        let page = &page;
        async move {
            let mut found: Vec<String> = page(vec![
                ("q", "china day".into()),
                ("from", from.into()),
                ("to", to.into()),
            ])
            .await
            .rows
            .into_iter()
            .map(|r| r.summary)
            .collect();
            found.sort();
            found
        }
    };
    assert_eq!(
        day("2001-07-01", "2001-07-01").await,
        ["china day 1", "china day 2"]
    );
    assert_eq!(day("2001-06-30", "2001-06-30").await, ["china day 0"]);
    assert_eq!(day("2001-07-02", "").await, ["china day 3"]);

    // The page itself, without JavaScript, with a filter.
    let html = client
        .get(app.url("/a/main/sends?state=failed"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("state-failed"));
    assert!(!html.contains("class=\"state state-finished\""));
}

/// Leptos runs a `Suspense`'s children more than once on the server, so data
/// loaded inside them was loaded, and written into the page, once per run.
#[tokio::test]
async fn each_page_loads_its_data_once() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let marker = "marker-7f3a9c";
    let sent = send(
        &app,
        &client,
        &form("qf-h-once", "text", &[("text_content", marker)]),
    )
    .await;
    let page = async |path: String| {
        let response = client.get(app.url(&path)).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.text().await.unwrap()
    };
    let list = page("/a/main/sends".to_owned()).await;
    let detail = page(format!("/a/main/sends/{}", sent.id)).await;
    let compose = page("/a/main/compose".to_owned()).await;
    // Each appears where the page shows it, and once more in the data the
    // browser hydrates from; a page that loads again writes that data again.
    assert_eq!(list.matches(marker).count(), 2, "in the list");
    // The detail shows it three times: as the title, as the content's
    // first line and in the request's JSON.
    assert_eq!(detail.matches(marker).count(), 6, "in the detail");
    assert_eq!(compose.matches("VIP会员").count(), 2, "among the tags");
    // What each page loaded, as Leptos hands it to the browser: the session,
    // the navigation's attention count, then the page's own data.
    let loaded = |html: &str| html.matches("__RESOLVED_RESOURCES[").count();
    assert_eq!(
        loaded(&list),
        4,
        "the list: its filters' choices and its rows"
    );
    assert_eq!(loaded(&detail), 4, "the detail and its read figures");
    assert_eq!(loaded(&compose), 3, "compose");
    for path in ["/a/main/settings", "/users", "/audit"] {
        assert_eq!(loaded(&page(path.to_owned()).await), 3, "{path}");
    }
}

const EVENT: &str = include_str!("../src/wechat/fixtures/masssendjobfinish.xml");

/// The seed's MASSSENDJOBFINISH for `msg_id` with `status`, created at
/// `create_time` (a push of its own: the dedup key has the time).
fn finish_event(msg_id: u64, status: &str, create_time: u64) -> String {
    EVENT
        .replace("1000001625", &msg_id.to_string())
        .replace("err(30003)", status)
        .replace("1481013459", &create_time.to_string())
}

/// POSTs `xml` to the console's callback endpoint as WeChat does in
/// plaintext mode, signed with the console's Token.
async fn push(app: &TestApp, xml: String, nonce: &str) {
    use secrecy::ExposeSecret;
    let token = app.callbacks().keys.token.expose_secret().to_owned();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = qunfa::wechat::crypto::signature(&token, &timestamp, nonce);
    let answer = Client::new()
        .post(app.url(&format!(
            "/wechat/callback?signature={signature}&timestamp={timestamp}&nonce={nonce}"
        )))
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), "success");
}

/// A text send whose push the simulator leaves out: the test pushes its own.
async fn send_without_callback(app: &TestApp, client: &Client, id: &str) -> (i64, u64) {
    let sent = send(
        app,
        client,
        &form(
            id,
            "text",
            &[("text_content", "[sim:nocallback] 自己的回调")],
        ),
    )
    .await;
    assert_eq!(sent.state, SendState::Submitted);
    (sent.id, sent.msg_id.expect("a msg_id"))
}

/// Waits until send `id` ends, failing at once if it is `failed`.
async fn until_ended_not_failed(app: &TestApp, client: &Client, id: i64) -> SendDetail {
    for _ in 0..300 {
        let d = common::send_detail(app, client, id).await;
        assert_ne!(d.row.state, SendState::Failed, "{:?}", d.row);
        if d.row.state == SendState::Finished {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "send {id} never ended: {:?}",
        common::send_detail(app, client, id).await.row
    );
}

#[tokio::test]
async fn an_undocumented_status_leaves_the_send_open_for_mass_get() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| args.status_check_after = Some("1s".into())).await;
    let client = signed_in(&app).await;
    let (id, msg_id) = send_without_callback(&app, &client, "qf-h-odd-get").await;
    push(
        &app,
        finish_event(msg_id, "sent maybe", 1_700_000_001),
        "odd1",
    )
    .await;
    let d = until_ended_not_failed(&app, &client, id).await;
    assert_eq!(d.status_source.as_deref(), Some("mass/get"));
    // The odd callback is kept, as every verified callback is.
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM callbacks WHERE msg_id = ?")
        .bind(msg_id as i64)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(kept, 1);
}

#[tokio::test]
async fn a_later_callback_settles_a_send_whose_status_was_undocumented() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sim = app.state.simulator.as_ref().unwrap();
    // mass/get cannot answer for a while: only a callback can settle it.
    for _ in 0..20 {
        sim.queue_scenario(
            qunfa::wechat::Endpoint::MassGet,
            qunfa::simulator::Scenario::parse("errcode(-1)").unwrap(),
        )
        .expect("room in the scenario queue");
    }
    let (id, msg_id) = send_without_callback(&app, &client, "qf-h-odd-cb").await;
    for (n, odd) in [
        "SEND SUCCESS ",
        " Send Fail ",
        "sent maybe",
        "err()",
        "err( 10001 )",
    ]
    .into_iter()
    .enumerate()
    {
        push(
            &app,
            finish_event(msg_id, odd, 1_700_000_010 + n as u64),
            &format!("odd-{n}"),
        )
        .await;
    }
    // Until the worker has read all five (a timeline note each), or has
    // moved the send.
    let mut d = common::send_detail(&app, &client, id).await;
    for _ in 0..300 {
        let notes = d
            .timeline
            .iter()
            .filter(|e| e.source == "callback" && e.state == SendState::Submitted)
            .count();
        if notes == 5 || d.row.state != SendState::Submitted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        d = common::send_detail(&app, &client, id).await;
    }
    assert_eq!(d.row.state, SendState::Submitted, "{:?}", d.row);
    let notes: Vec<&str> = d
        .timeline
        .iter()
        .filter(|e| e.source == "callback")
        .filter_map(|e| e.detail.as_deref())
        .collect();
    assert_eq!(notes.len(), 5, "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("sent maybe")), "{notes:?}");
    push(
        &app,
        finish_event(msg_id, "send success", 1_700_000_100),
        "right",
    )
    .await;
    let d = until_ended_not_failed(&app, &client, id).await;
    assert_eq!(d.status_source.as_deref(), Some("callback"));
    assert!(d.callback_xml.unwrap().contains("send success"));
}

/// The send's page as a browser gets it, in `lang`.
async fn send_page(app: &TestApp, client: &Client, id: i64, lang: &str) -> String {
    let response = client
        .get(app.url(&format!("/a/main/sends/{id}")))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_javascript_url_from_a_callback_is_shown_as_text_not_as_a_link() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let (id, msg_id) = send_without_callback(&app, &client, "qf-h-js").await;
    let xml = finish_event(msg_id, "send success", 1_700_000_200)
        .replace("<![CDATA[Url]]>", "<![CDATA[javascript:alert(1)]]>")
        .replace("<![CDATA[Url_1]]>", "<![CDATA[JavaScript:alert(2)]]>")
        .replace(
            "<![CDATA[Url_2]]>",
            "<![CDATA[https://mp.weixin.qq.com/s/ok]]>",
        );
    push(&app, xml, "js").await;
    until(&app, &client, id, SendState::Finished).await;
    for lang in ["en", "zh-CN"] {
        let html = send_page(&app, &client, id, lang).await;
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("href=\"javascript:"), "a javascript: link");
        assert!(!lower.contains("href='javascript:"), "a javascript: link");
        // The address is still there, as text.
        // (Leptos may follow a text with a `<!>` marker.)
        assert!(html.contains("<code>javascript:alert(1)"), "{lang}");
        assert!(html.contains("<code>JavaScript:alert(2)"), "{lang}");
        // An https address stays a link.
        assert!(
            html.contains("href=\"https://mp.weixin.qq.com/s/ok\""),
            "{lang}"
        );
    }
}

#[tokio::test]
async fn a_failed_send_shows_what_to_do_about_its_err_n() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form(
            "qf-h-remedy",
            "text",
            &[("text_content", "[sim:err(40002)] 管理员超时")],
        ),
    )
    .await;
    until(&app, &client, sent.id, SendState::Failed).await;
    let english = send_page(&app, &client, sent.id, "en").await;
    assert!(
        english.contains(
            "Send again and ask an admin to confirm in WeChat on their phone within 30 minutes."
        ),
        "the remedy is missing from the English page"
    );
    let chinese = send_page(&app, &client, sent.id, "zh-CN").await;
    assert!(
        chinese.contains("重新群发，并提醒管理员在 30 分钟内于手机微信上确认。"),
        "the remedy is missing from the Chinese page"
    );
}

#[tokio::test]
async fn a_deleted_article_is_kept_and_no_longer_deletable_once_all_are_gone() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sent = send(
        &app,
        &client,
        &form(
            "qf-h-del-kept",
            "mpnews",
            &[("mpnews_media_id", "sim_draft_weekly_digest_0002")],
        ),
    )
    .await;
    let d = until(&app, &client, sent.id, SendState::Finished).await;
    assert_eq!(d.articles.len(), 3);
    assert!(d.deleted_articles.is_empty());
    let id = sent.id.to_string();
    let first = app
        .call(&client, "delete_send", &[("id", &id), ("article", "1")])
        .await;
    assert!(first.status().is_success());
    let d = common::send_detail(&app, &client, sent.id).await;
    assert_eq!(d.deleted_articles, vec![1]);
    assert!(d.can_delete, "two articles are left");
    let all = app
        .call(&client, "delete_send", &[("id", &id), ("article", "0")])
        .await;
    assert!(all.status().is_success());
    let d = common::send_detail(&app, &client, sent.id).await;
    assert_eq!(d.deleted_articles, vec![0, 1]);
    assert!(!d.can_delete, "nothing is left to delete");
    let audit = app
        .call(&client, "list_audit", &[("filter[action]", "delete")])
        .await
        .json::<qunfa::audit::AuditPage>()
        .await
        .unwrap();
    assert!(matches!(
        &audit.entries[1].facts,
        Some(qunfa::audit::Facts::Delete { article: Some(1), title: Some(title), refused: None, .. })
            if title == "本周精选｜读者来信"
    ));
}

#[tokio::test]
async fn a_send_that_does_not_exist_is_a_404_page_in_words() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    for (path, lang, words) in [
        ("/a/main/sends/99999", "en", "There is no such send."),
        ("/a/main/sends/abc", "zh-CN", "找不到这条群发记录。"),
    ] {
        let page = client
            .get(app.url(path))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), reqwest::StatusCode::NOT_FOUND, "{path}");
        let text = page.text().await.unwrap();
        assert!(text.contains(words), "{path}");
        assert!(
            text.contains(r#"href="/a/main/sends""#),
            "{path}: the way back"
        );
    }
}
