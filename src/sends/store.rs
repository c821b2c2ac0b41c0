//! The `compose_attempts`, `sends` and `send_events` tables (and the
//! `audit_log` line of a send, in its transaction).

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::{ComposeForm, Content, Repeat, SendState, SentArticle};
use crate::audit::{self, Action};
use crate::error::AppError;
use crate::wechat::api::{MassSendRequest, SendAllRequest};
use crate::wechat::types::{ClientMsgId, OpenId};

/// A checked compose attempt: everything the send will be written with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub request: SendAllRequest,
    pub tag_id: Option<u64>,
    /// The tag's name as it is now, or `None` for all followers.
    pub tag_name: Option<String>,
    pub audience_size: Option<u64>,
    pub summary: String,
    /// Article titles of an `mpnews` send, when the draft was found.
    pub articles: Vec<String>,
    /// What goes out, by name (absent from a plan kept before it was).
    #[serde(default)]
    pub content: Option<Content>,
    /// The same message to the same audience within the last day, found
    /// when the attempt was checked.
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// The other accounts of a campaign, checked when the attempt was.
    #[serde(default)]
    pub campaign: Vec<super::CampaignLine>,
    /// When a scheduled send goes (UTC, `Clock::timestamp` form); `None`:
    /// at once.
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// A send to a list of followers (`mass/send`): `request` then holds
    /// the message only.
    #[serde(default)]
    pub list: Option<ListPlan>,
}

/// The list of followers a plan sends to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPlan {
    /// The saved list's name, when one was chosen or saved.
    pub name: Option<String>,
    /// Distinct, checked, in their first order.
    pub openids: Vec<String>,
    pub duplicates: usize,
    /// The SHA-256 of the sorted OpenIDs: the same list, whatever its
    /// order, for the repeat check.
    pub digest: String,
}

impl ListPlan {
    pub fn new(name: Option<String>, openids: Vec<String>, duplicates: usize) -> ListPlan {
        use sha2::{Digest, Sha256};
        let mut sorted: Vec<&str> = openids.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        let digest = Sha256::digest(sorted.join("\n").as_bytes());
        let digest = digest.iter().map(|b| format!("{b:02x}")).collect();
        ListPlan {
            name,
            openids,
            duplicates,
            digest,
        }
    }

    /// The `mass/send` body of each call: at most 10,000 OpenIDs, sizes
    /// balanced, each with its own clientmsgid ([`part_clientmsgid`]).
    pub fn calls(
        &self,
        request: &SendAllRequest,
        clientmsgid: &str,
    ) -> Result<Vec<MassSendRequest>, crate::wechat::types::ParseError> {
        let mut rest = self.openids.as_slice();
        let mut calls = Vec::new();
        for (i, size) in super::lists::call_sizes(self.openids.len())
            .into_iter()
            .enumerate()
        {
            let (chunk, after) = rest.split_at(size);
            rest = after;
            let touser = chunk
                .iter()
                .map(|o| OpenId::parse(o.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            let mut call = MassSendRequest::new(touser, request.message.clone())
                .with_client_msg_id(ClientMsgId::parse(part_clientmsgid(clientmsgid, i + 1))?);
            if let Some(ignore) = request.send_ignore_reprint {
                call = call.with_send_ignore_reprint(ignore);
            }
            calls.push(call);
        }
        Ok(calls)
    }

    /// The body the repeat check compares: the message, without the
    /// OpenIDs and the clientmsgid.
    pub fn message_body(request: &SendAllRequest) -> Result<String, serde_json::Error> {
        let mut body = MassSendRequest::new(Vec::new(), request.message.clone());
        body.send_ignore_reprint = request.send_ignore_reprint;
        serde_json::to_string(&body)
    }
}

/// The clientmsgid of call `part` (1-based) of a list: the attempt's own
/// for the first, so a second Confirm finds the send; `<id>-<part>` after
/// it, cut to WeChat's 32 bytes from the end of the attempt's id when
/// longer (qunfa's own ids are 27 bytes, so never). Stable: a retry sends
/// the same.
pub fn part_clientmsgid(clientmsgid: &str, part: usize) -> String {
    if part <= 1 {
        return clientmsgid.to_owned();
    }
    let suffix = format!("-{part}");
    let mut cut = ClientMsgId::MAX_LEN - suffix.len();
    while cut < clientmsgid.len() && !clientmsgid.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &clientmsgid[..cut.min(clientmsgid.len())];
    format!("{head}{suffix}")
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("a stored JSON value cannot be read: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::unexpected(error)
    }
}

/// Writes (or rewrites) the attempt `clientmsgid` of `user_id` on
/// `account`. An attempt of another user or account with the same id is
/// left alone and `false` returned.
pub async fn save_attempt(
    db: &mut SqliteConnection,
    account: i64,
    user_id: i64,
    form: &ComposeForm,
    plan: Option<&Plan>,
) -> Result<bool, StoreError> {
    let form_json = serde_json::to_string(form)?;
    let plan_json = plan.map(serde_json::to_string).transpose()?;
    let result = sqlx::query!(
        r#"INSERT INTO compose_attempts (clientmsgid, account_id, user_id, form, plan)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (clientmsgid) DO UPDATE SET
               form = excluded.form, plan = excluded.plan,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
           WHERE compose_attempts.user_id = excluded.user_id
             AND compose_attempts.account_id = excluded.account_id"#,
        form.clientmsgid,
        account,
        user_id,
        form_json,
        plan_json,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes compose attempts nobody confirmed within a day: each holds a
/// form as typed, which nothing needs once its page is long closed.
pub async fn remove_unconfirmed_attempts(db: &SqlitePool) -> Result<u64, StoreError> {
    let removed = sqlx::query(
        r#"DELETE FROM compose_attempts
           WHERE updated_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
             AND NOT EXISTS (SELECT 1 FROM sends WHERE sends.clientmsgid = compose_attempts.clientmsgid)"#,
    )
    .execute(db)
    .await?;
    Ok(removed.rows_affected())
}

pub struct Attempt {
    pub form: ComposeForm,
    pub plan: Option<Plan>,
}

pub async fn load_attempt(
    db: &mut SqliteConnection,
    account: i64,
    user_id: i64,
    clientmsgid: &str,
) -> Result<Option<Attempt>, StoreError> {
    let row = sqlx::query!(
        "SELECT form, plan FROM compose_attempts
         WHERE clientmsgid = ? AND user_id = ? AND account_id = ?",
        clientmsgid,
        user_id,
        account,
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Attempt {
        form: serde_json::from_str(&row.form)?,
        plan: row.plan.as_deref().map(serde_json::from_str).transpose()?,
    }))
}

/// The send made from an attempt, if one was.
pub async fn send_of_attempt(
    db: &mut SqliteConnection,
    account: i64,
    clientmsgid: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM sends WHERE clientmsgid = ? AND account_id = ?"#,
        clientmsgid,
        account
    )
    .fetch_optional(db)
    .await?)
}

/// What confirming an attempt did.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    /// A new `pending` send: the caller calls WeChat.
    New(i64),
    /// The attempt was confirmed before (a second click, a reload, another
    /// tab): nothing new was written.
    Existing(i64),
    /// No checked attempt of this user has this id.
    NoAttempt,
    /// The same message went to the same audience within a day, and the
    /// editor did not say to send it again: nothing was written.
    Repeat(Repeat),
}

