//! Approval before a send (审核). With the account's setting "sends need
//! approval" (`accounts.needs_approval`), every send confirmed on Compose
//! (now or scheduled) waits `awaiting_approval` until an admin or reviewer
//! other than its author approves it — then it is `scheduled` for a time
//! still ahead, else `pending` and sent at once — or declines it with a
//! comment. A send whose time passed while it waited is approved only with
//! "send now" ticked. The queue (`/a/:account/approvals`) shows each waiting
//! send as it will go out; the navigation counts what needs the user: the
//! sends awaiting them, and the decisions on their own sends they have not
//! seen yet (`sends.review_seen_at`, set when they open the send's page).
//!
//! Each function is about one account (`edge::on_account`). A list send is
//! several rows (`store::parts_of`): a decision is taken for all of them in
//! one transaction, with a timeline entry for each (source `approval`) and
//! one audit line.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Content, SendState, SentArticle};
use crate::error::AppError;

/// The longest review comment, in characters.
pub const REVIEW_COMMENT_MAX_CHARS: usize = 500;

/// A reviewer's decision on a send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub approved: bool,
    pub reviewer: String,
    /// When (stored UTC).
    pub at: String,
    pub comment: Option<String>,
}

/// What the send's page shows of its approval: the decision, or what the
/// caller may do while it waits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    /// Still waiting for a reviewer.
    pub awaiting: bool,
    /// The caller may approve or decline it now: an admin or reviewer who
    /// is not its author, while it waits.
    pub can_review: bool,
    /// The caller is its author.
    pub own: bool,
    /// The time it is due, in words; `None`: it goes once approved.
    pub due: Option<String>,
    /// Its time has passed: approving it needs "send now".
    pub time_passed: bool,
    pub decision: Option<Decision>,
}

/// A send in the approval queue, as it will go out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingSend {
    pub id: i64,
    pub author: String,
    /// The caller's own send: someone else must decide.
    pub own: bool,
    /// When it was confirmed (stored UTC).
    pub created_at: String,
    /// The time it is due, in words; `None`: at once when approved.
    pub due: Option<String>,
    pub time_passed: bool,
    pub msg_type: String,
    /// The tag's name; empty for all followers.
    pub audience: String,
    /// Followers it reaches, when known (a list send's calls together).
    pub audience_size: Option<i64>,
    pub summary: String,
    pub content: Option<Content>,
    /// An article send's articles as they will be shown, sanitised.
    pub articles: Vec<ArticleShown>,
    /// The draft could not be read now: `articles` are the copy kept when
    /// the send was confirmed.
    pub articles_from_copy: bool,
    /// Calls to WeChat it makes (a list send's; 1 otherwise).
    pub calls: usize,
    /// Approving it would take the account past its mass-send quota for
    /// the period it goes in: said beside Approve.
    pub quota: Option<Box<super::quota::QuotaWarning>>,
}

/// An article as the queue shows it: its `content` sanitised on the server
/// (`article::api::for_display`), the account's uploaded images shown from
/// qunfa's copies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleShown {
    pub article: SentArticle,
    /// Images left out: WeChat's image server refuses other sites' pages.
    pub images_not_shown: usize,
}

/// One of the caller's own sends decided since they last looked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidedSend {
    pub id: i64,
    pub summary: String,
    pub state: SendState,
    pub decision: Decision,
}

/// What `/a/:account/approvals` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// The caller approves and declines (an admin or reviewer).
    pub may_review: bool,
    /// The sends awaiting approval: all of the account's for a reviewer,
    /// the caller's own otherwise.
    pub awaiting: Vec<AwaitingSend>,
    /// The caller's own sends decided since they last opened them.
    pub decided: Vec<DecidedSend>,
}

/// What needs the caller on an account: the navigation's count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    /// Others' sends awaiting the caller's approval (a reviewer's).
    pub awaiting: u64,
    /// The caller's own sends decided since they last looked.
    pub decided: u64,
}

impl Attention {
    pub fn total(self) -> u64 {
        self.awaiting + self.decided
    }
}

/// What an approval or a decline did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewOutcome {
    /// Approved: the send's state now (`scheduled`, or where sending it
    /// at once got: `submitted`, …).
    Approved {
        state: SendState,
    },
    Declined,
    /// Nothing done: it no longer awaits approval. Who decided, when no
    /// reviewer did (it was cancelled), `None`.
    AlreadyDecided {
        state: SendState,
        decision: Option<Decision>,
    },
}

