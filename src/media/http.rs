//! The media library's own HTTP endpoints, behind the session layer and
//! the same-origin guard like every page:
//!
//! - `POST /a/:account/media/upload`: one file (multipart `file`, with
//!   `kind`, and a video's `title` and `introduction`; `scale_down=yes`
//!   accepts a thumbnail's offer), streamed to a temporary file (never
//!   whole in memory; past its kind's limit the rest is read and dropped),
//!   checked, then sent with `add_material` streaming from that file.
//!   Answers JSON ([`UploadAnswer`]) to the page's script, or a redirect
//!   back to the library for a form posted without JavaScript.
//! - `POST /a/:account/media/uploadimg`: an image for an article's body
//!   (multipart `file`): JPEG/PNG under 1 MB, `media/uploadimg`, a local
//!   copy kept; `{"url", "display_url"}` or 400 `{"problem"}`.
//! - `GET /a/:account/media/thumb/:media_id`: the grid's thumbnail (made at
//!   upload, or once from `get_material`).
//! - `GET /a/:account/media/image/:id`: a body image's local copy.
//!
//! An account the user may not use is a 404, as `edge::on_account` says.

use std::sync::Arc;

use axum::Json;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::check::{self, Checked};
use super::{Refusal, Tab, UploadAnswer, images, kind_label, store};
use crate::auth::CurrentUser;
use crate::i18n::Lang;
use crate::shell::accounts::Account;
use crate::shell::state::AppState;
use crate::wechat::api::{MaterialBody, VideoDescription};
use crate::wechat::client::CallError;
use crate::wechat::limits::{self, Format, UploadKind};
use crate::wechat::types::MediaId;
use crate::wechat::upload::Upload;

/// The largest upload request; past it the reading stops. Each kind's own
/// limit is far below: the rest of a file past its limit is read and
/// dropped so the answer can say why, in words.
pub const MAX_UPLOAD_BODY: usize = 32 * 1024 * 1024;

