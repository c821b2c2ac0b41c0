//! Compose and send against the built-in simulator, through the server
//! functions the page calls: every message type, every errcode of the seed,
//! the lost answer, the crash before the call, the double click, and the
//! forms without JavaScript.

use crate::common;

use std::time::Duration;

use common::{ADMIN, TestApp, form, location, post, send, signed_in};
use qunfa::audit::Action;
use qunfa::sends::{
    Field, FieldProblem, PrepareOutcome, SendResult, SendState, api::PreviewOutcome,
};
use qunfa::wechat::Endpoint;
use qunfa::wechat::types::MsgId;
use reqwest::Client;

const SEED_MEDIA: &str = "123dsdajkasd231jhksad";
const SEED_MPVIDEO: &str = "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc";

async fn prepare(app: &TestApp, client: &Client, form: &[(String, String)]) -> PrepareOutcome {
    let response = post(app, client, "prepare_send", form).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn confirm(app: &TestApp, client: &Client, id: &str, all: bool) -> reqwest::Response {
    let mut form = vec![("clientmsgid".to_owned(), id.to_owned())];
    if all {
        form.push(("confirm_all".to_owned(), "yes".to_owned()));
    }
    post(app, client, "confirm_send", &form).await
}

fn sim_sends(app: &TestApp, clientmsgid: &str) -> usize {
    let sim = app.state.simulator.as_ref().unwrap();
    sim.sends()
        .iter()
        .filter(|s| s.clientmsgid == clientmsgid)
        .count()
}

async fn stored(app: &TestApp, clientmsgid: &str) -> (String, Option<i64>, i64) {
    sqlx::query_as::<_, (String, Option<i64>, i64)>(
        "SELECT state, msg_id, attempts FROM sends WHERE clientmsgid = ?",
    )
    .bind(clientmsgid)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn every_msgtype_is_sent_with_the_seeds_fields() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "mpnews",
            vec![
                ("mpnews_media_id", SEED_MEDIA),
                ("send_ignore_reprint", "1"),
            ],
        ),
        ("text", vec![("text_content", "CONTENT 群发测试")]),
        ("voice", vec![("voice_media_id", SEED_MEDIA)]),
        (
            "image",
            vec![
                ("image_media_ids", "aaa\nbbb\nccc"),
                ("image_recommend", "xxx"),
                ("image_need_open_comment", "1"),
            ],
        ),
        ("mpvideo", vec![("mpvideo_media_id", SEED_MPVIDEO)]),
        ("wxcard", vec![("card_id", "pSimCard_member_10off")]),
    ];
    for (n, (msgtype, fields)) in cases.into_iter().enumerate() {
        let id = format!("qf-types-{n}");
        let result = send(&app, &client, &form(&id, msgtype, &fields)).await;
        assert_eq!(result.state, SendState::Submitted, "{msgtype}: {result:?}");
        assert_eq!(result.msg_type, msgtype);
        let msg_id = result.msg_id.expect("a msg_id");
        let sim = app.state.simulator.as_ref().unwrap();
        let record = sim.send(MsgId::new(msg_id)).expect("the simulator has it");
        assert_eq!(record.clientmsgid, id);
        assert_eq!(record.request.message.msg_type().as_str(), msgtype);
        assert_eq!(record.audience, 1_286, "VIP会员 has 1,286 followers");
        if msgtype == "mpnews" {
            assert!(result.msg_data_id.is_some());
            assert_eq!(record.request.send_ignore_reprint, Some(true));
            assert!(!result.articles.is_empty(), "the draft's titles are kept");
        }
        let (state, stored_id, attempts) = stored(&app, &id).await;
        assert_eq!(state, "submitted");
        assert_eq!(stored_id, Some(msg_id as i64));
        assert_eq!(attempts, 1);
    }
}

