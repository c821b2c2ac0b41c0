//! The editor's server functions. Each takes the account it is about (its
//! slug) and starts with `edge::on_account`; a draft id is looked up within
//! that account, so another account's is "not found".

use leptos::prelude::*;

use super::{ArticleForm, DraftList, DraftView, Presence, PushOutcome, SaveOutcome, WechatArticle};
use crate::error::AppError;

/// The account's qunfa drafts, and the drafts made in the WeChat console
/// that qunfa does not know (read-only here).
#[server(endpoint = "list_article_drafts")]
pub async fn list_article_drafts(account: String) -> Result<DraftList, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::list(&call).await
}

/// A draft to edit; opening it says the caller has it open.
#[server(endpoint = "open_draft")]
pub async fn open_draft(account: String, id: i64) -> Result<DraftView, AppError> {
    let call = crate::edge::on_account(&account).await?;
    // One connection at a time: the heartbeat's is back in the pool first.
    store_heartbeat(&call, id).await?;
    let mut db = call.app.db.acquire().await?;
    super::store::view(&mut db, call.app.account.id, id, call.user.id)
        .await?
        .ok_or_else(not_found)
}

/// Saves the articles over draft `id` (`new` for a new one) if it is still
/// at `expected_version`; otherwise nothing is written and the answer says
/// who saved in between, and when. A form posted without JavaScript goes
/// back to the draft; when someone saved in between, what it carried is
/// kept as a new draft instead, and the page says so.
#[server(endpoint = "save_draft")]
pub async fn save_draft(
    account: String,
    id: String,
    #[server(default)] expected_version: i64,
    #[server(default)] articles: Vec<ArticleForm>,
) -> Result<SaveOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let outcome = ssr::save(&call, &id, expected_version, &articles).await?;
    let plain = crate::edge::is_plain_form();
    match &outcome {
        SaveOutcome::Saved { id, version, .. } => {
            crate::edge::redirect_plain_form(&format!("/a/{account}/drafts/{id}?saved={version}"));
        }
        SaveOutcome::Conflict { .. } if plain => {
            if let SaveOutcome::Saved { id: copy, .. } =
                ssr::save(&call, "new", 0, &articles).await?
            {
                crate::edge::redirect_plain_form(&format!(
                    "/a/{account}/drafts/{copy}?copy_of={id}"
                ));
            }
        }
        SaveOutcome::Conflict { .. } => {}
    }
    Ok(outcome)
}

/// "Save to WeChat": the saved draft, at `expected_version`, rendered and
/// sent as WeChat's draft (`draft/add` the first time, `draft/update` per
/// article after, a new draft when the number of articles changed).
#[server(endpoint = "push_draft")]
pub async fn push_draft(
    account: String,
    id: i64,
    expected_version: i64,
) -> Result<PushOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::push(&call, id, expected_version).await
}

/// What deleting a draft did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DeleteOutcome {
    Deleted,
    /// WeChat refused to delete its copy, in words; qunfa kept its own.
    Failed(String),
}

/// Deletes qunfa's draft and WeChat's copy; `confirm` must be `yes`.
#[server(endpoint = "delete_draft")]
pub async fn delete_draft(
    account: String,
    id: i64,
    #[server(default)] confirm: String,
) -> Result<DeleteOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    // A draft a held send will send stays until that send is cancelled.
    if let Some(words) = crate::sends::schedule::ssr::draft_held(&call, id).await? {
        crate::edge::redirect_plain_form(&format!(
            "/a/{account}/drafts/{id}?problem=draft_held_by_send"
        ));
        return Ok(DeleteOutcome::Failed(words));
    }
    let outcome = ssr::delete(&call, id, confirm == "yes").await?;
    match outcome {
        DeleteOutcome::Deleted => {
            crate::edge::redirect_plain_form(&format!("/a/{account}/drafts?deleted=1"))
        }
        DeleteOutcome::Failed(_) => crate::edge::redirect_plain_form(&format!(
            "/a/{account}/drafts/{id}?problem=unexpected"
        )),
    }
    Ok(outcome)
}

/// An open editor says it is still open; the answer is who else is.
#[server(endpoint = "draft_heartbeat")]
pub async fn draft_heartbeat(account: String, id: i64) -> Result<Vec<Presence>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    store_heartbeat(&call, id).await
}

/// A draft made in the WeChat console, to read (`draft/get`): its articles
/// as HTML. WeChat's refusal in words.
#[server(endpoint = "open_wechat_draft")]
pub async fn open_wechat_draft(
    account: String,
    media_id: String,
) -> Result<Result<Vec<WechatArticle>, String>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::wechat_draft(&call, &media_id).await
}

