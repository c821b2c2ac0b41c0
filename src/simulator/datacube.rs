//! The statistics endpoints (`datacube/getarticleread`,
//! `datacube/getarticleshare`), as CONTENT.md §6 describes WeChat's.
//!
//! Each call asks for one China-time day (`begin_date` = `end_date`,
//! `YYYY-MM-DD`; a malformed date is 61500, a longer span or a day not over
//! yet 61501) and answers every article of the account read (or shared)
//! that day, keyed `<msg_data_id>_<index>`. A day's figures exist from
//! 08:00 China time the next day; asked earlier, the answer is empty with
//! `is_delay: 1`. Days before 2025-11-01 are empty: the current endpoints
//! hold nothing older.
//!
//! The figures are made up, but the same for the same day every time:
//! every article of an `mpnews` send that ended in success is read on the
//! China day of its send and the 29 days after, by a share of the
//! followers it reached (a quarter to a third for the headline, fewer for
//! each later article), most on its first day, then about half as many
//! each day, with a small tail; a few jitters come from a hash of
//! (msg_data_id, index, day), never from chance at answer time. An
//! article deleted with `mass/delete` has none from the China day of its
//! deletion on.
//!
//! `POST /control/datacube` changes how an account answers
//! ([`DatacubeControl`]): `delay_hours` keeps a day `is_delay: 1`, with
//! about 70 % of its figures, for that many hours past 08:00; `denied`
//! answers an errcode (48001 unverified, 61007 a third-party token without
//! permission set 7) to every statistics call until lifted.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::Simulator;
use super::handlers::{addressed, control_error};
use super::state::{DatacubeControl, Job, Phase, State as SimState, wechat_error};
use crate::wechat::Endpoint;
use crate::wechat::datacube::{
    ArticleRead, ArticleReadResponse, ArticleShare, ArticleShareResponse, ReadDetail, ShareDetail,
    SourceCount, StatMsgId,
};
use crate::wechat::errcode::ApiError;
use crate::wechat::quota::CHINA_OFFSET_SECS;

/// A day's figures exist from this hour (China time) of the next day. The
/// app's `stats::READY_HOUR` says the same; the simulator does not import
/// the app, so it keeps its own.
const READY_HOUR: i64 = 8;
/// China days an article is read for: its send's day and the 29 after.
const READ_DAYS: usize = 30;
/// The first day the current endpoints hold: 2025-11-01, as days since
/// 1970-01-01.
const FIRST_DAY: i64 = 20_393;
/// A delayed day's share of its final figures, in per cent.
const PARTIAL_PERCENT: u64 = 70;
const DAY_SECS: i64 = 86_400;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

pub(crate) async fn article_read(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::ArticleRead, true, |state, _, now| {
        Ok(match asked_day(state, &body, now)? {
            Asked::Ready { day, is_delay } => ArticleReadResponse {
                list: day_figures(state, day, is_delay)
                    .filter(|f| f.read.read_user > 0)
                    .map(|f| ArticleRead {
                        ref_date: f.ref_date,
                        msgid: Some(f.msgid),
                        detail: f.read,
                    })
                    .collect(),
                is_delay,
            },
            Asked::Empty { is_delay } => ArticleReadResponse {
                list: Vec::new(),
                is_delay,
            },
        })
    })
    .await
}

pub(crate) async fn article_share(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.answer(raw, Endpoint::ArticleShare, true, |state, _, now| {
        Ok(match asked_day(state, &body, now)? {
            Asked::Ready { day, is_delay } => ArticleShareResponse {
                list: day_figures(state, day, is_delay)
                    .filter(|f| f.sharers > 0)
                    .map(|f| ArticleShare {
                        ref_date: f.ref_date,
                        msgid: Some(f.msgid),
                        detail: ShareDetail {
                            share_user: f.sharers,
                        },
                    })
                    .collect(),
                is_delay,
            },
            Asked::Empty { is_delay } => ArticleShareResponse {
                list: Vec::new(),
                is_delay,
            },
        })
    })
    .await
}

/// What a valid request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    /// A day with figures (final or not).
    Ready { day: i64, is_delay: bool },
    /// Nothing: not counted yet (`is_delay`), or before the API's data.
    Empty { is_delay: bool },
}

