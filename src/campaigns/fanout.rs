//! Confirm of a campaign: the group and its accounts are written first
//! (`store::open`), then the first account's send is made as any send, then
//! each other account's: its content made there (`content::make`), its own
//! compose attempt and send under its own clientmsgid
//! (`member_clientmsgid`), its own release and (after the merge) its own
//! quota check, then settled. At most [`AT_ONCE`] accounts are worked on at
//! a time. One account's failure is written as its problem and never stops
//! the others.
//!
//! Resumable: every step finds what an earlier try did (the send by its
//! clientmsgid, the content by `campaign_accounts.made`), so a second
//! Confirm or [`resume`] at start completes a campaign a crash left without
//! a second send. What can still be made twice: a material, a body image
//! or a draft WeChat made in the other account when qunfa stopped before
//! writing its answer down (WeChat's upload and `draft/add` have no key to
//! repeat them by); a second Confirm then makes another.

use std::sync::Arc;

use futures_util::StreamExt;

use super::content::{self, Made};
use super::{member_clientmsgid, store};
use crate::audit::BothWords;
use crate::auth::{CurrentUser, Role};
use crate::error::AppError;
use crate::sends::store::{self as sends_store, Created, Plan, Release};
use crate::sends::{ComposeForm, Content, MediaName, SendState, life};
use crate::shell::accounts::Account;
use crate::shell::state::{AccountState, AppState};
use crate::wechat::api::{Filter, MassMessage, SendAllRequest};
use crate::wechat::types::{ClientMsgId, TagId};

/// Accounts whose content and send are made at the same time.
const AT_ONCE: usize = 4;

/// The campaign of the attempt `clientmsgid` on `app`'s account, written
/// (or found) before its first send is.
pub async fn open(
    app: &AccountState,
    user: &CurrentUser,
    clientmsgid: &str,
    plan: &Plan,
) -> Result<i64, AppError> {
    let ids: Vec<String> = plan
        .campaign
        .iter()
        .map(|line| member_clientmsgid(clientmsgid, line.account_id))
        .collect();
    let mut members = vec![store::NewMember {
        account_id: app.account.id,
        clientmsgid,
        tag_id: plan.tag_id,
    }];
    for (line, id) in plan.campaign.iter().zip(&ids) {
        members.push(store::NewMember {
            account_id: line.account_id,
            clientmsgid: id,
            tag_id: line.tag_id,
        });
    }
    store::open(&app.db, user.id, &plan.summary, &members)
        .await
        .map_err(AppError::unexpected)
}

