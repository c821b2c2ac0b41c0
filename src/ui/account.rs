//! `/account`: every signed-in user changes their own password here. The
//! current password is asked for; the change ends the user's other
//! sessions (as an admin's reset does) and keeps this one. An `ActionForm`,
//! so it works without JavaScript too (back here with `?changed=1` or
//! `?problem=`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::password::NewPassword;
use super::{Page, lang};
use crate::{auth::api::ChangeOwnPassword, error::AppError};

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangeOwnPassword>::new();
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("我的密码", "My password")>
            <AccountBody change />
        </Page>
    }
}

#[component]
fn AccountBody(change: ServerAction<ChangeOwnPassword>) -> impl IntoView {
    let lang = lang();
    let query = use_query_map();
    // With JavaScript the answer comes back as data; without, in the address.
    let outcome = move || match change.value().get() {
        Some(Ok(())) => Some(Ok(())),
        Some(Err(error)) => Some(Err(error)),
        None => query.with(|q| {
            if q.get("changed").is_some() {
                Some(Ok(()))
            } else {
                q.get("problem")
                    .and_then(|code| AppError::from_code(&code))
                    .map(Err)
            }
        }),
    };
    view! {
        {move || {
            outcome()
                .map(|result| match result {
                    Ok(()) => {
                        view! {
                            <p class="ok" role="status">
                                {lang.pick(
                                    "密码已修改。你在其他地方的登录已经失效，这里仍保持登录。",
                                    "Your password was changed. Your other sessions have ended; this one goes on.",
                                )}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="error" role="alert">{error.words(lang)}</p> }.into_any(),
                })
        }}
        <ActionForm action=change attr:class="stack">
            <label for="current-password">{lang.pick("当前密码", "Current password")}</label>
            <input id="current-password" name="current" type="password" autocomplete="current-password" required />
            <label for="own-new-password">{lang.pick("新密码", "New password")}</label>
            <NewPassword lang id="own-new-password".to_owned() />
            <p class="note">
                {lang.pick(
                    "修改后，你在其他浏览器或设备上的登录会失效。",
                    "After the change, you are logged out everywhere else.",
                )}
            </p>
            <button type="submit" class="primary">{lang.pick("修改密码", "Change password")}</button>
        </ActionForm>
    }
}