/// The latest send within the 24 hours before `now` (`Clock::timestamp`)
/// of the same body to the same audience: the stored `sendall` request
/// without its `clientmsgid` (the audience is in it too), and the tag. A
/// send that did not go out (`rejected`, or ended before WeChat: declined,
/// cancelled, missed) does not count; every other state may have reached
/// someone, or will.
pub async fn recent_repeat(
    db: &mut SqliteConnection,
    account: i64,
    request: &SendAllRequest,
    tag_id: Option<u64>,
    now: &str,
) -> Result<Option<Repeat>, StoreError> {
    let body = serde_json::to_string(request)?;
    let tag_id = tag_id.map(|t| t as i64);
    let row = sqlx::query!(
        r#"SELECT id AS "id!: i64", audience,
                  CAST((julianday(?1) - julianday(created_at)) * 1440 AS INTEGER) AS "minutes!: i64"
           FROM sends
           WHERE account_id = ?4
             AND state NOT IN ('rejected', 'declined', 'cancelled', 'missed')
             AND tag_id IS ?2
             AND created_at > strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-24 hours')
             AND json_remove(request, '$.clientmsgid') = json_remove(?3, '$.clientmsgid')
           ORDER BY id DESC LIMIT 1"#,
        now,
        tag_id,
        body,
        account,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Repeat {
        send_id: r.id,
        tag_name: tag_id.map(|_| r.audience),
        minutes_ago: r.minutes.max(0) as u64,
    }))
}

/// [`recent_repeat`] for a list: the latest list send within the 24 hours
/// before `now` of the same message (the `mass/send` body without its
/// OpenIDs and clientmsgid) to the same list (the digest of its OpenIDs),
/// unless every call of it was refused.
pub async fn recent_list_repeat(
    db: &mut SqliteConnection,
    account: i64,
    message_body: &str,
    digest: &str,
    now: &str,
) -> Result<Option<Repeat>, StoreError> {
    let row = sqlx::query(
        r#"SELECT s.id, CAST((julianday(?1) - julianday(s.created_at)) * 1440 AS INTEGER) AS minutes
           FROM sends AS s JOIN send_groups AS g ON g.id = s.group_id
           WHERE s.account_id = ?2 AND g.kind = 'openid_list' AND g.audience_digest = ?3
             AND s.group_part = 1
             AND s.created_at > strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-24 hours')
             AND json_remove(s.request, '$.clientmsgid', '$.touser')
                 = json_remove(?4, '$.clientmsgid', '$.touser')
             AND EXISTS (SELECT 1 FROM sends AS p WHERE p.group_id = g.id
                         AND p.state NOT IN ('rejected', 'declined', 'cancelled', 'missed'))
           ORDER BY s.id DESC LIMIT 1"#,
    )
    .bind(now)
    .bind(account)
    .bind(digest)
    .bind(message_body)
    .fetch_optional(db)
    .await?;
    row.map(|r| -> Result<Repeat, StoreError> {
        let minutes: i64 = r.try_get("minutes")?;
        Ok(Repeat {
            send_id: r.try_get("id")?,
            tag_name: None,
            minutes_ago: minutes.max(0) as u64,
        })
    })
    .transpose()
}

/// A confirmation to turn into a send.
#[derive(Clone, Debug)]
pub struct NewSend<'a> {
    pub account: i64,
    pub user_id: i64,
    pub username: &'a str,
    pub clientmsgid: &'a str,
    pub send_again: bool,
    /// `Clock::timestamp`.
    pub now: &'a str,
    /// The articles of an mpnews send as they go out, kept in
    /// `sent_articles` with the send.
    pub articles_as_sent: Option<&'a [SentArticle]>,
    /// When and after whom it may go to WeChat.
    pub release: Release,
}

/// What holds a new send back from WeChat. With neither, it is `pending`
/// at once and settled by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Release {
    /// Due time (UTC, `Clock::timestamp` form): the send is `scheduled`.
    pub scheduled_at: Option<String>,
    /// The account's sends need approval: the send is `awaiting_approval`
    /// (and keeps its time, if it has one, for after the approval).
    pub needs_approval: bool,
}

impl Release {
    /// The state a new send starts in.
    pub fn first_state(&self) -> SendState {
        if self.needs_approval {
            SendState::AwaitingApproval
        } else if self.scheduled_at.is_some() {
            SendState::Scheduled
        } else {
            SendState::Pending
        }
    }
}

