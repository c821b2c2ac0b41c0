//! The life of a send after it is stored: the `sendall` call, what its
//! answer means, and the worker that settles sends left `pending` (a crash
//! between the commit and the call) or `unknown` (no answer).
//!
//! Every call of a send carries the send's own `clientmsgid` and its stored
//! body byte for byte, so WeChat itself refuses a second send (45065, with
//! the first `msg_id`). One process settles a send at a time: requests and
//! the worker claim it in [`SendsState`] first.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::store::{self, StoreError, Transition};
use super::timeline::Note;
use super::{SendState, TagChoice};
use crate::clock::Clock;
use crate::wechat::api::{MassGetRequest, MassSendRequest, MassStatus, SendAllRequest};
use crate::wechat::callback::Callback;
use crate::wechat::client::{CallError, WechatClient};
use crate::wechat::types::MsgId;

/// How often the worker looks for work when nobody wakes it: a callback
/// reaches its send within this.
const WORKER_TICK: Duration = Duration::from_secs(1);
/// `mass/get` checks run every this many rounds.
const STATUS_CHECK_ROUNDS: u64 = 10;
/// Housekeeping (old compose attempts, callbacks past their retention)
/// runs at start and then this often.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);
/// The first wait after an unanswered call; it doubles up to the cap.
const FIRST_RETRY_SECS: i64 = 10;
const MAX_RETRY_SECS: i64 = 600;
/// How often a send held for the account admin's confirmation is asked about.
const AWAITING_RECHECK_SECS: i64 = 120;

/// What requests and the worker share about sends in flight.
#[derive(Clone, Default)]
pub struct SendsState {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    in_flight: Mutex<HashSet<i64>>,
    wake: Notify,
    rounds: AtomicU64,
    clock: Clock,
    tags: Mutex<Option<(Instant, Vec<TagChoice>)>>,
    followers: Mutex<Option<(Instant, u64)>>,
}

/// How long a tag list or follower count is reused: the picker, the check
/// and the confirmation of one send then cost one `tags/get`.
const AUDIENCE_TTL: Duration = Duration::from_secs(60);

/// A send claimed for one settler; dropping it lets others at it again.
pub struct Claim {
    inner: Arc<Inner>,
    id: i64,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut set) = self.inner.in_flight.lock() {
            set.remove(&self.id);
        }
    }
}

impl SendsState {
    /// Claims send `id`, or `None` if a request or the worker has it.
    pub fn claim(&self, id: i64) -> Option<Claim> {
        let mut set = self.inner.in_flight.lock().ok()?;
        set.insert(id).then(|| Claim {
            inner: self.inner.clone(),
            id,
        })
    }

    /// Asks the worker to look now (a send was left unknown).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Sends whose worker reads `clock`: the built-in simulator's, so that
    /// moving WeChat's time moves the worker's too.
    pub fn with_clock(clock: Clock) -> Self {
        SendsState {
            inner: Arc::new(Inner {
                clock,
                ..Inner::default()
            }),
        }
    }

    /// Now, as the worker's rules of time read it.
    pub fn now(&self) -> String {
        self.inner.clock.timestamp()
    }

    /// Rounds the worker has finished since it started: a test that checks
    /// that nothing happened waits for one to pass instead of sleeping.
    pub fn rounds(&self) -> u64 {
        self.inner.rounds.load(Ordering::SeqCst)
    }

    pub fn cached_tags(&self) -> Option<Vec<TagChoice>> {
        let cache = self.inner.tags.lock().ok()?;
        let (at, tags) = cache.as_ref()?;
        (at.elapsed() < AUDIENCE_TTL).then(|| tags.clone())
    }

    pub fn cache_tags(&self, tags: Vec<TagChoice>) {
        if let Ok(mut cache) = self.inner.tags.lock() {
            *cache = Some((Instant::now(), tags));
        }
    }

    pub fn cached_followers(&self) -> Option<u64> {
        let cache = self.inner.followers.lock().ok()?;
        let (at, total) = cache.as_ref()?;
        (at.elapsed() < AUDIENCE_TTL).then_some(*total)
    }

    pub fn cache_followers(&self, total: u64) {
        if let Ok(mut cache) = self.inner.followers.lock() {
            *cache = Some((Instant::now(), total));
        }
    }
}