/// The day a call asks for, checked as WeChat checks it: the account's
/// denial first, then 47001 a body that is not a JSON object, 61500 a date
/// that is not `YYYY-MM-DD`, 61501 a span other than one day or a day not
/// over yet in China.
fn asked_day(state: &SimState, body: &[u8], now: Duration) -> Result<Asked, ApiError> {
    let DatacubeControl {
        delay_hours,
        denied,
    } = state.datacube;
    if let Some(code) = denied {
        return Err(wechat_error(code));
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(wechat_error(47001));
    };
    let date = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .and_then(parse_date)
            .ok_or_else(|| wechat_error(61500))
    };
    let (begin, end) = (date("begin_date")?, date("end_date")?);
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if begin != end || end >= china_day(now) {
        return Err(wechat_error(61501));
    }
    if end < FIRST_DAY {
        return Ok(Asked::Empty { is_delay: false });
    }
    let ready = day_start(end + 1) + READY_HOUR * 3600;
    if now < ready {
        return Ok(Asked::Empty { is_delay: true });
    }
    Ok(Asked::Ready {
        day: end,
        is_delay: now < ready + i64::from(delay_hours) * 3600,
    })
}

/// `YYYY-MM-DD` (exactly: four, two and two digits, a real date) as days
/// since 1970-01-01.
fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..].parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    Some(i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn format_date(day: i64) -> String {
    let date = i32::try_from(day + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|julian| time::Date::from_julian_day(julian).ok())
        .unwrap_or(time::Date::MIN);
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The China date of `unix` seconds, as days since 1970-01-01.
fn china_day(unix: i64) -> i64 {
    unix.saturating_add(CHINA_OFFSET_SECS).div_euclid(DAY_SECS)
}

/// When the China day `day` starts, in Unix seconds.
fn day_start(day: i64) -> i64 {
    day * DAY_SECS - CHINA_OFFSET_SECS
}

/// One article's figures on one day.
struct ArticleDay {
    ref_date: String,
    msgid: StatMsgId,
    read: ReadDetail,
    sharers: u64,
}

/// Every article of the account that has figures on `day` (partial ones
/// when the day `is_delay`), by msgid.
fn day_figures(
    state: &SimState,
    day: i64,
    is_delay: bool,
) -> impl Iterator<Item = ArticleDay> + '_ {
    state
        .jobs
        .values()
        .flat_map(move |job| read_articles(job, day))
        .map(move |(msgid, sent, age)| {
            let figures = Figures::of(msgid, sent, age);
            let figures = if is_delay { figures.partial() } else { figures };
            ArticleDay {
                ref_date: format_date(day),
                msgid,
                read: figures.detail(),
                sharers: figures.sharers,
            }
        })
}

/// The articles of `job` read on `day`: its msgid, how many the send
/// reached, and the day's age (0: the send's own day). None unless the
/// job is an article send that ended in success.
fn read_articles(job: &Job, day: i64) -> impl Iterator<Item = (StatMsgId, u64, usize)> + '_ {
    let succeeded = matches!(&job.phase, Phase::Finished(status) if status.is_success());
    let sent = job.result.as_ref().and_then(|r| r.sent_count).unwrap_or(0);
    let first_day = china_day(i64::try_from(job.submitted_at.as_secs()).unwrap_or(i64::MAX));
    let age = usize::try_from(day - first_day)
        .ok()
        .filter(|age| *age < READ_DAYS);
    let data_id = job.msg_data_id.filter(|_| succeeded);
    let articles = u32::try_from(job.article_urls.len()).unwrap_or(u32::MAX);
    data_id
        .zip(age)
        .into_iter()
        .flat_map(move |(msg_data_id, age)| {
            (1..=articles)
                .filter(move |index| {
                    job.deleted.get(index).is_none_or(|deleted_at| {
                        let deleted_at = i64::try_from(deleted_at.as_secs()).unwrap_or(i64::MAX);
                        day < china_day(deleted_at)
                    })
                })
                .map(move |index| (StatMsgId { msg_data_id, index }, sent, age))
        })
}

/// `getarticleread`'s `user_source` codes the simulator gives readers:
/// the message, a friend's share, Moments, the history, other.
const SOURCES: [i64; 5] = [0, 1, 2, 4, 5];

