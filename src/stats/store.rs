//! The `article_days`, `stats_fetches` and `stats_accounts` tables, and the
//! totals kept on `sends` (`read_users`, `headline_read_users`,
//! `read_count`, `share_users`, `fav_users`).

use sqlx::SqliteConnection;

use super::Sources;

/// `getarticleread`'s figures of one article on one day, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadFigures {
    pub readers: u64,
    /// `None` when WeChat's answer did not carry it.
    pub reads: Option<u64>,
    pub favourites: Option<u64>,
    /// `None` when the answer had no `read_user_source`.
    pub sources: Option<Sources>,
}

/// The send of `account` whose sendall answer carried `msg_data_id`, and
/// the number of its articles (`None` when qunfa has no such send).
pub async fn send_of_data_id(
    db: &mut SqliteConnection,
    account: i64,
    msg_data_id: u64,
) -> sqlx::Result<Option<i64>> {
    let data_id = i64::try_from(msg_data_id).unwrap_or(i64::MAX);
    sqlx::query_scalar!(
        "SELECT id AS \"id!\" FROM sends WHERE account_id = ? AND msg_data_id = ? ORDER BY id LIMIT 1",
        account,
        data_id
    )
    .fetch_optional(db)
    .await
}

/// Writes (or replaces) an article's `getarticleread` figures of one day;
/// its `getarticleshare` figure is kept. `delayed` is this answer's
/// `is_delay` (`reads_delayed`); the row's `delayed` says either
/// endpoint's figures are not final.
pub async fn put_reads(
    db: &mut SqliteConnection,
    send_id: i64,
    article_idx: u32,
    ref_date: &str,
    figures: &ReadFigures,
    delayed: bool,
    now: &str,
) -> sqlx::Result<()> {
    let idx = i64::from(article_idx);
    let readers = to_i64(figures.readers);
    let reads = figures.reads.map(to_i64);
    let favourites = figures.favourites.map(to_i64);
    let (message, history, shares, other) = match figures.sources {
        Some(s) => (
            Some(to_i64(s.message)),
            Some(to_i64(s.history)),
            Some(to_i64(s.shares)),
            Some(to_i64(s.other)),
        ),
        None => (None, None, None, None),
    };
    sqlx::query!(
        "INSERT INTO article_days (send_id, article_idx, ref_date, readers, reads, favourites,
             from_message, from_history, from_shares, from_other, reads_delayed, delayed,
             fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)
         ON CONFLICT (send_id, article_idx, ref_date) DO UPDATE SET
             readers = excluded.readers, reads = excluded.reads,
             favourites = excluded.favourites, from_message = excluded.from_message,
             from_history = excluded.from_history, from_shares = excluded.from_shares,
             from_other = excluded.from_other, reads_delayed = excluded.reads_delayed,
             delayed = MAX(excluded.reads_delayed, article_days.shares_delayed),
             fetched_at = excluded.fetched_at",
        send_id,
        idx,
        ref_date,
        readers,
        reads,
        favourites,
        message,
        history,
        shares,
        other,
        delayed,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Writes (or replaces) an article's `getarticleshare` figure of one day;
/// its `getarticleread` figures are kept. `delayed`: `shares_delayed`,
/// as [`put_reads`]'s.
pub async fn put_shares(
    db: &mut SqliteConnection,
    send_id: i64,
    article_idx: u32,
    ref_date: &str,
    sharers: u64,
    delayed: bool,
    now: &str,
) -> sqlx::Result<()> {
    let idx = i64::from(article_idx);
    let sharers = to_i64(sharers);
    sqlx::query!(
        "INSERT INTO article_days (send_id, article_idx, ref_date, sharers, shares_delayed,
             delayed, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT (send_id, article_idx, ref_date) DO UPDATE SET
             sharers = excluded.sharers,
             shares_delayed = excluded.shares_delayed,
             delayed = MAX(article_days.reads_delayed, excluded.shares_delayed),
             fetched_at = excluded.fetched_at",
        send_id,
        idx,
        ref_date,
        sharers,
        delayed,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Recomputes the totals kept on send `send_id` from its stored days.
/// Called once a day of its figures was fetched, so readers and sharers
/// are 0, not NULL, for a send nobody read: WeChat lists only articles
/// read that day. Reads and favourites stay NULL when never given.
/// A call of a list send (`openid_list` group) gets the whole list's
/// totals, written onto every call of the list, so History's column and
/// its sort on `read_users` see the list once with one figure;
/// `headline_read_users` stays each call's own (the overview sums the
/// calls itself, over their summed `sent_count`).
pub async fn refresh_totals(
    db: &mut SqliteConnection,
    send_id: i64,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "WITH calls (id) AS (
             SELECT c.id FROM sends AS s
             JOIN send_groups AS g ON g.id = s.group_id AND g.kind = 'openid_list'
             JOIN sends AS c ON c.group_id = s.group_id AND c.endpoint = 'send'
             WHERE s.id = ?2 AND s.endpoint = 'send'
             UNION SELECT ?2
         ),
         totals AS (
             SELECT COALESCE(SUM(readers), 0) AS readers, SUM(reads) AS reads,
                    COALESCE(SUM(sharers), 0) AS sharers, SUM(favourites) AS favourites
             FROM article_days WHERE send_id IN (SELECT id FROM calls)
         )
         UPDATE sends SET
             read_users = (SELECT readers FROM totals),
             headline_read_users = (SELECT COALESCE(SUM(readers), 0) FROM article_days
                                     WHERE send_id = sends.id AND article_idx = 1),
             read_count = (SELECT reads FROM totals),
             share_users = (SELECT sharers FROM totals),
             fav_users = (SELECT favourites FROM totals),
             stats_updated_at = ?1
         WHERE id IN (SELECT id FROM calls)",
        now,
        send_id
    )
    .execute(db)
    .await?;
    Ok(())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What the statistics fetcher knows of an account (`stats_accounts`):
/// why it cannot have figures, a pause after 45009, the day's calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountStatus {
    /// 48001 or 61007: WeChat gives this account no statistics.
    pub denied_errcode: Option<i64>,
    /// When WeChat first said so (UTC, `Clock::timestamp` form).
    pub denied_at: Option<String>,
    /// No datacube call before this time (UTC), after a 45009.
    pub paused_until: Option<String>,
    /// The China-time day `calls` counts (YYYY-MM-DD).
    pub calls_day: Option<String>,
    pub calls: i64,
}

pub async fn account_status(
    db: &mut SqliteConnection,
    account: i64,
) -> sqlx::Result<AccountStatus> {
    let row = sqlx::query!(
        "SELECT denied_errcode, denied_at, paused_until, calls_day, calls
         FROM stats_accounts WHERE account_id = ?",
        account
    )
    .fetch_optional(db)
    .await?;
    Ok(row
        .map(|r| AccountStatus {
            denied_errcode: r.denied_errcode,
            denied_at: r.denied_at,
            paused_until: r.paused_until,
            calls_day: r.calls_day,
            calls: r.calls,
        })
        .unwrap_or_default())
}

// The fetcher's reads and writes (`stats::fetch`).

/// What decides whether the fetcher may call WeChat for an account now
/// (`stats_accounts`; all empty before its first call).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchGate {
    pub denied_errcode: Option<i64>,
    /// Asked again from this time (UTC) after a denial.
    pub denied_retry_at: Option<String>,
    pub paused_until: Option<String>,
    pub calls_day: Option<String>,
    pub calls: i64,
}

