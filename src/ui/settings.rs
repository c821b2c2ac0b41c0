//! `/a/:account/settings` (admins): what to enter in the WeChat console for
//! the account (服务器配置), whether its callbacks arrive, how its own
//! backend answers the callbacks passed on to it, and where its access
//! token comes from.

use leptos::prelude::*;

use super::resource::{PageResource, page_resource};
use super::time::UnixTime;
use super::{Audience, Page, lang};
use crate::error::AppError;
use crate::settings::{ForwardingView, SettingsView, TokenSourceView, answer_time, load_settings};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let account = super::account_slug();
    let settings = page_resource(move || account.get(), load_settings);
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("设置", "Settings") audience=Audience::Admins>
            <SettingsBody settings />
        </Page>
    }
}

#[component]
fn SettingsBody(settings: PageResource<Result<SettingsView, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=move || view! { <p>{lang().pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <SettingsLists settings /> }.into_any(),
                    Err(error) => super::error_view(lang(), error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsLists(settings: SettingsView) -> impl IntoView {
    let lang = lang();
    let none_yet = lang.pick("暂无", "None yet");
    let health = settings.health.clone();
    let time_or_none = move |secs: Option<i64>| match secs {
        Some(secs) => view! { <UnixTime secs seconds=true /> }.into_any(),
        None => none_yet.into_any(),
    };
    let last_accepted = time_or_none(health.last_accepted);
    let (last_refused, refused_reason) = match health.last_refused {
        Some(refused) => (time_or_none(Some(refused.at)), refused.reason),
        None => (time_or_none(None), none_yet.to_owned()),
    };
    let token_url = match &settings.access_token.source {
        TokenSourceView::External { url } => Some(url.clone()),
        _ => None,
    };
    let expires = match settings.access_token.expires_at {
        Some(secs) => view! { <UnixTime secs seconds=true /> }.into_any(),
        None => lang
            .pick("尚未获取 access_token", "No token fetched yet")
            .into_any(),
    };
    let wechat = if settings.simulator {
        lang.pick(
            "内置的微信模拟器（消息不会真正发出）",
            "The built-in WeChat simulator (nothing is really sent)",
        )
    } else {
        lang.pick("微信公众平台接口", "The WeChat API")
    };

    view! {
        <p>
            <a href="/accounts">
                {lang.pick("管理所有公众号（添加、修改、停用）", "Manage all accounts (add, edit, disable)")}
            </a>
        </p>
        <section class="settings-group" aria-labelledby="settings-server">
            <h2 id="settings-server">{lang.pick("服务器配置", "Server configuration")}</h2>
            <p>
                {lang.pick(
                    "在微信公众平台的“设置与开发 → 基本配置 → 服务器配置”中填写以下内容。",
                    "Enter these in the WeChat console under 设置与开发 → 基本配置 → 服务器配置 (Server configuration).",
                )}
            </p>
            <dl class="settings">
                <dt>{lang.pick("服务器地址（URL）", "Server address (URL)")}</dt>
                <dd>
                    <code>{settings.callback_url.clone()}</code>
                </dd>
                <dt>{lang.pick("令牌（Token）", "Token")}</dt>
                <dd>
                    <code>{settings.callback_token.clone()}</code>
                </dd>
                <dt>{lang.pick("消息加解密方式", "Message mode")}</dt>
                <dd>{settings.message_mode(lang)}</dd>
                <dt>{lang.pick("消息加解密密钥（EncodingAESKey）", "EncodingAESKey")}</dt>
                <dd>
                    {if settings.aes_key_set {
                        lang.pick("已设置（不显示）", "Set (not shown)")
                    } else {
                        lang.pick("未设置", "Not set")
                    }}
                </dd>
            </dl>
            {settings
                .plaintext_warning(lang)
                .map(|warning| view! { <p class="note" role="note">{warning}</p> })}
        </section>
        <section class="settings-group" aria-labelledby="settings-account">
            <h2 id="settings-account">{lang.pick("公众号", "Account")}</h2>
            <dl class="settings">
                <dt>{lang.pick("接口", "WeChat")}</dt>
                <dd>{wechat}</dd>
                <dt>"AppID"</dt>
                <dd>
                    <code>{settings.appid.clone()}</code>
                </dd>
                <dt>{lang.pick("群发需要审核", "Sends need approval")}</dt>
                <dd>
                    {if settings.needs_approval {
                        lang.pick(
                            "是：每次群发都要由发送人以外的管理员或审核员批准后才发出",
                            "Yes: every send waits until an admin or reviewer other than its author approves it",
                        )
                    } else {
                        lang.pick("否：确认后立即发出（或到定时发出）", "No: a send goes once confirmed (or at its time)")
                    }}
                </dd>
                <dt>{lang.pick("时区（定时群发）", "Time zone (scheduled sends)")}</dt>
                <dd>{settings.time_zone.clone()}</dd>
            </dl>
        </section>
        <section class="settings-group" aria-labelledby="settings-health">
            <h2 id="settings-health">{lang.pick("回调状态", "Callback health")}</h2>
            <p>
                {lang.pick(
                    "自本次启动以来收到的回调。",
                    "Callbacks since this server started.",
                )}
            </p>
            <dl class="settings">
                <dt>{lang.pick("已接受的回调", "Callbacks accepted")}</dt>
                <dd>{health.accepted.to_string()}</dd>
                <dt>{lang.pick("最近一次接受", "Last accepted")}</dt>
                <dd>{last_accepted}</dd>
                <dt>{lang.pick("已拒绝的回调", "Callbacks refused")}</dt>
                <dd>{health.refused.to_string()}</dd>
                <dt>{lang.pick("最近一次拒绝", "Last refused")}</dt>
                <dd>{last_refused}</dd>
                <dt>{lang.pick("拒绝原因", "Reason refused")}</dt>
                <dd>{refused_reason}</dd>
            </dl>
        </section>
        {settings.forwarding.clone().map(|forwarding| view! { <ForwardingHealth forwarding /> })}
        <section class="settings-group" aria-labelledby="settings-token">
            <h2 id="settings-token">"access_token"</h2>
            <dl class="settings">
                <dt>{lang.pick("来源", "Source")}</dt>
                <dd>{settings.access_token.source.words(lang)}</dd>
                {token_url
                    .map(|url| {
                        view! {
                            <dt>{lang.pick("获取地址", "Fetched from")}</dt>
                            <dd>
                                <code>{url}</code>
                            </dd>
                        }
                    })}
                <dt>{lang.pick("到期时间", "Expires")}</dt>
                <dd>{expires}</dd>
            </dl>
        </section>
    }
}

/// Where callbacks are passed on, and how the backend answered in the last
/// hour.
#[component]
fn ForwardingHealth(forwarding: ForwardingView) -> impl IntoView {
    let lang = lang();
    let none_yet = lang.pick("暂无", "None yet");
    let time = |micros: Option<u64>| micros.map_or_else(|| none_yet.to_owned(), answer_time);
    let (last_failed, failure_words) = match forwarding.last_failure {
        Some(failure) => (
            view! { <UnixTime secs=failure.at seconds=true /> }.into_any(),
            failure.words,
        ),
        None => (none_yet.into_any(), none_yet.to_owned()),
    };
    let timeout = match forwarding.timeout_ms {
        ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
        ms => format!("{ms} ms"),
    };
    view! {
        <section class="settings-group" aria-labelledby="settings-forwarding">
            <h2 id="settings-forwarding">{lang.pick("转发到已有后端", "Forwarding to your backend")}</h2>
            <p>
                {match lang {
                    crate::i18n::Lang::Zh => format!(
                        "每个通过校验的回调都原样转发到下面的地址，后端的应答原样交给微信。后端超过 {timeout} 没有应答、无法连接或应答出错时，qunfa 代为回复 success。",
                    ),
                    crate::i18n::Lang::En => format!(
                        "Every verified callback is passed on unchanged to the address below, and the backend's answer goes to WeChat as it is. When the backend takes longer than {timeout}, cannot be reached or answers an error, qunfa answers WeChat success itself.",
                    ),
                }}
            </p>
            <dl class="settings">
                <dt>{lang.pick("转发地址", "Forward URL")}</dt>
                <dd>
                    <code>{forwarding.url}</code>
                </dd>
                <dt>{lang.pick("最近一小时：后端已应答", "Last hour: answered by the backend")}</dt>
                <dd>{forwarding.ok.to_string()}</dd>
                <dt>{lang.pick("最近一小时：超时", "Last hour: timed out")}</dt>
                <dd>{forwarding.timed_out.to_string()}</dd>
                <dt>{lang.pick("最近一小时：失败", "Last hour: failed")}</dt>
                <dd>{forwarding.failed.to_string()}</dd>
                <dt>{lang.pick("后端应答时间（中位数）", "Backend answer time (median)")}</dt>
                <dd>{time(forwarding.median_micros)}</dd>
                <dt>{lang.pick("后端应答时间（p99）", "Backend answer time (p99)")}</dt>
                <dd>{time(forwarding.p99_micros)}</dd>
                <dt>{lang.pick("最近一次失败", "Last failure")}</dt>
                <dd>{last_failed}</dd>
                <dt>{lang.pick("失败原因", "What went wrong")}</dt>
                <dd>{failure_words}</dd>
            </dl>
        </section>
    }
}
