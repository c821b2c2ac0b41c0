//! The `audit_log` table.

use sqlx::{SqliteConnection, SqlitePool};

use super::{Action, AuditEntry};

/// Appends a line; called inside the transaction of what it records where
/// there is one, so the log and the change agree.
pub async fn record(
    db: &mut SqliteConnection,
    user_id: Option<i64>,
    username: &str,
    action: Action,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let action = action.name();
    sqlx::query!(
        "INSERT INTO audit_log (user_id, username, action, detail) VALUES (?, ?, ?, ?)",
        user_id,
        username,
        action,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Like [`record`], but a failure is only logged: the action it describes
/// has already happened and must not be reported as failed.
pub async fn record_or_log(
    db: &SqlitePool,
    user_id: Option<i64>,
    username: &str,
    action: Action,
    detail: &str,
) {
    let result = match db.acquire().await {
        Ok(mut conn) => record(&mut conn, user_id, username, action, detail).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::error!(%error, action = action.name(), "could not write the audit log");
    }
}

pub async fn page(
    db: &SqlitePool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let before = before.unwrap_or(i64::MAX);
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", at, username, action, detail FROM audit_log
           WHERE id < ? ORDER BY id DESC LIMIT ?"#,
        before,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            id: row.id,
            at: row.at,
            username: row.username,
            action: Action::from_name(&row.action).ok_or(row.action),
            detail: row.detail,
        })
        .collect())
}