/// One article's figures on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Figures {
    readers: u64,
    reads: u64,
    favourites: u64,
    /// Readers by [`SOURCES`]; they add up to `readers`.
    sources: [u64; 5],
    sharers: u64,
}

impl Figures {
    /// The figures of article `msgid` of a send that reached `sent`
    /// followers, on the day `age` days after the send's day.
    fn of(msgid: StatMsgId, sent: u64, age: usize) -> Figures {
        let key = (msgid.msg_data_id.get(), msgid.index);
        let readers = day_readers(key, sent, age);
        let day = u64::try_from(age).unwrap_or(u64::MAX);
        // Per mille of the day's readers: reads 1.2–1.5 per reader,
        // favourites 1–5 %, sharers 2–7 %.
        let reads = readers + share_of(readers, 200 + jitter(key, 1, day) % 301);
        let favourites = share_of(readers, 10 + jitter(key, 2, day) % 41);
        let mut sharers = share_of(readers, 20 + jitter(key, 3, day) % 51);
        if age == 0 && readers > 0 {
            // A small account still sees someone share on the first day.
            sharers = sharers.max(1);
        }
        Figures {
            readers,
            reads,
            favourites,
            sources: sources(readers, age),
            sharers,
        }
    }

    /// What WeChat has counted while the day is delayed: about
    /// [`PARTIAL_PERCENT`] of each figure, never nothing where the final
    /// figure is something.
    fn partial(self) -> Figures {
        let part = |n: u64| n.saturating_mul(PARTIAL_PERCENT).div_ceil(100);
        let sources = self.sources.map(part);
        let readers = sources.iter().sum();
        Figures {
            readers,
            reads: part(self.reads).max(readers),
            favourites: part(self.favourites),
            sources,
            sharers: part(self.sharers),
        }
    }

    fn detail(&self) -> ReadDetail {
        ReadDetail {
            read_user: self.readers,
            read_count: Some(self.reads),
            add_to_fav_user: Some(self.favourites),
            read_user_source: SOURCES
                .iter()
                .zip(self.sources)
                .filter(|(_, readers)| *readers > 0)
                .map(|(&user_source, read_user)| SourceCount {
                    user_source,
                    read_user,
                })
                .collect(),
        }
    }
}

/// The readers of article `key` (msg_data_id, index) on the day `age`
/// days after its send's day, of `sent` reached: its readers over the 30
/// days are a share of `sent` (25–35 % for the headline, about half of
/// that for each later article; at least 1 when `sent` is not 0), spread
/// over the days by weights that halve each day, down to a small tail.
/// The first day has at least 1 reader.
fn day_readers(key: (u64, u32), sent: u64, age: usize) -> u64 {
    if sent == 0 || age >= READ_DAYS {
        return 0;
    }
    // Per mille of `sent` over the 30 days.
    let mut share = 250 + jitter(key, 0, 0) % 101;
    for _ in 1..key.1 {
        share = share * 55 / 100;
    }
    let total = share_of(sent, share).clamp(1, sent);
    let weights: Vec<u64> = (0u64..)
        .take(READ_DAYS)
        .map(|day| {
            let halving = 1_000_000u64 >> day.min(63);
            (halving + 20_000) * (850 + jitter(key, 4, day) % 301) / 1000
        })
        .collect();
    let all: u64 = weights.iter().sum();
    let until = |days: usize| -> u64 {
        let weight: u64 = weights[..days].iter().sum();
        let readers = u128::from(total) * u128::from(weight) / u128::from(all);
        let readers = u64::try_from(readers).unwrap_or(total);
        // The first day's reader, when the weights would give none.
        if days > 0 { readers.max(1) } else { 0 }
    };
    until(age + 1) - until(age)
}

/// `per_mille` ‰ of `n`, rounded down.
fn share_of(n: u64, per_mille: u64) -> u64 {
    u64::try_from(u128::from(n) * u128::from(per_mille) / 1000).unwrap_or(u64::MAX)
}