#[cfg(feature = "ssr")]
fn not_found() -> AppError {
    crate::error::Problem::DraftNotFound.into()
}

#[cfg(feature = "ssr")]
async fn store_heartbeat(
    call: &crate::edge::AccountCall,
    id: i64,
) -> Result<Vec<Presence>, AppError> {
    let mut db = call.app.db.acquire().await?;
    if super::store::find(&mut db, call.app.account.id, id)
        .await?
        .is_none()
    {
        return Err(not_found());
    }
    Ok(super::store::heartbeat(&mut db, id, call.user.id).await?)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::drafts::store::{self, Saved};
    use crate::drafts::{DraftSummary, WechatDraft, article_count_ok, check_article, push};
    use crate::edge::AccountCall;
    use crate::error::Problem;
    use crate::wechat::api::{DraftBatchGetRequest, PageSize};
    use crate::wechat::client::CallError;
    use crate::wechat::errcode::ErrCode;
    use crate::wechat::types::MediaId;

    /// Pages of WeChat's draft box read for the list (20 drafts each).
    const WECHAT_PAGES: u32 = 5;

    pub async fn list(call: &AccountCall) -> Result<DraftList, AppError> {
        let mut db = call.app.db.acquire().await?;
        let drafts: Vec<DraftSummary> = store::list(&mut db, call.app.account.id).await?;
        let known = store::known_media_ids(&mut db, call.app.account.id).await?;
        drop(db);
        let wechat = wechat_drafts(call, &known)
            .await
            .map_err(|e| e.words(call.lang));
        Ok(DraftList { drafts, wechat })
    }

    async fn wechat_drafts(
        call: &AccountCall,
        known: &[String],
    ) -> Result<Vec<WechatDraft>, CallError> {
        let mut out = Vec::new();
        for page in 0..WECHAT_PAGES {
            let request = DraftBatchGetRequest {
                offset: page * 20,
                count: PageSize::new(20).unwrap_or(PageSize::MAX),
                no_content: Some(true),
            };
            let answer = call.app.account.wechat.draft_batchget(&request).await?;
            let got = answer.item.len() as u64;
            for item in answer.item {
                if known.iter().any(|k| k == item.media_id.as_str()) {
                    continue;
                }
                out.push(WechatDraft {
                    titles: item
                        .content
                        .news_item
                        .iter()
                        .map(|a| a.title.clone())
                        .collect(),
                    updated: item.update_time.or(item.content.update_time),
                    media_id: item.media_id.into_string(),
                });
            }
            if got < 20 || u64::from((page + 1) * 20) >= answer.total_count {
                break;
            }
        }
        Ok(out)
    }

    pub async fn save(
        call: &AccountCall,
        id: &str,
        expected_version: i64,
        articles: &[ArticleForm],
    ) -> Result<SaveOutcome, AppError> {
        if !article_count_ok(articles.len()) {
            return Err(Problem::ArticleCount.into());
        }
        let (account_id, user_id) = (call.app.account.id, call.user.id);
        let saved = if id == "new" {
            store::create(&call.app.db, account_id, user_id, articles).await?
        } else {
            let id: i64 = id.parse().map_err(|_| not_found())?;
            store::update(
                &call.app.db,
                account_id,
                id,
                expected_version,
                user_id,
                articles,
            )
            .await?
        };
        match saved {
            Saved::Saved { id, version, at } => {
                let mut db = call.app.db.acquire().await?;
                let also_open = store::heartbeat(&mut db, id, user_id).await?;
                Ok(SaveOutcome::Saved {
                    id,
                    version,
                    saved_at: at,
                    also_open,
                })
            }
            Saved::Conflict(row) => Ok(SaveOutcome::Conflict {
                updated_by: row.updated_by,
                updated_at: row.updated_at,
                version: row.version,
            }),
            Saved::NotFound => Err(not_found()),
        }
    }

    pub async fn push(
        call: &AccountCall,
        id: i64,
        expected_version: i64,
    ) -> Result<PushOutcome, AppError> {
        let account_id = call.app.account.id;
        let mut db = call.app.db.acquire().await?;
        let row = store::find(&mut db, account_id, id)
            .await?
            .ok_or_else(not_found)?;
        if row.version != expected_version {
            return Ok(PushOutcome::Conflict {
                updated_by: row.updated_by,
                updated_at: row.updated_at,
                version: row.version,
            });
        }
        let articles = store::articles(&mut db, id).await?;
        drop(db);
        if !article_count_ok(articles.len()) {
            return Err(Problem::ArticleCount.into());
        }
        let mut problems = Vec::new();
        let mut bodies = Vec::new();
        for (i, article) in articles.iter().enumerate() {
            let rendered = push::render(call, article).await?;
            problems.extend(check_article(
                i + 1,
                article,
                rendered.chars,
                rendered.bytes,
            ));
            bodies.push(push::draft_article(article, rendered.html));
        }
        if !problems.is_empty() {
            return Ok(PushOutcome::Invalid(problems));
        }
        let wechat = &call.app.account.wechat;
        let failed = |e: CallError| Ok(PushOutcome::Failed(e.words(call.lang)));
        let existing = row.media_id.as_deref().and_then(|m| MediaId::parse(m).ok());
        let media_id = match (existing, row.pushed_articles) {
            (Some(old), Some(n)) if n as usize == bodies.len() => {
                match update_each(wechat, &old, &bodies).await {
                    Ok(()) => old.as_str().to_owned(),
                    // Sent (WeChat deletes a sent draft) or deleted in the
                    // console: a new one.
                    Err(e) if e.code() == Some(ErrCode::InvalidMediaId) => {
                        match wechat.draft_add(&bodies).await {
                            Ok(added) => added.media_id.as_str().to_owned(),
                            Err(e) => return failed(e),
                        }
                    }
                    Err(e) => return failed(e),
                }
            }
            (Some(old), _) => {
                // `draft/update` changes one article in place: another
                // number of articles is a new draft, then the old goes.
                let added = match wechat.draft_add(&bodies).await {
                    Ok(added) => added.media_id.as_str().to_owned(),
                    Err(e) => return failed(e),
                };
                if let Err(error) = wechat.draft_delete(&old).await
                    && error.code() != Some(ErrCode::InvalidMediaId)
                {
                    tracing::warn!(%error, media_id = old.as_str(), "the draft replaced in WeChat was not deleted");
                }
                added
            }
            (None, _) => match wechat.draft_add(&bodies).await {
                Ok(added) => added.media_id.as_str().to_owned(),
                Err(e) => return failed(e),
            },
        };
        let mut db = call.app.db.acquire().await?;
        store::record_push(
            &mut db,
            account_id,
            id,
            &media_id,
            row.version,
            bodies.len(),
        )
        .await?;
        Ok(PushOutcome::Pushed {
            media_id,
            version: row.version,
        })
    }

    async fn update_each(
        wechat: &crate::wechat::client::WechatClient,
        media_id: &MediaId,
        bodies: &[crate::wechat::api::DraftArticle],
    ) -> Result<(), CallError> {
        for (index, body) in bodies.iter().enumerate() {
            wechat.draft_update(media_id, index as u32, body).await?;
        }
        Ok(())
    }

    pub async fn delete(
        call: &AccountCall,
        id: i64,
        confirmed: bool,
    ) -> Result<super::DeleteOutcome, AppError> {
        let account_id = call.app.account.id;
        let mut db = call.app.db.acquire().await?;
        let row = store::find(&mut db, account_id, id)
            .await?
            .ok_or_else(not_found)?;
        if !confirmed {
            return Err(Problem::ConfirmDeleteDraft.into());
        }
        if let Some(media_id) = row.media_id.as_deref().and_then(|m| MediaId::parse(m).ok()) {
            drop(db);
            match call.app.account.wechat.draft_delete(&media_id).await {
                Ok(_) => {}
                // Gone already: sent, or deleted in the console.
                Err(e) if e.code() == Some(ErrCode::InvalidMediaId) => {}
                Err(e) => return Ok(super::DeleteOutcome::Failed(e.words(call.lang))),
            }
            db = call.app.db.acquire().await?;
        }
        store::delete(&mut db, account_id, id).await?;
        Ok(super::DeleteOutcome::Deleted)
    }

    pub async fn wechat_draft(
        call: &AccountCall,
        media_id: &str,
    ) -> Result<Result<Vec<WechatArticle>, String>, AppError> {
        let Ok(media_id) = MediaId::parse(media_id) else {
            return Err(not_found());
        };
        let answer = match call.app.account.wechat.draft_get(&media_id).await {
            Ok(answer) => answer,
            Err(e) => return Ok(Err(e.words(call.lang))),
        };
        let mut articles = Vec::new();
        for item in answer.news_item {
            let html = item.content.clone().unwrap_or_default();
            let preview_html = push::display(call, html.clone()).await?;
            articles.push(WechatArticle {
                title: item.title,
                author: item.author.unwrap_or_default(),
                digest: item.digest.unwrap_or_default(),
                html,
                preview_html,
            });
        }
        Ok(Ok(articles))
    }
}
