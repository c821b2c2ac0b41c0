//! A field for a new password with the rule it follows said beside it, so
//! a person knows the rule before anything is sent.

use leptos::prelude::*;

use crate::auth::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::i18n::Lang;

/// The input (`name="password"`) and its rule, which describes it; the
/// caller gives the `<label for=id>`.
#[component]
pub fn NewPassword(lang: Lang, id: String) -> impl IntoView {
    let rule_id = format!("{id}-rule");
    view! {
        <input
            id=id
            name="password"
            type="password"
            autocomplete="new-password"
            minlength=PASSWORD_MIN_CHARS.to_string()
            maxlength=PASSWORD_MAX_CHARS.to_string()
            aria-describedby=rule_id.clone()
            required
        />
        <span class="hint" id=rule_id>{password_rule(lang)}</span>
    }
}

/// The rule a new password follows (`auth::password::check_rules`).
fn password_rule(lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("至少 {PASSWORD_MIN_CHARS} 个字符，最多 {PASSWORD_MAX_CHARS} 个。"),
        Lang::En => {
            format!("At least {PASSWORD_MIN_CHARS} characters, at most {PASSWORD_MAX_CHARS}.")
        }
    }
}