/// Turns the checked attempt into a `pending` send with its exact body, its
/// first timeline entry and the audit line — one transaction, so a crash
/// leaves either nothing or a send the worker will settle. A repeat of a
/// send of the last day (at `now`, `Clock::timestamp`) is written only
/// with `send_again`; the check is inside the transaction, so two tabs
/// cannot both pass it.
pub async fn create_send(db: &SqlitePool, send: &NewSend<'_>) -> Result<Created, StoreError> {
    let NewSend {
        account,
        user_id,
        username,
        clientmsgid,
        send_again,
        now,
        articles_as_sent,
        ref release,
    } = *send;
    // IMMEDIATE: take the write lock before reading, so two confirmations
    // of one attempt queue up instead of both reading "no send yet".
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(id) = send_of_attempt(&mut tx, account, clientmsgid).await? {
        return Ok(Created::Existing(id));
    }
    let Some(Attempt {
        plan: Some(plan), ..
    }) = load_attempt(&mut tx, account, user_id, clientmsgid).await?
    else {
        return Ok(Created::NoAttempt);
    };
    let repeat = match &plan.list {
        Some(list) => {
            let body = ListPlan::message_body(&plan.request)?;
            recent_list_repeat(&mut tx, account, &body, &list.digest, now).await?
        }
        None => recent_repeat(&mut tx, account, &plan.request, plan.tag_id, now).await?,
    };
    if !send_again && let Some(repeat) = repeat {
        return Ok(Created::Repeat(repeat));
    }
    if let Some(list) = &plan.list {
        let id = create_list_send(&mut tx, send, &plan, list).await?;
        tx.commit().await?;
        return Ok(Created::New(id));
    }
    let request = serde_json::to_string(&plan.request)?;
    let msg_type = plan.request.message.msg_type().as_str();
    let tag_id = plan.tag_id.map(|t| t as i64);
    let audience = plan.tag_name.clone().unwrap_or_default();
    let size = plan.audience_size.map(|n| n as i64);
    let articles = (!plan.articles.is_empty())
        .then(|| serde_json::to_string(&plan.articles))
        .transpose()?;
    let content = plan
        .content
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    let first = release.first_state();
    let state = first.as_str();
    let released_at = (first == SendState::Pending).then_some(now);
    let scheduled_at = release.scheduled_at.as_deref();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, tag_id, audience,
               audience_size, summary, request, articles, content, state, released_at,
               scheduled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           RETURNING id AS "id!: i64""#,
        clientmsgid,
        account,
        user_id,
        msg_type,
        tag_id,
        audience,
        size,
        plan.summary,
        request,
        articles,
        content,
        state,
        released_at,
        scheduled_at,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO send_events (send_id, state, source) VALUES (?, ?, 'compose')",
        id,
        state,
    )
    .execute(&mut *tx)
    .await?;
    if let Some(articles) = articles_as_sent {
        let articles = serde_json::to_string(articles)?;
        sqlx::query!(
            "INSERT INTO sent_articles (send_id, articles) VALUES (?, ?)",
            id,
            articles,
        )
        .execute(&mut *tx)
        .await?;
    }
    let facts = audit::Facts::Send {
        send_id: id,
        msg_type: msg_type.to_owned(),
        tag: plan.tag_name.clone(),
        clientmsgid: clientmsgid.to_owned(),
    };
    audit::store::record(
        &mut tx,
        Some(account),
        Some(user_id),
        username,
        audit_action(release.first_state()),
        &facts,
    )
    .await?;
    tx.commit().await?;
    Ok(Created::New(id))
}

/// The calls of a list send: a `send_groups` row of kind `openid_list`,
/// then one `sends` row per call (`endpoint` `send`, its own body and
/// clientmsgid, `group_part` 1..n, its own size), each with its first
/// timeline entry and the articles as sent; one audit line for the whole.
/// Returns the first call's id, which stands for the send.
async fn create_list_send(
    tx: &mut SqliteConnection,
    send: &NewSend<'_>,
    plan: &Plan,
    list: &ListPlan,
) -> Result<i64, StoreError> {
    let NewSend {
        account,
        user_id,
        username,
        clientmsgid,
        now,
        articles_as_sent,
        ref release,
        ..
    } = *send;
    let calls = list
        .calls(&plan.request, clientmsgid)
        .map_err(|e| StoreError::Json(serde::de::Error::custom(e)))?;
    let total = super::group_digits(list.openids.len() as u64);
    let audience = match &list.name {
        Some(name) => format!("指定的 {total} 位粉丝（列表：{name}）"),
        None => format!("指定的 {total} 位粉丝"),
    };
    let group_id: i64 = sqlx::query_scalar(
        "INSERT INTO send_groups (kind, user_id, summary, audience_digest)
         VALUES ('openid_list', ?, ?, ?) RETURNING id",
    )
    .bind(user_id)
    .bind(&plan.summary)
    .bind(&list.digest)
    .fetch_one(&mut *tx)
    .await?;
    let msg_type = plan.request.message.msg_type().as_str();
    let articles = (!plan.articles.is_empty())
        .then(|| serde_json::to_string(&plan.articles))
        .transpose()?;
    let content = plan
        .content
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    let as_sent = articles_as_sent.map(serde_json::to_string).transpose()?;
    let first = release.first_state();
    let state = first.as_str();
    let released_at = (first == SendState::Pending).then_some(now);
    let mut first_id = None;
    for (part, call) in (1_i64..).zip(&calls) {
        let request = serde_json::to_string(call)?;
        let id: i64 = sqlx::query_scalar(
            r#"INSERT INTO sends (clientmsgid, account_id, user_id, msg_type, tag_id, audience,
                   audience_size, summary, request, articles, content, state, released_at,
                   scheduled_at, endpoint, group_id, group_part)
               VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'send', ?, ?)
               RETURNING id"#,
        )
        .bind(call.clientmsgid.as_ref().map(|c| c.as_str()))
        .bind(account)
        .bind(user_id)
        .bind(msg_type)
        .bind(&audience)
        .bind(call.touser.len() as i64)
        .bind(&plan.summary)
        .bind(&request)
        .bind(&articles)
        .bind(&content)
        .bind(state)
        .bind(released_at)
        .bind(release.scheduled_at.as_deref())
        .bind(group_id)
        .bind(part)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO send_events (send_id, state, source) VALUES (?, ?, 'compose')")
            .bind(id)
            .bind(state)
            .execute(&mut *tx)
            .await?;
        if let Some(as_sent) = &as_sent {
            sqlx::query("INSERT INTO sent_articles (send_id, articles) VALUES (?, ?)")
                .bind(id)
                .bind(as_sent)
                .execute(&mut *tx)
                .await?;
        }
        first_id.get_or_insert(id);
    }
    let Some(id) = first_id else {
        return Err(StoreError::Json(serde::de::Error::custom(
            "a list without OpenIDs",
        )));
    };
    let facts = audit::Facts::Send {
        send_id: id,
        msg_type: msg_type.to_owned(),
        tag: Some(audience),
        clientmsgid: clientmsgid.to_owned(),
    };
    audit::store::record(
        tx,
        Some(account),
        Some(user_id),
        username,
        audit_action(release.first_state()),
        &facts,
    )
    .await?;
    Ok(id)
}

