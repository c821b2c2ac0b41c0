//! The account's mass-send quota, on the built-in simulator's clock (which
//! the send worker and qunfa's count share): what is left per kind, its
//! renewal at the day's or the month's turn in China time, the warning in
//! the confirmation, WeChat's 45028 worded with the quota, and held sends
//! counted as planned.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, post, signed_in};
use qunfa::sends::quota::{Quota, Rule};
use qunfa::sends::{Confirmation, PrepareOutcome, SendResult, SendState};
use reqwest::Client;

/// The simulated 服务号 a console without configuration starts with.
const SERVICE: &str = "sim-2";

fn sim(app: &TestApp) -> &qunfa::simulator::Simulator {
    app.state
        .simulator
        .as_ref()
        .expect("the built-in simulator")
}

/// Moves the clock to `seconds_before` the next midnight in China (16:00
/// UTC).
fn to_before_china_midnight(app: &TestApp, seconds_before: u64) {
    let clock = sim(app).clock();
    let now = clock.unix_secs();
    let mut target = (now / 86_400) * 86_400 + 16 * 3600 - seconds_before;
    if target <= now {
        target += 86_400;
    }
    clock.advance(Duration::from_secs(target - now));
}

/// Moves the clock just past the next midnight in China.
fn past_china_midnight(app: &TestApp) {
    let clock = sim(app).clock();
    let now = clock.unix_secs();
    let mut midnight = (now / 86_400) * 86_400 + 16 * 3600;
    if midnight <= now {
        midnight += 86_400;
    }
    clock.advance(Duration::from_secs(midnight - now));
}

