//! A text message: the words themselves.

use leptos::prelude::*;

use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::{Field, FieldError};

#[component]
pub fn TextFields(lang: Lang, content: String, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    view! {
        <div class="fields fields-text">
            <label for="text-content">{lang.pick("文本内容", "Message text")}</label>
            <textarea
                id="text-content"
                name="form[text_content]"
                rows="6"
                aria-invalid=move || has_error(errors, Field::TextContent)
                aria-describedby=Field::TextContent.error_id()
            >
                {content}
            </textarea>
            <FieldErrorText lang field=Field::TextContent errors />
        </div>
    }
}
