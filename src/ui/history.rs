//! `/sends` (every send, newest first, filtered, paged, refreshed every two
//! seconds while open) and `/sends/:id` (everything about one send).
//!
//! The filters are a plain GET form and the actions plain POST forms, so
//! both pages work before hydration; hydrated, they refresh themselves.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::time::short_time;
use super::{DataLink, Page, is_web_url, lang, tr, type_label};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::history::{
    DeleteSend, FilterChoices, HistoryFilter, HistoryPage as ListPage, HistoryRow, RefreshSend,
    SendDetail, history_choices, list_sends, load_send_detail,
};
use crate::sends::{SendState, group_digits};

/// How often an open page asks for news.
const POLL: Duration = Duration::from_millis(1500);

/// A counter that goes up every [`POLL`] in the browser (never on the
/// server), for resources that should refresh themselves.
fn ticker() -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), POLL) {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}

fn count(value: Option<i64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| group_digits(v.max(0) as u64))
}

/// The state as a coloured word.
#[component]
fn StateBadge(state: SendState) -> impl IntoView {
    let class = format!("state state-{}", state.as_str());
    view! { <span class=class>{state.label(lang())}</span> }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| HistoryFilter {
            state: q.get("state").unwrap_or_default(),
            msg_type: q.get("msg_type").unwrap_or_default(),
            tag: q.get("tag").unwrap_or_default(),
            editor: q.get("editor").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            q: q.get("q").unwrap_or_default(),
            before: q.get("before").unwrap_or_default(),
        })
    });
    let tick = ticker();
    // The rows refresh themselves; the filter form is built once per
    // address, so what someone is typing into it is left alone.
    let page = Resource::new(move || (filter.get(), tick.get()), |(f, _)| list_sends(f));
    let choices = Resource::new(|| (), |_| history_choices());
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|t| t.nav_history>
            <HistoryBody filter page choices />
        </Page>
    }
}

