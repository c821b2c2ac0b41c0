//! `/login`: a plain form posted to the server, which answers with a redirect
//! (to where the person was going, or back here with the reason).

use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::hooks::use_query_map;

use super::{LanguageSwitch, SessionResource, app_name};
use crate::error::AppError;
use crate::i18n::Lang;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<SessionResource>().0;
    let query = use_query_map();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let info = session.await.unwrap_or_default();
                let lang = info.lang;
                let (error, next, minutes) = query.with(|q| {
                    (
                        q.get("error").unwrap_or_default(),
                        q.get("next").unwrap_or_default(),
                        q.get("minutes").and_then(|m| m.parse::<u32>().ok()),
                    )
                });
                let message = match error.as_str() {
                    "failed" => Some(lang.pick("用户名或密码不正确。", "The username or the password is wrong.").to_owned()),
                    "throttled" => Some(locked_out(lang, minutes)),
                    "busy" => Some(lang.pick(
                        "同时登录的人太多，暂时无法核对密码。请稍后再试。",
                        "Too many logins are being checked right now. Try again shortly.",
                    ).to_owned()),
                    "expired" => Some(AppError::NotSignedIn.words(lang).to_owned()),
                    "unexpected" => Some(AppError::Unexpected.words(lang).to_owned()),
                    _ => None,
                };
                view! {
                    <Html attr:lang=lang.code() />
                    <Title text=format!("{} · {}", lang.pick("登录", "Log in"), app_name(lang)) />
                    <main class="login">
                        <div class="login-top">
                            <LanguageSwitch lang />
                        </div>
                        <h1>{lang.pick("登录群发控制台", "Log in to qunfa")}</h1>
                        {message.map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        {info
                            .setup_open
                            .then(|| view! { <p class="notice" role="status">{no_account(lang)}</p> })}
                        <form method="post" action="/login" class="stack">
                            <input type="hidden" name="next" value=next />
                            <label for="username">{lang.pick("用户名", "Username")}</label>
                            <input
                                id="username"
                                name="username"
                                type="text"
                                autocomplete="username"
                                required
                                autofocus
                            />
                            <label for="password">{lang.pick("密码", "Password")}</label>
                            <input
                                id="password"
                                name="password"
                                type="password"
                                autocomplete="current-password"
                                required
                            />
                            <button type="submit" class="primary">{lang.pick("登录", "Log in")}</button>
                        </form>
                    </main>
                }
            })}
        </Suspense>
    }
}

/// The lockout after too many failed logins, and how long it lasts.
fn locked_out(lang: Lang, minutes: Option<u32>) -> String {
    match (lang, minutes) {
        (Lang::Zh, Some(m)) => format!("登录失败次数过多，已暂时锁定。请 {m} 分钟后再试。"),
        (Lang::En, Some(1)) => {
            "Too many failed attempts: logging in is locked. Try again in 1 minute.".to_owned()
        }
        (Lang::En, Some(m)) => {
            format!("Too many failed attempts: logging in is locked. Try again in {m} minutes.")
        }
        (_, None) => lang
            .pick(
                "登录失败次数过多，已暂时锁定。请几分钟后再试。",
                "Too many failed attempts: logging in is locked for a while. Try again in a few minutes.",
            )
            .to_owned(),
    }
}

/// Where the first account comes from, while there is none (the login page
/// and the setup page without its link say it).
pub fn no_account(lang: Lang) -> &'static str {
    lang.pick(
        "还没有账号：设置链接在控制台的输出中。",
        "No account yet: the setup link is in the console's output.",
    )
}
