//! Approval before a send: with the account's "sends need approval", an
//! editor's send waits until an admin or reviewer other than its author
//! approves it, and goes to WeChat once; a decline says why to the author;
//! a send whose time passed while it waited goes only when the reviewer
//! says "send now"; every decision is in the timeline and the audit log.

use crate::common;

use common::{TestApp, form, send, send_detail, signed_in, worker_round};
use qunfa::audit::{Action, AuditPage, Facts};
use qunfa::error::{AppError, Problem};
use qunfa::sends::SendState;
use qunfa::sends::approval::{Attention, QueueView, ReviewOutcome};
use qunfa::wechat::Endpoint;
use reqwest::{Client, StatusCode};

fn sendall_calls(app: &TestApp) -> u64 {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .counters()
        .calls_to(Endpoint::SendAll)
}

/// A user `name` with `role`, granted the configured account, signed in
/// on a client of their own.
async fn user(app: &TestApp, admin: &Client, name: &str, role: &str) -> Client {
    let password = format!("{name}-password-1");
    let added = app
        .call(
            admin,
            "add_user",
            &[("username", name), ("password", &password), ("role", role)],
        )
        .await;
    assert!(added.status().is_success(), "{}", added.status());
    common::grant(app, admin, name, "main", true).await;
    let client = app.client();
    app.log_in(&client, name, &password).await;
    client
}

/// Switches "sends need approval" of the configured account on or off.
async fn needs_approval(app: &TestApp, admin: &Client, on: bool) {
    let mut fields = vec![("account", "main"), ("form[name]", "主号")];
    if on {
        fields.push(("form[needs_approval]", "1"));
    }
    let saved = app.call(admin, "edit_account", &fields).await;
    assert!(saved.status().is_success(), "{}", saved.status());
}

/// A text send of `client` to the tag, `id` its clientmsgid.
async fn text_send(app: &TestApp, client: &Client, id: &str, text: &str) -> i64 {
    let result = send(app, client, &form(id, "text", &[("text_content", text)])).await;
    assert_eq!(result.state, SendState::AwaitingApproval, "{result:?}");
    result.id
}

async fn approve(app: &TestApp, client: &Client, id: i64, send_now: bool) -> reqwest::Response {
    let id = id.to_string();
    let mut fields = vec![("id", id.as_str()), ("comment", "looks right")];
    if send_now {
        fields.push(("send_now", "yes"));
    }
    app.call(client, "approve_send", &fields).await
}

async fn decline(app: &TestApp, client: &Client, id: i64, comment: &str) -> reqwest::Response {
    let id = id.to_string();
    app.call(
        client,
        "decline_send",
        &[("id", id.as_str()), ("comment", comment)],
    )
    .await
}

