//! `/a/:account/sends` (the account's sends, newest first, filtered, paged,
//! refreshed every two seconds while open) and `/a/:account/sends/:id`
//! (everything about one send).
//!
//! The filters are a plain GET form and the actions plain POST forms, so
//! both pages work before hydration; hydrated, they refresh themselves.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::article_preview::ArticlePreview;
use super::content::ContentView;
use super::resource::{PageResource, page_resource};
use super::stats_chart::SendReads;
use super::time::StoredTime;
use super::{DataLink, Page, is_web_url, lang, type_label};
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::sends::history::{
    ArticleCheckView, DeleteSend, FilterChoices, HistoryFilter, HistoryPage as ListPage,
    HistoryRow, RefreshSend, SendAction, SendDetail, SentArticleView, article_deleted,
    history_choices, list_sends, load_send_detail,
};
use crate::sends::schedule::{CancelSend, HeldOutcome, HeldView, RescheduleSend};
use crate::sends::timeline::{note_words, step_words};
use crate::sends::{SendState, group_digits};
use crate::stats::SendFigures;
use crate::stats::api::send_stats;
use crate::wechat::status::Status;

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

/// What WeChat answered to "Refresh status" or "Delete"; an article is
/// named by its title where the send has it.
fn action_words(lang: Lang, outcome: &SendAction, articles: &[String]) -> String {
    match outcome {
        SendAction::Refreshed(status) => {
            format!(
                "{}{}",
                lang.pick("微信说：", "WeChat says: "),
                status.label(lang)
            )
        }
        SendAction::Deleted(Some(n)) => {
            let title = articles.get((*n as usize).saturating_sub(1));
            match (lang, title) {
                (Lang::Zh, Some(title)) => format!("已删除第 {n} 篇文章“{title}”。"),
                (Lang::En, Some(title)) => format!("Article {n}, “{title}”, was deleted."),
                (Lang::Zh, None) => format!("已删除第 {n} 篇文章。"),
                (Lang::En, None) => format!("Article {n} was deleted."),
            }
        }
        SendAction::Deleted(None) => lang
            .pick(
                "已删除这次群发的全部文章。",
                "Every article of this send was deleted.",
            )
            .to_owned(),
        SendAction::Failed(words) => words.clone(),
    }
}

fn count(value: Option<i64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| group_digits(v.max(0) as u64))
}

/// "Campaign": the send is one account's part of a message sent from
/// several, linking to the campaign's page.
#[component]
fn CampaignMark(lang: Lang, id: i64) -> impl IntoView {
    view! {
        <a class="campaign-mark" href=format!("/campaigns/{id}")>
            {lang.pick("多账号群发", "Campaign")}
        </a>
    }
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
            sort: q.get("sort").unwrap_or_default(),
        })
    });
    let tick = ticker();
    // The rows refresh themselves; the filter form is built once per
    // address, so what someone is typing into it is left alone.
    let account = super::account_slug();
    let page = page_resource(
        move || (account.get(), filter.get(), tick.get()),
        |(account, f, _)| list_sends(account, f),
    );
    let choices = page_resource(move || account.get(), history_choices);
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("历史", "History")>
            <HistoryBody filter page choices />
        </Page>
    }
}

#[component]
fn HistoryBody(
    filter: Memo<HistoryFilter>,
    page: PageResource<Result<ListPage, AppError>>,
    choices: PageResource<Result<FilterChoices, AppError>>,
) -> impl IntoView {
    let lang = lang();
    let account = StoredValue::new(super::account_slug().get_untracked());
    let history_href = move |f: &HistoryFilter| account.with_value(|a| history_href(a, f));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                choices
                    .await
                    .ok()
                    .map(|choices| {
                        view! {
                            <Filters lang filter=filter.get_untracked() editors=choices.editors tags=choices.tags />
                        }
                    })
            })}
        </Suspense>
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let by_reads = f.by_reads();
                        // The header's sort links start from the first page.
                        let mut newest_first = f.clone();
                        newest_first.before.clear();
                        newest_first.sort.clear();
                        let mut most_read = newest_first.clone();
                        most_read.sort = "reads".to_owned();
                        let sort = SortLinks {
                            by_reads,
                            newest: history_href(&newest_first),
                            reads: history_href(&most_read),
                        };
                        view! {
                            <nav class="sort-order" aria-label=lang.pick("排序", "Order")>
                                <span>{lang.pick("排序：", "Order:")}</span>
                                <a href=sort.newest.clone() aria-current=(!by_reads).then_some("page")>{lang.pick("最新的在前", "Newest first")}</a>
                                <a href=sort.reads.clone() aria-current=by_reads.then_some("page")>{lang.pick("阅读最多的在前", "Most read first")}</a>
                            </nav>
                            {by_reads.then(|| view! {
                                <p class="hint">
                                    {lang.pick(
                                        "按阅读人数排序，最多的在前；没有阅读数据的群发不列出。",
                                        "Sorted by readers, most first; sends without read figures are not listed.",
                                    )}
                                </p>
                            })}
                            <HistoryTable lang rows=page.rows.clone() sort />
                            <p class="pager">
                                {(!f.before.is_empty())
                                    .then(|| {
                                        let mut newest = f.clone();
                                        newest.before.clear();
                                        let first = if by_reads {
                                            lang.pick("阅读最多", "Most read")
                                        } else {
                                            lang.pick("最新", "Newest")
                                        };
                                        view! { <a href=history_href(&newest)>{first}</a> }
                                    })}
                                {page
                                    .older
                                    .map(|older| {
                                        let mut next = f.clone();
                                        next.before = older;
                                        let more = if by_reads {
                                            lang.pick("更少", "Fewer readers")
                                        } else {
                                            lang.pick("更早", "Older")
                                        };
                                        view! { <a href=history_href(&next)>{more}</a> }
                                    })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => super::error_view(lang, error),
                }
            })}
        </Transition>
    }
}