/// Calls `sendall` for send `id` if it is still `pending` or `unknown` and
/// nobody else is on it, and records what the answer means. Returns the
/// send's state afterwards.
pub async fn settle(
    db: &sqlx::SqlitePool,
    wechat: &WechatClient,
    sends: &SendsState,
    id: i64,
    source: &'static str,
) -> Result<Option<SendState>, StoreError> {
    let Some(_claim) = sends.claim(id) else {
        return Ok(None);
    };
    let Some(send) = store::load_send(db, id).await? else {
        return Ok(None);
    };
    if !matches!(
        send.state,
        SendState::Pending | SendState::Unknown | SendState::AwaitingConfirmation
    ) {
        return Ok(Some(send.state));
    }
    let now = sends.now();
    if store::too_old_to_retry(db, id, &now).await? {
        // WeChat forgets a clientmsgid after 24 hours; a call now could make
        // a second send. It stays as it is, for a person to check.
        store::give_up(db, id, source, &Note::TooOldToRetry.code()).await?;
        return Ok(Some(send.state));
    }
    let answer = if store::endpoint_of(db, id).await? == "send" {
        let request: MassSendRequest = serde_json::from_str(&send.request)?;
        wechat.mass_send(&request).await
    } else {
        let request: SendAllRequest = serde_json::from_str(&send.request)?;
        wechat.send_all(&request).await
    };
    let (state, mut step) = interpret(answer, send.attempts + 1);
    step.source = source;
    match &step.errcode {
        Some(code) => tracing::info!(
            send = id,
            state = state.as_str(),
            errcode = code,
            "send answered"
        ),
        None => {
            tracing::info!(send = id, state = state.as_str(), msg_id = ?step.msg_id, "send answered")
        }
    }
    if !store::record_call(db, id, state, step, &sends.now()).await? {
        return Ok(store::load_send(db, id).await?.map(|s| s.state));
    }
    if state == SendState::Submitted {
        // Its callback may have come while its msg_id was unknown.
        let applied = apply(db, store::ends_of_send(db, id).await?).await?;
        check_undecided(db, wechat, &sends.now(), &applied.undecided).await?;
        if applied.ended > 0 || !applied.undecided.is_empty() {
            return Ok(store::load_send(db, id).await?.map(|s| s.state));
        }
    }
    if state == SendState::Unknown {
        sends.wake();
    }
    Ok(Some(state))
}

/// What a `sendall` answer means for the send (DESIGN: the life of a send).
/// `attempt` counts this call, for the backoff.
pub fn interpret(
    answer: Result<crate::wechat::api::SendAllResponse, CallError>,
    attempt: i64,
) -> (SendState, Transition) {
    let error = match answer {
        Ok(ok) => {
            return (
                SendState::Submitted,
                Transition {
                    msg_id: Some(ok.msg_id.get()),
                    msg_data_id: ok.msg_data_id.map(|id| id.get()),
                    ..Transition::default()
                },
            );
        }
        Err(error) => error,
    };
    let code = error.code();
    let with_code = |state, retry_after_secs, note: Note| {
        (
            state,
            Transition {
                errcode: code.map(|c| c.code()),
                errmsg: Some(error.to_string()),
                retry_after_secs,
                detail: Some(note.code()),
                ..Transition::default()
            },
        )
    };
    match (&error, code) {
        (CallError::Api(api), Some(code)) if code.is_already_submitted() => match api.msg_id {
            Some(msg_id) => (
                SendState::Submitted,
                Transition {
                    msg_id: Some(msg_id.get()),
                    errcode: Some(code.code()),
                    detail: Some(Note::AlreadySent.code()),
                    ..Transition::default()
                },
            ),
            None => with_code(SendState::Unknown, None, Note::AlreadySentNoMsgId),
        },
        (_, Some(crate::wechat::errcode::ErrCode::ClientMsgIdRetryTooFast)) => {
            with_code(SendState::Unknown, Some(60), Note::RetryTooFast)
        }
        // mass/send's "too fast" and "too many tasks": nothing went out,
        // and the same call succeeds after a few minutes.
        (
            _,
            Some(
                code @ (crate::wechat::errcode::ErrCode::MassSendTooFast
                | crate::wechat::errcode::ErrCode::MassSendTaskTooMany),
            ),
        ) => with_code(
            SendState::Unknown,
            code.retry_after_secs().and_then(|s| i64::try_from(s).ok()),
            Note::WechatBusy,
        ),
        // Asked again every two minutes with the same clientmsgid: 89504
        // while the admin has not decided, 45065 with the msg_id after.
        (_, Some(code)) if code.is_awaiting_confirmation() => with_code(
            SendState::AwaitingConfirmation,
            Some(AWAITING_RECHECK_SECS),
            Note::AwaitingAdmin,
        ),
        _ if error.outcome_unknown() => {
            let exponent = u32::try_from(attempt.clamp(1, 10) - 1).unwrap_or(0);
            let wait = (FIRST_RETRY_SECS << exponent).min(MAX_RETRY_SECS);
            let wait = wait + rand::random_range(0..=wait / 5);
            with_code(SendState::Unknown, Some(wait), Note::NoAnswer)
        }
        _ => with_code(SendState::Rejected, None, Note::Refused),
    }
}

