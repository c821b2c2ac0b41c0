//! The statistics endpoints (`datacube/getarticleread`,
//! `datacube/getarticleshare`): one China day per call, figures from 08:00
//! the next day for 30 days after an article send, the same every time,
//! `is_delay` and the denials the control endpoint chooses.

use std::collections::BTreeSet;

use super::*;
use crate::wechat::datacube::{ArticleReadResponse, ArticleShareResponse, ReadSource, StatMsgId};

const DAY: u64 = 86_400;
const CHINA_OFFSET: u64 = 8 * 3600;

/// The China date of `unix` seconds, as days since 1970-01-01.
fn china_day(unix: u64) -> i64 {
    i64::try_from((unix + CHINA_OFFSET) / DAY).unwrap()
}

/// `day` (days since 1970-01-01) as `YYYY-MM-DD`.
fn date(day: i64) -> String {
    let date = time::Date::from_julian_day(i32::try_from(day).unwrap() + 2_440_588).unwrap();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

impl App {
    /// Moves the simulator's clock to `hour:minute` China time on `day`,
    /// which is ahead, and gives a new token (the old one has expired).
    async fn move_to(&self, day: i64, hour: u64, minute: u64) -> String {
        let target = u64::try_from(day).unwrap() * DAY - CHINA_OFFSET + hour * 3600 + minute * 60;
        let now = self.sim.clock().unix_secs();
        assert!(target > now, "{} {hour}:{minute} is past", date(day));
        self.sim.clock().advance(Duration::from_secs(target - now));
        self.token().await
    }

    async fn article_read(&self, token: &str, day: i64) -> Value {
        self.datacube(Endpoint::ArticleRead, token, &date(day), &date(day))
            .await
    }

    async fn article_share(&self, token: &str, day: i64) -> Value {
        self.datacube(Endpoint::ArticleShare, token, &date(day), &date(day))
            .await
    }

    async fn datacube(&self, endpoint: Endpoint, token: &str, begin: &str, end: &str) -> Value {
        self.post(
            endpoint.path(),
            token,
            &json!({"begin_date": begin, "end_date": end}),
        )
        .await
    }

    /// Sends the draft `media_id` to tag 100 (1 286 followers) and waits
    /// for its job to end.
    async fn sent_news(&self, token: &str, media_id: &str, clientmsgid: &str) -> SendRecord {
        let answer = self
            .post(
                Endpoint::SendAll.path(),
                token,
                &news_send(media_id, clientmsgid, 0),
            )
            .await;
        assert_eq!(errcode(&answer), 0, "{answer}");
        self.wait_for_end(msg_id(&answer)).await
    }
}

/// A day without figures, final (`is_delay` 0) or not yet (1).
fn empty(is_delay: u8) -> Value {
    json!({"errcode": 0, "list": [], "is_delay": is_delay})
}

/// A read answer through the client's own types.
fn reads(answer: &Value) -> ArticleReadResponse {
    assert_eq!(errcode(answer), 0, "{answer}");
    serde_json::from_value(answer.clone()).unwrap()
}

fn shares(answer: &Value) -> ArticleShareResponse {
    assert_eq!(errcode(answer), 0, "{answer}");
    serde_json::from_value(answer.clone()).unwrap()
}

/// The day's readers of article `index` of `send` (0 when it has no row).
fn readers(answer: &ArticleReadResponse, send: &SendRecord, index: u32) -> u64 {
    answer
        .list
        .iter()
        .filter(|row| row.msgid == Some(stat_id(send, index)))
        .map(|row| row.detail.read_user)
        .sum()
}

fn stat_id(send: &SendRecord, index: u32) -> StatMsgId {
    StatMsgId {
        msg_data_id: send.msg_data_id.unwrap(),
        index,
    }
}

fn sent_count(send: &SendRecord) -> u64 {
    send.result.as_ref().unwrap().sent_count.unwrap()
}

#[tokio::test]
async fn an_article_sends_day_is_read_from_08_00_the_next_day_the_same_every_time() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let send = app.sent_news(&token, "123dsdajkasd231jhksad", "dc-1").await;
    let day = china_day(send.submitted_at);
    // The day is not over: 61501.
    for endpoint in [Endpoint::ArticleRead, Endpoint::ArticleShare] {
        let today = app.datacube(endpoint, &token, &date(day), &date(day)).await;
        assert_eq!(errcode(&today), 61501, "{endpoint}: {today}");
    }
    // The next day before 08:00: nothing yet, and not final.
    let token = app.move_to(day + 1, 7, 50).await;
    for answer in [
        app.article_read(&token, day).await,
        app.article_share(&token, day).await,
    ] {
        assert_eq!(answer, empty(1));
    }
    let token = app.move_to(day + 1, 8, 10).await;
    let answer = app.article_read(&token, day).await;
    assert_eq!(answer["is_delay"], 0, "{answer}");
    let read = reads(&answer);
    let ids: Vec<String> = read
        .list
        .iter()
        .map(|r| r.msgid.unwrap().to_string())
        .collect();
    let data_id = send.msg_data_id.unwrap().get();
    assert_eq!(ids, [format!("{data_id}_1"), format!("{data_id}_2")]);
    for row in &read.list {
        assert_eq!(row.ref_date, date(day));
        let detail = &row.detail;
        assert!(detail.read_user > 0, "{row:?}");
        let from_sources: u64 = detail.read_user_source.iter().map(|s| s.read_user).sum();
        assert_eq!(from_sources, detail.read_user, "{row:?}");
        assert!(detail.read_count.unwrap() >= detail.read_user, "{row:?}");
        assert!(
            detail.add_to_fav_user.unwrap() < detail.read_user,
            "{row:?}"
        );
        // The send's own day: most readers come from the message.
        let message: u64 = detail
            .read_user_source
            .iter()
            .filter(|s| s.source() == ReadSource::Message)
            .map(|s| s.read_user)
            .sum();
        assert!(message * 2 > detail.read_user, "{row:?}");
    }
    assert!(readers(&read, &send, 1) > readers(&read, &send, 2));
    let share = shares(&app.article_share(&token, day).await);
    assert!(!share.is_delay);
    assert!(!share.list.is_empty());
    for row in &share.list {
        assert_eq!(row.ref_date, date(day));
        assert!(row.detail.share_user > 0);
        assert!(row.detail.share_user < readers(&read, &send, row.msgid.unwrap().index));
    }
    // Asked again, later: the same answer.
    let token = app.move_to(day + 1, 13, 10).await;
    assert_eq!(app.article_read(&token, day).await, answer);
    assert_eq!(shares(&app.article_share(&token, day).await), share);
    // The day before the send has nothing of it.
    assert_eq!(app.article_read(&token, day - 1).await, empty(0));
    let counters = app.sim.counters();
    assert_eq!(counters.calls_to(Endpoint::ArticleRead), 5);
    assert_eq!(counters.calls_to(Endpoint::ArticleShare), 4);
}

