//! `/a/:account/approvals`: the account's sends awaiting approval, each as
//! it will go out — its content as the confirmation shows it, an article
//! send's articles as WeChat's page will show them, the audience and its
//! size, when it is due, who sent it — with Approve (and "send it now" when
//! its time has passed) and Decline with a comment; below, the user's own
//! sends decided since they last opened them. The send's page shows the
//! same actions and the decision ([`ReviewPanel`]).
//!
//! Every form is an `ActionForm`, so it works without JavaScript: the
//! server redirects back with `?approved=<id>`, `?declined=<id>` or
//! `?problem=<code>` (`sends::approval::approve_send`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::article_preview::ArticlePreview;
use super::content::ContentView;
use super::resource::{PageResource, page_resource};
use super::time::StoredTime;
use super::{Page, account_href, account_slug, lang, type_label};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::sends::approval::{
    ApproveSend, ArticleShown, AwaitingSend, DecidedSend, Decision, DeclineSend, QueueView,
    REVIEW_COMMENT_MAX_CHARS, ReviewOutcome, ReviewView, approval_queue, utc_text,
};
use crate::sends::{SendState, group_digits};

/// The two decisions' actions, made by the page that shows them.
#[derive(Clone, Copy)]
pub struct ReviewActions {
    pub approve: ServerAction<ApproveSend>,
    pub decline: ServerAction<DeclineSend>,
}

impl ReviewActions {
    pub fn new() -> Self {
        ReviewActions {
            approve: ServerAction::new(),
            decline: ServerAction::new(),
        }
    }

    /// Changes with every decision made here: what resources follow.
    pub fn version(self) -> (usize, usize) {
        (self.approve.version().get(), self.decline.version().get())
    }

    /// The last answer, with JavaScript; else what the address carries
    /// back after a form without it.
    fn message(
        self,
        lang: Lang,
        query: Memo<leptos_router::params::ParamsMap>,
    ) -> Option<(bool, String)> {
        let answer = self
            .approve
            .value()
            .get()
            .or_else(|| self.decline.value().get());
        if let Some(answer) = answer {
            return Some(match answer {
                Ok(outcome) => (
                    matches!(outcome, ReviewOutcome::AlreadyDecided { .. }),
                    outcome_words(lang, &outcome),
                ),
                Err(error) => (true, error.words(lang).to_owned()),
            });
        }
        query.with_untracked(|q| {
            if let Some(id) = q.get("approved") {
                return Some((false, done_words(lang, true, &id)));
            }
            if let Some(id) = q.get("declined") {
                return Some((false, done_words(lang, false, &id)));
            }
            q.get("problem")
                .and_then(|code| AppError::from_code(&code))
                .map(|error| (true, error.words(lang).to_owned()))
        })
    }
}

impl Default for ReviewActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The answer to Approve or Decline, in words.
fn outcome_words(lang: Lang, outcome: &ReviewOutcome) -> String {
    match outcome {
        ReviewOutcome::Approved { state } => match state {
            SendState::Scheduled => lang
                .pick("已批准：到定时发送。", "Approved: it goes at its time.")
                .to_owned(),
            SendState::Pending => lang
                .pick("已批准，正在发送。", "Approved: it is being sent.")
                .to_owned(),
            SendState::Submitted | SendState::Finished => lang
                .pick(
                    "已批准并发出：微信已接受。",
                    "Approved and sent: WeChat took it.",
                )
                .to_owned(),
            other => match lang {
                Lang::Zh => format!("已批准。群发现在的状态：{}。", other.label(lang)),
                Lang::En => format!("Approved. The send is now: {}.", other.label(lang)),
            },
        },
        ReviewOutcome::Declined => lang
            .pick(
                "已拒绝：消息没有发出，提交人会看到你的意见。",
                "Declined: nothing was sent, and the author will see your comment.",
            )
            .to_owned(),
        ReviewOutcome::AlreadyDecided {
            decision: Some(decision),
            ..
        } => {
            let at = utc_text(&decision.at);
            match (lang, decision.approved) {
                (Lang::Zh, true) => format!(
                    "{} 已在 {at} 批准了这条群发，没有再做更改。",
                    decision.reviewer
                ),
                (Lang::Zh, false) => format!(
                    "{} 已在 {at} 拒绝了这条群发，没有再做更改。",
                    decision.reviewer
                ),
                (Lang::En, true) => format!(
                    "{} approved this send at {at} already; nothing was changed.",
                    decision.reviewer
                ),
                (Lang::En, false) => format!(
                    "{} declined this send at {at} already; nothing was changed.",
                    decision.reviewer
                ),
            }
        }
        ReviewOutcome::AlreadyDecided {
            state,
            decision: None,
        } => match lang {
            Lang::Zh => format!(
                "这条群发已不在等待审核（现在：{}），没有做更改。",
                state.label(lang)
            ),
            Lang::En => format!(
                "This send no longer awaits approval (it is now: {}); nothing was changed.",
                state.label(lang)
            ),
        },
    }
}