/// Settles account `account`'s sends until `stop` is cancelled (the server
/// is stopping, or the account was disabled or changed; the step under
/// way, perhaps a WeChat call, ends first): at once on start (sends a crash
/// left `pending`), then every second or when woken. Each round also
/// applies the account's stored MASSSENDJOBFINISH callbacks to their sends
/// and, for sends without one `check_after` after submission, asks
/// `mass/get`. Each account has its own worker and client, so one
/// account's slow or failing WeChat never holds up another's sends.
pub async fn worker(
    db: sqlx::SqlitePool,
    account: i64,
    wechat: WechatClient,
    sends: SendsState,
    check_after: Duration,
    schedule_grace: Duration,
    stop: CancellationToken,
) {
    let mut round: u64 = 0;
    // Callbacks up to this id have been matched with their sends. At
    // start every open send is matched once; then only new callbacks,
    // and a send that gets its msg_id late is matched in `settle`.
    let mut mark: Option<i64> = None;
    loop {
        if stop.is_cancelled() || db.is_closed() {
            return;
        }
        let applied = match mark {
            None => match store::ends_to_apply(&db, account).await {
                Ok(ends) => {
                    let newest = ends.iter().map(|e| e.callback_id).max();
                    apply(&db, ends).await.inspect(|_| {
                        mark = Some(newest.unwrap_or(0));
                    })
                }
                Err(error) => Err(error),
            },
            Some(after) => match store::new_ends(&db, account, after).await {
                Ok((ends, newest)) => apply(&db, ends).await.inspect(|_| mark = Some(newest)),
                Err(error) => Err(error),
            },
        };
        match applied {
            Ok(applied) => {
                if let Err(error) =
                    check_undecided(&db, &wechat, &sends.now(), &applied.undecided).await
                {
                    tracing::error!(account, error = %error, "the worker could not check sends with mass/get");
                }
            }
            Err(error) => {
                tracing::error!(account, error = %error, "the worker could not apply callbacks to sends");
            }
        }
        if let Err(error) =
            super::schedule::ssr::release_due(&db, &wechat, account, &sends.now(), schedule_grace)
                .await
        {
            tracing::error!(account, error = %error, "the worker could not release the scheduled sends due");
        }
        match store::to_settle(&db, account, &sends.now()).await {
            Ok(ids) => {
                for id in ids {
                    if stop.is_cancelled() {
                        return;
                    }
                    if let Err(error) = settle(&db, &wechat, &sends, id, "worker").await {
                        tracing::error!(account, send = id, error = %error, "the worker could not settle a send");
                    }
                }
            }
            Err(error) => {
                tracing::error!(account, error = %error, "the worker could not read the sends to settle");
            }
        }
        if round.is_multiple_of(STATUS_CHECK_ROUNDS)
            && let Err(error) = check_status(&db, account, &wechat, &sends.now(), check_after).await
        {
            tracing::error!(account, error = %error, "the worker could not check sends with mass/get");
        }
        round += 1;
        sends.inner.rounds.fetch_add(1, Ordering::SeqCst);
        crate::metrics::worker_round();
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = sends.inner.wake.notified() => {}
            _ = tokio::time::sleep(WORKER_TICK) => {}
        }
    }
}

