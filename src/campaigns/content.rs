//! The message made anew in another account: media ids belong to one
//! account, so a picture or a voice is read from the account it was
//! composed on and added to the other as a material (once: the media
//! library's SHA-256 finds it again), and an article written in qunfa is
//! rendered and pushed there as a new draft, its body images uploaded with
//! `media/uploadimg` and its cover as a permanent image. A text goes as it
//! is. Every refusal is said in both languages.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::audit::BothWords;
use crate::auth::CurrentUser;
use crate::edge::Call;
use crate::i18n::Lang;
use crate::sends::SentArticle;
use crate::shell::accounts::Account;
use crate::shell::state::{AccountState, AppState};
use crate::wechat::api::{Images, MassMessage, MaterialBody};
use crate::wechat::client::CallError;
use crate::wechat::limits::UploadKind;
use crate::wechat::types::MediaId;
use crate::wechat::upload::Upload;

/// What was made in the other account: the message to send there, what
/// to keep of it (`campaign_accounts.made`), and an article's copy.
pub struct Made {
    pub message: MassMessage,
    pub made: Option<Vec<String>>,
    pub articles: Option<Vec<SentArticle>>,
}

/// Where the making stands, for the problem's words.
fn words(zh: impl Into<String>, en: impl Into<String>) -> BothWords {
    BothWords {
        zh: zh.into(),
        en: en.into(),
    }
}

fn wechat_words(what_zh: &str, what_en: &str, error: &CallError) -> BothWords {
    words(
        format!("{what_zh}失败：{}", error.words(Lang::Zh)),
        format!("{what_en} failed: {}", error.words(Lang::En)),
    )
}

fn unexpected(error: impl std::fmt::Display) -> BothWords {
    tracing::error!(%error, "making a campaign's content failed");
    words(
        "qunfa 内部出错，这个公众号的内容没有做好。请稍后再点“确认”完成它。",
        "qunfa failed inside; this account's content was not made. Confirm again later to complete it.",
    )
}

