//! `/compose`: one form per message type of the seed (radios that CSS turns
//! into tabs, so they work before hydration), the audience with its tag
//! picker, media pickers, preview, and the send with its confirmation.
//!
//! Without JavaScript every button posts the form: "Send" and "Preview"
//! come back as `/compose?attempt=…` (the form again, with its problems or
//! the confirmation), "Confirm" as `/compose?sent=…` (the result).

use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::time::format_unix;
use super::{Page, lang, tr, type_label};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::api::{
    ConfirmSend, Listing, PrepareSend, PreviewOutcome, PreviewSend, convert_video, list_drafts,
    list_materials, list_tags, load_compose,
};
use crate::sends::{
    ComposeForm, ComposeSetup, Confirmation, Field, FieldError, MediaChoice, MediaPage,
    PICKER_PAGE, PrepareOutcome, SendResult, SendState, TagChoice, group_digits,
};

#[component]
pub fn ComposePage() -> impl IntoView {
    let query = use_query_map();
    let setup = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("attempt"),
                    q.get("sent").and_then(|s| s.parse::<i64>().ok()),
                )
            })
        },
        |(attempt, sent)| load_compose(attempt, sent),
    );
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|t| t.nav_compose>
            <ComposeBody setup />
        </Page>
    }
}

#[component]
fn ComposeBody(setup: Resource<Result<ComposeSetup, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=move || view! { <p>{tr(lang() == Lang::Zh, "加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(setup) => view! { <Composer setup /> }.into_any(),
                    Err(error) => {
                        view! { <p class="error" role="alert">{error.words(lang())}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Composer(setup: ComposeSetup) -> impl IntoView {
    let lang = lang();
    let zh = lang == Lang::Zh;
    let query = use_query_map();
    let prepare = ServerAction::<PrepareSend>::new();
    let confirm = ServerAction::<ConfirmSend>::new();
    let preview = ServerAction::<PreviewSend>::new();
    let editing = query.with_untracked(|q| q.get("edit").is_some());

    let initial = setup
        .attempt
        .as_ref()
        .map(|a| a.form.clone())
        .unwrap_or_else(|| ComposeForm {
            clientmsgid: setup.clientmsgid.clone(),
            msgtype: "mpnews".into(),
            audience: "tag".into(),
            send_ignore_reprint: "0".into(),
            ..ComposeForm::default()
        });
    let from_page = setup
        .attempt
        .as_ref()
        .filter(|_| !editing)
        .map(|a| a.outcome.clone());
    let clientmsgid = RwSignal::new(initial.clientmsgid.clone());

    // The last answer to "Send": from this page's action, else from the
    // address (a form sent without JavaScript).
    let outcome = Memo::new(move |_| match prepare.value().get() {
        Some(Ok(outcome)) => Some(outcome),
        Some(Err(_)) => None,
        None => from_page.clone(),
    });
    let errors = Signal::derive(move || match outcome.get() {
        Some(PrepareOutcome::Invalid(errors)) => errors,
        _ => Vec::new(),
    });
    let dismissed = RwSignal::new(false);
    Effect::new(move |_| {
        // A new "Send" asks anew: the last confirmation and result go.
        if prepare.version().get() > 0 {
            dismissed.set(false);
            confirm.value().set(None);
        }
    });
    let sent_on_load = setup.sent.clone();
    let result = Memo::new(move |_| match confirm.value().get() {
        Some(Ok(result)) => Some(result),
        _ => sent_on_load.clone(),
    });
    // After a send this page composes a new message: a new clientmsgid.
    Effect::new(move |_| {
        if let Some(Ok(result)) = confirm.value().get() {
            clientmsgid.set(result.fresh_clientmsgid);
        }
    });
    let confirmation = move || match (outcome.get(), dismissed.get(), confirm.value().get()) {
        (Some(PrepareOutcome::Ready(c)), false, None | Some(Err(_))) => Some(c),
        _ => None,
    };
    let page_problem = move || {
        let from_action = match prepare.value().get() {
            Some(Err(error)) => Some(error),
            _ => None,
        };
        from_action
            .or_else(|| query.with(|q| q.get("problem").and_then(|c| AppError::from_code(&c))))
            .filter(|_| confirmation().is_none())
            .map(|error| error.words(lang))
    };

    // Fields the pickers fill.
    let mpnews_media = RwSignal::new(initial.mpnews_media_id.clone());
    let voice_media = RwSignal::new(initial.voice_media_id.clone());
    let image_media = RwSignal::new(initial.image_media_ids.clone());
    let mpvideo_media = RwSignal::new(initial.mpvideo_media_id.clone());
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_preview = move |ev: leptos::ev::MouseEvent| {
        // With JavaScript the page stays; without it the button posts the
        // form to the preview function itself (`formaction`).
        ev.prevent_default();
        let Some(form) = form_ref.get() else { return };
        let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else {
            return;
        };
        if let Ok(args) = PreviewSend::from_form_data(&data) {
            preview.dispatch(args);
        }
    };
    let preview_words = move || {
        match preview.value().get() {
        Some(Ok(PreviewOutcome::Sent)) => Some((
            false,
            tr(zh, "预览已发送，请在手机上查看。", "The preview was sent: check the phone.").to_owned(),
        )),
        Some(Ok(PreviewOutcome::Failed(words))) => Some((true, words)),
        Some(Ok(PreviewOutcome::Invalid(list))) => Some((
            true,
            list.iter()
                .map(|e| e.words(lang))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        Some(Err(error)) => Some((true, error.words(lang).to_owned())),
        None => query.with(|q| match q.get("preview").as_deref() {
            Some("sent") => Some((
                false,
                tr(zh, "预览已发送，请在手机上查看。", "The preview was sent: check the phone.").to_owned(),
            )),
            Some("failed") => Some((
                true,
                tr(
                    zh,
                    "预览没有发送成功：微信拒绝了或没有应答。请检查接收者后重试。",
                    "The preview was not sent: WeChat refused it or did not answer. Check the recipient and try again.",
                )
                .to_owned(),
            )),
            Some("invalid") => Some((
                true,
                tr(zh, "预览没有发送：请先改正标出的问题，并填写接收者。", "The preview was not sent: fix the marked fields and give a recipient.").to_owned(),
            )),
            _ => None,
        }),
    }
    };

    let overseas = setup.overseas;
    let types: Vec<(&'static str, &'static str)> = if overseas {
        vec![("mpnews", type_label(zh, "mpnews"))]
    } else {
        ["mpnews", "text", "voice", "image", "mpvideo", "wxcard"]
            .map(|t| (t, type_label(zh, t)))
            .to_vec()
    };
    let chosen_type = if overseas {
        "mpnews".to_owned()
    } else {
        initial.msgtype.clone()
    };

    view! {
        {move || result.get().map(|r| view! { <SendResultPanel result=r /> })}
        {move || page_problem().map(|words| view! { <p class="error" role="alert">{words}</p> })}
        <ActionForm action=prepare node_ref=form_ref>
            <div class="compose">
                // `value` for the page as served, `prop:value` once hydrated.
                <input
                    type="hidden"
                    name="form[clientmsgid]"
                    value=initial.clientmsgid.clone()
                    prop:value=move || clientmsgid.get()
                />
                <FieldErrorText field=Field::ClientMsgId errors />
                <fieldset class="types">
                    <legend>{tr(zh, "消息类型", "Message type")}</legend>
                    {types
                        .into_iter()
                        .map(|(value, label)| {
                            let id = format!("type-{value}");
                            view! {
                                <span class="type">
                                    <input
                                        type="radio"
                                        id=id.clone()
                                        name="form[msgtype]"
                                        value=value
                                        checked=chosen_type == value
                                    />
                                    <label for=id>{label}</label>
                                </span>
                            }
                        })
                        .collect_view()}
                    <FieldErrorText field=Field::MsgType errors />
                </fieldset>
                {overseas
                    .then(|| {
                        view! {
                            <p class="note">
                                {tr(
                                    zh,
                                    "这是海外公众号：微信只允许海外公众号群发图文消息，所以这里只有“图文”。",
                                    "This is an overseas account: WeChat lets overseas Official Accounts mass-send articles only, so only Article is offered.",
                                )}
                            </p>
                        }
                    })}

                <div class="fields fields-mpnews">
                    <label for="mpnews-media">{tr(zh, "图文 media_id", "Article media_id")}</label>
                    <input
                        id="mpnews-media"
                        name="form[mpnews_media_id]"
                        type="text"
                        autocomplete="off"
                        value=initial.mpnews_media_id.clone()
                        prop:value=move || mpnews_media.get()
                        on:input=move |ev| mpnews_media.set(event_target_value(&ev))
                        aria-invalid=move || has_error(errors, Field::MpNewsMedia)
                        aria-describedby=Field::MpNewsMedia.error_id()
                    />
                    <FieldErrorText field=Field::MpNewsMedia errors />
                    <Picker
                        source="drafts"
                        label=tr(zh, "从草稿箱选择", "Choose from drafts")
                        on_pick=Callback::new(move |m: MediaChoice| mpnews_media.set(m.media_id))
                    />
                    <fieldset>
                        <legend>{tr(zh, "文章被判定为转载时", "When an article is judged a reprint")}</legend>
                        <span>
                            <input
                                type="radio"
                                id="reprint-stop"
                                name="form[send_ignore_reprint]"
                                value="0"
                                checked=initial.send_ignore_reprint != "1"
                            />
                            <label for="reprint-stop">
                                {tr(
                                    zh,
                                    "停止群发（微信的默认做法）",
                                    "Stop the send (WeChat's default)",
                                )}
                            </label>
                        </span>
                        <span>
                            <input
                                type="radio"
                                id="reprint-continue"
                                name="form[send_ignore_reprint]"
                                value="1"
                                checked=initial.send_ignore_reprint == "1"
                            />
                            <label for="reprint-continue">
                                {tr(
                                    zh,
                                    "原作者允许转载时继续群发",
                                    "Send anyway when the original author allows reprints",
                                )}
                            </label>
                        </span>
                        <p class="note">
                            {tr(
                                zh,
                                "群发图文前，微信会把文章与原创库比较。未命中原创库：照常群发。命中且原作者允许转载：选“继续”时会继续群发，文章自动替换为原文样式、注明转载并显示来源；选“停止”时整次群发停止。命中且原作者禁止转载：不能群发。",
                                "Before an article goes out, WeChat compares it with its library of original articles. No match: it is sent. A match whose author allows reprints: with \"send anyway\" it goes out in the original's layout, marked as a reprint with its source; with \"stop\" the whole send stops. A match whose author forbids reprints: it cannot be sent.",
                            )}
                        </p>
                        <FieldErrorText field=Field::SendIgnoreReprint errors />
                    </fieldset>
                </div>

                <div class="fields fields-text">
                    <label for="text-content">{tr(zh, "文本内容", "Message text")}</label>
                    <textarea
                        id="text-content"
                        name="form[text_content]"
                        rows="6"
                        aria-invalid=move || has_error(errors, Field::TextContent)
                        aria-describedby=Field::TextContent.error_id()
                    >
                        {initial.text_content.clone()}
                    </textarea>
                    <FieldErrorText field=Field::TextContent errors />
                </div>

                <div class="fields fields-voice">
                    <label for="voice-media">{tr(zh, "语音 media_id", "Voice media_id")}</label>
                    <input
                        id="voice-media"
                        name="form[voice_media_id]"
                        type="text"
                        autocomplete="off"
                        value=initial.voice_media_id.clone()
                        prop:value=move || voice_media.get()
                        on:input=move |ev| voice_media.set(event_target_value(&ev))
                        aria-invalid=move || has_error(errors, Field::VoiceMedia)
                        aria-describedby=Field::VoiceMedia.error_id()
                    />
                    <FieldErrorText field=Field::VoiceMedia errors />
                    <Picker
                        source="voice"
                        label=tr(zh, "从语音素材选择", "Choose from voice materials")
                        on_pick=Callback::new(move |m: MediaChoice| voice_media.set(m.media_id))
                    />
                </div>

                <div class="fields fields-image">
                    <label for="image-media">
                        {tr(zh, "图片 media_id（每行一个，按顺序）", "Image media_ids (one per line, in order)")}
                    </label>
                    <textarea
                        id="image-media"
                        name="form[image_media_ids]"
                        rows="4"
                        prop:value=move || image_media.get()
                        on:input=move |ev| image_media.set(event_target_value(&ev))
                        aria-invalid=move || has_error(errors, Field::ImageMedia)
                        aria-describedby=Field::ImageMedia.error_id()
                    >
                        {initial.image_media_ids.clone()}
                    </textarea>
                    <FieldErrorText field=Field::ImageMedia errors />
                    <Picker
                        source="image"
                        label=tr(zh, "从图片素材添加", "Add from image materials")
                        on_pick=Callback::new(move |m: MediaChoice| {
                            image_media
                                .update(|text| {
                                    if !text.is_empty() && !text.ends_with('\n') {
                                        text.push('\n');
                                    }
                                    text.push_str(&m.media_id);
                                })
                        })
                    />
                    <label for="image-title">{tr(zh, "标题", "Title")}</label>
                    <input
                        id="image-title"
                        name="form[image_title]"
                        type="text"
                        value=initial.image_title.clone()
                        aria-describedby=Field::ImageTitle.error_id()
                    />
                    <FieldErrorText field=Field::ImageTitle errors />
                    <label for="image-recommend">{tr(zh, "推荐语", "Recommendation")}</label>
                    <textarea
                        id="image-recommend"
                        name="form[image_recommend]"
                        rows="2"
                        aria-describedby=Field::ImageRecommend.error_id()
                    >
                        {initial.image_recommend.clone()}
                    </textarea>
                    <FieldErrorText field=Field::ImageRecommend errors />
                    <span>
                        <input
                            type="checkbox"
                            id="image-open-comment"
                            name="form[image_need_open_comment]"
                            value="1"
                            checked=initial.image_need_open_comment.as_deref() == Some("1")
                        />
                        <label for="image-open-comment">{tr(zh, "开启评论", "Open comments")}</label>
                    </span>
                    <span>
                        <input
                            type="checkbox"
                            id="image-fans-comment"
                            name="form[image_only_fans_can_comment]"
                            value="1"
                            checked=initial.image_only_fans_can_comment.as_deref() == Some("1")
                        />
                        <label for="image-fans-comment">
                            {tr(zh, "只有粉丝能评论", "Only followers can comment")}
                        </label>
                    </span>
                    <FieldErrorText field=Field::ImageFlags errors />
                </div>

                <div class="fields fields-mpvideo">
                    <label for="mpvideo-media">{tr(zh, "视频 media_id（mpvideo）", "Video media_id (mpvideo)")}</label>
                    <input
                        id="mpvideo-media"
                        name="form[mpvideo_media_id]"
                        type="text"
                        autocomplete="off"
                        value=initial.mpvideo_media_id.clone()
                        prop:value=move || mpvideo_media.get()
                        on:input=move |ev| mpvideo_media.set(event_target_value(&ev))
                        aria-invalid=move || has_error(errors, Field::MpVideoMedia)
                        aria-describedby=Field::MpVideoMedia.error_id()
                    />
                    <FieldErrorText field=Field::MpVideoMedia errors />
                    <VideoPicker zh target=mpvideo_media />
                </div>

                <div class="fields fields-wxcard">
                    <label for="card-id">{tr(zh, "卡券 ID", "Card ID")}</label>
                    <input
                        id="card-id"
                        name="form[card_id]"
                        type="text"
                        autocomplete="off"
                        value=initial.card_id.clone()
                        aria-invalid=move || has_error(errors, Field::CardId)
                        aria-describedby=Field::CardId.error_id()
                    />
                    <FieldErrorText field=Field::CardId errors />
                </div>

                <AudienceChooser zh initial=initial.clone() tags=setup.tags.clone() errors />

                <fieldset class="preview">
                    <legend>{tr(zh, "先在手机上预览", "Preview on a phone first")}</legend>
                    <span>
                        <input type="radio" id="preview-wxname" name="preview_kind" value="wxname" checked=true />
                        <label for="preview-wxname">{tr(zh, "微信号", "WeChat ID")}</label>
                    </span>
                    <span>
                        <input type="radio" id="preview-openid" name="preview_kind" value="openid" />
                        <label for="preview-openid">"OpenID"</label>
                    </span>
                    <label for="preview-to">{tr(zh, "预览接收者", "Preview recipient")}</label>
                    <input
                        id="preview-to"
                        name="preview_to"
                        type="text"
                        autocomplete="off"
                        aria-describedby=Field::PreviewTo.error_id()
                    />
                    <button
                        type="submit"
                        formaction=PreviewSend::url()
                        on:click=on_preview
                        disabled=move || preview.pending().get()
                    >
                        {tr(zh, "预览", "Preview")}
                    </button>
                    {move || {
                        preview_words()
                            .map(|(is_error, words)| {
                                if is_error {
                                    view! { <p class="error" role="alert" id=Field::PreviewTo.error_id()>{words}</p> }.into_any()
                                } else {
                                    view! { <p class="ok" role="status">{words}</p> }.into_any()
                                }
                            })
                    }}
                </fieldset>

                <div class="send-row">
                    <button type="submit" class="primary" disabled=move || prepare.pending().get()>
                        {tr(zh, "发送", "Send")}
                    </button>
                </div>
            </div>
        </ActionForm>
        {move || {
            confirmation()
                .map(|c| {
                    view! { <ConfirmDialog zh confirmation=c confirm dismissed /> }
                })
        }}
    }
}

fn has_error(errors: Signal<Vec<FieldError>>, field: Field) -> &'static str {
    if errors.with(|list| list.iter().any(|e| e.field == field)) {
        "true"
    } else {
        "false"
    }
}

/// The problems of one field, in words, right beside it.
#[component]
fn FieldErrorText(field: Field, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let lang = lang();
    let words = move || {
        errors.with(|list| {
            list.iter()
                .filter(|e| e.field == field)
                .map(|e| e.words(lang))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    view! {
        <p class="field-error" id=field.error_id() hidden=move || words().is_empty()>
            {words}
        </p>
    }
}

/// All followers, or one tag from a searchable list with follower counts.
#[component]
fn AudienceChooser(
    zh: bool,
    initial: ComposeForm,
    tags: Listing<Vec<TagChoice>>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let tags = RwSignal::new(tags);
    let search = RwSignal::new(String::new());
    let selected = RwSignal::new(initial.tag_id.clone());
    let refresh = Action::new(|_: &()| list_tags());
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = refresh.value().get() {
            tags.set(fresh);
        }
    });
    let lang = if zh { Lang::Zh } else { Lang::En };
    view! {
        <fieldset class="audience">
            <legend>{tr(zh, "发送对象", "Audience")}</legend>
            <span>
                <input
                    type="radio"
                    id="audience-all"
                    name="form[audience]"
                    value="all"
                    checked=initial.audience == "all"
                />
                <label for="audience-all">{tr(zh, "全部粉丝", "All followers")}</label>
            </span>
            <span>
                <input
                    type="radio"
                    id="audience-tag"
                    name="form[audience]"
                    value="tag"
                    checked=initial.audience != "all"
                />
                <label for="audience-tag">{tr(zh, "按标签", "One tag")}</label>
            </span>
            <FieldErrorText field=Field::Audience errors />
            <div class="tag-picker">
                <label for="tag-search">{tr(zh, "搜索标签", "Search tags")}</label>
                <input
                    id="tag-search"
                    type="search"
                    autocomplete="off"
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <label for="tag-select">{tr(zh, "标签", "Tag")}</label>
                {move || match tags.get() {
                    Ok(list) => {
                        view! {
                            <select
                                id="tag-select"
                                name="form[tag_id]"
                                size="6"
                                on:change=move |ev| selected.set(event_target_value(&ev))
                                aria-invalid=move || has_error(errors, Field::Tag)
                                aria-describedby=Field::Tag.error_id()
                            >
                                {list
                                    .into_iter()
                                    .map(|tag| {
                                        let id = tag.id.to_string();
                                        let name = tag.name.clone();
                                        let label = if zh {
                                            format!("{}（{} 人）", tag.name, group_digits(tag.count))
                                        } else {
                                            format!("{} ({} followers)", tag.name, group_digits(tag.count))
                                        };
                                        let value = id.clone();
                                        view! {
                                            <option
                                                value=value
                                                selected=move || selected.get() == id
                                                hidden=move || {
                                                    let wanted = search.get();
                                                    !wanted.trim().is_empty()
                                                        && !name.to_lowercase().contains(&wanted.trim().to_lowercase())
                                                }
                                            >
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        }
                            .into_any()
                    }
                    Err(words) => {
                        view! {
                            <p class="error" role="alert">
                                {tr(zh, "无法读取标签：", "The tags cannot be listed: ")} {words}
                            </p>
                            <input type="hidden" name="form[tag_id]" value=selected.get_untracked() />
                        }
                            .into_any()
                    }
                }}
                <FieldErrorText field=Field::Tag errors />
                <button type="button" on:click=move |_| { refresh.dispatch(()); } disabled=move || refresh.pending().get()>
                    {tr(zh, "刷新标签", "Refresh tags")}
                </button>
                {move || match refresh.value().get() {
                    Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }),
                    _ => None,
                }}
            </div>
        </fieldset>
    }
}

/// A list of drafts or materials to pick from, a page at a time. If WeChat
/// cannot list them, it says why; pasting a media id still works.
#[component]
fn Picker(
    /// `drafts`, `image`, `voice` or `video`.
    source: &'static str,
    label: &'static str,
    on_pick: Callback<MediaChoice>,
) -> impl IntoView {
    let zh = lang() == Lang::Zh;
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
                <Suspense fallback=move || view! { <p>{tr(zh, "加载中…", "Loading…")}</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            None => ().into_any(),
                            Some(Ok(Ok(list))) => view! { <PickerList zh list offset on_pick /> }.into_any(),
                            Some(Ok(Err(words))) => {
                                view! {
                                    <p class="error" role="alert">
                                        {words} " "
                                        {tr(zh, "仍可直接粘贴 media_id。", "You can still paste a media_id.")}
                                    </p>
                                }
                                    .into_any()
                            }
                            Some(Err(error)) => {
                                let lang = if zh { Lang::Zh } else { Lang::En };
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
    zh: bool,
    list: MediaPage,
    offset: RwSignal<u32>,
    on_pick: Callback<MediaChoice>,
) -> impl IntoView {
    let start = list.offset;
    let shown = list.items.len() as u32;
    let total = list.total;
    let empty = list.items.is_empty();
    view! {
        {empty.then(|| view! { <p>{tr(zh, "这里还没有内容。", "Nothing here yet.")}</p> })}
        <ul class="media-list">
            {list
                .items
                .into_iter()
                .map(|item| {
                    let title = if item.title.is_empty() { item.media_id.clone() } else { item.title.clone() };
                    let aria = format!("{} {title}", tr(zh, "选用", "Use"));
                    let updated = item.updated.map(format_unix);
                    let media_id = item.media_id.clone();
                    view! {
                        <li>
                            <span class="media-title">{title}</span>
                            <code>{media_id}</code>
                            {updated.map(|u| view! { <span class="muted">{u}</span> })}
                            <button type="button" aria-label=aria on:click=move |_| on_pick.run(item.clone())>
                                {tr(zh, "选用", "Use")}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <div class="pager">
            <button type="button" disabled=start == 0 on:click=move |_| offset.set(start.saturating_sub(PICKER_PAGE))>
                {tr(zh, "上一页", "Previous")}
            </button>
            <span class="muted">
                {format!("{}–{} / {}", if shown == 0 { 0 } else { start + 1 }, start + shown, total)}
            </span>
            <button
                type="button"
                disabled=u64::from(start + shown) >= total
                on:click=move |_| offset.set(start + PICKER_PAGE)
            >
                {tr(zh, "下一页", "Next")}
            </button>
        </div>
    }
}

/// A video material must be turned into an `mpvideo` media id first
/// (`media/uploadvideo`); picking one does that.
#[component]
fn VideoPicker(zh: bool, target: RwSignal<String>) -> impl IntoView {
    let convert = Action::new(|m: &MediaChoice| {
        let m = m.clone();
        async move { convert_video(m.media_id, m.title).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(Ok(media_id))) = convert.value().get() {
            target.set(media_id);
        }
    });
    let lang = if zh { Lang::Zh } else { Lang::En };
    view! {
        <Picker
            source="video"
            label=tr(zh, "从视频素材选择", "Choose from video materials")
            on_pick=Callback::new(move |m: MediaChoice| {
                convert.dispatch(m);
            })
        />
        {move || convert.pending().get().then(|| view! { <p role="status">{tr(zh, "正在转换视频…", "Converting the video…")}</p> })}
        {move || match convert.value().get() {
            Some(Ok(Ok(_))) => {
                Some(view! { <p class="ok" role="status">{tr(zh, "视频已转换为可群发的 mpvideo media_id。", "The video was turned into an mpvideo media_id for sending.")}</p> }.into_any())
            }
            Some(Ok(Err(words))) => Some(view! { <p class="error" role="alert">{words}</p> }.into_any()),
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any()),
            None => None,
        }}
    }
}

/// "Send to 1,234 followers of VIP会员?" with Confirm; all followers need a
/// tick as a second confirmation.
#[component]
fn ConfirmDialog(
    zh: bool,
    confirmation: Confirmation,
    confirm: ServerAction<ConfirmSend>,
    dismissed: RwSignal<bool>,
) -> impl IntoView {
    let lang = if zh { Lang::Zh } else { Lang::En };
    let question = confirmation.question(lang);
    let cancel_href = format!("/compose?attempt={}&edit=1", confirmation.clientmsgid);
    let all_label = match (zh, confirmation.audience_size) {
        (true, Some(n)) => format!("我确认发给全部 {} 位粉丝", group_digits(n)),
        (true, None) => "我确认发给全部粉丝".to_owned(),
        (false, Some(n)) => format!("Yes, send to all {} followers", group_digits(n)),
        (false, None) => "Yes, send to all followers".to_owned(),
    };
    // From this page's action, or from the address after a form sent
    // without JavaScript.
    let query = use_query_map();
    let problem = move || match confirm.value().get() {
        Some(Err(error)) => Some(error.words(lang)),
        Some(Ok(_)) => None,
        None => query.with(|q| {
            q.get("problem")
                .and_then(|code| AppError::from_code(&code))
                .map(|error| error.words(lang))
        }),
    };
    view! {
        <div class="dialog-backdrop">
            <section class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
                <h2 id="confirm-title">{question}</h2>
                <p>{tr(zh, "消息类型：", "Message type: ")} {type_label(zh, &confirmation.msg_type)}</p>
                {move || problem().map(|words| view! { <p class="error" role="alert">{words}</p> })}
                <ActionForm action=confirm>
                    <input type="hidden" name="clientmsgid" value=confirmation.clientmsgid.clone() />
                    {confirmation
                        .to_all
                        .then(|| {
                            view! {
                                <p class="confirm-all">
                                    <input type="checkbox" id="confirm-all" name="confirm_all" value="yes" required />
                                    <label for="confirm-all">{all_label.clone()}</label>
                                </p>
                            }
                        })}
                    <div class="dialog-actions">
                        <button type="submit" class="primary" disabled=move || confirm.pending().get()>
                            {tr(zh, "确认", "Confirm")}
                        </button>
                        <a
                            href=cancel_href
                            on:click=move |ev| {
                                ev.prevent_default();
                                dismissed.set(true);
                            }
                        >
                            {tr(zh, "取消", "Cancel")}
                        </a>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}

/// What became of the send, in words.
#[component]
fn SendResultPanel(result: SendResult) -> impl IntoView {
    let lang = lang();
    let zh = lang == Lang::Zh;
    let failed = matches!(
        result.state,
        SendState::Rejected | SendState::Unknown | SendState::Failed
    );
    let heading = match result.state {
        SendState::Submitted | SendState::Finished => {
            tr(zh, "微信已接受这次群发", "WeChat took the send")
        }
        SendState::AwaitingConfirmation => tr(
            zh,
            "等待公众号管理员确认（API 群发保护）",
            "Waiting for the account's admin to confirm (API mass-send protection)",
        ),
        SendState::Rejected => tr(
            zh,
            "微信拒绝了这次群发，消息没有发出",
            "WeChat refused the send: nothing was sent",
        ),
        SendState::Unknown => tr(
            zh,
            "暂时不知道是否已发送",
            "Not yet known whether it was sent",
        ),
        SendState::Pending => tr(zh, "正在发送…", "Sending…"),
        SendState::Failed => tr(zh, "群发失败", "The send failed"),
    };
    let confirmation_note = (result.state == SendState::AwaitingConfirmation).then(|| {
        tr(
            zh,
            "这个公众号开启了 API 群发保护：群发全部用户后，需要管理员在微信里确认。管理员拒绝或 30 分钟内未确认，这次群发就会失败。可在公众平台“设置-安全中心-风险操作保护”中关闭。",
            "This account has API mass-send protection on: after a send to all followers, its admin must confirm in WeChat. If they refuse or do not confirm within 30 minutes, the send fails. It can be switched off in the WeChat console under Settings → Security Centre → Risky operation protection.",
        )
    });
    let draft_note = (result.msg_type == "mpnews"
        && matches!(result.state, SendState::Submitted | SendState::Finished))
    .then(|| {
        tr(
            zh,
            "注意：群发成功后，微信已让这篇草稿的 media_id 失效，并删除了草稿箱里的这篇草稿。文章标题已随这次群发保存：",
            "Note: after a successful send WeChat invalidates the draft's media_id and deletes the draft. The article titles were kept with this send:",
        )
    });
    let articles = result.articles.clone();
    let detail_href = format!("/sends/{}", result.id);
    let body = view! {
        <h2 id="result-title">{heading}</h2>
        <dl class="facts">
            <dt>{tr(zh, "状态", "Status")}</dt>
            <dd>{result.state.label(lang)}</dd>
            {result.msg_id.map(|id| view! { <dt>"msg_id"</dt><dd>{id.to_string()}</dd> })}
            {result.msg_data_id.map(|id| view! { <dt>"msg_data_id"</dt><dd>{id.to_string()}</dd> })}
        </dl>
        {result.problem.clone().map(|words| view! { <p>{words}</p> })}
        {confirmation_note.map(|words| view! { <p>{words}</p> })}
        {draft_note
            .map(|words| {
                view! {
                    <p>{words}</p>
                    <ul>{articles.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                }
            })}
        <p>
            <a href=detail_href>{tr(zh, "查看这次群发的详情", "See this send's details")}</a>
        </p>
    };
    if failed {
        view! { <section class="result result-bad" role="alert" aria-labelledby="result-title">{body}</section> }.into_any()
    } else {
        view! { <section class="result" role="status" aria-labelledby="result-title">{body}</section> }.into_any()
    }
}