#[tokio::test]
async fn readers_add_up_over_thirty_days_within_the_send_and_then_stop() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let send = app
        .sent_news(&token, "sim_draft_weekly_digest_0002", "dc-30")
        .await;
    let day = china_day(send.submitted_at);
    let token = app.move_to(day + 32, 9, 0).await;
    let mut totals = [0u64; 3];
    let mut headline = Vec::new();
    for age in 0..30 {
        let read = reads(&app.article_read(&token, day + age).await);
        assert!(!read.is_delay);
        for index in 1..=3 {
            totals[index as usize - 1] += readers(&read, &send, index);
        }
        headline.push(readers(&read, &send, 1));
    }
    for age in 30..32 {
        let read = reads(&app.article_read(&token, day + age).await);
        assert!(read.list.is_empty(), "day {age}: {read:?}");
        let share = shares(&app.article_share(&token, day + age).await);
        assert!(share.list.is_empty(), "day {age}: {share:?}");
    }
    let sent = sent_count(&send);
    // The headline: a quarter to a third of those it reached, read most
    // on its day, then fewer, still some a month later.
    assert!(
        totals[0] * 5 >= sent && totals[0] * 5 <= sent * 2,
        "{totals:?} of {sent}"
    );
    assert!(totals[0] > totals[1] && totals[1] > totals[2], "{totals:?}");
    assert_eq!(headline.iter().max(), Some(&headline[0]), "{headline:?}");
    assert!(headline[1] > headline[5], "{headline:?}");
    assert!(headline[20..].iter().all(|&n| n > 0), "{headline:?}");
    let late = reads(&app.article_read(&token, day + 20).await);
    let row = late
        .list
        .iter()
        .find(|r| r.msgid == Some(stat_id(&send, 1)))
        .unwrap();
    let from_history: u64 = row
        .detail
        .read_user_source
        .iter()
        .filter(|s| s.source() != ReadSource::Message)
        .map(|s| s.read_user)
        .sum();
    assert!(
        from_history * 2 > row.detail.read_user,
        "later: history and shares {row:?}"
    );
}