/// `message` of `source` made for `target`. `made` is what an earlier try
/// kept (the new media ids): used as it is, nothing is made twice.
pub async fn make(
    app: &AppState,
    user: &CurrentUser,
    source: &Arc<Account>,
    target: &Arc<Account>,
    message: &MassMessage,
    made: Option<Vec<String>>,
) -> Result<Made, BothWords> {
    let media = |id: &str| MediaId::parse(id).map_err(unexpected);
    match message {
        MassMessage::Text { .. } => Ok(Made {
            message: message.clone(),
            made: None,
            articles: None,
        }),
        MassMessage::Voice { media_id } => {
            let ids = match made {
                Some(ids) => ids,
                None => vec![
                    copy_material(app, user, source, target, media_id, UploadKind::Voice).await?,
                ],
            };
            let media_id = media(ids.first().map(String::as_str).unwrap_or_default())?;
            Ok(Made {
                message: MassMessage::Voice { media_id },
                made: Some(ids),
                articles: None,
            })
        }
        MassMessage::Image(images) => {
            let ids = match made {
                Some(ids) => ids,
                None => {
                    let mut ids = Vec::new();
                    for id in &images.media_ids {
                        ids.push(
                            copy_material(app, user, source, target, id, UploadKind::Image).await?,
                        );
                    }
                    ids
                }
            };
            let media_ids = ids.iter().map(|id| media(id)).collect::<Result<_, _>>()?;
            Ok(Made {
                message: MassMessage::Image(Images {
                    media_ids,
                    ..images.clone()
                }),
                made: Some(ids),
                articles: None,
            })
        }
        MassMessage::MpNews { media_id } => {
            let (new_id, articles) =
                article(app, user, source, target, media_id.as_str(), made).await?;
            Ok(Made {
                message: MassMessage::MpNews {
                    media_id: media(&new_id)?,
                },
                made: Some(vec![new_id]),
                articles,
            })
        }
        MassMessage::MpVideo { .. } | MassMessage::WxCard { .. } => {
            let refused = crate::sends::FieldError::new(
                crate::sends::Field::Campaign,
                crate::sends::FieldProblem::CampaignTypeRefused {
                    msg_type: message.msg_type().as_str().to_owned(),
                },
            );
            Err(BothWords::of(|lang| refused.words(lang)))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file name WeChat accepts for `content_type` (it needs an extension).
fn file_name(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "campaign.png",
        "image/gif" => "campaign.gif",
        "image/bmp" => "campaign.bmp",
        "audio/mpeg" | "audio/mp3" => "campaign.mp3",
        "audio/amr" => "campaign.amr",
        "audio/x-ms-wma" => "campaign.wma",
        "audio/wav" | "audio/x-wav" => "campaign.wav",
        t if t.starts_with("audio/") => "campaign.mp3",
        _ => "campaign.jpg",
    }
}

/// `bytes` in a temporary file, as uploads are streamed from disk.
async fn temp_upload(
    bytes: &[u8],
    content_type: &str,
    name: &str,
) -> Result<(tempfile::TempPath, Upload), BothWords> {
    let file = tempfile::NamedTempFile::new().map_err(unexpected)?;
    let path = file.into_temp_path();
    tokio::fs::write(&path, bytes).await.map_err(unexpected)?;
    let upload = Upload {
        path: path.to_path_buf(),
        file_name: name.to_owned(),
        content_type: content_type.to_owned(),
        len: bytes.len() as u64,
    };
    Ok((path, upload))
}

/// The material `media_id` of `source` added to `target` as `kind` (or the
/// one qunfa added there before from the same file): its media id there.
async fn copy_material(
    app: &AppState,
    user: &CurrentUser,
    source: &Account,
    target: &Account,
    media_id: &MediaId,
    kind: UploadKind,
) -> Result<String, BothWords> {
    let body = source.wechat.get_material(media_id).await.map_err(|e| {
        wechat_words(
            "从原公众号读取素材",
            "Reading the material from the first account",
            &e,
        )
    })?;
    let MaterialBody::File {
        content_type,
        bytes,
    } = body
    else {
        return Err(words(
            "原公众号的这个素材不是文件，无法复制。",
            "The first account's material is not a file; it cannot be copied.",
        ));
    };
    let sha256 = hex(&Sha256::digest(&bytes));
    if let Some(existing) = crate::media::store::by_hash(&app.db, target.id, &sha256, kind.as_str())
        .await
        .map_err(unexpected)?
    {
        return Ok(existing.media_id);
    }
    let name = crate::media::store::by_media_id(&app.db, source.id, media_id.as_str())
        .await
        .ok()
        .flatten()
        .map(|a| a.name)
        .filter(|n| n.contains('.'))
        .unwrap_or_else(|| file_name(&content_type).to_owned());
    let (_path, upload) = temp_upload(&bytes, &content_type, &name).await?;
    let added = target
        .wechat
        .add_material(kind, &upload, None)
        .await
        .map_err(|e| wechat_words("上传素材", "Uploading the material", &e))?;
    let asset = crate::media::store::NewAsset {
        account_id: target.id,
        media_id: added.media_id.as_str(),
        kind: kind.as_str(),
        name: &name,
        size: bytes.len() as i64,
        sha256: &sha256,
        format: name.rsplit('.').next().unwrap_or_default(),
        width: None,
        height: None,
        duration_ms: None,
        url: added.url.as_deref(),
        user_id: user.id,
    };
    let mut db = app.db.acquire().await.map_err(unexpected)?;
    // The library's record makes the next campaign reuse it; a failure to
    // write it loses only that.
    if let Err(error) = crate::media::store::insert(&mut db, &asset).await {
        tracing::warn!(%error, "the copied material was not recorded");
    }
    Ok(added.media_id.as_str().to_owned())
}

/// The body image `url` of `source` uploaded to `target` (or the one
/// uploaded there before from the same file): its URL there.
async fn copy_body_image(
    app: &AppState,
    source: &Account,
    target: &Account,
    url: &str,
) -> Result<Option<String>, BothWords> {
    let Some((content_type, bytes, sha256)) = super::store::body_image(&app.db, source.id, url)
        .await
        .map_err(unexpected)?
    else {
        return Ok(None);
    };
    if let Some(existing) = crate::media::store::body_image_by_hash(&app.db, target.id, &sha256)
        .await
        .map_err(unexpected)?
    {
        return Ok(Some(existing.url));
    }
    let (_path, upload) = temp_upload(&bytes, &content_type, file_name(&content_type)).await?;
    let uploaded = target
        .wechat
        .upload_image(&upload)
        .await
        .map_err(|e| wechat_words("上传正文图片", "Uploading a body image", &e))?;
    crate::media::store::keep_body_image(
        &app.db,
        target.id,
        &uploaded.url,
        &sha256,
        &content_type,
        &bytes,
    )
    .await
    .map_err(unexpected)?;
    Ok(Some(uploaded.url))
}

/// The qunfa draft pushed as `media_id` in `source`, rendered and pushed
/// to `target` as a new draft: its media id there and the articles' copy.
async fn article(
    app: &AppState,
    user: &CurrentUser,
    source: &Arc<Account>,
    target: &Arc<Account>,
    media_id: &str,
    made: Option<Vec<String>>,
) -> Result<(String, Option<Vec<SentArticle>>), BothWords> {
    let draft = super::store::qunfa_draft(&app.db, source.id, media_id)
        .await
        .map_err(unexpected)?;
    let Some(draft) = draft else {
        let refused = crate::sends::FieldError::new(
            crate::sends::Field::Campaign,
            crate::sends::FieldProblem::CampaignDraftNotQunfa,
        );
        return Err(BothWords::of(|lang| refused.words(lang)));
    };
    let mut db = app.db.acquire().await.map_err(unexpected)?;
    let forms = crate::drafts::store::articles(&mut db, draft)
        .await
        .map_err(unexpected)?;
    drop(db);
    let call = Call {
        app: AccountState::new(app.clone(), source.clone()),
        user: user.clone(),
        lang: Lang::Zh,
    };
    let mut bodies = Vec::new();
    for form in &forms {
        let rendered = crate::drafts::push::render(&call, form)
            .await
            .map_err(unexpected)?;
        let mut html = rendered.html;
        if made.is_none() {
            let mut srcs = Vec::new();
            crate::article::render::image_sources(&html, |src| {
                if !srcs.iter().any(|s: &String| s == src) {
                    srcs.push(src.to_owned());
                }
            });
            for src in srcs {
                if let Some(new) = copy_body_image(app, source, target, &src).await? {
                    html = replace_src(&html, &src, &new);
                }
            }
        }
        let mut body = crate::drafts::push::draft_article(form, html);
        if made.is_none() && !body.thumb_media_id.is_empty() {
            let cover = MediaId::parse(body.thumb_media_id.as_str()).map_err(unexpected)?;
            body.thumb_media_id =
                copy_material(app, user, source, target, &cover, UploadKind::Image).await?;
        }
        bodies.push(body);
    }
    let new_id = match made.and_then(|m| m.into_iter().next()) {
        Some(id) => id,
        None => target
            .wechat
            .draft_add(&bodies)
            .await
            .map_err(|e| {
                wechat_words(
                    "在这个公众号新建草稿",
                    "Making the draft in this account",
                    &e,
                )
            })?
            .media_id
            .as_str()
            .to_owned(),
    };
    let articles = bodies
        .into_iter()
        .map(|b| SentArticle {
            title: b.title,
            author: b.author,
            digest: b.digest,
            content: b.content,
            content_source_url: b.content_source_url,
            thumb_media_id: Some(b.thumb_media_id).filter(|t| !t.is_empty()),
            cover_url: None,
        })
        .collect();
    Ok((new_id, Some(articles)))
}

/// `html` with the image address `from` replaced by `to` wherever it is an
/// attribute's value (as written, or with `&` escaped).
fn replace_src(html: &str, from: &str, to: &str) -> String {
    let escaped = |s: &str| s.replace('&', "&amp;");
    html.replace(&format!("\"{from}\""), &format!("\"{to}\""))
        .replace(
            &format!("\"{}\"", escaped(from)),
            &format!("\"{}\"", escaped(to)),
        )
}

#[cfg(test)]
mod tests {
    use super::replace_src;

    #[test]
    fn an_image_address_is_replaced_only_as_a_whole_attribute_value() {
        let html = r#"<p><img src="http://a/x.png?a=1&amp;b=2"><img src="http://a/x.png?a=1&amp;b=2x"></p>"#;
        let out = replace_src(html, "http://a/x.png?a=1&b=2", "http://b/y.png?c=3&d=4");
        assert_eq!(
            out,
            r#"<p><img src="http://b/y.png?c=3&amp;d=4"><img src="http://a/x.png?a=1&amp;b=2x"></p>"#
        );
    }
}