/// Which endpoint send `id` goes to: `sendall` (all followers or a tag)
/// or `send` (a call of a list).
pub async fn endpoint_of(db: &SqlitePool, id: i64) -> Result<String, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT endpoint FROM sends WHERE id = ?")
            .bind(id)
            .fetch_optional(db)
            .await?
            .unwrap_or_else(|| "sendall".to_owned()),
    )
}

/// Send `id` and the other calls of its list of followers (a group of
/// kind `openid_list`), in their order: what an approval, a new time or a
/// cancellation acts on. A send outside such a group is alone.
pub async fn parts_of(db: &SqlitePool, id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT s.id AS "id!: i64" FROM sends AS s
           WHERE s.id = ?1
              OR s.group_id = (SELECT g.id FROM sends AS t JOIN send_groups AS g ON g.id = t.group_id
                               WHERE t.id = ?1 AND g.kind = 'openid_list')
           ORDER BY s.group_part, s.id"#,
        id
    )
    .fetch_all(db)
    .await?)
}

/// What the audit log calls a send confirmed into `first` state: a send,
/// or one held for its time or for a reviewer.
fn audit_action(first: SendState) -> Action {
    match first {
        SendState::Scheduled => Action::Schedule,
        SendState::AwaitingApproval => Action::SubmitForApproval,
        _ => Action::Send,
    }
}

/// The articles of send `id` as they went out; empty for a send that is
/// not mpnews or was made before qunfa kept them.
pub async fn articles_as_sent(db: &SqlitePool, id: i64) -> Result<Vec<SentArticle>, StoreError> {
    let stored = sqlx::query_scalar!("SELECT articles FROM sent_articles WHERE send_id = ?", id)
        .fetch_optional(db)
        .await?;
    Ok(match stored {
        Some(json) => serde_json::from_str(&json)?,
        None => Vec::new(),
    })
}

/// A send as the worker or a result page needs it.
#[derive(Clone, Debug)]
pub struct SendRecord {
    pub id: i64,
    pub clientmsgid: String,
    pub user_id: i64,
    pub account_id: i64,
    pub msg_type: String,
    pub request: String,
    pub state: SendState,
    pub msg_id: Option<u64>,
    pub msg_data_id: Option<u64>,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
    pub attempts: i64,
    pub articles: Vec<String>,
    /// Its time, for a scheduled send (UTC).
    pub scheduled_at: Option<String>,
}

pub async fn load_send(db: &SqlitePool, id: i64) -> Result<Option<SendRecord>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT id, clientmsgid, user_id, account_id, msg_type, request, state, msg_id,
                  msg_data_id, errcode, errmsg, attempts, articles, scheduled_at
           FROM sends WHERE id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SendRecord {
        id: row.id,
        clientmsgid: row.clientmsgid,
        user_id: row.user_id,
        account_id: row.account_id,
        msg_type: row.msg_type,
        request: row.request,
        // The CHECK constraint allows nothing else.
        state: SendState::parse(&row.state).unwrap_or(SendState::Unknown),
        msg_id: row.msg_id.map(|v| v as u64),
        msg_data_id: row.msg_data_id.map(|v| v as u64),
        errcode: row.errcode,
        errmsg: row.errmsg,
        attempts: row.attempts,
        articles: row
            .articles
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?
            .unwrap_or_default(),
        scheduled_at: row.scheduled_at,
    }))
}

/// Whether send `id` was released (made pending: confirmed, due or
/// approved) more than 23 hours before `now`: WeChat forgets a clientmsgid
/// after 24 hours, so a call now could make a second send.
pub async fn too_old_to_retry(db: &SqlitePool, id: i64, now: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT COALESCE(released_at, created_at) < strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-23 hours')
                  AS "too_old!: bool"
           FROM sends WHERE id = ?2"#,
        now,
        id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(false))
}

/// The sends the worker should settle at `now` (`Clock::timestamp`), read
/// state by state through `sends_by_state` (one query with `OR` and
/// `ORDER BY id` is planned over the index of ids, which walks every send
/// of the account, once a second for each account):
/// `pending` ones no request is working on (left by a crash) and `unknown`
/// ones whose wait is over.
pub async fn to_settle(db: &SqlitePool, account: i64, now: &str) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM (
               SELECT id FROM sends WHERE account_id = ?2 AND state = 'pending'
               UNION ALL
               SELECT id FROM sends WHERE account_id = ?2 AND state = 'unknown'
                   AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?1
               UNION ALL
               SELECT id FROM sends WHERE account_id = ?2 AND state = 'awaiting_confirmation'
                   AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?1
           )
           ORDER BY id LIMIT 100"#,
        now,
        account
    )
    .fetch_all(db)
    .await?)
}

