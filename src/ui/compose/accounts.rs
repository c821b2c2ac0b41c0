//! "Also send to / 同时发给": the other accounts the user may use, each with
//! a tick and its own audience (all followers or one of that account's
//! tags). Rendered on the server, so it works before hydration; the form
//! carries `form[campaign_accounts][<slug>]` and
//! `form[campaign_audience][<slug>]`.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::FieldErrorText;
use crate::campaigns::CampaignTarget;
use crate::i18n::Lang;
use crate::sends::{Field, FieldError};

#[component]
pub fn AlsoSendTo(
    lang: Lang,
    targets: Vec<CampaignTarget>,
    ticked: BTreeMap<String, String>,
    audience: BTreeMap<String, String>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    (!targets.is_empty()).then(|| {
        view! {
            <fieldset class="campaign-accounts" aria-describedby=Field::Campaign.error_id()>
                <legend>{lang.pick("同时发给", "Also send to")}</legend>
                <p class="hint">
                    {lang.pick(
                        "同一条消息也从这些公众号各自群发一次：qunfa 在每个公众号里重新上传图片、语音，把 qunfa 写的图文在每个公众号里生成草稿。每个公众号的群发各自计数、各自成败。",
                        "The same message is also sent once from each of these accounts: qunfa uploads pictures and voices to each, and makes an article written in qunfa a draft in each. Each account's send counts and succeeds or fails on its own.",
                    )}
                </p>
                {targets
                    .into_iter()
                    .map(|target| {
                        let on = ticked.get(&target.slug).is_some_and(|v| v == "1");
                        let chosen = audience
                            .get(&target.slug)
                            .cloned()
                            .unwrap_or_else(|| "all".to_owned());
                        view! { <TargetRow lang target on chosen /> }
                    })
                    .collect_view()}
                <FieldErrorText lang field=Field::Campaign errors />
            </fieldset>
        }
    })
}

#[component]
fn TargetRow(lang: Lang, target: CampaignTarget, on: bool, chosen: String) -> impl IntoView {
    let tick_id = format!("campaign-{}", target.slug);
    let audience_id = format!("campaign-audience-{}", target.slug);
    let (tags, problem) = match target.tags {
        Ok(tags) => (tags, None),
        Err(words) => (Vec::new(), Some(words)),
    };
    view! {
        <div class="campaign-account">
            <span class="campaign-tick">
                <input
                    type="checkbox"
                    id=tick_id.clone()
                    name=format!("form[campaign_accounts][{}]", target.slug)
                    value="1"
                    checked=on
                />
                <label for=tick_id>{target.name.clone()}</label>
            </span>
            <span class="campaign-audience">
                <label for=audience_id.clone()>
                    {match lang {
                        Lang::Zh => format!("“{}”的受众", target.name),
                        Lang::En => format!("Audience of {}", target.name),
                    }}
                </label>
                <select id=audience_id name=format!("form[campaign_audience][{}]", target.slug)>
                    <option value="all" selected=chosen == "all">
                        {lang.pick("全部粉丝", "All followers")}
                    </option>
                    {tags
                        .into_iter()
                        .map(|tag| {
                            let value = tag.id.to_string();
                            let selected = chosen == value;
                            let label = match lang {
                                Lang::Zh => format!("标签：{}（{} 人）", tag.name, tag.count),
                                Lang::En => format!("Tag: {} ({} followers)", tag.name, tag.count),
                            };
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </span>
            {problem.map(|words| {
                view! {
                    <p class="hint">
                        {lang.pick("无法列出这个公众号的标签：", "This account's tags could not be listed: ")}
                        {words}
                    </p>
                }
            })}
        </div>
    }
}