async fn outcome(response: reqwest::Response) -> ReviewOutcome {
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn refused(response: reqwest::Response) -> Problem {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    match response.json::<AppError>().await.unwrap() {
        AppError::Rejected(problem) => problem,
        other => panic!("not a problem in words: {other:?}"),
    }
}

async fn attention(app: &TestApp, client: &Client) -> Attention {
    let answer = app.call(client, "attention_count", &[]).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.unwrap()
}

async fn state_of(app: &TestApp, id: i64) -> SendState {
    let state: String = sqlx::query_scalar("SELECT state FROM sends WHERE id = ?")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    SendState::parse(&state).unwrap()
}

#[tokio::test]
async fn an_editors_send_waits_for_a_reviewer_and_goes_once_approved() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let reviewer = user(&app, &admin, "rita", "reviewer").await;
    let id = text_send(&app, &editor, "qf-approval-1", "等审核的消息").await;

    worker_round(&app).await;
    assert_eq!(sendall_calls(&app), 0, "nothing goes before the approval");
    assert_eq!(state_of(&app, id).await, SendState::AwaitingApproval);
    let queue: QueueView = app
        .call(&reviewer, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(queue.may_review);
    let waiting = &queue.awaiting[0];
    assert_eq!((waiting.id, waiting.author.as_str()), (id, "ed"));
    assert_eq!(waiting.audience, "VIP会员");
    assert!(waiting.audience_size.is_some_and(|n| n > 0));
    assert_eq!(attention(&app, &reviewer).await.awaiting, 1);
    // The send's page offers the reviewer the decision, its author none.
    let theirs = send_detail(&app, &reviewer, id).await.review.unwrap();
    assert!(theirs.awaiting && theirs.can_review && !theirs.own);
    let own = send_detail(&app, &editor, id).await.review.unwrap();
    assert!(own.awaiting && !own.can_review && own.own);
    assert_eq!(own.due, None, "it goes once approved");
    assert_eq!(
        attention(&app, &editor).await,
        Attention::default(),
        "an editor approves nothing"
    );

    let approved = outcome(approve(&app, &reviewer, id, false).await).await;
    assert_eq!(
        approved,
        ReviewOutcome::Approved {
            state: SendState::Submitted
        }
    );
    assert_eq!(sendall_calls(&app), 1, "sent at once");
    // A second approval (another tab, another reviewer) sends nothing more
    // and says who decided.
    let admin_again = outcome(approve(&app, &admin, id, false).await).await;
    match admin_again {
        ReviewOutcome::AlreadyDecided {
            decision: Some(decision),
            ..
        } => {
            assert!(decision.approved);
            assert_eq!(decision.reviewer, "rita");
        }
        other => panic!("{other:?}"),
    }
    worker_round(&app).await;
    assert_eq!(sendall_calls(&app), 1, "sent once");
    assert_eq!(attention(&app, &reviewer).await.awaiting, 0);

    // The author sees the decision on the send's page; the timeline has it.
    assert_eq!(attention(&app, &editor).await.decided, 1);
    let detail = send_detail(&app, &editor, id).await;
    let review = detail.review.expect("the send needed approval");
    let decision = review.decision.expect("decided");
    assert_eq!(
        (decision.reviewer.as_str(), decision.comment.as_deref()),
        ("rita", Some("looks right"))
    );
    assert!(
        detail
            .timeline
            .iter()
            .any(|e| e.source == "approval" && e.state == SendState::Pending)
    );
    assert_eq!(attention(&app, &editor).await.decided, 0, "seen now");
    app.stop().await;
}

#[tokio::test]
async fn without_the_setting_a_send_goes_at_once() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    needs_approval(&app, &admin, false).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let result = send(
        &app,
        &editor,
        &form("qf-approval-off", "text", &[("text_content", "直接发")]),
    )
    .await;
    assert_eq!(result.state, SendState::Submitted);
    assert_eq!(sendall_calls(&app), 1);
    assert!(send_detail(&app, &editor, result.id).await.review.is_none());
    app.stop().await;
}

#[tokio::test]
async fn nobody_decides_on_their_own_send_admins_included() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let reviewer = user(&app, &admin, "rita", "reviewer").await;
    let own = text_send(&app, &reviewer, "qf-approval-own-1", "审核员自己发").await;
    assert_eq!(
        refused(approve(&app, &reviewer, own, false).await).await,
        Problem::OwnSendReview
    );
    assert_eq!(
        refused(decline(&app, &reviewer, own, "不发").await).await,
        Problem::OwnSendReview
    );
    let admins = text_send(&app, &admin, "qf-approval-own-2", "管理员自己发").await;
    assert_eq!(
        refused(approve(&app, &admin, admins, false).await).await,
        Problem::OwnSendReview
    );
    // Neither is counted as waiting for its author.
    assert_eq!(attention(&app, &reviewer).await.awaiting, 1, "the admin's");
    assert_eq!(attention(&app, &admin).await.awaiting, 1, "the reviewer's");
    assert_eq!(sendall_calls(&app), 0);
    // Each approves the other's.
    outcome(approve(&app, &admin, own, false).await).await;
    outcome(approve(&app, &reviewer, admins, false).await).await;
    assert_eq!(sendall_calls(&app), 2);
    app.stop().await;
}

