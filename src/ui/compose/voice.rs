//! A voice message: a voice material's media id, typed or picked.

use leptos::prelude::*;

use super::picker::Picker;
use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::{Field, FieldError, MediaChoice};

#[component]
pub fn VoiceFields(lang: Lang, media_id: String, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    // The picker fills it in.
    let media = RwSignal::new(media_id.clone());
    view! {
        <div class="fields fields-voice">
            <label for="voice-media">{lang.pick("语音 media_id", "Voice media_id")}</label>
            <input
                id="voice-media"
                name="form[voice_media_id]"
                type="text"
                autocomplete="off"
                value=media_id
                prop:value=move || media.get()
                on:input=move |ev| media.set(event_target_value(&ev))
                aria-invalid=move || has_error(errors, Field::VoiceMedia)
                aria-describedby=Field::VoiceMedia.error_id()
            />
            <FieldErrorText lang field=Field::VoiceMedia errors />
            <Picker
                lang
                source="voice"
                label=lang.pick("从语音素材选择", "Choose from voice materials")
                on_pick=Callback::new(move |m: MediaChoice| media.set(m.media_id))
            />
        </div>
    }
}