/// Makes every other account's send of campaign `group` that is neither
/// made nor refused yet. Nothing happens before the first account's send
/// exists: until then the campaign is not confirmed.
pub async fn complete(
    app: &AppState,
    user: &CurrentUser,
    group: i64,
    send_again: bool,
) -> Result<(), AppError> {
    let members = store::members(&app.db, group)
        .await
        .map_err(AppError::unexpected)?;
    let Some(first) = members.iter().find(|m| m.position == 1) else {
        return Ok(());
    };
    let mut db = app.db.acquire().await?;
    let Some(first_send) =
        sends_store::send_of_attempt(&mut db, first.account_id, &first.clientmsgid).await?
    else {
        return Ok(());
    };
    let plan = sends_store::load_attempt(&mut db, first.account_id, user.id, &first.clientmsgid)
        .await?
        .and_then(|a| a.plan);
    drop(db);
    if first.send_id.is_none() {
        store::record_send(&app.db, group, first.account_id, 1, first_send)
            .await
            .map_err(AppError::unexpected)?;
    }
    let open: Vec<store::Member> = members
        .iter()
        .filter(|m| m.position > 1 && m.send_id.is_none() && m.problem.is_none())
        .cloned()
        .collect();
    let (Some(plan), Some(source)) = (plan, app.accounts.by_id(first.account_id)) else {
        for member in &open {
            let words = BothWords {
                zh: "这次多账号群发的消息已无法读取（原公众号已停用，或编辑记录已删除），这个公众号没有发送。".into(),
                en: "The campaign's message can no longer be read (its first account is disabled, or its compose attempt is gone); nothing was sent from this account.".into(),
            };
            store::fail(&app.db, group, member.account_id, &words)
                .await
                .map_err(AppError::unexpected)?;
        }
        return Ok(());
    };
    let plan = &plan;
    let source = &source;
    futures_util::stream::iter(open)
        .map(move |member| async move {
            if let Err(error) = one(app, user, source, plan, &member, send_again).await {
                tracing::error!(%error, group, account = member.account_id, "a campaign's send was not made");
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect::<Vec<()>>()
        .await;
    Ok(())
}

/// What holds back `target`'s send: its own approval and the campaign's
/// time.
fn release_for(target: &Account, plan: &Plan) -> Release {
    Release {
        scheduled_at: plan.scheduled_at.clone(),
        needs_approval: target.needs_approval,
    }
}

async fn one(
    app: &AppState,
    user: &CurrentUser,
    source: &Arc<Account>,
    plan: &Plan,
    member: &store::Member,
    send_again: bool,
) -> Result<(), AppError> {
    let group = member.group_id;
    let fail = |words: BothWords| async move {
        store::fail(&app.db, group, member.account_id, &words)
            .await
            .map_err(AppError::unexpected)
    };
    let Some(target) = app.accounts.by_id(member.account_id) else {
        return fail(BothWords {
            zh: "这个公众号已停用或没有在运行，没有发送。".into(),
            en: "This account is disabled or not at work; nothing was sent from it.".into(),
        })
        .await;
    };
    let id = member.clientmsgid.as_str();
    let mut db = app.db.acquire().await?;
    let existing = sends_store::send_of_attempt(&mut db, target.id, id).await?;
    drop(db);
    if let Some(send) = existing {
        // Written before a crash: it joins the campaign; the worker
        // settles it if it is still pending.
        return record(app, &target, member, send).await;
    }
    let Some(line) = plan
        .campaign
        .iter()
        .find(|l| l.account_id == member.account_id)
    else {
        return Ok(());
    };
    let made_before: Option<Vec<String>> = member
        .made
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok());
    let kept = made_before.is_some();
    let made = match content::make(
        app,
        user,
        source,
        &target,
        &plan.request.message,
        made_before,
    )
    .await
    {
        Ok(made) => made,
        Err(words) => return fail(words).await,
    };
    if !kept && let Some(ids) = &made.made {
        let json = serde_json::to_string(ids).map_err(AppError::unexpected)?;
        store::record_made(&app.db, group, target.id, &json)
            .await
            .map_err(AppError::unexpected)?;
    }
    let filter = match member.tag_id {
        Some(tag) => Filter::tag(TagId::new(tag as u64)),
        None => Filter::everyone(),
    };
    let mut request = SendAllRequest::new(filter, made.message.clone())
        .with_client_msg_id(ClientMsgId::parse(id).map_err(AppError::unexpected)?);
    request.send_ignore_reprint = plan.request.send_ignore_reprint;
    let target_plan = Plan {
        request,
        tag_id: line.tag_id,
        tag_name: line.tag_name.clone(),
        audience_size: line.audience_size,
        summary: plan.summary.clone(),
        articles: plan.articles.clone(),
        content: content_for(plan.content.as_ref(), &made),
        repeat: None,
        campaign: Vec::new(),
        scheduled_at: plan.scheduled_at.clone(),
        list: None,
    };
    let form = ComposeForm {
        clientmsgid: id.to_owned(),
        msgtype: made.message.msg_type().as_str().to_owned(),
        audience: if line.tag_id.is_some() { "tag" } else { "all" }.to_owned(),
        tag_id: line.tag_id.map(|t| t.to_string()).unwrap_or_default(),
        text_content: match &made.message {
            MassMessage::Text { content } => content.clone(),
            _ => String::new(),
        },
        ..ComposeForm::default()
    };
    let mut db = app.db.acquire().await?;
    sends_store::save_attempt(&mut db, target.id, user.id, &form, Some(&target_plan)).await?;
    drop(db);
    // An account past its quota was warned about in the confirmation; it is
    // sent all the same, as the first account's is: WeChat decides (it sees
    // the web console's sends), and its 45028 is worded with the quota on
    // the campaign page.
    let now = target.sends.now();
    let send = sends_store::NewSend {
        account: target.id,
        user_id: user.id,
        username: &user.username,
        clientmsgid: id,
        send_again,
        now: &now,
        articles_as_sent: made.articles.as_deref(),
        release: release_for(&target, plan),
    };
    match sends_store::create_send(&app.db, &send).await? {
        Created::New(send) | Created::Existing(send) => record(app, &target, member, send).await,
        Created::Repeat(repeat) => {
            fail(BothWords::of(|lang| {
                let asked = repeat.question(lang);
                match lang {
                    crate::i18n::Lang::Zh => {
                        format!("{asked}（没有再发：确认时没有勾选“再发一次”。）")
                    }
                    crate::i18n::Lang::En => {
                        format!(
                            "{asked} (Not sent again: \"Send it again\" was not ticked at Confirm.)"
                        )
                    }
                }
            }))
            .await
        }
        Created::NoAttempt => Err(crate::error::Problem::AttemptNotFound.into()),
    }
}

/// Send `send` joins the campaign, and goes to WeChat if it may now.
async fn record(
    app: &AppState,
    target: &Account,
    member: &store::Member,
    send: i64,
) -> Result<(), AppError> {
    store::record_send(&app.db, member.group_id, target.id, member.position, send)
        .await
        .map_err(AppError::unexpected)?;
    let state = sends_store::load_send(&app.db, send)
        .await?
        .map(|s| s.state);
    if state == Some(SendState::Pending) {
        life::settle(&app.db, &target.wechat, &target.sends, send, "send").await?;
    }
    Ok(())
}

/// The first account's content by name, with the ids made in this one.
fn content_for(content: Option<&Content>, made: &Made) -> Option<Content> {
    let ids = made.made.clone().unwrap_or_default();
    match (content?, &made.message) {
        (text @ Content::Text { .. }, _) => Some(text.clone()),
        (Content::Articles { articles, .. }, MassMessage::MpNews { media_id }) => {
            Some(Content::Articles {
                media_id: media_id.as_str().to_owned(),
                articles: articles.clone(),
            })
        }
        (Content::Voice(voice), _) => Some(Content::Voice(MediaName {
            media_id: ids.first().cloned().unwrap_or_default(),
            name: voice.name.clone(),
            url: None,
        })),
        (Content::Images { title, images }, _) => Some(Content::Images {
            title: title.clone(),
            images: images
                .iter()
                .zip(&ids)
                .map(|(image, id)| MediaName {
                    media_id: id.clone(),
                    name: image.name.clone(),
                    url: None,
                })
                .collect(),
        }),
        _ => None,
    }
}

/// At start: completes the campaigns a stop or a crash left in the middle
/// (a confirmed first send, other accounts neither sent nor refused).
pub async fn resume(app: AppState) {
    let groups = match store::unfinished(&app.db).await {
        Ok(groups) => groups,
        Err(error) => {
            tracing::error!(%error, "cannot look for campaigns to complete");
            return;
        }
    };
    for group in groups {
        let owner = match store::owner(&app.db, group).await {
            Ok(Some(owner)) => owner,
            Ok(None) => continue,
            Err(error) => {
                tracing::error!(%error, group, "cannot read a campaign to complete");
                continue;
            }
        };
        let user = CurrentUser {
            id: owner.0,
            username: owner.1,
            // Only the user's id and name are read below.
            role: Role::Editor,
        };
        if let Err(error) = complete(&app, &user, group, false).await {
            tracing::error!(%error, group, "a campaign could not be completed");
        }
    }
}