async fn quota(app: &TestApp, client: &Client, account: &str, to_all: bool) -> Quota {
    let to_all = if to_all { "true" } else { "false" };
    let response = app
        .call(
            client,
            "account_quota",
            &[("account", account), ("to_all", to_all)],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// A text to tag `tag` of `account` (or to all followers).
fn text(id: &str, account: &str, tag: Option<&str>, content: &str) -> Vec<(String, String)> {
    let mut fields = form(id, "text", &[("text_content", content)]);
    fields.retain(|(name, _)| {
        name != "account" && name != "form[audience]" && name != "form[tag_id]"
    });
    match tag {
        Some(tag) => {
            fields.push(("form[audience]".into(), "tag".into()));
            fields.push(("form[tag_id]".into(), tag.into()));
        }
        None => fields.push(("form[audience]".into(), "all".into())),
    }
    fields.push(("account".into(), account.into()));
    fields
}

async fn prepare(app: &TestApp, client: &Client, form: &[(String, String)]) -> Confirmation {
    let response = post(app, client, "prepare_send", form).await;
    assert!(response.status().is_success(), "{}", response.status());
    match response.json().await.unwrap() {
        PrepareOutcome::Ready(confirmation) => *confirmation,
        other => panic!("not ready: {other:?}"),
    }
}

async fn confirm(app: &TestApp, client: &Client, account: &str, id: &str) -> SendResult {
    let form = [
        ("account".to_owned(), account.to_owned()),
        ("clientmsgid".to_owned(), id.to_owned()),
        ("confirm_all".to_owned(), "yes".to_owned()),
    ];
    let response = post(app, client, "confirm_send", &form).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn send(
    app: &TestApp,
    client: &Client,
    account: &str,
    form: &[(String, String)],
) -> SendResult {
    let confirmation = prepare(app, client, form).await;
    confirm(app, client, account, &confirmation.clientmsgid).await
}

#[tokio::test]
async fn a_subscription_account_sends_once_a_china_day_and_45028_is_worded_with_the_quota() {
    let app = TestApp::spawn().await;
    app.enforce_quota();
    let client = signed_in(&app).await;
    // Ten minutes before midnight in China: time enough for two sends on
    // a loaded machine (the clock runs with wall time).
    to_before_china_midnight(&app, 600);
    let fresh = quota(&app, &client, "main", false).await;
    assert_eq!(
        (
            fresh.rule,
            fresh.limit,
            fresh.used,
            fresh.planned,
            fresh.left
        ),
        (Rule::SubscriptionDaily, 1, 0, 0, 1)
    );
    assert_eq!(
        quota(&app, &client, "main", true).await.rule,
        Rule::SubscriptionDaily
    );

    let first = send(
        &app,
        &client,
        "main",
        &text("qf-quota-1", "main", Some("100"), "一"),
    )
    .await;
    assert_eq!(first.state, SendState::Submitted, "{first:?}");
    let after = quota(&app, &client, "main", false).await;
    assert_eq!((after.used, after.left), (1, 0));
    assert_eq!(
        quota(&app, &client, "main", true).await.left,
        0,
        "to all counts alike"
    );

    // A second send the same day: warned in the confirmation, and once
    // confirmed WeChat (the simulator) refuses it, worded with the quota.
    let second = prepare(
        &app,
        &client,
        &text("qf-quota-2", "main", Some("102"), "二"),
    )
    .await;
    let warning = second.quota.clone().expect("a warning in the confirmation");
    assert!(warning.current);
    assert_eq!((warning.quota.used, warning.quota.limit), (1, 1));
    let refused = confirm(&app, &client, "main", "qf-quota-2").await;
    assert_eq!(refused.state, SendState::Rejected, "{refused:?}");
    let problem = refused.problem.clone().unwrap();
    assert!(problem.contains("45028"), "{problem}");
    assert!(
        problem.contains("这个订阅号每天只能群发 1 次（发给全部粉丝或按标签都算），今天已群发 1 次（北京时间")
            || problem.contains("This subscription account may mass-send 1 time a day (to all followers or to a tag), and qunfa has seen 1 send today (China time)"),
        "{problem}"
    );
    let detail = common::send_detail(&app, &client, refused.id).await;
    assert_eq!(
        detail.problem.as_deref(),
        Some(problem.as_str()),
        "the send's page says the same"
    );
    let (errcode,): (i64,) = sqlx::query_as("SELECT errcode FROM sends WHERE id = ?")
        .bind(refused.id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(errcode, 45028);
    assert_eq!(
        quota(&app, &client, "main", false).await.used,
        1,
        "a refused send is not counted"
    );

    // Midnight in China (16:00 UTC): the count starts again, for qunfa and
    // for WeChat.
    past_china_midnight(&app);
    let renewed = quota(&app, &client, "main", false).await;
    assert_eq!((renewed.used, renewed.left), (0, 1));
    assert_eq!(renewed.starts_at, after.renews_at);
    let next_day = prepare(
        &app,
        &client,
        &text("qf-quota-3", "main", Some("102"), "三"),
    )
    .await;
    assert_eq!(next_day.quota, None, "no warning on a new day");
    let sent = confirm(&app, &client, "main", "qf-quota-3").await;
    assert_eq!(sent.state, SendState::Submitted, "{sent:?}");
}

#[tokio::test]
async fn a_service_account_counts_its_sends_to_all_by_the_china_month() {
    let app = TestApp::spawn().await;
    app.enforce_quota();
    let client = signed_in(&app).await;
    // The last day of a month, ten minutes before midnight in China.
    to_before_china_midnight(&app, 600);
    while time::OffsetDateTime::from_unix_timestamp(sim(&app).clock().unix_secs() as i64 + 86_400)
        .unwrap()
        .day()
        != 1
    {
        sim(&app).clock().advance(Duration::from_secs(86_400));
    }
    let to_all = quota(&app, &client, SERVICE, true).await;
    assert_eq!(
        (to_all.rule, to_all.limit, to_all.left),
        (Rule::ServiceToAllMonthly, 4, 4)
    );
    let tags = quota(&app, &client, SERVICE, false).await;
    assert_eq!(tags.rule, Rule::ServicePerFollower);
    assert!(!tags.counted());

    // A send to a tag does not count against the account.
    let tag = send(
        &app,
        &client,
        SERVICE,
        &text("qf-svc-tag", SERVICE, Some("120"), "tag"),
    )
    .await;
    assert_eq!(tag.state, SendState::Submitted);
    for n in 0..2 {
        let id = format!("qf-svc-all-{n}");
        let sent = send(
            &app,
            &client,
            SERVICE,
            &text(&id, SERVICE, None, &format!("all {n}")),
        )
        .await;
        assert_eq!(sent.state, SendState::Submitted, "{sent:?}");
    }
    let month = quota(&app, &client, SERVICE, true).await;
    assert_eq!((month.used, month.left), (2, 2));
    assert_eq!(month.renews_on.2, 1, "it renews on the first");

    past_china_midnight(&app);
    let next = quota(&app, &client, SERVICE, true).await;
    assert_eq!((next.used, next.left), (0, 4), "a new month in China");
    assert_eq!(next.starts_at, month.renews_at);
}

#[tokio::test]
async fn held_sends_count_as_planned_for_their_day() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // Noon in China, so "today" and "tomorrow" are plain.
    to_before_china_midnight(&app, 12 * 3600);
    let now = sim(&app).clock().unix_secs() as i64;
    let at = |unix: i64| {
        let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    let hold = |id: &'static str, state: &'static str, scheduled_at: String| {
        let db = app.state.db.clone();
        async move {
            sqlx::query(
                "INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, tag_id, audience, summary, request, state, scheduled_at)
                 VALUES (?, 1, 1, 'text', 100, 'VIP会员', 'held', '{}', ?, ?)",
            )
            .bind(id)
            .bind(state)
            .bind(scheduled_at)
            .execute(&db)
            .await
            .unwrap();
        }
    };
    // Tomorrow's schedule is not today's.
    hold("qf-held-tomorrow", "scheduled", at(now + 24 * 3600)).await;
    let today = quota(&app, &client, "main", false).await;
    assert_eq!((today.used, today.planned, today.left), (0, 0, 1));
    hold("qf-held-today", "scheduled", at(now + 3600)).await;
    let today = quota(&app, &client, "main", false).await;
    assert_eq!(
        (today.used, today.planned, today.left),
        (0, 1, 1),
        "planned apart from used"
    );
    // So a send now would exceed it: the confirmation says so.
    let confirmation = prepare(
        &app,
        &client,
        &text("qf-held-now", "main", Some("100"), "now"),
    )
    .await;
    let warning = confirmation.quota.expect("a warning");
    assert_eq!((warning.quota.used, warning.quota.planned), (0, 1));
    // A schedule tomorrow, as the schedule part asks: tomorrow has one
    // planned already; without it, none.
    let tomorrow = at(now + 24 * 3600);
    let kind = qunfa::accounts::Kind::Subscription;
    let would =
        qunfa::sends::quota::would_exceed(&app.state.db, 1, kind, false, &tomorrow, &at(now), None)
            .await
            .unwrap()
            .expect("tomorrow has a send planned");
    assert!(!would.current);
    let (held,): (i64,) =
        sqlx::query_as("SELECT id FROM sends WHERE clientmsgid = 'qf-held-tomorrow'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let except = qunfa::sends::quota::would_exceed(
        &app.state.db,
        1,
        kind,
        false,
        &tomorrow,
        &at(now),
        Some(held),
    )
    .await
    .unwrap();
    assert_eq!(
        except, None,
        "the send itself is left out (an approval, a new time)"
    );
    // A send awaiting approval is not planned: it may never be approved,
    // and two waiting sends would each warn of the other.
    sqlx::query("UPDATE sends SET state = 'awaiting_approval', scheduled_at = ? WHERE clientmsgid = 'qf-held-today'")
        .bind(at(now + 3600))
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(quota(&app, &client, "main", false).await.planned, 0);
}