#[tokio::test]
async fn an_account_of_three_followers_still_sees_readers_never_more_than_it_reached() {
    let mut config = test_config();
    config.followers = 3;
    let app = spawn(config).await;
    let token = app.token().await;
    let answer = app
        .post(
            Endpoint::SendAll.path(),
            &token,
            &json!({
                "filter": {"is_to_all": true},
                "mpnews": {"media_id": "sim_draft_weekly_digest_0002"},
                "msgtype": "mpnews",
            }),
        )
        .await;
    let send = app.wait_for_end(msg_id(&answer)).await;
    assert_eq!(sent_count(&send), 3);
    let day = china_day(send.submitted_at);
    let token = app.move_to(day + 31, 9, 0).await;
    let first = reads(&app.article_read(&token, day).await);
    for index in 1..=3 {
        assert!(readers(&first, &send, index) >= 1, "{first:?}");
    }
    let share = shares(&app.article_share(&token, day).await);
    assert!(!share.list.is_empty());
    let mut headline = 0;
    for age in 0..30 {
        headline += readers(&reads(&app.article_read(&token, day + age).await), &send, 1);
    }
    assert!((1..=3).contains(&headline), "{headline}");
}

#[tokio::test]
async fn only_an_article_send_that_succeeded_has_figures() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let path = Endpoint::SendAll.path();
    let text = app
        .post(path, &token, &text_send("文字", Some("dc-text")))
        .await;
    app.wait_for_end(msg_id(&text)).await;
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("fail").unwrap())
        .unwrap();
    let failed = app
        .sent_news(&token, "sim_draft_single_article_0003", "dc-fail")
        .await;
    assert_eq!(failed.status, crate::wechat::api::MassStatus::SendFail);
    app.sim
        .queue_scenario(Endpoint::SendAll, Scenario::parse("err(10001)").unwrap())
        .unwrap();
    let refused = app
        .sent_news(&token, "sim_draft_english_article_0004", "dc-err")
        .await;
    let ok = app
        .sent_news(&token, "123dsdajkasd231jhksad", "dc-ok")
        .await;
    let day = china_day(ok.submitted_at);
    let token = app.move_to(day + 1, 9, 0).await;
    let read = reads(&app.article_read(&token, day).await);
    let data_ids: BTreeSet<_> = read
        .list
        .iter()
        .map(|r| r.msgid.unwrap().msg_data_id)
        .collect();
    assert_eq!(data_ids, [ok.msg_data_id.unwrap()].into(), "{read:?}");
    assert!(failed.msg_data_id.is_some() && refused.msg_data_id.is_some());
    let share = shares(&app.article_share(&token, day).await);
    assert!(
        share
            .list
            .iter()
            .all(|r| Some(r.msgid.unwrap().msg_data_id) == ok.msg_data_id)
    );
}

