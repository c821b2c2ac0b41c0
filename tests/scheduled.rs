//! Scheduled sends (定时群发) against the built-in simulator, on its clock
//! (which the worker shares): sent at its time exactly once, also across a
//! restart just before it; missed beyond `QUNFA_SCHEDULE_GRACE` and not
//! sent, with the reason; sent within the grace at start; edited,
//! rescheduled and cancelled while held; entered and shown in the
//! account's time zone; the draft a schedule will send kept from deletion;
//! the form's rules. Every "not yet" waits for a whole worker round.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, post, send, signed_in, worker_round};
use qunfa::audit::Action;
use qunfa::drafts::{PushOutcome, SaveOutcome};
use qunfa::error::{AppError, Problem};
use qunfa::sends::schedule::HeldOutcome;
use qunfa::sends::schedule::ssr::{input_value, parse_utc, utc_text};
use qunfa::sends::timeline::note_words;
use qunfa::sends::{Field, FieldProblem, PrepareOutcome, SendState};
use qunfa::wechat::Endpoint;
use reqwest::Client;

const SEED_MEDIA: &str = "123dsdajkasd231jhksad";

fn sendall_calls(app: &TestApp) -> u64 {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .counters()
        .calls_to(Endpoint::SendAll)
}

/// Taken by WeChat: submitted, or finished already (the simulator's job
/// may end at once).
fn went(state: &str) -> bool {
    matches!(state, "submitted" | "finished")
}

fn sim_sends(app: &TestApp, clientmsgid: &str) -> usize {
    let sim = app.state.simulator.as_ref().unwrap();
    sim.sends()
        .iter()
        .filter(|s| s.clientmsgid == clientmsgid)
        .count()
}

/// Moves WeChat's clock, and with it the worker's, then lets the worker
/// finish a round on the new time.
async fn advance(app: &TestApp, secs: u64) {
    app.state
        .simulator
        .as_ref()
        .unwrap()
        .clock()
        .advance(Duration::from_secs(secs));
    worker_round(app).await;
}

/// `secs` from the app's now, as a `datetime-local` value in `zone` (the
/// minute it falls in).
fn local_in(app: &TestApp, zone: &str, secs: i64) -> String {
    let now = parse_utc(&app.sends().now()).unwrap();
    let at = now
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap();
    input_value(zone, &utc_text(at))
}