/// Housekeeping for all accounts, at start and then about hourly, until
/// `stop`: compose attempts unconfirmed for a day, and callbacks other than
/// MASSSENDJOBFINISH older than `callback_retention`.
pub async fn housekeeping(
    db: sqlx::SqlitePool,
    callback_retention: Duration,
    stop: CancellationToken,
) {
    loop {
        if stop.is_cancelled() || db.is_closed() {
            return;
        }
        match store::remove_unconfirmed_attempts(&db).await {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, "removed compose attempts unconfirmed for a day")
            }
            Err(error) => {
                tracing::error!(error = %error, "housekeeping could not remove old compose attempts")
            }
        }
        match crate::callbacks::store::delete_expired(&db, callback_retention).await {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(deleted, "deleted callbacks past QUNFA_CALLBACK_RETENTION")
            }
            Err(error) => {
                tracing::error!(error = %error, "housekeeping could not delete expired callbacks")
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(HOUSEKEEPING_EVERY) => {}
        }
    }
}

/// What [`apply`] did with the stored ends it was given.
#[derive(Debug, Default)]
pub struct Applied {
    /// Sends moved to `finished` or `failed`.
    pub ended: usize,
    /// Sends (id, msg_id) whose callback had a `Status` the seed does not
    /// spell: left open, for `mass/get` to settle.
    pub undecided: Vec<(i64, u64)>,
}

/// Moves each send to `finished` or `failed` with the counts of its
/// MASSSENDJOBFINISH. A status that is neither `send success` nor a
/// failure (`send fail`, `err(n)`) ends nothing: the callback stays stored,
/// the send's timeline says so, and the send is returned as undecided.
pub async fn apply(
    db: &sqlx::SqlitePool,
    ends: Vec<store::PendingEnd>,
) -> Result<Applied, StoreError> {
    let mut applied = Applied::default();
    for pending in ends {
        let Ok(Callback::MassSendJobFinish(finish)) =
            serde_json::from_str::<Callback>(&pending.parsed)
        else {
            continue;
        };
        let result = finish.result;
        let state = if result.status.is_success() {
            SendState::Finished
        } else if result.status.is_failure() {
            SendState::Failed
        } else {
            let note = Note::UndocumentedStatus(result.status.to_wire());
            store::note_once(db, pending.send_id, "callback", &note.code()).await?;
            applied
                .undecided
                .push((pending.send_id, result.msg_id.get()));
            continue;
        };
        let end = store::Ending {
            result_status: Some(result.status.to_wire()),
            total_count: result.total_count,
            filter_count: result.filter_count,
            sent_count: result.sent_count,
            error_count: result.error_count,
            source: "callback",
            callback_id: Some(pending.callback_id),
        };
        if store::record_end(db, pending.send_id, state, end).await? {
            applied.ended += 1;
        }
    }
    Ok(applied)
}

/// Asks `mass/get` at once about sends whose callback did not decide them.
/// A failed call was logged; the periodic check asks again.
pub async fn check_undecided(
    db: &sqlx::SqlitePool,
    wechat: &WechatClient,
    now: &str,
    undecided: &[(i64, u64)],
) -> Result<(), StoreError> {
    for &(id, msg_id) in undecided {
        let _answer = refresh_status(db, wechat, now, id, msg_id).await?;
    }
    Ok(())
}

/// Asks `mass/get` about sends whose callback has not come.
pub async fn check_status(
    db: &sqlx::SqlitePool,
    account: i64,
    wechat: &WechatClient,
    now: &str,
    after: Duration,
) -> Result<(), StoreError> {
    let after = i64::try_from(after.as_secs()).unwrap_or(i64::MAX);
    for (id, msg_id) in store::due_for_check(db, account, after, now).await? {
        // A failed call was logged; the next round asks again.
        let _answer = refresh_status(db, wechat, now, id, msg_id).await?;
    }
    Ok(())
}

