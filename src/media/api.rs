//! The media library's server functions, each about one account: a page
//! of materials (WeChat's `batchget_material` with qunfa's records beside
//! it), what deleting one breaks, and the deletion. Uploads are plain
//! multipart posts to `media::http`, which streams them to disk.

use leptos::prelude::*;

use super::{LibraryPage, Listing, Usage};
use crate::error::AppError;

/// A page of the library: `kind` is a tab (`image`, `voice`, `video`);
/// with `search`, the newest materials are read and filtered by name.
#[server(endpoint = "list_media")]
pub async fn list_media(
    account: String,
    kind: String,
    #[server(default)] search: String,
    #[server(default)] offset: u32,
) -> Result<Listing<LibraryPage>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let tab = super::Tab::parse(&kind).ok_or(crate::error::Problem::InvalidChoice)?;
    Ok(ssr::page(&call.app, tab, search.trim(), offset)
        .await
        .map_err(|e| e.words(call.lang)))
}

/// What deleting `media_id` breaks, for the confirmation.
#[server(endpoint = "media_usage")]
pub async fn media_usage(account: String, media_id: String) -> Result<Usage, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let media_id = ssr::media_id(&media_id)?;
    ssr::usage(&call.app, &media_id).await
}

/// Deletes `media_id` at WeChat (`del_material`) and qunfa's record of
/// it. One WeChat no longer has (40007, 46001) is taken as deleted.
/// Without JavaScript the page of the tab `kind` comes back.
#[server(endpoint = "delete_media")]
pub async fn delete_media(
    account: String,
    media_id: String,
    #[server(default)] kind: String,
) -> Result<Listing<()>, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let id = ssr::media_id(&media_id)?;
    let outcome = ssr::delete(&call.app, &id).await?;
    let tab = super::Tab::parse(&kind).unwrap_or(super::Tab::Image);
    let target = match &outcome {
        Ok(()) => format!("/a/{account}/media?kind={}&deleted=1", tab.as_str()),
        // WeChat's code goes back with the confirmation, which words it;
        // 0 when WeChat gave none (no answer).
        Err(error) => format!(
            "/a/{account}/media?kind={}&delete={}&failed={}",
            tab.as_str(),
            id.as_str(),
            error.code().map(|c| c.code()).unwrap_or(0)
        ),
    };
    crate::edge::redirect_plain_form(&target);
    Ok(outcome.map_err(|e| e.words(call.lang)))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::error::{AppError, Problem};
    use crate::media::{LibraryPage, MediaItem, PAGE, Tab, Usage, store};
    use crate::shell::state::AccountState;
    use crate::wechat::api::{MaterialBatchGetRequest, MaterialItem, MaterialType, PageSize};
    use crate::wechat::client::CallError;
    use crate::wechat::errcode::ErrCode;
    use crate::wechat::limits::UploadKind;
    use crate::wechat::types::MediaId;

    /// Pages read for a search (20 materials each).
    const PAGES_SEARCHED: u32 = 5;

    pub fn media_id(text: &str) -> Result<MediaId, AppError> {
        MediaId::parse(text.trim()).map_err(|_| Problem::InvalidChoice.into())
    }

    fn material_type(tab: Tab) -> MaterialType {
        match tab {
            Tab::Image => MaterialType::Image,
            Tab::Voice => MaterialType::Voice,
            Tab::Video => MaterialType::Video,
        }
    }

    async fn batch(
        app: &AccountState,
        tab: Tab,
        offset: u32,
    ) -> Result<(u64, Vec<MaterialItem>), CallError> {
        let request = MaterialBatchGetRequest {
            material_type: material_type(tab),
            offset,
            count: PageSize::new(PAGE as u8).unwrap_or(PageSize::MAX),
        };
        let answer = app.account.wechat.material_batchget(&request).await?;
        Ok((answer.total_count, answer.item))
    }

    /// A page of the library, or the newest materials filtered by name.
    pub async fn page(
        app: &AccountState,
        tab: Tab,
        search: &str,
        offset: u32,
    ) -> Result<LibraryPage, CallError> {
        let (total, items, searched) = if search.is_empty() {
            let (total, items) = batch(app, tab, offset).await?;
            (total, items, None)
        } else {
            let needle = search.to_lowercase();
            let mut found = Vec::new();
            let mut read = 0u64;
            let mut total = 0;
            for page in 0..PAGES_SEARCHED {
                let (all, items) = batch(app, tab, page * PAGE).await?;
                total = all;
                read += items.len() as u64;
                let last = items.len() < PAGE as usize;
                found.extend(items.into_iter().filter(|item| {
                    item.name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase().contains(&needle))
                }));
                if last || read >= total {
                    break;
                }
            }
            (found.len() as u64, found, Some(read.min(total)))
        };
        let ids: Vec<String> = items
            .iter()
            .map(|i| i.media_id.as_str().to_owned())
            .collect();
        let known = store::by_media_ids(&app.db, app.account.id, &ids)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot read the media records");
                Vec::new()
            });
        let slug = &app.account.slug;
        let items = items
            .into_iter()
            .map(|item| {
                let id = item.media_id.as_str().to_owned();
                let record = known.iter().find(|k| k.media_id == id);
                MediaItem {
                    thumb_url: (tab == Tab::Image).then(|| format!("/a/{slug}/media/thumb/{id}")),
                    name: item
                        .name
                        .clone()
                        .or_else(|| record.map(|r| r.name.clone()))
                        .unwrap_or_default(),
                    updated: item.update_time,
                    size: record.and_then(|r| u64::try_from(r.size).ok()),
                    kind: record.and_then(|r| UploadKind::parse(&r.kind)),
                    width: record
                        .and_then(|r| r.width)
                        .and_then(|w| u32::try_from(w).ok()),
                    height: record
                        .and_then(|r| r.height)
                        .and_then(|h| u32::try_from(h).ok()),
                    duration_ms: record
                        .and_then(|r| r.duration_ms)
                        .and_then(|d| u64::try_from(d).ok()),
                    media_id: id,
                }
            })
            .collect();
        Ok(LibraryPage {
            tab,
            items,
            offset: if searched.is_some() { 0 } else { offset },
            total,
            searched,
        })
    }

    pub async fn usage(app: &AccountState, media_id: &MediaId) -> Result<Usage, AppError> {
        let account_id = app.account.id;
        let record = store::by_media_id(&app.db, account_id, media_id.as_str()).await?;
        let sends = store::sends_using(&app.db, account_id, media_id.as_str()).await?;
        Ok(Usage {
            media_id: media_id.as_str().to_owned(),
            name: record.map(|r| r.name).unwrap_or_default(),
            sends,
            drafts: crate::drafts::store::titles_using_media(
                &app.db,
                account_id,
                media_id.as_str(),
            )
            .await?,
        })
    }

    pub async fn delete(
        app: &AccountState,
        media_id: &MediaId,
    ) -> Result<Result<(), CallError>, AppError> {
        match app.account.wechat.delete_material(media_id).await {
            Ok(_) => {}
            // Already gone at WeChat (or deleted by a repeat of this call).
            Err(error)
                if matches!(
                    error.code(),
                    Some(ErrCode::InvalidMediaId | ErrCode::MediaNotFound)
                ) => {}
            Err(error) => return Ok(Err(error)),
        }
        store::forget(&app.db, app.account.id, media_id.as_str()).await?;
        tracing::info!(account = %app.account.slug, media_id = media_id.as_str(), "deleted a material");
        Ok(Ok(()))
    }
}