fn history_href(account: &str, f: &HistoryFilter) -> String {
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
        ("sort", &f.sort),
    ] {
        if !value.is_empty() {
            query.push((name, value.clone()));
        }
    }
    let encoded: Vec<String> = query
        .into_iter()
        .map(|(k, v)| format!("{k}={}", percent(&v)))
        .collect();
    let sends = super::account_href(account, "sends");
    if encoded.is_empty() {
        sends
    } else {
        format!("{sends}?{}", encoded.join("&"))
    }
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
pub(super) fn percent(value: &str) -> String {
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
    lang: Lang,
    filter: HistoryFilter,
    editors: Vec<(i64, String)>,
    tags: Vec<(u64, String)>,
) -> impl IntoView {
    let chosen = |value: &str, current: &str| value == current;
    let action = super::account_href(&super::account_slug().get_untracked(), "sends");
    view! {
        <form method="get" action=action class="filters" aria-label=lang.pick("筛选", "Filters")>
            <label>
                {lang.pick("状态", "Status")}
                <select name="state">
                    <option value="">{lang.pick("全部", "All")}</option>
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
                {lang.pick("类型", "Type")}
                <select name="msg_type">
                    <option value="">{lang.pick("全部", "All")}</option>
                    {["mpnews", "text", "voice", "image", "mpvideo", "wxcard"]
                        .into_iter()
                        .map(|t| {
                            view! {
                                <option value=t selected=chosen(t, &filter.msg_type)>
                                    {type_label(lang, t)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                {lang.pick("发送对象", "Audience")}
                <select name="tag">
                    <option value="">{lang.pick("全部", "All")}</option>
                    <option value="all" selected=chosen("all", &filter.tag)>
                        {lang.pick("全部粉丝", "All followers")}
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
                {lang.pick("编辑", "Editor")}
                <select name="editor">
                    <option value="">{lang.pick("全部", "All")}</option>
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
                {lang.pick("从", "From")}
                <input type="date" name="from" value=filter.from.clone() />
            </label>
            <label>
                {lang.pick("到", "To")}
                <input type="date" name="to" value=filter.to.clone() />
            </label>
            <label>
                {lang.pick("搜索摘要", "Search")}
                <input type="search" name="q" value=filter.q.clone() />
            </label>
            {filter.by_reads().then(|| view! { <input type="hidden" name="sort" value="reads" /> })}
            <button type="submit">{lang.pick("筛选", "Filter")}</button>
        </form>
    }
}

/// The history's two orders, as links in its header.
#[derive(Clone)]
struct SortLinks {
    by_reads: bool,
    newest: String,
    reads: String,
}

/// An article send's readers, "—" before its first figures; nothing for
/// other sends.
fn reads_cell(row: &HistoryRow) -> Option<String> {
    (row.msg_type == "mpnews").then(|| {
        row.reads
            .map_or_else(|| "—".to_owned(), |n| group_digits(n.max(0) as u64))
    })
}

#[component]
fn HistoryTable(lang: Lang, rows: Vec<HistoryRow>, sort: SortLinks) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>{lang.pick("没有符合条件的群发。", "No sends match.")}</p> }.into_any();
    }
    let account = super::account_slug().get_untracked();
    view! {
        <table class="history stacked">
            <thead>
                <tr>
                    <th scope="col" aria-sort=(!sort.by_reads).then_some("descending")>
                        {if sort.by_reads {
                            view! { <a href=sort.newest.clone() title=lang.pick("按时间排序，最新的在前", "Sort by time, newest first")>{lang.pick("时间", "Time")}</a> }.into_any()
                        } else {
                            view! { <span>{lang.pick("时间", "Time")}</span> }.into_any()
                        }}
                    </th>
                    <th scope="col">{lang.pick("编辑", "Editor")}</th>
                    <th scope="col">{lang.pick("类型", "Type")}</th>
                    <th scope="col">{lang.pick("发送对象", "Audience")}</th>
                    <th scope="col">{lang.pick("摘要", "Summary")}</th>
                    <th scope="col">{lang.pick("状态", "Status")}</th>
                    <th scope="col">{lang.pick("送达 / 失败", "Sent / failed")}</th>
                    <th scope="col" class="reads-col" aria-sort=sort.by_reads.then_some("descending")>
                        {if sort.by_reads {
                            view! { <span>{lang.pick("阅读人数", "Readers")}</span> }.into_any()
                        } else {
                            view! { <a href=sort.reads.clone() title=lang.pick("按阅读人数排序，最多的在前", "Sort by readers, most first")>{lang.pick("阅读人数", "Readers")}</a> }.into_any()
                        }}
                    </th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let href = super::account_href(&account, &format!("sends/{}", row.id));
                        let audience = if row.audience.is_empty() {
                            lang.pick("全部粉丝", "All followers").to_owned()
                        } else {
                            row.audience.clone()
                        };
                        let counts = format!("{} / {}", count(row.sent_count), count(row.error_count));
                        view! {
                            <tr data-send=row.id.to_string()>
                                <td data-label=lang.pick("时间", "Time")><StoredTime at=row.created_at.clone() /></td>
                                <td data-label=lang.pick("编辑", "Editor")>{row.editor.clone()}</td>
                                <td data-label=lang.pick("类型", "Type")>{type_label(lang, &row.msg_type)}</td>
                                <td data-label=lang.pick("发送对象", "Audience")>{audience}</td>
                                <td data-label=lang.pick("摘要", "Summary")>
                                    <a href=href>{row.summary.clone()}</a>
                                    {row.campaign.map(|id| view! { " " <CampaignMark lang id /> })}
                                </td>
                                <td data-label=lang.pick("状态", "Status")>
                                    <StateBadge state=row.state />
                                    {row.when.clone().map(|at| view! { " " <span class="when">{at}</span> })}
                                    {row.result.as_ref().map(|r| view! { <div class="muted">{r.label(lang).to_owned()}</div> })}
                                    {row.calls_words(lang).map(|w| view! { <div class="muted">{w}</div> })}
                                </td>
                                <td data-label=lang.pick("送达 / 失败", "Sent / failed")>{counts}</td>
                                {match reads_cell(&row) {
                                    Some(reads) => view! { <td class="reads-col" data-label=lang.pick("阅读人数", "Readers")>{reads}</td> }.into_any(),
                                    None => view! { <td class="reads-col"></td> }.into_any(),
                                }}
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
    let review = super::approvals::ReviewActions::new();
    let reschedule = ServerAction::<RescheduleSend>::new();
    let cancel = ServerAction::<CancelSend>::new();
    let tick = ticker();
    let account = super::account_slug();
    // Polled only while the send may still change, so forms on an ended
    // send's page are not redrawn under the editor's hands.
    let open = RwSignal::new(true);
    let detail = page_resource(
        move || {
            let tick = if open.get() { tick.get() } else { 0 };
            (
                account.get(),
                id.get(),
                tick,
                refresh.version().get(),
                delete.version().get() + reschedule.version().get() + cancel.version().get(),
                review.version(),
            )
        },
        |(account, id, _, _, _, _)| async move {
            match id {
                Some(id) => load_send_detail(account, id).await,
                None => Err(Problem::SendNotFound.into()),
            }
        },
    );
    // Read figures change once a day: asked again only when the send ends.
    let stats = page_resource(
        move || (account.get(), id.get(), open.get()),
        |(account, id, _)| async move {
            match id {
                Some(id) => send_stats(account, id).await,
                None => Err(Problem::SendNotFound.into()),
            }
        },
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("历史", "History")>
            <DetailBody detail stats open refresh delete review reschedule cancel />
        </Page>
    }
}

#[component]
fn DetailBody(
    detail: PageResource<Result<SendDetail, AppError>>,
    stats: PageResource<Result<SendFigures, AppError>>,
    open: RwSignal<bool>,
    refresh: ServerAction<RefreshSend>,
    delete: ServerAction<DeleteSend>,
    review: super::approvals::ReviewActions,
    reschedule: ServerAction<RescheduleSend>,
    cancel: ServerAction<CancelSend>,
) -> impl IntoView {
    let lang = lang();
    view! {
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
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
                        view! { <Detail lang d stats refresh delete review reschedule cancel /> }.into_any()
                    }
                    Err(AppError::Rejected(Problem::SendNotFound)) => view! { <NoSuchSend lang /> }.into_any(),
                    Err(error) => super::error_view(lang, error),
                }
            })}
        </Transition>
    }
}