/// Where `readers` came from on the day `age` days after the send, by
/// [`SOURCES`]: on its own day mostly the message, later more the
/// history and shares.
fn sources(readers: u64, age: usize) -> [u64; 5] {
    // What is left of the first day's mix, per mille: 60 % of it a day.
    let mut first_day_left = 1000u64;
    for _ in 0..age.min(20) {
        first_day_left = first_day_left * 6 / 10;
    }
    // Per mille on the send's day, then from about a week on.
    let mix = |first: u64, later: u64| later - (later - first) * first_day_left / 1000;
    // Each source's bounds rounded, so a few readers still spread out.
    let mut counted = 0;
    let mut last_bound = 0;
    let [friends, moments, history, other] =
        [mix(80, 180), mix(40, 120), mix(50, 450), mix(30, 150)].map(|per_mille| {
            counted += per_mille;
            let bound = (u128::from(readers) * u128::from(counted) + 500) / 1000;
            let bound = u64::try_from(bound).unwrap_or(readers);
            let these = bound - last_bound;
            last_bound = bound;
            these
        });
    let message = readers - last_bound;
    [message, friends, moments, history, other]
}

/// A number from 0 up, the same for the same article, purpose and day
/// (splitmix64 of them), for the figures' small differences.
fn jitter((msg_data_id, index): (u64, u32), purpose: u64, day: u64) -> u64 {
    let mut x = msg_data_id
        ^ (u64::from(index) << 48)
        ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ day.wrapping_mul(0xD1B5_4A32_D192_ED03);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The body of `POST /control/datacube`: either field or both; a misspelt
/// field is refused rather than ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatacubeRequest {
    #[serde(default)]
    delay_hours: Option<u32>,
    /// Absent: unchanged; `null`: cleared; a code: every call answers it.
    #[serde(default, deserialize_with = "present")]
    denied: Option<Option<i64>>,
}

/// A field that is present, `null` or not, as `Some`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(deserializer).map(Some)
}