#[tokio::test]
async fn every_errcode_of_the_seed_is_said_in_words() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // The seed's own words for each code (its 错误描述 where that is
    // Chinese, else its 解决方案), copied from the seed, not from qunfa.
    let seed_words = |code: i64| match code {
        41040 => "不符合声明文字原创的要求",
        45062 => "已接广告，不支持api群发",
        45066 => "相同 clientmsgid 重试速度过快",
        45067 => "clientmsgid 长度超过限制",
        48021 => "该草稿最后一次是系统自动保存的，不允许群发",
        89504 => "群发仍在审批流程中",
        89505 => "群发进入管理员确认流程",
        other => panic!("not a code of the seed: {other}"),
    };
    for code in [41040, 45062, 45065, 45066, 45067, 48021, 89504, 89505] {
        let id = format!("qf-code-{code}");
        let content = format!("[sim:errcode({code})] 测试");
        let result = send(
            &app,
            &client,
            &form(&id, "text", &[("text_content", &content)]),
        )
        .await;
        let expected = match code {
            89504 | 89505 => SendState::AwaitingConfirmation,
            // 45065 answers with the msg_id of the send made before.
            45065 => SendState::Submitted,
            45066 => SendState::Unknown,
            _ => SendState::Rejected,
        };
        assert_eq!(result.state, expected, "{code}: {result:?}");
        if code == 45065 {
            assert!(result.msg_id.is_some());
            continue;
        }
        let words = result.problem.expect("words for the errcode");
        assert!(words.contains(&code.to_string()), "{words}");
        assert!(words.contains(seed_words(code)), "{code}: {words}");
    }
}

#[tokio::test]
async fn a_lost_answer_ends_as_one_send_with_the_right_msg_id() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-lost-answer";
    let result = send(
        &app,
        &client,
        &form(id, "text", &[("text_content", "[sim:lose] 丢失的应答")]),
    )
    .await;
    // The retry within the call meets 45066: the outcome is still open.
    assert_eq!(result.state, SendState::Unknown, "{result:?}");
    assert!(result.problem.is_some());
    assert_eq!(sim_sends(&app, id), 1);

    // A minute passes on both clocks; the worker asks again and WeChat
    // answers 45065 with the msg_id of the send it made.
    let sim = app.state.simulator.as_ref().unwrap();
    sim.clock().advance(Duration::from_secs(61));
    sqlx::query("UPDATE sends SET next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE clientmsgid = ?")
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();
    app.sends().wake();
    let (state, msg_id) = wait_for_state(&app, id, "submitted").await;
    assert_eq!(state, "submitted");
    let made = sim
        .sends()
        .into_iter()
        .find(|s| s.clientmsgid == id)
        .unwrap();
    assert_eq!(msg_id, Some(made.msg_id.get() as i64));
    assert_eq!(sim_sends(&app, id), 1, "one send, however many calls");
}

async fn wait_for_state(app: &TestApp, id: &str, want: &str) -> (String, Option<i64>) {
    for _ in 0..200 {
        let (state, msg_id, _) = stored(app, id).await;
        if state == want {
            return (state, msg_id);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (state, msg_id, _) = stored(app, id).await;
    (state, msg_id)
}

#[tokio::test]
async fn a_send_stored_before_a_crash_is_sent_once_after_the_restart() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-crash-before-call";
    let outcome = prepare(
        &app,
        &client,
        &form(id, "text", &[("text_content", "重启之后")]),
    )
    .await;
    assert!(matches!(outcome, PrepareOutcome::Ready(_)));
    // What a crash right after the commit leaves: the pending send, no
    // call. Written while no console runs, so no worker can send it first.
    let database = app.state.settings.database.clone();
    let data = app.stop().await;
    let db = qunfa::shell::db::connect(&database, false).await.unwrap();
    let created = qunfa::sends::store::create_send(
        &db,
        &qunfa::sends::store::NewSend {
            account: 1,
            user_id: 1,
            username: ADMIN,
            clientmsgid: id,
            send_again: false,
            now: &qunfa::clock::Clock::system().timestamp(),
            articles_as_sent: None,
            release: Default::default(),
        },
    )
    .await
    .unwrap();
    assert!(matches!(created, qunfa::sends::store::Created::New(_)));
    let state: String = sqlx::query_scalar("SELECT state FROM sends WHERE clientmsgid = ?")
        .bind(id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(state, "pending");
    db.close().await;

    let app = TestApp::spawn_on(data).await;
    let (state, msg_id) = wait_for_state(&app, id, "submitted").await;
    assert_eq!(state, "submitted");
    assert!(msg_id.is_some());
    assert_eq!(sim_sends(&app, id), 1);
    // Confirming the attempt again (a reload) finds the send: no new call.
    let client = signed_in(&app).await;
    let again: SendResult = confirm(&app, &client, id, false)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.msg_id, msg_id.map(|m| m as u64));
    assert_eq!(sim_sends(&app, id), 1);
}

#[tokio::test]
async fn a_double_click_or_two_tabs_send_once() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-double-click";
    // The answer takes a second, so the second click arrives during the call.
    let outcome = prepare(
        &app,
        &client,
        &form(id, "text", &[("text_content", "[sim:slow(1)] 双击")]),
    )
    .await;
    assert!(matches!(outcome, PrepareOutcome::Ready(_)));
    let (first, second) = tokio::join!(
        confirm(&app, &client, id, false),
        confirm(&app, &client, id, false)
    );
    let first: SendResult = first.json().await.unwrap();
    let second: SendResult = second.json().await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(first.msg_id, second.msg_id);
    // The push may already have ended it while the second click waited.
    assert!(
        matches!(first.state, SendState::Submitted | SendState::Finished),
        "{first:?}"
    );
    assert_eq!(sim_sends(&app, id), 1);
    let calls = app.state.simulator.as_ref().unwrap().counters().calls["sendall"];
    assert_eq!(calls, 1);
    // "Send" again on the same page: refused in words, nothing sent.
    let response = post(
        &app,
        &client,
        "prepare_send",
        &form(id, "text", &[("text_content", "again")]),
    )
    .await;
    assert!(response.status().is_client_error());
    let body = response.text().await.unwrap();
    assert!(body.contains("AlreadySent"), "{body}");
}

