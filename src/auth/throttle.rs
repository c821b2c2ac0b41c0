//! Refuses logins for a while after repeated failures, per username at an
//! address and per address, so passwords cannot be guessed at speed, while a
//! stranger elsewhere cannot lock a user out: a lockout holds only at the
//! address the failures came from.
//!
//! An attempt is counted when it starts, before its password is checked: a
//! key with `MAX_FAILURES` failures and attempts in flight takes no more, so
//! a burst of concurrent logins gets no more guesses than a sequence would.
//! Failures and lockouts are kept in `login_throttle` too, so a restart
//! lifts none.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use sqlx::SqlitePool;

/// Five failures within a minute lock the key for five minutes.
pub const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// Past this many keys, forget the ones with nothing recent; bounds memory
/// under a flood of made-up usernames.
const PRUNE_ABOVE: usize = 10_000;
/// The most of a typed username a key keeps (valid ones have 32
/// characters), so made-up names cannot fill the memory.
const KEY_NAME_MAX_CHARS: usize = 64;

/// Milliseconds since the Unix epoch: times that mean the same after a
/// restart.
pub type Millis = i64;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

fn millis(duration: Duration) -> Millis {
    duration.as_millis() as Millis
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// One username tried from one address.
    UserAt { user: String, address: IpAddr },
    /// Every username tried from one address.
    Address(IpAddr),
}

impl ThrottleKey {
    pub fn user_at(name: &str, address: IpAddr) -> Self {
        ThrottleKey::UserAt {
            user: name
                .trim()
                .to_lowercase()
                .chars()
                .take(KEY_NAME_MAX_CHARS)
                .collect(),
            address,
        }
    }

    /// The key as `login_throttle.key` has it.
    fn stored(&self) -> String {
        match self {
            ThrottleKey::UserAt { user, address } => format!("user {address} {user}"),
            ThrottleKey::Address(address) => format!("address {address}"),
        }
    }