/// A step in the life of a send.
#[derive(Clone, Debug, Default)]
pub struct Transition {
    pub msg_id: Option<u64>,
    pub msg_data_id: Option<u64>,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
    /// For `unknown`: try again after this many seconds; `None`: stop.
    pub retry_after_secs: Option<i64>,
    /// Who moved it ("send", "worker").
    pub source: &'static str,
    pub detail: Option<String>,
}

/// Moves a `pending`, `unknown` or `awaiting_confirmation` send to `state`
/// after a call at `now` (`Clock::timestamp`; the next try is counted from
/// it), counting the call, and appends the timeline entry. `false` when the
/// send had already moved on (another settler was first), and nothing is
/// written.
pub async fn record_call(
    db: &SqlitePool,
    id: i64,
    state: SendState,
    step: Transition,
    now: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let before = sqlx::query_scalar!("SELECT state FROM sends WHERE id = ?", id)
        .fetch_optional(&mut *tx)
        .await?;
    let to = state.as_str();
    let msg_id = step.msg_id.map(|v| v as i64);
    let msg_data_id = step.msg_data_id.map(|v| v as i64);
    let retry = step.retry_after_secs.map(|s| format!("+{s} seconds"));
    let updated = sqlx::query!(
        r#"UPDATE sends SET
               state = ?1,
               msg_id = coalesce(?2, msg_id),
               msg_data_id = coalesce(?3, msg_data_id),
               errcode = ?4,
               errmsg = ?5,
               attempts = attempts + 1,
               next_attempt_at = CASE WHEN ?6 IS NULL THEN NULL
                   ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ?8, ?6) END,
               submitted_at = CASE WHEN ?1 = 'submitted' AND submitted_at IS NULL THEN ?8
                   ELSE submitted_at END,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
           WHERE id = ?7 AND state IN ('pending', 'unknown', 'awaiting_confirmation')"#,
        to,
        msg_id,
        msg_data_id,
        step.errcode,
        step.errmsg,
        retry,
        id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    // A send asked again and still waiting adds nothing to its timeline.
    if before.as_deref() == Some(to) && state != SendState::Submitted {
        tx.commit().await?;
        return Ok(true);
    }
    sqlx::query!(
        "INSERT INTO send_events (send_id, state, source, errcode, detail) VALUES (?, ?, ?, ?, ?)",
        id,
        to,
        step.source,
        step.errcode,
        step.detail,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// How a send ended, from its MASSSENDJOBFINISH or from `mass/get`.
#[derive(Clone, Debug, Default)]
pub struct Ending {
    pub result_status: Option<String>,
    pub total_count: Option<u64>,
    pub filter_count: Option<u64>,
    pub sent_count: Option<u64>,
    pub error_count: Option<u64>,
    /// `callback` or `mass/get`.
    pub source: &'static str,
    pub callback_id: Option<i64>,
}

/// Moves a send that is still open to `finished` or `failed`, with the
/// timeline entry. `false` if it had ended already.
pub async fn record_end(
    db: &SqlitePool,
    id: i64,
    state: SendState,
    end: Ending,
) -> Result<bool, StoreError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let to = state.as_str();
    let counts = [
        end.total_count,
        end.filter_count,
        end.sent_count,
        end.error_count,
    ]
    .map(|c| c.map(|v| v as i64));
    let updated = sqlx::query!(
        r#"UPDATE sends SET
               state = ?1, result_status = ?2,
               total_count = ?3, filter_count = ?4, sent_count = ?5, error_count = ?6,
               status_source = ?7, callback_id = ?8,
               next_attempt_at = NULL,
               finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
           WHERE id = ?9
             AND state IN ('pending', 'submitted', 'awaiting_confirmation', 'unknown')"#,
        to,
        end.result_status,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        end.source,
        end.callback_id,
        id,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO send_events (send_id, state, source, detail) VALUES (?, ?, ?, ?)",
        id,
        to,
        end.source,
        end.result_status,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A stored MASSSENDJOBFINISH whose send is known and still open: a
/// callback that came before its send waits here until the send has its
/// msg_id.
pub struct PendingEnd {
    pub send_id: i64,
    pub callback_id: i64,
    pub parsed: String,
}

/// Every stored end of an open send of `account`, whenever it came: run
/// once at start.
pub async fn ends_to_apply(db: &SqlitePool, account: i64) -> Result<Vec<PendingEnd>, StoreError> {
    Ok(sqlx::query_as!(
        PendingEnd,
        r#"SELECT s.id AS "send_id!", c.id AS "callback_id!", c.parsed
           FROM sends s
           JOIN callbacks c ON c.account_id = s.account_id AND c.msg_id = s.msg_id
                AND c.event = 'MASSSENDJOBFINISH'
           WHERE s.account_id = ? AND s.msg_id IS NOT NULL
             AND s.state IN ('pending', 'submitted', 'awaiting_confirmation', 'unknown')
           ORDER BY c.id"#,
        account
    )
    .fetch_all(db)
    .await?)
}

/// The ends among `account`'s callbacks stored after callback `after` (the
/// worker's mark), whose send is known and open; and the newest callback id
/// seen.
pub async fn new_ends(
    db: &SqlitePool,
    account: i64,
    after: i64,
) -> Result<(Vec<PendingEnd>, i64), StoreError> {
    let newest = sqlx::query_scalar!(r#"SELECT max(id) AS "id: i64" FROM callbacks"#)
        .fetch_one(db)
        .await?
        .unwrap_or(0);
    if newest <= after {
        return Ok((Vec::new(), after));
    }
    let ends = sqlx::query_as!(
        PendingEnd,
        r#"SELECT s.id AS "send_id!", c.id AS "callback_id!", c.parsed
           FROM callbacks c
           JOIN sends s ON s.account_id = c.account_id AND s.msg_id = c.msg_id
           WHERE c.id > ?1 AND c.id <= ?2 AND c.event = 'MASSSENDJOBFINISH'
             AND c.account_id = ?3
             AND s.state IN ('pending', 'submitted', 'awaiting_confirmation', 'unknown')
           ORDER BY c.id"#,
        after,
        newest,
        account,
    )
    .fetch_all(db)
    .await?;
    Ok((ends, newest))
}

/// The stored ends of one send: a callback that came before the send had
/// its msg_id.
pub async fn ends_of_send(db: &SqlitePool, id: i64) -> Result<Vec<PendingEnd>, StoreError> {
    Ok(sqlx::query_as!(
        PendingEnd,
        r#"SELECT s.id AS "send_id!", c.id AS "callback_id!", c.parsed
           FROM sends s
           JOIN callbacks c ON c.account_id = s.account_id AND c.msg_id = s.msg_id
                AND c.event = 'MASSSENDJOBFINISH'
           WHERE s.id = ?
           ORDER BY c.id"#,
        id
    )
    .fetch_all(db)
    .await?)
}

/// Submitted sends with no end `after_secs` after their submission (and
/// not asked within that time): `mass/get` is asked for them.
pub async fn due_for_check(
    db: &SqlitePool,
    account: i64,
    after_secs: i64,
    now: &str,
) -> Result<Vec<(i64, u64)>, StoreError> {
    let ago = format!("-{after_secs} seconds");
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", msg_id AS "msg_id!" FROM sends
           WHERE account_id = ?3 AND state = 'submitted' AND msg_id IS NOT NULL
             AND updated_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?2, ?1)
             AND (checked_at IS NULL OR checked_at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?2, ?1))
           ORDER BY id LIMIT 50"#,
        ago,
        now,
        account
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.msg_id as u64)).collect())
}

