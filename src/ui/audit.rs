//! `/audit` (admins): who did what when, newest first, a page at a time,
//! narrowed by a plain GET form (who, what, since when) that works without
//! JavaScript. Each line is worded in the reader's language from its stored
//! facts; values (names, titles, ids, addresses) are shown as they are.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use strum::IntoEnumIterator;

use super::resource::{PageResource, page_resource};
use super::time::StoredTime;
use super::{Audience, Page, history::percent, lang, type_label};
use crate::audit::{Action, AuditEntry, AuditFilter, AuditPage as LogPage, Facts, api::list_audit};
use crate::error::AppError;
use crate::i18n::Lang;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| AuditFilter {
            who: q.get("who").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            since: q.get("since").unwrap_or_default(),
            before: q.get("before").unwrap_or_default(),
        })
    });
    let page = page_resource(move || filter.get(), list_audit);
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("审计日志", "Audit log") audience=Audience::Admins>
            <AuditBody filter page />
        </Page>
    }
}

#[component]
fn AuditBody(
    filter: Memo<AuditFilter>,
    page: PageResource<Result<LogPage, AppError>>,
) -> impl IntoView {
    let lang = lang();
    view! {
        <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let newest = (!f.before.is_empty())
                            .then(|| AuditFilter { before: String::new(), ..f.clone() });
                        let older = page
                            .older
                            .map(|older| AuditFilter { before: older.to_string(), ..f.clone() });
                        let empty = page.entries.is_empty();
                        view! {
                            <Filters lang filter=f users=page.users />
                            {if empty {
                                view! { <p role="status">{lang.pick("没有符合条件的记录。", "No entries match.")}</p> }.into_any()
                            } else {
                                view! { <AuditTable lang entries=page.entries /> }.into_any()
                            }}
                            <p class="pager">
                                {newest.map(|f| view! { <a href=audit_href(&f)>{lang.pick("最新的记录", "Newest entries")}</a> })}
                                " "
                                {older.map(|f| view! { <a href=audit_href(&f)>{lang.pick("更早的记录", "Older entries")}</a> })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The filter form: a GET to this page, so it is a plain link's worth of
/// state and works before (and without) hydration.
#[component]
fn Filters(lang: Lang, filter: AuditFilter, users: Vec<String>) -> impl IntoView {
    view! {
        <form method="get" action="/audit" class="filters" aria-label=lang.pick("筛选", "Filters")>
            <label for="audit-who">{lang.pick("用户", "User")}</label>
            <select id="audit-who" name="who">
                    <option value="">{lang.pick("所有人", "Anyone")}</option>
                    {users
                        .into_iter()
                        .map(|name| {
                            let selected = name.eq_ignore_ascii_case(filter.who.trim());
                            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                        })
                        .collect_view()}
            </select>
            <label for="audit-action">{lang.pick("操作", "Action")}</label>
            <select id="audit-action" name="action">
                    <option value="">{lang.pick("全部", "Any")}</option>
                    {Action::iter()
                        .map(|action| {
                            let selected = action.name() == filter.action.trim();
                            view! { <option value=action.name() selected=selected>{action.words(lang)}</option> }
                        })
                        .collect_view()}
            </select>
            <label for="audit-since">{lang.pick("起始日期（北京时间）", "Since (China time)")}</label>
            <input id="audit-since" type="date" name="since" value=filter.since.clone() />
            <button type="submit">{lang.pick("筛选", "Filter")}</button>
        </form>
    }
}

#[component]
fn AuditTable(lang: Lang, entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <table class="audit stacked">
            <thead>
                <tr>
                    <th scope="col">{lang.pick("时间", "Time")}</th>
                    <th scope="col">{lang.pick("用户", "User")}</th>
                    <th scope="col">{lang.pick("公众号", "Account")}</th>
                    <th scope="col">{lang.pick("操作", "Action")}</th>
                    <th scope="col">{lang.pick("详情", "Detail")}</th>
                    <th scope="col">{lang.pick("来源地址", "From address")}</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|entry| {
                        let slug = entry.account.as_ref().map(|(slug, _)| slug.clone());
                        let detail = match &entry.facts {
                            Some(facts) => facts_view(lang, facts, slug.as_deref()),
                            // A line written before its facts were kept: its stored words.
                            None => entry.detail.clone().into_any(),
                        };
                        view! {
                            <tr>
                                <td data-label=lang.pick("时间", "Time")><StoredTime at=entry.at /></td>
                                <td data-label=lang.pick("用户", "User")>{entry.username}</td>
                                <td data-label=lang.pick("公众号", "Account")>{entry.account.map(|(_, name)| name)}</td>
                                <td data-label=lang.pick("操作", "Action")>{action_words(lang, &entry.action)}</td>
                                <td data-label=lang.pick("详情", "Detail")>{detail}</td>
                                <td data-label=lang.pick("来源地址", "From address")>{entry.address.map(|a| view! { <code>{a}</code> })}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// A line's facts in words. Values are marked as values: names and titles
/// quoted (`q`), identifiers as code.
fn facts_view(lang: Lang, facts: &Facts, account: Option<&str>) -> AnyView {
    let send_href = |send_id: i64| {
        let account = account.unwrap_or(crate::accounts::FIRST_SLUG);
        super::account_href(account, &format!("sends/{send_id}"))
    };
    let user = |user_id: i64, username: &str| {
        view! { {lang.pick("用户", "User")} " " <q>{username.to_owned()}</q> " (#" {user_id} ")" }
    };
    match facts.clone() {
        Facts::Nothing | Facts::Login { .. } => ().into_any(),
        Facts::Send {
            send_id,
            msg_type,
            tag,
            clientmsgid,
        } => {
            let to = match tag {
                Some(tag) => {
                    view! { {lang.pick("发给标签", "to the tag")} " " <q>{tag}</q> }.into_any()
                }
                None => lang.pick("发给全部粉丝", "to all followers").into_any(),
            };
            view! {
                <a href=send_href(send_id)>{format!("#{send_id}")}</a> " "
                {type_label(lang, &msg_type)} " " {to} " "
                <code>{format!("clientmsgid {clientmsgid}")}</code>
            }
            .into_any()
        }
        Facts::Preview {
            msg_type,
            to,
            by_wechat_id,
            failed,
        } => {
            let kind = if by_wechat_id {
                lang.pick("微信号", "WeChat ID")
            } else {
                "openid"
            };
            let result = match &failed {
                None => lang.pick("已发出", "sent").to_owned(),
                Some(words) => format!("{}{}", lang.pick("失败：", "failed: "), words.pick(lang)),
            };
            let recipient = if by_wechat_id {
                view! { {kind} " " <code>{to}</code> }.into_any()
            } else {
                view! { <code>{format!("{kind} {to}")}</code> }.into_any()
            };
            view! {
                {type_label(lang, &msg_type)} " " {lang.pick("预览发给", "preview to")} " " {recipient}
                {lang.pick("：", ": ")} {result}
            }
            .into_any()
        }
        Facts::Delete {
            send_id,
            msg_id,
            article,
            title,
            refused,
        } => {
            let what = match (article, title) {
                (Some(n), Some(title)) => view! {
                    {match lang {
                        Lang::Zh => format!("第 {n} 篇"),
                        Lang::En => format!("article {n}"),
                    }}
                    " " <q>{title}</q>
                }
                .into_any(),
                (Some(n), None) => match lang {
                    Lang::Zh => format!("第 {n} 篇"),
                    Lang::En => format!("article {n}"),
                }
                .into_any(),
                (None, _) => lang.pick("全部文章", "every article").into_any(),
            };
            let outcome = match &refused {
                None => lang.pick("已删除", "deleted").to_owned(),
                Some(words) => format!(
                    "{}{}",
                    lang.pick("微信拒绝：", "WeChat refused: "),
                    words.pick(lang)
                ),
            };
            view! {
                <a href=send_href(send_id)>{format!("#{send_id}")}</a> " "
                <code>{format!("msg_id {msg_id}")}</code> {lang.pick("：", ": ")} {what} " " {outcome}
            }
            .into_any()
        }
        Facts::Schedule {
            send_id,
            scheduled_at,
        } => view! {
            <a href=send_href(send_id)>{format!("#{send_id}")}</a>
            {scheduled_at.map(|at| {
                let at = at.get(..16).unwrap_or(&at).replace('T', " ");
                format!("{}{at} UTC", lang.pick("：定时 ", ": at "))
            })}
        }
        .into_any(),
        Facts::User { user_id, username } => user(user_id, &username).into_any(),
        Facts::UserAdd { username, role } => view! {
            {lang.pick("用户", "User")} " " <q>{username}</q> {lang.pick("，角色：", ", role: ")}
            {role_words(lang, &role)}
        }
        .into_any(),
        Facts::UserRole {
            user_id,
            username,
            role,
        } => view! {
            {user(user_id, &username)} " → " {role_words(lang, &role)}
        }
        .into_any(),
        Facts::UserAccount {
            user_id,
            username,
            account,
            granted,
        } => {
            let what = if granted {
                lang.pick("：授权使用公众号", ": may use the account")
            } else {
                lang.pick("：收回公众号", ": may no longer use the account")
            };
            view! { {user(user_id, &username)} {what} " " <code>{account}</code> }.into_any()
        }
        Facts::Account {
            account,
            name,
            appid,
        } => view! {
            {lang.pick("公众号", "Account")}
            " "
            <code>{account}</code>
            " "
            {name}
            " ("
            <code>{appid}</code>
            ")"
        }
        .into_any(),
        Facts::Review {
            send_id,
            author,
            state,
            send_now,
            comment,
        } => {
            let outcome = match crate::sends::SendState::parse(&state) {
                Some(state) => state.label(lang).to_owned(),
                None => state,
            };
            let now = send_now
                .then(|| lang.pick("（定时已过，现在发送）", " (its time had passed: sent now)"));
            view! {
                <a href=send_href(send_id)>{format!("#{send_id}")}</a> " "
                {lang.pick("提交人", "by")} " " <q>{author}</q> " → " {outcome} {now}
                {comment.map(|c| view! { {lang.pick("；意见：", "; comment: ")} <q>{c}</q> })}
            }
            .into_any()
        }
    }
}

fn role_words(lang: Lang, role: &str) -> String {
    match crate::auth::Role::parse(role) {
        Some(crate::auth::Role::Admin) => lang.pick("管理员", "admin").to_owned(),
        Some(crate::auth::Role::Reviewer) => lang.pick("审核员", "reviewer").to_owned(),
        Some(crate::auth::Role::Editor) => lang.pick("编辑", "editor").to_owned(),
        None => role.to_owned(),
    }
}

/// The page's address with these filters.
fn audit_href(f: &AuditFilter) -> String {
    let query: Vec<String> = [
        ("who", &f.who),
        ("action", &f.action),
        ("since", &f.since),
        ("before", &f.before),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| format!("{name}={}", percent(value)))
    .collect();
    let query = query.join("&");
    if query.is_empty() {
        "/audit".to_owned()
    } else {
        format!("/audit?{query}")
    }
}

/// The action in words; a name this version does not know, as stored.
fn action_words(lang: Lang, action: &Result<Action, String>) -> String {
    match action {
        Ok(action) => action.words(lang).to_owned(),
        Err(stored) => stored.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_address_keeps_the_filters() {
        let filter = AuditFilter {
            who: "王 小明".into(),
            action: "login_failed".into(),
            since: String::new(),
            before: "40".into(),
        };
        assert_eq!(
            audit_href(&filter),
            "/audit?who=%E7%8E%8B%20%E5%B0%8F%E6%98%8E&action=login_failed&before=40"
        );
        assert_eq!(audit_href(&AuditFilter::default()), "/audit");
    }
}
