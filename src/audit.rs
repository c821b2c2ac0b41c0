//! The audit log: who did what when — sends, previews, logins, user
//! changes. Admins read it at `/audit`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub action: String,
    pub detail: String,
}

/// Lines per page of `/audit`.
pub const AUDIT_PAGE: i64 = 100;

/// The audit log, newest first: a page of lines before the line `before`.
#[server(endpoint = "list_audit")]
pub async fn list_audit(before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    crate::auth::api::ssr::answered(
        async move {
            crate::auth::api::ssr::require_admin()?;
            let app = crate::auth::api::ssr::state()?;
            page(&app.db, before, AUDIT_PAGE)
                .await
                .map_err(AppError::unexpected)
        }
        .await,
    )
}

/// Appends a line; called inside the transaction of what it records where
/// there is one, so the log and the change agree.
#[cfg(feature = "ssr")]
pub async fn record(
    db: &mut sqlx::SqliteConnection,
    user_id: Option<i64>,
    username: &str,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
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
#[cfg(feature = "ssr")]
pub async fn record_or_log(
    db: &sqlx::SqlitePool,
    user_id: Option<i64>,
    username: &str,
    action: &str,
    detail: &str,
) {
    let result = match db.acquire().await {
        Ok(mut conn) => record(&mut conn, user_id, username, action, detail).await,
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::error!(%error, action, "could not write the audit log");
    }
}

#[cfg(feature = "ssr")]
pub async fn page(
    db: &sqlx::SqlitePool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let before = before.unwrap_or(i64::MAX);
    sqlx::query_as!(
        AuditEntry,
        r#"SELECT id AS "id!", at, username, action, detail FROM audit_log
           WHERE id < ? ORDER BY id DESC LIMIT ?"#,
        before,
        limit,
    )
    .fetch_all(db)
    .await
}
