//! The statistics fetcher: one task per account at work, beside its send
//! worker, asking WeChat's `datacube` for the account's article figures
//! and storing them (`stats::store`).
//!
//! Each round it works out the China-time days its article sends want
//! (each send's day and the `FOLLOW_DAYS - 1` after it, each once it is
//! past `READY_HOUR` the next day, none older than `FOLLOW_DAYS + 1` days:
//! a round reads a bounded window, however long the history), and asks
//! `getarticleread` and `getarticleshare` once for each day not yet done,
//! newest first (yesterday before the backlog): one call per endpoint and
//! day for every article of the account, however many sends there are,
//! and never more than `QUNFA_STATS_DAILY_CALLS` a China day. A failure
//! about the day (a date refused, an unreadable answer) is charged to the
//! day, which is given up after a few; any other (no token, WeChat
//! unreachable, HTTP 5xx, other errcodes) pauses the whole account, longer
//! each time, and charges no day. Its own task, so a slow or failing
//! datacube never holds up a send.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use jiff::{SignedDuration, Span, Timestamp, civil::Date, tz::Offset};
use sqlx::SqlitePool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{FOLLOW_DAYS, READY_HOUR, Sources, store};
use crate::{
    clock::Clock,
    wechat::{
        client::{CallError, WechatClient},
        datacube::{ArticleReadResponse, ArticleShareResponse, DayRequest, ReadDetail, ReadSource},
        errcode::ErrCode,
    },
};

/// How often the fetcher looks for days to ask when nobody wakes it. Days
/// become askable once a day; the minute is for retries and for a send
/// whose day has already passed.
pub const FETCH_EVERY: Duration = Duration::from_secs(60);

/// The first day the current datacube endpoints hold figures for.
pub const FIRST_DAY: Date = jiff::civil::date(2025, 11, 1);

/// China time: UTC+8 all year.
const CHINA: Offset = Offset::constant(8);

/// A day WeChat says is not final (`is_delay`) is asked again after this.
const DELAYED_AGAIN_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// A day still not final this long after it became askable is kept as
/// stored: WeChat's late corrections are small, and asking on would cost
/// a call an hour for ever.
const DELAYED_AT_MOST: SignedDuration = SignedDuration::from_hours(3 * 24);

/// After 48001 or 61007, the account is asked again after this long.
const DENIED_RETRY_AFTER: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The waits after the 1st, 2nd, … call for a day that failed because of
/// the day itself (an answer qunfa cannot read); after the last one's
/// call fails too (5 calls in all), the day is given up. A date WeChat
/// refuses (61500, 61501) is asked once more, then given up.
const FAILURE_WAITS: [SignedDuration; 4] = [
    SignedDuration::from_hours(1),
    SignedDuration::from_hours(3),
    SignedDuration::from_hours(12),
    SignedDuration::from_hours(24),
];

/// The pauses of the whole account after the 1st, 2nd, … account-wide
/// failure in a row (no access token, WeChat unreachable or busy, an
/// errcode not about the day): the last one repeats until WeChat answers.
/// No day is charged with these, so an outage loses no figures.
const OUTAGE_PAUSES: [SignedDuration; 4] = [
    SignedDuration::from_mins(10),
    SignedDuration::from_hours(1),
    SignedDuration::from_hours(3),
    SignedDuration::from_hours(6),
];

/// Which of the two datacube endpoints, as `stats_fetches.endpoint` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figures {
    /// `getarticleread`: readers, reads, favourites and sources.
    Reads,
    /// `getarticleshare`: sharers.
    Shares,
}

impl Figures {
    pub const BOTH: [Figures; 2] = [Figures::Reads, Figures::Shares];

    pub fn endpoint(self) -> &'static str {
        match self {
            Figures::Reads => "getarticleread",
            Figures::Shares => "getarticleshare",
        }
    }

    fn from_endpoint(name: &str) -> Option<Figures> {
        Figures::BOTH.into_iter().find(|f| f.endpoint() == name)
    }
}

/// Wakes an account's fetcher and counts its rounds: tests move the
/// simulator's clock, wake it and wait for a round instead of a minute.
#[derive(Clone, Default)]
pub struct FetchHandle {
    inner: Arc<HandleInner>,
}

#[derive(Default)]
struct HandleInner {
    wake: Notify,
    rounds: AtomicU64,
}

impl FetchHandle {
    /// Asks the fetcher to look now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Rounds finished since the fetcher started.
    pub fn rounds(&self) -> u64 {
        self.inner.rounds.load(Ordering::SeqCst)
    }
}