#[tokio::test]
async fn problems_are_named_by_field_and_nothing_is_sent() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    type Case = (Vec<(String, String)>, Field, FieldProblem);
    let cases: Vec<Case> = vec![
        (
            form("qf-bad-1", "text", &[("text_content", "   ")]),
            Field::TextContent,
            FieldProblem::Required,
        ),
        (
            form(
                "qf-bad-2",
                "text",
                &[("text_content", "hi"), ("tag_id", "999")],
            ),
            Field::Tag,
            FieldProblem::UnknownTag,
        ),
        (
            form("qf-bad-3", "video", &[]),
            Field::MsgType,
            FieldProblem::UnknownType,
        ),
        (
            form("qf-bad-4", "voice", &[("voice_media_id", "有空格 的")]),
            Field::VoiceMedia,
            FieldProblem::BadId { line: None },
        ),
        (
            form("qf-bad-5", "image", &[("image_media_ids", "")]),
            Field::ImageMedia,
            FieldProblem::Required,
        ),
        (
            form("qf-bad-6", "wxcard", &[]),
            Field::CardId,
            FieldProblem::Required,
        ),
        (
            form(
                "qf-bad-7",
                "mpnews",
                &[("mpnews_media_id", "m"), ("send_ignore_reprint", "2")],
            ),
            Field::SendIgnoreReprint,
            FieldProblem::NotZeroOne,
        ),
    ];
    for (form, field, problem) in cases {
        match prepare(&app, &client, &form).await {
            PrepareOutcome::Invalid(errors) => {
                assert!(
                    errors
                        .iter()
                        .any(|e| e.field == field && e.problem == problem),
                    "{errors:?}"
                );
            }
            other => panic!("accepted: {other:?}"),
        }
        // Nothing to confirm.
        let response = confirm(&app, &client, &form[0].1, false).await;
        assert!(response.status().is_client_error());
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM sends")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    assert_eq!(app.state.wechat_counts.calls(Endpoint::SendAll), 0);
}

#[tokio::test]
async fn all_followers_need_a_second_confirmation() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-to-all";
    let mut all = form(id, "text", &[("text_content", "致全体粉丝")]);
    all.retain(|(n, _)| n != "form[audience]");
    all.push(("form[audience]".into(), "all".into()));
    match prepare(&app, &client, &all).await {
        PrepareOutcome::Ready(c) => {
            assert!(c.to_all);
            assert_eq!(c.audience_size, Some(12_580));
            assert_eq!(
                c.question(qunfa::i18n::Lang::En),
                "Send to all 12,580 followers?"
            );
        }
        other => panic!("{other:?}"),
    }
    let refused = confirm(&app, &client, id, false).await;
    assert!(refused.status().is_client_error());
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("ConfirmAllFollowers")
    );
    assert_eq!(sim_sends(&app, id), 0);
    let result: SendResult = confirm(&app, &client, id, true).await.json().await.unwrap();
    assert_eq!(result.state, SendState::Submitted);
    let record = app.state.simulator.as_ref().unwrap().sends().pop().unwrap();
    assert!(record.request.filter.is_to_all());
    assert_eq!(record.audience, 12_580);
}

