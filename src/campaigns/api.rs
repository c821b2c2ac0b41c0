//! The campaign's server functions: the other accounts for "Also send to",
//! and the campaign's page.

use leptos::prelude::*;

use super::{CampaignPage, CampaignTarget};
use crate::error::AppError;

/// The accounts other than `account` the caller may also send to, each
/// with its tags (or why they could not be listed, in words).
#[server(endpoint = "campaign_targets")]
pub async fn campaign_targets(account: String) -> Result<Vec<CampaignTarget>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    super::plan::targets(&call.app, &call.user, call.lang).await
}

/// Campaign `id`: each account the caller may use, with its send's state
/// and counts or its problem in words; the others only counted. A campaign
/// with none of the caller's accounts is "not found".
#[server(endpoint = "campaign_detail")]
pub async fn campaign_detail(id: i64) -> Result<CampaignPage, AppError> {
    let call = crate::edge::signed_in()?;
    ssr::detail(&call, id).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::{CampaignMember, CampaignPage, store};
    use crate::edge::Call;
    use crate::error::{AppError, Problem};
    use crate::sends::{CampaignLine, SendState};
    use crate::wechat::types::MsgType;

    pub async fn detail(call: &Call, id: i64) -> Result<CampaignPage, AppError> {
        let db = &call.app.db;
        let not_found = || AppError::from(Problem::CampaignNotFound);
        let (summary, created_at) = store::heading(db, id)
            .await
            .map_err(AppError::unexpected)?
            .ok_or_else(not_found)?;
        let (_, username) = store::owner(db, id)
            .await
            .map_err(AppError::unexpected)?
            .ok_or_else(not_found)?;
        let usable = call
            .app
            .accounts
            .usable_by(db, &call.user)
            .await
            .map_err(AppError::unexpected)?;
        let members = store::members(db, id).await.map_err(AppError::unexpected)?;
        let mut accounts = Vec::new();
        let mut hidden = 0;
        for member in members {
            let Some(account) = usable.iter().find(|a| a.id == member.account_id) else {
                hidden += 1;
                continue;
            };
            let line = match member.send_id {
                Some(send) => store::send_line(db, send)
                    .await
                    .map_err(AppError::unexpected)?,
                None => None,
            };
            let state = line.as_ref().and_then(|l| SendState::parse(&l.state));
            let problem = match (&member.problem, &line, state) {
                (Some(words), _, _) => Some(words.pick(call.lang).to_owned()),
                (None, Some(line), Some(state)) => crate::sends::api::ssr::problem_words(
                    state,
                    MsgType::parse(&line.msg_type).ok(),
                    line.errcode,
                    line.errmsg.as_deref(),
                    call.lang,
                ),
                _ => None,
            };
            // A 45028 is said with the account's quota, as on the send's page.
            let problem = match member.send_id {
                Some(send) => {
                    crate::sends::api::ssr::with_quota_of(
                        db,
                        account.kind,
                        &account.sends.now(),
                        send,
                        problem,
                        call.lang,
                    )
                    .await?
                }
                None => problem,
            };
            let audience = CampaignLine {
                account_id: account.id,
                slug: account.slug.clone(),
                name: account.name.clone(),
                tag_id: member.tag_id.map(|t| t as u64),
                tag_name: line
                    .as_ref()
                    .map(|l| l.audience.clone())
                    .filter(|a| !a.is_empty()),
                audience_size: line
                    .as_ref()
                    .and_then(|l| l.audience_size)
                    .map(|n| n as u64),
                quota: None,
            }
            .audience_words(call.lang);
            accounts.push(CampaignMember {
                slug: account.slug.clone(),
                name: account.name.clone(),
                audience,
                send_id: member.send_id,
                state,
                delivered: line.as_ref().and_then(|l| l.sent_count),
                failed: line.as_ref().and_then(|l| l.error_count),
                problem,
            });
        }
        if accounts.is_empty() {
            return Err(not_found());
        }
        Ok(CampaignPage {
            id,
            summary,
            created_at,
            username,
            accounts,
            hidden,
        })
    }
}