/// One `mass/get`: a send that WeChat says ended is ended, marked as told
/// by `mass/get` (no counts: the call has none). Also the detail page's
/// "refresh status".
pub async fn refresh_status(
    db: &sqlx::SqlitePool,
    wechat: &WechatClient,
    now: &str,
    id: i64,
    msg_id: u64,
) -> Result<Result<MassStatus, CallError>, StoreError> {
    let request = MassGetRequest {
        msg_id: MsgId::new(msg_id),
    };
    let answer = wechat.mass_get(&request).await;
    store::mark_checked(db, id, now).await?;
    let status = match answer {
        Ok(answer) => answer.msg_status,
        Err(error) => {
            tracing::warn!(send = id, %error, "mass/get failed");
            return Ok(Err(error));
        }
    };
    let state = match status {
        MassStatus::SendSuccess => Some(SendState::Finished),
        MassStatus::SendFail => Some(SendState::Failed),
        _ => None,
    };
    if let Some(state) = state {
        let end = store::Ending {
            result_status: Some(status.as_str().to_owned()),
            source: "mass/get",
            ..store::Ending::default()
        };
        store::record_end(db, id, state, end).await?;
    }
    Ok(Ok(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::api::SendAllResponse;
    use crate::wechat::errcode::ApiError;

    fn api(code: i64) -> CallError {
        CallError::Api(ApiError::new(code, format!("errcode {code} rid: x")))
    }

    /// What `sendall` answered, read from WeChat's body as the client reads it.
    fn answered(body: &str) -> Result<SendAllResponse, CallError> {
        let envelope: crate::wechat::api::Envelope<SendAllResponse> =
            serde_json::from_str(body).unwrap();
        envelope.0.map_err(CallError::Api)
    }

    #[test]
    fn a_45066_then_a_45065_from_wechats_bodies_end_on_the_existing_msg_id() {
        let (state, step) = interpret(
            answered(r#"{"errcode":45066,"errmsg":"same clientmsgid retry too fast"}"#),
            2,
        );
        assert_eq!(state, SendState::Unknown);
        assert_eq!(step.retry_after_secs, Some(60));
        assert_eq!(step.msg_id, None);
        let (state, step) = interpret(
            answered(r#"{"errcode":45065,"errmsg":"clientmsgid exist","msgid":"3147483650"}"#),
            3,
        );
        assert_eq!(state, SendState::Submitted);
        assert_eq!(step.msg_id, Some(3_147_483_650));
        assert_eq!(step.errcode, Some(45065));
    }

    #[test]
    fn answers_move_the_send_as_designed() {
        let ok = SendAllResponse {
            errmsg: None,
            msg_id: MsgId::new(5_000_000_001),
            msg_data_id: None,
        };
        let (state, step) = interpret(Ok(ok), 1);
        assert_eq!(state, SendState::Submitted);
        assert_eq!(step.msg_id, Some(5_000_000_001));

        let mut exists = ApiError::new(45065, "clientmsgid exist");
        exists.msg_id = Some(MsgId::new(5_000_000_002));
        let (state, step) = interpret(Err(CallError::Api(exists)), 2);
        assert_eq!(state, SendState::Submitted);
        assert_eq!(step.msg_id, Some(5_000_000_002));

        let (state, step) = interpret(Err(api(45066)), 2);
        assert_eq!(
            (state, step.retry_after_secs),
            (SendState::Unknown, Some(60))
        );

        for code in [89503, 89504, 89505] {
            assert_eq!(
                interpret(Err(api(code)), 1).0,
                SendState::AwaitingConfirmation
            );
        }
        for code in [45028, 40007, 48021, 41040] {
            let (state, step) = interpret(Err(api(code)), 1);
            assert_eq!(state, SendState::Rejected);
            assert_eq!(step.errcode, Some(code));
            assert_eq!(step.retry_after_secs, None);
        }
    }

    #[test]
    fn mass_sends_too_fast_or_too_many_wait_minutes_and_are_asked_again() {
        for code in [42010, 9_500_002] {
            let (state, step) = interpret(Err(api(code)), 1);
            assert_eq!(state, SendState::Unknown, "{code}");
            assert_eq!(step.retry_after_secs, Some(300), "{code}");
            assert_eq!(step.errcode, Some(code));
        }
    }

    #[test]
    fn no_answer_is_unknown_with_a_growing_wait() {
        let wait = |attempt| {
            let (state, step) = interpret(Err(CallError::Timeout), attempt);
            assert_eq!(state, SendState::Unknown);
            step.retry_after_secs.unwrap()
        };
        assert!((10..=12).contains(&wait(1)));
        assert!((20..=24).contains(&wait(2)));
        assert!((600..=720).contains(&wait(9)));
        assert_eq!(
            interpret(Err(CallError::Http(502)), 1).0,
            SendState::Unknown
        );
        assert_eq!(
            interpret(Err(CallError::Http(404)), 1).0,
            SendState::Rejected
        );
    }
}
