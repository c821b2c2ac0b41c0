//! The statistics' server functions: a send's figures for its page, read
//! from what the fetcher stored (never from WeChat).

use leptos::prelude::*;

use super::SendFigures;
use crate::error::AppError;

/// The read figures of send `id` of `account`, per article and day, with
/// where they stand (not yet, followed until, no longer followed, denied).
#[server(endpoint = "send_stats")]
pub async fn send_stats(account: String, id: i64) -> Result<SendFigures, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let app = &call.app;
    let mut db = app.db.acquire().await?;
    let account_id = app.account.id;
    let mut send = super::store::send_of_stats(&mut db, account_id, id)
        .await?
        .ok_or(crate::error::Problem::SendNotFound)?;
    // A list send's page shows the list: every call's days summed, over
    // the calls' summed SentCount, in the state History shows its row in.
    let calls = super::store::list_calls(&mut db, account_id, id).await?;
    let mut days = Vec::new();
    if calls.is_empty() {
        days = super::store::days_of_send(&mut db, id).await?;
    } else {
        if let Some(first) = super::store::send_of_stats(&mut db, account_id, calls[0].id).await? {
            send = first;
        }
        send.state = calls
            .iter()
            .find(|c| c.state != "finished")
            .map_or("finished", |c| c.state.as_str())
            .to_owned();
        let known: Vec<i64> = calls.iter().filter_map(|c| c.sent_count).collect();
        send.sent_count = (!known.is_empty()).then(|| known.iter().sum());
        for call in &calls {
            days.extend(super::store::days_of_send(&mut db, call.id).await?);
        }
        days = ssr::merged(days);
    }
    let day0 = send
        .submitted_at
        .as_deref()
        .and_then(crate::sends::schedule::ssr::parse_utc)
        .map(|at| ssr::china_day(at).to_string())
        .unwrap_or_default();
    let fetched = super::store::fetches(&mut db, account_id, &day0).await?;
    let status = super::store::account_status(&mut db, app.account.id).await?;
    let now = app.account.sends.now();
    Ok(ssr::send_stats(
        &send,
        &days,
        &fetched,
        &status,
        &ssr::Context {
            now: &now,
            zone: &app.account.time_zone,
            lang: call.lang,
        },
    ))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use jiff::civil::Date;
    use jiff::tz::TimeZone;
    use jiff::{Timestamp, ToSpan};

    use super::super::store::{AccountStatus, FetchRow, SendOfStats, StoredDay};
    use super::super::{
        ArticleStats, DayFigures, FOLLOW_DAYS, FiguresState, READY_HOUR, SendFigures, Sources,
        denied_words,
    };
    use crate::i18n::Lang;
    use crate::sends::schedule::ssr::{local_text, parse_utc, utc_text};

    /// What the words and days depend on besides the stored rows.
    pub struct Context<'a> {
        /// Now, as the account's clock reads it (stored UTC form).
        pub now: &'a str,
        /// The account's IANA zone, for the "not yet" time.
        pub zone: &'a str,
        pub lang: Lang,
    }

    fn china() -> TimeZone {
        TimeZone::fixed(jiff::tz::offset(8))
    }

    /// The China-time day of a stored UTC time.
    pub fn china_day(at: Timestamp) -> Date {
        china().to_datetime(at).date()
    }

    /// When day `day`'s figures are ready: `READY_HOUR` China time the
    /// next day.
    fn ready_at(day: Date) -> Option<Timestamp> {
        let next = day.tomorrow().ok()?;
        china()
            .to_ambiguous_timestamp(next.at(READY_HOUR, 0, 0, 0))
            .compatible()
            .ok()
    }

    fn no_section() -> SendFigures {
        SendFigures {
            state: FiguresState::NotArticle,
            sent_count: None,
            articles: Vec::new(),
        }
    }

    /// A send's figures as its page shows them (see `SendFigures`).
    pub fn send_stats(
        send: &SendOfStats,
        days: &[StoredDay],
        fetched: &[FetchRow],
        status: &AccountStatus,
        cx: &Context<'_>,
    ) -> SendFigures {
        let article_send = send.msg_type == "mpnews" && send.state == "finished";
        let day0 = send
            .submitted_at
            .as_deref()
            .and_then(parse_utc)
            .map(china_day);
        let (true, Some(day0), Some(_)) = (article_send, day0, send.msg_data_id) else {
            return no_section();
        };
        let mut out = SendFigures {
            state: FiguresState::NotArticle,
            sent_count: send.sent_count,
            articles: Vec::new(),
        };
        if let Some(code) = status.denied_errcode {
            out.state = FiguresState::Denied {
                words: denied_words(code, cx.lang),
            };
            return out;
        }
        let now = parse_utc(cx.now).unwrap_or_else(Timestamp::now);
        let until = day0.checked_add((FOLLOW_DAYS - 1).days()).unwrap_or(day0);
        // The last day's figures come the morning after it.
        let followed = ready_at(until).is_none_or(|ready| now < ready);
        // The days the account's figures were fetched for (a day without
        // a row of this send: nobody read or shared it that day).
        let fetched_day = |endpoint: &str, day: Date| {
            fetched.iter().any(|f| {
                f.endpoint == endpoint
                    && (f.state == "done" || f.state == "delayed")
                    && f.ref_date.parse::<Date>().ok() == Some(day)
            })
        };
        let fetched_dates: Vec<Date> = fetched
            .iter()
            .filter(|f| f.state == "done" || f.state == "delayed")
            .filter_map(|f| f.ref_date.parse::<Date>().ok())
            .filter(|d| *d >= day0 && *d <= until)
            .collect();
        if days.is_empty() && fetched_dates.is_empty() && !send.has_totals {
            if followed {
                let first = ready_at(day0).unwrap_or(now);
                out.state = FiguresState::NotYet {
                    first: local_text(cx.zone, &utc_text(first), cx.lang),
                    due: now >= first,
                };
                return out;
            }
            out.state = FiguresState::Figures {
                until: until.to_string(),
                followed: false,
            };
            return out;
        }
        out.state = FiguresState::Figures {
            until: until.to_string(),
            followed,
        };
        // Every day from the send's to the latest stored or fetched.
        let last = days
            .iter()
            .filter_map(|d| d.ref_date.parse::<Date>().ok())
            .chain(fetched_dates.iter().copied())
            .max()
            .unwrap_or(day0)
            .max(day0);
        let mut dates = Vec::new();
        let mut day = day0;
        while day <= last && dates.len() < FOLLOW_DAYS as usize + 7 {
            dates.push((
                day.to_string(),
                fetched_day("getarticleread", day),
                fetched_day("getarticleshare", day),
            ));
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        let stored_max = days.iter().map(|d| d.article_idx).max().unwrap_or(0);
        let count = u32::try_from(send.titles.len())
            .unwrap_or(8)
            .max(stored_max)
            .clamp(1, 8);
        out.articles = (1..=count)
            .map(|index| {
                let title = send
                    .titles
                    .get(index as usize - 1)
                    .filter(|t| !t.is_empty())
                    .cloned();
                article(index, title, &dates, days, send.sent_count)
            })
            .collect();
        out
    }

    /// A list's calls' stored days as one send's: summed per article and
    /// day (`None` where no call had that figure; delayed if any was).
    pub fn merged(mut days: Vec<StoredDay>) -> Vec<StoredDay> {
        days.sort_by(|a, b| (a.article_idx, &a.ref_date).cmp(&(b.article_idx, &b.ref_date)));
        let mut out: Vec<StoredDay> = Vec::new();
        for d in days {
            match out.last_mut() {
                Some(last) if last.article_idx == d.article_idx && last.ref_date == d.ref_date => {
                    let add = |a: Option<u64>, b: Option<u64>| sum([a, b].into_iter());
                    last.readers = add(last.readers, d.readers);
                    last.reads = add(last.reads, d.reads);
                    last.favourites = add(last.favourites, d.favourites);
                    last.sharers = add(last.sharers, d.sharers);
                    last.sources = match (last.sources, d.sources) {
                        (Some(a), Some(b)) => Some(a.plus(b)),
                        (a, b) => a.or(b),
                    };
                    last.delayed |= d.delayed;
                }
                _ => out.push(d),
            }
        }
        out
    }

    /// Sums what is there: `None` when no value was.
    fn sum(values: impl Iterator<Item = Option<u64>>) -> Option<u64> {
        values.fold(None, |acc, v| match (acc, v) {
            (acc, None) => acc,
            (None, Some(v)) => Some(v),
            (Some(a), Some(v)) => Some(a.saturating_add(v)),
        })
    }

    fn article(
        index: u32,
        title: Option<String>,
        dates: &[(String, bool, bool)],
        stored: &[StoredDay],
        sent_count: Option<i64>,
    ) -> ArticleStats {
        let mine: Vec<&StoredDay> = stored.iter().filter(|d| d.article_idx == index).collect();
        let days: Vec<DayFigures> = dates
            .iter()
            .map(|(date, reads_fetched, shares_fetched)| {
                // A fetched endpoint without this article's figure: 0.
                let zero = |fetched: &bool| fetched.then_some(0);
                match mine.iter().find(|d| &d.ref_date == date) {
                    Some(d) => DayFigures {
                        date: date.clone(),
                        readers: d.readers.or(zero(reads_fetched)),
                        reads: d.reads,
                        favourites: d.favourites,
                        sharers: d.sharers.or(zero(shares_fetched)),
                        delayed: d.delayed,
                    },
                    None => DayFigures {
                        date: date.clone(),
                        readers: zero(reads_fetched),
                        sharers: zero(shares_fetched),
                        ..DayFigures::default()
                    },
                }
            })
            .collect();
        let totals = DayFigures {
            date: String::new(),
            readers: sum(days.iter().map(|d| d.readers)),
            reads: sum(days.iter().map(|d| d.reads)),
            favourites: sum(days.iter().map(|d| d.favourites)),
            sharers: sum(days.iter().map(|d| d.sharers)),
            delayed: days.iter().any(|d| d.delayed),
        };
        let sources = mine
            .iter()
            .filter_map(|d| d.sources)
            .fold(None, |acc: Option<Sources>, s| {
                Some(acc.unwrap_or_default().plus(s))
            });
        let read_rate = match (totals.readers, sent_count) {
            (Some(readers), Some(sent)) if sent > 0 => Some(readers as f64 / sent as f64),
            _ => None,
        };
        ArticleStats {
            index,
            title,
            days,
            totals,
            sources,
            read_rate,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn send() -> SendOfStats {
            SendOfStats {
                msg_type: "mpnews".into(),
                state: "finished".into(),
                sent_count: Some(200),
                // 2026-12-01 14:00 China time.
                submitted_at: Some("2026-12-01T06:00:00.000Z".into()),
                msg_data_id: Some(2_247_483_647),
                titles: vec!["One".into(), "Two".into()],
                has_totals: false,
            }
        }

        fn cx(now: &str) -> Context<'_> {
            Context {
                now,
                zone: "Asia/Shanghai",
                lang: Lang::En,
            }
        }

        fn day(idx: u32, date: &str, readers: u64) -> StoredDay {
            StoredDay {
                article_idx: idx,
                ref_date: date.into(),
                readers: Some(readers),
                ..StoredDay::default()
            }
        }

        #[test]
        fn only_a_finished_article_send_with_its_data_id_has_figures() {
            let now = "2026-12-03T06:00:00.000Z";
            let status = AccountStatus::default();
            for change in [
                |s: &mut SendOfStats| s.msg_type = "text".into(),
                |s: &mut SendOfStats| s.state = "submitted".into(),
                |s: &mut SendOfStats| s.msg_data_id = None,
                |s: &mut SendOfStats| s.submitted_at = None,
            ] {
                let mut s = send();
                change(&mut s);
                let stats = send_stats(&s, &[], &[], &status, &cx(now));
                assert_eq!(stats.state, FiguresState::NotArticle);
            }
        }

        #[test]
        fn the_first_figures_come_at_eight_the_next_morning_china_time() {
            let status = AccountStatus::default();
            let stats = send_stats(&send(), &[], &[], &status, &cx("2026-12-01T20:00:00.000Z"));
            assert_eq!(
                stats.state,
                FiguresState::NotYet {
                    first: "2026-12-02 08:00 (China time / Asia/Shanghai)".into(),
                    due: false
                }
            );
            // In the account's own zone: 08:00 China is 00:00 UTC.
            let utc = Context {
                zone: "UTC",
                ..cx("2026-12-02T00:00:00.000Z")
            };
            match send_stats(&send(), &[], &[], &status, &utc).state {
                FiguresState::NotYet { first, due } => {
                    assert!(first.starts_with("2026-12-02 00:00"), "{first}");
                    assert!(due);
                }
                other => panic!("{other:?}"),
            }
        }

        #[test]
        fn days_are_filled_from_the_send_to_the_latest_and_summed() {
            let mut days = vec![day(1, "2026-12-01", 50), day(1, "2026-12-03", 10)];
            days[0].reads = Some(70);
            days[0].sources = Some(Sources {
                message: 30,
                history: 10,
                shares: 5,
                other: 5,
            });
            days[1].sharers = Some(3);
            days[1].delayed = true;
            let stats = send_stats(
                &send(),
                &days,
                &[],
                &AccountStatus::default(),
                &cx("2026-12-04T06:00:00.000Z"),
            );
            assert_eq!(
                stats.state,
                FiguresState::Figures {
                    until: "2026-12-30".into(),
                    followed: true
                }
            );
            assert_eq!(stats.articles.len(), 2);
            let one = &stats.articles[0];
            assert_eq!(one.title.as_deref(), Some("One"));
            let dates: Vec<&str> = one.days.iter().map(|d| d.date.as_str()).collect();
            assert_eq!(dates, ["2026-12-01", "2026-12-02", "2026-12-03"]);
            assert_eq!(
                one.days[1],
                DayFigures {
                    date: "2026-12-02".into(),
                    ..Default::default()
                }
            );
            assert_eq!(one.totals.readers, Some(60));
            assert_eq!(one.totals.reads, Some(70));
            assert_eq!(one.totals.sharers, Some(3));
            assert_eq!(one.totals.favourites, None);
            assert!(one.days[2].delayed);
            assert_eq!(one.sources.map(|s| s.total()), Some(50));
            assert_eq!(one.read_rate, Some(0.3));
            // The second article has no stored day: every figure None.
            let two = &stats.articles[1];
            assert_eq!(two.days.len(), 3);
            assert_eq!(two.totals.readers, None);
            assert_eq!(two.sources, None);
            assert_eq!(two.read_rate, None);
        }

        #[test]
        fn a_send_is_followed_until_its_thirtieth_day_and_then_no_longer() {
            let days = [day(1, "2026-12-01", 5)];
            let status = AccountStatus::default();
            let at = |now| send_stats(&send(), &days, &[], &status, &cx(now)).state;
            // Day 29 is 2026-12-30; its figures come 2026-12-31 08:00 China.
            assert_eq!(
                at("2026-12-30T23:59:00.000Z"),
                FiguresState::Figures {
                    until: "2026-12-30".into(),
                    followed: true
                }
            );
            assert_eq!(
                at("2026-12-31T00:00:00.000Z"),
                FiguresState::Figures {
                    until: "2026-12-30".into(),
                    followed: false
                }
            );
        }

        fn fetch(endpoint: &str, date: &str, state: &str) -> FetchRow {
            FetchRow {
                endpoint: endpoint.into(),
                ref_date: date.into(),
                state: state.into(),
                attempts: 0,
                next_attempt_at: None,
            }
        }

        #[test]
        fn a_fetched_day_without_a_row_has_no_readers_and_no_sharers() {
            let fetched = [
                fetch("getarticleread", "2026-12-01", "done"),
                fetch("getarticleshare", "2026-12-01", "delayed"),
                fetch("getarticleread", "2026-12-02", "done"),
                // A failed fetch says nothing.
                fetch("getarticleshare", "2026-12-02", "failed"),
                fetch("getarticleread", "2026-12-03", "failed"),
            ];
            let stats = send_stats(
                &send(),
                &[],
                &fetched,
                &AccountStatus::default(),
                &cx("2026-12-04T06:00:00.000Z"),
            );
            assert!(matches!(
                stats.state,
                FiguresState::Figures { followed: true, .. }
            ));
            let one = &stats.articles[0];
            let dates: Vec<&str> = one.days.iter().map(|d| d.date.as_str()).collect();
            assert_eq!(dates, ["2026-12-01", "2026-12-02"]);
            assert_eq!(
                (one.days[0].readers, one.days[0].sharers, one.days[0].reads),
                (Some(0), Some(0), None)
            );
            assert_eq!((one.days[1].readers, one.days[1].sharers), (Some(0), None));
            // Totals kept on the send (History says 0) are figures too.
            let mut totals = send();
            totals.has_totals = true;
            let state = send_stats(
                &totals,
                &[],
                &[],
                &AccountStatus::default(),
                &cx("2026-12-04T06:00:00.000Z"),
            )
            .state;
            assert!(matches!(state, FiguresState::Figures { .. }), "{state:?}");
        }

        #[test]
        fn a_lists_calls_days_are_summed_per_article_and_day() {
            let mut a = day(1, "2026-12-01", 10);
            a.reads = Some(12);
            let mut b = day(1, "2026-12-01", 20);
            b.delayed = true;
            b.sharers = Some(2);
            let merged = merged(vec![day(2, "2026-12-01", 1), b, a, day(1, "2026-12-02", 4)]);
            assert_eq!(merged.len(), 3);
            assert_eq!(merged[0].readers, Some(30));
            assert_eq!(merged[0].reads, Some(12));
            assert_eq!(merged[0].sharers, Some(2));
            assert_eq!(merged[0].favourites, None);
            assert!(merged[0].delayed);
            assert_eq!(
                (merged[1].ref_date.as_str(), merged[1].readers),
                ("2026-12-02", Some(4))
            );
            assert_eq!((merged[2].article_idx, merged[2].readers), (2, Some(1)));
        }

        #[test]
        fn huge_sources_over_days_add_up_without_overflow() {
            let huge = |date: &str| StoredDay {
                sources: Some(Sources {
                    message: u64::MAX - 1,
                    history: 1,
                    shares: 2,
                    other: 3,
                }),
                ..day(1, date, 1)
            };
            let days = [huge("2026-12-01"), huge("2026-12-02")];
            let stats = send_stats(
                &send(),
                &days,
                &[],
                &AccountStatus::default(),
                &cx("2026-12-03T06:00:00.000Z"),
            );
            let sources = stats.articles[0].sources.unwrap();
            assert_eq!(sources.message, u64::MAX);
            assert_eq!((sources.history, sources.shares, sources.other), (2, 4, 6));
        }

        #[test]
        fn a_denied_account_gets_the_words_in_place_of_figures() {
            let status = AccountStatus {
                denied_errcode: Some(48001),
                ..AccountStatus::default()
            };
            let days = [day(1, "2026-12-01", 5)];
            let stats = send_stats(
                &send(),
                &days,
                &[],
                &status,
                &cx("2026-12-03T06:00:00.000Z"),
            );
            match stats.state {
                FiguresState::Denied { words } => assert!(words.contains("48001"), "{words}"),
                other => panic!("{other:?}"),
            }
            assert!(stats.articles.is_empty());
        }
    }
}