pub async fn mark_checked(db: &SqlitePool, id: i64, now: &str) -> Result<(), StoreError> {
    sqlx::query!("UPDATE sends SET checked_at = ? WHERE id = ?", now, id)
        .execute(db)
        .await?;
    Ok(())
}

/// [`note`], unless the send's timeline has this very line already (the
/// worker reads every stored callback of the open sends again at start).
pub async fn note_once(
    db: &SqlitePool,
    id: i64,
    source: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO send_events (send_id, state, source, detail)
         SELECT id, state, ?1, ?2 FROM sends WHERE id = ?3
           AND NOT EXISTS (SELECT 1 FROM send_events
                           WHERE send_id = ?3 AND source = ?1 AND detail = ?2)",
        source,
        detail,
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds a line to a send's timeline without changing its state (a
/// deletion, say).
/// Stops asking WeChat about a send that is still `unknown` or
/// `awaiting_confirmation`: no next try, and a line in its timeline that
/// says why. `false` when the send had moved on meanwhile.
pub async fn give_up(
    db: &SqlitePool,
    id: i64,
    source: &str,
    detail: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let updated = sqlx::query!(
        r#"UPDATE sends SET next_attempt_at = NULL,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
           WHERE id = ? AND state IN ('pending', 'unknown', 'awaiting_confirmation')"#,
        id
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO send_events (send_id, state, source, detail)
         SELECT id, state, ?, ? FROM sends WHERE id = ?",
        source,
        detail,
        id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn note(db: &SqlitePool, id: i64, source: &str, detail: &str) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO send_events (send_id, state, source, detail)
         SELECT id, state, ?, ? FROM sends WHERE id = ?",
        source,
        detail,
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Which sends the history lists, newest first; `None` leaves a filter out.
#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    /// The account whose sends these are.
    pub account: i64,
    /// Keyset paging: sends with a smaller id (sorted by reads: with
    /// fewer reads, or as many and a smaller id).
    pub before: Option<i64>,
    /// Sorted by reads: the `read_users` of the last row seen.
    pub before_reads: Option<i64>,
    /// Most read first (then newest), only sends with figures; else
    /// newest first.
    pub by_reads: bool,
    pub state: Option<SendState>,
    pub msg_type: Option<String>,
    pub audience: Option<AudienceFilter>,
    pub editor: Option<i64>,
    /// Days, `YYYY-MM-DD`, inclusive, in China time.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Words in the summary.
    pub words: Option<String>,
    pub limit: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudienceFilter {
    AllFollowers,
    Tag(i64),
}

/// A line of the history.
pub struct HistoryEntry {
    pub id: i64,
    pub created_at: String,
    pub username: String,
    pub msg_type: String,
    pub audience: String,
    pub summary: String,
    pub state: SendState,
    pub sent_count: Option<i64>,
    pub error_count: Option<i64>,
    pub total_count: Option<i64>,
    pub result_status: Option<String>,
    /// The campaign the send is a part of.
    pub campaign: Option<i64>,
    pub scheduled_at: Option<String>,
    /// The first call of a send to a list of followers.
    pub is_list: bool,
    /// Readers over its articles and days (`sends.read_users`).
    pub read_users: Option<i64>,
}

pub async fn history(
    db: &SqlitePool,
    filter: &HistoryQuery,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT s.id, s.created_at, u.username, s.msg_type, s.audience, s.summary, s.state, \
         s.sent_count, s.error_count, s.total_count, s.result_status, s.scheduled_at, \
         (SELECT g.id FROM send_groups g WHERE g.id = s.group_id AND g.kind = 'campaign'), \
         s.endpoint = 'send', s.read_users \
         FROM sends s JOIN users u ON u.id = s.user_id WHERE s.account_id = ",
    );
    query.push_bind(filter.account);
    // A send to a list is one row, its first call's; its other calls are
    // found through its group.
    query.push(" AND (s.endpoint <> 'send' OR s.group_part IS NULL OR s.group_part = 1)");
    if filter.by_reads {
        // Sends without figures are left out: the partial index
        // `sends_by_reads` holds the others in this order.
        query.push(" AND s.read_users IS NOT NULL");
        if let (Some(reads), Some(before)) = (filter.before_reads, filter.before) {
            // A row value: SQLite seeks the index to it, where the
            // equivalent OR would scan from the top.
            query
                .push(" AND (s.read_users, s.id) < (")
                .push_bind(reads)
                .push(", ")
                .push_bind(before)
                .push(")");
        }
    } else if let Some(before) = filter.before {
        query.push(" AND s.id < ").push_bind(before);
    }
    if let Some(state) = filter.state {
        // A list send is in the state any of its calls is in.
        query
            .push(" AND (s.state = ")
            .push_bind(state.as_str())
            .push(
                " OR (s.endpoint = 'send' AND EXISTS (SELECT 1 FROM sends p \
                 WHERE p.group_id = s.group_id AND p.state = ",
            )
            .push_bind(state.as_str())
            .push(")))");
    }
    if let Some(msg_type) = &filter.msg_type {
        query.push(" AND s.msg_type = ").push_bind(msg_type.clone());
    }
    match filter.audience {
        None => {}
        Some(AudienceFilter::AllFollowers) => {
            query.push(" AND s.tag_id IS NULL AND s.endpoint = 'sendall'");
        }
        Some(AudienceFilter::Tag(tag)) => {
            query.push(" AND s.tag_id = ").push_bind(tag);
        }
    }
    if let Some(editor) = filter.editor {
        query.push(" AND s.user_id = ").push_bind(editor);
    }
    // The days are China's (UTC+8, no daylight saving), as the pages show
    // times without JavaScript.
    if let Some(from) = &filter.from {
        query
            .push(" AND s.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', ")
            .push_bind(from.clone())
            .push(", '-8 hours')");
    }
    if let Some(to) = &filter.to {
        query
            .push(" AND s.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', ")
            .push_bind(to.clone())
            .push(", '+1 day', '-8 hours')");
    }
    if let Some(words) = &filter.words {
        query
            .push(" AND s.summary LIKE ")
            .push_bind(format!("%{}%", escape_like(words)))
            .push(" ESCAPE '\\'");
    }
    query
        .push(if filter.by_reads {
            " ORDER BY s.read_users DESC, s.id DESC LIMIT "
        } else {
            " ORDER BY s.id DESC LIMIT "
        })
        .push_bind(filter.limit);
    let rows = query.build().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| HistoryEntry {
            id: r.get(0),
            created_at: r.get(1),
            username: r.get(2),
            msg_type: r.get(3),
            audience: r.get(4),
            summary: r.get(5),
            // The CHECK constraint allows nothing else.
            state: SendState::parse(r.get::<&str, _>(6)).unwrap_or(SendState::Unknown),
            sent_count: r.get(7),
            error_count: r.get(8),
            total_count: r.get(9),
            result_status: r.get(10),
            scheduled_at: r.get(11),
            campaign: r.get(12),
            is_list: r.get(13),
            read_users: r.get(14),
        })
        .collect())
}

