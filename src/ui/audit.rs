//! `/audit` (admins): who did what when, newest first, a page at a time.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::time::StoredTime;
use super::{Audience, Page, lang};
use crate::audit::{AUDIT_PAGE, Action, AuditEntry, api::list_audit};
use crate::error::AppError;
use crate::i18n::Lang;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let entries = Resource::new(
        move || query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())),
        list_audit,
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("审计日志", "Audit log") audience=Audience::Admins>
            <AuditBody entries />
        </Page>
    }
}

#[component]
fn AuditBody(entries: Resource<Result<Vec<AuditEntry>, AppError>>) -> impl IntoView {
    let lang = lang();
    view! {
        <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) => {
                        let older = (list.len() as i64 == AUDIT_PAGE)
                            .then(|| list.last().map(|e| format!("/audit?before={}", e.id)))
                            .flatten();
                        view! {
                            <table class="audit stacked">
                                <thead>
                                    <tr>
                                        <th scope="col">{lang.pick("时间", "Time")}</th>
                                        <th scope="col">{lang.pick("用户", "User")}</th>
                                        <th scope="col">{lang.pick("操作", "Action")}</th>
                                        <th scope="col">{lang.pick("详情", "Detail")}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|entry| {
                                            view! {
                                                <tr>
                                                    <td data-label=lang.pick("时间", "Time")><StoredTime at=entry.at /></td>
                                                    <td data-label=lang.pick("用户", "User")>{entry.username}</td>
                                                    <td data-label=lang.pick("操作", "Action")>{action_words(lang, &entry.action)}</td>
                                                    <td data-label=lang.pick("详情", "Detail")>{entry.detail}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {older.map(|href| view! { <p><a href=href>{lang.pick("更早的记录", "Older entries")}</a></p> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The action in words; a name this version does not know, as stored.
fn action_words(lang: Lang, action: &Result<Action, String>) -> String {
    match action {
        Ok(action) => action.words(lang).to_owned(),
        Err(stored) => stored.clone(),
    }
}
