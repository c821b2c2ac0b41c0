//! "Send" with other accounts ticked: each checked against that account
//! (the user may use it, it can take this message, its audience exists and
//! reaches someone), before the confirmation lists them.

use std::sync::Arc;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::sends::{CampaignLine, ComposeForm, Field, FieldError, FieldProblem, TagChoice};
use crate::shell::accounts::Account;
use crate::shell::state::AccountState;
use crate::wechat::api::MassMessage;
use crate::wechat::client::CallError;

/// The other accounts of `form`, each with its audience, or the problems
/// of the "Also send to" part. Nothing is made in any account here.
pub async fn check(
    app: &AccountState,
    user: &CurrentUser,
    form: &ComposeForm,
    message: &MassMessage,
) -> Result<Result<Vec<CampaignLine>, Vec<FieldError>>, AppError> {
    let slugs = form.campaign_slugs();
    if slugs.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let refused = |problem| Ok(Err(vec![FieldError::new(Field::Campaign, problem)]));
    match message {
        MassMessage::MpVideo { .. } | MassMessage::WxCard { .. } => {
            return refused(FieldProblem::CampaignTypeRefused {
                msg_type: message.msg_type().as_str().to_owned(),
            });
        }
        MassMessage::MpNews { media_id }
            if super::store::qunfa_draft(&app.db, app.account.id, media_id.as_str())
                .await?
                .is_none() =>
        {
            return refused(FieldProblem::CampaignDraftNotQunfa);
        }
        _ => {}
    }
    let usable = app
        .app
        .accounts
        .usable_by(&app.db, user)
        .await
        .map_err(AppError::unexpected)?;
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for slug in slugs {
        let Some(target) = usable
            .iter()
            .find(|a| a.slug == slug && a.id != app.account.id)
        else {
            problems.push(account_problem(
                slug,
                "你不能使用这个公众号，或它已停用。",
                "this account is not one you may use, or it is disabled.",
            ));
            continue;
        };
        if target.overseas && !matches!(message, MassMessage::MpNews { .. }) {
            problems.push(account_problem(
                &target.name,
                "海外公众号只能群发图文消息。",
                "an overseas account can mass-send articles only.",
            ));
            continue;
        }
        let audience = form
            .campaign_audience
            .get(slug)
            .map(|a| a.trim())
            .unwrap_or("all");
        match audience_of(target, audience).await {
            Ok((tag_id, tag_name, audience_size)) => {
                let now = target.sends.now();
                let quota = crate::sends::quota::would_exceed(
                    &app.db,
                    target.id,
                    target.kind,
                    tag_id.is_none(),
                    &now,
                    &now,
                    None,
                )
                .await?
                .map(Box::new);
                lines.push(CampaignLine {
                    account_id: target.id,
                    slug: target.slug.clone(),
                    name: target.name.clone(),
                    tag_id,
                    tag_name,
                    audience_size,
                    quota,
                })
            }
            Err((zh, en)) => problems.push(FieldError::new(
                Field::Campaign,
                FieldProblem::CampaignAccount {
                    account: target.name.clone(),
                    zh,
                    en,
                },
            )),
        }
    }
    Ok(if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    })
}

fn account_problem(account: &str, zh: &str, en: &str) -> FieldError {
    FieldError::new(
        Field::Campaign,
        FieldProblem::CampaignAccount {
            account: account.to_owned(),
            zh: zh.to_owned(),
            en: en.to_owned(),
        },
    )
}

type Audience = (Option<u64>, Option<String>, Option<u64>);

/// `all` or a tag id of `target`: the tag checked against its tags, the
/// number reached when WeChat says it. A problem in both languages.
async fn audience_of(target: &Account, audience: &str) -> Result<Audience, (String, String)> {
    if audience.is_empty() || audience == "all" {
        return Ok((None, None, followers(target).await));
    }
    let Ok(tag_id) = audience.parse::<u64>() else {
        return Err((
            "请选择全部粉丝，或这个公众号的一个标签。".to_owned(),
            "choose all followers or one of this account's tags.".to_owned(),
        ));
    };
    let tags = tags(target).await.map_err(|e| {
        (
            e.words(crate::i18n::Lang::Zh),
            e.words(crate::i18n::Lang::En),
        )
    })?;
    match tags.into_iter().find(|t| t.id == tag_id) {
        Some(tag) if tag.count == 0 => Err((
            "这个标签下没有粉丝：发给它不会送达任何人。".to_owned(),
            "this tag has no followers: a send to it would reach nobody.".to_owned(),
        )),
        Some(tag) => Ok((Some(tag.id), Some(tag.name), Some(tag.count))),
        None => Err((
            "这个公众号没有这个标签（可能刚被删除）。".to_owned(),
            "the account has no such tag (it may just have been deleted).".to_owned(),
        )),
    }
}

/// `target`'s tags, from its cache of a minute or from WeChat.
pub async fn tags(target: &Account) -> Result<Vec<TagChoice>, CallError> {
    if let Some(tags) = target.sends.cached_tags() {
        return Ok(tags);
    }
    let tags: Vec<TagChoice> = target
        .wechat
        .tags()
        .await?
        .tags
        .into_iter()
        .map(|t| TagChoice {
            id: t.id.get(),
            name: t.name,
            count: t.count,
        })
        .collect();
    target.sends.cache_tags(tags.clone());
    Ok(tags)
}

async fn followers(target: &Account) -> Option<u64> {
    if let Some(total) = target.sends.cached_followers() {
        return Some(total);
    }
    match target.wechat.followers().await {
        Ok(answer) => {
            target.sends.cache_followers(answer.total);
            Some(answer.total)
        }
        Err(error) => {
            tracing::warn!(%error, account = target.slug, "could not count the followers");
            None
        }
    }
}

/// The accounts `user` may also send to from `app`'s account.
pub async fn others(app: &AccountState, user: &CurrentUser) -> Result<Vec<Arc<Account>>, AppError> {
    Ok(app
        .app
        .accounts
        .usable_by(&app.db, user)
        .await
        .map_err(AppError::unexpected)?
        .into_iter()
        .filter(|a| a.id != app.account.id)
        .collect())
}

/// The other accounts `user` may also send to, each with its tags or why
/// they could not be listed (in `lang`).
pub async fn targets(
    app: &AccountState,
    user: &CurrentUser,
    lang: crate::i18n::Lang,
) -> Result<Vec<crate::sends::CampaignTarget>, AppError> {
    let mut targets = Vec::new();
    for other in others(app, user).await? {
        let tags = tags(&other).await.map_err(|e| e.words(lang));
        targets.push(crate::sends::CampaignTarget {
            slug: other.slug.clone(),
            name: other.name.clone(),
            tags,
        });
    }
    Ok(targets)
}