/// One call of a list send, as the history and the send's page show it.
pub struct CallRow {
    pub id: i64,
    pub part: i64,
    pub state: SendState,
    pub size: Option<i64>,
    pub sent_count: Option<i64>,
    pub error_count: Option<i64>,
    pub total_count: Option<i64>,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
}

/// The calls of the list send that send `id` is a call of, in order;
/// empty for a send that is no list.
pub async fn list_calls(db: &SqlitePool, id: i64) -> Result<Vec<CallRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.id, p.group_part, p.state, p.audience_size, p.sent_count, p.error_count,
                p.total_count, p.errcode, p.errmsg
         FROM sends AS s JOIN sends AS p ON p.group_id = s.group_id
         WHERE s.id = ? AND s.endpoint = 'send'
         ORDER BY p.group_part",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CallRow {
            id: r.get(0),
            part: r.get::<Option<i64>, _>(1).unwrap_or(1),
            state: SendState::parse(r.get::<&str, _>(2)).unwrap_or(SendState::Unknown),
            size: r.get(3),
            sent_count: r.get(4),
            error_count: r.get(5),
            total_count: r.get(6),
            errcode: r.get(7),
            errmsg: r.get(8),
        })
        .collect())
}

/// `text` matched literally by `LIKE … ESCAPE '\'`.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A send as its detail page shows it: its line of the history and the rest.
pub struct SendView {
    pub entry: HistoryEntry,
    pub clientmsgid: String,
    pub request: String,
    pub msg_id: Option<i64>,
    pub msg_data_id: Option<i64>,
    pub audience_size: Option<i64>,
    pub filter_count: Option<i64>,
    pub errcode: Option<i64>,
    pub errmsg: Option<String>,
    pub status_source: Option<String>,
    pub articles: Vec<String>,
    /// What went out, by name; `None` for a send made before it was kept.
    pub content: Option<Content>,
    /// The articles `mass/delete` removed: 1-based numbers, 0 for every
    /// article at once.
    pub deleted_articles: Vec<u32>,
    pub callback_id: Option<i64>,
    pub account_id: i64,
}

