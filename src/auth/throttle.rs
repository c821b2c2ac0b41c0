//! Refuses logins for a while after repeated failures, per username and per
//! address, so passwords cannot be guessed at speed.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Five failures within a minute lock the key for five minutes.
const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);
const LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// Past this many keys, forget the ones with nothing recent; bounds memory
/// under a flood of made-up usernames.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    User(String),
    Address(IpAddr),
}

impl ThrottleKey {
    pub fn user(name: &str) -> Self {
        ThrottleKey::User(name.trim().to_lowercase())
    }
}

#[derive(Default)]
struct Record {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

#[derive(Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<ThrottleKey, Record>>,
}

impl LoginThrottle {
    /// `Err` with the time left when any of the keys is locked.
    pub fn check(&self, keys: &[ThrottleKey], now: Instant) -> Result<(), Duration> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|key| records.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, keys: &[ThrottleKey], now: Instant) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() > PRUNE_ABOVE {
            records.retain(|_, r| {
                r.locked_until.is_some_and(|u| u > now)
                    || r.failures
                        .back()
                        .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        for key in keys {
            let record = records.entry(key.clone()).or_default();
            while record
                .failures
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                record.failures.pop_front();
            }
            record.failures.push_back(now);
            if record.failures.len() >= MAX_FAILURES {
                record.locked_until = Some(now + LOCKOUT);
                record.failures.clear();
            }
        }
    }

    /// A good login forgets that user's failures (not the address's: one
    /// valid account must not reset the count for guessing others).
    pub fn record_success(&self, user: &ThrottleKey) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_a_minute_lock_for_a_while() {
        let throttle = LoginThrottle::default();
        let key = [ThrottleKey::user("Ed")];
        let start = Instant::now();
        for i in 0..4 {
            throttle.record_failure(&key, start + Duration::from_secs(i));
            assert!(throttle.check(&key, start + Duration::from_secs(i)).is_ok());
        }
        throttle.record_failure(&key, start + Duration::from_secs(5));
        let wait = throttle.check(&[ThrottleKey::user("ed")], start + Duration::from_secs(6));
        assert!(wait.is_err(), "the username is compared without case");
        assert!(
            throttle
                .check(&key, start + Duration::from_secs(5) + LOCKOUT)
                .is_ok()
        );
    }

    #[test]
    fn failures_spread_over_more_than_a_minute_do_not_lock() {
        let throttle = LoginThrottle::default();
        let key = [ThrottleKey::Address("127.0.0.1".parse().unwrap())];
        let start = Instant::now();
        for i in 0..10 {
            throttle.record_failure(&key, start + Duration::from_secs(i * 20));
        }
        assert!(
            throttle
                .check(&key, start + Duration::from_secs(200))
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_user_but_not_the_address() {
        let throttle = LoginThrottle::default();
        let user = ThrottleKey::user("ed");
        let address = ThrottleKey::Address("10.0.0.1".parse().unwrap());
        let now = Instant::now();
        for _ in 0..4 {
            throttle.record_failure(&[user.clone(), address.clone()], now);
        }
        throttle.record_success(&user);
        throttle.record_failure(&[user.clone(), address.clone()], now);
        assert!(throttle.check(std::slice::from_ref(&user), now).is_ok());
        assert!(throttle.check(&[address], now).is_err());
    }
}
