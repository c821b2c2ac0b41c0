//! The account overview (`/a/:account/stats`): the article sends WeChat
//! took in the last 30 or 90 days ranked by read rate, and the read rate by
//! audience, by message type and by the hour of the day (in the account's
//! zone) they went out: what a team needs to decide when and to whom to
//! send next.
//!
//! Read from the totals kept on `sends` (`headline_read_users`,
//! `sent_count`) over the window's entries of the index `sends_read_rates`
//! (`(account_id, submitted_at)` with the columns read here, so no table lookup
//! per send), never from the daily rows and never from WeChat. A send's read rate is
//! its first article's readers over its `SentCount`; a group's is the sum of
//! its sends' readers over the sum of their `SentCount`. A send to a list of
//! followers (several `mass/send` calls) counts as one send, its calls'
//! figures summed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The windows offered; any other `days` is taken as the first.
pub const WINDOWS: [i64; 2] = [30, 90];

/// How many sends the ranking lists, best first.
pub const RANKED: i64 = 20;

/// The window asked for: 90 when asked for 90, else 30 (a `days` from an
/// edited address is clamped, not refused: the page still answers).
pub fn window(days: i64) -> i64 {
    if days == WINDOWS[1] {
        WINDOWS[1]
    } else {
        WINDOWS[0]
    }
}

/// Whom a send went to, as the overview groups sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AudienceGroup {
    AllFollowers,
    /// A tag, by id, named as at the account's latest send to it.
    Tag {
        id: i64,
        name: String,
    },
    /// Lists of followers (`mass/send`), all together.
    Lists,
}

/// One article send of the ranking (a list send's calls summed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedSend {
    /// Its page: `/a/<account>/sends/<id>` (a list send's first call).
    pub id: i64,
    /// When WeChat took it, in the account's zone: "2026-12-01 14:00".
    pub when: String,
    /// The article titles (History's summary).
    pub summary: String,
    pub audience: AudienceGroup,
    /// The tag's or list's name at send time; empty for all followers.
    pub audience_words: String,
    pub sent: i64,
    /// The first article's readers over its followed days.
    pub readers: i64,
}

/// Read figures summed over a group of sends that have figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// Sends with figures in the group.
    pub sends: i64,
    pub sent: i64,
    pub readers: i64,
}

impl Rate {
    /// Readers over sent, 0.0–1.0 (and beyond, should WeChat count so);
    /// `None` when nothing was sent.
    pub fn ratio(&self) -> Option<f64> {
        (self.sent > 0).then(|| self.readers as f64 / self.sent as f64)
    }

    #[cfg(feature = "ssr")]
    fn add(&mut self, other: Rate) {
        self.sends += other.sends;
        self.sent += other.sent;
        self.readers += other.readers;
    }
}

/// A message type's sends in the window; only article sends have read
/// figures (`rate` is `None` for the others: WeChat gives none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeRow {
    pub msg_type: String,
    /// Sends WeChat took, a list send once.
    pub sends: i64,
    pub rate: Option<Rate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceRow {
    pub audience: AudienceGroup,
    pub rate: Rate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourRow {
    /// 0–23, in the account's zone.
    pub hour: u8,
    pub rate: Rate,
}

/// The overview of one account over a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    /// 30 or 90.
    pub days: i64,
    /// The account's zone, as the pages name it.
    pub zone: String,
    /// Why WeChat gives the account no figures (`stats::denied_words`).
    pub denied: Option<String>,
    /// The latest time a send of the window's figures were updated, in the
    /// account's zone, its name said.
    pub updated: Option<String>,
    /// Article sends WeChat took in the window.
    pub article_sends: i64,
    /// Of those, the ones without figures yet.
    pub without_figures: i64,
    /// The best [`RANKED`] by read rate, best first.
    pub ranked: Vec<RankedSend>,
    pub by_audience: Vec<AudienceRow>,
    pub by_type: Vec<TypeRow>,
    /// Only hours with article sends with figures, in order.
    pub by_hour: Vec<HourRow>,
}

impl AccountOverview {
    /// Article sends with figures in the window.
    pub fn with_figures(&self) -> i64 {
        self.article_sends - self.without_figures
    }
}

