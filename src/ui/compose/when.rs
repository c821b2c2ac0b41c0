//! When it goes: "Now" (the default) or "At…" a date and time, entered in
//! the account's time zone (named beside it). A radio and a
//! `datetime-local` input, so it works without JavaScript; the server
//! checks the time (at least a minute ahead, at most 90 days, a time the
//! zone's clocks show) and turns it into UTC.

use leptos::prelude::*;

use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::{Field, FieldError};

#[component]
pub fn WhenChooser(
    lang: Lang,
    /// The form's `send_when`: `now` (or empty) or `at`.
    when: String,
    /// The form's `send_at`: a `datetime-local` value.
    send_at: String,
    /// The account's zone in words.
    zone: String,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let at = when == "at";
    let zone_note = match lang {
        Lang::Zh => format!("按公众号的时区填写：{zone}"),
        Lang::En => format!("In the account's time zone: {zone}"),
    };
    view! {
        <fieldset class="when">
            <legend>{lang.pick("发送时间", "When")}</legend>
            <span>
                <input type="radio" id="when-now" name="form[send_when]" value="now" checked=!at />
                <label for="when-now">{lang.pick("现在", "Now")}</label>
            </span>
            <span>
                <input type="radio" id="when-at" name="form[send_when]" value="at" checked=at />
                <label for="when-at">{lang.pick("定时…", "At…")}</label>
            </span>
            <p class="when-at">
                <label for="send-at">{lang.pick("定时发送于", "Send at")}</label>
                <input
                    id="send-at"
                    type="datetime-local"
                    name="form[send_at]"
                    value=send_at
                    aria-describedby="send-at-zone send-at-error"
                    aria-invalid=move || has_error(errors, Field::SendAt)
                />
                <span class="hint" id="send-at-zone">{zone_note}</span>
            </p>
            <FieldErrorText lang field=Field::SendAt errors />
        </fieldset>
    }
}
