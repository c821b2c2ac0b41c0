//! `/a/:account/compose/pick/:source?attempt=…&offset=…`: a picker as a page of its
//! own, for a browser without JavaScript (or a click before hydration).
//! The compose form was kept as the attempt by `open_picker`; "Use" posts
//! to `pick_media`, which fills the field and goes back to the form.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::picker::{MediaFacts, has_next, page_range, shown_name};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::api::{Listing, PickMedia, list_drafts, list_materials};
use crate::sends::{MediaPage, PICKER_PAGE};
use crate::ui::history::percent;
use crate::ui::resource::{PageResource, page_resource};
use crate::ui::{Page, lang};

/// The page's heading for a source.
fn heading(lang: Lang, source: &str) -> &'static str {
    match source {
        "drafts" => lang.pick("从草稿箱选择", "Choose from drafts"),
        "image" => lang.pick("从图片素材添加", "Add from image materials"),
        "voice" => lang.pick("从语音素材选择", "Choose from voice materials"),
        "video" => lang.pick("从视频素材选择", "Choose from video materials"),
        _ => lang.pick("选择素材", "Choose a material"),
    }
}

#[component]
pub fn PickPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let source = Memo::new(move |_| params.with(|p| p.get("source").unwrap_or_default()));
    let attempt = Memo::new(move |_| query.with(|q| q.get("attempt").unwrap_or_default()));
    let offset = Memo::new(move |_| {
        query.with(|q| {
            q.get("offset")
                .and_then(|o| o.parse::<u32>().ok())
                .unwrap_or(0)
        })
    });
    let account = crate::ui::account_slug();
    let list = page_resource(
        move || (account.get(), source.get(), offset.get()),
        |(account, source, offset)| async move {
            match source.as_str() {
                "drafts" => list_drafts(account, offset).await,
                "image" | "voice" | "video" => list_materials(account, source, offset).await,
                _ => Err(crate::error::Problem::InvalidChoice.into()),
            }
        },
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("选择素材", "Choose a material")>
            <PickBody source attempt list />
        </Page>
    }
}

#[component]
fn PickBody(
    source: Memo<String>,
    attempt: Memo<String>,
    list: PageResource<Result<Listing<MediaPage>, AppError>>,
) -> impl IntoView {
    let lang = lang();
    let account = crate::ui::account_slug();
    let back = move || {
        format!(
            "{}?attempt={}&edit=1",
            crate::ui::account_href(&account.get(), "compose"),
            percent(&attempt.get())
        )
    };
    view! {
        <h2>{move || heading(lang, &source.get())}</h2>
        <p>
            <a href=back>{lang.pick("返回表单（不选）", "Back to the form (choose nothing)")}</a>
        </p>
        {move || {
            let source = source.get();
            (source != "drafts")
                .then(|| view! { <UploadHere lang source attempt=attempt.get() /> })
        }}
        <Suspense fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(Ok(page)) => {
                        view! { <PickList lang source=source.get_untracked() attempt=attempt.get_untracked() page /> }
                            .into_any()
                    }
                    Ok(Err(words)) => {
                        view! {
                            <p class="error" role="alert">
                                {words} " "
                                {lang.pick("仍可直接粘贴 media_id。", "You can still paste a media_id.")}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => crate::ui::error_view(lang, error),
                }
            })}
        </Suspense>
    }
}