#[tokio::test]
async fn dates_are_one_finished_day_in_the_form_yyyy_mm_dd() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let today = china_day(app.sim.clock().unix_secs());
    for endpoint in [Endpoint::ArticleRead, Endpoint::ArticleShare] {
        let ask = |begin: String, end: String| {
            let app = &app;
            let token = &token;
            async move { app.datacube(endpoint, token, &begin, &end).await }
        };
        for (begin, end) in [
            ("2026/11/20".to_owned(), "2026/11/20".to_owned()),
            ("2026-11-31".to_owned(), "2026-11-31".to_owned()),
            ("20261120".to_owned(), "20261120".to_owned()),
            ("2026-11-2".to_owned(), "2026-11-2".to_owned()),
            (date(today - 3), String::new()),
        ] {
            let answer = ask(begin.clone(), end.clone()).await;
            assert_eq!(
                errcode(&answer),
                61500,
                "{endpoint} {begin}..{end}: {answer}"
            );
        }
        let missing = app
            .post(
                endpoint.path(),
                &token,
                &json!({"begin_date": date(today - 3)}),
            )
            .await;
        assert_eq!(errcode(&missing), 61500, "{missing}");
        for (begin, end) in [
            (today - 3, today - 2),
            (today - 2, today - 3),
            (today, today),
            (today + 1, today + 1),
            (today - 1, today),
        ] {
            let answer = ask(date(begin), date(end)).await;
            assert_eq!(
                errcode(&answer),
                61501,
                "{endpoint} {begin}..{end}: {answer}"
            );
        }
        // The current endpoints hold nothing before 2025-11-01.
        let old = ask("2025-10-31".to_owned(), "2025-10-31".to_owned()).await;
        assert_eq!(old, empty(0));
        let first = ask("2025-11-01".to_owned(), "2025-11-01".to_owned()).await;
        assert_eq!(first, empty(0));
    }
}

#[tokio::test]
async fn the_token_is_checked_and_a_queued_errcode_answers_once() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let yesterday = china_day(app.sim.clock().unix_secs()) - 1;
    for bad in ["", "not-a-token"] {
        let answer = app.article_read(bad, yesterday).await;
        assert!([41001, 40001].contains(&errcode(&answer)), "{answer}");
    }
    let (status, _) = app
        .control_post(
            "scenario",
            &json!({"scenario": "errcode(45009)", "endpoint": "getarticleread"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(errcode(&app.article_read(&token, yesterday).await), 45009);
    assert_eq!(errcode(&app.article_read(&token, yesterday).await), 0);
    app.sim
        .queue_scenario(
            Endpoint::ArticleShare,
            Scenario::parse("errcode(-1)").unwrap(),
        )
        .unwrap();
    assert_eq!(errcode(&app.article_share(&token, yesterday).await), -1);
    assert_eq!(errcode(&app.article_share(&token, yesterday).await), 0);
    assert_eq!(app.sim.counters().calls_to(Endpoint::ArticleRead), 4);
}

#[tokio::test]
async fn a_delay_keeps_a_day_partial_until_hours_past_08_00() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let send = app
        .sent_news(&token, "123dsdajkasd231jhksad", "dc-delay")
        .await;
    let day = china_day(send.submitted_at);
    let (status, answer) = app
        .control_post("datacube", &json!({"delay_hours": 3}))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["delay_hours"], 3);
    assert_eq!(app.sim.first_account().datacube_control().delay_hours, 3);
    let (_, state) = app.control_get("state").await;
    assert_eq!(state["datacube"], json!({"delay_hours": 3, "denied": null}));
    let token = app.move_to(day + 1, 10, 50).await;
    let partial = app.article_read(&token, day).await;
    assert_eq!(partial["is_delay"], 1, "{partial}");
    let partial = reads(&partial);
    let partial_share = shares(&app.article_share(&token, day).await);
    assert!(partial_share.is_delay);
    let token = app.move_to(day + 1, 11, 10).await;
    let last = reads(&app.article_read(&token, day).await);
    assert!(!last.is_delay);
    assert_eq!(partial.list.len(), last.list.len());
    for (partial, last) in partial.list.iter().zip(&last.list) {
        assert_eq!(partial.msgid, last.msgid);
        assert!(
            partial.detail.read_user > 0 && partial.detail.read_user < last.detail.read_user,
            "{partial:?} then {last:?}"
        );
        let sources: u64 = partial
            .detail
            .read_user_source
            .iter()
            .map(|s| s.read_user)
            .sum();
        assert_eq!(sources, partial.detail.read_user);
    }
    assert!(!shares(&app.article_share(&token, day).await).is_delay);
    // Off again: the next day is final from 08:00.
    let (status, _) = app
        .control_post("datacube", &json!({"delay_hours": 0}))
        .await;
    assert_eq!(status, 200);
    let token = app.move_to(day + 2, 8, 10).await;
    assert!(!reads(&app.article_read(&token, day + 1).await).is_delay);
    // From Rust, and a reset clears it.
    app.sim.set_datacube_delay(48);
    assert!(reads(&app.article_read(&token, day + 1).await).is_delay);
    app.sim.reset();
    assert_eq!(
        app.sim.first_account().datacube_control(),
        DatacubeControl::default()
    );
}

