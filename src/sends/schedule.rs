//! Scheduled sends (定时群发): a send that waits in `scheduled` until its
//! time, then goes through the same outbox as any other.
//!
//! Times are stored in UTC (`Clock::timestamp` form) and entered and shown
//! in the account's time zone (`accounts.time_zone`, an IANA name). The
//! zone arithmetic (jiff, with its bundled tz database) runs on the server
//! only: the pages get strings, so no zone data goes into the wasm.
//!
//! At its time the worker (`life::worker`, each round, before `to_settle`)
//! releases a due send: `scheduled` → `pending` (then settled as any
//! other), or, when qunfa comes back later than `QUNFA_SCHEDULE_GRACE`
//! after its time, `missed` with the reason and nothing sent. Each change
//! is an `UPDATE … WHERE state = 'scheduled'`, so it happens once, and all
//! of it is in SQLite, so a restart loses nothing. Until it goes, a held
//! send can be rescheduled or cancelled (here) and edited (Compose,
//! `?edit=<id>`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::Lang;

/// A schedule is at least this far ahead when it is set.
pub const MIN_AHEAD_SECS: i64 = 60;
/// And at most this far.
pub const MAX_AHEAD_DAYS: i64 = 90;

/// What a held send's page shows of its time and offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldView {
    /// Its time in the account's zone, the zone named; `None`: no time
    /// (awaiting approval, to go at once).
    pub when: Option<String>,
    /// Its time as a `datetime-local` value, for the reschedule form.
    pub when_input: String,
    /// The account's zone in words, for the form's label.
    pub zone: String,
    /// The caller may edit, reschedule and cancel it (its author, an admin
    /// or a reviewer).
    pub may_change: bool,
    /// The caller may open it in Compose to edit it (its author: the
    /// compose attempt is theirs).
    pub may_edit: bool,
}

/// What "Reschedule" or "Cancel" did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeldOutcome {
    /// A new time, in the account's zone.
    Rescheduled(String),
    Cancelled,
    /// The time cannot be used, in words.
    Invalid(String),
}

/// "Reschedule": a new time (`datetime-local`, the account's zone) for a
/// held send and the other calls of its list.
#[server(endpoint = "reschedule_send")]
pub async fn reschedule_send(
    account: String,
    id: i64,
    send_at: String,
) -> Result<HeldOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    let outcome = ssr::reschedule(&call, id, &send_at).await?;
    let back = match &outcome {
        HeldOutcome::Invalid(_) => format!("/a/{account}/sends/{id}?time_problem=1"),
        _ => format!("/a/{account}/sends/{id}"),
    };
    crate::edge::redirect_plain_form(&back);
    Ok(outcome)
}

/// "Cancel": a held send (and its list's other calls) becomes `cancelled`;
/// `confirm` must be `yes`.
#[server(endpoint = "cancel_send")]
pub async fn cancel_send(
    account: String,
    id: i64,
    confirm: Option<String>,
) -> Result<HeldOutcome, AppError> {
    let call = crate::edge::on_account(&account).await?;
    if confirm.as_deref() != Some("yes") {
        return Err(crate::error::Problem::ConfirmCancel.into());
    }
    let outcome = ssr::cancel(&call, id).await?;
    crate::edge::redirect_plain_form(&format!("/a/{account}/sends/{id}"));
    Ok(outcome)
}

/// The address of Compose with held send `id` in it, to edit.
pub fn edit_url(account: &str, id: i64) -> String {
    format!("/a/{account}/compose?edit={id}")
}