#[tokio::test]
async fn a_preview_reaches_one_follower_and_is_audited() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let mut fields = form("qf-preview", "image", &[("image_media_ids", "aaa\nbbb")]);
    fields.push(("preview_kind".into(), "wxname".into()));
    fields.push(("preview_to".into(), "editor_phone".into()));
    let outcome: PreviewOutcome = post(&app, &client, "preview_send", &fields)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outcome, PreviewOutcome::Sent);
    let previews = app.state.simulator.as_ref().unwrap().previews();
    assert_eq!(previews.len(), 1);
    // An image preview is one image.media_id (REFERENCE), the first one.
    let body = serde_json::to_value(&previews[0].request).unwrap();
    assert_eq!(body["image"]["media_id"], "aaa");

    let mut fields = form("qf-preview-2", "text", &[("text_content", "hi")]);
    fields.push(("preview_kind".into(), "openid".into()));
    fields.push(("preview_to".into(), "oNotAFollowerOfThisAccount0".into()));
    let outcome: PreviewOutcome = post(&app, &client, "preview_send", &fields)
        .await
        .json()
        .await
        .unwrap();
    match outcome {
        PreviewOutcome::Failed(words) => assert!(words.contains("40003"), "{words}"),
        other => panic!("{other:?}"),
    }
    let actions: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit_log WHERE action = 'preview' ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(actions.len(), 2);
    assert!(actions[0].1.contains("editor_phone") && actions[0].1.contains("sent"));
    assert!(actions[1].1.contains("failed"));
    // No send was made by a preview.
    assert_eq!(app.state.wechat_counts.calls(Endpoint::SendAll), 0);
}

#[tokio::test]
async fn one_send_makes_one_sendall_and_no_token_call() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // The first send fetches the token and the tags; the second reuses both.
    send(
        &app,
        &client,
        &form("qf-calls-1", "text", &[("text_content", "一")]),
    )
    .await;
    let sim = app.state.simulator.as_ref().unwrap();
    let before = sim.counters();
    let wechat_before = app.state.wechat_counts.all_calls();
    let result = send(
        &app,
        &client,
        &form("qf-calls-2", "text", &[("text_content", "二")]),
    )
    .await;
    assert_eq!(result.state, SendState::Submitted);
    let after = sim.counters();
    let made = |name: &str| {
        after.calls.get(name).copied().unwrap_or(0) - before.calls.get(name).copied().unwrap_or(0)
    };
    assert_eq!(made("sendall"), 1);
    assert_eq!(made("token") + made("stable_token"), 0);
    let total: u64 = after.calls.values().sum::<u64>() - before.calls.values().sum::<u64>();
    assert_eq!(total, 1, "{:?} → {:?}", before.calls, after.calls);
    let client_calls = app.state.wechat_counts.all_calls() - wechat_before;
    assert_eq!(client_calls, 1);
}

#[tokio::test]
async fn without_javascript_every_step_is_a_redirect_to_a_page() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-no-script";
    let fields = form(id, "text", &[("text_content", "没有脚本也能发")]);
    let plain = |path: &str| {
        client
            .post(app.url(path))
            .header("Accept", "text/html")
            .header("Referer", app.url("/a/main/compose"))
    };
    let response = plain("/api/prepare_send")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(location(&response), format!("/a/main/compose?attempt={id}"));
    let page = client
        .get(app.url(&format!("/a/main/compose?attempt={id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("role=\"dialog\""),
        "the confirmation is on the page"
    );
    assert!(page.contains("1,286"));
    assert!(
        page.contains("没有脚本也能发"),
        "the form keeps what was typed"
    );

    let response = plain("/api/confirm_send")
        .form(&[("account", "main"), ("clientmsgid", id)])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    let target = location(&response);
    assert!(target.starts_with("/a/main/compose?sent="), "{target}");
    let page = client
        .get(app.url(&target))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, msg_id, _) = stored(&app, id).await;
    assert!(
        page.contains(&msg_id.unwrap().to_string()),
        "the msg_id is shown"
    );

    // A field problem comes back beside its field.
    let bad = form("qf-no-script-2", "text", &[("text_content", "")]);
    let response = plain("/api/prepare_send").form(&bad).send().await.unwrap();
    let page = client
        .get(app.url(&location(&response)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"text-content-error\""));
    assert!(page.contains("此项必填") || page.contains("This is required"));
}

