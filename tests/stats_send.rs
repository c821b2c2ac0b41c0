//! A send's read figures on its page (`send_stats`) and History's "reads"
//! column and its sort: figures stored with `stats::store` on a send the
//! simulator finished, or on rows written directly, read back through the
//! server functions and the pages as a browser without JavaScript gets
//! them.

use crate::common;

use std::time::Duration;

use common::{TestApp, form, post, send, signed_in};
use qunfa::error::{AppError, Problem};
use qunfa::sends::SendState;
use qunfa::sends::history::HistoryPage;
use qunfa::stats::store::{ReadFigures, put_fetch, put_reads, put_shares, refresh_totals};
use qunfa::stats::{FiguresState, SendFigures, Sources};
use reqwest::Client;

/// A two-article send (the simulator's fixture draft) to the end.
async fn finished_article_send(app: &TestApp, client: &Client, id: &str) -> i64 {
    let sent = send(
        app,
        client,
        &form(
            id,
            "mpnews",
            &[("mpnews_media_id", "123dsdajkasd231jhksad")],
        ),
    )
    .await;
    for _ in 0..100 {
        if common::send_detail(app, client, sent.id).await.row.state == SendState::Finished {
            return sent.id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("send {} did not finish", sent.id);
}

async fn stats(app: &TestApp, client: &Client, id: i64) -> SendFigures {
    let response = app
        .call(client, "send_stats", &[("id", &id.to_string())])
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// The China-time day of the send's submission, `plus` days on.
async fn china_day(app: &TestApp, id: i64, plus: i64) -> String {
    sqlx::query_scalar(
        "SELECT date(submitted_at, '+8 hours', ? || ' days') FROM sends WHERE id = ?",
    )
    .bind(plus.to_string())
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

async fn page(app: &TestApp, client: &Client, path: &str, lang: &str) -> String {
    let response = client
        .get(app.url(path))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_sends_figures_by_article_and_day_with_totals_rate_and_sources() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = finished_article_send(&app, &client, "qf-st-figures").await;
    let sent_count = common::send_detail(&app, &client, id)
        .await
        .row
        .sent_count
        .unwrap();

    // Before the first figures: when they come, in the account's zone.
    let before = stats(&app, &client, id).await;
    let day1 = china_day(&app, id, 1).await;
    match &before.state {
        FiguresState::NotYet { first, due } => {
            assert!(first.starts_with(&format!("{day1} 08:00")), "{first}");
            assert!(!due, "{first}");
        }
        other => panic!("{other:?}"),
    }
    assert!(before.articles.is_empty());

    let (day0, day1) = (china_day(&app, id, 0).await, day1);
    let now = app.sends().now();
    let mut db = app.state.db.acquire().await.unwrap();
    let first_day = ReadFigures {
        readers: 40,
        reads: Some(55),
        favourites: Some(2),
        sources: Some(Sources {
            message: 25,
            history: 5,
            shares: 8,
            other: 2,
        }),
    };
    put_reads(&mut db, id, 1, &day0, &first_day, false, &now)
        .await
        .unwrap();
    put_shares(&mut db, id, 1, &day0, 3, false, &now)
        .await
        .unwrap();
    // A day without reads, favourites or sources, not final yet.
    let second_day = ReadFigures {
        readers: 10,
        ..ReadFigures::default()
    };
    put_reads(&mut db, id, 1, &day1, &second_day, true, &now)
        .await
        .unwrap();
    put_reads(&mut db, id, 2, &day1, &second_day, false, &now)
        .await
        .unwrap();
    refresh_totals(&mut db, id, &now).await.unwrap();
    drop(db);

    let s = stats(&app, &client, id).await;
    let until = china_day(&app, id, 29).await;
    assert_eq!(
        s.state,
        FiguresState::Figures {
            until,
            followed: true
        }
    );
    assert_eq!(s.sent_count, Some(sent_count));
    assert_eq!(s.articles.len(), 2);
    let one = &s.articles[0];
    assert_eq!(one.index, 1);
    assert!(one.title.is_some());
    let dates: Vec<&str> = one.days.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(dates, [day0.as_str(), day1.as_str()]);
    assert_eq!(one.days[0].readers, Some(40));
    assert_eq!(one.days[0].reads, Some(55));
    assert_eq!(one.days[0].sharers, Some(3));
    assert!(!one.days[0].delayed);
    // What WeChat did not give stays None, never 0.
    assert_eq!(one.days[1].reads, None);
    assert_eq!(one.days[1].favourites, None);
    assert_eq!(one.days[1].sharers, None);
    assert!(one.days[1].delayed);
    assert_eq!(one.totals.readers, Some(50));
    assert_eq!(one.totals.reads, Some(55));
    assert_eq!(one.totals.favourites, Some(2));
    assert_eq!(one.totals.sharers, Some(3));
    assert_eq!(one.sources, first_day.sources);
    let rate = one.read_rate.unwrap();
    assert!((rate - 50.0 / sent_count as f64).abs() < 1e-9, "{rate}");
    // The second article: read on the second day only, no sources.
    let two = &s.articles[1];
    assert_eq!(two.days[0].readers, None);
    assert_eq!(two.days[1].readers, Some(10));
    assert_eq!(two.totals.reads, None);
    assert_eq!(two.sources, None);

    // The page without JavaScript: the chart as one image with its
    // summary, and the same numbers in a table, in both languages.
    let en = page(&app, &client, &format!("/a/main/sends/{id}"), "en").await;
    assert!(en.contains("id=\"reads-title\">Reads<"), "{en}");
    assert!(
        en.contains("role=\"img\" aria-label=\"Readers, reads, sharers and favourites per day")
    );
    assert!(en.contains("<table class=\"reads-table\"><caption>"));
    assert!(en.contains("figures per day<!></caption>"));
    assert!(en.contains("Read rate: "));
    assert!(en.contains("The message itself"));
    let zh = page(&app, &client, &format!("/a/main/sends/{id}"), "zh-CN").await;
    assert!(zh.contains("id=\"reads-title\">阅读数据<"));
    assert!(zh.contains("每日阅读数据<!></caption>"));
    assert!(zh.contains("阅读率："));

    // History's column: the send's readers over its articles and days.
    let history = post(&app, &client, "list_sends", &[]).await;
    let history: HistoryPage = history.json().await.unwrap();
    let row = history.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.reads, Some(60));
}

#[tokio::test]
async fn a_send_of_no_articles_has_no_section_and_a_denied_account_the_words() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let text = send(
        &app,
        &client,
        &form("qf-st-text", "text", &[("text_content", "hello")]),
    )
    .await;
    assert_eq!(
        stats(&app, &client, text.id).await.state,
        FiguresState::NotArticle
    );
    // No such send.
    let missing = app.call(&client, "send_stats", &[("id", "999999")]).await;
    let error: AppError = missing.json().await.unwrap();
    assert_eq!(error, AppError::Rejected(Problem::SendNotFound));

    let id = finished_article_send(&app, &client, "qf-st-denied").await;
    sqlx::query(
        "INSERT INTO stats_accounts (account_id, denied_errcode, denied_at)
         VALUES (1, 48001, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let s = stats(&app, &client, id).await;
    match &s.state {
        FiguresState::Denied { words } => assert!(words.contains("48001"), "{words}"),
        other => panic!("{other:?}"),
    }
    assert!(s.articles.is_empty());
    let en = page(&app, &client, &format!("/a/main/sends/{id}"), "en").await;
    assert!(en.contains("(48001)"), "{en}");
    assert!(!en.contains("reads-table"));
}

/// Writes `n` finished article sends with the given `read_users` (each a
/// summary that says so), and returns their ids.
async fn sends_with_reads(
    app: &TestApp,
    name: &str,
    reads: &[Option<i64>],
    msg_type: &str,
) -> Vec<i64> {
    let mut ids = Vec::new();
    for (n, r) in reads.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sends (clientmsgid, user_id, msg_type, tag_id, audience, summary,
                                request, state, read_users)
             VALUES (?, 1, ?, 100, 'VIP会员', ?, '{}', 'finished', ?) RETURNING id",
        )
        .bind(format!("qf-st-{name}-{n}"))
        .bind(msg_type)
        .bind(format!("{msg_type} reads {r:?}"))
        .bind(r)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn history_sorts_by_reads_most_first_and_pages_through_them() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    // 120 article sends with figures, many with the same count; 10
    // without; 5 of another type.
    let reads: Vec<Option<i64>> = (0..120).map(|n| Some((n * 7 % 40) as i64)).collect();
    let with = sends_with_reads(&app, "read", &reads, "mpnews").await;
    let without = sends_with_reads(&app, "unread", &[None; 10], "mpnews").await;
    sends_with_reads(&app, "text", &[None; 5], "text").await;

    let list = |filter: Vec<(&'static str, String)>| {
        let app = &app;
        let client = &client;
        async move {
            let form: Vec<(String, String)> = filter
                .into_iter()
                .map(|(k, v)| (format!("filter[{k}]"), v))
                .collect();
            let response = post(app, client, "list_sends", &form).await;
            assert!(response.status().is_success());
            response.json::<HistoryPage>().await.unwrap()
        }
    };
    // Newest first by default; the column on each row.
    let newest = list(vec![]).await;
    assert!(newest.rows.windows(2).all(|w| w[0].id > w[1].id));
    let first_text = newest.rows.iter().find(|r| r.msg_type == "text").unwrap();
    assert_eq!(first_text.reads, None);

    // Sorted by reads: every send with figures once, most read first,
    // newest first among equals, page by page; none without.
    let mut seen = Vec::new();
    let mut before = String::new();
    let mut pages = 0;
    loop {
        let mut filter = vec![("sort", "reads".to_owned())];
        if !before.is_empty() {
            filter.push(("before", before.clone()));
        }
        let page = list(filter).await;
        pages += 1;
        seen.extend(page.rows.iter().map(|r| (r.reads.unwrap(), r.id)));
        match page.older {
            Some(next) => before = next,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected: Vec<(i64, i64)> = with
        .iter()
        .zip(&reads)
        .map(|(id, r)| (r.unwrap(), *id))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, expected);
    assert!(seen.iter().all(|(_, id)| !without.contains(id)));

    // Sends without figures are left out, on the first page too.
    let unread = list(vec![("q", "None".into())]).await;
    assert_eq!(unread.rows.len(), 15);
    let unread = list(vec![("sort", "reads".into()), ("q", "None".into())]).await;
    assert!(unread.rows.is_empty(), "{:?}", unread.rows);

    // The other filters are kept: the words of the summary.
    let some = list(vec![("sort", "reads".into()), ("q", "Some(39)".into())]).await;
    assert_eq!(some.rows.len(), 3, "{:?}", some.rows);
    assert!(some.rows.iter().all(|r| r.reads == Some(39)));
    assert!(some.rows.windows(2).all(|w| w[0].id > w[1].id));

    // Without JavaScript: the header's link sorts, the sorted page links
    // back, and its "fewer reads" page follows on.
    for (lang, column, more) in [
        ("en", "Readers", "Fewer readers"),
        ("zh-CN", "阅读人数", "更少"),
    ] {
        let plain = page(&app, &client, "/a/main/sends", lang).await;
        assert!(
            plain.contains("href=\"/a/main/sends?sort=reads\" title="),
            "{plain}"
        );
        assert!(plain.contains(&format!(">{column}<!></a>")), "{plain}");
        let sorted = page(&app, &client, "/a/main/sends?sort=reads", lang).await;
        assert!(sorted.contains("aria-sort=\"descending\""));
        assert!(sorted.contains(&format!(">{more}<!></a>")), "{sorted}");
        // The filter form keeps the order.
        assert!(sorted.contains("name=\"sort\" value=\"reads\""));
        let top = &expected[0];
        let first_row = sorted.find("data-send=").unwrap();
        assert!(
            sorted[first_row..].starts_with(&format!("data-send=\"{}\"", top.1)),
            "{}",
            &sorted[first_row..first_row + 40]
        );
    }
}

/// A finished article send taken two days before the clock's now, with
/// `sent` followers reached: part `part` of list group `group`, or a send
/// to all without a group.
async fn list_call(app: &TestApp, group: Option<i64>, part: i64, sent: i64) -> i64 {
    let at: String = sqlx::query_scalar("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?, '-2 days')")
        .bind(app.sends().now())
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    sqlx::query_scalar(
        "INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, audience, summary,
             request, state, msg_id, msg_data_id, submitted_at, released_at, sent_count,
             total_count, error_count, finished_at, endpoint, group_id, group_part)
         VALUES (?2, 1, 1, 'mpnews', 'a list of followers', 'a list', '{}', 'finished', ?3, ?4,
                 ?5, ?5, ?6, ?6, 0, ?5, CASE WHEN ?1 IS NULL THEN 'sendall' ELSE 'send' END, ?1,
                 CASE WHEN ?1 IS NULL THEN NULL ELSE ?7 END)
         RETURNING id",
    )
    .bind(group)
    .bind(format!("qf-st-list-{group:?}-{part}"))
    .bind(700 + part + i64::from(group.is_none()) * 10)
    .bind(900 + part + i64::from(group.is_none()) * 10)
    .bind(&at)
    .bind(sent)
    .bind(part)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_list_sends_figures_are_its_calls_summed_in_history_on_its_page_and_in_the_overview() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO send_groups (kind, user_id, summary) VALUES ('openid_list', 1, 'list')
         RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let mut calls = Vec::new();
    for (part, sent) in [(1, 100), (2, 200), (3, 300)] {
        calls.push(list_call(&app, Some(group), part, sent).await);
    }
    // A send to all with more readers than any call, fewer than the list.
    let single = list_call(&app, None, 1, 100).await;
    let (day0, day1) = (
        china_day(&app, calls[0], 0).await,
        china_day(&app, calls[0], 1).await,
    );
    let now = app.sends().now();
    let mut db = app.state.db.acquire().await.unwrap();
    let readers = |readers: u64, reads: u64| ReadFigures {
        readers,
        reads: Some(reads),
        ..ReadFigures::default()
    };
    // Each call its own msg_data_id, so its own days.
    put_reads(&mut db, calls[0], 1, &day0, &readers(10, 12), false, &now)
        .await
        .unwrap();
    put_reads(&mut db, calls[1], 1, &day0, &readers(20, 25), false, &now)
        .await
        .unwrap();
    put_reads(&mut db, calls[1], 2, &day1, &readers(5, 5), true, &now)
        .await
        .unwrap();
    put_reads(&mut db, calls[2], 1, &day0, &readers(30, 31), false, &now)
        .await
        .unwrap();
    put_shares(&mut db, calls[2], 1, &day1, 4, false, &now)
        .await
        .unwrap();
    put_reads(&mut db, single, 1, &day0, &readers(50, 50), false, &now)
        .await
        .unwrap();
    // The fetcher refreshes every send that follows a stored day.
    for id in calls.iter().chain([&single]) {
        refresh_totals(&mut db, *id, &now).await.unwrap();
    }
    drop(db);

    // History: the list's row reads the sum, and sorts by it.
    let by_reads = post(
        &app,
        &client,
        "list_sends",
        &[("filter[sort]".to_owned(), "reads".to_owned())],
    )
    .await;
    let by_reads: HistoryPage = by_reads.json().await.unwrap();
    let order: Vec<(i64, Option<i64>)> = by_reads.rows.iter().map(|r| (r.id, r.reads)).collect();
    assert_eq!(order, [(calls[0], Some(65)), (single, Some(50))]);

    // Its page, opened with any call: the calls' days summed per article
    // and day, over the calls' summed SentCount.
    for id in &calls {
        let s = stats(&app, &client, *id).await;
        assert!(
            matches!(s.state, FiguresState::Figures { followed: true, .. }),
            "{:?}",
            s.state
        );
        assert_eq!(s.sent_count, Some(600));
        assert_eq!(s.articles.len(), 2);
        let one = &s.articles[0];
        assert_eq!(one.days[0].readers, Some(60));
        assert_eq!(one.days[0].reads, Some(68));
        assert_eq!(one.days[1].sharers, Some(4));
        assert_eq!(one.totals.readers, Some(60));
        assert_eq!(one.totals.sharers, Some(4));
        assert_eq!(one.read_rate, Some(0.1));
        let two = &s.articles[1];
        assert_eq!(two.totals.readers, Some(5));
        assert!(two.days[1].delayed);
    }

    // The overview: the list once, linked by its first call, at the same rate.
    let overview: qunfa::stats::overview::AccountOverview = app
        .call(
            &client,
            "account_stats",
            &[("account", "main"), ("days", "30")],
        )
        .await
        .json()
        .await
        .unwrap();
    let list = overview.ranked.iter().find(|r| r.id == calls[0]).unwrap();
    assert_eq!((list.sent, list.readers), (600, 60));
    assert_eq!(overview.article_sends, 2);
    assert_eq!(overview.with_figures(), 2);
}

#[tokio::test]
async fn a_fetched_day_without_a_row_is_nobody_read_it_not_no_figures() {
    let app = TestApp::spawn().await;
    let client = signed_in(&app).await;
    let id = finished_article_send(&app, &client, "qf-st-unread").await;
    let (day0, day1) = (china_day(&app, id, 0).await, china_day(&app, id, 1).await);
    let now = app.sends().now();
    let mut db = app.state.db.acquire().await.unwrap();
    // Day 0 fetched from both endpoints, day 1 only for reads (its
    // shares not asked yet): WeChat listed no article of this send.
    for (endpoint, day, state) in [
        ("getarticleread", &day0, "done"),
        ("getarticleshare", &day0, "done"),
        ("getarticleread", &day1, "delayed"),
    ] {
        put_fetch(&mut db, 1, endpoint, day, state, 0, None, None, &now)
            .await
            .unwrap();
    }
    drop(db);
    let s = stats(&app, &client, id).await;
    assert!(
        matches!(s.state, FiguresState::Figures { followed: true, .. }),
        "{:?}",
        s.state
    );
    let one = &s.articles[0];
    let dates: Vec<&str> = one.days.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(dates, [day0.as_str(), day1.as_str()]);
    assert_eq!(one.days[0].readers, Some(0));
    assert_eq!(one.days[0].sharers, Some(0));
    assert_eq!(one.days[0].reads, None, "never given: shown as —");
    assert_eq!(one.days[0].favourites, None);
    assert_eq!(one.days[1].readers, Some(0));
    assert_eq!(one.days[1].sharers, None);
    assert_eq!(one.totals.readers, Some(0));
    assert_eq!(one.read_rate, Some(0.0));
    let en = page(&app, &client, &format!("/a/main/sends/{id}"), "en").await;
    assert!(en.contains("reads-table"), "{en}");
    assert!(!en.contains("No figures yet"), "{en}");
}