/// A zone's name as the pages say it: China time by its common name.
pub fn zone_words(zone: &str, lang: Lang) -> String {
    match zone {
        "Asia/Shanghai" => lang
            .pick("北京时间 / Asia/Shanghai", "China time / Asia/Shanghai")
            .to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::time::Duration;

    use jiff::Timestamp;
    use jiff::civil::DateTime;
    use jiff::tz::{AmbiguousOffset, TimeZone};
    use sqlx::{SqliteConnection, SqlitePool};

    use super::{HeldOutcome, MAX_AHEAD_DAYS, MIN_AHEAD_SECS};
    use crate::audit::{self, Action};
    use crate::auth::CurrentUser;
    use crate::edge::{AccountCall, Call};
    use crate::error::{AppError, Problem};
    use crate::i18n::Lang;
    use crate::sends::store::Plan;
    use crate::sends::store::{self, StoreError};
    use crate::sends::{FieldProblem, SendState, SentArticle};
    use crate::shell::state::AccountState;
    use crate::wechat::api::MassMessage;
    use crate::wechat::client::{CallError, WechatClient};
    use crate::wechat::errcode::ErrCode;
    use crate::wechat::types::MediaId;

    /// The zone an IANA name names, from the bundled tz database.
    pub fn zone(name: &str) -> Option<TimeZone> {
        let name = name.trim();
        // A fixed offset or POSIX rule is not an IANA name.
        if name.is_empty() || !name.contains('/') && name != "UTC" {
            return None;
        }
        TimeZone::get(name).ok()
    }

    /// The IANA name as the database spells it (`europe/berlin` →
    /// `Europe/Berlin`), or `None` for a name it does not know.
    pub fn canonical_zone(name: &str) -> Option<String> {
        zone(name).and_then(|tz| tz.iana_name().map(str::to_owned))
    }

    fn zone_or_china(name: &str) -> TimeZone {
        zone(name)
            .or_else(|| TimeZone::get("Asia/Shanghai").ok())
            .unwrap_or(TimeZone::UTC)
    }

    /// `Clock::timestamp` form: `2026-12-01T06:00:00.000Z`.
    pub fn utc_text(at: Timestamp) -> String {
        let t = TimeZone::UTC.to_datetime(at);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.subsec_nanosecond() / 1_000_000
        )
    }

    /// A stored UTC time.
    pub fn parse_utc(text: &str) -> Option<Timestamp> {
        text.trim().parse().ok()
    }

    /// Why a local time cannot be used.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum LocalProblem {
        /// Not `YYYY-MM-DDTHH:MM`.
        NotATime,
        /// The clocks skip it in this zone (daylight saving starts).
        Skipped,
    }

    /// A `datetime-local` value in `zone` as a UTC instant. A time the
    /// clocks pass twice (daylight saving ends) is the first of the two,
    /// which the page then shows with its offset.
    pub fn to_utc(zone: &TimeZone, local: &str) -> Result<Timestamp, LocalProblem> {
        let civil: DateTime = local.trim().parse().map_err(|_| LocalProblem::NotATime)?;
        let ambiguous = zone.to_ambiguous_timestamp(civil);
        match ambiguous.offset() {
            AmbiguousOffset::Gap { .. } => Err(LocalProblem::Skipped),
            _ => ambiguous.earlier().map_err(|_| LocalProblem::NotATime),
        }
    }

    /// Checks the editor's "At…" time against the rules (a valid local
    /// time in the account's zone, at least a minute after `now`, at most
    /// 90 days) and gives it in UTC (`Clock::timestamp` form).
    pub fn check_send_at(zone_name: &str, local: &str, now: &str) -> Result<String, FieldProblem> {
        let tz = zone_or_china(zone_name);
        if local.trim().is_empty() {
            return Err(FieldProblem::Required);
        }
        let at = to_utc(&tz, local).map_err(|problem| match problem {
            LocalProblem::NotATime => FieldProblem::NotALocalTime,
            LocalProblem::Skipped => FieldProblem::TimeSkipped {
                zone: zone_name.to_owned(),
            },
        })?;
        let now = parse_utc(now).unwrap_or_else(Timestamp::now);
        let ahead = at.as_second() - now.as_second();
        if ahead < MIN_AHEAD_SECS {
            return Err(FieldProblem::TimeTooSoon);
        }
        if ahead > MAX_AHEAD_DAYS * 86_400 {
            return Err(FieldProblem::TimeTooFar {
                days: MAX_AHEAD_DAYS as u32,
            });
        }
        Ok(utc_text(at))
    }

    /// Whether `civil` in `zone` is a time the clocks pass twice.
    fn passed_twice(zone: &TimeZone, civil: DateTime) -> bool {
        matches!(
            zone.to_ambiguous_timestamp(civil).offset(),
            AmbiguousOffset::Fold { .. }
        )
    }

    /// A stored UTC time in `zone` for the pages, the zone named:
    /// "2026-12-01 14:00 (China time / Asia/Shanghai)". A time the clocks
    /// pass twice carries its offset. `utc` as stored; one that does not
    /// parse is shown as it is.
    pub fn local_text(zone_name: &str, utc: &str, lang: Lang) -> String {
        let Some(at) = parse_utc(utc) else {
            return utc.to_owned();
        };
        let tz = zone_or_china(zone_name);
        let civil = tz.to_datetime(at);
        let mut text = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            civil.year(),
            civil.month(),
            civil.day(),
            civil.hour(),
            civil.minute()
        );
        if passed_twice(&tz, civil) {
            let offset = tz.to_offset(at).seconds();
            let sign = if offset < 0 { '-' } else { '+' };
            let offset = offset.abs();
            text.push_str(&format!(
                " UTC{sign}{:02}:{:02}",
                offset / 3600,
                offset % 3600 / 60
            ));
        }
        let zone = super::zone_words(tz.iana_name().unwrap_or(zone_name), lang);
        match lang {
            Lang::Zh => format!("{text}（{zone}）"),
            Lang::En => format!("{text} ({zone})"),
        }
    }

    /// The short form History lists: "12-01 14:00", in the account's zone.
    pub fn short_text(zone_name: &str, utc: &str) -> String {
        let Some(at) = parse_utc(utc) else {
            return utc.to_owned();
        };
        let civil = zone_or_china(zone_name).to_datetime(at);
        format!(
            "{:02}-{:02} {:02}:{:02}",
            civil.month(),
            civil.day(),
            civil.hour(),
            civil.minute()
        )
    }

    /// A stored UTC time as a `datetime-local` value in the zone.
    pub fn input_value(zone_name: &str, utc: &str) -> String {
        let Some(at) = parse_utc(utc) else {
            return String::new();
        };
        let civil = zone_or_china(zone_name).to_datetime(at);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            civil.year(),
            civil.month(),
            civil.day(),
            civil.hour(),
            civil.minute()
        )
    }

    /// A grace in words: "15 minutes", "1 hour 30 minutes".
    fn duration_words(duration: Duration, lang: Lang) -> String {
        let secs = duration.as_secs();
        let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
        let mut parts = Vec::new();
        match lang {
            Lang::Zh => {
                if h > 0 {
                    parts.push(format!("{h} 小时"));
                }
                if m > 0 {
                    parts.push(format!("{m} 分钟"));
                }
                if s > 0 || parts.is_empty() {
                    parts.push(format!("{s} 秒"));
                }
                parts.join(" ")
            }
            Lang::En => {
                let unit =
                    |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
                if h > 0 {
                    parts.push(unit(h, "hour"));
                }
                if m > 0 {
                    parts.push(unit(m, "minute"));
                }
                if s > 0 || parts.is_empty() {
                    parts.push(unit(s, "second"));
                }
                parts.join(" ")
            }
        }
    }

    /// A timeline note with UTC times in it, its times put in the account's
    /// zone for the page (`missed:<due>|<back>|<grace secs>` and
    /// `rescheduled:<time>`); any other note as it is.
    pub fn local_note(zone_name: &str, detail: &str, lang: Lang) -> String {
        let prefix = ["missed:", "missed_draft:"]
            .into_iter()
            .find(|p| detail.starts_with(p));
        if let Some(prefix) = prefix
            && let [due, back, grace] = detail[prefix.len()..].split('|').collect::<Vec<_>>()[..]
        {
            let grace = grace.parse().map(Duration::from_secs).unwrap_or_default();
            return format!(
                "{prefix}{}|{}|{}",
                local_text(zone_name, due, lang),
                local_text(zone_name, back, lang),
                duration_words(grace, lang)
            );
        }
        if let Some(at) = detail.strip_prefix("rescheduled:") {
            return format!("rescheduled:{}", local_text(zone_name, at, lang));
        }
        detail.to_owned()
    }

    /// The articles of draft `media_id` as they are about to go out
    /// (`draft/get`): WeChat deletes the draft once it is sent, so the send
    /// keeps this copy. `None`: WeChat does not know the draft (40007);
    /// `sendall` then refuses it and the send records why.
    pub async fn copy_of_draft(
        wechat: &WechatClient,
        media_id: &MediaId,
    ) -> Result<Option<Vec<SentArticle>>, CallError> {
        match wechat.draft_get(media_id).await {
            Ok(draft) => Ok(Some(
                draft
                    .news_item
                    .into_iter()
                    .map(|a| SentArticle {
                        title: a.title,
                        author: a.author.filter(|s| !s.is_empty()),
                        digest: a.digest.filter(|s| !s.is_empty()),
                        content: a.content.unwrap_or_default(),
                        content_source_url: a.content_source_url.filter(|s| !s.is_empty()),
                        thumb_media_id: a.thumb_media_id.filter(|s| !s.is_empty()),
                        cover_url: a.thumb_url.filter(|s| !s.is_empty()),
                    })
                    .collect(),
            )),
            Err(CallError::Api(api)) if api.code == ErrCode::InvalidMediaId => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// A due send as the release reads it.
    struct Due {
        id: i64,
        scheduled_at: String,
        request: String,
    }

    /// Due sends read per round per account: the rest wait for the next.
    const RELEASED_PER_ROUND: i64 = 1000;

    /// Releases `account`'s scheduled sends whose time is at or before
    /// `now` (`Clock::timestamp`): `pending` (`released_at` = now) when
    /// at most `grace` late, else `missed`, with the reason in its
    /// timeline. An mpnews send gets its copy of the draft's articles now,
    /// as they go out; a draft WeChat cannot be asked for leaves the send
    /// scheduled, a note in its timeline, and is tried again next round
    /// until the grace is over. Returns how many were released.
    pub async fn release_due(
        db: &SqlitePool,
        wechat: &WechatClient,
        account: i64,
        now: &str,
        grace: Duration,
    ) -> Result<usize, StoreError> {
        let due = sqlx::query_as!(
            Due,
            r#"SELECT id AS "id!", scheduled_at AS "scheduled_at!", request FROM sends
               WHERE state = 'scheduled' AND scheduled_at <= ?1 AND account_id = ?2
               ORDER BY scheduled_at, id LIMIT ?3"#,
            now,
            account,
            RELEASED_PER_ROUND,
        )
        .fetch_all(db)
        .await?;
        let now_at = parse_utc(now).unwrap_or_else(Timestamp::now);
        let mut released = 0;
        for send in due {
            let late = parse_utc(&send.scheduled_at)
                .map_or(i64::MAX, |at| now_at.as_second() - at.as_second());
            if late > grace.as_secs() as i64 {
                let unreadable = store_has_note(db, send.id, DRAFT_UNREADABLE).await?;
                let note = if unreadable {
                    format!(
                        "missed_draft:{}|{}|{}",
                        send.scheduled_at,
                        now,
                        grace.as_secs()
                    )
                } else {
                    format!("missed:{}|{}|{}", send.scheduled_at, now, grace.as_secs())
                };
                if change_held(
                    db,
                    &[send.id],
                    SendState::Missed,
                    None,
                    &note,
                    &[SendState::Scheduled],
                )
                .await?
                {
                    tracing::warn!(
                        send = send.id,
                        "a scheduled send was missed: qunfa came back later than the grace"
                    );
                }
                continue;
            }
            let copy = match mpnews_media_id(&send.request) {
                Some(media_id) => match copy_of_draft(wechat, &media_id).await {
                    Ok(copy) => copy,
                    Err(error) => {
                        tracing::warn!(send = send.id, %error, "draft/get at a scheduled send's time failed; trying again");
                        store::note_once(db, send.id, "schedule", DRAFT_UNREADABLE).await?;
                        continue;
                    }
                },
                None => None,
            };
            if release(db, &send, now, copy.as_deref()).await? {
                released += 1;
            }
        }
        Ok(released)
    }

    /// The note of a draft that could not be read at the send's time.
    const DRAFT_UNREADABLE: &str = "draft_unreadable";

    async fn store_has_note(db: &SqlitePool, id: i64, detail: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM send_events WHERE send_id = ? AND detail = ?) AS "has!: bool""#,
            id,
            detail
        )
        .fetch_one(db)
        .await?)
    }

    fn mpnews_media_id(request: &str) -> Option<MediaId> {
        let body: serde_json::Value = serde_json::from_str(request).ok()?;
        if body.get("msgtype")?.as_str()? != "mpnews" {
            return None;
        }
        MediaId::parse(body.get("mpnews")?.get("media_id")?.as_str()?).ok()
    }

    /// `scheduled` → `pending` once, with its timeline entry and the
    /// articles' copy; only as it was read (its time and body): a send
    /// rescheduled or edited while its draft was being read stays held.
    async fn release(
        db: &SqlitePool,
        send: &Due,
        now: &str,
        copy: Option<&[SentArticle]>,
    ) -> Result<bool, StoreError> {
        let id = send.id;
        let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query!(
            r#"UPDATE sends SET state = 'pending', released_at = ?1,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
               WHERE id = ?2 AND state = 'scheduled' AND scheduled_at = ?3 AND request = ?4"#,
            now,
            id,
            send.scheduled_at,
            send.request
        )
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query!(
            "INSERT INTO send_events (send_id, state, source) VALUES (?, 'pending', 'schedule')",
            id
        )
        .execute(&mut *tx)
        .await?;
        if let Some(copy) = copy {
            let articles = serde_json::to_string(copy)?;
            sqlx::query!(
                "INSERT OR REPLACE INTO sent_articles (send_id, articles) VALUES (?, ?)",
                id,
                articles
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves sends `ids` from one of the states `from` to `to` (a new
    /// `scheduled_at` when given) with a timeline entry each: all or none,
    /// in one transaction. `false` when any had left those states (it went
    /// meanwhile): nothing is written.
    async fn change_held(
        db: &SqlitePool,
        ids: &[i64],
        to: SendState,
        scheduled_at: Option<&str>,
        note: &str,
        from: &[SendState],
    ) -> Result<bool, StoreError> {
        let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
        let to_text = to.as_str();
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let from = serde_json::to_string(&from)?;
        for &id in ids {
            let updated = sqlx::query!(
                r#"UPDATE sends SET state = ?1, scheduled_at = coalesce(?2, scheduled_at),
                       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                   WHERE id = ?3 AND state IN (SELECT value FROM json_each(?4))"#,
                to_text,
                scheduled_at,
                id,
                from,
            )
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query!(
                "INSERT INTO send_events (send_id, state, source, detail) VALUES (?, ?, 'schedule', ?)",
                id,
                to_text,
                note
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Send `id` of the call's account, held, and the caller one who may
    /// change it: its author, an admin or a reviewer.
    async fn held_send(call: &AccountCall, id: i64) -> Result<store::SendRecord, AppError> {
        let Call { app, user, .. } = call;
        let send = store::load_send(&app.db, id)
            .await?
            .filter(|send| send.account_id == app.account.id)
            .ok_or(Problem::SendNotFound)?;
        if send.user_id != user.id && !user.may_review() {
            return Err(Problem::NotYourSchedule.into());
        }
        if !send.state.is_held() {
            return Err(Problem::SendNotHeld.into());
        }
        Ok(send)
    }

    async fn record(
        call: &AccountCall,
        action: Action,
        facts: &audit::Facts,
    ) -> Result<(), AppError> {
        let Call { app, user, .. } = call;
        let mut db = app.db.acquire().await?;
        audit::store::record(
            &mut db,
            Some(app.account.id),
            Some(user.id),
            &user.username,
            action,
            facts,
        )
        .await?;
        Ok(())
    }

    pub async fn reschedule(
        call: &AccountCall,
        id: i64,
        local: &str,
    ) -> Result<HeldOutcome, AppError> {
        let app = &call.app;
        held_send(call, id).await?;
        let zone = app.account.time_zone.clone();
        let at = match check_send_at(&zone, local, &app.account.sends.now()) {
            Ok(at) => at,
            Err(problem) => {
                let error = crate::sends::FieldError::new(crate::sends::Field::SendAt, problem);
                return Ok(HeldOutcome::Invalid(error.words(call.lang)));
            }
        };
        let parts = store::parts_of(&app.db, id).await?;
        let note = format!("rescheduled:{at}");
        let held = [SendState::Scheduled, SendState::AwaitingApproval];
        // An awaiting send keeps its state; a scheduled one stays scheduled,
        // unless the account's sends need approval: the reviewer approved
        // it for its time, so a new time waits for a reviewer again.
        let state = store::load_send(&app.db, id).await?.map(|s| s.state);
        let to = match state {
            Some(SendState::Scheduled) if app.account.needs_approval => SendState::AwaitingApproval,
            state => state.unwrap_or(SendState::Scheduled),
        };
        if !change_held(&app.db, &parts, to, Some(&at), &note, &held).await? {
            return Err(Problem::SendNotHeld.into());
        }
        if to == SendState::AwaitingApproval {
            for part in &parts {
                sqlx::query!(
                    "UPDATE sends SET reviewed_by = NULL, reviewed_at = NULL, review_comment = NULL
                     WHERE id = ? AND state = 'awaiting_approval'",
                    part
                )
                .execute(&app.db)
                .await?;
            }
        }
        let facts = audit::Facts::Schedule {
            send_id: id,
            scheduled_at: Some(at.clone()),
        };
        record(call, Action::Reschedule, &facts).await?;
        Ok(HeldOutcome::Rescheduled(local_text(&zone, &at, call.lang)))
    }

    pub async fn cancel(call: &AccountCall, id: i64) -> Result<HeldOutcome, AppError> {
        let app = &call.app;
        held_send(call, id).await?;
        let parts = store::parts_of(&app.db, id).await?;
        let held = [SendState::Scheduled, SendState::AwaitingApproval];
        if !change_held(
            &app.db,
            &parts,
            SendState::Cancelled,
            None,
            "cancelled",
            &held,
        )
        .await?
        {
            return Err(Problem::SendNotHeld.into());
        }
        let facts = audit::Facts::Schedule {
            send_id: id,
            scheduled_at: None,
        };
        record(call, Action::Cancel, &facts).await?;
        Ok(HeldOutcome::Cancelled)
    }

    /// What the send page shows of a held send, for `call`'s user.
    /// `not_editable`: a send to a list of followers or a part of a
    /// campaign, which Compose does not edit (it may be rescheduled or
    /// cancelled).
    pub fn held_view(
        call: &AccountCall,
        author: i64,
        scheduled_at: Option<&str>,
        not_editable: bool,
    ) -> super::HeldView {
        let Call { app, user, lang } = call;
        let zone = &app.account.time_zone;
        super::HeldView {
            when: scheduled_at.map(|at| local_text(zone, at, *lang)),
            when_input: scheduled_at
                .map(|at| input_value(zone, at))
                .unwrap_or_default(),
            zone: super::zone_words(zone, *lang),
            may_change: author == user.id || user.may_review(),
            may_edit: author == user.id && !not_editable,
        }
    }

    /// The held sends (their ids) whose stored request sends draft
    /// `media_id`: a draft they will send cannot be deleted.
    pub async fn held_sends_of_draft(
        db: &SqlitePool,
        account: i64,
        media_id: &str,
    ) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT id AS "id!" FROM sends
               WHERE account_id = ?1 AND state IN ('scheduled', 'awaiting_approval')
                 AND msg_type = 'mpnews'
                 AND json_extract(request, '$.mpnews.media_id') = ?2
               ORDER BY id"#,
            account,
            media_id
        )
        .fetch_all(db)
        .await?)
    }

    /// The time of the held send made from compose attempt `clientmsgid`
    /// (UTC), if there is one with a time.
    pub async fn held_time(
        db: &mut SqliteConnection,
        account: i64,
        clientmsgid: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT scheduled_at FROM sends
               WHERE clientmsgid = ? AND account_id = ?
                 AND state IN ('scheduled', 'awaiting_approval')"#,
            clientmsgid,
            account
        )
        .fetch_optional(db)
        .await?
        .flatten())
    }

    /// Whether compose attempt `clientmsgid` made a send that is held: it
    /// may be checked and confirmed again, to change that send.
    pub async fn is_held_attempt(
        db: &mut SqliteConnection,
        account: i64,
        clientmsgid: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM sends WHERE clientmsgid = ? AND account_id = ?
                 AND state IN ('scheduled', 'awaiting_approval')) AS "held!: bool""#,
            clientmsgid,
            account
        )
        .fetch_one(db)
        .await?)
    }

    /// A confirmation of an attempt whose send exists and is held, with a
    /// plan that differs from it: that send is changed to the plan
    /// (message, audience, summary, time) in one transaction, if it is
    /// still held; a send that went meanwhile is refused in words. `None`:
    /// no such send, or nothing changed (a second click), which
    /// `create_send` answers as before. A send edited to go now is
    /// released with its draft's copy, `true` beside its id: the caller
    /// settles it.
    pub async fn edit_held(
        app: &AccountState,
        user: &CurrentUser,
        clientmsgid: &str,
        plan: &Plan,
        now: &str,
    ) -> Result<Option<(i64, bool)>, AppError> {
        let request = serde_json::to_string(&plan.request).map_err(AppError::unexpected)?;
        let account = app.account.id;
        let stored = sqlx::query!(
            r#"SELECT id AS "id!", state, request, tag_id, scheduled_at, endpoint FROM sends
               WHERE clientmsgid = ? AND account_id = ?"#,
            clientmsgid,
            account
        )
        .fetch_optional(&app.db)
        .await?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        // A list send's calls hold `mass/send` bodies, not this plan's: it
        // is not edited (its page offers no Edit), and a held send does not
        // switch to or from a list. Confirm again on a list send finds it.
        match (stored.endpoint == "send", plan.list.is_some()) {
            (true, true) => return Ok(None),
            (true, false) | (false, true) => {
                return Err(Problem::HeldSendNotEditable.into());
            }
            (false, false) => {}
        }
        let tag_id = plan.tag_id.map(|t| t as i64);
        if stored.request == request
            && stored.scheduled_at == plan.scheduled_at
            && stored.tag_id == tag_id
        {
            return Ok(None);
        }
        // Something changed: a campaign's other accounts would keep their
        // own sends, so a held campaign is not edited.
        if !plan.campaign.is_empty() && SendState::parse(&stored.state).is_some_and(|s| s.is_held())
        {
            return Err(Problem::HeldSendNotEditable.into());
        }
        let state = SendState::parse(&stored.state).unwrap_or(SendState::Unknown);
        if !state.is_held() {
            return Err(Problem::SendNotHeld.into());
        }
        // A change after an approval is a message nobody approved: it waits
        // for a reviewer again.
        let to = if state == SendState::AwaitingApproval || app.account.needs_approval {
            SendState::AwaitingApproval
        } else if plan.scheduled_at.is_some() {
            SendState::Scheduled
        } else {
            SendState::Pending
        };
        let copy = match &plan.request.message {
            MassMessage::MpNews { media_id } if to == SendState::Pending => copy_of_draft(
                &app.account.wechat,
                media_id,
            )
            .await
            .map_err(|error| {
                tracing::warn!(%error, "draft/get before an edited send failed; nothing sent");
                AppError::from(Problem::DraftUnreadable)
            })?,
            _ => None,
        };
        let id = stored.id;
        let to_text = to.as_str();
        let audience = plan.tag_name.clone().unwrap_or_default();
        let size = plan.audience_size.map(|n| n as i64);
        let msg_type = plan.request.message.msg_type().as_str();
        let articles = (!plan.articles.is_empty())
            .then(|| serde_json::to_string(&plan.articles))
            .transpose()
            .map_err(AppError::unexpected)?;
        let content = plan
            .content
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(AppError::unexpected)?;
        let mut tx = app.db.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query!(
            r#"UPDATE sends SET msg_type = ?1, tag_id = ?2, audience = ?3, audience_size = ?4,
                   summary = ?5, request = ?6, articles = ?7, content = ?8, scheduled_at = ?9,
                   state = ?10, released_at = CASE WHEN ?10 = 'pending' THEN ?11 END,
                   reviewed_by = CASE WHEN ?10 = 'awaiting_approval' THEN NULL ELSE reviewed_by END,
                   reviewed_at = CASE WHEN ?10 = 'awaiting_approval' THEN NULL ELSE reviewed_at END,
                   review_comment = CASE WHEN ?10 = 'awaiting_approval' THEN NULL
                       ELSE review_comment END,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
               WHERE id = ?12 AND state IN ('scheduled', 'awaiting_approval')"#,
            msg_type,
            tag_id,
            audience,
            size,
            plan.summary,
            request,
            articles,
            content,
            plan.scheduled_at,
            to_text,
            now,
            id,
        )
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Problem::SendNotHeld.into());
        }
        sqlx::query!(
            "INSERT INTO send_events (send_id, state, source, detail) VALUES (?, ?, 'schedule', 'edited')",
            id,
            to_text
        )
        .execute(&mut *tx)
        .await?;
        if let Some(copy) = copy {
            let articles = serde_json::to_string(&copy).map_err(AppError::unexpected)?;
            sqlx::query!(
                "INSERT OR REPLACE INTO sent_articles (send_id, articles) VALUES (?, ?)",
                id,
                articles
            )
            .execute(&mut *tx)
            .await?;
        }
        let facts = audit::Facts::Schedule {
            send_id: id,
            scheduled_at: plan.scheduled_at.clone(),
        };
        audit::store::record(
            &mut tx,
            Some(account),
            Some(user.id),
            &user.username,
            Action::EditScheduled,
            &facts,
        )
        .await?;
        tx.commit().await?;
        Ok(Some((id, to == SendState::Pending)))
    }

    /// Why qunfa's draft `id` cannot be deleted, in words naming the held
    /// sends (with their pages' addresses) that will send it; `None` when
    /// none will.
    pub async fn draft_held(call: &AccountCall, id: i64) -> Result<Option<String>, AppError> {
        let Call { app, lang, .. } = call;
        let mut db = app.db.acquire().await?;
        let media_id = crate::drafts::store::find(&mut db, app.account.id, id)
            .await
            .map_err(AppError::unexpected)?
            .and_then(|row| row.media_id);
        drop(db);
        let Some(media_id) = media_id else {
            return Ok(None);
        };
        let held = held_sends_of_draft(&app.db, app.account.id, &media_id).await?;
        if held.is_empty() {
            return Ok(None);
        }
        let mut names = Vec::new();
        for send in held {
            let when = store::load_send(&app.db, send)
                .await?
                .and_then(|s| s.scheduled_at)
                .map(|at| local_text(&app.account.time_zone, &at, *lang));
            let page = format!("/a/{}/sends/{send}", app.account.slug);
            names.push(match (lang, when) {
                (Lang::Zh, Some(at)) => format!("#{send}（定时 {at}，{page}）"),
                (Lang::En, Some(at)) => format!("#{send} (at {at}, {page})"),
                (_, None) => format!("#{send} ({page})"),
            });
        }
        let names = names.join(", ");
        Ok(Some(match lang {
            Lang::Zh => format!(
                "不能删除这篇草稿：定时或待审核的群发 {names} 将发送它。请先打开那条群发并取消定时，再删除草稿。"
            ),
            Lang::En => format!(
                "This draft cannot be deleted: the scheduled or awaiting send {names} will send it. Open that send and cancel its schedule first, then delete the draft."
            ),
        }))
    }

    /// Whether a stored time is due at `now`.
    pub fn is_past(utc: &str, now: &str) -> bool {
        match (parse_utc(utc), parse_utc(now)) {
            (Some(at), Some(now)) => at <= now,
            _ => false,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn berlin() -> TimeZone {
            zone("Europe/Berlin").unwrap()
        }

        #[test]
        fn china_time_is_eight_hours_ahead_of_utc() {
            let tz = zone("Asia/Shanghai").unwrap();
            let at = to_utc(&tz, "2026-12-01T14:00").unwrap();
            assert_eq!(utc_text(at), "2026-12-01T06:00:00.000Z");
            assert_eq!(
                local_text("Asia/Shanghai", "2026-12-01T06:00:00.000Z", Lang::En),
                "2026-12-01 14:00 (China time / Asia/Shanghai)"
            );
            assert_eq!(
                local_text("Asia/Shanghai", "2026-12-01T06:00:00.000Z", Lang::Zh),
                "2026-12-01 14:00（北京时间 / Asia/Shanghai）"
            );
            assert_eq!(
                short_text("Asia/Shanghai", "2026-12-01T06:00:00.000Z"),
                "12-01 14:00"
            );
            assert_eq!(
                input_value("Asia/Shanghai", "2026-12-01T06:00:00.000Z"),
                "2026-12-01T14:00"
            );
        }

        #[test]
        fn berlin_follows_its_daylight_saving() {
            // Winter: UTC+1; summer: UTC+2.
            assert_eq!(
                utc_text(to_utc(&berlin(), "2026-12-01T14:00").unwrap()),
                "2026-12-01T13:00:00.000Z"
            );
            assert_eq!(
                utc_text(to_utc(&berlin(), "2026-07-01T14:00").unwrap()),
                "2026-07-01T12:00:00.000Z"
            );
        }

        #[test]
        fn a_time_the_clocks_skip_is_refused_and_one_they_pass_twice_is_the_first() {
            // 2026-03-29: 02:00 → 03:00 in Berlin; 02:30 never happens.
            assert_eq!(
                to_utc(&berlin(), "2026-03-29T02:30"),
                Err(LocalProblem::Skipped)
            );
            // 2026-10-25: 03:00 → 02:00; 02:30 happens twice, first at UTC+2.
            let first = to_utc(&berlin(), "2026-10-25T02:30").unwrap();
            assert_eq!(utc_text(first), "2026-10-25T00:30:00.000Z");
            assert_eq!(
                local_text("Europe/Berlin", "2026-10-25T00:30:00.000Z", Lang::En),
                "2026-10-25 02:30 UTC+02:00 (Europe/Berlin)"
            );
            assert_eq!(
                local_text("Europe/Berlin", "2026-10-25T01:30:00.000Z", Lang::En),
                "2026-10-25 02:30 UTC+01:00 (Europe/Berlin)"
            );
            let now = "2026-03-01T00:00:00.000Z";
            assert_eq!(
                check_send_at("Europe/Berlin", "2026-03-29T02:30", now),
                Err(FieldProblem::TimeSkipped {
                    zone: "Europe/Berlin".into()
                })
            );
        }

        #[test]
        fn a_time_is_a_minute_to_ninety_days_ahead() {
            let now = "2026-12-01T06:00:00.000Z";
            let zone = "Asia/Shanghai";
            assert_eq!(
                check_send_at(zone, "2026-12-01T14:00", now),
                Err(FieldProblem::TimeTooSoon)
            );
            assert_eq!(
                check_send_at(zone, "2026-12-01T13:00", now),
                Err(FieldProblem::TimeTooSoon)
            );
            assert_eq!(
                check_send_at(zone, "2026-12-01T14:01", now).as_deref(),
                Ok("2026-12-01T06:01:00.000Z")
            );
            assert_eq!(
                check_send_at(zone, "2027-03-02T14:00", now),
                Err(FieldProblem::TimeTooFar { days: 90 })
            );
            assert_eq!(
                check_send_at(zone, "tomorrow", now),
                Err(FieldProblem::NotALocalTime)
            );
            assert_eq!(
                check_send_at(zone, "2026-02-30T10:00", now),
                Err(FieldProblem::NotALocalTime)
            );
            assert_eq!(check_send_at(zone, " ", now), Err(FieldProblem::Required));
        }

        #[test]
        fn zones_are_iana_names() {
            assert_eq!(
                canonical_zone("Europe/Berlin").as_deref(),
                Some("Europe/Berlin")
            );
            assert_eq!(
                canonical_zone(" Asia/Shanghai ").as_deref(),
                Some("Asia/Shanghai")
            );
            assert_eq!(canonical_zone("UTC").as_deref(), Some("UTC"));
            for not_a_zone in [
                "",
                "Mars/Olympus",
                "+08:00",
                "CST",
                "EST5EDT,M3.2.0,M11.1.0",
            ] {
                assert_eq!(canonical_zone(not_a_zone), None, "{not_a_zone}");
            }
        }

        #[test]
        fn a_missed_note_is_worded_in_the_accounts_zone() {
            let note = local_note(
                "Asia/Shanghai",
                "missed:2026-12-01T06:00:00.000Z|2026-12-01T07:00:00.000Z|900",
                Lang::En,
            );
            assert_eq!(
                note,
                "missed:2026-12-01 14:00 (China time / Asia/Shanghai)|2026-12-01 15:00 (China time / Asia/Shanghai)|15 minutes"
            );
        }
    }
}
