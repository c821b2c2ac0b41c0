//! `/a/:account/media` ("素材" / "Media"): the account's materials by tab
//! (images with thumbs, voice, video) as a grid with thumbnails served by
//! qunfa, names, sizes and dates; search by name; pages of WeChat's
//! offset/count; upload; delete after a confirmation that names what
//! breaks.
//!
//! Without JavaScript every part works as plain links and forms: the tabs,
//! search and paging are addresses, one file is uploaded by a plain
//! multipart form (`media::http::upload` redirects back with the outcome),
//! and "Delete" opens the confirmation (`?delete=<id>`) whose form posts
//! `delete_media`. Hydrated, several files can be picked or dropped at
//! once, each sent by its own XMLHttpRequest with its own progress bar and
//! its own answer in words beside it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::resource::{PageResource, page_resource};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::media::api::{DeleteMedia, list_media, media_usage};
use crate::media::{LibraryPage, Listing, MediaItem, PAGE, Refusal, Tab, Usage};
use crate::ui::history::percent;
use crate::ui::time::UnixTime;
use crate::ui::{Page, lang};
use crate::wechat::limits::{UploadKind, size_label};

fn title(lang: Lang) -> &'static str {
    lang.pick("素材", "Media")
}

/// What the address asks for.
#[derive(Clone, Debug, PartialEq)]
struct Asked {
    tab: Tab,
    search: String,
    offset: u32,
}

#[component]
pub fn MediaPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| Asked {
            tab: q
                .get("kind")
                .and_then(|k| Tab::parse(&k))
                .unwrap_or(Tab::Image),
            search: q.get("q").unwrap_or_default(),
            offset: q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        })
    });
    let account = crate::ui::account_slug();
    let list = page_resource(
        move || (account.get(), asked.get()),
        |(account, asked)| async move {
            list_media(
                account,
                asked.tab.as_str().to_owned(),
                asked.search,
                asked.offset,
            )
            .await
        },
    );
    let deleting = Memo::new(move |_| query.with(|q| q.get("delete").filter(|d| !d.is_empty())));
    let usage = page_resource(
        move || (account.get(), deleting.get()),
        |(account, media_id)| async move {
            match media_id {
                Some(id) => Some(media_usage(account, id).await),
                None => None,
            }
        },
    );
    view! {
        <Page title=title>
            <MediaBody asked list usage />
        </Page>
    }
}

#[component]
fn MediaBody(
    asked: Memo<Asked>,
    list: PageResource<Result<Listing<LibraryPage>, AppError>>,
    usage: PageResource<Option<Result<Usage, AppError>>>,
) -> impl IntoView {
    let lang = lang();
    let account = crate::ui::account_slug();
    let query = use_query_map();
    let href = move |tab: Tab| format!("/a/{}/media?kind={}", account.get(), tab.as_str());
    let tabs = Tab::ALL
        .into_iter()
        .map(|tab| {
            let current = move || (asked.get().tab == tab).then_some("page");
            view! {
                <a href=move || href(tab) aria-current=current>
                    {tab.label(lang)}
                </a>
            }
        })
        .collect_view();
    let notice = move || {
        query.with(|q| {
            if let Some(refused) = q.get("refused") {
                let words = serde_json::from_str::<Refusal>(&refused)
                    .map(|r| r.words(lang))
                    .unwrap_or_default();
                return Some(view! { <p class="error" role="alert">{words}</p> }.into_any());
            }
            if q.get("uploaded").is_some() {
                let words = if q.get("existing").is_some() {
                    lang.pick(
                        "素材库里已有同一个文件，没有重复上传。",
                        "That file is in the library already; it was not uploaded again.",
                    )
                } else {
                    lang.pick("已上传。", "Uploaded.")
                };
                return Some(view! { <p class="notice" role="status">{words}</p> }.into_any());
            }
            if q.get("deleted").is_some() {
                let words = lang.pick("已删除。", "Deleted.");
                return Some(view! { <p class="notice" role="status">{words}</p> }.into_any());
            }
            None
        })
    };
    let refresh = Callback::new(move |()| list.refetch());
    view! {
        <nav class="tabs" aria-label=lang.pick("素材类型", "Kinds of media")>{tabs}</nav>
        {notice}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                usage.await.map(|usage| match usage {
                    Ok(usage) => view! { <DeleteConfirm lang usage tab=asked.get_untracked().tab /> }.into_any(),
                    Err(error) => crate::ui::error_view(lang, error),
                })
            })}
        </Transition>
        <Upload lang tab=Signal::derive(move || asked.get().tab) on_done=refresh />
        <form method="get" class="search" role="search">
            <input type="hidden" name="kind" value=move || asked.get().tab.as_str() />
            <label for="media-search">{lang.pick("按名称搜索", "Search by name")}</label>
            <input id="media-search" type="search" name="q" value=move || asked.get().search />
            <button type="submit">{lang.pick("搜索", "Search")}</button>
        </form>
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(Ok(page)) => view! { <Grid lang page asked=asked.get_untracked() /> }.into_any(),
                    Ok(Err(words)) => view! { <p class="error" role="alert">{words}</p> }.into_any(),
                    Err(error) => crate::ui::error_view(lang, error),
                }
            })}
        </Transition>
    }
}

