//! The `drafts`, `draft_articles` and `draft_presence` tables. Every read
//! and write names the account, so another account's draft id is "not
//! found".

use sqlx::{Row, SqliteConnection, SqlitePool};

use super::{ArticleForm, DraftSummary, DraftView, HTML, MARKDOWN, PRESENCE_SECS, Presence};

/// A draft's row, without its articles.
#[derive(Clone, Debug)]
pub struct DraftRow {
    pub id: i64,
    pub version: i64,
    pub media_id: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
    pub pushed_at: Option<String>,
    pub pushed_version: Option<i64>,
    pub pushed_articles: Option<i64>,
}

/// What a save found.
pub enum Saved {
    Saved {
        id: i64,
        version: i64,
        at: String,
    },
    /// The draft is at another version: who saved it last, and when.
    Conflict(DraftRow),
    NotFound,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

pub async fn find(
    db: &mut SqliteConnection,
    account_id: i64,
    id: i64,
) -> Result<Option<DraftRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT d.id, d.version, d.media_id, u.username, d.updated_at, d.pushed_at,
                d.pushed_version, d.pushed_articles
         FROM drafts d JOIN users u ON u.id = d.updated_by
         WHERE d.id = ? AND d.account_id = ?",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| DraftRow {
        id: r.get(0),
        version: r.get(1),
        media_id: r.get(2),
        updated_by: r.get(3),
        updated_at: r.get(4),
        pushed_at: r.get(5),
        pushed_version: r.get(6),
        pushed_articles: r.get(7),
    }))
}

pub async fn articles(
    db: &mut SqliteConnection,
    draft_id: i64,
) -> Result<Vec<ArticleForm>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT title, author, digest, thumb_media_id, pic_crop_235_1, pic_crop_1_1,
                content_source_url, need_open_comment, only_fans_can_comment, source_kind, source
         FROM draft_articles WHERE draft_id = ? ORDER BY position",
    )
    .bind(draft_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ArticleForm {
            title: r.get(0),
            author: r.get(1),
            digest: r.get(2),
            thumb_media_id: r.get(3),
            pic_crop_235_1: r.get(4),
            pic_crop_1_1: r.get(5),
            content_source_url: r.get(6),
            need_open_comment: super::checkbox(r.get::<i64, _>(7) == 1),
            only_fans_can_comment: super::checkbox(r.get::<i64, _>(8) == 1),
            source_kind: r.get(9),
            source: r.get(10),
        })
        .collect())
}

pub async fn view(
    db: &mut SqliteConnection,
    account_id: i64,
    id: i64,
    user_id: i64,
) -> Result<Option<DraftView>, sqlx::Error> {
    let Some(row) = find(db, account_id, id).await? else {
        return Ok(None);
    };
    let articles = articles(db, id).await?;
    let also_open = others_present(db, id, user_id).await?;
    Ok(Some(DraftView {
        id: row.id,
        version: row.version,
        media_id: row.media_id,
        articles,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
        pushed_at: row.pushed_at,
        pushed_version: row.pushed_version,
        also_open,
    }))
}

