//! What a send carries, by name: the confirmation and the send page show
//! it the same way, with WeChat's ids one click away.
//!
//! Covers and pictures are named and linked, not shown as images: the
//! pages' Content-Security-Policy allows images from this console only
//! (`shell::headers`), and WeChat's addresses (mmbiz.qpic.cn) are another
//! site's.

use leptos::prelude::*;

use super::is_web_url;
use crate::i18n::Lang;
use crate::sends::{Content, MediaName};

#[component]
pub fn ContentView(lang: Lang, content: Content) -> impl IntoView {
    let ids = content.ids();
    let body = match content {
        Content::Articles { articles, .. } if articles.is_empty() => view! {
            <p>
                {lang.pick(
                    "草稿箱的前几页里没有找到这篇草稿，无法列出文章标题。",
                    "The draft was not found in the first pages of the draft box, so its titles cannot be listed.",
                )}
            </p>
        }
        .into_any(),
        Content::Articles { articles, .. } => view! {
            <ol class="content-articles">
                {articles
                    .into_iter()
                    .map(|a| {
                        view! {
                            <li>
                                <span>{a.title}</span>
                                {a.cover_url.map(|url| view! { " " <Address url label=lang.pick("封面", "cover") /> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any(),
        Content::Text { lines, more } => view! {
            <blockquote class="content-text">
                {lines.into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}
                {more.then(|| view! { <p class="muted">"…"</p> })}
            </blockquote>
        }
        .into_any(),
        Content::Voice(voice) => view! { <p><MediaLine lang media=voice /></p> }.into_any(),
        Content::Images { title, images } => {
            let count = match lang {
                Lang::Zh => format!("{} 张图片", images.len()),
                Lang::En if images.len() == 1 => "1 picture".to_owned(),
                Lang::En => format!("{} pictures", images.len()),
            };
            view! {
                {title.map(|t| view! { <p class="content-title">{t}</p> })}
                <p>{count}</p>
                <ol class="content-images">
                    {images.into_iter().map(|media| view! { <li><MediaLine lang media /></li> }).collect_view()}
                </ol>
            }
            .into_any()
        }
        Content::Video { title: Some(title), .. } => view! { <p>{title}</p> }.into_any(),
        Content::Video { .. } => view! {
            <p>{lang.pick("视频（手动填写的 media_id，没有标题）", "A video (its media_id was typed, so it has no title here)")}</p>
        }
        .into_any(),
        Content::Card { card_id } => view! { <p>{lang.pick("卡券 ", "Card ")} <code>{card_id}</code></p> }.into_any(),
    };
    view! {
        <div class="content">
            {body}
            {(!ids.is_empty())
                .then(|| {
                    view! {
                        <details class="content-ids">
                            <summary>{lang.pick("ID", "IDs")}</summary>
                            <ul>{ids.into_iter().map(|id| view! { <li><code>{id}</code></li> }).collect_view()}</ul>
                        </details>
                    }
                })}
        </div>
    }
}

/// A material by name (its id where WeChat gave none), with its address.
#[component]
fn MediaLine(lang: Lang, media: MediaName) -> impl IntoView {
    let shown = media.shown().to_owned();
    let named = media.name.is_some();
    view! {
        {if named {
            view! { <span>{shown}</span> }.into_any()
        } else {
            view! { <code>{shown}</code> }.into_any()
        }}
        {media.url.map(|url| view! { " " <Address url label=lang.pick("查看", "open") /> })}
    }
}

/// A link to WeChat's copy of a picture, when it is a web address.
#[component]
fn Address(url: String, label: &'static str) -> impl IntoView {
    is_web_url(&url).then(|| {
        view! {
            <a class="muted" href=url rel="noreferrer" target="_blank">
                {label}
            </a>
        }
    })
}