/// The approval queue of the account.
#[server(endpoint = "approval_queue")]
pub async fn approval_queue(account: String) -> Result<QueueView, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::queue(&call).await
}

/// The navigation's "needs your attention" count on the account.
#[server(endpoint = "attention_count")]
pub async fn attention_count(account: String) -> Result<Attention, AppError> {
    let call = crate::edge::on_account(&account).await?;
    ssr::attention(&call).await
}

/// Approves send `id`: `scheduled` when its time is still ahead, else
/// `pending` and sent at once. A time that has passed needs `send_now`
/// (`yes`, the "send now" tick).
#[server(endpoint = "approve_send")]
pub async fn approve_send(
    account: String,
    id: i64,
    #[server(default)] comment: String,
    send_now: Option<String>,
) -> Result<ReviewOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let outcome = ssr::approve(&call, id, &comment, send_now.as_deref() == Some("yes")).await;
    ssr::back(&account, id, &outcome);
    outcome
}

/// Declines send `id`, saying why (`comment`, required): nothing is sent.
#[server(endpoint = "decline_send")]
pub async fn decline_send(
    account: String,
    id: i64,
    #[server(default)] comment: String,
) -> Result<ReviewOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let outcome = ssr::decline(&call, id, &comment).await;
    ssr::back(&account, id, &outcome);
    outcome
}

