//! `/audit`'s server function.

use leptos::prelude::*;

use super::{AuditFilter, AuditPage};
use crate::error::AppError;

/// The audit log, newest first: a page of the lines the filter lets
/// through, before the line `filter.before`.
#[server(endpoint = "list_audit")]
pub async fn list_audit(#[server(default)] filter: AuditFilter) -> Result<AuditPage, AppError> {
    let call = crate::edge::admin()?;
    let mut entries = super::store::page(&call.app.db, &ssr::query_of(&filter)).await?;
    let older = (entries.len() as i64 > super::AUDIT_PAGE).then(|| {
        entries.truncate(super::AUDIT_PAGE as usize);
        entries.last().map(|e| e.id)
    });
    let mut db = call.app.db.acquire().await?;
    let users = crate::auth::store::names(&mut db)
        .await?
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    Ok(AuditPage {
        entries,
        older: older.flatten(),
        users,
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::{AUDIT_PAGE, Action, AuditFilter, store::AuditQuery};

    /// The filters of the address as values; one that does not parse is
    /// left out.
    pub fn query_of(filter: &AuditFilter) -> AuditQuery {
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let format = time::macros::format_description!("[year]-[month]-[day]");
        AuditQuery {
            who: text(&filter.who),
            action: Action::from_name(filter.action.trim()).map(|a| a.name().to_owned()),
            since: time::Date::parse(filter.since.trim(), &format)
                .ok()
                .map(|_| filter.since.trim().to_owned()),
            before: filter.before.trim().parse().ok(),
            // One more than a page says whether there is an older one.
            limit: AUDIT_PAGE + 1,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn filters_that_do_not_parse_are_left_out() {
            let query = query_of(&AuditFilter {
                who: "  ".into(),
                action: "no_such_action".into(),
                since: "2024-02-30".into(),
                before: "abc".into(),
            });
            assert!(query.who.is_none() && query.action.is_none());
            assert!(query.since.is_none() && query.before.is_none());
            let query = query_of(&AuditFilter {
                who: " Admin ".into(),
                action: "login_failed".into(),
                since: "2024-02-29".into(),
                before: "77".into(),
            });
            assert_eq!(query.who.as_deref(), Some("Admin"));
            assert_eq!(query.action.as_deref(), Some("login_failed"));
            assert_eq!(query.since.as_deref(), Some("2024-02-29"));
            assert_eq!(query.before, Some(77));
        }
    }
}