#[server(endpoint = "account_stats")]
pub async fn account_stats(account: String, days: i64) -> Result<AccountOverview, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::overview(&call.app, window(days), call.lang).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::BTreeMap;

    use jiff::{Timestamp, ToSpan};
    use sqlx::SqliteConnection;

    use super::*;
    use crate::i18n::Lang;
    use crate::sends::schedule::ssr::{input_value, local_text, parse_utc, utc_text, zone};
    use crate::shell::state::AccountState;

    /// The stretches of `[from, to)` over which `zone_name` keeps one UTC
    /// offset, as `[[start, end, offset seconds], …]` in JSON for the hour
    /// query (times in the stored form, so they compare as text).
    pub fn offset_stretches(zone_name: &str, from: Timestamp, to: Timestamp) -> String {
        let tz = zone(zone_name)
            .or_else(|| zone("Asia/Shanghai"))
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let mut stretches = Vec::new();
        let mut start = from;
        for transition in tz.following(from) {
            let at = transition.timestamp();
            if at >= to {
                break;
            }
            stretches.push((start, at));
            start = at;
        }
        stretches.push((start, to));
        let rows: Vec<serde_json::Value> = stretches
            .into_iter()
            .map(|(start, end)| {
                serde_json::json!([
                    utc_text(start),
                    utc_text(end),
                    tz.to_offset(start).seconds()
                ])
            })
            .collect();
        serde_json::Value::Array(rows).to_string()
    }

    /// One cell of the window: the sends of one type, audience and local
    /// hour.
    struct Cell {
        msg_type: String,
        list: bool,
        tag_id: Option<i64>,
        hour: i64,
        sends: i64,
        with_figures: i64,
        sent: i64,
        readers: i64,
        updated: Option<String>,
    }

    /// Every send WeChat took in the window, in cells of (type, audience,
    /// local hour): one pass over the window's entries of
    /// `sends_read_rates`, one stretch of the zone's offset at a time (the
    /// stretches materialised: inlined, each row would read the JSON again).
    async fn cells(
        db: &mut SqliteConnection,
        account: i64,
        stretches: &str,
    ) -> sqlx::Result<Vec<Cell>> {
        let rows = sqlx::query!(
            r#"WITH stretch (start, finish, offset) AS MATERIALIZED (
                   SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                          json_extract(value, '$[2]')
                   FROM json_each(?2)
               )
               SELECT s.msg_type AS "msg_type!: String",
                      s.endpoint = 'send' AS "list!: bool",
                      CASE WHEN s.endpoint = 'send' THEN NULL ELSE s.tag_id END AS "tag_id: i64",
                      ((CAST(strftime('%s', s.submitted_at) AS INTEGER) + stretch.offset) % 86400) / 3600
                          AS "hour!: i64",
                      SUM(s.endpoint <> 'send' OR s.group_part IS NULL OR s.group_part = 1)
                          AS "sends!: i64",
                      SUM(CASE WHEN s.endpoint = 'send' AND s.group_part IS NOT NULL
                               -- A list counts once, at its first call, when
                               -- any of its calls has figures.
                               THEN s.group_part = 1 AND EXISTS (
                                   SELECT 1 FROM sends AS c
                                   WHERE c.group_id = s.group_id AND c.endpoint = 'send'
                                     AND c.headline_read_users IS NOT NULL AND c.sent_count > 0)
                               ELSE s.headline_read_users IS NOT NULL AND s.sent_count > 0 END)
                          AS "with_figures!: i64",
                      TOTAL(CASE WHEN s.headline_read_users IS NOT NULL AND s.sent_count > 0
                                 THEN s.sent_count END) AS "sent!: f64",
                      TOTAL(CASE WHEN s.headline_read_users IS NOT NULL AND s.sent_count > 0
                                 THEN s.headline_read_users END) AS "readers!: f64",
                      MAX(s.stats_updated_at) AS "updated: String"
               FROM stretch
               JOIN sends AS s
                 ON s.account_id = ?1 AND s.submitted_at >= stretch.start
                    AND s.submitted_at < stretch.finish
               GROUP BY 1, 2, 3, 4"#,
            account,
            stretches
        )
        .fetch_all(db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Cell {
                msg_type: r.msg_type,
                list: r.list,
                tag_id: r.tag_id,
                hour: r.hour,
                sends: r.sends,
                with_figures: r.with_figures,
                sent: r.sent as i64,
                readers: r.readers as i64,
                updated: r.updated,
            })
            .collect())
    }

    /// The window's article sends with figures, best read rate first (a
    /// list send's calls summed), at most `limit`. The sends to all or a
    /// tag are ranked as they are (a bounded sort, no grouping of the
    /// window's thousands of rows); only the calls of lists are grouped,
    /// all of a list's calls, linked by its first (`group_part` 1).
    async fn ranked(
        db: &mut SqliteConnection,
        account: i64,
        since: &str,
        limit: i64,
    ) -> sqlx::Result<Vec<RankedRow>> {
        sqlx::query_as!(
            RankedRow,
            r#"WITH top AS (
                   SELECT id, submitted_at, tag_id, 0 AS list, sent_count AS sent,
                          headline_read_users AS readers,
                          CAST(headline_read_users AS REAL) / sent_count AS rate
                   FROM sends
                   WHERE account_id = ?1 AND submitted_at >= ?2 AND msg_type = 'mpnews'
                     AND headline_read_users IS NOT NULL AND sent_count > 0
                     AND endpoint <> 'send'
                   UNION ALL
                   SELECT COALESCE(MIN(CASE WHEN group_part = 1 THEN id END), MIN(id)),
                          MIN(submitted_at), NULL, 1, SUM(sent_count),
                          SUM(headline_read_users),
                          CAST(SUM(headline_read_users) AS REAL) / SUM(sent_count)
                   FROM sends
                   WHERE account_id = ?1 AND submitted_at >= ?2 AND msg_type = 'mpnews'
                     AND endpoint = 'send'
                   GROUP BY group_id
                   HAVING COUNT(headline_read_users) > 0 AND SUM(sent_count) > 0
                   ORDER BY rate DESC, id DESC
                   LIMIT ?3
               )
               SELECT top.id AS "id!: i64", top.submitted_at AS "submitted_at!: String",
                      s.summary, s.audience, top.tag_id AS "tag_id: i64",
                      top.list AS "list!: bool", top.sent AS "sent!: i64",
                      top.readers AS "readers!: i64"
               FROM top JOIN sends AS s ON s.id = top.id
               ORDER BY top.rate DESC, top.id DESC"#,
            account,
            since,
            limit
        )
        .fetch_all(db)
        .await
    }

    /// The name of tag `tag` at the account's latest send to it.
    async fn tag_name(db: &mut SqliteConnection, account: i64, tag: i64) -> sqlx::Result<String> {
        sqlx::query_scalar!(
            "SELECT audience FROM sends WHERE account_id = ? AND tag_id = ? ORDER BY id DESC LIMIT 1",
            account,
            tag
        )
        .fetch_optional(db)
        .await
        .map(Option::unwrap_or_default)
    }

    struct RankedRow {
        id: i64,
        submitted_at: String,
        summary: String,
        audience: String,
        tag_id: Option<i64>,
        list: bool,
        sent: i64,
        readers: i64,
    }

    fn audience_group(list: bool, tag_id: Option<i64>, name: &str) -> AudienceGroup {
        match (list, tag_id) {
            (true, _) => AudienceGroup::Lists,
            (false, Some(id)) => AudienceGroup::Tag {
                id,
                name: name.to_owned(),
            },
            (false, None) => AudienceGroup::AllFollowers,
        }
    }

    /// "2026-12-01 14:00" in `zone_name`.
    fn local_minute(zone_name: &str, utc: &str) -> String {
        input_value(zone_name, utc).replacen('T', " ", 1)
    }

    /// The overview of `app`'s account over the last `days` days (UTC, from
    /// the worker's clock).
    pub async fn overview(
        app: &AccountState,
        days: i64,
        lang: Lang,
    ) -> Result<AccountOverview, AppError> {
        let account = &app.account;
        let now_text = account.sends.now();
        let now = parse_utc(&now_text).unwrap_or_else(Timestamp::now);
        let from = now
            .checked_sub((days * 24).hours())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let since = utc_text(from);
        // Up to the next minute: a send stored as this very millisecond.
        let until = now.checked_add(1.minute()).unwrap_or(now);
        let stretches = offset_stretches(&account.time_zone, from, until);
        let mut db = app.db.acquire().await?;
        let status = crate::stats::store::account_status(&mut db, account.id).await?;
        let cells = cells(&mut db, account.id, &stretches).await?;
        let ranked = ranked(&mut db, account.id, &since, RANKED).await?;
        let mut stats = summarise(&account.time_zone, days, cells, lang);
        for row in &mut stats.by_audience {
            if let AudienceGroup::Tag { id, name } = &mut row.audience {
                *name = tag_name(&mut db, account.id, *id).await?;
            }
        }
        drop(db);

        stats.denied = status
            .denied_errcode
            .map(|code| crate::stats::denied_words(code, lang));
        stats.ranked = ranked
            .into_iter()
            .map(|r| RankedSend {
                id: r.id,
                when: local_minute(&account.time_zone, &r.submitted_at),
                summary: r.summary,
                audience: audience_group(r.list, r.tag_id, &r.audience),
                audience_words: r.audience,
                sent: r.sent,
                readers: r.readers,
            })
            .collect();
        Ok(stats)
    }

    /// The cells summed by type, audience and hour.
    fn summarise(zone_name: &str, days: i64, cells: Vec<Cell>, lang: Lang) -> AccountOverview {
        let mut by_type: BTreeMap<String, (i64, Rate)> = BTreeMap::new();
        // Keyed by (order, tag id): all followers, the tags, the lists.
        let mut by_audience: BTreeMap<(u8, i64), (AudienceGroup, Rate)> = BTreeMap::new();
        let mut by_hour: BTreeMap<u8, Rate> = BTreeMap::new();
        let mut article_sends = 0;
        let mut with_figures = 0;
        let mut updated: Option<String> = None;
        for cell in cells {
            let rate = Rate {
                sends: cell.with_figures,
                sent: cell.sent,
                readers: cell.readers,
            };
            let entry = by_type.entry(cell.msg_type.clone()).or_default();
            entry.0 += cell.sends;
            if cell.msg_type != "mpnews" {
                continue;
            }
            entry.1.add(rate);
            article_sends += cell.sends;
            with_figures += cell.with_figures;
            if cell.updated > updated {
                updated = cell.updated.clone();
            }
            if cell.with_figures == 0 {
                continue;
            }
            // A tag is named afterwards, as at its latest send.
            let group = audience_group(cell.list, cell.tag_id, "");
            let key = match &group {
                AudienceGroup::AllFollowers => (0, 0),
                AudienceGroup::Tag { id, .. } => (1, *id),
                AudienceGroup::Lists => (2, 0),
            };
            by_audience
                .entry(key)
                .or_insert_with(|| (group, Rate::default()))
                .1
                .add(rate);
            let hour = u8::try_from(cell.hour.rem_euclid(24)).unwrap_or(0);
            by_hour.entry(hour).or_default().add(rate);
        }
        let mut by_type: Vec<TypeRow> = by_type
            .into_iter()
            .map(|(msg_type, (sends, rate))| TypeRow {
                rate: (msg_type == "mpnews").then_some(rate),
                msg_type,
                sends,
            })
            .collect();
        // Articles first: the only type with figures.
        by_type.sort_by_key(|row| (row.msg_type != "mpnews", -row.sends));
        AccountOverview {
            days,
            zone: crate::sends::schedule::zone_words(zone_name, lang),
            denied: None,
            updated: updated.map(|at| local_text(zone_name, &at, lang)),
            article_sends,
            without_figures: article_sends - with_figures,
            ranked: Vec::new(),
            by_audience: by_audience
                .into_values()
                .map(|(audience, rate)| AudienceRow { audience, rate })
                .collect(),
            by_type,
            by_hour: by_hour
                .into_iter()
                .map(|(hour, rate)| HourRow { hour, rate })
                .collect(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn berlin_has_two_stretches_across_the_end_of_summer_time() {
            let from: Timestamp = "2026-10-01T00:00:00Z".parse().unwrap();
            let to: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
            let json = offset_stretches("Europe/Berlin", from, to);
            assert_eq!(
                json,
                r#"[["2026-10-01T00:00:00.000Z","2026-10-25T01:00:00.000Z",7200],["2026-10-25T01:00:00.000Z","2026-11-01T00:00:00.000Z",3600]]"#
            );
        }

        #[test]
        fn china_time_is_one_stretch() {
            let from: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
            let to: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
            assert_eq!(
                offset_stretches("Asia/Shanghai", from, to),
                r#"[["2026-01-01T00:00:00.000Z","2026-04-01T00:00:00.000Z",28800]]"#
            );
        }

        #[test]
        fn only_30_and_90_days_are_windows() {
            assert_eq!(window(90), 90);
            assert_eq!(window(30), 30);
            for other in [0, -1, 7, 31, 365, i64::MAX] {
                assert_eq!(window(other), 30, "{other}");
            }
        }
    }
}
