//! What became of the send, in words, in the form's place: focused (so it
//! is in view and read out), with the way to the send's page and to a
//! fresh, empty form.

use leptos::prelude::*;

use crate::i18n::Lang;
use crate::sends::{SendResult, SendState};

#[component]
pub fn SendResultPanel(lang: Lang, result: SendResult) -> impl IntoView {
    let failed = matches!(
        result.state,
        SendState::Rejected | SendState::Unknown | SendState::Failed
    );
    // The admin's confirmation is a step of a send, not a failure.
    let waiting = result.state == SendState::AwaitingConfirmation;
    let heading = match result.state {
        SendState::Submitted | SendState::Finished => {
            lang.pick("微信已接受这次群发", "WeChat took the send")
        }
        SendState::AwaitingConfirmation => lang.pick(
            "等待公众号管理员确认（API 群发保护）",
            "Waiting for the account's admin to confirm (API mass-send protection)",
        ),
        SendState::Rejected => lang.pick(
            "微信拒绝了这次群发，消息没有发出",
            "WeChat refused the send: nothing was sent",
        ),
        SendState::Unknown => {
            lang.pick("暂时不知道是否已发送", "Not yet known whether it was sent")
        }
        SendState::Pending => lang.pick("正在发送…", "Sending…"),
        SendState::Scheduled => lang.pick("已定时，到时发送", "Scheduled: it goes at its time"),
        SendState::AwaitingApproval => lang.pick(
            "已提交审核，通过后发送",
            "Sent for approval: it goes once approved",
        ),
        SendState::Declined => lang.pick("审核未通过，消息没有发出", "Declined: nothing was sent"),
        SendState::Cancelled => lang.pick("已取消，消息没有发出", "Cancelled: nothing was sent"),
        SendState::Missed => lang.pick(
            "错过了定时，消息没有发出",
            "Missed its time: nothing was sent",
        ),
        SendState::Failed => lang.pick("群发失败", "The send failed"),
    };
    let confirmation_note = (result.state == SendState::AwaitingConfirmation).then(|| {
        lang.pick(
            "这个公众号开启了 API 群发保护：群发全部用户后，需要管理员在微信里确认。管理员拒绝或 30 分钟内未确认，这次群发就会失败。可在公众平台“设置-安全中心-风险操作保护”中关闭。",
            "This account has API mass-send protection on: after a send to all followers, its admin must confirm in WeChat. If they refuse or do not confirm within 30 minutes, the send fails. It can be switched off in the WeChat console under Settings → Security Centre → Risky operation protection.",
        )
    });
    let draft_note = (result.msg_type == "mpnews"
        && matches!(result.state, SendState::Submitted | SendState::Finished))
    .then(|| {
        lang.pick(
            "注意：群发成功后，微信已让这篇草稿的 media_id 失效，并删除了草稿箱里的这篇草稿。文章标题已随这次群发保存：",
            "Note: after a successful send WeChat invalidates the draft's media_id and deletes the draft. The article titles were kept with this send:",
        )
    });
    let articles = result.articles.clone();
    let account = crate::ui::account_slug().get_untracked();
    let detail_href = crate::ui::account_href(&account, &format!("sends/{}", result.id));
    let another_href = crate::ui::account_href(&account, "compose");
    let panel = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let _ = panel.focus();
        }
    });
    let body = view! {
        <h2 id="result-title">{heading}</h2>
        <dl class="facts">
            <dt>{lang.pick("状态", "Status")}</dt>
            <dd>{result.state.label(lang)}</dd>
            {result.msg_id.map(|id| view! { <dt>"msg_id"</dt><dd>{id.to_string()}</dd> })}
            {result.msg_data_id.map(|id| view! { <dt>"msg_data_id"</dt><dd>{id.to_string()}</dd> })}
        </dl>
        {result.scheduled_for.clone().map(|at| view! {
            <p class="send-at">{match lang {
                Lang::Zh => format!("群发将于 {at}发出。到时之前可在这次群发的页面修改、改期或取消。"),
                Lang::En => format!("Goes out at {at}. Until then it can be edited, rescheduled or cancelled on its page."),
            }}</p>
        })}
        {result.problem.clone().map(|words| view! { <p>{words}</p> })}
        {confirmation_note.map(|words| view! { <p>{words}</p> })}
        {draft_note
            .map(|words| {
                view! {
                    <p>{words}</p>
                    <ul>{articles.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                }
            })}
        <p class="result-next">
            <a href=detail_href>{lang.pick("查看这次群发的详情", "See this send's details")}</a>
            {result.campaign.map(|id| view! {
                <a href=format!("/campaigns/{id}")>
                    {lang.pick("查看各公众号的群发（多账号群发）", "See each account's send (campaign)")}
                </a>
            })}
            // A whole new page: an empty form with a new clientmsgid.
            <a href=another_href rel="external">{lang.pick("再写一条", "Compose another")}</a>
        </p>
    };
    let (class, role) = match (failed, waiting) {
        (true, _) => ("result result-bad", "alert"),
        (false, true) => ("result result-notice", "status"),
        (false, false) => ("result", "status"),
    };
    view! {
        <section node_ref=panel class=class role=role tabindex="-1" aria-labelledby="result-title">
            {body}
        </section>
    }
}