/// "Send #12 approved." after a form without JavaScript.
fn done_words(lang: Lang, approved: bool, id: &str) -> String {
    match (lang, approved) {
        (Lang::Zh, true) => format!("已批准群发 #{id}。"),
        (Lang::Zh, false) => format!("已拒绝群发 #{id}，提交人会看到你的意见。"),
        (Lang::En, true) => format!("Send #{id} approved."),
        (Lang::En, false) => format!("Send #{id} declined; the author will see your comment."),
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let account = account_slug();
    let actions = ReviewActions::new();
    let queue = page_resource(
        move || (account.get(), actions.version()),
        |(account, _)| approval_queue(account),
    );
    // The navigation's count follows what was decided here.
    if let Some(attention) = use_context::<super::AttentionResource>() {
        Effect::new(move |previous: Option<(usize, usize)>| {
            let now = actions.version();
            if previous.is_some_and(|p| p != now) {
                attention.0.refetch();
            }
            now
        });
    }
    // Made outside `Page`, whose children may run more than once (see `Page`).
    view! {
        <Page title=|lang| lang.pick("审核", "Approvals")>
            <ApprovalsBody queue actions />
        </Page>
    }
}

#[component]
fn ApprovalsBody(
    queue: PageResource<Result<QueueView, AppError>>,
    actions: ReviewActions,
) -> impl IntoView {
    let lang = lang();
    let query = use_query_map();
    let message = move || {
        actions.message(lang, query).map(|(is_error, words)| {
            if is_error {
                view! { <p class="error" role="alert">{words}</p> }.into_any()
            } else {
                view! { <p class="ok" role="status">{words}</p> }.into_any()
            }
        })
    };
    view! {
        {message}
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(queue) => view! { <Queue lang queue actions /> }.into_any(),
                    Err(error) => super::error_view(lang, error),
                }
            })}
        </Transition>
    }
}

#[component]
fn Queue(lang: Lang, queue: QueueView, actions: ReviewActions) -> impl IntoView {
    let may_review = queue.may_review;
    let intro = if may_review {
        lang.pick(
            "这些群发在等待审核。消息按发出时的样子显示；批准后立即发出（有定时的到时发出），拒绝时请写明原因。不能审核自己提交的群发。",
            "These sends await approval, shown as they will go out. Approved, a send goes at once (or at its time); when you decline, say why. Nobody reviews their own send.",
        )
    } else {
        lang.pick(
            "你提交的、正在等待管理员或审核员批准的群发。",
            "Your sends waiting for an admin or reviewer to approve them.",
        )
    };
    let empty = queue.awaiting.is_empty();
    view! {
        <section aria-labelledby="awaiting-title">
            <h2 id="awaiting-title">{lang.pick("等待审核", "Awaiting approval")}</h2>
            <p class="hint">{intro}</p>
            {if empty {
                view! { <p role="status">{lang.pick("没有等待审核的群发。", "No send awaits approval.")}</p> }.into_any()
            } else {
                queue
                    .awaiting
                    .into_iter()
                    .map(|send| view! { <AwaitingItem lang send may_review actions /> })
                    .collect_view()
                    .into_any()
            }}
        </section>
        {(!queue.decided.is_empty()).then(|| view! { <DecidedList lang decided=queue.decided /> })}
    }
}

