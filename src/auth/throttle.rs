//! Refuses logins for a while after repeated failures, per username and per
//! address, so passwords cannot be guessed at speed.
//!
//! An attempt is counted when it starts, before its password is checked: a
//! key with `MAX_FAILURES` failures and attempts in flight takes no more, so
//! a burst of concurrent logins gets no more guesses than a sequence would.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

/// Five failures within a minute lock the key for five minutes.
pub const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);
const LOCKOUT: Duration = Duration::from_secs(5 * 60);
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
    User(String),
    Address(IpAddr),
}

impl ThrottleKey {
    pub fn user(name: &str) -> Self {
        ThrottleKey::User(name.trim().to_lowercase().chars().take(KEY_NAME_MAX_CHARS).collect())
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
            && self.failures.back().is_none_or(|t| now - *t >= millis(WINDOW))
    }
}

#[derive(Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<ThrottleKey, Record>>,
}

/// Why an attempt may not go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled;

impl LoginThrottle {
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
                // A good login forgets that user's failures (not the
                // address's: one valid account must not reset the count for
                // guessing others).
                Outcome::Succeeded if matches!(key, ThrottleKey::User(_)) => {
                    record.failures.clear();
                    record.locked_until = None;
                }
                Outcome::Succeeded | Outcome::NotChecked => {}
            }
        }
    }
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
    /// this failure locked a key.
    pub fn failed(mut self, now: Millis) -> bool {
        self.open = false;
        self.throttle.end(&self.keys, now, Outcome::Failed);
        self.throttle.check(&self.keys, now).is_err()
    }

    pub fn succeeded(mut self, now: Millis) {
        self.open = false;
        self.throttle.end(&self.keys, now, Outcome::Succeeded);
    }

    /// No password was checked (the checks were busy): nothing is counted.
    pub fn not_checked(mut self, now: Millis) {
        self.open = false;
        self.throttle.end(&self.keys, now, Outcome::NotChecked);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.open {
            self.throttle
                .end(&self.keys, now_millis(), Outcome::Failed);
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

    #[test]
    fn five_failures_in_a_minute_lock_for_a_while() {
        let throttle = throttle();
        let key = vec![ThrottleKey::user("Ed")];
        let start = 1_000_000;
        for i in 0..4 {
            let attempt = throttle.begin(key.clone(), start + i * SECOND).unwrap();
            assert!(!attempt.failed(start + i * SECOND));
        }
        let fifth = throttle.begin(key.clone(), start + 5 * SECOND).unwrap();
        assert!(fifth.failed(start + 5 * SECOND), "the fifth failure locks");
        let lowercase = vec![ThrottleKey::user("ed")];
        assert!(
            throttle.begin(lowercase.clone(), start + 6 * SECOND).is_err(),
            "the username is compared without case"
        );
        assert!(throttle.check(&lowercase, start + 6 * SECOND).is_err());
        let later = start + 5 * SECOND + millis(LOCKOUT);
        assert!(throttle.check(&key, later).is_ok());
        assert!(throttle.begin(key, later).is_ok());
    }

    #[test]
    fn attempts_in_flight_count_before_their_outcome() {
        let throttle = throttle();
        let key = vec![ThrottleKey::user("admin")];
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
            attempt.failed(now);
        }
        assert!(throttle.check(&key, now).is_err(), "and the five lock");
    }

    #[test]
    fn an_attempt_not_checked_counts_nothing_and_a_dropped_one_fails() {
        let throttle = throttle();
        let key = vec![ThrottleKey::user("ed")];
        let now = 1_000_000;
        for _ in 0..10 {
            throttle.begin(key.clone(), now).unwrap().not_checked(now);
        }
        for _ in 0..MAX_FAILURES {
            drop(throttle.begin(key.clone(), now).unwrap());
        }
        assert!(throttle.begin(key, now + SECOND).is_err());
    }

    #[test]
    fn failures_spread_over_more_than_a_minute_do_not_lock() {
        let throttle = throttle();
        let key = vec![ThrottleKey::Address("127.0.0.1".parse().unwrap())];
        let start = 1_000_000;
        for i in 0..10 {
            let at = start + i * 20 * SECOND;
            throttle.begin(key.clone(), at).unwrap().failed(at);
        }
        assert!(throttle.check(&key, start + 200 * SECOND).is_ok());
    }

    #[test]
    fn success_clears_the_user_but_not_the_address() {
        let throttle = throttle();
        let user = ThrottleKey::user("ed");
        let address = ThrottleKey::Address("10.0.0.1".parse().unwrap());
        let both = vec![user.clone(), address.clone()];
        let now = 1_000_000;
        for _ in 0..4 {
            throttle.begin(both.clone(), now).unwrap().failed(now);
        }
        throttle.begin(both.clone(), now).unwrap().succeeded(now);
        throttle.begin(both.clone(), now).unwrap().failed(now);
        assert!(throttle.check(std::slice::from_ref(&user), now).is_ok());
        assert!(throttle.check(&[address], now).is_err());
    }
}