pub async fn fetch_gate(db: &mut SqliteConnection, account: i64) -> sqlx::Result<FetchGate> {
    let row = sqlx::query!(
        "SELECT denied_errcode, denied_retry_at, paused_until, calls_day, calls
         FROM stats_accounts WHERE account_id = ?",
        account
    )
    .fetch_optional(db)
    .await?;
    Ok(row
        .map(|r| FetchGate {
            denied_errcode: r.denied_errcode,
            denied_retry_at: r.denied_retry_at,
            paused_until: r.paused_until,
            calls_day: r.calls_day,
            calls: r.calls,
        })
        .unwrap_or_default())
}

/// The China dates (YYYY-MM-DD, ascending, each once) on which WeChat took
/// an article send of `account` that can have figures (`submitted` or
/// `finished`, with its `msg_data_id`), from `since` (UTC) on. Hops from
/// day to day along `sends_read_rates`, one seek per day, so the cost
/// follows the number of days, not of sends.
pub async fn send_days(
    db: &mut SqliteConnection,
    account: i64,
    since: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"WITH RECURSIVE days (day) AS (
               SELECT date((SELECT submitted_at FROM sends
                            WHERE account_id = ?1 AND submitted_at >= ?2
                              AND msg_data_id IS NOT NULL AND state IN ('submitted', 'finished')
                            ORDER BY submitted_at LIMIT 1), '+8 hours')
               UNION ALL
               SELECT date((SELECT submitted_at FROM sends
                            WHERE account_id = ?1
                              AND submitted_at >= strftime('%Y-%m-%dT%H:%M:%fZ', days.day, '+1 day', '-8 hours')
                              AND msg_data_id IS NOT NULL AND state IN ('submitted', 'finished')
                            ORDER BY submitted_at LIMIT 1), '+8 hours')
               FROM days WHERE days.day IS NOT NULL
           )
           SELECT day AS "day!: String" FROM days WHERE day IS NOT NULL"#,
        account,
        since
    )
    .fetch_all(db)
    .await
}