/// "Upload a new one" without JavaScript: a plain multipart form to the
/// library's upload, which comes back here with the new material (or the
/// refusal in words) and a "Use" for it.
#[component]
fn UploadHere(lang: Lang, source: String, attempt: String) -> impl IntoView {
    let query = use_query_map();
    let account = crate::ui::account_slug().get_untracked();
    let here = format!(
        "/a/{account}/compose/pick/{}?attempt={}",
        percent(&source),
        percent(&attempt)
    );
    let uploaded = query.with_untracked(|q| q.get("uploaded").zip(q.get("uploaded_name")));
    let refused = query.with_untracked(|q| {
        q.get("refused")
            .and_then(|r| serde_json::from_str::<crate::media::Refusal>(&r).ok())
    });
    let use_label = lang.pick("选用", "Use");
    let outcome = match (uploaded, refused) {
        (Some((media_id, name)), _) => {
            let words = match lang {
                Lang::Zh => format!("已上传“{name}”。"),
                Lang::En => format!("Uploaded “{name}”."),
            };
            let aria = format!("{use_label} {name}");
            Some(
                view! {
                    <div role="status" class="uploaded-here">
                        {words} " "
                        <form method="post" action=PickMedia::url() class="inline">
                            <input type="hidden" name="account" value=account.clone() />
                            <input type="hidden" name="attempt" value=attempt.clone() />
                            <input type="hidden" name="source" value=source.clone() />
                            <input type="hidden" name="media_id" value=media_id />
                            <input type="hidden" name="title" value=name />
                            <button type="submit" aria-label=aria>{use_label}</button>
                        </form>
                    </div>
                }
                .into_any(),
            )
        }
        (None, Some(refusal)) => {
            Some(view! { <p class="error" role="alert">{refusal.words(lang)}</p> }.into_any())
        }
        (None, None) => None,
    };
    let kind = source.clone();
    let is_video = source == "video";
    let label = super::picker::upload_new_label(lang, &source);
    view! {
        {outcome}
        <form
            method="post"
            enctype="multipart/form-data"
            action=format!("/a/{account}/media/upload")
            class="upload-here"
        >
            <input type="hidden" name="kind" value=kind />
            <input type="hidden" name="return_to" value=here />
            {is_video
                .then(|| {
                    view! {
                        <label for="upload-here-title">{lang.pick("视频标题", "Video title")}</label>
                        <input id="upload-here-title" name="title" maxlength="64" required />
                    }
                })}
            <label for="upload-here-file">{label}</label>
            <input id="upload-here-file" type="file" name="file" required />
            <button type="submit">{lang.pick("上传", "Upload")}</button>
        </form>
    }
}

#[component]
fn PickList(lang: Lang, source: String, attempt: String, page: MediaPage) -> impl IntoView {
    let use_label = lang.pick("选用", "Use");
    let range = page_range(&page);
    let account = crate::ui::account_slug().get_untracked();
    let at = |offset: u32| {
        format!(
            "/a/{account}/compose/pick/{}?attempt={}&offset={offset}",
            percent(&source),
            percent(&attempt)
        )
    };
    let previous = (page.offset > 0).then(|| at(page.offset.saturating_sub(PICKER_PAGE)));
    let next = has_next(&page).then(|| at(page.offset + page.items.len() as u32));
    let empty = page.items.is_empty();
    view! {
        {empty.then(|| view! { <p>{lang.pick("这里还没有内容。", "Nothing here yet.")}</p> })}
        <ul class="media-list">
            {page
                .items
                .into_iter()
                .map(|item| {
                    let aria = format!("{use_label} {}", shown_name(&item));
                    view! {
                        <li>
                            <MediaFacts item=item.clone() />
                            <form method="post" action=PickMedia::url()>
                                <input type="hidden" name="account" value=account.clone() />
                                <input type="hidden" name="attempt" value=attempt.clone() />
                                <input type="hidden" name="source" value=source.clone() />
                                <input type="hidden" name="media_id" value=item.media_id.clone() />
                                <input type="hidden" name="title" value=item.title.clone() />
                                <button type="submit" aria-label=aria>
                                    {use_label}
                                </button>
                            </form>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <nav class="pager" aria-label=lang.pick("翻页", "Pages")>
            {previous.map(|href| view! { <a href=href>{lang.pick("上一页", "Previous")}</a> })}
            <span class="muted">{range}</span>
            {next.map(|href| view! { <a href=href>{lang.pick("下一页", "Next")}</a> })}
        </nav>
    }
}