/// `POST /control/datacube?appid=`: `{"delay_hours": N}` keeps each day
/// `is_delay: 1`, with partial figures, until N hours past 08:00 the next
/// day (0: off); `{"denied": 48001}` makes every statistics call answer
/// that errcode, `{"denied": null}` lifts it.
pub(crate) async fn control_datacube(
    State(sim): State<Simulator>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let account = match addressed(&sim, raw) {
        Ok(account) => account,
        Err(missing) => return missing.into_response(),
    };
    let request = serde_json::from_slice::<DatacubeRequest>(&body)
        .ok()
        .filter(|r| r.delay_hours.is_some() || r.denied.is_some())
        .filter(|r| r.denied != Some(Some(0)));
    let Some(request) = request else {
        return control_error(
            StatusCode::BAD_REQUEST,
            r#"expected {"delay_hours": 3} (hours past 08:00 the next day a day stays is_delay, 0: off) and/or {"denied": 48001} (an errcode other than 0, or null to lift it)"#,
        );
    };
    if let Some(hours) = request.delay_hours {
        account.set_datacube_delay(hours);
    }
    if let Some(denied) = request.denied {
        account.set_datacube_denied(denied);
    }
    let control = account.datacube_control();
    axum::Json(json!({
        "appid": account.appid(),
        "delay_hours": control.delay_hours,
        "denied": control.denied,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::simulator::FixtureSet;
    use crate::simulator::state::IdSequence;
    use crate::wechat::types::MsgDataId;

    fn msgid(data_id: u64, index: u32) -> StatMsgId {
        StatMsgId {
            msg_data_id: MsgDataId::new(data_id),
            index,
        }
    }

    #[test]
    fn an_articles_readers_over_its_thirty_days_stay_within_those_it_reached() {
        for sent in [1, 2, 3, 5, 10, 36, 1_286, 12_580, 10_000_000] {
            for data_id in [2_247_483_649, 2_247_483_650, 2_247_999_999] {
                let mut totals = Vec::new();
                for index in 1..=8 {
                    let key = (data_id, index);
                    let days: Vec<u64> = (0..READ_DAYS)
                        .map(|age| day_readers(key, sent, age))
                        .collect();
                    let total: u64 = days.iter().sum();
                    assert!(days[0] >= 1, "{sent} {index}: {days:?}");
                    assert!(total <= sent, "{sent} {index}: {days:?}");
                    assert_eq!(
                        days.iter().max(),
                        Some(&days[0]),
                        "{sent} {index}: {days:?}"
                    );
                    assert_eq!(day_readers(key, sent, READ_DAYS), 0);
                    totals.push(total);
                }
                if sent >= 1_000 {
                    let headline = totals[0] * 1000 / sent;
                    assert!((250..=350).contains(&headline), "{sent}: {headline}‰");
                    assert!(totals.windows(2).all(|w| w[0] > w[1]), "{sent}: {totals:?}");
                }
            }
        }
        assert_eq!(day_readers((2_247_483_649, 1), 0, 0), 0);
    }

    #[test]
    fn the_sources_add_up_to_the_readers_and_move_from_the_message_to_the_history() {
        for readers in 0..300 {
            for age in 0..READ_DAYS {
                let sources = sources(readers, age);
                assert_eq!(
                    sources.iter().sum::<u64>(),
                    readers,
                    "{readers} {age}: {sources:?}"
                );
            }
        }
        let [message, .., history, _] = sources(1_000, 0);
        assert!(message >= 750 && history < 100, "{message} {history}");
        let [message, .., history, _] = sources(1_000, 20);
        assert!(history > 400 && message < 150, "{message} {history}");
    }

    #[test]
    fn a_delayed_days_figures_are_fewer_but_never_none_where_the_final_has_some() {
        for sent in [1, 3, 36, 1_286, 12_580] {
            for age in 0..READ_DAYS {
                let last = Figures::of(msgid(2_247_483_700, 1), sent, age);
                let partial = last.partial();
                assert_eq!(partial.sources.iter().sum::<u64>(), partial.readers);
                assert!(partial.readers <= last.readers && partial.reads >= partial.readers);
                assert_eq!(
                    partial.readers > 0,
                    last.readers > 0,
                    "{last:?} {partial:?}"
                );
                assert_eq!(
                    partial.sharers > 0,
                    last.sharers > 0,
                    "{last:?} {partial:?}"
                );
                if last.readers >= 10 {
                    assert!(partial.readers < last.readers, "{last:?} {partial:?}");
                }
                assert!(last.reads >= last.readers && last.favourites < last.readers.max(1));
                assert!(last.sharers <= last.readers);
            }
        }
        // The same article's day is the same every time.
        let key = msgid(2_247_483_701, 2);
        assert_eq!(Figures::of(key, 500, 3), Figures::of(key, 500, 3));
    }

    #[test]
    fn a_date_is_exactly_yyyy_mm_dd() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2025-11-01"), Some(FIRST_DAY));
        assert_eq!(format_date(FIRST_DAY), "2025-11-01");
        assert_eq!(
            parse_date("2028-02-29").map(format_date).as_deref(),
            Some("2028-02-29")
        );
        for bad in [
            "",
            "2025-11-1",
            "2025-1-01",
            "25-11-01",
            "2025/11/01",
            "2025-11-01 ",
            " 2025-11-01",
            "2025-11-31",
            "2026-02-29",
            "2025-13-01",
            "2025-00-10",
            "20251101",
            "２０２５-11-01",
            "+025-11-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        // 16:00 UTC is midnight in China.
        let midnight = day_start(FIRST_DAY);
        assert_eq!(china_day(midnight), FIRST_DAY);
        assert_eq!(china_day(midnight - 1), FIRST_DAY - 1);
        assert_eq!(midnight.rem_euclid(DAY_SECS), 16 * 3600);
    }

    #[test]
    fn days_before_the_apis_first_are_empty_and_final() {
        let now = Duration::from_secs(1_796_140_799);
        let state = SimState::new(
            now,
            FixtureSet::Demo,
            FixtureSet::Demo.followers(),
            "oSIM".to_owned(),
            Arc::new(IdSequence::new()),
        );
        let ask = |date: &str| {
            let body = json!({"begin_date": date, "end_date": date}).to_string();
            asked_day(&state, body.as_bytes(), now).unwrap()
        };
        assert_eq!(ask("2025-10-31"), Asked::Empty { is_delay: false });
        assert_eq!(
            ask("2025-11-01"),
            Asked::Ready {
                day: FIRST_DAY,
                is_delay: false
            }
        );
    }
}