/// A duration in words: "0:42".
fn duration_label(ms: u64) -> String {
    let seconds = ms.div_ceil(1000);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[component]
fn Grid(lang: Lang, page: LibraryPage, asked: Asked) -> impl IntoView {
    let account = crate::ui::account_slug().get_untracked();
    let at = |offset: u32| {
        let mut href = format!(
            "/a/{account}/media?kind={}&offset={offset}",
            asked.tab.as_str()
        );
        if !asked.search.is_empty() {
            href.push_str(&format!("&q={}", percent(&asked.search)));
        }
        href
    };
    let shown = page.items.len() as u32;
    let searched = page.searched.map(|n| match lang {
        Lang::Zh => format!("在最新的 {n} 个素材中找到 {} 个。", page.items.len()),
        Lang::En => format!("{} found among the newest {n}.", page.items.len()),
    });
    let range = (page.searched.is_none() && page.total > 0).then(|| {
        let (from, to) = (page.offset + 1, page.offset + shown);
        match lang {
            Lang::Zh => format!("第 {from}–{to} 个，共 {} 个", page.total),
            Lang::En => format!("{from}–{to} of {}", page.total),
        }
    });
    let previous =
        (page.searched.is_none() && page.offset > 0).then(|| at(page.offset.saturating_sub(PAGE)));
    let next = (page.searched.is_none() && u64::from(page.offset + shown) < page.total)
        .then(|| at(page.offset + shown));
    let empty = page.items.is_empty();
    let tab = asked.tab;
    view! {
        {searched.map(|s| view! { <p class="muted">{s}</p> })}
        {empty.then(|| view! { <p>{lang.pick("这里还没有素材。", "No media here yet.")}</p> })}
        <ul class="media-grid" aria-label=tab.label(lang)>
            {page
                .items
                .into_iter()
                .map(|item| view! { <Tile lang item tab /> })
                .collect_view()}
        </ul>
        <nav class="pager" aria-label=lang.pick("翻页", "Pages")>
            {previous.map(|href| view! { <a href=href>{lang.pick("上一页", "Previous")}</a> })}
            <span class="muted">{range}</span>
            {next.map(|href| view! { <a href=href>{lang.pick("下一页", "Next")}</a> })}
        </nav>
    }
}

#[component]
fn Tile(lang: Lang, item: MediaItem, tab: Tab) -> impl IntoView {
    let account = crate::ui::account_slug().get_untracked();
    let name = if item.name.is_empty() {
        item.media_id.clone()
    } else {
        item.name.clone()
    };
    let mut facts = Vec::new();
    if item.kind == Some(UploadKind::Thumb) {
        facts.push(lang.pick("缩略图", "Thumbnail").to_owned());
    }
    if let Some(size) = item.size {
        facts.push(size_label(size));
    }
    if let (Some(w), Some(h)) = (item.width, item.height) {
        facts.push(format!("{w}×{h}"));
    }
    if let Some(ms) = item.duration_ms {
        facts.push(duration_label(ms));
    }
    let delete_href = format!(
        "/a/{account}/media?kind={}&delete={}",
        tab.as_str(),
        percent(&item.media_id)
    );
    let delete_label = match lang {
        Lang::Zh => format!("删除 {name}"),
        Lang::En => format!("Delete {name}"),
    };
    view! {
        <li class="media-tile">
            {item
                .thumb_url
                .clone()
                .map(|src| view! { <img src=src alt=name.clone() loading="lazy" width="120" height="120" /> })}
            <span class="media-name">{name.clone()}</span>
            <span class="muted">{facts.join(" · ")}</span>
            {item.updated.map(|secs| view! { <span class="muted"><UnixTime secs /></span> })}
            <a href=delete_href aria-label=delete_label class="danger-link">
                {lang.pick("删除", "Delete")}
            </a>
        </li>
    }
}

#[component]
fn DeleteConfirm(lang: Lang, usage: Usage, tab: Tab) -> impl IntoView {
    let account = crate::ui::account_slug().get_untracked();
    let name = if usage.name.is_empty() {
        usage.media_id.clone()
    } else {
        usage.name.clone()
    };
    let heading = match lang {
        Lang::Zh => format!("删除“{name}”？"),
        Lang::En => format!("Delete “{name}”?"),
    };
    let breaks = if usage.sends.is_empty() && usage.drafts.is_empty() {
        view! {
            <p>
                {lang.pick(
                    "qunfa 记录中没有群发或草稿用到它。删除后无法恢复；在公众平台自动回复或菜单中用到的素材，微信会拒绝删除。",
                    "No send or draft qunfa knows of uses it. A deletion cannot be undone; WeChat refuses to delete a material its auto-replies or menu use.",
                )}
            </p>
        }
        .into_any()
    } else {
        let sends = usage
            .sends
            .iter()
            .map(|(id, summary)| {
                let href = format!("/a/{account}/sends/{id}");
                view! { <li><a href=href>{summary.clone()}</a></li> }
            })
            .collect_view();
        let drafts = usage
            .drafts
            .iter()
            .map(|title| view! { <li>{title.clone()}</li> })
            .collect_view();
        let sends_head = match lang {
            Lang::Zh => format!(
                "{} 次群发用到它：历史记录中它们的图片或语音将无法再打开。",
                usage.sends.len()
            ),
            Lang::En => format!(
                "{} sends use it: their picture or voice will no longer open from the history.",
                usage.sends.len()
            ),
        };
        let drafts_head = match lang {
            Lang::Zh => format!(
                "{} 篇草稿以它为封面：这些草稿将无法群发，直到换一张封面。",
                usage.drafts.len()
            ),
            Lang::En => format!(
                "{} drafts have it as their cover: they cannot be sent until they get another.",
                usage.drafts.len()
            ),
        };
        view! {
            {(!usage.sends.is_empty()).then(|| view! { <p>{sends_head}</p><ul>{sends}</ul> })}
            {(!usage.drafts.is_empty()).then(|| view! { <p>{drafts_head}</p><ul>{drafts}</ul> })}
        }
        .into_any()
    };
    let cancel = format!("/a/{account}/media?kind={}", tab.as_str());
    // A deletion WeChat refused comes back here (`&failed=<errcode>`).
    let refused = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("failed"))
        .and_then(|code| code.parse::<i64>().ok())
        .map(|code| {
            let why = if code == 0 {
                lang.pick("微信没有应答。", "WeChat did not answer.")
                    .to_owned()
            } else {
                crate::wechat::errcode::ApiError::new(code, "").words(None, lang)
            };
            match lang {
                Lang::Zh => format!("没有删除：{why}"),
                Lang::En => format!("Nothing was deleted: {why}"),
            }
        });
    view! {
        <section class="notice confirm" aria-labelledby="delete-heading">
            <h2 id="delete-heading">{heading}</h2>
            {refused.map(|words| view! { <p class="error" role="alert">{words}</p> })}
            {breaks}
            <form method="post" action=DeleteMedia::url()>
                <input type="hidden" name="account" value=account.clone() />
                <input type="hidden" name="media_id" value=usage.media_id.clone() />
                <input type="hidden" name="kind" value=tab.as_str() />
                <button type="submit" class="danger">{lang.pick("删除", "Delete")}</button>
                " "
                <a href=cancel>{lang.pick("不删除", "Keep it")}</a>
            </form>
        </section>
    }
}