#[tokio::test]
async fn the_audit_log_records_sends_logins_and_user_changes_for_admins_only() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    send(
        &app,
        &client,
        &form("qf-audit", "text", &[("text_content", "审计")]),
    )
    .await;
    let added = app
        .call(
            &client,
            "add_user",
            &[
                ("username", "editor1"),
                ("password", "editor-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert!(added.status().is_success());
    let entries = app
        .call(&client, "list_audit", &[])
        .await
        .json::<qunfa::audit::AuditPage>()
        .await
        .unwrap()
        .entries;
    let actions: Vec<_> = entries.iter().map(|e| e.action.clone()).collect();
    assert_eq!(
        actions,
        [Ok(Action::UserAdd), Ok(Action::Send), Ok(Action::Login)],
        "newest first"
    );
    assert!(entries[1].detail.contains("qf-audit"));

    let editor = app.client();
    app.log_in(&editor, "editor1", "wrong-password").await;
    app.log_in(&editor, "editor1", "editor-password-1").await;
    let response = app.call(&editor, "list_audit", &[]).await;
    assert_eq!(response.status(), 403);
    let page = editor.get(app.url("/audit")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let entries = app
        .call(&client, "list_audit", &[])
        .await
        .json::<qunfa::audit::AuditPage>()
        .await
        .unwrap()
        .entries;
    assert_eq!(entries[0].action, Ok(Action::Login));
    assert_eq!(entries[1].action, Ok(Action::LoginFailed));
    assert_eq!(entries[1].username, "editor1");
}

#[tokio::test]
async fn audit_lines_stored_by_name_show_in_words_and_unknown_names_as_stored() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    for action in ["user_add", "delete", "from_a_later_version"] {
        sqlx::query("INSERT INTO audit_log (username, action, detail) VALUES ('old', ?, '')")
            .bind(action)
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    let entries = app
        .call(&client, "list_audit", &[])
        .await
        .json::<qunfa::audit::AuditPage>()
        .await
        .unwrap()
        .entries;
    let actions: Vec<_> = entries.iter().take(3).map(|e| e.action.clone()).collect();
    assert_eq!(
        actions,
        [
            Err("from_a_later_version".to_owned()),
            Ok(Action::Delete),
            Ok(Action::UserAdd)
        ]
    );
    let page = client
        .get(app.url("/audit"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for words in ["User added", "Articles deleted", "from_a_later_version"] {
        assert!(page.contains(words), "{words}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_overseas_account_sends_articles_only() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_with(data, |args| args.wechat_overseas = Some("true".into())).await;
    let client = signed_in(&app).await;
    let setup: qunfa::sends::ComposeSetup = app
        .call(&client, "load_compose", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(setup.overseas);
    match prepare(
        &app,
        &client,
        &form("qf-overseas-1", "text", &[("text_content", "hi")]),
    )
    .await
    {
        PrepareOutcome::Invalid(errors) => {
            assert_eq!(errors[0].field, Field::MsgType);
            assert_eq!(errors[0].problem, FieldProblem::OverseasArticlesOnly);
        }
        other => panic!("{other:?}"),
    }
    let result = send(
        &app,
        &client,
        &form(
            "qf-overseas-2",
            "mpnews",
            &[("mpnews_media_id", SEED_MEDIA)],
        ),
    )
    .await;
    assert_eq!(result.state, SendState::Submitted);
    // The compose page offers the article form alone, and says why.
    let page = client
        .get(app.url("/a/main/compose"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"type-mpnews\""));
    assert!(!page.contains("id=\"type-text\""));
    assert!(page.contains("overseas"));
}

/// Prepares `form` and gives the repeat its confirmation names, if any.
async fn repeat_of(
    app: &TestApp,
    client: &Client,
    form: &[(String, String)],
) -> Option<qunfa::sends::Repeat> {
    match prepare(app, client, form).await {
        PrepareOutcome::Ready(c) => c.repeat,
        other => panic!("not ready: {other:?}"),
    }
}

#[tokio::test]
async fn the_same_message_to_the_same_audience_within_a_day_needs_send_again() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let text = [("text_content", "每周通讯 第 12 期")];
    let first = send(&app, &client, &form("qf-repeat-1", "text", &text)).await;
    assert_eq!(first.state, SendState::Submitted);

    // The same text to the same tag: the confirmation says when and to whom.
    let again = form("qf-repeat-2", "text", &text);
    let repeat = repeat_of(&app, &client, &again).await.expect("a repeat");
    assert_eq!(repeat.send_id, first.id);
    assert_eq!(repeat.tag_name.as_deref(), Some("VIP会员"));
    assert_eq!(repeat.minutes_ago, 0);
    // Confirm alone is refused, and WeChat is not called.
    let refused = confirm(&app, &client, "qf-repeat-2", false).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("ConfirmRepeat"));
    assert_eq!(sim_sends(&app, "qf-repeat-2"), 0);
    // "Send again" sends it.
    let said_again = post(
        &app,
        &client,
        "confirm_send",
        &[
            ("clientmsgid".to_owned(), "qf-repeat-2".to_owned()),
            ("confirm_repeat".to_owned(), "yes".to_owned()),
        ],
    )
    .await;
    assert!(said_again.status().is_success(), "{}", said_again.status());
    assert_eq!(sim_sends(&app, "qf-repeat-2"), 1);

    // Another tag, another text or another type is no repeat.
    let other_tag = form("qf-repeat-3", "text", &[text[0], ("tag_id", "101")]);
    assert_eq!(repeat_of(&app, &client, &other_tag).await, None);
    let other_text = form("qf-repeat-4", "text", &[("text_content", "第 13 期")]);
    assert_eq!(repeat_of(&app, &client, &other_text).await, None);

    // A refused send went nowhere: the same again is no repeat.
    let refused_text = [("text_content", "[sim:errcode(45028)] 配额用完")];
    let rejected = send(&app, &client, &form("qf-repeat-5", "text", &refused_text)).await;
    assert_eq!(rejected.state, SendState::Rejected);
    let retry = form("qf-repeat-6", "text", &refused_text);
    assert_eq!(repeat_of(&app, &client, &retry).await, None);

    // A day later (the clock the rules read), the first send is no repeat.
    let in_an_hour = form("qf-repeat-7", "text", &text);
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .clock()
        .advance(Duration::from_secs(3 * 3600));
    let hours = repeat_of(&app, &client, &in_an_hour)
        .await
        .expect("a repeat");
    assert_eq!(hours.minutes_ago / 60, 3);
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .clock()
        .advance(Duration::from_secs(21 * 3600 + 60));
    let next_day = form("qf-repeat-8", "text", &text);
    assert_eq!(repeat_of(&app, &client, &next_day).await, None);
}

#[tokio::test]
async fn a_tag_with_no_followers_is_refused_at_prepare() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // 沉睡用户 (104) has no followers in the simulator's account.
    let empty = form(
        "qf-empty-tag",
        "text",
        &[("text_content", "无人"), ("tag_id", "104")],
    );
    match prepare(&app, &client, &empty).await {
        PrepareOutcome::Invalid(problems) => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].field, Field::Tag);
            assert_eq!(problems[0].problem, FieldProblem::EmptyTag);
        }
        other => panic!("{other:?}"),
    }
    let refused = confirm(&app, &client, "qf-empty-tag", false).await;
    assert!(refused.text().await.unwrap().contains("AttemptNotFound"));
    assert_eq!(sim_sends(&app, "qf-empty-tag"), 0);
}

#[tokio::test]
async fn a_send_with_no_answer_says_not_to_send_it_again() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let text = [("text_content", "[sim:http(503)] 没有回答")];
    let result = send(&app, &client, &form("qf-no-answer", "text", &text)).await;
    assert_eq!(result.state, SendState::Unknown);
    // The test client's language is Chinese.
    assert_eq!(
        result.problem.as_deref(),
        Some(
            "微信没有及时应答，这次群发可能已经到达微信。qunfa 会带着同一个 clientmsgid 自动重试——请不要再发一次。"
        )
    );
}

#[tokio::test]
async fn a_sent_drafts_own_copy_survives_wechat_deleting_the_draft() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let before = app
        .wechat()
        .draft_get(&qunfa::wechat::types::MediaId::parse(SEED_MEDIA).unwrap())
        .await
        .expect("the seed's draft is there before the send");
    let result = send(
        &app,
        &client,
        &form("qf-copy", "mpnews", &[("mpnews_media_id", SEED_MEDIA)]),
    )
    .await;
    assert_eq!(result.state, SendState::Submitted, "{result:?}");
    // The job ends (its push delivered), and WeChat deletes the draft:
    // asking for it again is 40007.
    let sim = app.state.simulator.as_ref().unwrap();
    let pushed = sim
        .wait_until(Duration::from_secs(30), |s| {
            s.deliveries().iter().any(|d| d.status == Some(200))
        })
        .await;
    assert!(pushed, "the job's end was pushed");
    let gone = app
        .wechat()
        .draft_get(&qunfa::wechat::types::MediaId::parse(SEED_MEDIA).unwrap())
        .await
        .expect_err("WeChat deletes a sent draft");
    assert_eq!(gone.code().map(|c| c.code()), Some(40007), "{gone:?}");
    let detail = common::send_detail(&app, &client, result.id).await;
    let titles: Vec<&str> = detail
        .articles_as_sent
        .iter()
        .map(|a| a.article.title.as_str())
        .collect();
    let expected: Vec<&str> = before.news_item.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, expected);
    assert_eq!(titles.len(), 2, "the seed's draft has two articles");
    for (copy, article) in detail.articles_as_sent.iter().zip(&before.news_item) {
        assert!(!copy.article.content.is_empty(), "the body is kept");
        assert_eq!(copy.article.author, article.author);
    }
    let page = client
        .get(app.url(&format!("/a/main/sends/{}", result.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("qunfa 保存的副本") || page.contains("qunfa's copy"));
    assert!(page.contains(titles[1]));

    // The copy is shown sanitised, whatever WeChat held; an image the
    // account uploaded is shown from qunfa's copy wherever it stands.
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(4, 4, image::Rgb([200, 30, 30]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let uploaded: serde_json::Value = client
        .post(app.url("/a/main/media/uploadimg"))
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png.into_inner()).file_name("body.png"),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = uploaded["url"].as_str().unwrap();
    let display = uploaded["display_url"].as_str().unwrap();
    let hostile = serde_json::json!([{
        "title": "t",
        "content": format!("<p onclick=\"steal()\" class=\"x\">正文<br/></p><script>alert(1)</script><img src='https://example.com/b.png'/><img src=\"https://example.com/a.png\"><img src=\"{}\"/>", url.replace('&', "&amp;")),
    }]);
    sqlx::query("UPDATE sent_articles SET articles = ? WHERE send_id = ?")
        .bind(hostile.to_string())
        .bind(result.id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let detail = common::send_detail(&app, &client, result.id).await;
    let shown = &detail.articles_as_sent[0];
    assert!(shown.article.content.contains("正文"));
    for forbidden in ["onclick", "<script", "alert", "class=", "example.com"] {
        assert!(
            !shown.article.content.contains(forbidden),
            "{forbidden}: {}",
            shown.article.content
        );
    }
    assert_eq!(shown.images_not_shown, 2);
    assert!(
        shown.article.content.contains(display),
        "{}",
        shown.article.content
    );
}

#[tokio::test]
async fn compose_opens_with_the_draft_the_address_names() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let page = client
        .get(app.url("/a/main/compose?draft=sim_draft_weekly_digest_0002"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"value="sim_draft_weekly_digest_0002""#),
        "the draft is chosen"
    );
    let checked = page
        .split("<input")
        .find(|i| i.contains(r#"value="mpnews""#) && i.contains("form[msgtype]"))
        .expect("the article tab");
    assert!(
        checked.contains("checked"),
        "articles are the message type: {checked}"
    );
}
