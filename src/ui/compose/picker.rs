//! A list of drafts or materials to pick from, a page at a time. If WeChat
//! cannot list them, it says why; pasting a media id still works.

use leptos::prelude::*;

use crate::i18n::Lang;
use crate::sends::api::{list_drafts, list_materials};
use crate::sends::{MediaChoice, MediaPage, PICKER_PAGE};
use crate::ui::time::format_unix;

#[component]
pub fn Picker(
    lang: Lang,
    /// `drafts`, `image`, `voice` or `video`.
    source: &'static str,
    label: &'static str,
    on_pick: Callback<MediaChoice>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let offset = RwSignal::new(0u32);
    let page = LocalResource::new(move || {
        let (open, offset) = (open.get(), offset.get());
        async move {
            if !open {
                return None;
            }
            Some(match source {
                "drafts" => list_drafts(offset).await,
                kind => list_materials(kind.to_owned(), offset).await,
            })
        }
    });
    view! {
        <div class="picker">
            <button type="button" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {label}
            </button>
            <Show when=move || open.get()>
                <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            None => ().into_any(),
                            Some(Ok(Ok(list))) => view! { <PickerList lang list offset on_pick /> }.into_any(),
                            Some(Ok(Err(words))) => {
                                view! {
                                    <p class="error" role="alert">
                                        {words} " "
                                        {lang.pick("仍可直接粘贴 media_id。", "You can still paste a media_id.")}
                                    </p>
                                }
                                    .into_any()
                            }
                            Some(Err(error)) => {
                                view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any()
                            }
                        }
                    })}
                </Suspense>
            </Show>
        </div>
    }
}

#[component]
fn PickerList(
    lang: Lang,
    list: MediaPage,
    offset: RwSignal<u32>,
    on_pick: Callback<MediaChoice>,
) -> impl IntoView {
    let start = list.offset;
    let shown = list.items.len() as u32;
    let total = list.total;
    let empty = list.items.is_empty();
    let use_label = lang.pick("选用", "Use");
    view! {
        {empty.then(|| view! { <p>{lang.pick("这里还没有内容。", "Nothing here yet.")}</p> })}
        <ul class="media-list">
            {list
                .items
                .into_iter()
                .map(|item| {
                    let title = if item.title.is_empty() { item.media_id.clone() } else { item.title.clone() };
                    let aria = format!("{use_label} {title}");
                    let updated = item.updated.map(format_unix);
                    let media_id = item.media_id.clone();
                    view! {
                        <li>
                            <span class="media-title">{title}</span>
                            <code>{media_id}</code>
                            {updated.map(|u| view! { <span class="muted">{u}</span> })}
                            <button type="button" aria-label=aria on:click=move |_| on_pick.run(item.clone())>
                                {use_label}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <div class="pager">
            <button type="button" disabled=start == 0 on:click=move |_| offset.set(start.saturating_sub(PICKER_PAGE))>
                {lang.pick("上一页", "Previous")}
            </button>
            <span class="muted">
                {format!("{}–{} / {}", if shown == 0 { 0 } else { start + 1 }, start + shown, total)}
            </span>
            <button
                type="button"
                disabled=u64::from(start + shown) >= total
                on:click=move |_| offset.set(start + PICKER_PAGE)
            >
                {lang.pick("下一页", "Next")}
            </button>
        </div>
    }
}