/// One `stats_fetches` row: what became of asking `endpoint` for a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRow {
    /// `getarticleread` or `getarticleshare`.
    pub endpoint: String,
    pub ref_date: String,
    /// `delayed`, `done` or `failed`.
    pub state: String,
    /// Failed calls in a row.
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
}

/// The account's fetches of days from `from_day` (YYYY-MM-DD) on.
pub async fn fetches(
    db: &mut SqliteConnection,
    account: i64,
    from_day: &str,
) -> sqlx::Result<Vec<FetchRow>> {
    sqlx::query_as!(
        FetchRow,
        "SELECT endpoint, ref_date, state, attempts, next_attempt_at
         FROM stats_fetches WHERE account_id = ? AND ref_date >= ?",
        account,
        from_day
    )
    .fetch_all(db)
    .await
}

/// Counts one datacube call of `account` on China day `day`, unless
/// `budget` calls were made that day already (then `false`, nothing
/// counted). Counted before the call: a call that fails still cost WeChat's
/// quota.
pub async fn take_call(
    db: &mut SqliteConnection,
    account: i64,
    day: &str,
    budget: u32,
) -> sqlx::Result<bool> {
    let budget = i64::from(budget);
    let done = sqlx::query!(
        "INSERT INTO stats_accounts (account_id, calls_day, calls) VALUES (?1, ?2, 1)
         ON CONFLICT (account_id) DO UPDATE SET
             calls = CASE WHEN stats_accounts.calls_day IS ?2 THEN stats_accounts.calls + 1 ELSE 1 END,
             calls_day = ?2
         WHERE stats_accounts.calls_day IS NOT ?2 OR stats_accounts.calls < ?3",
        account,
        day,
        budget
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The send of `account` whose article with `msg_data_id` figures of China
/// day `day` belong to: one that can have figures and follows that day
/// (`day` within `FOLLOW_DAYS` from the China date it was taken on).
pub async fn followed_send(
    db: &mut SqliteConnection,
    account: i64,
    msg_data_id: u64,
    day: &str,
) -> sqlx::Result<Option<i64>> {
    let data_id = i64::try_from(msg_data_id).unwrap_or(i64::MAX);
    let window = format!("-{} days", super::FOLLOW_DAYS - 1);
    sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM sends
           WHERE account_id = ?1 AND msg_data_id = ?2
             AND state IN ('submitted', 'finished') AND submitted_at IS NOT NULL
             AND date(submitted_at, '+8 hours') BETWEEN date(?3, ?4) AND ?3
           ORDER BY id LIMIT 1"#,
        account,
        data_id,
        day,
        window
    )
    .fetch_optional(db)
    .await
}

/// The sends of `account` that follow China day `day` (YYYY-MM-DD): taken
/// on it or in the `FOLLOW_DAYS - 1` days before, able to have figures.
/// One range on `sends_read_rates` (account, submission time).
pub async fn followers_of_day(
    db: &mut SqliteConnection,
    account: i64,
    day: &str,
) -> sqlx::Result<Vec<i64>> {
    let window = format!("-{} days", super::FOLLOW_DAYS - 1);
    sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM sends
           WHERE account_id = ?1
             AND submitted_at >= strftime('%Y-%m-%dT%H:%M:%fZ', ?2, ?3, '-8 hours')
             AND submitted_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?2, '+1 day', '-8 hours')
             AND msg_data_id IS NOT NULL AND state IN ('submitted', 'finished')"#,
        account,
        day,
        window
    )
    .fetch_all(db)
    .await
}

