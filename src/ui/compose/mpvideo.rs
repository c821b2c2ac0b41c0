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
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    // The video picker fills it in.
    let media = RwSignal::new(media_id.clone());
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
                on:input=move |ev| media.set(event_target_value(&ev))
                aria-invalid=move || has_error(errors, Field::MpVideoMedia)
                aria-describedby=Field::MpVideoMedia.error_id()
            />
            <FieldErrorText lang field=Field::MpVideoMedia errors />
            <VideoPicker lang target=media />
        </div>
    }
}

/// A video material must be turned into an `mpvideo` media id first
/// (`media/uploadvideo`); picking one does that.
#[component]
fn VideoPicker(lang: Lang, target: RwSignal<String>) -> impl IntoView {
    let convert = Action::new(|m: &MediaChoice| {
        let m = m.clone();
        async move { convert_video(m.media_id, m.title).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(Ok(media_id))) = convert.value().get() {
            target.set(media_id);
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
        {move || match convert.value().get() {
            Some(Ok(Ok(_))) => {
                Some(view! { <p class="ok" role="status">{lang.pick("视频已转换为可群发的 mpvideo media_id。", "The video was turned into an mpvideo media_id for sending.")}</p> }.into_any())
            }
            Some(Ok(Err(words))) => Some(view! { <p class="error" role="alert">{words}</p> }.into_any()),
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any()),
            None => None,
        }}
    }
}