/// A stored UTC time (`2026-12-01T02:00:00.000Z`) as `2026-12-01 02:00 UTC`;
/// other text as it is.
pub fn utc_text(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) if at.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {time} UTC")
        }
        _ => at.to_owned(),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::SqlitePool;

    use super::*;
    use crate::audit::{self, Action, Facts};
    use crate::edge::{AccountCall, Call};
    use crate::error::Problem;
    use crate::sends::timeline::Note;
    use crate::sends::{life, store};
    use crate::shell::state::AccountState;
    use crate::wechat::api::{MassMessage, SendAllRequest};
    use crate::wechat::types::MediaId;

    /// A send as a decision needs it.
    struct Held {
        user_id: i64,
        author: String,
        state: SendState,
        scheduled_at: Option<String>,
        content: Option<Content>,
        request: String,
        decision: Option<Decision>,
    }

    /// Send `id` of the call's account (another account's is not found).
    async fn held(app: &AccountState, id: i64) -> Result<Held, AppError> {
        let row = sqlx::query!(
            r#"SELECT s.user_id, u.username AS author, s.state, s.scheduled_at, s.content,
                      s.request, s.reviewed_at, s.review_comment, r.username AS "reviewer?"
               FROM sends s JOIN users u ON u.id = s.user_id
               LEFT JOIN users r ON r.id = s.reviewed_by
               WHERE s.id = ?1 AND s.account_id = ?2"#,
            id,
            app.account.id,
        )
        .fetch_optional(&app.db)
        .await?
        .ok_or(Problem::SendNotFound)?;
        // The CHECK constraint allows nothing else.
        let state = SendState::parse(&row.state).unwrap_or(SendState::Unknown);
        Ok(Held {
            user_id: row.user_id,
            author: row.author,
            state,
            scheduled_at: row.scheduled_at,
            content: row
                .content
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok()),
            request: row.request,
            decision: row.reviewed_at.map(|at| Decision {
                approved: state != SendState::Declined,
                reviewer: row.reviewer.unwrap_or_default(),
                at,
                comment: row.review_comment,
            }),
        })
    }

    /// The comment as kept: trimmed, `None` when empty.
    fn comment_of(text: &str) -> Result<Option<String>, AppError> {
        let text = text.trim();
        if text.chars().count() > REVIEW_COMMENT_MAX_CHARS {
            return Err(Problem::CommentTooLong.into());
        }
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    /// Who may decide on `send`, and whether it still waits: the checks
    /// approving and declining share. `Some` is the answer for a send
    /// decided already.
    fn check(call: &AccountCall, send: &Held) -> Result<Option<ReviewOutcome>, AppError> {
        if send.user_id == call.user.id {
            return Err(Problem::OwnSendReview.into());
        }
        if send.state != SendState::AwaitingApproval {
            return Ok(Some(ReviewOutcome::AlreadyDecided {
                state: send.state,
                decision: send.decision.clone(),
            }));
        }
        Ok(None)
    }

    /// The draft an article send goes out with: named by its content, or,
    /// for a send made before its content was kept, by its request.
    fn draft_of(content: Option<&Content>, request: &str) -> Option<MediaId> {
        match content {
            Some(Content::Articles { media_id, .. }) => MediaId::parse(media_id.as_str()).ok(),
            Some(_) => None,
            None => match serde_json::from_str::<SendAllRequest>(request)
                .ok()?
                .message
            {
                MassMessage::MpNews { media_id } => Some(media_id),
                _ => None,
            },
        }
    }

    pub async fn approve(
        call: &AccountCall,
        id: i64,
        comment: &str,
        send_now: bool,
    ) -> Result<ReviewOutcome, AppError> {
        let Call { app, user, .. } = call;
        if !user.may_review() {
            return Err(Problem::ReviewersOnly.into());
        }
        let comment = comment_of(comment)?;
        let send = held(app, id).await?;
        if let Some(decided) = check(call, &send)? {
            return Ok(decided);
        }
        let now = app.account.sends.now();
        // Stored times compare as text (`Clock::timestamp`).
        let (to, late) = match send.scheduled_at.as_deref() {
            Some(at) if at > now.as_str() => (SendState::Scheduled, false),
            Some(_) if !send_now => return Err(Problem::ApprovalTimePassed.into()),
            Some(_) => (SendState::Pending, true),
            None => (SendState::Pending, false),
        };
        // What goes out is the draft as it is now, which may have changed
        // since the confirmation: its copy is read again, as Compose does.
        let articles = match draft_of(send.content.as_ref(), &send.request) {
            Some(media_id) => crate::sends::api::ssr::articles_as_sent(app, &media_id).await?,
            None => None,
        };
        let decision = Decided {
            to,
            note: Note::Approved {
                by: user.username.clone(),
                now: late,
            },
            comment,
            send_now: late,
            author: send.author,
            now,
        };
        let parts = store::parts_of(&app.db, id).await?;
        if !record(call, id, &parts, &decision, articles.as_deref()).await? {
            // Another reviewer was first.
            return decided_already(app, id).await;
        }
        if to == SendState::Pending {
            // The approval stands whatever the call does: a failed call is
            // the worker's to settle, and the send's page says where it is.
            for part in &parts {
                if let Err(error) = life::settle(
                    &app.db,
                    &app.account.wechat,
                    &app.account.sends,
                    *part,
                    "send",
                )
                .await
                {
                    tracing::error!(send = part, %error, "an approved send could not be settled now");
                }
            }
        }
        let state = held(app, id).await?.state;
        Ok(ReviewOutcome::Approved { state })
    }

    pub async fn decline(
        call: &AccountCall,
        id: i64,
        comment: &str,
    ) -> Result<ReviewOutcome, AppError> {
        let Call { app, user, .. } = call;
        if !user.may_review() {
            return Err(Problem::ReviewersOnly.into());
        }
        let comment = comment_of(comment)?;
        let send = held(app, id).await?;
        if let Some(decided) = check(call, &send)? {
            return Ok(decided);
        }
        let Some(comment) = comment else {
            return Err(Problem::DeclineNeedsComment.into());
        };
        let decision = Decided {
            to: SendState::Declined,
            note: Note::Declined {
                by: user.username.clone(),
            },
            comment: Some(comment),
            send_now: false,
            author: send.author,
            now: app.account.sends.now(),
        };
        let parts = store::parts_of(&app.db, id).await?;
        if !record(call, id, &parts, &decision, None).await? {
            return decided_already(app, id).await;
        }
        Ok(ReviewOutcome::Declined)
    }

    async fn decided_already(app: &AccountState, id: i64) -> Result<ReviewOutcome, AppError> {
        let send = held(app, id).await?;
        Ok(ReviewOutcome::AlreadyDecided {
            state: send.state,
            decision: send.decision,
        })
    }

    /// A decision about to be written.
    struct Decided {
        to: SendState,
        note: Note,
        comment: Option<String>,
        send_now: bool,
        author: String,
        /// `Clock::timestamp`.
        now: String,
    }

    /// Writes the decision on every part of send `id`, their timeline
    /// entries, the articles' fresh copy and the audit line in one
    /// transaction. `false` when a part no longer awaits approval (another
    /// reviewer was first): nothing is written.
    async fn record(
        call: &AccountCall,
        id: i64,
        parts: &[i64],
        decided: &Decided,
        articles: Option<&[SentArticle]>,
    ) -> Result<bool, AppError> {
        let Call { app, user, .. } = call;
        let mut tx = app.db.begin_with("BEGIN IMMEDIATE").await?;
        let state = decided.to.as_str();
        let note = decided.note.code();
        for part in parts {
            let done = sqlx::query!(
                r#"UPDATE sends SET state = ?1, reviewed_by = ?2, reviewed_at = ?3,
                       review_comment = ?4, review_seen_at = NULL,
                       released_at = CASE WHEN ?1 = 'pending' THEN ?3 ELSE released_at END,
                       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                   WHERE id = ?5 AND account_id = ?6 AND state = 'awaiting_approval'"#,
                state,
                user.id,
                decided.now,
                decided.comment,
                part,
                app.account.id,
            )
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query!(
                "INSERT INTO send_events (send_id, state, source, detail) VALUES (?, ?, 'approval', ?)",
                part,
                state,
                note,
            )
            .execute(&mut *tx)
            .await?;
        }
        if let Some(articles) = articles {
            let copy = serde_json::to_string(articles).map_err(AppError::unexpected)?;
            let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
            let titles = serde_json::to_string(&titles).map_err(AppError::unexpected)?;
            for part in parts {
                sqlx::query!(
                    "UPDATE sent_articles SET articles = ? WHERE send_id = ?",
                    copy,
                    part
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query!("UPDATE sends SET articles = ? WHERE id = ?", titles, part)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query!(
                "INSERT INTO sent_articles (send_id, articles) VALUES (?, ?) ON CONFLICT (send_id) DO NOTHING",
                id,
                copy,
            )
            .execute(&mut *tx)
            .await?;
        }
        let (action, facts) = audit_line(id, decided);
        audit::store::record(
            &mut tx,
            Some(app.account.id),
            Some(user.id),
            &user.username,
            action,
            &facts,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(send = id, by = %user.username, state, "send reviewed");
        Ok(true)
    }

    fn audit_line(id: i64, decided: &Decided) -> (Action, Facts) {
        let action = if decided.to == SendState::Declined {
            Action::Decline
        } else {
            Action::Approve
        };
        let facts = Facts::Review {
            send_id: id,
            author: decided.author.clone(),
            state: decided.to.as_str().to_owned(),
            send_now: decided.send_now,
            comment: decided.comment.clone(),
        };
        (action, facts)
    }

    /// Without JavaScript: back to the page the form was on (the queue or
    /// the send's page), saying what was done; a send decided already is
    /// shown on its own page, which says by whom. A refusal goes back with
    /// its problem (`edge`).
    pub fn back(account: &str, id: i64, outcome: &Result<ReviewOutcome, AppError>) {
        let send_page = format!("/a/{account}/sends/{id}");
        let queue = format!("/a/{account}/approvals");
        let from = leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| {
                let referer = parts.headers.get(axum::http::header::REFERER)?;
                let url = url::Url::parse(referer.to_str().ok()?).ok()?;
                Some(url.path().to_owned())
            })
            .filter(|path| *path == queue || *path == send_page)
            .unwrap_or_else(|| send_page.clone());
        let target = match outcome {
            Ok(ReviewOutcome::Approved { .. }) => format!("{from}?approved={id}"),
            Ok(ReviewOutcome::Declined) => format!("{from}?declined={id}"),
            Ok(ReviewOutcome::AlreadyDecided { .. }) => {
                format!("{send_page}?problem={}", Problem::AlreadyDecided.code())
            }
            Err(_) => return,
        };
        crate::edge::redirect_plain_form(&target);
    }

    /// Send `id`'s approval as its page shows it to the caller; `None` for a
    /// send that never needed one. The author's opening it marks its
    /// decision seen.
    pub async fn review(call: &AccountCall, id: i64) -> Result<Option<ReviewView>, AppError> {
        let Call { app, user, .. } = call;
        let send = held(app, id).await?;
        let awaiting = send.state == SendState::AwaitingApproval;
        if !awaiting && send.decision.is_none() {
            return Ok(None);
        }
        let own = send.user_id == user.id;
        if own && send.decision.is_some() {
            mark_seen(
                &app.db,
                app.account.id,
                user.id,
                id,
                &app.account.sends.now(),
            )
            .await?;
        }
        let now = app.account.sends.now();
        Ok(Some(ReviewView {
            awaiting,
            can_review: awaiting && !own && user.may_review(),
            own,
            time_passed: send
                .scheduled_at
                .as_deref()
                .is_some_and(|at| at <= now.as_str()),
            due: send.scheduled_at.as_deref().map(|at| {
                crate::sends::schedule::ssr::local_text(&app.account.time_zone, at, call.lang)
            }),
            decision: send.decision,
        }))
    }

    /// The author has seen the decision on send `id` (and the other calls
    /// of its list).
    async fn mark_seen(
        db: &SqlitePool,
        account: i64,
        user_id: i64,
        id: i64,
        now: &str,
    ) -> Result<(), AppError> {
        sqlx::query!(
            r#"UPDATE sends SET review_seen_at = ?4
               WHERE account_id = ?1 AND user_id = ?2
                 AND reviewed_at IS NOT NULL AND review_seen_at IS NULL
                 AND (id = ?3 OR group_id = (SELECT t.group_id FROM sends t
                          JOIN send_groups g ON g.id = t.group_id
                          WHERE t.id = ?3 AND g.kind = 'openid_list'))"#,
            account,
            user_id,
            id,
            now,
        )
        .execute(db)
        .await?;
        Ok(())
    }

    pub async fn attention(call: &AccountCall) -> Result<Attention, AppError> {
        let Call { app, user, .. } = call;
        let reviewer = user.may_review();
        // A list send is several rows and one send.
        let counts = sqlx::query!(
            r#"SELECT
                 (SELECT count(DISTINCT CASE WHEN g.kind = 'openid_list' THEN 'g' || s.group_id
                                             ELSE 's' || s.id END)
                  FROM sends s LEFT JOIN send_groups g ON g.id = s.group_id
                  WHERE ?3 AND s.account_id = ?1 AND s.state = 'awaiting_approval'
                    AND s.user_id <> ?2) AS "awaiting!: i64",
                 (SELECT count(DISTINCT CASE WHEN g.kind = 'openid_list' THEN 'g' || s.group_id
                                             ELSE 's' || s.id END)
                  FROM sends s LEFT JOIN send_groups g ON g.id = s.group_id
                  WHERE s.user_id = ?2 AND s.account_id = ?1
                    AND s.reviewed_at IS NOT NULL AND s.review_seen_at IS NULL) AS "decided!: i64""#,
            app.account.id,
            user.id,
            reviewer,
        )
        .fetch_one(&app.db)
        .await?;
        Ok(Attention {
            awaiting: counts.awaiting.max(0) as u64,
            decided: counts.decided.max(0) as u64,
        })
    }

    /// Sends a queue shows at most, oldest first.
    const QUEUE_LIMIT: i64 = 100;

    pub async fn queue(call: &AccountCall) -> Result<QueueView, AppError> {
        let Call { app, user, .. } = call;
        let may_review = user.may_review();
        let rows = sqlx::query!(
            r#"SELECT s.id AS "id!", s.created_at, s.user_id, u.username, s.msg_type, s.audience,
                      s.audience_size, s.summary, s.content, s.request, s.scheduled_at,
                      s.tag_id IS NULL AND s.endpoint = 'sendall' AS "to_all!: bool",
                      s.endpoint,
                      CASE WHEN g.kind = 'openid_list' THEN s.group_id END AS "list: i64"
               FROM sends s JOIN users u ON u.id = s.user_id
               LEFT JOIN send_groups g ON g.id = s.group_id
               WHERE s.account_id = ?1 AND s.state = 'awaiting_approval'
                 AND (?2 OR s.user_id = ?3)
               ORDER BY s.id LIMIT ?4"#,
            app.account.id,
            may_review,
            user.id,
            QUEUE_LIMIT,
        )
        .fetch_all(&app.db)
        .await?;
        let now = app.account.sends.now();
        let mut awaiting: Vec<(Option<i64>, AwaitingSend, String)> = Vec::new();
        for row in rows {
            // The other calls of a list send add to its first.
            if let Some(list) = row.list
                && let Some((_, first, _)) = awaiting.iter_mut().find(|(l, _, _)| *l == Some(list))
            {
                first.calls += 1;
                first.audience_size = match (first.audience_size, row.audience_size) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
                continue;
            }
            let send = AwaitingSend {
                id: row.id,
                author: row.username,
                own: row.user_id == user.id,
                created_at: row.created_at,
                time_passed: row
                    .scheduled_at
                    .as_deref()
                    .is_some_and(|at| at <= now.as_str()),
                due: row.scheduled_at.as_deref().map(|at| {
                    crate::sends::schedule::ssr::local_text(&app.account.time_zone, at, call.lang)
                }),
                msg_type: row.msg_type,
                audience: row.audience,
                audience_size: row.audience_size,
                summary: row.summary,
                content: row
                    .content
                    .as_deref()
                    .and_then(|c| serde_json::from_str(c).ok()),
                articles: Vec::new(),
                articles_from_copy: false,
                calls: 1,
                quota: None,
            };
            let mut send = send;
            if row.endpoint == "sendall" {
                // It goes at its time, or now when that has passed or it has none.
                let at = row
                    .scheduled_at
                    .as_deref()
                    .filter(|at| *at > now.as_str())
                    .unwrap_or(now.as_str());
                send.quota = crate::sends::quota::would_exceed(
                    &app.db,
                    app.account.id,
                    app.account.kind,
                    row.to_all,
                    at,
                    &now,
                    Some(row.id),
                )
                .await?
                .map(Box::new);
            }
            awaiting.push((row.list, send, row.request));
        }
        let mut shown = Vec::with_capacity(awaiting.len());
        for (_, mut send, request) in awaiting {
            if let Some(media_id) = draft_of(send.content.as_ref(), &request) {
                (send.articles, send.articles_from_copy) =
                    articles_to_show(app, send.id, &media_id).await?;
            }
            shown.push(send);
        }
        Ok(QueueView {
            may_review,
            awaiting: shown,
            decided: decided_unseen(app, user.id).await?,
        })
    }

    /// An article send's articles as they will go out: the draft as WeChat
    /// has it now, or, when it cannot be read, the copy kept when the send
    /// was confirmed (`true`). Sanitised for the page as the send's page
    /// shows its copy.
    async fn articles_to_show(
        app: &AccountState,
        id: i64,
        media_id: &MediaId,
    ) -> Result<(Vec<ArticleShown>, bool), AppError> {
        let (articles, from_copy) =
            match crate::sends::api::ssr::articles_as_sent(app, media_id).await {
                Ok(Some(articles)) => (articles, false),
                Ok(None) | Err(_) => (store::articles_as_sent(&app.db, id).await?, true),
            };
        let mut shown = Vec::with_capacity(articles.len());
        for mut article in articles {
            let (html, images_not_shown) =
                crate::article::api::for_display(app, std::mem::take(&mut article.content)).await?;
            article.content = html;
            shown.push(ArticleShown {
                article,
                images_not_shown,
            });
        }
        Ok((shown, from_copy))
    }

    /// The caller's sends on this account decided since they last opened
    /// them, newest first.
    async fn decided_unseen(
        app: &AccountState,
        user_id: i64,
    ) -> Result<Vec<DecidedSend>, AppError> {
        let rows = sqlx::query!(
            r#"SELECT s.id AS "id!", s.summary, s.state, s.reviewed_at AS "reviewed_at!",
                      s.review_comment, r.username AS "reviewer?",
                      CASE WHEN g.kind = 'openid_list' THEN s.group_id END AS "list: i64"
               FROM sends s LEFT JOIN users r ON r.id = s.reviewed_by
               LEFT JOIN send_groups g ON g.id = s.group_id
               WHERE s.account_id = ?1 AND s.user_id = ?2
                 AND s.reviewed_at IS NOT NULL AND s.review_seen_at IS NULL
               ORDER BY s.id DESC LIMIT ?3"#,
            app.account.id,
            user_id,
            QUEUE_LIMIT,
        )
        .fetch_all(&app.db)
        .await?;
        let mut lists = Vec::new();
        let mut decided = Vec::new();
        for row in rows {
            if let Some(list) = row.list {
                if lists.contains(&list) {
                    continue;
                }
                lists.push(list);
            }
            let state = SendState::parse(&row.state).unwrap_or(SendState::Unknown);
            decided.push(DecidedSend {
                id: row.id,
                summary: row.summary,
                state,
                decision: Decision {
                    approved: state != SendState::Declined,
                    reviewer: row.reviewer.unwrap_or_default(),
                    at: row.reviewed_at,
                    comment: row.review_comment,
                },
            });
        }
        Ok(decided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_time_reads_as_utc() {
        assert_eq!(utc_text("2026-12-01T02:05:09.123Z"), "2026-12-01 02:05 UTC");
        assert_eq!(utc_text("soon"), "soon");
    }

    #[test]
    fn attention_adds_both_kinds() {
        let attention = Attention {
            awaiting: 2,
            decided: 1,
        };
        assert_eq!(attention.total(), 3);
    }
}
