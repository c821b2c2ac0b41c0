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
                s.articles, a.articles AS \"as_sent?\"
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
        }
    }))
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
