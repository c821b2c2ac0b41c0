//! A card (卡券): its id.

use leptos::prelude::*;

use super::{FieldErrorText, has_error};
use crate::i18n::Lang;
use crate::sends::{Field, FieldError};

#[component]
pub fn WxCardFields(lang: Lang, card_id: String, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    view! {
        <div class="fields fields-wxcard">
            <label for="card-id">{lang.pick("卡券 ID", "Card ID")}</label>
            <input
                id="card-id"
                name="form[card_id]"
                type="text"
                autocomplete="off"
                value=card_id
                aria-invalid=move || has_error(errors, Field::CardId)
                aria-describedby=Field::CardId.error_id()
            />
            <FieldErrorText lang field=Field::CardId errors />
        </div>
    }
}
