//! `/a/:account/stats`: the account overview. The article sends of the last
//! 30 or 90 days ranked by read rate, and the read rate by audience, by
//! message type and by the hour of the day they went out. The window is a
//! plain link (`?days=90`), so the page works before hydration.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::resource::{PageResource, page_resource};
use super::stats_chart::percent;
use super::{Page, lang, type_label};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::group_digits;
use crate::stats::overview::{
    AccountOverview, AudienceGroup, AudienceRow, HourRow, RankedSend, Rate, TypeRow, WINDOWS,
    account_stats, window,
};

#[component]
pub fn StatsPage() -> impl IntoView {
    let query = use_query_map();
    let days = Memo::new(move |_| {
        window(
            query
                .with(|q| q.get("days"))
                .and_then(|d| d.trim().parse().ok())
                .unwrap_or(WINDOWS[0]),
        )
    });
    let account = super::account_slug();
    let overview = page_resource(
        move || (account.get(), days.get()),
        |(account, days)| account_stats(account, days),
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("数据", "Statistics")>
            <StatsBody overview />
        </Page>
    }
}

#[component]
fn StatsBody(overview: PageResource<Result<AccountOverview, AppError>>) -> impl IntoView {
    let lang = lang();
    view! {
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview lang overview /> }.into_any(),
                    Err(error) => super::error_view(lang, error),
                }
            })}
        </Transition>
    }
}

fn count(n: i64) -> String {
    group_digits(n.max(0) as u64)
}

/// The rate as a percentage and a bar as long as its share of the best
/// rate in its table (`best`).
#[component]
fn RateCell(lang: Lang, rate: Option<f64>, best: f64) -> impl IntoView {
    match rate {
        Some(rate) => {
            let width = if best > 0.0 {
                (rate / best * 100.0).clamp(0.0, 100.0)
            } else {
                0.0
            };
            view! {
                <span class="rate">
                    <span class="rate-value">{percent(rate, lang)}</span>
                    <span class="rate-bar" aria-hidden="true">
                        <span style=format!("width: {width:.1}%")></span>
                    </span>
                </span>
            }
            .into_any()
        }
        None => view! { <span>"—"</span> }.into_any(),
    }
}

fn best<I: IntoIterator<Item = Option<f64>>>(rates: I) -> f64 {
    rates.into_iter().flatten().fold(0.0, f64::max)
}

fn audience_words(lang: Lang, audience: &AudienceGroup) -> String {
    match audience {
        AudienceGroup::AllFollowers => lang.pick("全部粉丝", "All followers").to_owned(),
        AudienceGroup::Tag { name, .. } => match lang {
            Lang::Zh => format!("标签：{name}"),
            Lang::En => format!("Tag: {name}"),
        },
        AudienceGroup::Lists => lang.pick("指定粉丝列表", "Lists of followers").to_owned(),
    }
}

fn window_words(lang: Lang, days: i64) -> String {
    match lang {
        Lang::Zh => format!("最近 {days} 天"),
        Lang::En => format!("Last {days} days"),
    }
}