/// Fetches account `account`'s figures until `stop` is cancelled: at once,
/// then every [`FETCH_EVERY`] or when woken. `clock` is the one the send
/// worker and the built-in simulator read, so moving WeChat's time moves
/// this too; `daily_calls` is `QUNFA_STATS_DAILY_CALLS`.
pub async fn fetcher(
    db: SqlitePool,
    account: i64,
    wechat: WechatClient,
    clock: Clock,
    daily_calls: u32,
    handle: FetchHandle,
    stop: CancellationToken,
) {
    loop {
        if stop.is_cancelled() || db.is_closed() {
            return;
        }
        if let Err(error) = round(&db, account, &wechat, &clock, daily_calls, &stop).await {
            tracing::error!(account, error = %error, "the statistics fetcher could not read or store figures");
        }
        handle.inner.rounds.fetch_add(1, Ordering::SeqCst);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = handle.inner.wake.notified() => {}
            _ = tokio::time::sleep(FETCH_EVERY) => {}
        }
    }
}

/// One round: every due day asked, newest first, while the day's budget
/// lasts; a pause (45009), a denial (48001, 61007) or a failure ends it.
async fn round(
    db: &SqlitePool,
    account: i64,
    wechat: &WechatClient,
    clock: &Clock,
    daily_calls: u32,
    stop: &CancellationToken,
) -> sqlx::Result<()> {
    let now = clock_now(clock);
    let now_text = stamp(now);
    let today = china_date(now).to_string();
    let (gate, wanted, fetched) = {
        let mut conn = db.acquire().await?;
        let gate = store::fetch_gate(&mut conn, account).await?;
        if !gate_open(&gate, &now_text, &today, daily_calls) {
            return Ok(());
        }
        // Only days from `oldest` on are still asked, so only sends that
        // follow one of them are read: a round's cost does not grow with
        // the account's history.
        let oldest = oldest_asked_day(china_date(now));
        let since = stamp(china_midnight(
            first_send_day().max(first_follower_of(oldest)),
        ));
        let send_days: Vec<Date> = store::send_days(&mut conn, account, &since)
            .await?
            .iter()
            .filter_map(|day| day.parse().ok())
            .collect();
        let mut wanted = wanted_days(&send_days, now);
        wanted.retain(|day| *day >= oldest);
        let Some(first) = wanted.first() else {
            return Ok(());
        };
        let fetched: HashMap<(Figures, Date), store::FetchRow> =
            store::fetches(&mut conn, account, &first.to_string())
                .await?
                .into_iter()
                .filter_map(|row| {
                    let figures = Figures::from_endpoint(&row.endpoint)?;
                    let day = row.ref_date.parse().ok()?;
                    Some(((figures, day), row))
                })
                .collect();
        (gate, wanted, fetched)
    };
    let mut denied = gate.denied_errcode;
    // No connection is held while WeChat answers.
    for (day, figures) in due(&wanted, &fetched, &now_text) {
        if stop.is_cancelled()
            || !store::take_call(&mut *db.acquire().await?, account, &today, daily_calls).await?
        {
            break;
        }
        let request = DayRequest::day(&day.to_string());
        let call = async {
            match figures {
                Figures::Reads => wechat.article_read(&request).await.map(Answer::Reads),
                Figures::Shares => wechat.article_share(&request).await.map(Answer::Shares),
            }
        };
        // Shutdown or a restart of the account does not wait for WeChat;
        // the day is asked again by the next fetcher.
        let answer = tokio::select! {
            _ = stop.cancelled() => break,
            answer = call => answer,
        };
        let now = clock_now(clock);
        let now_text = stamp(now);
        let mut conn = db.acquire().await?;
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                if matches!(error, CallError::Token(_)) {
                    // The datacube was not called: it cost no quota.
                    store::give_back_call(&mut conn, account, &today).await?;
                }
                let attempts = fetched.get(&(figures, day)).map_or(0, failed_before) + 1;
                refused(
                    &mut conn, account, figures, day, attempts, &error, now, denied,
                )
                .await?;
                break;
            }
        };
        let state = if answer.is_delay() && now < askable_from(day) + DELAYED_AT_MOST {
            "delayed"
        } else {
            // Final, or still delayed 3 days after the day became
            // askable: what is stored is kept, and the day is not asked
            // again.
            "done"
        };
        let next = (state == "delayed").then(|| stamp(now + DELAYED_AGAIN_AFTER));
        store_answer(
            &mut conn,
            account,
            day,
            &answer,
            state,
            next.as_deref(),
            &now_text,
        )
        .await?;
        if denied.take().is_some() {
            store::clear_denial(&mut conn, account).await?;
            tracing::info!(account, "WeChat gives this account its statistics again");
        }
    }
    Ok(())
}

/// WeChat's answer for one day.
enum Answer {
    Reads(ArticleReadResponse),
    Shares(ArticleShareResponse),
}

impl Answer {
    fn is_delay(&self) -> bool {
        match self {
            Answer::Reads(answer) => answer.is_delay,
            Answer::Shares(answer) => answer.is_delay,
        }
    }

    fn figures(&self) -> Figures {
        match self {
            Answer::Reads(_) => Figures::Reads,
            Answer::Shares(_) => Figures::Shares,
        }
    }
}

