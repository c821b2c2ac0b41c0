//! `/setup`: on the first run, the page of the link the console printed to
//! its log; a plain form that creates the first admin (`auth::setup`).

use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::hooks::use_query_map;

use super::{LanguageSwitch, SessionResource};
use crate::error::AppError;

#[component]
pub fn SetupPage() -> impl IntoView {
    let session = expect_context::<SessionResource>().0;
    let query = use_query_map();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let info = session.await.unwrap_or_default();
                let t = info.lang.texts();
                let (token, error, problem) = query
                    .with(|q| (
                        q.get("token").unwrap_or_default(),
                        q.get("error").unwrap_or_default(),
                        q.get("problem"),
                    ));
                let message = match error.as_str() {
                    "token" => Some(t.setup_wrong_token),
                    "unexpected" => Some(AppError::Unexpected.words(info.lang)),
                    _ if token.is_empty() => Some(t.login_no_account),
                    _ => problem
                        .and_then(|code| AppError::from_code(&code))
                        .map(|error| error.words(info.lang)),
                };
                let body = if info.setup_open {
                    view! {
                        {message.map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        <p>{t.setup_intro}</p>
                        <form method="post" action="/setup" class="stack">
                            <input type="hidden" name="token" value=token />
                            <label for="username">{t.username}</label>
                            <input
                                id="username"
                                name="username"
                                type="text"
                                autocomplete="username"
                                aria-describedby="username-rule"
                                required
                                autofocus
                            />
                            <p id="username-rule" class="hint">{t.username_rule}</p>
                            <label for="password">{t.password}</label>
                            <input
                                id="password"
                                name="password"
                                type="password"
                                autocomplete="new-password"
                                aria-describedby="password-rule"
                                minlength="8"
                                maxlength="256"
                                required
                            />
                            <p id="password-rule" class="hint">{t.password_rule}</p>
                            <button type="submit" class="primary">{t.setup_create}</button>
                        </form>
                    }
                        .into_any()
                } else {
                    view! {
                        <p role="status">{t.setup_unavailable}</p>
                        <p>
                            <a href="/login">{t.log_in}</a>
                        </p>
                    }
                        .into_any()
                };
                view! {
                    <Html attr:lang=info.lang.code() />
                    <Title text=format!("{} · {}", t.setup_title, t.app_name) />
                    <main class="login">
                        <div class="login-top">
                            <LanguageSwitch lang=info.lang />
                        </div>
                        <h1>{t.setup_title}</h1>
                        {body}
                    </main>
                }
            })}
        </Suspense>
    }
}
