//! The `campaign_accounts` table, and the campaign's `send_groups` row and
//! its sends' `group_id`.

use sqlx::SqlitePool;

use crate::audit::BothWords;

/// One account of a campaign as stored.
#[derive(Clone, Debug)]
pub struct Member {
    pub group_id: i64,
    pub account_id: i64,
    pub position: i64,
    pub clientmsgid: String,
    pub tag_id: Option<i64>,
    pub made: Option<String>,
    pub send_id: Option<i64>,
    pub problem: Option<BothWords>,
}

/// An account to add to a new campaign.
pub struct NewMember<'a> {
    pub account_id: i64,
    pub clientmsgid: &'a str,
    pub tag_id: Option<u64>,
}

/// The campaign whose first account's attempt is `clientmsgid`, made now
/// with `members` (the first is the source account) unless it was made
/// before (a second Confirm): one transaction, so either the group and all
/// its accounts are written or nothing is.
pub async fn open(
    db: &SqlitePool,
    user_id: i64,
    summary: &str,
    members: &[NewMember<'_>],
) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let first = members.first().map(|m| m.clientmsgid).unwrap_or_default();
    let existing = sqlx::query_scalar!(
        r#"SELECT group_id AS "group_id!" FROM campaign_accounts WHERE clientmsgid = ?"#,
        first
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(group) = existing {
        return Ok(group);
    }
    let group = sqlx::query_scalar!(
        r#"INSERT INTO send_groups (kind, user_id, summary) VALUES ('campaign', ?, ?)
           RETURNING id AS "id!: i64""#,
        user_id,
        summary
    )
    .fetch_one(&mut *tx)
    .await?;
    for (i, member) in members.iter().enumerate() {
        let position = i as i64 + 1;
        let tag = member.tag_id.map(|t| t as i64);
        sqlx::query!(
            "INSERT INTO campaign_accounts (group_id, account_id, position, clientmsgid, tag_id)
             VALUES (?, ?, ?, ?, ?)",
            group,
            member.account_id,
            position,
            member.clientmsgid,
            tag,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(group)
}

pub async fn members(db: &SqlitePool, group: i64) -> Result<Vec<Member>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT group_id AS "group_id!", account_id AS "account_id!", position AS "position!",
                  clientmsgid, tag_id, made, send_id, problem
           FROM campaign_accounts WHERE group_id = ? ORDER BY position"#,
        group
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            group_id: r.group_id,
            account_id: r.account_id,
            position: r.position,
            clientmsgid: r.clientmsgid,
            tag_id: r.tag_id,
            made: r.made,
            send_id: r.send_id,
            // Written by `fail` only; an unreadable one reads as none.
            problem: r
                .problem
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok()),
        })
        .collect())
}

/// The campaign's creator, or `None` when there is no such campaign.
pub async fn owner(db: &SqlitePool, group: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT g.user_id AS "user_id!", u.username FROM send_groups g
           JOIN users u ON u.id = g.user_id WHERE g.id = ? AND g.kind = 'campaign'"#,
        group
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.user_id, r.username)))
}

/// The campaign's summary and when it was made.
pub async fn heading(db: &SqlitePool, group: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT summary, created_at FROM send_groups WHERE id = ? AND kind = 'campaign'",
        group
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.summary, r.created_at)))
}

/// Campaigns with an account whose send is neither made nor refused: left
/// by a crash in the middle of a fan-out.
pub async fn unfinished(db: &SqlitePool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT group_id AS "group_id!" FROM campaign_accounts
           WHERE send_id IS NULL AND problem IS NULL ORDER BY group_id"#
    )
    .fetch_all(db)
    .await
}

/// What was made in the account for its send, kept as soon as WeChat
/// answered.
pub async fn record_made(
    db: &SqlitePool,
    group: i64,
    account: i64,
    made: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE campaign_accounts SET made = ? WHERE group_id = ? AND account_id = ?",
        made,
        group,
        account
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The account's send: its row names the campaign, and the campaign it.
pub async fn record_send(
    db: &SqlitePool,
    group: i64,
    account: i64,
    position: i64,
    send_id: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE sends SET group_id = ?, group_part = ? WHERE id = ?",
        group,
        position,
        send_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE campaign_accounts SET send_id = ?, problem = NULL
         WHERE group_id = ? AND account_id = ?",
        send_id,
        group,
        account
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Why the account's send could not be made.
pub async fn fail(
    db: &SqlitePool,
    group: i64,
    account: i64,
    problem: &BothWords,
) -> Result<(), sqlx::Error> {
    let problem = serde_json::to_string(problem).unwrap_or_default();
    sqlx::query!(
        "UPDATE campaign_accounts SET problem = ? WHERE group_id = ? AND account_id = ? AND send_id IS NULL",
        problem,
        group,
        account
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An account's send in the campaign page: state and counts.
pub struct SendLine {
    pub state: String,
    pub sent_count: Option<i64>,
    pub error_count: Option<i64>,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
    pub msg_type: String,
    pub audience: String,
    pub audience_size: Option<i64>,
}

pub async fn send_line(db: &SqlitePool, send_id: i64) -> Result<Option<SendLine>, sqlx::Error> {
    sqlx::query_as!(
        SendLine,
        "SELECT state, sent_count, error_count, errcode, errmsg, msg_type, audience, audience_size
         FROM sends WHERE id = ?",
        send_id
    )
    .fetch_optional(db)
    .await
}

/// The campaign a send is a part of.
pub async fn campaign_of_send(db: &SqlitePool, send_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT g.id AS "id!: i64" FROM sends s JOIN send_groups g ON g.id = s.group_id
           WHERE s.id = ? AND g.kind = 'campaign'"#,
        send_id
    )
    .fetch_optional(db)
    .await
}

/// The qunfa draft of `account` that was pushed as `media_id`.
pub async fn qunfa_draft(
    db: &SqlitePool,
    account: i64,
    media_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT id AS "id!: i64" FROM drafts WHERE account_id = ? AND media_id = ?"#,
        account,
        media_id
    )
    .fetch_optional(db)
    .await
}

/// A body image `account` uploaded, as qunfa keeps it: (content type,
/// bytes, SHA-256).
pub async fn body_image(
    db: &SqlitePool,
    account: i64,
    url: &str,
) -> Result<Option<(String, Vec<u8>, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT content_type, bytes, sha256 FROM media_body_images WHERE account_id = ? AND url = ?",
        account,
        url
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.content_type, r.bytes, r.sha256)))
}
