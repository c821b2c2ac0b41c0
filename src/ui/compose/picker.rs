//! A list of drafts or materials to pick from, a page at a time. If WeChat
//! cannot list them, it says why; pasting a media id still works.
//!
//! The button that opens it posts the form to `open_picker` when there is
//! no JavaScript (or before hydration): the form is kept and the list page
//! (`pick::PickPage`) answers, coming back to the form with the field
//! filled. Hydrated, it opens the list in place.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::i18n::Lang;
use crate::sends::api::{OpenPicker, list_drafts, list_materials};
use crate::sends::{MediaChoice, MediaPage, PICKER_PAGE};
use crate::ui::time::UnixTime;

#[component]
pub fn Picker(
    lang: Lang,
    /// `drafts`, `image`, `voice` or `video`.
    source: &'static str,
    label: &'static str,
    on_pick: Callback<MediaChoice>,
    /// Each pick adds to the field (images), so the list stays open.
    #[prop(optional)]
    adds: bool,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let offset = RwSignal::new(0u32);
    // What was picked, by name: from this page, or from the address when
    // the list page sent the editor back.
    let query = use_query_map();
    let from_address = query.with_untracked(|q| {
        (q.get("picked_from").as_deref() == Some(source))
            .then(|| q.get("picked"))
            .flatten()
            .filter(|p| !p.is_empty())
    });
    let picked = RwSignal::new(from_address.into_iter().collect::<Vec<String>>());
    let account = crate::ui::account_slug();
    let page = LocalResource::new(move || {
        let (open, offset, account) = (open.get(), offset.get(), account.get());
        async move {
            if !open {
                return None;
            }
            Some(match source {
                "drafts" => list_drafts(account, offset).await,
                kind => list_materials(account, kind.to_owned(), offset).await,
            })
        }
    });
    let choose = Callback::new(move |item: MediaChoice| {
        let name = if item.title.is_empty() {
            item.media_id.clone()
        } else {
            item.title.clone()
        };
        picked.update(|list| {
            if !adds {
                list.clear();
            }
            list.push(name);
        });
        if !adds {
            open.set(false);
        }
        on_pick.run(item);
    });
    let picked_words = move || {
        let list = picked.get();
        (!list.is_empty()).then(|| {
            let head = if adds {
                lang.pick("已添加：", "Added: ")
            } else {
                lang.pick("已选：", "Chosen: ")
            };
            format!("{head}{}", list.join(lang.pick("、", ", ")))
        })
    };
    view! {
        <div class="picker">
            // Without JavaScript this posts the form (`formaction`), so a
            // click before hydration opens the list page instead of
            // nothing.
            <button
                type="submit"
                formaction=OpenPicker::url()
                name="pick"
                value=source
                aria-expanded=move || open.get().to_string()
                on:click=move |ev| {
                    ev.prevent_default();
                    open.update(|o| *o = !*o);
                }
            >
                {label}
            </button>
            {move || picked_words().map(|words| view! { <p class="picked" role="status">{words}</p> })}
            {(source != "drafts").then(|| view! { <UploadNew lang source on_pick=choose /> })}
            <Show when=move || open.get()>
                <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            None => ().into_any(),
                            Some(Ok(Ok(list))) => {
                                view! { <PickerList lang list offset on_pick=choose /> }.into_any()
                            }
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

/// "Upload a new one", named for what the picker holds (a compose form
/// has a picker of each kind).
pub fn upload_new_label(lang: Lang, source: &str) -> &'static str {
    match source {
        "voice" => lang.pick("上传新的语音", "Upload a new voice"),
        "video" => lang.pick("上传新的视频", "Upload a new video"),
        _ => lang.pick("上传新的图片", "Upload a new image"),
    }
}

/// "Upload a new one": a file uploaded to the library right here (by the
/// page's script; without JavaScript the picker's list page has a plain
/// form) and picked once WeChat has it.
#[component]
fn UploadNew(lang: Lang, source: &'static str, on_pick: Callback<MediaChoice>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(None::<(bool, String)>);
    let input = NodeRef::<leptos::html::Input>::new();
    let id = format!("upload-new-{source}");
    let on_change = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = input
                .get_untracked()
                .and_then(|i| i.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            state.set(Some((true, lang.pick("上传中…", "Uploading…").to_owned())));
            let account = crate::ui::account_slug().get_untracked();
            crate::ui::media::script::upload_one(lang, &account, source, file, move |answer| {
                match answer {
                    Ok(answer) => match answer.media_id.clone() {
                        Some(media_id) => {
                            state.set(Some((true, answer.message.clone())));
                            on_pick.run(MediaChoice {
                                media_id,
                                title: answer.name,
                                cover_url: None,
                                updated: None,
                            });
                        }
                        None => state.set(Some((false, answer.message))),
                    },
                    Err(words) => state.set(Some((false, words))),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (input, on_pick);
    };
    view! {
        <Show when=move || hydrated.get()>
            <span class="upload-new">
                <label for=id.clone()>{upload_new_label(lang, source)}</label>
                <input id=id.clone() type="file" node_ref=input on:change=on_change />
                {move || {
                    state
                        .get()
                        .map(|(ok, words)| {
                            view! {
                                <span role=if ok { "status" } else { "alert" } class:error=!ok>
                                    {words}
                                </span>
                            }
                        })
                }}
            </span>
        </Show>
    }
}

/// What a list shows of a draft or material: its name (else its id), its
/// id, and when it last changed.
#[component]
pub fn MediaFacts(item: MediaChoice) -> impl IntoView {
    let name = shown_name(&item);
    view! {
        <span class="media-title">{name}</span>
        <code>{item.media_id}</code>
        {item.updated.map(|secs| view! { <span class="muted"><UnixTime secs /></span> })}
    }
}

/// A draft's or material's name, or its id when it has none.
pub fn shown_name(item: &MediaChoice) -> String {
    if item.title.is_empty() {
        item.media_id.clone()
    } else {
        item.title.clone()
    }
}

/// "11–20 / 34": where this page is in the list.
pub fn page_range(list: &MediaPage) -> String {
    let shown = list.items.len() as u32;
    let first = if shown == 0 { 0 } else { list.offset + 1 };
    format!("{first}–{} / {}", list.offset + shown, list.total)
}

/// Whether a page follows this one.
pub fn has_next(list: &MediaPage) -> bool {
    u64::from(list.offset + list.items.len() as u32) < list.total
}

#[component]
fn PickerList(
    lang: Lang,
    list: MediaPage,
    offset: RwSignal<u32>,
    on_pick: Callback<MediaChoice>,
) -> impl IntoView {
    let start = list.offset;
    let range = page_range(&list);
    let last = !has_next(&list);
    let empty = list.items.is_empty();
    let use_label = lang.pick("选用", "Use");
    view! {
        {empty.then(|| view! { <p>{lang.pick("这里还没有内容。", "Nothing here yet.")}</p> })}
        <ul class="media-list">
            {list
                .items
                .into_iter()
                .map(|item| {
                    let aria = format!("{use_label} {}", shown_name(&item));
                    let facts = item.clone();
                    view! {
                        <li>
                            <MediaFacts item=facts />
                            <button type="button" aria-label=aria on:click=move |_| on_pick.run(item.clone())>
                                {use_label}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        // Values in braces: `view!` would read a bare `a >= b` as the end
        // of the tag and print the rest as text.
        <div class="pager">
            <button
                type="button"
                disabled={start == 0}
                on:click=move |_| offset.set(start.saturating_sub(PICKER_PAGE))
            >
                {lang.pick("上一页", "Previous")}
            </button>
            <span class="muted">{range}</span>
            <button type="button" disabled={last} on:click=move |_| offset.set(start + PICKER_PAGE)>
                {lang.pick("下一页", "Next")}
            </button>
        </div>
    }
}
