//! Sends to a list of followers (`message/mass/send`) through the server
//! and the built-in simulator: a list of 25,001 becomes three calls, each
//! its own outbox row; one that WeChat turns away is retried alone and none
//! is sent twice; History shows the send as one row. The list's checks
//! (bad lines, duplicates, a single follower) and saved lists per account.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, post, send, signed_in};
use qunfa::sends::history::{HistoryPage, SendDetail};
use qunfa::sends::lists::{OpenIdCount, SaveOutcome, SavedList};
use qunfa::sends::{FieldProblem, PrepareOutcome, SendState};
use qunfa::simulator::Scenario;
use qunfa::wechat::Endpoint;

fn openid(n: usize) -> String {
    format!("oSIM{n:024}")
}

fn openids(n: usize) -> String {
    (0..n).map(openid).collect::<Vec<_>>().join("\n")
}

/// The list send's rows: (part, state, audience_size, errcode, clientmsgid).
async fn parts(app: &TestApp, clientmsgid: &str) -> Vec<(i64, String, i64, Option<i64>, String)> {
    sqlx::query_as(
        "SELECT p.group_part, p.state, p.audience_size, p.errcode, p.clientmsgid
         FROM sends s JOIN sends p ON p.group_id = s.group_id
         WHERE s.clientmsgid = ? AND p.endpoint = 'send' ORDER BY p.group_part",
    )
    .bind(clientmsgid)
    .fetch_all(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_list_of_25001_is_three_calls_and_the_one_turned_away_is_retried_alone() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let sim = app.state.simulator.as_ref().unwrap();
    // The first call goes through, the second meets WeChat's undocumented
    // "masssend fast, retry again", the third goes through.
    sim.queue_scenario(Endpoint::MassSend, Scenario::parse("ok").unwrap())
        .unwrap();
    sim.queue_scenario(
        Endpoint::MassSend,
        Scenario::parse("errcode(42010)").unwrap(),
    )
    .unwrap();
    let mut list = openids(25_001);
    list.push('\n');
    list.push_str(&openid(7)); // a duplicate, removed
    let id = "qf-list-25001";
    let result = send(
        &app,
        &client,
        &form(
            id,
            "text",
            &[
                ("audience", "list"),
                ("openids", &list),
                ("text_content", "名单群发"),
            ],
        ),
    )
    .await;
    // The worker may take a pending call while Confirm is on another, so
    // which call meets the queued 42010 is not fixed: exactly one does.
    assert!(
        matches!(result.state, SendState::Submitted | SendState::Unknown),
        "{result:?}"
    );

    let rows = parts(&app, id).await;
    let sizes: Vec<i64> = rows.iter().map(|r| r.2).collect();
    assert_eq!(sizes, [8_334, 8_334, 8_333]);
    assert_eq!(
        rows[0].4, id,
        "the first call keeps the attempt's clientmsgid"
    );
    assert_eq!(rows[1].4, format!("{id}-2"));
    assert_eq!(rows[2].4, format!("{id}-3"));
    let turned_away: Vec<usize> = (0..3).filter(|&i| rows[i].1 == "unknown").collect();
    assert_eq!(turned_away.len(), 1, "{rows:?}");
    let failed = turned_away[0];
    assert_eq!(rows[failed].3, Some(42010));
    assert_eq!(sim.sends().len(), 2);

    // Five minutes later the worker asks again, for that call only.
    sim.clock().advance(Duration::from_secs(301));
    app.sends().wake();
    for _ in 0..400 {
        if parts(&app, id).await[failed].1 != "unknown" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let rows = parts(&app, id).await;
    assert!(rows.iter().all(|r| r.1 != "unknown"), "{rows:?}");
    common::worker_round(&app).await;
    let made = sim.sends();
    assert_eq!(made.len(), 3, "each call once");
    let mut ids: Vec<&str> = made.iter().map(|s| s.clientmsgid.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    let reached: u64 = made.iter().map(|s| s.list.unwrap().size).sum();
    assert_eq!(reached, 25_001);

    // History: one row for the three calls, with their states together.
    let page: HistoryPage = app
        .call(&client, "list_sends", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1, "{:?}", page.rows);
    let row = &page.rows[0];
    assert_eq!(row.id, result.id);
    assert_eq!(row.calls.len(), 3);
    let words = row.calls_words(qunfa::i18n::Lang::En).unwrap();
    assert!(words.starts_with("3 calls: "), "{words}");
    assert!(row.audience.contains("25,001"), "{}", row.audience);

    // The send's page from any call: every call with its state and size.
    let third = &rows[2];
    let third_id: i64 = sqlx::query_scalar("SELECT id FROM sends WHERE clientmsgid = ?")
        .bind(&third.4)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let detail: SendDetail = app
        .call(
            &client,
            "load_send_detail",
            &[("id", &third_id.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.row.calls.len(), 3);
    assert_eq!(detail.row.calls[1].size, Some(8_334));

    // A second Confirm finds the send; nothing more goes out.
    let again = post(
        &app,
        &client,
        "confirm_send",
        &[
            ("clientmsgid".to_owned(), id.to_owned()),
            ("account".to_owned(), "main".to_owned()),
        ],
    )
    .await;
    assert!(again.status().is_success());
    common::worker_round(&app).await;
    assert_eq!(sim.sends().len(), 3);

    // The same message to the same list, in another order, is a repeat.
    let mut reversed: Vec<String> = (0..25_001).map(openid).collect();
    reversed.reverse();
    let same = form(
        "qf-list-again",
        "text",
        &[
            ("audience", "list"),
            ("openids", &reversed.join("\n")),
            ("text_content", "名单群发"),
        ],
    );
    let prepared: PrepareOutcome = post(&app, &client, "prepare_send", &same)
        .await
        .json()
        .await
        .unwrap();
    match prepared {
        PrepareOutcome::Ready(c) => {
            assert_eq!(c.repeat.map(|r| r.send_id), Some(result.id));
            assert_eq!(c.list.unwrap().calls, 3);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_lines_are_named_duplicates_counted_and_one_follower_refused() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let text = format!(
        "openid\n{}\n{}\n{}\n张三\nabc\n",
        openid(1),
        openid(2),
        openid(1)
    );
    let found: OpenIdCount = app
        .call(&client, "check_openids", &[("openids", &text)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.count, 2);
    assert_eq!(found.duplicates, 1);
    assert!(found.header_skipped);
    assert_eq!(found.bad_count, 2);
    assert_eq!(found.bad_lines[0].line, 5);
    assert!(found.words(qunfa::i18n::Lang::Zh).contains("第 5 行“张三”"));

    // A send with bad lines is refused, naming them.
    let with_bad = form(
        "qf-list-bad",
        "text",
        &[
            ("audience", "list"),
            ("openids", &text),
            ("text_content", "x"),
        ],
    );
    let outcome: PrepareOutcome = post(&app, &client, "prepare_send", &with_bad)
        .await
        .json()
        .await
        .unwrap();
    match outcome {
        PrepareOutcome::Invalid(problems) => assert!(matches!(
            &problems[0].problem,
            FieldProblem::NotOpenIds(found) if found.bad_count == 2
        )),
        other => panic!("{other:?}"),
    }

    // One follower: WeChat needs two; the words point to Preview.
    let single = form(
        "qf-list-one",
        "text",
        &[
            ("audience", "list"),
            ("openids", &format!("{}\n{}", openid(1), openid(1))),
            ("text_content", "x"),
        ],
    );
    let outcome: PrepareOutcome = post(&app, &client, "prepare_send", &single)
        .await
        .json()
        .await
        .unwrap();
    match outcome {
        PrepareOutcome::Invalid(problems) => {
            assert_eq!(problems[0].problem, FieldProblem::TooFewOpenIds);
            assert!(problems[0].words(qunfa::i18n::Lang::En).contains("Preview"));
            assert!(problems[0].words(qunfa::i18n::Lang::Zh).contains("预览"));
        }
        other => panic!("{other:?}"),
    }
    assert!(app.state.simulator.as_ref().unwrap().sends().is_empty());
}

#[tokio::test]
async fn a_saved_list_is_the_accounts_own() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let saved: SaveOutcome = app
        .call(
            &client,
            "save_openid_list",
            &[("name", "VIP 名单"), ("openids", &openids(3))],
        )
        .await
        .json()
        .await
        .unwrap();
    let SaveOutcome::Saved(saved) = saved else {
        panic!("{saved:?}")
    };
    assert_eq!(saved.size, 3);
    let lists: Vec<SavedList> = app
        .call(&client, "list_openid_lists", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lists, vec![saved.clone()]);
    let refused: SaveOutcome = app
        .call(
            &client,
            "save_openid_list",
            &[("name", "one"), ("openids", &openid(1))],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        matches!(&refused, SaveOutcome::Refused(words) if words.contains("预览") || words.contains("Preview")),
        "{refused:?}"
    );

    // Another account has no such list: not listed, not sent to, not deleted.
    let elsewhere: Vec<SavedList> = app
        .call(&client, "list_openid_lists", &[("account", "sim-2")])
        .await
        .json()
        .await
        .unwrap();
    assert!(elsewhere.is_empty());
    let mut on_other = form(
        "qf-list-other",
        "text",
        &[
            ("audience", "list"),
            ("openid_list", &saved.id.to_string()),
            ("text_content", "x"),
        ],
    );
    on_other.retain(|(name, _)| name != "account");
    on_other.push(("account".to_owned(), "sim-2".to_owned()));
    let outcome: PrepareOutcome = post(&app, &client, "prepare_send", &on_other)
        .await
        .json()
        .await
        .unwrap();
    match outcome {
        PrepareOutcome::Invalid(problems) => {
            assert_eq!(problems[0].problem, FieldProblem::UnknownOpenIdList)
        }
        other => panic!("{other:?}"),
    }
    let deleted: bool = app
        .call(
            &client,
            "delete_openid_list",
            &[("account", "sim-2"), ("id", &saved.id.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!deleted);

    // On its own account the saved list is sent to.
    let result = send(
        &app,
        &client,
        &form(
            "qf-list-saved",
            "text",
            &[
                ("audience", "list"),
                ("openid_list", &saved.id.to_string()),
                ("text_content", "给 VIP"),
            ],
        ),
    )
    .await;
    assert_eq!(result.state, SendState::Submitted, "{result:?}");
    let rows = parts(&app, "qf-list-saved").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, 3);
    let audience: String = sqlx::query_scalar("SELECT audience FROM sends WHERE clientmsgid = ?")
        .bind("qf-list-saved")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audience, "指定的 3 位粉丝（列表：VIP 名单）");
    let deleted: bool = app
        .call(
            &client,
            "delete_openid_list",
            &[("id", &saved.id.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(deleted);
}

/// `datetime-local` ten minutes after the app's now, in China time.
fn ten_minutes_ahead(app: &TestApp) -> String {
    use qunfa::sends::schedule::ssr::{input_value, parse_utc, utc_text};
    let at = parse_utc(&app.sends().now())
        .unwrap()
        .checked_add(jiff::SignedDuration::from_secs(600))
        .unwrap();
    input_value("Asia/Shanghai", &utc_text(at))
}

async fn prepared(
    app: &TestApp,
    client: &reqwest::Client,
    form: &[(String, String)],
) -> qunfa::sends::Confirmation {
    let answer = post(app, client, "prepare_send", form).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    match answer.json().await.unwrap() {
        PrepareOutcome::Ready(c) => *c,
        other => panic!("not ready: {other:?}"),
    }
}

/// A list send takes nothing of the account's quota, so it is not warned
/// about after the day's send; a cancelled list send is no repeat; and a
/// held send does not switch between a tag and a list in Compose.
#[tokio::test]
async fn a_list_is_not_warned_by_the_quota_a_cancelled_one_is_no_repeat_and_a_held_send_keeps_its_kind()
 {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let day = send(
        &app,
        &client,
        &form("qf-list-day", "text", &[("text_content", "今天的一次")]),
    )
    .await;
    assert_eq!(day.state, SendState::Submitted);
    let list = openids(3);
    let to_list = |id: &str, extra: &[(&str, &str)]| {
        let mut fields = vec![
            ("audience", "list"),
            ("openids", list.as_str()),
            ("text_content", "名单"),
        ];
        fields.extend_from_slice(extra);
        form(id, "text", &fields)
    };
    let confirmation = prepared(&app, &client, &to_list("qf-list-q", &[])).await;
    assert!(confirmation.quota.is_none(), "{:?}", confirmation.quota);

    // Scheduled, then cancelled: the same list again is not a repeat.
    let at = ten_minutes_ahead(&app);
    let held = send(
        &app,
        &client,
        &to_list("qf-list-held", &[("send_when", "at"), ("send_at", &at)]),
    )
    .await;
    assert_eq!(held.state, SendState::Scheduled);
    let cancelled = app
        .call(
            &client,
            "cancel_send",
            &[("id", &held.id.to_string()), ("confirm", "yes")],
        )
        .await;
    assert!(cancelled.status().is_success(), "{}", cancelled.status());
    let again = prepared(&app, &client, &to_list("qf-list-again", &[])).await;
    assert!(again.repeat.is_none(), "{:?}", again.repeat);

    // A held tag send opened again and switched to a list is refused.
    let tag = send(
        &app,
        &client,
        &form(
            "qf-tag-held",
            "text",
            &[
                ("text_content", "按标签"),
                ("send_when", "at"),
                ("send_at", &at),
            ],
        ),
    )
    .await;
    assert_eq!(tag.state, SendState::Scheduled);
    prepared(
        &app,
        &client,
        &to_list("qf-tag-held", &[("send_when", "at"), ("send_at", &at)]),
    )
    .await;
    let switched = app
        .call(&client, "confirm_send", &[("clientmsgid", "qf-tag-held")])
        .await;
    let error: qunfa::error::AppError = switched.json().await.unwrap();
    assert_eq!(
        error,
        qunfa::error::AppError::Rejected(qunfa::error::Problem::HeldSendNotEditable)
    );
    let stored: (String, Option<i64>) =
        sqlx::query_as("SELECT endpoint, tag_id FROM sends WHERE clientmsgid = 'qf-tag-held'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        ("sendall".to_owned(), Some(100)),
        "still the tag send"
    );
    app.stop().await;
}