#[component]
fn HistoryBody(
    filter: Memo<HistoryFilter>,
    page: Resource<Result<ListPage, AppError>>,
    choices: Resource<Result<FilterChoices, AppError>>,
) -> impl IntoView {
    let zh = lang() == Lang::Zh;
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                choices
                    .await
                    .ok()
                    .map(|choices| {
                        view! {
                            <Filters zh filter=filter.get_untracked() editors=choices.editors tags=choices.tags />
                        }
                    })
            })}
        </Suspense>
        <Transition fallback=move || view! { <p>{tr(zh, "加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        view! {
                            <HistoryTable zh rows=page.rows.clone() />
                            <p class="pager">
                                {(!f.before.is_empty())
                                    .then(|| {
                                        let mut newest = f.clone();
                                        newest.before.clear();
                                        view! { <a href=history_href(&newest)>{tr(zh, "最新", "Newest")}</a> }
                                    })}
                                {page
                                    .older
                                    .map(|older| {
                                        let mut next = f.clone();
                                        next.before = older.to_string();
                                        view! { <a href=history_href(&next)>{tr(zh, "更早", "Older")}</a> }
                                    })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang())}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn history_href(f: &HistoryFilter) -> String {
    let mut query: Vec<(&str, String)> = Vec::new();
    for (name, value) in [
        ("state", &f.state),
        ("msg_type", &f.msg_type),
        ("tag", &f.tag),
        ("editor", &f.editor),
        ("from", &f.from),
        ("to", &f.to),
        ("q", &f.q),
        ("before", &f.before),
    ] {
        if !value.is_empty() {
            query.push((name, value.clone()));
        }
    }
    let encoded: Vec<String> = query
        .into_iter()
        .map(|(k, v)| format!("{k}={}", percent(&v)))
        .collect();
    if encoded.is_empty() {
        "/sends".to_owned()
    } else {
        format!("/sends?{}", encoded.join("&"))
    }
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
fn percent(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[component]
fn Filters(
    zh: bool,
    filter: HistoryFilter,
    editors: Vec<(i64, String)>,
    tags: Vec<(u64, String)>,
) -> impl IntoView {
    let lang = if zh { Lang::Zh } else { Lang::En };
    let chosen = |value: &str, current: &str| value == current;
    view! {
        <form method="get" action="/sends" class="filters" aria-label=tr(zh, "筛选", "Filters")>
            <label>
                {tr(zh, "状态", "Status")}
                <select name="state">
                    <option value="">{tr(zh, "全部", "All")}</option>
                    {SendState::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=chosen(s.as_str(), &filter.state)>
                                    {s.label(lang)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tr(zh, "类型", "Type")}
                <select name="msg_type">
                    <option value="">{tr(zh, "全部", "All")}</option>
                    {["mpnews", "text", "voice", "image", "mpvideo", "wxcard"]
                        .into_iter()
                        .map(|t| {
                            view! {
                                <option value=t selected=chosen(t, &filter.msg_type)>
                                    {type_label(zh, t)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tr(zh, "发送对象", "Audience")}
                <select name="tag">
                    <option value="">{tr(zh, "全部", "All")}</option>
                    <option value="all" selected=chosen("all", &filter.tag)>
                        {tr(zh, "全部粉丝", "All followers")}
                    </option>
                    {tags
                        .into_iter()
                        .map(|(id, name)| {
                            let id = id.to_string();
                            let selected = chosen(&id, &filter.tag);
                            view! { <option value=id selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tr(zh, "编辑", "Editor")}
                <select name="editor">
                    <option value="">{tr(zh, "全部", "All")}</option>
                    {editors
                        .into_iter()
                        .map(|(id, name)| {
                            let id = id.to_string();
                            let selected = chosen(&id, &filter.editor);
                            view! { <option value=id selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tr(zh, "从", "From")}
                <input type="date" name="from" value=filter.from.clone() />
            </label>
            <label>
                {tr(zh, "到", "To")}
                <input type="date" name="to" value=filter.to.clone() />
            </label>
            <label>
                {tr(zh, "搜索摘要", "Search")}
                <input type="search" name="q" value=filter.q.clone() />
            </label>
            <button type="submit">{tr(zh, "筛选", "Filter")}</button>
        </form>
    }
}

#[component]
fn HistoryTable(zh: bool, rows: Vec<HistoryRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>{tr(zh, "没有符合条件的群发。", "No sends match.")}</p> }.into_any();
    }
    view! {
        <table class="history">
            <thead>
                <tr>
                    <th scope="col">{tr(zh, "时间（UTC）", "Time (UTC)")}</th>
                    <th scope="col">{tr(zh, "编辑", "Editor")}</th>
                    <th scope="col">{tr(zh, "类型", "Type")}</th>
                    <th scope="col">{tr(zh, "发送对象", "Audience")}</th>
                    <th scope="col">{tr(zh, "摘要", "Summary")}</th>
                    <th scope="col">{tr(zh, "状态", "Status")}</th>
                    <th scope="col">{tr(zh, "送达 / 失败", "Sent / failed")}</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let href = format!("/sends/{}", row.id);
                        let audience = if row.audience.is_empty() {
                            tr(zh, "全部粉丝", "All followers").to_owned()
                        } else {
                            row.audience.clone()
                        };
                        let counts = format!("{} / {}", count(row.sent_count), count(row.error_count));
                        view! {
                            <tr data-send=row.id.to_string()>
                                <td>{short_time(&row.created_at)}</td>
                                <td>{row.editor.clone()}</td>
                                <td>{type_label(zh, &row.msg_type)}</td>
                                <td>{audience}</td>
                                <td>
                                    <a href=href>{row.summary.clone()}</a>
                                </td>
                                <td>
                                    <StateBadge state=row.state />
                                    {row.result.clone().map(|r| view! { <div class="muted">{r}</div> })}
                                </td>
                                <td>{counts}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
        .into_any()
}

#[component]
pub fn SendDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())));
    let refresh = ServerAction::<RefreshSend>::new();
    let delete = ServerAction::<DeleteSend>::new();
    let tick = ticker();
    // Polled only while the send may still change, so forms on an ended
    // send's page are not redrawn under the editor's hands.
    let open = RwSignal::new(true);
    let detail = Resource::new(
        move || {
            let tick = if open.get() { tick.get() } else { 0 };
            (
                id.get(),
                tick,
                refresh.version().get(),
                delete.version().get(),
            )
        },
        |(id, _, _, _)| async move {
            match id {
                Some(id) => load_send_detail(id).await,
                None => Err(crate::error::Problem::SendNotFound.into()),
            }
        },
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|t| t.nav_history>
            <DetailBody detail open refresh delete />
        </Page>
    }
}

#[component]
fn DetailBody(
    detail: Resource<Result<SendDetail, AppError>>,
    open: RwSignal<bool>,
    refresh: ServerAction<RefreshSend>,
    delete: ServerAction<DeleteSend>,
) -> impl IntoView {
    let zh = lang() == Lang::Zh;
    view! {
        <Transition fallback=move || view! { <p>{tr(zh, "加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => {
                        let still_open = matches!(
                            d.row.state,
                            SendState::Pending
                                | SendState::Submitted
                                | SendState::AwaitingConfirmation
                                | SendState::Unknown
                        );
                        if open.get_untracked() != still_open {
                            open.set(still_open);
                        }
                        view! { <Detail zh d refresh delete /> }.into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang())}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    zh: bool,
    d: SendDetail,
    refresh: ServerAction<RefreshSend>,
    delete: ServerAction<DeleteSend>,
) -> impl IntoView {
    let lang = if zh { Lang::Zh } else { Lang::En };
    let (id, id2) = (d.row.id.to_string(), d.row.id.to_string());
    let audience = if d.row.audience.is_empty() {
        tr(zh, "全部粉丝", "All followers").to_owned()
    } else {
        d.row.audience.clone()
    };
    let source = d.status_source.as_deref().map(|s| match s {
        "mass/get" => tr(
            zh,
            "来自“查询群发状态”接口（mass/get），没有收到回调",
            "from mass/get (no callback came)",
        ),
        _ => tr(
            zh,
            "来自微信的群发结果推送（MASSSENDJOBFINISH）",
            "from WeChat's MASSSENDJOBFINISH callback",
        ),
    });
    let action_words = move || {
        let refreshed = refresh
            .value()
            .get()
            .map(|r| r.map_err(|e| e.words(lang).to_owned()));
        let deleted = delete
            .value()
            .get()
            .map(|r| r.map_err(|e| e.words(lang).to_owned()));
        deleted.or(refreshed)
    };
    let article_count = d.articles.len().max(d.checks.len());
    view! {
        <h2>{d.row.summary.clone()}</h2>
        <dl class="facts">
            <dt>{tr(zh, "状态", "Status")}</dt>
            <dd>
                <StateBadge state=d.row.state />
            </dd>
            {d.row.result.clone().map(|r| view! { <dt>{tr(zh, "微信的结果", "WeChat's result")}</dt><dd>{r}</dd> })}
            {d.remedy.clone().map(|r| view! { <dt>{tr(zh, "怎么办", "What to do")}</dt><dd>{r}</dd> })}
            {source.map(|s| view! { <dt>{tr(zh, "结果来源", "Result from")}</dt><dd>{s}</dd> })}
            <dt>{tr(zh, "时间（UTC）", "Time (UTC)")}</dt>
            <dd>{short_time(&d.row.created_at)}</dd>
            <dt>{tr(zh, "编辑", "Editor")}</dt>
            <dd>{d.row.editor.clone()}</dd>
            <dt>{tr(zh, "类型", "Type")}</dt>
            <dd>{type_label(zh, &d.row.msg_type)}</dd>
            <dt>{tr(zh, "发送对象", "Audience")}</dt>
            <dd>{audience}</dd>
            {d.msg_id.map(|m| view! { <dt>"msg_id"</dt><dd>{m.to_string()}</dd> })}
            {d.msg_data_id.map(|m| view! { <dt>"msg_data_id"</dt><dd>{m.to_string()}</dd> })}
            <dt>"clientmsgid"</dt>
            <dd>{d.clientmsgid.clone()}</dd>
        </dl>
        {d.problem.clone().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        <DeliveryBar zh total=d.row.total_count.or(d.audience_size) filtered_in=d.filter_count sent=d.row.sent_count failed=d.row.error_count />
        {(!d.checks.is_empty() || !d.articles.is_empty())
            .then(|| {
                view! {
                    <section aria-labelledby="articles-title">
                        <h2 id="articles-title">{tr(zh, "文章与原创校验", "Articles and the originality check")}</h2>
                        {d.check_state.clone().map(|s| view! { <p>{tr(zh, "整体校验结果：", "Overall: ")} {s}</p> })}
                        {if d.checks.is_empty() {
                            view! {
                                <ol>{d.articles.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ol>
                            }
                                .into_any()
                        } else {
                            view! { <CopyrightTable zh checks=d.checks.clone() /> }.into_any()
                        }}
                        {(!d.urls.is_empty())
                            .then(|| {
                                view! {
                                    <ul>
                                        {d.urls.iter().map(|(idx, url)| {
                                            let label = format!("{} {}", tr(zh, "文章", "Article"), idx.map(|i| i.to_string()).unwrap_or_default());
                                            view! { <li><DataLink url=url.clone() label /></li> }
                                        }).collect_view()}
                                    </ul>
                                }
                            })}
                    </section>
                }
            })}
        <section aria-labelledby="actions-title">
            <h2 id="actions-title">{tr(zh, "操作", "Actions")}</h2>
            {move || action_words().map(|r| match r {
                Ok(words) => view! { <p class="ok" role="status">{words}</p> }.into_any(),
                Err(words) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
            })}
            {d.msg_id.is_some().then(|| view! {
                <ActionForm action=refresh>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit">{tr(zh, "刷新状态", "Refresh status")}</button>
                </ActionForm>
            })}
            {d.can_delete.then(|| view! {
                <ActionForm action=delete attr:class="stack">
                    <input type="hidden" name="id" value=id2.clone() />
                    <p class="note">{tr(zh,
                        "删除只会让文章在图文页失效、别人无法再打开；已经收到消息的粉丝消息列表里仍然能看到这条消息的标题和封面。删除不能撤销。",
                        "Deleting makes the article page unavailable, so nobody can open it any more. It does not recall the message: followers who received it still see its title and cover in their chats. It cannot be undone.")}</p>
                    <label for="delete-article">{tr(zh, "删除哪一篇", "Which article")}</label>
                    <select id="delete-article" name="article">
                        <option value="0">{tr(zh, "全部文章", "Every article")}</option>
                        {(1..=article_count.max(1)).map(|n| view! { <option value=n.to_string()>{format!("{} {n}", tr(zh, "第", "Article"))}</option> }).collect_view()}
                    </select>
                    <span>
                        <input type="checkbox" id="delete-confirm" required />
                        <label for="delete-confirm">{tr(zh, "我明白删除的后果", "I understand what deleting does")}</label>
                    </span>
                    <button type="submit">{tr(zh, "删除", "Delete")}</button>
                </ActionForm>
            })}
        </section>
        <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">{tr(zh, "时间线", "Timeline")}</h2>
            <ol class="timeline">
                {d.timeline.iter().map(|e| view! {
                    <li>
                        <time>{short_time(&e.at)}</time> " " <StateBadge state=e.state /> " "
                        <span class="muted">{e.source.clone()}</span>
                        {e.detail.clone().map(|t| view! { " — " <span>{t}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <details>
            <summary>{tr(zh, "发送给微信的请求", "The request sent to WeChat")}</summary>
            <pre>{d.request.clone()}</pre>
        </details>
        {d.callback_xml.clone().map(|xml| view! {
            <details>
                <summary>{tr(zh, "收到的回调（解密后）", "The callback received (decrypted)")} " " {d.callback_at.clone().map(|a| short_time(&a))}</summary>
                <pre>{xml}</pre>
            </details>
        })}
    }
}

/// Sent, failed and filtered out of the total, as one bar.
#[component]
fn DeliveryBar(
    zh: bool,
    total: Option<i64>,
    filtered_in: Option<i64>,
    sent: Option<i64>,
    failed: Option<i64>,
) -> impl IntoView {
    let (Some(total), Some(sent)) = (total, sent) else {
        return ().into_any();
    };
    let total = total.max(1) as f64;
    let failed = failed.unwrap_or(0).max(0);
    let filtered_out = filtered_in.map(|f| (total as i64 - f).max(0)).unwrap_or(0);
    let pct = |n: i64| n as f64 * 100.0 / total;
    let (w_sent, w_failed, w_out) = (pct(sent), pct(failed), pct(filtered_out));
    let words = format!(
        "{} {} · {} {} · {} {} · {} {}",
        tr(zh, "送达", "Sent"),
        group_digits(sent.max(0) as u64),
        tr(zh, "失败", "Failed"),
        group_digits(failed as u64),
        tr(zh, "被过滤", "Filtered out"),
        group_digits(filtered_out as u64),
        tr(zh, "总数", "Total"),
        group_digits(total as u64),
    );
    view! {
        <figure class="delivery">
            <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label=words.clone() width="100%" height="24">
                <rect x="0" y="0" width="100" height="8" fill="#eaeef2" />
                <rect x="0" y="0" width=format!("{w_sent:.3}") height="8" fill="#07a53c" />
                <rect x=format!("{w_sent:.3}") y="0" width=format!("{w_failed:.3}") height="8" fill="#b42318" />
                <rect x=format!("{:.3}", 100.0 - w_out) y="0" width=format!("{w_out:.3}") height="8" fill="#8c959f" />
            </svg>
            <figcaption>{words}</figcaption>
        </figure>
    }
        .into_any()
}

#[component]
fn CopyrightTable(zh: bool, checks: Vec<crate::sends::history::ArticleCheckView>) -> impl IntoView {
    view! {
        <table class="copyright">
            <thead>
                <tr>
                    <th scope="col">{tr(zh, "文章", "Article")}</th>
                    <th scope="col">{tr(zh, "声明", "Declared")}</th>
                    <th scope="col">{tr(zh, "审核", "Audit")}</th>
                    <th scope="col">{tr(zh, "原文类型", "Original type")}</th>
                    <th scope="col">{tr(zh, "可否转载", "Reprint allowed")}</th>
                    <th scope="col">{tr(zh, "需替换内容", "Content replaced")}</th>
                    <th scope="col">{tr(zh, "需注明来源", "Source shown")}</th>
                    <th scope="col">{tr(zh, "原文", "Original")}</th>
                </tr>
            </thead>
            <tbody>
                {checks
                    .into_iter()
                    .map(|c| {
                        let name = match (&c.title, c.index) {
                            (Some(t), Some(i)) => format!("{i}. {t}"),
                            (None, Some(i)) => format!("{} {i}", tr(zh, "文章", "Article")),
                            (Some(t), None) => t.clone(),
                            (None, None) => "?".to_owned(),
                        };
                        view! {
                            <tr>
                                <th scope="row">
                                    {match c.url.clone() {
                                        Some(url) => view! { <DataLink url label=name /> }.into_any(),
                                        None => view! { <span>{name}</span> }.into_any(),
                                    }}
                                </th>
                                <td>{c.user_declare_state}</td>
                                <td>{c.audit_state}</td>
                                <td>{c.original_article_type}</td>
                                <td>{c.can_reprint}</td>
                                <td>{c.need_replace_content}</td>
                                <td>{c.need_show_reprint_source}</td>
                                <td>
                                    {c.original_url.map(|u| {
                                        if is_web_url(&u) {
                                            view! { <a href=u>{tr(zh, "原文链接", "Original article")}</a> }.into_any()
                                        } else {
                                            view! { <code>{u}</code> }.into_any()
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
