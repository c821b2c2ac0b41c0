//! A send's read figures on its page: per article an SVG chart of the
//! readers, reads, sharers and favourites per day, the same numbers as a
//! table (what a screen reader reads; the chart is one image with a
//! summary), where the readers came from, and the read rate. Drawn on the
//! server as plain SVG, so it needs no JavaScript and adds no chart code to
//! the wasm; its colours are the stylesheet's (`--chart-*`).

use leptos::prelude::*;

use crate::i18n::Lang;
use crate::sends::group_digits;
use crate::stats::{ArticleStats, DayFigures, FiguresState, SendFigures, Sources};

/// A figure, or "—" where WeChat gave none (never 0).
pub fn figure(value: Option<u64>) -> String {
    value.map_or_else(|| "—".to_owned(), group_digits)
}

/// A share as a percentage with one decimal, as each language writes it:
/// "12.5 %", "12.5%". The account overview's rates use it too.
pub fn percent(rate: f64, lang: Lang) -> String {
    let value = format!("{:.1}", rate * 100.0);
    match lang {
        Lang::Zh => format!("{value}%"),
        Lang::En => format!("{value} %"),
    }
}

/// The four series, in the order of the legend and the table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Series {
    Readers,
    Reads,
    Sharers,
    Favourites,
}

