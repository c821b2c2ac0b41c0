//! The media tables: qunfa's record of each material it uploaded
//! (`media_assets`), the grid's thumbnails (`media_thumbnails`), and the
//! images uploaded for articles' bodies with their local copies
//! (`media_body_images`). Every query is about one account.

use sqlx::{SqliteConnection, SqlitePool};

/// A material as qunfa recorded it when it uploaded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    pub media_id: String,
    pub kind: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub format: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
    pub url: Option<String>,
    pub created_at: String,
}

/// A new record of an upload.
pub struct NewAsset<'a> {
    pub account_id: i64,
    pub media_id: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub format: &'a str,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
    pub url: Option<&'a str>,
    pub user_id: i64,
}

pub async fn insert(db: &mut SqliteConnection, asset: &NewAsset<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO media_assets (account_id, media_id, kind, name, size, sha256, format,
                                   width, height, duration_ms, url, user_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, media_id) DO NOTHING",
        asset.account_id,
        asset.media_id,
        asset.kind,
        asset.name,
        asset.size,
        asset.sha256,
        asset.format,
        asset.width,
        asset.height,
        asset.duration_ms,
        asset.url,
        asset.user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The material of this account made from a file with this hash, as this
/// kind, if qunfa uploaded one.
pub async fn by_hash(
    db: &SqlitePool,
    account_id: i64,
    sha256: &str,
    kind: &str,
) -> Result<Option<Asset>, sqlx::Error> {
    sqlx::query_as!(
        Asset,
        "SELECT media_id, kind, name, size, sha256, format, width, height, duration_ms, url, created_at
         FROM media_assets WHERE account_id = ? AND sha256 = ? AND kind = ?
         ORDER BY id DESC LIMIT 1",
        account_id,
        sha256,
        kind
    )
    .fetch_optional(db)
    .await
}

/// The records of these media ids of this account.
pub async fn by_media_ids(
    db: &SqlitePool,
    account_id: i64,
    media_ids: &[String],
) -> Result<Vec<Asset>, sqlx::Error> {
    let ids = serde_json::to_string(media_ids).unwrap_or_else(|_| "[]".to_owned());
    sqlx::query_as!(
        Asset,
        "SELECT media_id, kind, name, size, sha256, format, width, height, duration_ms, url, created_at
         FROM media_assets
         WHERE account_id = ? AND media_id IN (SELECT value FROM json_each(?))",
        account_id,
        ids
    )
    .fetch_all(db)
    .await
}

pub async fn by_media_id(
    db: &SqlitePool,
    account_id: i64,
    media_id: &str,
) -> Result<Option<Asset>, sqlx::Error> {
    sqlx::query_as!(
        Asset,
        "SELECT media_id, kind, name, size, sha256, format, width, height, duration_ms, url, created_at
         FROM media_assets WHERE account_id = ? AND media_id = ?",
        account_id,
        media_id
    )
    .fetch_optional(db)
    .await
}

/// Forgets a material deleted at WeChat (its record and its thumbnail).
pub async fn forget(db: &SqlitePool, account_id: i64, media_id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "DELETE FROM media_assets WHERE account_id = ? AND media_id = ?",
        account_id,
        media_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM media_thumbnails WHERE account_id = ? AND media_id = ?",
        account_id,
        media_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn thumbnail(
    db: &SqlitePool,
    account_id: i64,
    media_id: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT jpeg FROM media_thumbnails WHERE account_id = ? AND media_id = ?",
        account_id,
        media_id
    )
    .fetch_optional(db)
    .await
}

pub async fn keep_thumbnail(
    db: &SqlitePool,
    account_id: i64,
    media_id: &str,
    jpeg: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO media_thumbnails (account_id, media_id, jpeg) VALUES (?, ?, ?)
         ON CONFLICT (account_id, media_id) DO UPDATE SET jpeg = excluded.jpeg",
        account_id,
        media_id,
        jpeg
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The sends of this account whose stored `sendall` body names this media
/// id (as a JSON string, so one id inside another does not count): id and
/// summary, newest first.
pub async fn sends_using(
    db: &SqlitePool,
    account_id: i64,
    media_id: &str,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let quoted = format!("\"{media_id}\"");
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", summary FROM sends
         WHERE account_id = ? AND instr(request, ?) > 0
         ORDER BY id DESC LIMIT 50"#,
        account_id,
        quoted
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.summary)).collect())
}

/// An image uploaded for an article's body, with qunfa's copy.
pub struct BodyImage {
    pub id: i64,
    pub url: String,
    pub content_type: String,
}

/// The body image of this account made from a file with this hash.
pub async fn body_image_by_hash(
    db: &SqlitePool,
    account_id: i64,
    sha256: &str,
) -> Result<Option<BodyImage>, sqlx::Error> {
    sqlx::query_as!(
        BodyImage,
        r#"SELECT id AS "id!", url, content_type FROM media_body_images
         WHERE account_id = ? AND sha256 = ? ORDER BY id LIMIT 1"#,
        account_id,
        sha256
    )
    .fetch_optional(db)
    .await
}

/// Keeps a body image's URL and copy; returns its id.
pub async fn keep_body_image(
    db: &SqlitePool,
    account_id: i64,
    url: &str,
    sha256: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO media_body_images (account_id, url, sha256, content_type, bytes)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, url) DO UPDATE SET sha256 = excluded.sha256
         RETURNING id",
        account_id,
        url,
        sha256,
        content_type,
        bytes
    )
    .fetch_one(db)
    .await
}

/// A body image's copy: (content type, bytes).
pub async fn body_image_bytes(
    db: &SqlitePool,
    account_id: i64,
    id: i64,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT content_type, bytes FROM media_body_images WHERE account_id = ? AND id = ?",
        account_id,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.content_type, r.bytes)))
}

/// Where the editor's preview shows a body image WeChat serves at
/// `wechat_url`: qunfa's copy, `/a/<account>/media/image/<id>`, when this
/// account uploaded it through qunfa.
pub async fn display_url_for(db: &SqlitePool, account_id: i64, wechat_url: &str) -> Option<String> {
    let row = sqlx::query!(
        r#"SELECT b.id AS "id!", a.slug FROM media_body_images b JOIN accounts a ON a.id = b.account_id
         WHERE b.account_id = ? AND b.url = ?"#,
        account_id,
        wechat_url
    )
    .fetch_optional(db)
    .await
    .ok()??;
    Some(format!("/a/{}/media/image/{}", row.slug, row.id))
}

/// Whether `url` is one `media/uploadimg` gave this account (the only
/// image URLs an article's body may hold).
pub async fn is_uploaded_image(db: &SqlitePool, account_id: i64, url: &str) -> bool {
    sqlx::query_scalar!(
        "SELECT count(*) FROM media_body_images WHERE account_id = ? AND url = ?",
        account_id,
        url
    )
    .fetch_one(db)
    .await
    .is_ok_and(|n| n > 0)
}