#[tokio::test]
async fn a_denied_account_answers_its_errcode_to_every_statistics_call_until_cleared() {
    let config = test_config().with_account(AccountConfig::new(
        "wx00000000000000d2",
        SecretString::from("second-secret"),
        SecretString::from("secondcallbacktoken"),
    ));
    let app = spawn(config).await;
    let token = app.token().await;
    let yesterday = china_day(app.sim.clock().unix_secs()) - 1;
    let (status, answer) = app
        .control_post("datacube", &json!({"denied": 48001}))
        .await;
    assert_eq!(status, 200, "{answer}");
    for endpoint in [Endpoint::ArticleRead, Endpoint::ArticleShare] {
        for (begin, end) in [
            (date(yesterday), date(yesterday)),
            ("bad".into(), "bad".into()),
        ] {
            let answer = app.datacube(endpoint, &token, &begin, &end).await;
            assert_eq!(errcode(&answer), 48001, "{endpoint}: {answer}");
        }
    }
    app.sim.set_datacube_denied(Some(61007));
    assert_eq!(errcode(&app.article_share(&token, yesterday).await), 61007);
    let (status, _) = app.control_post("datacube", &json!({"denied": null})).await;
    assert_eq!(status, 200);
    assert_eq!(errcode(&app.article_read(&token, yesterday).await), 0);
    // `?appid=` addresses another account, and only it.
    let (status, _) = app
        .control_post(
            "datacube?appid=wx00000000000000d2",
            &json!({"denied": 61007}),
        )
        .await;
    assert_eq!(status, 200);
    let second = app.sim.account("wx00000000000000d2").unwrap();
    assert_eq!(second.datacube_control().denied, Some(61007));
    assert_eq!(app.sim.first_account().datacube_control().denied, None);
    let (status, _) = app
        .control_post("datacube?appid=wxnobody", &json!({"denied": 61007}))
        .await;
    assert_eq!(status, 404);
    for bad in [
        json!({"denied": 0}),
        json!({"denied": "48001"}),
        json!({"delay_hours": -1}),
        json!({"delay": 3}),
        json!({}),
    ] {
        let (status, answer) = app.control_post("datacube", &bad).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(answer["error"].is_string());
    }
}

#[tokio::test]
async fn a_deleted_article_has_no_figures_from_the_day_of_its_deletion() {
    let app = spawn(test_config()).await;
    let token = app.token().await;
    let send = app
        .sent_news(&token, "sim_draft_weekly_digest_0002", "dc-del")
        .await;
    let day = china_day(send.submitted_at);
    let token = app.move_to(day + 2, 12, 0).await;
    let deleted = app
        .post(
            Endpoint::MassDelete.path(),
            &token,
            &json!({"msg_id": send.msg_id.get(), "article_idx": 2}),
        )
        .await;
    assert_eq!(errcode(&deleted), 0, "{deleted}");
    let token = app.move_to(day + 4, 9, 0).await;
    let indexes = |read: &ArticleReadResponse| -> Vec<u32> {
        read.list.iter().map(|r| r.msgid.unwrap().index).collect()
    };
    for age in 0..2 {
        let read = reads(&app.article_read(&token, day + age).await);
        assert_eq!(indexes(&read), [1, 2, 3], "day {age}");
    }
    for age in 2..4 {
        let read = reads(&app.article_read(&token, day + age).await);
        assert_eq!(indexes(&read), [1, 3], "day {age}");
        let share = shares(&app.article_share(&token, day + age).await);
        assert!(share.list.iter().all(|r| r.msgid.unwrap().index != 2));
    }
}