#[component]
fn Overview(lang: Lang, overview: AccountOverview) -> impl IntoView {
    let account = super::account_slug().get_untracked();
    let days = overview.days;
    let choices = WINDOWS
        .iter()
        .map(|&choice| {
            let words = window_words(lang, choice);
            if choice == days {
                view! { <strong aria-current="page">{words}</strong> }.into_any()
            } else {
                let href = format!("{}?days={choice}", super::account_href(&account, "stats"));
                view! { <a href=href>{words}</a> }.into_any()
            }
        })
        .collect_view();
    let with_figures = overview.with_figures();
    let summary = match lang {
        Lang::Zh => format!(
            "{}内微信接收的图文群发：{} 次，其中 {} 次已有阅读数据，{} 次还没有。",
            window_words(lang, days),
            count(overview.article_sends),
            count(with_figures),
            count(overview.without_figures)
        ),
        Lang::En => format!(
            "Article sends WeChat took in the last {days} days: {}; {} with read figures, {} without figures yet.",
            count(overview.article_sends),
            count(with_figures),
            count(overview.without_figures)
        ),
    };
    let zone = match lang {
        Lang::Zh => format!("时间按公众号的时区：{}。", overview.zone),
        Lang::En => format!("Times in the account's zone: {}.", overview.zone),
    };
    let updated = overview.updated.clone().map(|at| match lang {
        Lang::Zh => format!("阅读数据最近更新：{at}。"),
        Lang::En => format!("Figures last updated: {at}."),
    });
    let empty = if overview.article_sends == 0 {
        Some(match lang {
            Lang::Zh => format!(
                "{}内没有图文群发。阅读数据只有图文消息才有。",
                window_words(lang, days)
            ),
            Lang::En => format!(
                "No article sends in the last {days} days. Only article sends have read figures."
            ),
        })
    } else if with_figures == 0 {
        Some(
            lang.pick(
                "还没有阅读数据：微信在群发的次日早上 8 点（北京时间）后才提供前一天的数据。",
                "No figures yet: WeChat gives a day's figures the morning after (from 08:00 China time).",
            )
            .to_owned(),
        )
    } else {
        None
    };
    let has_figures = with_figures > 0;
    view! {
        <nav class="stats-window" aria-label=lang.pick("时间范围", "Period")>
            {choices}
        </nav>
        {overview
            .denied
            .clone()
            .map(|words| view! { <p class="notice stats-denied" role="status">{words}</p> })}
        {(overview.article_sends > 0).then(|| view! { <p class="stats-summary">{summary}</p> })}
        <p class="hint">
            {zone}
            {updated.map(|u| view! { " " {u} })}
            " "
            {lang.pick(
                "阅读率 = 第一篇文章的阅读人数 ÷ 送达人数；数据在群发次日早上出现，之后每天更新，跟踪 30 天。",
                "Read rate = the first article's readers ÷ followers it reached; figures appear the morning after a send and grow daily for 30 days.",
            )}
        </p>
        {empty.map(|words| view! { <p class="stats-empty">{words}</p> })}
        {has_figures
            .then(|| {
                view! {
                    <Ranking lang account=account.clone() ranked=overview.ranked.clone() total=with_figures />
                    <ByAudience lang rows=overview.by_audience.clone() />
                }
            })}
        {(!overview.by_type.is_empty()).then(|| view! { <ByType lang rows=overview.by_type.clone() /> })}
        {has_figures.then(|| view! { <ByHour lang rows=overview.by_hour.clone() /> })}
    }
}

