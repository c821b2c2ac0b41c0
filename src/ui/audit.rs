//! `/audit` (admins): who did what when, newest first, a page at a time.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::time::short_time;
use super::{Audience, Page, lang, tr};
use crate::audit::{AUDIT_PAGE, AuditEntry, list_audit};
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
    let zh = lang() == Lang::Zh;
    view! {
        <Suspense fallback=move || view! { <p>{tr(zh, "加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) => {
                        let older = (list.len() as i64 == AUDIT_PAGE)
                            .then(|| list.last().map(|e| format!("/audit?before={}", e.id)))
                            .flatten();
                        view! {
                            <table class="audit">
                                <thead>
                                    <tr>
                                        <th scope="col">{tr(zh, "时间（UTC）", "Time (UTC)")}</th>
                                        <th scope="col">{tr(zh, "用户", "User")}</th>
                                        <th scope="col">{tr(zh, "操作", "Action")}</th>
                                        <th scope="col">{tr(zh, "详情", "Detail")}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|entry| {
                                            view! {
                                                <tr>
                                                    <td>{short_time(&entry.at)}</td>
                                                    <td>{entry.username}</td>
                                                    <td>{action_words(zh, &entry.action)}</td>
                                                    <td>{entry.detail}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {older.map(|href| view! { <p><a href=href>{tr(zh, "更早的记录", "Older entries")}</a></p> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang())}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn action_words(zh: bool, action: &str) -> String {
    let words = match (action, zh) {
        ("send", true) => "群发",
        ("send", false) => "Send",
        ("preview", true) => "预览",
        ("preview", false) => "Preview",
        ("login", true) => "登录",
        ("login", false) => "Login",
        ("login_failed", true) => "登录失败",
        ("login_failed", false) => "Failed login",
        ("setup", true) => "首次设置（创建管理员）",
        ("setup", false) => "First-run setup (admin created)",
        ("user_add", true) => "添加用户",
        ("user_add", false) => "User added",
        ("user_disable", true) => "停用用户",
        ("user_disable", false) => "User disabled",
        ("user_enable", true) => "启用用户",
        ("user_enable", false) => "User enabled",
        ("user_role", true) => "修改角色",
        ("user_role", false) => "Role changed",
        ("user_password", true) => "重置密码",
        ("user_password", false) => "Password reset",
        (other, _) => return other.to_owned(),
    };
    words.to_owned()
}