/// Stores one day's answer in one transaction: each article of a send
/// that follows the day (other msgids, e.g. sent from WeChat's own
/// console, are not qunfa's), the totals of the sends it touched, and
/// what became of the day.
async fn store_answer(
    db: &mut sqlx::SqliteConnection,
    account: i64,
    day: Date,
    answer: &Answer,
    state: &str,
    next_attempt_at: Option<&str>,
    now: &str,
) -> sqlx::Result<()> {
    let day_text = day.to_string();
    let delayed = answer.is_delay();
    // Written at once: it reads (`followed_send`) before it writes, and a
    // deferred transaction's upgrade fails in WAL when another writer
    // came between.
    let mut tx = sqlx::Connection::begin_with(db, "BEGIN IMMEDIATE").await?;
    let mut touched = BTreeSet::new();
    let articles: Vec<_> = match answer {
        Answer::Reads(answer) => answer
            .list
            .iter()
            .map(|row| (row.msgid, Some(&row.detail), 0))
            .collect(),
        Answer::Shares(answer) => answer
            .list
            .iter()
            .map(|row| (row.msgid, None, row.detail.share_user))
            .collect(),
    };
    let odd = articles
        .iter()
        .filter(|(msgid, ..)| msgid.is_none())
        .count();
    if odd > 0 {
        tracing::warn!(account, day = %day_text, endpoint = answer.figures().endpoint(), rows = odd, "WeChat's statistics had rows without a readable msgid; they were skipped");
    }
    for (msgid, read, sharers) in articles {
        // WeChat's messages hold at most 8 articles (`article_days`' CHECK).
        let Some(msgid) = msgid.filter(|msgid| msgid.index <= 8) else {
            continue;
        };
        let Some(send) =
            store::followed_send(&mut tx, account, msgid.msg_data_id.get(), &day_text).await?
        else {
            continue;
        };
        match read {
            Some(detail) => {
                let figures = read_figures(detail);
                store::put_reads(
                    &mut tx,
                    send,
                    msgid.index,
                    &day_text,
                    &figures,
                    delayed,
                    now,
                )
                .await?
            }
            None => {
                store::put_shares(&mut tx, send, msgid.index, &day_text, sharers, delayed, now)
                    .await?
            }
        }
        touched.insert(send);
    }
    // Every send that follows the day has had a day fetched now, read or
    // not: its totals become 0 rather than unknown.
    touched.extend(store::followers_of_day(&mut tx, account, &day_text).await?);
    for send in touched {
        store::refresh_totals(&mut tx, send, now).await?;
    }
    let endpoint = answer.figures().endpoint();
    store::put_fetch(
        &mut tx,
        account,
        endpoint,
        &day_text,
        state,
        0,
        next_attempt_at,
        None,
        now,
    )
    .await?;
    store::account_answered(&mut tx, account).await?;
    tx.commit().await
}

/// What a refused or failed call means for the account and the day.
#[allow(clippy::too_many_arguments)]
async fn refused(
    conn: &mut sqlx::SqliteConnection,
    account: i64,
    figures: Figures,
    day: Date,
    attempts: i64,
    error: &CallError,
    now: Timestamp,
    denied: Option<i64>,
) -> sqlx::Result<()> {
    let now_text = stamp(now);
    match error.code() {
        Some(ErrCode::ApiDailyQuotaExceeded) => {
            let until = stamp(china_midnight(
                china_date(now).tomorrow().unwrap_or(Date::MAX),
            ));
            store::pause(conn, account, &until).await?;
            tracing::info!(account, until = %until, "WeChat's daily datacube quota is used up (45009): statistics wait for the next China day");
        }
        Some(code @ (ErrCode::ApiUnauthorized | ErrCode::ComponentApiUnauthorized)) => {
            let retry_at = stamp(now + DENIED_RETRY_AFTER);
            store::deny(conn, account, code.code(), &now_text, &retry_at).await?;
            if denied.is_none() {
                tracing::warn!(account, errcode = code.code(), retry_at = %retry_at, "WeChat gives this account no statistics; asking again in 7 days");
            }
        }
        _ if !about_the_day(error) => {
            let failures = store::fail_account(conn, account).await?;
            let until = stamp(now + outage_pause(failures));
            store::pause(conn, account, &until).await?;
            tracing::warn!(account, failures, until = %until, error = %error, "a statistics call failed for the whole account: no call before the pause ends");
        }
        _ => {
            let wait = if matches!(
                error.code(),
                Some(ErrCode::DataDateFormat | ErrCode::DataDateRange)
            ) {
                date_refused_wait(attempts)
            } else {
                failure_wait(attempts)
            };
            let next = wait.map(|wait| stamp(now + wait));
            let errcode = error.code().map(ErrCode::code);
            store::put_fetch(
                conn,
                account,
                figures.endpoint(),
                &day.to_string(),
                "failed",
                attempts,
                next.as_deref(),
                errcode,
                &now_text,
            )
            .await?;
            tracing::warn!(account, day = %day, endpoint = figures.endpoint(), attempts, next = next.as_deref().unwrap_or("never"), error = %error, "a statistics call failed");
        }
    }
    Ok(())
}