/// The account `slug` if `user` may use it: the same rule and the same
/// 404 as `edge::on_account`.
async fn account_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    slug: &str,
) -> Result<Arc<Account>, Response> {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let user = user.ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())?;
    let account = state.accounts.by_slug(slug).ok_or_else(not_found)?;
    if user.is_admin() {
        return Ok(account);
    }
    match crate::accounts::store::is_granted(&state.db, user.id, account.id).await {
        Ok(true) => Ok(account),
        Ok(false) => Err(not_found()),
        Err(error) => {
            tracing::error!(%error, "cannot read the grants");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// A file received to disk.
struct Received {
    temp: tempfile::NamedTempFile,
    name: String,
    len: u64,
    head: Vec<u8>,
    sha256: String,
    /// Longer than it may be: the rest was read and dropped.
    over: bool,
}

/// Streams `field` into a temporary file, hashing as it goes; past
/// `max_bytes` nothing more is written (the rest is read and dropped).
async fn receive_file(mut field: Field<'_>, max_bytes: u64) -> Result<Received, ReceiveError> {
    let name = check::clean_name(field.file_name().unwrap_or_default());
    let temp = tempfile::Builder::new()
        .prefix("qunfa-upload-")
        .tempfile()
        .map_err(ReceiveError::Disk)?;
    let mut file = tokio::fs::File::from_std(temp.reopen().map_err(ReceiveError::Disk)?);
    let mut hash = Sha256::new();
    let mut head = Vec::with_capacity(32);
    let (mut len, mut over) = (0u64, false);
    while let Some(chunk) = field.chunk().await.map_err(ReceiveError::Body)? {
        len += chunk.len() as u64;
        if len > max_bytes {
            over = true;
            continue;
        }
        if head.len() < 32 {
            head.extend_from_slice(&chunk[..chunk.len().min(32 - head.len())]);
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(ReceiveError::Disk)?;
    }
    file.flush().await.map_err(ReceiveError::Disk)?;
    Ok(Received {
        temp,
        name,
        len,
        head,
        sha256: hex(&hash.finalize()),
        over,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

enum ReceiveError {
    /// The body broke off or passed [`MAX_UPLOAD_BODY`].
    Body(MultipartError),
    Disk(std::io::Error),
}

/// The upload form, read in order: the text fields come before the file
/// in the page's form, so the file's limit is known when it arrives.
#[derive(Default)]
struct UploadForm {
    kind: Option<String>,
    title: String,
    introduction: String,
    scale_down: bool,
    /// A compose picker's list page to go back to (a plain form).
    return_to: Option<String>,
    file: Option<Received>,
}

async fn read_form(mut multipart: Multipart, body_image: bool) -> Result<UploadForm, ReceiveError> {
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(ReceiveError::Body)? {
        match field.name().unwrap_or_default() {
            "file" if form.file.is_none() => {
                let max = if body_image {
                    limits::BODY_IMAGE.max_bytes
                } else {
                    match form.kind.as_deref().and_then(UploadKind::parse) {
                        // A cover may be large: it can be scaled down.
                        Some(UploadKind::Thumb) | None => limits::IMAGE.max_bytes,
                        Some(kind) => kind.limits().max_bytes,
                    }
                };
                form.file = Some(receive_file(field, max).await?);
            }
            "kind" => form.kind = Some(field.text().await.map_err(ReceiveError::Body)?),
            "title" => form.title = field.text().await.map_err(ReceiveError::Body)?,
            "introduction" => form.introduction = field.text().await.map_err(ReceiveError::Body)?,
            "scale_down" => {
                form.scale_down = field.text().await.map_err(ReceiveError::Body)? == "yes"
            }
            "return_to" => form.return_to = Some(field.text().await.map_err(ReceiveError::Body)?),
            _ => {
                let mut field = field;
                while field.chunk().await.map_err(ReceiveError::Body)?.is_some() {}
            }
        }
    }
    Ok(form)
}

/// Whether the caller is the page's script (JSON) or a plain form (a page).
fn wants_json(headers: &HeaderMap) -> bool {
    !headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// What an upload came to.
struct Outcome {
    tab: Tab,
    answer: UploadAnswer,
    /// Where a plain form goes back to, when not the library.
    return_to: Option<String>,
}

impl Outcome {
    fn refused(tab: Tab, name: String, refusal: Refusal, lang: Lang) -> Outcome {
        Outcome {
            tab,
            return_to: None,
            answer: UploadAnswer {
                media_id: None,
                name,
                existing: false,
                message: refusal.words(lang),
                offer_scale_down: matches!(refusal, Refusal::ThumbTooLarge { .. }),
                refusal: Some(refusal),
            },
        }
    }

    fn respond(self, slug: &str, json: bool) -> Response {
        if json {
            let status = if self.answer.media_id.is_some() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            return (status, Json(self.answer)).into_response();
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        // A compose picker's page of this account only: never another site.
        let back = self
            .return_to
            .as_deref()
            .filter(|to| to.starts_with(&format!("/a/{slug}/compose/pick/")) && !to.contains("//"));
        if back.is_none() {
            query.append_pair("kind", self.tab.as_str());
        }
        match (&self.answer.media_id, &self.answer.refusal) {
            (Some(id), _) => {
                query.append_pair("uploaded", id);
                query.append_pair("uploaded_name", &self.answer.name);
                if self.answer.existing {
                    query.append_pair("existing", "1");
                }
            }
            (None, Some(refusal)) => {
                let json = serde_json::to_string(refusal).unwrap_or_default();
                query.append_pair("refused", &json);
            }
            (None, None) => {}
        }
        let target = match back {
            Some(back) if back.contains('?') => format!("{back}&{}", query.finish()),
            Some(back) => format!("{back}?{}", query.finish()),
            None => format!("/a/{slug}/media?{}", query.finish()),
        };
        Redirect::to(&target).into_response()
    }
}

fn tab_of(kind: UploadKind) -> Tab {
    match kind {
        UploadKind::Image | UploadKind::Thumb => Tab::Image,
        UploadKind::Voice => Tab::Voice,
        UploadKind::Video => Tab::Video,
    }
}

fn refusal_of(error: &CallError) -> Refusal {
    match error.code() {
        Some(code) => Refusal::Wechat { code: code.code() },
        None => Refusal::WechatUnreachable {
            maybe_made: error.outcome_unknown(),
        },
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    user: Option<axum::Extension<CurrentUser>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let user = user.map(|axum::Extension(u)| u);
    let account = match account_for(&state, user.as_ref(), &slug).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let (lang, json) = (crate::edge::lang_of(&headers), wants_json(&headers));
    let Ok(multipart) = multipart else {
        return Outcome::refused(Tab::Image, String::new(), Refusal::NoFile, lang)
            .respond(&slug, json);
    };
    let user_id = user.map_or(0, |u| u.id);
    upload_material(&state, &account, user_id, multipart, lang)
        .await
        .respond(&slug, json)
}

impl Outcome {
    fn back_to(mut self, return_to: Option<String>) -> Outcome {
        self.return_to = return_to;
        self
    }
}

async fn upload_material(
    state: &AppState,
    account: &Account,
    user_id: i64,
    multipart: Multipart,
    lang: Lang,
) -> Outcome {
    let form = match read_form(multipart, false).await {
        Ok(form) => form,
        Err(ReceiveError::Body(error)) => {
            tracing::info!(%error, "an upload broke off or passed the largest body");
            let refusal = Refusal::TooLarge {
                kind: UploadKind::Image,
                size: MAX_UPLOAD_BODY as u64,
            };
            return Outcome::refused(Tab::Image, String::new(), refusal, lang);
        }
        Err(ReceiveError::Disk(error)) => {
            tracing::error!(%error, "cannot write an upload to a temporary file");
            return Outcome::refused(
                Tab::Image,
                String::new(),
                Refusal::WechatUnreachable { maybe_made: false },
                lang,
            );
        }
    };
    let return_to = form.return_to.clone();
    upload_form(state, account, user_id, form, lang)
        .await
        .back_to(return_to)
}

async fn upload_form(
    state: &AppState,
    account: &Account,
    user_id: i64,
    form: UploadForm,
    lang: Lang,
) -> Outcome {
    let Some(kind) = form.kind.as_deref().and_then(UploadKind::parse) else {
        return Outcome::refused(Tab::Image, String::new(), Refusal::UnknownKind, lang);
    };
    let tab = tab_of(kind);
    let Some(file) = form.file else {
        return Outcome::refused(tab, String::new(), Refusal::NoFile, lang);
    };
    let name = file.name.clone();
    let refuse = |refusal| Outcome::refused(tab, name.clone(), refusal, lang);
    if file.over {
        let size = file.len;
        return refuse(match kind {
            UploadKind::Thumb => Refusal::TooLarge {
                kind: UploadKind::Image,
                size,
            },
            _ => Refusal::TooLarge { kind, size },
        });
    }
    let video = if kind == UploadKind::Video {
        let (title, introduction) = (form.title.trim(), form.introduction.trim());
        if title.is_empty() {
            return refuse(Refusal::MissingTitle);
        }
        if title.chars().count() > limits::VIDEO_TITLE_MAX_CHARS {
            return refuse(Refusal::TitleTooLong);
        }
        if introduction.chars().count() > limits::VIDEO_INTRODUCTION_MAX_CHARS {
            return refuse(Refusal::IntroductionTooLong);
        }
        Some(VideoDescription {
            title: title.to_owned(),
            introduction: introduction.to_owned(),
        })
    } else {
        None
    };
    let checked = check::material(kind, &file.name, file.len, &file.head, file.temp.path());
    // The file sent: the one received, or the scaled-down copy accepted.
    let (send_path, send_name, send_len, checked, _scaled) = match checked {
        Ok(checked) => (
            file.temp.path().to_owned(),
            file.name.clone(),
            file.len,
            checked,
            None,
        ),
        Err(Refusal::ThumbTooLarge { size }) if !form.scale_down => {
            return refuse(Refusal::ThumbTooLarge { size });
        }
        Err(Refusal::ThumbTooLarge { .. }) => {
            let path = file.temp.path().to_owned();
            let scaled = tokio::task::spawn_blocking(move || images::scaled_thumb(&path))
                .await
                .ok()
                .flatten();
            let Some((bytes, width, height)) = scaled else {
                return refuse(Refusal::CannotScale);
            };
            let copy = match tempfile::Builder::new().prefix("qunfa-scaled-").tempfile() {
                Ok(copy) => copy,
                Err(_) => return refuse(Refusal::CannotScale),
            };
            if std::fs::write(copy.path(), &bytes).is_err() {
                return refuse(Refusal::CannotScale);
            }
            let stem = file
                .name
                .rsplit_once('.')
                .map_or(file.name.as_str(), |(s, _)| s);
            (
                copy.path().to_owned(),
                format!("{stem}.jpg"),
                bytes.len() as u64,
                Checked {
                    format: Format::Jpeg,
                    width: Some(width),
                    height: Some(height),
                    duration_ms: None,
                },
                Some(copy),
            )
        }
        Err(refusal) => return refuse(refusal),
    };
    // The same file again: the material it made, not a second one.
    match store::by_hash(&state.db, account.id, &file.sha256, kind.as_str()).await {
        Ok(Some(existing)) => {
            let message = match lang {
                Lang::Zh => format!("素材库里已有同一个文件“{}”，没有重复上传。", existing.name),
                Lang::En => format!(
                    "This file is in the library already as “{}”; it was not uploaded again.",
                    existing.name
                ),
            };
            return Outcome {
                tab,
                return_to: None,
                answer: UploadAnswer {
                    media_id: Some(existing.media_id),
                    name: existing.name,
                    existing: true,
                    message,
                    refusal: None,
                    offer_scale_down: false,
                },
            };
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "cannot look for the same file"),
    }
    let upload = Upload {
        path: send_path.clone(),
        file_name: send_name.clone(),
        content_type: checked.format.mime().to_owned(),
        len: send_len,
    };
    let added = match account
        .wechat
        .add_material(kind, &upload, video.as_ref())
        .await
    {
        Ok(added) => added,
        Err(error) => return refuse(refusal_of(&error)),
    };
    let display_name = video
        .as_ref()
        .map_or_else(|| send_name.clone(), |v| v.title.clone());
    if matches!(kind, UploadKind::Image | UploadKind::Thumb) {
        let path = send_path.clone();
        let thumbnail = tokio::task::spawn_blocking(move || images::grid_thumbnail(&path))
            .await
            .ok()
            .flatten();
        if let Some(jpeg) = thumbnail
            && let Err(error) =
                store::keep_thumbnail(&state.db, account.id, added.media_id.as_str(), &jpeg).await
        {
            tracing::warn!(%error, "cannot keep a thumbnail");
        }
    }
    let record = store::NewAsset {
        account_id: account.id,
        media_id: added.media_id.as_str(),
        kind: kind.as_str(),
        name: &display_name,
        size: i64::try_from(send_len).unwrap_or(i64::MAX),
        sha256: &file.sha256,
        format: checked.format.extensions()[0],
        width: checked.width.map(i64::from),
        height: checked.height.map(i64::from),
        duration_ms: checked.duration_ms.and_then(|d| i64::try_from(d).ok()),
        url: added.url.as_deref(),
        user_id,
    };
    // The material exists at WeChat either way: a record that cannot be
    // written costs only the size and the dedupe, so it is logged.
    let recorded = match state.db.acquire().await {
        Ok(mut db) => store::insert(&mut db, &record).await,
        Err(error) => Err(error),
    };
    if let Err(error) = recorded {
        tracing::error!(%error, "cannot record an uploaded material");
    }
    tracing::info!(account = %account.slug, media_id = added.media_id.as_str(), kind = kind.as_str(), bytes = send_len, "uploaded a material");
    let message = match lang {
        Lang::Zh => format!("已上传{}“{display_name}”。", kind_label(kind, lang)),
        Lang::En => format!("Uploaded the {} “{display_name}”.", kind_label(kind, lang)),
    };
    Outcome {
        tab,
        return_to: None,
        answer: UploadAnswer {
            media_id: Some(added.media_id.into_string()),
            name: display_name,
            existing: false,
            message,
            refusal: None,
            offer_scale_down: false,
        },
    }
}

fn problem(status: StatusCode, words: String) -> Response {
    (status, Json(serde_json::json!({ "problem": words }))).into_response()
}

/// `POST /a/:account/media/uploadimg` for the article editor.
pub async fn upload_body_image(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    user: Option<axum::Extension<CurrentUser>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let user = user.map(|axum::Extension(u)| u);
    let account = match account_for(&state, user.as_ref(), &slug).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let lang = crate::edge::lang_of(&headers);
    let refused = |refusal: Refusal| problem(StatusCode::BAD_REQUEST, refusal.words(lang));
    let Ok(multipart) = multipart else {
        return refused(Refusal::NoFile);
    };
    let file = match read_form(multipart, true).await {
        Ok(UploadForm {
            file: Some(file), ..
        }) => file,
        Ok(_) => return refused(Refusal::NoFile),
        Err(_) => {
            return refused(Refusal::BodyImageTooLarge {
                size: MAX_UPLOAD_BODY as u64,
            });
        }
    };
    if file.over {
        return refused(Refusal::BodyImageTooLarge { size: file.len });
    }
    let checked = match check::body_image(&file.name, file.len, &file.head, file.temp.path()) {
        Ok(checked) => checked,
        Err(refusal) => return refused(refusal),
    };
    let answer = |id: i64, url: String| {
        Json(serde_json::json!({
            "url": url,
            "display_url": format!("/a/{slug}/media/image/{id}"),
        }))
        .into_response()
    };
    if let Ok(Some(existing)) = store::body_image_by_hash(&state.db, account.id, &file.sha256).await
    {
        return answer(existing.id, existing.url);
    }
    let upload = Upload {
        path: file.temp.path().to_owned(),
        file_name: file.name.clone(),
        content_type: checked.format.mime().to_owned(),
        len: file.len,
    };
    let url = match account.wechat.upload_image(&upload).await {
        Ok(answer) => answer.url,
        Err(error) => return refused(refusal_of(&error)),
    };
    // Under 1 MB: read whole to keep the copy.
    let bytes = match tokio::fs::read(file.temp.path()).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "cannot read an uploaded body image back");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match store::keep_body_image(
        &state.db,
        account.id,
        &url,
        &file.sha256,
        checked.format.mime(),
        &bytes,
    )
    .await
    {
        Ok(id) => answer(id, url),
        Err(error) => {
            tracing::error!(%error, "cannot keep a body image");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn image_response(content_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    response
}

/// `GET /a/:account/media/thumb/:media_id`: qunfa's thumbnail of an image
/// material; one made elsewhere is fetched once with `get_material`,
/// scaled and kept.
pub async fn thumbnail(
    State(state): State<AppState>,
    Path((slug, media_id)): Path<(String, String)>,
    user: Option<axum::Extension<CurrentUser>>,
) -> Response {
    let user = user.map(|axum::Extension(u)| u);
    let account = match account_for(&state, user.as_ref(), &slug).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let Ok(id) = MediaId::parse(media_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Ok(Some(jpeg)) = store::thumbnail(&state.db, account.id, id.as_str()).await {
        return image_response("image/jpeg", jpeg);
    }
    let bytes = match account.wechat.get_material(&id).await {
        Ok(MaterialBody::File { bytes, .. }) => bytes,
        Ok(_) | Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let jpeg = tokio::task::spawn_blocking(move || images::grid_thumbnail_from_bytes(&bytes))
        .await
        .ok()
        .flatten();
    let Some(jpeg) = jpeg else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Err(error) = store::keep_thumbnail(&state.db, account.id, id.as_str(), &jpeg).await {
        tracing::warn!(%error, "cannot keep a thumbnail");
    }
    image_response("image/jpeg", jpeg)
}

/// `GET /a/:account/media/image/:id`: the local copy of a body image.
pub async fn body_image(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    user: Option<axum::Extension<CurrentUser>>,
) -> Response {
    let user = user.map(|axum::Extension(u)| u);
    let account = match account_for(&state, user.as_ref(), &slug).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    match store::body_image_bytes(&state.db, account.id, id).await {
        Ok(Some((content_type, bytes))) => image_response(&content_type, bytes),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
