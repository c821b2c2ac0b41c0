//! The `audit_log` table.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::{Action, AuditEntry, Facts};

/// Appends a line; called inside the transaction of what it records where
/// there is one, so the log and the change agree. The facts are kept as
/// JSON (worded when shown) and in English (`detail`).
pub async fn record(
    db: &mut SqliteConnection,
    account: Option<i64>,
    user_id: Option<i64>,
    username: &str,
    action: Action,
    facts: &Facts,
) -> Result<(), sqlx::Error> {
    let action = action.name();
    let detail = facts.english();
    let address = facts.address();
    let facts = serde_json::to_string(facts).ok();
    sqlx::query!(
        "INSERT INTO audit_log (account_id, user_id, username, action, detail, facts, address)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        account,
        user_id,
        username,
        action,
        detail,
        facts,
        address,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Like [`record`], but a failure is only logged: the action it describes
/// has already happened and must not be reported as failed.
pub async fn record_or_log(
    db: &SqlitePool,
    account: Option<i64>,
    user_id: Option<i64>,
    username: &str,
    action: Action,
    facts: &Facts,
) {
    let result = match db.acquire().await {
        Ok(mut conn) => record(&mut conn, account, user_id, username, action, facts).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::error!(%error, action = action.name(), "could not write the audit log");
    }
}

/// What a page of the log is narrowed to; `None` is no filter.
#[derive(Debug, Default)]
pub struct AuditQuery {
    pub who: Option<String>,
    pub action: Option<String>,
    /// `YYYY-MM-DD`: lines from that day (China time) on.
    pub since: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: String,
    username: String,
    action: String,
    detail: String,
    facts: Option<String>,
    address: Option<String>,
    account_slug: Option<String>,
    account_name: Option<String>,
}

/// Lines newest first, by the query's filters.
pub async fn page(db: &SqlitePool, query: &AuditQuery) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT l.id, l.at, l.username, l.action, l.detail, l.facts, l.address, \
         a.slug AS account_slug, a.name AS account_name \
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id WHERE l.id < ",
    );
    sql.push_bind(query.before.unwrap_or(i64::MAX));
    if let Some(who) = &query.who {
        sql.push(" AND l.username = ")
            .push_bind(who)
            .push(" COLLATE NOCASE");
    }
    if let Some(action) = &query.action {
        sql.push(" AND l.action = ").push_bind(action);
    }
    if let Some(since) = &query.since {
        // The day is China's (UTC+8, no daylight saving), as the pages show
        // times without JavaScript; `at` is ISO 8601 in UTC, so the text
        // compares as the time does.
        sql.push(" AND l.at >= strftime('%Y-%m-%dT%H:%M:%fZ', ")
            .push_bind(since)
            .push(", '-8 hours')");
    }
    sql.push(" ORDER BY l.id DESC LIMIT ")
        .push_bind(query.limit);
    let rows: Vec<Row> = sql.build_query_as().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            id: row.id,
            at: row.at,
            username: row.username,
            action: Action::from_name(&row.action).ok_or(row.action),
            detail: row.detail,
            // Lines written before `facts` existed have only their words.
            facts: row.facts.and_then(|f| serde_json::from_str(&f).ok()),
            address: row.address,
            account: row.account_slug.zip(row.account_name),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::{config::DatabasePath, db};

    async fn memory() -> SqlitePool {
        db::open(&DatabasePath {
            url: "sqlite::memory:".into(),
            file: None,
        })
        .await
        .unwrap()
    }

    async fn line(db: &SqlitePool, username: &str, action: Action, facts: Facts) {
        let mut conn = db.acquire().await.unwrap();
        record(&mut conn, None, None, username, action, &facts)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn pages_are_filtered_by_who_what_and_when_and_go_back_by_id() {
        let db = memory().await;
        for i in 0..5 {
            let address = Some(format!("203.0.113.{i}"));
            line(&db, "Guess", Action::LoginFailed, Facts::Login { address }).await;
            line(&db, "admin", Action::Login, Facts::Login { address: None }).await;
        }
        let failed = page(
            &db,
            &AuditQuery {
                who: Some("guess".into()),
                action: Some("login_failed".into()),
                limit: 3,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(failed.len(), 3);
        assert!(failed.iter().all(|e| e.action == Ok(Action::LoginFailed)));
        assert_eq!(failed[0].address.as_deref(), Some("203.0.113.4"));
        let older = page(
            &db,
            &AuditQuery {
                action: Some("login_failed".into()),
                before: Some(failed[2].id),
                limit: 3,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
        let addresses: Vec<_> = older.iter().filter_map(|e| e.address.clone()).collect();
        assert_eq!(addresses, ["203.0.113.1", "203.0.113.0"]);
        let tomorrow = page(
            &db,
            &AuditQuery {
                since: Some("2999-01-01".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
        assert!(tomorrow.is_empty());
    }

    #[tokio::test]
    async fn since_is_a_day_in_china_time_as_the_pages_show_times() {
        let db = memory().await;
        line(&db, "admin", Action::Login, Facts::Login { address: None }).await;
        // 17:00 UTC on the 29th is 01:00 on the 30th in China.
        sqlx::query("UPDATE audit_log SET at = '2026-11-29T17:00:00.000Z'")
            .execute(&db)
            .await
            .unwrap();
        let on = |day: &str| AuditQuery {
            since: Some(day.into()),
            limit: 10,
            ..AuditQuery::default()
        };
        assert_eq!(page(&db, &on("2026-11-30")).await.unwrap().len(), 1);
        assert!(page(&db, &on("2026-12-01")).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn old_lines_without_facts_keep_their_words() {
        let db = memory().await;
        sqlx::query(
            "INSERT INTO audit_log (username, action, detail) VALUES ('old', 'user_add', 'ed (editor)')",
        )
        .execute(&db)
        .await
        .unwrap();
        let lines = page(
            &db,
            &AuditQuery {
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(lines[0].facts, None);
        assert_eq!(lines[0].detail, "ed (editor)");
    }
}