/// A kind as a choice of the upload form.
fn kind_option(kind: UploadKind, lang: Lang) -> &'static str {
    match kind {
        UploadKind::Image => lang.pick("图片", "Image"),
        UploadKind::Voice => lang.pick("语音", "Voice"),
        UploadKind::Video => lang.pick("视频", "Video"),
        UploadKind::Thumb => lang.pick(
            "缩略图（封面，JPEG ≤64 KB）",
            "Thumbnail (cover, JPEG ≤64 KB)",
        ),
    }
}

/// One file being uploaded by the page's script.
#[derive(Clone, Debug, PartialEq)]
struct Sending {
    id: u32,
    name: String,
    /// 0–100.
    percent: u8,
    /// The answer in words, when it came.
    outcome: Option<(bool, String)>,
    offer_scale_down: bool,
}

/// The upload form: a plain multipart form that works without JavaScript
/// (one file); hydrated, each picked or dropped file goes by its own
/// request with its own progress bar.
#[component]
fn Upload(lang: Lang, tab: Signal<Tab>, on_done: Callback<()>) -> impl IntoView {
    let account = crate::ui::account_slug();
    let action = move || format!("/a/{}/media/upload", account.get());
    let sendings = RwSignal::new(Vec::<Sending>::new());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let kind_for = move |tab: Tab| match tab {
        Tab::Image => "image",
        Tab::Voice => "voice",
        Tab::Video => "video",
    };
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let start = script::starter(lang, form_ref, sendings, on_done);
    let on_submit = {
        let start = start.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            start.send_picked();
        }
    };
    let on_drop = {
        let start = start.clone();
        move |ev: leptos::ev::DragEvent| {
            ev.prevent_default();
            start.send_dropped(&ev);
        }
    };
    let on_dragover = move |ev: leptos::ev::DragEvent| ev.prevent_default();
    let rows = move || {
        sendings
            .get()
            .into_iter()
            .map(|s| {
                let label = match lang {
                    Lang::Zh => format!("{} 上传进度", s.name),
                    Lang::En => format!("{} upload progress", s.name),
                };
                let status = match &s.outcome {
                    None => lang.pick("上传中…", "Uploading…").to_owned(),
                    Some((_, words)) => words.clone(),
                };
                let ok = matches!(s.outcome, Some((true, _)));
                let failed = matches!(s.outcome, Some((false, _)));
                let retry = {
                    let start = start.clone();
                    let id = s.id;
                    move |_| start.scale_down(id)
                };
                view! {
                    <li class:done=ok class:failed=failed>
                        <span class="media-name">{s.name.clone()}</span>
                        <progress max="100" value=s.percent.to_string() aria-label=label></progress>
                        <span role=if failed { "alert" } else { "status" }>
                            {ok.then(|| lang.pick("完成：", "Done: "))}
                            {status}
                        </span>
                        {s.offer_scale_down
                            .then(|| {
                                view! {
                                    <button type="button" on:click=retry>
                                        {lang.pick("上传缩小后的副本", "Upload a scaled-down copy")}
                                    </button>
                                }
                            })}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="upload" aria-labelledby="upload-heading">
            <h2 id="upload-heading">{lang.pick("上传", "Upload")}</h2>
            <form
                node_ref=form_ref
                method="post"
                enctype="multipart/form-data"
                action=action
                class="drop-zone"
                on:submit=on_submit
                on:drop=on_drop
                on:dragover=on_dragover
            >
                <p class="muted">
                    {move || {
                        if hydrated.get() {
                            lang.pick(
                                "选择或拖入一个或多个文件。上传前会按微信的限制检查：图片 ≤10 MB，缩略图 JPEG ≤64 KB，语音 ≤2 MB 且 ≤60 秒，视频 MP4 ≤10 MB。",
                                "Choose or drop one or more files. Each is checked against WeChat's limits first: images ≤10 MB, thumbnails JPEG ≤64 KB, voice ≤2 MB and ≤60 s, video MP4 ≤10 MB.",
                            )
                        } else {
                            lang.pick(
                                "选择一个文件。上传前会按微信的限制检查：图片 ≤10 MB，缩略图 JPEG ≤64 KB，语音 ≤2 MB 且 ≤60 秒，视频 MP4 ≤10 MB。",
                                "Choose a file. It is checked against WeChat's limits first: images ≤10 MB, thumbnails JPEG ≤64 KB, voice ≤2 MB and ≤60 s, video MP4 ≤10 MB.",
                            )
                        }
                    }}
                </p>
                <label for="upload-kind">{lang.pick("类型", "Kind")}</label>
                <select id="upload-kind" name="kind">
                    {UploadKind::ALL
                        .into_iter()
                        .map(|kind| {
                            let selected = move || kind_for(tab.get()) == kind.as_str();
                            view! {
                                <option value=kind.as_str() selected=selected>
                                    {kind_option(kind, lang)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="upload-title">{lang.pick("视频标题（仅视频）", "Video title (video only)")}</label>
                <input id="upload-title" name="title" maxlength="64" />
                <label for="upload-introduction">{lang.pick("视频简介（仅视频）", "Video introduction (video only)")}</label>
                <input id="upload-introduction" name="introduction" maxlength="120" />
                <label for="upload-file">{lang.pick("文件", "File")}</label>
                <input id="upload-file" type="file" name="file" multiple=move || hydrated.get() />
                <button type="submit">{lang.pick("上传", "Upload")}</button>
            </form>
            <ul class="uploads" aria-label=lang.pick("上传列表", "Uploads")>{rows}</ul>
        </section>
    }
}

/// The browser side of the uploads: each file sent with its own
/// XMLHttpRequest (whose upload progress a `fetch` does not give), as the
/// same form the page posts without JavaScript.
pub(crate) mod script {
    use leptos::prelude::*;

    use super::Sending;

    /// Starts uploads from the form's file input or from a drop.
    #[derive(Clone)]
    pub(super) struct Starter {
        #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
        lang: crate::i18n::Lang,
        #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
        form: NodeRef<leptos::html::Form>,
        #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
        sendings: RwSignal<Vec<Sending>>,
        #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
        on_done: Callback<()>,
    }

    pub(super) fn starter(
        lang: crate::i18n::Lang,
        form: NodeRef<leptos::html::Form>,
        sendings: RwSignal<Vec<Sending>>,
        on_done: Callback<()>,
    ) -> Starter {
        Starter {
            lang,
            form,
            sendings,
            on_done,
        }
    }

    #[cfg(not(feature = "hydrate"))]
    impl Starter {
        pub fn send_picked(&self) {}
        pub fn send_dropped(&self, _: &leptos::ev::DragEvent) {}
        pub fn scale_down(&self, _: u32) {}
    }

    #[cfg(feature = "hydrate")]
    impl Starter {
        pub fn send_picked(&self) {
            use leptos::wasm_bindgen::JsCast;
            let Some(form) = self.form.get_untracked() else {
                return;
            };
            let files = form
                .query_selector("input[type=file]")
                .ok()
                .flatten()
                .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| {
                    let files = i.files();
                    i.set_value("");
                    files
                });
            if let Some(files) = files {
                self.send_all(&files);
            }
        }

        pub fn send_dropped(&self, ev: &leptos::ev::DragEvent) {
            if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
                self.send_all(&files);
            }
        }

        fn send_all(&self, files: &web_sys::FileList) {
            for index in 0..files.length() {
                if let Some(file) = files.get(index) {
                    self.send(file, false);
                }
            }
        }

        /// Sends the file of upload `id` again, accepting the offer of a
        /// scaled-down thumbnail.
        pub fn scale_down(&self, id: u32) {
            FILES.with(|files| {
                if let Some(file) = files.borrow().get(&id).cloned() {
                    self.sendings.update(|list| list.retain(|s| s.id != id));
                    self.send(file, true);
                }
            });
        }

        fn send(&self, file: web_sys::File, scale_down: bool) {
            use leptos::wasm_bindgen::JsCast;
            use leptos::wasm_bindgen::closure::Closure;
            let Some(form) = self.form.get_untracked() else {
                return;
            };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else {
                return;
            };
            data.delete("file");
            if scale_down {
                let _ = data.set_with_str("scale_down", "yes");
            }
            let _ = data.append_with_blob_and_filename("file", &file, &file.name());
            let id = NEXT.with(|n| {
                let id = n.get();
                n.set(id + 1);
                id
            });
            FILES.with(|files| files.borrow_mut().insert(id, file.clone()));
            self.sendings.update(|list| {
                list.push(Sending {
                    id,
                    name: file.name(),
                    percent: 0,
                    outcome: None,
                    offer_scale_down: false,
                })
            });
            let Ok(request) = web_sys::XmlHttpRequest::new() else {
                return;
            };
            let _ = request.open("POST", &form.action());
            let _ = request.set_request_header("Accept", "application/json");
            let sendings = self.sendings;
            let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
                move |ev: web_sys::ProgressEvent| {
                    if ev.length_computable() && ev.total() > 0.0 {
                        let percent = (ev.loaded() / ev.total() * 100.0).min(99.0) as u8;
                        sendings.update(|list| {
                            if let Some(s) = list.iter_mut().find(|s| s.id == id) {
                                s.percent = percent;
                            }
                        });
                    }
                },
            );
            if let Ok(upload) = request.upload() {
                upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
            }
            let on_done = self.on_done;
            let answered = request.clone();
            let lang = self.lang;
            let ended = Closure::once_into_js(move || {
                // The progress closure lives until the answer.
                drop(progress);
                let status = answered.status().unwrap_or(0);
                let text = answered.response_text().ok().flatten().unwrap_or_default();
                let answer = serde_json::from_str::<crate::media::UploadAnswer>(&text).ok();
                let (ok, words, offer) = match answer {
                    Some(a) => (a.media_id.is_some(), a.message, a.offer_scale_down),
                    None => {
                        let words = match lang {
                            crate::i18n::Lang::Zh => format!("上传中断（HTTP {status}），请重试。"),
                            crate::i18n::Lang::En => {
                                format!("The upload broke off (HTTP {status}); try again.")
                            }
                        };
                        (false, words, false)
                    }
                };
                sendings.update(|list| {
                    if let Some(s) = list.iter_mut().find(|s| s.id == id) {
                        s.percent = 100;
                        s.outcome = Some((ok, words));
                        s.offer_scale_down = offer;
                    }
                });
                if ok {
                    FILES.with(|files| files.borrow_mut().remove(&id));
                    on_done.run(());
                }
            });
            request.set_onloadend(Some(ended.unchecked_ref()));
            let _ = request.send_with_opt_form_data(Some(&data));
        }
    }

    /// Uploads one `file` as a material of `kind` (a video titled by its
    /// name) to the library of `account`, for a compose picker; `done` gets
    /// the answer, or words for a broken upload.
    #[cfg(feature = "hydrate")]
    pub fn upload_one(
        lang: crate::i18n::Lang,
        account: &str,
        kind: &str,
        file: web_sys::File,
        done: impl FnOnce(Result<crate::media::UploadAnswer, String>) + 'static,
    ) {
        use leptos::wasm_bindgen::JsCast;
        use leptos::wasm_bindgen::closure::Closure;
        let (Ok(data), Ok(request)) = (web_sys::FormData::new(), web_sys::XmlHttpRequest::new())
        else {
            return;
        };
        let name = file.name();
        let title = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem)
            .to_owned();
        let _ = data.set_with_str("kind", kind);
        let _ = data.set_with_str("title", &title);
        let _ = data.append_with_blob_and_filename("file", &file, &name);
        let _ = request.open("POST", &format!("/a/{account}/media/upload"));
        let _ = request.set_request_header("Accept", "application/json");
        let answered = request.clone();
        let ended = Closure::once_into_js(move || {
            let status = answered.status().unwrap_or(0);
            let text = answered.response_text().ok().flatten().unwrap_or_default();
            done(
                serde_json::from_str::<crate::media::UploadAnswer>(&text).map_err(|_| match lang {
                    crate::i18n::Lang::Zh => format!("上传中断（HTTP {status}），请重试。"),
                    crate::i18n::Lang::En => {
                        format!("The upload broke off (HTTP {status}); try again.")
                    }
                }),
            );
        });
        request.set_onloadend(Some(ended.unchecked_ref()));
        let _ = request.send_with_opt_form_data(Some(&data));
    }

    #[cfg(feature = "hydrate")]
    thread_local! {
        static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
        /// The files of uploads that may be sent again (a thumbnail's offer).
        static FILES: std::cell::RefCell<std::collections::HashMap<u32, web_sys::File>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
}