pub async fn send_view(db: &SqlitePool, id: i64) -> Result<Option<SendView>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT s.id AS "id!", s.created_at, u.username, s.msg_type, s.audience, s.summary,
                      s.state, s.sent_count, s.error_count, s.total_count, s.result_status,
                      s.clientmsgid, s.request, s.msg_id, s.msg_data_id, s.audience_size,
                      s.filter_count, s.errcode, s.errmsg, s.status_source, s.articles,
                      s.callback_id, s.content, s.deleted_articles, s.account_id, s.scheduled_at,
                      s.read_users,
                      (SELECT g.id FROM send_groups g WHERE g.id = s.group_id AND g.kind = 'campaign')
                          AS "campaign: i64"
               FROM sends s JOIN users u ON u.id = s.user_id WHERE s.id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SendView {
        entry: HistoryEntry {
            is_list: false,
            id: row.id,
            created_at: row.created_at,
            username: row.username,
            msg_type: row.msg_type,
            audience: row.audience,
            summary: row.summary,
            // The CHECK constraint allows nothing else.
            state: SendState::parse(&row.state).unwrap_or(SendState::Unknown),
            sent_count: row.sent_count,
            error_count: row.error_count,
            total_count: row.total_count,
            result_status: row.result_status,
            campaign: row.campaign,
            scheduled_at: row.scheduled_at,
            read_users: row.read_users,
        },
        clientmsgid: row.clientmsgid,
        request: row.request,
        msg_id: row.msg_id,
        msg_data_id: row.msg_data_id,
        audience_size: row.audience_size,
        filter_count: row.filter_count,
        errcode: row.errcode,
        errmsg: row.errmsg,
        status_source: row.status_source,
        // Titles are shown when they can be read; a send needs none.
        articles: row
            .articles
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default(),
        content: row
            .content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        deleted_articles: serde_json::from_str(&row.deleted_articles).unwrap_or_default(),
        callback_id: row.callback_id,
        account_id: row.account_id,
    }))
}

/// Adds an article (0: every article) to those `mass/delete` removed.
pub async fn add_deleted_article(db: &SqlitePool, id: i64, article: u32) -> Result<(), StoreError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let stored = sqlx::query_scalar!("SELECT deleted_articles FROM sends WHERE id = ?", id)
        .fetch_optional(&mut *tx)
        .await?;
    let mut deleted: Vec<u32> = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    if !deleted.contains(&article) {
        deleted.push(article);
        deleted.sort_unstable();
    }
    let deleted = serde_json::to_string(&deleted)?;
    sqlx::query!(
        "UPDATE sends SET deleted_articles = ? WHERE id = ?",
        deleted,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One entry of a send's timeline.
pub struct Event {
    pub at: String,
    pub state: SendState,
    pub source: String,
    pub detail: Option<String>,
}

pub async fn timeline(db: &SqlitePool, id: i64) -> Result<Vec<Event>, StoreError> {
    let rows = sqlx::query!(
        "SELECT at, state, source, detail FROM send_events WHERE send_id = ? ORDER BY id",
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| Event {
            at: e.at,
            state: SendState::parse(&e.state).unwrap_or(SendState::Unknown),
            source: e.source,
            detail: e.detail,
        })
        .collect())
}

/// The callback that ended a send, as stored.
pub struct EndingCallback {
    pub received_at: String,
    /// The decrypted XML as WeChat sent it.
    pub xml: String,
    /// The parsed `wechat::callback::Callback`, as JSON.
    pub parsed: String,
}

pub async fn ending_callback(
    db: &SqlitePool,
    callback_id: i64,
) -> Result<Option<EndingCallback>, StoreError> {
    Ok(sqlx::query_as!(
        EndingCallback,
        "SELECT received_at, xml, parsed FROM callbacks WHERE id = ?",
        callback_id
    )
    .fetch_optional(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::{ClientMsgId, ListPlan, Plan, part_clientmsgid};
    use crate::sends::Content;
    use crate::wechat::api::{Filter, MassMessage, SendAllRequest};

    #[test]
    fn each_call_of_a_list_has_its_own_clientmsgid_within_32_bytes() {
        let id = "qf-abcdefghijkmnpqrstuvwxy"; // 27 bytes, as new_clientmsgid
        assert_eq!(part_clientmsgid(id, 1), id);
        assert_eq!(part_clientmsgid(id, 2), format!("{id}-2"));
        assert_eq!(part_clientmsgid(id, 10), format!("{id}-10"));
        let longest = "x".repeat(32);
        let tenth = part_clientmsgid(&longest, 10);
        assert_eq!(tenth.len(), 32);
        assert!(tenth.ends_with("-10"));
        assert_ne!(part_clientmsgid(&longest, 2), part_clientmsgid(&longest, 3));
        assert!(ClientMsgId::parse(tenth).is_ok());
    }

    #[test]
    fn a_list_is_split_into_balanced_calls_with_the_message() {
        let openids: Vec<String> = (0..25_001).map(|n| format!("oSIM{n:024}")).collect();
        let plan = ListPlan::new(None, openids, 0);
        let request = SendAllRequest::new(
            Filter::everyone(),
            MassMessage::Text {
                content: "hi".into(),
            },
        );
        let calls = plan.calls(&request, "qf-list").unwrap();
        let sizes: Vec<usize> = calls.iter().map(|c| c.touser.len()).collect();
        assert_eq!(sizes, [8_334, 8_334, 8_333]);
        assert_eq!(calls[2].clientmsgid.as_ref().unwrap().as_str(), "qf-list-3");
        assert_eq!(calls[1].touser[0].as_str(), format!("oSIM{:024}", 8_334));
        // The same list in another order has the same digest.
        let mut reversed = plan.openids.clone();
        reversed.reverse();
        assert_eq!(ListPlan::new(None, reversed, 0).digest, plan.digest);
    }

    #[test]
    fn a_plan_kept_before_content_was_named_still_reads() {
        let plan = Plan {
            request: SendAllRequest::new(
                Filter::everyone(),
                MassMessage::Text {
                    content: "hi".into(),
                },
            ),
            tag_id: None,
            tag_name: None,
            audience_size: Some(12),
            summary: "hi".into(),
            articles: Vec::new(),
            content: Some(Content::text("hi")),
            repeat: None,
            campaign: Vec::new(),
            scheduled_at: None,
            list: None,
        };
        let mut json = serde_json::to_value(&plan).unwrap();
        json.as_object_mut().unwrap().remove("content");
        let old: Plan = serde_json::from_value(json).unwrap();
        assert_eq!(old.content, None);
        assert_eq!(old.summary, "hi");
    }
}
