//! "Send to 1,234 followers of VIP会员?" with Confirm; all followers need a
//! tick as a second confirmation, and so does the same message to the same
//! audience within a day ("You sent this to 内测用户 12 minutes ago"). A
//! send past what is left of the account's quota is warned about. While
//! the send is in flight Confirm says "Sending…" and Cancel is off.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::api::ConfirmSend;
use crate::sends::{Confirmation, group_digits};
use crate::ui::content::ContentView;
use crate::ui::type_label;

#[component]
pub fn ConfirmDialog(
    lang: Lang,
    confirmation: Confirmation,
    confirm: ServerAction<ConfirmSend>,
    /// Set by Cancel: the dialog closes and the form stays as it is.
    dismissed: RwSignal<bool>,
) -> impl IntoView {
    let question = confirmation.question(lang);
    let account = crate::ui::account_slug().get_untracked();
    let cancel_href = format!(
        "{}?attempt={}&edit=1",
        crate::ui::account_href(&account, "compose"),
        confirmation.clientmsgid
    );
    // With other accounts, "all followers" may be theirs: no one number.
    let all_label = match confirmation.campaign.is_empty() && confirmation.to_all {
        true => all_followers_label(lang, confirmation.audience_size),
        false => all_followers_label(lang, None),
    };
    let repeat_question = confirmation.repeat.as_ref().map(|r| r.question(lang));
    let sending = confirm.pending();
    let scheduled = confirmation.send_at.is_some();
    // From this page's action, or from the address after a form sent
    // without JavaScript.
    let query = use_query_map();
    let problem = move || match confirm.value().get() {
        Some(Err(error)) => Some(error.words(lang)),
        Some(Ok(_)) => None,
        None => query.with(|q| {
            q.get("problem")
                .and_then(|code| AppError::from_code(&code))
                .map(|error| error.words(lang))
        }),
    };
    view! {
        <div class="dialog-backdrop">
            <section class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
                <h2 id="confirm-title">{question}</h2>
                <p>{lang.pick("消息类型：", "Message type: ")} {type_label(lang, &confirmation.msg_type)}</p>
                {confirmation.send_at.clone().map(|at| view! {
                    <p class="send-at">
                        <strong>{match lang {
                            Lang::Zh => format!("群发将于 {at}发出。"),
                            Lang::En => format!("Goes out at {at}."),
                        }}</strong>
                    </p>
                })}
                // What goes out, by name.
                {confirmation.content.clone().map(|content| view! { <ContentView lang content /> })}
                {(confirmation.msg_type == "mpnews").then(|| view! {
                    <p class="hint">
                        {lang.pick(
                            "发送后，微信会删除这篇草稿，它的 media_id 也随之失效；qunfa 会在发送前保存每篇文章的副本，之后可在这条群发的页面查看。",
                            "Once sent, WeChat deletes this draft and its media_id stops working; qunfa keeps its own copy of every article, made just before sending, on the send's page.",
                        )}
                    </p>
                })}
                // Past what is left of the quota: said before Confirm, which
                // still sends (WeChat decides; it sees the web console's sends).
                {confirmation.quota.as_ref().map(|warning| view! {
                    <p class="warning quota-warning">{warning.words(lang)}</p>
                })}
                {(!confirmation.campaign.is_empty()).then(|| {
                    let lines = confirmation.campaign.clone();
                    view! {
                        <h3>{lang.pick("同时从这些公众号各发一次", "Also sent once from each of these accounts")}</h3>
                        <ul class="campaign-lines">
                            {lines.into_iter().map(|line| view! {
                                <li>
                                    {line.words(lang)}
                                    {line.quota.as_ref().map(|warning| view! {
                                        <p class="warning quota-warning">{warning.words(lang)}</p>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                })}
                {move || problem().map(|words| view! { <p class="error" role="alert">{words}</p> })}
                <ActionForm action=confirm>
                    <input type="hidden" name="account" value=account.clone() />
                    <input type="hidden" name="clientmsgid" value=confirmation.clientmsgid.clone() />
                    {(confirmation.to_all || confirmation.campaign.iter().any(|l| l.tag_id.is_none()))
                        .then(|| {
                            view! {
                                <p class="confirm-all">
                                    <input type="checkbox" id="confirm-all" name="confirm_all" value="yes" required />
                                    <label for="confirm-all">{all_label.clone()}</label>
                                </p>
                            }
                        })}
                    {repeat_question
                        .map(|question| {
                            view! {
                                <div class="confirm-repeat">
                                    <p class="warning">{question}</p>
                                    <p>
                                        <input type="checkbox" id="confirm-repeat" name="confirm_repeat" value="yes" required />
                                        <label for="confirm-repeat">{lang.pick("我确认再发一次", "Yes, send it again")}</label>
                                    </p>
                                </div>
                            }
                        })}
                    <div class="dialog-actions">
                        <button
                            type="submit"
                            class="primary"
                            disabled=move || sending.get()
                            aria-busy=move || if sending.get() { "true" } else { "false" }
                        >
                            {move || {
                                if sending.get() {
                                    lang.pick("正在发送…", "Sending…")
                                } else if scheduled {
                                    lang.pick("确认定时", "Confirm schedule")
                                } else {
                                    lang.pick("确认", "Confirm")
                                }
                            }}
                        </button>
                        // Off while the send is in flight: its answer is on the way.
                        <a
                            href=cancel_href
                            aria-disabled=move || if sending.get() { "true" } else { "false" }
                            on:click=move |ev| {
                                ev.prevent_default();
                                if !sending.get_untracked() {
                                    dismissed.set(true);
                                }
                            }
                        >
                            {lang.pick("取消", "Cancel")}
                        </a>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}

/// The second confirmation of a send to all followers.
fn all_followers_label(lang: Lang, size: Option<u64>) -> String {
    match (lang, size.map(group_digits)) {
        (Lang::Zh, Some(n)) => format!("我确认发给全部 {n} 位粉丝"),
        (Lang::Zh, None) => "我确认发给全部粉丝".to_owned(),
        (Lang::En, Some(n)) => format!("Yes, send to all {n} followers"),
        (Lang::En, None) => "Yes, send to all followers".to_owned(),
    }
}