#[component]
fn Ranking(lang: Lang, account: String, ranked: Vec<RankedSend>, total: i64) -> impl IntoView {
    let rate = |r: &RankedSend| {
        Rate {
            sends: 1,
            sent: r.sent,
            readers: r.readers,
        }
        .ratio()
    };
    let best = best(ranked.iter().map(rate));
    let shown = ranked.len();
    let caption = match lang {
        Lang::Zh => format!("阅读率最高的群发（{total} 次中的前 {shown} 次）"),
        Lang::En => format!("Sends by read rate (the best {shown} of {total})"),
    };
    view! {
        <section aria-labelledby="stats-ranking">
            <h2 id="stats-ranking">{lang.pick("群发排行", "Sends ranked")}</h2>
            <p class="hint">{caption}</p>
            <table class="stats stacked" aria-labelledby="stats-ranking">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">{lang.pick("时间", "Time")}</th>
                        <th scope="col">{lang.pick("文章", "Articles")}</th>
                        <th scope="col">{lang.pick("发送对象", "Audience")}</th>
                        <th scope="col">{lang.pick("送达", "Sent")}</th>
                        <th scope="col">{lang.pick("阅读人数", "Readers")}</th>
                        <th scope="col">{lang.pick("阅读率", "Read rate")}</th>
                    </tr>
                </thead>
                <tbody>
                    {ranked
                        .into_iter()
                        .enumerate()
                        .map(|(i, send)| {
                            let href = super::account_href(&account, &format!("sends/{}", send.id));
                            let audience = match &send.audience {
                                AudienceGroup::Lists => send.audience_words.clone(),
                                other => audience_words(lang, other),
                            };
                            let ratio = rate(&send);
                            view! {
                                <tr data-send=send.id.to_string()>
                                    <td data-label="#">{(i + 1).to_string()}</td>
                                    <td class="when" data-label=lang.pick("时间", "Time")>{send.when.clone()}</td>
                                    <td data-label=lang.pick("文章", "Articles")>
                                        <a href=href>{send.summary.clone()}</a>
                                    </td>
                                    <td data-label=lang.pick("发送对象", "Audience")>{audience}</td>
                                    <td data-label=lang.pick("送达", "Sent")>{count(send.sent)}</td>
                                    <td data-label=lang.pick("阅读人数", "Readers")>{count(send.readers)}</td>
                                    <td data-label=lang.pick("阅读率", "Read rate")>
                                        <RateCell lang rate=ratio best />
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The columns every grouped table has after its first.
#[component]
fn RateColumns(lang: Lang, rate: Rate, best: f64) -> impl IntoView {
    view! {
        <td data-label=lang.pick("群发次数", "Sends")>{count(rate.sends)}</td>
        <td data-label=lang.pick("送达", "Sent")>{count(rate.sent)}</td>
        <td data-label=lang.pick("阅读人数", "Readers")>{count(rate.readers)}</td>
        <td data-label=lang.pick("阅读率", "Read rate")>
            <RateCell lang rate=rate.ratio() best />
        </td>
    }
}

#[component]
fn RateHead(lang: Lang, first: &'static str) -> impl IntoView {
    view! {
        <thead>
            <tr>
                <th scope="col">{first}</th>
                <th scope="col">{lang.pick("群发次数", "Sends")}</th>
                <th scope="col">{lang.pick("送达", "Sent")}</th>
                <th scope="col">{lang.pick("阅读人数", "Readers")}</th>
                <th scope="col">{lang.pick("阅读率", "Read rate")}</th>
            </tr>
        </thead>
    }
}

#[component]
fn ByAudience(lang: Lang, rows: Vec<AudienceRow>) -> impl IntoView {
    let best = best(rows.iter().map(|r| r.rate.ratio()));
    view! {
        <section aria-labelledby="stats-audience">
            <h2 id="stats-audience">{lang.pick("按发送对象", "By audience")}</h2>
            <table class="stats stacked" aria-labelledby="stats-audience">
                <RateHead lang first=lang.pick("发送对象", "Audience") />
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            view! {
                                <tr>
                                    <th scope="row">{audience_words(lang, &row.audience)}</th>
                                    <RateColumns lang rate=row.rate best />
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn ByType(lang: Lang, rows: Vec<TypeRow>) -> impl IntoView {
    let best = best(rows.iter().map(|r| r.rate.and_then(|r| r.ratio())));
    view! {
        <section aria-labelledby="stats-type">
            <h2 id="stats-type">{lang.pick("按消息类型", "By message type")}</h2>
            <table class="stats stacked" aria-labelledby="stats-type">
                <thead>
                    <tr>
                        <th scope="col">{lang.pick("类型", "Type")}</th>
                        <th scope="col">{lang.pick("群发次数", "Sends")}</th>
                        <th scope="col">{lang.pick("阅读率", "Read rate")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let rate = match row.rate {
                                Some(rate) => view! { <RateCell lang rate=rate.ratio() best /> }.into_any(),
                                None => view! {
                                    <span class="muted">
                                        {lang.pick("微信不提供这种消息的阅读数据", "WeChat gives no read figures for this type")}
                                    </span>
                                }
                                    .into_any(),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{type_label(lang, &row.msg_type)}</th>
                                    <td data-label=lang.pick("群发次数", "Sends")>{count(row.sends)}</td>
                                    <td data-label=lang.pick("阅读率", "Read rate")>{rate}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn ByHour(lang: Lang, rows: Vec<HourRow>) -> impl IntoView {
    let best = best(rows.iter().map(|r| r.rate.ratio()));
    view! {
        <section aria-labelledby="stats-hour">
            <h2 id="stats-hour">{lang.pick("按发送时刻", "By hour of the day")}</h2>
            <table class="stats stacked" aria-labelledby="stats-hour">
                <RateHead lang first=lang.pick("时刻", "Hour") />
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let hour = format!("{:02}:00–{:02}:59", row.hour, row.hour);
                            view! {
                                <tr data-hour=row.hour.to_string()>
                                    <th scope="row">{hour}</th>
                                    <RateColumns lang rate=row.rate best />
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::ui::stats_chart::percent;

    #[test]
    fn a_rate_is_a_percentage_with_one_decimal() {
        assert_eq!(percent(0.0523, Lang::En), "5.2 %");
        assert_eq!(percent(0.0523, Lang::Zh), "5.2%");
        assert_eq!(percent(1.0, Lang::En), "100.0 %");
    }
}