#[component]
fn AwaitingItem(
    lang: Lang,
    send: AwaitingSend,
    may_review: bool,
    actions: ReviewActions,
) -> impl IntoView {
    let account = account_slug().get_untracked();
    let href = account_href(&account, &format!("sends/{}", send.id));
    let title_id = format!("approval-{}-title", send.id);
    let labelled_by = title_id.clone();
    let audience = audience_words(lang, &send.audience, send.audience_size);
    let calls = (send.calls > 1).then(|| match lang {
        Lang::Zh => format!("（分 {} 次调用微信）", send.calls),
        Lang::En => format!(" (in {} calls to WeChat)", send.calls),
    });
    let review = ReviewView {
        awaiting: true,
        can_review: may_review && !send.own,
        own: send.own,
        due: send.due.clone(),
        time_passed: send.time_passed,
        decision: None,
    };
    view! {
        <article class="approval" aria-labelledby=labelled_by>
            <h3 id=title_id>
                <a href=href>{format!("#{} {}", send.id, send.summary)}</a>
            </h3>
            <dl class="facts">
                <dt>{lang.pick("提交人", "Sent by")}</dt>
                <dd>{send.author.clone()}</dd>
                <dt>{lang.pick("提交时间", "Confirmed")}</dt>
                <dd><StoredTime at=send.created_at.clone() /></dd>
                <dt>{lang.pick("发送时间", "Goes")}</dt>
                <dd><DueWords lang due=send.due.clone() time_passed=send.time_passed /></dd>
                <dt>{lang.pick("类型", "Type")}</dt>
                <dd>{type_label(lang, &send.msg_type)}</dd>
                <dt>{lang.pick("发送对象", "Audience")}</dt>
                <dd>{audience}{calls}</dd>
            </dl>
            {send.content.clone().map(|content| view! { <ContentView lang content /> })}
            {send.quota.as_ref().filter(|_| may_review && !send.own).map(|warning| view! {
                <p class="warning quota-warning">{warning.words(lang)}</p>
            })}
            {(!send.articles.is_empty())
                .then(|| view! { <Articles lang articles=send.articles.clone() from_copy=send.articles_from_copy /> })}
            <ReviewForms lang id=send.id review actions />
        </article>
    }
}

/// When a send goes: its time, or at once when approved.
#[component]
fn DueWords(lang: Lang, due: Option<String>, time_passed: bool) -> impl IntoView {
    match due {
        None => lang
            .pick("批准后立即发送", "At once, when approved")
            .to_owned()
            .into_any(),
        Some(due) if time_passed => view! {
            {due} " "
            <strong class="late">{lang.pick("（已过时间）", "(its time has passed)")}</strong>
        }
        .into_any(),
        Some(due) => due.into_any(),
    }
}

fn audience_words(lang: Lang, tag: &str, size: Option<i64>) -> String {
    let size = size.map(|n| group_digits(n.max(0) as u64));
    match (lang, tag.is_empty(), size) {
        (Lang::Zh, true, Some(n)) => format!("全部粉丝（{n} 人）"),
        (Lang::Zh, true, None) => "全部粉丝".to_owned(),
        (Lang::Zh, false, Some(n)) => format!("标签“{tag}”（{n} 人）"),
        (Lang::Zh, false, None) => format!("标签“{tag}”"),
        (Lang::En, true, Some(n)) => format!("All followers ({n})"),
        (Lang::En, true, None) => "All followers".to_owned(),
        (Lang::En, false, Some(n)) => format!("Tag {tag} ({n} followers)"),
        (Lang::En, false, None) => format!("Tag {tag}"),
    }
}