/// `getarticleread`'s figures as stored: the sources in four groups, none
/// when the answer had none.
fn read_figures(detail: &ReadDetail) -> store::ReadFigures {
    let sources = (!detail.read_user_source.is_empty()).then(|| {
        let mut sources = Sources::default();
        for line in &detail.read_user_source {
            let group = match ReadSource::from_code(line.user_source) {
                ReadSource::Message => &mut sources.message,
                ReadSource::History => &mut sources.history,
                ReadSource::Shares => &mut sources.shares,
                ReadSource::Other => &mut sources.other,
            };
            *group = group.saturating_add(line.read_user);
        }
        sources
    });
    store::ReadFigures {
        readers: detail.read_user,
        reads: detail.read_count,
        favourites: detail.add_to_fav_user,
        sources,
    }
}

/// Whether the account may be asked now: not paused (45009), not denied
/// (48001, 61007) until its retry time, and calls left today.
fn gate_open(gate: &store::FetchGate, now: &str, today: &str, daily_calls: u32) -> bool {
    let paused = gate
        .paused_until
        .as_deref()
        .is_some_and(|until| now < until);
    let denied = gate.denied_errcode.is_some()
        && gate
            .denied_retry_at
            .as_deref()
            .is_none_or(|retry| now < retry);
    let spent = gate.calls_day.as_deref() == Some(today) && gate.calls >= i64::from(daily_calls);
    !paused && !denied && !spent
}

/// The China-time days whose figures the sends taken on `send_days` want
/// by `now`: each send's day and the `FOLLOW_DAYS - 1` after it, once
/// askable, never before [`FIRST_DAY`].
pub fn wanted_days(send_days: &[Date], now: Timestamp) -> BTreeSet<Date> {
    let mut wanted = BTreeSet::new();
    for &first in send_days {
        for n in 0..FOLLOW_DAYS {
            let Ok(day) = first.checked_add(Span::new().days(n)) else {
                break;
            };
            if askable_from(day) > now {
                break;
            }
            if day >= FIRST_DAY {
                wanted.insert(day);
            }
        }
    }
    wanted
}

/// The (day, endpoint) pairs to ask now, newest day first (yesterday's
/// figures before the backlog, which goes newest to oldest): never asked,
/// or delayed or failed and due again.
fn due(
    wanted: &BTreeSet<Date>,
    fetched: &HashMap<(Figures, Date), store::FetchRow>,
    now: &str,
) -> Vec<(Date, Figures)> {
    wanted
        .iter()
        .rev()
        .flat_map(|&day| Figures::BOTH.map(|figures| (day, figures)))
        .filter(|&(day, figures)| match fetched.get(&(figures, day)) {
            None => true,
            Some(row) => {
                row.state != "done" && row.next_attempt_at.as_deref().is_some_and(|at| at <= now)
            }
        })
        .collect()
}

/// Whether a failed call says something about the day asked (a date
/// WeChat refuses, an answer qunfa cannot read) rather than about the
/// account or the way to WeChat (token, network, HTTP 5xx, other errcodes).
pub fn about_the_day(error: &CallError) -> bool {
    match error {
        CallError::Malformed(_) => true,
        CallError::Api(e) => matches!(e.code, ErrCode::DataDateFormat | ErrCode::DataDateRange),
        _ => false,
    }
}

/// The pause of the account after its `failures`-th account-wide failure
/// in a row.
pub fn outage_pause(failures: i64) -> SignedDuration {
    let at = usize::try_from(failures.saturating_sub(1)).unwrap_or(0);
    OUTAGE_PAUSES[at.min(OUTAGE_PAUSES.len() - 1)]
}

/// After WeChat refused the date (61500, 61501) `attempts` times in a
/// row: asked once more an hour later, then given up.
pub fn date_refused_wait(attempts: i64) -> Option<SignedDuration> {
    (attempts <= 1).then_some(FAILURE_WAITS[0])
}

/// Failed calls in a row before this one.
fn failed_before(row: &store::FetchRow) -> i64 {
    if row.state == "failed" {
        row.attempts
    } else {
        0
    }
}

/// How long to wait after the `attempts`-th failed call in a row before
/// the next; `None`: given up.
pub fn failure_wait(attempts: i64) -> Option<SignedDuration> {
    let at = usize::try_from(attempts.checked_sub(1)?).ok()?;
    FAILURE_WAITS.get(at).copied()
}

/// When day `day`'s figures are ready: `READY_HOUR` China time the next day.
pub fn askable_from(day: Date) -> Timestamp {
    let next = day.tomorrow().unwrap_or(Date::MAX);
    CHINA
        .to_timestamp(next.at(READY_HOUR, 0, 0, 0))
        .unwrap_or(Timestamp::MAX)
}

/// The China date at `at`.
pub fn china_date(at: Timestamp) -> Date {
    CHINA.to_datetime(at).date()
}

/// The start of China day `day`.
fn china_midnight(day: Date) -> Timestamp {
    CHINA
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .unwrap_or(Timestamp::MAX)
}

/// The oldest day still asked on China day `today`: a send is followed
/// `FOLLOW_DAYS` days, and its last day becomes askable the next morning.
pub fn oldest_asked_day(today: Date) -> Date {
    today
        .checked_sub(Span::new().days(FOLLOW_DAYS + 1))
        .unwrap_or(today)
}