/// Writes what became of asking `endpoint` for `day`.
#[allow(clippy::too_many_arguments)]
pub async fn put_fetch(
    db: &mut SqliteConnection,
    account: i64,
    endpoint: &str,
    day: &str,
    state: &str,
    attempts: i64,
    next_attempt_at: Option<&str>,
    errcode: Option<i64>,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO stats_fetches (account_id, endpoint, ref_date, state, attempts,
             next_attempt_at, errcode, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, endpoint, ref_date) DO UPDATE SET
             state = excluded.state, attempts = excluded.attempts,
             next_attempt_at = excluded.next_attempt_at, errcode = excluded.errcode,
             updated_at = excluded.updated_at",
        account,
        endpoint,
        day,
        state,
        attempts,
        next_attempt_at,
        errcode,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// No datacube call for `account` before `until` (UTC), after a 45009.
pub async fn pause(db: &mut SqliteConnection, account: i64, until: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO stats_accounts (account_id, paused_until) VALUES (?1, ?2)
         ON CONFLICT (account_id) DO UPDATE SET paused_until = ?2",
        account,
        until
    )
    .execute(db)
    .await?;
    Ok(())
}

/// WeChat gives `account` no statistics (48001, 61007): kept with when it
/// first said so; asked again from `retry_at`.
pub async fn deny(
    db: &mut SqliteConnection,
    account: i64,
    errcode: i64,
    now: &str,
    retry_at: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO stats_accounts (account_id, denied_errcode, denied_at, denied_retry_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (account_id) DO UPDATE SET
             denied_errcode = ?2,
             denied_at = coalesce(stats_accounts.denied_at, ?3),
             denied_retry_at = ?4",
        account,
        errcode,
        now,
        retry_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Counts an account-wide failure of `account` (the fetcher then pauses
/// it, longer each time); returns the failures in a row.
pub async fn fail_account(db: &mut SqliteConnection, account: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO stats_accounts (account_id, failures) VALUES (?1, 1)
         ON CONFLICT (account_id) DO UPDATE SET failures = stats_accounts.failures + 1
         RETURNING failures",
        account
    )
    .fetch_one(db)
    .await
}

/// WeChat answered `account`: account-wide failures start again from none.
pub async fn account_answered(db: &mut SqliteConnection, account: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE stats_accounts SET failures = 0 WHERE account_id = ? AND failures <> 0",
        account
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes back a call [`take_call`] counted on `day` that never reached
/// WeChat's datacube (no access token could be had).
pub async fn give_back_call(
    db: &mut SqliteConnection,
    account: i64,
    day: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE stats_accounts SET calls = calls - 1
         WHERE account_id = ? AND calls_day = ? AND calls > 0",
        account,
        day
    )
    .execute(db)
    .await?;
    Ok(())
}

/// WeChat answered `account` again: it is no longer denied.
pub async fn clear_denial(db: &mut SqliteConnection, account: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE stats_accounts SET denied_errcode = NULL, denied_at = NULL, denied_retry_at = NULL
         WHERE account_id = ?",
        account
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What a send's figures need of the send itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOfStats {
    pub msg_type: String,
    pub state: String,
    pub sent_count: Option<i64>,
    /// When WeChat took it (UTC, stored form): its day is day 0.
    pub submitted_at: Option<String>,
    pub msg_data_id: Option<i64>,
    /// The articles' titles, in order (from the send, else from qunfa's
    /// copy of the articles as sent); empty when neither kept them.
    pub titles: Vec<String>,
    /// `sends.read_users` is set: a day of its figures was fetched.
    pub has_totals: bool,
}

/// Send `id` of `account`, as its figures need it (`None`: no such send
/// in that account).
pub async fn send_of_stats(
    db: &mut SqliteConnection,
    account: i64,
    id: i64,
) -> sqlx::Result<Option<SendOfStats>> {
    let row = sqlx::query!(
        "SELECT s.msg_type, s.state, s.sent_count, s.submitted_at, s.msg_data_id,
                s.read_users, s.articles, a.articles AS \"as_sent?\"
         FROM sends s LEFT JOIN sent_articles a ON a.send_id = s.id
         WHERE s.id = ? AND s.account_id = ?",
        id,
        account
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let mut titles: Vec<String> = r
            .articles
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        if titles.is_empty() {
            titles = r
                .as_sent
                .as_deref()
                .and_then(|a| serde_json::from_str::<Vec<serde_json::Value>>(a).ok())
                .unwrap_or_default()
                .iter()
                .map(|article| article["title"].as_str().unwrap_or_default().to_owned())
                .collect();
        }
        SendOfStats {
            msg_type: r.msg_type,
            state: r.state,
            sent_count: r.sent_count,
            submitted_at: r.submitted_at,
            msg_data_id: r.msg_data_id,
            titles,
            has_totals: r.read_users.is_some(),
        }
    }))
}