/// A send id that names no send (or is no number): a 404, in words, with
/// the way back.
#[component]
fn NoSuchSend(lang: Lang) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="notice">
            <p role="alert">{Problem::SendNotFound.words(lang)}</p>
            <p>
                {lang.pick("这个编号没有对应的群发，可能是链接有误。", "No send has this number; the link may be wrong.")}
                " "
                <a href=super::account_href(&super::account_slug().get_untracked(), "sends")>
                    {lang.pick("返回历史", "Back to the history")}
                </a>
            </p>
        </section>
    }
}

#[component]
fn Detail(
    lang: Lang,
    d: SendDetail,
    stats: PageResource<Result<SendFigures, AppError>>,
    refresh: ServerAction<RefreshSend>,
    delete: ServerAction<DeleteSend>,
    review: super::approvals::ReviewActions,
    reschedule: ServerAction<RescheduleSend>,
    cancel: ServerAction<CancelSend>,
) -> impl IntoView {
    let (id, id2) = (d.row.id.to_string(), d.row.id.to_string());
    let account = super::account_slug().get_untracked();
    let account2 = account.clone();
    let audience = if d.row.audience.is_empty() {
        lang.pick("全部粉丝", "All followers").to_owned()
    } else {
        d.row.audience.clone()
    };
    let source = d.status_source.as_deref().map(|s| match s {
        "mass/get" => lang.pick(
            "来自“查询群发状态”接口（mass/get），没有收到回调",
            "the status query mass/get (no callback came)",
        ),
        _ => lang.pick(
            "来自微信的群发结果推送（MASSSENDJOBFINISH）",
            "WeChat's MASSSENDJOBFINISH callback",
        ),
    });
    let titles = d.articles.clone();
    let answer = move || {
        let refreshed = refresh.value().get();
        let deleted = delete.value().get();
        deleted.or(refreshed).map(|answer| match answer {
            Ok(SendAction::Failed(words)) => Err(words),
            Ok(outcome) => Ok(action_words(lang, &outcome, &titles)),
            Err(error) => Err(error.words(lang).to_owned()),
        })
    };
    let result = d.row.result.as_ref().map(|r| r.label(lang).to_owned());
    let remedy = match &d.row.result {
        Some(Status::Err(reason)) => Some(reason.remedy(lang)),
        _ => None,
    };
    let article_count = d.articles.len().max(d.checks.len());
    let deleted = d.deleted_articles.clone();
    let is_deleted = move |n: usize| article_deleted(&deleted, n as u32);
    // What the delete form offers: the articles not deleted yet, by title.
    let deletable: Vec<(usize, String)> = (1..=article_count.max(1))
        .filter(|n| !is_deleted(*n))
        .map(|n| {
            let name = match d.articles.get(n - 1) {
                Some(title) => format!("{n}. {title}"),
                None => match lang {
                    Lang::Zh => format!("第 {n} 篇"),
                    Lang::En => format!("Article {n}"),
                },
            };
            (n, name)
        })
        .collect();
    let deleted_mark = move |n: usize| {
        is_deleted(n).then(
            || view! { " " <span class="deleted">{lang.pick("（已删除）", "(Deleted)")}</span> },
        )
    };
    view! {
        <h2>{d.row.summary.clone()}</h2>
        {d.row.campaign.map(|id| view! { <p><CampaignMark lang id /></p> })}
        <dl class="facts">
            <dt>{lang.pick("状态", "Status")}</dt>
            <dd>
                <StateBadge state=d.row.state />
            </dd>
            {result.map(|r| view! { <dt>{lang.pick("微信的结果", "WeChat's result")}</dt><dd>{r}</dd> })}
            {remedy.map(|r| view! { <dt>{lang.pick("怎么办", "What to do")}</dt><dd>{r}</dd> })}
            {source.map(|s| view! { <dt>{lang.pick("结果来源", "Result from")}</dt><dd>{s}</dd> })}
            <dt>{lang.pick("时间", "Time")}</dt>
            <dd><StoredTime at=d.row.created_at.clone() /></dd>
            {d.held.as_ref().and_then(|h| h.when.clone()).map(|at| view! {
                <dt>{lang.pick("定时发送于", "Goes out at")}</dt>
                <dd class="when">{at}</dd>
            })}
            <dt>{lang.pick("编辑", "Editor")}</dt>
            <dd>{d.row.editor.clone()}</dd>
            <dt>{lang.pick("类型", "Type")}</dt>
            <dd>{type_label(lang, &d.row.msg_type)}</dd>
            <dt>{lang.pick("发送对象", "Audience")}</dt>
            <dd>{audience}</dd>
            {d.msg_id.map(|m| view! { <dt>"msg_id"</dt><dd>{m.to_string()}</dd> })}
            {d.msg_data_id.map(|m| view! { <dt>"msg_data_id"</dt><dd>{m.to_string()}</dd> })}
            <dt>"clientmsgid"</dt>
            <dd>{d.clientmsgid.clone()}</dd>
        </dl>
        // Waiting for the admin's phone is a step of the send, not a failure.
        {d.problem.clone().map(|p| if d.row.state == SendState::AwaitingConfirmation {
            view! { <p class="notice" role="status">{p}</p> }.into_any()
        } else {
            view! { <p class="error" role="alert">{p}</p> }.into_any()
        })}
        {d.review.clone().map(|r| view! { <super::approvals::ReviewPanel lang id=d.row.id review=r actions=review /> })}
        // What went out, by name (a send made before names were kept has
        // its summary only).
        {d.content.clone().map(|content| view! {
            <section aria-labelledby="content-title">
                <h2 id="content-title">{lang.pick("内容", "Content")}</h2>
                <ContentView lang content />
            </section>
        })}
        <DeliveryBar lang total=d.row.total_count.or(d.audience_size) filtered_in=d.filter_count sent=d.row.sent_count failed=d.row.error_count />
        {(!d.row.calls.is_empty()).then(|| view! { <ListCalls lang row=d.row.clone() account=super::account_slug().get_untracked() /> })}
        <Suspense>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(stats) => view! { <SendReads lang stats /> }.into_any(),
                    // The send itself is not found: the page says so above.
                    Err(AppError::Rejected(Problem::SendNotFound)) => ().into_any(),
                    Err(error) => super::error_view(lang, error),
                }
            })}
        </Suspense>
        {(!d.checks.is_empty() || !d.articles.is_empty())
            .then(|| {
                view! {
                    <section aria-labelledby="articles-title">
                        <h2 id="articles-title">{lang.pick("文章与原创校验", "Articles and the originality check")}</h2>
                        {d.check_state.map(|s| view! { <p>{lang.pick("整体校验结果：", "Overall: ")} {s.label(lang)}</p> })}
                        {if d.checks.is_empty() {
                            view! {
                                <ol>{d.articles.iter().enumerate().map(|(i, t)| view! { <li>{t.clone()}{deleted_mark(i + 1)}</li> }).collect_view()}</ol>
                            }
                                .into_any()
                        } else {
                            view! { <CopyrightTable lang checks=d.checks.clone() deleted=d.deleted_articles.clone() /> }.into_any()
                        }}
                        {(!d.urls.is_empty())
                            .then(|| {
                                view! {
                                    <ul>
                                        {d.urls.iter().map(|(idx, url)| {
                                            let label = format!("{} {}", lang.pick("文章", "Article"), idx.map(|i| i.to_string()).unwrap_or_default());
                                            view! { <li><DataLink url=url.clone() label /></li> }
                                        }).collect_view()}
                                    </ul>
                                }
                            })}
                    </section>
                }
            })}
        {(!d.articles_as_sent.is_empty()).then(|| view! {
            <ArticlesAsSent lang articles=d.articles_as_sent.clone() sent_on=super::time::parse_stored(&d.row.created_at).map(|secs| super::time::china_time(lang, secs, false)).unwrap_or_default() />
        })}
        <section aria-labelledby="actions-title">
            <h2 id="actions-title">{lang.pick("操作", "Actions")}</h2>
            {move || answer().map(|r| match r {
                Ok(words) => view! { <p class="ok" role="status">{words}</p> }.into_any(),
                Err(words) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
            })}
            {d.held.clone().filter(|h| h.may_change).map(|held| view! {
                <HeldActions lang held id=d.row.id clientmsgid=d.clientmsgid.clone() reschedule cancel />
            })}
            {d.msg_id.is_some().then(|| view! {
                <ActionForm action=refresh>
                    <input type="hidden" name="account" value=account.clone() />
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit">{lang.pick("刷新状态", "Refresh status")}</button>
                </ActionForm>
            })}
            {d.can_delete.then(|| view! {
                <ActionForm action=delete attr:class="stack danger-zone">
                    <input type="hidden" name="account" value=account2.clone() />
                    <input type="hidden" name="id" value=id2.clone() />
                    <p class="note">{lang.pick("删除只会让文章在图文页失效、别人无法再打开；已经收到消息的粉丝消息列表里仍然能看到这条消息的标题和封面。删除不能撤销。",
                        "Deleting makes the article page unavailable, so nobody can open it any more. It does not recall the message: followers who received it still see its title and cover in their chats. It cannot be undone.")}</p>
                    <label for="delete-article">{lang.pick("删除哪一篇", "Which article")}</label>
                    <select id="delete-article" name="article">
                        <option value="0">{lang.pick("全部文章", "Every article")}</option>
                        {deletable.into_iter().map(|(n, name)| view! { <option value=n.to_string()>{name}</option> }).collect_view()}
                    </select>
                    <span>
                        <input type="checkbox" id="delete-confirm" required />
                        <label for="delete-confirm">{lang.pick("我明白删除的后果", "I understand what deleting does")}</label>
                    </span>
                    <button type="submit" class="danger">{lang.pick("删除", "Delete")}</button>
                </ActionForm>
            })}
        </section>
        <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">{lang.pick("时间线", "Timeline")}</h2>
            <ol class="timeline">
                {d.timeline.iter().map(|e| view! {
                    <li>
                        <StoredTime at=e.at.clone() seconds=true /> " " <StateBadge state=e.state /> " "
                        <span class="muted">{step_words(lang, &e.source)}</span>
                        {e.detail.as_deref().map(|t| view! { " — " <span>{note_words(lang, t, e.state)}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <details>
            <summary>{lang.pick("发送给微信的请求", "The request sent to WeChat")}</summary>
            <pre>{d.request.clone()}</pre>
        </details>
        {d.callback_xml.clone().map(|xml| view! {
            <details>
                <summary>{lang.pick("收到的回调（解密后）", "The callback received (decrypted)")} " " {d.callback_at.clone().map(|at| view! { <StoredTime at seconds=true /> })}</summary>
                <pre>{xml}</pre>
            </details>
        })}
    }
}

/// Sent, failed and filtered out of the total, as one bar.
#[component]
fn DeliveryBar(
    lang: Lang,
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
        lang.pick("送达", "Sent"),
        group_digits(sent.max(0) as u64),
        lang.pick("失败", "Failed"),
        group_digits(failed as u64),
        lang.pick("被过滤", "Filtered out"),
        group_digits(filtered_out as u64),
        lang.pick("总数", "Total"),
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
fn CopyrightTable(
    lang: Lang,
    checks: Vec<ArticleCheckView>,
    /// Articles `mass/delete` removed (0: every one).
    deleted: Vec<u32>,
) -> impl IntoView {
    // WeChat leaves a field out when it has nothing to say.
    let said = move |words: Option<&'static str>| words.unwrap_or(lang.pick("未说明", "not given"));
    view! {
        <table class="copyright stacked">
            <thead>
                <tr>
                    <th scope="col">{lang.pick("文章", "Article")}</th>
                    <th scope="col">{lang.pick("声明", "Declared")}</th>
                    <th scope="col">{lang.pick("审核", "Audit")}</th>
                    <th scope="col">{lang.pick("原文类型", "Original type")}</th>
                    <th scope="col">{lang.pick("可否转载", "Reprint allowed")}</th>
                    <th scope="col">{lang.pick("需替换内容", "Content replaced")}</th>
                    <th scope="col">{lang.pick("需注明来源", "Source shown")}</th>
                    <th scope="col">{lang.pick("原文", "Original")}</th>
                </tr>
            </thead>
            <tbody>
                {checks
                    .into_iter()
                    .map(|c| {
                        let name = match (&c.title, c.index) {
                            (Some(t), Some(i)) => format!("{i}. {t}"),
                            (None, Some(i)) => format!("{} {i}", lang.pick("文章", "Article")),
                            (Some(t), None) => t.clone(),
                            (None, None) => "?".to_owned(),
                        };
                        let gone = c
                            .index
                            .map_or(deleted.contains(&0), |i| article_deleted(&deleted, i));
                        view! {
                            <tr>
                                <th scope="row">
                                    {match c.url.clone() {
                                        Some(url) => view! { <DataLink url label=name /> }.into_any(),
                                        None => view! { <span>{name}</span> }.into_any(),
                                    }}
                                    {gone.then(|| view! { " " <span class="deleted">{lang.pick("（已删除）", "(Deleted)")}</span> })}
                                </th>
                                <td data-label=lang.pick("声明", "Declared")>{said(c.user_declare_state.map(|s| s.label(lang)))}</td>
                                <td data-label=lang.pick("审核", "Audit")>{said(c.audit_state.map(|s| s.label(lang)))}</td>
                                <td data-label=lang.pick("原文类型", "Original type")>{said(c.original_article_type.map(|s| s.label(lang)))}</td>
                                <td data-label=lang.pick("可否转载", "Reprint allowed")>{said(c.can_reprint.map(|s| s.label(lang)))}</td>
                                <td data-label=lang.pick("需替换内容", "Content replaced")>{said(c.need_replace_content.map(|s| s.label(lang)))}</td>
                                <td data-label=lang.pick("需注明来源", "Source shown")>{said(c.need_show_reprint_source.map(|s| s.label(lang)))}</td>
                                <td data-label=lang.pick("原文", "Original")>
                                    {c.original_url.map(|u| {
                                        if is_web_url(&u) {
                                            view! { <a href=u>{lang.pick("原文链接", "Original article")}</a> }.into_any()
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

/// qunfa's own copy of each article as it went out: WeChat deletes the
/// draft once it is sent. Each article opens on its own, as WeChat's page
/// shows it.
#[component]
fn ArticlesAsSent(lang: Lang, articles: Vec<SentArticleView>, sent_on: String) -> impl IntoView {
    let account_name = super::account_name(&super::account_slug().get_untracked());
    view! {
        <section aria-labelledby="sent-copy-title">
            <h2 id="sent-copy-title">{lang.pick("发出的文章（qunfa 保存的副本）", "The articles as sent (qunfa's copy)")}</h2>
            <p class="hint">
                {lang.pick(
                    "微信在群发后会删除草稿；这里是 qunfa 在发送前保存的每篇文章。",
                    "WeChat deletes a draft once it is sent; this is the copy of every article qunfa kept just before sending.",
                )}
            </p>
            {articles
                .into_iter()
                .enumerate()
                .map(|(i, SentArticleView { article, images_not_shown })| {
                    view! {
                        <details class="sent-article">
                            <summary>{format!("{}. {}", i + 1, article.title)}</summary>
                            {article.digest.clone().map(|digest| view! { <p class="hint">{digest}</p> })}
                            {article.content_source_url.clone().map(|url| view! {
                                <p>{lang.pick("阅读原文：", "Read the original: ")}<DataLink url=url.clone() label=url /></p>
                            })}
                            {(images_not_shown > 0).then(|| view! {
                                <p class="hint">
                                    {match lang {
                                        Lang::Zh => format!("{images_not_shown} 张图片只能在微信中显示，这里未显示。"),
                                        Lang::En => format!("{images_not_shown} image(s) show only inside WeChat and are left out here."),
                                    }}
                                </p>
                            })}
                            // Sanitised on the server (`article::api::for_display`).
                            <ArticlePreview
                                title=article.title
                                author=article.author.unwrap_or_default()
                                account_name=account_name.clone()
                                html=article.content
                                date=sent_on.clone()
                            />
                        </details>
                    }
                })
                .collect_view()}
        </section>
    }
}

/// A held send's Edit (Compose with its form), Reschedule (a new time in
/// the account's zone) and Cancel (with its confirmation): plain forms, so
/// they work without JavaScript too.
#[component]
fn HeldActions(
    lang: Lang,
    held: HeldView,
    id: i64,
    clientmsgid: String,
    reschedule: ServerAction<RescheduleSend>,
    cancel: ServerAction<CancelSend>,
) -> impl IntoView {
    let account = super::account_slug().get_untracked();
    let mut edit_query = url_query(&[("attempt", &clientmsgid), ("edit", "1")]);
    edit_query.insert(0, '?');
    let edit_href = super::account_href(&account, "compose") + &edit_query;
    let query = use_query_map();
    let answer = move || {
        let answer = cancel.value().get().or(reschedule.value().get());
        match answer {
            Some(Ok(HeldOutcome::Rescheduled(at))) => Some(Ok(match lang {
                Lang::Zh => format!("已改为 {at} 发送。"),
                Lang::En => format!("Rescheduled to {at}."),
            })),
            Some(Ok(HeldOutcome::Cancelled)) => Some(Ok(lang
                .pick("已取消：不会发送。", "Cancelled: it will not be sent.")
                .to_owned())),
            Some(Ok(HeldOutcome::Invalid(words))) => Some(Err(words)),
            Some(Err(error)) => Some(Err(error.words(lang).to_owned())),
            None => query.with(|q| {
                if q.get("time_problem").is_some() {
                    return Some(Err(lang
                        .pick(
                            "这个时间不能用：请选择至少 1 分钟之后、90 天之内、公众号时区里存在的时间。",
                            "That time cannot be used: choose one at least a minute ahead, within 90 days, that exists in the account's time zone.",
                        )
                        .to_owned()));
                }
                q.get("problem")
                    .and_then(|code| AppError::from_code(&code))
                    .map(|error| Err(error.words(lang).to_owned()))
            }),
        }
    };
    let zone_note = match lang {
        Lang::Zh => format!("按公众号的时区：{}", held.zone),
        Lang::En => format!("In the account's time zone: {}", held.zone),
    };
    let (account2, account3) = (account.clone(), account.clone());
    view! {
        <div class="held-actions">
            {move || answer().map(|r| match r {
                Ok(words) => view! { <p class="ok" role="status">{words}</p> }.into_any(),
                Err(words) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
            })}
            {held.may_edit.then(|| view! {
                <p><a class="button" href=edit_href>{lang.pick("修改内容", "Edit")}</a></p>
            })}
            <ActionForm action=reschedule attr:class="stack">
                <input type="hidden" name="account" value=account2 />
                <input type="hidden" name="id" value=id.to_string() />
                <label for="reschedule-at">{lang.pick("改期到", "Reschedule to")}</label>
                <input id="reschedule-at" type="datetime-local" name="send_at" value=held.when_input.clone() required aria-describedby="reschedule-zone" />
                <span class="hint" id="reschedule-zone">{zone_note}</span>
                <button type="submit">{lang.pick("改期", "Reschedule")}</button>
            </ActionForm>
            <ActionForm action=cancel attr:class="stack danger-zone">
                <input type="hidden" name="account" value=account3 />
                <input type="hidden" name="id" value=id.to_string() />
                <span>
                    <input type="checkbox" id="cancel-confirm" name="confirm" value="yes" required />
                    <label for="cancel-confirm">{lang.pick("确认取消，不再发送", "Yes, cancel it: it will not be sent")}</label>
                </span>
                <button type="submit" class="danger">{lang.pick("取消群发", "Cancel send")}</button>
            </ActionForm>
        </div>
    }
}

/// `pairs` as a query string, each value percent-encoded.
fn url_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", percent(value)))
        .collect::<Vec<_>>()
        .join("&")
}
/// A send to a list of followers: each `mass/send` call with its state,
/// its size, its counts and what went wrong, and the totals (the row's).
#[component]
fn ListCalls(lang: Lang, row: HistoryRow, account: String) -> impl IntoView {
    let count =
        |n: Option<i64>| n.map_or_else(|| "—".to_owned(), |n| group_digits(n.max(0) as u64));
    view! {
        <section aria-labelledby="calls-title" class="list-calls">
            <h2 id="calls-title">{lang.pick("各次调用", "Calls")}</h2>
            <p>{row.calls_words(lang)}</p>
            <table class="stacked">
                <thead>
                    <tr>
                        <th scope="col">{lang.pick("第几次", "Call")}</th>
                        <th scope="col">{lang.pick("状态", "Status")}</th>
                        <th scope="col">{lang.pick("OpenID 数", "OpenIDs")}</th>
                        <th scope="col">{lang.pick("送达 / 失败", "Sent / failed")}</th>
                        <th scope="col">{lang.pick("问题", "Problem")}</th>
                    </tr>
                </thead>
                <tbody>
                    {row.calls.iter().map(|call| {
                        let href = super::account_href(&account, &format!("sends/{}", call.id));
                        view! {
                            <tr>
                                <td data-label=lang.pick("第几次", "Call")><a href=href>{call.part.to_string()}</a></td>
                                <td data-label=lang.pick("状态", "Status")><StateBadge state=call.state /></td>
                                <td data-label=lang.pick("OpenID 数", "OpenIDs")>{count(call.size)}</td>
                                <td data-label=lang.pick("送达 / 失败", "Sent / failed")>{format!("{} / {}", count(call.sent_count), count(call.error_count))}</td>
                                <td data-label=lang.pick("问题", "Problem")>{call.problem.clone().unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{lang.pick("合计", "Total")}</th>
                        <td></td>
                        <td data-label=lang.pick("OpenID 数", "OpenIDs")>{count(row.calls.iter().filter_map(|c| c.size).reduce(|a, b| a + b))}</td>
                        <td data-label=lang.pick("送达 / 失败", "Sent / failed")>{format!("{} / {}", count(row.sent_count), count(row.error_count))}</td>
                        <td></td>
                    </tr>
                </tfoot>
            </table>
        </section>
    }
}
