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
/// its `getarticleshare` figure is kept.
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
             from_message, from_history, from_shares, from_other, delayed, fetched_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (send_id, article_idx, ref_date) DO UPDATE SET
             readers = excluded.readers, reads = excluded.reads,
             favourites = excluded.favourites, from_message = excluded.from_message,
             from_history = excluded.from_history, from_shares = excluded.from_shares,
             from_other = excluded.from_other, delayed = excluded.delayed,
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
/// its `getarticleread` figures are kept.
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
        "INSERT INTO article_days (send_id, article_idx, ref_date, sharers, delayed, fetched_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (send_id, article_idx, ref_date) DO UPDATE SET
             sharers = excluded.sharers,
             delayed = MAX(article_days.delayed, excluded.delayed),
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
pub async fn refresh_totals(
    db: &mut SqliteConnection,
    send_id: i64,
    now: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE sends SET
             read_users = (SELECT SUM(readers) FROM article_days WHERE send_id = sends.id),
             headline_read_users = (SELECT SUM(readers) FROM article_days
                                     WHERE send_id = sends.id AND article_idx = 1),
             read_count = (SELECT SUM(reads) FROM article_days WHERE send_id = sends.id),
             share_users = (SELECT SUM(sharers) FROM article_days WHERE send_id = sends.id),
             fav_users = (SELECT SUM(favourites) FROM article_days WHERE send_id = sends.id),
             stats_updated_at = ?
         WHERE id = ?",
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