/// The earliest day a send can have been taken on and still follow `day`.
fn first_follower_of(day: Date) -> Date {
    day.checked_sub(Span::new().days(FOLLOW_DAYS - 1))
        .unwrap_or(day)
}

/// The earliest day a send can have been taken on and still want a day
/// from [`FIRST_DAY`] on.
fn first_send_day() -> Date {
    FIRST_DAY
        .checked_sub(Span::new().days(FOLLOW_DAYS - 1))
        .unwrap_or(FIRST_DAY)
}

fn clock_now(clock: &Clock) -> Timestamp {
    let millis = i64::try_from(clock.now().as_millis()).unwrap_or(i64::MAX);
    Timestamp::from_millisecond(millis).unwrap_or(Timestamp::MAX)
}

/// `at` as `Clock::timestamp` and SQLite write it, so stored times compare
/// as text.
pub(super) fn stamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn days(from: Date, to: Date) -> BTreeSet<Date> {
        from.series(Span::new().days(1))
            .take_while(|d| *d <= to)
            .collect()
    }

    #[test]
    fn a_china_day_turns_at_16_00_utc_and_is_askable_from_08_00_the_next() {
        assert_eq!(china_date(at("2026-12-01T15:59:59Z")), date(2026, 12, 1));
        assert_eq!(china_date(at("2026-12-01T16:00:00Z")), date(2026, 12, 2));
        // 08:00 in China on 2 December is midnight UTC.
        assert_eq!(askable_from(date(2026, 12, 1)), at("2026-12-02T00:00:00Z"));
        assert_eq!(
            china_midnight(date(2026, 12, 2)),
            at("2026-12-01T16:00:00Z")
        );
        assert_eq!(
            stamp(at("2026-12-01T16:00:00Z")),
            "2026-12-01T16:00:00.000Z"
        );
    }

    #[test]
    fn a_send_wants_no_day_before_08_00_the_next_morning() {
        let sent = [date(2026, 12, 1)];
        assert!(wanted_days(&sent, at("2026-12-01T23:59:59Z")).is_empty());
        assert_eq!(
            wanted_days(&sent, at("2026-12-02T00:00:00Z")),
            BTreeSet::from([date(2026, 12, 1)])
        );
        // On the third morning its first two days.
        assert_eq!(
            wanted_days(&sent, at("2026-12-03T01:00:00Z")),
            days(date(2026, 12, 1), date(2026, 12, 2))
        );
    }

    #[test]
    fn a_send_is_followed_for_30_days_and_sends_want_their_days_once() {
        let later = at("2027-06-01T00:00:00Z");
        let one = wanted_days(&[date(2026, 12, 1)], later);
        assert_eq!(one, days(date(2026, 12, 1), date(2026, 12, 30)));
        assert_eq!(one.len(), 30);
        let two = wanted_days(&[date(2026, 12, 1), date(2026, 12, 10)], later);
        assert_eq!(two, days(date(2026, 12, 1), date(2027, 1, 8)));
        // Many sends on the same days want no more days.
        let many: Vec<Date> = (0..1000)
            .map(|n| date(2026, 12, 1 + (n % 10) as i8))
            .collect();
        assert_eq!(wanted_days(&many, later), two);
    }

    #[test]
    fn no_day_before_wechats_first_is_wanted() {
        let wanted = wanted_days(&[date(2025, 10, 20)], at("2026-01-01T00:00:00Z"));
        assert_eq!(wanted, days(date(2025, 11, 1), date(2025, 11, 18)));
        assert_eq!(first_send_day(), date(2025, 10, 3));
        assert!(wanted_days(&[date(2025, 10, 2)], at("2026-01-01T00:00:00Z")).is_empty());
    }

    fn row(figures: Figures, day: &str, state: &str, next: Option<&str>) -> store::FetchRow {
        store::FetchRow {
            endpoint: figures.endpoint().to_owned(),
            ref_date: day.to_owned(),
            state: state.to_owned(),
            attempts: 1,
            next_attempt_at: next.map(str::to_owned),
        }
    }

    #[test]
    fn due_are_the_days_not_done_and_those_due_again_newest_first() {
        let wanted = days(date(2026, 12, 1), date(2026, 12, 4));
        let now = "2026-12-05T08:00:00.000Z";
        let rows = [
            row(Figures::Reads, "2026-12-01", "done", None),
            row(Figures::Shares, "2026-12-01", "done", None),
            row(
                Figures::Reads,
                "2026-12-02",
                "delayed",
                Some("2026-12-05T07:59:59.999Z"),
            ),
            row(
                Figures::Shares,
                "2026-12-02",
                "delayed",
                Some("2026-12-05T08:00:00.001Z"),
            ),
            row(Figures::Reads, "2026-12-03", "failed", None),
            row(Figures::Shares, "2026-12-03", "failed", Some(now)),
        ];
        let fetched = rows
            .into_iter()
            .map(|r| {
                (
                    (
                        Figures::from_endpoint(&r.endpoint).unwrap(),
                        r.ref_date.parse().unwrap(),
                    ),
                    r,
                )
            })
            .collect();
        assert_eq!(
            due(&wanted, &fetched, now),
            [
                (date(2026, 12, 4), Figures::Reads),
                (date(2026, 12, 4), Figures::Shares),
                (date(2026, 12, 3), Figures::Shares),
                (date(2026, 12, 2), Figures::Reads),
            ]
        );
    }

    #[test]
    fn failures_wait_longer_each_time_and_the_fifth_gives_up() {
        let hours = |h| Some(SignedDuration::from_hours(h));
        assert_eq!(failure_wait(1), hours(1));
        assert_eq!(failure_wait(2), hours(3));
        assert_eq!(failure_wait(3), hours(12));
        assert_eq!(failure_wait(4), hours(24));
        assert_eq!(failure_wait(5), None);
        let delayed = row(Figures::Reads, "2026-12-01", "delayed", None);
        assert_eq!(failed_before(&delayed), 0, "a delayed day has not failed");
    }

    #[test]
    fn only_failures_about_the_day_count_against_it_the_rest_pause_the_account() {
        let api = |code: i64| {
            CallError::Api(crate::wechat::errcode::ApiError {
                code: ErrCode::from_code(code),
                errmsg: String::new(),
                msg_id: None,
            })
        };
        assert!(about_the_day(&api(61500)));
        assert!(about_the_day(&api(61501)));
        assert!(about_the_day(&CallError::Malformed("x".into())));
        for error in [
            api(40164),
            api(-1),
            CallError::Timeout,
            CallError::Transport("reset".into()),
            CallError::Http(502),
        ] {
            assert!(!about_the_day(&error), "{error}");
        }
        let mins = SignedDuration::from_mins;
        assert_eq!(outage_pause(1), mins(10));
        assert_eq!(outage_pause(2), mins(60));
        assert_eq!(outage_pause(3), mins(180));
        assert_eq!(outage_pause(4), mins(360));
        assert_eq!(outage_pause(40), mins(360), "the last pause repeats");
        assert_eq!(date_refused_wait(1), Some(SignedDuration::from_hours(1)));
        assert_eq!(date_refused_wait(2), None, "given up after one retry");
    }

    #[test]
    fn the_gate_is_shut_by_a_pause_a_denial_or_a_spent_budget() {
        let now = "2026-12-02T01:00:00.000Z";
        let today = "2026-12-02";
        let open = |gate: store::FetchGate| gate_open(&gate, now, today, 20);
        assert!(open(store::FetchGate::default()));
        let spent = |day: &str, calls| store::FetchGate {
            calls_day: Some(day.to_owned()),
            calls,
            ..Default::default()
        };
        assert!(open(spent(today, 19)));
        assert!(!open(spent(today, 20)));
        assert!(
            open(spent("2026-12-01", 20)),
            "yesterday's calls do not count"
        );
        let paused = |until: &str| store::FetchGate {
            paused_until: Some(until.to_owned()),
            ..Default::default()
        };
        assert!(!open(paused("2026-12-02T16:00:00.000Z")));
        assert!(open(paused("2026-12-01T16:00:00.000Z")));
        let denied = |retry: &str| store::FetchGate {
            denied_errcode: Some(48001),
            denied_retry_at: Some(retry.to_owned()),
            ..Default::default()
        };
        assert!(!open(denied("2026-12-09T01:00:00.000Z")));
        assert!(open(denied(now)), "asked again at its retry time");
    }

    #[test]
    fn sources_fall_into_four_groups_and_none_is_not_zero() {
        let detail: ReadDetail = serde_json::from_value(serde_json::json!({
            "read_user": 10,
            "read_user_source": [
                {"user_source": 0, "read_user": 4},
                {"user_source": 1, "read_user": 1},
                {"user_source": 2, "read_user": 2},
                {"user_source": 4, "read_user": 2},
                {"user_source": 7, "read_user": 1}
            ]
        }))
        .unwrap();
        let figures = read_figures(&detail);
        assert_eq!(
            figures.sources,
            Some(Sources {
                message: 4,
                history: 2,
                shares: 3,
                other: 1
            })
        );
        assert_eq!(
            (figures.readers, figures.reads, figures.favourites),
            (10, None, None)
        );
        assert_eq!(read_figures(&ReadDetail::default()).sources, None);
    }

    #[test]
    fn huge_source_figures_do_not_overflow() {
        let detail: ReadDetail = serde_json::from_value(serde_json::json!({
            "read_user": 1,
            "read_user_source": [
                {"user_source": 0, "read_user": u64::MAX},
                {"user_source": 0, "read_user": 5}
            ]
        }))
        .unwrap();
        assert_eq!(read_figures(&detail).sources.unwrap().message, u64::MAX);
    }

    async fn memory() -> SqlitePool {
        let pool = crate::shell::db::open(&crate::shell::config::DatabasePath {
            url: "sqlite::memory:".into(),
            file: None,
        })
        .await
        .unwrap();
        sqlx::raw_sql(
            "INSERT INTO users (id, username, password_hash, role) VALUES (1, 'a', 'x', 'admin');
             INSERT INTO accounts (id, slug, name, appid, origin) VALUES (2, 'two', '', 'wx2', 'console');",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool
    }

    async fn sent(
        pool: &SqlitePool,
        account: i64,
        state: &str,
        data_id: Option<i64>,
        at: &str,
    ) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, audience, summary, request,
                 state, msg_data_id, submitted_at)
             VALUES (lower(hex(randomblob(8))), ?, 1, 'mpnews', '', '', '{}', ?, ?, ?) RETURNING id",
        )
        .bind(account)
        .bind(state)
        .bind(data_id)
        .bind(at)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_days_sends_were_taken_on_in_china_time_once_each() {
        let pool = memory().await;
        sent(&pool, 1, "finished", Some(11), "2026-11-30T15:59:00.000Z").await;
        sent(&pool, 1, "submitted", Some(12), "2026-11-30T16:00:00.000Z").await;
        sent(&pool, 1, "finished", Some(13), "2026-12-01T10:00:00.000Z").await;
        sent(&pool, 1, "finished", Some(14), "2026-12-05T01:00:00.000Z").await;
        // Nothing to follow: failed, without msg_data_id, another account's,
        // before `since`.
        sent(&pool, 1, "failed", Some(15), "2026-12-03T01:00:00.000Z").await;
        sent(&pool, 1, "finished", None, "2026-12-04T01:00:00.000Z").await;
        sent(&pool, 2, "finished", Some(16), "2026-12-02T01:00:00.000Z").await;
        sent(&pool, 1, "finished", Some(17), "2025-09-01T01:00:00.000Z").await;
        let mut conn = pool.acquire().await.unwrap();
        let days = store::send_days(&mut conn, 1, "2025-10-02T16:00:00.000Z")
            .await
            .unwrap();
        assert_eq!(days, ["2026-11-30", "2026-12-01", "2026-12-05"]);
        // Each hop is one seek on (account, submission time), in its order.
        let plan: Vec<String> = sqlx::query(
            "EXPLAIN QUERY PLAN SELECT submitted_at FROM sends WHERE account_id = 1
               AND submitted_at >= '2026' AND msg_data_id IS NOT NULL
               AND state IN ('submitted', 'finished') ORDER BY submitted_at LIMIT 1",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
        .collect();
        assert!(
            plan.iter()
                .any(|p| p.contains("INDEX sends_read_rates (account_id=? AND submitted_at>?)"))
                && !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "{plan:?}"
        );
        drop(conn);
        let send = sent(&pool, 1, "finished", Some(20), "2026-12-01T02:00:00.000Z").await;
        let followed = |day: &'static str| {
            let pool = pool.clone();
            async move {
                let mut conn = pool.acquire().await.unwrap();
                store::followed_send(&mut conn, 1, 20, day).await.unwrap()
            }
        };
        assert_eq!(followed("2026-11-30").await, None);
        assert_eq!(followed("2026-12-01").await, Some(send));
        assert_eq!(followed("2026-12-30").await, Some(send), "day 29");
        assert_eq!(followed("2026-12-31").await, None, "day 30 is not followed");
    }

    fn read_answer(rows: serde_json::Value) -> Answer {
        Answer::Reads(
            serde_json::from_value(serde_json::json!({"list": rows, "is_delay": 0})).unwrap(),
        )
    }

    async fn totals(
        pool: &SqlitePool,
        send: i64,
    ) -> (Option<i64>, Option<i64>, Option<i64>, Option<i64>) {
        sqlx::query_as(
            "SELECT read_users, headline_read_users, read_count, fav_users FROM sends WHERE id = ?",
        )
        .bind(send)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_send_nobody_read_has_0_readers_once_a_day_was_fetched() {
        let pool = memory().await;
        let unread = sent(&pool, 1, "finished", Some(30), "2026-12-01T02:00:00.000Z").await;
        let read = sent(&pool, 1, "finished", Some(31), "2026-12-01T03:00:00.000Z").await;
        let later = sent(&pool, 1, "finished", Some(32), "2026-12-05T03:00:00.000Z").await;
        let mut conn = pool.acquire().await.unwrap();
        let answer = read_answer(serde_json::json!([
            {"ref_date": "2026-12-01", "msgid": "31_1", "detail": {"read_user": 5}}
        ]));
        store_answer(
            &mut conn,
            1,
            date(2026, 12, 1),
            &answer,
            "done",
            None,
            "2026-12-02T00:00:00.000Z",
        )
        .await
        .unwrap();
        drop(conn);
        assert_eq!(totals(&pool, unread).await, (Some(0), Some(0), None, None));
        assert_eq!(totals(&pool, read).await, (Some(5), Some(5), None, None));
        assert_eq!(
            totals(&pool, later).await,
            (None, None, None, None),
            "not followed that day"
        );
    }

    #[tokio::test]
    async fn figures_go_only_to_the_send_of_the_account_asked() {
        let pool = memory().await;
        // The same msg_data_id on two accounts (two WeChat accounts' ids
        // are not kept apart).
        let one = sent(&pool, 1, "finished", Some(40), "2026-12-01T02:00:00.000Z").await;
        let two = sent(&pool, 2, "finished", Some(40), "2026-12-01T02:00:00.000Z").await;
        let mut conn = pool.acquire().await.unwrap();
        let answer = read_answer(serde_json::json!([
            {"ref_date": "2026-12-01", "msgid": "40_1", "detail": {"read_user": 7}},
            {"ref_date": "2026-12-01", "msgid": "bad_0", "detail": {"read_user": 9}}
        ]));
        store_answer(
            &mut conn,
            2,
            date(2026, 12, 1),
            &answer,
            "done",
            None,
            "2026-12-02T00:00:00.000Z",
        )
        .await
        .unwrap();
        drop(conn);
        let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT send_id, readers FROM article_days")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, [(two, 7)]);
        assert_eq!(totals(&pool, two).await.0, Some(7));
        assert_eq!(totals(&pool, one).await.0, None, "account 1 was not asked");
    }

    #[tokio::test]
    async fn a_day_is_not_final_while_either_endpoints_figures_are_not() {
        let pool = memory().await;
        let send = sent(&pool, 1, "finished", Some(50), "2026-12-01T02:00:00.000Z").await;
        let mut conn = pool.acquire().await.unwrap();
        let day = "2026-12-01";
        let now = "2026-12-02T00:00:00.000Z";
        let figures = store::ReadFigures::default();
        async fn delayed(conn: &mut sqlx::SqliteConnection) -> i64 {
            sqlx::query_scalar("SELECT delayed FROM article_days")
                .fetch_one(conn)
                .await
                .unwrap()
        }
        // Shares not final, then final reads: still not final.
        store::put_shares(&mut conn, send, 1, day, 1, true, now)
            .await
            .unwrap();
        store::put_reads(&mut conn, send, 1, day, &figures, false, now)
            .await
            .unwrap();
        assert_eq!(delayed(&mut conn).await, 1, "the shares are not final");
        // Final shares: final.
        store::put_shares(&mut conn, send, 1, day, 1, false, now)
            .await
            .unwrap();
        assert_eq!(delayed(&mut conn).await, 0);
        // Reads not final again, then final shares: not final.
        store::put_reads(&mut conn, send, 1, day, &figures, true, now)
            .await
            .unwrap();
        store::put_shares(&mut conn, send, 1, day, 1, false, now)
            .await
            .unwrap();
        assert_eq!(delayed(&mut conn).await, 1, "the reads are not final");
        store::put_reads(&mut conn, send, 1, day, &figures, false, now)
            .await
            .unwrap();
        assert_eq!(delayed(&mut conn).await, 0);
    }

    #[tokio::test]
    async fn the_budget_counts_calls_per_china_day_and_refuses_past_it() {
        let pool = memory().await;
        let mut conn = pool.acquire().await.unwrap();
        for _ in 0..3 {
            assert!(
                store::take_call(&mut conn, 1, "2026-12-01", 3)
                    .await
                    .unwrap()
            );
        }
        assert!(
            !store::take_call(&mut conn, 1, "2026-12-01", 3)
                .await
                .unwrap()
        );
        assert!(
            store::take_call(&mut conn, 2, "2026-12-01", 3)
                .await
                .unwrap(),
            "per account"
        );
        assert!(
            store::take_call(&mut conn, 1, "2026-12-02", 3)
                .await
                .unwrap()
        );
        let gate = store::fetch_gate(&mut conn, 1).await.unwrap();
        assert_eq!(
            (gate.calls_day.as_deref(), gate.calls),
            (Some("2026-12-02"), 1)
        );
    }

    #[tokio::test]
    async fn a_denial_keeps_when_it_was_first_said_until_cleared() {
        let pool = memory().await;
        let mut conn = pool.acquire().await.unwrap();
        store::deny(
            &mut conn,
            1,
            48001,
            "2026-12-01T00:00:00.000Z",
            "2026-12-08T00:00:00.000Z",
        )
        .await
        .unwrap();
        store::deny(
            &mut conn,
            1,
            48001,
            "2026-12-08T00:00:00.000Z",
            "2026-12-15T00:00:00.000Z",
        )
        .await
        .unwrap();
        let status = store::account_status(&mut conn, 1).await.unwrap();
        assert_eq!(
            status.denied_at.as_deref(),
            Some("2026-12-01T00:00:00.000Z")
        );
        let gate = store::fetch_gate(&mut conn, 1).await.unwrap();
        assert_eq!(
            gate.denied_retry_at.as_deref(),
            Some("2026-12-15T00:00:00.000Z")
        );
        store::clear_denial(&mut conn, 1).await.unwrap();
        assert_eq!(
            store::account_status(&mut conn, 1)
                .await
                .unwrap()
                .denied_errcode,
            None
        );
    }
}