impl Series {
    const ALL: [Series; 4] = [
        Series::Readers,
        Series::Reads,
        Series::Sharers,
        Series::Favourites,
    ];

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Series::Readers => lang.pick("阅读人数", "Readers"),
            Series::Reads => lang.pick("阅读次数", "Reads"),
            Series::Sharers => lang.pick("分享人数", "Sharers"),
            Series::Favourites => lang.pick("收藏人数", "Favourites"),
        }
    }

    fn class(self) -> &'static str {
        match self {
            Series::Readers => "chart-readers",
            Series::Reads => "chart-reads",
            Series::Sharers => "chart-sharers",
            Series::Favourites => "chart-favourites",
        }
    }

    fn of(self, day: &DayFigures) -> Option<u64> {
        match self {
            Series::Readers => day.readers,
            Series::Reads => day.reads,
            Series::Sharers => day.sharers,
            Series::Favourites => day.favourites,
        }
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `n` (at least 1), the top of
/// the scale.
fn scale_top(n: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            let top = step.saturating_mul(m);
            if top >= n.max(1) {
                return top;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The chart's geometry, in the SVG's own units.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// A series drawn as a line: its runs (`polyline` points) and its dots.
type Line = (Series, Vec<String>, Vec<(f64, f64)>);

/// Where each day's point of `series` goes; `None` for a day without it.
fn points(days: &[DayFigures], series: Series, top: u64) -> Vec<Option<(f64, f64)>> {
    let step = (WIDTH - LEFT - RIGHT) / days.len().max(1) as f64;
    let plot = HEIGHT - TOP - BOTTOM;
    days.iter()
        .enumerate()
        .map(|(i, day)| {
            series.of(day).map(|v| {
                let x = LEFT + step * (i as f64 + 0.5);
                let y = TOP + plot * (1.0 - v as f64 / top as f64);
                (x, y)
            })
        })
        .collect()
}

/// The runs of consecutive points, each a `polyline`'s `points`: a day
/// without the figure breaks the line rather than drawing it as 0.
fn runs(points: &[Option<(f64, f64)>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for point in points {
        match point {
            Some((x, y)) => run.push(format!("{x:.1},{y:.1}")),
            None if !run.is_empty() => out.push(std::mem::take(&mut run).join(" ")),
            None => {}
        }
    }
    if !run.is_empty() {
        out.push(run.join(" "));
    }
    out
}

/// "Readers, reads, sharers and favourites per day, 12-01 to 12-03: 60
/// readers, 70 reads, 3 sharers, favourites not given."
fn summary(lang: Lang, days: &[DayFigures], totals: &DayFigures) -> String {
    let first = days.first().map(|d| d.date.as_str()).unwrap_or_default();
    let last = days.last().map(|d| d.date.as_str()).unwrap_or_default();
    let parts: Vec<String> = Series::ALL
        .iter()
        .map(|s| match (s.of(totals), lang) {
            (Some(n), Lang::Zh) => format!("{}共 {}", s.label(lang), group_digits(n)),
            (Some(n), Lang::En) => format!("{} {}", group_digits(n), s.label(lang).to_lowercase()),
            (None, Lang::Zh) => format!("{}无数据", s.label(lang)),
            (None, Lang::En) => format!("{} not given", s.label(lang).to_lowercase()),
        })
        .collect();
    match lang {
        Lang::Zh => format!(
            "每日阅读人数、阅读次数、分享人数和收藏人数，{first} 至 {last}：{}。",
            parts.join("，")
        ),
        Lang::En => format!(
            "Readers, reads, sharers and favourites per day, {first} to {last}: {}.",
            parts.join(", ")
        ),
    }
}

/// The chart of one article: readers as bars, the other three as lines
/// (each with its own dash, so they are told apart without colour too).
#[component]
fn DayChart(lang: Lang, days: Vec<DayFigures>, totals: DayFigures) -> impl IntoView {
    let top = scale_top(
        days.iter()
            .flat_map(|d| Series::ALL.map(|s| s.of(d)))
            .flatten()
            .max()
            .unwrap_or(0),
    );
    let plot = HEIGHT - TOP - BOTTOM;
    let step = (WIDTH - LEFT - RIGHT) / days.len().max(1) as f64;
    let bar = (step * 0.6).min(36.0);
    let grid: Vec<(f64, String)> = [0, top / 2, top]
        .into_iter()
        .map(|v| (TOP + plot * (1.0 - v as f64 / top as f64), group_digits(v)))
        .collect();
    // At most about eight dates under the axis.
    let every = days.len().div_ceil(8).max(1);
    let labels: Vec<(f64, String)> = days
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, d)| {
            (
                LEFT + step * (i as f64 + 0.5),
                d.date.get(5..).unwrap_or(&d.date).to_owned(),
            )
        })
        .collect();
    let bars: Vec<(f64, f64, f64)> = points(&days, Series::Readers, top)
        .into_iter()
        .flatten()
        .map(|(x, y)| (x - bar / 2.0, y, TOP + plot - y))
        .collect();
    let lines: Vec<Line> = [Series::Reads, Series::Sharers, Series::Favourites]
        .into_iter()
        .map(|s| {
            let pts = points(&days, s, top);
            (s, runs(&pts), pts.into_iter().flatten().collect())
        })
        .collect();
    let label = summary(lang, &days, &totals);
    view! {
        <figure class="reads-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label width="100%">
                {grid
                    .into_iter()
                    .map(|(y, text)| {
                        view! {
                            <line class="chart-grid" x1=LEFT.to_string() x2=(WIDTH - RIGHT).to_string() y1=format!("{y:.1}") y2=format!("{y:.1}") />
                            <text class="chart-axis" x=(LEFT - 6.0).to_string() y=format!("{:.1}", y + 5.0) text-anchor="end">{text}</text>
                        }
                    })
                    .collect_view()}
                {labels
                    .into_iter()
                    .map(|(x, text)| {
                        view! {
                            <text class="chart-axis" x=format!("{x:.1}") y=(HEIGHT - 10.0).to_string() text-anchor="middle">{text}</text>
                        }
                    })
                    .collect_view()}
                {bars
                    .into_iter()
                    .map(|(x, y, h)| {
                        view! { <rect class="chart-readers" x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{h:.1}") /> }
                    })
                    .collect_view()}
                {lines
                    .into_iter()
                    .map(|(series, runs, dots)| {
                        view! {
                            {runs
                                .into_iter()
                                .map(|points| view! { <polyline class=format!("chart-line {}", series.class()) points=points /> })
                                .collect_view()}
                            {dots
                                .into_iter()
                                .map(|(x, y)| view! { <circle class=format!("chart-dot {}", series.class()) cx=format!("{x:.1}") cy=format!("{y:.1}") r="4" /> })
                                .collect_view()}
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>
                <ul class="chart-legend">
                    {Series::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <li>
                                    <span class=format!("chart-swatch {}", s.class()) aria-hidden="true"></span>
                                    {s.label(lang)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </figcaption>
        </figure>
    }
}

/// The same figures as the chart, day by day, with their totals.
#[component]
fn DayTable(
    lang: Lang,
    caption: String,
    days: Vec<DayFigures>,
    totals: DayFigures,
) -> impl IntoView {
    let delayed = lang.pick("（数据未定）", " (not final)");
    let region = caption.clone();
    view! {
        <div class="table-scroll" role="region" aria-label=region tabindex="0">
            <table class="reads-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.pick("日期", "Date")}</th>
                        {Series::ALL.iter().map(|s| view! { <th scope="col">{s.label(lang)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {days
                        .into_iter()
                        .map(|d| {
                            view! {
                                <tr>
                                    <th scope="row">
                                        // A phone shows "12-01"; the year stays for screen readers.
                                        <span class="reads-year">{d.date.get(..5).unwrap_or_default().to_owned()}</span>
                                        {d.date.get(5..).unwrap_or(&d.date).to_owned()}
                                        {d.delayed.then(|| view! { <span class="muted">{delayed}</span> })}
                                    </th>
                                    {Series::ALL.iter().map(|s| view! { <td>{figure(s.of(&d))}</td> }).collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{lang.pick("合计", "Total")}</th>
                        {Series::ALL.iter().map(|s| view! { <td>{figure(s.of(&totals))}</td> }).collect_view()}
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}

/// Where the readers came from, each group with its share.
#[component]
fn SourcesTable(lang: Lang, caption: String, sources: Sources) -> impl IntoView {
    let total = sources.total();
    let rows = [
        (
            lang.pick("会话（消息本身）", "The message itself"),
            sources.message,
        ),
        (
            lang.pick("历史消息", "The account's history"),
            sources.history,
        ),
        (
            lang.pick("分享（好友转发、朋友圈）", "Shares (friends, Moments)"),
            sources.shares,
        ),
        (lang.pick("其他", "Other"), sources.other),
    ];
    view! {
        <table class="reads-sources">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">{lang.pick("来源", "Source")}</th>
                    <th scope="col">{lang.pick("阅读人数", "Readers")}</th>
                    <th scope="col">{lang.pick("占比", "Share")}</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|(name, n)| {
                        let share = if total == 0 { 0.0 } else { n as f64 / total as f64 };
                        view! {
                            <tr>
                                <th scope="row">{name}</th>
                                <td>{group_digits(n)}</td>
                                <td>
                                    <span class="source-bar" aria-hidden="true">
                                        <span style=format!("width: {:.1}%", share * 100.0)></span>
                                    </span>
                                    {percent(share, lang)}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// One article's figures: its read rate, chart, table and sources.
#[component]
fn ArticleReads(lang: Lang, article: ArticleStats, sent_count: Option<i64>) -> impl IntoView {
    let name = match &article.title {
        Some(title) => format!("{}. {title}", article.index),
        None => match lang {
            Lang::Zh => format!("第 {} 篇", article.index),
            Lang::En => format!("Article {}", article.index),
        },
    };
    let rate = match (article.read_rate, article.totals.readers, sent_count) {
        (Some(rate), Some(readers), Some(sent)) => match lang {
            Lang::Zh => format!(
                "阅读率：{}（{} 人阅读，送达 {} 人）",
                percent(rate, lang),
                group_digits(readers),
                group_digits(sent.max(0) as u64)
            ),
            Lang::En => format!(
                "Read rate: {} ({} {} of {} sent)",
                percent(rate, lang),
                group_digits(readers),
                if readers == 1 { "reader" } else { "readers" },
                group_digits(sent.max(0) as u64)
            ),
        },
        _ => lang.pick("阅读率：—", "Read rate: —").to_owned(),
    };
    let caption = match lang {
        Lang::Zh => format!("{name}：每日阅读数据"),
        Lang::En => format!("{name}: figures per day"),
    };
    let sources_caption = match lang {
        Lang::Zh => format!("{name}：阅读来源"),
        Lang::En => format!("{name}: where the readers came from"),
    };
    let ArticleStats {
        days,
        totals,
        sources,
        ..
    } = article;
    view! {
        <article class="article-reads">
            <h3>{name}</h3>
            <p class="read-rate">{rate}</p>
            <div class="reads-figures">
                <DayChart lang days=days.clone() totals=totals.clone() />
                <DayTable lang caption days totals />
            </div>
            {match sources {
                Some(sources) => view! { <SourcesTable lang caption=sources_caption sources /> }.into_any(),
                None => view! {
                    <p class="hint">{lang.pick("微信没有给出阅读来源。", "WeChat gave no sources of the readers.")}</p>
                }
                    .into_any(),
            }}
        </article>
    }
}

/// The "Reads" section of a send's page: nothing for a send that is not a
/// finished article send, a notice while there are no figures (or none
/// will come), else one block per article.
#[component]
pub fn SendReads(lang: Lang, stats: SendFigures) -> impl IntoView {
    let notice = match &stats.state {
        FiguresState::NotArticle => return ().into_any(),
        FiguresState::NotYet { first, due: false } => Some(match lang {
            Lang::Zh => format!("还没有阅读数据：微信在 {first} 之后给出第一天的数据。"),
            Lang::En => format!("No figures yet: WeChat gives the first day's after {first}."),
        }),
        FiguresState::NotYet { first, due: true } => Some(match lang {
            Lang::Zh => {
                format!("还没有阅读数据：微信从 {first} 起提供第一天的数据，qunfa 每天获取一次。")
            }
            Lang::En => format!(
                "No figures yet: WeChat has had the first day's since {first}; qunfa fetches them once a day."
            ),
        }),
        FiguresState::Denied { words } => Some(words.clone()),
        FiguresState::Figures {
            until,
            followed: true,
        } => Some(match lang {
            Lang::Zh => format!("qunfa 每天更新这些数据，跟踪到 {until}（北京时间）。"),
            Lang::En => format!("qunfa updates these figures daily until {until} (China time)."),
        }),
        FiguresState::Figures {
            until,
            followed: false,
        } => Some(match lang {
            Lang::Zh => format!("已停止跟踪：数据截至 {until}（北京时间）。"),
            Lang::En => format!("No longer followed: the figures end on {until} (China time)."),
        }),
    };
    let denied = matches!(stats.state, FiguresState::Denied { .. });
    let sent_count = stats.sent_count;
    view! {
        <section aria-labelledby="reads-title" class="reads">
            <h2 id="reads-title">{lang.pick("阅读数据", "Reads")}</h2>
            {notice.map(|words| view! { <p class=if denied { "notice" } else { "hint" } role="status">{words}</p> })}
            {stats
                .articles
                .into_iter()
                .map(|article| view! { <ArticleReads lang article sent_count /> })
                .collect_view()}
        </section>
    }
        .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_tops_at_one_two_or_five_times_a_power_of_ten() {
        for (n, top) in [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 5),
            (6, 10),
            (11, 20),
            (480, 500),
            (501, 1000),
        ] {
            assert_eq!(scale_top(n), top, "{n}");
        }
    }

    #[test]
    fn a_day_without_a_figure_breaks_the_line() {
        let runs = runs(&[Some((1.0, 2.0)), Some((3.0, 4.0)), None, Some((5.0, 6.0))]);
        assert_eq!(runs, ["1.0,2.0 3.0,4.0", "5.0,6.0"]);
    }

    #[test]
    fn a_missing_figure_is_a_dash_never_zero() {
        assert_eq!(figure(None), "—");
        assert_eq!(figure(Some(0)), "0");
        assert_eq!(figure(Some(12_345)), "12,345");
    }
}
