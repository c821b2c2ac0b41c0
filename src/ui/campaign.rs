//! `/campaigns/:id`: one message sent from several accounts — each account
//! the reader may use, with its send's state and counts (refreshed while a
//! send is on its way, as History is) or why it has no send, in words; the
//! campaign's other accounts only counted.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::resource::{PageResource, page_resource};
use super::time::StoredTime;
use super::{Page, lang};
use crate::campaigns::api::campaign_detail;
use crate::campaigns::{CampaignMember, CampaignPage as Campaign};
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::sends::group_digits;

/// How often an open page asks for news.
const POLL: Duration = Duration::from_millis(1500);

#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())));
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), POLL) {
            on_cleanup(move || handle.clear());
        }
    });
    // Polled only while a send may still change.
    let open = RwSignal::new(true);
    let detail = page_resource(
        move || (id.get(), if open.get() { tick.get() } else { 0 }),
        |(id, _)| async move {
            match id {
                Some(id) => campaign_detail(id).await,
                None => Err(Problem::CampaignNotFound.into()),
            }
        },
    );
    view! {
        <Page title=|lang| lang.pick("多账号群发", "Campaign")>
            <CampaignBody detail open />
        </Page>
    }
}

#[component]
fn CampaignBody(
    detail: PageResource<Result<Campaign, AppError>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let lang = lang();
    view! {
        <Transition fallback=move || view! { <p>{lang.pick("加载中…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(campaign) => {
                        let still_open = campaign.accounts.iter().any(CampaignMember::open);
                        if open.get_untracked() != still_open {
                            open.set(still_open);
                        }
                        view! { <CampaignView lang campaign /> }.into_any()
                    }
                    Err(error) => {
                        open.set(false);
                        super::error_view(lang, error)
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn CampaignView(lang: Lang, campaign: Campaign) -> impl IntoView {
    let hidden = (campaign.hidden > 0).then(|| match lang {
        Lang::Zh => format!(
            "另有 {} 个你不能使用的公众号也在这次群发中。",
            campaign.hidden
        ),
        Lang::En if campaign.hidden == 1 => {
            "1 account you cannot see is in this campaign too.".to_owned()
        }
        Lang::En => format!(
            "{} accounts you cannot see are in this campaign too.",
            campaign.hidden
        ),
    });
    view! {
        <h2 class="campaign-summary">{campaign.summary.clone()}</h2>
        <p class="hint">
            {lang.pick("由 ", "By ")}{campaign.username.clone()}{lang.pick(" 于 ", ", ")}
            <StoredTime at=campaign.created_at.clone() />
        </p>
        <div>
            <table class="campaign-table stacked">
                <caption class="visually-hidden">{lang.pick("各公众号的群发", "Each account's send")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{lang.pick("公众号", "Account")}</th>
                        <th scope="col">{lang.pick("受众", "Audience")}</th>
                        <th scope="col">{lang.pick("状态", "Status")}</th>
                        <th scope="col">{lang.pick("送达", "Delivered")}</th>
                        <th scope="col">{lang.pick("失败", "Failed")}</th>
                    </tr>
                </thead>
                <tbody>
                    {campaign.accounts.into_iter().map(|member| view! { <MemberRow lang member /> }).collect_view()}
                </tbody>
            </table>
        </div>
        {hidden.map(|words| view! { <p class="hint">{words}</p> })}
    }
}

#[component]
fn MemberRow(lang: Lang, member: CampaignMember) -> impl IntoView {
    let count = |n: Option<i64>| {
        n.map(|n| group_digits(n.max(0) as u64))
            .unwrap_or_else(|| "—".to_owned())
    };
    let state = match (member.state, &member.problem) {
        (Some(state), _) => view! {
            <span class=format!("state state-{}", state.as_str())>{state.label(lang)}</span>
        }
        .into_any(),
        (None, Some(_)) => view! {
            <span class="state state-rejected">{lang.pick("未发送", "Not sent")}</span>
        }
        .into_any(),
        (None, None) => view! {
            <span class="state state-pending">{lang.pick("正在准备", "Being made")}</span>
        }
        .into_any(),
    };
    let name = match member.send_id {
        Some(id) => view! {
            <a href=format!("/a/{}/sends/{id}", member.slug)>{member.name.clone()}</a>
        }
        .into_any(),
        None => view! { <span>{member.name.clone()}</span> }.into_any(),
    };
    view! {
        <tr>
            <th scope="row">{name}</th>
            <td data-label=lang.pick("受众", "Audience")>{member.audience.clone()}</td>
            <td data-label=lang.pick("状态", "Status")>
                {state}
                {member.problem.clone().map(|words| view! { <p class="campaign-problem">{words}</p> })}
            </td>
            <td data-label=lang.pick("送达", "Delivered")>{count(member.delivered)}</td>
            <td data-label=lang.pick("失败", "Failed")>{count(member.failed)}</td>
        </tr>
    }
}
