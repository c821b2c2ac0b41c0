//! The account overview (`/a/:account/stats`, `account_stats`): article
//! sends of the window ranked by read rate, the read rate by audience, type
//! and hour in the account's zone, the denial notice, one account's data
//! only, and the page without JavaScript.
//!
//! One send goes through the simulator to its end; the others are rows
//! written as the console writes them (a finished send with its
//! `submitted_at` and `sent_count`), with their figures stored by
//! `stats::store::put_reads` and totalled by `refresh_totals`, as the
//! fetcher does.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, send, signed_in};
use qunfa::sends::SendState;
use qunfa::sends::schedule::ssr::{input_value, parse_utc, utc_text};
use qunfa::stats::overview::{AccountOverview, AudienceGroup, Rate};
use qunfa::stats::store::{ReadFigures, put_reads, refresh_totals};
use reqwest::Client;

/// A send of `account` WeChat took `ago` seconds before the clock's now
/// (or at `at`, UTC, when given).
struct Seed {
    account: &'static str,
    msg_type: &'static str,
    tag: Option<(i64, &'static str)>,
    summary: &'static str,
    ago: i64,
    sent: i64,
    /// First-article readers; `None`: no figures yet.
    readers: Option<u64>,
}

impl Seed {
    fn article(summary: &'static str, ago_days: i64, sent: i64, readers: Option<u64>) -> Seed {
        Seed {
            account: "main",
            msg_type: "mpnews",
            tag: None,
            summary,
            ago: ago_days * 86_400,
            sent,
            readers,
        }
    }
}

fn now(app: &TestApp) -> String {
    app.first().sends.now()
}

/// `secs` seconds before the clock's now, in the stored form.
fn before_now(app: &TestApp, secs: i64) -> String {
    let now = parse_utc(&now(app)).unwrap();
    utc_text(now - jiff::SignedDuration::from_secs(secs))
}

async fn account_id(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM accounts WHERE slug = ?")
        .bind(slug)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// Stores `readers` for article 1 of send `id` on one day, and the totals.
async fn figures(app: &TestApp, id: i64, readers: u64) {
    let mut db = app.state.db.acquire().await.unwrap();
    let at = now(app);
    let figures = ReadFigures {
        readers,
        ..ReadFigures::default()
    };
    put_reads(&mut db, id, 1, &at[..10], &figures, false, &at)
        .await
        .unwrap();
    // A second article's readers never count towards the read rate.
    let second = ReadFigures {
        readers: readers * 3,
        ..ReadFigures::default()
    };
    put_reads(&mut db, id, 2, &at[..10], &second, false, &at)
        .await
        .unwrap();
    refresh_totals(&mut db, id, &at).await.unwrap();
}

async fn seed_at(app: &TestApp, seed: &Seed, submitted_at: &str) -> i64 {
    let account = account_id(app, seed.account).await;
    let (tag_id, audience) = match seed.tag {
        Some((id, name)) => (Some(id), name),
        None => (None, ""),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, tag_id, audience, summary,
             request, state, msg_id, msg_data_id, submitted_at, released_at, sent_count,
             total_count, error_count, finished_at)
         VALUES (?, ?, 1, ?, ?, ?, ?, '{}', 'finished', abs(random() % 1000000000),
                 abs(random() % 1000000000), ?, ?, ?, ?, 0, ?)
         RETURNING id",
    )
    .bind(format!("seed-{}", seed.summary))
    .bind(account)
    .bind(seed.msg_type)
    .bind(tag_id)
    .bind(audience)
    .bind(seed.summary)
    .bind(submitted_at)
    .bind(submitted_at)
    .bind(seed.sent)
    .bind(seed.sent)
    .bind(submitted_at)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    if let Some(readers) = seed.readers {
        figures(app, id, readers).await;
    }
    id
}

async fn seed(app: &TestApp, seed: &Seed) -> i64 {
    let at = before_now(app, seed.ago);
    seed_at(app, seed, &at).await
}

async fn overview(app: &TestApp, client: &Client, account: &str, days: &str) -> AccountOverview {
    let answer = app
        .call(
            client,
            "account_stats",
            &[("account", account), ("days", days)],
        )
        .await;
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.unwrap()
}

/// An article send through the simulator, followed to its end.
async fn real_article_send(app: &TestApp, client: &Client) -> (i64, i64) {
    let sent = send(
        app,
        client,
        &form(
            "qf-stats-real",
            "mpnews",
            &[("mpnews_media_id", "123dsdajkasd231jhksad")],
        ),
    )
    .await;
    assert_eq!(sent.state, SendState::Submitted);
    for _ in 0..100 {
        let d = common::send_detail(app, client, sent.id).await;
        if d.row.state == SendState::Finished {
            return (sent.id, d.row.sent_count.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("send {} never finished", sent.id);
}

fn rate(sent: i64, readers: i64, sends: i64) -> Rate {
    Rate {
        sends,
        sent,
        readers,
    }
}

#[tokio::test]
async fn sends_are_ranked_by_read_rate_within_the_window_and_summed_by_audience_and_type() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let (real, real_sent) = real_article_send(&app, &admin).await;
    let real_readers = u64::try_from(real_sent / 2).unwrap();
    figures(&app, real, real_readers).await;
    let vip = seed(
        &app,
        &Seed {
            tag: Some((100, "VIP")),
            ..Seed::article("tenth", 2, 1000, Some(100))
        },
    )
    .await;
    let third = seed(&app, &Seed::article("third", 10, 1000, Some(300))).await;
    let old = seed(&app, &Seed::article("old and best", 60, 1000, Some(900))).await;
    let _waiting = seed(&app, &Seed::article("no figures yet", 1, 1000, None)).await;
    let _ancient = seed(&app, &Seed::article("before 90 days", 95, 1000, Some(1000))).await;
    seed(
        &app,
        &Seed {
            msg_type: "text",
            ..Seed::article("a text", 3, 1000, None)
        },
    )
    .await;
    // Another account's send, read by everyone: never in main's overview.
    seed(
        &app,
        &Seed {
            account: "sim-2",
            ..Seed::article("sim-2 only", 1, 10, Some(10))
        },
    )
    .await;

    let month = overview(&app, &admin, "main", "30").await;
    assert_eq!(month.days, 30);
    let ids: Vec<i64> = month.ranked.iter().map(|r| r.id).collect();
    assert_eq!(ids, [real, third, vip], "best read rate first");
    assert_eq!(month.article_sends, 4);
    assert_eq!(month.without_figures, 1);
    assert_eq!(month.ranked[0].sent, real_sent);
    // The headline article's readers alone (the second's are not counted).
    assert_eq!(month.ranked[0].readers, real_sent / 2);
    assert_eq!(
        month.ranked[2].audience,
        AudienceGroup::Tag {
            id: 100,
            name: "VIP".into()
        }
    );
    let audiences: Vec<(AudienceGroup, Rate)> = month
        .by_audience
        .iter()
        .map(|row| (row.audience.clone(), row.rate))
        .collect();
    // The simulated send went to tag 100 too, named "VIP会员" then; a tag
    // is named as at the send made last to it (here the row written after).
    assert_eq!(
        audiences,
        [
            (AudienceGroup::AllFollowers, rate(1000, 300, 1)),
            (
                AudienceGroup::Tag {
                    id: 100,
                    name: "VIP".into()
                },
                rate(real_sent + 1000, real_sent / 2 + 100, 2)
            ),
        ]
    );
    let types: Vec<(&str, i64, Option<Rate>)> = month
        .by_type
        .iter()
        .map(|row| (row.msg_type.as_str(), row.sends, row.rate))
        .collect();
    assert_eq!(
        types,
        [
            (
                "mpnews",
                4,
                Some(rate(real_sent + 2000, real_sent / 2 + 400, 3))
            ),
            ("text", 1, None),
        ]
    );
    let hours: i64 = month.by_hour.iter().map(|h| h.rate.sends).sum();
    assert_eq!(hours, 3, "each send with figures in its hour");
    assert!(month.updated.is_some());
    assert!(month.denied.is_none());

    let quarter = overview(&app, &admin, "main", "90").await;
    let ids: Vec<i64> = quarter.ranked.iter().map(|r| r.id).collect();
    assert_eq!(ids, [old, real, third, vip]);
    assert_eq!(quarter.article_sends, 5);

    // Any other window is taken as 30 days.
    assert_eq!(overview(&app, &admin, "main", "7").await, month);

    let other = overview(&app, &admin, "sim-2", "30").await;
    assert_eq!(other.ranked.len(), 1);
    assert_eq!(other.ranked[0].summary, "sim-2 only");
    app.stop().await;
}

#[tokio::test]
async fn hours_are_those_of_the_accounts_zone() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let edited = app
        .call(
            &admin,
            "edit_account",
            &[
                ("account", "main"),
                ("form[name]", "主账号"),
                ("form[time_zone]", "Europe/Berlin"),
            ],
        )
        .await;
    assert!(edited.status().is_success());
    // Two sends at 07:30 UTC, five and sixty days ago (the latter maybe
    // in summer time), and one at 22:30 UTC, past midnight in Berlin.
    let day =
        |ago: i64, time: &str| format!("{}T{time}.000Z", &before_now(&app, ago * 86_400)[..10]);
    let times = [day(5, "07:30:00"), day(60, "07:30:00"), day(6, "22:30:00")];
    let mut ids = Vec::new();
    for (i, at) in times.iter().enumerate() {
        let summary = ["a", "b", "c"][i];
        ids.push(
            seed_at(
                &app,
                &Seed::article(summary, 0, 100, Some(10 * (i as u64 + 1))),
                at,
            )
            .await,
        );
    }
    let berlin_hour =
        |utc: &str| -> u8 { input_value("Europe/Berlin", utc)[11..13].parse().unwrap() };
    let quarter = overview(&app, &admin, "main", "90").await;
    let mut expected: Vec<(u8, i64, i64)> = Vec::new();
    for (i, at) in times.iter().enumerate() {
        let hour = berlin_hour(at);
        let readers = 10 * (i as i64 + 1);
        match expected.iter_mut().find(|(h, _, _)| *h == hour) {
            Some(e) => {
                e.1 += 100;
                e.2 += readers;
            }
            None => expected.push((hour, 100, readers)),
        }
    }
    expected.sort();
    let hours: Vec<(u8, i64, i64)> = quarter
        .by_hour
        .iter()
        .map(|h| (h.hour, h.rate.sent, h.rate.readers))
        .collect();
    assert_eq!(hours, expected);
    // 22:30 UTC is 23:30 or 00:30 in Berlin, never 22.
    assert!(!hours.iter().any(|(h, _, _)| *h == 22), "{hours:?}");
    // Each send's time is shown in Berlin's.
    let shown = quarter.ranked.iter().find(|r| r.id == ids[0]).unwrap();
    assert_eq!(
        shown.when,
        input_value("Europe/Berlin", &times[0]).replace('T', " ")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_account_without_the_right_sees_why_once_as_a_notice() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    sqlx::query(
        "INSERT INTO stats_accounts (account_id, denied_errcode, denied_at) VALUES (1, 48001, ?)",
    )
    .bind(now(&app))
    .execute(&app.state.db)
    .await
    .unwrap();
    let month = overview(&app, &admin, "main", "30").await;
    let words = qunfa::stats::denied_words(48001, qunfa::i18n::Lang::Zh);
    assert_eq!(month.denied.as_deref(), Some(words.as_str()));
    let page = admin
        .get(app.url("/a/main/stats"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    // Once in the page (the data Leptos hands the browser is escaped JSON).
    assert_eq!(html.matches(&format!(">{words}<")).count(), 1, "{html}");
    assert!(html.contains(r#"role="status""#));
    assert!(!html.contains(r#"role="alert""#), "a notice, not an error");
    // sim-2 is not denied.
    assert!(overview(&app, &admin, "sim-2", "30").await.denied.is_none());
    app.stop().await;
}

#[tokio::test]
async fn the_page_works_without_javascript_in_both_languages_and_only_for_its_users() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let get = |client: &Client, path: &str, lang: &str| {
        client
            .get(app.url(path))
            .header("Accept-Language", lang)
            .send()
    };
    // Nothing sent: the empty state in words, and the way to 90 days.
    let html = get(&admin, "/a/main/stats", "en")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("No article sends in the last 30 days."),
        "{html}"
    );
    assert!(html.contains(r#"href="/a/main/stats?days=90""#));
    assert!(
        html.contains(r#"href="/a/main/stats""#),
        "the navigation's link"
    );
    assert!(html.contains(">Statistics<"));
    let html = get(&admin, "/a/main/stats", "zh-CN")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("最近 30 天内没有图文群发。"), "{html}");
    assert!(html.contains(">数据<"));

    // Figures not come yet.
    seed(&app, &Seed::article("waiting", 0, 100, None)).await;
    let html = get(&admin, "/a/main/stats", "en")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("No figures yet"), "{html}");

    let best = seed(&app, &Seed::article("best of all", 40, 100, Some(80))).await;
    let good = seed(&app, &Seed::article("good one", 2, 100, Some(20))).await;
    let html = get(&admin, "/a/main/stats?days=90", "en")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = |id: i64| html.find(&format!(r#"data-send="{id}""#)).unwrap();
    assert!(at(best) < at(good), "ranked by read rate");
    assert!(html.contains("80.0 %"));
    assert!(html.contains(&format!(r#"href="/a/main/sends/{best}""#)));
    assert!(html.contains(r#"href="/a/main/stats?days=30""#));
    assert!(html.contains("By hour of the day"));
    let html = get(&admin, "/a/main/stats", "en")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(r#"data-send="{best}""#.replace("{best}", &best.to_string()).as_str()));
    assert!(html.contains(&format!(r#"data-send="{good}""#)));

    // An editor of sim-2 only: main's overview is not there for them.
    let added = app
        .call(
            &admin,
            "add_user",
            &[
                ("username", "ed"),
                ("password", "editor-password-1"),
                ("role", "editor"),
            ],
        )
        .await;
    assert!(added.status().is_success());
    common::grant(&app, &admin, "ed", "sim-2", true).await;
    let editor = app.client();
    app.log_in(&editor, "ed", "editor-password-1").await;
    let page = get(&editor, "/a/main/stats", "en").await.unwrap();
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(!html.contains("good one"));
    assert_eq!(
        get(&editor, "/a/sim-2/stats", "en").await.unwrap().status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_list_send_is_one_send_its_calls_figures_summed() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO send_groups (kind, user_id, summary) VALUES ('openid_list', 1, 'list') RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let mut calls = Vec::new();
    for (part, readers) in [(1_i64, 10_u64), (2, 70)] {
        let id = seed(
            &app,
            &Seed::article(["call one", "call two"][part as usize - 1], 1, 100, None),
        )
        .await;
        sqlx::query("UPDATE sends SET endpoint = 'send', group_id = ?, group_part = ?, audience = '指定的 200 位粉丝' WHERE id = ?")
            .bind(group)
            .bind(part)
            .bind(id)
            .execute(&app.state.db)
            .await
            .unwrap();
        figures(&app, id, readers).await;
        calls.push(id);
    }
    // Between the calls' own rates (10 % and 70 %): ranked by the list's 40 %.
    let middle = seed(&app, &Seed::article("half", 2, 100, Some(50))).await;
    let low = seed(&app, &Seed::article("a fifth", 2, 100, Some(20))).await;
    let month = overview(&app, &admin, "main", "30").await;
    let ranked: Vec<(i64, i64, i64)> = month
        .ranked
        .iter()
        .map(|r| (r.id, r.sent, r.readers))
        .collect();
    assert_eq!(
        ranked,
        [(middle, 100, 50), (calls[0], 200, 80), (low, 100, 20)]
    );
    assert_eq!(month.ranked[1].audience, AudienceGroup::Lists);
    assert_eq!(month.ranked[1].audience_words, "指定的 200 位粉丝");
    assert_eq!(month.article_sends, 3, "the list once");
    let lists = month
        .by_audience
        .iter()
        .find(|row| row.audience == AudienceGroup::Lists)
        .unwrap();
    assert_eq!(lists.rate, rate(200, 80, 1));
    app.stop().await;
}

#[tokio::test]
async fn a_list_whose_first_call_has_no_figures_is_linked_by_it_and_counted_once() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app).await;
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO send_groups (kind, user_id, summary) VALUES ('openid_list', 1, 'list') RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let mut calls = Vec::new();
    for part in [1_i64, 2] {
        let id = seed(
            &app,
            &Seed::article(
                ["first call", "second call"][part as usize - 1],
                1,
                100,
                None,
            ),
        )
        .await;
        sqlx::query(
            "UPDATE sends SET endpoint = 'send', group_id = ?, group_part = ? WHERE id = ?",
        )
        .bind(group)
        .bind(part)
        .bind(id)
        .execute(&app.state.db)
        .await
        .unwrap();
        calls.push(id);
    }
    // Written directly: only the second call has figures.
    sqlx::query("UPDATE sends SET headline_read_users = 30, read_users = 30 WHERE id = ?")
        .bind(calls[1])
        .execute(&app.state.db)
        .await
        .unwrap();
    let month = overview(&app, &admin, "main", "30").await;
    let ranked: Vec<(i64, i64, i64)> = month
        .ranked
        .iter()
        .map(|r| (r.id, r.sent, r.readers))
        .collect();
    assert_eq!(ranked, [(calls[0], 200, 30)]);
    assert_eq!(month.article_sends, 1);
    assert_eq!(month.with_figures(), 1);
    app.stop().await;
}
