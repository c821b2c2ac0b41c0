//! `/setup`: on the first run, the page of the link the console printed to
//! its log; a plain form that creates the first admin (`auth::setup`).

use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::hooks::use_query_map;

use super::login::no_account;
use super::{LanguageSwitch, SessionResource, app_name};
use crate::error::AppError;

#[component]
pub fn SetupPage() -> impl IntoView {
    let session = expect_context::<SessionResource>().0;
    let query = use_query_map();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let info = session.await.unwrap_or_default();
                let lang = info.lang;
                let title = lang.pick("创建第一位管理员", "Create the first admin");
                let (token, error, problem) = query
                    .with(|q| (
                        q.get("token").unwrap_or_default(),
                        q.get("error").unwrap_or_default(),
                        q.get("problem"),
                    ));
                let message = match error.as_str() {
                    "token" => Some(lang.pick(
                        "这个设置链接无效。请使用控制台输出中打印的链接（每次启动都会换一个新的）。",
                        "This setup link is not valid. Use the link printed in the console's output (each start prints a new one).",
                    )),
                    "unexpected" => Some(AppError::Unexpected.words(lang)),
                    _ if token.is_empty() => Some(no_account(lang)),
                    _ => problem
                        .and_then(|code| AppError::from_code(&code))
                        .map(|error| error.words(lang)),
                };
                let body = if info.setup_open {
                    view! {
                        {message.map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        <p>
                            {lang.pick(
                                "这是控制台第一次启动。在这里创建的账号是管理员，之后可以在「用户」页面添加其他人。这个链接只能用一次。",
                                "This is the console's first start. The account you create here is an admin; you can add other people on the Users page afterwards. This link works once.",
                            )}
                        </p>
                        <form method="post" action="/setup" class="stack">
                            <input type="hidden" name="token" value=token />
                            <label for="username">{lang.pick("用户名", "Username")}</label>
                            <input
                                id="username"
                                name="username"
                                type="text"
                                autocomplete="username"
                                aria-describedby="username-rule"
                                required
                                autofocus
                            />
                            <p id="username-rule" class="hint">
                                {lang.pick(
                                    "用户名为 2–32 个字符，可用中文、字母、数字和 . _ - @，不能有空格。",
                                    "A username is 2–32 characters: letters (Chinese too), digits and . _ - @, no spaces.",
                                )}
                            </p>
                            <label for="password">{lang.pick("密码", "Password")}</label>
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
                            <p id="password-rule" class="hint">
                                {lang.pick(
                                    "密码至少 8 个字符，最多 256 个字符。",
                                    "A password has at least 8 characters and at most 256.",
                                )}
                            </p>
                            <button type="submit" class="primary">
                                {lang.pick("创建管理员", "Create admin")}
                            </button>
                        </form>
                    }
                        .into_any()
                } else {
                    view! {
                        <p role="status">
                            {lang.pick(
                                "无法设置：已经有账号了。请直接登录。",
                                "Setup is not available: an account exists already. Log in instead.",
                            )}
                        </p>
                        <p>
                            <a href="/login">{lang.pick("登录", "Log in")}</a>
                        </p>
                    }
                        .into_any()
                };
                view! {
                    <Html attr:lang=lang.code() />
                    <Title text=format!("{} · {}", title, app_name(lang)) />
                    <main class="login">
                        <div class="login-top">
                            <LanguageSwitch lang />
                        </div>
                        <h1>{title}</h1>
                        {body}
                    </main>
                }
            })}
        </Suspense>
    }
}
