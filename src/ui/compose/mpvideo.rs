//! A video (视频): an `mpvideo` media id, typed, or made from a video
//! material.

use leptos::prelude::*;

use super::picker::Picker;
use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::api::convert_video;
use crate::sends::{Field, FieldError, MediaChoice};

#[component]
pub fn MpVideoFields(
    lang: Lang,
    media_id: String,
    /// The picked video material's title (empty for a typed id).
    #[prop(optional)]
    title: String,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    // The video picker fills both in; a typed id has no title.
    let media = RwSignal::new(media_id.clone());
    let picked_title = RwSignal::new(title.clone());
    view! {
        <div class="fields fields-mpvideo">
            <label for="mpvideo-media">{lang.pick("视频 media_id（mpvideo）", "Video media_id (mpvideo)")}</label>
            <input
                id="mpvideo-media"
                name="form[mpvideo_media_id]"
                type="text"
                autocomplete="off"
                value=media_id
                prop:value=move || media.get()
                on:input=move |ev| {
                    media.set(event_target_value(&ev));
                    picked_title.set(String::new());
                }
                aria-invalid=move || has_error(errors, Field::MpVideoMedia)
                aria-describedby=Field::MpVideoMedia.error_id()
            />
            <input
                type="hidden"
                name="form[mpvideo_title]"
                value=title
                prop:value=move || picked_title.get()
            />
            <FieldErrorText lang field=Field::MpVideoMedia errors />
            <VideoPicker lang target=media title=picked_title />
        </div>
    }
}

/// A video material must be turned into an `mpvideo` media id first
/// (`media/uploadvideo`); picking one does that.
#[component]
fn VideoPicker(lang: Lang, target: RwSignal<String>, title: RwSignal<String>) -> impl IntoView {
    let account = crate::ui::account_slug();
    let convert = Action::new(move |m: &MediaChoice| {
        let m = m.clone();
        let account = account.get_untracked();
        async move {
            (
                convert_video(account, m.media_id, m.title.clone()).await,
                m.title,
            )
        }
    });
    Effect::new(move |_| {
        if let Some((Ok(Ok(media_id)), name)) = convert.value().get() {
            target.set(media_id);
            title.set(name);
        }
    });
    view! {
        <Picker
            lang
            source="video"
            label=lang.pick("从视频素材选择", "Choose from video materials")
            on_pick=Callback::new(move |m: MediaChoice| {
                convert.dispatch(m);
            })
        />
        {move || convert.pending().get().then(|| view! { <p role="status">{lang.pick("正在转换视频…", "Converting the video…")}</p> })}
        {move || match convert.value().get().map(|(answer, _)| answer) {
            Some(Ok(Ok(_))) => {
                Some(view! { <p class="ok" role="status">{lang.pick("视频已转换为可群发的 mpvideo media_id。", "The video was turned into an mpvideo media_id for sending.")}</p> }.into_any())
            }
            Some(Ok(Err(words))) => Some(view! { <p class="error" role="alert">{words}</p> }.into_any()),
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any()),
            None => None,
        }}
    }
}