    fn from_stored(text: &str) -> Option<ThrottleKey> {
        let mut parts = text.splitn(3, ' ');
        match (parts.next()?, parts.next()?.parse().ok()?, parts.next()) {
            ("user", address, Some(user)) => Some(ThrottleKey::UserAt {
                user: user.to_owned(),
                address,
            }),
            ("address", address, None) => Some(ThrottleKey::Address(address)),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Record {
    failures: VecDeque<Millis>,
    /// Attempts whose password is being checked now.
    in_flight: usize,
    locked_until: Option<Millis>,
}

impl Record {
    fn forget_old(&mut self, now: Millis) {
        while self
            .failures
            .front()
            .is_some_and(|t| now - *t >= millis(WINDOW))
        {
            self.failures.pop_front();
        }
    }

    fn locked(&self, now: Millis) -> Option<Millis> {
        self.locked_until.filter(|until| *until > now)
    }

    fn is_idle(&self, now: Millis) -> bool {
        self.in_flight == 0
            && self.locked(now).is_none()
            && self
                .failures
                .back()
                .is_none_or(|t| now - *t >= millis(WINDOW))
    }
}

/// The throttle: in memory, where every decision is made at once under one
/// lock, and written through to `login_throttle` when a database is given.
#[derive(Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<ThrottleKey, Record>>,
    db: Option<SqlitePool>,
    /// Writes go one at a time, each with the state of its moment, so an
    /// older state never overwrites a newer one.
    writes: tokio::sync::Mutex<()>,
}

/// The attempt may not go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled;

impl LoginThrottle {
    /// The throttle as the database keeps it: failures within the window and
    /// lockouts not yet over (older rows are deleted).
    pub async fn load(db: SqlitePool, now: Millis) -> Result<LoginThrottle, sqlx::Error> {
        delete_stale(&db, now).await?;
        let rows = sqlx::query!("SELECT key, failures, locked_until FROM login_throttle")
            .fetch_all(&db)
            .await?;
        let mut records = HashMap::new();
        for row in rows {
            let Some(key) = ThrottleKey::from_stored(&row.key) else {
                continue;
            };
            let failures: VecDeque<Millis> =
                serde_json::from_str(&row.failures).unwrap_or_default();
            let mut record = Record {
                failures,
                in_flight: 0,
                locked_until: row.locked_until,
            };
            record.forget_old(now);
            records.insert(key, record);
        }
        Ok(LoginThrottle {
            records: Mutex::new(records),
            db: Some(db),
            writes: tokio::sync::Mutex::new(()),
        })
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<ThrottleKey, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err` with the time left when any of the keys is locked.
    pub fn check(&self, keys: &[ThrottleKey], now: Millis) -> Result<(), Duration> {
        let records = self.records();
        let wait = keys
            .iter()
            .filter_map(|key| records.get(key)?.locked(now))
            .map(|until| Duration::from_millis((until - now) as u64))
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// How long the keys stay locked: the longest lockout left, or, when
    /// none is locked yet (attempts in flight fill the limit), the lockout
    /// they are about to earn.
    pub fn lockout_left(&self, keys: &[ThrottleKey], now: Millis) -> Duration {
        self.check(keys, now).err().unwrap_or(LOCKOUT)
    }

    /// Counts an attempt on every key before its password is checked. It is
    /// refused when a key is locked, or when its recent failures and the
    /// attempts in flight already reach the limit.
    pub fn begin(
        self: &Arc<Self>,
        keys: Vec<ThrottleKey>,
        now: Millis,
    ) -> Result<Attempt, Throttled> {
        let mut records = self.records();
        if records.len() > PRUNE_ABOVE {
            records.retain(|_, r| !r.is_idle(now));
            if let Some(db) = self.db.clone() {
                tokio::spawn(async move {
                    if let Err(error) = delete_stale(&db, now).await {
                        tracing::warn!(%error, "old login failures could not be deleted");
                    }
                });
            }
        }
        for key in &keys {
            if let Some(record) = records.get_mut(key) {
                record.forget_old(now);
                if record.locked(now).is_some()
                    || record.failures.len() + record.in_flight >= MAX_FAILURES
                {
                    return Err(Throttled);
                }
            }
        }
        for key in &keys {
            records.entry(key.clone()).or_default().in_flight += 1;
        }
        Ok(Attempt {
            throttle: self.clone(),
            keys,
            open: true,
        })
    }

    fn end(&self, keys: &[ThrottleKey], now: Millis, outcome: Outcome) {
        let mut records = self.records();
        for key in keys {
            let record = records.entry(key.clone()).or_default();
            record.in_flight = record.in_flight.saturating_sub(1);
            match outcome {
                Outcome::Failed => {
                    record.forget_old(now);
                    record.failures.push_back(now);
                    if record.failures.len() >= MAX_FAILURES {
                        record.locked_until = Some(now + millis(LOCKOUT));
                        record.failures.clear();
                    }
                }
                // A good login forgets that user's failures at that address
                // (not the address's: one valid account must not reset the
                // count for guessing others).
                Outcome::Succeeded if matches!(key, ThrottleKey::UserAt { .. }) => {
                    record.failures.clear();
                    record.locked_until = None;
                }
                Outcome::Succeeded | Outcome::NotChecked => {}
            }
        }
    }

    /// Writes the keys' present state to the database; a key with nothing
    /// to remember is deleted. A failed write is logged: the lockout still
    /// holds in memory until the next restart.
    async fn persist(&self, keys: &[ThrottleKey], now: Millis) {
        let Some(db) = &self.db else {
            return;
        };
        let _one_at_a_time = self.writes.lock().await;
        let rows: Vec<(String, Option<StoredRecord>)> = {
            let records = self.records();
            keys.iter()
                .map(|key| {
                    let row = records
                        .get(key)
                        .filter(|r| !r.failures.is_empty() || r.locked(now).is_some())
                        .map(|r| {
                            let failures =
                                serde_json::to_string(&r.failures).unwrap_or_else(|_| "[]".into());
                            StoredRecord {
                                failures,
                                locked_until: r.locked_until,
                            }
                        });
                    (key.stored(), row)
                })
                .collect()
        };
        for (key, row) in rows {
            let written = match row {
                Some(StoredRecord {
                    failures,
                    locked_until,
                }) => sqlx::query!(
                    "INSERT INTO login_throttle (key, failures, locked_until, updated_at)
                     VALUES (?, ?, ?, ?)
                     ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                        locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                    key,
                    failures,
                    locked_until,
                    now
                )
                .execute(db)
                .await
                .map(drop),
                None => sqlx::query!("DELETE FROM login_throttle WHERE key = ?", key)
                    .execute(db)
                    .await
                    .map(drop),
            };
            if let Err(error) = written {
                tracing::error!(%error, "the login throttle could not be written");
            }
        }
    }
}

/// A row of `login_throttle` as written: the failures as a JSON array.
struct StoredRecord {
    failures: String,
    locked_until: Option<Millis>,
}

/// Deletes rows with no lockout in force and no failure within the window.
async fn delete_stale(db: &SqlitePool, now: Millis) -> Result<(), sqlx::Error> {
    let before = now - millis(WINDOW);
    sqlx::query!(
        "DELETE FROM login_throttle WHERE coalesce(locked_until, 0) <= ? AND updated_at <= ?",
        now,
        before
    )
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Outcome {
    Failed,
    Succeeded,
    NotChecked,
}

/// A login attempt counted by [`LoginThrottle::begin`]. Dropped without an
/// outcome (the request was cut off), it counts as a failure.
#[must_use]
pub struct Attempt {
    throttle: Arc<LoginThrottle>,
    keys: Vec<ThrottleKey>,
    open: bool,
}

impl Attempt {
    /// The password was wrong (or the user unknown or disabled). True when
    /// a key is locked now.
    pub async fn failed(mut self, now: Millis) -> bool {
        self.open = false;
        self.throttle.end(&self.keys, now, Outcome::Failed);
        self.throttle.persist(&self.keys, now).await;
        self.throttle.check(&self.keys, now).is_err()
    }

    pub async fn succeeded(mut self, now: Millis) {
        self.open = false;
        self.throttle.end(&self.keys, now, Outcome::Succeeded);
        self.throttle.persist(&self.keys, now).await;
    }

    /// No password was checked (the checks were busy, or the users could not
    /// be read): nothing is counted.
    pub fn not_checked(mut self, now: Millis) {
        self.open = false;
        self.throttle.end(&self.keys, now, Outcome::NotChecked);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let now = now_millis();
        self.throttle.end(&self.keys, now, Outcome::Failed);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let throttle = self.throttle.clone();
            let keys = std::mem::take(&mut self.keys);
            runtime.spawn(async move { throttle.persist(&keys, now).await });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Millis = 1000;

    fn throttle() -> Arc<LoginThrottle> {
        Arc::new(LoginThrottle::default())
    }

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn five_failures_in_a_minute_lock_for_a_while() {
        let throttle = throttle();
        let key = vec![ThrottleKey::user_at("Ed", address("192.0.2.1"))];
        let start = 1_000_000;
        for i in 0..4 {
            let attempt = throttle.begin(key.clone(), start + i * SECOND).unwrap();
            assert!(!attempt.failed(start + i * SECOND).await);
        }
        let fifth = throttle.begin(key.clone(), start + 5 * SECOND).unwrap();
        assert!(
            fifth.failed(start + 5 * SECOND).await,
            "the fifth failure locks"
        );
        let lowercase = vec![ThrottleKey::user_at("ed", address("192.0.2.1"))];
        assert!(
            throttle
                .begin(lowercase.clone(), start + 6 * SECOND)
                .is_err(),
            "the username is compared without case"
        );
        assert!(throttle.check(&lowercase, start + 6 * SECOND).is_err());
        let later = start + 5 * SECOND + millis(LOCKOUT);
        assert!(throttle.check(&key, later).is_ok());
        assert!(throttle.begin(key, later).is_ok());
    }

    #[tokio::test]
    async fn a_lockout_holds_only_at_its_address() {
        let throttle = throttle();
        let now = 1_000_000;
        let there = address("203.0.113.5");
        for _ in 0..MAX_FAILURES {
            let keys = vec![
                ThrottleKey::user_at("admin", there),
                ThrottleKey::Address(there),
            ];
            throttle.begin(keys, now).unwrap().failed(now).await;
        }
        let here = address("2001:db8::1");
        let keys = vec![
            ThrottleKey::user_at("admin", here),
            ThrottleKey::Address(here),
        ];
        assert!(throttle.begin(keys, now).is_ok());
        let keys = vec![
            ThrottleKey::user_at("ed", there),
            ThrottleKey::Address(there),
        ];
        assert!(
            throttle.begin(keys, now).is_err(),
            "the guessing address is locked for every name"
        );
    }

    #[tokio::test]
    async fn attempts_in_flight_count_before_their_outcome() {
        let throttle = throttle();
        let key = vec![ThrottleKey::user_at("admin", address("192.0.2.1"))];
        let now = 1_000_000;
        let in_flight: Vec<Attempt> = (0..MAX_FAILURES)
            .map(|_| throttle.begin(key.clone(), now).expect("within the limit"))
            .collect();
        assert_eq!(
            throttle.begin(key.clone(), now).err(),
            Some(Throttled),
            "no more guesses while five are being checked"
        );
        for attempt in in_flight {
            attempt.failed(now).await;
        }
        assert!(throttle.check(&key, now).is_err(), "and the five lock");
    }

    #[tokio::test]
    async fn an_attempt_not_checked_counts_nothing_and_a_dropped_one_fails() {
        let throttle = throttle();
        let key = vec![ThrottleKey::user_at("ed", address("192.0.2.1"))];
        let now = now_millis();
        for _ in 0..10 {
            throttle.begin(key.clone(), now).unwrap().not_checked(now);
        }
        for _ in 0..MAX_FAILURES {
            drop(throttle.begin(key.clone(), now).unwrap());
        }
        assert!(throttle.begin(key, now + SECOND).is_err());
    }

    #[tokio::test]
    async fn failures_spread_over_more_than_a_minute_do_not_lock() {
        let throttle = throttle();
        let key = vec![ThrottleKey::Address(address("127.0.0.1"))];
        let start = 1_000_000;
        for i in 0..10 {
            let at = start + i * 20 * SECOND;
            throttle.begin(key.clone(), at).unwrap().failed(at).await;
        }
        assert!(throttle.check(&key, start + 200 * SECOND).is_ok());
    }

    #[tokio::test]
    async fn success_clears_the_user_but_not_the_address() {
        let throttle = throttle();
        let there = address("10.0.0.1");
        let user = ThrottleKey::user_at("ed", there);
        let both = vec![user.clone(), ThrottleKey::Address(there)];
        let now = 1_000_000;
        for _ in 0..4 {
            throttle.begin(both.clone(), now).unwrap().failed(now).await;
        }
        throttle
            .begin(both.clone(), now)
            .unwrap()
            .succeeded(now)
            .await;
        throttle.begin(both.clone(), now).unwrap().failed(now).await;
        assert!(throttle.check(std::slice::from_ref(&user), now).is_ok());
        assert!(throttle.check(&[ThrottleKey::Address(there)], now).is_err());
    }

    #[tokio::test]
    async fn the_lockout_left_is_what_a_refused_login_is_told() {
        let throttle = throttle();
        let key = vec![ThrottleKey::Address(address("192.0.2.9"))];
        let now = 1_000_000;
        for _ in 0..MAX_FAILURES {
            throttle.begin(key.clone(), now).unwrap().failed(now).await;
        }
        assert_eq!(throttle.lockout_left(&key, now), LOCKOUT);
        assert_eq!(
            throttle.lockout_left(&key, now + 60 * SECOND),
            LOCKOUT - Duration::from_secs(60)
        );
    }

    #[test]
    fn the_words_for_a_locked_password_change_name_the_lockout() {
        let minutes = LOCKOUT.as_secs() / 60;
        let words = crate::error::Problem::TooManyAttempts;
        assert!(
            words
                .words(crate::i18n::Lang::En)
                .contains(&format!("{minutes} minutes"))
        );
        assert!(
            words
                .words(crate::i18n::Lang::Zh)
                .contains(&format!("{minutes} 分钟"))
        );
    }

    #[test]
    fn keys_are_stored_and_read_back() {
        for key in [
            ThrottleKey::user_at("王 小明", address("2001:db8::7")),
            ThrottleKey::user_at("admin", address("192.0.2.1")),
            ThrottleKey::Address(address("192.0.2.1")),
        ] {
            assert_eq!(ThrottleKey::from_stored(&key.stored()), Some(key));
        }
        assert_eq!(ThrottleKey::from_stored("nonsense"), None);
        let long = ThrottleKey::user_at(&"x".repeat(100_000), address("192.0.2.1"));
        assert!(long.stored().len() < 100);
    }
}
