//! `/audit`'s server function.

use leptos::prelude::*;

use super::AuditEntry;
use crate::error::AppError;

/// The audit log, newest first: a page of lines before the line `before`.
#[server(endpoint = "list_audit")]
pub async fn list_audit(before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    let call = crate::edge::admin()?;
    Ok(super::store::page(&call.app.db, before, super::AUDIT_PAGE).await?)
}