/// An article send's articles as WeChat's page will show them.
#[component]
fn Articles(lang: Lang, articles: Vec<ArticleShown>, from_copy: bool) -> impl IntoView {
    let account_name = super::account_name(&account_slug().get_untracked());
    view! {
        <div class="approval-articles">
            {from_copy.then(|| view! {
                <p class="hint">
                    {lang.pick(
                        "暂时无法从微信读取这篇草稿；下面是确认群发时保存的副本。批准时会再读一次草稿。",
                        "WeChat could not be asked for the draft just now; below is the copy kept when the send was confirmed. Approving reads the draft again.",
                    )}
                </p>
            })}
            {articles
                .into_iter()
                .enumerate()
                .map(|(i, ArticleShown { article, images_not_shown })| {
                    view! {
                        <details class="sent-article" open=i == 0>
                            <summary>{format!("{}. {}", i + 1, article.title)}</summary>
                            {article.digest.clone().map(|digest| view! { <p class="hint">{digest}</p> })}
                            {(images_not_shown > 0).then(|| view! {
                                <p class="hint">
                                    {match lang {
                                        Lang::Zh => format!("{images_not_shown} 张图片只能在微信中显示，这里未显示。"),
                                        Lang::En => format!("{images_not_shown} image(s) show only inside WeChat and are left out here."),
                                    }}
                                </p>
                            })}
                            // Sanitised on the server (`article::api::for_display`).
                            <ArticlePreview
                                title=article.title
                                author=article.author.unwrap_or_default()
                                account_name=account_name.clone()
                                html=article.content
                            />
                        </details>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Approve and Decline of one send, or why the user sees none.
#[component]
fn ReviewForms(lang: Lang, id: i64, review: ReviewView, actions: ReviewActions) -> impl IntoView {
    let account = account_slug().get_untracked();
    if review.own {
        return view! {
            <p class="note">
                {lang.pick(
                    "这是你提交的群发：需要另一位管理员或审核员批准。",
                    "This is your own send: another admin or reviewer must approve it.",
                )}
            </p>
        }
        .into_any();
    }
    if !review.can_review {
        return view! {
            <p class="note">{lang.pick("等待管理员或审核员批准。", "Waiting for an admin or reviewer to approve it.")}</p>
        }
        .into_any();
    }
    let id = id.to_string();
    let approve_comment = format!("approve-comment-{id}");
    let decline_comment = format!("decline-comment-{id}");
    let send_now = format!("send-now-{id}");
    let max = REVIEW_COMMENT_MAX_CHARS.to_string();
    let (decline_account, decline_id, decline_max) = (account.clone(), id.clone(), max.clone());
    let late = review.time_passed.then(|| {
        let send_now = send_now.clone();
        view! {
            <p class="note" id=format!("{send_now}-note")>
                {lang.pick(
                    "定的时间已经过了。批准它就会现在发出：请勾选下面一项确认。",
                    "The time it was set for has passed. Approving it sends it now: tick below to say so.",
                )}
            </p>
            <span>
                <input type="checkbox" id=send_now.clone() name="send_now" value="yes"
                    aria-describedby=format!("{send_now}-note") />
                <label for=send_now>{lang.pick("现在发送", "Send it now")}</label>
            </span>
        }
    });
    view! {
        <div class="review-forms">
            <ActionForm action=actions.approve attr:class="stack">
                <input type="hidden" name="account" value=account />
                <input type="hidden" name="id" value=id />
                <label for=approve_comment.clone()>{lang.pick("意见（可选）", "Comment (optional)")}</label>
                <textarea id=approve_comment name="comment" rows="2" maxlength=max></textarea>
                {late}
                <button type="submit" class="primary">{lang.pick("批准", "Approve")}</button>
            </ActionForm>
            <ActionForm action=actions.decline attr:class="stack">
                <input type="hidden" name="account" value=decline_account />
                <input type="hidden" name="id" value=decline_id />
                <label for=decline_comment.clone()>{lang.pick("拒绝的原因（必填）", "Why you decline (required)")}</label>
                <textarea id=decline_comment name="comment" rows="2" maxlength=decline_max required></textarea>
                <button type="submit" class="danger">{lang.pick("拒绝", "Decline")}</button>
            </ActionForm>
        </div>
    }
    .into_any()
}

/// A decision in words: who, when, and the comment.
#[component]
fn DecisionView(lang: Lang, decision: Decision) -> impl IntoView {
    let verdict = if decision.approved {
        lang.pick("已批准", "Approved")
    } else {
        lang.pick("已拒绝", "Declined")
    };
    view! {
        <dl class="facts decision">
            <dt>{lang.pick("审核结果", "Decision")}</dt>
            <dd><span class=if decision.approved { "verdict verdict-approved" } else { "verdict verdict-declined" }>{verdict}</span></dd>
            <dt>{lang.pick("审核人", "Reviewer")}</dt>
            <dd>{decision.reviewer}</dd>
            <dt>{lang.pick("审核时间", "When")}</dt>
            <dd><StoredTime at=decision.at /></dd>
            {decision.comment.map(|comment| view! {
                <dt>{lang.pick("意见", "Comment")}</dt>
                <dd><q class="review-comment">{comment}</q></dd>
            })}
        </dl>
    }
}

/// The user's own sends decided since they last opened them.
#[component]
fn DecidedList(lang: Lang, decided: Vec<DecidedSend>) -> impl IntoView {
    let account = account_slug().get_untracked();
    view! {
        <section aria-labelledby="decided-title">
            <h2 id="decided-title">{lang.pick("你的群发的审核结果", "Decisions on your sends")}</h2>
            <p class="hint">
                {lang.pick(
                    "打开一条群发即视为已读。",
                    "Opening a send marks its decision as seen.",
                )}
            </p>
            <ul class="decided">
                {decided
                    .into_iter()
                    .map(|send| {
                        let href = account_href(&account, &format!("sends/{}", send.id));
                        view! {
                            <li>
                                <a href=href>{format!("#{} {}", send.id, send.summary)}</a>
                                <DecisionView lang decision=send.decision />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// The approval part of a send's page: the decision for everybody, or,
/// while it waits, the reviewer's Approve and Decline.
#[component]
pub fn ReviewPanel(
    lang: Lang,
    id: i64,
    review: ReviewView,
    actions: ReviewActions,
) -> impl IntoView {
    let query = use_query_map();
    let message = move || {
        actions.message(lang, query).map(|(is_error, words)| {
            if is_error {
                view! { <p class="error" role="alert">{words}</p> }.into_any()
            } else {
                view! { <p class="ok" role="status">{words}</p> }.into_any()
            }
        })
    };
    // Opening the page marked the decision seen: the navigation's count,
    // loaded beside this page, is asked again.
    if review.own
        && review.decision.is_some()
        && let Some(attention) = use_context::<super::AttentionResource>()
    {
        Effect::new(move |_| attention.0.refetch());
    }
    let awaiting = review.awaiting;
    let due = review.due.clone();
    let time_passed = review.time_passed;
    view! {
        <section aria-labelledby="review-title">
            <h2 id="review-title">{lang.pick("审核", "Approval")}</h2>
            {message}
            {awaiting.then(|| view! {
                <p>{lang.pick("这条群发在等待审核，批准前不会发出。", "This send awaits approval; nothing goes before it is approved.")}</p>
                <dl class="facts">
                    <dt>{lang.pick("发送时间", "Goes")}</dt>
                    <dd><DueWords lang due time_passed /></dd>
                </dl>
            })}
            {review.decision.clone().map(|decision| view! { <DecisionView lang decision /> })}
            {awaiting.then(|| view! { <ReviewForms lang id review actions /> })}
        </section>
    }
}