#[tokio::test]
async fn an_editor_who_is_not_a_reviewer_cannot_decide() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let other = user(&app, &admin, "eve", "editor").await;
    let id = text_send(&app, &other, "qf-approval-editor", "编辑发的").await;
    assert_eq!(
        refused(approve(&app, &editor, id, false).await).await,
        Problem::ReviewersOnly
    );
    assert_eq!(
        refused(decline(&app, &editor, id, "不行").await).await,
        Problem::ReviewersOnly
    );
    let queue: QueueView = app
        .call(&editor, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(!queue.may_review);
    assert!(
        queue.awaiting.is_empty(),
        "another's send is not theirs to see here"
    );
    assert_eq!(state_of(&app, id).await, SendState::AwaitingApproval);

    // Made a reviewer, the same user may.
    let users: Vec<qunfa::auth::UserSummary> = app
        .call(&admin, "list_users", &[])
        .await
        .json()
        .await
        .unwrap();
    let ed = users
        .iter()
        .find(|u| u.username == "ed")
        .unwrap()
        .id
        .to_string();
    let changed = app
        .call(
            &admin,
            "set_user_role",
            &[("id", &ed), ("role", "reviewer")],
        )
        .await;
    assert!(changed.status().is_success());
    outcome(approve(&app, &editor, id, false).await).await;
    assert_eq!(sendall_calls(&app), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_decline_says_why_and_the_author_sees_it() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let reviewer = user(&app, &admin, "rita", "reviewer").await;
    let id = text_send(&app, &editor, "qf-approval-no", "错别字很多的消息").await;

    assert_eq!(
        refused(decline(&app, &reviewer, id, "   ").await).await,
        Problem::DeclineNeedsComment
    );
    let long = "长".repeat(501);
    assert_eq!(
        refused(decline(&app, &reviewer, id, &long).await).await,
        Problem::CommentTooLong
    );
    let declined = outcome(decline(&app, &reviewer, id, "标题有错别字，改好再发").await).await;
    assert_eq!(declined, ReviewOutcome::Declined);
    worker_round(&app).await;
    assert_eq!(sendall_calls(&app), 0, "nothing was sent");
    assert_eq!(state_of(&app, id).await, SendState::Declined);
    // Approving it now is too late, and says who declined it.
    match outcome(approve(&app, &admin, id, false).await).await {
        ReviewOutcome::AlreadyDecided {
            state: SendState::Declined,
            decision: Some(decision),
        } => assert_eq!(decision.reviewer, "rita"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sendall_calls(&app), 0);

    // The author's count, the queue's list of decisions, then the page.
    assert_eq!(attention(&app, &editor).await.decided, 1);
    let queue: QueueView = app
        .call(&editor, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue.decided.len(), 1);
    assert_eq!(queue.decided[0].state, SendState::Declined);
    let detail = send_detail(&app, &editor, id).await;
    assert_eq!(detail.row.state, SendState::Declined);
    let decision = detail.review.unwrap().decision.unwrap();
    assert!(!decision.approved);
    assert_eq!(decision.comment.as_deref(), Some("标题有错别字，改好再发"));
    assert_eq!(attention(&app, &editor).await.decided, 0);
    // The reviewer opening it marks nothing for the author.
    let history: qunfa::sends::history::HistoryPage = app
        .call(&editor, "list_sends", &[("filter[state]", "declined")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history.rows.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_send_whose_time_passed_asks_before_it_goes() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let id = text_send(&app, &editor, "qf-approval-late", "本该昨天发").await;
    sqlx::query("UPDATE sends SET scheduled_at = '2020-01-01T08:00:00.000Z' WHERE id = ?")
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let queue: QueueView = app
        .call(&admin, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(queue.awaiting[0].time_passed);
    // In the account's time zone (China time), as Compose takes it.
    assert_eq!(
        queue.awaiting[0].due.as_deref(),
        Some("2020-01-01 16:00（北京时间 / Asia/Shanghai）")
    );
    assert_eq!(
        refused(approve(&app, &admin, id, false).await).await,
        Problem::ApprovalTimePassed
    );
    assert_eq!(state_of(&app, id).await, SendState::AwaitingApproval);
    assert_eq!(sendall_calls(&app), 0);
    let approved = outcome(approve(&app, &admin, id, true).await).await;
    assert_eq!(
        approved,
        ReviewOutcome::Approved {
            state: SendState::Submitted
        }
    );
    assert_eq!(sendall_calls(&app), 1);
    let released: Option<String> = sqlx::query_scalar("SELECT released_at FROM sends WHERE id = ?")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(released.is_some(), "released when approved");
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_send_approved_waits_for_its_time() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let id = text_send(&app, &editor, "qf-approval-later", "明年再发").await;
    sqlx::query("UPDATE sends SET scheduled_at = '2999-01-01T08:00:00.000Z' WHERE id = ?")
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();
    // "Send now" is for a time that passed: a time ahead is kept.
    let approved = outcome(approve(&app, &admin, id, true).await).await;
    assert_eq!(
        approved,
        ReviewOutcome::Approved {
            state: SendState::Scheduled
        }
    );
    worker_round(&app).await;
    assert_eq!(sendall_calls(&app), 0);
    assert_eq!(state_of(&app, id).await, SendState::Scheduled);
    app.stop().await;
}

#[tokio::test]
async fn a_list_send_is_decided_as_one() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let first = text_send(&app, &editor, "qf-approval-part-1", "名单第一批").await;
    let second = text_send(&app, &editor, "qf-approval-part-2", "名单第二批").await;
    // Two calls of one list send, as the list's chunks are stored.
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO send_groups (kind, user_id) SELECT 'openid_list', user_id FROM sends WHERE id = ? RETURNING id",
    )
    .bind(first)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    for (part, id) in [(1, first), (2, second)] {
        sqlx::query("UPDATE sends SET group_id = ?, group_part = ? WHERE id = ?")
            .bind(group)
            .bind(part)
            .bind(id)
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    assert_eq!(attention(&app, &admin).await.awaiting, 1, "one send");
    let queue: QueueView = app
        .call(&admin, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue.awaiting.len(), 1);
    assert_eq!(queue.awaiting[0].calls, 2);
    outcome(approve(&app, &admin, second, false).await).await;
    assert_eq!(sendall_calls(&app), 2, "both calls went");
    for id in [first, second] {
        assert_ne!(state_of(&app, id).await, SendState::AwaitingApproval);
    }
    app.stop().await;
}

#[tokio::test]
async fn every_decision_and_the_setting_are_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let reviewer = user(&app, &admin, "rita", "reviewer").await;
    let yes = text_send(&app, &editor, "qf-approval-audit-1", "可以发").await;
    let no = text_send(&app, &editor, "qf-approval-audit-2", "不可以发").await;
    outcome(approve(&app, &reviewer, yes, false).await).await;
    outcome(decline(&app, &reviewer, no, "时机不对").await).await;

    let log: AuditPage = app
        .call(&admin, "list_audit", &[])
        .await
        .json()
        .await
        .unwrap();
    let line = |action: Action| {
        log.entries
            .iter()
            .find(|e| e.action == Ok(action))
            .unwrap_or_else(|| panic!("{action:?} in the log"))
    };
    // The editor's confirmation is a submission, not a send.
    let submitted: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.action == Ok(Action::SubmitForApproval))
        .collect();
    assert_eq!(submitted.len(), 2, "{:?}", log.entries);
    assert!(submitted.iter().all(|e| e.username == "ed"));
    assert!(
        !log.entries
            .iter()
            .any(|e| e.action == Ok(Action::Send) && e.username == "ed"),
        "nothing the editor did was a send"
    );
    let approved = line(Action::Approve);
    assert_eq!(approved.username, "rita");
    assert_eq!(
        approved.facts,
        Some(Facts::Review {
            send_id: yes,
            author: "ed".into(),
            state: "pending".into(),
            send_now: false,
            comment: Some("looks right".into()),
        })
    );
    let declined = line(Action::Decline);
    assert_eq!(
        declined.facts,
        Some(Facts::Review {
            send_id: no,
            author: "ed".into(),
            state: "declined".into(),
            send_now: false,
            comment: Some("时机不对".into()),
        })
    );
    assert!(declined.detail.contains("时机不对"), "{}", declined.detail);
    assert_eq!(line(Action::AccountEdit).username, "admin");
    // The setting shows where admins look for it.
    let accounts: qunfa::accounts::AccountsView = app
        .call(&admin, "list_accounts", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        accounts
            .accounts
            .iter()
            .any(|a| a.slug == "main" && a.needs_approval)
    );
    let settings: qunfa::settings::SettingsView = app
        .call(&admin, "load_settings", &[("account", "main")])
        .await
        .json()
        .await
        .unwrap();
    assert!(settings.needs_approval);
    app.stop().await;
}

#[tokio::test]
async fn a_plain_form_goes_back_to_its_page() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let late = text_send(&app, &editor, "qf-approval-form-1", "表单一").await;
    let id = late.to_string();
    sqlx::query("UPDATE sends SET scheduled_at = '2020-01-01T08:00:00.000Z' WHERE id = ?")
        .bind(late)
        .execute(&app.state.db)
        .await
        .unwrap();
    let post = |fields: Vec<(&'static str, String)>| {
        admin
            .post(app.url("/api/approve_send"))
            .header("Accept", "text/html")
            .header("Referer", app.url("/a/main/approvals"))
            .form(&fields)
            .send()
    };
    let asked = post(vec![("account", "main".into()), ("id", id.clone())])
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::FOUND);
    assert_eq!(
        common::location(&asked),
        "/a/main/approvals?problem=approval_time_passed"
    );
    let sent = post(vec![
        ("account", "main".into()),
        ("id", id.clone()),
        ("send_now", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(
        common::location(&sent),
        format!("/a/main/approvals?approved={late}")
    );
    // Decided already: its page says by whom.
    let again = post(vec![("account", "main".into()), ("id", id.clone())])
        .await
        .unwrap();
    assert_eq!(
        common::location(&again),
        format!("/a/main/sends/{late}?problem=already_decided")
    );
    // The queue page itself works without JavaScript.
    let page = admin
        .get(app.url("/a/main/approvals"))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success());
    app.stop().await;
}

#[tokio::test]
async fn the_pages_offer_the_reviewer_role_and_the_setting() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let _reviewer = user(&app, &admin, "rita", "reviewer").await;
    let users = admin
        .get(app.url("/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The add form and each user's role form offer all three.
    assert!(
        users.matches(r#"<option value="reviewer""#).count() >= 2,
        "{users}"
    );
    assert!(users.contains("审核员"), "the reviewer's role in words");
    let form = admin
        .get(app.url("/accounts?edit=main"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains(r#"name="form[needs_approval]""#), "{form}");
    app.stop().await;
}

#[tokio::test]
async fn an_article_send_is_shown_and_kept_as_it_goes_out() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let result = send(
        &app,
        &editor,
        &form(
            "qf-approval-article",
            "mpnews",
            &[("mpnews_media_id", "sim_draft_weekly_digest_0002")],
        ),
    )
    .await;
    assert_eq!(result.state, SendState::AwaitingApproval);
    let id = result.id;
    let queue: QueueView = app
        .call(&admin, "approval_queue", &[])
        .await
        .json()
        .await
        .unwrap();
    let waiting = &queue.awaiting[0];
    assert!(
        !waiting.articles.is_empty(),
        "the draft's articles are shown"
    );
    assert!(!waiting.articles_from_copy, "read from WeChat now");
    assert!(
        waiting
            .articles
            .iter()
            .all(|a| !a.article.content.contains("<script")),
        "sanitised"
    );
    // The copy kept at the confirmation is read again when it goes.
    sqlx::query("UPDATE sent_articles SET articles = '[]' WHERE send_id = ?")
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let approved = outcome(approve(&app, &admin, id, false).await).await;
    assert!(
        matches!(approved, ReviewOutcome::Approved { state } if state != SendState::AwaitingApproval),
        "{approved:?}"
    );
    let detail = send_detail(&app, &editor, id).await;
    assert_eq!(
        detail.articles_as_sent.len(),
        waiting.articles.len(),
        "the copy is the draft as it went"
    );
    app.stop().await;
}

/// The queue says beside Approve when approving would take the account
/// past its quota: a 订阅号 that already sent today (China time) has none
/// left for a send that goes now.
#[tokio::test]
async fn the_queue_warns_when_an_approval_would_exceed_the_quota() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let queue = |client: Client| {
        let app = &app;
        async move {
            let response = app.call(&client, "approval_queue", &[]).await;
            assert!(response.status().is_success(), "{}", response.status());
            response.json::<QueueView>().await.unwrap()
        }
    };
    needs_approval(&app, &admin, true).await;
    let first = text_send(&app, &editor, "qf-quota-approval-1", "第一条").await;
    let waiting = queue(admin.clone()).await;
    assert!(
        waiting.awaiting[0].quota.is_none(),
        "nothing sent yet today"
    );
    assert_eq!(
        outcome(approve(&app, &admin, first, false).await).await,
        ReviewOutcome::Approved {
            state: SendState::Submitted
        }
    );

    let second = text_send(&app, &editor, "qf-quota-approval-2", "第二条").await;
    let waiting = queue(admin.clone()).await;
    let item = waiting.awaiting.iter().find(|s| s.id == second).unwrap();
    let warning = item.quota.as_ref().expect("today's one send is taken");
    assert_eq!(warning.quota.left, 0);
    app.stop().await;
}

/// An approved schedule changed by its author in Compose is a message
/// nobody approved: it waits for a reviewer again, its earlier decision
/// cleared, and nothing goes at its time.
#[tokio::test]
async fn an_approved_schedule_edited_waits_for_approval_again() {
    use qunfa::sends::schedule::ssr::{input_value, parse_utc, utc_text};
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let at = parse_utc(&app.sends().now())
        .unwrap()
        .checked_add(jiff::SignedDuration::from_secs(600))
        .unwrap();
    let at = input_value("Asia/Shanghai", &utc_text(at));
    let scheduled = |text: &str| {
        form(
            "qf-approval-edit",
            "text",
            &[
                ("text_content", text),
                ("send_when", "at"),
                ("send_at", at.as_str()),
            ],
        )
    };
    let id = send(&app, &editor, &scheduled("批准的版本")).await.id;
    assert_eq!(
        outcome(approve(&app, &admin, id, false).await).await,
        ReviewOutcome::Approved {
            state: SendState::Scheduled
        }
    );
    let edited = send(&app, &editor, &scheduled("批准后改过的版本")).await;
    assert_eq!(edited.id, id, "the same send");
    assert_eq!(edited.state, SendState::AwaitingApproval);
    let reviewed: Option<i64> = sqlx::query_scalar("SELECT reviewed_by FROM sends WHERE id = ?")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reviewed, None, "the earlier approval is not this message's");
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .clock()
        .advance(std::time::Duration::from_secs(700));
    worker_round(&app).await;
    assert_eq!(sendall_calls(&app), 0, "nothing goes unapproved");
    assert_eq!(state_of(&app, id).await, SendState::AwaitingApproval);
    app.stop().await;
}

/// A declined send went nowhere: the same message again is not a repeat,
/// and needs no "send it again".
#[tokio::test]
async fn a_declined_send_is_not_a_repeat() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let first = text_send(&app, &editor, "qf-declined-1", "改过再发").await;
    assert_eq!(
        outcome(decline(&app, &admin, first, "错别字").await).await,
        ReviewOutcome::Declined
    );
    let again = text_send(&app, &editor, "qf-declined-2", "改过再发").await;
    assert_ne!(again, first);
    app.stop().await;
}

/// An approved schedule given a new time waits for a reviewer again: the
/// reviewer approved it for its time.
#[tokio::test]
async fn an_approved_schedule_rescheduled_waits_for_approval_again() {
    use qunfa::sends::schedule::ssr::{input_value, parse_utc, utc_text};
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    needs_approval(&app, &admin, true).await;
    let editor = user(&app, &admin, "ed", "editor").await;
    let ahead = |secs: i64| {
        let at = parse_utc(&app.sends().now())
            .unwrap()
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap();
        input_value("Asia/Shanghai", &utc_text(at))
    };
    let at = ahead(600);
    let id = send(
        &app,
        &editor,
        &form(
            "qf-approval-move",
            "text",
            &[
                ("text_content", "改期"),
                ("send_when", "at"),
                ("send_at", at.as_str()),
            ],
        ),
    )
    .await
    .id;
    outcome(approve(&app, &admin, id, false).await).await;
    assert_eq!(state_of(&app, id).await, SendState::Scheduled);
    let later = ahead(3600);
    let moved = app
        .call(
            &editor,
            "reschedule_send",
            &[("id", &id.to_string()), ("send_at", later.as_str())],
        )
        .await;
    assert!(moved.status().is_success(), "{}", moved.status());
    assert_eq!(state_of(&app, id).await, SendState::AwaitingApproval);
    app.stop().await;
}