/// The stored state and time of the send of `clientmsgid`.
async fn stored(app: &TestApp, clientmsgid: &str) -> (String, Option<String>) {
    sqlx::query_as::<_, (String, Option<String>)>(
        "SELECT state, scheduled_at FROM sends WHERE clientmsgid = ?",
    )
    .bind(clientmsgid)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

/// Seconds from the app's now until the send of `clientmsgid` is due.
async fn until_due(app: &TestApp, clientmsgid: &str) -> i64 {
    let (_, at) = stored(app, clientmsgid).await;
    let at = parse_utc(&at.unwrap()).unwrap();
    let now = parse_utc(&app.sends().now()).unwrap();
    at.as_second() - now.as_second()
}

/// A text to the tag, at `send_at` (local, the account's zone).
fn scheduled(id: &str, text: &str, send_at: &str) -> Vec<(String, String)> {
    form(
        id,
        "text",
        &[
            ("text_content", text),
            ("send_when", "at"),
            ("send_at", send_at),
        ],
    )
}

/// Audit lines of `action`.
async fn audited(app: &TestApp, action: Action) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = ?")
        .bind(action.name())
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn prepare(app: &TestApp, client: &Client, form: &[(String, String)]) -> PrepareOutcome {
    let response = post(app, client, "prepare_send", form).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_schedule_is_sent_at_its_time_exactly_once_across_a_restart_just_before_it() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-restart";
    let at = local_in(&app, "Asia/Shanghai", 600);
    let result = send(&app, &client, &scheduled(id, "定时消息", &at)).await;
    assert_eq!(result.state, SendState::Scheduled, "{result:?}");
    let when = result.scheduled_for.clone().expect("the result says when");
    assert!(when.contains("Asia/Shanghai"), "{when}");
    assert!(when.contains(&at[11..16]), "{when} {at}");
    worker_round(&app).await;
    assert_eq!(sendall_calls(&app), 0, "nothing goes at confirmation");

    // Just before its time qunfa stops.
    let due = until_due(&app, id).await;
    advance(&app, (due - 20) as u64).await;
    assert_eq!(stored(&app, id).await.0, "scheduled");
    assert_eq!(sendall_calls(&app), 0);
    let data = app.stop().await;

    // It comes back (its clock back at the real time: the send is minutes
    // ahead again) and the time comes.
    let app = TestApp::spawn_on(data).await;
    worker_round(&app).await;
    assert_eq!(stored(&app, id).await.0, "scheduled");
    // The restarted simulator does not know the token kept from before:
    // one call renews it now, so that the count below is of sends alone.
    app.wechat().tags().await.unwrap();
    let due = until_due(&app, id).await;
    advance(&app, (due - 5).max(0) as u64).await;
    assert_eq!(sendall_calls(&app), 0, "not before its time");
    advance(&app, 10).await;
    let (state, _) = stored(&app, id).await;
    let events: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT state, source, detail FROM send_events ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert!(went(&state), "{state} {events:?}");
    let sim = app.state.simulator.as_ref().unwrap();
    assert_eq!(
        sendall_calls(&app),
        1,
        "{events:?} {:?} {:?}",
        sim.counters().calls,
        sim.sends()
            .iter()
            .map(|s| (s.clientmsgid.clone(), s.submitted_at))
            .collect::<Vec<_>>()
    );
    assert_eq!(sim_sends(&app, id), 1);
    // Later rounds and another restart send nothing more.
    advance(&app, 120).await;
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    advance(&app, 3600).await;
    assert_eq!(sendall_calls(&app), 0, "nothing after the second restart");
    let client = signed_in(&app).await;
    let detail = common::send_detail(&app, &client, result.id).await;
    assert!(
        detail
            .timeline
            .iter()
            .any(|e| e.source == "schedule" && e.state == SendState::Pending),
        "{:?}",
        detail.timeline
    );
    app.stop().await;
}

#[tokio::test]
async fn a_schedule_missed_beyond_the_grace_is_not_sent_and_says_why() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-missed";
    let at = local_in(&app, "Asia/Shanghai", 180);
    let result = send(&app, &client, &scheduled(id, "错过的消息", &at)).await;
    assert_eq!(result.state, SendState::Scheduled);
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    // qunfa comes back 16 minutes after its time: the grace is 15.
    let due = until_due(&app, id).await;
    advance(&app, (due + 16 * 60) as u64).await;
    assert_eq!(stored(&app, id).await.0, "missed");
    advance(&app, 60).await;
    assert_eq!(sendall_calls(&app), 0, "a missed send is never sent");
    let client = signed_in(&app).await;
    let detail = common::send_detail(&app, &client, result.id).await;
    let note = detail
        .timeline
        .iter()
        .find(|e| e.state == SendState::Missed)
        .and_then(|e| e.detail.clone())
        .expect("the missed step has a note");
    for lang in [qunfa::i18n::Lang::En, qunfa::i18n::Lang::Zh] {
        let words = note_words(lang, &note, SendState::Missed);
        assert!(words.contains("QUNFA_SCHEDULE_GRACE"), "{words}");
        assert!(words.contains("15"), "{words}");
        assert!(words.contains(&at[11..16]), "its time, local: {words}");
    }
    let words = note_words(qunfa::i18n::Lang::En, &note, SendState::Missed);
    assert!(
        words.contains("not running") && words.contains("Not sent"),
        "{words}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_schedule_due_within_the_grace_at_start_is_sent() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-grace";
    let at = local_in(&app, "Asia/Shanghai", 180);
    send(&app, &client, &scheduled(id, "宽限内", &at)).await;
    let data = app.stop().await;
    let app = TestApp::spawn_on(data).await;
    let due = until_due(&app, id).await;
    advance(&app, (due + 10 * 60) as u64).await;
    assert!(went(&stored(&app, id).await.0));
    assert_eq!(sim_sends(&app, id), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_grace_set_shorter_misses_what_the_default_would_send() {
    let data = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let short = |args: &mut qunfa::shell::config::SettingsArgs| {
        args.schedule_grace = Some("1m".into());
    };
    let app = TestApp::spawn_with(data, short).await;
    let client = signed_in(&app).await;
    let id = "qf-sched-short";
    let at = local_in(&app, "Asia/Shanghai", 180);
    send(&app, &client, &scheduled(id, "短宽限", &at)).await;
    let due = until_due(&app, id).await;
    advance(&app, (due + 5 * 60) as u64).await;
    assert_eq!(stored(&app, id).await.0, "missed");
    assert_eq!(sendall_calls(&app), 0);
    app.stop().await;
}

#[tokio::test]
async fn an_article_schedule_copies_its_draft_when_it_goes_not_when_it_is_set() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-mpnews";
    let at = local_in(&app, "Asia/Shanghai", 600);
    let fields = form(
        id,
        "mpnews",
        &[
            ("mpnews_media_id", SEED_MEDIA),
            ("send_when", "at"),
            ("send_at", &at),
        ],
    );
    let result = send(&app, &client, &fields).await;
    assert_eq!(result.state, SendState::Scheduled);
    let copies = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sent_articles WHERE send_id = ?")
            .bind(result.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(copies().await, 0, "no copy while it waits");
    let due = until_due(&app, id).await;
    advance(&app, (due + 1) as u64).await;
    assert!(went(&stored(&app, id).await.0));
    assert_eq!(copies().await, 1, "the copy is taken as it goes");
    let detail = common::send_detail(&app, &client, result.id).await;
    assert_eq!(detail.articles_as_sent.len(), 2, "the seed's two articles");
    app.stop().await;
}

#[tokio::test]
async fn editing_a_schedule_changes_what_goes() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-edit";
    let at = local_in(&app, "Asia/Shanghai", 600);
    let first = send(&app, &client, &scheduled(id, "第一版", &at)).await;
    // Compose opened on it again (the send page's Edit), changed, sent.
    let later = local_in(&app, "Asia/Shanghai", 1200);
    let second = send(&app, &client, &scheduled(id, "第二版", &later)).await;
    assert_eq!(second.id, first.id, "the same send");
    assert_eq!(second.state, SendState::Scheduled);
    let sends: i64 = sqlx::query_scalar("SELECT count(*) FROM sends")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sends, 1);
    let due = until_due(&app, id).await;
    assert!(due > 900, "the new time: {due}");
    advance(&app, (due + 1) as u64).await;
    let sim = app.state.simulator.as_ref().unwrap();
    let sent = sim.sends();
    assert_eq!(sent.len(), 1);
    let body = serde_json::to_string(&sent[0].request).unwrap();
    assert!(
        body.contains("第二版") && !body.contains("第一版"),
        "{body}"
    );
    // A send that went cannot be edited any more.
    let refused = post(
        &app,
        &client,
        "prepare_send",
        &scheduled(id, "第三版", &later),
    )
    .await;
    let error: AppError = refused.json().await.unwrap_or(AppError::Unexpected);
    assert_eq!(error, AppError::Rejected(Problem::AlreadySent));
    assert_eq!(audited(&app, Action::EditScheduled).await, 1);
    assert_eq!(audited(&app, Action::Schedule).await, 1, "scheduled, once");
    assert_eq!(
        audited(&app, Action::Send).await,
        0,
        "no send was confirmed to go now"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_schedule_can_be_rescheduled_and_a_bad_time_is_said() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-move";
    let at = local_in(&app, "Asia/Shanghai", 600);
    let result = send(&app, &client, &scheduled(id, "改期", &at)).await;
    let send_id = result.id.to_string();
    let reschedule = |send_at: String| {
        let client = client.clone();
        let app = &app;
        let send_id = send_id.clone();
        async move {
            app.call(
                &client,
                "reschedule_send",
                &[("id", send_id.as_str()), ("send_at", send_at.as_str())],
            )
            .await
        }
    };
    let bad: HeldOutcome = reschedule("2020-01-01T10:00".into())
        .await
        .json()
        .await
        .unwrap();
    assert!(matches!(bad, HeldOutcome::Invalid(_)), "{bad:?}");
    let later = local_in(&app, "Asia/Shanghai", 1800);
    let moved: HeldOutcome = reschedule(later.clone()).await.json().await.unwrap();
    match moved {
        HeldOutcome::Rescheduled(words) => assert!(words.contains(&later[11..16]), "{words}"),
        other => panic!("{other:?}"),
    }
    advance(&app, 11 * 60).await;
    assert_eq!(stored(&app, id).await.0, "scheduled", "not at the old time");
    assert_eq!(sendall_calls(&app), 0);
    let due = until_due(&app, id).await;
    advance(&app, (due + 1) as u64).await;
    assert!(went(&stored(&app, id).await.0));
    assert_eq!(sim_sends(&app, id), 1);
    // Gone: no new time for it.
    let late: AppError = reschedule(local_in(&app, "Asia/Shanghai", 3600))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(late, AppError::Rejected(Problem::SendNotHeld));
    assert_eq!(audited(&app, Action::Reschedule).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_cancelled_schedule_is_never_sent() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-cancel";
    let at = local_in(&app, "Asia/Shanghai", 600);
    let result = send(&app, &client, &scheduled(id, "取消", &at)).await;
    let send_id = result.id.to_string();
    let unconfirmed: AppError = app
        .call(&client, "cancel_send", &[("id", send_id.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unconfirmed, AppError::Rejected(Problem::ConfirmCancel));
    assert_eq!(stored(&app, id).await.0, "scheduled");
    let cancelled: HeldOutcome = app
        .call(
            &client,
            "cancel_send",
            &[("id", send_id.as_str()), ("confirm", "yes")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled, HeldOutcome::Cancelled);
    advance(&app, 20 * 60).await;
    assert_eq!(stored(&app, id).await.0, "cancelled");
    assert_eq!(sendall_calls(&app), 0);
    let again: AppError = app
        .call(
            &client,
            "cancel_send",
            &[("id", send_id.as_str()), ("confirm", "yes")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, AppError::Rejected(Problem::SendNotHeld));
    assert_eq!(audited(&app, Action::Cancel).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_time_in_another_zone_is_entered_and_shown_in_it() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let edit = |zone: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let answer = app
                .call(
                    &admin,
                    "edit_account",
                    &[
                        ("account", "main"),
                        ("form[name]", "主账号"),
                        ("form[time_zone]", zone),
                    ],
                )
                .await;
            assert!(answer.status().is_success(), "{}", answer.status());
            answer.json::<qunfa::accounts::SaveOutcome>().await.unwrap()
        }
    };
    let refused = edit("Mars/Olympus_Mons").await;
    assert_eq!(
        refused.problems,
        vec![qunfa::accounts::FieldProblem::TimeZoneInvalid]
    );
    assert!(edit("europe/berlin").await.problems.is_empty());
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM accounts WHERE id = 1")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(zone, "Europe/Berlin", "kept as the tz database spells it");

    let client = signed_in(&app).await;
    let id = "qf-sched-berlin";
    let at = local_in(&app, "Europe/Berlin", 86_400);
    let result = send(&app, &client, &scheduled(id, "柏林", &at)).await;
    let (_, stored_at) = stored(&app, id).await;
    let stored_at = stored_at.unwrap();
    // Entered in Berlin's time, stored in UTC, shown in Berlin's again.
    assert_eq!(input_value("Europe/Berlin", &stored_at), at);
    assert_ne!(input_value("Asia/Shanghai", &stored_at), at);
    let detail = common::send_detail(&app, &client, result.id).await;
    let held = detail.held.expect("a held send's page shows its time");
    let when = held.when.unwrap();
    assert!(when.contains("Europe/Berlin"), "{when}");
    assert!(when.contains(&at.replace('T', " ")), "{when} {at}");
    assert!(held.may_change && held.may_edit);

    // 2027-03-28 02:30 does not happen in Berlin (the clocks skip it).
    let gap = prepare(
        &app,
        &client,
        &scheduled("qf-sched-gap", "不存在的时间", "2027-03-28T02:30"),
    )
    .await;
    match gap {
        PrepareOutcome::Invalid(problems) => assert!(
            problems.iter().any(|p| p.field == Field::SendAt
                && matches!(p.problem, FieldProblem::TimeSkipped { .. })),
            "{problems:?}"
        ),
        other => panic!("{other:?}"),
    }
    app.stop().await;
}

#[tokio::test]
async fn a_draft_a_schedule_will_send_cannot_be_deleted_until_it_is_cancelled() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let mut draft = vec![
        ("id".to_owned(), "new".to_owned()),
        ("expected_version".to_owned(), "0".to_owned()),
    ];
    for (name, value) in [
        ("title", "定时要发的文章"),
        ("author", "编辑部"),
        ("thumb_media_id", "sim_image_cover_spring"),
        ("source_kind", "markdown"),
        ("source", "# 标题\n\n正文。"),
    ] {
        draft.push((format!("articles[0][{name}]"), value.to_owned()));
    }
    let saved: SaveOutcome = post(&app, &client, "save_draft", &draft)
        .await
        .json()
        .await
        .unwrap();
    let SaveOutcome::Saved { id, version, .. } = saved else {
        panic!("{saved:?}")
    };
    let (id, version) = (id.to_string(), version.to_string());
    let pushed: PushOutcome = app
        .call(
            &client,
            "push_draft",
            &[("id", id.as_str()), ("expected_version", version.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    let PushOutcome::Pushed { media_id, .. } = pushed else {
        panic!("{pushed:?}")
    };
    let at = local_in(&app, "Asia/Shanghai", 600);
    let fields = form(
        "qf-sched-guard",
        "mpnews",
        &[
            ("mpnews_media_id", &media_id),
            ("send_when", "at"),
            ("send_at", &at),
        ],
    );
    let result = send(&app, &client, &fields).await;
    let pairs = [("id", id.as_str()), ("confirm", "yes")];
    let delete = || app.call(&client, "delete_draft", &pairs);
    let refused: qunfa::drafts::api::DeleteOutcome = delete().await.json().await.unwrap();
    match refused {
        qunfa::drafts::api::DeleteOutcome::Failed(words) => {
            assert!(words.contains(&format!("#{}", result.id)), "{words}");
            assert!(
                words.contains(&format!("/a/main/sends/{}", result.id)),
                "{words}"
            );
            assert!(
                words.contains("cancel") || words.contains("取消"),
                "{words}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        app.wechat()
            .draft_get(&qunfa::wechat::types::MediaId::parse(&media_id).unwrap())
            .await
            .is_ok()
    );
    let send_id = result.id.to_string();
    app.call(
        &client,
        "cancel_send",
        &[("id", send_id.as_str()), ("confirm", "yes")],
    )
    .await;
    let deleted: qunfa::drafts::api::DeleteOutcome = delete().await.json().await.unwrap();
    assert_eq!(deleted, qunfa::drafts::api::DeleteOutcome::Deleted);
    app.stop().await;
}

#[tokio::test]
async fn the_time_must_be_valid_ahead_and_not_too_far() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let cases = [
        ("", FieldProblem::Required),
        ("soon", FieldProblem::NotALocalTime),
        (
            &local_in(&app, "Asia/Shanghai", -3600)[..],
            FieldProblem::TimeTooSoon,
        ),
        (
            &local_in(&app, "Asia/Shanghai", 30)[..],
            FieldProblem::TimeTooSoon,
        ),
        (
            &local_in(&app, "Asia/Shanghai", 91 * 86_400)[..],
            FieldProblem::TimeTooFar { days: 90 },
        ),
    ];
    for (i, (send_at, want)) in cases.into_iter().enumerate() {
        let id = format!("qf-sched-rule-{i}");
        match prepare(&app, &client, &scheduled(&id, "规则", send_at)).await {
            PrepareOutcome::Invalid(problems) => assert!(
                problems
                    .iter()
                    .any(|p| p.field == Field::SendAt && p.problem == want),
                "{send_at}: {problems:?}"
            ),
            other => panic!("{send_at}: {other:?}"),
        }
    }
    // "Now" ignores a time left in the field.
    let now = form(
        "qf-sched-now",
        "text",
        &[
            ("text_content", "现在"),
            ("send_when", "now"),
            ("send_at", "soon"),
        ],
    );
    let result = send(&app, &client, &now).await;
    assert_eq!(result.state, SendState::Submitted);
    let sends: i64 = sqlx::query_scalar("SELECT count(*) FROM sends")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sends, 1, "nothing stored for a refused time");
    app.stop().await;
}

#[tokio::test]
async fn history_lists_a_schedule_with_its_local_time_and_filters_by_it() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let at = local_in(&app, "Asia/Shanghai", 600);
    send(&app, &client, &scheduled("qf-sched-list", "历史", &at)).await;
    let page: qunfa::sends::history::HistoryPage = app
        .call(&client, "list_sends", &[("filter[state]", "scheduled")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    let when = page.rows[0].when.clone().unwrap();
    assert_eq!(when, format!("{} {}", &at[5..10], &at[11..16]));
    let html = client
        .get(app.url("/a/main/sends"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&when), "the row shows its time");
    app.stop().await;
}

#[tokio::test]
async fn a_time_that_passed_while_the_confirmation_was_open_is_refused() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = "qf-sched-passed";
    let at = local_in(&app, "Asia/Shanghai", 150);
    match prepare(&app, &client, &scheduled(id, "过时", &at)).await {
        PrepareOutcome::Ready(confirmation) => {
            assert!(confirmation.send_at.unwrap().contains(&at[11..16]))
        }
        other => panic!("{other:?}"),
    }
    advance(&app, 300).await;
    let refused: AppError = post(
        &app,
        &client,
        "confirm_send",
        &[("clientmsgid".to_owned(), id.to_owned())],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(refused, AppError::Rejected(Problem::ScheduleTimePassed));
    let sends: i64 = sqlx::query_scalar("SELECT count(*) FROM sends")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sends, 0);
    app.stop().await;
}