/// One call of a list send, as its figures need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCallOfStats {
    pub id: i64,
    pub state: String,
    pub sent_count: Option<i64>,
}

/// The calls of the list send (`openid_list` group) send `id` of
/// `account` belongs to, the first call (`group_part` 1) first; empty when
/// it is not a call of a list.
pub async fn list_calls(
    db: &mut SqliteConnection,
    account: i64,
    id: i64,
) -> sqlx::Result<Vec<ListCallOfStats>> {
    sqlx::query_as!(
        ListCallOfStats,
        r#"SELECT c.id AS "id!", c.state, c.sent_count FROM sends AS s
           JOIN send_groups AS g ON g.id = s.group_id AND g.kind = 'openid_list'
           JOIN sends AS c ON c.group_id = s.group_id AND c.endpoint = 'send'
           WHERE s.id = ? AND s.account_id = ? AND s.endpoint = 'send'
           ORDER BY c.group_part, c.id"#,
        id,
        account
    )
    .fetch_all(db)
    .await
}

/// One stored day of one article, as `article_days` holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredDay {
    pub article_idx: u32,
    pub ref_date: String,
    pub readers: Option<u64>,
    pub reads: Option<u64>,
    pub favourites: Option<u64>,
    pub sharers: Option<u64>,
    /// `None` when the day's answer had no `read_user_source`.
    pub sources: Option<Sources>,
    pub delayed: bool,
}

/// Every stored day of send `send_id`, by article and day.
pub async fn days_of_send(db: &mut SqliteConnection, send_id: i64) -> sqlx::Result<Vec<StoredDay>> {
    let rows = sqlx::query!(
        "SELECT article_idx, ref_date, readers, reads, favourites, sharers,
                from_message, from_history, from_shares, from_other, delayed
         FROM article_days WHERE send_id = ? ORDER BY article_idx, ref_date",
        send_id
    )
    .fetch_all(db)
    .await?;
    let count = |n: Option<i64>| n.map(|n| u64::try_from(n).unwrap_or(0));
    Ok(rows
        .into_iter()
        .map(|r| StoredDay {
            article_idx: u32::try_from(r.article_idx).unwrap_or(0),
            ref_date: r.ref_date,
            readers: count(r.readers),
            reads: count(r.reads),
            favourites: count(r.favourites),
            sharers: count(r.sharers),
            sources: match (r.from_message, r.from_history, r.from_shares, r.from_other) {
                (None, None, None, None) => None,
                (message, history, shares, other) => Some(Sources {
                    message: count(message).unwrap_or(0),
                    history: count(history).unwrap_or(0),
                    shares: count(shares).unwrap_or(0),
                    other: count(other).unwrap_or(0),
                }),
            },
            delayed: r.delayed != 0,
        })
        .collect())
}