async fn write_articles(
    db: &mut SqliteConnection,
    draft_id: i64,
    articles: &[ArticleForm],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM draft_articles WHERE draft_id = ?")
        .bind(draft_id)
        .execute(&mut *db)
        .await?;
    for (position, a) in articles.iter().enumerate() {
        let kind = if a.is_html() { HTML } else { MARKDOWN };
        sqlx::query(
            "INSERT INTO draft_articles (draft_id, position, title, author, digest,
                 thumb_media_id, pic_crop_235_1, pic_crop_1_1, content_source_url,
                 need_open_comment, only_fans_can_comment, source_kind, source)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(draft_id)
        .bind(position as i64)
        .bind(&a.title)
        .bind(&a.author)
        .bind(&a.digest)
        .bind(a.thumb_media_id.trim())
        .bind(a.pic_crop_235_1.trim())
        .bind(a.pic_crop_1_1.trim())
        .bind(a.content_source_url.trim())
        .bind(a.comments_open() as i64)
        .bind(a.fans_only() as i64)
        .bind(kind)
        .bind(&a.source)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// A new draft of `articles` by `user_id`, at version 1.
pub async fn create(
    db: &SqlitePool,
    account_id: i64,
    user_id: i64,
    articles: &[ArticleForm],
) -> Result<Saved, sqlx::Error> {
    let mut tx = db.begin().await?;
    let (id, at): (i64, String) = sqlx::query_as(
        "INSERT INTO drafts (account_id, created_by, updated_by) VALUES (?, ?, ?)
         RETURNING id, updated_at",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    write_articles(&mut tx, id, articles).await?;
    tx.commit().await?;
    Ok(Saved::Saved { id, version: 1, at })
}

/// Writes `articles` over draft `id` if it is still at `expected_version`;
/// the version goes up by one. The check and the write are one statement
/// inside one transaction, so of two saves made on the same version only
/// the first is written.
pub async fn update(
    db: &SqlitePool,
    account_id: i64,
    id: i64,
    expected_version: i64,
    user_id: i64,
    articles: &[ArticleForm],
) -> Result<Saved, sqlx::Error> {
    let mut tx = db.begin().await?;
    let updated: Option<(i64, String)> = sqlx::query_as(&format!(
        "UPDATE drafts SET version = version + 1, updated_by = ?, updated_at = {NOW}
         WHERE id = ? AND account_id = ? AND version = ?
         RETURNING version, updated_at"
    ))
    .bind(user_id)
    .bind(id)
    .bind(account_id)
    .bind(expected_version)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((version, at)) = updated else {
        let current = find(&mut tx, account_id, id).await?;
        return Ok(current.map_or(Saved::NotFound, Saved::Conflict));
    };
    write_articles(&mut tx, id, articles).await?;
    tx.commit().await?;
    Ok(Saved::Saved { id, version, at })
}

/// Notes that WeChat's draft `media_id` holds `version` with `articles`
/// articles.
pub async fn record_push(
    db: &mut SqliteConnection,
    account_id: i64,
    id: i64,
    media_id: &str,
    version: i64,
    articles: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE drafts SET media_id = ?, pushed_version = ?, pushed_articles = ?, pushed_at = {NOW}
         WHERE id = ? AND account_id = ?"
    ))
    .bind(media_id)
    .bind(version)
    .bind(articles as i64)
    .bind(id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets WeChat's copy (it was sent or deleted there).
pub async fn forget_push(
    db: &mut SqliteConnection,
    account_id: i64,
    id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE drafts SET media_id = NULL, pushed_version = NULL, pushed_articles = NULL,
                pushed_at = NULL
         WHERE id = ? AND account_id = ?",
    )
    .bind(id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(
    db: &mut SqliteConnection,
    account_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM drafts WHERE id = ? AND account_id = ?")
        .bind(id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The account's drafts, last changed first.
pub async fn list(
    db: &mut SqliteConnection,
    account_id: i64,
) -> Result<Vec<DraftSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.id, u.username, d.updated_at, d.media_id,
                d.pushed_version IS NULL OR d.pushed_version <> d.version,
                (SELECT json_group_array(title) FROM
                    (SELECT title FROM draft_articles a WHERE a.draft_id = d.id ORDER BY position))
         FROM drafts d JOIN users u ON u.id = d.updated_by
         WHERE d.account_id = ?
         ORDER BY d.updated_at DESC, d.id DESC",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DraftSummary {
            id: r.get(0),
            updated_by: r.get(1),
            updated_at: r.get(2),
            media_id: r.get(3),
            unpushed_changes: r.get::<i64, _>(4) == 1,
            titles: serde_json::from_str(&r.get::<String, _>(5)).unwrap_or_default(),
        })
        .collect())
}

/// Every media_id of WeChat drafts that are the account's qunfa drafts.
pub async fn known_media_ids(
    db: &mut SqliteConnection,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT media_id FROM drafts WHERE account_id = ? AND media_id IS NOT NULL")
        .bind(account_id)
        .fetch_all(db)
        .await
}

/// The titles of the account's drafts whose cover is the material
/// `media_id` (an untitled article as its draft's number), for the media
/// library's delete confirmation.
pub async fn titles_using_media(
    db: &SqlitePool,
    account_id: i64,
    media_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CASE WHEN trim(a.title) = '' THEN '#' || d.id ELSE a.title END
         FROM draft_articles a JOIN drafts d ON d.id = a.draft_id
         WHERE d.account_id = ? AND a.thumb_media_id = ?
         ORDER BY d.updated_at DESC, a.position",
    )
    .bind(account_id)
    .bind(media_id)
    .fetch_all(db)
    .await
}

/// `user_id` has draft `draft_id` open: renews its presence (a new one,
/// or one gone stale, starts now) and answers who else has it open.
pub async fn heartbeat(
    db: &mut SqliteConnection,
    draft_id: i64,
    user_id: i64,
) -> Result<Vec<Presence>, sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO draft_presence (draft_id, user_id, since, seen_at) VALUES (?, ?, {NOW}, {NOW})
         ON CONFLICT (draft_id, user_id) DO UPDATE SET
             since = CASE WHEN draft_presence.seen_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{PRESENCE_SECS} seconds')
                          THEN excluded.since ELSE draft_presence.since END,
             seen_at = excluded.seen_at"
    ))
    .bind(draft_id)
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    others_present(db, draft_id, user_id).await
}

/// Who else has draft `draft_id` open now, earliest first.
pub async fn others_present(
    db: &mut SqliteConnection,
    draft_id: i64,
    user_id: i64,
) -> Result<Vec<Presence>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT u.username, p.since FROM draft_presence p JOIN users u ON u.id = p.user_id
         WHERE p.draft_id = ? AND p.user_id <> ?
           AND p.seen_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{PRESENCE_SECS} seconds')
         ORDER BY p.since"
    ))
    .bind(draft_id)
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(username, since)| Presence { username, since })
        .collect())
}

/// An editor that closed the page.
pub async fn leave(
    db: &mut SqliteConnection,
    draft_id: i64,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM draft_presence WHERE draft_id = ? AND user_id = ?")
        .bind(draft_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
