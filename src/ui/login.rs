//! `/login`: a plain form posted to the server, which answers with a redirect
//! (to where the person was going, or back here with the reason).

use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::hooks::use_query_map;

use super::{LanguageSwitch, SessionResource};

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<SessionResource>().0;
    let query = use_query_map();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let info = session.await.unwrap_or_default();
                let t = info.lang.texts();
                let (error, next) = query
                    .with(|q| (q.get("error").unwrap_or_default(), q.get("next").unwrap_or_default()));
                let message = match error.as_str() {
                    "failed" => Some(t.login_failed),
                    "throttled" => Some(t.login_throttled),
                    "busy" => Some(t.login_busy),
                    "expired" => Some(t.login_expired),
                    "unexpected" => Some(crate::error::AppError::Unexpected.words(info.lang)),
                    _ => None,
                };
                view! {
                    <Html attr:lang=info.lang.code() />
                    <Title text=format!("{} · {}", t.log_in, t.app_name) />
                    <main class="login">
                        <div class="login-top">
                            <LanguageSwitch lang=info.lang />
                        </div>
                        <h1>{t.login_title}</h1>
                        {message.map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        {info
                            .setup_open
                            .then(|| view! { <p class="notice" role="status">{t.login_no_account}</p> })}
                        <form method="post" action="/login" class="stack">
                            <input type="hidden" name="next" value=next />
                            <label for="username">{t.username}</label>
                            <input
                                id="username"
                                name="username"
                                type="text"
                                autocomplete="username"
                                required
                                autofocus
                            />
                            <label for="password">{t.password}</label>
                            <input
                                id="password"
                                name="password"
                                type="password"
                                autocomplete="current-password"
                                required
                            />
                            <button type="submit" class="primary">{t.log_in}</button>
                        </form>
                    </main>
                }
            })}
        </Suspense>
    }
}
